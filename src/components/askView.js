// The Ask page's pieces of DOM (htl, Inputs): the endpoint's status line, failures, the answer with
// its SQL, result table and attempts, the Raw SQL result and the table list. The logic they show
// lives in ask.js.
import * as Inputs from "npm:@observablehq/inputs";
import {html} from "npm:htl";
import {failureText, formatMs, formatPeriod, formatTimings, stamp} from "./ask.js";

/** The endpoint's status from /health: which mode, which snapshot; what still works when it is missing. */
export function statusLine(health, {snapshot}) {
  if (!health || health.pending) return html`<p class="ask-status muted" data-testid="ask-status">Checking the query endpoint at <code>${health?.url ?? "…"}</code>…</p>`;
  if (!health.ok) {
    if (health.kind === "http") return notice(`The query endpoint at ${health.endpoint} cannot answer now`, failureText(health).detail, "ask-status");
    const {title, detail} = failureText(health);
    return notice(title, detail, "ask-status");
  }
  const h = health.health;
  const how = h.mode === "llm" ? html`answers with the model <strong>${h.model ?? "configured on the server"}</strong>, falling back to offline templates` : html`answers with <strong>offline templates</strong> (no model configured on the server)`;
  const other = h.snapshot_id !== snapshot;
  return html`<p class="ask-status" data-testid="ask-status"><span class="ask-dot ${other ? "ask-dot--warn" : ""}"></span>Query endpoint at <code>${health.endpoint}</code>: ${how}; it reads snapshot <code>${h.snapshot_id}</code>${other ? html` — <strong>not this site's snapshot (<code>${snapshot}</code>)</strong>, so its numbers may differ from the other pages until both are rebuilt` : ""}.</p>`;
}

/** A yellow box with a headline and plain detail (text with `code` spans). */
export function notice(title, detail, testid) {
  return html`<div class="forecast-off ask-notice" data-testid=${testid}><strong>${title}.</strong> ${withCode(detail)}</div>`;
}

