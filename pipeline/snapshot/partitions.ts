// Hive-partitioned copies of the big per-site tables: parts/<table>/site_id=<id>/year=<yyyy>/data_0.parquet,
// one file per site and UTC year, each sorted like the whole table and holding all of its columns
// (site_id too, plus `year`), so a file is a drop-in slice of `<table>.parquet`.
//
// Why: a page that shows one site over a few weeks should not download the fleet. At 100 sites the
// anomalies table is ~56 MB and the weather ~31 MB; a site-year is ~1 % of that. The same layout is
// what DuckDB, Spark or Trino read with partition pruning straight from object storage
// (`read_parquet('s3://…/parts/weather_hourly/*/*/*.parquet', hive_partitioning = true)`).
import type {DuckDBConnection} from "@duckdb/node-api";
import {mkdir, stat} from "node:fs/promises";
import {join, relative} from "node:path";
import {queryRows, sqlIdent, sqlString} from "../db.ts";
import type {TablePartitions} from "./manifest.ts";

export const PARTS_DIR = "parts";

/** `rows`: the table's row count (already counted by the snapshot writer). */
export async function writePartitions(conn: DuckDBConnection, snapshotDir: string, table: string, orderBy: string, tsColumn: string, rows: number): Promise<TablePartitions> {
  const dir = join(snapshotDir, PARTS_DIR, table);
  const ts = sqlIdent(tsColumn);
  if (rows === 0) return {by: ["site_id", "year"], files: []};
  await mkdir(join(snapshotDir, PARTS_DIR), {recursive: true});
  await conn.run(
    `COPY (SELECT *, year(${ts})::INTEGER AS year FROM ${sqlIdent(table)} ORDER BY ${orderBy})
     TO ${sqlString(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (site_id, year), WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'data_{i}')`
  );
  // Read back from the files themselves, so the manifest lists exactly what is on disk.
  const found = await queryRows<{file: string; site_id: string; year: number; rows: number; min_ts: string; max_ts: string}>(
    conn,
    `SELECT filename AS file, site_id, year::INTEGER AS year, count(*)::INTEGER AS rows,
            strftime(min(${ts}), '%Y-%m-%dT%H:%M:%SZ') AS min_ts, strftime(max(${ts}), '%Y-%m-%dT%H:%M:%SZ') AS max_ts
     FROM read_parquet(${sqlString(join(dir, "*", "*", "*.parquet"))}, filename = true, hive_partitioning = false)
     GROUP BY ALL ORDER BY site_id, year, file`
  );
  const files: TablePartitions["files"] = [];
  for (const f of found) files.push({site_id: f.site_id, year: f.year, rows: f.rows, bytes: (await stat(f.file)).size, min_ts: f.min_ts, max_ts: f.max_ts, path: relative(snapshotDir, f.file)});
  return {by: ["site_id", "year"], files};
}
