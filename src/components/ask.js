// The Ask page's logic: talk to the query endpoint (POST {api}/query, GET {api}/health), turn its
// answer into rows and a Plot chart, and run read-only SQL in the browser over the snapshot tables
// (DuckDB-WASM, loading only the tables a query names). Plain JavaScript with no imports, so Node
// tests load it too: `fetch`, Plot, the clock and the database are parameters. The DOM lives in
// askView.js.

/** The questions offered as examples (demo site names; the endpoint resolves them to site ids). */
export const EXAMPLE_QUESTIONS = [
  "Why was output low on May 12 at Seville?",
  "Compare predicted vs actual for the last 7 days at Phoenix",
  "Show anomaly spikes this week",
  "Which weather factor most influenced yesterday's output?",
  "Which sites have the worst forecast error?",
  "What is tomorrow's forecast?"
];

/**
 * The tables the site ships (src/data/*.parquet) and so the Raw SQL tab can read, with their
 * columns. A static list because a table's columns are only known once its file is downloaded;
 * the page test checks it against the built Parquet files, so it cannot drift silently.
 */
export const BROWSER_TABLES = [
  {name: "sites", about: "one row per PV site", columns: ["site_id", "name", "lat", "lon", "timezone", "capacity_kw", "tilt", "azimuth"]},
  {name: "production_hourly", about: "measured energy per site and UTC hour, cleaned", columns: ["site_id", "ts", "energy_kwh", "n_samples", "quality"]},
  {name: "weather_hourly", about: "observed and forecast weather per site and hour", columns: ["site_id", "ts", "source", "kind", "issued_at", "ghi_wm2", "dni_wm2", "dhi_wm2", "temp_c", "cloud_cover_pct", "wind_ms", "humidity_pct", "precip_mm"]},
  {name: "forecasts", about: "forecast issues: the evaluation month and the live issue", columns: ["site_id", "issued_at", "ts", "horizon_h", "run", "model", "model_version", "forecast_kwh", "baseline_kwh", "correction_kwh", "lower_80", "upper_80", "lower_95", "upper_95", "persistence_kwh", "smart_persistence_kwh", "climatology_kwh", "clear_sky_kwh", "sun_up", "weather_kind", "weather_source", "weather_issued_at", "issued_in", "actual_kwh"]},
  {name: "forecast_contributions", about: "largest feature contributions to the correction, per hour", columns: ["site_id", "issued_at", "ts", "model_version", "rank", "feature", "contribution_kwh"]},
  {name: "forecast_accuracy", about: "accuracy per site, horizon and model over the evaluation window", columns: ["site_id", "horizon", "model", "n", "rmse_kwh", "mae_kwh", "bias_kwh", "nrmse_pct", "nmae_pct", "skill_rmse", "coverage80", "coverage95", "width80_pct", "mape_pct", "width95_pct", "pinball80_pct", "period_start", "period_end", "forecast_weather_share", "model_version"]},
  {name: "backtest_metrics", about: "walk-forward accuracy per window, site, horizon and model", columns: ["window", "site_id", "horizon", "model", "n", "rmse_kwh", "mae_kwh", "bias_kwh", "nrmse_pct", "nmae_pct", "mape_pct", "skill_rmse", "pinball80_pct", "coverage80", "coverage95", "width80_pct", "width95_pct", "period_start", "period_end", "forecast_weather_share"]},
  {name: "backtest_windows", about: "one row per backtest window", columns: ["window", "origin", "train_start", "train_end", "test_start", "test_end", "mode", "sites", "hybrid_sites", "transfer_sites", "rows", "fit_seconds", "issue_seconds"]},
  {name: "backtest_by_hour", about: "backtest error by site-local hour of day, fleet", columns: ["hour_local", "model", "n", "nrmse_pct", "nmae_pct", "bias_pct"]},
  {name: "anomalies", about: "every judged daytime hour: measured vs expected, z-score", columns: ["site_id", "ts", "actual_kwh", "expected_kwh", "forecast_kwh", "lower_80", "upper_80", "forecast_source", "residual_kwh", "residual_share", "z", "is_anomaly", "event_id", "clear_sky_kwh", "ghi_obs", "clear_ghi", "cloud_cover_pct", "stuck"]},
  {name: "anomaly_events", about: "runs of flagged hours with cause and severity", columns: ["event_id", "site_id", "start_ts", "end_ts", "hours", "direction", "energy_gap_kwh", "max_abs_z", "severity", "cause", "actual_kwh", "expected_kwh", "loss_share", "forecast_kwh", "irradiance_csi", "production_csi", "cloud_cover_pct", "performance", "alarm_ts"]},
  {name: "anomaly_evaluation", about: "alarms scored against labelled faults (demo fleet)", columns: ["fault", "labels", "observable", "found", "recall", "precision", "f1", "median_ttd_h", "max_ttd_h", "alarms", "false_alarms", "period_start", "period_end"]},
  {name: "fault_labels", about: "labelled faults (demo fleet)", columns: ["site_id", "fault", "start_ts", "end_ts", "magnitude", "description"]},
  {name: "drift", about: "input and error drift per site and variable", columns: ["site_id", "kind", "variable", "status", "recent_start", "recent_end", "reference_start", "reference_end", "reference", "n_reference", "n_recent", "psi", "ks", "ks_p", "wasserstein", "wasserstein_sd", "mean_reference", "mean_recent", "rmse_recent_pct", "rmse_reference_pct", "rmse_ratio", "histogram"]},
  {name: "model_registry", about: "every trained model version", columns: ["version", "kind", "purpose", "created_at", "snapshot_id", "sites", "n_sites", "train_start", "train_end", "training_weather", "features", "params", "metrics", "nrmse_pct", "skill_rmse", "coverage80", "coverage95", "data_hash", "code_version", "in_use", "reason", "issue_for"]},
  {name: "retraining", about: "retraining decisions per run", columns: ["decided_at", "snapshot_id", "as_of", "decision", "reasons", "model_age_days", "rmse_ratio", "critical_drift", "versions_before", "versions_after"]},
  {name: "model_selection", about: "model-selection candidates and their scores", columns: ["created_at", "stage", "label", "prophet", "gbdt", "windows", "n", "nrmse_pct", "skill_rmse", "coverage80", "seconds", "chosen", "period_start", "period_end"]},
  {name: "transfer_curve", about: "accuracy against days of history for new sites", columns: ["site_id", "history_days", "model", "n", "rmse_kwh", "nmae_pct", "skill_rmse"]},
  {name: "data_quality", about: "per-site data checks", columns: ["site_id", "check", "value", "status", "detail"]},
  {name: "quality_events", about: "gaps, stuck runs and outliers", columns: ["site_id", "kind", "start_ts", "end_ts", "hours", "detail"]},
  {name: "rejects", about: "input lines rejected at ingest", columns: ["site_id", "source", "line", "reason", "raw"]}
];

