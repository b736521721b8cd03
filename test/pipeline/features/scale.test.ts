// The size the brief asks about: 8 sites with two years of hourly production and weather, one year
// of daily issues × 48 horizons (140,160 rows): the right row counts, and the same table twice.
// (How long it takes is a benchmark's business, not a test's: 1.4-1.6 s measured on the demo data.)
import {describe, expect, it} from "vitest";
import {queryRows, withConnection} from "../../../pipeline/db.ts";
import {DEMO_SITES} from "../../../pipeline/demo/sites.ts";
import {buildFeatures} from "../../../pipeline/features/index.ts";
import {createInputTables, fillProduction, fillWeather} from "./fixture.ts";

describe("buildFeatures at fleet scale", () => {
  it("8 sites, a year of daily issues at 00:00 UTC × 48 h: every row, and deterministic", async () => {
    await withConnection(async (conn) => {
      await createInputTables(conn, DEMO_SITES.map((s) => ({...s, site_id: s.id})));
      await fillProduction(conn, "2024-07-01 00:00", "2026-07-01 00:00");
      // Observed throughout, undated forecasts for two months, then vintages every 12 h for the last ten months.
      await fillWeather(conn, "2024-07-01 00:00", "2026-07-01 00:00", "2025-07-01 00:00", "2025-09-01 00:00");
      const checksum = async () =>
        (await queryRows<{h: string}>(conn, "SELECT CAST(sum(hash(f)) AS VARCHAR) AS h FROM features f"))[0].h;

      const result = await buildFeatures(conn, {issues: {start: "2025-07-01T00:00:00Z", end: "2026-07-01T00:00:00Z"}});
      expect(result.rows).toBe(8 * 365 * 48);
      expect(result.issues).toBe(8 * 365);
      const first = await checksum();
      await buildFeatures(conn, {issues: {start: "2025-07-01T00:00:00Z", end: "2026-07-01T00:00:00Z"}});
      expect(await checksum()).toBe(first);
    });
  });
});
