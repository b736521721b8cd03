import {existsSync} from "node:fs";
import {readdir, readFile, realpath} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {runPipeline} from "../../../pipeline/run/index.ts";
import type {Manifest} from "../../../pipeline/snapshot/manifest.ts";
import {currentLink, snapshotsDir} from "../../../pipeline/snapshot/paths.ts";
import {tinyConfig, withTempDir} from "../../helpers.ts";

const quiet = () => {};

describe("writeSnapshot", () => {
  it("writes every table and a manifest with provenance, then points current at it", async () => {
    await withTempDir(async (dataDir) => {
      const result = await runPipeline({config: tinyConfig(), dataDir, log: quiet, now: () => new Date("2026-03-04T05:06:07Z")});
      expect(result.snapshotId).toMatch(/^20260304T050607Z-[0-9a-f]{8}$/);
      const manifest = JSON.parse(await readFile(join(result.snapshotDir, "manifest.json"), "utf8")) as Manifest;
      expect(manifest.cache_key).toBe(result.cacheKey);
      expect(manifest.inputs).toEqual([expect.objectContaining({path: "site-a.csv", role: "production", bytes: expect.any(Number)})]);
      expect(manifest.tables.production_hourly).toMatchObject({rows: 24, min_ts: "2025-06-09T22:00:00Z", max_ts: "2025-06-10T21:00:00Z"});
      for (const name of Object.keys(manifest.tables)) expect(existsSync(join(result.snapshotDir, `${name}.parquet`))).toBe(true);
      expect(await realpath(currentLink(dataDir))).toBe(result.snapshotDir);
    });
  });

  it("leaves current untouched when a run fails midway", async () => {
    await withTempDir(async (dataDir) => {
      const good = await runPipeline({config: tinyConfig(), dataDir, log: quiet});
      await expect(
        runPipeline({
          config: tinyConfig({name: "changed"}),
          dataDir,
          log: quiet,
          afterTable: (name) => {
            if (name === "production_hourly") throw new Error("disk full (simulated)");
          }
        })
      ).rejects.toThrow("disk full (simulated)");
      expect(await realpath(currentLink(dataDir))).toBe(good.snapshotDir);
      // No half-written folder is left behind, and the old snapshot is complete.
      const entries = await readdir(snapshotsDir(dataDir));
      expect(entries.filter((e) => e.startsWith(".tmp-"))).toEqual([]);
      expect(existsSync(join(good.snapshotDir, "manifest.json"))).toBe(true);
    });
  });
});
