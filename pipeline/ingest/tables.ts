// The run's working tables that ingest fills and clean reads.
import type {DuckDBConnection} from "@duckdb/node-api";
import type {ProductionSource} from "../config.ts";

export async function createIngestTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(`
    CREATE OR REPLACE TABLE rejects (site_id VARCHAR, source VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR);
    -- One narrow row per accepted input row (ts as stamped, UTC; value in the source's own unit);
    -- what is the same for a whole file lives once in sources. Big files make the difference.
    CREATE OR REPLACE TABLE sources (source_id INTEGER, source VARCHAR, unit VARCHAR, kind VARCHAR, stamp VARCHAR);
    CREATE OR REPLACE TABLE sample_rows (site_id VARCHAR, source_id INTEGER, line BIGINT, ts TIMESTAMP, value DOUBLE);
    CREATE OR REPLACE VIEW samples AS
      SELECT r.site_id, s.source, r.line, r.ts, r.value, s.unit, s.kind, s.stamp FROM sample_rows r JOIN sources s USING (source_id);
    -- Per-file counts that become data_quality rows.
    CREATE OR REPLACE TABLE ingest_counts (site_id VARCHAR, source VARCHAR, "check" VARCHAR, value DOUBLE);
  `);
}

/** What a source's values are: power, energy per interval, or a cumulative counter. */
export function sampleKind(source: ProductionSource): "power" | "energy" | "counter" {
  if (!source.value.unit.endsWith("h")) return "power";
  return source.value.kind === "counter" ? "counter" : "energy";
}

/** Register one input file; its rows in sample_rows carry the returned id. */
export async function registerSource(conn: DuckDBConnection, label: string, source: ProductionSource): Promise<number> {
  const reader = await conn.runAndReadAll(
    `INSERT INTO sources SELECT coalesce(max(source_id), 0) + 1, $label, $unit, $kind, $stamp FROM sources RETURNING source_id`,
    {label, unit: source.value.unit, kind: sampleKind(source), stamp: source.interval}
  );
  return Number(reader.getRows()[0][0]);
}
