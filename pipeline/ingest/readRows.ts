// Ingest of one production file (CSV or Parquet) into `samples`, its bad rows into `rejects`.
// Clean CSV files take the typed fast path (fastCsv.ts); any other file is read line by line,
// verbatim and numbered, so that every reject carries file, line, reason and raw text.
import type {DuckDBConnection} from "@duckdb/node-api";
import {rm} from "node:fs/promises";
import {basename} from "node:path";
import type {ProductionSource} from "../config.ts";
import {listValue} from "@duckdb/node-api";
import {queryRows, sqlIdent, sqlString} from "../db.ts";
import {messages, SunlineError} from "../messages.ts";
import {tryFastCsv, type CsvLayout} from "./fastCsv.ts";
import {OFFSET_STAMP_PATTERN, resolveLocalTimes} from "./localTime.ts";
import {partCopyOptions, partPath, type PartsTarget} from "./bronze.ts";
import {addSampleParts, registerSource} from "./tables.ts";
import {releaseWorkDb} from "./workDb.ts";

export interface FileIngestResult {
  file: string;
  /** Data rows per site (rows whose site is unknown are rejects, not counted here). */
  rowsBySite: Record<string, number>;
  rows: number;
  accepted: number;
  rejected: number;
  /** "fast": typed parallel read of a clean file; "exact": line by line (files with anything to explain). */
  path: "fast" | "exact";
}

/** Ingest one production file. `label` is how the file is named in rejects and messages. */
export async function ingestProductionFile(
  conn: DuckDBConnection,
  file: string,
  source: ProductionSource,
  label: string,
  /** Where the accepted rows are written (Parquet, one part per site). */
  target: PartsTarget,
  /** Site ids the config knows; rows naming another site (site_column) are rejects. */
  knownSites: readonly string[] = source.site_id ? [source.site_id] : []
): Promise<FileIngestResult> {
  const siteId = source.site_id ?? null;
  if (!siteId && source.site_column === undefined) throw new SunlineError(messages.sourceNeedsSite(label));
  await dropWorkingTables(conn);
  const layoutOf = (lines: {line: number; raw: string}[]) => csvLayout(lines, source);
  const columnOf = (names: string[], ref: string | number) => columnIndex(names, ref, label);
  const fast = source.format === "csv" && (await tryFastCsv(conn, file, source, label, siteId, knownSites, layoutOf, columnOf));
  if (fast) {
    const result = await finishFile(conn, source, label, target, siteId, "fast");
    if (result) return result;
    // Rows that would be rejects need their raw text: take the exact path for this file after all.
    await conn.run("DELETE FROM ingest_counts WHERE source = $source", {source: label});
    await dropWorkingTables(conn);
  }
  if (source.format === "parquet") await stageParquet(conn, file, source, label);
  else await stageCsv(conn, file, source, label);
  await parseRawRows(conn, source, siteId, knownSites);
  return (await finishFile(conn, source, label, target, siteId, "exact"))!;
}

/**
 * From parsed_rows: UTC instants, counts, rejects and the Parquet parts of accepted rows. On the
 * fast path, returns null (having kept nothing) as soon as a row turns out to be a reject.
 */
