// Data preparation for the Weather page: pick one site's rows out of the snapshot's Arrow tables,
// line weather and production up hour by hour, and say where the shown weather came from and
// whether it is stale. Plain JavaScript with no imports, so Node tests can load it too.

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/**
 * Row numbers of each site in an Arrow table: Map(site_id → number[]). One pass over the site
 * column; the page then reads only the chosen site's rows (the demo's weather has 140k rows).
 */
export function siteIndex(table) {
  const index = new Map();
  const column = table.getChild("site_id");
  if (!column) return index;
  for (let i = 0; i < column.length; i++) {
    const id = column.get(i);
    let list = index.get(id);
    if (!list) index.set(id, (list = []));
    list.push(i);
  }
  return index;
}

/**
 * The given rows of an Arrow table (none when there is no table) as plain objects with the listed columns (missing columns read
 * as null); `timeColumns` become Dates (Arrow gives epoch milliseconds). Sorted by `ts` when present.
 */
export function readRows(table, rowNumbers = [], columns, timeColumns = ["ts"]) {
  if (table == null) return [];
  const vectors = columns.map((c) => [c, table.getChild(c)]);
  const out = new Array(rowNumbers.length);
  for (let k = 0; k < rowNumbers.length; k++) {
    const i = rowNumbers[k];
    const o = {};
    for (const [name, vector] of vectors) {
      const v = vector ? vector.get(i) : null;
      o[name] = v == null ? null : typeof v === "bigint" ? Number(v) : v;
    }
    for (const c of timeColumns) if (o[c] != null) o[c] = new Date(Number(o[c]));
    out[k] = o;
  }
  if (columns.includes("ts")) out.sort((a, b) => a.ts - b.ts);
  return out;
}

