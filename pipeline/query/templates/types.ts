// What an intent template is: it turns a question's entities into SQL over the snapshot, and the
// result rows into a sentence. The SQL goes through the same guard as a model's.
import type {Entities, Period, SiteInfo, SnapshotContext} from "../resolve.ts";
import type {Cell, ChartSpec} from "../types.ts";

export type Row = Record<string, Cell>;

export interface TemplateInput {
  question: string;
  /** The question lowercased, accents stripped. */
  text: string;
  entities: Entities;
  ctx: SnapshotContext;
}

export type Plan =
  | {
      kind: "sql";
      sql: string;
      period: Period | null;
      /** The sentence(s) answering the question, from the rows (every number taken from them). */
      describe: (rows: Row[]) => string;
      chart: ChartSpec | null;
      /** How the figures were made: fixed settings, not data (quoted in the answer). */
      method?: string;
      /** The period the rows turned out to cover, when the question did not fix one. */
      resultPeriod?: (rows: Row[]) => Period | null;
    }
  | {kind: "clarify"; message: string};

export interface Template {
  intent: string;
  /** Does the question ask this? Checked in the order of TEMPLATES. */
  matches: (text: string) => boolean;
  plan: (input: TemplateInput) => Plan;
}

export function siteFilter(column: string, sites: SiteInfo[]): string {
  if (!sites.length) return "TRUE";
  return `${column} IN (${sites.map((s) => `'${s.site_id.replaceAll("'", "''")}'`).join(", ")})`;
}

export function dateLit(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a day: ${day}`);
  return `DATE '${day}'`;
}

/** The site-local day of a UTC timestamp column, for a table joined with `sites s`. */
export function localDay(column: string): string {
  return `CAST(timezone(s.timezone, ${column}::TIMESTAMPTZ) AS DATE)`;
}

/** The site's short name: "Seville" for "Seville (ground mount)". */
export function nameOf(row: Row): string {
  return String(row.name ?? row.site_id ?? "the site").replace(/\s*\(.*\)\s*$/, "");
}

export function periodText(p: Period): string {
  if (p.start === p.end) return p.label === p.start ? p.start : `${p.label} (${p.start})`;
  return p.label.includes(p.start) ? p.label : `${p.label} (${p.start} to ${p.end})`;
}

export function numberOr(value: Cell, fallback = NaN): number {
  return typeof value === "number" ? value : fallback;
}