async function finishFile(
  conn: DuckDBConnection,
  source: ProductionSource,
  label: string,
  target: PartsTarget,
  siteId: string | null,
  path: "fast" | "exact"
): Promise<FileIngestResult | null> {
  await resolveLocalTimes(conn, source.timestamp.timezone);
  // A fast file of one site needs no pass over its rows for the tally: a row without an instant (a
  // skipped local hour) shows up as a shortfall in the copy below.
  const tally = path === "fast" && source.site_column === undefined ? await oneSiteTally(conn, siteId!) : await siteTally(conn);
  if (path === "fast" && tally.some((t) => !t.site_known || t.unusable > 0)) return null;
  const known = tally.filter((t) => t.site_known);
  if (path === "exact") await insertRejects(conn, source, label);

  // Accepted rows go straight from the typed read to Parquet, one part per site, with no copy in
  // the run's memory; `samples` reads the parts.
  // A fast file of one site has only good values of that site (tryFastCsv checked): the rows to
  // drop are those without an instant, and no per-row site test is needed.
  const oneSite = path === "fast" && source.site_column === undefined;
  const accepted = oneSite ? "ts IS NOT NULL" : "site = $site AND field_error IS NULL AND site_known AND ts IS NOT NULL AND value IS NOT NULL AND isfinite(value)";
  const parts: Record<string, string> = {};
  let written = 0;
  for (const t of known) {
    parts[t.site] = partPath(target.dir, t.site, target.key);
    const copied = await conn.run(
      `COPY (SELECT line, ts, value FROM typed_rows WHERE ${accepted})
       TO ${sqlString(parts[t.site])} ${await partCopyOptions(target, t.site, source)}`,
      oneSite ? undefined : {site: t.site}
    );
    written += Number(copied.rowsChanged);
  }
  const rows = tally.reduce((sum, t) => sum + t.rows, 0);
  if (path === "fast" && written !== rows) {
    for (const part of Object.values(parts)) await rm(part, {force: true});
    return null;
  }
  await addSampleParts(conn, await registerSource(conn, label, source), parts);
  for (const t of known)
    await conn.run("INSERT INTO ingest_counts VALUES ($site, $source, 'dst_repeated_hour_rows', $n)", {site: t.site, source: label, n: t.dst_repeated});
  const [rejected] = await queryRows<{n: number}>(conn, "SELECT count(*) AS n FROM rejects WHERE source = $source", {source: label});
  // The per-file working tables hold a row per input line: free them before the next file or clean.
  await dropWorkingTables(conn);
  return {
    file: label,
    rowsBySite: Object.fromEntries(known.map((t) => [t.site, t.rows])),
    rows,
    accepted: rows - rejected.n,
    rejected: rejected.n,
    path
  };
}

/** Every bad line of the exact path, with its reason and raw text. */
async function insertRejects(conn: DuckDBConnection, source: ProductionSource, label: string): Promise<void> {
  await conn.run(
    `INSERT INTO rejects
     SELECT site_id, $source, line, reason, raw FROM (
       SELECT CASE WHEN t.site_known THEN t.site END AS site_id, line, r.raw, CASE
         WHEN field_error IS NOT NULL THEN field_error
         WHEN site IS NULL OR site = '' THEN 'missing site'
         WHEN NOT site_known THEN 'unknown site "' || ${shown("site")} || '" (not among the sites in the config)'
         WHEN dst_missing THEN 'local time ' || ts_text || ' does not exist in ' || $zone || ' (clocks jump forward then)'
         WHEN ts IS NULL THEN 'unparseable timestamp ' || coalesce('"' || ${shown("ts_text")} || '"', '(empty)')
         WHEN v_text IS NULL OR v_text = '' THEN 'missing value'
         WHEN value IS NULL THEN 'not a number: "' || ${shown("v_text")} || '"'
         WHEN NOT isfinite(value) THEN 'not a finite number: "' || ${shown("v_text")} || '"'
       END AS reason
       FROM (SELECT * FROM typed_rows
             WHERE field_error IS NOT NULL OR NOT site_known OR ts IS NULL OR value IS NULL OR NOT isfinite(value)) t
       JOIN (SELECT line, raw, ts_text, v_text FROM raw_rows) r USING (line)) WHERE reason IS NOT NULL`,
    {source: label, zone: source.timestamp.timezone}
  );
}

interface SiteTally {
  site: string;
  site_known: boolean;
  rows: number;
  dst_repeated: number;
  /** Rows with no instant (skipped local time, unparseable stamp). */
  unusable: number;
}

/**
 * Per-site counts in one pass over parsed_rows; only the rare odd local hours (repeated or
 * skipped by a clock change) are joined, not every row's offset.
 */
async function siteTally(conn: DuckDBConnection): Promise<SiteTally[]> {
  return queryRows<SiteTally>(
    conn,
    `SELECT site, coalesce(site_known, false) AS site_known, count(*) AS rows, count(*) FILTER (WHERE o.repeated) AS dst_repeated,
            count(*) FILTER (WHERE o.missing OR (p.ts_abs IS NULL AND p.ts_local IS NULL)) AS unusable
     FROM parsed_rows p LEFT JOIN (SELECT hour_local, ok_a AND ok_b AND off_a <> off_b AS repeated, NOT (ok_a OR ok_b) AS missing
                                  FROM local_hours WHERE (ok_a AND ok_b AND off_a <> off_b) OR NOT (ok_a OR ok_b)) o
       ON o.hour_local = date_trunc('hour', p.ts_local)
     GROUP BY ALL`
  );
}

