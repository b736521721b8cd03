// "How much did Seville produce last month?": measured energy per site over a period.
import {dateLit, nameOf, numberOr, periodText, siteFilter, type Template} from "./types.ts";
import {num} from "../grounding.ts";

export const production: Template = {
  intent: "production",
  matches: (t) => /\b(how much|total|produc|generat|energy|yield|output|kwh)\b/.test(t) || /\b(produc|generat)/.test(t),
  plan: ({entities, ctx}) => {
    const period = entities.period ?? {start: ctx.lastDay, end: ctx.lastDay, label: "yesterday (no day given)"};
    const sql = `SELECT d.site_id, s.name,
       round(sum(d.energy_kwh), 1) AS energy_kwh,
       count(*) AS days,
       sum(d.missing_hours) AS missing_hours,
       round(sum(d.energy_kwh) / (any_value(s.capacity_kw) * count(*)), 2) AS kwh_per_kw_day,
       round(sum(sum(d.energy_kwh)) OVER (), 1) AS total_kwh
FROM production_daily d JOIN sites s USING (site_id)
WHERE d.day BETWEEN ${dateLit(period.start)} AND ${dateLit(period.end)} AND ${siteFilter("d.site_id", entities.sites)}
GROUP BY d.site_id, s.name
ORDER BY energy_kwh DESC`;
    return {
      kind: "sql",
      sql,
      period,
      chart: {mark: "bar", x: "name", y: ["energy_kwh"], series: null, x_type: "category", y_label: "kWh"},
      describe: (rows) => {
        if (!rows.length) return `No measured production for ${periodText(period)}.`;
        const gaps = (r: (typeof rows)[number]) => (numberOr(r.missing_hours, 0) > 0 ? `, ${num(numberOr(r.missing_hours))} hours missing` : "");
        if (rows.length === 1) {
          const r = rows[0];
          return `${nameOf(r)} produced ${num(numberOr(r.energy_kwh), 1)} kWh over ${periodText(period)} (${num(numberOr(r.days))} days${gaps(r)}), ${num(numberOr(r.kwh_per_kw_day), 2)} kWh per kW of capacity per day.`;
        }
        const top = rows[0];
        const low = [...rows].sort((a, b) => numberOr(a.kwh_per_kw_day) - numberOr(b.kwh_per_kw_day))[0];
        return `The ${rows.length} sites produced ${num(numberOr(top.total_kwh), 1)} kWh over ${periodText(period)}. Most energy: ${nameOf(top)} with ${num(numberOr(top.energy_kwh), 1)} kWh; lowest per kW of capacity: ${nameOf(low)} with ${num(numberOr(low.kwh_per_kw_day), 2)} kWh/kW per day${gaps(low)}.`;
      }
    };
  }
};
