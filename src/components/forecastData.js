// Data shaping for the Forecast page: read the snapshot's forecast tables out of Arrow, find each
// site's live issue and its next local day, the vintages covering a day, score them against what
// happened, decompose one hour into baseline, correction and contributions, line up the weather a
// vintage used, and shape the accuracy, registry and transfer tables. Plain JavaScript with no
// imports, so Node tests can load it too. Times are epoch milliseconds or Dates in UTC; "local"
// means the site's IANA zone.

/** Smallest and largest of many numbers: Math.min(...xs) overflows the call stack past ~120,000 values (a 100-site fleet's forecast rows). */
export const least = (xs) => xs.reduce((a, x) => (x < a ? x : a), Infinity);
export const greatest = (xs) => xs.reduce((a, x) => (x > a ? x : a), -Infinity);

export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The forecasts table's columns, in the order the CSV export writes them. */
export const FORECAST_COLUMNS = [
  "site_id", "issued_at", "ts", "horizon_h", "run", "model", "model_version", "forecast_kwh", "baseline_kwh", "correction_kwh",
  "lower_80", "upper_80", "lower_95", "upper_95", "persistence_kwh", "smart_persistence_kwh", "climatology_kwh", "clear_sky_kwh",
  "sun_up", "weather_kind", "weather_source", "weather_issued_at", "issued_in", "actual_kwh"
];
const FORECAST_TIMES = ["issued_at", "ts", "weather_issued_at"];

/** The reference forecasts the chart can add, with the column each reads. */
export const REFERENCES = [
  {name: "Persistence", column: "persistence_kwh"},
  {name: "Smart persistence", column: "smart_persistence_kwh"},
  {name: "Climatology", column: "climatology_kwh"},
  {name: "Prophet alone", column: "baseline_kwh"}
];

/** forecast_accuracy's models, in the order the tables show them (references first, the hybrid last). */
export const MODEL_ORDER = ["persistence", "smart persistence", "climatology", "prophet", "hybrid"];
export const HORIZONS = ["all", "1–24 h", "25–48 h"];

// ---------------------------------------------------------------------------------------------
// Reading tables

/**
 * Every row of an Arrow table (or an array of objects) as plain objects. Columns default to the
 * table's own; `timeColumns` become Dates (Arrow gives epoch milliseconds, sometimes as BigInt);
 * BigInts become numbers. A missing table (null) reads as no rows.
 */
export function readTable(table, {columns, timeColumns = []} = {}) {
  if (table == null) return [];
  if (Array.isArray(table)) return table.map((row) => normalise({...row}, timeColumns));
  const names = columns ?? (table.schema?.fields ?? []).map((f) => f.name);
  const vectors = names.map((name) => [name, table.getChild(name)]);
  const n = table.numRows ?? vectors.find(([, v]) => v)?.[1]?.length ?? 0;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = {};
    for (const [name, vector] of vectors) o[name] = vector ? vector.get(i) : null;
    out[i] = normalise(o, timeColumns);
  }
  return out;
}

function normalise(o, timeColumns) {
  for (const k in o) {
    const v = o[k];
    if (v === undefined) o[k] = null;
    else if (typeof v === "bigint") o[k] = Number(v);
  }
  for (const c of timeColumns) if (o[c] != null && !(o[c] instanceof Date)) o[c] = new Date(typeof o[c] === "string" ? o[c] : Number(o[c]));
  return o;
}

/** The forecasts table's rows, times as Dates. */
export function readForecasts(table) {
  return readTable(table, {timeColumns: FORECAST_TIMES});
}

// ---------------------------------------------------------------------------------------------
// Time in a site's zone

