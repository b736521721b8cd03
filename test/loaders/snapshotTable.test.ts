import {readFile} from "node:fs/promises";
import {join} from "node:path";
import {afterEach, describe, expect, it, vi} from "vitest";
import {collectStream, stubTinyProject, withTempDir} from "../helpers.ts";

describe("loaders/snapshotTable", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("runs the configured project once and streams its tables and manifest byte for byte", async () => {
    await withTempDir(async (dir) => {
      await stubTinyProject(dir);
      vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      const {emitTable, emitManifest, ensureSnapshot} = await import("../../loaders/snapshotTable.ts");
      const bytes = await collectStream((out) => emitTable("production_hourly", out));
      const {snapshotDir} = await ensureSnapshot();
      expect(bytes.equals(await readFile(join(snapshotDir, "production_hourly.parquet")))).toBe(true);
      expect(bytes.subarray(0, 4).toString()).toBe("PAR1");
      const manifest = JSON.parse((await collectStream((out) => emitManifest(out))).toString()) as {project: string; tables: Record<string, unknown>};
      expect(manifest.project).toBe("tiny");
      expect(Object.keys(manifest.tables)).toContain("rejects");
    });
  });
});
