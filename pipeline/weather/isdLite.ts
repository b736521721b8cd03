// NOAA ISD-Lite (Integrated Surface Data, Lite) hourly station text → WeatherRow.
//
// Format (NOAA "isd-lite-format", June 20 2006): one line per observation hour, twelve
// right-aligned integer fields, missing = -9999. Year is 4 characters wide, month/day/hour 3
// (a space and two digits), the eight elements 6 each, so every line is 61 characters:
//
//   cols  1-4  year               cols 26-31 sea-level pressure, hPa ×10
//   cols  5-7  month              cols 32-37 wind direction, degrees (calm = 0)
//   cols  8-10 day                cols 38-43 wind speed, m/s ×10
//   cols 11-13 hour (UTC)         cols 44-49 sky condition total coverage code
//   cols 14-19 air temperature,   cols 50-55 1-hour liquid precipitation, mm ×10 (trace = -1)
//              °C ×10             cols 56-61 6-hour liquid precipitation, mm ×10 (trace = -1)
//   cols 20-25 dew point, °C ×10
//
// (The format document's own position list has two slips — day "9-11" and dew point "20-24" —
// that contradict its stated lengths; the widths above are what the files contain.)
//
// Decisions:
// - Time: ISD-Lite stamps each element with the top of the hour HH, taking the observation made
//   closest to it within the ten minutes up to and including HH:00 (ISD-Lite technical document),
//   and its 1-hour precipitation is the accumulation over the hour ending then. A line for hour HH
//   therefore becomes the row for the interval HH-1:00 → HH:00 (ts = HH - 1 h, the interval
//   start, as weather_hourly wants): exact for precipitation; temperature, wind, cloud and
//   humidity are instants at the end of that interval. The same "period ending at the stamp"
//   reading as Open-Meteo's hourly values (see ../shared/data/README.md).
// - Cloud cover from the sky code: codes 0-8 are oktas → okta × 12.5 %. The doc pairs SCT with
//   4 oktas, BKN with 7 and OVC with 8, so the older codes 11-13 (thin/-/dark scattered) → 50 %,
//   14-16 (broken) → 87.5 %, 17-19 (overcast) → 100 %. 9 (sky obscured, amount cannot be
//   estimated), 10 (partial obscuration) and any other code → null: no cloud amount is known.
// - Precipitation: the 1-hour field only (the 6-hour one would need to be spread over hours).
//   Trace (-1, "too little to measure", under 0.1 mm) → 0 mm.
// - Relative humidity is not in ISD-Lite: computed from air temperature T and dew point Td with
//   the Magnus formula, RH = 100·exp(a·Td/(b+Td) − a·T/(b+T)), a = 17.625, b = 243.04 °C
//   (Alduchov & Eskridge 1996; over water also below 0 °C, as WMO reports humidity), capped at
//   100 % (a dew point a tenth above the temperature happens in fog) and rounded to 0.1 %. Null
//   when either temperature is missing.
// - No irradiance in ISD: ghi/dni/dhi are null.
// - Rejected lines (the rest still parse): wrong length; a field that is not a whole number; a
//   date or hour that does not exist; wind speed or precipitation below zero other than the
//   codes above; temperature or dew point outside -90…+60 °C; a second line for the same hour
//   (the first is kept). Blank lines are skipped. CRLF, a trailing newline and a BOM are fine.
import {messages} from "../messages.ts";
import type {WeatherRow} from "./types.ts";

export const ISD_LITE_LINE_LENGTH = 61;
export const ISD_MISSING = -9999;
export const ISD_TRACE = -1;

export interface IsdReject {
  /** 1-based line number in the text. */
  line: number;
  reason: string;
  /** The line as it appears in the text, without its line ending. */
  raw: string;
}

export interface IsdParseResult {
  rows: WeatherRow[];
  rejects: IsdReject[];
}

const FIELDS = [
  ["year", 1, 4],
  ["month", 5, 7],
  ["day", 8, 10],
  ["hour", 11, 13],
  ["air temperature", 14, 19],
  ["dew point", 20, 25],
  ["sea-level pressure", 26, 31],
  ["wind direction", 32, 37],
  ["wind speed", 38, 43],
  ["sky condition code", 44, 49],
  ["1-hour precipitation", 50, 55],
  ["6-hour precipitation", 56, 61]
] as const;

type FieldName = (typeof FIELDS)[number][0];

