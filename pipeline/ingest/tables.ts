// The run's working tables that ingest fills and clean reads.
import {listValue, type DuckDBConnection} from "@duckdb/node-api";
import type {ProductionSource} from "../config.ts";
import {queryRows, sqlString} from "../db.ts";

export async function createIngestTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(`
    CREATE OR REPLACE TABLE rejects (site_id VARCHAR, source VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR);
    -- Accepted rows live in Parquet parts (bronze), one per file and site: narrow rows (line, ts as
    -- stamped in UTC, value in the source's own unit). What is the same for a whole file lives once
    -- in sources; sample_parts lists the parts this run reads; the samples view reads them all.
    CREATE OR REPLACE TABLE sources (source_id INTEGER, source VARCHAR, unit VARCHAR, kind VARCHAR, stamp VARCHAR);
    CREATE OR REPLACE TABLE sample_parts (site_id VARCHAR, source_id INTEGER, path VARCHAR);
    -- Per-file counts that become data_quality rows.
    CREATE OR REPLACE TABLE ingest_counts (site_id VARCHAR, source VARCHAR, "check" VARCHAR, value DOUBLE);
  `);
  await refreshSamples(conn);
}

/** What a source's values are: power, energy per interval, or a cumulative counter. */
export function sampleKind(source: ProductionSource): "power" | "energy" | "counter" {
  if (!source.value.unit.endsWith("h")) return "power";
  return source.value.kind === "counter" ? "counter" : "energy";
}

/** Register one input file; its parts in sample_parts carry the returned id. */
export async function registerSource(conn: DuckDBConnection, label: string, source: ProductionSource): Promise<number> {
  const reader = await conn.runAndReadAll(
    `INSERT INTO sources SELECT coalesce(max(source_id), 0) + 1, $label, $unit, $kind, $stamp FROM sources RETURNING source_id`,
    {label, unit: source.value.unit, kind: sampleKind(source), stamp: source.interval}
  );
  return Number(reader.getRows()[0][0]);
}

/** Add a file's Parquet parts (site → path) to the run and rebuild the `samples` view over all parts. */
export async function addSampleParts(conn: DuckDBConnection, sourceId: number, parts: Record<string, string>): Promise<void> {
  for (const [site, path] of Object.entries(parts)) await conn.run("INSERT INTO sample_parts VALUES ($site, $sourceId, $path)", {site, sourceId, path});
  await refreshSamples(conn);
}

/**
 * `samples` reads the parts directly: one UNION ALL branch per part, with what is constant for the
 * part (site, file, unit, kind, stamp, the file's rank in name order) as constants, so a big file's
 * rows are neither copied into the run's memory nor joined to anything. `onlySites` narrows it to
 * some sites (file order stays the fleet's, so ties break as in a full run).
 */
export async function refreshSamples(conn: DuckDBConnection, onlySites?: readonly string[]): Promise<void> {
  const all = await queryRows<{site_id: string; path: string; source: string; unit: string; kind: string; stamp: string; file_order: number}>(
    conn,
    `SELECT p.site_id, p.path, s.source, s.unit, s.kind, s.stamp, dense_rank() OVER (ORDER BY s.source) AS file_order
     FROM sample_parts p JOIN sources s USING (source_id) ORDER BY p.source_id, p.site_id`
  );
  // A per-site rerun (the clean stage recomputing changed sites only) sees just those sites' parts.
  const parts = onlySites ? all.filter((p) => onlySites.includes(p.site_id)) : all;
  const branches = parts.map(
    (p) =>
      `SELECT ${[p.site_id, p.source].map(sqlString).join(", ")}, line, ts, value, ${[p.unit, p.kind, p.stamp].map(sqlString).join(", ")}, ${p.file_order}
       FROM read_parquet(${sqlString(p.path)})`
  );
  const columns = "site_id, source, line, ts, value, unit, kind, stamp, file_order";
  const rows = branches.length
    ? branches.join("\n      UNION ALL ")
    : "SELECT NULL::VARCHAR, NULL::VARCHAR, NULL::BIGINT, NULL::TIMESTAMP, NULL::DOUBLE, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::BIGINT WHERE false";
  await conn.run(`CREATE OR REPLACE VIEW samples (${columns}) AS ${rows}`);
}

/**
 * A shard's run (run/shard.ts) keeps its own sites: other sites' parts, counts and rejects go.
 * Rejects and counts that name no site (a missing or unknown site; a shared file's blank lines) are
 * kept by one shard only, `keepUnattributed`, so that the shards' add up to the fleet's. Returns
 * the rows set aside.
 */
export async function keepShardSites(conn: DuckDBConnection, siteIds: readonly string[], keepUnattributed: boolean): Promise<number> {
  const sites = {sites: listValue([...siteIds])};
  const aside = await queryRows<{path: string}>(conn, "SELECT path FROM sample_parts WHERE NOT list_contains($sites, site_id)", sites);
  const [n] = aside.length
    ? await queryRows<{n: number}>(conn, `SELECT count(*)::DOUBLE AS n FROM read_parquet([${aside.map((p) => sqlString(p.path)).join(", ")}])`)
    : [{n: 0}];
  await conn.run("DELETE FROM sample_parts WHERE NOT list_contains($sites, site_id)", sites);
  // No site: NULL in rejects, '' in ingest_counts.
  const others = `${keepUnattributed ? "coalesce(site_id, '') <> '' AND" : "coalesce(site_id, '') = '' OR"} NOT list_contains($sites, site_id)`;
  await conn.run(`DELETE FROM ingest_counts WHERE ${others}`, sites);
  await conn.run(`DELETE FROM rejects WHERE ${others}`, sites);
  await refreshSamples(conn);
  return n.n;
}
