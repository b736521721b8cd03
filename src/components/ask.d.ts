// Types for ask.js (plain JavaScript served to the browser), so TypeScript tests can use it.
import type {ChartSpec, QueryAnswer, QueryColumn} from "../../pipeline/query/types.ts";

export const EXAMPLE_QUESTIONS: string[];
export const BROWSER_TABLES: {name: string; about: string; columns: string[]}[];
export const DEFAULT_SQL: string;
export const DEFAULT_API_BASE: string;
export const HEALTH_TIMEOUT_MS: number;
export const QUERY_TIMEOUT_MS: number;
export const MAX_SHOWN_ROWS: number;
export const READ_ONLY_STATEMENTS: string[];

export interface Health {
  status: "ok";
  snapshot_id: string;
  mode: "llm" | "template";
  model: string | null;
  tables: string[];
}

/** Why a request got no answer; `url` is the request's, `endpoint` the base it went to (on another origin than the page: `crossOrigin`). */
export type Failure =
  | {ok: false; kind: "unreachable"; url: string; endpoint?: string; crossOrigin?: boolean; status: number | null; message: string}
  | {ok: false; kind: "http"; url: string; endpoint?: string; status: number; code: string | null; message: string; retryAfter: number | null}
  | {ok: false; kind: "timeout" | "aborted"; url: string; endpoint?: string; status: null; message: string};

export type HealthResult = {ok: true; url: string; endpoint: string; health: Health} | Failure;
export type QuestionResult = {ok: true; url: string; endpoint: string; answer: QueryAnswer; elapsedMs: number} | Failure;

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export function endpointUrl(base: string | null | undefined, route: string, pageUrl: string): string;
export function checkHealth(base: string | null | undefined, o: {fetch?: Fetch; pageUrl: string; timeoutMs?: number}): Promise<HealthResult>;
export function postQuestion(
  base: string | null | undefined,
  question: string,
  o: {fetch?: Fetch; pageUrl: string; token?: string | null; signal?: AbortSignal | null; timeoutMs?: number; now?: () => number}
): Promise<QuestionResult>;
export function retryAfterSeconds(value: string | null | undefined, now?: number): number | null;
export function failureText(failure: Failure, o?: {brief?: boolean}): {title: string; detail: string};

export function uniqueNames(names: string[]): string[];
export function parseTime(value: unknown): Date | null;
export function rowsToObjects(columns: QueryColumn[], rows: QueryAnswer["rows"]): Record<string, unknown>[];
export function chartData(spec: ChartSpec | null, columns: QueryColumn[], rows: QueryAnswer["rows"] | Record<string, unknown>[]): {x: Date | string | number; y: number; series: string}[] | null;
export function timeInterval(dates: Date[]): "hour" | "day" | "week" | "month" | null;
/** Plot options (pass the Plot module), or null when the answer has nothing to draw. */
export function chartFor(answer: Pick<QueryAnswer, "chart" | "columns" | "rows"> | null, o: {Plot: unknown; width?: number}): Record<string, any> | null;
export function stamp(d: Date | number): string;
export function formatNumber(x: unknown): string;
export function formatMs(ms: number | null | undefined): string;
export function formatPeriod(period: QueryAnswer["period"]): string | null;
export function formatTimings(timings: Record<string, number> | null | undefined): string | null;

export function scanSql(sql: string): {code: string; names: string[]};
export function isReadOnlySql(sql: string): {ok: true} | {ok: false; reason: string};
export function referencedTables(sql: string, available: readonly string[]): string[];

export interface ArrowLike {
  schema: {fields: {name: string; type: unknown}[]};
  numRows: number;
  getChildAt(i: number): {get(i: number): unknown} | null;
}
export interface ResultColumn {
  name: string;
  /** Unique among the result's columns (name, name_2, …): the rows' keys. */
  key: string;
  type: string;
}
export function arrowRows(table: ArrowLike, o?: {limit?: number}): {columns: ResultColumn[]; rows: Record<string, unknown>[]; total: number};

export interface SqlClient {
  query(sql: string): Promise<ArrowLike>;
}
export function insertArrowTable(client: unknown, name: string, table: unknown): Promise<void>;
export type SqlRun =
  | {ok: true; columns: ResultColumn[]; rows: Record<string, unknown>[]; total: number; tables: string[]; loaded: string[]; loadMs: number; queryMs: number}
  | {ok: false; stage: "refused" | "load" | "query"; message: string; hint: string | null};
export function createSqlRunner<C extends SqlClient, T>(o: {
  available: readonly string[];
  open: () => Promise<C>;
  load: (name: string) => Promise<T>;
  insert?: (client: C, name: string, table: T) => Promise<unknown>;
  now?: () => number;
  limit?: number;
}): {loaded(): string[]; run(sql: string): Promise<SqlRun>};
export function missingTableHint(message: string, available: readonly string[]): string | null;