function withCode(text) {
  return String(text ?? "").split(/`([^`]+)`/).map((part, i) => (i % 2 ? html`<code>${part}</code>` : part));
}

/** The failed question's explanation (brief when the status line already said the endpoint is missing). */
export function failureBox(failure, {health} = {}) {
  const {title, detail} = failureText(failure, {brief: failure.kind === "unreachable" && health?.ok === false && health.kind === "unreachable"});
  return notice(title, detail, "ask-error");
}

/** Example questions as buttons; `pick(question)` asks one. */
export function exampleButtons(questions, pick) {
  return html`<div class="ask-examples" data-testid="ask-examples"><span class="muted">Try:</span> ${questions.map((q) => html`<button type="button" class="backtest-link ask-example" onclick=${() => pick(q)}>${q}</button>`)}</div>`;
}

/** Puts `question` in the Inputs.text and submits it, as if typed and sent. */
export function askIn(input, question) {
  input.value = question;
  input.dispatchEvent(new Event("submit", {cancelable: true}));
}

/** While the endpoint works on it. */
export function pendingLine(question) {
  return html`<p class="muted" data-testid="ask-pending">Asking “${question}”…</p>`;
}

/** The answer itself (or the endpoint's clarifying question), where it came from, and what it read. */
export function answerCard(reply, {health}) {
  const a = reply.answer;
  const model = health?.ok && health.health.mode === "llm" ? health.health.model : null;
  const source = a.source === "llm" ? html`<span class="pill pill--info" data-testid="ask-source">model${model ? ` ${model}` : ""}</span>` : html`<span class="pill pill--ok" data-testid="ask-source">offline templates</span>`;
  const period = formatPeriod(a.period);
  const timing = formatTimings(a.timings);
  return html`<div class="card ask-answer" data-testid="ask-answer">
    <p class="ask-question muted">“${a.question}”</p>
    ${a.clarification ? html`<div class="forecast-honesty ask-clarification" data-testid="ask-clarification"><strong>The endpoint needs more to go on.</strong> ${a.clarification}</div>` : ""}
    ${a.answer && a.answer.trim() !== a.clarification?.trim() ? html`<p class="ask-answer-text" data-testid="ask-answer-text">${a.answer}</p>` : ""}
    <p class="ask-meta">${source}${a.intent ? html` <span class="muted">intent <code>${a.intent}</code></span>` : ""}${period ? html` · <span data-testid="ask-period">period ${period}</span>` : ""}${a.tables?.length ? html` · tables ${a.tables.map((t, i) => html`${i ? ", " : ""}<code>${t}</code>`)}` : ""}</p>
    <p class="ask-small muted" data-testid="ask-timing">${a.cached ? `From the endpoint's cache, first answered in ${timing ?? "–"}` : `Answered in ${timing ?? "–"}`}; ${formatMs(reply.elapsedMs)} with the round trip · snapshot <code>${a.snapshot_id}</code>${a.tokens ? ` · ${a.tokens.prompt + a.tokens.completion} model tokens` : ""}</p>
  </div>`;
}

/** The SQL that produced the rows, with Copy and (when given) Open in Raw SQL. */
export function sqlCard(sql, {onOpen} = {}) {
  const copy = html`<button type="button" class="backtest-link" data-testid="ask-copy">Copy</button>`;
  copy.onclick = async () => {
    copy.textContent = (await copyText(sql)) ? "Copied" : "Select and copy";
    setTimeout(() => (copy.textContent = "Copy"), 1500);
  };
  return html`<div class="card" data-testid="ask-sql">
    <div class="forecast-card-head"><h2>SQL</h2><span class="ask-actions">${copy}${onOpen ? html`<button type="button" class="backtest-link" data-testid="ask-open-sql" onclick=${onOpen}>Run it in the Raw SQL tab</button>` : ""}</span></div>
    <pre class="ask-code ask-code--sql"><code>${sql}</code></pre>
    <p class="ask-small muted">Checked by the endpoint's guard (one read-only statement over the snapshot tables) before it ran.</p>
  </div>`;
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Rows as an Inputs.table; `columns` are {name, key} (key unique) or the answer's {name, type}. */
export function resultTable(columns, rows) {
  const keys = columns.map((c) => c.key ?? c.name);
  return Inputs.table(rows, {
    columns: keys,
    header: Object.fromEntries(columns.map((c, i) => [keys[i], c.name])),
    format: Object.fromEntries(keys.filter((k) => rows.some((r) => r[k] instanceof Date)).map((k) => [k, (d) => (d instanceof Date ? stamp(d) : d ?? "")])),
    select: false,
    rows: 14,
    // Fixed columns cut long names ("Denver (com…"); let wide results size to their text and scroll.
    layout: keys.length > 4 ? "auto" : "fixed"
  });
}

/** The answer's result: the table and what was cut. */
export function answerTable(answer, columns, rows) {
  return html`<div class="card" data-testid="ask-table"><h2>Result: ${rows.length.toLocaleString("en-US")} row${rows.length === 1 ? "" : "s"}${answer.truncated ? html` <span class="muted">(cut at the endpoint's row limit)</span>` : ""}</h2>${rows.length ? resultTable(columns, rows) : html`<p class="muted">No rows.</p>`}</div>`;
}

/** The SQL the endpoint tried and dropped on the way, collapsed. */
export function attemptsDetails(attempts) {
  return html`<details class="backtest-details ask-attempts" data-testid="ask-attempts"><summary>${attempts.length} earlier attempt${attempts.length === 1 ? "" : "s"} (SQL that was rejected or failed, and why)</summary>
    ${attempts.map((t, i) => html`<div class="ask-attempt"><p><strong>${i + 1}. ${t.stage === "guard" ? "Rejected by the guard" : "Failed while running"}:</strong> ${t.error}</p><pre class="ask-code"><code>${t.sql}</code></pre></div>`)}
  </details>`;
}

/** The Raw SQL run: its table and counts, or why it did not run. */
export function sqlResultView(result) {
  if (!result || result.pending) return html`<div class="card" data-testid="ask-sql-result"><p class="muted">${result?.message ?? "Running…"}</p></div>`;
  if (!result.ok) {
    const title = result.stage === "refused" ? "Not run" : result.stage === "load" ? "Could not load the data" : "DuckDB could not run this query";
    return html`<div class="card" data-testid="ask-sql-result"><div class="forecast-off ask-notice" data-testid="ask-sql-error"><strong>${title}.</strong> ${result.stage === "query" ? html`<pre class="ask-code ask-code--error">${result.message}</pre>` : result.message}${result.hint ? html`<p>${result.hint}</p>` : ""}</div></div>`;
  }
  const shown = result.rows.length;
  return html`<div class="card" data-testid="ask-sql-result">
    <h2 data-testid="ask-sql-count">${result.total.toLocaleString("en-US")} row${result.total === 1 ? "" : "s"}${shown < result.total ? html` <span class="muted">(the first ${shown.toLocaleString("en-US")} shown)</span>` : ""}</h2>
    <p class="ask-small muted">Ran in ${formatMs(result.queryMs)}${result.tables.length ? ` over ${result.tables.join(", ")}` : ""}${result.loaded.length ? `; downloaded and loaded ${result.loaded.join(", ")} first, in ${formatMs(result.loadMs)}` : ""}.</p>
    ${shown ? resultTable(result.columns, result.rows) : html`<p class="muted">No rows.</p>`}
  </div>`;
}

/** The tables the browser can query, with their columns, rows and period from the manifest. */
export function tablesDetails(tables, manifestTables = {}) {
  const day = (iso) => (iso ? iso.slice(0, 10) : null);
  return html`<details class="backtest-details" data-testid="ask-tables"><summary>${tables.length} tables you can query here, with their columns</summary>
    <table class="forecast-table ask-tables">
      <thead><tr><th>Table</th><th class="num">Rows</th><th class="num">Size</th><th>Period (UTC)</th><th>Columns</th></tr></thead>
      <tbody>${tables.map((t) => {
        const m = manifestTables?.[t.name];
        return html`<tr data-table=${t.name}><td class="nowrap"><code>${t.name}</code><br><span class="muted">${t.about}</span></td>
          <td class="num">${m ? m.rows.toLocaleString("en-US") : "–"}</td>
          <td class="num">${m?.bytes ? `${(m.bytes / 1e6).toFixed(m.bytes < 1e5 ? 2 : 1)} MB` : "–"}</td>
          <td class="nowrap">${m?.min_ts ? `${day(m.min_ts)} → ${day(m.max_ts)}` : ""}</td>
          <td class="ask-columns">${t.columns.join(", ")}</td></tr>`;
      })}</tbody>
    </table>
  </details>`;
}
