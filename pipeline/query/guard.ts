// The deterministic SQL guard: whatever wrote the SQL (a model, a template, a person), it runs only
// if DuckDB's own parser reads it as exactly one SELECT over the snapshot's tables, with no table
// functions, file or URL reads, system catalogs, clock or settings functions, and a LIMIT of at most
// the cap. What runs is the SQL rebuilt from the checked syntax tree (json_deserialize_sql), so a
// comment or an odd character cannot smuggle in anything the check did not see.
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import {messages} from "../messages.ts";

export const MAX_ROWS = 1000;
export const MAX_SQL_CHARS = 10_000;

export type GuardCode =
  | "empty"
  | "too_long"
  | "hidden_characters"
  | "parse_error"
  | "multiple_statements"
  | "not_select"
  | "file_access"
  | "table_function"
  | "system_catalog"
  | "unknown_table"
  | "lookalike"
  | "forbidden_function"
  | "clock"
  | "describe"
  | "recursive"
  | "parameter"
  | "limit"
  | "expensive";

export type GuardVerdict =
  | {ok: true; /** The SQL to run: rebuilt from the checked tree. */ sql: string; tables: string[]; limit: number | null}
  | {ok: false; code: GuardCode; reason: string};

/** A parser-only DuckDB connection (no data, nothing attached) for the guard. */
export interface SqlParser {
  /** The syntax tree as JSON, and the SQL rebuilt from it (null when it did not parse). */
  parse(sql: string): Promise<{tree: string; rebuilt: string | null}>;
  countStatements(sql: string): Promise<number>;
  close(): void;
}

export async function createSqlParser(): Promise<SqlParser> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn: DuckDBConnection = await instance.connect();
  await conn.run("SET enable_external_access = false");
  await conn.run("SET lock_configuration = true");
  // One prepared round trip for both directions: the guard runs on every question.
  const prepared = await conn.prepare(
    "WITH t AS (SELECT json_serialize_sql($1::VARCHAR) AS tree) SELECT tree, CASE WHEN json_extract(tree, '$.error')::BOOLEAN THEN NULL ELSE json_deserialize_sql(tree) END FROM t"
  );
  // Bind and run must not interleave between concurrent questions (one statement, one binding):
  // each parse waits for the one before it.
  let queue: Promise<unknown> = Promise.resolve();
  const parseNow = async (sql: string) => {
    prepared.bindVarchar(1, sql);
    const [tree, rebuilt] = (await prepared.runAndReadAll()).getRowsJson()[0];
    return {tree: String(tree), rebuilt: rebuilt === null ? null : String(rebuilt)};
  };
  return {
    parse(sql) {
      const next = queue.then(() => parseNow(sql));
      queue = next.catch(() => undefined);
      return next;
    },
    countStatements: async (sql) => (await conn.extractStatements(sql)).count,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    }
  };
}

// Characters that hide text from a reader: controls, zero-width, bidirectional overrides, BOM.
const HIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;

/** Table functions and scalar functions that read files, reveal settings or change state. */
const FILE_FUNCTIONS = /^(read_|parquet_|sniff_csv|glob$|scan_|iceberg_|delta_|sqlite_|postgres_|mysql_|httpfs|csv_scan|json_scan|arrow_scan)/;
const FORBIDDEN_FUNCTIONS = new Set([
  "current_setting", "getenv", "which_secret", "setseed", "nextval", "currval", "query", "query_table", "load_extension",
  "pg_read_file", "txid_current", "current_database", "current_schema", "current_schemas", "current_catalog", "version", "error",
  "enable_logging", "disable_logging", "checkpoint", "force_checkpoint", "set_config", "pragma", "export_state"
]);
const FORBIDDEN_PREFIXES = /^(duckdb_|pragma_|pg_|icu_|sqlite_|system\.)/;
const CLOCK_FUNCTIONS = new Set(["now", "current_date", "current_time", "current_timestamp", "get_current_time", "get_current_timestamp", "today", "transaction_timestamp", "localtime", "localtimestamp", "epoch_ms_now"]);
/** Generators whose size is a constant argument: refuse sizes that can only exhaust memory. */
const SIZED = new Map<string, {arg: number; max: number}>([
  ["repeat", {arg: 1, max: 100_000}],
  ["range", {arg: -1, max: 1_000_000}],
  ["generate_series", {arg: -1, max: 1_000_000}],
  ["list_resize", {arg: 1, max: 100_000}],
  ["array_resize", {arg: 1, max: 100_000}],
  ["lpad", {arg: 1, max: 100_000}],
  ["rpad", {arg: 1, max: 100_000}]
]);
const SYSTEM_NAMES = /^(information_schema|pg_catalog|duckdb_|sqlite_(master|schema|temp_master)$|pragma_)/;

