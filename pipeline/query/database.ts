// The snapshot as a locked-down DuckDB database: the snapshot's Parquet files as views, the derived
// views materialised once, then no file or network access outside the snapshot folder, and the
// configuration locked so no statement can loosen it. Queries run on their own connection with a
// timeout (interrupt) and a row cap.
import {readdir} from "node:fs/promises";
import {join} from "node:path";
import {DuckDBInstance, DuckDBTypeId, type DuckDBConnection} from "@duckdb/node-api";
import {sqlIdent, sqlString} from "../db.ts";
import {CATALOG, DERIVED_VIEWS, SNAPSHOT_TABLES} from "./catalog.ts";
import type {Cell, QueryColumn} from "./types.ts";
import {messages} from "../messages.ts";

export interface DatabaseLimits {
  /** DuckDB memory limit for every query (e.g. "512MB"). */
  memoryLimit: string;
  /** A query running longer than this is interrupted. */
  timeoutMs: number;
  threads: number;
}

export const DEFAULT_LIMITS: DatabaseLimits = {memoryLimit: "1GB", timeoutMs: 5000, threads: 2};

export interface QueryResultSet {
  columns: QueryColumn[];
  rows: Cell[][];
  truncated: boolean;
}

export interface SnapshotDatabase {
  /** Tables and views a query may read (those this snapshot has). */
  tables: readonly string[];
  /** Each table's columns and DuckDB types (for the model's prompt). */
  schema: Record<string, QueryColumn[]>;
  /** Derived views that could not be built (a table they need is missing), with why. */
  skipped: {name: string; reason: string}[];
  execute(sql: string, options?: {maxRows?: number; timeoutMs?: number}): Promise<QueryResultSet>;
  close(): void;
}

export async function openSnapshotDatabase(snapshotDir: string, limits: DatabaseLimits = DEFAULT_LIMITS): Promise<SnapshotDatabase> {
  const files = new Set((await readdir(snapshotDir)).filter((f) => f.endsWith(".parquet")).map((f) => f.slice(0, -".parquet".length)));
  const instance = await DuckDBInstance.create(":memory:");
  const setup = await instance.connect();
  const tables: string[] = [];
  const skipped: {name: string; reason: string}[] = [];
  const schema: Record<string, QueryColumn[]> = {};
  try {
    await setup.run("SET TimeZone = 'UTC'");
    for (const entry of SNAPSHOT_TABLES) {
      if (!files.has(entry.name)) continue;
      await setup.run(`CREATE VIEW ${sqlIdent(entry.name)} AS SELECT * FROM read_parquet(${sqlString(join(snapshotDir, `${entry.name}.parquet`))})`);
      tables.push(entry.name);
    }
    for (const view of DERIVED_VIEWS) {
      // Materialised: they join and convert time zones over a year of hourly rows, too slow to
      // recompute for every question.
      try {
        await setup.run(`CREATE TABLE ${sqlIdent(view.name)} AS ${view.sql}`);
        tables.push(view.name);
      } catch (error) {
        skipped.push({name: view.name, reason: error instanceof Error ? error.message.split("\n")[0] : String(error)});
      }
    }
    // Reading stays possible inside the snapshot folder only (the views need it); everything else
    // — other files, URLs, extensions — is refused by DuckDB itself, whatever the guard missed.
    await setup.run(`SET allowed_directories = [${sqlString(`${snapshotDir}/`)}]`);
    await setup.run("SET enable_external_access = false");
    await setup.run("SET autoinstall_known_extensions = false");
    await setup.run("SET autoload_known_extensions = false");
    await setup.run(`SET memory_limit = ${sqlString(limits.memoryLimit)}`);
    await setup.run(`SET threads = ${Math.max(1, Math.floor(limits.threads))}`);
    await setup.run("SET lock_configuration = true");
    for (const name of tables) {
      const reader = await setup.runAndReadAll(`SELECT * FROM ${sqlIdent(name)} LIMIT 0`);
      const types = reader.columnTypes();
      schema[name] = reader.columnNames().map((column, i) => ({name: column, type: types[i].toString()}));
    }
  } catch (error) {
    setup.closeSync();
    instance.closeSync();
    throw error;
  }
  setup.closeSync();

  return {
    tables: CATALOG.map((e) => e.name).filter((n) => tables.includes(n)),
    schema,
    skipped,
    async execute(sql, {maxRows = 1000, timeoutMs = limits.timeoutMs} = {}) {
      const conn = await instance.connect();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        conn.interrupt();
      }, timeoutMs);
      try {
        // One row past the cap tells a full result from a cut one.
        return await readCapped(conn, `SELECT * FROM (\n${sql}\n) AS sunline_result LIMIT ${maxRows + 1}`, maxRows);
      } catch (error) {
        if (timedOut) throw new Error(messages.queryTimeout(timeoutMs));
        throw error;
      } finally {
        clearTimeout(timer);
        conn.closeSync();
      }
    },
    close() {
      instance.closeSync();
    }
  };
}

async function readCapped(conn: DuckDBConnection, sql: string, maxRows: number): Promise<QueryResultSet> {
  const reader = await conn.runAndReadAll(sql);
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const columns = names.map((name, i) => ({name, type: types[i].toString()}));
  const json = reader.getRowsJson();
  const rows = json.slice(0, maxRows).map((row) => row.map((value, i) => toCell(value, types[i].typeId)));
  return {columns, rows, truncated: json.length > maxRows};
}

/** A JSON-safe cell: BIGINT/DECIMAL as numbers, timestamps as ISO strings in UTC, nested values as JSON text. */
function toCell(value: unknown, type: DuckDBTypeId): Cell {
  if (value === null || value === undefined) return null;
  switch (type) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.DECIMAL:
      return Number(value);
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.FLOAT:
      return typeof value === "number" ? value : null; // NaN and ±Infinity arrive as strings
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return isoStamp(String(value));
    default:
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
      return JSON.stringify(value);
  }
}

/** "2026-06-30 12:00:00" (or with "+00") → "2026-06-30T12:00:00Z". */
function isoStamp(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(\+00(:00)?)?$/.exec(text);
  return m ? `${m[1]}T${m[2]}Z` : text;
}