/** The tally of a fast file of one site: its rows, and those in a repeated hour (few, already ranked). */
async function oneSiteTally(conn: DuckDBConnection, site: string): Promise<SiteTally[]> {
  const [t] = await queryRows<{rows: number; dst_repeated: number}>(
    conn,
    "SELECT (SELECT count(*) FROM parsed_rows) AS rows, (SELECT count(*) FROM repeated_rank) AS dst_repeated"
  );
  const [known] = await queryRows<{known: boolean}>(conn, "SELECT site_known AS known FROM parsed_rows LIMIT 1");
  return [{site, site_known: known?.known ?? true, rows: t.rows, dst_repeated: t.dst_repeated, unusable: 0}];
}

/** parsed_rows is a table on the exact path and a view on the fast one; either way, drop what is there. */
async function dropWorkingTables(conn: DuckDBConnection): Promise<void> {
  const objects = await queryRows<{name: string; kind: string}>(
    conn,
    `SELECT table_name AS name, CASE WHEN table_type = 'VIEW' THEN 'VIEW' ELSE 'TABLE' END AS kind FROM information_schema.tables
     WHERE table_catalog IN ('memory', 'temp') AND table_name IN ('typed_rows', 'parsed_rows', 'repeated_rank', 'raw_rows', 'content_lines', 'raw_lines', 'fast_rows')`
  );
  // Views first: they depend on the tables (and on the work database's).
  for (const o of objects.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "VIEW" ? -1 : 1))) await conn.run(`DROP ${o.kind} IF EXISTS ${o.name}`);
  await releaseWorkDb(conn);
}

