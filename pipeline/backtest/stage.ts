// The backtest as a stage of every run. A full walk-forward backtest refits every model at each
// origin (about 3 minutes on the demo), and its result depends only on the data, the forecast and
// backtest settings and the code, so it is kept under a key over exactly those
// (<dataDir>/backtest/<key>/) and read back while the key is unchanged: a refresh that only
// rebuilds pages, or changes a page title, does not pay for it again. New data changes the key.
import type {DuckDBConnection} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {readFile} from "node:fs/promises";
import {join} from "node:path";
import type {SunlineConfig} from "../config.ts";
import {sqlIdent, sqlString} from "../db.ts";
import {SunlineError} from "../messages.ts";
import {tableFingerprint} from "../run/fingerprint.ts";
import {pruneEntries} from "../run/stageCache.ts";
import {codeVersion, sha256, stableStringify} from "../snapshot/hash.ts";
import {runBacktest, type BacktestResult} from "./run.ts";
import {BACKTEST_TABLES, createBacktestTables, createEmptyBacktestTables, writeBacktest} from "./tables.ts";

/** Cached backtests kept besides the one in use (older ones are deleted). */
const KEEP_CACHED = 3;

export interface BacktestStageSummary {
  enabled: boolean;
  /** Key over the data, settings and code the backtest rests on (its folder under <dataDir>/backtest/). */
  key: string | null;
  /** True when an earlier run's backtest with the same key was read back instead of recomputed. */
  reused: boolean;
  windows: number;
  predictions: number;
  /** Seconds the backtest took when it was computed (also when reused). */
  seconds: number;
  stage_seconds: Record<string, number>;
  /** Sites an origin could not forecast, and why. */
  skipped: BacktestResult["skipped"];
  /** Why there is no backtest, when there is none. */
  note: string | null;
}

export interface BacktestStageOptions {
  config: SunlineConfig;
  dataDir: string;
  log: (message: string) => void;
  progress?: (done: number, total: number, label: string) => void;
  /** Recompute even when a backtest with the same key exists. */
  force?: boolean;
}

/**
 * Creates `backtest_predictions`, `backtest_windows` and `backtest_metrics` on the connection from
 * its `sites`, `production_hourly` and `weather_hourly`: read back from the cache when the key
 * matches, else computed and cached. Too little history for one origin gives empty tables and a note.
 */
export async function runBacktestStage(conn: DuckDBConnection, o: BacktestStageOptions): Promise<BacktestStageSummary & {result: BacktestResult | null; dir: string | null}> {
  const summary: BacktestStageSummary = {enabled: o.config.backtest.enabled, key: null, reused: false, windows: 0, predictions: 0, seconds: 0, stage_seconds: {}, skipped: [], note: null};
  if (!o.config.backtest.enabled) {
    await createEmptyBacktestTables(conn);
    return {...summary, note: "backtest.enabled is false", result: null, dir: null};
  }
  const key = await backtestKey(conn, o.config);
  const dir = join(o.dataDir, "backtest", key);
  summary.key = key;
  if (!o.force && existsSync(join(dir, "backtest.json"))) {
    const meta = JSON.parse(await readFile(join(dir, "backtest.json"), "utf8")) as Pick<BacktestStageSummary, "seconds" | "stage_seconds" | "windows" | "predictions" | "skipped">;
    for (const t of BACKTEST_TABLES) await conn.run(`CREATE OR REPLACE TABLE ${sqlIdent(t)} AS SELECT * FROM read_parquet(${sqlString(join(dir, `${t}.parquet`))})`);
    o.log(`backtest: data, settings and code unchanged; reusing the backtest of ${meta.windows} windows in ${dir}`);
    return {...summary, reused: true, windows: meta.windows, predictions: meta.predictions, seconds: meta.seconds, stage_seconds: meta.stage_seconds, skipped: meta.skipped ?? [], result: null, dir};
  }
  let result: BacktestResult;
  try {
    result = await runBacktest(conn, {config: o.config, log: o.log, progress: o.progress});
  } catch (error) {
    // Too little history for an origin is a state of the data, not a failed run.
    if (!(error instanceof SunlineError)) throw error;
    o.log(error.message);
    await createEmptyBacktestTables(conn);
    return {...summary, note: error.message, result: null, dir: null};
  }
  await createBacktestTables(conn, result);
  // backtest.json is written last: its presence marks a complete cache entry.
  await writeBacktest(conn, result, dir, {key, config: o.config.backtest, horizon_h: o.config.forecast.horizon_h, issue_hour_local: o.config.forecast.issue_hour_local});
  await pruneEntries(join(o.dataDir, "backtest"), new Set([key]), KEEP_CACHED);
  o.log(`backtest: ${result.windows.length} windows, ${result.predictions} forecast hours in ${result.seconds} s (cached in ${dir})`);
  return {...summary, windows: result.windows.length, predictions: result.predictions, seconds: result.seconds, stage_seconds: result.stage_seconds, skipped: result.skipped, result, dir};
}

/**
 * 16 hex digits over what the backtest's result depends on: the content of `sites`,
 * `production_hourly` and `weather_hourly` (their fingerprints: run/fingerprint.ts), the forecast and
 * backtest settings, and the forecast, model and backtest code.
 */
async function backtestKey(conn: DuckDBConnection, config: SunlineConfig): Promise<string> {
  const tables: Record<string, string> = {};
  for (const t of ["sites", "production_hourly", "weather_hourly"]) {
    const f = await tableFingerprint(conn, t);
    tables[t] = `${f.rows}:${f.hash}`;
  }
  const code = await Promise.all(["forecast", "models", "backtest"].map((s) => codeVersion(s)));
  const {enabled: _enabled, ...backtest} = config.backtest;
  return sha256(stableStringify({tables, forecast: config.forecast, backtest, code})).slice(0, 16);
}
