// Where stage outputs are kept between runs: <dataDir>/stages/<stage>/<key>/ holds one Parquet file per
// table the stage writes and stage.json (its summary, written last: its presence marks a complete
// entry). Per-site stages keep each site's rows apart, under stages/<stage>/sites/<key>/, so a
// refresh recomputes only the sites whose inputs changed. Parquet round-trips every DuckDB type the
// pipeline uses exactly (DOUBLE bits, TIMESTAMP microseconds), so a table read back equals the one
// computed.
import type {DuckDBConnection} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {mkdir, readdir, readFile, rename, rm, stat, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {sqlIdent, sqlString} from "../db.ts";

/** Whole-stage entries kept per stage besides the ones just used. */
const KEEP = 3;

export class StageCache {
  constructor(readonly root: string) {}

  private dir(stage: string, key: string): string {
    return join(this.root, stage, key);
  }

  private siteDir(stage: string, key: string): string {
    return join(this.root, stage, "sites", key);
  }

  /** Reads a complete entry's tables into the connection; null when there is none. */
  async load(conn: DuckDBConnection, stage: string, key: string, tables: readonly string[]): Promise<{result: unknown} | null> {
    const dir = this.dir(stage, key);
    if (!existsSync(join(dir, "stage.json"))) return null;
    for (const t of tables) await conn.run(`CREATE OR REPLACE TABLE ${sqlIdent(t)} AS SELECT * FROM read_parquet(${sqlString(join(dir, `${t}.parquet`))})`);
    const meta = JSON.parse(await readFile(join(dir, "stage.json"), "utf8")) as {result?: unknown};
    return {result: meta.result};
  }

  async save(conn: DuckDBConnection, stage: string, key: string, tables: readonly string[], result: unknown): Promise<void> {
    await this.writeEntry(this.dir(stage, key), conn, tables, null, {stage, key, result});
    await pruneEntries(join(this.root, stage), new Set([key, "sites"]), KEEP);
  }

  hasSite(stage: string, key: string): boolean {
    return existsSync(join(this.siteDir(stage, key), "stage.json"));
  }

  /** Adds a site's cached rows to the tables: appended, or creating them when `create`. */
  async loadSite(conn: DuckDBConnection, stage: string, key: string, tables: readonly string[], create: boolean): Promise<void> {
    const dir = this.siteDir(stage, key);
    for (const t of tables) {
      const source = `SELECT * FROM read_parquet(${sqlString(join(dir, `${t}.parquet`))})`;
      await conn.run(create ? `CREATE OR REPLACE TABLE ${sqlIdent(t)} AS ${source}` : `INSERT INTO ${sqlIdent(t)} ${source}`);
    }
  }

  async saveSite(conn: DuckDBConnection, stage: string, key: string, site: string, tables: readonly string[]): Promise<void> {
    await this.writeEntry(this.siteDir(stage, key), conn, tables, site, {stage, key, site});
  }

  /** Drops per-site entries no longer in use (a site's inputs moved on, or it left the fleet). */
  async pruneSites(stage: string, inUse: ReadonlySet<string>): Promise<void> {
    await pruneEntries(join(this.root, stage, "sites"), inUse, 0);
  }

  private async writeEntry(dir: string, conn: DuckDBConnection, tables: readonly string[], site: string | null, meta: object): Promise<void> {
    const temp = `${dir}.tmp-${process.pid}`;
    await rm(temp, {recursive: true, force: true});
    await mkdir(temp, {recursive: true});
    for (const t of tables) {
      const rows = site === null ? sqlIdent(t) : `(SELECT * FROM ${sqlIdent(t)} WHERE site_id = ${sqlString(site)})`;
      await conn.run(`COPY ${rows} TO ${sqlString(join(temp, `${t}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
    }
    await writeFile(join(temp, "stage.json"), JSON.stringify(meta) + "\n");
    await rm(dir, {recursive: true, force: true});
    await rename(temp, dir);
  }
}

/** Deletes the folders under `root` not in use, keeping the `keep` newest of them (a cache is a convenience, not a record). */
export async function pruneEntries(root: string, inUse: ReadonlySet<string>, keep: number): Promise<void> {
  if (!existsSync(root)) return;
  const entries = await Promise.all(
    (await readdir(root, {withFileTypes: true}))
      .filter((e) => e.isDirectory() && !inUse.has(e.name))
      .map(async (e) => ({name: e.name, mtime: (await stat(join(root, e.name))).mtimeMs}))
  );
  entries.sort((a, b) => b.mtime - a.mtime);
  for (const e of entries.slice(keep)) await rm(join(root, e.name), {recursive: true, force: true});
}
