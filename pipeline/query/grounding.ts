// Grounded answers: every number an answer prints must come from the result rows (rounded as
// printed), the row count, or the dates and names the answer quotes. Used to check a model's
// wording before it is shown, and by the tests on every template answer.
import type {Cell} from "./types.ts";

/** A number as answers print it: thousands separators, `digits` decimals. */
export function num(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
}

/** Signed, for errors and changes: "+3.1", "−2.0". */
export function signed(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "n/a";
  const text = num(Math.abs(value), digits);
  return Number(text.replace(/,/g, "")) === 0 ? text : `${value < 0 ? "−" : "+"}${text}`;
}

/** Numbers in a text (ignoring those inside ISO dates, times and identifiers), with their printed decimals. */
export function numbersIn(text: string): {value: number; digits: number; raw: string}[] {
  const cleaned = text
    .replace(/\b\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?\b/g, " ")
    .replace(/\b\d{1,2}:\d{2}\b/g, " ")
    .replace(/\b(January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b/g, " ") // "March 2026"
    .replace(/\b[a-z]+(-[a-z0-9]+)+\b/gi, " ") // site ids like "us-phoenix", "za-cape-town"
    .replace(/[A-Za-z_]+\d+[A-Za-z_\d]*/g, " "); // column names like lower_80
  const out: {value: number; digits: number; raw: string}[] = [];
  for (const m of cleaned.matchAll(/([−+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?/g)) {
    const sign = m[1] === "−" || m[1] === "-" ? -1 : 1;
    const value = sign * Number(`${m[2].replace(/,/g, "")}${m[3] ? `.${m[3]}` : ""}`);
    out.push({value, digits: m[3]?.length ?? 0, raw: m[0]});
  }
  return out;
}

/**
 * The numbers in `answer` not backed by a cell of `rows` (compared after rounding the cell to the
 * printed decimals, sign-insensitive since answers say "lost 12 kWh" for −12), a count of rows (a
 * whole number up to the row count: "6 of 8 sites"), or any number in `allowedText` (the period,
 * the site names).
 */
export function ungroundedNumbers(answer: string, rows: readonly Cell[][], allowedText = ""): string[] {
  const cells: number[] = [];
  for (const row of rows) for (const c of row) if (typeof c === "number" && Number.isFinite(c)) cells.push(c);
  const allowed = new Set(numbersIn(allowedText).map((n) => Math.abs(n.value)));
  allowed.add(rows.length);
  const missing: string[] = [];
  for (const n of numbersIn(answer)) {
    const target = Math.abs(n.value);
    if (allowed.has(target) || (n.digits === 0 && Number.isInteger(target) && target <= rows.length)) continue;
    const scale = 10 ** n.digits;
    const ok = cells.some((c) => Math.abs(Math.round(Math.abs(c) * scale) / scale - target) < 1e-9);
    if (!ok) missing.push(n.raw);
  }
  return missing;
}
