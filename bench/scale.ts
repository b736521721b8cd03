// Scale: a 100-site × 2-year fleet of 15-minute logger files (~7M production rows) from the demo
// generator (the 8 built-in sites, then sites derived from them: pipeline/demo/fleet.ts), through the
// whole pipeline: `sunline run --force` in a child process with a fresh data dir (ingest, clean,
// weather, data quality, the 12-origin walk-forward backtest, forecast, anomalies, snapshot), exactly
// as `npm run build` runs it for the demo. Peak RSS is the child's own (process.resourceUsage().maxRSS
// at exit; DuckDB and the Prophet/GBDT worker threads are in that process), cross-checked by polling
// /proc/<pid>/status. Per-stage times come from the snapshot manifest the run writes.
//
//   npm run bench -- scale                      generate (or reuse) the fleet, then run the pipeline
//   npm run bench -- scale --clean              delete <tmpdir>/sunline-bench/scale-* and exit
//   SUNLINE_BENCH_SITES=10 npm run bench -- scale    a smaller fleet (default 100)
//   SUNLINE_BENCH_YEARS=1 npm run bench -- scale     a shorter span, ending 2026-07-01 like the demo (default 2)
//
// Prints JSON lines (the fleet, each stage, the RSS phases) and the summary last:
//   {"bench":"scale","sites":100,"rows":…,"seconds":…,"peak_rss_mb":…}
// rows = production data lines in the generated CSVs (header excluded; what ingest reads), seconds =
// the child's wall time for the whole run (generation excluded, reported apart). Targets (2 cores):
// ≤ 15 minutes end to end, peak RSS ≤ 4 GB; reported on stderr, never enforced.
import {spawn} from "node:child_process";
import {existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {basename, dirname, join} from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import {parseConfig} from "../pipeline/config.ts";
import {DEMO_DEFAULT_END, DEMO_DEFAULT_SEED, DEMO_GENERATOR_VERSION, type DemoManifest} from "../pipeline/demo/index.ts";
import {resolveInputs} from "../pipeline/inputs.ts";
import {demoDir} from "../pipeline/snapshot/paths.ts";

/** Targets from the issue; reported on stderr, never enforced. */
const TARGET_SECONDS = 15 * 60;
const TARGET_PEAK_RSS_MB = 4096;

const benchDir = join(tmpdir(), "sunline-bench");
const thisFile = fileURLToPath(import.meta.url);
const cliFile = fileURLToPath(new URL("../pipeline/cli.ts", import.meta.url));

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const log = (message: string): void => void process.stderr.write(`bench scale: ${message}\n`);
const elapsed = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
const emit = (line: Record<string, unknown>): void => console.log(JSON.stringify({bench: "scale", ...line}));

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// Child: the pipeline's own CLI (`sunline run --config FILE --data-dir DIR --force`) in this process, and
// its peak RSS written to a file at exit (the CLI ends with process.exit, which still runs 'exit' handlers).

async function child(configFile: string, dataDir: string, resultFile: string): Promise<void> {
  const started = process.hrtime.bigint();
  process.on("exit", (code) => {
    const usage = process.resourceUsage();
    writeFileSync(resultFile, JSON.stringify({exit_code: code, seconds: elapsed(started), peak_rss_mb: usage.maxRSS / 1024, user_s: usage.userCPUTime / 1e6, system_s: usage.systemCPUTime / 1e6}) + "\n");
  });
  process.argv = [process.argv[0], cliFile, "run", "--config", configFile, "--data-dir", dataDir, "--force"];
  await import(pathToFileURL(cliFile).href);
}

// ---------------------------------------------------------------------------------------------------------
// Parent.

interface ChildResult {
  exit_code: number;
  seconds: number;
  peak_rss_mb: number;
  user_s: number;
  system_s: number;
}

/** The fleet's folder: a config and a data dir holding only the generated demo files (reused while present). */
async function ensureFleet(sites: number, years: number): Promise<{scaleDir: string; configFile: string; fleetDir: string; manifest: DemoManifest; seconds: number}> {
  const scaleDir = join(benchDir, `scale-${sites}${years === 2 ? "" : `-${years}y`}-${DEMO_GENERATOR_VERSION}`);
  mkdirSync(scaleDir, {recursive: true});
  const endMs = Date.parse(DEMO_DEFAULT_END);
  const start = new Date(Date.UTC(new Date(endMs).getUTCFullYear() - years, 6, 1)).toISOString().replace(".000Z", "Z");
  const config = {
    name: `Sunline scale bench (${sites} demo sites, ${years} years)`,
    demo: {seed: DEMO_DEFAULT_SEED, start, end: DEMO_DEFAULT_END, count: sites},
    weather: {provider: "demo"}
  };
  const configFile = join(scaleDir, "sunline.config.json");
  writeFileSync(configFile, JSON.stringify(config, null, 2) + "\n");
  // The pipeline's own input resolution generates the demo once per (generator version, options) under
  // <data dir>/demo/<key>/; done here into a data dir kept for generation only, so each run can reuse it.
  const loaded = parseConfig(config, configFile, scaleDir);
  const started = process.hrtime.bigint();
  let generated = false;
  const inputs = await resolveInputs(loaded, join(scaleDir, "generated"), (m) => {
    generated ||= m.includes("generating");
    log(m);
  }, async () => [], {hashFiles: false});
  const seconds = elapsed(started);
  if (!generated) log(`reusing the fleet generated earlier in ${scaleDir}`);
  const fleetDir = dirname(dirname(inputs.production[0].file));
  const manifest = JSON.parse(readFileSync(join(fleetDir, "demo-manifest.json"), "utf8")) as DemoManifest;
  if (manifest.sites.length !== sites) throw new Error(`bench scale: expected ${sites} sites in ${fleetDir}, found ${manifest.sites.length}`);
  return {scaleDir, configFile, fleetDir, manifest, seconds: generated ? seconds : 0};
}

function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}

