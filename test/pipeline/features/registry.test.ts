// The registry describes exactly the table's columns; the API's issue handling and its errors.
import {describe, expect, it} from "vitest";
import {queryRows, withConnection} from "../../../pipeline/db.ts";
import {buildFeatures, createFeatureRegistryTable, FEATURE_KEY_COLUMNS, FEATURE_KINDS, FEATURES, featureNames} from "../../../pipeline/features/index.ts";
import {createInputTables, featureRows, fillProduction, fillWeather, SITES} from "./fixture.ts";

describe("the feature registry", () => {
  it("names each feature once, with a kind, a description and a unit; every kind has features", () => {
    expect(new Set(featureNames()).size).toBe(FEATURES.length);
    for (const f of FEATURES) {
      expect(FEATURE_KINDS, f.name).toContain(f.kind);
      expect(f.description.length, f.name).toBeGreaterThan(20);
      expect(f.unit, f.name).not.toBe("");
    }
    for (const kind of FEATURE_KINDS) expect(featureNames(kind).length, kind).toBeGreaterThan(0);
    expect(featureNames("calendar")).toEqual(["hour_utc", "hour_local", "day_of_year", "day_of_week"]);
  });

  it("is the table's columns after the key columns, in order, and every feature varies on a realistic build", async () => {
    await withConnection(async (conn) => {
      await createInputTables(conn, Object.values(SITES));
      await fillProduction(conn, "2025-03-01 00:00", "2025-04-20 00:00");
      await fillWeather(conn, "2025-03-01 00:00", "2025-04-20 00:00", "2025-03-20 00:00", "2025-03-31 00:00");
      await buildFeatures(conn, {issues: {start: "2025-03-20T00:00:00Z", end: "2025-04-10T00:00:00Z", every_h: 12}});
      const columns = (await queryRows<{name: string}>(conn, "SELECT column_name AS name FROM (DESCRIBE features)")).map((c) => c.name);
      expect(columns).toEqual([...FEATURE_KEY_COLUMNS.map((c) => c.name), ...featureNames()]);
      const stats = await queryRows<{name: string; distinct_values: number}>(
        conn,
        `SELECT name, count(DISTINCT value) AS distinct_values FROM (UNPIVOT (SELECT ${featureNames().map((n) => `CAST(${n} AS DOUBLE) AS ${n}`).join(", ")} FROM features) ON COLUMNS(*) INTO NAME name VALUE value) GROUP BY name`
      );
      const flat = stats.filter((s) => s.distinct_values < 2).map((s) => s.name);
      expect(flat).toEqual([]);
      expect(stats).toHaveLength(FEATURES.length);
      // All three weather kinds occur: dated and undated forecasts, and observed before them.
      const kinds = await queryRows<{k: string}>(conn, "SELECT DISTINCT weather_kind || ' ' || (weather_issued_at IS NULL) AS k FROM features ORDER BY 1");
      expect(kinds.map((k) => k.k)).toEqual(["forecast false", "forecast true", "observed true"]);
    });
  });

  it("can be written as a table for snapshots and pages", async () => {
    await withConnection(async (conn) => {
      await createFeatureRegistryTable(conn);
      const rows = await queryRows(conn, "SELECT name, kind, description, unit FROM feature_registry ORDER BY position");
      expect(rows).toEqual(FEATURES.map((f) => ({...f})));
    });
  });
});

describe("buildFeatures issues", () => {
  it("a daily schedule at 00:00 UTC with horizons 1..48 covers that UTC day and the next", async () => {
    await withConnection(async (conn) => {
      await createInputTables(conn, [SITES.berlin, SITES.sydney]);
      const result = await buildFeatures(conn, {issues: {start: "2025-05-01T00:00:00Z", end: "2025-05-04T00:00:00Z"}});
      expect(result).toMatchObject({table: "features", rows: 2 * 3 * 48, issues: 2 * 3});
      const rows = await queryRows<{issued_at: string; first: string; last: string; h: number[]}>(
        conn,
        "SELECT issued_at, min(ts) AS first, max(ts) AS last, list(DISTINCT horizon_h ORDER BY horizon_h) AS h FROM features WHERE site_id = 'sydney' GROUP BY 1 ORDER BY 1"
      );
      expect(rows.map((r) => [r.issued_at, r.first, r.last])).toEqual([
        ["2025-05-01 00:00:00", "2025-05-01 00:00:00", "2025-05-02 23:00:00"],
        ["2025-05-02 00:00:00", "2025-05-02 00:00:00", "2025-05-03 23:00:00"],
        ["2025-05-03 00:00:00", "2025-05-03 00:00:00", "2025-05-04 23:00:00"]
      ]);
      expect(rows[0].h).toEqual(Array.from({length: 48}, (_, i) => i + 1));
    });
  });

  it("horizon of an issue off the hour: the hour in progress is 1, rounding up to the end of the target hour", async () => {
    await withConnection(async (conn) => {
      await createInputTables(conn, [SITES.berlin]);
      await buildFeatures(conn, {issues: [{site_id: "berlin", issued_at: "2025-05-01 06:30:00", targets: ["2025-05-01T06:00:00Z", "2025-05-01T07:00:00+00:00", "2025-05-01T09:00:00+02:00", "2025-05-01T06:00:00Z"]}]});
      const rows = await featureRows(conn);
      expect(rows.map((r) => [r.issued_at, r.ts, r.horizon_h])).toEqual([
        ["2025-05-01 06:30:00", "2025-05-01 06:00:00", 1],
        ["2025-05-01 06:30:00", "2025-05-01 07:00:00", 2]
      ]);
    });
  });

  it("refuses bad input, naming the issue and the value", async () => {
    await withConnection(async (conn) => {
      await expect(buildFeatures(conn, {issues: {start: "2025-05-01", end: "2025-05-02"}})).rejects.toThrow(
        "features: table sites, production_hourly, weather_hourly is missing"
      );
      await createInputTables(conn, [SITES.berlin]);
      const one = (issued_at: string, targets: string[], site_id = "berlin") => buildFeatures(conn, {issues: [{site_id, issued_at, targets}]});
      await expect(one("2025-05-01T06:00Z", ["2025-05-01T07:00Z"], "paris")).rejects.toThrow('issue paris @ 2025-05-01T06:00Z names site "paris", which is not in sites (berlin)');
      await expect(one("2025-05-01T06:00Z", ["2025-05-01T07:30Z"])).rejects.toThrow("target 2025-05-01T07:30Z is not the start of a whole UTC hour");
      await expect(one("2025-05-01T06:00Z", ["2025-05-01T05:00Z"])).rejects.toThrow("target hour 2025-05-01T05:00:00Z had ended by the issue time");
      await expect(one("yesterday", ["2025-05-01T05:00Z"])).rejects.toThrow('issued_at is "yesterday"; expected an ISO 8601 time');
      await expect(buildFeatures(conn, {issues: [], weather: "forecast" as never})).rejects.toThrow('weather is "forecast"; expected one of forecast-if-available, observed');
      await expect(buildFeatures(conn, {issues: {start: "2025-05-02", end: "2025-05-01"}})).rejects.toThrow("schedule.end (2025-05-01) must be after schedule.start");
      await expect(buildFeatures(conn, {issues: {start: "2025-05-01", end: "2025-05-02", horizons_h: [0, 1]}})).rejects.toThrow("schedule.horizons_h has 0");
    });
  });
});
