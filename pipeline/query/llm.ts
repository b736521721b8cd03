// The model path: any OpenAI-compatible chat server (OpenAI, Ollama, vLLM, llama.cpp) writes the
// SQL. The model is never trusted: its SQL goes through the guard, and its wording of the answer is
// used only when every number in it is in the result rows.
import OpenAI from "openai";
import {CATALOG} from "./catalog.ts";
import type {SnapshotContext} from "./resolve.ts";
import type {Entities} from "./resolve.ts";
import type {QueryColumn} from "./types.ts";

export interface LlmSettings {
  baseURL: string | undefined;
  apiKey: string;
  model: string;
  timeoutMs: number;
}

export const DEFAULT_MODEL = "gpt-4o-mini";

/**
 * The model settings from the environment, or null for the offline templates: a model is used when
 * SUNLINE_LLM_MODEL, OPENAI_BASE_URL or OPENAI_API_KEY is set (SUNLINE_LLM=off forces templates).
 */
export function llmSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LlmSettings | null {
  if (/^(off|none|0|false)$/i.test(env.SUNLINE_LLM ?? "")) return null;
  if (!env.SUNLINE_LLM_MODEL && !env.OPENAI_BASE_URL && !env.OPENAI_API_KEY) return null;
  return {
    baseURL: env.OPENAI_BASE_URL || undefined,
    // Local servers (Ollama, llama.cpp) take any key; the client insists on one.
    apiKey: env.OPENAI_API_KEY || "not-needed",
    model: env.SUNLINE_LLM_MODEL || DEFAULT_MODEL,
    timeoutMs: Number(env.SUNLINE_LLM_TIMEOUT_MS ?? 30_000)
  };
}

export interface ChatTurn {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface LlmClient {
  model: string;
  chat(messages: ChatTurn[], signal?: AbortSignal): Promise<{content: string; prompt: number; completion: number}>;
}

export function createLlmClient(settings: LlmSettings): LlmClient {
  const client = new OpenAI({baseURL: settings.baseURL, apiKey: settings.apiKey, timeout: settings.timeoutMs, maxRetries: 1});
  return {
    model: settings.model,
    async chat(messages, signal) {
      const response = await client.chat.completions.create({model: settings.model, messages, temperature: 0}, {signal});
      return {
        content: response.choices[0]?.message?.content ?? "",
        prompt: response.usage?.prompt_tokens ?? 0,
        completion: response.usage?.completion_tokens ?? 0
      };
    }
  };
}

/** The system prompt: the schema with column meanings, the conventions, the snapshot's dates and sites, examples. */
export function systemPrompt(schema: Record<string, QueryColumn[]>, ctx: SnapshotContext, examples: {question: string; sql: string}[]): string {
  const tables = CATALOG.filter((e) => schema[e.name])
    .map((e) => {
      const cols = schema[e.name].map((c) => `${c.name} ${c.type}${e.columns[c.name] ? ` — ${e.columns[c.name]}` : ""}`).join("\n    ");
      return `- ${e.name}: ${e.about}\n    ${cols}`;
    })
    .join("\n");
  const sites = ctx.sites.map((s) => `${s.site_id} = "${s.name}" (${s.timezone}, ${s.capacity_kw ?? "?"} kW)`).join("; ");
  return `You write DuckDB SQL that answers questions about a fleet of PV (solar) sites, over the tables below (a published snapshot).

Rules:
- Reply with one JSON object and nothing else: {"sql": "<one SELECT>", "clarify": null} or, when the question is ambiguous or cannot be answered from these tables, {"sql": null, "clarify": "<a short question back to the user>"}.
- Exactly one SELECT statement (WITH … SELECT allowed). Only the tables listed. No table functions (read_csv, range, …), no files or URLs, no PRAGMA/SET/ATTACH/COPY, no now()/current_date: the dates below are the snapshot's.
- LIMIT at most 1000. Round numbers for reading (round(x, 1)). Name columns clearly, with units (energy_kwh, error_pct).
- Timestamps (ts, issued_at, start_ts, end_ts) are UTC and mark the start of an hour. A site-local day is CAST(timezone(s.timezone, ts::TIMESTAMPTZ) AS DATE) with the sites table joined as s; production_daily and day_ahead already have a local "day" column.
- Energy in kWh per hour, power in kW, irradiance W/m², temperature °C. nRMSE and nMAE are % of the site's capacity over daytime hours.
- "window" is a reserved word: quote it ("window").

Snapshot: today = ${ctx.today} (the as-of day of the live forecast; "yesterday" = ${ctx.lastDay}, the last day with measurements); data from ${ctx.firstDay}.
Sites: ${sites}.

Tables:
${tables}

Examples:
${examples.map((e) => `Q: ${e.question}\n${JSON.stringify({sql: e.sql, clarify: null})}`).join("\n\n")}`;
}

/** The question with what the resolver found in it, so the model does not have to guess names and dates. */
export function userPrompt(question: string, entities: Entities): string {
  const hints: string[] = [];
  if (entities.sites.length) hints.push(`sites: ${entities.sites.map((s) => `${s.site_id} (${s.name})`).join(", ")}`);
  if (entities.fleet) hints.push("scope: the whole fleet");
  if (entities.period) hints.push(`period: ${entities.period.start} to ${entities.period.end} (${entities.period.label}), site-local days`);
  return `${question}${hints.length ? `\n\n(Resolved — ${hints.join("; ")}.)` : ""}`;
}

export function repairPrompt(sql: string, error: string): string {
  return `That SQL did not run:\n${sql}\nError: ${error}\nReply with a corrected JSON object, or a clarifying question if the question cannot be answered from these tables.`;
}

export function answerPrompt(question: string, columns: QueryColumn[], rows: unknown[][], tables: string[]): ChatTurn[] {
  const shown = rows.slice(0, 50);
  return [
    {
      role: "system",
      content:
        "You answer a question about solar PV sites from a query result. Write one to three plain sentences. Use only numbers that appear in the rows (you may round them); do not compute new numbers. No markdown."
    },
    {
      role: "user",
      content: `Question: ${question}\nTables: ${tables.join(", ")}\nColumns: ${columns.map((c) => c.name).join(", ")}\nRows (${rows.length}${rows.length > shown.length ? `, first ${shown.length} shown` : ""}):\n${shown.map((r) => JSON.stringify(r)).join("\n")}`
    }
  ];
}

/** The model's reply as {sql, clarify}: JSON (possibly in a code fence), or a bare ```sql block. */
export function parseModelReply(content: string): {sql: string | null; clarify: string | null} {
  const text = content.trim();
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  for (const candidate of [text, fenced?.[1] ?? "", /\{[\s\S]*\}/.exec(text)?.[0] ?? ""]) {
    try {
      const parsed = JSON.parse(candidate) as {sql?: unknown; clarify?: unknown};
      if (parsed && typeof parsed === "object")
        return {sql: typeof parsed.sql === "string" && parsed.sql.trim() ? parsed.sql : null, clarify: typeof parsed.clarify === "string" && parsed.clarify.trim() ? parsed.clarify : null};
    } catch {
      // not this one
    }
  }
  const sqlBlock = /```sql\s*([\s\S]*?)```/i.exec(text);
  if (sqlBlock) return {sql: sqlBlock[1].trim(), clarify: null};
  if (/^\s*(with|select|from)\b/i.test(text)) return {sql: text, clarify: null};
  return {sql: null, clarify: text || null};
}
