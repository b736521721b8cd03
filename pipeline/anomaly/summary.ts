// The `sunline anomalies` printout, read back from a snapshot: what the detector compared with, the
// alarms (most energy lost first), energy lost per site, and the score against fault labels.
import {join} from "node:path";
import {queryRows, sqlString, withConnection} from "../db.ts";
import type {AnomalyStageSummary} from "./index.ts";

interface EventLine {
  event_id: string;
  site_id: string;
  start_ts: number;
  end_ts: number;
  hours: number;
  severity: string;
  cause: string;
  energy_gap_kwh: number;
  loss_share: number;
  max_abs_z: number;
}

interface EvaluationLine {
  fault: string;
  labels: number;
  observable: number;
  found: number;
  recall: number | null;
  precision: number | null;
  f1: number | null;
  median_ttd_h: number | null;
  max_ttd_h: number | null;
  alarms: number | null;
  false_alarms: number | null;
}

/** Alarms listed by the printout (the page lists them all). */
const TOP = 15;

export async function formatAnomalySummary(snapshotDir: string, stage: AnomalyStageSummary | undefined): Promise<string> {
  const file = (t: string) => sqlString(join(snapshotDir, `${t}.parquet`));
  const {alarms, perSite, evaluation} = await withConnection(async (conn) => ({
    alarms: await queryRows<EventLine>(conn, `
      SELECT event_id, site_id, epoch_ms(start_ts)::DOUBLE AS start_ts, epoch_ms(end_ts)::DOUBLE AS end_ts, hours, severity, cause, energy_gap_kwh, loss_share, max_abs_z
      FROM read_parquet(${file("anomaly_events")}) WHERE direction = 'under' AND severity <> 'low' ORDER BY energy_gap_kwh DESC`),
    perSite: await queryRows<{site_id: string; alarms: number; lost_kwh: number; expected_kwh: number}>(conn, `
      SELECT site_id, count(*)::INTEGER AS alarms, sum(energy_gap_kwh) AS lost_kwh, sum(expected_kwh) AS expected_kwh
      FROM read_parquet(${file("anomaly_events")}) WHERE direction = 'under' AND severity <> 'low' GROUP BY site_id ORDER BY lost_kwh DESC`),
    evaluation: await queryRows<EvaluationLine>(conn, `SELECT * FROM read_parquet(${file("anomaly_evaluation")}) ORDER BY fault = 'all' DESC, fault`)
  }));
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
  const f = (x: number | null, d = 2) => (x === null || !Number.isFinite(x) ? "–" : x.toFixed(d));
  const lines: string[] = [];
  if (stage) {
    const o = stage.options;
    lines.push(
      `Anomalies: ${stage.sites} sites, ${stage.judged_hours} daytime hours judged against ${o.expected === "observed_weather" ? "the observed weather (performance model × the site's own level per hour of day, past data only)" : "the out-of-sample forecast"};`,
      `rolling ${o.method === "mean" ? "mean/SD" : "median/MAD"} over ${o.window_h} h, |z| > ${o.threshold}: ${stage.flagged_hours} hours flagged, ${stage.events} events, ${stage.alarms.high} high and ${stage.alarms.medium} medium alarms` +
        (stage.stuck_hours ? ` (${stage.stuck_hours} hours of stuck logger not judged).` : ".")
    );
  }
  lines.push("", `Alarms, most energy lost first${alarms.length > TOP ? ` (${TOP} of ${alarms.length})` : ""}:`);
  if (!alarms.length) lines.push("  none");
  for (const a of alarms.slice(0, TOP))
    lines.push(`  ${a.site_id.padEnd(14)} ${day(a.start_ts)} → ${day(a.end_ts)} UTC  ${String(a.hours).padStart(4)} h  ${a.severity.padEnd(6)} ${a.energy_gap_kwh.toFixed(0).padStart(8)} kWh lost (${Math.round(100 * a.loss_share)} %)  max |z| ${a.max_abs_z.toFixed(1)}`);
  if (perSite.length) {
    lines.push("", "Energy lost in alarms, per site:");
    for (const s of perSite) lines.push(`  ${s.site_id.padEnd(14)} ${s.lost_kwh.toFixed(0).padStart(9)} kWh in ${s.alarms} alarms`);
  }
  const all = evaluation.find((e) => e.fault === "all");
  if (all) {
    lines.push(
      "",
      `Against the fault labels (event level; soiling scored apart): precision ${f(all.precision)}, recall ${f(all.recall)} (${all.found} of ${all.observable} observable labels), F1 ${f(all.f1)};`,
      `  ${all.alarms} alarms, ${all.false_alarms} false.`
    );
    for (const e of evaluation.filter((x) => x.fault !== "all"))
      lines.push(`  ${e.fault.padEnd(15)} found ${e.found} of ${e.observable}${e.labels > e.observable ? ` (+${e.labels - e.observable} with no data while it lasted)` : ""}, recall ${f(e.recall)}, time to detect median ${f(e.median_ttd_h, 0)} h, max ${f(e.max_ttd_h, 0)} h`);
  }
  return `${lines.join("\n")}\n`;
}
