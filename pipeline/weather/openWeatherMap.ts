// OpenWeatherMap One Call API 3.0 response bodies → WeatherRow. Parsing only; fetching is elsewhere.
//
// - `/data/3.0/onecall`: the `hourly` array (48 hours) → kind "forecast", source
//   "openweathermap/onecall", issued_at = the issuedAt option (null when not given).
// - `/data/3.0/onecall/timemachine`: the `data` array → kind "observed", source
//   "openweathermap/timemachine", issued_at null.
// (A body with both arrays yields both; `current`, `minutely`, `daily`, `alerts` are ignored.)
//
// Decisions:
// - Time: `dt` is unix seconds UTC, an instant. An instant t is assigned to the hour interval
//   (start, start + 1 h] that contains it, i.e. ts = (t rounded up to the hour) − 1 h, so a value at
//   10:00 describes 09:00–10:00. Same "period ending at the stamp" reading as for ISD-Lite and
//   Open-Meteo; it is also how OpenWeatherMap has described `rain.1h` ("rain volume for the last
//   hour"). Temperature, wind, clouds and humidity are instants at the end of their interval.
// - Units (`units` request parameter): standard (default) = kelvin and m/s, metric = °C and m/s,
//   imperial = °F and miles/hour. Converted to °C and m/s, rounded to 0.01. Clouds and humidity
//   are % in every unit system, precipitation always mm.
// - Precipitation = rain["1h"] + snow["1h"] (snow as liquid water equivalent, mm). OpenWeatherMap
//   leaves `rain`/`snow` out when there is none, so an absent key counts as 0 mm, not missing.
// - A field that is absent (other than rain/snow) becomes null; a field of the wrong type is an
//   error, as is an entry without a numeric `dt`.
// - One Call has no irradiance (that is a separate OpenWeather product): ghi/dni/dhi are null.
// - Messages never contain the API key: text that looks like one (32 hex characters, or an
//   `appid=` query parameter) is replaced with "[redacted]" in anything taken from the body.
import {formatValue, messages, SunlineError} from "../messages.ts";
import type {WeatherRow} from "./types.ts";

export type OwmUnits = "standard" | "metric" | "imperial";
export const OWM_UNITS: readonly OwmUnits[] = ["standard", "metric", "imperial"];

export interface OwmParseOptions {
  /** When the forecast was fetched (ISO 8601 or a Date); becomes issued_at of forecast rows. */
  issuedAt?: string | Date | null;
  /** The `units` parameter the request was made with; "standard" (kelvin) when omitted. */
  units?: OwmUnits;
}

const KELVIN_OFFSET = 273.15;
const MPH_TO_MS = 0.44704; // exact: 1 mile = 1609.344 m

export function parseOpenWeatherMap(body: unknown, siteId: string, options: OwmParseOptions = {}): WeatherRow[] {
  const units = options.units ?? "standard";
  if (!OWM_UNITS.includes(units)) throw new SunlineError(messages.owmUnknownUnits(safeValue(units), OWM_UNITS));
  const issuedAt = normalizeIssuedAt(options.issuedAt ?? null);

  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new SunlineError(messages.owmNotObject(describeType(body)));
  }
  const obj = body as Record<string, unknown>;
  const hasHourly = "hourly" in obj;
  const hasData = "data" in obj;
  if ("cod" in obj && String(obj.cod) !== "200" && !hasHourly && !hasData) {
    const cod = redact(String(obj.cod));
    const message = typeof obj.message === "string" ? truncate(redact(obj.message), 300) : null;
    throw new SunlineError(messages.owmApiError(cod, message));
  }
  if (!hasHourly && !hasData) throw new SunlineError(messages.owmNoArray(Object.keys(obj).map(redact)));

  const rows: WeatherRow[] = [];
  if (hasHourly) rows.push(...parseEntries(obj.hourly, "hourly", {siteId, units, kind: "forecast", source: "openweathermap/onecall", issuedAt}));
  if (hasData) rows.push(...parseEntries(obj.data, "data", {siteId, units, kind: "observed", source: "openweathermap/timemachine", issuedAt: null}));
  return rows;
}