type Node = Record<string, unknown>;

/**
 * Check one SQL text. `allowed` holds the table and view names a query may read; `maxRows` the
 * largest LIMIT accepted (a query without one gets the cap when it runs).
 */
export async function guardSql(sql: string, parser: SqlParser, allowed: ReadonlySet<string>, maxRows = MAX_ROWS): Promise<GuardVerdict> {
  const reject = (code: GuardCode, reason: string): GuardVerdict => ({ok: false, code, reason});
  const raw = typeof sql === "string" ? sql : "";
  // Before trimming: trim() would quietly drop a leading byte-order mark.
  const hidden = HIDDEN.exec(raw);
  if (hidden) return reject("hidden_characters", messages.guardHidden(codePoint(hidden[0]), hidden.index));
  const text = raw.trim();
  if (!text) return reject("empty", messages.guardEmpty());
  if (text.length > MAX_SQL_CHARS) return reject("too_long", messages.guardTooLong(text.length, MAX_SQL_CHARS));

  let tree: string;
  let rebuilt: string | null;
  try {
    ({tree, rebuilt} = await parser.parse(text));
  } catch (error) {
    return reject("parse_error", messages.guardRebuild(error instanceof Error ? error.message : String(error)));
  }
  const parsed = JSON.parse(tree) as {error: boolean; error_type?: string; error_message?: string; statements?: Node[]};
  if (parsed.error) {
    const message = String(parsed.error_message ?? "");
    if (/Only SELECT statements/i.test(message)) {
      const count = await parser.countStatements(text).catch(() => 1);
      if (count > 1) return reject("multiple_statements", messages.guardMultiple(count));
      return reject("not_select", messages.guardNotSelect(leadingKeyword(text)));
    }
    return reject("parse_error", messages.guardParse(message));
  }
  const statements = parsed.statements ?? [];
  if (statements.length !== 1) return reject("multiple_statements", messages.guardMultiple(statements.length));
  const statement = statements[0];
  if (Array.isArray(statement.named_param_map) && statement.named_param_map.length) return reject("parameter", messages.guardParameter());

  const cteNames = new Set<string>();
  collect(statement, (node) => {
    const map = (node.cte_map as {map?: {key: string}[]} | undefined)?.map;
    for (const cte of map ?? []) cteNames.add(cte.key.toLowerCase());
  });

  const tables = new Set<string>();
  let problem: GuardVerdict | null = null;
  collect(statement, (node) => {
    if (problem) return;
    problem = checkNode(node, allowed, cteNames, tables);
  });
  if (problem) return problem;

  const root = statement.node as Node;
  const limit = topLimit(root, maxRows);
  if (!limit.ok) return reject(limit.code, limit.reason);

  // Rebuilt by DuckDB from its own tree text (JSON.parse here would lose 64-bit query_location fields).
  if (rebuilt === null) return reject("parse_error", messages.guardRebuild("no SQL came back from the tree"));
  return {ok: true, sql: rebuilt, tables: [...tables].sort(), limit: limit.value};
}