/** VmRSS / VmHWM of a live process in MB, or null once it is gone. */
function procMemory(pid: number): {rss: number; hwm: number} | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return {rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024};
  } catch {
    return null;
  }
}

/** A stretch of the run and the peak RSS sampled in it. */
interface Period {
  /** The stage running (from the run's stage_start/stage_end events), or "(outside stages)". */
  period: string;
  from_s: number;
  to_s: number;
  peak_rss_mb: number;
}

/** A JSON line of the run's progress on stderr (pipeline/run/progress.ts: not a terminal), or null. */
function parseEvent(line: string): {event?: string; stage?: string} | null {
  if (!line.startsWith("{")) return null;
  try {
    return JSON.parse(line) as {event?: string; stage?: string};
  } catch {
    return null;
  }
}

interface ChildRun {
  result: ChildResult;
  polledHwmMb: number;
  periods: Period[];
}

function runChild(configFile: string, dataDir: string, resultFile: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    rmSync(resultFile, {force: true});
    const child = spawn(process.execPath, [...process.execArgv, thisFile, "--child", configFile, dataDir, resultFile], {
      stdio: ["ignore", "pipe", "pipe"],
      env: {...process.env, TZ: "UTC", OBSERVABLE_TELEMETRY_DISABLE: "true"}
    });
    const started = process.hrtime.bigint();
    // RSS over time, sampled every 500 ms and split where stages start and end (the run's stage_start /
    // stage_end events, JSON lines on stderr). The manifest has the stage times.
    const periods: Period[] = [];
    let open = {from_s: 0, peak: 0};
    let running: string | null = null;
    let polledHwm = 0;
    const sample = (): void => {
      const mem = child.pid ? procMemory(child.pid) : null;
      if (!mem) return;
      polledHwm = Math.max(polledHwm, mem.hwm || 0);
      open.peak = Math.max(open.peak, Math.round(mem.rss));
    };
    const close = (name: string): void => {
      sample();
      const now = round(elapsed(started));
      const last = periods.at(-1);
      if (last && last.period === name) {
        last.to_s = now;
        last.peak_rss_mb = Math.max(last.peak_rss_mb, open.peak);
      } else if (!name.startsWith("(") || now - open.from_s >= 1) {
        // Every stage gets a line; the gaps between stages ("(outside stages)") only when they last a second or more.
        periods.push({period: name, from_s: open.from_s, to_s: now, peak_rss_mb: open.peak});
      }
      open = {from_s: now, peak: 0};
    };
    const onLine = (line: string): void => {
      const event = parseEvent(line);
      if (event?.event === "stage_start" && event.stage) {
        close(running ?? "(outside stages)");
        running = event.stage;
      } else if (event?.event === "stage_end" && event.stage) {
        close(event.stage);
        running = null;
      }
    };
    const timer = setInterval(sample, 500);
    let pending = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      process.stderr.write(chunk.replace(/^(?=.)/gm, "  | "));
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => process.stderr.write(chunk.replace(/^(?=.)/gm, "  | ")));
    child.on("error", (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearInterval(timer);
      if (pending) onLine(pending);
      close(running ?? "(exit)");
      if (code !== 0 || !existsSync(resultFile)) return reject(new Error(`the pipeline run exited with code ${code}`));
      const result = JSON.parse(readFileSync(resultFile, "utf8")) as ChildResult;
      resolve({result, polledHwmMb: round(polledHwm, 0), periods});
    });
  });
}

