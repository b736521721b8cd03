// "Which weather factor most influenced yesterday's output?": the day's observed weather against
// the site's normal (mean of the 30 days before), each factor turned into an estimated effect on
// output: irradiance in proportion (PV output follows irradiance), temperature through the module
// temperature coefficient (−0.37 %/°C, PVWatts), wind through the cooling it gives the modules
// (Faiman: U0 25, U1 6.84 W/m²K). Beside them the measured output against its own normal.
import {dateLit, nameOf, numberOr, periodText, siteFilter, type Row, type Template} from "./types.ts";
import {addDays} from "../resolve.ts";
import {num, signed} from "../grounding.ts";

export const GAMMA_PCT_PER_C = -0.37;

export const weatherFactor: Template = {
  intent: "weather_factor",
  matches: (t) =>
    /\bweather\b.*\b(affect\w*|impact\w*|effect\w*|influenc\w*|explain\w*)|\bweather (factor|variable|driver)|\b(which|what) (weather )?(factor|variable|driver)|\binfluenc|\bweather (explain|effect|impact)|\beffect of (the )?weather|\bdue to (the )?weather|\b(temperature|clouds?|irradiance|wind)\b.*\b(effect|impact|affect\w*)/.test(t),
  plan: ({entities, ctx}) => {
    const period = entities.period ?? {start: ctx.lastDay, end: ctx.lastDay, label: "yesterday (no day given)"};
    const day = period.end;
    const from = addDays(day, -31);
    const sql = `WITH hourly AS (
  SELECT w.site_id, w.ts, avg(w.ghi_wm2) AS ghi, avg(w.temp_c) AS temp, avg(w.wind_ms) AS wind, avg(w.cloud_cover_pct) AS cloud
  FROM weather_hourly w
  WHERE w.kind = 'observed' AND w.ts >= CAST(${dateLit(from)} AS TIMESTAMP) AND w.ts < CAST(${dateLit(addDays(day, 2))} AS TIMESTAMP)
    AND ${siteFilter("w.site_id", entities.sites)}
  GROUP BY w.site_id, w.ts
), daily AS (
  SELECT h.site_id, CAST(timezone(s.timezone, h.ts::TIMESTAMPTZ) AS DATE) AS day,
         sum(h.ghi) / 1000 AS ghi_kwh_m2,
         avg(h.ghi) FILTER (WHERE h.ghi > 50) AS ghi_day,
         avg(h.temp) FILTER (WHERE h.ghi > 50) AS temp_day,
         avg(h.wind) FILTER (WHERE h.ghi > 50) AS wind_day,
         avg(h.cloud) FILTER (WHERE h.ghi > 50) AS cloud_day
  FROM hourly h JOIN sites s USING (site_id)
  GROUP BY ALL
), normal AS (
  SELECT site_id, avg(ghi_kwh_m2) AS ghi_kwh_m2, avg(ghi_day) AS ghi_day, avg(temp_day) AS temp_day, avg(wind_day) AS wind_day, avg(cloud_day) AS cloud_day
  FROM daily WHERE day BETWEEN ${dateLit(addDays(day, -30))} AND ${dateLit(addDays(day, -1))}
  GROUP BY site_id
), cmp AS (
  SELECT d.site_id, d.ghi_kwh_m2 AS g, n.ghi_kwh_m2 AS ng, d.ghi_day AS gd, d.temp_day AS t, n.temp_day AS nt,
         d.wind_day AS w, n.wind_day AS nw, d.cloud_day AS c, n.cloud_day AS nc
  FROM daily d JOIN normal n USING (site_id) WHERE d.day = ${dateLit(day)}
), output AS (
  SELECT p.site_id, any_value(p.energy_kwh) FILTER (WHERE p.day = ${dateLit(day)}) AS e,
         avg(p.energy_kwh) FILTER (WHERE p.day BETWEEN ${dateLit(addDays(day, -30))} AND ${dateLit(addDays(day, -1))} AND p.missing_hours = 0) AS ne
  FROM production_daily p WHERE ${siteFilter("p.site_id", entities.sites)}
  GROUP BY p.site_id
), factors AS (
  SELECT site_id, 'irradiance' AS factor, round(g, 2) AS day_value, round(ng, 2) AS normal_value, 'kWh/m² (daily GHI)' AS unit,
         round(100 * (g / nullif(ng, 0) - 1), 1) AS effect_pct, round(c, 0) AS cloud_cover_pct, round(nc, 0) AS normal_cloud_cover_pct
  FROM cmp
  UNION ALL
  SELECT site_id, 'temperature', round(t, 1), round(nt, 1), '°C (daytime mean)', round(${GAMMA_PCT_PER_C} * (t - nt), 1), NULL, NULL FROM cmp
  UNION ALL
  SELECT site_id, 'wind', round(w, 1), round(nw, 1), 'm/s (daytime mean)',
         round(${GAMMA_PCT_PER_C} * gd * (1 / (25 + 6.84 * w) - 1 / (25 + 6.84 * nw)), 1), NULL, NULL FROM cmp
  UNION ALL
  SELECT site_id, 'output (measured)', round(e, 1), round(ne, 1), 'kWh', round(100 * (e / nullif(ne, 0) - 1), 1), NULL, NULL FROM output
)
SELECT f.site_id, s.name, ${dateLit(day)} AS day, f.factor, f.day_value, f.normal_value, f.unit, f.effect_pct, f.cloud_cover_pct, f.normal_cloud_cover_pct
FROM factors f JOIN sites s USING (site_id)
ORDER BY s.name, f.factor = 'output (measured)' DESC, abs(f.effect_pct) DESC NULLS LAST`;
    return {
      kind: "sql",
      sql,
      period: {start: day, end: day, label: period.start === period.end ? period.label : day},
      method: `Observed weather; normal is the mean of the 30 days before; effects estimated as: irradiance in proportion, temperature at ${GAMMA_PCT_PER_C} %/°C, wind through module cooling (Faiman U0 25, U1 6.84).`,
      chart: {mark: "bar", x: "factor", y: ["effect_pct"], series: entities.sites.length === 1 ? null : "name", x_type: "category", y_label: "% effect on output vs normal"},
      describe: (rows) => describeFactors(rows, day, period.label)
    };
  }
};