/** The exact path's parse: raw_rows (text) → parsed_rows (typed). */
async function parseRawRows(conn: DuckDBConnection, source: ProductionSource, siteId: string | null, knownSites: readonly string[]): Promise<void> {
  // Parsed values only; the raw text stays in raw_rows and is joined back for the few rejects.
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE parsed_rows AS
    SELECT line, field_error, site, site_known, ts_abs, ts_local, value FROM (
      SELECT line, field_error, coalesce(s_text, $site) AS site, list_contains($known, site) AS site_known,
           -- An offset (or Z) right after a time of day: the stamp is absolute and the zone setting does not apply.
           regexp_matches(ts_text, ${sqlString(OFFSET_STAMP_PATTERN)}) AS has_offset,
           CASE WHEN has_offset THEN CAST(TRY_CAST(ts_text AS TIMESTAMPTZ) AS TIMESTAMP) END AS ts_abs,
           CASE WHEN NOT has_offset THEN ${naiveParse("ts_text", source)} END AS ts_local,
           TRY_CAST(v_text AS DOUBLE) AS value
      FROM raw_rows)`, {site: siteId, known: listValue([...knownSites])});
}

/** Header line, delimiter and column names from a file's first content lines. */
function csvLayout(candidates: {line: number; raw: string}[], source: ProductionSource): CsvLayout {
  // Without a header, data starts at the first content line and columns are positions.
  const header = source.header ? findHeader(candidates, source) : {line: candidates[0].line - 1, raw: ""};
  const delimiter = source.delimiter === "auto" ? sniffDelimiter(header.raw || candidates[0].raw) : source.delimiter;
  const names = source.header ? splitHeader(header.raw, delimiter) : splitHeader(candidates[0].raw, delimiter).map(() => "");
  return {header, delimiter, names};
}

async function stageCsv(conn: DuckDBConnection, file: string, source: ProductionSource, label: string): Promise<void> {
  const encoding = await readLines(conn, file, source.encoding);
  if (encoding === "latin-1" && source.encoding === "auto")
    await conn.run("INSERT INTO ingest_counts VALUES ($site, $source, 'read_as_latin1', 1)", {site: source.site_id ?? "", source: label});

  // Comment lines (and blank lines) carry no data; lines above the header are an export's preamble.
  const comment = source.comment ?? "";
  const isComment = comment ? `starts_with(ltrim(raw), ${sqlString(comment)})` : "false";
  // A view, not a copy: the lines are read once into raw_lines and only filtered here.
  await conn.run(`CREATE OR REPLACE TEMP VIEW content_lines AS SELECT line, raw FROM raw_lines WHERE raw IS NOT NULL AND trim(raw) <> '' AND NOT ${isComment}`);
  const candidates = await queryRows<{line: number; raw: string}>(conn, "SELECT line, raw FROM content_lines ORDER BY line LIMIT 50");
  if (candidates.length === 0) throw new SunlineError(messages.emptyFile(basename(label)));
  const {header, delimiter, names} = csvLayout(candidates, source);
  const ti = columnIndex(names, source.timestamp.column, label);
  const vi = columnIndex(names, source.value.column, label);
  const hi = source.timestamp.time_column === undefined ? null : columnIndex(names, source.timestamp.time_column, label);
  const si = source.site_column === undefined ? null : columnIndex(names, source.site_column, label);
  // Decimal commas: always when configured; in "auto" only for values that hold a comma and
  // cannot be a field separator (the delimiter is not a comma).
  const value = unquote(`f[${vi + 1}]`);
  const decimalComma = source.decimal === "," ? "true" : source.decimal === "auto" && delimiter !== "," ? `contains(${value}, ',')` : "false";
  // A view, not a table: the split runs while parsed_rows is built, so no copy of the text is kept.
  const ts = unquote(`f[${ti + 1}]`);
  await conn.run(
    `CREATE OR REPLACE TEMP VIEW raw_rows AS
     SELECT line, raw,
       ${hi === null ? ts : `${ts} || ' ' || ${unquote(`f[${hi + 1}]`)}`} AS ts_text,
       ${si === null ? "NULL::VARCHAR" : unquote(`f[${si + 1}]`)} AS s_text,
       CASE WHEN ${decimalComma} THEN replace(replace(${value}, '.', ''), ',', '.') ELSE ${value} END AS v_text,
       CASE WHEN raw = ${sqlString(header.raw)} THEN 'repeated header line'
            WHEN len(f) <> ${names.length} THEN 'expected ${names.length} fields, found ' || len(f) END AS field_error
     FROM (SELECT line, raw, ${splitFields("raw", delimiter)} AS f FROM content_lines WHERE line > ${header.line})`
  );
  // Lines without data are counted (in one pass) so that a file's line arithmetic adds up.
  await conn.run(
    `INSERT INTO ingest_counts
     SELECT $site, $source, unnest(['blank_lines', 'comment_lines', 'preamble_lines']), unnest([blank, comment, preamble]) FROM (
       SELECT count(*) FILTER (WHERE blank) AS blank, count(*) FILTER (WHERE NOT blank AND is_comment) AS comment,
              count(*) FILTER (WHERE NOT blank AND NOT is_comment AND line < $header) AS preamble
       FROM (SELECT line, raw IS NULL OR trim(raw) = '' AS blank, coalesce(${isComment}, false) AS is_comment FROM raw_lines))`,
    {site: source.site_id ?? "", source: label, header: header.line}
  );
}

/** Every physical line, verbatim, with its number: no quoting rules, so nothing is lost before it is counted. */
async function readLines(conn: DuckDBConnection, file: string, encoding: ProductionSource["encoding"]): Promise<"utf-8" | "latin-1"> {
  const read = (enc: string) =>
    conn.run(`
      CREATE OR REPLACE TEMP TABLE raw_lines AS
      SELECT ordinality AS line, l AS raw
      FROM read_csv(${sqlString(file)}, header = false, all_varchar = true, delim = E'\\x01', quote = '', escape = '',
                    columns = {'l': 'VARCHAR'}, auto_detect = false, null_padding = false, encoding = '${enc}') WITH ORDINALITY`);
  if (encoding !== "auto") {
    await read(encoding);
    return encoding;
  }
  try {
    await read("utf-8");
    return "utf-8";
  } catch (error) {
    // Not UTF-8 (old loggers write Latin-1, e.g. a ° sign): every byte is a valid Latin-1 character.
    if (!/unicode|utf-?8|CSV Error/i.test(String(error))) throw error;
    await read("latin-1");
    return "latin-1";
  }
}

/** The header is the first content line naming the timestamp column (by position: the first line). */
function findHeader(lines: {line: number; raw: string}[], source: ProductionSource): {line: number; raw: string} {
  const wanted = source.timestamp.column;
  if (typeof wanted === "number") return lines[0];
  const lower = wanted.toLowerCase();
  return lines.find((l) => splitHeader(l.raw, source.delimiter === "auto" ? sniffDelimiter(l.raw) : source.delimiter).some((n) => n.toLowerCase() === lower)) ?? lines[0];
}

/** The delimiter that splits the header into the most fields. */
function sniffDelimiter(header: string): string {
  let best = ",";
  let most = 0;
  for (const d of [",", ";", "\t", "|"]) {
    const n = header.split(d).length - 1;
    if (n > most) [best, most] = [d, n];
  }
  return best;
}

/** A bad value as quoted in a reason: long ones are cut (the raw line keeps all of it). */
function shown(expr: string): string {
  return `CASE WHEN length(${expr}) > 40 THEN left(${expr}, 40) || '…' ELSE ${expr} END`;
}

/** A field without its surrounding quotes; inside quotes, a doubled quote stands for one. */
function unquote(expr: string): string {
  return `CASE WHEN regexp_matches(trim(${expr}), '^".*"$') THEN replace(regexp_replace(trim(${expr}), '^"(.*)"$', '\\1'), '""', '"') ELSE trim(${expr}) END`;
}

/**
 * SQL splitting a line into fields. Lines with a quote are split by a pattern in which a quoted
 * field may hold the delimiter (and doubled quotes); each field ends at a delimiter, so one is
 * appended to the line. Other lines take the plain, much faster split.
 */
function splitFields(raw: string, delimiter: string): string {
  const d = delimiter.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
  const field = `("(?:[^"]|"")*"|[^${d}"]*(?:"[^${d}]*)?)${d}`;
  return `CASE WHEN contains(${raw}, '"') THEN regexp_extract_all(${raw} || ${sqlString(delimiter)}, ${sqlString(field)}, 1)
               ELSE string_split(${raw}, ${sqlString(delimiter)}) END`;
}