interface ManifestStage {
  stage: string;
  status: string;
  seconds: number;
  rows_in: number;
  rows_out: number;
  retries: number;
}

/** One JSON line per stage of the run (manifest.run.stages), and the longest. */
function emitStages(stages: readonly ManifestStage[]): {stage: string; seconds: number} | null {
  for (const st of stages) emit({...st});
  return stages.reduce<ManifestStage | null>((best, st) => (!best || st.seconds > best.seconds ? st : best), null);
}

async function parent(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--clean")) {
    if (existsSync(benchDir)) for (const entry of readdirSync(benchDir)) if (entry.startsWith("scale-")) rmSync(join(benchDir, entry), {recursive: true, force: true});
    log(`removed ${join(benchDir, "scale-*")}`);
    return;
  }
  const sites = positiveInt("SUNLINE_BENCH_SITES", 100);
  const years = positiveInt("SUNLINE_BENCH_YEARS", 2);
  const benchStarted = process.hrtime.bigint();

  log(`fleet: ${sites} sites × ${years} years of 15-minute data (demo generator ${DEMO_GENERATOR_VERSION}, seed ${DEMO_DEFAULT_SEED}) ...`);
  const fleet = await ensureFleet(sites, years);
  const rows = fleet.manifest.sites.reduce((sum, s) => sum + s.data_lines, 0);
  const productionBytes = dirBytes(join(fleet.fleetDir, "production"));
  emit({
    what: "fleet", sites, years, start: fleet.manifest.start_utc, end: fleet.manifest.end_utc, rows,
    rows_are: "production data lines in the generated CSVs (header excluded), summed from demo-manifest.json data_lines",
    production_mb: round(productionBytes / 1e6), all_files_mb: round(dirBytes(fleet.fleetDir) / 1e6),
    generate_s: round(fleet.seconds), reused: fleet.seconds === 0, dir: fleet.fleetDir
  });

  // A fresh data dir, with the generated fleet linked in where the run looks for it (<data dir>/demo/<key>).
  const dataDir = join(fleet.scaleDir, "run-data");
  rmSync(dataDir, {recursive: true, force: true});
  mkdirSync(demoDir(dataDir), {recursive: true});
  symlinkSync(fleet.fleetDir, join(demoDir(dataDir), basename(fleet.fleetDir)), "dir");

  log(`running the pipeline: sunline run --config ${fleet.configFile} --data-dir ${dataDir} --force (child process) ...`);
  const {result, polledHwmMb, periods} = await runChild(fleet.configFile, dataDir, join(fleet.scaleDir, "child-result.json"));
  const manifest = JSON.parse(readFileSync(join(dataDir, "snapshots", "current", "manifest.json"), "utf8")) as Record<string, any>;
  const stages = manifest.run.stages as ManifestStage[];
  const dominant = emitStages(stages);
  // Ingest's rows in are the data lines read, its rows out the accepted ones.
  const ingest = stages.find((st) => st.stage === "ingest");
  for (const p of periods) emit({what: "rss", ...p});
  const peakRss = Math.round(result.peak_rss_mb);
  emit({
    what: "run", stages_from: "manifest.run.stages", duration_s: manifest.duration_s, child_s: round(result.seconds),
    cpu_user_s: round(result.user_s), cpu_system_s: round(result.system_s), peak_rss_mb: peakRss, polled_vmhwm_mb: polledHwmMb,
    ingest_lines: ingest?.rows_in ?? null, ingest_accepted: ingest?.rows_out ?? null, ingest_rejected: ingest ? ingest.rows_in - ingest.rows_out : null,
    tables: Object.fromEntries(Object.entries(manifest.tables ?? {}).map(([name, t]) => [name, (t as {rows: number}).rows])),
    data_dir_mb: round(dirBytes(dataDir) / 1e6)
  });
  const seconds = round(result.seconds);
  emit({sites, rows, seconds, peak_rss_mb: peakRss});

  const verdict = (ok: boolean): string => (ok ? "met" : "NOT met");
  log(`target end to end <= ${TARGET_SECONDS} s: ${verdict(seconds <= TARGET_SECONDS)} (${seconds} s for ${sites} sites${sites === 100 ? "" : "; the target is for 100"})`);
  log(`target peak RSS <= ${TARGET_PEAK_RSS_MB} MB: ${verdict(peakRss <= TARGET_PEAK_RSS_MB)} (${peakRss} MB)`);
  if (dominant) log(`largest stage: ${dominant.stage}, ${dominant.seconds} s of ${manifest.duration_s} s`);
  log(`total ${round(elapsed(benchStarted))} s; files stay in ${fleet.scaleDir} (remove with: npm run bench -- scale --clean)`);
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4], process.argv[5]);
} else {
  await parent();
}
