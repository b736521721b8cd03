// The anomaly stage: every site's record through the detector (detectSite.ts), the `anomalies`
// (daytime hours), `anomaly_events` and `anomaly_evaluation` tables, and the manifest's summary.
// Runs after the forecast stage, whose forecasts (and the backtest's) it draws and can judge against.
import type {DuckDBConnection} from "@duckdb/node-api";
import type {SunlineConfig} from "../config.ts";
import {createTableFromObjects, queryRows, type ColumnType} from "../db.ts";
import {detectSite, isAlarm, type AnomalyEventRow, type AnomalyHour, type AnomalyOptions} from "./detectSite.ts";
import {evaluateAlarms, type Evaluation, type FaultLabel} from "./evaluate.ts";
import {streamSiteHours} from "./siteHours.ts";
import {pushAll} from "../arrays.ts";

export {detectSite, isAlarm, type AnomalyEventRow, type AnomalyHour, type AnomalyOptions} from "./detectSite.ts";
export {evaluateAlarms, type Evaluation} from "./evaluate.ts";

export interface AnomalyStageSummary {
  options: AnomalyOptions;
  sites: number;
  judged_hours: number;
  /** Daytime hours left unjudged because the logger was stuck. */
  stuck_hours: number;
  flagged_hours: number;
  events: number;
  alarms: {medium: number; high: number};
  /** Against fault labels, when the data has them (the demo fleet). */
  evaluation: Omit<Evaluation, "by_type"> | null;
  seconds: number;
}

export interface AnomalyResult {
  hours: AnomalyHour[];
  events: AnomalyEventRow[];
  evaluation: Evaluation | null;
  summary: AnomalyStageSummary;
}

/** Runs the detector over the connection's tables (production, weather, forecasts, backtest, labels). */
export async function detectAnomalies(conn: DuckDBConnection, options: AnomalyOptions): Promise<AnomalyResult> {
  const started = performance.now();
  const has = async (table: string) =>
    (await queryRows<{n: number}>(conn, "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = $1", [table]))[0].n > 0;
  const sites = streamSiteHours(conn, {hasBacktest: await has("backtest_predictions"), hasForecasts: await has("forecasts"), hasQualityEvents: await has("quality_events")});
  const hours: AnomalyHour[] = [];
  const events: AnomalyEventRow[] = [];
  const judged = new Map<string, Float64Array>();
  let nJudged = 0, nStuck = 0, nSites = 0;
  for await (const site of sites) {
    nSites++;
    const d = detectSite(site, options);
    pushAll(hours, d.hours);
    pushAll(events, d.events);
    judged.set(site.siteId, Float64Array.from(d.hours.filter((h) => Number.isFinite(h.z)), (h) => h.ts));
    nJudged += d.judged;
    nStuck += d.stuck;
  }
  const labels = (await has("fault_labels")) ? await readFaultLabels(conn) : [];
  const evaluation = labels.length ? evaluateAlarms(events, labels, judged) : null;
  const alarms = events.filter(isAlarm);
  const {by_type: _byType, ...overall} = evaluation ?? {by_type: null};
  return {
    hours,
    events,
    evaluation,
    summary: {
      options, sites: nSites, judged_hours: nJudged, stuck_hours: nStuck, flagged_hours: hours.filter((h) => h.is_anomaly).length, events: events.length,
      alarms: {medium: alarms.filter((e) => e.severity === "medium").length, high: alarms.filter((e) => e.severity === "high").length},
      evaluation: evaluation ? (overall as Omit<Evaluation, "by_type">) : null,
      seconds: Math.round((performance.now() - started) / 100) / 10
    }
  };
}

const HOUR_COLUMNS: readonly [keyof AnomalyHour & string, ColumnType][] = [
  ["site_id", "VARCHAR"], ["ts", "TIMESTAMP"], ["actual_kwh", "DOUBLE"], ["expected_kwh", "DOUBLE"], ["forecast_kwh", "DOUBLE"], ["lower_80", "DOUBLE"], ["upper_80", "DOUBLE"],
  ["forecast_source", "VARCHAR"], ["residual_kwh", "DOUBLE"], ["residual_share", "DOUBLE"], ["z", "DOUBLE"], ["is_anomaly", "BOOLEAN"], ["event_id", "VARCHAR"],
  ["clear_sky_kwh", "DOUBLE"], ["ghi_obs", "DOUBLE"], ["clear_ghi", "DOUBLE"], ["cloud_cover_pct", "DOUBLE"], ["stuck", "BOOLEAN"]
];

