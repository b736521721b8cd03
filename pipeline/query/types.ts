// The query agent's contract: what the engine answers, and what the endpoint and the Ask page read.

/** A result cell as JSON carries it: timestamps are ISO strings ("2026-06-30T12:00:00Z"), dates "2026-06-30". */
export type Cell = string | number | boolean | null;

export interface QueryColumn {
  name: string;
  /** DuckDB's type name (VARCHAR, DOUBLE, TIMESTAMP, DATE, BIGINT, …). */
  type: string;
}

/** The automatic chart for a result: which columns go where (drawn by the Ask page with Plot). */
export interface ChartSpec {
  mark: "line" | "bar";
  /** Column for the x axis (time or a category). */
  x: string;
  /** One or more numeric columns, drawn as one series each. */
  y: string[];
  /** A categorical column splitting `y` into series (e.g. site_id), if any. */
  series: string | null;
  /** "time" when x holds timestamps or dates, else "category". */
  x_type: "time" | "category";
  /** Unit for the y axis label, when the columns share one (kWh, %, W/m²). */
  y_label: string | null;
}

/** One SQL attempt that did not make it: rejected by the guard, or failed while running. */
export interface QueryAttempt {
  sql: string;
  stage: "guard" | "execute";
  error: string;
}

export interface QueryAnswer {
  question: string;
  /** The SQL that produced `rows` (null when nothing ran, e.g. a clarifying question). */
  sql: string | null;
  columns: QueryColumn[];
  /** Row-major, aligned with `columns`. At most the row limit (1000). */
  rows: Cell[][];
  /** Plain-language answer; every number in it comes from `rows` (or `method`); names the table(s) and period. */
  answer: string;
  /** How the figures were made, with the fixed settings that went into them ("median of the 30 days before"); part of `answer`. */
  method: string | null;
  chart: ChartSpec | null;
  source: "llm" | "template";
  /** The template intent that answered, or null on the model path. */
  intent: string | null;
  /** The sites the question named, as resolved (ids); empty for the fleet or none. */
  sites: string[];
  /** Snapshot tables and views the SQL read. */
  tables: string[];
  /** The period the answer covers (ISO dates, inclusive), when it has one. */
  period: {start: string; end: string} | null;
  /** True when the result had more rows than the limit and was cut. */
  truncated: boolean;
  /** Set when the question could not be answered reliably: what the user should say instead. */
  clarification: string | null;
  /** Rejected or failed SQL on the way (the model path's first try before its repair, …). */
  attempts: QueryAttempt[];
  /** Milliseconds per step: resolve, generate, guard, execute, answer, total. */
  timings: Record<string, number>;
  cached: boolean;
  snapshot_id: string;
  /** Model token usage, when a model answered. */
  tokens: {prompt: number; completion: number} | null;
}

export interface QueryEngine {
  readonly snapshotId: string;
  /** "llm" when a model is configured (OPENAI_BASE_URL / SUNLINE_LLM_MODEL), else "template". */
  readonly mode: "llm" | "template";
  /** The model's name on the llm path (never the key or the base URL). */
  readonly model: string | null;
  /** The snapshot tables and views a query may read. */
  readonly tables: readonly string[];
  ask(question: string, options?: {signal?: AbortSignal}): Promise<QueryAnswer>;
  /** Run SQL someone wrote through the same guard and limits (the CLI's --sql). */
  run(sql: string): Promise<QueryAnswer>;
  close(): Promise<void>;
}

/** An error a client caused or should see: an HTTP status and a stable code, with a clear message. */
export class QueryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = "QueryError";
  }
}
