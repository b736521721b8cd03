// Open-Meteo (https://open-meteo.com, data CC BY 4.0): request building and response parsing.
// Pure functions only — no network, no Node APIs (a browser page may import this module); the
// HTTP client, caching and retries live elsewhere.
//
// Three endpoints:
//   "forecast"            /v1/forecast on api.open-meteo.com — the current forecast (~92 days back,
//                         16 days ahead); never final, the next run replaces it.
//   "historical-forecast" /v1/forecast on historical-forecast-api.open-meteo.com — archived model
//                         runs, stitched from the first hours of each run, back to 2016-2022
//                         depending on the model.
//   "archive"             /v1/archive on archive-api.open-meteo.com — ERA5 reanalysis from 1940,
//                         available a few days behind real time (recent days come back as nulls).
//
// TIME CONVENTION (the one thing that is easy to get wrong). We always request timezone=GMT.
// A WeatherRow's ts is the UTC START of the hour it describes: ts 09:00Z is [09:00, 10:00).
//   - Open-Meteo radiation variables (shortwave, direct normal, diffuse) are the MEAN over the
//     PRECEDING hour and precipitation is the SUM over the preceding hour: the value stamped 10:00
//     covers 09:00–10:00, so it goes to the row with ts 09:00 (shift back one hour).
//   - Temperature, cloud cover, wind speed and humidity are INSTANTANEOUS at the stamp. The row for
//     [09:00, 10:00) gets the mean of the instants at 09:00 and 10:00 (trapezoid estimate of the
//     hour mean, centred on the same interval as the radiation; taking either instant alone would
//     put the two kinds of variable half an hour apart). If only one of the two instants exists
//     (null, or outside the response) that one is used: half an hour off beats losing the hour.
//     Both missing → null.
//   - So the row for the last hour of a day needs the stamp 00:00 of the next day. Requests
//     therefore fetch ONE EXTRA DAY (end_date = end + 1) and the parser keeps only rows inside the
//     request's [start 00:00Z, end+1 00:00Z); the stamp at start 00:00 (radiation for the hour
//     before start) is dropped. Consecutive chunks thus tile without gap or overlap and every row
//     has both neighbours. Only at the forecast horizon (16 days) can the extra stamp be missing:
//     then the last hour's radiation/precipitation is null.
//   - If a response is not in GMT anyway (a self-hosted server, another client's cached body), the
//     local stamps are converted with utc_offset_seconds. Open-Meteo applies one fixed offset to the
//     whole series (no DST switching: open-meteo/open-meteo#1255), so this is exact. timeformat
//     "unixtime" (epoch seconds, always UTC) is accepted as well. Stamps that are not on whole UTC
//     hours afterwards (e.g. a +05:30 zone) are rejected.
//
// ROWS: one row per requested site and UTC hour in [start, end], when the response has at least
// one of the hour's two stamps; variables the response gives as null stay null (normal: ERA5's last
// days, a model without DNI, …). A row whose values are all null is still emitted (the provider was
// asked and had nothing); hours outside the response's time axis are not.
//
// ERRORS (SunlineError naming the request and site). The whole response fails on: an Open-Meteo
// error body, a body that is not a JSON object/array (e.g. an HTML page as text), a different
// number of locations than sites requested (or location_id / coordinates that do not match the
// order), missing `hourly` or `time`, a requested variable that is missing, an array whose length
// differs from `time`, a non-numeric non-null value, an unknown unit, a bad or duplicate time stamp.
// Any of these means the body is not what we asked for, and a partial parse would silently store
// wrong or shifted data. A single null value only nulls that value.
import {messages, SunlineError} from "../messages.ts";
import type {WeatherRow, WeatherSite} from "./types.ts";

export type OpenMeteoEndpoint = "forecast" | "historical-forecast" | "archive";

export const OPEN_METEO_BASE_URLS: Readonly<Record<OpenMeteoEndpoint, string>> = {
  forecast: "https://api.open-meteo.com",
  "historical-forecast": "https://historical-forecast-api.open-meteo.com",
  archive: "https://archive-api.open-meteo.com"
};

