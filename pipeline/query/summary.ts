// The CLI's view of an answer: the sentence, where it came from, the SQL and the first rows.
import type {QueryAnswer} from "./types.ts";

export function formatAnswer(answer: QueryAnswer, {maxRows = 20} = {}): string {
  const lines = [answer.answer, ""];
  lines.push(`(${answer.source === "llm" ? "model" : `offline template${answer.intent ? ` ${answer.intent}` : ""}`}, snapshot ${answer.snapshot_id}, ${answer.timings.total} ms)`);
  for (const a of answer.attempts) lines.push(`rejected (${a.stage}): ${a.error}`);
  if (answer.sql) lines.push("", answer.sql.trim(), "");
  if (answer.columns.length) {
    const shown = answer.rows.slice(0, maxRows).map((r) => r.map((c) => (c === null ? "" : typeof c === "number" ? String(Math.round(c * 1000) / 1000) : String(c))));
    const widths = answer.columns.map((c, i) => Math.min(28, Math.max(c.name.length, ...shown.map((r) => r[i].length))));
    const cell = (text: string, i: number) => (text.length > widths[i] ? `${text.slice(0, widths[i] - 1)}…` : text.padEnd(widths[i]));
    lines.push(answer.columns.map((c, i) => cell(c.name, i)).join("  "));
    for (const r of shown) lines.push(r.map(cell).join("  "));
    if (answer.rows.length > shown.length) lines.push(`… ${answer.rows.length - shown.length} more rows${answer.truncated ? " (and the result was cut at the limit)" : ""}`);
  }
  return `${lines.join("\n")}\n`;
}
