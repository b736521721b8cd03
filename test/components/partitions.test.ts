// Which partition files a page fetches for one site and period.
import {describe, expect, it} from "vitest";
import {allRows, partitionPath, partitionsFor} from "../../src/components/partitions.js";

const file = (site_id: string, year: number, min_ts: string, max_ts: string) => ({site_id, year, rows: 1, bytes: 1, min_ts, max_ts, path: `parts/t/site_id=${site_id}/year=${year}/data_0.parquet`});
const manifest = {
  created_at: "2026-07-02T00:00:00Z",
  partitions: {
    weather_hourly: {
      by: ["site_id", "year"],
      files: [
        file("b", 2025, "2025-01-01T00:00:00Z", "2025-12-31T23:00:00Z"),
        file("a", 2026, "2026-01-01T00:00:00Z", "2026-07-04T23:00:00Z"),
        file("a", 2024, "2024-07-01T00:00:00Z", "2024-12-31T23:00:00Z"),
        file("a", 2025, "2025-01-01T00:00:00Z", "2025-12-31T23:00:00Z")
      ]
    }
  }
};

describe("partitionsFor", () => {
  it("picks the site's years that the period touches, oldest first, with the path the build gives them", () => {
    const years = (from: string | null, to: string | null) => partitionsFor(manifest, "weather_hourly", "a", from === null ? null : new Date(from), to === null ? null : new Date(to)).map((f) => f.year);
    expect(years("2026-06-01T00:00:00Z", "2026-06-14T00:00:00Z")).toEqual([2026]);
    expect(years("2025-12-20T00:00:00Z", "2026-01-03T00:00:00Z")).toEqual([2025, 2026]);
    expect(years(null, null)).toEqual([2024, 2025, 2026]);
    expect(years("2027-01-01T00:00:00Z", null)).toEqual([]);
    expect(partitionsFor(manifest, "weather_hourly", "a", Date.parse("2026-06-01T00:00:00Z"))[0].url).toBe(partitionPath("weather_hourly", "a", 2026));
    expect(partitionPath("weather_hourly", "a", 2026)).toBe("data/parts/weather_hourly/a/2026.parquet");
  });

  it("finds nothing for another site, another table or a snapshot without partitions", () => {
    expect(partitionsFor(manifest, "weather_hourly", "c")).toEqual([]);
    expect(partitionsFor(manifest, "anomalies", "a")).toEqual([]);
    expect(partitionsFor({}, "weather_hourly", "a")).toEqual([]);
    expect(partitionsFor(null, "weather_hourly", "a")).toEqual([]);
  });

  it("lists every row of a table, and none of a missing one", () => {
    expect(allRows({numRows: 3})).toEqual([0, 1, 2]);
    expect(allRows(null)).toEqual([]);
  });
});
