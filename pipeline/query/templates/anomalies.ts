// "Show anomaly spikes this week": the anomaly events overlapping a period, largest loss first.
import {dateLit, nameOf, numberOr, periodText, siteFilter, type Template} from "./types.ts";
import {addDays} from "../resolve.ts";
import {num} from "../grounding.ts";

export const anomalies: Template = {
  intent: "anomalies",
  matches: (t) => /\b(anomal\w*|spikes?|faults?|alarms?|outages?|incidents?|events?|abnormal|unusual)\b/.test(t),
  plan: ({entities, ctx}) => {
    const period = entities.period ?? {start: addDays(ctx.lastDay, -6), end: ctx.lastDay, label: "the last 7 days"};
    const sql = `SELECT e.site_id, s.name, e.start_ts, e.end_ts, e.hours, e.severity, e.cause, e.direction,
       round(e.energy_gap_kwh, 1) AS energy_gap_kwh,
       round(100 * abs(e.loss_share), 1) AS loss_pct,
       round(e.max_abs_z, 1) AS max_abs_z,
       count(*) OVER () AS events,
       count(*) FILTER (WHERE e.severity IN ('high', 'medium')) OVER () AS alarms,
       count(*) FILTER (WHERE e.severity = 'high') OVER () AS high
FROM anomaly_events e JOIN sites s USING (site_id)
WHERE e.start_ts < CAST(${dateLit(addDays(period.end, 2))} AS TIMESTAMP) AND e.end_ts > CAST(${dateLit(addDays(period.start, -1))} AS TIMESTAMP)
  AND e.start_ts::TIMESTAMPTZ < timezone(s.timezone, CAST(${dateLit(addDays(period.end, 1))} AS TIMESTAMP))
  AND e.end_ts::TIMESTAMPTZ > timezone(s.timezone, CAST(${dateLit(period.start)} AS TIMESTAMP))
  AND ${siteFilter("e.site_id", entities.sites)}
ORDER BY e.energy_gap_kwh ASC`;
    return {
      kind: "sql",
      sql,
      period,
      chart: {mark: "bar", x: "name", y: ["energy_gap_kwh"], series: "severity", x_type: "category", y_label: "kWh (actual − expected)"},
      describe: (rows) => {
        const where = entities.sites.length ? ` at ${entities.sites.map((s) => s.name).join(", ")}` : "";
        if (!rows.length) return `No anomaly events${where} over ${periodText(period)}: every judged hour was within the threshold of what the observed weather allowed.`;
        const r = rows[0];
        const alarms = numberOr(r.alarms, 0);
        const gap = numberOr(r.energy_gap_kwh);
        return `${num(numberOr(r.events))} anomaly event${numberOr(r.events) === 1 ? "" : "s"}${where} over ${periodText(period)}, ${num(alarms)} of them alarm${alarms === 1 ? "" : "s"} (${num(numberOr(r.high, 0))} high). The largest: ${nameOf(r)} from ${r.start_ts} for ${num(numberOr(r.hours))} h, ${gap < 0 ? `${num(Math.abs(gap), 1)} kWh lost` : `${num(gap, 1)} kWh above expected`} (${num(numberOr(r.loss_pct), 1)} % of the expected energy), severity ${r.severity}, cause ${r.cause}.`;
      }
    };
  }
};