export const OPEN_METEO_PATHS: Readonly<Record<OpenMeteoEndpoint, string>> = {
  forecast: "/v1/forecast",
  "historical-forecast": "/v1/forecast",
  archive: "/v1/archive"
};

type Quantity = "irradiance" | "temperature" | "percent" | "speed" | "precipitation";
type RowColumn = "ghi_wm2" | "dni_wm2" | "dhi_wm2" | "temp_c" | "cloud_cover_pct" | "wind_ms" | "humidity_pct" | "precip_mm";

/** The hourly variables Sunline asks for, where each goes and how it is stamped by Open-Meteo. */
export const OPEN_METEO_VARIABLES = [
  {name: "shortwave_radiation", column: "ghi_wm2", quantity: "irradiance", timing: "preceding-hour"},
  {name: "direct_normal_irradiance", column: "dni_wm2", quantity: "irradiance", timing: "preceding-hour"},
  {name: "diffuse_radiation", column: "dhi_wm2", quantity: "irradiance", timing: "preceding-hour"},
  {name: "temperature_2m", column: "temp_c", quantity: "temperature", timing: "instant"},
  {name: "cloud_cover", column: "cloud_cover_pct", quantity: "percent", timing: "instant"},
  {name: "wind_speed_10m", column: "wind_ms", quantity: "speed", timing: "instant"},
  {name: "relative_humidity_2m", column: "humidity_pct", quantity: "percent", timing: "instant"},
  {name: "precipitation", column: "precip_mm", quantity: "precipitation", timing: "preceding-hour"}
] as const satisfies readonly {name: string; column: RowColumn; quantity: Quantity; timing: "preceding-hour" | "instant"}[];

export type OpenMeteoVariable = (typeof OPEN_METEO_VARIABLES)[number]["name"];

/** The `hourly=` list, in request order. */
export const OPEN_METEO_HOURLY_VARIABLES: readonly OpenMeteoVariable[] = OPEN_METEO_VARIABLES.map((v) => v.name);

/** Default longest date range (days of rows) per archive / historical-forecast request. */
export const OPEN_METEO_MAX_DAYS = 92;
/** Default most coordinates per request (the URL stays well under 2 kB; bodies under ~10 MB). */
export const OPEN_METEO_MAX_SITES = 50;
/** The forecast endpoint serves at most this many days back (past_days) … */
export const OPEN_METEO_FORECAST_PAST_DAYS = 92;
/** … and this many days from today on, today included (forecast_days). */
export const OPEN_METEO_FORECAST_DAYS = 16;
/**
 * A chunk is final (cacheForever) when its last fetched day (end + 1) is at least this many days
 * before today (UTC). ERA5 arrives ~2–5 days late and the archive answers null until then; the
 * historical-forecast archive fills in as runs come in (a day or two). The rare later ERA5T → ERA5
 * revision is ignored. Forecasts are never final.
 */
export const OPEN_METEO_FINAL_AFTER_DAYS: Readonly<Record<"historical-forecast" | "archive", number>> = {
  "historical-forecast": 3,
  archive: 7
};

export interface OpenMeteoRequest {
  endpoint: OpenMeteoEndpoint;
  /** Full GET URL. */
  url: string;
  /** Site ids in the order of the latitude/longitude lists (= the order of the response array). */
  siteIds: string[];
  /** The sites as requested (coordinates as sent), same order. */
  sites: WeatherSite[];
  /** First and last UTC date (YYYY-MM-DD, inclusive) of the rows this request yields. */
  start: string;
  end: string;
  /** Hourly variables asked for; a response missing one of them is an error. */
  variables: OpenMeteoVariable[];
  /** True when the data cannot change any more (old archive / historical-forecast periods). */
  cacheForever: boolean;
}

