// Data shaping for the Backtest page: the walk-forward backtest's windows and metrics, the drift
// checks with their histograms, the retraining decisions, the model registry and the model
// selection. Plain JavaScript with no imports beyond forecastData.js (itself import-free), so Node
// tests can load it. Rows come from readTable (times as Dates, BigInts as numbers).
import {greatest, least, MODEL_ORDER, parseJsonText, registryRows} from "./forecastData.js";

export {MODEL_ORDER};
/** The horizon bands backtest_metrics scores separately (besides "all"). */
export const HORIZON_BANDS = ["1–24 h", "25–48 h"];
export const STATUS_ORDER = ["critical", "warning", "ok"];
const KIND_ORDER = ["error", "production", "weather"];

/** Units of the variables the drift checks compare, for axis labels and means. */
export const VARIABLES = {
  ghi: {label: "GHI", unit: "W/m²", digits: 0},
  temp_c: {label: "Temperature", unit: "°C", digits: 1},
  cloud_cover_pct: {label: "Cloud cover", unit: "%", digits: 0},
  wind_ms: {label: "Wind speed", unit: "m/s", digits: 1},
  energy_per_capacity: {label: "Energy per kW of capacity", unit: "kWh/kW", digits: 2},
  rmse: {label: "Forecast RMSE", unit: "% of capacity", digits: 1}
};

const rank = (list, value) => {
  const i = list.indexOf(value);
  return i < 0 ? list.length : i;
};
const modelRank = (m) => rank(MODEL_ORDER, m);
const time = (d) => (d == null ? null : +d);
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// Backtest metrics

/** Metric rows of one window (0 = all windows pooled), scope and horizon band, in MODEL_ORDER. */
export function metricsFor(rows, {window = 0, site = "fleet", horizon = "all"} = {}) {
  return rows.filter((r) => r.window === window && r.site_id === site && r.horizon === horizon).sort((a, b) => modelRank(a.model) - modelRank(b.model));
}

/**
 * The headline: how many origins, from the first origin to the end of the last test window, the
 * split mode, and the fleet's pooled hybrid and smart-persistence rows with the weather share.
 * Null when the backtest produced no windows (disabled, too little history).
 */
export function backtestSummary(windows, metrics) {
  if (!windows.length) return null;
  const sorted = [...windows].sort((a, b) => a.window - b.window);
  const fleet = metricsFor(metrics);
  const hybrid = fleet.find((r) => r.model === "hybrid") ?? null;
  const smart = fleet.find((r) => r.model === "smart persistence") ?? null;
  const shares = metrics.filter((r) => r.window === 0).map((r) => r.forecast_weather_share).filter((x) => x != null && Number.isFinite(x));
  const testDays = sorted.map((w) => (time(w.test_end) - time(w.test_start)) / 86_400_000);
  return {
    origins: sorted.length,
    firstOrigin: sorted[0].origin,
    lastTestEnd: new Date(greatest(sorted.map((w) => time(w.test_end)))),
    trainStart: new Date(least(sorted.map((w) => time(w.train_start)))),
    modes: [...new Set(sorted.map((w) => w.mode).filter(Boolean))],
    sites: Math.max(0, ...sorted.map((w) => w.sites ?? 0)),
    transferSites: Math.max(0, ...sorted.map((w) => w.transfer_sites ?? 0)),
    testDays: [least(testDays), greatest(testDays)],
    hybrid,
    smart,
    hours: hybrid?.n ?? null,
    periodStart: hybrid?.period_start ?? null,
    periodEnd: hybrid?.period_end ?? null,
    shareMin: shares.length ? least(shares) : null,
    shareMax: shares.length ? greatest(shares) : null,
    fitSeconds: sorted.reduce((s, w) => s + (w.fit_seconds ?? 0), 0)
  };
}

/**
 * Fleet error per window and model (horizon "all"), each with its window's origin, for the
 * over-time chart; windows without a backtest_windows row fall back to their period start.
 */
export function errorOverTime(metrics, windows) {
  const origin = new Map(windows.map((w) => [w.window, w.origin]));
  return metrics
    .filter((r) => r.window > 0 && r.site_id === "fleet" && r.horizon === "all" && r.nrmse_pct != null)
    .map((r) => ({window: r.window, origin: origin.get(r.window) ?? r.period_start, model: r.model, nrmse_pct: r.nrmse_pct, nmae_pct: r.nmae_pct, skill_rmse: r.skill_rmse, n: r.n}))
    .sort((a, b) => a.window - b.window || modelRank(a.model) - modelRank(b.model));
}

/** Fleet rows of every window pooled for the two horizon bands, model by model. */
export function errorByHorizon(metrics) {
  return metrics
    .filter((r) => r.window === 0 && r.site_id === "fleet" && HORIZON_BANDS.includes(r.horizon))
    .sort((a, b) => modelRank(a.model) - modelRank(b.model) || rank(HORIZON_BANDS, a.horizon) - rank(HORIZON_BANDS, b.horizon));
}

