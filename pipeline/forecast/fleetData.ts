// The forecast stage's inputs, read from the run's tables into arrays: per site, an unbroken hourly
// grid of energy and OBSERVED weather (training), and, per (issue, target hour), the weather a
// forecast issued then could have used (features/weather.ts: the latest forecast vintage issued at
// or before the issue, else the observed hour, and each row says which).
import {DuckDBTimestampValue, type DuckDBConnection} from "@duckdb/node-api";
import {queryRows} from "../db.ts";
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
  const hours = await queryRows<{site_id: string; ts: number; e: number | null}>(
    conn, "SELECT site_id, epoch_ms(ts)::DOUBLE AS ts, energy_kwh AS e FROM production_hourly ORDER BY site_id, ts");
  const columns = Object.entries(MODEL_WEATHER);
  const weatherRows = await queryRows<Record<string, number | string | boolean | null>>(conn, `
    SELECT site_id, epoch_ms(ts)::DOUBLE AS ts, kind = 'forecast' AS is_forecast, ${columns.map(([name, col]) => `${col} AS ${name}`).join(", ")}
    FROM weather_hourly WHERE kind IN ('observed', 'forecast')
    -- Training rows get the weather a forecast would have had: an archived forecast where there is one
    -- (the latest vintage), else the observed hour (stated in the registry and the manifest).
    QUALIFY row_number() OVER (PARTITION BY site_id, ts ORDER BY CASE kind WHEN 'forecast' THEN 0 ELSE 1 END, issued_at DESC NULLS LAST, source) = 1`);
  const bySite = new Map<string, {ts: number; e: number | null}[]>();
  for (const h of hours) (bySite.get(h.site_id) ?? bySite.set(h.site_id, []).get(h.site_id)!).push(h);

  const sites: SiteSeries[] = [];
  for (const m of metas) {
    const rows = bySite.get(m.site_id);
    if (!rows?.length) continue;
    const t0 = rows[0].ts;
    const n = (rows[rows.length - 1].ts - t0) / HOUR_MS + 1;
    const ts = Float64Array.from({length: n}, (_, i) => t0 + i * HOUR_MS);
    const energy = new Float64Array(n).fill(NaN);
    let firstKnown = Infinity, endKnown = -Infinity;
    for (const r of rows) {
      if (r.e === null || !Number.isFinite(r.e)) continue;
      energy[(r.ts - t0) / HOUR_MS] = r.e;
      firstKnown = Math.min(firstKnown, r.ts);
      endKnown = Math.max(endKnown, r.ts + HOUR_MS);
    }
    if (!Number.isFinite(firstKnown)) continue;
    const weather = Object.fromEntries(columns.map(([name]) => [name, new Float64Array(n).fill(NaN)]));
    sites.push({
      meta: {id: m.site_id, name: m.name, lat: m.lat, lon: m.lon, timezone: m.timezone, capacityKw: m.capacity_kw, tilt: m.tilt ?? 0, azimuth: m.azimuth ?? 180},
      ts, energy, weather, weatherIsForecast: new Uint8Array(n), firstKnown, endKnown
    });
  }
  const index = new Map(sites.map((s) => [s.meta.id, s]));
  for (const w of weatherRows) {
    const s = index.get(w.site_id as string);
    if (!s) continue;
    const i = ((w.ts as number) - s.ts[0]) / HOUR_MS;
    if (i < 0 || i >= s.ts.length) continue;
    s.weatherIsForecast[i] = w.is_forecast ? 1 : 0;
    for (const [name] of columns) {
      const v = w[name];
      if (typeof v === "number" && Number.isFinite(v)) s.weather[name][i] = v;
    }
  }
  const weatherNames = columns.map(([name]) => name).filter((name) => sites.length > 0 && sites.every((s) => coverage(s, name) >= MIN_WEATHER_COVERAGE));
  for (const s of sites) for (const name of Object.keys(s.weather)) if (!weatherNames.includes(name)) delete s.weather[name];
  return {sites, weatherNames};
}

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
  await conn.run("CREATE OR REPLACE TEMP TABLE _forecast_targets (site_id VARCHAR, issued_at TIMESTAMP, ts TIMESTAMP)");
  const appender = await conn.createAppender("_forecast_targets", "main", "temp");
  for (const r of requests) {
    const issued = new DuckDBTimestampValue(BigInt(r.issuedAt) * 1000n);
    for (const t of r.ts) {
      appender.appendVarchar(r.siteId);
      appender.appendTimestamp(issued);
      appender.appendTimestamp(new DuckDBTimestampValue(BigInt(t) * 1000n));
      appender.endRow();
    }
  }
  appender.closeSync();
  const rows = await queryRows<Record<string, number | string | null>>(conn, `
    SELECT site_id, epoch_ms(issued_at)::DOUBLE AS issued_at, epoch_ms(ts)::DOUBLE AS ts, weather_kind, weather_source,
      epoch_ms(weather_issued_at)::DOUBLE AS weather_issued_at,
      ${names.map((n) => `${MODEL_WEATHER[n]} AS ${n}`).join(", ") || "NULL AS none"}
    FROM (${chosenWeatherSql("_forecast_targets", "forecast-if-available")})`);
  await conn.run("DROP TABLE _forecast_targets");
  const out = new Map<string, TargetWeather>();
  const offsets = new Map<string, number>();
  for (const r of requests) {
    const n = r.ts.length;
    out.set(requestKey(r.siteId, r.issuedAt), {
      values: Object.fromEntries(names.map((name) => [name, new Float64Array(n).fill(NaN)])),
      kind: new Array(n).fill(null), source: new Array(n).fill(null), issuedAt: new Array(n).fill(null)
    });
    offsets.set(requestKey(r.siteId, r.issuedAt), r.ts[0]);
  }
  for (const row of rows) {
    const key = requestKey(row.site_id as string, row.issued_at as number);
    const w = out.get(key);
    if (!w) continue;
    const i = ((row.ts as number) - offsets.get(key)!) / HOUR_MS;
    for (const name of names) if (typeof row[name] === "number") w.values[name][i] = row[name] as number;
    w.kind[i] = row.weather_kind as string | null;
    w.source[i] = row.weather_source as string | null;
    w.issuedAt[i] = (row.weather_issued_at as number | null) ?? null;
  }
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