export interface OpenMeteoRequestOptions {
  endpoint: OpenMeteoEndpoint;
  sites: readonly WeatherSite[];
  /** First UTC date, YYYY-MM-DD. */
  start: string;
  /** Last UTC date, YYYY-MM-DD, inclusive. */
  end: string;
  /**
   * One base URL (scheme://host[:port][/prefix]) for all three endpoints — a self-hosted
   * Open-Meteo or a loopback test server — or one per endpoint. Paths /v1/… are appended.
   */
  baseUrl?: string | Partial<Record<OpenMeteoEndpoint, string>>;
  /** Longest range per archive / historical-forecast request, in days (default 92). */
  maxDays?: number;
  /** Most coordinates per request (default 50). */
  maxSitesPerRequest?: number;
  /** "Today" for the forecast window and finality (default: the current time). */
  now?: Date;
  /** Subset of OPEN_METEO_HOURLY_VARIABLES to ask for (default: all). */
  variables?: readonly OpenMeteoVariable[];
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * The GET requests that cover `sites` × [start, end]. Archive and historical-forecast ranges are
 * cut into chunks of ≤ maxDays days aligned to fixed maxDays-day blocks counted from 1970-01-01
 * (so runs with a sliding start still hit the same cached middle chunks), and split where data
 * becomes final, so old chunks can be cached forever while the recent tail is refetched. The
 * forecast endpoint gets one date range (it covers ≤ 108 days anyway): past_days/forecast_days
 * when the range includes today (the same URL for everyone that day), else start_date/end_date.
 * Sites are grouped maxSitesPerRequest at a time; requests are ordered by date, then site group.
 */
export function openMeteoRequests(options: OpenMeteoRequestOptions): OpenMeteoRequest[] {
  const {endpoint} = options;
  if (!(endpoint in OPEN_METEO_PATHS)) throw new SunlineError(messages.openMeteoBadOption("endpoint", endpoint, `one of ${Object.keys(OPEN_METEO_PATHS).join(", ")}`));
  const sites = checkSites(options.sites);
  const start = dayNumber("start", options.start);
  const end = dayNumber("end", options.end);
  if (end < start) throw new SunlineError(messages.openMeteoBadRange(options.start, options.end));
  const maxDays = positiveInteger("maxDays", options.maxDays ?? OPEN_METEO_MAX_DAYS);
  const maxSites = positiveInteger("maxSitesPerRequest", options.maxSitesPerRequest ?? OPEN_METEO_MAX_SITES);
  const variables = checkVariables(options.variables);
  const base = resolveBaseUrl(endpoint, options.baseUrl);
  const today = todayNumber(options.now);

  const ranges: {start: number; end: number; final: boolean}[] = [];
  if (endpoint === "forecast") {
    ranges.push({start, end, final: false});
  } else {
    // Last row date whose chunk is final: its fetched end (date + 1) ≤ today − N.
    const lastFinal = today - OPEN_METEO_FINAL_AFTER_DAYS[endpoint] - 1;
    for (const piece of [
      {start, end: Math.min(end, lastFinal), final: true},
      {start: Math.max(start, lastFinal + 1), end, final: false}
    ]) {
      for (let s = piece.start; s <= piece.end; ) {
        const blockEnd = (Math.floor(s / maxDays) + 1) * maxDays - 1;
        const e = Math.min(blockEnd, piece.end);
        ranges.push({start: s, end: e, final: piece.final});
        s = e + 1;
      }
    }
  }

  const requests: OpenMeteoRequest[] = [];
  for (const range of ranges) {
    for (let i = 0; i < sites.length; i += maxSites) {
      const group = sites.slice(i, i + maxSites);
      requests.push({
        endpoint,
        url: buildUrl(endpoint, base, group, range.start, range.end, variables, today),
        siteIds: group.map((s) => s.id),
        sites: group,
        start: dateText(range.start),
        end: dateText(range.end),
        variables: [...variables],
        cacheForever: range.final
      });
    }
  }
  return requests;
}

/**
 * Which endpoint a one-off look-up for [start, end] should use: the ERA5 archive when the whole
 * range is old enough to be there, else the forecast endpoint when it reaches back far enough
 * (≤ 92 days), else the archive anyway (its most recent days come back null).
 */
export function chooseOpenMeteoEndpoint(start: string, end: string, now?: Date): "archive" | "forecast" {
  const s = dayNumber("start", start);
  const e = dayNumber("end", end);
  const today = todayNumber(now);
  if (e + 1 <= today - OPEN_METEO_FINAL_AFTER_DAYS.archive) return "archive";
  if (s >= today - OPEN_METEO_FORECAST_PAST_DAYS) return "forecast";
  return "archive";
}

/**
 * One GET URL for one point and [start, end] (UTC dates, inclusive), on the endpoint
 * chooseOpenMeteoEndpoint picks, with the same variables, timezone and extra day as
 * openMeteoRequests — but never chunked. For a browser page (CORS is open on Open-Meteo);
 * parse the answer with parseOpenMeteo and openMeteoLookupRequest.
 */
export function openMeteoLookupUrl(lat: number, lon: number, start: string, end: string, baseUrl?: string, now?: Date): string {
  return openMeteoLookupRequest(lat, lon, start, end, baseUrl, now).url;
}

/** The request behind openMeteoLookupUrl (site id "lookup"), to pass to parseOpenMeteo. */
export function openMeteoLookupRequest(lat: number, lon: number, start: string, end: string, baseUrl?: string, now?: Date): OpenMeteoRequest {
  const endpoint = chooseOpenMeteoEndpoint(start, end, now);
  const sites = checkSites([{id: "lookup", lat, lon}]);
  const s = dayNumber("start", start);
  const e = dayNumber("end", end);
  if (e < s) throw new SunlineError(messages.openMeteoBadRange(start, end));
  const variables = [...OPEN_METEO_HOURLY_VARIABLES];
  return {
    endpoint,
    url: buildUrl(endpoint, resolveBaseUrl(endpoint, baseUrl), sites, s, e, variables, todayNumber(now)),
    siteIds: ["lookup"],
    sites,
    start,
    end,
    variables,
    cacheForever: false
  };
}

function buildUrl(
  endpoint: OpenMeteoEndpoint,
  base: string,
  sites: readonly WeatherSite[],
  start: number,
  end: number,
  variables: readonly string[],
  today: number
): string {
  // Built by hand so commas stay commas (URLSearchParams would write %2C): every value is a
  // number, a date or a variable name, none needs escaping, and the URL stays a stable cache key.
  const params = [
    `latitude=${sites.map((s) => s.lat).join(",")}`,
    `longitude=${sites.map((s) => s.lon).join(",")}`,
    `hourly=${variables.join(",")}`,
    "timezone=GMT"
  ];
  if (endpoint === "forecast") {
    const first = today - OPEN_METEO_FORECAST_PAST_DAYS;
    const last = today + OPEN_METEO_FORECAST_DAYS - 1;
    if (start < first || end > last) {
      throw new SunlineError(messages.openMeteoForecastWindow(dateText(start), dateText(end), dateText(first), dateText(last)));
    }
    const fetchEnd = Math.min(end + 1, last);
    if (start <= today && today <= fetchEnd) params.push(`past_days=${today - start}`, `forecast_days=${fetchEnd - today + 1}`);
    else params.push(`start_date=${dateText(start)}`, `end_date=${dateText(fetchEnd)}`);
  } else {
    params.push(`start_date=${dateText(start)}`, `end_date=${dateText(end + 1)}`);
  }
  return `${base}${OPEN_METEO_PATHS[endpoint]}?${params.join("&")}`;
}

// ---------------------------------------------------------------------------------------------
// Parsing

const SOURCES: Record<OpenMeteoEndpoint, {source: string; kind: WeatherRow["kind"]}> = {
  forecast: {source: "open-meteo/forecast", kind: "forecast"},
  "historical-forecast": {source: "open-meteo/historical-forecast", kind: "forecast"},
  archive: {source: "open-meteo/archive", kind: "observed"}
};

/** Responses may snap a point to a grid cell up to ~0.2° away; a bigger gap means a mix-up. */
const MAX_COORDINATE_GAP_DEG = 1;

/**
 * Validate an Open-Meteo JSON body (already JSON-parsed) for `request` and turn it into rows in
 * the weather_hourly convention (see the comment at the top of this file).
 *
 * source / kind / issued_at:
 *   forecast            → "open-meteo/forecast", "forecast", issued_at = issuedAt (the time of the
 *                         request: the API does not say which run it served; the run is at most a
 *                         few hours older, so this is a slight over-estimate of freshness).
 *   historical-forecast → "open-meteo/historical-forecast", "forecast", issued_at = null: every hour
 *                         comes from a different run (the first hours of each run, stitched), so
 *                         there is no single issue time, and issuedAt (the download time) would
 *                         claim the forecast was made after the fact. Treat these rows as "a
 *                         short-lead forecast for ts".
 *   archive             → "open-meteo/archive", "observed" (ERA5 reanalysis), issued_at = null.
 * issuedAt is ignored for the last two.
 */
export function parseOpenMeteo(body: unknown, request: OpenMeteoRequest, issuedAt: string | null): WeatherRow[] {
  const where = describeRequest(request);
  const {source, kind} = SOURCES[request.endpoint];
  const issued = request.endpoint === "forecast" && issuedAt !== null ? isoInstant(issuedAt) : null;

  if (isRecord(body) && !Array.isArray(body) && body.error === true) throw new SunlineError(messages.openMeteoErrorBody(where, errorReason(body)));
  if (typeof body !== "object" || body === null) throw new SunlineError(messages.openMeteoNotJson(where, describeNonJson(body)));
  const items: unknown[] = Array.isArray(body) ? body : [body];
  const expected = request.siteIds.length;
  if (items.length !== expected) {
    throw new SunlineError(messages.openMeteoSiteCount(where, expected, Array.isArray(body) ? `an array of ${items.length}` : "a single location object"));
  }

  const first = Date.parse(`${request.start}T00:00:00Z`);
  const stop = Date.parse(`${request.end}T00:00:00Z`) + DAY_MS; // exclusive
  const requested = OPEN_METEO_VARIABLES.filter((v) => request.variables.includes(v.name));
  const rows: WeatherRow[] = [];

  items.forEach((item, index) => {
    const siteId = request.siteIds[index];
    const at = `${where}, site "${siteId}"${expected > 1 ? ` (location ${index + 1} of ${expected})` : ""}`;
    if (!isRecord(item) || Array.isArray(item)) throw new SunlineError(messages.openMeteoNotJson(at, describeNonJson(item)));
    if (item.error === true) throw new SunlineError(messages.openMeteoErrorBody(at, errorReason(item)));
    checkLocation(item, index, request.sites[index], at);

    const hourly = item.hourly;
    if (!isRecord(hourly) || Array.isArray(hourly)) throw new SunlineError(messages.openMeteoNoHourly(at));
    const units = isRecord(item.hourly_units) ? item.hourly_units : {};
    const stamps = parseTimes(hourly, units.time, item.utc_offset_seconds, at);

    const columns = new Map<RowColumn, {timing: "preceding-hour" | "instant"; values: (number | null)[]}>();
    for (const v of requested) {
      const raw = hourly[v.name];
      if (raw === undefined) throw new SunlineError(messages.openMeteoMissingVariable(at, v.name, Object.keys(hourly)));
      if (!Array.isArray(raw)) throw new SunlineError(messages.openMeteoNotArray(at, v.name, raw));
      if (raw.length !== stamps.length) throw new SunlineError(messages.openMeteoLengthMismatch(at, v.name, raw.length, stamps.length));
      const convert = converter(v.quantity, units[v.name], v.name, at);
      const values = raw.map((x, i) => {
        if (x === null) return null;
        if (typeof x !== "number" || !Number.isFinite(x)) throw new SunlineError(messages.openMeteoNotNumber(at, v.name, i, timeText(stamps[i]), x));
        return convert(x); // unrounded: the instants are averaged first
      });
      columns.set(v.column, {timing: v.timing, values});
    }

    const indexOf = new Map<number, number>();
    stamps.forEach((t, i) => indexOf.set(t, i));
    const value = (column: RowColumn, t: number): number | null => {
      const c = columns.get(column);
      const i = indexOf.get(t);
      return c === undefined || i === undefined ? null : c.values[i];
    };
    for (let t = first; t < stop; t += HOUR_MS) {
      if (!indexOf.has(t) && !indexOf.has(t + HOUR_MS)) continue;
      const cell = (column: RowColumn): number | null => {
        const c = columns.get(column);
        if (c === undefined) return null;
        const a = c.timing === "preceding-hour" ? null : value(column, t);
        const b = value(column, t + HOUR_MS);
        const mean = a === null ? b : b === null ? a : (a + b) / 2;
        return mean === null ? null : round6(mean);
      };
      rows.push({
        site_id: siteId,
        ts: timeText(t),
        source,
        kind,
        issued_at: issued,
        ghi_wm2: cell("ghi_wm2"),
        dni_wm2: cell("dni_wm2"),
        dhi_wm2: cell("dhi_wm2"),
        temp_c: cell("temp_c"),
        cloud_cover_pct: cell("cloud_cover_pct"),
        wind_ms: cell("wind_ms"),
        humidity_pct: cell("humidity_pct"),
        precip_mm: cell("precip_mm")
      });
    }
  });
  return rows;
}

/** "open-meteo archive 2024-01-01..2024-03-31 (sites a, b)": how messages name a request. */
export function describeRequest(request: Pick<OpenMeteoRequest, "endpoint" | "start" | "end" | "siteIds">): string {
  const ids = request.siteIds;
  const shown = ids.length > 5 ? `${ids.slice(0, 5).join(", ")}, … (${ids.length} sites)` : ids.join(", ");
  return `open-meteo ${request.endpoint} ${request.start}..${request.end} (site${ids.length === 1 ? "" : "s"} ${shown})`;
}

function checkLocation(item: Record<string, unknown>, index: number, site: WeatherSite | undefined, at: string): void {
  // Open-Meteo numbers the locations of a multi-point answer from the second on (location_id 1, 2, …).
  if (item.location_id !== undefined && item.location_id !== index) {
    throw new SunlineError(messages.openMeteoLocationMismatch(at, `location_id is ${formatShort(item.location_id)}, expected ${index}`));
  }
  if (site && typeof item.latitude === "number" && typeof item.longitude === "number") {
    const gap = Math.max(Math.abs(item.latitude - site.lat), Math.abs(lonDifference(item.longitude, site.lon)));
    if (gap > MAX_COORDINATE_GAP_DEG) {
      throw new SunlineError(
        messages.openMeteoLocationMismatch(at, `the answer is for ${item.latitude}, ${item.longitude} but the site is at ${site.lat}, ${site.lon}`)
      );
    }
  }
}

function lonDifference(a: number, b: number): number {
  const d = (((a - b) % 360) + 540) % 360 - 180;
  return d;
}

const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

function parseTimes(hourly: Record<string, unknown>, unit: unknown, offset: unknown, at: string): number[] {
  const raw = hourly.time;
  if (raw === undefined) throw new SunlineError(messages.openMeteoMissingVariable(at, "time", Object.keys(hourly)));
  if (!Array.isArray(raw)) throw new SunlineError(messages.openMeteoNotArray(at, "time", raw));
  const offsetSeconds = offset === undefined || offset === null ? 0 : offset;
  if (typeof offsetSeconds !== "number" || !Number.isFinite(offsetSeconds)) {
    throw new SunlineError(messages.openMeteoBadTime(at, -1, offset, "utc_offset_seconds is not a number"));
  }
  const format = unit === undefined ? (typeof raw[0] === "number" ? "unixtime" : "iso8601") : unit;
  if (format !== "iso8601" && format !== "unixtime") throw new SunlineError(messages.openMeteoUnknownUnit(at, "time", unit, ["iso8601", "unixtime"]));
  const seen = new Set<number>();
  return raw.map((value, i) => {
    let ms: number;
    if (format === "unixtime") {
      // Epoch seconds are UTC whatever the timezone parameter was.
      if (typeof value !== "number" || !Number.isFinite(value)) throw new SunlineError(messages.openMeteoBadTime(at, i, value, "expected epoch seconds"));
      ms = value * 1000;
    } else {
      const m = typeof value === "string" ? ISO_LOCAL.exec(value) : null;
      if (!m) throw new SunlineError(messages.openMeteoBadTime(at, i, value, "expected YYYY-MM-DDTHH:MM"));
      const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
      ms = Date.UTC(y, mo - 1, d, h, mi, s);
      const back = new Date(ms);
      if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
        throw new SunlineError(messages.openMeteoBadTime(at, i, value, "not a real date and time"));
      }
      ms -= offsetSeconds * 1000; // local (fixed offset) → UTC
    }
    if (ms % HOUR_MS !== 0) throw new SunlineError(messages.openMeteoBadTime(at, i, value, "not on a whole UTC hour (request timezone=GMT)"));
    if (seen.has(ms)) throw new SunlineError(messages.openMeteoBadTime(at, i, value, "the same hour appears twice"));
    seen.add(ms);
    return ms;
  });
}

