// Charts and tables of the Backtest page (Plot and htl). Data shaping lives in backtestData.js;
// the model names, colours and number formats are the Forecast page's, so both pages read alike.
import * as Plot from "npm:@observablehq/plot";
import {html} from "npm:htl";
import {COLORS, modelName} from "./forecastCharts.js";
import {fmt, pct, trainingWeather, utcStamp} from "./forecastData.js";
import {MODEL_ORDER, VARIABLES, binLabel, settingsText} from "./backtestData.js";

export const MODEL_COLORS = {
  persistence: COLORS.Persistence,
  "smart persistence": COLORS["Smart persistence"],
  climatology: COLORS.Climatology,
  prophet: COLORS["Prophet alone"],
  hybrid: "#4269d0"
};
const modelColor = {domain: MODEL_ORDER.map(modelName), range: MODEL_ORDER.map((m) => MODEL_COLORS[m]), legend: true};
const day = (d) => (d == null ? "–" : new Date(+d).toISOString().slice(0, 10));
const num = (v, attrs = "") => html`<td class=${`num ${attrs}`}>${v}</td>`;
const pctPts = (x, digits = 1) => (x == null || !Number.isFinite(x) ? "–" : `${fmt(x, digits)}%`);

function signed(x, digits = 2) {
  if (x == null || !Number.isFinite(x)) return "–";
  return `${x >= 0 ? "+" : "−"}${fmt(Math.abs(x), digits)}`;
}

/** Skill as a fraction with two decimals; red when the model does worse than smart persistence. */
export function skillCell(x, model) {
  if (model === "smart persistence") return "0.00 (reference)";
  if (x == null || !Number.isFinite(x)) return "–";
  return html`<span class=${x < 0 ? "forecast-short" : ""}>${signed(x, 2)}</span>`;
}

/** Realised coverage against nominal, flagged when more than 5 points short (as on the Forecast page). */
export function coverageCell(x, nominal) {
  if (x == null) return "–";
  const short = x < nominal - 0.05;
  return html`<span class=${short ? "forecast-short" : ""} title=${`nominal ${pct(nominal)}, realised ${pct(x, 1)}`}>${pct(x, 1)}${short ? " ▼" : ""}</span>`;
}

export function statusPill(status) {
  const cls = status === "critical" ? "pill--fail" : status === "warning" ? "pill--warn" : status === "ok" ? "pill--ok" : "pill--info";
  return html`<span class=${`pill ${cls}`} data-status=${status}>${status ?? "–"}</span>`;
}

/** Fleet nRMSE per window, one line per model; x is the window's origin. */
export function overTimeChart(rows, {width, height = 320} = {}) {
  return Plot.plot({
    width,
    height,
    marginLeft: 56,
    marginRight: 20,
    x: {type: "utc", label: "Window origin (each model refitted on the data before it)", grid: true},
    y: {label: "Fleet nRMSE (% of capacity), lower is better", grid: true, zero: true, nice: true},
    color: modelColor,
    marks: [
      Plot.lineY(rows, {x: "origin", y: "nrmse_pct", stroke: (r) => modelName(r.model), strokeWidth: (r) => (r.model === "hybrid" ? 2.6 : 1.4), z: "model", className: "backtest-time-line"}),
      Plot.dot(rows, {x: "origin", y: "nrmse_pct", fill: (r) => modelName(r.model), r: (r) => (r.model === "hybrid" ? 3.5 : 2.2)}),
      Plot.ruleY([0]),
      Plot.tip(rows, Plot.pointer({x: "origin", y: "nrmse_pct", title: (r) => `window ${r.window}, origin ${day(r.origin)}\n${modelName(r.model)}: nRMSE ${fmt(r.nrmse_pct, 2)}% · nMAE ${fmt(r.nmae_pct, 2)}%\nskill vs smart persistence ${r.model === "smart persistence" ? "0 (reference)" : fmt(r.skill_rmse, 2)} · ${r.n?.toLocaleString("en-US")} hours`}))
    ]
  });
}