async function stageParquet(conn: DuckDBConnection, file: string, source: ProductionSource, label: string): Promise<void> {
  const columns = (await queryRows<{column_name: string}>(conn, `SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(file)}))`)).map(
    (r) => r.column_name
  );
  const col = (ref: string | number) => `CAST(${sqlIdent(columns[columnIndex(columns, ref, label)])} AS VARCHAR)`;
  const time = source.timestamp.time_column;
  await conn.run(`
    CREATE OR REPLACE TEMP VIEW raw_rows AS
    SELECT file_row_number + 1 AS line, to_json(t)::VARCHAR AS raw,
           ${time === undefined ? col(source.timestamp.column) : `${col(source.timestamp.column)} || ' ' || ${col(time)}`} AS ts_text,
           ${source.site_column === undefined ? "NULL::VARCHAR" : col(source.site_column)} AS s_text,
           ${col(source.value.column)} AS v_text,
           NULL::VARCHAR AS field_error
    FROM read_parquet(${sqlString(file)}, file_row_number = true) t`);
}

/** SQL parsing an offset-less stamp to a naive TIMESTAMP (configured strptime format, else ISO-8601). */
function naiveParse(column: string, source: ProductionSource): string {
  const format = source.timestamp.format;
  if (!format) return `TRY_CAST(${column} AS TIMESTAMP)`;
  const formats = (Array.isArray(format) ? format : [format]).map(sqlString);
  // The configured formats first, then ISO-8601, so files mixing both still parse.
  return `coalesce(try_strptime(${column}, [${formats.join(", ")}]), TRY_CAST(${column} AS TIMESTAMP))`;
}

export function splitHeader(line: string, delimiter: string): string[] {
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
