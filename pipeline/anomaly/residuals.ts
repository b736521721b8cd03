// The hours anomaly detection judges, per site: what was measured against an out-of-sample
// expectation, never an in-sample fit. History comes from the walk-forward backtest, the recent
// days from the forecast stage's evaluation re-forecasts and the live issues that now have an
// outcome; for each hour the earliest source in that order, at its shortest horizon.
//
// The expectation is the Prophet baseline (weather-driven: clear sky and forecast GHI) where the
// site has one, not the hybrid forecast: the hybrid leans on production lags, so on the second day
// of an outage it already expects little (measured on the demo: Denver, 2025-08-31, hybrid 508 kWh,
// Prophet 1,850 kWh, clear sky 1,810 kWh), and a fault would fade from its own residuals.
import type {DuckDBConnection} from "@duckdb/node-api";
import {queryRows} from "../db.ts";
import {hourGeometry, type HybridSite} from "../forecast/hybrid.ts";
import type {ResidualHour} from "./detect.ts";

export interface SiteResiduals {
  siteId: string;
  capacityKw: number;
  site: HybridSite;
  hours: (ResidualHour & {forecast_kwh: number; lower_80: number | null; upper_80: number | null; source: string; model: string; ghi_obs: number; cloud_cover_pct: number})[];
  /** Hour-mean clear-sky GHI (W/m²), aligned with `hours`. */
  clearGhi: Float64Array;
}

export async function loadResiduals(conn: DuckDBConnection, hasBacktest: boolean): Promise<SiteResiduals[]> {
  const backtest = hasBacktest
    ? `SELECT site_id, ts, horizon_h, model, forecast_kwh, baseline_kwh, lower_80, upper_80, clear_sky_kwh, sun_up, 'backtest' AS source FROM backtest_predictions UNION ALL`
    : "";
  const rows = await queryRows<{site_id: string; capacity_kw: number; lat: number; lon: number; tilt: number | null; azimuth: number | null; ts: number;
    ghi_obs: number | null; cloud_cover_pct: number | null; actual_kwh: number | null; expected_kwh: number | null; forecast_kwh: number | null;
    lower_80: number | null; upper_80: number | null; clear_sky_kwh: number | null; source: string; model: string}>(conn, `
    WITH f AS (
      ${backtest}
      SELECT site_id, ts, horizon_h, model, forecast_kwh, baseline_kwh, lower_80, upper_80, clear_sky_kwh, sun_up, run AS source FROM forecasts WHERE run IN ('evaluation', 'live')
    ), best AS (
      SELECT * FROM f
      QUALIFY row_number() OVER (PARTITION BY site_id, ts ORDER BY CASE source WHEN 'backtest' THEN 0 WHEN 'evaluation' THEN 1 ELSE 2 END, horizon_h) = 1
    )
    SELECT b.site_id, s.capacity_kw, s.lat, s.lon, s.tilt, s.azimuth, epoch_ms(b.ts)::DOUBLE AS ts, p.energy_kwh AS actual_kwh, w.ghi_wm2 AS ghi_obs, w.cloud_cover_pct,
      CASE WHEN b.model = 'hybrid' THEN b.baseline_kwh ELSE b.forecast_kwh END AS expected_kwh,
      b.forecast_kwh, b.lower_80, b.upper_80, b.clear_sky_kwh, b.source, b.model
    FROM best b JOIN sites s USING (site_id) JOIN production_hourly p ON p.site_id = b.site_id AND p.ts = b.ts
    -- Observed weather: the context that tells a cloudy hour from a fault.
    LEFT JOIN (SELECT site_id, ts, ghi_wm2, cloud_cover_pct FROM weather_hourly WHERE kind = 'observed'
               QUALIFY row_number() OVER (PARTITION BY site_id, ts ORDER BY source) = 1) w ON w.site_id = b.site_id AND w.ts = b.ts
    ORDER BY b.site_id, b.ts`);
  const out: SiteResiduals[] = [];
  for (const r of rows) {
    let site = out.at(-1);
    if (!site || site.siteId !== r.site_id) {
      const meta = {lat: r.lat, lon: r.lon, capacityKw: r.capacity_kw, tilt: r.tilt ?? 0, azimuth: r.azimuth ?? 180};
      out.push((site = {siteId: r.site_id, capacityKw: r.capacity_kw, site: meta, hours: [], clearGhi: new Float64Array(0)}));
    }
    site.hours.push({
      ts: r.ts, actual_kwh: r.actual_kwh ?? NaN, expected_kwh: r.expected_kwh ?? NaN, clear_sky_kwh: r.clear_sky_kwh ?? 0,
      forecast_kwh: r.forecast_kwh ?? NaN, lower_80: r.lower_80, upper_80: r.upper_80, source: r.source, model: r.model,
      ghi_obs: r.ghi_obs ?? NaN, cloud_cover_pct: r.cloud_cover_pct ?? NaN
    });
  }
  for (const s of out) s.clearGhi = hourGeometry(s.site, s.hours.map((h) => h.ts)).clearGhi;
  return out;
}
