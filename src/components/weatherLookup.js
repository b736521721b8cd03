// The Weather page's Open-Meteo lookup: build the request, fetch it straight from the browser
// (Open-Meteo allows CORS), turn the answer into weather_hourly-shaped rows, and write the config
// entry that would add the place as a site. Plain JavaScript with no imports, so Node tests can load
// it too; `fetch` and the clock are parameters.
//
// TIME CONVENTION, the same as the pipeline's (pipeline/weather/openMeteo.ts, ARCHITECTURE.md):
// a row's ts is the UTC START of its hour. We ask for timezone=GMT.
//   - Radiation (shortwave = GHI, direct normal = DNI, diffuse = DHI) is the MEAN over the
//     PRECEDING hour: the value stamped 10:00 covers 09:00–10:00, so it goes to ts 09:00.
//   - Temperature, cloud cover and wind are INSTANTS at the stamp: the hour [09:00, 10:00) gets
//     the mean of the 09:00 and 10:00 instants (either alone if the other is missing), so both kinds
//     of variable describe the same interval.
//   - The last hour of the period needs the next day's 00:00 stamp, so the request asks for one
//     extra day (end_date = end + 1) and keeps only hours in [start 00:00Z, end + 1 day 00:00Z).

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/** Public Open-Meteo hosts per endpoint. A self-hosted server serves both paths on one host. */
export const OPEN_METEO_HOSTS = {
  archive: "https://archive-api.open-meteo.com",
  forecast: "https://api.open-meteo.com"
};

export const OPEN_METEO_PATHS = {archive: "/v1/archive", forecast: "/v1/forecast"};

/** ERA5 (the archive) lags real time by about five days; newer dates go to the forecast endpoint. */
export const ARCHIVE_LAG_DAYS = 5;

/** Longest lookup the form accepts (one request; a year of hours is ~9k values per variable). */
export const MAX_LOOKUP_DAYS = 366;

/** Hourly variables asked for, the row column each fills, how it is stamped and its quantity. */
export const LOOKUP_VARIABLES = [
  {name: "shortwave_radiation", column: "ghi_wm2", timing: "preceding-hour", quantity: "irradiance"},
  {name: "direct_normal_irradiance", column: "dni_wm2", timing: "preceding-hour", quantity: "irradiance"},
  {name: "diffuse_radiation", column: "dhi_wm2", timing: "preceding-hour", quantity: "irradiance"},
  {name: "temperature_2m", column: "temp_c", timing: "instant", quantity: "temperature"},
  {name: "cloud_cover", column: "cloud_cover_pct", timing: "instant", quantity: "percent"},
  {name: "wind_speed_10m", column: "wind_ms", timing: "instant", quantity: "speed"}
];

/** Unit (as Open-Meteo writes it in hourly_units) → function to Sunline's unit, per quantity. */
const UNITS = {
  irradiance: {"W/m²": (x) => x, "W/m2": (x) => x},
  temperature: {"°C": (x) => x, "°F": (x) => ((x - 32) * 5) / 9},
  percent: {"%": (x) => x},
  speed: {"m/s": (x) => x, "km/h": (x) => x / 3.6, "mp/h": (x) => x * 0.44704, "mph": (x) => x * 0.44704, "kn": (x) => x * 0.514444}
};

/** "auto" → the archive for periods ending more than ARCHIVE_LAG_DAYS before today, else the forecast endpoint. */
export function chooseEndpoint(start, end, now = new Date()) {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Date.parse(`${end}T00:00:00Z`) < today - ARCHIVE_LAG_DAYS * MS_PER_DAY ? "archive" : "forecast";
}

/**
 * Checks the form's fields and returns {request} or {error}. Fields: lat, lon (numbers or
 * strings), start, end ("YYYY-MM-DD"), endpoint ("auto" | "archive" | "forecast"), baseUrl ("" for
 * the public API).
 */
