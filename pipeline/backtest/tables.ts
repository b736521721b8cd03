// The backtest's tables: backtest_predictions (every issued hour, all five models, the actual),
// backtest_windows (one row per origin: train and test periods, sites, timings) and
// backtest_metrics (per scope = site or "fleet", window (0 = all), horizon band and model).
import type {DuckDBConnection} from "@duckdb/node-api";
import {mkdir, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {createTableFromObjects, sqlIdent, sqlString, type ColumnType} from "../db.ts";
import {FORECAST_COLUMNS} from "../forecast/stage.ts";
import type {BacktestMetric, BacktestResult, BacktestWindow} from "./run.ts";

export const BACKTEST_TABLES = ["backtest_predictions", "backtest_windows", "backtest_metrics", "backtest_by_hour"] as const;

const WINDOW_COLUMNS: [keyof BacktestWindow & string, ColumnType, string?][] = [
  ["window", "INTEGER"], ["origin", "TIMESTAMP"],
  ["trainStart", "TIMESTAMP", "train_start"], ["trainEnd", "TIMESTAMP", "train_end"], ["testStart", "TIMESTAMP", "test_start"], ["testEnd", "TIMESTAMP", "test_end"],
  ["mode", "VARCHAR"], ["sites", "INTEGER"], ["hybrid_sites", "INTEGER"], ["transfer_sites", "INTEGER"], ["rows", "INTEGER"], ["fit_seconds", "DOUBLE"], ["issue_seconds", "DOUBLE"]
];

export const METRIC_COLUMNS: [keyof BacktestMetric & string, ColumnType][] = [
  ["window", "INTEGER"], ["site_id", "VARCHAR"], ["horizon", "VARCHAR"], ["model", "VARCHAR"], ["n", "INTEGER"],
  ["rmse_kwh", "DOUBLE"], ["mae_kwh", "DOUBLE"], ["bias_kwh", "DOUBLE"], ["nrmse_pct", "DOUBLE"], ["nmae_pct", "DOUBLE"], ["mape_pct", "DOUBLE"], ["skill_rmse", "DOUBLE"],
  ["pinball80_pct", "DOUBLE"], ["coverage80", "DOUBLE"], ["coverage95", "DOUBLE"], ["width80_pct", "DOUBLE"], ["width95_pct", "DOUBLE"],
  ["period_start", "TIMESTAMP"], ["period_end", "TIMESTAMP"], ["forecast_weather_share", "DOUBLE"]
];

/** Where runBacktest writes its forecast rows as it goes (createBacktestTables turns them into backtest_predictions). */
export const BACKTEST_ROWS = "_backtest_rows";

export async function createBacktestRowsTable(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${BACKTEST_ROWS} (${FORECAST_COLUMNS})`);
}

/** The backtest tables from `result` and the rows runBacktest wrote on this connection. */
export async function createBacktestTables(conn: DuckDBConnection, result: BacktestResult): Promise<void> {
  await createTableFromObjects(conn, "backtest_windows", WINDOW_COLUMNS, result.windows);
  await createTableFromObjects(conn, "backtest_metrics", METRIC_COLUMNS, result.metrics);
  // The window comes back from the model version each origin's rows carry ("backtest-<window>").
  await conn.run(`CREATE OR REPLACE TABLE backtest_predictions AS
    SELECT w."window", w.origin, r.* EXCLUDE (run, issued_in), p.energy_kwh AS actual_kwh
    FROM ${BACKTEST_ROWS} r JOIN backtest_windows w ON r.model_version = 'backtest-' || w."window"
    LEFT JOIN production_hourly p ON p.site_id = r.site_id AND p.ts = r.ts`);
  await conn.run(`DROP TABLE ${BACKTEST_ROWS}`);
  await createBacktestByHour(conn);
}

/**
 * backtest_by_hour from backtest_predictions and sites: error by the site's local hour of day,
 * fleet-wide on capacity-normalised values (as the fleet rows of backtest_metrics): where in the day
 * each model goes wrong. Daytime hours with an outcome.
 */
export async function createBacktestByHour(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE backtest_by_hour AS
    WITH p AS (
      SELECT hour(timezone(s.timezone, timezone('UTC', b.ts))) AS hour_local, b.actual_kwh / s.capacity_kw AS actual,
        b.persistence_kwh / s.capacity_kw AS "persistence", b.smart_persistence_kwh / s.capacity_kw AS "smart persistence",
        b.climatology_kwh / s.capacity_kw AS climatology, CASE WHEN b.model = 'hybrid' THEN b.baseline_kwh / s.capacity_kw END AS prophet,
        b.forecast_kwh / s.capacity_kw AS hybrid
      FROM backtest_predictions b JOIN sites s USING (site_id)
      WHERE b.sun_up AND b.actual_kwh IS NOT NULL AND isfinite(b.actual_kwh))
    SELECT hour_local::INTEGER AS hour_local, model, count(*)::INTEGER AS n,
      100 * sqrt(avg((predicted - actual) ^ 2)) AS nrmse_pct, 100 * avg(abs(predicted - actual)) AS nmae_pct, 100 * avg(predicted - actual) AS bias_pct
    FROM p UNPIVOT (predicted FOR model IN ("persistence", "smart persistence", climatology, prophet, hybrid))
    WHERE isfinite(predicted)
    GROUP BY ALL ORDER BY hour_local, model`);
}

/** The backtest tables with no rows (backtest disabled, or too little history for an origin). */
export async function createEmptyBacktestTables(conn: DuckDBConnection): Promise<void> {
  await createBacktestRowsTable(conn);
  await createBacktestTables(conn, {windows: [], predictions: 0, metrics: [], skipped: [], seconds: 0, stage_seconds: {}});
}

/** Writes the tables as Parquet, plus backtest.json (windows, timings, skipped sites), into `dir`. */
export async function writeBacktest(conn: DuckDBConnection, result: BacktestResult, dir: string, meta: Record<string, unknown>): Promise<void> {
  await mkdir(dir, {recursive: true});
  for (const table of BACKTEST_TABLES) {
    await conn.run(`COPY (SELECT * FROM ${sqlIdent(table)}) TO ${sqlString(join(dir, `${table}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
  }
  const summary = {
    ...meta, seconds: result.seconds, stage_seconds: result.stage_seconds, windows: result.windows.length, predictions: result.predictions, skipped: result.skipped
  };
  await writeFile(join(dir, "backtest.json"), `${JSON.stringify(summary, null, 2)}\n`);
}
