// The query engine: question → SQL (intent templates offline, or a model) → guard → DuckDB over the
// snapshot → a grounded answer. The chain on the model path is resolve → generate → guard → execute
// → answer; a guard or execution error gets one repair attempt, then a clarifying question.
import {existsSync} from "node:fs";
import {messages} from "../messages.ts";
import {readManifest} from "../snapshot/read.ts";
import {autoChart} from "./chart.ts";
import {openSnapshotDatabase, DEFAULT_LIMITS, type DatabaseLimits, type QueryResultSet, type SnapshotDatabase} from "./database.ts";
import {num, ungroundedNumbers} from "./grounding.ts";
import {createSqlParser, guardSql, MAX_ROWS, type SqlParser} from "./guard.ts";
import {answerPrompt, createLlmClient, llmSettingsFromEnv, parseModelReply, repairPrompt, systemPrompt, userPrompt, type ChatTurn, type LlmClient, type LlmSettings} from "./llm.ts";
import {addDays, resolveEntities, type Period, type SnapshotContext} from "./resolve.ts";
import {EXAMPLES, planFromTemplates} from "./templates/index.ts";
import type {Row} from "./templates/types.ts";
import {QueryError, type Cell, type ChartSpec, type QueryAnswer, type QueryAttempt, type QueryEngine} from "./types.ts";

export interface EngineOptions {
  snapshotDir: string;
  /** Model settings; undefined reads them from `env`, null forces the offline templates. */
  llm?: LlmSettings | null;
  env?: NodeJS.ProcessEnv;
  limits?: Partial<DatabaseLimits>;
}