/** UTC midnight of a date (Inputs.date gives UTC midnights already; this also accepts ISO strings). */
export function utcDay(date) {
  const d = new Date(date);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** "YYYY-MM-DD" of a Date in UTC. */
export function isoDate(date) {
  return new Date(date).toISOString().slice(0, 10);
}

/** The shown period: whole UTC days from `from` to `to` inclusive (swapped if given backwards). */
export function period(from, to) {
  let start = utcDay(from);
  let last = utcDay(to);
  if (last < start) [start, last] = [last, start];
  const end = new Date(+last + MS_PER_DAY);
  return {start, end, days: Math.round((end - start) / MS_PER_DAY)};
}

/**
 * At most one weather row per hour, for drawing. weather_hourly can hold an observed row and
 * several forecasts (other sources or issue times) for the same hour: observed wins, then the
 * latest-issued forecast. Returns {byHour: Map(ms → row), hidden: rows not drawn}.
 */
export function pickWeather(rows) {
  const byHour = new Map();
  const hidden = [];
  for (const row of rows) {
    const key = +row.ts;
    const have = byHour.get(key);
    if (!have) byHour.set(key, row);
    else if (better(row, have)) {
      byHour.set(key, row);
      hidden.push(have);
    } else hidden.push(row);
  }
  return {byHour, hidden};
}

function better(a, b) {
  if ((a.kind === "observed") !== (b.kind === "observed")) return a.kind === "observed";
  return (+a.issued_at || 0) > (+b.issued_at || 0);
}

/**
 * One object per UTC hour of the period: production, the drawn weather row, the clear sky and the
 * lookup's values. `clearSky(ms)` gives the clear-sky GHI of the hour starting at ms.
 */
export function joinHours({start, end, production = [], weather = new Map(), lookup = [], clearSky = () => null}) {
  const prod = new Map(production.map((d) => [+d.ts, d]));
  const look = new Map(lookup.map((d) => [+d.ts, d]));
  const hours = [];
  for (let t = +start; t < +end; t += MS_PER_HOUR) {
    const p = prod.get(t);
    const w = weather.get(t);
    const l = look.get(t);
    const clear = clearSky(t);
    hours.push({
      ts: new Date(t),
      mid: new Date(t + MS_PER_HOUR / 2),
      energy_kwh: p?.energy_kwh ?? null,
      quality: p?.quality ?? null,
      source: w?.source ?? null,
      kind: w?.kind ?? null,
      issued_at: w?.issued_at ?? null,
      ghi: w?.ghi_wm2 ?? null,
      dni: w?.dni_wm2 ?? null,
      dhi: w?.dhi_wm2 ?? null,
      temp: w?.temp_c ?? null,
      cloud: w?.cloud_cover_pct ?? null,
      clear,
      kt: w?.ghi_wm2 != null && clear >= 20 ? w.ghi_wm2 / clear : null,
      lookup_ghi: l?.ghi_wm2 ?? null,
      lookup_dni: l?.dni_wm2 ?? null,
      lookup_dhi: l?.dhi_wm2 ?? null,
      lookup_temp: l?.temp_c ?? null,
      lookup_cloud: l?.cloud_cover_pct ?? null,
      lookup: l != null
    });
  }
  return hours;
}

/** Runs of consecutive hours whose `kind` is "forecast": [{start, end}] for shading on the charts. */
export function forecastSpans(hours) {
  const spans = [];
  let open = null;
  for (const h of hours) {
    if (h.kind === "forecast") {
      if (open && +open.end === +h.ts) open.end = new Date(+h.ts + MS_PER_HOUR);
      else spans.push((open = {start: h.ts, end: new Date(+h.ts + MS_PER_HOUR)}));
    } else open = null;
  }
  return spans;
}

/**
 * Where the shown hours' weather came from: one entry per source and kind with its hour count and
 * first/last hour (and latest issue time for forecasts), the hours without weather, and the rows
 * that were not drawn because another row for the same hour won.
 */
export function provenance(hours, hidden = []) {
  const groups = new Map();
  let missing = 0;
  for (const h of hours) {
    if (h.source == null) {
      missing++;
      continue;
    }
    const key = `${h.source}\u0000${h.kind}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = {source: h.source, kind: h.kind, hours: 0, first: h.ts, last: h.ts, issued_at: null}));
    g.hours++;
    if (h.ts < g.first) g.first = h.ts;
    if (h.ts > g.last) g.last = h.ts;
    if (h.issued_at && (!g.issued_at || h.issued_at > g.issued_at)) g.issued_at = h.issued_at;
  }
  const sources = [...groups.values()].sort((a, b) => b.hours - a.hours);
  return {sources, missing, hidden: hidden.length, total: hours.length};
}

/**
 * Stale or failed weather in the snapshot's manifest, as notices for the page. manifest.weather is
 * {source, fetched_at, stale, providers?}; `providers` (one status per provider and product, with
 * the sites and UTC dates it covers) is absent in older snapshots, and then only the global flag
 * is known. Each notice says which sites and period it affects and whether it touches the site and
 * period on screen (`affectsShown`).
 */
export function staleNotices(manifest, {siteId, start, end, siteNames = new Map()} = {}) {
  const weather = manifest?.weather ?? {};
  const providers = Array.isArray(weather.providers) ? weather.providers : null;
  const name = (id) => siteNames.get(id) ?? id;
  const notices = [];
  if (providers) {
    for (const p of providers) {
      if (p.status !== "stale" && p.status !== "failed") continue;
      const sites = Array.isArray(p.sites) ? p.sites : [];
      const pStart = p.start ? utcDay(p.start) : null;
      const pEnd = p.end ? new Date(+utcDay(p.end) + MS_PER_DAY) : null;
      const overlaps = (!pStart || !end || pStart < end) && (!pEnd || !start || pEnd > start);
      notices.push({
        source: p.source ?? "unknown source",
        status: p.status,
        sites: sites.map(name),
        siteIds: sites,
        start: p.start ?? null,
        end: p.end ?? null,
        detail: p.detail ?? "",
        fetchedAt: p.fetched_at ?? null,
        affectsShown: (sites.length === 0 || sites.includes(siteId)) && overlaps
      });
    }
  }
  const flagged = weather.stale === true || manifest?.stale?.weather === true;
  if (flagged && notices.length === 0) {
    // No per-provider detail: the whole snapshot's weather may be out of date.
    notices.push({
      source: weather.source ?? "unknown source",
      status: "stale",
      sites: [],
      siteIds: [],
      start: null,
      end: null,
      detail: providers
        ? "the snapshot marks its weather stale without naming a provider"
        : "the snapshot marks its weather stale and does not say which sites or hours; treat all weather as possibly out of date",
      fetchedAt: weather.fetched_at ?? null,
      affectsShown: true
    });
  }
  return notices;
}

/**
 * The parts of the shown period [start, end) that stale or failed notices for the shown site
 * cover, for shading on the charts: [{start, end, source, status}]. Notices without dates cover
 * nothing here (the banner says so).
 */
export function noticeSpans(notices, {start, end}) {
  const spans = [];
  for (const n of notices) {
    if (!n.affectsShown || (!n.start && !n.end)) continue;
    const from = n.start ? Math.max(+start, +utcDay(n.start)) : +start;
    const to = n.end ? Math.min(+end, +utcDay(n.end) + MS_PER_DAY) : +end;
    if (from < to) spans.push({start: new Date(from), end: new Date(to), source: n.source, status: n.status});
  }
  return spans;
}
