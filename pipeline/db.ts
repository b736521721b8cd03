// DuckDB helpers: one in-memory instance per pipeline run, connections closed in `finally`.
import {DuckDBConnection, DuckDBInstance, DuckDBTimestampValue, DuckDBTypeId, type DuckDBValue} from "@duckdb/node-api";

export interface DbOptions {
  /** Folder DuckDB may spill to when a query outgrows memory. */
  tempDirectory?: string;
  memoryLimit?: string;
  threads?: number;
}

export async function withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>, options: DbOptions = {}): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    // Everything is UTC inside the pipeline; local time is derived for display only.
    await conn.run("SET TimeZone = 'UTC'");
    if (options.tempDirectory) await conn.run(`SET temp_directory = ${sqlString(options.tempDirectory)}`);
    if (options.memoryLimit) await conn.run(`SET memory_limit = ${sqlString(options.memoryLimit)}`);
    if (options.threads) await conn.run(`SET threads = ${Math.max(1, Math.floor(options.threads))}`);
    return await fn(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Rows as plain JSON-safe objects: BIGINT-family columns become numbers, timestamps ISO-like strings. */
export async function queryRows<T = Record<string, unknown>>(
  conn: DuckDBConnection,
  sql: string,
  params?: Record<string, DuckDBValue> | DuckDBValue[]
): Promise<T[]> {
  const reader = params ? await conn.runAndReadAll(sql, params) : await conn.runAndReadAll(sql);
  const integral = new Set<string>();
  const names = reader.columnNames();
  reader.columnTypes().forEach((type, i) => {
    if (BIGINT_TYPES.has(type.typeId)) integral.add(names[i]);
  });
  return reader.getRowObjectsJson().map((row) => {
    // node-api renders BIGINT as a string to stay exact; counts here are far below 2^53.
    for (const key of integral) if (row[key] !== null) row[key] = Number(row[key]);
    return row;
  }) as T[];
}

/**
 * A query's result streamed chunk by chunk (about 2,048 rows each), every chunk as its columns by
 * name. For results too big to hold as row objects (a fleet's hours): no object per row, and only
 * the chunk in hand is in JavaScript. Values are node-api's own: VARCHAR, DOUBLE and BOOLEAN come as
 * string, number and boolean (or null), so a query meant for this selects only those types (cast
 * timestamps with epoch_ms(ts)::DOUBLE). `T` names the columns and their value types.
 */
export async function* streamColumns<T extends {[K in keyof T]: readonly unknown[]}>(
  conn: DuckDBConnection,
  sql: string
): AsyncGenerator<{rowCount: number; columns: T}> {
  const result = await conn.stream(sql);
  const names = result.columnNames();
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const columns = chunk.getColumns();
    yield {rowCount: chunk.rowCount, columns: Object.fromEntries(names.map((name, j) => [name, columns[j]])) as unknown as T};
  }
}

const BIGINT_TYPES = new Set<DuckDBTypeId>([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);

/** A single-quoted SQL string literal. Used only for paths and settings, never for user data values. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A double-quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Column types `createTableFromObjects` writes; TIMESTAMP values are UTC milliseconds. */
export type ColumnType = "VARCHAR" | "INTEGER" | "DOUBLE" | "BOOLEAN" | "TIMESTAMP";

/**
 * (Re)creates `table` with the given columns (field, type, and the column's name when it differs
 * from the field's) and appends one row per object. null, undefined and non-finite numbers become NULL. For small result tables (metrics, windows); bulk rows use an
 * appender written for their shape.
 */
export async function createTableFromObjects<T extends object>(conn: DuckDBConnection, table: string, columns: readonly [keyof T & string, ColumnType, string?][], rows: readonly T[]): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE ${sqlIdent(table)} (${columns.map(([field, type, name]) => `${sqlIdent(name ?? field)} ${type}`).join(", ")})`);
  const a = await conn.createAppender(table);
  for (const row of rows) {
    for (const [name, type] of columns) {
      const v = (row as Record<string, unknown>)[name];
      if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) a.appendNull();
      else if (type === "VARCHAR") a.appendVarchar(String(v));
      else if (type === "INTEGER") a.appendInteger(Number(v));
      else if (type === "DOUBLE") a.appendDouble(Number(v));
      else if (type === "BOOLEAN") a.appendBoolean(Boolean(v));
      else a.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(Number(v))) * 1000n));
    }
    a.endRow();
  }
  a.closeSync();
}
