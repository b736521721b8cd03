// The forecast stage's inputs, read from the run's tables into arrays: per site, an unbroken hourly
// grid of energy and OBSERVED weather (training), and, per (issue, target hour), the weather a
// forecast issued then could have used (features/weather.ts: the latest forecast vintage issued at
// or before the issue, else the observed hour, and each row says which).
import {DuckDBTimestampValue, type DuckDBConnection} from "@duckdb/node-api";
import {queryRows, streamColumns} from "../db.ts";
import {chosenWeatherSql} from "../features/weather.ts";
import {HOUR_MS} from "./series.ts";
import type {HybridSite} from "./hybrid.ts";

/** Model weather variable → weather_hourly column. "ghi" is the one the model builds interactions on. */
export const MODEL_WEATHER: Readonly<Record<string, string>> = {ghi: "ghi_wm2", temp_c: "temp_c", cloud_cover_pct: "cloud_cover_pct", wind_ms: "wind_ms"};
/** A weather variable is used when this share of a site's hours with energy have it observed, at every site. */
const MIN_WEATHER_COVERAGE = 0.5;

export interface SiteMeta extends HybridSite {
  id: string;
  name: string;
  timezone: string;
}

export interface SiteSeries {
  meta: SiteMeta;
  /** Hour starts, UTC ms, every hour from the first to the last row of production_hourly. */
  ts: Float64Array;
  /** kWh, NaN where missing or left out by cleaning. */
  energy: Float64Array;
  /** Weather per model variable for training (NaN where missing): an archived forecast where there is one, else observed. */
  weather: Record<string, Float64Array>;
  /** 1 where `weather` is an archived forecast, 0 where it is observed. */
  weatherIsForecast: Uint8Array;
  /** First and one past the last hour with known energy. */
  firstKnown: number;
  endKnown: number;
}

export interface FleetData {
  sites: SiteSeries[];
  /** Model weather variables every site has (see MIN_WEATHER_COVERAGE). */
  weatherNames: string[];
}

export async function loadFleetData(conn: DuckDBConnection): Promise<FleetData> {
  const metas = await queryRows<{site_id: string; name: string; lat: number; lon: number; timezone: string; capacity_kw: number; tilt: number | null; azimuth: number | null}>(
    conn, "SELECT site_id, name, lat, lon, timezone, capacity_kw, tilt, azimuth FROM sites ORDER BY site_id");
  // Each site's grid first (first and last hour), then the hours and the weather streamed into it
  // column by column: at 100 sites the 1.75M hours and 3.5M weather rows as row objects took 12 s.
  const spans = await queryRows<{site_id: string; first: number; last: number}>(conn, `
    SELECT site_id, epoch_ms(min(ts))::DOUBLE AS first, epoch_ms(max(ts))::DOUBLE AS last FROM production_hourly GROUP BY site_id`);
  const columns = Object.entries(MODEL_WEATHER);
  type Grid = Omit<SiteSeries, "meta">;
  const grids = new Map<string, Grid>();
  for (const {site_id, first, last} of spans) {
    const n = (last - first) / HOUR_MS + 1;
    grids.set(site_id, {
      ts: Float64Array.from({length: n}, (_, i) => first + i * HOUR_MS), energy: new Float64Array(n).fill(NaN),
      weather: Object.fromEntries(columns.map(([name]) => [name, new Float64Array(n).fill(NaN)])), weatherIsForecast: new Uint8Array(n),
      firstKnown: Infinity, endKnown: -Infinity
    });
  }
  type HourColumns = {site_id: string[]; ts: number[]; e: (number | null)[]};
  for await (const {rowCount, columns: c} of streamColumns<HourColumns>(conn, "SELECT site_id, epoch_ms(ts)::DOUBLE AS ts, energy_kwh AS e FROM production_hourly")) {
    // Rows come in runs of one site: look the grid up when the site changes, not per row.
    let id: string | null = null;
    let grid: Grid | undefined;
    for (let k = 0; k < rowCount; k++) {
      const e = c.e[k];
      if (e === null || !Number.isFinite(e)) continue;
      if (c.site_id[k] !== id) grid = grids.get((id = c.site_id[k]));
      const s = grid!;
      const t = c.ts[k];
      s.energy[(t - s.ts[0]) / HOUR_MS] = e;
      if (t < s.firstKnown) s.firstKnown = t;
      if (t + HOUR_MS > s.endKnown) s.endKnown = t + HOUR_MS;
    }
  }
  const sites: SiteSeries[] = [];
  for (const m of metas) {
    const grid = grids.get(m.site_id);
    if (!grid || !Number.isFinite(grid.firstKnown)) continue;
    const meta = {id: m.site_id, name: m.name, lat: m.lat, lon: m.lon, timezone: m.timezone, capacityKw: m.capacity_kw, tilt: m.tilt ?? 0, azimuth: m.azimuth ?? 180};
    sites.push({meta, ...grid});
  }
  const index = new Map(sites.map((s) => [s.meta.id, s]));
  type WeatherColumns = {site_id: string[]; ts: number[]; is_forecast: boolean[]};
  const weather = streamColumns<WeatherColumns>(conn, `
    SELECT site_id, epoch_ms(ts)::DOUBLE AS ts, kind = 'forecast' AS is_forecast, ${columns.map(([name, col]) => `${col}::DOUBLE AS ${name}`).join(", ")}
    FROM weather_hourly WHERE kind IN ('observed', 'forecast')
    -- Training rows get the weather a forecast would have had: an archived forecast where there is one
    -- (the latest vintage), else the observed hour (stated in the registry and the manifest).
    QUALIFY row_number() OVER (PARTITION BY site_id, ts ORDER BY CASE kind WHEN 'forecast' THEN 0 ELSE 1 END, issued_at DESC NULLS LAST, source) = 1`);
  for await (const {rowCount, columns: c} of weather) {
    const values = columns.map(([name]) => weatherColumn(c, name));
    for (let k = 0; k < rowCount; k++) {
      const s = index.get(c.site_id[k]);
      if (!s) continue;
      const i = (c.ts[k] - s.ts[0]) / HOUR_MS;
      if (i < 0 || i >= s.ts.length) continue;
      s.weatherIsForecast[i] = c.is_forecast[k] ? 1 : 0;
      for (let j = 0; j < columns.length; j++) {
        const v = values[j][k];
        if (v !== null && Number.isFinite(v)) s.weather[columns[j][0]][i] = v;
      }
    }
  }
  const weatherNames = columns.map(([name]) => name).filter((name) => sites.length > 0 && sites.every((s) => coverage(s, name) >= MIN_WEATHER_COVERAGE));
  for (const s of sites) for (const name of Object.keys(s.weather)) if (!weatherNames.includes(name)) delete s.weather[name];
  return {sites, weatherNames};
}

