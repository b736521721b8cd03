// Ingest every production file of a run into `samples` / `rejects` / `ingest_counts`, then
// summarise what came in (the `sunline ingest` report and the run log share it).
import type {DuckDBConnection} from "@duckdb/node-api";
import type {ProductionInput} from "../inputs.ts";
import {queryRows} from "../db.ts";
import {SunlineError} from "../messages.ts";
import {ingestProductionFile} from "./readRows.ts";
import {createIngestTables} from "./tables.ts";
import {bronzeKey, loadFromBronze, saveToBronze} from "./bronze.ts";

export interface IngestProgress {
  index: number;
  total: number;
  label: string;
  /** Set once the file is done. */
  accepted?: number;
  /** True when the file came from bronze rather than a parse. */
  reused?: boolean;
  path?: "fast" | "exact";
  rejected?: number;
  error?: string;
}

/**
 * Accepted rows are written as Parquet parts under `bronzeDir`. Files with a content hash are
 * bronze entries: when already there (same content, mapping and ingest code) they are loaded
 * instead of parsed, and newly parsed files are stored. Rows of sites the run does not know are
 * rejects either way, since the parse only keeps known sites.
 */
export async function ingestAll(
  conn: DuckDBConnection,
  production: readonly ProductionInput[],
  siteIds: readonly string[],
  bronzeDir: string,
  onProgress: (p: IngestProgress) => void = () => {},
  now = new Date()
): Promise<void> {
  await createIngestTables(conn);
  for (const [i, input] of production.entries()) {
    const progress = {index: i + 1, total: production.length, label: input.label};
    onProgress(progress);
    try {
      // Sites are part of what a parse keeps, so they are part of the bronze key. Files without a
      // hash (`sunline ingest` checks) get a throwaway key and no bronze entry.
      const key = input.sha256 ? await bronzeKey(input.sha256, {...input.source, site_id: input.source.site_id ?? `[${siteIds.join(",")}]`}) : null;
      let result = key ? await loadFromBronze(conn, bronzeDir, key, input.label, input.source) : null;
      const reused = result !== null;
      if (!result) {
        const target = {
          dir: bronzeDir,
          key: key ?? `unhashed-${process.pid}-${i + 1}`,
          lineage: {source_file: input.label, file_sha256: input.sha256 ?? "", ingested_at: now.toISOString()}
        };
        result = await ingestProductionFile(conn, input.file, input.source, input.label, target, siteIds);
        for (const [site, rows] of Object.entries(result.rowsBySite))
          await conn.run("INSERT INTO ingest_counts VALUES ($1, $2, 'rows_read', $3)", [site, input.label, rows]);
        if (key) await saveToBronze(conn, target, input.label, result);
      }
      onProgress({...progress, accepted: result.accepted, rejected: result.rejected, reused, path: result.path});
    } catch (error) {
      // A file that cannot be read at all (wrong column mapping, empty) is one reject, not a failed run.
      if (!(error instanceof SunlineError)) throw error;
      await conn.run("INSERT INTO rejects VALUES ($1, $2, NULL, $3, NULL)", [input.source.site_id ?? null, input.label, error.message]);
      onProgress({...progress, error: error.message});
    }
  }
}

export interface IngestSummary {
  files: number;
  lines: number;
  accepted: number;
  rejected: number;
  rejectsByReason: {reason: string; lines: number}[];
  duplicates: {exact: number; conflicting: number};
  sites: {site_id: string; rows: number; first_ts: string | null; last_ts: string | null}[];
}

/** Needs the tables of ingestAll and buildProductionHourly (clean_counts). */
export async function summariseIngest(conn: DuckDBConnection, files: number): Promise<IngestSummary> {
  const [lines] = await queryRows<{accepted: number; rejected: number}>(
    conn,
    "SELECT (SELECT count(*) FROM samples) AS accepted, (SELECT count(*) FROM rejects) AS rejected"
  );
  const rejectsByReason = await queryRows<{reason: string; lines: number}>(
    conn,
    // Group by the kind of problem, not the bad value each line held.
    `SELECT regexp_replace(regexp_replace(reason, ':? ?".*"', ''), '^expected \\d+ fields, found \\d+$', 'wrong number of fields') AS reason, count(*) AS lines
     FROM rejects GROUP BY 1 ORDER BY lines DESC, reason`
  );
  const dup = Object.fromEntries(
    (await queryRows<{check: string; n: number}>(
      conn,
      `SELECT "check", CAST(sum(value) AS BIGINT) AS n FROM clean_counts WHERE "check" IN ('duplicate_rows', 'conflicting_duplicates') GROUP BY 1`
    )).map((r) => [r.check, r.n])
  );
  const sites = await queryRows<IngestSummary["sites"][number]>(
    conn,
    `SELECT site_id, count(*) AS rows, strftime(min(ts), '%Y-%m-%d %H:%M') AS first_ts, strftime(max(ts), '%Y-%m-%d %H:%M') AS last_ts
     FROM samples GROUP BY site_id ORDER BY site_id`
  );
  return {
    files,
    lines: lines.accepted + lines.rejected,
    accepted: lines.accepted,
    rejected: lines.rejected,
    rejectsByReason,
    duplicates: {exact: dup.duplicate_rows ?? 0, conflicting: dup.conflicting_duplicates ?? 0},
    sites
  };
}

export function formatSummary(s: IngestSummary): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const out = [
    `files: ${s.files}   lines: ${n(s.lines)}   accepted: ${n(s.accepted)}   rejected: ${n(s.rejected)}`,
    `duplicates: ${n(s.duplicates.exact)} exact repeats dropped, ${n(s.duplicates.conflicting)} conflicting (first row in file order kept)`
  ];
  if (s.rejectsByReason.length) out.push("rejected by reason:", ...s.rejectsByReason.map((r) => `  ${r.reason.padEnd(48)} ${n(r.lines).padStart(9)}`));
  out.push(`sites: ${s.sites.length}`, ...s.sites.map((x) => `  ${x.site_id.padEnd(20)} ${n(x.rows).padStart(10)} rows   ${x.first_ts} → ${x.last_ts} UTC`));
  return out.join("\n") + "\n";
}