interface EntryContext {
  siteId: string;
  units: OwmUnits;
  kind: WeatherRow["kind"];
  source: string;
  issuedAt: string | null;
}

function parseEntries(value: unknown, key: string, ctx: EntryContext): WeatherRow[] {
  if (!Array.isArray(value)) throw wrongType(key, "an array", value);
  return value.map((entry, i) => {
    const path = `${key}[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw wrongType(path, "an object", entry);
    const e = entry as Record<string, unknown>;
    const dt = e.dt;
    if (typeof dt !== "number" || !Number.isInteger(dt)) throw wrongType(`${path}.dt`, "unix seconds (a whole number)", dt);
    const temp = optionalNumber(e, "temp", path);
    const wind = optionalNumber(e, "wind_speed", path);
    return {
      site_id: ctx.siteId,
      ts: intervalStart(dt),
      source: ctx.source,
      kind: ctx.kind,
      issued_at: ctx.issuedAt,
      ghi_wm2: null,
      dni_wm2: null,
      dhi_wm2: null,
      temp_c: temp === null ? null : toCelsius(temp, ctx.units),
      cloud_cover_pct: optionalNumber(e, "clouds", path),
      wind_ms: wind === null ? null : toMetresPerSecond(wind, ctx.units),
      humidity_pct: optionalNumber(e, "humidity", path),
      precip_mm: round2(precipitation(e, "rain", path) + precipitation(e, "snow", path))
    };
  });
}

/** Start of the hour interval (start, start + 1 h] that contains the instant, as ISO 8601 with Z. */
function intervalStart(dtSeconds: number): string {
  const end = Math.ceil(dtSeconds / 3600) * 3600;
  return new Date((end - 3600) * 1000).toISOString().replace(".000Z", "Z");
}

function toCelsius(value: number, units: OwmUnits): number {
  if (units === "metric") return value;
  return round2(units === "imperial" ? ((value - 32) * 5) / 9 : value - KELVIN_OFFSET);
}

function toMetresPerSecond(value: number, units: OwmUnits): number {
  return units === "imperial" ? round2(value * MPH_TO_MS) : value;
}

function optionalNumber(e: Record<string, unknown>, key: string, path: string): number | null {
  const v = e[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v)) throw wrongType(`${path}.${key}`, "a number", v);
  return v;
}

/** rain / snow: absent = none fell (0 mm); otherwise {"1h": mm}. */
function precipitation(e: Record<string, unknown>, key: "rain" | "snow", path: string): number {
  const v = e[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== "object" || Array.isArray(v)) throw wrongType(`${path}.${key}`, `an object like {"1h": 0.5}`, v);
  const mm = (v as Record<string, unknown>)["1h"];
  if (mm === undefined) return 0;
  if (typeof mm !== "number" || !Number.isFinite(mm) || mm < 0) throw wrongType(`${path}.${key}["1h"]`, "a number of millimetres, 0 or more", mm);
  return mm;
}

function normalizeIssuedAt(value: string | Date | null): string | null {
  if (value === null) return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new SunlineError(messages.owmBadIssuedAt(safeValue(value instanceof Date ? "Invalid Date" : value)));
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function wrongType(path: string, expected: string, value: unknown): SunlineError {
  return new SunlineError(messages.owmWrongType(path, expected, safeValue(value)));
}

/** A value for a message: redacted before shortening, so no fragment of a key survives the cut. */
function safeValue(value: unknown): string {
  if (value === undefined) return formatValue(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return truncate(redact(text), 80);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function describeType(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return "a string (parse the JSON first)";
  return `a ${typeof value}`;
}

/** Remove anything that looks like an OpenWeatherMap API key (32 hex characters) or an appid parameter. */
export function redact(text: string): string {
  return text.replace(/appid=[^&\s"']*/gi, "appid=[redacted]").replace(/(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/gi, "[redacted]");
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
