// "Why was output low on May 12 at Seville?": the day's energy against the site's normal (median of
// the 30 days before), against what the observed weather allowed (the anomaly stage's expectation),
// the irradiance against clear sky, and the anomaly events that day. The answer says which of the
// weather and the site itself explains the shortfall.
import {dateLit, nameOf, numberOr, periodText, siteFilter, type Template} from "./types.ts";
import {addDays} from "../resolve.ts";
import {num} from "../grounding.ts";

export const lowOutput: Template = {
  intent: "low_output",
  matches: (t) =>
    /\b(why|explain|what happened|reason|cause)\b.*\b(low|lower|drop|dropped|dip|poor|down|bad|less|weak|underperform\w*|short)\b/.test(t) ||
    /\b(low|poor|weak) (output|production|yield|generation)\b|\bunderperform/.test(t),
  plan: ({entities, ctx}) => {
    const period = entities.period ?? {start: ctx.lastDay, end: ctx.lastDay, label: "yesterday (no day given)"};
    const day = period.end;
    const d = dateLit(day);
    const sql = `WITH today AS (
  SELECT site_id, energy_kwh, missing_hours FROM production_daily WHERE day = ${d} AND ${siteFilter("site_id", entities.sites)}
), normal AS (
  SELECT site_id, median(energy_kwh) AS normal_kwh FROM production_daily
  WHERE day BETWEEN ${dateLit(addDays(day, -30))} AND ${dateLit(addDays(day, -1))} AND missing_hours = 0
  GROUP BY site_id
), judged AS (
  SELECT a.site_id, sum(a.expected_kwh) AS expected_kwh, sum(a.actual_kwh) AS judged_kwh,
         sum(a.ghi_obs) / nullif(sum(a.clear_ghi), 0) AS csi, avg(a.cloud_cover_pct) AS cloud,
         count(*) FILTER (WHERE a.is_anomaly) AS flagged_hours
  FROM anomalies a JOIN sites s USING (site_id)
  WHERE a.ts >= CAST(${dateLit(addDays(day, -1))} AS TIMESTAMP) AND a.ts < CAST(${dateLit(addDays(day, 2))} AS TIMESTAMP)
    AND CAST(timezone(s.timezone, a.ts::TIMESTAMPTZ) AS DATE) = ${d} AND ${siteFilter("a.site_id", entities.sites)}
  GROUP BY a.site_id
), events AS (
  SELECT e.site_id, count(*) AS events,
         count(*) FILTER (WHERE e.severity IN ('high', 'medium')) AS alarms,
         sum(e.energy_gap_kwh) AS gap_kwh,
         string_agg(DISTINCT e.cause, ', ') AS causes
  FROM anomaly_events e JOIN sites s USING (site_id)
  WHERE e.start_ts < CAST(${dateLit(addDays(day, 2))} AS TIMESTAMP) AND e.end_ts > CAST(${dateLit(addDays(day, -1))} AS TIMESTAMP)
    AND e.start_ts::TIMESTAMPTZ < timezone(s.timezone, CAST(${dateLit(addDays(day, 1))} AS TIMESTAMP))
    AND e.end_ts::TIMESTAMPTZ > timezone(s.timezone, CAST(${d} AS TIMESTAMP))
  GROUP BY e.site_id
)
SELECT s.site_id, s.name, ${d} AS day,
       round(t.energy_kwh, 1) AS actual_kwh,
       round(n.normal_kwh, 1) AS normal_kwh,
       round(100 * t.energy_kwh / nullif(n.normal_kwh, 0), 1) AS pct_of_normal,
       round(j.expected_kwh, 1) AS expected_kwh,
       round(100 * j.judged_kwh / nullif(j.expected_kwh, 0), 1) AS performance_pct,
       round(100 * j.csi, 1) AS irradiance_pct_of_clear_sky,
       round(j.cloud, 0) AS cloud_cover_pct,
       j.flagged_hours,
       coalesce(e.events, 0) AS events,
       coalesce(e.alarms, 0) AS alarms,
       round(e.gap_kwh, 1) AS event_gap_kwh,
       e.causes,
       t.missing_hours
FROM sites s
LEFT JOIN today t USING (site_id) LEFT JOIN normal n USING (site_id)
LEFT JOIN judged j USING (site_id) LEFT JOIN events e USING (site_id)
WHERE ${siteFilter("s.site_id", entities.sites)}
ORDER BY pct_of_normal ASC NULLS LAST`;
    return {
      kind: "sql",
      sql,
      period: {start: day, end: day, label: period.start === period.end ? period.label : day},
      method: "Normal is the median day of the 30 days before without a missing hour; expected is what the observed weather allowed at the site's recent level (the anomaly stage's expectation).",
      chart: {mark: "bar", x: "name", y: ["actual_kwh", "normal_kwh", "expected_kwh"], series: null, x_type: "category", y_label: "kWh"},
      describe: (rows) => {
        const r = rows[0];
        if (!r) return `No site to look at for ${day}.`;
        if (r.actual_kwh === null)
          return `No measured production at ${nameOf(r)} on ${day}: ${num(numberOr(r.missing_hours, 0))} hours have no measurement (a logger or data gap, which the Data quality page shows). Its normal is ${num(numberOr(r.normal_kwh), 1)} kWh.`;
        const who = nameOf(r);
        const head =
          rows.length > 1 ? `Lowest against its normal on ${day}: ${who}.` : "";
        const pct = numberOr(r.pct_of_normal);
        const perf = numberOr(r.performance_pct);
        const csi = numberOr(r.irradiance_pct_of_clear_sky);
        const parts: string[] = [];
        parts.push(`${who} produced ${num(numberOr(r.actual_kwh), 1)} kWh on ${periodText({start: day, end: day, label: day})}, ${num(pct, 1)} % of its normal (normal: ${num(numberOr(r.normal_kwh), 1)} kWh).`);
        if (pct >= 90) parts.push("That is not low for this site.");
        const weather = Number.isFinite(csi)
          ? `irradiance was ${num(csi, 1)} % of clear sky${r.cloud_cover_pct !== null ? ` (cloud cover ${num(numberOr(r.cloud_cover_pct))} %)` : ""}`
          : "the observed weather is missing";
        if (Number.isFinite(perf) && perf >= 95) {
          parts.push(`The weather explains it: ${weather}, and the site made ${num(perf, 1)} % of what that weather allowed (${num(numberOr(r.expected_kwh), 1)} kWh expected).`);
        } else if (Number.isFinite(perf)) {
          const events = numberOr(r.events, 0);
          parts.push(
            `The site itself lost energy: it made ${num(perf, 1)} % of what the observed weather allowed (${num(numberOr(r.expected_kwh), 1)} kWh expected)` +
              (events > 0 ? `, with ${num(events)} anomaly event${events === 1 ? "" : "s"} (${num(numberOr(r.alarms, 0))} alarm${numberOr(r.alarms, 0) === 1 ? "" : "s"}; cause ${r.causes}) and ${num(Math.abs(numberOr(r.event_gap_kwh, 0)), 1)} kWh lost in them.` : "; no anomaly event was flagged.") +
              ` Weather: ${weather}.`
          );
        } else parts.push(`No hour of that day was judged against the weather; ${weather}.`);
        if (numberOr(r.missing_hours, 0) > 0) parts.push(`${num(numberOr(r.missing_hours))} hours of the day have no measurement.`);
        return [head, ...parts].filter(Boolean).join(" ");
      }
    };
  }
};
