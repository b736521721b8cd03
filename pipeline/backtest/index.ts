// `sunline backtest`: the walk-forward backtest over the current snapshot's data, written next to
// the snapshots (<dataDir>/backtest/<snapshot id>/) as Parquet with a backtest.json summary.
import {join} from "node:path";
import type {SunlineConfig} from "../config.ts";
import {sqlString, withConnection} from "../db.ts";
import {runBacktest, type BacktestResult} from "./run.ts";
import {createBacktestTables, writeBacktest} from "./tables.ts";

export {walkForwardSplits, type Split, type SplitOptions} from "./splits.ts";
export {runBacktest, type BacktestMetric, type BacktestPrediction, type BacktestResult, type BacktestWindow} from "./run.ts";
export {BACKTEST_TABLES, createBacktestTables, writeBacktest} from "./tables.ts";
export {formatBacktestSummary} from "./summary.ts";

/** The tables a backtest reads from a snapshot. */
const INPUT_TABLES = ["sites", "production_hourly", "weather_hourly"];

export interface SnapshotBacktest {
  result: BacktestResult;
  /** Where the tables were written. */
  dir: string;
}

export async function backtestSnapshot(
  snapshot: {snapshotDir: string; snapshotId: string}, dataDir: string, config: SunlineConfig, o: {log: (m: string) => void; progress?: (done: number, total: number, label: string) => void}
): Promise<SnapshotBacktest> {
  const {snapshotDir, snapshotId: id} = snapshot;
  const dir = join(dataDir, "backtest", id);
  const result = await withConnection(async (conn) => {
    for (const t of INPUT_TABLES) await conn.run(`CREATE TABLE ${t} AS SELECT * FROM read_parquet(${sqlString(join(snapshotDir, `${t}.parquet`))})`);
    const r = await runBacktest(conn, {config, log: o.log, progress: o.progress});
    await createBacktestTables(conn, r);
    await writeBacktest(conn, r, dir, {snapshot_id: id, config: config.backtest, horizon_h: config.forecast.horizon_h, issue_hour_local: config.forecast.issue_hour_local});
    return r;
  });
  return {result, dir};
}
