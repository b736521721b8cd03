import {readFile, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {PassThrough} from "node:stream";
import {afterEach, describe, expect, it, vi} from "vitest";
import {fixturesDir, withTempDir} from "../helpers.ts";

async function collect(write: (out: PassThrough) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await write(out);
  return Buffer.concat(chunks);
}

describe("loaders/snapshotTable", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("runs the configured project once and streams its tables and manifest byte for byte", async () => {
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
      const {emitTable, emitManifest, ensureSnapshot} = await import("../../loaders/snapshotTable.ts");
      const bytes = await collect((out) => emitTable("production_hourly", out));
      const {snapshotDir} = await ensureSnapshot();
      expect(bytes.equals(await readFile(join(snapshotDir, "production_hourly.parquet")))).toBe(true);
      expect(bytes.subarray(0, 4).toString()).toBe("PAR1");
      const manifest = JSON.parse((await collect((out) => emitManifest(out))).toString()) as {project: string; tables: Record<string, unknown>};
      expect(manifest.project).toBe("tiny");
      expect(Object.keys(manifest.tables)).toContain("rejects");
    });
  });
});
