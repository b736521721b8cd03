// "Which sites have the worst forecast error?": sites ranked by the hybrid's nRMSE (% of capacity,
// daytime hours) — over the whole walk-forward backtest, or over the period the question names.
import {dateLit, nameOf, numberOr, periodText, type Template} from "./types.ts";
import {num} from "../grounding.ts";

export const worstSites: Template = {
  intent: "worst_sites",
  matches: (t) => /\b(worst|best|(least|most) accurate\w*|rank\w*|biggest|largest|highest|lowest|smallest)\b/.test(t) && /\b(error|accura\w*|forecast\w*|miss\w*|nrmse|rmse|mae)\b/.test(t),
  plan: ({entities, text}) => {
    const best = /\b(best|most accurate\w*|lowest|smallest)\b/.test(text);
    const period = entities.period;
    const sql = period
      ? `SELECT d.site_id, s.name,
       round(100 * sqrt(avg(power(d.forecast_kwh - d.actual_kwh, 2))) / any_value(s.capacity_kw), 2) AS nrmse_pct,
       round(100 * avg(d.forecast_kwh - d.actual_kwh) / any_value(s.capacity_kw), 2) AS bias_pct,
       count(*) AS hours
FROM day_ahead d JOIN sites s USING (site_id)
WHERE d.day BETWEEN ${dateLit(period.start)} AND ${dateLit(period.end)} AND d.actual_kwh IS NOT NULL
  AND (d.actual_kwh > 0 OR d.forecast_kwh > 0)
GROUP BY d.site_id, s.name
ORDER BY nrmse_pct ${best ? "ASC" : "DESC"}`
      : `SELECT m.site_id, s.name, round(m.nrmse_pct, 2) AS nrmse_pct, round(m.skill_rmse, 3) AS skill_rmse,
       round(m.coverage80, 3) AS coverage80, m.n AS hours,
       CAST(m.period_start AS DATE) AS period_start, CAST(m.period_end AS DATE) AS period_end
FROM backtest_metrics m JOIN sites s USING (site_id)
WHERE m."window" = 0 AND m.horizon = 'all' AND m.model = 'hybrid'
ORDER BY m.nrmse_pct ${best ? "ASC" : "DESC"}`;
    return {
      kind: "sql",
      sql,
      period,
      method: period
        ? "Error of the day-ahead forecast (issued at local midnight the day before), hours with sun or production."
        : "All backtest windows pooled, 1–48 h ahead; weather as the model had it at issue time.",
      chart: {mark: "bar", x: "name", y: ["nrmse_pct"], series: null, x_type: "category", y_label: "nRMSE, % of capacity"},
      resultPeriod: (rows) => (rows[0]?.period_start ? {start: String(rows[0].period_start), end: String(rows[0].period_end), label: "the backtest"} : null),
      describe: (rows) => {
        if (!rows.length) return `No forecast errors to rank${period ? ` for ${periodText(period)}` : ""}.`;
        const [first, second] = rows;
        const last = rows[rows.length - 1];
        const word = best ? "Most accurate" : "Worst";
        const scope = period
          ? `day-ahead forecasts over ${periodText(period)}`
          : `the walk-forward backtest from ${first.period_start} to ${first.period_end}`;
        return `${word}: ${nameOf(first)} with an nRMSE of ${num(numberOr(first.nrmse_pct), 2)} % of capacity${second ? `, then ${nameOf(second)} (${num(numberOr(second.nrmse_pct), 2)} %)` : ""}; ${best ? "least" : "most"} accurate of the ${rows.length}: ${nameOf(last)} (${num(numberOr(last.nrmse_pct), 2)} %). Hybrid model, daytime hours, ${scope}.`;
      }
    };
  }
};