/** Sky condition total coverage code → cloud cover %, per the ISD-Lite format document. */
export function skyCodeToCloudCover(code: number): number | null {
  if (Number.isInteger(code) && code >= 0 && code <= 8) return code * 12.5;
  if (code >= 11 && code <= 13) return 50; // thin / - / dark scattered ≈ SCT = 4 oktas
  if (code >= 14 && code <= 16) return 87.5; // thin / - / dark broken ≈ BKN = 7 oktas
  if (code >= 17 && code <= 19) return 100; // thin / - / dark overcast ≈ OVC = 8 oktas
  return null; // 9 obscured, 10 partial obscuration, -9999 missing, anything undocumented
}

const MAGNUS_A = 17.625;
const MAGNUS_B = 243.04;

/** Relative humidity % from air temperature and dew point (°C), Magnus formula, capped at 100. */
export function relativeHumidity(tempC: number, dewPointC: number): number {
  const gamma = (t: number) => (MAGNUS_A * t) / (MAGNUS_B + t);
  const rh = 100 * Math.exp(gamma(dewPointC) - gamma(tempC));
  return Math.round(Math.min(100, rh) * 10) / 10;
}

export function parseIsdLite(text: string, siteId: string, source = "noaa-isd"): IsdParseResult {
  const rows: WeatherRow[] = [];
  const rejects: IsdReject[] = [];
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    const parsed = parseLine(raw);
    if (typeof parsed === "string") {
      rejects.push({line, reason: parsed, raw});
      return;
    }
    const first = seen.get(parsed.ts);
    if (first !== undefined) {
      rejects.push({line, reason: messages.isdDuplicateHour(parsed.hourLabel, first), raw});
      return;
    }
    seen.set(parsed.ts, line);
    const {f} = parsed;
    const temp = scaled(f["air temperature"]);
    const dew = scaled(f["dew point"]);
    const precip = f["1-hour precipitation"];
    rows.push({
      site_id: siteId,
      ts: parsed.ts,
      source,
      kind: "observed",
      issued_at: null,
      ghi_wm2: null,
      dni_wm2: null,
      dhi_wm2: null,
      temp_c: temp,
      cloud_cover_pct: skyCodeToCloudCover(f["sky condition code"]),
      wind_ms: scaled(f["wind speed"]),
      humidity_pct: temp === null || dew === null ? null : relativeHumidity(temp, dew),
      precip_mm: precip === ISD_TRACE ? 0 : scaled(precip)
    });
  });
  return {rows, rejects};
}

function scaled(value: number): number | null {
  return value === ISD_MISSING ? null : value / 10;
}

/** One line → its fields and interval start, or the reason it is rejected. */
function parseLine(raw: string): {f: Record<FieldName, number>; ts: string; hourLabel: string} | string {
  const line = raw.trimEnd();
  if (line.length !== ISD_LITE_LINE_LENGTH) return messages.isdLineLength(line.length, ISD_LITE_LINE_LENGTH);
  const f = {} as Record<FieldName, number>;
  for (const [name, from, to] of FIELDS) {
    const text = line.slice(from - 1, to);
    const trimmed = text.trim();
    if (!/^-?\d+$/.test(trimmed)) return messages.isdNotNumber(name, `${from}-${to}`, text);
    f[name] = Number(trimmed);
  }

  const {year, month, day, hour} = f;
  if (year < 1900 || year > 2100) return messages.isdBadValue("year", year, "a four-digit year, 1900-2100");
  if (month < 1 || month > 12) return messages.isdBadValue("month", month, "1-12");
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return messages.isdBadValue("day", day, `1-${daysInMonth} for ${year}-${pad(month)}`);
  if (hour > 23) return messages.isdBadValue("hour", hour, "0-23 (UTC)");

  for (const name of ["air temperature", "dew point"] as const) {
    const v = f[name];
    if (v !== ISD_MISSING && (v < -900 || v > 600)) return messages.isdBadValue(name, v, "-900…600 (-90…+60 °C ×10) or -9999 (missing)");
  }
  if (f["wind speed"] < 0 && f["wind speed"] !== ISD_MISSING) return messages.isdBadValue("wind speed", f["wind speed"], "0 or more (m/s ×10) or -9999 (missing)");
  const precip = f["1-hour precipitation"];
  if (precip < 0 && precip !== ISD_TRACE && precip !== ISD_MISSING) {
    return messages.isdBadValue("1-hour precipitation", precip, "0 or more (mm ×10), -1 (trace) or -9999 (missing)");
  }

  const end = Date.UTC(year, month - 1, day, hour);
  const ts = new Date(end - 3_600_000).toISOString().replace(".000Z", "Z");
  return {f, ts, hourLabel: `${year}-${pad(month)}-${pad(day)} ${pad(hour)}:00 UTC`};
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
