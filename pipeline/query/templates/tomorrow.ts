// "What is tomorrow's forecast?": each site's newest live issue, summed over the site's next local
// day, with the sums of the hourly 80 % bounds (a wider range than a true daily interval).
import {nameOf, numberOr, siteFilter, type Template} from "./types.ts";
import {num} from "../grounding.ts";

export const tomorrow: Template = {
  intent: "tomorrow",
  matches: (t) => /\btomorrow\b|\bnext day\b|\bday[- ]ahead forecast for\b|\bupcoming\b|\bwill .* produce\b/.test(t),
  plan: ({entities}) => {
    const sql = `WITH live AS (
  SELECT * FROM forecasts WHERE run = 'live'
), newest AS (
  SELECT site_id, max(issued_at) AS issued_at FROM live GROUP BY site_id
), issue AS (
  SELECT l.* FROM live l JOIN newest n USING (site_id, issued_at)
  QUALIFY dense_rank() OVER (PARTITION BY l.site_id ORDER BY l.issued_in DESC, l.model_version) = 1
)
SELECT i.site_id, s.name,
       CAST(timezone(s.timezone, any_value(i.issued_at)::TIMESTAMPTZ) AS DATE) + 1 AS day,
       round(sum(i.forecast_kwh), 1) AS forecast_kwh,
       round(sum(i.lower_80), 1) AS lower_80_kwh,
       round(sum(i.upper_80), 1) AS upper_80_kwh,
       round(sum(i.clear_sky_kwh), 1) AS clear_sky_kwh,
       any_value(i.issued_at) AS issued_at,
       any_value(i.model) AS model,
       any_value(i.weather_kind) AS weather,
       round(sum(sum(i.forecast_kwh)) OVER (), 1) AS fleet_forecast_kwh,
       round(sum(sum(i.lower_80)) OVER (), 1) AS fleet_lower_80_kwh,
       round(sum(sum(i.upper_80)) OVER (), 1) AS fleet_upper_80_kwh
FROM issue i JOIN sites s USING (site_id)
WHERE CAST(timezone(s.timezone, i.ts::TIMESTAMPTZ) AS DATE) = CAST(timezone(s.timezone, i.issued_at::TIMESTAMPTZ) AS DATE) + 1
  AND ${siteFilter("i.site_id", entities.sites)}
GROUP BY i.site_id, s.name, s.timezone
ORDER BY forecast_kwh DESC`;
    return {
      kind: "sql",
      sql,
      period: null,
      method: "The range is the sum of the hourly 80 % bounds, wider than a daily interval would be.",
      chart: {mark: "bar", x: "name", y: ["forecast_kwh"], series: null, x_type: "category", y_label: "kWh"},
      resultPeriod: (rows) => {
        const days = rows.map((r) => String(r.day)).sort();
        return days.length ? {start: days[0], end: days[days.length - 1], label: "tomorrow"} : null;
      },
      describe: (rows) => {
        if (!rows.length) return "There is no live forecast in this snapshot (the forecast stage is off, or no site has enough history).";
        const r = rows[0];
        const days = [...new Set(rows.map((x) => String(x.day)))].sort();
        const when = `tomorrow (${days.join(" / ")}, each site's local day)`;
        const how = `from the live issue at local midnight, ${r.model} model on ${r.weather} weather`;
        if (rows.length === 1)
          return `${nameOf(r)} is forecast to produce ${num(numberOr(r.forecast_kwh), 1)} kWh ${when}, range ${num(numberOr(r.lower_80_kwh), 1)}–${num(numberOr(r.upper_80_kwh), 1)} kWh (clear sky would give ${num(numberOr(r.clear_sky_kwh), 1)} kWh), ${how}.`;
        return `The ${rows.length} sites are forecast to produce ${num(numberOr(r.fleet_forecast_kwh), 1)} kWh ${when}, range ${num(numberOr(r.fleet_lower_80_kwh), 1)}–${num(numberOr(r.fleet_upper_80_kwh), 1)} kWh, ${how}. Largest: ${nameOf(r)} with ${num(numberOr(r.forecast_kwh), 1)} kWh.`;
      }
    };
  }
};