export function validateLookup(fields, {now = new Date()} = {}) {
  const lat = toNumber(fields.lat);
  const lon = toNumber(fields.lon);
  if (lat == null || lat < -90 || lat > 90) return {error: `Latitude ${show(fields.lat)} is not a number from -90 to 90.`};
  if (lon == null || lon < -180 || lon > 180) return {error: `Longitude ${show(fields.lon)} is not a number from -180 to 180.`};
  const start = String(fields.start ?? "");
  const end = String(fields.end ?? "");
  if (!isDate(start)) return {error: `From ${show(fields.start)} is not a date (YYYY-MM-DD).`};
  if (!isDate(end)) return {error: `To ${show(fields.end)} is not a date (YYYY-MM-DD).`};
  const days = (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / MS_PER_DAY + 1;
  if (days < 1) return {error: `To (${end}) is before From (${start}).`};
  if (days > MAX_LOOKUP_DAYS) return {error: `${days} days asked for; look up at most ${MAX_LOOKUP_DAYS} days at a time.`};
  const choice = fields.endpoint ?? "auto";
  if (!["auto", "archive", "forecast"].includes(choice)) return {error: `Unknown endpoint ${show(choice)}.`};
  const endpoint = choice === "auto" ? chooseEndpoint(start, end, now) : choice;
  // The request asks for one day past `end` (see the time convention), and the forecast reaches
  // 16 days from today: so `end` may be at most 14 days ahead.
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const lastForecastDay = new Date(today + 14 * MS_PER_DAY).toISOString().slice(0, 10);
  if (endpoint === "forecast" && end > lastForecastDay) return {error: `The forecast reaches 16 days ahead: pick a To date up to ${lastForecastDay}.`};
  if (endpoint === "archive" && Date.parse(`${start}T00:00:00Z`) > today) return {error: `The archive holds past weather only and ${start} is in the future: use the forecast endpoint.`};
  let baseUrl = String(fields.baseUrl ?? "").trim();
  if (baseUrl) {
    let url;
    try {
      url = new URL(baseUrl);
    } catch {
      url = null;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash) {
      return {error: `Server ${show(baseUrl)} is not an http(s) address without a query, e.g. https://api.open-meteo.com or http://127.0.0.1:8080.`};
    }
    baseUrl = baseUrl.replace(/\/+$/, "");
  }
  return {request: {lat, lon, start, end, endpoint, auto: choice === "auto", baseUrl}};
}

/** The request URL for a validated lookup (one extra day at the end; see the time convention above). */
export function lookupUrl({lat, lon, start, end, endpoint, baseUrl = ""}) {
  const base = baseUrl || OPEN_METEO_HOSTS[endpoint];
  const endDate = new Date(Date.parse(`${end}T00:00:00Z`) + MS_PER_DAY).toISOString().slice(0, 10);
  const params = [
    `latitude=${lat}`,
    `longitude=${lon}`,
    `start_date=${start}`,
    `end_date=${endDate}`,
    `hourly=${LOOKUP_VARIABLES.map((v) => v.name).join(",")}`,
    "timezone=GMT"
  ];
  return `${base}${OPEN_METEO_PATHS[endpoint]}?${params.join("&")}`;
}

/**
 * An Open-Meteo answer as rows {ts, ghi_wm2, dni_wm2, dhi_wm2, temp_c, cloud_cover_pct, wind_ms}
 * for the hours of [start, end] (UTC dates, inclusive) it covers. Throws an Error saying what is
 * wrong when the body is not the answer asked for (an error body, missing variables, unknown units,
 * arrays of the wrong length, stamps that are not whole UTC hours): a partial parse would overlay
 * shifted or wrong values.
 */
export function parseOpenMeteo(body, {start, end}) {
  if (Array.isArray(body)) {
    if (body.length !== 1) throw new Error(`Expected the answer for one location; got an array of ${body.length}.`);
    body = body[0];
  }
  if (body == null || typeof body !== "object") throw new Error(`Expected an Open-Meteo JSON object; got ${show(body)}.`);
  if (body.error) throw new Error(`Open-Meteo answered with an error: ${body.reason ?? show(body)}`);
  const hourly = body.hourly;
  if (!hourly || typeof hourly !== "object") throw new Error('The answer has no "hourly" object.');
  const times = hourly.time;
  if (!Array.isArray(times)) throw new Error('The answer has no hourly "time" array.');
  const units = body.hourly_units ?? {};
  const offsetMs = (Number(body.utc_offset_seconds) || 0) * 1000;
  const stamps = times.map((t, i) => {
    const ms = typeof t === "number" ? t * 1000 : typeof t === "string" ? Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`) - offsetMs : NaN;
    if (!Number.isFinite(ms)) throw new Error(`Time #${i + 1} is ${show(t)}; expected an ISO 8601 time or epoch seconds.`);
    if (ms % MS_PER_HOUR !== 0) throw new Error(`Time #${i + 1} (${show(t)}) is not on a whole UTC hour.`);
    return ms;
  });
  const at = new Map(stamps.map((ms, i) => [ms, i]));
  if (at.size !== stamps.length) throw new Error("The hourly time stamps repeat.");
  const series = LOOKUP_VARIABLES.map((v) => {
    const values = hourly[v.name];
    if (!Array.isArray(values)) {
      const present = Object.keys(hourly).filter((k) => k !== "time");
      throw new Error(`Hourly "${v.name}" is missing from the answer (it has: ${present.join(", ") || "nothing"}).`);
    }
    if (values.length !== times.length) throw new Error(`Hourly "${v.name}" has ${values.length} values but "time" has ${times.length}.`);
    const unit = units[v.name];
    const convert = unit == null ? (x) => x : UNITS[v.quantity][unit];
    if (!convert) throw new Error(`Unknown unit ${show(unit)} for "${v.name}" (understood: ${Object.keys(UNITS[v.quantity]).join(", ")}).`);
    const numbers = values.map((x, i) => {
      if (x == null) return null;
      if (typeof x !== "number" || !Number.isFinite(x)) throw new Error(`Hourly "${v.name}" value #${i + 1} is ${show(x)}; expected a number or null.`);
      return convert(x);
    });
    return {...v, values: numbers};
  });
  const first = Date.parse(`${start}T00:00:00Z`);
  const last = Date.parse(`${end}T00:00:00Z`) + MS_PER_DAY;
  const rows = [];
  for (let t = first; t < last; t += MS_PER_HOUR) {
    const here = at.get(t);
    const next = at.get(t + MS_PER_HOUR);
    if (here === undefined && next === undefined) continue;
    const row = {ts: new Date(t)};
    for (const s of series) {
      if (s.timing === "preceding-hour") row[s.column] = next === undefined ? null : s.values[next];
      else {
        const a = here === undefined ? null : s.values[here];
        const b = next === undefined ? null : s.values[next];
        row[s.column] = a == null ? b : b == null ? a : (a + b) / 2;
      }
    }
    rows.push(row);
  }
  const latitude = Number(body.latitude);
  const longitude = Number(body.longitude);
  const elevation = Number(body.elevation);
  return {
    rows,
    latitude: Number.isFinite(latitude) ? latitude : null,
    longitude: Number.isFinite(longitude) ? longitude : null,
    elevation: Number.isFinite(elevation) ? elevation : null,
    units: Object.fromEntries(LOOKUP_VARIABLES.map((v) => [v.name, units[v.name] ?? null]))
  };
}

/**
 * Runs a validated lookup. Never throws: returns {ok: true, rows, …} or {ok: false, error, …} so
 * the page can show what went wrong (network, timeout, an Open-Meteo error body, a body that is not
 * Open-Meteo's).
 */
export async function fetchLookup(request, {fetch = globalThis.fetch, timeoutMs = 30_000} = {}) {
  const url = lookupUrl(request);
  const origin = new URL(url).origin;
  const base = {request, url, endpoint: request.endpoint, source: `open-meteo/${request.endpoint}`, kind: request.endpoint === "archive" ? "observed" : "forecast"};
  let response;
  try {
    response = await fetch(url, {signal: AbortSignal.timeout(timeoutMs), headers: {accept: "application/json"}});
  } catch (error) {
    const timedOut = error?.name === "TimeoutError" || error?.name === "AbortError";
    return {
      ...base,
      ok: false,
      error: timedOut
        ? `No answer from ${origin} within ${Math.round(timeoutMs / 1000)} s.`
        : `Could not reach ${origin} (${error?.message ?? error}). Check the network and the server address; the browser's console may say more (a blocked or CORS-refused request).`
    };
  }
  let text;
  try {
    text = await response.text();
  } catch (error) {
    return {...base, ok: false, error: `The answer from ${origin} broke off (${error?.message ?? error}).`};
  }
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    const start = text.trim().slice(0, 120);
    return {...base, ok: false, error: `HTTP ${response.status} from ${origin}, but the body is not JSON${start ? ` (it starts ${JSON.stringify(start)})` : " (it is empty)"}. Is this an Open-Meteo server?`};
  }
  const single = Array.isArray(body) && body.length === 1 ? body[0] : body;
  if (single && typeof single === "object" && single.error) {
    return {...base, ok: false, error: `Open-Meteo answered HTTP ${response.status}: ${single.reason ?? JSON.stringify(single)}`};
  }
  if (!response.ok) return {...base, ok: false, error: `HTTP ${response.status} ${response.statusText} from ${origin}.`};
  try {
    const parsed = parseOpenMeteo(body, request);
    return {...base, ok: true, ...parsed};
  } catch (error) {
    return {...base, ok: false, error: error.message};
  }
}