/** Fleet nRMSE of every model for the 1–24 h and 25–48 h bands, side by side. */
export function horizonChart(rows, {width, height = 280} = {}) {
  const models = MODEL_ORDER.filter((m) => rows.some((r) => r.model === m));
  return Plot.plot({
    width,
    height,
    marginLeft: 56,
    marginBottom: 36,
    fx: {domain: models, tickFormat: (m) => shortName(m), label: null, padding: 0.12},
    x: {axis: null, domain: ["1–24 h", "25–48 h"], padding: 0.08},
    y: {label: "Fleet nRMSE (%)", grid: true, nice: true},
    color: {domain: ["1–24 h", "25–48 h"], range: ["#4269d0", "#97bbf5"], legend: true},
    marks: [
      Plot.barY(rows, {fx: "model", x: "horizon", y: "nrmse_pct", fill: "horizon", className: "backtest-horizon-bar"}),
      Plot.text(rows, {fx: "model", x: "horizon", y: "nrmse_pct", text: (r) => fmt(r.nrmse_pct, 1), dy: -6, fontSize: 10}),
      Plot.ruleY([0]),
      Plot.tip(rows, Plot.pointer({fx: "model", x: "horizon", y: "nrmse_pct", title: (r) => `${modelName(r.model)}, horizon ${r.horizon}\nnRMSE ${fmt(r.nrmse_pct, 2)}% · skill ${r.model === "smart persistence" ? "0 (reference)" : fmt(r.skill_rmse, 2)} · ${r.n?.toLocaleString("en-US")} hours`}))
    ]
  });
}

/** The horizon bands as a small table: nRMSE and skill per band. */
export function horizonTable(rows) {
  const models = MODEL_ORDER.filter((m) => rows.some((r) => r.model === m));
  const get = (m, h) => rows.find((r) => r.model === m && r.horizon === h);
  return html`<table class="forecast-table" data-testid="backtest-horizon-table">
    <thead>
      <tr><th rowspan="2">Model</th><th colspan="2" class="forecast-group">nRMSE</th><th colspan="2" class="forecast-group" title="1 − RMSE / RMSE of smart persistence on the same hours, per band">Skill</th></tr>
      <tr><th class="num">1–24 h</th><th class="num">25–48 h</th><th class="num">1–24 h</th><th class="num">25–48 h</th></tr>
    </thead>
    <tbody>${models.map((m) => {
      const a = get(m, "1–24 h");
      const b = get(m, "25–48 h");
      return html`<tr data-model=${m} class=${m === "hybrid" ? "forecast-chosen" : ""}><td title=${modelName(m)}>${shortName(m)}</td>${num(pctPts(a?.nrmse_pct, 2))}${num(pctPts(b?.nrmse_pct, 2))}${num(m === "smart persistence" ? "ref." : skillCell(a?.skill_rmse, m))}${num(m === "smart persistence" ? "ref." : skillCell(b?.skill_rmse, m))}</tr>`;
    })}</tbody>
  </table>`;
}

/** Per site, every model's nRMSE as a dot (the hybrid larger), sites by the hybrid's error. */
export function siteChart(rows, {width} = {}) {
  const hybrid = rows.filter((r) => r.model === "hybrid").sort((a, b) => a.nrmse_pct - b.nrmse_pct);
  const names = [...hybrid.map((r) => r.name), ...new Set(rows.map((r) => r.name).filter((n) => !hybrid.some((h) => h.name === n)))];
  return Plot.plot({
    width,
    height: 50 + names.length * 30,
    marginLeft: 190,
    marginRight: 20,
    x: {label: "nRMSE (% of the site's capacity), lower is better", grid: true, zero: true, nice: true},
    y: {domain: names, label: null},
    color: modelColor,
    marks: [
      Plot.ruleY(names, {stroke: "currentColor", strokeOpacity: 0.08}),
      Plot.dot(rows, {x: "nrmse_pct", y: "name", fill: (r) => modelName(r.model), r: (r) => (r.model === "hybrid" ? 6 : 4), stroke: "white", strokeWidth: 0.6, className: "backtest-site-dot"}),
      Plot.tip(rows, Plot.pointer({x: "nrmse_pct", y: "name", title: (r) => `${r.name}\n${modelName(r.model)}: nRMSE ${fmt(r.nrmse_pct, 2)}% · RMSE ${fmt(r.rmse_kwh, 2)} kWh\nskill ${r.model === "smart persistence" ? "0 (reference)" : fmt(r.skill_rmse, 2)} · ${r.n?.toLocaleString("en-US")} hours`}))
    ]
  });
}

