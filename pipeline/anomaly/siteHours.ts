// The hours anomaly detection judges, per site: every hour of the cleaned production record, with
// what is needed to say what the site should have made in it.
// - Observed weather (GHI, temperature, wind, cloud cover): the default expectation is the
//   performance model of expected.ts driven by it, so the record can be judged back to its start.
// - The out-of-sample forecast of the hour, where one exists, never an in-sample fit: history from
//   the walk-forward backtest, recent days from the forecast stage's evaluation re-forecasts and the
//   live issues that now have an outcome; per hour the earliest source in that order, at its
//   shortest horizon. The page draws it with its band, and `anomaly.expected = "forecast"` judges
//   against it instead. There the Prophet baseline stands for hybrid rows: the hybrid leans on
//   production lags, so on the second day of an outage it already expects little (Denver,
//   2025-08-31: hybrid 508 kWh, Prophet 1,850 kWh, clear sky 1,810 kWh) and the fault fades.
// Hours inside a stuck-logger run (cleaning's quality events) are not judged: the repeated reading
// says nothing about the plant.
import type {DuckDBConnection} from "@duckdb/node-api";
import {streamColumns} from "../db.ts";
import {hourGeometry} from "../forecast/hybrid.ts";
import type {ModelSite} from "./expected.ts";

export interface SiteHour {
  ts: number;
  /** Measured energy (kWh); NaN when missing or not trusted (stuck logger). */
  actual_kwh: number;
  /** True when the hour lies in a stuck-logger run. */
  stuck: boolean;
  /** Clear-sky energy of the hour on the module plane (kWh, capped at capacity). */
  clear_sky_kwh: number;
  forecast_kwh: number;
  /** The forecast expectation (the Prophet baseline for hybrid rows). */
  forecast_expected_kwh: number;
  lower_80: number;
  upper_80: number;
  /** Where the forecast came from: backtest, evaluation, live; "" without one. */
  forecast_source: string;
  ghi_obs: number;
  temp_c: number;
  wind_ms: number;
  cloud_cover_pct: number;
}

export interface SiteHours {
  siteId: string;
  timezone: string;
  site: ModelSite;
  hours: SiteHour[];
  /** Hour-mean clear-sky GHI (W/m²), aligned with `hours`. */
  clearGhi: Float64Array;
}

const num = (v: number | null) => (v === null ? NaN : v);

/** One chunk of the query below, column by column. */
interface HourColumns {
  site_id: string[];
  timezone: string[];
  capacity_kw: number[];
  lat: number[];
  lon: number[];
  tilt: (number | null)[];
  azimuth: (number | null)[];
  ts: number[];
  actual_kwh: (number | null)[];
  stuck: boolean[];
  forecast_kwh: (number | null)[];
  forecast_expected_kwh: (number | null)[];
  lower_80: (number | null)[];
  upper_80: (number | null)[];
  source: (string | null)[];
  ghi_obs: (number | null)[];
  temp_c: (number | null)[];
  wind_ms: (number | null)[];
  cloud_cover_pct: (number | null)[];
}

/**
 * Every site's hours, one site at a time, streamed from one query in site order: only the site in
 * hand is held in JavaScript (a fleet's hours as row objects would be the run's largest allocation).
 */
