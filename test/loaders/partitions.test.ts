// The snapshot's partitions as Framework routes: listed for dynamicPaths, streamed byte for byte.
import {readFile} from "node:fs/promises";
import {join} from "node:path";
import {afterEach, describe, expect, it, vi} from "vitest";
import {messages} from "../../pipeline/messages.ts";
import {collectStream, withTempDir, writeTinyConfigFile} from "../helpers.ts";

describe("loaders/partitions", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("lists no routes before the first run, then one per partition, and streams each file", async () => {
    await withTempDir(async (dir) => {
      const config = await writeTinyConfigFile(dir);
      vi.stubEnv("SUNLINE_CONFIG", config);
      vi.stubEnv("SUNLINE_DATA_DIR", join(dir, "data"));
      vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      const {emitPartition, partitionRoutes} = await import("../../loaders/partitions.ts");
      expect(await partitionRoutes()).toEqual([]);
      const {ensureSnapshot} = await import("../../loaders/snapshotTable.ts");
      const {snapshotDir} = await ensureSnapshot();
      const routes = await partitionRoutes();
      expect(routes).toContain("/data/parts/production_hourly/site-a/2025.parquet");
      expect(routes.every((r) => /^\/data\/parts\/[a-z_]+\/site-a\/\d{4}\.parquet$/.test(r))).toBe(true);
      const bytes = await collectStream((out) => emitPartition("production_hourly", "site-a", 2025, out));
      expect(bytes.equals(await readFile(join(snapshotDir, "parts", "production_hourly", "site_id=site-a", "year=2025", "data_0.parquet")))).toBe(true);
      const manifest = JSON.parse(await readFile(join(snapshotDir, "manifest.json"), "utf8")) as {partitions: Record<string, unknown>};
      await expect(collectStream((out) => emitPartition("production_hourly", "site-a", 1999, out))).rejects.toThrow(
        messages.partitionNotFound("production_hourly", "site-a", 1999, Object.keys(manifest.partitions))
      );
    });
  });
});