/** Unit strings as Open-Meteo writes them, plus common spellings (compared case-insensitively). */
const UNITS: Record<Quantity, Record<string, (x: number) => number>> = {
  irradiance: {"w/m²": same, "w/m2": same, "w/m^2": same, "w m-2": same},
  temperature: {
    "°c": same, c: same, degc: same, celsius: same,
    "°f": (x) => ((x - 32) * 5) / 9, f: (x) => ((x - 32) * 5) / 9, degf: (x) => ((x - 32) * 5) / 9, fahrenheit: (x) => ((x - 32) * 5) / 9,
    k: (x) => x - 273.15, kelvin: (x) => x - 273.15
  },
  percent: {"%": same},
  speed: {
    "km/h": (x) => x / 3.6, kmh: (x) => x / 3.6,
    "m/s": same, ms: same,
    "mp/h": (x) => x * 0.44704, mph: (x) => x * 0.44704,
    kn: (x) => (x * 1852) / 3600, kt: (x) => (x * 1852) / 3600, knots: (x) => (x * 1852) / 3600
  },
  precipitation: {mm: same, inch: (x) => x * 25.4, in: (x) => x * 25.4}
};

function same(x: number): number {
  return x;
}

function converter(quantity: Quantity, unit: unknown, variable: string, at: string): (x: number) => number {
  const table = UNITS[quantity];
  const fn = typeof unit === "string" ? table[unit.trim().toLowerCase()] : undefined;
  if (!fn) throw new SunlineError(messages.openMeteoUnknownUnit(at, variable, unit, Object.keys(table)));
  return fn;
}

