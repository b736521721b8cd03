// Scoring columns read straight from a forecast table (forecasts, backtest_predictions: FORECAST_COLUMNS
// plus actual_kwh), for scores recomputed after the run, such as the fleet rows of a merge of site
// shards (pipeline/run/merge.ts). The hours are those `scoringColumns` keeps from rows in memory: sun
// up during the hour, with a measured value. A table stores horizons rounded up to whole hours, which
// keeps each hour in its band (the bands end on whole hours).
import type {DuckDBConnection} from "@duckdb/node-api";
import {sqlIdent, streamColumns} from "../db.ts";
import {SCORED_MODELS, type ScoringColumns} from "./accuracy.ts";

type Cell = number | null;
type Columns = {site_id: string[]; ts: Cell[]; horizon: Cell[]; actual: Cell[]; lower80: Cell[]; upper80: Cell[]; lower95: Cell[]; upper95: Cell[]; fw: boolean[]} & Record<string, Cell[]>;

/** The scored hours of `table` that pass `where` (SQL over its columns), in site, issue and hour order. */
export async function readScoringColumns(conn: DuckDBConnection, table: string, where = "true"): Promise<ScoringColumns> {
  const models = SCORED_MODELS.map((m, k) => `${m.sql} AS m${k}`).join(", ");
  const sql = `SELECT site_id, epoch_ms(ts)::DOUBLE AS ts, horizon_h::DOUBLE AS horizon, actual_kwh AS actual, ${models},
      lower_80 AS lower80, upper_80 AS upper80, lower_95 AS lower95, upper_95 AS upper95, coalesce(weather_kind = 'forecast', false) AS fw
    FROM ${sqlIdent(table)}
    WHERE sun_up AND actual_kwh IS NOT NULL AND isfinite(actual_kwh) AND (${where})
    ORDER BY site_id, issued_at, ts`;
  const siteId: string[] = [];
  const numbers = new Map<string, number[]>();
  const fw: number[] = [];
  const names = ["ts", "horizon", "actual", "lower80", "upper80", "lower95", "upper95", ...SCORED_MODELS.map((_, k) => `m${k}`)];
  for (const name of names) numbers.set(name, []);
  for await (const {rowCount, columns} of streamColumns<Columns>(conn, sql)) {
    for (let i = 0; i < rowCount; i++) {
      siteId.push(columns.site_id[i]);
      fw.push(columns.fw[i] ? 1 : 0);
    }
    // A NULL in the table is a value the run could not compute (stored as NULL, held as NaN).
    for (const name of names) {
      const out = numbers.get(name)!;
      const column = columns[name];
      for (let i = 0; i < rowCount; i++) out.push(column[i] ?? NaN);
    }
  }
  const f64 = (name: string) => Float64Array.from(numbers.get(name)!);
  return {
    siteId, ts: f64("ts"), horizon: f64("horizon"), actual: f64("actual"),
    predictions: SCORED_MODELS.map((_, k) => f64(`m${k}`)),
    lower80: f64("lower80"), upper80: f64("upper80"), lower95: f64("lower95"), upper95: f64("upper95"),
    forecastWeather: Uint8Array.from(fw)
  };
}