/** Fleet nRMSE by site-local hour of day, one line per model. */
export function hourChart(rows, {width, height = 300} = {}) {
  return Plot.plot({
    width,
    height,
    marginLeft: 56,
    marginRight: 20,
    x: {label: "Hour of day (each site's local time; value for the hour starting then)", domain: [0, 23], ticks: 12, grid: true},
    y: {label: "nRMSE (% of capacity)", grid: true, zero: true, nice: true},
    color: modelColor,
    marks: [
      Plot.lineY(rows, {x: "hour_local", y: "nrmse_pct", stroke: (r) => modelName(r.model), z: "model", strokeWidth: (r) => (r.model === "hybrid" ? 2.6 : 1.4), className: "backtest-hour-line"}),
      Plot.dot(rows.filter((r) => r.model === "hybrid"), {x: "hour_local", y: "nrmse_pct", fill: modelName("hybrid"), r: 2.5}),
      Plot.ruleY([0]),
      Plot.tip(rows, Plot.pointer({x: "hour_local", y: "nrmse_pct", title: (r) => `${String(r.hour_local).padStart(2, "0")}:00 local · ${modelName(r.model)}\nnRMSE ${fmt(r.nrmse_pct, 2)}% · nMAE ${fmt(r.nmae_pct, 2)}% · bias ${signed(r.bias_pct, 2)}%\n${r.n?.toLocaleString("en-US")} hours`}))
    ]
  });
}

/** Hours × models nRMSE, with the hybrid's hours and bias. */
export function hourTableView(table, byHour) {
  const models = MODEL_ORDER.filter((m) => table.some((r) => r[m] != null));
  const bias = new Map(byHour.filter((r) => r.model === "hybrid").map((r) => [r.hour_local, r.bias_pct]));
  return html`<div class="forecast-scroll backtest-hour-scroll"><table class="forecast-table" data-testid="backtest-hour-table">
    <thead><tr><th>Local hour</th>${models.map((m) => html`<th class="num" title=${modelName(m)}>${shortName(m)}</th>`)}<th class="num" title="hybrid bias, forecast − measured, % of capacity">Hybrid bias</th></tr></thead>
    <tbody>${table.map(
      (r) => html`<tr><td title=${`${r.n?.toLocaleString("en-US") ?? "–"} hours`}>${String(r.hour_local).padStart(2, "0")}:00</td>${models.map((m) => num(fmt(r[m], 1)))}${num(signed(bias.get(r.hour_local), 2))}</tr>`
    )}</tbody>
  </table></div>`;
}

