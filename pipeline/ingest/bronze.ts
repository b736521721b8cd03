// Bronze: what ingest made of each input file, kept on disk so a file is parsed once. Keyed by the
// file's content, its source mapping and the ingest code, so re-ingesting the same file is a no-op
// and a new file only adds its own parts. Layout under <data dir>/bronze/:
//   production/site_id=<site>/<key>.parquet   accepted rows with lineage (file, line, ingested_at)
//   rejects/<key>.parquet, counts/<key>.parquet
//   files/<key>.json                          written last: the file is complete when it exists
import type {DuckDBConnection} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {mkdir, readFile, rename, writeFile} from "node:fs/promises";
import {join} from "node:path";
import type {ProductionSource} from "../config.ts";
import {sqlString} from "../db.ts";
import {codeVersion, sha256, stableStringify} from "../snapshot/hash.ts";
import type {FileIngestResult} from "./readRows.ts";
import {registerSource} from "./tables.ts";

export interface BronzeEntry {
  key: string;
  file_sha256: string;
  label: string;
  ingested_at: string;
  result: FileIngestResult;
}

export async function bronzeKey(fileSha256: string, source: ProductionSource): Promise<string> {
  const {path: _path, ...mapping} = source;
  return sha256(stableStringify({file: fileSha256, mapping, code: await codeVersion("ingest")})).slice(0, 24);
}

/** Load a file's bronze parts into the run tables under its current label; null when not stored yet. */
export async function loadFromBronze(conn: DuckDBConnection, dir: string, key: string, label: string, source: ProductionSource): Promise<FileIngestResult | null> {
  const marker = join(dir, "files", `${key}.json`);
  if (!existsSync(marker)) return null;
  const entry = JSON.parse(await readFile(marker, "utf8")) as BronzeEntry;
  const parts = Object.keys(entry.result.rowsBySite).map((site) => sqlString(partPath(dir, site, key)));
  const sourceId = await registerSource(conn, label, source);
  if (parts.length)
    await conn.run(
      `INSERT INTO sample_rows SELECT site_id, $sourceId, line, ts, value
       FROM read_parquet([${parts.join(", ")}], hive_partitioning = true)`,
      {sourceId}
    );
  await conn.run(`INSERT INTO rejects SELECT site_id, $label, line, reason, raw FROM read_parquet(${sqlString(join(dir, "rejects", `${key}.parquet`))})`, {label});
  await conn.run(`INSERT INTO ingest_counts SELECT site_id, $label, "check", value FROM read_parquet(${sqlString(join(dir, "counts", `${key}.parquet`))})`, {label});
  return {...entry.result, file: label};
}

/** Store what ingest just made of one file (its rows are those with source = label). */
export async function saveToBronze(
  conn: DuckDBConnection,
  dir: string,
  key: string,
  fileSha256: string,
  label: string,
  result: FileIngestResult,
  now = new Date()
): Promise<void> {
  for (const sub of ["rejects", "counts", "files"]) await mkdir(join(dir, sub), {recursive: true});
  const ingestedAt = now.toISOString();
  for (const site of Object.keys(result.rowsBySite)) {
    await mkdir(join(dir, "production", `site_id=${site}`), {recursive: true});
    await conn.run(
      `COPY (SELECT line, ts, value, unit, kind, stamp, $label AS source_file, $sha AS file_sha256, CAST($at AS TIMESTAMP) AS ingested_at
             FROM samples WHERE source = $label AND site_id = $site ORDER BY line)
       TO ${sqlString(partPath(dir, site, key))} (FORMAT parquet, COMPRESSION zstd)`,
      {label, site, sha: fileSha256, at: ingestedAt.replace("Z", "")}
    );
  }
  await conn.run(`COPY (SELECT site_id, line, reason, raw FROM rejects WHERE source = $label ORDER BY line) TO ${sqlString(join(dir, "rejects", `${key}.parquet`))} (FORMAT parquet)`, {label});
  await conn.run(`COPY (SELECT site_id, "check", value FROM ingest_counts WHERE source = $label) TO ${sqlString(join(dir, "counts", `${key}.parquet`))} (FORMAT parquet)`, {label});
  const entry: BronzeEntry = {key, file_sha256: fileSha256, label, ingested_at: ingestedAt, result};
  const marker = join(dir, "files", `${key}.json`);
  await writeFile(`${marker}.tmp-${process.pid}`, JSON.stringify(entry, null, 2));
  await rename(`${marker}.tmp-${process.pid}`, marker);
}

function partPath(dir: string, site: string, key: string): string {
  return join(dir, "production", `site_id=${site}`, `${key}.parquet`);
}