/**
 * Output rounding to six decimals, applied once after conversion and averaging: removes float
 * noise (20.4 / 3.6, (14.8 + 14.9) / 2) far below any real precision, and + 0 turns the -0.0
 * Open-Meteo sometimes writes (e.g. temperature_2m) into 0.
 */
function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6 + 0;
}

function errorReason(body: Record<string, unknown>): string {
  return typeof body.reason === "string" && body.reason ? body.reason : "(no reason given)";
}

function describeNonJson(body: unknown): string {
  if (typeof body === "string") {
    const text = body.trim().replace(/\s+/g, " ");
    const html = /^<(!doctype|html|head|body|\?xml)/i.test(text);
    const start = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    return `${html ? "an HTML page" : "text"} starting ${JSON.stringify(start)}${html ? " (a proxy, captive portal or wrong base URL?)" : ""}`;
  }
  if (body === null) return "null";
  if (Array.isArray(body)) return "an array";
  return `a ${typeof body}`;
}

function formatShort(value: unknown): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

// ---------------------------------------------------------------------------------------------
// Option checks and dates

function checkSites(sites: readonly WeatherSite[]): WeatherSite[] {
  if (!Array.isArray(sites) || sites.length === 0) throw new SunlineError(messages.openMeteoBadOption("sites", sites, "at least one site"));
  const seen = new Set<string>();
  return sites.map((site) => {
    if (typeof site?.id !== "string" || site.id === "") throw new SunlineError(messages.openMeteoBadSite(String(site?.id), "the id must be a non-empty string"));
    if (seen.has(site.id)) throw new SunlineError(messages.openMeteoBadSite(site.id, "the id appears twice"));
    seen.add(site.id);
    const {lat, lon} = site;
    if (typeof lat !== "number" || !Number.isFinite(lat) || lat < -90 || lat > 90) throw new SunlineError(messages.openMeteoBadSite(site.id, `latitude ${lat} is not in -90…90`));
    if (typeof lon !== "number" || !Number.isFinite(lon) || lon < -180 || lon > 180) throw new SunlineError(messages.openMeteoBadSite(site.id, `longitude ${lon} is not in -180…180`));
    // 4 decimals ≈ 11 m, far finer than any weather grid; keeps URLs short and stable.
    return {id: site.id, lat: Number(lat.toFixed(4)), lon: Number(lon.toFixed(4))};
  });
}

