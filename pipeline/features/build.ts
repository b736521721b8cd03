// buildFeatures: the `features` table (one row per site, issue time, target hour) from `sites`,
// `production_hourly` and `weather_hourly`.
//
// Stages, each a working table dropped at the end:
//   targets     site, issue s, target hour t, horizon (issues.ts)
//   hours       every hour of the UTC days an issue needs (10 days before s up to its last target):
//               solar physics (TypeScript, solar.ts) and the site's local time. No production here:
//               the target-hour features read only this, the weather and the lag stages.
//   production  hours + production (null when missing) + clear-sky index; read ONLY by the lag
//               stages, through joins that admit an hour once it has ended by s
//   days        production per site-local day (null unless every daylight hour is known)
//   same_hour   per issue and UTC hour of day: that hour 1..7 UTC days before the issue's day → lags.ts
//   issue_lags  per issue: the 7 local days before its local day, and its last ended hour → lags.ts
//   weather     per target: the chosen weather row (weather.ts)
import type {DuckDBConnection} from "@duckdb/node-api";
import {queryRows, sqlIdent} from "../db.ts";
import {CALENDAR_FEATURES} from "./calendar.ts";
import {INTERACTION_FEATURES} from "./interactions.ts";
import {createTargets, type Issue, type IssueSchedule} from "./issues.ts";
import {DAY_LAG_FEATURES, LAG_DAYS, LAST_HOUR_FEATURES, SAME_HOUR_LAG_FEATURES} from "./lags.ts";
import {FEATURES} from "./registry.ts";
import {clearSkyIndexSql, createSolarHourTable, SOLAR_FEATURES, type ClearSkyOptions} from "./solar.ts";
import type {SqlFeature} from "./types.ts";
import {chosenWeatherSql, WEATHER_FEATURES, WEATHER_MODES, type WeatherMode} from "./weather.ts";

export interface BuildFeaturesOptions {
  /** Issues with their target hours, or a schedule of issues × horizons. */
  issues: readonly Issue[] | IssueSchedule;
  /** Which weather fills the weather features (default "forecast-if-available"; see weather.ts). */
  weather?: WeatherMode;
  /** Output table (default "features"), replaced. */
  table?: string;
  /** Clear-sky model settings (default Linke turbidity 3, sea level). */
  clearSky?: ClearSkyOptions;
}

export interface BuildFeaturesResult {
  table: string;
  rows: number;
  issues: number;
  seconds: number;
  /** Seconds per stage, for measuring. */
  stages: Record<string, number>;
}

/** Days of hours kept before each issue's UTC day: 7 lag days, plus room for site-local days (UTC−12…+14). */
const HISTORY_DAYS = 10;

const select = (features: readonly SqlFeature[]) => features.map((f) => `${f.sql} AS ${sqlIdent(f.name)}`).join(",\n      ");
const columns = (alias: string, features: readonly {name: string}[]) => features.map((f) => `${alias}.${sqlIdent(f.name)}`).join(", ");

