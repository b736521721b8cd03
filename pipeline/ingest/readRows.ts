// First-cut ingest: a CSV or Parquet production file into `samples`, its bad rows into `rejects`.
// Lines are read verbatim with their line numbers so that every reject carries file, line and raw text.
import type {DuckDBConnection} from "@duckdb/node-api";
import {basename} from "node:path";
import type {ProductionSource} from "../config.ts";
import {queryRows, sqlString} from "../db.ts";
import {messages, SunlineError} from "../messages.ts";
import {localTimeSql} from "./localTime.ts";

export interface FileIngestResult {
  file: string;
  site_id: string;
  rows: number;
  accepted: number;
  rejected: number;
}

/** Ingest one production file. `label` is how the file is named in rejects and messages. */
export async function ingestProductionFile(
  conn: DuckDBConnection,
  file: string,
  source: ProductionSource,
  label: string
): Promise<FileIngestResult> {
  const siteId = source.site_id;
  if (!siteId) throw new SunlineError(messages.sourceNeedsSite(label));
  await conn.run("DROP TABLE IF EXISTS raw_rows");
  if (source.format === "parquet") await stageParquet(conn, file, source, label);
  else await stageCsv(conn, file, source, label);

  const local = localTimeSql(source.timestamp.timezone);
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE parsed_rows AS
    SELECT line, raw, ts_text, v_text, field_error,
           -- An offset (or Z) right after a time of day: the stamp is absolute and the zone setting does not apply.
           regexp_matches(ts_text, '\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?\\s*(Z|[+-]\\d{2}(:?\\d{2})?)$') AS has_offset,
           CASE WHEN has_offset THEN CAST(TRY_CAST(ts_text AS TIMESTAMPTZ) AS TIMESTAMP) END AS ts_abs,
           CASE WHEN NOT has_offset THEN ${naiveParse("ts_text", source)} END AS ts_local,
           TRY_CAST(v_text AS DOUBLE) AS value
    FROM raw_rows`);
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE typed_rows AS
    SELECT *, coalesce(ts_abs, ${local.resolved}) AS ts, ${local.ambiguous} AS dst_repeated, ${local.nonexistent} AS dst_missing
    FROM (SELECT *, ${local.candidates} FROM parsed_rows)`);
  await conn.run(
    `INSERT INTO ingest_counts SELECT $site, $source, 'dst_repeated_hour_rows', count(*) FILTER (WHERE dst_repeated) FROM typed_rows`,
    {site: siteId, source: label}
  );
  await conn.run(
    `INSERT INTO rejects
     SELECT $site, $source, line, reason, raw FROM (
       SELECT line, raw, CASE
         WHEN field_error IS NOT NULL THEN field_error
         WHEN dst_missing THEN 'local time ' || ts_text || ' does not exist in ' || $zone || ' (clocks jump forward then)'
         WHEN ts IS NULL THEN 'unparseable timestamp ' || coalesce('"' || ts_text || '"', '(empty)')
         WHEN v_text IS NULL OR v_text = '' THEN 'missing value'
         WHEN value IS NULL THEN 'not a number: "' || v_text || '"'
         WHEN NOT isfinite(value) THEN 'not a finite number: "' || v_text || '"'
       END AS reason
       FROM typed_rows) WHERE reason IS NOT NULL`,
    {site: siteId, source: label, zone: source.timestamp.timezone}
  );
  await conn.run(
    `INSERT INTO samples
     SELECT $site, $source, line, ts, value, $unit, $stamp FROM typed_rows
     WHERE field_error IS NULL AND ts IS NOT NULL AND value IS NOT NULL AND isfinite(value)`,
    {site: siteId, source: label, unit: source.value.unit, stamp: source.interval}
  );
  const [counts] = await queryRows<{rows: number; rejected: number}>(
    conn,
    `SELECT count(*) AS rows, (SELECT count(*) FROM rejects WHERE source = $source) AS rejected FROM raw_rows`,
    {source: label}
  );
  return {file: label, site_id: siteId, rows: counts.rows, accepted: counts.rows - counts.rejected, rejected: counts.rejected};
}