const EVENT_COLUMNS: readonly [keyof AnomalyEventRow & string, ColumnType][] = [
  ["event_id", "VARCHAR"], ["site_id", "VARCHAR"], ["start_ts", "TIMESTAMP"], ["end_ts", "TIMESTAMP"], ["hours", "INTEGER"], ["direction", "VARCHAR"],
  ["energy_gap_kwh", "DOUBLE"], ["max_abs_z", "DOUBLE"], ["severity", "VARCHAR"], ["cause", "VARCHAR"], ["actual_kwh", "DOUBLE"], ["expected_kwh", "DOUBLE"],
  ["loss_share", "DOUBLE"], ["forecast_kwh", "DOUBLE"], ["irradiance_csi", "DOUBLE"], ["production_csi", "DOUBLE"], ["cloud_cover_pct", "DOUBLE"],
  ["performance", "DOUBLE"], ["alarm_ts", "TIMESTAMP"]
];

export async function createAnomalyTables(conn: DuckDBConnection, result: Pick<AnomalyResult, "hours" | "events" | "evaluation">): Promise<void> {
  await createTableFromObjects(conn, "anomalies", HOUR_COLUMNS, result.hours);
  await createTableFromObjects(conn, "anomaly_events", EVENT_COLUMNS, result.events);
  await createAnomalyEvaluationTable(conn, result.evaluation);
}

/** anomaly_evaluation: the overall score (fault "all") and one row per fault type; no rows without labels. */
export async function createAnomalyEvaluationTable(conn: DuckDBConnection, e: Evaluation | null): Promise<void> {
  const rows = e
    ? [
        {fault: "all", labels: e.labels, observable: e.observable, found: e.found, recall: e.recall, precision: e.precision, f1: e.f1, median_ttd_h: null, max_ttd_h: null,
          alarms: e.alarms, false_alarms: e.false_alarms, period_start: e.period?.start, period_end: e.period?.end},
        ...Object.entries(e.by_type).map(([fault, t]) => ({fault, ...t, precision: fault === "soiling" ? null : e.precision, alarms: null, false_alarms: null,
          period_start: e.period?.start, period_end: e.period?.end}))
      ]
    : [];
  await createTableFromObjects(conn, "anomaly_evaluation", [
    ["fault", "VARCHAR"], ["labels", "INTEGER"], ["observable", "INTEGER"], ["found", "INTEGER"], ["recall", "DOUBLE"], ["precision", "DOUBLE"], ["f1", "DOUBLE"],
    ["median_ttd_h", "DOUBLE"], ["max_ttd_h", "DOUBLE"], ["alarms", "INTEGER"], ["false_alarms", "INTEGER"], ["period_start", "TIMESTAMP"], ["period_end", "TIMESTAMP"]
  ], rows);
}

/**
 * The evaluation recomputed from the anomaly tables themselves (anomaly_events, anomalies,
 * fault_labels), as detectAnomalies scores them: for a merge of site shards, whose fleet-wide
 * precision is not any shard's. Null when there are no labels.
 */
export async function evaluateAnomalyTables(conn: DuckDBConnection): Promise<Evaluation | null> {
  const labels = await readFaultLabels(conn);
  if (!labels.length) return null;
  const ms = (column: string) => `epoch_ms(${column})::DOUBLE AS ${column}`;
  const events = await queryRows<AnomalyEventRow>(conn, `SELECT * REPLACE (${ms("start_ts")}, ${ms("end_ts")}, ${ms("alarm_ts")}) FROM anomaly_events ORDER BY site_id, start_ts`);
  // Judged hours: those with a finite z (a NaN z is stored as NULL).
  const judged = await queryRows<{site_id: string; ts: number[]}>(conn,
    "SELECT site_id, list(epoch_ms(ts)::DOUBLE ORDER BY ts) AS ts FROM anomalies WHERE z IS NOT NULL AND isfinite(z) GROUP BY site_id");
  return evaluateAlarms(events, labels, new Map(judged.map((j) => [j.site_id, Float64Array.from(j.ts)])));
}

async function readFaultLabels(conn: DuckDBConnection): Promise<FaultLabel[]> {
  return queryRows<FaultLabel>(conn, "SELECT site_id, fault, epoch_ms(start_ts)::DOUBLE AS start_ts, epoch_ms(end_ts)::DOUBLE AS end_ts FROM fault_labels");
}

/** The stage: detect, write the tables, log one line, return the manifest block. */
export async function runAnomalyStage(conn: DuckDBConnection, config: SunlineConfig, log: (message: string) => void): Promise<AnomalyStageSummary> {
  const result = await detectAnomalies(conn, config.anomaly);
  await createAnomalyTables(conn, result);
  const s = result.summary;
  const ev = s.evaluation;
  log(`anomaly: ${s.judged_hours} daytime hours judged, ${s.flagged_hours} flagged, ${s.events} events, ${s.alarms.high} high and ${s.alarms.medium} medium alarms` +
    (ev ? `; against the fault labels precision ${fmt(ev.precision)}, recall ${fmt(ev.recall)} (${ev.found} of ${ev.observable})` : ""));
  return s;
}

const fmt = (x: number | null) => (x === null ? "n/a" : x.toFixed(2));
