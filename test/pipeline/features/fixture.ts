// Input tables for the feature tests, made in memory: sites in zones with clock changes (and a
// half-hour zone), production and weather made from hashes of (site, hour) so every value is
// different and reproducible, and forecast vintages issued at odd minutes.
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import {queryRows, sqlString} from "../../../pipeline/db.ts";
import {createWeatherTable, WEATHER_COLUMNS} from "../../../pipeline/weather/fromFile.ts";

export interface TestSite {
  site_id: string;
  lat: number;
  lon: number;
  timezone: string;
  capacity_kw: number;
  tilt: number;
  azimuth: number;
}

export const SITES = {
  berlin: {site_id: "berlin", lat: 52.52, lon: 13.4, timezone: "Europe/Berlin", capacity_kw: 10, tilt: 30, azimuth: 180},
  sydney: {site_id: "sydney", lat: -33.87, lon: 151.21, timezone: "Australia/Sydney", capacity_kw: 100, tilt: 22, azimuth: 15},
  santiago: {site_id: "santiago", lat: -33.45, lon: -70.67, timezone: "America/Santiago", capacity_kw: 2000, tilt: 25, azimuth: 0},
  chennai: {site_id: "chennai", lat: 13.08, lon: 80.27, timezone: "Asia/Kolkata", capacity_kw: 1500, tilt: 13, azimuth: 180}
} satisfies Record<string, TestSite>;

/** An in-memory database kept open across a suite (UTC, as withConnection sets it); call close() after. */
export async function openConnection(): Promise<{conn: DuckDBConnection; close: () => void}> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    }
  };
}

export async function createInputTables(conn: DuckDBConnection, sites: readonly TestSite[]): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE sites (site_id VARCHAR, name VARCHAR, lat DOUBLE, lon DOUBLE, timezone VARCHAR, capacity_kw DOUBLE, tilt DOUBLE, azimuth DOUBLE)`);
  for (const s of sites)
    await conn.run("INSERT INTO sites VALUES ($1, $1, $2, $3, $4, $5, $6, $7)", [s.site_id, s.lat, s.lon, s.timezone, s.capacity_kw, s.tilt, s.azimuth]);
  await conn.run(`CREATE OR REPLACE TABLE production_hourly (site_id VARCHAR, ts TIMESTAMP, energy_kwh DOUBLE, n_samples INTEGER, quality VARCHAR)`);
  await createWeatherTable(conn);
}

const hours = (start: string, end: string) =>
  `(SELECT unnest(range(TIMESTAMP ${sqlString(start)}, TIMESTAMP ${sqlString(end)}, INTERVAL 1 HOUR)) AS ts)`;

/** A number in [0, 1) from a hash of its arguments (SQL). */
const unit = (...parts: string[]) => `(hash(${parts.join(", ")}) % 1000003) / 1000003.0`;

/**
 * Hourly production for every site in [start, end): daylight-shaped values scrambled by a hash,
 * and about one hour in 29 `missing` (energy null).
 */
export async function fillProduction(conn: DuckDBConnection, start: string, end: string): Promise<void> {
  await conn.run(`
    INSERT INTO production_hourly
    SELECT site_id, ts,
      CASE WHEN missing THEN NULL ELSE round(capacity_kw * ${unit("site_id", "ts")}, 4) END,
      CASE WHEN missing THEN 0 ELSE 4 END,
      CASE WHEN missing THEN 'missing' ELSE 'ok' END
    FROM (SELECT s.site_id, s.capacity_kw, h.ts, hash(s.site_id, h.ts, 'missing') % 29 = 0 AS missing
          FROM sites s CROSS JOIN ${hours(start, end)} h)`);
}

/**
 * Weather for every site in [start, end): observed every hour (source "obs"); undated forecasts
 * (source "stitched") for hours in [undatedFrom, vintagesFrom); and forecast vintages (source
 * "model") issued every 12 h at :05 from vintagesFrom, each covering the next 72 hours.
 */
export async function fillWeather(conn: DuckDBConnection, start: string, end: string, undatedFrom: string, vintagesFrom: string): Promise<void> {
  const values = (...key: string[]) =>
    WEATHER_COLUMNS.map((c, i) => `round(${[1000, 900, 400, 40, 100, 15, 100, 5][i]} * ${unit(...key, sqlString(c))}, 2)`).join(", ");
  await conn.run(`
    INSERT INTO weather_hourly
    SELECT s.site_id, h.ts, 'obs', 'observed', NULL, ${values("s.site_id", "h.ts")}
    FROM sites s CROSS JOIN ${hours(start, end)} h;

    INSERT INTO weather_hourly
    SELECT s.site_id, h.ts, 'stitched', 'forecast', NULL, ${values("s.site_id", "h.ts", "'stitched'")}
    FROM sites s CROSS JOIN ${hours(undatedFrom, vintagesFrom)} h;

    INSERT INTO weather_hourly
    SELECT s.site_id, h.ts, 'model', 'forecast', v.issued_at, ${values("s.site_id", "h.ts", "v.issued_at")}
    FROM sites s
    CROSS JOIN (SELECT unnest(range(TIMESTAMP ${sqlString(vintagesFrom)} + INTERVAL 5 MINUTE, TIMESTAMP ${sqlString(end)}, INTERVAL 12 HOUR)) AS issued_at) v
    CROSS JOIN ${hours(start, end)} h
    WHERE h.ts > v.issued_at AND h.ts <= v.issued_at + INTERVAL 72 HOUR`);
}

export type Row = Record<string, unknown>;

/** The rows of `features` (all columns, timestamps as strings), in key order. */
export function featureRows(conn: DuckDBConnection, where = "true", table = "features"): Promise<Row[]> {
  return queryRows(conn, `SELECT * FROM ${table} WHERE ${where} ORDER BY site_id, issued_at, ts`);
}

/** Names of the columns whose values differ between two equally keyed row lists. */
export function changedColumns(a: readonly Row[], b: readonly Row[]): string[] {
  if (a.length !== b.length) return ["<row count>"];
  const changed = new Set<string>();
  a.forEach((row, i) => {
    for (const key of new Set([...Object.keys(row), ...Object.keys(b[i])])) if (!Object.is(row[key], b[i][key])) changed.add(key);
  });
  return [...changed].sort();
}
