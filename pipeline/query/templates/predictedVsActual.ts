// "Compare predicted vs actual for the last 7 days at Phoenix": the day-ahead forecast against the
// measured energy, per day, over hours that have a measurement.
import {dateLit, nameOf, numberOr, periodText, siteFilter, type Template} from "./types.ts";
import {addDays} from "../resolve.ts";
import {num, signed} from "../grounding.ts";

export const predictedVsActual: Template = {
  intent: "predicted_vs_actual",
  matches: (t) =>
    /\bpredict|\bvs\.?\b|\bversus\b|against (the )?(actual|measured)|forecast (accuracy|error|performance|bias)|how (good|accurate|well|close)|(actual|measured).*\bforecast|\bforecast.*\b(actual|measured|real)\b/.test(t),
  plan: ({entities, ctx}) => {
    const period = entities.period ?? {start: addDays(ctx.lastDay, -6), end: ctx.lastDay, label: "the last 7 days"};
    const one = entities.sites.length === 1;
    const sql = `SELECT d.day,
       round(sum(d.forecast_kwh), 1) AS forecast_kwh,
       round(sum(d.actual_kwh), 1) AS actual_kwh,
       round(sum(d.forecast_kwh) - sum(d.actual_kwh), 1) AS error_kwh,
       round(100 * (sum(d.forecast_kwh) - sum(d.actual_kwh)) / nullif(sum(d.actual_kwh), 0), 1) AS error_pct,
       count(*) AS hours,
       round(sum(sum(d.forecast_kwh)) OVER (), 1) AS period_forecast_kwh,
       round(sum(sum(d.actual_kwh)) OVER (), 1) AS period_actual_kwh,
       round(100 * (sum(sum(d.forecast_kwh)) OVER () - sum(sum(d.actual_kwh)) OVER ()) / nullif(sum(sum(d.actual_kwh)) OVER (), 0), 1) AS period_error_pct,
       ${one ? "any_value(s.name)" : `'${entities.sites.length ? entities.sites.map((s) => s.name.replaceAll("'", "''")).join(", ") : "fleet"}'`} AS name
FROM day_ahead d JOIN sites s USING (site_id)
WHERE d.day BETWEEN ${dateLit(period.start)} AND ${dateLit(period.end)} AND d.actual_kwh IS NOT NULL AND ${siteFilter("d.site_id", entities.sites)}
GROUP BY d.day
ORDER BY d.day`;
    return {
      kind: "sql",
      sql,
      period,
      method: "The forecast is the issue made at each site's local midnight the day before (25–48 h ahead), out of sample; only hours with a measurement count.",
      chart: {mark: "line", x: "day", y: ["forecast_kwh", "actual_kwh"], series: null, x_type: "time", y_label: "kWh"},
      describe: (rows) => {
        if (!rows.length) return `No day-ahead forecast with a measurement for ${periodText(period)}; the backtest and evaluation cover ${ctx.firstDay} onwards only where a model was issued.`;
        const r = rows[0];
        const who = one ? nameOf(r) : entities.sites.length ? String(r.name) : "The fleet";
        const worst = [...rows].sort((a, b) => Math.abs(numberOr(b.error_kwh, 0)) - Math.abs(numberOr(a.error_kwh, 0)))[0];
        return `${who}: day-ahead forecast ${num(numberOr(r.period_forecast_kwh), 1)} kWh against ${num(numberOr(r.period_actual_kwh), 1)} kWh measured over ${periodText(period)} (${signed(numberOr(r.period_error_pct))} %). Largest daily miss: ${worst.day}, forecast ${num(numberOr(worst.forecast_kwh), 1)} kWh vs ${num(numberOr(worst.actual_kwh), 1)} kWh measured (${signed(numberOr(worst.error_pct))} %).`;
      }
    };
  }
};
