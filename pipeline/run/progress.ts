// How a run shows itself: on a terminal, a line per finished stage and a bar for the running one with
// its ETA; anywhere else (CI logs, cron mail, files), one JSON object per line, for machines.
import type {StageReport} from "./report.ts";

export type RunEvent =
  | {event: "run_start"; run_id: string; stages: {stage: string; expected_s: number | null}[]}
  | {event: "stage_start"; phase: string; stage: string; title: string; index: number; total: number}
  | {event: "stage_progress"; stage: string; done: number; of: number; label: string}
  | ({event: "stage_end"; phase: string; index: number; total: number} & StageReport)
  | {event: "retry"; stage: string; attempt: number; wait_s: number; cause: string}
  | {event: "log"; stage: string | null; message: string}
  | {event: "run_end"; status: string; snapshot_id: string | null; seconds: number; error: string | null};

export interface ReporterOptions {
  write: (text: string) => void;
  /** Terminal rendering (bars updating in place) or JSON lines. */
  tty: boolean;
  /** Clock for elapsed times and ETAs (tests pin it). */
  now?: () => number;
}

/** A sink for run events. */
export function createReporter(o: ReporterOptions): (event: RunEvent) => void {
  const now = o.now ?? (() => performance.now());
  if (!o.tty) {
    const t0 = now();
    return (e) => o.write(JSON.stringify({t: Math.round((now() - t0) / 100) / 10, ...e}) + "\n");
  }
  let expected = new Map<string, number | null>();
  let stageStarted = now();
  let runStarted = now();
  let current: {stage: string; at: string} | null = null;
  let barShown = false;
  const clearBar = () => {
    if (barShown) o.write("\r\x1b[2K");
    barShown = false;
  };
  const remainingAfter = (stage: string) => {
    // Stages still to come, at their duration in the previous run (unknown ones count as 0).
    const names = [...expected.keys()];
    return names.slice(names.indexOf(stage) + 1).reduce((s, n) => s + (expected.get(n) ?? 0), 0);
  };
  return (e) => {
    switch (e.event) {
      case "run_start":
        expected = new Map(e.stages.map((s) => [s.stage, s.expected_s]));
        runStarted = now();
        break;
      case "stage_start":
        current = {stage: e.stage, at: `[${e.phase} ${e.index}/${e.total}]`};
        stageStarted = now();
        clearBar();
        o.write(`${current.at} ${e.stage}: ${e.title}…`);
        barShown = true;
        break;
      case "stage_progress": {
        if (!current) break;
        const elapsed = (now() - stageStarted) / 1000;
        const eta = e.done > 0 ? (elapsed / e.done) * (e.of - e.done) + remainingAfter(e.stage) : null;
        clearBar();
        o.write(`${current.at} ${e.stage} ${bar(e.done / e.of)} ${e.done}/${e.of} ${e.label} · ${fmtS(elapsed)}${eta === null ? "" : ` · ETA ${fmtS(eta)}`}`);
        barShown = true;
        break;
      }
      case "stage_end": {
        clearBar();
        const cache = e.cache_hits + e.cache_misses > 0 ? `, cache ${e.cache_hits}/${e.cache_hits + e.cache_misses}` : "";
        const left = remainingAfter(e.stage);
        o.write(`[${e.phase} ${e.index}/${e.total}] ${e.stage}: ${e.status} in ${fmtS(e.seconds)} (${e.rows_out.toLocaleString("en-US")} rows out${cache}${e.retries ? `, ${e.retries} retries` : ""})` +
          `${e.index < e.total && left > 0 ? ` · about ${fmtS(left)} to go` : ""}\n`);
        current = null;
        break;
      }
      case "retry":
      case "log":
        clearBar();
        o.write(`  ${e.event === "retry" ? `retry ${e.attempt} of ${e.stage} in ${e.wait_s} s: ${e.cause}` : e.message}\n`);
        if (current) {
          o.write(`${current.at} ${current.stage}…`);
          barShown = true;
        }
        break;
      case "run_end":
        clearBar();
        o.write(`${e.status === "failed" ? `run failed: ${e.error}` : e.status === "unchanged" ? "run: nothing changed; snapshot reused" : `run: wrote ${e.snapshot_id}`} (${fmtS((now() - runStarted) / 1000)})\n`);
        break;
    }
  };
}

function bar(fraction: number, width = 24): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}]`;
}

function fmtS(s: number): string {
  return s >= 90 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(s < 10 ? 1 : 0)} s`;
}