async function stageCsv(conn: DuckDBConnection, file: string, source: ProductionSource, label: string): Promise<void> {
  // Every physical line, verbatim: no quoting rules, so nothing is dropped before we can count it.
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE raw_lines AS
    SELECT ordinality AS line, l AS raw
    FROM read_csv(${sqlString(file)}, header = false, all_varchar = true, delim = E'\\x01', quote = '', escape = '',
                  columns = {'l': 'VARCHAR'}, auto_detect = false, null_padding = false) WITH ORDINALITY`);
  const [header] = await queryRows<{line: number; raw: string}>(
    conn,
    "SELECT line, raw FROM raw_lines WHERE raw IS NOT NULL AND trim(raw) <> '' ORDER BY line LIMIT 1"
  );
  const names = header ? splitHeader(header.raw, source.delimiter) : [];
  const ti = columnIndex(names, source.timestamp.column, label);
  const vi = columnIndex(names, source.value.column, label);
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE raw_rows AS
     SELECT line, raw, trim(f[$ti]) AS ts_text, trim(f[$vi]) AS v_text,
       CASE WHEN raw = $header THEN 'repeated header line'
            WHEN len(f) <> $n THEN 'expected ' || $n || ' fields, found ' || len(f) END AS field_error
     FROM (SELECT line, raw, string_split(raw, $delim) AS f FROM raw_lines
           WHERE line > $headerLine AND raw IS NOT NULL AND trim(raw) <> '')`,
    {ti: ti + 1, vi: vi + 1, header: header?.raw ?? "", n: names.length, delim: source.delimiter, headerLine: header?.line ?? 0}
  );
  // Blank lines hold no data, but they are counted so the line arithmetic of a file adds up.
  await conn.run(
    `INSERT INTO ingest_counts SELECT $site, $source, 'blank_lines', count(*) FROM raw_lines WHERE raw IS NULL OR trim(raw) = ''`,
    {site: source.site_id ?? "", source: label}
  );
}

async function stageParquet(conn: DuckDBConnection, file: string, source: ProductionSource, label: string): Promise<void> {
  const columns = (await queryRows<{column_name: string}>(conn, `SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(file)}))`)).map(
    (r) => r.column_name
  );
  const ts = columns[columnIndex(columns, source.timestamp.column, label)];
  const value = columns[columnIndex(columns, source.value.column, label)];
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE raw_rows AS
    SELECT file_row_number + 1 AS line, to_json(t)::VARCHAR AS raw,
           CAST("${ts.replaceAll('"', '""')}" AS VARCHAR) AS ts_text, CAST("${value.replaceAll('"', '""')}" AS VARCHAR) AS v_text,
           NULL::VARCHAR AS field_error
    FROM read_parquet(${sqlString(file)}, file_row_number = true) t`);
}

/** SQL parsing an offset-less stamp to a naive TIMESTAMP (configured strptime format, else ISO-8601). */
function naiveParse(column: string, source: ProductionSource): string {
  return source.timestamp.format ? `try_strptime(${column}, ${sqlString(source.timestamp.format)})` : `TRY_CAST(${column} AS TIMESTAMP)`;
}

function splitHeader(line: string, delimiter: string): string[] {
  return line
    .replace(/^\uFEFF/, "")
    .split(delimiter)
    .map((name) => name.trim().replace(/^"(.*)"$/, "$1"));
}

function columnIndex(names: string[], column: string | number, label: string): number {
  if (typeof column === "number") {
    if (column > names.length) throw new SunlineError(messages.missingColumn(basename(label), `#${column}`, names));
    return column - 1;
  }
  let index = names.indexOf(column);
  if (index < 0) index = names.findIndex((n) => n.toLowerCase() === column.toLowerCase());
  if (index < 0) throw new SunlineError(messages.missingColumn(basename(label), column, names));
  return index;
}