/** The Raw SQL tab's first query: seven whole UTC days, the newest in the data. */
export const DEFAULT_SQL = `-- Daily energy per site over the last 7 days of data (UTC days)
SELECT site_id, ts::DATE AS day, round(sum(energy_kwh), 1) AS energy_kwh
FROM production_hourly
WHERE ts >= (SELECT max(ts)::DATE FROM production_hourly) - INTERVAL 6 DAY
GROUP BY ALL
ORDER BY site_id, day`;

/** How the page calls the endpoint when the build set no SUNLINE_API_URL: beside the site (npm run serve). */
export const DEFAULT_API_BASE = "api";
// The first request to a cold endpoint starts its engine (opens the snapshot): give it time.
export const HEALTH_TIMEOUT_MS = 20_000;
export const QUERY_TIMEOUT_MS = 90_000;
/** The Raw SQL tab converts at most this many rows for its table (a query may return the whole anomalies table). */
export const MAX_SHOWN_ROWS = 10_000;

// ---------------------------------------------------------------------------------------------
// The endpoint

/**
 * The URL of `route` ("query", "health") under the endpoint base: an absolute URL, or a path
 * relative to the page (the default "api" on a page at the site root is <site>/api).
 */
export function endpointUrl(base, route, pageUrl) {
  const root = new URL(String(base || DEFAULT_API_BASE).replace(/\/*$/, "/"), pageUrl);
  return new URL(route, root).href;
}

/**
 * GET {base}/health. {ok: true, health, url} when the endpoint answers with its status, else the
 * failure (see postQuestion), so the page can say what works without it.
 */
export async function checkHealth(base, {fetch = globalThis.fetch, pageUrl, timeoutMs = HEALTH_TIMEOUT_MS} = {}) {
  const url = endpointUrl(base, "health", pageUrl);
  const endpoint = endpointUrl(base, "", pageUrl);
  const reply = await call(fetch, url, {method: "GET", headers: {accept: "application/json"}}, timeoutMs, null);
  if (!reply.ok) return {...reply, endpoint, crossOrigin: crossOrigin(endpoint, pageUrl)};
  const health = reply.body;
  if (health?.status !== "ok" || typeof health.snapshot_id !== "string") return {...unreachable(url, reply.status, "it answered, but not with a Sunline health status"), endpoint};
  return {ok: true, url, endpoint, health};
}

/**
 * POST {base}/query with {"question": …}. Resolves (never rejects) to one of these, each with
 * `url` (the request's) and `endpoint` (the base, resolved):
 *   {ok: true, answer, elapsedMs}
 *   {ok: false, kind: "unreachable", status, message}  no endpoint there: the request failed, a
 *      404, or an answer that is not Sunline's JSON (a static host's HTML page, a 405 from it)
 *   {ok: false, kind: "http", status, code, message, retryAfter}  the endpoint refused or failed
 *   {ok: false, kind: "timeout", message}
 *   {ok: false, kind: "aborted", message}  the page asked something else meanwhile
 * `token` adds Authorization: Bearer (an endpoint run with SUNLINE_API_TOKEN needs it).
 */
export async function postQuestion(base, question, {fetch = globalThis.fetch, pageUrl, token = null, signal = null, timeoutMs = QUERY_TIMEOUT_MS, now = () => Date.now()} = {}) {
  const url = endpointUrl(base, "query", pageUrl);
  const endpoint = endpointUrl(base, "", pageUrl);
  const headers = {"content-type": "application/json", accept: "application/json"};
  if (token) headers.authorization = `Bearer ${token}`;
  const started = now();
  const reply = await call(fetch, url, {method: "POST", headers, body: JSON.stringify({question})}, timeoutMs, signal);
  if (!reply.ok) return {...reply, endpoint, crossOrigin: crossOrigin(endpoint, pageUrl)};
  const answer = reply.body;
  if (!isAnswer(answer)) return {...unreachable(url, reply.status, "it answered, but not with a Sunline answer"), endpoint};
  return {ok: true, url, endpoint, answer, elapsedMs: now() - started};
}

/** One request: JSON in, a classified outcome out. */
async function call(fetch, url, init, timeoutMs, outer) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onOuterAbort = () => controller.abort();
  outer?.addEventListener?.("abort", onOuterAbort);
  let response;
  try {
    if (outer?.aborted) throw new Error("aborted");
    response = await fetch(url, {...init, signal: controller.signal});
  } catch (error) {
    if (timedOut) return {ok: false, kind: "timeout", url, status: null, message: `no answer within ${Math.round(timeoutMs / 1000)} s`};
    if (outer?.aborted) return {ok: false, kind: "aborted", url, status: null, message: "replaced by a newer question"};
    return unreachable(url, null, `the request failed: ${error?.message ?? error}`);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener?.("abort", onOuterAbort);
  }
  const status = response.status;
  const type = response.headers.get("content-type") ?? "";
  let body = null;
  if (/json/i.test(type)) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  // A 404 is "nothing there" even when the server says so in JSON (a wrong base URL); only the
  // endpoint's own JSON errors count as refusals.
  if (status === 404) return unreachable(url, status, `HTTP 404 ${response.statusText || "Not Found"}`.trim());
  if (body === null || typeof body !== "object") return unreachable(url, status, `HTTP ${status}, ${type ? `${type.split(";")[0]}` : "no content type"} instead of JSON`);
  if (!response.ok) {
    const error = body.error ?? {};
    return {
      ok: false,
      kind: "http",
      url,
      status,
      code: typeof error.code === "string" ? error.code : null,
      message: typeof error.message === "string" ? error.message : `HTTP ${status}`,
      retryAfter: retryAfterSeconds(response.headers.get("retry-after"))
    };
  }
  return {ok: true, url, status, body};
}

/** A browser refuses another origin's answer unless that endpoint allows this origin (CORS). */
function crossOrigin(endpoint, pageUrl) {
  return new URL(endpoint).origin !== new URL(pageUrl).origin;
}

function unreachable(url, status, message) {
  return {ok: false, kind: "unreachable", url, status, message};
}

/** Retry-After as seconds: a number of seconds, or an HTTP date. */
export function retryAfterSeconds(value, now = Date.now()) {
  if (value == null || value === "") return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : null;
}

function isAnswer(a) {
  return a != null && typeof a === "object" && typeof a.answer === "string" && Array.isArray(a.columns) && Array.isArray(a.rows);
}

/**
 * What to tell the user about a failed request, as {title, detail}: plain text (`code` in
 * backticks), the endpoint's own message kept (it names the limit or the field). `brief` for a
 * failed question when the status line above already explained a missing endpoint.
 */
export function failureText(failure, {brief = false} = {}) {
  const said = failure.message ? sentence(failure.message) : "";
  const where = failure.endpoint ?? failure.url;
  switch (failure.kind) {
    case "unreachable": {
      // A request that failed outright to another origin is most often CORS, not a missing server.
      const cors = failure.crossOrigin && failure.status == null ? " The endpoint is on another origin: if it is running, it must allow this site's origin (SUNLINE_API_ORIGIN on the server)." : "";
      if (brief) return {title: `No answer: the query endpoint is not reachable at ${where}`, detail: `${said}${cors} The Raw SQL tab works without it.`};
      return {
        title: `The query endpoint is not reachable at ${where}`,
        detail: `${said}${cors} The static site works without it: every other page, and the Raw SQL tab here, run in your browser. To ask questions in plain language, run \`npm run serve\` locally (it serves the site and /api together), or deploy api/ and build the site with SUNLINE_API_URL set to its address.`
      };
    }
    case "timeout":
      return {title: "The endpoint took too long", detail: `${said} Try a narrower question (one site, a shorter period).`};
    case "aborted":
      return {title: "Cancelled", detail: said};
    default:
      break;
  }
  const {status} = failure;
  // The endpoint's own 429 text says the same as the title.
  if (status === 429) return {title: `Too many questions: try again in ${failure.retryAfter ?? "a few"} s`, detail: ""};
  if (status === 401) return {title: "This endpoint needs a token", detail: `${said} Paste it in the token field below; it is kept in this tab only.`};
  if (status === 413) return {title: "The question is too long for the endpoint", detail: said};
  if (status === 400) return {title: "The endpoint could not take this question", detail: said};
  if (status >= 500) return {title: `The endpoint failed (HTTP ${status})`, detail: said};
  return {title: `The endpoint refused the question (HTTP ${status})`, detail: said};
}

function sentence(text) {
  const t = String(text).trim();
  if (!t) return "";
  return `${t[0].toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? "" : "."}`;
}

// ---------------------------------------------------------------------------------------------
// Answers as rows and charts

const TIME_TYPE = /^(TIMESTAMP|DATE)/i;

/** Column names made unique (a join can return two site_id), in order: name, name_2, … */
export function uniqueNames(names) {
  const seen = new Map();
  return names.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}_${n}`;
  });
}

/** An ISO date or timestamp (JSON carries them as text) as a Date; naive stamps are UTC (every table stores UTC). */
export function parseTime(value) {
  if (value == null) return null;
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  const s = String(value).trim();
  const m = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(Z|[+-]\d\d(?::?\d\d)?)?)?$/.exec(s);
  if (!m) return null;
  const zone = m[3] ? (m[3] === "Z" ? "Z" : m[3].replace(/^([+-]\d\d)(\d\d)$/, "$1:$2").replace(/^([+-]\d\d)$/, "$1:00")) : "Z";
  const d = new Date(`${m[1]}T${m[2] ?? "00:00"}${zone}`);
  return Number.isNaN(+d) ? null : d;
}

/**
 * The answer's row-major cells as objects keyed by (unique) column name, timestamps and dates as
 * Dates for Plot and Inputs.table.
 */
export function rowsToObjects(columns, rows) {
  const keys = uniqueNames(columns.map((c) => c.name));
  const time = columns.map((c) => TIME_TYPE.test(c.type ?? ""));
  return rows.map((row) => {
    const o = {};
    keys.forEach((k, i) => {
      const v = row[i] ?? null;
      o[k] = time[i] && v !== null ? (parseTime(v) ?? v) : v;
    });
    return o;
  });
}

/**
 * The chart spec's data in long form, {x, y, series}: one row per (row, y column) with a finite y.
 * Series are the `series` column's values, the y column's name, or both ("Phoenix · forecast_kwh")
 * when there are several of each. Null when the spec names a column the answer lacks.
 */
export function chartData(spec, columns, rows) {
  if (!spec || !Array.isArray(spec.y) || spec.y.length === 0) return null;
  const keys = uniqueNames(columns.map((c) => c.name));
  if (![spec.x, ...spec.y, ...(spec.series ? [spec.series] : [])].every((c) => keys.includes(c))) return null;
  const objects = rows.length && !Array.isArray(rows[0]) ? rows : rowsToObjects(columns, rows);
  const time = spec.x_type === "time";
  const out = [];
  for (const r of objects) {
    const x = time ? parseTime(r[spec.x]) : r[spec.x];
    if (x == null) continue;
    for (const y of spec.y) {
      const value = typeof r[y] === "string" && r[y].trim() !== "" ? Number(r[y]) : r[y];
      if (typeof value !== "number" || !Number.isFinite(value)) continue;
      const group = spec.series ? String(r[spec.series] ?? "–") : null;
      const series = group === null ? y : spec.y.length > 1 ? `${group} · ${y}` : group;
      out.push({x, y: value, series});
    }
  }
  return out;
}

/** The spacing of sorted times as a Plot interval name, for bars over time; null when irregular. */
export function timeInterval(dates) {
  const t = [...new Set(dates.map((d) => +d))].sort((a, b) => a - b);
  if (t.length < 2) return t.length ? "day" : null;
  let gap = Infinity;
  for (let i = 1; i < t.length; i++) gap = Math.min(gap, t[i] - t[i - 1]);
  const H = 3_600_000;
  const D = 24 * H;
  if (gap >= 28 * D && t.every((v) => new Date(v).getUTCDate() === 1)) return "month";
  if (gap >= 7 * D && gap % (7 * D) === 0) return "week";
  if (gap >= D && gap % D === 0) return "day";
  if (gap >= H && gap % H === 0) return "hour";
  return null;
}

/**
 * Plot options for the answer's chart spec, or null when there is nothing to draw. Time on x:
 * lines, one per series (bars when the spec asks for bars, the x values are regular and there is
 * one series). Categories on x: horizontal bars in the answer's row order (names stay readable),
 * grouped by series. `Plot` is the Plot module (a parameter so Node tests can pass the package).
 */
export function chartFor(answer, {Plot, width = 640} = {}) {
  const spec = answer?.chart;
  if (!spec || !Plot) return null;
  const data = chartData(spec, answer.columns ?? [], answer.rows ?? []);
  if (!data || data.length === 0) return null;
  const series = [...new Set(data.map((d) => d.series))];
  const many = series.length > 1;
  // A series column gets its colour legend even with one value in the result ("low" severity only).
  const colored = many || spec.series != null;
  const yLabel = spec.y_label ?? (spec.y.length === 1 ? spec.y[0] : null);
  const color = colored ? {legend: true, domain: series} : undefined;
  const time = spec.x_type === "time" && data.every((d) => d.x instanceof Date);
  if (time) {
    data.sort((a, b) => a.x - b.x);
    const interval = spec.mark === "bar" && !many ? timeInterval(data.map((d) => d.x)) : null;
    const title = (d) => `${many ? `${d.series}\n` : ""}${stamp(d.x)}\n${formatNumber(d.y)}${yLabel ? ` ${yLabel}` : ""}`;
    const perSeries = data.length / series.length;
    const marks = interval
      ? [Plot.rectY(data, {x: "x", y: "y", interval, fill: "#4269d0", inset: 0.5}), Plot.tip(data, Plot.pointerX({x: "x", y: "y", title}))]
      : [
          Plot.lineY(data, {x: "x", y: "y", stroke: colored ? "series" : "#4269d0", strokeWidth: 1.6, className: "ask-line"}),
          ...(perSeries <= 60 ? [Plot.dot(data, {x: "x", y: "y", fill: colored ? "series" : "#4269d0", r: 2.5})] : []),
          Plot.tip(data, Plot.pointerX({x: "x", y: "y", title}))
        ];
    // Whole days on x (dates, daily sums): date ticks, never "12 PM" between two days.
    const days = new Set(data.map((d) => +d.x));
    const daily = [...days].every((t) => t % 86_400_000 === 0);
    return {
      width,
      height: 320,
      marginLeft: 60,
      x: {type: "utc", label: null, ...(daily ? {ticks: Math.max(2, Math.min(days.size, Math.floor(width / 90))), tickFormat: "%b %-d"} : {})},
      y: {label: yLabel, grid: true},
      ...(colored ? {color} : {}),
      marks: [...marks, Plot.ruleY([0])]
    };
  }
  // Categories: the answer's order (SQL ORDER BY) is the reading order.
  const categories = [...new Set(data.map((d) => d.x))];
  const longest = Math.max(...categories.map((c) => formatCategory(c).length));
  const marginLeft = Math.min(240, Math.max(60, 7 * longest + 16));
  const title = (d) => `${formatCategory(d.x)}${many ? `\n${d.series}` : ""}\n${formatNumber(d.y)}${yLabel ? ` ${yLabel}` : ""}`;
  if (!many) {
    return {
      width,
      height: clamp(28 * categories.length + 50, 120, 900),
      marginLeft,
      x: {label: yLabel, grid: true},
      y: {label: null, domain: categories, tickFormat: formatCategory},
      ...(colored ? {color} : {}),
      marks: [Plot.barX(data, {x: "y", y: "x", fill: colored ? "series" : "#4269d0", className: "ask-bar", title}), Plot.ruleX([0])]
    };
  }
  return {
    width,
    height: clamp(categories.length * (14 * series.length + 10) + 70, 140, 1200),
    marginLeft,
    x: {label: yLabel, grid: true},
    y: {axis: null, domain: series},
    fy: {label: null, domain: categories, tickFormat: formatCategory, axis: "left"},
    color,
    marks: [Plot.barX(data, {x: "y", y: "series", fy: "x", fill: "series", className: "ask-bar", title}), Plot.ruleX([0])]
  };
}

const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));
const formatCategory = (c) => (c instanceof Date ? stamp(c) : String(c));

/** A UTC stamp, the date alone at midnight. */
export function stamp(d) {
  const iso = new Date(+d).toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : `${iso.slice(0, 16).replace("T", " ")} UTC`;
}

/** A number with at most 3 significant decimals, grouped ("12,345.6"). */
export function formatNumber(x) {
  if (typeof x !== "number" || !Number.isFinite(x)) return String(x ?? "–");
  const digits = Math.abs(x) >= 100 ? 1 : Math.abs(x) >= 1 ? 2 : 3;
  return x.toLocaleString("en-US", {maximumFractionDigits: digits});
}

/** Milliseconds as "35 ms" or "1.2 s". */
export function formatMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return "–";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** The answer's period as "2026-05-12" or "2026-06-24 → 2026-06-30"; null without one. */
export function formatPeriod(period) {
  if (!period?.start) return null;
  return period.end && period.end !== period.start ? `${period.start} → ${period.end}` : period.start;
}

/** The answer's timings as "412 ms (generate 300 ms, execute 12 ms)": the total, then the steps that took time. */
export function formatTimings(timings) {
  if (!timings) return null;
  const {total, ...steps} = timings;
  const parts = Object.entries(steps).filter(([, ms]) => Number.isFinite(ms) && ms >= 1).map(([name, ms]) => `${name} ${formatMs(ms)}`);
  if (total == null) return parts.length ? parts.join(", ") : null;
  return parts.length ? `${formatMs(total)} (${parts.join(", ")})` : formatMs(total);
}

// ---------------------------------------------------------------------------------------------
// Raw SQL in the browser

/** Statements the Raw SQL tab runs: the ones that only read. */
export const READ_ONLY_STATEMENTS = ["SELECT", "WITH", "FROM", "DESCRIBE", "SUMMARIZE", "PIVOT", "UNPIVOT", "VALUES"];
/** Words that write, load or reach outside; refused anywhere outside strings and quoted names. */
const WRITING_WORDS = ["INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "COPY", "ATTACH", "DETACH", "INSTALL", "LOAD", "PRAGMA", "EXPORT", "IMPORT", "TRUNCATE", "MERGE", "VACUUM", "CHECKPOINT", "CALL", "SET", "RESET", "USE", "BEGIN", "COMMIT", "ROLLBACK", "GRANT"];

/**
 * The SQL with comments removed and the insides of strings ('…', $$…$$) and quoted names ("…")
 * blanked, so keyword and table checks see only the statement's own words. Quoted names keep
 * their text in `names` (a quoted table name still counts as that table).
 */
export function scanSql(sql) {
  let code = "";
  const names = [];
  const s = String(sql ?? "");
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    const next = s[i + 1];
    if (c === "-" && next === "-") {
      const end = s.indexOf("\n", i);
      i = end < 0 ? s.length : end;
    } else if (c === "/" && next === "*") {
      const end = s.indexOf("*/", i + 2);
      i = end < 0 ? s.length : end + 2;
      code += " ";
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let text = "";
      for (; j < s.length; j++) {
        if (s[j] === c && s[j + 1] === c) {
          text += c;
          j++;
        } else if (s[j] === c) break;
        else text += s[j];
      }
      if (c === '"') names.push(text);
      code += c === '"' ? ` "${"_".repeat(text.length)}" ` : " '' ";
      i = j + 1;
    } else if (c === "$" && next === "$") {
      const end = s.indexOf("$$", i + 2);
      i = end < 0 ? s.length : end + 2;
      code += " '' ";
    } else {
      code += c;
      i++;
    }
  }
  return {code, names};
}

/**
 * Whether the Raw SQL tab runs `sql`: one statement that only reads. {ok: true} or {ok: false, reason}.
 * The browser's copy of the tables cannot change anything on the site, but a query that writes is
 * a mistake worth naming, and one statement per run keeps the result the statement's.
 */
export function isReadOnlySql(sql) {
  const {code} = scanSql(sql);
  const body = code.trim().replace(/;\s*$/, "").trim();
  if (body === "") return {ok: false, reason: "Write a query first, e.g. SELECT * FROM sites."};
  if (body.includes(";")) return {ok: false, reason: "One statement at a time: remove everything after the first semicolon."};
  const first = /^[\s(]*([A-Za-z]+)/.exec(body)?.[1]?.toUpperCase();
  if (!first || !READ_ONLY_STATEMENTS.includes(first)) {
    return {ok: false, reason: `Only queries that read run here (${READ_ONLY_STATEMENTS.join(", ")}); this statement starts with ${first ?? "something else"}. The tables in this browser are a copy, so nothing on the site could change anyway.`};
  }
  const word = new RegExp(`\\b(${WRITING_WORDS.join("|")})\\b`, "i").exec(body)?.[1];
  if (word) return {ok: false, reason: `${word.toUpperCase()} writes or loads; only queries that read run here. (If it is a column name, put it in double quotes.)`};
  return {ok: true};
}

/** The `available` table names that `sql` mentions as words (outside strings and comments), in `available` order. */
export function referencedTables(sql, available) {
  const {code, names} = scanSql(sql);
  const quoted = new Set(names.map((n) => n.toLowerCase()));
  return available.filter((name) => quoted.has(name.toLowerCase()) || new RegExp(`(^|[^A-Za-z0-9_$])${name}($|[^A-Za-z0-9_$])`, "i").test(code));
}

/**
 * An Arrow result (DuckDB-WASM's) as {columns: [{name, type}], rows (objects, at most `limit`),
 * total}: dates and timestamps as Dates, 64-bit integers as numbers, nested values as JSON text.
 */
export function arrowRows(table, {limit = MAX_SHOWN_ROWS} = {}) {
  const fields = table.schema.fields;
  const keys = uniqueNames(fields.map((f) => f.name));
  const columns = fields.map((f, i) => ({name: f.name, key: keys[i], type: String(f.type)}));
  const total = table.numRows;
  const n = Math.min(total, limit);
  const vectors = fields.map((_, i) => table.getChildAt(i));
  const time = columns.map((c) => /^(Date|Timestamp)/i.test(c.type));
  const rows = new Array(n);
  for (let r = 0; r < n; r++) {
    const o = {};
    for (let c = 0; c < keys.length; c++) o[keys[c]] = cell(vectors[c]?.get(r), time[c]);
    rows[r] = o;
  }
  return {columns, rows, total};
}

function cell(v, time) {
  if (v == null) return null;
  if (time) return v instanceof Date ? v : new Date(Number(v));
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "object" && !(v instanceof Date)) {
    try {
      return JSON.stringify(typeof v.toJSON === "function" ? v.toJSON() : v, (_, x) => (typeof x === "bigint" ? Number(x) : x));
    } catch {
      return String(v);
    }
  }
  return v;
}

/**
 * Adds an Arrow table to a Framework DuckDBClient. The client has no public method to add a table
 * after it opened; Framework's own `sql` cells add theirs through the same `_db` (DuckDB-WASM's
 * AsyncDuckDB), and opening a new database for every new table would reload the others.
 */
export async function insertArrowTable(client, name, table) {
  const connection = await client._db.connect();
  try {
    await connection.insertArrowTable(table, {name, schema: "main", create: true});
  } finally {
    await connection.close();
  }
}

/**
 * Runs read-only SQL over the snapshot tables, loading a table the first time a query names it:
 * `open()` gives the database (a DuckDBClient, opened on the first run), `load(name)` the table's
 * Arrow data (FileAttachment(...).parquet()), `insert(db, name, table)` adds it. `run(sql)`
 * resolves (never rejects) to
 *   {ok: true, columns, rows, total, tables, loaded, loadMs, queryMs}
 *   {ok: false, stage: "refused" | "load" | "query", message, hint}
 */
export function createSqlRunner({available, open, load, insert = insertArrowTable, now = () => performance.now(), limit = MAX_SHOWN_ROWS}) {
  let db = null;
  const tables = new Map();
  return {
    /** Tables loaded so far. */
    loaded: () => [...tables.keys()],
    async run(sql) {
      const check = isReadOnlySql(sql);
      if (!check.ok) return {ok: false, stage: "refused", message: check.reason, hint: null};
      const names = referencedTables(sql, available);
      const fresh = names.filter((n) => !tables.has(n));
      const t0 = now();
      let client;
      try {
        db ??= open();
        client = await db;
      } catch (error) {
        db = null;
        return {ok: false, stage: "load", message: `DuckDB did not start in this browser: ${errorText(error)}`, hint: null};
      }
      for (const name of fresh) {
        const loading = Promise.resolve().then(async () => insert(client, name, await load(name)));
        tables.set(name, loading);
        // A failed load is tried again on the next run (a network blip must not stick).
        loading.catch(() => tables.get(name) === loading && tables.delete(name));
      }
      for (const name of names) {
        try {
          await tables.get(name);
        } catch (error) {
          return {ok: false, stage: "load", message: `Could not load the table ${name}: ${errorText(error)}`, hint: null};
        }
      }
      const t1 = now();
      let result;
      try {
        result = await client.query(sql);
      } catch (error) {
        const message = errorText(error);
        return {ok: false, stage: "query", message, hint: missingTableHint(message, available)};
      }
      const t2 = now();
      return {ok: true, ...arrowRows(result, {limit}), tables: names, loaded: fresh, loadMs: t1 - t0, queryMs: t2 - t1};
    }
  };
}

function errorText(error) {
  return String(error?.message ?? error).trim();
}

/** When DuckDB says a table does not exist: which tables the browser has (the endpoint's views live only there). */
export function missingTableHint(message, available) {
  const m = /Table with name "?([^"\s!]+)"? does not exist/i.exec(message);
  if (!m) return null;
  return `${m[1]} is not among the tables this site ships, which are the only ones the browser has: ${available.join(", ")}. Views the query endpoint builds (such as daily or day-ahead views) exist only on the endpoint.`;
}
