// The snapshot's partitions as files of the site: listed for dynamicPaths, linked into src/data/parts/.
import {existsSync} from "node:fs";
import {readFile, readdir, writeFile, mkdir} from "node:fs/promises";
import {join} from "node:path";
import {afterEach, describe, expect, it, vi} from "vitest";
import {readManifest} from "../../pipeline/snapshot/read.ts";
import {stubTinyProject, withTempDir} from "../helpers.ts";

describe("scripts/partitions", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("lists no routes before the first run, then one per partition, and links exactly those files", async () => {
    await withTempDir(async (dir) => {
      await stubTinyProject(dir);
      vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      const {linkPartitions, partitionRoutes} = await import("../../scripts/partitions.ts");
      expect(await partitionRoutes()).toEqual([]);
      const {ensureSnapshot} = await import("../../loaders/snapshotTable.ts");
      const {snapshotDir} = await ensureSnapshot();
      const routes = await partitionRoutes();
      expect(routes).toContain("/data/parts/production_hourly/site-a/2025.parquet");
      expect(routes.every((r) => /^\/data\/parts\/[a-z_]+\/site-a\/\d{4}\.parquet$/.test(r))).toBe(true);

      // A file left from an older snapshot goes; each route gets the snapshot's file, byte for byte.
      const srcRoot = join(dir, "src");
      await mkdir(join(srcRoot, "data", "parts", "old"), {recursive: true});
      await writeFile(join(srcRoot, "data", "parts", "old", "1999.parquet"), "stale");
      expect(await linkPartitions(snapshotDir, await readManifest(snapshotDir), srcRoot)).toEqual(routes);
      expect(existsSync(join(srcRoot, "data", "parts", "old"))).toBe(false);
      expect(await readdir(join(srcRoot, "data", "parts"))).toEqual([...new Set(routes.map((r) => r.split("/")[3]))].sort());
      const linked = await readFile(join(srcRoot, "data", "parts", "production_hourly", "site-a", "2025.parquet"));
      expect(linked.equals(await readFile(join(snapshotDir, "parts", "production_hourly", "site_id=site-a", "year=2025", "data_0.parquet")))).toBe(true);
    });
  });
});
