// Lags use exactly the hours they claim. Production is a hand-made series whose value in each hour
// is that hour's number (hours since 2025-01-01 00:00 UTC), so every lag names the hour it read
// and every daily sum the hours it added.
import type {DuckDBConnection} from "@duckdb/node-api";
import {afterAll, beforeAll, beforeEach, describe, expect, it} from "vitest";
import {sqlString} from "../../../pipeline/db.ts";
import {buildFeatures, solarHour, type Issue} from "../../../pipeline/features/index.ts";
import {createInputTables, featureRows, openConnection, SITES, type Row} from "./fixture.ts";

const BASE = Date.parse("2025-01-01T00:00:00Z");
const H = 3_600_000;
const ms = (iso: string) => Date.parse(iso.endsWith("Z") ? iso : `${iso}Z`);
/** The series' value in the hour starting at `iso`. */
const code = (iso: string) => (ms(iso) - BASE) / H;
/** Sum of the series over `n` hours from `iso`. */
const sumFrom = (iso: string, n: number) => n * code(iso) + (n * (n - 1)) / 2;
const clearSkyKwh = (iso: string) => solarHour(SITES.berlin, ms(iso)).clearSkyPowerKw;
const clearSkyFrom = (iso: string, n: number) => Array.from({length: n}, (_, i) => solarHour(SITES.berlin, ms(iso) + i * H).clearSkyPowerKw).reduce((a, b) => a + b, 0);