/** Per-site rows of every window pooled (horizon "all"), with the site's name. */
export function errorBySite(metrics, names = new Map()) {
  return metrics
    .filter((r) => r.window === 0 && r.site_id !== "fleet" && r.horizon === "all")
    .map((r) => ({...r, name: names.get(r.site_id) ?? r.site_id}))
    .sort((a, b) => cmp(a.name, b.name) || modelRank(a.model) - modelRank(b.model));
}

/**
 * The skill table's rows: the fleet, all windows pooled, horizon "all", in MODEL_ORDER. Fleet rows
 * carry no kWh bias (kWh do not add up across sites of different size), so the bias in % of
 * capacity comes from backtest_by_hour (an n-weighted mean over hours), used only when its hours
 * add up to the same count as the metrics row, i.e. the same hours were scored.
 */
export function skillRows(metrics, byHour = []) {
  return metricsFor(metrics).map((r) => {
    const hours = byHour.filter((h) => h.model === r.model && h.n > 0 && h.bias_pct != null);
    const n = hours.reduce((s, h) => s + h.n, 0);
    const bias = n > 0 && n === r.n ? hours.reduce((s, h) => s + h.n * h.bias_pct, 0) / n : null;
    return {...r, bias_pct: bias};
  });
}

/** backtest_by_hour in hour and model order. */
export function errorByHour(rows) {
  return [...rows].sort((a, b) => a.hour_local - b.hour_local || modelRank(a.model) - modelRank(b.model));
}

/** One row per hour with every model's nRMSE side by side (for the table). */
export function hourTable(rows) {
  const hours = [...new Set(rows.map((r) => r.hour_local))].sort((a, b) => a - b);
  return hours.map((hour) => {
    const o = {hour_local: hour, n: null};
    for (const r of rows.filter((x) => x.hour_local === hour)) {
      o[r.model] = r.nrmse_pct;
      if (r.model === "hybrid" || o.n == null) o.n = r.n;
    }
    return o;
  });
}

/**
 * Realised interval coverage of the hybrid against its nominal level: per window (fleet) and per
 * site (all windows pooled); one row per scope and level, with the interval's mean width.
 */
export function coverageRows(metrics, windows, names = new Map()) {
  const origin = new Map(windows.map((w) => [w.window, w.origin]));
  const hybrid = metrics.filter((r) => r.model === "hybrid" && r.horizon === "all" && (r.coverage80 != null || r.coverage95 != null));
  const out = [];
  const push = (r, scope, extra) => {
    for (const [level, cov, width] of [[0.8, r.coverage80, r.width80_pct], [0.95, r.coverage95, r.width95_pct]]) {
      if (cov == null) continue;
      out.push({scope, level, nominal: level, realised: cov, gap: cov - level, width_pct: width ?? null, n: r.n, ...extra});
    }
  };
  for (const r of hybrid.filter((r) => r.site_id === "fleet" && r.window > 0).sort((a, b) => a.window - b.window)) push(r, "window", {window: r.window, origin: origin.get(r.window) ?? r.period_start, site_id: "fleet"});
  const sites = hybrid.filter((r) => r.site_id !== "fleet" && r.window === 0).map((r) => ({...r, name: names.get(r.site_id) ?? r.site_id})).sort((a, b) => cmp(a.name, b.name));
  for (const r of sites) push(r, "site", {window: 0, site_id: r.site_id, name: r.name});
  return out;
}

// ---------------------------------------------------------------------------------------------
// Drift

/**
 * A drift row's histogram JSON as bins: bin k covers (edges[k−1], edges[k]], the first from `min`,
 * the last to `max`; `reference` and `recent` are shares per bin. Null for missing or malformed
 * JSON, or when the share arrays do not have one more entry than the edges.
 */
export function parseHistogram(text) {
  if (text == null || text === "") return null;
  let h;
  try {
    h = typeof text === "string" ? JSON.parse(text) : text;
  } catch {
    return null;
  }
  if (!h || !Array.isArray(h.edges) || !Array.isArray(h.reference) || !Array.isArray(h.recent)) return null;
  const n = h.edges.length + 1;
  if (h.reference.length !== n || h.recent.length !== n) return null;
  const min = Number.isFinite(h.min) ? h.min : h.edges[0];
  const max = Number.isFinite(h.max) ? h.max : h.edges.at(-1);
  const bins = [];
  for (let k = 0; k < n; k++) {
    const lo = k === 0 ? min : h.edges[k - 1];
    const hi = k === n - 1 ? max : h.edges[k];
    bins.push({k, lo, hi, reference: Number(h.reference[k]) || 0, recent: Number(h.recent[k]) || 0});
  }
  return {bins, min, max, edges: h.edges};
}

/**
 * "0.05–0.10" style label of a bin with at least `digits` decimals, more (up to 4) when the bounds
 * would otherwise read the same ("0.000–0.003", not "0.00–0.00"); "≤ x" for a bin of zero width at
 * the bottom (many values at the minimum, e.g. zero cloud cover), "= x" elsewhere.
 */
