// Hive partitions of the big per-site tables: one file per site and UTC year, listed in the
// manifest, each a slice of the whole table with all its columns.
import {existsSync} from "node:fs";
import {join} from "node:path";
import {DuckDBInstance} from "@duckdb/node-api";
import {describe, expect, it} from "vitest";
import {queryRows, sqlString} from "../../../pipeline/db.ts";
import {writeSnapshot} from "../../../pipeline/snapshot/write.ts";
import {withTempDir} from "../../helpers.ts";

describe("partitioned snapshot tables", () => {
  it("writes one file per site and UTC year, listed in the manifest, that together hold the table exactly", async () => {
    await withTempDir(async (dataDir) => {
      const db = await DuckDBInstance.create(":memory:");
      const conn = await db.connect();
      // Two sites; hourly rows from 2024-12-31 20:00 to 2025-01-01 03:59 UTC cross the new year, plus a row in 2026 for one site.
      await conn.run(`CREATE TABLE hourly AS
        SELECT s.site_id, TIMESTAMP '2024-12-31 20:00:00' + INTERVAL (h) HOUR AS ts, h * 1.5 AS energy_kwh
        FROM (VALUES ('plant.a'), ('plant-b')) s(site_id), range(8) r(h)
        UNION ALL SELECT 'plant-b', TIMESTAMP '2026-03-01 12:00:00', 7.0`);
      await conn.run(`CREATE TABLE small AS SELECT 1 AS x`);
      const dir = await writeSnapshot(conn, {
        dataDir, snapshotId: "20260101T000000Z-test",
        tables: [{name: "hourly", orderBy: "site_id, ts", tsColumn: "ts", partitioned: true}, {name: "small", orderBy: "x"}],
        manifest: {created_at: "2026-01-01T00:00:00Z", cache_key: "k", config_hash: "c", config_path: "x", code_version: "v", project: "p", inputs: [], weather: {source: "none", fetched_at: null, stale: false}, stale: {weather: false}, duration_s: 0}
      });
      const {readManifest} = await import("../../../pipeline/snapshot/read.ts");
      const manifest = await readManifest(dir);
      expect(Object.keys(manifest.partitions ?? {})).toEqual(["hourly"]);
      const files = manifest.partitions!.hourly.files;
      expect(files.map((f) => [f.site_id, f.year, f.rows])).toEqual([["plant-b", 2024, 4], ["plant-b", 2025, 4], ["plant-b", 2026, 1], ["plant.a", 2024, 4], ["plant.a", 2025, 4]]);
      expect(files[1]).toMatchObject({min_ts: "2025-01-01T00:00:00Z", max_ts: "2025-01-01T03:00:00Z", path: "parts/hourly/site_id=plant-b/year=2025/data_0.parquet"});
      for (const f of files) expect(existsSync(join(dir, f.path))).toBe(true);
      // Every file holds the table's columns (site_id included), and together they are the table, row for row.
      const all = files.map((f) => sqlString(join(dir, f.path))).join(", ");
      const [diff] = await queryRows<{missing: number; extra: number; columns: string}>(
        conn,
        `SELECT (SELECT count(*) FROM (SELECT * FROM hourly EXCEPT ALL SELECT site_id, ts, energy_kwh FROM read_parquet([${all}])))::INTEGER AS missing,
                (SELECT count(*) FROM (SELECT site_id, ts, energy_kwh FROM read_parquet([${all}]) EXCEPT ALL SELECT * FROM hourly))::INTEGER AS extra,
                (SELECT string_agg(column_name, ',') FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(join(dir, files[0].path))}))) AS columns`
      );
      expect(diff).toEqual({missing: 0, extra: 0, columns: "site_id,ts,energy_kwh,year"});
      // The whole table is still there as one file.
      expect(existsSync(join(dir, "hourly.parquet"))).toBe(true);
    });
  });
});