export async function* streamSiteHours(conn: DuckDBConnection, o: {hasBacktest: boolean; hasForecasts: boolean; hasQualityEvents: boolean}): AsyncGenerator<SiteHours> {
  const sources = [
    o.hasBacktest ? `SELECT site_id, ts, horizon_h, model, forecast_kwh, baseline_kwh, lower_80, upper_80, 'backtest' AS source FROM backtest_predictions` : "",
    o.hasForecasts ? `SELECT site_id, ts, horizon_h, model, forecast_kwh, baseline_kwh, lower_80, upper_80, run AS source FROM forecasts WHERE run IN ('evaluation', 'live')` : ""
  ].filter(Boolean);
  const forecast = sources.length
    ? `SELECT * FROM (${sources.join(" UNION ALL ")})
       QUALIFY row_number() OVER (PARTITION BY site_id, ts ORDER BY CASE source WHEN 'backtest' THEN 0 WHEN 'evaluation' THEN 1 ELSE 2 END, horizon_h) = 1`
    : `SELECT NULL::VARCHAR AS site_id, NULL::TIMESTAMP AS ts, NULL::VARCHAR AS model, NULL::DOUBLE AS forecast_kwh, NULL::DOUBLE AS baseline_kwh,
         NULL::DOUBLE AS lower_80, NULL::DOUBLE AS upper_80, NULL::VARCHAR AS source WHERE false`;
  // Every column is VARCHAR, DOUBLE or BOOLEAN, which DuckDB hands over as string, number, boolean or null.
  const chunks = streamColumns<HourColumns>(conn, `
    WITH f AS (${forecast}),
    stuck AS (${o.hasQualityEvents ? "SELECT site_id, start_ts, end_ts FROM quality_events WHERE kind = 'stuck'" : "SELECT NULL::VARCHAR AS site_id, NULL::TIMESTAMP AS start_ts, NULL::TIMESTAMP AS end_ts WHERE false"}),
    w AS (SELECT site_id, ts, ghi_wm2, temp_c, wind_ms, cloud_cover_pct FROM weather_hourly WHERE kind = 'observed'
          QUALIFY row_number() OVER (PARTITION BY site_id, ts ORDER BY source) = 1)
    SELECT p.site_id, s.timezone, s.capacity_kw, s.lat, s.lon, s.tilt, s.azimuth, epoch_ms(p.ts)::DOUBLE AS ts, p.energy_kwh AS actual_kwh,
      EXISTS (SELECT 1 FROM stuck q WHERE q.site_id = p.site_id AND p.ts < q.end_ts AND p.ts + INTERVAL 1 HOUR > q.start_ts) AS stuck,
      f.forecast_kwh, CASE WHEN f.model = 'hybrid' THEN f.baseline_kwh ELSE f.forecast_kwh END AS forecast_expected_kwh,
      f.lower_80, f.upper_80, f.source, w.ghi_wm2 AS ghi_obs, w.temp_c, w.wind_ms, w.cloud_cover_pct
    FROM production_hourly p JOIN sites s USING (site_id)
    LEFT JOIN f ON f.site_id = p.site_id AND f.ts = p.ts
    LEFT JOIN w ON w.site_id = p.site_id AND w.ts = p.ts
    ORDER BY p.site_id, p.ts`);
  let site: SiteHours | null = null;
  for await (const {rowCount, columns: c} of chunks) {
    for (let i = 0; i < rowCount; i++) {
      const id = c.site_id[i];
      if (!site || site.siteId !== id) {
        if (site) yield withGeometry(site);
        const meta: ModelSite = {lat: c.lat[i], lon: c.lon[i], capacityKw: c.capacity_kw[i], tilt: c.tilt[i] ?? 0, azimuth: c.azimuth[i] ?? 180};
        site = {siteId: id, timezone: c.timezone[i], site: meta, hours: [], clearGhi: new Float64Array(0)};
      }
      const stuck = c.stuck[i];
      site.hours.push({
        ts: c.ts[i], actual_kwh: stuck ? NaN : num(c.actual_kwh[i]), stuck, clear_sky_kwh: 0,
        forecast_kwh: num(c.forecast_kwh[i]), forecast_expected_kwh: num(c.forecast_expected_kwh[i]), lower_80: num(c.lower_80[i]), upper_80: num(c.upper_80[i]),
        forecast_source: c.source[i] ?? "", ghi_obs: num(c.ghi_obs[i]), temp_c: num(c.temp_c[i]), wind_ms: num(c.wind_ms[i]), cloud_cover_pct: num(c.cloud_cover_pct[i])
      });
    }
  }
  if (site) yield withGeometry(site);
}

/** The site's clear sky per hour (clear_sky_kwh and clearGhi), once its hours are all in. */
function withGeometry(s: SiteHours): SiteHours {
  const g = hourGeometry(s.site, s.hours.map((h) => h.ts));
  s.clearGhi = g.clearGhi;
  s.hours.forEach((h, i) => (h.clear_sky_kwh = g.clearKwh[i]));
  return s;
}
