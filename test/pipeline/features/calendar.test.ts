// Calendar features in zones with clock changes (and a half-hour zone), against wall clocks read
// off a calendar by hand.
import {describe, expect, it} from "vitest";
import {withConnection} from "../../../pipeline/db.ts";
import {buildFeatures} from "../../../pipeline/features/index.ts";
import {createInputTables, featureRows, SITES, type TestSite} from "./fixture.ts";

async function calendar(site: TestSite, targets: string[]) {
  return withConnection(async (conn) => {
    await createInputTables(conn, [site]);
    await buildFeatures(conn, {issues: [{site_id: site.site_id, issued_at: targets[0], targets}]});
    return (await featureRows(conn)).map((r) => [String(r.ts).slice(0, 16), r.hour_utc, r.hour_local, r.day_of_year, r.day_of_week]);
  });
}

describe("calendar features", () => {
  it("Berlin, spring forward on Sunday 2025-03-30: local 01:00 is followed by 03:00; the local day turns at 23:00 UTC", async () => {
    expect(await calendar(SITES.berlin, ["2025-03-29T22:00Z", "2025-03-29T23:00Z", "2025-03-30T00:00Z", "2025-03-30T01:00Z", "2025-03-30T21:00Z", "2025-03-30T22:00Z"])).toEqual([
      ["2025-03-29 22:00", 22, 23, 88, 6], // Saturday 23:00 CET
      ["2025-03-29 23:00", 23, 0, 89, 7], // Sunday 00:00 CET
      ["2025-03-30 00:00", 0, 1, 89, 7],
      ["2025-03-30 01:00", 1, 3, 89, 7], // 03:00 CEST
      ["2025-03-30 21:00", 21, 23, 89, 7],
      ["2025-03-30 22:00", 22, 0, 90, 1] // Monday 00:00 CEST
    ]);
  });

  it("Berlin, fall back on Sunday 2025-10-26: local 02:00 happens twice", async () => {
    expect(await calendar(SITES.berlin, ["2025-10-26T00:00Z", "2025-10-26T01:00Z", "2025-10-26T02:00Z"])).toEqual([
      ["2025-10-26 00:00", 0, 2, 299, 7], // 02:00 CEST
      ["2025-10-26 01:00", 1, 2, 299, 7], // 02:00 CET
      ["2025-10-26 02:00", 2, 3, 299, 7]
    ]);
  });

  it("Sydney falls back on 2025-04-06 and Santiago at local midnight the same night", async () => {
    expect(await calendar(SITES.sydney, ["2025-04-05T12:00Z", "2025-04-05T13:00Z", "2025-04-05T15:00Z", "2025-04-05T16:00Z", "2025-04-05T17:00Z"])).toEqual([
      ["2025-04-05 12:00", 12, 23, 95, 6], // Saturday 23:00 AEDT
      ["2025-04-05 13:00", 13, 0, 96, 7],
      ["2025-04-05 15:00", 15, 2, 96, 7], // 02:00 AEDT
      ["2025-04-05 16:00", 16, 2, 96, 7], // 02:00 AEST
      ["2025-04-05 17:00", 17, 3, 96, 7]
    ]);
    expect(await calendar(SITES.santiago, ["2025-04-06T02:00Z", "2025-04-06T03:00Z", "2025-04-06T04:00Z"])).toEqual([
      ["2025-04-06 02:00", 2, 23, 95, 6], // Saturday 23:00 −03
      ["2025-04-06 03:00", 3, 23, 95, 6], // Saturday 23:00 −04, again
      ["2025-04-06 04:00", 4, 0, 96, 7]
    ]);
  });

  it("Kolkata (UTC+5:30): local hours are on the half hour", async () => {
    expect(await calendar(SITES.chennai, ["2025-06-01T00:00Z", "2025-06-01T18:00Z", "2025-06-01T19:00Z"])).toEqual([
      ["2025-06-01 00:00", 0, 5.5, 152, 7], // Sunday 05:30
      ["2025-06-01 18:00", 18, 23.5, 152, 7],
      ["2025-06-01 19:00", 19, 0.5, 153, 1] // Monday 00:30
    ]);
  });
});