function describeFactors(rows: Row[], day: string, label: string): string {
  const bySite = new Map<string, Row[]>();
  for (const r of rows) bySite.set(nameOf(r), [...(bySite.get(nameOf(r)) ?? []), r]);
  const when = periodText({start: day, end: day, label});
  if (!bySite.size) return `No observed weather for ${when}.`;
  const main = (list: Row[]) => list.filter((r) => r.factor !== "output (measured)" && r.effect_pct !== null).sort((a, b) => Math.abs(numberOr(b.effect_pct)) - Math.abs(numberOr(a.effect_pct)))[0];
  const line = (name: string, list: Row[]) => {
    const m = main(list);
    const out = list.find((r) => r.factor === "output (measured)");
    if (!m) return `${name}: no weather to compare.`;
    const detail =
      m.factor === "irradiance"
        ? `${num(numberOr(m.day_value), 2)} kWh/m² against a normal ${num(numberOr(m.normal_value), 2)} (cloud cover ${num(numberOr(m.cloud_cover_pct))} % vs ${num(numberOr(m.normal_cloud_cover_pct))} %)`
        : `${m.factor} ${num(numberOr(m.day_value), 1)} against a normal ${num(numberOr(m.normal_value), 1)} ${String(m.unit).split(" ")[0]}`;
    const output = out && out.effect_pct !== null ? `; measured output ${signed(numberOr(out.effect_pct))} % against its normal` : "";
    return `${name}: ${m.factor === "irradiance" ? "irradiance " : ""}${detail}, an estimated ${signed(numberOr(m.effect_pct))} % on output${output}.`;
  };
  const sites = [...bySite.entries()];
  if (sites.length === 1) {
    const [name, list] = sites[0];
    const others = list.filter((r) => r.factor !== "output (measured)" && r !== main(list) && r.effect_pct !== null).map((r) => `${r.factor} ${signed(numberOr(r.effect_pct))} %`);
    return `For ${when}, the weather factor that moved output most at ${line(name, list)}${others.length ? ` Others: ${others.join(", ")}.` : ""}`;
  }
  const counts = new Map<string, number>();
  for (const [, list] of sites) {
    const m = main(list);
    if (m) counts.set(String(m.factor), (counts.get(String(m.factor)) ?? 0) + 1);
  }
  const [topFactor, topCount] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? ["none", 0];
  return `For ${when}, ${topFactor} was the weather factor that moved output most at ${topCount} of ${sites.length} sites. ${sites.map(([n, l]) => line(n, l)).join(" ")}`;
}
