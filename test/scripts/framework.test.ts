import {existsSync} from "node:fs";
import {mkdir, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {syncLoaderCache} from "../../scripts/framework.ts";
import {withTempDir} from "../helpers.ts";

describe("syncLoaderCache", () => {
  it("drops cached loader outputs when the snapshot changes and keeps the npm cache", async () => {
    await withTempDir(async (cache) => {
      await mkdir(join(cache, "data"), {recursive: true});
      await mkdir(join(cache, "_npm", "d3@7.9.2"), {recursive: true});
      await writeFile(join(cache, "data", "sites.parquet"), "old");
      expect(await syncLoaderCache(cache, "snap-1")).toEqual({cleared: true, previous: null});
      expect(existsSync(join(cache, "data", "sites.parquet"))).toBe(false);

      await mkdir(join(cache, "data"), {recursive: true});
      await writeFile(join(cache, "data", "sites.parquet"), "built from snap-1");
      expect(await syncLoaderCache(cache, "snap-1")).toEqual({cleared: false, previous: "snap-1"});
      expect(existsSync(join(cache, "data", "sites.parquet"))).toBe(true);

      expect(await syncLoaderCache(cache, "snap-2")).toEqual({cleared: true, previous: "snap-1"});
      expect(existsSync(join(cache, "data", "sites.parquet"))).toBe(false);
      expect(existsSync(join(cache, "_npm", "d3@7.9.2"))).toBe(true);
    });
  });
});
