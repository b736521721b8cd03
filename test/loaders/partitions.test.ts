// The snapshot's partitions as Framework routes: listed for dynamicPaths, streamed byte for byte.
import {readFile, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {PassThrough} from "node:stream";
import {afterEach, describe, expect, it, vi} from "vitest";
import {messages} from "../../pipeline/messages.ts";
import {fixturesDir, withTempDir} from "../helpers.ts";

async function collect(write: (out: PassThrough) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await write(out);
  return Buffer.concat(chunks);
}

describe("loaders/partitions", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("lists no routes before the first run, then one per partition, and streams each file", async () => {
    await withTempDir(async (dir) => {
      const config = join(dir, "tiny.config.ts");
      const csv = join(fixturesDir, "tiny", "site-a.csv");
      await writeFile(
        config,
        `export default ${JSON.stringify({
          name: "tiny",
          sites: [{id: "site-a", name: "Site A", lat: 52.5, lon: 13.4, timezone: "Europe/Berlin", capacity_kw: 10, tilt: 30, azimuth: 180}],
          production: [{path: csv, site_id: "site-a", timestamp: {column: "timestamp", timezone: "Europe/Berlin"}, value: {column: "ac_power_w", unit: "W"}}],
          weather: {provider: "none"}
        })};\n`
      );
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
      const bytes = await collect((out) => emitPartition("production_hourly", "site-a", 2025, out));
      expect(bytes.equals(await readFile(join(snapshotDir, "parts", "production_hourly", "site_id=site-a", "year=2025", "data_0.parquet")))).toBe(true);
      const manifest = JSON.parse(await readFile(join(snapshotDir, "manifest.json"), "utf8")) as {partitions: Record<string, unknown>};
      await expect(collect((out) => emitPartition("production_hourly", "site-a", 1999, out))).rejects.toThrow(
        messages.partitionNotFound("production_hourly", "site-a", 1999, Object.keys(manifest.partitions))
      );
    });
  });
});
