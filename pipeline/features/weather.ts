// Weather of the target hour, and which weather that is. For each target hour t of an issue s one
// weather_hourly row is chosen (`w`):
//   1. "forecast-if-available": the latest forecast vintage issued at or before s; else an undated
//      forecast (Open-Meteo's stitched historical forecasts carry no issue time); else the observed
//      hour. Forecasts issued after s are never used.
//   2. "observed": the observed hour only (a perfect-forecast upper bound, or training where no
//      forecast was archived).
// Observed weather for a target after s is not known at s: using it is the stated exception, and
// every row says which it got in `weather_kind` ("forecast" | "observed" | null when there is none),
// `weather_source` and `weather_issued_at`. Ties go to the alphabetically first source.
import {sqlIdent} from "../db.ts";
import type {SqlFeature} from "./types.ts";

export type WeatherMode = "forecast-if-available" | "observed";
export const WEATHER_MODES: readonly WeatherMode[] = ["forecast-if-available", "observed"];

const variable = (name: string, unit: string, what: string): SqlFeature => ({
  name,
  kind: "weather",
  unit,
  description: `${what} in the target hour, from the weather row named by weather_kind / weather_source / weather_issued_at.`,
  sql: `w.${name}`
});

/** Over `w`, the chosen weather row of the target hour (all null when there is none). */
export const WEATHER_FEATURES: readonly SqlFeature[] = [
  variable("ghi_wm2", "W/m²", "Global horizontal irradiance, mean"),
  variable("dni_wm2", "W/m²", "Direct normal irradiance, mean"),
  variable("dhi_wm2", "W/m²", "Diffuse horizontal irradiance, mean"),
  variable("temp_c", "°C", "Air temperature"),
  variable("cloud_cover_pct", "%", "Total cloud cover"),
  variable("wind_ms", "m/s", "Wind speed"),
  variable("humidity_pct", "%", "Relative humidity"),
  variable("precip_mm", "mm", "Precipitation")
];

/**
 * SQL for (site_id, issued_at, ts, weather_kind, weather_source, weather_issued_at, <variables>):
 * the chosen weather row for every row of `targets` that has one. `carry` names further columns of
 * `targets` to pass through (e.g. a request number the caller reads results by).
 */
export function chosenWeatherSql(targets: string, mode: WeatherMode, carry: readonly string[] = []): string {
  const forecasts = mode === "forecast-if-available";
  return `
    SELECT t.site_id, t.issued_at, t.ts, ${carry.map((c) => `t.${sqlIdent(c)}, `).join("")}
      w.kind AS weather_kind, w.source AS weather_source, w.issued_at AS weather_issued_at,
      ${WEATHER_FEATURES.map((f) => `${f.sql} AS ${sqlIdent(f.name)}`).join(", ")}
    FROM ${sqlIdent(targets)} t
    JOIN weather_hourly w ON w.site_id = t.site_id AND w.ts = t.ts
    WHERE w.kind = 'observed'
      ${forecasts ? "OR (w.kind = 'forecast' AND (w.issued_at IS NULL OR w.issued_at <= t.issued_at)) -- a vintage issued after s is unknown at s" : ""}
    QUALIFY row_number() OVER (
      PARTITION BY t.site_id, t.issued_at, t.ts
      ORDER BY CASE WHEN w.kind = 'forecast' AND w.issued_at IS NOT NULL THEN 0 WHEN w.kind = 'forecast' THEN 1 ELSE 2 END,
        w.issued_at DESC NULLS LAST, w.source) = 1`;
}
