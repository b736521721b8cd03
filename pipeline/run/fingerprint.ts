// Content fingerprints of tables: what a stage's cache key says about the tables it reads. Order-free
// (a sum of row hashes, which, unlike XOR, does not let two equal rows cancel out) and with the row
// count, computed by DuckDB in one pass.
import type {DuckDBConnection} from "@duckdb/node-api";
import {queryRows, sqlIdent} from "../db.ts";

export async function tableFingerprint(conn: DuckDBConnection, table: string): Promise<{rows: number; hash: string}> {
  const [row] = await queryRows<{n: number; h: string}>(conn, `SELECT count(*)::DOUBLE AS n, coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR AS h FROM ${sqlIdent(table)} t`);
  return {rows: row.n, hash: row.h};
}

export async function tableRows(conn: DuckDBConnection, table: string): Promise<number> {
  const [row] = await queryRows<{n: number}>(conn, `SELECT count(*)::DOUBLE AS n FROM ${sqlIdent(table)}`);
  return row.n;
}