export async function buildFeatures(conn: DuckDBConnection, options: BuildFeaturesOptions): Promise<BuildFeaturesResult> {
  const started = performance.now();
  const stages: Record<string, number> = {};
  let mark = started;
  const stage = (name: string) => {
    const now = performance.now();
    stages[name] = (now - mark) / 1000;
    mark = now;
  };
  const mode = options.weather ?? "forecast-if-available";
  if (!WEATHER_MODES.includes(mode)) throw new Error(`features: weather is ${JSON.stringify(mode)}; expected one of ${WEATHER_MODES.join(", ")}`);
  const out = sqlIdent(options.table ?? "features");
  await requireTables(conn, ["sites", "production_hourly", "weather_hourly"]);

  const name = (stageName: string) => `_features_${stageName}`;
  const T = {
    targets: name("targets"),
    solar: name("solar"),
    hours: name("hours"),
    production: name("production"),
    days: name("days"),
    sameHour: name("same_hour"),
    issueLags: name("issue_lags"),
    weather: name("weather")
  };
  const q = Object.fromEntries(Object.entries(T).map(([k, v]) => [k, sqlIdent(v)])) as Record<keyof typeof T, string>;
  try {
    const sites = await queryRows<{site_id: string; lat: number; lon: number; tilt: number; azimuth: number; capacity_kw: number}>(
      conn,
      "SELECT site_id, lat, lon, coalesce(tilt, 0) AS tilt, coalesce(azimuth, 180) AS azimuth, capacity_kw FROM sites ORDER BY site_id"
    );
    await createTargets(conn, T.targets, options.issues, sites.map((s) => s.site_id));
    stage("targets");

    // The UTC days each site needs hours for: per issue, HISTORY_DAYS before its day up to its last target's day.
    const needed = await queryRows<{site_id: string; day_ms: number}>(
      conn,
      `SELECT DISTINCT site_id, epoch_ms(unnest(range(first_day, last_day + INTERVAL 1 DAY, INTERVAL 1 DAY))) AS day_ms
       FROM (SELECT site_id, date_trunc('day', issued_at) - INTERVAL ${HISTORY_DAYS} DAY AS first_day, date_trunc('day', max(ts)) AS last_day
             FROM ${q.targets} GROUP BY site_id, issued_at)
       ORDER BY site_id, day_ms`
    );
    const bySite = new Map<string, number[]>();
    for (const r of needed) (bySite.get(r.site_id) ?? bySite.set(r.site_id, []).get(r.site_id)!).push(r.day_ms);
    await createSolarHourTable(
      conn,
      T.solar,
      sites.filter((s) => bySite.has(s.site_id)).map((s) => ({site_id: s.site_id, site: s, daysMs: bySite.get(s.site_id)!})),
      options.clearSky
    );
    stage("solar");

    await conn.run(`
      CREATE OR REPLACE TABLE ${q.hours} AS
      SELECT g.*, timezone(s.timezone, timezone('UTC', g.ts)) AS local_ts
      FROM ${q.solar} g JOIN sites s USING (site_id);

      CREATE OR REPLACE TABLE ${q.production} AS
      SELECT g.site_id, g.ts, CAST(g.local_ts AS DATE) AS local_day, g.clear_sky_energy_kwh, p.energy_kwh,
        ${clearSkyIndexSql("p.energy_kwh", "g.clear_sky_energy_kwh", "g.solar_zenith_deg")} AS clear_sky_index
      FROM ${q.hours} g
      LEFT JOIN (SELECT site_id, ts, energy_kwh FROM production_hourly WHERE quality IS DISTINCT FROM 'missing') p
        ON p.site_id = g.site_id AND p.ts = g.ts;

      CREATE OR REPLACE TABLE ${q.days} AS
      SELECT site_id, local_day AS day, day_end, clear_sky_energy_kwh, energy_kwh,
        CASE WHEN clear_sky_energy_kwh > 0 THEN energy_kwh / clear_sky_energy_kwh END AS clear_sky_index
      FROM (
        SELECT site_id, local_day, max(ts) + INTERVAL 1 HOUR AS day_end, sum(clear_sky_energy_kwh ORDER BY ts) AS clear_sky_energy_kwh,
          -- a day with a daylight hour unknown has no daily energy (a dark hour unknown costs nothing);
          -- sums in time order, so that rebuilds agree to the last bit
          CASE WHEN count(*) FILTER (WHERE energy_kwh IS NULL AND clear_sky_energy_kwh > 0) = 0 THEN coalesce(sum(energy_kwh ORDER BY ts), 0) END AS energy_kwh
        FROM ${q.production} GROUP BY site_id, local_day)`);
    stage("production");

    // Same-hour lags per issue and UTC hour of day (a target two days out shares them with the
    // target 24 h earlier): one join per lag day k.
    await conn.run(`
      CREATE OR REPLACE TABLE ${q.sameHour} AS
      WITH l AS (
        SELECT i.site_id, i.issued_at, i.hour_utc,
          ${LAG_DAYS.map((k) => `p${k}.energy_kwh AS energy_${k}d, p${k}.clear_sky_index AS csi_${k}d`).join(",\n          ")}
        FROM (SELECT DISTINCT site_id, issued_at, CAST(hour(ts) AS INTEGER) AS hour_utc FROM ${q.targets}) i
        ${LAG_DAYS.map(
          (k) => `LEFT JOIN ${q.production} p${k} ON p${k}.site_id = i.site_id
          AND p${k}.ts = date_trunc('day', i.issued_at) - INTERVAL ${k} DAY + to_hours(i.hour_utc)
          AND p${k}.ts + INTERVAL 1 HOUR <= i.issued_at -- known at s: the hour has ended`
        ).join("\n        ")}
      )
      SELECT l.site_id, l.issued_at, l.hour_utc,
        ${select(SAME_HOUR_LAG_FEATURES)}
      FROM l`);
    stage("same_hour");

    // Daily lags per issue: the local days 1…7 before the issue's local day, and its last ended hour.
    await conn.run(`
      CREATE OR REPLACE TABLE ${q.issueLags} AS
      WITH i AS (
        SELECT t.site_id, t.issued_at, CAST(timezone(s.timezone, timezone('UTC', t.issued_at)) AS DATE) AS issue_day
        FROM (SELECT DISTINCT site_id, issued_at FROM ${q.targets}) t JOIN sites s USING (site_id)
      ), d AS (
        SELECT i.site_id, i.issued_at,
          ${LAG_DAYS.map((k) => `d${k}.energy_kwh AS energy_${k}d, d${k}.clear_sky_energy_kwh AS clear_sky_${k}d, d${k}.clear_sky_index AS csi_${k}d`).join(",\n          ")}
        FROM i
        ${LAG_DAYS.map(
          (k) => `LEFT JOIN ${q.days} d${k} ON d${k}.site_id = i.site_id AND d${k}.day = i.issue_day - ${k}
          AND d${k}.day_end <= i.issued_at -- known at s: the local day has ended`
        ).join("\n        ")}
      )
      SELECT d.site_id, d.issued_at,
        ${select([...DAY_LAG_FEATURES, ...LAST_HOUR_FEATURES])}
      FROM d
      LEFT JOIN ${q.production} h1 ON h1.site_id = d.site_id AND h1.ts = date_trunc('hour', d.issued_at) - INTERVAL 1 HOUR
        AND h1.ts + INTERVAL 1 HOUR <= d.issued_at -- known at s: the hour has ended`);
    stage("issue_lags");

    await conn.run(`CREATE OR REPLACE TABLE ${q.weather} AS ${chosenWeatherSql(T.targets, mode)}`);
    stage("weather");

    await conn.run(`
      CREATE OR REPLACE TABLE ${out} AS
      WITH base AS (
        SELECT t.site_id, t.issued_at, t.ts, t.horizon_h, w.weather_kind, w.weather_source, w.weather_issued_at,
        ${select(CALENDAR_FEATURES)},
        ${columns("g", SOLAR_FEATURES)},
        ${columns("sh", SAME_HOUR_LAG_FEATURES)},
        ${columns("il", [...DAY_LAG_FEATURES, ...LAST_HOUR_FEATURES])},
        ${columns("w", WEATHER_FEATURES)}
        FROM ${q.targets} t
        JOIN ${q.hours} g ON g.site_id = t.site_id AND g.ts = t.ts
        LEFT JOIN ${q.sameHour} sh ON sh.site_id = t.site_id AND sh.issued_at = t.issued_at AND sh.hour_utc = hour(t.ts)
        LEFT JOIN ${q.issueLags} il ON il.site_id = t.site_id AND il.issued_at = t.issued_at
        LEFT JOIN ${q.weather} w ON w.site_id = t.site_id AND w.issued_at = t.issued_at AND w.ts = t.ts
      )
      SELECT site_id, issued_at, ts, horizon_h, weather_kind, weather_source, weather_issued_at,
        ${FEATURES.map((f) => {
          const interaction = INTERACTION_FEATURES.find((i) => i.name === f.name);
          return interaction ? `CAST(${interaction.sql} AS DOUBLE) AS ${sqlIdent(f.name)}` : sqlIdent(f.name);
        }).join(", ")}
      FROM base ORDER BY site_id, issued_at, ts`);
    stage("features");

    const [{rows, issues}] = await queryRows<{rows: number; issues: number}>(
      conn,
      `SELECT count(*) AS rows, count(DISTINCT (site_id, issued_at)) AS issues FROM ${out}`
    );
    return {table: options.table ?? "features", rows, issues, seconds: (performance.now() - started) / 1000, stages};
  } finally {
    for (const t of Object.values(q)) await conn.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

async function requireTables(conn: DuckDBConnection, names: readonly string[]): Promise<void> {
  const present = new Set(
    (await queryRows<{name: string}>(conn, "SELECT table_name AS name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()")).map((r) => r.name)
  );
  const missing = names.filter((n) => !present.has(n));
  if (missing.length) throw new Error(`features: table ${missing.join(", ")} is missing; buildFeatures reads sites, production_hourly and weather_hourly`);
}