function checkNode(node: Node, allowed: ReadonlySet<string>, ctes: ReadonlySet<string>, tables: Set<string>): GuardVerdict | null {
  const reject = (code: GuardCode, reason: string): GuardVerdict => ({ok: false, code, reason});
  const type = node.type;
  if (type === "BASE_TABLE") {
    const name = String(node.table_name ?? "");
    const schema = String(node.schema_name ?? "");
    const catalog = String(node.catalog_name ?? "");
    const qualified = [catalog, schema, name].filter(Boolean).join(".");
    if (/[/\\:]|\.(csv|tsv|parquet|json|jsonl|ndjson|txt|db|duckdb|sqlite|xlsx)$/i.test(name) || /^[a-z]+:\/\//i.test(name))
      return reject("file_access", messages.guardFile(name));
    if (nonAscii(qualified)) return reject("lookalike", messages.guardLookalike(qualified, nonAscii(qualified)!));
    if (SYSTEM_NAMES.test(name.toLowerCase()) || SYSTEM_NAMES.test(schema.toLowerCase()) || ["system", "temp"].includes(catalog.toLowerCase()))
      return reject("system_catalog", messages.guardSystem(qualified));
    if ((schema && schema.toLowerCase() !== "main") || (catalog && catalog.toLowerCase() !== "memory"))
      return reject("unknown_table", messages.guardUnknownTable(qualified, [...allowed]));
    const lower = name.toLowerCase();
    if (!schema && !catalog && ctes.has(lower)) return null;
    if (!allowed.has(lower)) return reject("unknown_table", messages.guardUnknownTable(name, [...allowed]));
    tables.add(lower);
    return null;
  }
  if (type === "TABLE_FUNCTION") {
    const fn = String((node.function as Node | undefined)?.function_name ?? "").toLowerCase();
    if (FILE_FUNCTIONS.test(fn)) return reject("file_access", messages.guardFileFunction(fn));
    return reject("table_function", messages.guardTableFunction(fn));
  }
  if (type === "SHOW_REF") return reject("describe", messages.guardDescribe(String(node.show_type ?? "DESCRIBE")));
  if (type === "RECURSIVE_CTE_NODE") return reject("recursive", messages.guardRecursive());
  if (node.class === "PARAMETER") return reject("parameter", messages.guardParameter());
  // current_date, current_timestamp, localtimestamp parse as bare column names and bind to the clock.
  if (node.class === "COLUMN_REF" && Array.isArray(node.column_names) && node.column_names.length === 1 && CLOCK_FUNCTIONS.has(String(node.column_names[0]).toLowerCase()))
    return reject("clock", messages.guardClock(String(node.column_names[0]).toLowerCase()));
  if (node.class === "FUNCTION" && typeof node.function_name === "string") {
    const fn = node.function_name.toLowerCase();
    const schema = String(node.schema ?? "").toLowerCase();
    const catalog = String(node.catalog ?? "").toLowerCase();
    const full = [catalog, schema, fn].filter(Boolean).join(".");
    if (nonAscii(fn)) return reject("lookalike", messages.guardLookalike(fn, nonAscii(fn)!));
    if (FILE_FUNCTIONS.test(fn)) return reject("file_access", messages.guardFileFunction(fn));
    if (CLOCK_FUNCTIONS.has(fn)) return reject("clock", messages.guardClock(fn));
    // Only plain (or main.) functions: a catalog or another schema reaches system internals.
    if (FORBIDDEN_FUNCTIONS.has(fn) || FORBIDDEN_PREFIXES.test(fn) || (schema && schema !== "main") || catalog)
      return reject("forbidden_function", messages.guardFunction(full));
    const sized = SIZED.get(fn);
    if (sized) {
      const children = (node.children as Node[] | undefined) ?? [];
      const args = sized.arg < 0 ? children : [children[sized.arg]];
      for (const arg of args) {
        const value = constantNumber(arg);
        if (value !== null && Math.abs(value) > sized.max) return reject("expensive", messages.guardExpensive(fn, value, sized.max));
      }
    }
  }
  return null;
}

function topLimit(root: Node, maxRows: number): {ok: true; value: number | null} | {ok: false; code: GuardCode; reason: string} {
  const modifiers = (root.modifiers as Node[] | undefined) ?? [];
  let value: number | null = null;
  for (const m of modifiers) {
    if (m.type === "LIMIT_PERCENT_MODIFIER") return {ok: false, code: "limit", reason: messages.guardLimitPercent(maxRows)};
    if (m.type !== "LIMIT_MODIFIER" || !m.limit) continue;
    const n = constantNumber(m.limit as Node);
    if (n === null || !Number.isInteger(n) || n < 0) return {ok: false, code: "limit", reason: messages.guardLimitNotConstant(maxRows)};
    if (n > maxRows) return {ok: false, code: "limit", reason: messages.guardLimitTooLarge(n, maxRows)};
    value = n;
  }
  return {ok: true, value};
}

/** A numeric constant (possibly cast, possibly negated), else null. */
function constantNumber(node: Node | undefined): number | null {
  if (!node) return null;
  if (node.class === "CONSTANT") {
    const v = (node.value as {is_null?: boolean; value?: unknown} | undefined) ?? {};
    if (v.is_null) return null;
    const n = Number(v.value);
    return Number.isFinite(n) ? n : null;
  }
  if (node.class === "CAST") return constantNumber(node.child as Node);
  if (node.class === "FUNCTION" && node.function_name === "-" && (node.children as Node[]).length === 1) {
    const n = constantNumber((node.children as Node[])[0]);
    return n === null ? null : -n;
  }
  return null;
}

/** Visit every object in the tree (depth first). */
function collect(value: unknown, visit: (node: Node) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) collect(v, visit);
  } else if (value && typeof value === "object") {
    visit(value as Node);
    for (const v of Object.values(value)) if (v && typeof v === "object") collect(v, visit);
  }
}

function nonAscii(text: string): string | null {
  const m = /[^\x00-\x7F]/u.exec(text);
  return m ? codePoint(m[0]) : null;
}

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The statement's first keyword, for the message only (the decision is the parser's). */
function leadingKeyword(sql: string): string {
  const stripped = sql.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, "");
  return (/^[A-Za-z_]+/.exec(stripped)?.[0] ?? "?").toUpperCase();
}