/** A weather variable's column of a streamed chunk (its name is a MODEL_WEATHER key, so not in the chunk's static type). */
const weatherColumn = (chunk: object, name: string) => (chunk as Record<string, (number | null)[]>)[name];

function coverage(s: SiteSeries, name: string): number {
  let known = 0, both = 0;
  for (let i = 0; i < s.ts.length; i++) {
    if (!Number.isFinite(s.energy[i])) continue;
    known++;
    if (Number.isFinite(s.weather[name][i])) both++;
  }
  return known > 0 ? both / known : 0;
}

export interface TargetWeather {
  values: Record<string, Float64Array>;
  kind: (string | null)[];
  source: (string | null)[];
  issuedAt: (number | null)[];
}

/**
 * The weather known at each issue for its target hours: one lookup per (site, issue) in `requests`,
 * each with `hours` consecutive target hours from the issue's hour.
 */
export async function targetWeather(
  conn: DuckDBConnection,
  requests: readonly {siteId: string; issuedAt: number; ts: Float64Array}[],
  names: readonly string[]
): Promise<Map<string, TargetWeather>> {
  // Each target hour carries its request's number and offset, so results are read back without a key per row.
  await conn.run("CREATE OR REPLACE TEMP TABLE _forecast_targets (site_id VARCHAR, issued_at TIMESTAMP, ts TIMESTAMP, req INTEGER, hour INTEGER)");
  const appender = await conn.createAppender("_forecast_targets", "main", "temp");
  const results: TargetWeather[] = [];
  for (const [k, r] of requests.entries()) {
    const issued = new DuckDBTimestampValue(BigInt(r.issuedAt) * 1000n);
    r.ts.forEach((t, i) => {
      appender.appendVarchar(r.siteId);
      appender.appendTimestamp(issued);
      appender.appendTimestamp(new DuckDBTimestampValue(BigInt(t) * 1000n));
      appender.appendInteger(k);
      appender.appendInteger(i);
      appender.endRow();
    });
    const n = r.ts.length;
    results.push({
      values: Object.fromEntries(names.map((name) => [name, new Float64Array(n).fill(NaN)])),
      kind: new Array(n).fill(null), source: new Array(n).fill(null), issuedAt: new Array(n).fill(null)
    });
  }
  appender.closeSync();
  // Streamed column by column: the backtest asks for ~1.7M target hours at 100 sites.
  type Columns = {req: number[]; hour: number[]; weather_kind: (string | null)[]; weather_source: (string | null)[]; weather_issued_at: (number | null)[]};
  const chunks = streamColumns<Columns>(conn, `
    SELECT req, hour, weather_kind, weather_source, epoch_ms(weather_issued_at)::DOUBLE AS weather_issued_at,
      ${names.map((n) => `${MODEL_WEATHER[n]}::DOUBLE AS ${n}`).join(", ") || "NULL AS none"}
    FROM (${chosenWeatherSql("_forecast_targets", "forecast-if-available", ["req", "hour"])})`);
  for await (const {rowCount, columns: c} of chunks) {
    const values = names.map((name) => weatherColumn(c, name));
    for (let k = 0; k < rowCount; k++) {
      const w = results[c.req[k]];
      const i = c.hour[k];
      for (let j = 0; j < names.length; j++) {
        const v = values[j][k];
        if (v !== null) w.values[names[j]][i] = v;
      }
      w.kind[i] = c.weather_kind[k];
      w.source[i] = c.weather_source[k];
      w.issuedAt[i] = c.weather_issued_at[k];
    }
  }
  await conn.run("DROP TABLE _forecast_targets");
  const out = new Map<string, TargetWeather>();
  requests.forEach((r, k) => out.set(requestKey(r.siteId, r.issuedAt), results[k]));
  return out;
}

export const requestKey = (siteId: string, issuedAt: number) => `${siteId}|${issuedAt}`;

/** The measured energy of a forecast row's site and hour (NaN where there is none). */
export function actualLookup(data: FleetData): (r: {site_id: string; ts: number}) => number {
  const bySite = new Map(data.sites.map((s) => [s.meta.id, s]));
  return (r) => {
    const s = bySite.get(r.site_id);
    if (!s) return NaN;
    const i = (r.ts - s.ts[0]) / HOUR_MS;
    return i >= 0 && i < s.ts.length ? s.energy[i] : NaN;
  };
}

/** Each site's capacity (kW) by id: scoring asks once per row and model, so a lookup, not a search. */
export function capacityLookup(data: FleetData): (siteId: string) => number {
  const capacity = new Map(data.sites.map((s) => [s.meta.id, s.meta.capacityKw]));
  return (siteId) => capacity.get(siteId)!;
}
