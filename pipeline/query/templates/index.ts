// The offline path: pick the intent a question asks (first match in this order, most specific
// first), then let its template plan the SQL. Unknown sites and questions no template covers get
// a clarifying question instead of a guess.
import {messages} from "../../messages.ts";
import {normalizeText, resolveEntities, type SnapshotContext} from "../resolve.ts";
import {anomalies} from "./anomalies.ts";
import {lowOutput} from "./lowOutput.ts";
import {predictedVsActual} from "./predictedVsActual.ts";
import {production} from "./production.ts";
import {tomorrow} from "./tomorrow.ts";
import type {Plan, Template} from "./types.ts";
import {weatherFactor} from "./weatherFactor.ts";
import {worstSites} from "./worstSites.ts";

export const TEMPLATES: readonly Template[] = [tomorrow, weatherFactor, anomalies, lowOutput, worstSites, predictedVsActual, production];

/** Example questions, one per intent, for help texts and the Ask page. */
export const EXAMPLES = [
  "Why was output low on May 12 at Seville?",
  "Compare predicted vs actual for the last 7 days at Phoenix",
  "Show anomaly spikes this week",
  "Which weather factor most influenced yesterday's output?",
  "Which sites have the worst forecast error?",
  "What is tomorrow's forecast?",
  "How much did the fleet produce last month?"
];

export interface TemplatePlan {
  intent: string | null;
  plan: Plan;
  /** The sites the question named (ids). */
  sites: string[];
}

export function planFromTemplates(question: string, ctx: SnapshotContext): TemplatePlan {
  const text = normalizeText(question);
  const entities = resolveEntities(question, ctx);
  const sites = entities.sites.map((s) => s.site_id);
  if (entities.unknownSite) return {intent: null, sites, plan: {kind: "clarify", message: messages.queryUnknownSite(entities.unknownSite, ctx.sites.map((s) => `${s.name} (${s.site_id})`))}};
  const template = TEMPLATES.find((t) => t.matches(text));
  if (!template) return {intent: null, sites, plan: {kind: "clarify", message: messages.queryNoIntent(EXAMPLES)}};
  const p = entities.period;
  if (p && template.intent !== "tomorrow" && (p.end < ctx.firstDay || p.start > ctx.lastDay))
    return {intent: template.intent, sites, plan: {kind: "clarify", message: messages.queryOutOfRange(p.start, p.end, ctx.firstDay, ctx.lastDay)}};
  return {intent: template.intent, sites, plan: template.plan({question, text, entities, ctx})};
}