export async function createQueryEngine(options: EngineOptions): Promise<QueryEngine> {
  const {snapshotDir} = options;
  if (!existsSync(snapshotDir)) throw new QueryError(503, "no_snapshot", messages.queryNoSnapshot(snapshotDir));
  const manifest = await readManifest(snapshotDir);
  const db = await openSnapshotDatabase(snapshotDir, {...DEFAULT_LIMITS, ...options.limits});
  const parser = await createSqlParser();
  const ctx = await snapshotContext(db, manifest.snapshot_id, manifest.forecast?.as_of ?? null);
  const settings = options.llm === undefined ? llmSettingsFromEnv(options.env) : options.llm;
  const llm = settings ? createLlmClient(settings) : null;
  const allowed = new Set(db.tables);
  // The model's system prompt depends only on the snapshot: built on the first question, then kept.
  let system: string | null = null;
  return {
    snapshotId: manifest.snapshot_id,
    mode: llm ? "llm" : "template",
    model: llm?.model ?? null,
    tables: db.tables,
    ask: (question, {signal} = {}) => (llm ? askModel(question, llm, signal) : askTemplates(question)),
    run: runSql,
    async close() {
      parser.close();
      db.close();
    }
  };

  async function askTemplates(question: string): Promise<QueryAnswer> {
    const clock = stopwatch();
    const {intent, plan, sites} = planFromTemplates(question, ctx);
    clock.lap("resolve");
    if (plan.kind === "clarify") return finish({...clarification(question, "template", intent, plan.message), sites}, clock);
    const run = await guardAndRun(plan.sql, clock);
    if (!run.ok) return finish({...clarification(question, "template", intent, messages.queryClarifyAfterRepair(run.attempt.error)), attempts: [run.attempt]}, clock);
    const rows = objects(run.result);
    const text = plan.describe(rows);
    const period = plan.period ?? plan.resultPeriod?.(rows) ?? null;
    clock.lap("answer");
    return finish({...answered(question, "template", intent, plan.sql, run.result, run.tables, period, text, plan.chart, [], plan.method ?? null), sites}, clock);
  }

  async function runSql(sql: string): Promise<QueryAnswer> {
    const clock = stopwatch();
    const run = await guardAndRun(sql, clock);
    if (!run.ok) return finish({...clarification(sql, "template", null, run.attempt.error), attempts: [run.attempt]}, clock);
    const text = run.result.rows.length ? summarizeRows(run.result) : "The query returned no rows.";
    return finish(answered(sql, "template", null, sql, run.result, run.tables, periodOf(run.result), text, autoChart(run.result.columns, run.result.rows), []), clock);
  }

  async function askModel(question: string, client: LlmClient, signal?: AbortSignal): Promise<QueryAnswer> {
    const clock = stopwatch();
    const entities = resolveEntities(question, ctx);
    const tokens = {prompt: 0, completion: 0};
    const chat = async (turns: ChatTurn[]) => {
      try {
        const reply = await client.chat(turns, signal);
        tokens.prompt += reply.prompt;
        tokens.completion += reply.completion;
        return reply.content;
      } catch (error) {
        // Upstream errors can quote the key back ("Incorrect API key provided: …"); never pass it on.
        const detail = (error instanceof Error ? error.message : String(error)).replaceAll(settings!.apiKey, "[redacted]");
        throw new QueryError(502, "model_failed", messages.queryModelFailed(detail));
      }
    };
    system ??= systemPrompt(db.schema, ctx, fewShot());
    const turns: ChatTurn[] = [{role: "system", content: system}, {role: "user", content: userPrompt(question, entities)}];
    clock.lap("resolve");
    const attempts: QueryAttempt[] = [];
    for (let round = 0; round < 2; round++) {
      const content = await chat(turns);
      clock.lap("generate");
      const reply = parseModelReply(content);
      if (!reply.sql) return finish({...clarification(question, "llm", null, reply.clarify ?? messages.queryClarifyAfterRepair("the model wrote no SQL")), attempts, tokens}, clock);
      const run = await guardAndRun(reply.sql, clock);
      if (run.ok) {
        const period = periodOf(run.result) ?? entities.period;
        const text = await modelAnswer(question, run.result, run.tables, chat);
        clock.lap("answer");
        return finish({...answered(question, "llm", null, reply.sql, run.result, run.tables, period, text, autoChart(run.result.columns, run.result.rows), attempts), tokens, sites: entities.sites.map((s) => s.site_id)}, clock);
      }
      attempts.push(run.attempt);
      turns.push({role: "assistant", content}, {role: "user", content: repairPrompt(reply.sql, run.attempt.error)});
    }
    const last = attempts[attempts.length - 1];
    return finish({...clarification(question, "llm", null, messages.queryClarifyAfterRepair(last.error)), attempts, tokens}, clock);
  }

  /** The model's wording when every number in it is in the rows; else a plain summary of the rows. */
  async function modelAnswer(question: string, result: QueryResultSet, tables: string[], chat: (t: ChatTurn[]) => Promise<string>): Promise<string> {
    if (!result.rows.length) return "The query returned no rows.";
    const text = (await chat(answerPrompt(question, result.columns, result.rows, tables))).trim();
    const allowedText = ctx.sites.map((s) => `${s.name} ${s.site_id}`).join(" ");
    if (text && ungroundedNumbers(text, result.rows, allowedText).length === 0) return text;
    return summarizeRows(result);
  }

  async function guardAndRun(sql: string, clock: Stopwatch): Promise<{ok: true; result: QueryResultSet; tables: string[]} | {ok: false; attempt: QueryAttempt}> {
    const verdict = await guardSql(sql, parser, allowed, MAX_ROWS);
    clock.lap("guard");
    if (!verdict.ok) return {ok: false, attempt: {sql, stage: "guard", error: verdict.reason}};
    try {
      const result = await db.execute(verdict.sql, {maxRows: MAX_ROWS});
      clock.lap("execute");
      return {ok: true, result, tables: verdict.tables};
    } catch (error) {
      clock.lap("execute");
      return {ok: false, attempt: {sql, stage: "execute", error: error instanceof Error ? error.message.split("\n")[0] : String(error)}};
    }
  }

  function finish(answer: Omit<QueryAnswer, "timings" | "cached" | "snapshot_id">, clock: Stopwatch): QueryAnswer {
    return {...answer, timings: clock.done(), cached: false, snapshot_id: manifest.snapshot_id};
  }

  function fewShot(): {question: string; sql: string}[] {
    return EXAMPLES.slice(0, 3).flatMap((question) => {
      const {plan} = planFromTemplates(question, ctx);
      return plan.kind === "sql" ? [{question, sql: plan.sql}] : [];
    });
  }
}

