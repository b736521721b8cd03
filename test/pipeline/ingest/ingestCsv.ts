// Ingest one CSV text or fixture file into a fresh DuckDB and read back what came out.
import {existsSync} from "node:fs";
import {copyFile, readdir, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {productionSourceSchema} from "../../../pipeline/config.ts";
import {queryRows, withConnection} from "../../../pipeline/db.ts";
import {ingestProductionFile} from "../../../pipeline/ingest/readRows.ts";
import {createIngestTables} from "../../../pipeline/ingest/tables.ts";
import {setWorkDbMinBytes} from "../../../pipeline/ingest/workDb.ts";
import {withTempDir} from "../../helpers.ts";

export interface IngestOutcome {
  samples: {line: number; ts: string; value: number}[];
  rejects: {line: number | null; reason: string; raw: string | null}[];
  counts: Record<string, number>;
  error: string | null;
  path: "fast" | "exact" | null;
}

/**
 * `input` is CSV text, or `{fixture: path}` to copy a file byte for byte. With `tempDirectory`, DuckDB
 * gets one (as a run's connection does) and files of any size count as big, so the fast path keeps its
 * rows in a work database file;
 * `leftInTemp` then lists what the ingest left there (undefined: nothing was ever put there).
 */
export async function ingestCsv(
  input: string | {fixture: string},
  source: Record<string, unknown>,
  knownSites = ["s", "a", "b"],
  o: {tempDirectory?: boolean} = {}
): Promise<IngestOutcome & {leftInTemp?: string[]}> {
  return withTempDir(async (dir) => {
    const file = join(dir, "in.csv");
    if (typeof input === "string") await writeFile(file, input);
    else await copyFile(input.fixture, file);
    const tempDirectory = o.tempDirectory ? join(dir, "duckdb-tmp") : undefined;
    if (tempDirectory) setWorkDbMinBytes(0);
    const outcome = await withConnection(async (conn) => {
      await createIngestTables(conn);
      const parsed = productionSourceSchema.parse({path: file, site_id: "s", ...source});
      let error: string | null = null;
      let path: IngestOutcome["path"] = null;
      try {
        const target = {dir: join(dir, "bronze"), key: "k", lineage: {source_file: "in.csv", file_sha256: "", ingested_at: "2025-01-01T00:00:00Z"}};
        path = (await ingestProductionFile(conn, file, parsed, "in.csv", target, knownSites)).path;
      } catch (e) {
        error = (e as Error).message;
      }
      const samples = await queryRows<IngestOutcome["samples"][number]>(
        conn,
        "SELECT line, strftime(ts, '%Y-%m-%dT%H:%MZ') AS ts, value FROM samples ORDER BY line"
      );
      const rejects = await queryRows<IngestOutcome["rejects"][number]>(conn, "SELECT line, reason, raw FROM rejects ORDER BY line");
      const counts = Object.fromEntries(
        (await queryRows<{check: string; value: number}>(conn, `SELECT "check", sum(value) AS value FROM ingest_counts GROUP BY 1`)).map((r) => [r.check, r.value])
      );
      return {samples, rejects, counts, error, path};
    }, {tempDirectory}).finally(() => setWorkDbMinBytes());
    // The directory exists only if something was put there (the work database: DuckDB creates it only to spill).
    return tempDirectory ? {...outcome, leftInTemp: existsSync(tempDirectory) ? await readdir(tempDirectory) : undefined} : outcome;
  });
}
