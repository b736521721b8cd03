// The run's working tables that ingest fills and clean reads.
import type {DuckDBConnection} from "@duckdb/node-api";

export async function createIngestTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(`
    CREATE OR REPLACE TABLE rejects (site_id VARCHAR, source VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR);
    -- One row per accepted input row: ts as stamped (UTC), value in the source's own unit.
    CREATE OR REPLACE TABLE samples (
      site_id VARCHAR, source VARCHAR, line BIGINT, ts TIMESTAMP, value DOUBLE,
      unit VARCHAR, kind VARCHAR, stamp VARCHAR);
    -- Per-file counts that become data_quality rows.
    CREATE OR REPLACE TABLE ingest_counts (site_id VARCHAR, source VARCHAR, "check" VARCHAR, value DOUBLE);
  `);
}