describe("lags on a hand-made series (Berlin, Europe/Berlin)", () => {
  let conn: DuckDBConnection;
  let close: () => void;

  beforeAll(async () => {
    ({conn, close} = await openConnection());
    await createInputTables(conn, [SITES.berlin, SITES.santiago]);
  });
  afterAll(() => close());
  beforeEach(async () => {
    await conn.run("DELETE FROM production_hourly");
    await conn.run(`
      INSERT INTO production_hourly
      SELECT site_id, ts, CAST(epoch(ts - TIMESTAMP '2025-01-01') / 3600 AS DOUBLE), 4, 'ok'
      FROM sites CROSS JOIN (SELECT unnest(range(TIMESTAMP '2025-03-01', TIMESTAMP '2025-11-10', INTERVAL 1 HOUR)) AS ts)`);
  });

  async function build(issuedAt: string, targets: string[], site_id = "berlin"): Promise<Map<string, Row>> {
    const issue: Issue = {site_id, issued_at: issuedAt, targets};
    await buildFeatures(conn, {issues: [issue]});
    const rows = await featureRows(conn);
    expect(rows).toHaveLength(targets.length);
    return new Map(rows.map((r) => [String(r.ts).replace(" ", "T").slice(0, 16), r]));
  }
  const markMissing = (...hours: string[]) =>
    conn.run(`UPDATE production_hourly SET energy_kwh = NULL, quality = 'missing' WHERE site_id = 'berlin' AND ts IN (${hours.map((h) => `TIMESTAMP ${sqlString(h)}`).join(", ")})`);

  it("same hour 1, 2 and 7 UTC days before the issue's UTC day, whatever the target's day; the 7-day mean of those hours", async () => {
    const rows = await build("2025-04-10T06:30:00Z", ["2025-04-10T06:00Z", "2025-04-10T13:00Z", "2025-04-11T13:00Z", "2025-04-11T23:00Z"]);
    for (const [target, hh] of [["2025-04-10T06:00", "06"], ["2025-04-10T13:00", "13"], ["2025-04-11T13:00", "13"], ["2025-04-11T23:00", "23"]]) {
      const row = rows.get(target)!;
      expect(row.energy_same_hour_1d_kwh, target).toBe(code(`2025-04-09T${hh}:00`));
      expect(row.energy_same_hour_2d_kwh, target).toBe(code(`2025-04-08T${hh}:00`));
      expect(row.energy_same_hour_7d_kwh, target).toBe(code(`2025-04-03T${hh}:00`));
      // The mean of seven hours 24 h apart is the middle one (Apr 6).
      expect(row.energy_same_hour_mean_7d_kwh, target).toBeCloseTo(code(`2025-04-06T${hh}:00`), 9);
    }
  });

  it("an hour that ends exactly at the issue time is known; the last ended hour is the one before s rounded down", async () => {
    let rows = await build("2025-04-10T00:00:00Z", ["2025-04-10T23:00Z"]);
    expect(rows.get("2025-04-10T23:00")!.energy_same_hour_1d_kwh).toBe(code("2025-04-09T23:00"));
    expect(rows.get("2025-04-10T23:00")!.energy_last_hour_kwh).toBe(code("2025-04-09T23:00"));
    rows = await build("2025-04-10T06:30:00Z", ["2025-04-10T06:00Z"]);
    expect(rows.get("2025-04-10T06:00")!.energy_last_hour_kwh).toBe(code("2025-04-10T05:00"));
    rows = await build("2025-04-10T06:00:00Z", ["2025-04-10T06:00Z"]);
    expect(rows.get("2025-04-10T06:00")!.energy_last_hour_kwh).toBe(code("2025-04-10T05:00"));
  });

  it("clear-sky index lags: energy / clear-sky energy of that same hour; null at night and with the sun below 10°", async () => {
    const rows = await build("2025-04-10T00:00:00Z", ["2025-04-10T11:00Z", "2025-04-10T05:00Z", "2025-04-10T01:00Z"]);
    expect(rows.get("2025-04-10T11:00")!.csi_same_hour_1d).toBeCloseTo(code("2025-04-09T11:00") / clearSkyKwh("2025-04-09T11:00"), 9);
    expect(rows.get("2025-04-10T11:00")!.csi_same_hour_7d).toBeCloseTo(code("2025-04-03T11:00") / clearSkyKwh("2025-04-03T11:00"), 9);
    // 05:00-06:00 UTC on Apr 9 is just after sunrise: some clear sky, but the mid-hour sun is below 10°.
    const lowSun = solarHour(SITES.berlin, ms("2025-04-09T05:00"));
    expect(lowSun.zenith).toBeGreaterThan(80);
    expect(lowSun.zenith).toBeLessThan(90);
    expect(lowSun.clearSkyPowerKw).toBeGreaterThan(0);
    expect(rows.get("2025-04-10T05:00")!.csi_same_hour_1d).toBeNull();
    expect(rows.get("2025-04-10T05:00")!.energy_same_hour_1d_kwh).toBe(code("2025-04-09T05:00"));
    expect(rows.get("2025-04-10T01:00")!.csi_same_hour_1d).toBeNull();
  });

  it("yesterday is the last complete site-local day: 24 hours from 22:00 UTC in summer time", async () => {
    // 06:30 UTC on Apr 10 is 08:30 CEST: yesterday is Apr 9 local = 2025-04-08T22:00Z … 2025-04-09T21:00Z.
    let row = [...(await build("2025-04-10T06:30:00Z", ["2025-04-10T12:00Z"])).values()][0];
    expect(row.energy_yesterday_kwh).toBe(sumFrom("2025-04-08T22:00", 24));
    expect(row.csi_yesterday).toBeCloseTo(sumFrom("2025-04-08T22:00", 24) / clearSkyFrom("2025-04-08T22:00", 24), 9);
    // The 7 local days Apr 3 … Apr 9: 168 hours from 2025-04-02T22:00Z.
    expect(row.energy_day_mean_7d_kwh).toBeCloseTo(sumFrom("2025-04-02T22:00", 168) / 7, 9);
    expect(row.csi_day_mean_7d).toBeCloseTo(sumFrom("2025-04-02T22:00", 168) / clearSkyFrom("2025-04-02T22:00", 168), 9);
    // At 23:30 CEST on Apr 9 (21:30 UTC) Apr 9 is not over: yesterday is still Apr 8 …
    row = [...(await build("2025-04-09T21:30:00Z", ["2025-04-10T12:00Z"])).values()][0];
    expect(row.energy_yesterday_kwh).toBe(sumFrom("2025-04-07T22:00", 24));
    // … and at 00:30 CEST on Apr 10 (22:30 UTC on Apr 9) it is Apr 9, on the same UTC day.
    row = [...(await build("2025-04-09T22:30:00Z", ["2025-04-10T12:00Z"])).values()][0];
    expect(row.energy_yesterday_kwh).toBe(sumFrom("2025-04-08T22:00", 24));
  });

  it("clock-change days: 23 hours on 2025-03-30, 25 hours on 2025-10-26", async () => {
    let row = [...(await build("2025-03-31T05:00:00Z", ["2025-03-31T12:00Z"])).values()][0];
    expect(row.energy_yesterday_kwh).toBe(sumFrom("2025-03-29T23:00", 23));
    row = [...(await build("2025-10-27T05:00:00Z", ["2025-10-27T12:00Z"])).values()][0];
    expect(row.energy_yesterday_kwh).toBe(sumFrom("2025-10-25T22:00", 25));
  });

  it("Santiago, where local midnight itself is skipped: 2025-09-07 runs from 01:00 −03 (04:00 UTC) for 23 hours", async () => {
    // Sep 6 is 00:00 −04 (04:00 UTC) … 23:00 −04; Sep 7 has no 00:00 and ends at 24:00 −03 (03:00 UTC on Sep 8).
    let row = [...(await build("2025-09-07T12:00:00Z", ["2025-09-07T15:00Z"], "santiago")).values()][0];
    expect(row.energy_yesterday_kwh).toBe(sumFrom("2025-09-06T04:00", 24));
    row = [...(await build("2025-09-08T12:00:00Z", ["2025-09-08T15:00Z"], "santiago")).values()][0];
    expect(row.energy_yesterday_kwh).toBe(sumFrom("2025-09-07T04:00", 23));
  });

  it("a missing daylight hour voids its day (missing row or absent row alike); a missing night hour is left out", async () => {
    const issue = "2025-04-10T06:30:00Z";
    const target = ["2025-04-10T12:00Z"];
    const one = async () => [...(await build(issue, target)).values()][0];
    await markMissing("2025-04-09 01:00"); // 03:00 CEST: dark
    let row = await one();
    expect(row.energy_yesterday_kwh).toBe(sumFrom("2025-04-08T22:00", 24) - code("2025-04-09T01:00"));

    await conn.run("DELETE FROM production_hourly WHERE site_id = 'berlin' AND ts = TIMESTAMP '2025-04-09 11:00'"); // 13:00 CEST: daylight, no row at all
    row = await one();
    expect(row.energy_yesterday_kwh).toBeNull();
    expect(row.csi_yesterday).toBeNull();
    // The mean is over the six complete days Apr 3 … Apr 8.
    expect(row.energy_day_mean_7d_kwh).toBeCloseTo(sumFrom("2025-04-02T22:00", 144) / 6, 9);
    expect(row.csi_day_mean_7d).toBeCloseTo(sumFrom("2025-04-02T22:00", 144) / clearSkyFrom("2025-04-02T22:00", 144), 9);

    await markMissing("2025-04-03 10:00", "2025-04-04 10:00"); // 4 complete days left: Apr 5 … Apr 8
    row = await one();
    expect(row.energy_day_mean_7d_kwh).toBeCloseTo(sumFrom("2025-04-04T22:00", 96) / 4, 9);
    await markMissing("2025-04-05 10:00"); // 3 left: too few
    row = await one();
    expect(row.energy_day_mean_7d_kwh).toBeNull();
    expect(row.csi_day_mean_7d).toBeNull();
  });

  it("the same-hour mean needs 4 of its 7 hours", async () => {
    await markMissing("2025-04-09 12:00", "2025-04-08 12:00", "2025-04-07 12:00");
    let row = [...(await build("2025-04-10T00:00:00Z", ["2025-04-10T12:00Z"])).values()][0];
    expect(row.energy_same_hour_1d_kwh).toBeNull();
    // Apr 3, 4, 5 and 6 at 12:00: their mean is the hour midway, Apr 5 00:00.
    expect(row.energy_same_hour_mean_7d_kwh).toBeCloseTo(code("2025-04-05T00:00"), 9);
    await markMissing("2025-04-06 12:00");
    row = [...(await build("2025-04-10T00:00:00Z", ["2025-04-10T12:00Z"])).values()][0];
    expect(row.energy_same_hour_mean_7d_kwh).toBeNull();
    expect(row.csi_same_hour_mean_7d).toBeNull();
  });
});
