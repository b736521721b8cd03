// The fast path for big, clean CSV files: DuckDB reads the needed columns typed, in one parallel
// pass, with no copy of the raw text. It only stands when it provably loses nothing: no line
// rejected, no line skipped (the row count must equal the file's data-line count, so line numbers
// are exact), no empty or non-finite value. Anything else returns false and the caller takes the
// exact line-by-line path, which explains every bad line.
import type {DuckDBConnection} from "@duckdb/node-api";
import {createReadStream} from "node:fs";
import {stat} from "node:fs/promises";
import type {ProductionSource} from "../config.ts";
import {queryRows, sqlIdent, sqlString} from "../db.ts";
import {OFFSET_STAMP_PATTERN} from "./localTime.ts";
import {workCatalog} from "./workDb.ts";

/** Lines read up front to find the header, the delimiter and the stamp kind. */
const HEAD_LINES = 200;
const OFFSET_STAMP = new RegExp(OFFSET_STAMP_PATTERN);

export interface CsvLayout {
  header: {line: number; raw: string};
  delimiter: string;
  names: string[];
}

/**
 * Fills `parsed_rows` (and the file's line counts) and returns true, or returns false having
 * written nothing the exact path would not overwrite.
 */
export async function tryFastCsv(
  conn: DuckDBConnection,
  file: string,
  source: ProductionSource,
  label: string,
  siteId: string | null,
  knownSites: readonly string[],
  layoutOf: (lines: {line: number; raw: string}[]) => CsvLayout,
  columnIndex: (names: string[], ref: string | number) => number
): Promise<boolean> {
  if (!source.header || source.timestamp.time_column !== undefined || Array.isArray(source.timestamp.format)) return false;
  let head: {line: number; raw: string | null}[];
  try {
    head = await queryRows(
      conn,
      `SELECT ordinality AS line, l AS raw FROM read_csv(${sqlString(file)}, header = false, all_varchar = true, delim = E'\\x01', quote = '',
         escape = '', columns = {'l': 'VARCHAR'}, auto_detect = false, encoding = 'utf-8') WITH ORDINALITY LIMIT ${HEAD_LINES}`
    );
  } catch {
    return false;
  }
  const isBlank = (raw: string | null) => raw === null || raw.trim() === "";
  const isComment = (raw: string) => source.comment !== "" && raw.trimStart().startsWith(source.comment);
  const content = head.filter((l): l is {line: number; raw: string} => !isBlank(l.raw) && !isComment(l.raw!));
  if (content.length < 2) return false;
  let layout: CsvLayout;
  let ti: number, vi: number, si: number | null;
  try {
    layout = layoutOf(content);
    ti = columnIndex(layout.names, source.timestamp.column);
    vi = columnIndex(layout.names, source.value.column);
    si = source.site_column === undefined ? null : columnIndex(layout.names, source.site_column);
  } catch {
    return false;
  }
  const {header, delimiter, names} = layout;
  if (names.some((n) => n === "") || new Set(names).size !== names.length) return false;
  // Everything between the header and the end of the head must be plain data of one stamp kind.
  const data = head.filter((l) => l.line > header.line);
  if (data.some((l) => isBlank(l.raw) || isComment(l.raw!))) return false;
  const fields = data.map((l) => l.raw!.split(delimiter).map((f) => f.trim().replace(/^"(.*)"$/, "$1")));
  const withOffset = fields.filter((f) => OFFSET_STAMP.test(f[ti] ?? "")).length;
  if (withOffset !== 0 && withOffset !== fields.length) return false;
  if (withOffset && source.timestamp.format) return false;
  if (fields.some((f) => (f[vi] ?? "").includes(","))) return false;

  // Counting the file's lines (node) overlaps the typed read (DuckDB's threads).
  const lineCount = countLines(file);
  lineCount.catch(() => {}); // handled where awaited; this only keeps an early failure from being "unhandled"
  const tsType = withOffset ? "TIMESTAMPTZ" : "TIMESTAMP";
  const columns = names.map((n, i) => `${sqlString(n)}: '${i === ti ? tsType : i === vi ? "DOUBLE" : "VARCHAR"}'`).join(", ");
  const format = source.timestamp.format && !withOffset ? `, timestampformat = ${sqlString(source.timestamp.format)}` : "";
  // The typed rows: a TEMP table, or for a big file a table in a work database file (workDb.ts).
  let rows = "temp.fast_rows";
  try {
    await conn.run("DROP TABLE IF EXISTS fast_reject_errors; DROP TABLE IF EXISTS fast_reject_scans");
    // With insertion order preserved, a fresh table's rowid is the row's position in the file, so
    // line numbers cost nothing (WITH ORDINALITY made the parallel read ~60% slower).
    await conn.run("SET preserve_insertion_order = true");
    const catalog = await workCatalog(conn, (await stat(file)).size);
    rows = `${sqlIdent(catalog)}.fast_rows`;
    await conn.run(`
      CREATE OR REPLACE ${catalog === "temp" ? "TEMP " : ""}TABLE ${rows} AS
      SELECT ${sqlIdent(names[ti])} AS ts_typed, ${sqlIdent(names[vi])} AS value,
             ${si === null ? "NULL::VARCHAR" : sqlIdent(names[si])} AS s_text
      FROM read_csv(${sqlString(file)}, header = false, skip = ${header.line}, delim = ${sqlString(delimiter)}, quote = '"', escape = '"',
                    columns = {${columns}}, auto_detect = false, encoding = 'utf-8', store_rejects = true,
                    rejects_table = 'fast_reject_errors', rejects_scan = 'fast_reject_scans'${format})`);
  } catch {
    await conn.run(`DROP TABLE IF EXISTS ${rows}`);
    await lineCount.catch(() => undefined);
    return false;
  }
  const {lines, trailingBlank} = await lineCount;
  const dataLines = lines - header.line - trailingBlank;
  const [check] = await queryRows<{n: number; bad: number; rejected: number}>(
    conn,
    `SELECT count(*) AS n, count(*) FILTER (WHERE ts_typed IS NULL OR value IS NULL OR NOT isfinite(value)) AS bad,
            (SELECT count(*) FROM fast_reject_errors) AS rejected FROM ${rows}`
  );
  if (check.rejected > 0 || check.bad > 0 || check.n !== dataLines) {
    await conn.run(`DROP TABLE ${rows}`);
    return false;
  }
  // A view over the typed read, not another copy of every row.
  await conn.run(
    `CREATE OR REPLACE TEMP VIEW parsed_rows AS
     SELECT ${header.line + 1} + rowid AS line, NULL::VARCHAR AS field_error, coalesce(s_text, ${siteId === null ? "NULL" : sqlString(siteId)}) AS site,
       list_contains(${knownList(knownSites)}, site) AS site_known,
       ${withOffset ? "CAST(ts_typed AS TIMESTAMP)" : "NULL::TIMESTAMP"} AS ts_abs,
       ${withOffset ? "NULL::TIMESTAMP" : "ts_typed"} AS ts_local, value
     FROM ${rows}`
  );
  // Lines above the header (the data part has none of these, or the path would not stand).
  const above = head.filter((l) => l.line < header.line);
  const blank = above.filter((l) => isBlank(l.raw)).length + trailingBlank;
  const comment = above.filter((l) => !isBlank(l.raw) && isComment(l.raw!)).length;
  await conn.run(
    `INSERT INTO ingest_counts VALUES ($site, $source, 'blank_lines', $blank), ($site, $source, 'comment_lines', $comment), ($site, $source, 'preamble_lines', $preamble)`,
    {site: source.site_id ?? "", source: label, blank, comment, preamble: above.length - blank - comment}
  );
  return true;
}

/** A SQL list literal of site ids (views take no parameters). */
function knownList(sites: readonly string[]): string {
  return `[${sites.map(sqlString).join(", ")}]::VARCHAR[]`;
}

/**
 * Lines in a file as a line-by-line reader sees them (a final line without a newline counts), and
 * how many of the last ones are blank: exports often end in empty lines, which are no reason to
 * leave the fast path.
 */
async function countLines(file: string): Promise<{lines: number; trailingBlank: number}> {
  let lines = 0;
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, {highWaterMark: 1 << 20}) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    tail = chunk.length >= 4096 ? chunk.subarray(chunk.length - 4096) : Buffer.concat([tail, chunk]).subarray(-4096);
  }
  const text = tail.toString("latin1");
  if (!text.endsWith("\n")) return {lines: lines + 1, trailingBlank: 0};
  const suffix = /\s*$/.exec(text)![0];
  return {lines, trailingBlank: Math.max(0, (suffix.match(/\n/g)?.length ?? 0) - 1)};
}