/** Every model, all windows pooled, fleet: errors, skill against smart persistence, pinball loss. */
export function skillTable(rows) {
  return html`<table class="forecast-table" data-testid="backtest-skill-table">
    <thead><tr><th>Model</th><th class="num">Hours</th><th class="num">nRMSE</th><th class="num">nMAE</th><th class="num" title="mean absolute percentage error over hours above 5% of capacity">MAPE</th><th class="num" title="mean of forecast − measured, % of capacity: negative forecasts too low">Bias</th><th class="num" title="1 − RMSE / RMSE of smart persistence on the same hours">Skill vs smart persistence</th><th class="num" title="pinball loss of the 80% interval's bounds (10% and 90% quantiles), % of capacity; lower is better">Pinball 80%</th></tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr class=${r.model === "hybrid" ? "forecast-chosen" : ""} data-model=${r.model}>
        <td>${modelName(r.model)}</td>
        ${num(r.n?.toLocaleString("en-US") ?? "–")}
        ${num(pctPts(r.nrmse_pct, 2))}
        ${num(pctPts(r.nmae_pct, 2))}
        ${num(pctPts(r.mape_pct, 1))}
        ${num(r.bias_pct != null ? `${signed(r.bias_pct, 2)}%` : r.bias_kwh != null ? `${signed(r.bias_kwh, 2)} kWh` : "–")}
        ${num(skillCell(r.skill_rmse, r.model))}
        ${num(r.pinball80_pct == null ? "–" : `${fmt(r.pinball80_pct, 2)}%`)}
      </tr>`
    )}</tbody>
  </table>`;
}

/**
 * Realised coverage per window: one dot per window and level, the nominal 80% and 95% as dashed
 * lines. Dots below their line mean the interval was too narrow that month.
 */
export function coverageWindowChart(rows, {width, height = 260} = {}) {
  const levels = ["80%", "95%"];
  const data = rows.map((r) => ({...r, levelName: r.level === 0.8 ? "80%" : "95%"}));
  const lo = Math.min(0.6, ...data.map((r) => r.realised - 0.02));
  return Plot.plot({
    width,
    height,
    marginLeft: 56,
    marginRight: 40,
    x: {type: "utc", label: "Window origin", grid: true},
    y: {label: "Share of measured values inside the interval", domain: [lo, 1], tickFormat: (d) => `${Math.round(d * 100)}%`, grid: true},
    color: {domain: levels, range: ["#4269d0", "#ff725c"], legend: true},
    marks: [
      Plot.ruleY([0.8, 0.95], {stroke: (d) => (d === 0.8 ? "80%" : "95%"), strokeDasharray: "5 4", strokeOpacity: 0.8}),
      Plot.text([0.8, 0.95], {y: (d) => d, text: (d) => `nominal ${Math.round(d * 100)}%`, frameAnchor: "right", textAnchor: "end", dy: -6, fontSize: 10, fill: "currentColor"}),
      Plot.lineY(data, {x: "origin", y: "realised", stroke: "levelName", z: "levelName", strokeOpacity: 0.4}),
      Plot.dot(data, {x: "origin", y: "realised", fill: "levelName", r: 4, className: "backtest-coverage-dot"}),
      Plot.tip(data, Plot.pointer({x: "origin", y: "realised", title: (r) => `window ${r.window}, origin ${day(r.origin)}\n${r.levelName} interval: ${pct(r.realised, 1)} of measured values inside (nominal ${r.levelName})\nmean width ${fmt(r.width_pct, 1)}% of capacity · ${r.n?.toLocaleString("en-US")} hours`}))
    ]
  });
}

/** Realised coverage per site (all windows pooled) against the nominal levels. */
export function coverageSiteChart(rows, {width} = {}) {
  const names = [...new Set(rows.map((r) => r.name))];
  const data = rows.map((r) => ({...r, levelName: r.level === 0.8 ? "80%" : "95%"}));
  const lo = Math.min(0.6, ...data.map((r) => r.realised - 0.02));
  return Plot.plot({
    width,
    height: 60 + names.length * 28,
    marginLeft: 190,
    marginRight: 20,
    x: {label: "Share of measured values inside the interval", domain: [lo, 1], tickFormat: (d) => `${Math.round(d * 100)}%`, grid: true},
    y: {domain: names, label: null},
    color: {domain: ["80%", "95%"], range: ["#4269d0", "#ff725c"], legend: true},
    marks: [
      Plot.ruleX([0.8, 0.95], {stroke: (d) => (d === 0.8 ? "80%" : "95%"), strokeDasharray: "5 4", strokeOpacity: 0.8}),
      Plot.ruleY(names, {stroke: "currentColor", strokeOpacity: 0.08}),
      Plot.dot(data, {x: "realised", y: "name", fill: "levelName", r: 5, className: "backtest-coverage-site-dot"}),
      Plot.tip(data, Plot.pointer({x: "realised", y: "name", title: (r) => `${r.name}\n${r.levelName} interval: ${pct(r.realised, 1)} inside (nominal ${r.levelName})\nmean width ${fmt(r.width_pct, 1)}% of capacity`}))
    ]
  });
}

/** Coverage and width per scope: the numbers behind the two coverage charts. */
export function coverageTable(rows) {
  const scopes = [];
  const seen = new Map();
  for (const r of rows) {
    const key = r.scope === "window" ? `w${r.window}` : r.site_id;
    if (!seen.has(key)) {
      const o = {key, label: r.scope === "window" ? `Window ${r.window} (${day(r.origin)})` : r.name, scope: r.scope};
      seen.set(key, o);
      scopes.push(o);
    }
    const o = seen.get(key);
    if (r.level === 0.8) Object.assign(o, {c80: r.realised, w80: r.width_pct});
    else Object.assign(o, {c95: r.realised, w95: r.width_pct});
  }
  return html`<div class="forecast-scroll"><table class="forecast-table" data-testid="backtest-coverage-table">
    <thead><tr><th>Scope</th><th class="num">Coverage 80%</th><th class="num">Width 80%</th><th class="num">Coverage 95%</th><th class="num">Width 95%</th></tr></thead>
    <tbody>${scopes.map(
      (o) => html`<tr data-scope=${o.scope}><td>${o.label}</td>${num(coverageCell(o.c80, 0.8))}${num(pctPts(o.w80, 1))}${num(coverageCell(o.c95, 0.95))}${num(pctPts(o.w95, 1))}</tr>`
    )}</tbody>
  </table></div>`;
}

function variableText(v) {
  return VARIABLES[v] ? `${VARIABLES[v].label}` : v;
}

function meanText(r) {
  const spec = VARIABLES[r.variable];
  const digits = spec?.digits ?? 2;
  if (r.mean_reference == null && r.mean_recent == null) return "–";
  return `${fmt(r.mean_reference, digits)} → ${fmt(r.mean_recent, digits)}${spec ? ` ${spec.unit}` : ""}`;
}

/**
 * The drift table, one row per drift row. It is an input: clicking a row with a histogram (or its
 * button) sets `value` to that row and dispatches "input", so the page can show its distributions.
 */
export function driftTable(rows, {value = null} = {}) {
  let current = value;
  const body = rows.map((r) => {
    // One template per cell: a template of several bare <td>s outside a <tr> loses its cells in htl's parse.
    const stats = r.kind === "error"
      ? [html`<td class="num" colspan="3">RMSE recent <strong>${pctPts(r.rmse_recent_pct, 2)}</strong> vs backtest <strong>${pctPts(r.rmse_reference_pct, 2)}</strong></td>`, html`<td class="num">ratio <strong>${fmt(r.rmse_ratio, 2)}</strong></td>`]
      : [num(fmt(r.psi, 3)), num(fmt(r.ks, 3)), num(fmt(r.wasserstein_sd, 2)), num(meanText(r))];
    const button = r.hist ? html`<button type="button" class="backtest-link" aria-label=${`Show distributions of ${r.name} ${r.variable}`}>show</button>` : html`<span class="muted">–</span>`;
    const tr = html`<tr data-key=${r.key} data-kind=${r.kind} class=${`${r.hist ? "backtest-clickable" : ""} ${current?.key === r.key ? "forecast-chosen" : ""}`}>
      <td>${r.name}</td><td title=${r.variable}>${variableText(r.variable)}<br><span class="muted">${r.kind}</span></td><td>${statusPill(r.status)}</td>
      ${stats}
      <td class="backtest-reference">${r.reference ?? "–"}<br><span class="muted">${r.n_reference?.toLocaleString("en-US") ?? "–"} reference · ${r.n_recent?.toLocaleString("en-US") ?? "–"} recent hours</span></td>
      <td>${button}</td>
    </tr>`;
    if (r.hist) {
      tr.addEventListener("click", () => {
        current = r;
        for (const other of table.querySelectorAll("tbody tr")) other.classList.toggle("forecast-chosen", other === tr);
        table.value = r;
        table.dispatchEvent(new Event("input", {bubbles: true}));
      });
    }
    return tr;
  });
  const table = html`<div class="forecast-scroll"><table class="forecast-table backtest-drift-table" data-testid="backtest-drift-table">
    <thead><tr><th>Site</th><th>Variable</th><th>Status</th><th class="num" title="Population Stability Index over the reference's quantile bins; warning from 0.1, critical from 0.25 (defaults)">PSI</th><th class="num" title="Kolmogorov–Smirnov statistic D (largest gap between the two CDFs); warning from 0.1, critical from 0.2">KS D</th><th class="num" title="Wasserstein-1 distance in units of the reference's standard deviation; warning from 0.1, critical from 0.25">W / SD</th><th class="num">Mean reference → recent</th><th>Reference</th><th>Distributions</th></tr></thead>
    <tbody>${body}</tbody>
  </table></div>`;
  table.value = current;
  return table;
}

/** Reference and recent shares per bin, side by side (bins are the reference's quantiles, so the reference fills them about evenly). */
export function histogramChart(row, {width, height = 300} = {}) {
  const spec = VARIABLES[row.variable];
  const labels = row.hist.bins.map((b) => binLabel(b, spec?.digits ?? 2));
  const data = row.hist.bins.flatMap((b, i) => [
    {bin: labels[i], which: "reference", share: b.reference, b},
    {bin: labels[i], which: "recent", share: b.recent, b}
  ]);
  return Plot.plot({
    width,
    height,
    marginLeft: 56,
    marginBottom: 70,
    fx: {domain: labels, label: `${spec ? `${spec.label} (${spec.unit})` : row.variable}, bins from the reference's quantiles`, tickRotate: -30, padding: 0.1},
    x: {axis: null, domain: ["reference", "recent"]},
    y: {label: "Share of hours", tickFormat: (d) => `${Math.round(d * 100)}%`, grid: true, nice: true},
    color: {domain: ["reference", "recent"], range: ["#9498a0", "#ff725c"], legend: true},
    marks: [
      Plot.barY(data, {fx: "bin", x: "which", y: "share", fill: "which", className: "backtest-histogram-bar"}),
      Plot.ruleY([0]),
      Plot.tip(data, Plot.pointer({fx: "bin", x: "which", y: "share", title: (d) => `${d.which}: ${pct(d.share, 1)} of hours in ${d.bin}${spec ? ` ${spec.unit}` : ""}`}))
    ]
  });
}