export function binLabel(bin, digits = 2) {
  const f = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : "?");
  if (bin.lo === bin.hi) return bin.k === 0 ? `≤ ${f(bin.hi, digits)}` : `= ${f(bin.hi, digits)}`;
  let d = digits;
  while (d < 4 && f(bin.lo, d) === f(bin.hi, d)) d++;
  return `${f(bin.lo, d)}–${f(bin.hi, d)}`;
}

/**
 * The drift table's rows: histogram parsed, a stable key, critical first (then warning, ok),
 * within a status error rows, then production, then weather, by site and variable.
 */
export function driftRows(rows, names = new Map()) {
  return rows
    .map((r) => ({
      ...r,
      key: `${r.site_id}|${r.kind}|${r.variable}`,
      name: r.site_id === "fleet" ? "Fleet" : names.get(r.site_id) ?? r.site_id,
      hist: parseHistogram(r.histogram)
    }))
    .sort((a, b) => rank(STATUS_ORDER, a.status) - rank(STATUS_ORDER, b.status) || rank(KIND_ORDER, a.kind) - rank(KIND_ORDER, b.kind) || cmp(a.name, b.name) || cmp(a.variable, b.variable));
}

/** Counts per status and the worst status; the recent and reference windows the checks used. */
export function driftOverview(rows) {
  const counts = {critical: 0, warning: 0, ok: 0};
  for (const r of rows) if (r.status in counts) counts[r.status]++;
  const worst = STATUS_ORDER.find((s) => counts[s] > 0) ?? null;
  const recentStarts = rows.map((r) => time(r.recent_start)).filter((t) => t != null);
  const recentEnds = rows.map((r) => time(r.recent_end)).filter((t) => t != null);
  return {
    rows: rows.length,
    counts,
    worst,
    recentStart: recentStarts.length ? new Date(least(recentStarts)) : null,
    recentEnd: recentEnds.length ? new Date(greatest(recentEnds)) : null,
    errorRows: rows.filter((r) => r.kind === "error").length
  };
}

/** The row to show a distribution for first: the worst row that has a histogram. */
export function defaultDriftRow(rows) {
  return rows.find((r) => r.hist) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Retraining, registry, selection

const splitReasons = (text) =>
  String(text ?? "")
    .split(/;\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
const splitList = (v) => (Array.isArray(v) ? v : String(v ?? "").split(/,\s*/)).map((s) => String(s).trim()).filter(Boolean);

/** retraining rows newest first, reasons and critical drift split into lists. */
export function retrainingRows(rows) {
  return rows
    .map((r) => ({...r, reasonList: splitReasons(r.reasons), criticalList: splitList(r.critical_drift)}))
    .sort((a, b) => time(b.decided_at) - time(a.decided_at));
}

/**
 * The latest decision: the manifest's (the run that made this snapshot), else the newest row of
 * the retraining table. Null when neither has one.
 */
export function latestDecision(manifestRetraining, rows = []) {
  const m = manifestRetraining;
  if (m && m.decision) {
    return {
      source: "manifest",
      decision: m.decision,
      reasons: Array.isArray(m.reasons) ? m.reasons : splitReasons(m.reasons),
      model_age_days: m.model_age_days ?? null,
      rmse_ratio: m.rmse_ratio ?? null,
      critical_drift: splitList(m.critical_drift)
    };
  }
  const r = rows[0];
  if (!r) return null;
  return {source: "table", decision: r.decision, reasons: r.reasonList ?? splitReasons(r.reasons), model_age_days: r.model_age_days ?? null, rmse_ratio: r.rmse_ratio ?? null, critical_drift: r.criticalList ?? splitList(r.critical_drift)};
}

/** model_registry newest first (params and metrics parsed) with the reason split into a list. */
export function registryHistory(rows) {
  return registryRows(rows).map((r) => ({...r, reasonList: splitReasons(r.reason)}));
}

/**
 * model_selection candidates: the Prophet stage first, then the GBDT stage, each best nRMSE first;
 * Prophet and GBDT settings parsed from JSON (text that is not JSON stays text).
 */
export function selectionRows(rows) {
  const stages = ["prophet", "gbdt"];
  return rows
    .map((r) => ({...r, prophet: parseJsonText(r.prophet), gbdt: parseJsonText(r.gbdt), chosen: r.chosen === true || r.chosen === "true"}))
    .sort((a, b) => rank(stages, a.stage) - rank(stages, b.stage) || (a.nrmse_pct ?? Infinity) - (b.nrmse_pct ?? Infinity));
}

/** "key=value, …" of a settings object; "defaults" when empty. */
export function settingsText(o) {
  if (o == null) return "–";
  if (typeof o !== "object") return String(o);
  const entries = Object.entries(o);
  return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ") : "defaults";
}

/** "100%" or "97–100%" for a weather-forecast share range (fractions), "–" when unknown. */
export function shareRange(min, max) {
  if (min == null || max == null) return "–";
  const p = (x) => `${Math.round(x * 1000) / 10}`;
  return p(min) === p(max) ? `${p(min)}%` : `${p(min)}–${p(max)}%`;
}
