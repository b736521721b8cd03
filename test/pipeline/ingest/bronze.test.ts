import {existsSync} from "node:fs";
import {cp, mkdir, readdir, readFile, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {queryRows, sqlString, withConnection} from "../../../pipeline/db.ts";
import {runPipeline} from "../../../pipeline/run/index.ts";
import {fixturesDir, readParquet, tinyConfig, withTempDir} from "../../helpers.ts";

describe("bronze", () => {
  it("parses a file once: a new file adds its own parts, unchanged files come from bronze, results equal a fresh run", async () => {
    await withTempDir(async (dir) => {
      const project = join(dir, "project");
      await mkdir(project);
      const day1 = await readFile(join(fixturesDir, "tiny", "site-a.csv"), "utf8");
      await writeFile(join(project, "2025-06-10.csv"), day1);
      const config = tinyConfig(
        {production: [{path: "*.csv", site_id: "site-a", timestamp: {column: "timestamp", timezone: "Europe/Berlin"}, value: {column: "ac_power_w", unit: "W"}}]},
        project
      );
      const dataDir = join(dir, "data");
      const logs: string[] = [];
      await runPipeline({config, dataDir, log: (m) => logs.push(m)});
      expect(logs.filter((l) => l.includes("from bronze"))).toEqual([]);

      // The next day's export arrives.
      await writeFile(join(project, "2025-06-11.csv"), day1.replaceAll("2025-06-10", "2025-06-11"));
      logs.length = 0;
      const second = await runPipeline({config, dataDir, log: (m) => logs.push(m)});
      expect(logs.filter((l) => l.startsWith("ingest:"))).toEqual([
        "ingest: 2025-06-10.csv: 97 rows, 2 rejected (unchanged, from bronze)",
        "ingest: 2025-06-11.csv: 97 rows, 2 rejected"
      ]);
      const parts = await readdir(join(dataDir, "bronze", "production", "site_id=site-a"));
      expect(parts).toHaveLength(2);
      const entries = await Promise.all((await readdir(join(dataDir, "bronze", "files"))).map(async (f) => JSON.parse(await readFile(join(dataDir, "bronze", "files", f), "utf8"))));
      const bronzeKeys = ["2025-06-10.csv", "2025-06-11.csv"].map((label) => entries.find((e) => e.label === label).key as string);

      const fresh = await runPipeline({config, dataDir: join(dir, "fresh"), log: () => {}});
      for (const table of ["production_hourly", "rejects", "data_quality"]) {
        const a = await readParquet(join(second.snapshotDir, `${table}.parquet`));
        const b = await readParquet(join(fresh.snapshotDir, `${table}.parquet`));
        expect(a, table).toEqual(b);
      }
      // Lineage: line per row, and the source file, its hash and the ingestion time in the part's metadata.
      const part = join(dataDir, "bronze", "production", "site_id=site-a", parts.find((p) => p.startsWith(bronzeKeys[1]))!);
      const rows = await readParquet<{line: number}>(part, "min(line) AS line, count(*) AS n");
      expect(rows).toEqual([{line: 2, n: 97}]);
      const kv = await withConnection((conn) =>
        queryRows<{key: string; value: string}>(conn, `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${sqlString(part)})`)
      );
      expect(Object.fromEntries(kv.map((r) => [r.key, r.value]))).toMatchObject({
        source_file: "2025-06-11.csv",
        site_id: "site-a",
        unit: "W",
        kind: "power",
        stamp: "start",
        file_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        ingested_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/)
      });
      expect(existsSync(join(dataDir, "bronze", "files"))).toBe(true);
    });
  });

  it("re-parses a file whose column mapping changed", async () => {
    await withTempDir(async (dir) => {
      const project = join(dir, "project");
      await cp(join(fixturesDir, "tiny"), project, {recursive: true});
      const dataDir = join(dir, "data");
      const logs: string[] = [];
      await runPipeline({config: tinyConfig({}, project), dataDir, log: () => {}});
      await runPipeline({
        config: tinyConfig(
          {production: [{path: "site-a.csv", site_id: "site-a", timestamp: {column: "timestamp", timezone: "UTC"}, value: {column: "ac_power_w", unit: "W"}}]},
          project
        ),
        dataDir,
        log: (m) => logs.push(m)
      });
      expect(logs.some((l) => l.includes("from bronze"))).toBe(false);
    });
  });
});
