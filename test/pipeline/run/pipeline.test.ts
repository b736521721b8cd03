import {readFile, realpath, writeFile, cp} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {runPipeline} from "../../../pipeline/run/index.ts";
import {currentLink} from "../../../pipeline/snapshot/paths.ts";
import {fixturesDir, readParquet, tinyConfig, withTempDir} from "../../helpers.ts";

const quiet = () => {};
const fixedNow = (iso: string) => () => new Date(iso);

describe("runPipeline on the tiny fixture", () => {
  it("turns 15-minute W readings in Berlin time into UTC hourly kWh, keeping every bad line", async () => {
    await withTempDir(async (dataDir) => {
      const result = await runPipeline({config: tinyConfig(), dataDir, log: quiet, now: fixedNow("2026-01-01T00:00:00Z")});
      expect(result.skipped).toBe(false);
      const hourly = await readParquet<{ts: string; energy_kwh: number | null; n_samples: number; quality: string}>(
        join(result.snapshotDir, "production_hourly.parquet"),
        "strftime(ts, '%Y-%m-%dT%H:%M') AS ts, energy_kwh, n_samples, quality"
      );
      // 24 local hours of 2025-06-10 in CEST (UTC+2) start at 2025-06-09 22:00 UTC.
      expect(hourly).toHaveLength(24);
      expect(hourly[0].ts).toBe("2025-06-09T22:00");
      // 14:00 local: the 90 kW spike is left out, the duplicated 14:15 row counts once.
      const spikeHour = hourly.find((h) => h.ts === "2025-06-10T12:00")!;
      expect(spikeHour.quality).toBe("outlier");
      expect(spikeHour.n_samples).toBe(3);
      expect(spikeHour.energy_kwh).toBeCloseTo((7687.3 + 7551.1 + 7391.0) / 3 / 1000, 6);
      // 13:00 local is complete: mean power of four readings over one hour.
      const full = hourly.find((h) => h.ts === "2025-06-10T11:00")!;
      expect(full).toMatchObject({quality: "ok", n_samples: 4});
      expect(full.energy_kwh).toBeCloseTo((8000 + 7987.4 + 7949.7 + 7887.0) / 4 / 1000, 6);
      // The -5 W night reading became 0.
      expect(hourly.find((h) => h.ts === "2025-06-10T01:00")!.energy_kwh).toBe(0);

      const rejects = await readParquet<{line: number; reason: string; raw: string}>(join(result.snapshotDir, "rejects.parquet"), "line, reason, raw");
      expect(rejects).toEqual([
        {line: 51, reason: 'not a number: "abc"', raw: "2025-06-10 12:15:00,abc"},
        {line: 71, reason: "expected 2 fields, found 1", raw: "2025-06-10 17:00:00"}
      ]);
      const dq = Object.fromEntries(
        (await readParquet<{check: string; value: number}>(join(result.snapshotDir, "data_quality.parquet"), '"check", value')).map((r) => [r.check, r.value])
      );
      expect(dq).toMatchObject({rows_read: 99, rejected_lines: 2, duplicate_rows: 1, negative_values_zeroed: 1, outlier_samples: 1, coverage_pct: 100, sample_interval_min: 15});
    });
  });

  it("skips an unchanged run and rebuilds when an input file changes", async () => {
    await withTempDir(async (dir) => {
      const project = join(dir, "project");
      await cp(join(fixturesDir, "tiny"), project, {recursive: true});
      const dataDir = join(dir, "data");
      const config = tinyConfig({}, project);
      const first = await runPipeline({config, dataDir, log: quiet, now: fixedNow("2026-01-01T00:00:00Z")});
      const second = await runPipeline({config, dataDir, log: quiet, now: fixedNow("2026-01-01T01:00:00Z")});
      expect(second.skipped).toBe(true);
      expect(second.snapshotId).toBe(first.snapshotId);

      const csv = join(project, "site-a.csv");
      await writeFile(csv, (await readFile(csv, "utf8")).replace("2025-06-10 13:00:00,8000.0", "2025-06-10 13:00:00,4000.0"));
      const third = await runPipeline({config, dataDir, log: quiet, now: fixedNow("2026-01-01T02:00:00Z")});
      expect(third.skipped).toBe(false);
      expect(third.snapshotId).not.toBe(first.snapshotId);
      expect(await realpath(currentLink(dataDir))).toBe(third.snapshotDir);
      const [hour] = await readParquet<{energy_kwh: number}>(join(third.snapshotDir, "production_hourly.parquet"), "energy_kwh", "ts = TIMESTAMP '2025-06-10 11:00:00'");
      expect(hour.energy_kwh).toBeCloseTo((4000 + 7987.4 + 7949.7 + 7887.0) / 4 / 1000, 6);
    });
  });

  it("keeps a file whose column mapping is wrong as one reject and finishes the run", async () => {
    await withTempDir(async (dataDir) => {
      const config = tinyConfig({
        production: [{path: "site-a.csv", site_id: "site-a", timestamp: {column: "timestamp"}, value: {column: "power_kw", unit: "kW"}}]
      });
      const result = await runPipeline({config, dataDir, log: quiet});
      const rejects = await readParquet<{source: string; reason: string}>(join(result.snapshotDir, "rejects.parquet"), "source, reason");
      expect(rejects).toEqual([{source: "site-a.csv", reason: 'site-a.csv: column "power_kw" not found in the header (columns: timestamp, ac_power_w); fix the column mapping in the config'}]);
      const [coverage] = await readParquet<{value: number; status: string}>(join(result.snapshotDir, "data_quality.parquet"), "value, status", `"check" = 'coverage_pct'`);
      expect(coverage).toEqual({value: 0, status: "fail"});
    });
  });
});

describe("runPipeline with DuckDB limits", () => {
  it("runs under a configured memory limit and thread count", async () => {
    await withTempDir(async (dataDir) => {
      const result = await runPipeline({config: tinyConfig({duckdb: {memory_limit: "256MB", threads: 1}}), dataDir, log: quiet});
      const [n] = await readParquet<{n: number}>(join(result.snapshotDir, "production_hourly.parquet"), "count(*) AS n");
      expect(n.n).toBe(24);
    });
  });
});
