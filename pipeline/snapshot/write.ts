// Writes one snapshot atomically: tables go to a temp folder, which is renamed into place only
// when every table and the manifest are on disk; `current` then moves with an atomic rename.
import type {DuckDBConnection} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {mkdir, readdir, readlink, rename, rm, stat, symlink, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {queryRows, sqlIdent, sqlString} from "../db.ts";
import {sha256File} from "./hash.ts";
import {isProcessAlive} from "./lock.ts";
import type {Manifest, TablePartitions, TableStats} from "./manifest.ts";
import {writePartitions} from "./partitions.ts";
import {currentLink, snapshotsDir} from "./paths.ts";

export interface SnapshotTableSpec {
  /** Table (or view) name in the connection; also the Parquet file name. */
  name: string;
  /** ORDER BY clause that makes the file deterministic. */
  orderBy: string;
  /** Timestamp column for min/max in the manifest. */
  tsColumn?: string;
  /**
   * Also written hive-partitioned by site and UTC year of `tsColumn` (parts/<name>/site_id=…/year=…/),
   * for the big per-site tables: pages and remote readers then fetch only the sites and years they show.
   */
  partitioned?: boolean;
}

export interface WriteSnapshotOptions {
  dataDir: string;
  snapshotId: string;
  tables: readonly SnapshotTableSpec[];
  manifest: Omit<Manifest, "snapshot_id" | "tables">;
  /** Test hook: called after each table is written (a throw here simulates a failed run). */
  afterTable?: (name: string) => void | Promise<void>;
  /** How many complete snapshots to keep besides the current one. */
  keep?: number;
}

/**
 * A snapshot's id: its UTC creation stamp, then the start of the key it was built from. The stamp
 * comes first so that name order is age order (pruneSnapshots relies on it).
 */
export function snapshotIdFor(createdAt: Date, key: string): string {
  return `${createdAt.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${key.slice(0, 8)}`;
}

export async function writeSnapshot(conn: DuckDBConnection, options: WriteSnapshotOptions): Promise<string> {
  const root = snapshotsDir(options.dataDir);
  await mkdir(root, {recursive: true});
  await removeAbandonedTempDirs(root);
  const finalDir = join(root, options.snapshotId);
  const tempDir = join(root, `.tmp-${options.snapshotId}-${process.pid}`);
  await rm(tempDir, {recursive: true, force: true});
  await mkdir(tempDir);
  try {
    const tables: Record<string, TableStats> = {};
    const partitions: Record<string, TablePartitions> = {};
    for (const spec of options.tables) {
      tables[spec.name] = await writeTable(conn, tempDir, spec);
      if (spec.partitioned && spec.tsColumn) partitions[spec.name] = await writePartitions(conn, tempDir, spec.name, spec.orderBy, spec.tsColumn, tables[spec.name].rows);
      await options.afterTable?.(spec.name);
    }
    const manifest: Manifest = {snapshot_id: options.snapshotId, ...options.manifest, tables, ...(Object.keys(partitions).length > 0 ? {partitions} : {})};
    await writeFile(join(tempDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    await rm(finalDir, {recursive: true, force: true});
    await rename(tempDir, finalDir);
  } catch (error) {
    await rm(tempDir, {recursive: true, force: true});
    throw error;
  }
  await pointCurrentAt(options.dataDir, options.snapshotId);
  await pruneSnapshots(options.dataDir, options.keep ?? 4);
  return finalDir;
}

async function writeTable(conn: DuckDBConnection, dir: string, spec: SnapshotTableSpec): Promise<TableStats> {
  const file = join(dir, `${spec.name}.parquet`);
  await conn.run(
    `COPY (SELECT * FROM ${sqlIdent(spec.name)} ORDER BY ${spec.orderBy}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`
  );
  const ts = spec.tsColumn ? sqlIdent(spec.tsColumn) : null;
  const [stats] = await queryRows<{rows: number; min_ts: string | null; max_ts: string | null}>(
    conn,
    `SELECT count(*) AS rows, ${ts ? `strftime(min(${ts}), '%Y-%m-%dT%H:%M:%SZ')` : "NULL"} AS min_ts,
            ${ts ? `strftime(max(${ts}), '%Y-%m-%dT%H:%M:%SZ')` : "NULL"} AS max_ts
     FROM ${sqlIdent(spec.name)}`
  );
  return {rows: stats.rows, min_ts: stats.min_ts, max_ts: stats.max_ts, sha256: await sha256File(file), bytes: (await stat(file)).size};
}

/** Swap the `current` symlink in one rename, so readers never see it missing. */
async function pointCurrentAt(dataDir: string, snapshotId: string): Promise<void> {
  const link = currentLink(dataDir);
  const temp = `${link}.tmp-${process.pid}`;
  await rm(temp, {force: true});
  await symlink(snapshotId, temp);
  await rename(temp, link);
}

async function removeAbandonedTempDirs(root: string): Promise<void> {
  for (const entry of await readdir(root)) {
    const match = /^\.tmp-.*-(\d+)$/.exec(entry);
    if (match && !isProcessAlive(Number(match[1]))) await rm(join(root, entry), {recursive: true, force: true});
  }
}

async function pruneSnapshots(dataDir: string, keep: number): Promise<void> {
  const root = snapshotsDir(dataDir);
  const current = await readlink(currentLink(dataDir)).catch(() => null);
  // Snapshot ids start with their UTC creation stamp, so name order is age order.
  const complete = (await readdir(root)).filter((e) => !e.startsWith(".") && e !== "current" && existsSync(join(root, e, "manifest.json"))).sort();
  // slice(0, -0 || undefined) keeps nothing back when keep is 0.
  const old = complete.filter((e) => e !== current).slice(0, -keep || undefined);
  for (const entry of old) await rm(join(root, entry), {recursive: true, force: true});
}
