// The run report: what each run did, stage by stage. The newest goes into the snapshot's manifest
// (the "About this build" page shows it); every run, also an unchanged or failed one, is appended to
// <dataDir>/runs.jsonl, which `sunline status` reads.
import {existsSync} from "node:fs";
import {appendFile, readFile, writeFile} from "node:fs/promises";
import {join} from "node:path";

export interface StageReport {
  stage: string;
  title: string;
  depends_on: string[];
  /** ran; cached: read back whole; partly cached: some sites read back; skipped: the run found nothing changed; failed. */
  status: "ran" | "cached" | "partly cached" | "skipped" | "failed";
  seconds: number;
  /** Rows of the tables it read (or of its input files), and of the tables it wrote. */
  rows_in: number;
  rows_out: number;
  /** Cache entries read back and recomputed (per site for per-site stages). */
  cache_hits: number;
  cache_misses: number;
  retries: number;
  note?: string;
}

export interface InputChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface RunReport {
  run_id: string;
  started_at: string;
  finished_at: string;
  seconds: number;
  /** written: a new snapshot; unchanged: config, inputs and code matched the current one; failed. */
  status: "written" | "unchanged" | "failed";
  snapshot_id: string | null;
  /** Input files against the snapshot before this run. */
  changes: InputChanges;
  stages: StageReport[];
  error: {stage: string | null; site: string | null; message: string} | null;
  machine: {cores: number; node: string; memory_limit: string; threads: number | null};
  peak_rss_mb: number;
  /** Unchanged runs in a row on the same snapshot are one line (every page loader of a build checks). */
  repeats?: number;
}

/** Lines kept in runs.jsonl. */
const KEEP_RUNS = 200;

const runsPath = (dataDir: string) => join(dataDir, "runs.jsonl");

export async function appendRun(dataDir: string, report: RunReport): Promise<void> {
  const path = runsPath(dataDir);
  const lines = existsSync(path) ? (await readFile(path, "utf8")).split("\n").filter(Boolean) : [];
  const last = lines.length ? parseRun(lines[lines.length - 1]) : null;
  if (report.status === "unchanged" && last?.status === "unchanged" && last.snapshot_id === report.snapshot_id) {
    // The latest check stands for the run of checks before it.
    lines[lines.length - 1] = JSON.stringify({...report, repeats: (last.repeats ?? 1) + 1});
    await writeFile(path, lines.slice(-KEEP_RUNS).join("\n") + "\n");
    return;
  }
  if (lines.length < KEEP_RUNS) await appendFile(path, JSON.stringify(report) + "\n");
  else await writeFile(path, [...lines.slice(-(KEEP_RUNS - 1)), JSON.stringify(report)].join("\n") + "\n");
}

function parseRun(line: string): RunReport | null {
  try {
    return JSON.parse(line) as RunReport;
  } catch {
    // A line cut short by a killed process is skipped, not fatal.
    return null;
  }
}

/** The newest `limit` runs, newest first. */
export async function readRuns(dataDir: string, limit = 10): Promise<RunReport[]> {
  const path = runsPath(dataDir);
  if (!existsSync(path)) return [];
  const runs = (await readFile(path, "utf8")).split("\n").filter((l) => l.trim()).map(parseRun).filter((r): r is RunReport => r !== null);
  return runs.slice(-limit).reverse();
}

/** Input files added, removed or changed between two lists of (path, sha256). */
export function inputChanges(before: readonly {path: string; sha256: string}[], after: readonly {path: string; sha256: string}[]): InputChanges {
  const old = new Map(before.map((f) => [f.path, f.sha256]));
  const now = new Map(after.map((f) => [f.path, f.sha256]));
  return {
    added: [...now.keys()].filter((p) => !old.has(p)),
    removed: [...old.keys()].filter((p) => !now.has(p)),
    changed: [...now].filter(([p, h]) => old.has(p) && old.get(p) !== h).map(([p]) => p)
  };
}

/** `sunline status`: the newest runs, then the newest run's stages. */
export function formatRuns(runs: readonly RunReport[]): string {
  const out: string[] = ["Recent runs (newest first):"];
  for (const r of runs) {
    const changes = r.changes.added.length + r.changes.removed.length + r.changes.changed.length;
    const what = r.status === "failed" ? `FAILED: ${r.error?.message ?? "unknown error"}` : r.status === "unchanged" ? `unchanged, snapshot reused${r.repeats ? ` (${r.repeats} checks in a row)` : ""}` : `wrote ${r.snapshot_id}`;
    out.push(`  ${r.started_at.replace("T", " ").slice(0, 19)} UTC  ${pad(`${r.seconds.toFixed(1)} s`, 8)} ${pad(`${changes} input change${changes === 1 ? "" : "s"}`, 17)} ${what}`);
  }
  // The newest run that built something (an unchanged run only looked at its inputs).
  const last = runs.find((r) => r.status !== "unchanged");
  if (last) {
    out.push("", `Stages of the last ${last.status} run, ${last.started_at.replace("T", " ").slice(0, 19)} UTC:`);
    out.push(`  ${pad("stage", 14)} ${pad("status", 14)} ${pad("seconds", 8, true)} ${pad("rows in", 11, true)} ${pad("rows out", 11, true)} ${pad("cache", 9, true)}  retries`);
    for (const s of last.stages) {
      const cache = s.cache_hits + s.cache_misses === 0 ? "-" : `${s.cache_hits}/${s.cache_hits + s.cache_misses}`;
      out.push(`  ${pad(s.stage, 14)} ${pad(s.status, 14)} ${pad(s.seconds.toFixed(1), 8, true)} ${pad(s.rows_in.toLocaleString("en-US"), 11, true)} ${pad(s.rows_out.toLocaleString("en-US"), 11, true)} ${pad(cache, 9, true)}  ${s.retries}${s.note ? `  ${s.note}` : ""}`);
    }
    out.push(`  peak memory ${last.peak_rss_mb} MB; cache = entries read back / entries needed (sites, for per-site stages)`);
  }
  return out.join("\n") + "\n";
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}
