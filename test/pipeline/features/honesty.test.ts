// The key property: a feature row for an issue at s depends on nothing after s (except the
// target hour's weather, which is chosen as weather.ts says), and on no hour of weather outside
// the target hours. Each check has a positive control showing the same comparison does notice a
// change where one must appear.
import type {DuckDBConnection} from "@duckdb/node-api";
import {beforeAll, describe, expect, it} from "vitest";
import {queryRows} from "../../../pipeline/db.ts";
import {buildFeatures, featureNames, type Issue} from "../../../pipeline/features/index.ts";
import {changedColumns, createInputTables, featureRows, fillProduction, fillWeather, openConnection, SITES, type Row} from "./fixture.ts";

const SCHEDULE = {start: "2025-03-26T00:00:00Z", end: "2025-04-09T00:00:00Z", every_h: 24, horizons_h: Array.from({length: 48}, (_, i) => i + 1)};
// Issues at odd times, on and off the hour, around the clock changes of 2025-03-30 (Berlin) and
// 2025-04-05/06 (Sydney, Santiago at local midnight).
const ODD_ISSUES: Issue[] = [
  ["berlin", "2025-03-30T01:00:00Z"],
  ["berlin", "2025-03-31T06:30:00Z"],
  ["sydney", "2025-04-05T15:59:59Z"],
  ["sydney", "2025-04-06T13:00:00Z"],
  ["santiago", "2025-04-06T03:00:00Z"],
  ["santiago", "2025-04-06T04:17:00Z"],
  ["chennai", "2025-04-02T18:30:00Z"]
].map(([site_id, issued_at]) => ({
  site_id,
  issued_at,
  targets: Array.from({length: 30}, (_, h) => new Date(Math.floor(Date.parse(issued_at) / 3_600_000) * 3_600_000 + h * 3_600_000).toISOString())
}));

async function scheduledAndOdd(conn: DuckDBConnection) {
  // The schedule and the odd issues in one table: build both, then stack them.
  await buildFeatures(conn, {issues: SCHEDULE, table: "scheduled"});
  await buildFeatures(conn, {issues: ODD_ISSUES, table: "odd"});
  await conn.run("CREATE OR REPLACE TABLE features AS SELECT * FROM scheduled UNION ALL SELECT * FROM odd");
}

/** Every issue of the build, as (site, s, targets). */
async function issuesOf(conn: DuckDBConnection): Promise<Issue[]> {
  const rows = await queryRows<{site_id: string; issued_at: string; targets: string[]}>(
    conn,
    `SELECT site_id, strftime(issued_at, '%Y-%m-%dT%H:%M:%SZ') AS issued_at, list(strftime(ts, '%Y-%m-%dT%H:%M:%SZ') ORDER BY ts) AS targets
     FROM features GROUP BY ALL ORDER BY ALL`
  );
  return rows.map((r) => ({site_id: r.site_id, issued_at: r.issued_at, targets: r.targets}));
}

const forIssue = (i: Issue) => `site_id = '${i.site_id}' AND issued_at = TIMESTAMP '${i.issued_at.replace("Z", "")}'`;

/** Rebuild one issue alone (into `again`) and return its rows. */
async function rebuild(conn: DuckDBConnection, issue: Issue): Promise<Row[]> {
  await buildFeatures(conn, {issues: [issue], table: "again"});
  return featureRows(conn, "true", "again");
}