/** The retraining history, newest first. */
export function retrainingTable(rows) {
  return html`<div class="forecast-scroll"><table class="forecast-table" data-testid="backtest-retraining-table">
    <thead><tr><th>Decided (UTC)</th><th>Data up to</th><th>Decision</th><th>Reasons</th><th class="num">Model age</th><th class="num" title="recent RMSE / backtest RMSE of the same months, fleet">RMSE ratio</th><th>Versions before → after</th></tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr>
        <td class="nowrap" title=${`snapshot ${r.snapshot_id}`}>${r.decided_at ? utcStamp(+r.decided_at).slice(0, 16) : "–"}</td>
        <td class="nowrap">${r.as_of ? utcStamp(+r.as_of).slice(0, 16) : "–"}</td>
        <td>${decisionPill(r.decision)}</td>
        <td>${r.reasonList.length ? html`<ul class="backtest-reasons">${r.reasonList.map((x) => html`<li>${x}</li>`)}</ul>` : "–"}</td>
        ${num(r.model_age_days == null ? "–" : `${fmt(r.model_age_days, 0)} d`)}
        ${num(fmt(r.rmse_ratio, 2))}
        <td><code>${r.versions_before ?? "–"}</code> → <code>${r.versions_after ?? "–"}</code></td>
      </tr>`
    )}</tbody>
  </table></div>`;
}

export function decisionPill(decision) {
  return html`<span class=${`pill ${decision === "retrain" ? "pill--warn" : decision === "keep" ? "pill--ok" : "pill--info"}`} data-decision=${decision}>${decision ?? "–"}</span>`;
}

/** The registry with the reason each version was fitted and its evaluation-window scores. */
export function registryHistoryTable(rows) {
  return html`<div class="forecast-scroll backtest-registry-scroll"><table class="forecast-table" data-testid="backtest-registry-table">
    <thead><tr><th>Version</th><th>Purpose</th><th>Created (UTC)</th><th>Training window</th><th>Weather</th><th>Why fitted</th><th class="num" title="evaluation window, fleet">nRMSE</th><th class="num">Skill</th><th class="num">Cov. 80 / 95%</th><th>In use</th></tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr class=${r.in_use ? "" : "muted"} data-version=${r.version}>
        <td><code title=${`${r.version}\ndata ${r.data_hash} · code ${r.code_version}`}>${String(r.version).slice(0, 8)}</code></td>
        <td>${r.purpose}<br><span class="muted">${r.kind}</span></td>
        <td class="nowrap" title=${`snapshot ${r.snapshot_id}`}>${r.created_at ? utcStamp(+r.created_at).slice(0, 16) : "–"}</td>
        <td class="nowrap">${day(r.train_start)} → ${day(r.train_end)}</td>
        <td title=${`trained on: ${r.training_weather ?? "unknown"}`}>${weatherShort(r.training_weather)}</td>
        <td class="backtest-reason">${r.reasonList.length ? r.reasonList.join("; ") : html`<span class="muted" title="fitted before the registry recorded reasons">not recorded</span>`}</td>
        ${num(pctPts(r.nrmse_pct, 2))}
        ${num(r.skill_rmse == null ? "–" : signed(r.skill_rmse, 2))}
        ${num(r.coverage80 == null ? "–" : html`${coverageCell(r.coverage80, 0.8)} / ${coverageCell(r.coverage95, 0.95)}`)}
        <td>${r.in_use ? html`<span class="pill pill--ok">in use</span>` : html`<span class="pill pill--info">kept</span>`}</td>
      </tr>`
    )}</tbody>
  </table></div>`;
}