const formatters = new Map();
function zoneParts(ms, zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"});
    formatters.set(zone, f);
  }
  const p = {};
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = part.value;
  return {year: +p.year, month: +p.month, day: +p.day, hour: +p.hour % 24, minute: +p.minute, second: +p.second};
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (+02:00 → 7,200,000). */
export function zoneOffsetMs(ms, zone) {
  const p = zoneParts(ms, zone);
  const whole = Math.floor(+ms / 1000) * 1000;
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

const pad = (n) => String(n).padStart(2, "0");

/** "YYYY-MM-DD": the local calendar date of instant `ms` in `zone`. */
export function localDate(ms, zone) {
  const p = zoneParts(+ms, zone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** "HH:MM" local time of instant `ms`. */
export function localTime(ms, zone) {
  const p = zoneParts(+ms, zone);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/** "YYYY-MM-DD HH:MM" local time of instant `ms`. */
export function localStamp(ms, zone) {
  return `${localDate(ms, zone)} ${localTime(ms, zone)}`;
}

/** "YYYY-MM-DD HH:MM UTC". */
export function utcStamp(ms) {
  return `${new Date(typeof ms === "string" ? ms : +ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "UTC+02:00" for the zone at instant `ms`. */
export function offsetLabel(ms, zone) {
  const minutes = Math.round(zoneOffsetMs(ms, zone) / 60000);
  const sign = minutes < 0 ? "−" : "+";
  const a = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** "YYYY-MM-DD" `days` calendar days after `date`. */
export function addDays(date, days) {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The instant (ms) of local midnight starting `date` ("YYYY-MM-DD") in `zone`. */
export function localMidnight(date, zone) {
  const [y, m, d] = date.split("-").map(Number);
  const naive = Date.UTC(y, m - 1, d);
  let t = naive - zoneOffsetMs(naive, zone);
  t = naive - zoneOffsetMs(t, zone); // a second pass settles a DST change between the guess and the answer
  return t;
}

const ceilHour = (ms) => Math.ceil(ms / HOUR_MS) * HOUR_MS;

/**
 * The hours (UTC hour starts) of one local day: [start, end) from the first whole hour at or after
 * local midnight to the first at or after the next one. In a zone at :30 (India) the day's hours
 * run 00:30–00:30 local, as the pipeline's issues at local midnight do.
 */
export function dayWindow(date, zone) {
  const start = ceilHour(localMidnight(date, zone));
  const end = ceilHour(localMidnight(addDays(date, 1), zone));
  return {date, zone, start, end, hours: Math.round((end - start) / HOUR_MS)};
}

/** The local day a forecast hour belongs to (the day whose window holds it). */
export function dayOfHour(ms, zone) {
  // The hour starting at ms belongs to the day of its first local instant; a :30 zone shifts by half an hour.
  const date = localDate(ms, zone);
  return +ms >= dayWindow(date, zone).start ? date : addDays(date, -1);
}

/** The first whole local day at or after instant `ms` (an issue at local midnight forecasts that day first). */
export function nextLocalDay(ms, zone) {
  const date = localDate(ms, zone);
  return localMidnight(date, zone) >= +ms ? date : addDays(date, 1);
}

// ---------------------------------------------------------------------------------------------
// Forecast rows

const time = (d) => (d == null ? null : +d);

/** Local days (sorted "YYYY-MM-DD") that a site's forecast rows cover. */
export function coveredDays(rows, zone) {
  return [...new Set(rows.map((r) => dayOfHour(+r.ts, zone)))].sort();
}

/**
 * Each site's live issue (the newest `run === "live"` issue) and its next local day: energy summed
 * over that day's hours, the sum of the hourly interval bounds, the model and the weather it used.
 * `fleet` adds the sites up. Sites without a live issue are left out (listed in `missing`).
 */
export function tomorrow(forecasts, sites) {
  const bySite = groupBy(forecasts.filter((r) => r.run === "live"), (r) => r.site_id);
  const out = [];
  const missing = [];
  for (const site of sites) {
    const rows = bySite.get(site.site_id);
    if (!rows?.length) {
      missing.push(site.site_id);
      continue;
    }
    // The newest issue; when earlier snapshots' model versions issued at the same time too (carried
    // over as vintages), the one issued by the newest run.
    const issued = greatest(rows.map((r) => +r.issued_at));
    const latest = rows.filter((r) => +r.issued_at === issued);
    const run = latest.reduce((a, r) => (String(r.issued_in ?? "") > a ? String(r.issued_in ?? "") : a), "");
    const versions = [...new Set(latest.filter((r) => String(r.issued_in ?? "") === run).map((r) => r.model_version))].sort();
    const issue = latest.filter((r) => String(r.issued_in ?? "") === run && r.model_version === versions[0]);
    const day = nextLocalDay(issued, site.timezone);
    const w = dayWindow(day, site.timezone);
    const hours = issue.filter((r) => +r.ts >= w.start && +r.ts < w.end).sort((a, b) => a.ts - b.ts);
    out.push({
      site_id: site.site_id,
      name: site.name ?? site.site_id,
      timezone: site.timezone,
      capacity_kw: site.capacity_kw ?? null,
      day,
      window: w,
      issued_at: new Date(issued),
      model: hours[0]?.model ?? issue[0].model,
      model_version: hours[0]?.model_version ?? issue[0].model_version,
      hours: hours.length,
      complete: hours.length === w.hours,
      ...sums(hours),
      weather: weatherSummary(hours)
    });
  }
  const fleet = {
    sites: out.length,
    days: [...new Set(out.map((s) => s.day))].sort(),
    forecast_kwh: sum(out, (s) => s.forecast_kwh),
    lower_80: sum(out, (s) => s.lower_80),
    upper_80: sum(out, (s) => s.upper_80),
    capacity_kw: sum(out, (s) => s.capacity_kw ?? 0),
    issued_from: out.length ? new Date(least(out.map((s) => +s.issued_at))) : null,
    issued_to: out.length ? new Date(greatest(out.map((s) => +s.issued_at))) : null,
    versions: [...new Set(out.map((s) => s.model_version))],
    models: [...new Set(out.map((s) => s.model))],
    weather: mergeWeather(out.map((s) => s.weather))
  };
  return {sites: out, fleet, missing};
}

/** Energy of a set of hours: the forecast and the sums of its hourly bounds (kWh). */
export function sums(rows) {
  return {
    forecast_kwh: sum(rows, (r) => r.forecast_kwh),
    lower_80: sum(rows, (r) => r.lower_80),
    upper_80: sum(rows, (r) => r.upper_80),
    lower_95: sum(rows, (r) => r.lower_95),
    upper_95: sum(rows, (r) => r.upper_95)
  };
}

/**
 * Which weather a set of forecast hours used: hours on a weather forecast known at issue time,
 * hours on observed weather (no forecast existed: an optimistic upper bound), hours without
 * weather; the forecasts' issue times (first, last) and sources.
 */
export function weatherSummary(rows) {
  const forecast = rows.filter((r) => r.weather_kind === "forecast");
  const issued = forecast.map((r) => time(r.weather_issued_at)).filter((t) => t != null);
  return {
    hours: rows.length,
    forecastHours: forecast.length,
    observedHours: rows.filter((r) => r.weather_kind === "observed").length,
    noneHours: rows.filter((r) => r.weather_kind == null).length,
    issuedFrom: issued.length ? new Date(least(issued)) : null,
    issuedTo: issued.length ? new Date(greatest(issued)) : null,
    sources: [...new Set(rows.map((r) => r.weather_source).filter(Boolean))].sort()
  };
}

function mergeWeather(list) {
  const from = list.map((w) => time(w.issuedFrom)).filter((t) => t != null);
  const to = list.map((w) => time(w.issuedTo)).filter((t) => t != null);
  return {
    hours: sum(list, (w) => w.hours),
    forecastHours: sum(list, (w) => w.forecastHours),
    observedHours: sum(list, (w) => w.observedHours),
    noneHours: sum(list, (w) => w.noneHours),
    issuedFrom: from.length ? new Date(least(from)) : null,
    issuedTo: to.length ? new Date(greatest(to)) : null,
    sources: [...new Set(list.flatMap((w) => w.sources))].sort()
  };
}

/**
 * Every vintage (issue time × model version) of a site that covers the window, newest issue first
 * (and, at one issue time, the newest run's version first):
 * its rows inside the window, horizons, energy, and its error against the measured values where
 * they are known (daytime hours, as forecast_accuracy scores).
 */
export function vintagesFor(siteRows, window) {
  const inside = siteRows.filter((r) => +r.ts >= window.start && +r.ts < window.end);
  const groups = groupBy(inside, (r) => `${+r.issued_at}|${r.model_version}`);
  const out = [];
  for (const [key, rows] of groups) {
    rows.sort((a, b) => a.ts - b.ts);
    const first = rows[0];
    const horizons = rows.map((r) => r.horizon_h);
    out.push({
      key,
      issued_at: first.issued_at,
      model_version: first.model_version,
      model: first.model,
      run: first.run,
      issued_in: first.issued_in,
      rows,
      hours: rows.length,
      horizon: [least(horizons), greatest(horizons)],
      ...sums(rows),
      actual_kwh: rows.every((r) => r.actual_kwh == null) ? null : sum(rows, (r) => r.actual_kwh),
      actualHours: rows.filter((r) => r.actual_kwh != null).length,
      score: score(rows)
    });
  }
  // Newest issue first; at the same issue time, the newest run's version first (earlier ones are carried-over vintages).
  const by = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => b.issued_at - a.issued_at || by(String(b.issued_in ?? ""), String(a.issued_in ?? "")) || by(a.model_version, b.model_version));
}

/** RMSE, MAE and bias (forecast − actual, kWh) over daytime hours with a measured value; null when none. */
export function score(rows, value = (r) => r.forecast_kwh) {
  const scored = rows.filter((r) => r.sun_up && r.actual_kwh != null && Number.isFinite(value(r)));
  if (!scored.length) return null;
  let se = 0;
  let ae = 0;
  let e = 0;
  for (const r of scored) {
    const d = value(r) - r.actual_kwh;
    se += d * d;
    ae += Math.abs(d);
    e += d;
  }
  return {n: scored.length, rmse: Math.sqrt(se / scored.length), mae: ae / scored.length, bias: e / scored.length};
}

/** A label for a vintage: its local issue time, run, horizon band and short model version. */
export function vintageLabel(v, zone) {
  const version = String(v.model_version ?? "").slice(0, 8);
  return `issued ${localStamp(+v.issued_at, zone)} · ${v.run} · ${v.model} ${version} · h ${v.horizon[0]}–${v.horizon[1]}`;
}

/** The hour to explain first: the daytime hour with the largest forecast (else the first hour). */
export function defaultHour(rows) {
  const day = rows.filter((r) => r.sun_up);
  if (!day.length) return rows[0] ? +rows[0].ts : null;
  return +day.reduce((a, b) => (b.forecast_kwh > a.forecast_kwh ? b : a)).ts;
}

// ---------------------------------------------------------------------------------------------
// Contributions

export function contributionKey(siteId, issuedAt, version, ts) {
  return `${siteId}|${+issuedAt}|${version}|${+ts}`;
}

/** forecast_contributions rows grouped by hour of a vintage: Map(key → rows by rank). */
export function contributionIndex(rows) {
  const index = new Map();
  for (const r of rows) {
    const key = contributionKey(r.site_id, r.issued_at, r.model_version, r.ts);
    let list = index.get(key);
    if (!list) index.set(key, (list = []));
    list.push(r);
  }
  for (const list of index.values()) list.sort((a, b) => a.rank - b.rank);
  return index;
}

/**
 * One forecast hour taken apart: the Prophet baseline, the GBDT correction (its largest TreeSHAP
 * contributions and the rest: the other features and the model's mean), what clipping to [0,
 * capacity] changed, the forecast, and the measured value if known. All kWh.
 */
export function decompose(row, contributions = []) {
  const baseline = row.baseline_kwh ?? 0;
  const correction = row.correction_kwh ?? 0;
  const top = contributions.map((c) => ({feature: c.feature, kwh: c.contribution_kwh, rank: c.rank}));
  const rest = correction - sum(top, (c) => c.kwh);
  const clip = row.forecast_kwh - (baseline + correction);
  return {ts: row.ts, baseline, correction, top, rest, clip: Math.abs(clip) < 1e-9 ? 0 : clip, forecast: row.forecast_kwh, actual: row.actual_kwh ?? null};
}

/**
 * Waterfall steps for a decomposition: baseline, each top contribution, the rest of the correction,
 * clipping (when it changed anything), then the forecast as a total. Each step runs from `from` to
 * `to` (kWh), in order.
 */
export function waterfall(d) {
  const steps = [{label: "Prophet baseline", kind: "total", from: 0, to: d.baseline}];
  let at = d.baseline;
  const push = (label, kind, delta) => {
    steps.push({label, kind, from: at, to: at + delta, delta});
    at += delta;
  };
  for (const c of d.top) push(c.feature, c.kwh >= 0 ? "up" : "down", c.kwh);
  if (Math.abs(d.rest) > 1e-9 || !d.top.length) push(d.top.length ? "other features + mean" : "GBDT correction", d.rest >= 0 ? "up" : "down", d.rest);
  if (d.clip) push("clipped to [0, capacity]", "clip", d.clip);
  steps.push({label: "Forecast", kind: "total", from: 0, to: d.forecast});
  return steps;
}

// ---------------------------------------------------------------------------------------------
// Weather a vintage used

/**
 * Per forecast hour of a vintage: the weather it used (the forecast row with its issue time, or the
 * observed row, as `weather_kind` says) and the observed weather of that hour if the snapshot has
 * it, for comparison. `weatherRows` are one site's weather_hourly rows.
 */
export function weatherUsed(vintageRows, weatherRows) {
  const observed = new Map();
  const forecast = new Map();
  for (const w of weatherRows) {
    if (w.kind === "observed") observed.set(+w.ts, w);
    else forecast.set(`${+w.ts}|${time(w.issued_at)}|${w.source}`, w);
  }
  return vintageRows.map((r) => {
    const obs = observed.get(+r.ts) ?? null;
    const used = r.weather_kind === "forecast" ? forecast.get(`${+r.ts}|${time(r.weather_issued_at)}|${r.weather_source}`) ?? null : r.weather_kind === "observed" ? obs : null;
    return {
      ts: r.ts,
      mid: new Date(+r.ts + HOUR_MS / 2),
      kind: r.weather_kind ?? null,
      found: used != null,
      source: r.weather_source ?? null,
      issued_at: r.weather_issued_at ?? null,
      ghi: used?.ghi_wm2 ?? null,
      cloud: used?.cloud_cover_pct ?? null,
      temp: used?.temp_c ?? null,
      obs_ghi: obs?.ghi_wm2 ?? null,
      obs_cloud: obs?.cloud_cover_pct ?? null,
      obs_temp: obs?.temp_c ?? null
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Accuracy, transfer curve, registry

/** forecast_accuracy rows of one scope (a site id or "fleet") and horizon band, in MODEL_ORDER. */
export function accuracyFor(rows, {site = "fleet", horizon = "all"} = {}) {
  const rank = (m) => (MODEL_ORDER.indexOf(m) + 1 || 99);
  return rows.filter((r) => r.site_id === site && r.horizon === horizon).sort((a, b) => rank(a.model) - rank(b.model));
}

/**
 * One row per scope (the fleet first, then each site) for a horizon band: every model's nRMSE (% of
 * capacity) side by side, the hybrid's skill against smart persistence, and its interval coverage.
 */
export function accuracyOverview(rows, {horizon = "all", names = new Map()} = {}) {
  const band = rows.filter((r) => r.horizon === horizon);
  const scopes = [...new Set(band.map((r) => r.site_id))].sort((a, b) => (a === "fleet" ? -1 : b === "fleet" ? 1 : a < b ? -1 : 1));
  return scopes.map((site) => {
    const of = band.filter((r) => r.site_id === site);
    const hybrid = of.find((r) => r.model === "hybrid");
    const o = {site_id: site, name: site === "fleet" ? "Fleet (capacity-weighted)" : names.get(site) ?? site, n: hybrid?.n ?? of[0]?.n ?? null};
    for (const m of MODEL_ORDER) o[m] = of.find((r) => r.model === m)?.nrmse_pct ?? null;
    o.skill = hybrid?.skill_rmse ?? null;
    o.coverage80 = hybrid?.coverage80 ?? null;
    o.coverage95 = hybrid?.coverage95 ?? null;
    o.best = MODEL_ORDER.filter((m) => o[m] != null).sort((a, b) => o[a] - o[b])[0] ?? null;
    return o;
  });
}

/**
 * What the accuracy figures stand on: the scored period (first to last hour, over the rows given),
 * the number of scored hours, the share of them whose weather was a forecast known at issue time
 * (min and max over scopes), and the model version scored.
 */
export function accuracyContext(rows) {
  if (!rows.length) return null;
  const starts = rows.map((r) => time(r.period_start)).filter((t) => t != null);
  const ends = rows.map((r) => time(r.period_end)).filter((t) => t != null);
  const shares = rows.map((r) => r.forecast_weather_share).filter((x) => x != null);
  const fleet = rows.find((r) => r.site_id === "fleet" && r.horizon === "all" && r.model === "hybrid");
  return {
    periodStart: starts.length ? new Date(least(starts)) : null,
    periodEnd: ends.length ? new Date(greatest(ends)) : null,
    hours: fleet?.n ?? null,
    shareMin: shares.length ? least(shares) : null,
    shareMax: shares.length ? greatest(shares) : null,
    versions: [...new Set(rows.map((r) => r.model_version).filter(Boolean))],
    sites: [...new Set(rows.map((r) => r.site_id).filter((s) => s !== "fleet"))].length
  };
}

/** transfer_curve rows sorted by site, model and history; and per history length which model did better (lower nMAE). */
export function transferSummary(rows) {
  const sorted = [...rows].sort((a, b) => (a.site_id < b.site_id ? -1 : a.site_id > b.site_id ? 1 : 0) || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0) || a.history_days - b.history_days);
  const days = [...new Set(sorted.map((r) => r.history_days))].sort((a, b) => a - b);
  const winners = days.map((d) => {
    const own = sorted.find((r) => r.history_days === d && r.model === "own");
    const fleet = sorted.find((r) => r.history_days === d && r.model === "fleet-transfer");
    const better = own?.nmae_pct != null && fleet?.nmae_pct != null ? (own.nmae_pct < fleet.nmae_pct ? "own" : "fleet-transfer") : null;
    return {history_days: d, own: own?.nmae_pct ?? null, fleet: fleet?.nmae_pct ?? null, better};
  });
  // The first history length from which the site's own model beats the fleet model at every longer one.
  let from = null;
  for (let i = winners.length - 1; i >= 0 && winners[i].better === "own"; i--) from = winners[i].history_days;
  return {rows: sorted, sites: [...new Set(sorted.map((r) => r.site_id))], days, winners, ownWinsFrom: from};
}

/** A JSON text column parsed; text that is not JSON stays text, null stays null, objects pass through. */
export function parseJsonText(s) {
  if (s == null || typeof s === "object") return s ?? null;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** model_registry rows with params and metrics parsed (text that is not JSON stays as text), newest first. */
export function registryRows(rows) {
  return rows
    .map((r) => ({...r, params: parseJsonText(r.params), metrics: parseJsonText(r.metrics), in_use: r.in_use === true || r.in_use === "true"}))
    .sort((a, b) => time(b.created_at) - time(a.created_at) || (a.purpose < b.purpose ? -1 : 1));
}

/**
 * What weather the models were trained on, from the manifest's or registry's `training_weather`:
 * "observed", "none", or "forecast where archived (97.3 % of hours), observed otherwise".
 * Returns {kind: "observed" | "forecast" | "mixed" | "none" | "unknown", forecastShare (0–1 or null), short}.
 */
export function trainingWeather(text) {
  const t = String(text ?? "").trim();
  if (t === "observed") return {kind: "observed", forecastShare: 0, short: "observed"};
  if (t === "none") return {kind: "none", forecastShare: null, short: "none"};
  const m = /forecast[^(]*\(\s*([\d.]+)\s*%/.exec(t);
  if (m) {
    const share = Number(m[1]) / 100;
    return {kind: share >= 0.9995 ? "forecast" : "mixed", forecastShare: share, short: `forecast ${m[1]}%, observed ${(100 - Number(m[1])).toFixed(1)}%`};
  }
  if (/^forecast/.test(t)) return {kind: "forecast", forecastShare: null, short: "forecast"};
  return {kind: "unknown", forecastShare: null, short: t || "unknown"};
}

// ---------------------------------------------------------------------------------------------
// Export

/** RFC 4180 CSV with a header: Dates as ISO-8601 UTC, null as empty, fields quoted when needed. */
export function toCsv(rows, columns = FORECAST_COLUMNS) {
  const cell = (v) => {
    if (v == null) return "";
    if (v instanceof Date) return v.toISOString();
    const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\r\n") + "\r\n";
}

/** A file name for exported rows: site, local day and issue time. */
export function exportName(siteId, day, issuedAt) {
  const issued = new Date(+issuedAt).toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "T");
  return `sunline-forecast-${siteId}-${day}-issued-${issued}Z.csv`;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** kWh with sensible precision; MWh from 10,000 kWh. */
export function formatEnergy(kwh) {
  if (kwh == null || !Number.isFinite(kwh)) return "–";
  if (Math.abs(kwh) >= 10_000) return `${(kwh / 1000).toLocaleString("en-US", {maximumFractionDigits: 1})} MWh`;
  return `${kwh.toLocaleString("en-US", {maximumFractionDigits: Math.abs(kwh) >= 100 ? 0 : 1})} kWh`;
}

/** A number with `digits` decimals, or "–". */
export function fmt(x, digits = 1) {
  return x == null || !Number.isFinite(x) ? "–" : x.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
}

/** A fraction as a percentage ("41%"), or "–". */
export function pct(x, digits = 0) {
  return x == null || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(digits)}%`;
}

// ---------------------------------------------------------------------------------------------

function groupBy(rows, key) {
  const m = new Map();
  for (const r of rows) {
    const k = key(r);
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(r);
  }
  return m;
}

function sum(rows, f) {
  let s = 0;
  for (const r of rows) {
    const v = f(r);
    if (v != null && Number.isFinite(v)) s += v;
  }
  return s;
}
