// The walk-forward backtest: a stage of every run (stage.ts, cached while its inputs are
// unchanged), and the same computation on demand over a snapshot's data (`backtestSnapshot`, for
// the benchmark). Its tables are copied into every snapshot.
import type {DuckDBConnection} from "@duckdb/node-api";
import type {SunlineConfig} from "../config.ts";
import {queryRows, sqlString, withConnection} from "../db.ts";
import {join} from "node:path";
import type {BacktestMetric, BacktestWindow} from "./run.ts";
import {runBacktestStage} from "./stage.ts";

export {walkForwardSplits, type Split, type SplitOptions} from "./splits.ts";
export {runBacktest, type BacktestMetric, type BacktestResult, type BacktestWindow} from "./run.ts";
export {BACKTEST_TABLES, createBacktestTables, createEmptyBacktestTables, writeBacktest} from "./tables.ts";
export {formatBacktestSummary, type BacktestRecord} from "./summary.ts";
export {runBacktestStage, type BacktestStageSummary} from "./stage.ts";
export {formatSelection, readSelection, saveSelection, selectModel, SELECT_WINDOWS, type Selection} from "./select.ts";

/** The tables a backtest reads from a snapshot. */
const INPUT_TABLES = ["sites", "production_hourly", "weather_hourly"];

/** Loads the tables a backtest (or a model selection) reads from a snapshot into the connection. */
export async function loadSnapshotInputs(conn: DuckDBConnection, snapshotDir: string): Promise<void> {
  for (const t of INPUT_TABLES) await conn.run(`CREATE TABLE ${t} AS SELECT * FROM read_parquet(${sqlString(join(snapshotDir, `${t}.parquet`))})`);
}

/** Recomputes the backtest over a snapshot's data (cached like the run's own). */
export async function backtestSnapshot(snapshotDir: string, dataDir: string, config: SunlineConfig, o: {log: (m: string) => void; progress?: (done: number, total: number, label: string) => void}) {
  return withConnection(async (conn) => {
    await loadSnapshotInputs(conn, snapshotDir);
    return runBacktestStage(conn, {config, dataDir, log: o.log, progress: o.progress, force: true});
  });
}

/** A snapshot's backtest windows and metrics, as `formatBacktestSummary` takes them. */
export async function readSnapshotBacktest(snapshotDir: string): Promise<{windows: BacktestWindow[]; metrics: BacktestMetric[]}> {
  return withConnection(async (conn) => {
    const windows = await queryRows<BacktestWindow>(conn, `
      SELECT "window", epoch_ms(origin)::DOUBLE AS origin, epoch_ms(train_start)::DOUBLE AS "trainStart", epoch_ms(train_end)::DOUBLE AS "trainEnd",
        epoch_ms(test_start)::DOUBLE AS "testStart", epoch_ms(test_end)::DOUBLE AS "testEnd", mode, sites, hybrid_sites, transfer_sites, rows, fit_seconds, issue_seconds
      FROM read_parquet(${sqlString(join(snapshotDir, "backtest_windows.parquet"))}) ORDER BY "window"`);
    const metrics = await queryRows<BacktestMetric>(conn, `SELECT * FROM read_parquet(${sqlString(join(snapshotDir, "backtest_metrics.parquet"))})`);
    return {windows, metrics};
  });
}
