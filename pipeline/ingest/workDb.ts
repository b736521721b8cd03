// Where the fast path's typed rows wait between the CSV read and the Parquet write (fastCsv.ts).
// In memory they are uncompressed, 16 bytes a row: a 10 GB export's 194M rows are 3 GB, which under
// the default 1 GB memory limit spill to disk as they are and are read back on every pass (checks,
// local times, the write). A DuckDB database file in the run's temp directory stores them
// compressed as they are written (513 MB for those rows) and reads them back fast: on the 10 GB
// bench file ingest went from 0.60x to 0.87x plain COPY's throughput (120.6 -> 74.1 s; peak RSS of
// the ingest alone 1.5 -> 1.1 GB). Small files stay in memory as a TEMP table: attaching, writing
// and deleting a database file per file cost the 100-site scale bench's 100 small exports 5 s. So
// do files without a temp directory of the caller's choosing (DuckDB's default, `.tmp` under the
// working directory).
import type {DuckDBConnection} from "@duckdb/node-api";
import {mkdir, rm} from "node:fs/promises";
import {join} from "node:path";
import {queryRows, sqlIdent, sqlString} from "../db.ts";

const WORK_DB = "ingest_work";
const DUCKDB_DEFAULT_TEMP = ".tmp";
/** CSV files from this size on (about 10M rows of a typical export) keep their typed rows in the work database. */
const WORK_DB_MIN_BYTES = 512e6;
let minBytes = WORK_DB_MIN_BYTES;

/** Work database files attached by this process so far (each gets a new name). */
let attached = 0;

/** For tests: the file size from which the work database is used (undefined: back to the default). */
export function setWorkDbMinBytes(bytes?: number): void {
  minBytes = bytes ?? WORK_DB_MIN_BYTES;
}

/** The catalog to create the fast path's working table in for a file of `bytes`: a work database file, or `temp`. */
export async function workCatalog(conn: DuckDBConnection, bytes: number): Promise<string> {
  if (bytes < minBytes) return "temp";
  const [{dir, open}] = await queryRows<{dir: string | null; open: number}>(
    conn,
    `SELECT current_setting('temp_directory') AS dir, (SELECT count(*) FROM duckdb_databases() WHERE database_name = ${sqlString(WORK_DB)}) AS open`
  );
  if (open > 0) return WORK_DB;
  if (!dir || dir === DUCKDB_DEFAULT_TEMP) return "temp";
  await mkdir(dir, {recursive: true});
  await conn.run(`ATTACH ${sqlString(join(dir, `ingest-work-${process.pid}-${++attached}.duckdb`))} AS ${sqlIdent(WORK_DB)}`);
  return WORK_DB;
}

/** Detaches the work database, if any, and deletes its file. */
export async function releaseWorkDb(conn: DuckDBConnection): Promise<void> {
  const [db] = await queryRows<{path: string}>(conn, `SELECT path FROM duckdb_databases() WHERE database_name = ${sqlString(WORK_DB)}`);
  if (!db) return;
  await conn.run(`DETACH ${sqlIdent(WORK_DB)}`);
  await Promise.all([rm(db.path, {force: true}), rm(`${db.path}.wal`, {force: true})]);
}
