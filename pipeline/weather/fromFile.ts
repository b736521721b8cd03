// Weather from a recorded file (the demo fleet's generated weather and its archived forecasts, or a
// user's export in the same columns) into weather_hourly, and the weather agent's collected file
// (prepare.ts).
import {listValue, type DuckDBConnection} from "@duckdb/node-api";
import {sqlString} from "../db.ts";

export const WEATHER_COLUMNS = ["ghi_wm2", "dni_wm2", "dhi_wm2", "temp_c", "cloud_cover_pct", "wind_ms", "humidity_pct", "precip_mm"] as const;

export async function createWeatherTable(conn: DuckDBConnection): Promise<void> {
  await conn.run(`
    CREATE OR REPLACE TABLE weather_hourly (
      site_id VARCHAR, ts TIMESTAMP, source VARCHAR, kind VARCHAR, issued_at TIMESTAMP,
      ${WEATHER_COLUMNS.map((c) => `${c} DOUBLE`).join(", ")})`);
}

/** Load hourly weather rows (ts = UTC interval start) for the given sites. */
export async function loadWeatherFile(conn: DuckDBConnection, path: string, source: string, siteIds: readonly string[]): Promise<number> {
  const types = Object.fromEntries([["site_id", "VARCHAR"], ["ts", "VARCHAR"], ...WEATHER_COLUMNS.map((c) => [c, "DOUBLE"])]);
  const columns = `{${Object.entries(types).map(([k, v]) => `'${k}': '${v}'`).join(", ")}}`;
  const before = await rowCount(conn);
  await conn.run(
    `INSERT INTO weather_hourly
     SELECT site_id, CAST(CAST(ts AS TIMESTAMPTZ) AS TIMESTAMP), $source, 'observed', NULL, ${WEATHER_COLUMNS.join(", ")}
     FROM read_csv(${sqlString(path)}, header = true, columns = ${columns})
     WHERE list_contains($sites, site_id)`,
    {source, sites: listValue(siteIds)}
  );
  return (await rowCount(conn)) - before;
}

/**
 * Load archived weather forecasts (the demo's demo_weather_forecast.csv, or a user's file in the same
 * columns: site_id, ts, issued_at, then the weather columns; ISO stamps, UTC unless they carry an
 * offset) as kind 'forecast' rows that keep their issue time, so features only use the vintages
 * issued before each forecast (features/weather.ts).
 */
export async function loadWeatherForecastFile(conn: DuckDBConnection, path: string, source: string, siteIds: readonly string[]): Promise<number> {
  const types = Object.fromEntries([["site_id", "VARCHAR"], ["ts", "VARCHAR"], ["issued_at", "VARCHAR"], ...WEATHER_COLUMNS.map((c) => [c, "DOUBLE"])]);
  const columns = `{${Object.entries(types).map(([k, v]) => `'${k}': '${v}'`).join(", ")}}`;
  const before = await rowCount(conn);
  await conn.run(
    `INSERT INTO weather_hourly
     SELECT site_id, CAST(CAST(ts AS TIMESTAMPTZ) AS TIMESTAMP), $source, 'forecast', CAST(CAST(issued_at AS TIMESTAMPTZ) AS TIMESTAMP), ${WEATHER_COLUMNS.join(", ")}
     FROM read_csv(${sqlString(path)}, header = true, columns = ${columns})
     WHERE list_contains($sites, site_id)`,
    {source, sites: listValue(siteIds)}
  );
  return (await rowCount(conn)) - before;
}

async function rowCount(conn: DuckDBConnection): Promise<number> {
  const reader = await conn.runAndReadAll("SELECT count(*)::DOUBLE AS n FROM weather_hourly");
  return Number(reader.getRows()[0][0]);
}

/** Load the weather agent's collected CSV (prepare.ts): rows carry their own source, kind and issue time. */
export async function loadCollectedWeather(conn: DuckDBConnection, path: string, siteIds: readonly string[]): Promise<number> {
  const types = Object.fromEntries([
    ["site_id", "VARCHAR"], ["ts", "VARCHAR"], ["source", "VARCHAR"], ["kind", "VARCHAR"], ["issued_at", "VARCHAR"],
    ...WEATHER_COLUMNS.map((c) => [c, "DOUBLE"])
  ]);
  const columns = `{${Object.entries(types).map(([k, v]) => `'${k}': '${v}'`).join(", ")}}`;
  const before = await rowCount(conn);
  await conn.run(
    `INSERT INTO weather_hourly
     SELECT site_id, CAST(CAST(ts AS TIMESTAMPTZ) AS TIMESTAMP), source, kind, CAST(CAST(nullif(issued_at, '') AS TIMESTAMPTZ) AS TIMESTAMP), ${WEATHER_COLUMNS.join(", ")}
     FROM read_csv(${sqlString(path)}, header = true, columns = ${columns}, nullstr = '')
     WHERE list_contains($sites, site_id)`,
    {sites: listValue(siteIds)}
  );
  return (await rowCount(conn)) - before;
}
