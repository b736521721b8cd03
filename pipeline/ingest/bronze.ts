// Bronze: what ingest made of each input file, kept on disk so a file is parsed once. Keyed by the
// file's content, its source mapping and the ingest code, so re-ingesting the same file is a no-op
// and a new file only adds its own parts. Layout under <data dir>/bronze/:
//   production/site_id=<site>/<key>.parquet   accepted rows (line, ts, value); the file's lineage
//                                             (source_file, file_sha256, ingested_at, unit, kind,
//                                             stamp) is the part's Parquet key-value metadata
//   rejects/<key>.parquet, counts/<key>.parquet
//   files/<key>.json                          written last: the file is complete when it exists
// Lineage per row is the part's path plus `line`. It lives in the metadata rather than in repeated
// columns because writing six constant columns per row cost as much as the rows themselves.
import type {DuckDBConnection} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {mkdir, readFile, rename, writeFile} from "node:fs/promises";
import {join} from "node:path";
import type {ProductionSource} from "../config.ts";
import {sqlString} from "../db.ts";
import {codeVersion, sha256, stableStringify} from "../snapshot/hash.ts";
import type {FileIngestResult} from "./readRows.ts";
import {addSampleParts, registerSource, sampleKind} from "./tables.ts";

export interface BronzeEntry {
  key: string;
  file_sha256: string;
  label: string;
  ingested_at: string;
  result: FileIngestResult;
}

/** Where one file's accepted rows go, and the lineage written into each part. */
export interface PartsTarget {
  dir: string;
  key: string;
  lineage: {source_file: string; file_sha256: string; ingested_at: string};
}

export async function bronzeKey(fileSha256: string, source: ProductionSource): Promise<string> {
  const {path: _path, ...mapping} = source;
  return sha256(stableStringify({file: fileSha256, mapping, code: await codeVersion("ingest")})).slice(0, 24);
}

export function partPath(dir: string, site: string, key: string): string {
  return join(dir, "production", `site_id=${site}`, `${key}.parquet`);
}

/** The COPY options of a part: zstd, and the lineage as key-value metadata. */
export async function partCopyOptions(target: PartsTarget, site: string, source: ProductionSource): Promise<string> {
  await mkdir(join(target.dir, "production", `site_id=${site}`), {recursive: true});
  const kv = {...target.lineage, site_id: site, unit: source.value.unit, kind: sampleKind(source), stamp: source.interval};
  const pairs = Object.entries(kv).map(([k, v]) => `${k}: ${sqlString(v)}`);
  return `(FORMAT parquet, COMPRESSION zstd, KV_METADATA {${pairs.join(", ")}})`;
}

/** Load a file's bronze parts into the run under its current label; null when not stored yet. */
export async function loadFromBronze(conn: DuckDBConnection, dir: string, key: string, label: string, source: ProductionSource): Promise<FileIngestResult | null> {
  const marker = join(dir, "files", `${key}.json`);
  if (!existsSync(marker)) return null;
  const entry = JSON.parse(await readFile(marker, "utf8")) as BronzeEntry;
  const sourceId = await registerSource(conn, label, source);
  const parts = Object.fromEntries(Object.keys(entry.result.rowsBySite).map((site) => [site, partPath(dir, site, key)]));
  await addSampleParts(conn, sourceId, parts);
  await conn.run(`INSERT INTO rejects SELECT site_id, $label, line, reason, raw FROM read_parquet(${sqlString(join(dir, "rejects", `${key}.parquet`))})`, {label});
  await conn.run(`INSERT INTO ingest_counts SELECT site_id, $label, "check", value FROM read_parquet(${sqlString(join(dir, "counts", `${key}.parquet`))})`, {label});
  return {...entry.result, file: label};
}

/** Complete a parsed file's bronze entry (its parts are already written): rejects, counts, marker. */
export async function saveToBronze(conn: DuckDBConnection, target: PartsTarget, label: string, result: FileIngestResult): Promise<void> {
  const {dir, key} = target;
  for (const sub of ["rejects", "counts", "files"]) await mkdir(join(dir, sub), {recursive: true});
  await conn.run(`COPY (SELECT site_id, line, reason, raw FROM rejects WHERE source = $label ORDER BY line) TO ${sqlString(join(dir, "rejects", `${key}.parquet`))} (FORMAT parquet)`, {label});
  await conn.run(`COPY (SELECT site_id, "check", value FROM ingest_counts WHERE source = $label) TO ${sqlString(join(dir, "counts", `${key}.parquet`))} (FORMAT parquet)`, {label});
  const entry: BronzeEntry = {key, file_sha256: target.lineage.file_sha256, label, ingested_at: target.lineage.ingested_at, result};
  const marker = join(dir, "files", `${key}.json`);
  await writeFile(`${marker}.tmp-${process.pid}`, JSON.stringify(entry, null, 2));
  await rename(`${marker}.tmp-${process.pid}`, marker);
}