function checkVariables(variables: readonly OpenMeteoVariable[] | undefined): OpenMeteoVariable[] {
  if (variables === undefined) return [...OPEN_METEO_HOURLY_VARIABLES];
  const known = new Set<string>(OPEN_METEO_HOURLY_VARIABLES);
  const bad = variables.filter((v) => !known.has(v));
  if (bad.length > 0 || variables.length === 0) {
    throw new SunlineError(messages.openMeteoBadOption("variables", variables, `a non-empty list from ${OPEN_METEO_HOURLY_VARIABLES.join(", ")}`));
  }
  return OPEN_METEO_HOURLY_VARIABLES.filter((v) => variables.includes(v));
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new SunlineError(messages.openMeteoBadOption(name, value, "a whole number ≥ 1"));
  return value;
}

function resolveBaseUrl(endpoint: OpenMeteoEndpoint, baseUrl: OpenMeteoRequestOptions["baseUrl"]): string {
  const chosen = typeof baseUrl === "string" ? baseUrl : (baseUrl?.[endpoint] ?? OPEN_METEO_BASE_URLS[endpoint]);
  let url: URL | null = null;
  try {
    url = new URL(chosen);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash) {
    throw new SunlineError(messages.openMeteoBadBaseUrl(chosen));
  }
  return chosen.replace(/\/+$/, "");
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dayNumber(field: string, text: string): number {
  const m = typeof text === "string" ? DATE.exec(text) : null;
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || dateText(ms / DAY_MS) !== text) throw new SunlineError(messages.openMeteoBadDate(field, text));
  return ms / DAY_MS;
}

function todayNumber(now: Date | undefined): number {
  const ms = (now ?? new Date()).getTime();
  if (Number.isNaN(ms)) throw new SunlineError(messages.openMeteoBadOption("now", String(now), "a valid Date"));
  return Math.floor(ms / DAY_MS);
}

function dateText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function timeText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function isoInstant(text: string): string {
  const ms = Date.parse(text);
  // Only absolute instants: a zone-less stamp would be read in the machine's time zone.
  if (Number.isNaN(ms) || !/(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())) throw new SunlineError(messages.openMeteoBadOption("issuedAt", text, "an ISO 8601 instant with Z or an offset"));
  return timeText(ms);
}