/** Model-selection candidates per stage, the chosen one marked. */
export function selectionTable(rows) {
  return html`<div class="forecast-scroll"><table class="forecast-table" data-testid="backtest-selection-table">
    <thead><tr><th>Stage</th><th>Candidate</th><th>Prophet settings</th><th>GBDT settings</th><th class="num">Windows · hours</th><th class="num">nRMSE</th><th class="num">Skill</th><th class="num">Cov. 80%</th><th class="num">Seconds</th><th>Chosen</th></tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr class=${r.chosen ? "forecast-chosen" : ""} data-chosen=${r.chosen ? "true" : "false"}>
        <td>${r.stage}</td><td>${r.label}</td>
        <td class="backtest-settings">${settingsText(r.prophet)}</td><td class="backtest-settings">${settingsText(r.gbdt)}</td>
        ${num(`${r.windows ?? "–"} · ${r.n?.toLocaleString("en-US") ?? "–"}`)}
        ${num(pctPts(r.nrmse_pct, 2))}
        ${num(skillCell(r.skill_rmse, null))}
        ${num(coverageCell(r.coverage80, 0.8))}
        ${num(fmt(r.seconds, 0))}
        <td>${r.chosen ? html`<span class="pill pill--ok">✓ chosen</span>` : ""}</td>
      </tr>`
    )}</tbody>
  </table></div>`;
}

function weatherShort(text) {
  const t = trainingWeather(text);
  return t.kind === "forecast" ? "forecast" : t.short;
}

function shortName(m) {
  return {persistence: "Persistence", "smart persistence": "Smart pers.", climatology: "Climatology", prophet: "Prophet", hybrid: "Hybrid"}[m] ?? m;
}