type Draft = Omit<QueryAnswer, "timings" | "cached" | "snapshot_id">;

function clarification(question: string, source: "llm" | "template", intent: string | null, message: string): Draft {
  return {question, sql: null, columns: [], rows: [], answer: message, method: null, chart: null, source, intent, sites: [], tables: [], period: null, truncated: false, clarification: message, attempts: [], tokens: null};
}

function answered(question: string, source: "llm" | "template", intent: string | null, sql: string, result: QueryResultSet, tables: string[], period: Period | null, text: string, chart: ChartSpec | null, attempts: QueryAttempt[], method: string | null = null): Draft {
  // Every answer names what it read and when: the tables, and the period.
  const span = period ? (period.start === period.end ? period.start : `${period.start} to ${period.end}`) : "the whole snapshot";
  const capped = result.truncated ? ` Only the first ${MAX_ROWS} rows are shown.` : "";
  return {
    question,
    sql,
    columns: result.columns,
    rows: result.rows,
    answer: `${text}${method ? ` ${method}` : ""}${capped} Source: ${tables.join(", ") || "no table"}; period ${span}.`,
    method,
    chart: chart && result.rows.length > 0 ? chart : null,
    source,
    intent,
    sites: [],
    tables,
    period: period ? {start: period.start, end: period.end} : null,
    truncated: result.truncated,
    clarification: null,
    attempts,
    tokens: null
  };
}

function objects(result: QueryResultSet): Row[] {
  return result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c.name, r[i]])));
}

/** A plain summary when the model's wording cannot be used: the row count and the first row. */
function summarizeRows(result: QueryResultSet): string {
  const first = result.columns.slice(0, 8).map((c, i) => `${c.name} ${formatCell(result.rows[0][i])}`);
  return `${num(result.rows.length)} row${result.rows.length === 1 ? "" : "s"}${result.truncated ? " (cut at the limit)" : ""}; the first: ${first.join(", ")}.`;
}

function formatCell(value: Cell): string {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
  return String(value);
}

/** The span of the result's first date or timestamp column, as days. */
function periodOf(result: QueryResultSet): Period | null {
  const i = result.columns.findIndex((c) => /^(DATE|TIMESTAMP)/.test(c.type));
  if (i < 0) return null;
  const days = result.rows.map((r) => r[i]).filter((v): v is string => typeof v === "string").map((v) => v.slice(0, 10)).sort();
  if (!days.length) return null;
  return {start: days[0], end: days[days.length - 1], label: "the result's dates"};
}

async function snapshotContext(db: SnapshotDatabase, snapshotId: string, asOf: string | null): Promise<SnapshotContext> {
  const sites = await db.execute("SELECT site_id, name, timezone, capacity_kw FROM sites ORDER BY site_id");
  const range = db.tables.includes("production_hourly")
    ? await db.execute("SELECT CAST(min(ts) AS DATE) AS first_day, CAST(max(ts) AS DATE) AS last_day FROM production_hourly WHERE energy_kwh IS NOT NULL")
    : null;
  const firstDay = String(range?.rows[0]?.[0] ?? "1970-01-01");
  const lastDay = String(range?.rows[0]?.[1] ?? firstDay);
  return {
    snapshotId,
    today: asOf ? asOf.slice(0, 10) : addDays(lastDay, 1),
    lastDay,
    firstDay,
    sites: sites.rows.map(([site_id, name, timezone, capacity_kw]) => ({site_id: String(site_id), name: String(name ?? site_id), timezone: String(timezone), capacity_kw: typeof capacity_kw === "number" ? capacity_kw : null}))
  };
}

interface Stopwatch {
  lap(step: string): void;
  done(): Record<string, number>;
}

/** Milliseconds per step of the chain (steps that repeat add up), and the total. */
function stopwatch(): Stopwatch {
  const start = performance.now();
  let last = start;
  const timings: Record<string, number> = {};
  return {
    lap(step) {
      const now = performance.now();
      timings[step] = round((timings[step] ?? 0) + now - last);
      last = now;
    },
    done() {
      return {...timings, total: round(performance.now() - start)};
    }
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
