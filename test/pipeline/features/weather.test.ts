// Which weather row a target hour gets, on a hand-made weather table, and the interactions on it.
import type {DuckDBConnection} from "@duckdb/node-api";
import {afterAll, beforeAll, beforeEach, describe, expect, it} from "vitest";
import {buildFeatures, type WeatherMode} from "../../../pipeline/features/index.ts";
import {createInputTables, featureRows, openConnection, SITES, type Row} from "./fixture.ts";

const S = "2025-05-01T06:00:00Z"; // issue time
const T = "2025-05-01T12:00:00Z"; // target with every kind of row
const T_LATE = "2025-05-01T13:00:00Z"; // target with only observed weather and a vintage issued after S
const T_NONE = "2025-05-01T14:00:00Z"; // target with no weather at all

describe("weather for the target hour", () => {
  let conn: DuckDBConnection;
  let close: () => void;
  beforeAll(async () => {
    ({conn, close} = await openConnection());
    await createInputTables(conn, [SITES.berlin]);
  });
  afterAll(() => close());
  beforeEach(async () => {
    await conn.run("DELETE FROM weather_hourly");
    // (source, kind, issued_at, temp_c); every other variable fixed: ghi 600, cloud 50 %, wind 4 m/s.
    const rows: [string, string, string, string | null, number][] = [
      [T, "obs", "observed", null, 10],
      [T, "stitched", "forecast", null, 20],
      [T, "model", "forecast", "2025-05-01 04:00", 30],
      [T, "model", "forecast", "2025-05-01 05:00", 31],
      [T, "other", "forecast", "2025-05-01 05:00", 32], // same vintage, another source: "model" comes first
      [T, "model", "forecast", "2025-05-01 06:01", 33], // issued after S
      [T_LATE, "obs", "observed", null, 11],
      [T_LATE, "model", "forecast", "2025-05-01 06:00:01", 34]
    ];
    for (const [ts, source, kind, issued, temp] of rows)
      await conn.run("INSERT INTO weather_hourly VALUES ('berlin', $1::TIMESTAMPTZ, $2, $3, $4::TIMESTAMP, 600, 500, 150, $5, 50, 4, 60, 0)", [ts, source, kind, issued, temp]);
  });

  async function build(weather?: WeatherMode): Promise<Map<string, Row>> {
    await buildFeatures(conn, {issues: [{site_id: "berlin", issued_at: S, targets: [T, T_LATE, T_NONE]}], ...(weather ? {weather} : {})});
    return new Map((await featureRows(conn)).map((r) => [String(r.ts).slice(11, 13), r]));
  }
  const pick = (r: Row) => [r.weather_kind, r.weather_source, r.weather_issued_at, r.temp_c];

  it("forecast-if-available (the default): the latest vintage issued by s; ties to the first source", async () => {
    const rows = await build();
    expect(pick(rows.get("12")!)).toEqual(["forecast", "model", "2025-05-01 05:00:00", 31]);
  });

  it("falls back to an undated forecast, then to the observed hour, and says so", async () => {
    await conn.run("DELETE FROM weather_hourly WHERE issued_at <= TIMESTAMP '2025-05-01 06:00'");
    expect(pick((await build()).get("12")!)).toEqual(["forecast", "stitched", null, 20]);
    await conn.run("DELETE FROM weather_hourly WHERE source = 'stitched'");
    expect(pick((await build()).get("12")!)).toEqual(["observed", "obs", null, 10]);
  });

  it("never takes a vintage issued after s, even one second after", async () => {
    expect(pick((await build()).get("13")!)).toEqual(["observed", "obs", null, 11]);
  });

  it('"observed" uses observed weather only', async () => {
    const rows = await build("observed");
    expect(pick(rows.get("12")!)).toEqual(["observed", "obs", null, 10]);
    expect(pick(rows.get("13")!)).toEqual(["observed", "obs", null, 11]);
  });

  it("an hour without weather has null weather, interactions and kind (the other features are there)", async () => {
    const row = (await build()).get("14")!;
    expect([row.weather_kind, row.ghi_wm2, row.temp_c, row.temp_x_ghi, row.cloud_x_wind, row.ghi_clear_sky_ratio]).toEqual([null, null, null, null, null, null]);
    expect(row.clear_sky_ghi_wm2 as number).toBeGreaterThan(500);
  });

  it("interactions: temperature × GHI / 1000, cloud fraction × wind, GHI / clear-sky GHI", async () => {
    const row = (await build()).get("12")!;
    expect(row.temp_x_ghi).toBeCloseTo((31 * 600) / 1000, 12);
    expect(row.cloud_x_wind).toBeCloseTo(0.5 * 4, 12);
    expect(row.ghi_clear_sky_ratio).toBeCloseTo(600 / (row.clear_sky_ghi_wm2 as number), 12);
  });
});