/** Great-circle distance in km. */
export function distanceKm(lat1, lon1, lat2, lon2) {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 12742 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * The sunline.config.ts entries that add a site at (lat, lon) with Open-Meteo weather. A site of
 * the snapshot within 1 km lends its own values; otherwise id and name come from the coordinates,
 * the time zone from the nearest known site within 300 km (or a fixed offset from the longitude),
 * and capacity, tilt and azimuth are placeholders to replace. Returns {text, site, notes}.
 */
export function configSnippet({lat, lon, baseUrl = "", sites = []}) {
  const nearest = sites
    .map((s) => ({site: s, km: distanceKm(lat, lon, s.lat, s.lon)}))
    .sort((a, b) => a.km - b.km)[0];
  const notes = [];
  let site;
  if (nearest && nearest.km <= 1) {
    const s = nearest.site;
    site = {id: s.site_id ?? s.id, name: s.name, lat, lon, timezone: s.timezone, capacity_kw: s.capacity_kw, tilt: s.tilt, azimuth: s.azimuth};
    notes.push(`These are the coordinates of ${s.name}, already in this snapshot: only the weather provider is new.`);
  } else {
    const tag = `${fixed(Math.abs(lat))}${lat < 0 ? "s" : "n"}-${fixed(Math.abs(lon))}${lon < 0 ? "w" : "e"}`;
    let timezone;
    if (nearest && nearest.km <= 300) {
      timezone = nearest.site.timezone;
      notes.push(`Time zone taken from ${nearest.site.name}, ${Math.round(nearest.km)} km away: check it.`);
    } else {
      const hours = Math.round(lon / 15);
      timezone = hours === 0 ? "Etc/GMT" : `Etc/GMT${hours > 0 ? "-" : "+"}${Math.abs(hours)}`; // Etc/ signs are inverted
      notes.push(`${timezone} is a fixed offset guessed from the longitude: use the plant's IANA zone (e.g. "Europe/Berlin") so local stamps follow daylight saving.`);
    }
    site = {
      id: `site-${tag}`,
      name: `Site at ${fixed(lat)}, ${fixed(lon)}`,
      lat,
      lon,
      timezone,
      capacity_kw: 100,
      tilt: Math.min(35, Math.round(Math.abs(lat) * 0.7)),
      azimuth: lat < 0 ? 0 : 180
    };
    notes.push("capacity_kw, tilt and azimuth are placeholders (panels facing the equator): replace them with the plant's.");
  }
  const provider = baseUrl ? `{type: "open-meteo", base_url: ${JSON.stringify(baseUrl)}}` : `{type: "open-meteo"}`;
  const text = [
    "// sunline.config.ts (or your own config), inside defineConfig({...}):",
    "sites: [",
    `  {id: ${JSON.stringify(site.id)}, name: ${JSON.stringify(site.name)},`,
    `   lat: ${site.lat}, lon: ${site.lon}, timezone: ${JSON.stringify(site.timezone)},`,
    `   capacity_kw: ${site.capacity_kw}, tilt: ${site.tilt}, azimuth: ${site.azimuth}}   // AC kW; azimuth clockwise from north`,
    "],",
    "weather: {",
    "  // Open-Meteo's ERA5 archive (observed) and its forecast, for every site",
    `  providers: [${provider}]`,
    "}"
  ].join("\n");
  return {text, site, notes};
}

function fixed(x) {
  return String(Math.round(x * 100) / 100);
}

function toNumber(x) {
  if (typeof x === "number") return Number.isFinite(x) ? x : null;
  if (typeof x !== "string" || x.trim() === "") return null;
  const n = Number(x.trim().replace(",", "."));
  return Number.isFinite(n) ? n : null;
}

function isDate(s) {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
}

function show(x) {
  if (x === undefined) return "undefined";
  const s = typeof x === "string" ? JSON.stringify(x) : JSON.stringify(x) ?? String(x);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}