describe("features use nothing after the issue time", () => {
  let conn: DuckDBConnection;
  let close: () => void;
  let issues: Issue[];
  let before: Map<string, Row[]>;

  beforeAll(async () => {
    ({conn, close} = await openConnection());
    await createInputTables(conn, Object.values(SITES));
    await fillProduction(conn, "2025-03-01 00:00", "2025-04-20 00:00");
    await fillWeather(conn, "2025-03-01 00:00", "2025-04-20 00:00", "2025-03-20 00:00", "2025-03-31 00:00");
    await conn.run("CREATE TABLE production_original AS SELECT * FROM production_hourly");
    await conn.run("CREATE TABLE weather_original AS SELECT * FROM weather_hourly");
    await scheduledAndOdd(conn);
    issues = await issuesOf(conn);
    before = new Map();
    for (const issue of issues) before.set(`${issue.site_id} ${issue.issued_at}`, await featureRows(conn, forIssue(issue)));
    return () => close();
  });

  const restore = async () => {
    await conn.run("CREATE OR REPLACE TABLE production_hourly AS SELECT * FROM production_original");
    await conn.run("CREATE OR REPLACE TABLE weather_hourly AS SELECT * FROM weather_original");
  };

  it("builds the schedule and the odd issues, with lags filled", async () => {
    expect(issues).toHaveLength(4 * 14 + ODD_ISSUES.length);
    const [stats] = await queryRows<{n: number; lag1: number; yesterday: number}>(
      conn,
      "SELECT count(*) AS n, count(energy_same_hour_1d_kwh) AS lag1, count(energy_yesterday_kwh) AS yesterday FROM features"
    );
    expect(stats.n).toBe(4 * 14 * 48 + ODD_ISSUES.length * 30);
    // Most lags are known (about 1 hour in 29 is missing; a day with a missing daylight hour has no daily energy).
    expect(stats.lag1 / stats.n).toBeGreaterThan(0.9);
    expect(stats.yesterday / stats.n).toBeGreaterThan(0.3);
  });

  it("an issue's rows are the same built alone as built with all the others", async () => {
    for (const issue of issues.filter((_, i) => i % 5 === 0)) {
      expect(await rebuild(conn, issue)).toEqual(before.get(`${issue.site_id} ${issue.issued_at}`));
    }
  });

  it("changing every production hour not ended by s (and all other sites' production) changes no feature of the issue", async () => {
    for (const issue of issues.filter((_, i) => i % 3 === 0)) {
      await restore();
      await conn.run(
        `UPDATE production_hourly SET
           energy_kwh = CASE WHEN quality = 'missing' THEN 1234.5 WHEN hash(ts) % 5 = 0 THEN NULL ELSE energy_kwh * 3 + 7 END,
           quality = CASE WHEN quality = 'missing' THEN 'ok' WHEN hash(ts) % 5 = 0 THEN 'missing' ELSE 'filled' END
         WHERE site_id <> $site OR ts + INTERVAL 1 HOUR > $s::TIMESTAMPTZ::TIMESTAMP`,
        {site: issue.site_id, s: issue.issued_at}
      );
      await conn.run(`DELETE FROM production_hourly WHERE (site_id <> $site OR ts + INTERVAL 1 HOUR > $s::TIMESTAMPTZ::TIMESTAMP) AND hash(ts, 'gone') % 7 = 0`, {
        site: issue.site_id,
        s: issue.issued_at
      });
      const after = await rebuild(conn, issue);
      expect(changedColumns(before.get(`${issue.site_id} ${issue.issued_at}`)!, after), `${issue.site_id} @ ${issue.issued_at}`).toEqual([]);
    }
    await restore();
  });

  it("positive control: changing the last hour that ended at s does change the lag features", async () => {
    const issue = issues.find((i) => i.site_id === "sydney" && i.issued_at === "2025-04-02T00:00:00Z")!; // 11:00 local: daylight
    await conn.run(
      "UPDATE production_hourly SET energy_kwh = coalesce(energy_kwh, 0) + 1, quality = 'ok' WHERE site_id = 'sydney' AND ts = TIMESTAMP '2025-04-01 23:00:00'"
    );
    const after = await rebuild(conn, issue);
    await restore();
    // 23:00-24:00 UTC (10:00 local, on the issue's own local day: no daily feature) is the last ended hour,
    // and for the 23:00 targets the same UTC hour one day before the issue's UTC day.
    expect(changedColumns(before.get(`${issue.site_id} ${issue.issued_at}`)!, after)).toEqual([
      "csi_last_hour",
      "csi_same_hour_1d",
      "csi_same_hour_mean_7d",
      "energy_last_hour_kwh",
      "energy_same_hour_1d_kwh",
      "energy_same_hour_mean_7d_kwh"
    ]);
  });

  it("shuffling and dropping weather for hours outside the target set changes nothing", async () => {
    await restore();
    await conn.run(`CREATE OR REPLACE TABLE targets AS SELECT DISTINCT site_id, ts FROM features`);
    // Rotate each variable among the non-target rows (ordered by a hash), move their vintages, drop some.
    await conn.run(`
      CREATE OR REPLACE TABLE weather_hourly AS
      WITH outside AS (
        SELECT w.*, row_number() OVER (ORDER BY hash(w.site_id, w.ts, w.source, w.issued_at)) AS r, count(*) OVER () AS n
        FROM weather_original w ANTI JOIN targets t ON t.site_id = w.site_id AND t.ts = w.ts
      ), shuffled AS (
        SELECT a.site_id, a.ts, a.source, a.kind,
          CASE WHEN a.issued_at IS NULL THEN NULL ELSE a.issued_at - INTERVAL 3 HOUR END AS issued_at,
          b.ghi_wm2, b.dni_wm2, b.dhi_wm2, c.temp_c, c.cloud_cover_pct, b.wind_ms, c.humidity_pct, b.precip_mm
        FROM outside a JOIN outside b ON b.r = a.r % a.n + 1 JOIN outside c ON c.r = (a.r + 7) % a.n + 1
        WHERE hash(a.ts, 'drop') % 4 <> 0
      )
      SELECT * FROM weather_original w SEMI JOIN targets t ON t.site_id = w.site_id AND t.ts = w.ts
      UNION ALL SELECT * FROM shuffled`);
    const [{moved}] = await queryRows<{moved: number}>(conn, "SELECT count(*) AS moved FROM (SELECT * FROM weather_original EXCEPT SELECT * FROM weather_hourly)");
    expect(moved).toBeGreaterThan(5_000);
    const all = await featureRows(conn);
    await scheduledAndOdd(conn);
    expect(changedColumns(all, await featureRows(conn))).toEqual([]);
    await restore();
    await scheduledAndOdd(conn);
  });

  it("positive control: shuffling weather in the target hours changes the weather and interaction features, and only those", async () => {
    const all = await featureRows(conn);
    await conn.run(`
      CREATE OR REPLACE TABLE weather_hourly AS
      SELECT site_id, ts, source, kind, issued_at, ghi_wm2, dni_wm2, dhi_wm2, humidity_pct / 2.5 AS temp_c, wind_ms * 6 AS cloud_cover_pct,
        cloud_cover_pct / 5 AS wind_ms, temp_c * 2.5 AS humidity_pct, precip_mm
      FROM weather_original`);
    await scheduledAndOdd(conn);
    const changed = changedColumns(all, await featureRows(conn));
    await restore();
    await scheduledAndOdd(conn);
    expect(changed).toEqual(["cloud_cover_pct", "cloud_x_wind", "humidity_pct", "temp_c", "temp_x_ghi", "wind_ms"]);
  });

  it("forecast vintages issued after s are never used; one issued at s is", async () => {
    const issue = issues.find((i) => i.site_id === "berlin" && i.issued_at === "2025-04-03T00:00:00Z")!;
    const insertVintage = (issuedAt: string) =>
      conn.run(
        `INSERT INTO weather_hourly SELECT site_id, ts, 'later', 'forecast', TIMESTAMP '${issuedAt}', 1, 2, 3, 4, 5, 6, 7, 8
         FROM weather_original WHERE site_id = 'berlin' AND kind = 'observed' AND ts BETWEEN TIMESTAMP '2025-04-03 00:00' AND TIMESTAMP '2025-04-05 00:00'`
      );
    await insertVintage("2025-04-03 00:00:01");
    expect(changedColumns(before.get(`${issue.site_id} ${issue.issued_at}`)!, await rebuild(conn, issue))).toEqual([]);
    await insertVintage("2025-04-03 00:00:00");
    const rows = await rebuild(conn, issue);
    await restore();
    expect(new Set(rows.map((r) => `${r.weather_source} ${r.weather_issued_at} ${r.temp_c}`))).toEqual(new Set(["later 2025-04-03 00:00:00 4"]));
  });

  it("every row's features are all named in the registry, so the checks above covered every feature", async () => {
    const [row] = await queryRows(conn, "SELECT * FROM features LIMIT 1");
    expect(Object.keys(row).slice(7)).toEqual(featureNames());
  });
});
