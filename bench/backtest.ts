// The walk-forward backtest on the demo fleet (8 sites × 2 years, hourly): a pipeline run in a fresh
// data dir (demo files generated there; its time is reported apart), then the backtest with the
// configured origins (12 monthly by default), every model refitted at each.
// Prints one line per window and per stage, and the summary last:
//   {"bench":"backtest","origins":…,"sites":…,"seconds":…,"peak_rss_mb":…,"stage_seconds":{…},"accuracy":{…}}
// "seconds" is the backtest alone; the target is ≤ 180 s.
import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {projectRoot} from "../scripts/framework.ts";
import {backtestSnapshot} from "../pipeline/backtest/index.ts";
import {loadConfig} from "../pipeline/config.ts";
import {runPipeline} from "../pipeline/run/index.ts";

const dataDir = await mkdtemp(join(tmpdir(), "sunline-bench-backtest-"));
let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
try {
  const configPath = join(projectRoot, "sunline.config.ts");
  const t0 = performance.now();
  // The run without its backtest stage, then the backtest alone over its snapshot, recomputed.
  const loaded = await loadConfig(configPath);
  const withoutBacktest = {...loaded, config: {...loaded.config, backtest: {...loaded.config.backtest, enabled: false}}};
  const run = await runPipeline({config: withoutBacktest, dataDir, force: true, log: () => {}});
  const runSeconds = (performance.now() - t0) / 1000;
  peak = 0; // the backtest's own peak, not the pipeline run's
  const {result} = await backtestSnapshot(run.snapshotDir, dataDir, loaded.config, {log: () => {}});
  if (!result) throw new Error("bench backtest: no backtest was computed");
  clearInterval(sample);
  for (const w of result.windows) console.log(JSON.stringify({bench: "backtest", window: w.window, origin: new Date(w.origin).toISOString(), sites: w.sites, fit_s: w.fit_seconds, issue_s: w.issue_seconds, rows: w.rows}));
  for (const [stage, seconds] of Object.entries(result.stage_seconds)) console.log(JSON.stringify({bench: "backtest", stage, seconds}));
  const fleet = result.metrics.filter((m) => m.window === 0 && m.site_id === "fleet" && m.horizon === "all");
  console.log(JSON.stringify({
    bench: "backtest", origins: result.windows.length, sites: Math.max(...result.windows.map((w) => w.sites)), seconds: result.seconds, peak_rss_mb: Math.round(peak / 1e6),
    stage_seconds: result.stage_seconds, pipeline_run_seconds: Math.round(runSeconds * 10) / 10,
    data: `demo fleet, daytime hours of ${result.windows.length} walk-forward windows ${new Date(result.windows[0].origin).toISOString().slice(0, 10)} → ${new Date(result.windows[result.windows.length - 1].testEnd).toISOString().slice(0, 10)}, weather forecast known at issue time where archived`,
    accuracy: Object.fromEntries(fleet.map((m) => [m.model, {nrmse_pct: round(m.nrmse_pct, 2), skill_rmse: round(m.skill_rmse, 3), coverage80: round(m.coverage80, 3), coverage95: round(m.coverage95, 3), n: m.n}]))
  }));
} finally {
  clearInterval(sample);
  await rm(dataDir, {recursive: true, force: true});
}

function round(x: number | null, d: number): number | null {
  return x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d;
}
