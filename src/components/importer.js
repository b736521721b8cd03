// The Import page's logic: read a delimited production file in the browser with the pipeline's own
// rules (pipeline/ingest/readRows.ts, pipeline/ingest/localTime.ts, pipeline/clean/hourly.ts),
// detect its layout, run the same quality checks and print the config snippet that adds it.
// Pure functions on strings and numbers: no DOM, no Node modules, nothing leaves the browser.

/** The delimiters the pipeline sniffs, in its order of preference. */
export const DELIMITERS = [",", ";", "\t", "|"];
export const DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"};
export const UNITS = ["W", "kW", "MW", "Wh", "kWh"];

/** Defaults of the pipeline's `clean` config section. */
export const CLEAN_DEFAULTS = {maxCapacityFactor: 1.2, stuckMinSamples: 4, maxGapH: 2, outlierIqrK: 3};
/** data_quality's coverage thresholds (pipeline/clean/dataQuality.ts). */
export const COVERAGE_OK_PCT = 95;
export const COVERAGE_WARN_PCT = 80;

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------
// Reading the text

/**
 * Bytes → text the way the pipeline's `encoding: "auto"` reads them: UTF-8, or Latin-1 when the
 * bytes are not valid UTF-8. A UTF-8 byte-order mark is dropped.
 * @param {ArrayBuffer | Uint8Array} bytes
 * @returns {{text: string, encoding: "utf-8" | "latin-1"}}
 */
export function decodeBytes(bytes) {
  try {
    return {text: new TextDecoder("utf-8", {fatal: true}).decode(bytes), encoding: "utf-8"};
  } catch {
    return {text: new TextDecoder("latin1").decode(bytes), encoding: "latin-1"};
  }
}

/**
 * Physical lines, numbered from 1 as the pipeline numbers them (blank and comment lines count).
 * @param {string} text
 * @returns {{lines: string[], bom: boolean}}
 */
export function splitLines(text) {
  const bom = text.charCodeAt(0) === 0xfeff;
  const lines = (bom ? text.slice(1) : text).split(/\r\n|\n|\r/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return {lines, bom};
}

/** A field as the pipeline reads it: trimmed, then one pair of surrounding double quotes removed (inside them, "" is one quote). */
export function unquote(field) {
  const t = field.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replaceAll('""', '"') : t;
}

/**
 * A line's fields as the pipeline's line-by-line path splits them: a quoted field may hold the
 * delimiter (pipeline/ingest/readRows.ts splitFields uses the same pattern).
 */
export function splitFields(line, delimiter) {
  if (!line.includes('"')) return line.split(delimiter);
  const d = delimiter.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
  const field = new RegExp(`("(?:[^"]|"")*"|[^${d}"]*(?:"[^${d}]*)?)${d}`, "g");
  return [...(line + delimiter).matchAll(field)].map((m) => m[1]);
}

/** Header names as the pipeline splits them (BOM dropped, trimmed, unquoted). */
export function splitHeader(line, delimiter) {
  return line.replace(/^\uFEFF/, "").split(delimiter).map(unquote);
}

/** The pipeline's delimiter sniffing for `delimiter: "auto"`: whichever splits the header line most. */
export function pipelineSniff(header) {
  let best = ",";
  let most = 0;
  for (const d of DELIMITERS) {
    const n = header.split(d).length - 1;
    if (n > most) [best, most] = [d, n];
  }
  return best;
}

/**
 * @typedef {{line: number, raw: string, fields: string[]}} Row
 * @typedef {{
 *   lineCount: number, bom: boolean, delimiter: string, delimiterName: string, delimiterDetected: boolean,
 *   pipelineDelimiter: string, hasHeader: boolean, headerLine: number | null, headerRaw: string | null,
 *   columns: string[], rows: Row[], contentLines: {line: number, raw: string}[],
 *   counts: {blank: number, comment: number, preamble: number},
 *   warnings: string[]
 * }} Table
 */

/**
 * Split a delimited text into its header and data rows, finding the delimiter and the header line.
 * Blank lines and lines starting with `comment` are skipped (and counted); lines above the header
 * are the export's preamble. Fields are split exactly as the pipeline splits them (a quoted field
 * may hold the delimiter), then trimmed and unquoted.
 * @param {string} text
 * @param {{delimiter?: string, comment?: string}} [options]
 * @returns {Table}
 */
export function parseDelimited(text, {delimiter = "auto", comment = "#"} = {}) {
  const {lines, bom} = splitLines(text);
  const counts = {blank: 0, comment: 0, preamble: 0};
  const content = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === "") counts.blank++;
    else if (comment && raw.trimStart().startsWith(comment)) counts.comment++;
    else content.push({line: i + 1, raw});
  });
  const sample = content.slice(0, 50);
  const detected = delimiter === "auto";
  const d = detected ? chooseDelimiter(sample) : delimiter;
  const warnings = [];

  // The header is the last line without a time stamp above the first line that looks like data
  // (as wide as most lines, a whole stamp field and a number); with none there is no header.
  let headerIndex = 0;
  let hasHeader = true;
  const modal = modeOf(sample.map((l) => splitFields(l.raw, d).length)) ?? 1;
  const split = sample.map((l) => splitFields(l.raw, d).map(unquote));
  const firstData = split.findIndex((f) => f.length === modal && looksLikeData(f));
  if (firstData >= 0) {
    let k = firstData - 1;
    while (k >= 0 && split[k].some((f) => STAMP_FIELD.test(f))) k--;
    if (k < 0) hasHeader = false;
    else headerIndex = k;
  } else headerIndex = Math.max(0, sample.findIndex((l) => splitFields(l.raw, d).length === modal));
  const header = content[headerIndex] ?? null;
  counts.preamble = headerIndex;
  const width = header ? splitFields(header.raw, d).length : 0;
  const columns = hasHeader && header ? splitHeader(header.raw, d) : Array.from({length: width}, () => "");
  // Without a header the pipeline still takes the first content line as one: mirror that.
  const rows = header ? content.slice(headerIndex + 1).map(({line, raw}) => ({line, raw, fields: splitFields(raw, d).map(unquote)})) : [];

  if (!header) warnings.push("The file has no lines with content (empty, or only blank and comment lines).");
  else if (!hasHeader)
    warnings.push(`No header line: the pipeline reads line ${header.line} as the header (its reading is lost) and columns must be named by position. Add a header line to the file.`);
  const pipelineDelimiter = header ? pipelineSniff(header.raw) : ",";
  return {
    lineCount: lines.length,
    bom,
    delimiter: d,
    delimiterName: DELIMITER_NAMES[d] ?? JSON.stringify(d),
    delimiterDetected: detected,
    pipelineDelimiter,
    hasHeader: hasHeader && header !== null,
    headerLine: header?.line ?? null,
    headerRaw: header?.raw ?? null,
    columns,
    rows,
    contentLines: content,
    counts,
    warnings
  };
}

/**
 * The delimiter under which the most of the first content lines look like data (a whole stamp
 * field and a number), then under which the most lines split into the same number (> 1) of fields.
 */
function chooseDelimiter(sample) {
  let best = {d: ",", data: 0, hits: 0, fields: 1};
  for (const d of DELIMITERS) {
    const split = sample.map((l) => splitFields(l.raw, d));
    const modal = modeOf(split.map((f) => f.length).filter((w) => w > 1));
    if (modal === null) continue;
    const hits = split.filter((f) => f.length === modal).length;
    const data = split.filter((f) => looksLikeData(f.map(unquote))).length;
    const better = data - best.data || hits - best.hits || modal - best.fields;
    if (better > 0) best = {d, data, hits, fields: modal};
  }
  return best.d;
}

const STAMP_FIELD = /^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s*[AaPp][Mm])?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$/;

function looksLikeData(fields) {
  if (fields.length < 2) return false;
  const stamp = fields.findIndex((f) => STAMP_FIELD.test(f));
  return stamp >= 0 && fields.some((f, i) => i !== stamp && looksNumeric(f));
}

function looksNumeric(text) {
  return /^[+-]?(\d[\d_]*([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$/.test(text) || /^[+-]?\d{1,3}(\.\d{3})+,\d+$/.test(text);
}

// ---------------------------------------------------------------------------------------------
// Numbers

/**
 * A value field as the pipeline reads it: `{text, value}` where `text` is the field after the
 * decimal-comma rewrite (`decimal: "auto"`: only when the delimiter is not a comma and the field
 * holds a comma; then "." are thousands marks and "," the decimal mark), and `value` what DuckDB's
 * TRY_CAST to DOUBLE gives (null when it is not a number; ±Infinity and NaN pass through).
 * @param {string} field
 * @param {{delimiter?: string, decimal?: "auto" | "." | ","}} [options]
 * @returns {{text: string, value: number | null}}
 */
export function parseNumber(field, {delimiter = ",", decimal = "auto"} = {}) {
  let text = field;
  if (decimal === "," || (decimal === "auto" && delimiter !== "," && text.includes(","))) text = text.replaceAll(".", "").replaceAll(",", ".");
  const t = text.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return {text, value: t.startsWith("-") ? -Infinity : Infinity};
  if (/^[+-]?nan$/i.test(t)) return {text, value: NaN};
  if (!/^[+-]?(\d+(_\d+)*(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+)?$/.test(t)) return {text, value: null};
  return {text, value: Number(t.replaceAll("_", ""))};
}

// ---------------------------------------------------------------------------------------------
// Time stamps

/** The pipeline's test for an absolute stamp: an offset or Z right after a time of day. */
export const OFFSET_RE = /\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$/;
const ISO_NAIVE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?$/;
const ISO_OFFSET = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})$/;

const DATE_FORMATS = ["%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m/%d/%y", "%d/%m/%y", "%d.%m.%y"];
const TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p"];
/** strptime formats tried when a column is not ISO-8601, most specific first. */
export const STRPTIME_FORMATS = [...DATE_FORMATS.flatMap((d) => TIME_FORMATS.map((t) => `${d} ${t}`)), ...DATE_FORMATS];

const formatCache = new Map();
/** A strptime format (the subset DuckDB loggers need) as a matcher giving wall-clock milliseconds. */
function strptimeMatcher(format) {
  let m = formatCache.get(format);
  if (m) return m;
  const fields = [];
  let source = "^";
  for (let i = 0; i < format.length; i++) {
    const ch = format[i];
    if (ch === "%" && i + 1 < format.length) {
      const spec = format[++i];
      const pattern = {Y: "(\\d{4})", y: "(\\d{2})", m: "(\\d{1,2})", d: "(\\d{1,2})", H: "(\\d{1,2})", I: "(\\d{1,2})", M: "(\\d{1,2})", S: "(\\d{1,2})", f: "(\\d{1,6})", p: "([AaPp][Mm])"}[spec];
      if (!pattern) throw new Error(`unsupported strptime directive %${spec}`);
      source += pattern;
      fields.push(spec);
    } else if (/\s/.test(ch)) source += "\\s+";
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  const re = new RegExp(source + "$");
  m = (text) => {
    const match = re.exec(text);
    if (!match) return null;
    const p = {Y: 1970, m: 1, d: 1, H: 0, M: 0, S: 0, f: 0, pm: null};
    fields.forEach((spec, k) => {
      const v = match[k + 1];
      if (spec === "y") p.Y = 2000 + Number(v) - (Number(v) >= 69 ? 100 : 0);
      else if (spec === "I") p.H = Number(v);
      else if (spec === "p") p.pm = v.toLowerCase() === "pm";
      else if (spec === "f") p.f = Number(v.padEnd(6, "0")) / 1000;
      else p[spec] = Number(v);
    });
    if (p.pm !== null) {
      if (p.H < 1 || p.H > 12) return null;
      p.H = (p.H % 12) + (p.pm ? 12 : 0);
    }
    return wallMs(p.Y, p.m, p.d, p.H, p.M, p.S, p.f);
  };
  formatCache.set(format, m);
  return m;
}

/** Wall-clock fields → milliseconds on a UTC scale; null for impossible dates. */
function wallMs(Y, mo, d, H, M, S, ms = 0) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || H > 24 || M > 59 || S > 60) return null;
  if (H === 24 && (M || S || ms)) return null;
  if (d > 28 && d > daysInMonth(Y, mo)) return null;
  return Date.UTC(Y, mo - 1, d, H, M, S, ms);
}

function daysInMonth(Y, mo) {
  return mo === 2 ? (Y % 4 === 0 && (Y % 100 !== 0 || Y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
}

/**
 * One stamp as the pipeline reads it. With an offset (or Z): the absolute instant (ISO-8601 only).
 * Without: wall-clock milliseconds (on a UTC scale) from the configured formats, then ISO-8601.
 * @param {string} text
 * @param {string | string[] | null} [format]
 * @returns {{offset: boolean, ms: number | null}}
 */
export function parseStamp(text, format = null) {
  const t = text.trim();
  if (OFFSET_RE.test(t)) {
    const m = ISO_OFFSET.exec(t);
    if (!m) return {offset: true, ms: null};
    const wall = wallMs(+m[1], +m[2], +m[3], +m[4], +m[5], +(m[6] ?? 0), m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0);
    if (wall === null) return {offset: true, ms: null};
    const z = m[8];
    const offsetMin = z === "Z" ? 0 : (z[0] === "-" ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(-2)));
    return {offset: true, ms: wall - offsetMin * MINUTE};
  }
  const formats = format === null ? [] : Array.isArray(format) ? format : [format];
  for (const f of formats) {
    const ms = strptimeMatcher(f)(t);
    if (ms !== null) return {offset: false, ms};
  }
  return {offset: false, ms: parseIsoNaive(t)};
}

function parseIsoNaive(t) {
  const m = ISO_NAIVE.exec(t);
  if (!m) return null;
  return wallMs(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0);
}

/**
 * @typedef {{
 *   format: string | null, label: string, share: number, parsed: number, total: number,
 *   stamps: "offset" | "naive" | "mixed" | "none", offsets: string[], dateOnly: boolean,
 *   ambiguous: boolean, note: string | null
 * }} StampFormat
 */

/**
 * The format of a column of time stamps: ISO-8601 (format null, the pipeline's default) or the
 * strptime format that reads the most values. Day/month order is settled by values above 12, else
 * by which reading gives regular steps between successive stamps.
 * @param {string[]} values
 * @returns {StampFormat}
 */
export function detectTimestampFormat(values) {
  const texts = values.map((v) => v.trim()).filter((v) => v !== "");
  const total = texts.length;
  const withOffset = texts.filter((v) => OFFSET_RE.test(v));
  const offsets = [...new Set(withOffset.map((v) => v.match(/(Z|[+-]\d{2}(:?\d{2})?)$/)?.[0] ?? ""))].sort();
  const stamps = total === 0 ? "none" : withOffset.length === total ? "offset" : withOffset.length === 0 ? "naive" : "mixed";
  const score = (format) => {
    let parsed = 0;
    const ms = [];
    for (const v of texts) {
      const r = parseStamp(v, format);
      if (r.ms !== null) parsed++;
      ms.push(r.ms);
    }
    return {format, parsed, regular: regularSteps(ms)};
  };
  const candidates = [score(null)];
  const head = texts.slice(0, 30);
  for (const f of STRPTIME_FORMATS) {
    if (!head.some((v) => parseStamp(v, f).ms !== null)) continue;
    const c = score(f);
    if (c.parsed > 0) candidates.push(c);
  }
  let best = candidates[0];
  for (const c of candidates.slice(1)) {
    if (c.parsed > best.parsed || (c.parsed === best.parsed && best.format !== null && c.regular > best.regular)) best = c;
  }
  // Formats that read the same values equally well and step equally regularly: ambiguous day/month.
  const rivals = candidates.filter((c) => c !== best && c.format !== null && c.parsed === best.parsed && c.regular === best.regular && swapsDayMonth(c.format, best.format));
  let note = null;
  if (rivals.length && best.format) {
    const slash = best.format.includes("/");
    const preferred = [best, ...rivals].find((c) => (slash ? c.format.startsWith("%m") : c.format.startsWith("%d"))) ?? best;
    best = preferred;
    note = `Day and month can't be told apart in these stamps; assumed ${slash ? "month first (US style, with slashes)" : "day first"}.`;
  }
  const dateOnly = best.parsed > 0 && texts.every((v) => !/\d:\d/.test(v));
  return {
    format: best.format,
    label: best.format ?? (stamps === "offset" ? "ISO 8601 with offset" : "ISO 8601"),
    share: total ? best.parsed / total : 0,
    parsed: best.parsed,
    total,
    stamps,
    offsets,
    dateOnly,
    ambiguous: rivals.length > 0,
    note
  };
}

function swapsDayMonth(a, b) {
  return a !== b && a.replace("%m", "%X").replace("%d", "%m").replace("%X", "%d") === b;
}

/** How many successive steps are forward and at most a day: high for the right day/month order. */
function regularSteps(ms) {
  let n = 0;
  for (let i = 1; i < ms.length; i++) {
    if (ms[i] === null || ms[i - 1] === null) continue;
    const step = ms[i] - ms[i - 1];
    if (step > 0 && step <= DAY) n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Time zones: naive local stamps → UTC exactly as pipeline/ingest/localTime.ts does it

/** Per zone: its formatter and offsets by 15-minute slot (zones change offset on such boundaries). */
const zoneCaches = new Map();

/** The browser's (or Node's) IANA time zone. */
export function localTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** A zone's UTC offset in milliseconds at an instant. */
export function zoneOffsetMs(zone, instant) {
  if (zone === "UTC" || zone === "Etc/UTC") return 0;
  let z = zoneCaches.get(zone);
  if (!z) {
    const f = new Intl.DateTimeFormat("en-US", {timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric"});
    zoneCaches.set(zone, (z = {f, offsets: new Map()}));
  }
  const slot = Math.floor(instant / (15 * MINUTE));
  let offset = z.offsets.get(slot);
  if (offset === undefined) {
    const at = slot * 15 * MINUTE;
    const p = {};
    for (const {type, value} of z.f.formatToParts(at)) p[type] = value;
    offset = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - at;
    if (z.offsets.size > 500_000) z.offsets.clear();
    z.offsets.set(slot, offset);
  }
  return offset;
}

/**
 * A wall-clock time in `zone` → the UTC instant, with the pipeline's daylight-saving rules: a time
 * that happens twice is the earlier instant when `first` (its first appearance in the file), else
 * the later one; a time that never happens gives `nonexistent` and no instant.
 * @param {number} wall wall-clock milliseconds on a UTC scale
 * @param {string} zone IANA zone
 * @param {boolean} [first]
 * @returns {{ts: number | null, ambiguous: boolean, nonexistent: boolean}}
 */
export function zonedToUtc(wall, zone, first = true) {
  if (zone === "UTC" || zone === "Etc/UTC") return {ts: wall, ambiguous: false, nonexistent: false};
  const u0 = wall - zoneOffsetMs(zone, wall);
  const before = zoneOffsetMs(zone, u0 - 12 * HOUR);
  const after = zoneOffsetMs(zone, u0 + 12 * HOUR);
  // No change of offset within 12 h either side (nearly always): one candidate, and it is valid.
  if (before === after) return {ts: wall - before, ambiguous: false, nonexistent: false};
  const a = wall - before;
  const b = wall - after;
  const okA = a + zoneOffsetMs(zone, a) === wall;
  const okB = b + zoneOffsetMs(zone, b) === wall;
  if (!okA && !okB) return {ts: null, ambiguous: false, nonexistent: true};
  if (okA && okB && a !== b) return {ts: first ? Math.min(a, b) : Math.max(a, b), ambiguous: true, nonexistent: false};
  return {ts: okA ? a : b, ambiguous: false, nonexistent: false};
}

/** Every IANA zone the runtime knows, UTC first. */
export function timeZones() {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...zones.filter((z) => z !== "UTC")];
}

// ---------------------------------------------------------------------------------------------
// Columns: which holds the stamps, which the production, in what unit

/**
 * @typedef {{
 *   index: number, name: string, label: string, numeric: number, count: number, min: number | null, max: number | null,
 *   p99: number | null, decreases: number, increases: number, kind: "power" | "energy" | "counter" | "other",
 *   unit: string | null, unitFrom: "name" | "magnitude" | null, score: number, reasons: string[]
 * }} ColumnInfo
 * @typedef {{
 *   timestamp: ({index: number, timeIndex: number | null} & StampFormat) | null,
 *   columns: ColumnInfo[], value: ColumnInfo | null, unit: string, kind: "power" | "energy" | "counter",
 *   intervalMin: number | null, regularShare: number, stamp: "start" | "end", stampReason: string,
 *   decimalComma: boolean, decimalExample: string | null, warnings: string[]
 * }} Detection
 */

/** A column's display name: its header name, or "#3 (unnamed)". */
export function columnLabel(table, index) {
  const name = table.columns[index];
  return name ? name : `#${index + 1} (unnamed)`;
}

/**
 * Which column holds the stamps (and in what format), which numeric column looks like the
 * production (power, energy per interval or a cumulative counter) and its likely unit, the
 * sampling interval and whether stamps mark interval starts or ends.
 * @param {Table} table
 * @param {{sampleSize?: number}} [options]
 * @returns {Detection}
 */
export function detectColumns(table, {sampleSize = 4000} = {}) {
  const warnings = [];
  const width = table.columns.length;
  const complete = table.rows.filter((r) => r.fields.length === width);
  const rows = spread(complete, sampleSize);
  const column = (i) => rows.map((r) => r.fields[i] ?? "");
  // Stamps are judged on rows in file order (steps between neighbours settle day/month order),
  // plus a spread over the whole file (a day above 12 further down settles it too).
  const stampRows = [...complete.slice(0, 400), ...spread(complete.slice(400), 100)];
  const stampColumn = (i) => stampRows.map((r) => r.fields[i] ?? "");

  // Stamps: the column whose values parse best; a date-only column takes the time column beside it.
  let timestamp = null;
  for (let i = 0; i < width; i++) {
    const values = stampColumn(i);
    if (!values.some((v) => /\d/.test(v) && /[-/.:]/.test(v))) continue;
    const f = detectTimestampFormat(values);
    if (f.share >= 0.5 && (!timestamp || f.share > timestamp.share + 1e-9)) timestamp = {index: i, timeIndex: null, ...f};
  }
  if (timestamp?.dateOnly) {
    const timeIndex = table.columns.findIndex((_, i) => i !== timestamp.index && stampColumn(i).every((v) => /^\d{1,2}:\d{2}(:\d{2})?(\s*[AaPp][Mm])?$/.test(v.trim())));
    if (timeIndex >= 0) {
      const joined = stampRows.map((r) => `${r.fields[timestamp.index]} ${r.fields[timeIndex]}`);
      timestamp = {index: timestamp.index, timeIndex, ...detectTimestampFormat(joined)};
    }
  }
  if (!timestamp) {
    const epoch = table.columns.findIndex((_, i) => column(i).slice(0, 50).every((v) => /^1\d{9}(\d{3})?$/.test(v)));
    warnings.push(
      epoch >= 0
        ? `Column ${columnLabel(table, epoch)} looks like Unix time; the pipeline reads date-time text only, so convert it first.`
        : "No column of dates and times found."
    );
  } else if (timestamp.stamps === "mixed") {
    warnings.push("Some stamps carry a UTC offset and some don't: the offset ones are taken as they are, the others in the time zone you set.");
  }

  const decimalRe = /^[+-]?[\d.]*\d,\d+$/;
  const decimalExample = table.delimiter === "," ? null : rows.find((r) => r.fields.some((f) => decimalRe.test(f)))?.fields.find((f) => decimalRe.test(f)) ?? null;
  const decimalComma = decimalExample !== null;
  const columns = [];
  for (let i = 0; i < width; i++) {
    if (timestamp && (i === timestamp.index || i === timestamp.timeIndex)) continue;
    columns.push(describeColumn(table, i, column(i)));
  }
  const candidates = columns.filter((c) => c.kind !== "other" && c.numeric >= 0.5);
  const value = candidates.length ? candidates.reduce((a, b) => (b.score > a.score ? b : a)) : columns.find((c) => c.numeric >= 0.5) ?? null;
  if (!value) warnings.push("No numeric column found.");
  else if (value.kind === "other") warnings.push(`No column looks like power or energy; ${value.label} is the first numeric one.`);

  // Interval and stamp convention from the stamps in file order.
  let intervalMin = null;
  let regularShare = 0;
  let stamp = "start";
  let stampReason = "Nothing in the file says; most loggers stamp the start of each interval. Check your logger's manual.";
  if (timestamp) {
    const ms = complete
      .slice(0, 50_000)
      .map((r) => parseStamp(timestamp.timeIndex === null ? r.fields[timestamp.index] : `${r.fields[timestamp.index]} ${r.fields[timestamp.timeIndex]}`, timestamp.format).ms)
      .filter((t) => t !== null)
      .sort((a, b) => a - b);
    const steps = [];
    for (let k = 1; k < ms.length; k++) if (ms[k] > ms[k - 1]) steps.push((ms[k] - ms[k - 1]) / MINUTE);
    intervalMin = modeOf(steps, true);
    regularShare = steps.length ? steps.filter((s) => s === intervalMin).length / steps.length : 0;
    if (intervalMin !== null && ms.length && timestamp.stamps === "naive") {
      const firstMinute = (((ms[0] % DAY) + DAY) % DAY) / MINUTE;
      if (intervalMin < 24 * 60 && firstMinute === intervalMin) {
        stamp = "end";
        stampReason = `The file starts at ${String(Math.floor(firstMinute / 60)).padStart(2, "0")}:${String(firstMinute % 60).padStart(2, "0")}, one interval after midnight: stamps likely mark interval ends.`;
      }
    }
  }
  const kind = value && value.kind !== "other" ? value.kind : "power";
  const unit = value?.unit ?? "kW";
  if (value?.kind === "counter")
    warnings.push(`${value.label} only ever grows: a cumulative energy counter. The pipeline differences it per interval (value kind "counter"); a power column, if the file has one, is the safer choice.`);
  return {timestamp, columns, value, unit, kind, intervalMin, regularShare, stamp, stampReason, decimalComma, decimalExample, warnings};
}

/** Name tokens: "ac_power_kw_1137" → [ac, power, kw, 1137]; "PacW" → [pac, w]; "E_total [kWh]" → [e, total, kwh]. */
export function nameTokens(name) {
  return name
    .replace(/w\s*\/\s*m\s*(2|²|\^2)/gi, " wm2 ")
    .replace(/([a-z]{2,})([A-Z])/g, "$1 $2")
    .replace(/([A-Za-z])(\d)/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9µ]+/)
    .filter(Boolean);
}

const UNIT_TOKENS = {w: "W", watt: "W", watts: "W", kw: "kW", kilowatt: "kW", kilowatts: "kW", mw: "MW", megawatt: "MW", wh: "Wh", kwh: "kWh", mwh: "MWh"};
const POWER_TOKENS = new Set(["power", "p", "pac", "pout", "leistung", "watt", "watts"]);
const WEAK_TOKENS = new Set(["output", "production", "generation", "gen", "pv", "ac", "inverter", "inv"]);
const ENERGY_TOKENS = new Set(["energy", "yield", "e", "eac", "etotal", "eday", "ertrag", "energie", "produced"]);
const COUNTER_TOKENS = new Set(["total", "cumulative", "counter", "meter", "lifetime", "totalizer"]);
const OTHER_TOKENS = new Set([
  "temp", "temperature", "t", "wm2", "tmod", "tamb", "irradiance", "irr", "poa", "ghi", "dni", "dhi", "gti", "radiation", "wind", "speed", "ws",
  "volt", "volts", "voltage", "v", "u", "current", "amp", "amps", "a", "i", "hz", "freq", "frequency", "humidity", "rh", "pf", "cos", "phi",
  "status", "error", "code", "id", "state", "mode", "var", "kvar", "reactive", "soc", "battery", "load", "consumption", "import", "export", "grid", "c"
]);

/** What one numeric column looks like: kind, unit and a score, with the reasons in words. */
function describeColumn(table, index, values) {
  const label = columnLabel(table, index);
  const tokens = nameTokens(table.columns[index] ?? "");
  const nums = [];
  let filled = 0;
  for (const v of values) {
    if (v === "") continue;
    filled++;
    const n = parseNumber(v, {delimiter: table.delimiter}).value;
    if (n !== null && Number.isFinite(n)) nums.push(n);
  }
  const info = {index, name: table.columns[index] ?? "", label, numeric: filled ? nums.length / filled : 0, count: nums.length, min: null, max: null, p99: null, decreases: 0, increases: 0, kind: "other", unit: null, unitFrom: null, score: -10, reasons: []};
  if (nums.length < 2 || info.numeric < 0.5) {
    info.reasons.push("not numeric");
    return info;
  }
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < nums.length; k++) {
    min = Math.min(min, nums[k]);
    max = Math.max(max, nums[k]);
    if (k > 0 && nums[k] > nums[k - 1]) info.increases++;
    if (k > 0 && nums[k] < nums[k - 1]) info.decreases++;
  }
  const sorted = nums.slice().sort((a, b) => a - b);
  Object.assign(info, {min, max, p99: sorted[Math.min(sorted.length - 1, Math.floor(0.99 * (sorted.length - 1)))]});

  const unitToken = tokens.find((t) => UNIT_TOKENS[t]);
  const nameUnit = unitToken ? UNIT_TOKENS[unitToken] : null;
  const power = tokens.some((t) => POWER_TOKENS.has(t)) || ["W", "kW", "MW"].includes(nameUnit);
  const energy = tokens.some((t) => ENERGY_TOKENS.has(t)) || ["Wh", "kWh", "MWh"].includes(nameUnit);
  const other = tokens.some((t) => OTHER_TOKENS.has(t)) && !nameUnit;
  const weak = tokens.some((t) => WEAK_TOKENS.has(t));
  const changes = info.increases + info.decreases;
  const growing = changes >= 4 && info.increases >= 0.9 * changes && max > min;

  if (other && !power && !energy) {
    info.reasons.push("the name says it is not production (temperature, irradiance, voltage, …)");
    return info;
  }
  if (max === min) {
    info.reasons.push("constant");
    info.score = -5;
    return info;
  }
  let score = 0;
  if (growing && (energy || !power)) {
    info.kind = "counter";
    info.reasons.push(`only grows (${info.increases} rises, ${info.decreases} drops): a cumulative energy counter`);
    score = 1;
  } else if (energy && !power) {
    info.kind = "energy";
    info.reasons.push("energy per interval (the name says energy)");
    score = 3;
  } else if (power || nameUnit) {
    info.kind = "power";
    info.reasons.push("power (the name says so)");
    score = 4;
  } else {
    const zeros = nums.filter((n) => Math.abs(n) < 1e-9 || n < 0).length / nums.length;
    info.kind = "power";
    info.reasons.push(zeros > 0.15 ? "power? no hint in the name, but it drops to zero at night" : "power? no hint in the name");
    score = (zeros > 0.15 ? 1 : 0) + (weak ? 1 : 0);
  }
  if (tokens.includes("ac")) score += 1;
  if (tokens.includes("dc")) score -= 1;
  if (COUNTER_TOKENS.has(tokens.find((t) => COUNTER_TOKENS.has(t)) ?? "") && info.kind !== "counter") score -= 0.5;
  if (min < 0 && info.kind !== "power") score -= 1;

  if (nameUnit === "MWh") {
    info.unit = "kWh";
    info.reasons.push("unit MWh is not supported by the pipeline; convert to kWh (× 1000)");
  } else if (nameUnit && ((info.kind === "power") === ["W", "kW", "MW"].includes(nameUnit))) {
    info.unit = nameUnit;
    info.unitFrom = "name";
    info.reasons.push(`unit ${nameUnit} from the name`);
  } else {
    const big = (info.p99 ?? max) >= 1000;
    info.unit = info.kind === "power" ? (big ? "W" : "kW") : big ? "Wh" : "kWh";
    info.unitFrom = "magnitude";
    info.reasons.push(`unit ${info.unit} from the magnitude (peak ${formatNumber(info.p99 ?? max)}${big ? ", too big for kW at most sites" : ""})`);
  }
  info.score = score;
  return info;
}

// ---------------------------------------------------------------------------------------------
// Reading samples and checking them

/**
 * @typedef {{
 *   timestampColumn: number, timeColumn?: number | null, format?: string | string[] | null,
 *   valueColumn: number, unit: string, kind?: "power" | "energy" | "counter", timezone?: string,
 *   interval?: "start" | "end", capacityKw: number, decimal?: "auto" | "." | ",",
 *   maxCapacityFactor?: number, stuckMinSamples?: number
 * }} Settings
 * @typedef {{line: number, ts: number, value: number}} Sample
 * @typedef {{line: number, reason: string, raw: string}} Reject
 */

/** A bad value as quoted in a reason: long ones are cut, as the pipeline does. */
function shown(text) {
  const chars = [...text];
  return chars.length > 40 ? `${chars.slice(0, 40).join("")}…` : text;
}

/**
 * Every data row → an accepted sample (UTC instant, value in the file's unit) or a reject with the
 * pipeline's reason, in the pipeline's order of checks.
 * @param {Table} table
 * @param {Settings} settings
 * @returns {{samples: Sample[], rejects: Reject[], dstRepeated: number, rows: number}}
 */
export function readSamples(table, {timestampColumn, timeColumn = null, format = null, valueColumn, timezone = "UTC", decimal = "auto"}) {
  const samples = [];
  const rejects = [];
  const n = table.columns.length;
  const seenWall = new Set();
  let dstRepeated = 0;
  for (const {line, raw, fields} of table.rows) {
    const reject = (reason) => rejects.push({line, reason, raw});
    if (raw === table.headerRaw) {
      reject("repeated header line");
      continue;
    }
    if (fields.length !== n) {
      reject(`expected ${n} fields, found ${fields.length}`);
      continue;
    }
    const tsText = timeColumn === null || timeColumn === undefined ? fields[timestampColumn] : `${fields[timestampColumn]} ${fields[timeColumn]}`;
    const stamp = parseStamp(tsText, format);
    let ts = stamp.ms;
    if (!stamp.offset && ts !== null) {
      // A wall time that happens twice is the earlier instant on its first appearance in the file.
      let local = zonedToUtc(ts, timezone, true);
      if (local.ambiguous) {
        if (seenWall.has(ts)) local = zonedToUtc(ts, timezone, false);
        seenWall.add(ts);
      }
      if (local.nonexistent) {
        reject(`local time ${tsText} does not exist in ${timezone} (clocks jump forward then)`);
        continue;
      }
      if (local.ambiguous) dstRepeated++;
      ts = local.ts;
    }
    if (ts === null) {
      reject(`unparseable timestamp "${shown(tsText)}"`);
      continue;
    }
    const {text, value} = parseNumber(fields[valueColumn], {delimiter: table.delimiter, decimal});
    if (text === "") reject("missing value");
    else if (value === null) reject(`not a number: "${shown(text)}"`);
    else if (!Number.isFinite(value)) reject(`not a finite number: "${shown(text)}"`);
    else samples.push({line, ts, value});
  }
  return {samples, rejects, dstRepeated, rows: table.rows.length};
}

/**
 * @typedef {{ts: Date, energy_kwh: number | null, n_samples: number, quality: "ok" | "filled" | "outlier" | "missing"}} HourRow
 * @typedef {{
 *   samples: number, intervalMin: number | null, duplicates: number, conflicting: number, duplicateLines: number[],
 *   negative: number, negativeLines: number[], outliers: number, outlierLines: number[], outlierLimitKw: number,
 *   stuckRuns: {startTs: number, line: number, n: number, valueKw: number}[], stuckSamples: number,
 *   counterResets: number, hourly: HourRow[], hours: {ok: number, filled: number, outlier: number, missing: number},
 *   interpolated: number, unusual: {ts: number, energy_kwh: number, q1: number, q3: number}[],
 *   coveragePct: number | null, gaps: {from: number, to: number, hours: number, interpolated: boolean}[], peakKw: number | null,
 *   flags: Map<number, string>
 * }} Quality
 */

/**
 * The pipeline's cleaning rules on accepted samples: sampling interval (most common step),
 * interval-end stamps moved back one interval, units to kW, duplicates (first row in file order
 * wins; exact repeats and conflicting values counted apart), negatives → 0, samples above
 * `maxCapacityFactor` × capacity are outliers left out of the hour, stuck runs of ≥ `stuckMinSamples`
 * identical non-zero values, hourly energy = mean power × 1 h on a complete UTC hour grid with
 * quality ok / filled / outlier / missing, gaps of at most `maxGapH` hours interpolated (filled),
 * and hours far outside their hour-of-day-and-month peers listed as unusual.
 * @param {Sample[]} samples
 * @param {{capacityKw: number, unit?: string, kind?: "power" | "energy" | "counter", interval?: "start" | "end", maxCapacityFactor?: number, stuckMinSamples?: number, maxGapH?: number, outlierIqrK?: number}} options
 * @returns {Quality}
 */
export function qualityChecks(
  samples,
  {capacityKw, unit = "kW", kind, interval = "start", maxCapacityFactor = CLEAN_DEFAULTS.maxCapacityFactor, stuckMinSamples = CLEAN_DEFAULTS.stuckMinSamples, maxGapH = CLEAN_DEFAULTS.maxGapH, outlierIqrK = CLEAN_DEFAULTS.outlierIqrK}
) {
  const flags = new Map();
  const energyUnit = unit.endsWith("h");
  const counter = kind === "counter" && energyUnit;
  const byTime = samples.slice().sort((a, b) => a.ts - b.ts || a.line - b.line);
  const steps = [];
  for (let k = 1; k < byTime.length; k++) if (byTime[k].ts > byTime[k - 1].ts) steps.push((byTime[k].ts - byTime[k - 1].ts) / MINUTE);
  const intervalMin = modeOf(steps);
  const empty = {samples: samples.length, intervalMin, duplicates: 0, conflicting: 0, duplicateLines: [], negative: 0, negativeLines: [], outliers: 0, outlierLines: [], outlierLimitKw: maxCapacityFactor * capacityKw, stuckRuns: [], stuckSamples: 0, counterResets: 0, hourly: [], hours: {ok: 0, filled: 0, outlier: 0, missing: 0}, interpolated: 0, unusual: [], coveragePct: null, gaps: [], peakKw: null, flags};
  if (intervalMin === null) return empty;

  // A cumulative counter becomes interval energy: the rise since the previous reading (in time,
  // then file order), or after a drop (a reset) the reading itself; the first reading is dropped.
  let counterResets = 0;
  let series = byTime;
  if (counter) {
    const scale = unit === "Wh" ? 0.001 : 1;
    series = [];
    for (let k = 1; k < byTime.length; k++) {
      const kwh = byTime[k].value * scale;
      const prev = byTime[k - 1].value * scale;
      if (kwh < prev) {
        counterResets++;
        flags.set(byTime[k].line, "counter reset");
      }
      series.push({line: byTime[k].line, ts: byTime[k].ts, value: kwh >= prev ? kwh - prev : kwh});
    }
  }
  const hours = intervalMin / 60;
  const toKw = counter ? (v) => v / hours : ({W: (v) => v / 1000, kW: (v) => v, MW: (v) => v * 1000, Wh: (v) => v / 1000 / hours, kWh: (v) => v / hours}[unit] ?? ((v) => v));
  const shift = Math.round(intervalMin) * MINUTE;
  const kw = series
    .map((s) => ({line: s.line, ts: interval === "end" ? s.ts - shift : s.ts, kw: toKw(s.value)}))
    .sort((a, b) => a.ts - b.ts || a.line - b.line);

  // Duplicates: the first row (in file order) of an instant wins.
  const kept = [];
  let duplicates = 0;
  let conflicting = 0;
  const duplicateLines = [];
  for (const s of kw) {
    const prev = kept[kept.length - 1];
    if (prev && prev.ts === s.ts) {
      if (s.kw === prev.kw) duplicates++;
      else conflicting++;
      duplicateLines.push(s.line);
      flags.set(s.line, s.kw === prev.kw ? "duplicate (dropped)" : `conflicting duplicate of line ${prev.line} (dropped)`);
    } else kept.push(s);
  }

  const limit = maxCapacityFactor * capacityKw;
  const outlierFlag = `outlier (> ${formatNumber(limit)} kW)`;
  const negativeLines = [];
  const outlierLines = [];
  for (const s of kept) {
    s.negative = s.kw < 0;
    s.outlier = s.kw > limit;
    s.power = Math.max(s.kw, 0);
    if (s.negative) {
      negativeLines.push(s.line);
      flags.set(s.line, "negative → 0");
    }
    if (s.outlier) {
      outlierLines.push(s.line);
      flags.set(s.line, outlierFlag);
    }
  }

  // Stuck logger: the same non-zero value in a row, in time order.
  const stuckRuns = [];
  for (let k = 0; k < kept.length; ) {
    let j = k + 1;
    while (j < kept.length && kept[j].kw === kept[k].kw) j++;
    if (kept[k].kw > 0 && j - k >= stuckMinSamples) {
      stuckRuns.push({startTs: kept[k].ts, line: kept[k].line, n: j - k, valueKw: kept[k].kw});
      const flag = `stuck run (${j - k} × ${formatNumber(kept[k].kw)} kW)`;
      for (let m = k; m < j; m++) if (!flags.has(kept[m].line)) flags.set(kept[m].line, flag);
    }
    k = j;
  }

  // Hourly energy on a complete UTC grid.
  const expected = Math.round(60 / intervalMin);
  const agg = new Map();
  for (const s of kept) {
    const h = Math.floor(s.ts / HOUR) * HOUR;
    let a = agg.get(h);
    if (!a) agg.set(h, (a = {n: 0, sum: 0, outlier: false}));
    if (s.outlier) a.outlier = true;
    else {
      a.n++;
      a.sum += s.power;
    }
  }
  const hourKeys = [...agg.keys()].sort((a, b) => a - b);
  const hourly = [];
  const count = {ok: 0, filled: 0, outlier: 0, missing: 0};
  if (hourKeys.length) {
    for (let h = hourKeys[0]; h <= hourKeys[hourKeys.length - 1]; h += HOUR) {
      const a = agg.get(h);
      const n = a?.n ?? 0;
      const quality = n === 0 ? "missing" : a.outlier ? "outlier" : n < expected ? "filled" : "ok";
      count[quality]++;
      hourly.push({ts: new Date(h), energy_kwh: n === 0 ? null : Math.round((a.sum / n) * 1e6) / 1e6, n_samples: n, quality});
    }
  }
  // Short gaps (at most maxGapH missing hours between two hours with data) are interpolated
  // linearly and flagged filled; longer gaps stay missing.
  let interpolated = 0;
  const gaps = [];
  for (let k = 0; k < hourly.length; k++) {
    if (hourly[k].energy_kwh !== null) continue;
    let j = k;
    while (j + 1 < hourly.length && hourly[j + 1].energy_kwh === null) j++;
    const before = hourly[k - 1];
    const after = hourly[j + 1];
    const fill = before !== undefined && after !== undefined && j - k + 1 <= maxGapH;
    if (fill) {
      const span = after.ts - before.ts;
      for (let m = k; m <= j; m++) {
        const e = before.energy_kwh + ((after.energy_kwh - before.energy_kwh) * (hourly[m].ts - before.ts)) / span;
        hourly[m] = {...hourly[m], energy_kwh: Math.round(e * 1e6) / 1e6, quality: "filled"};
        count.missing--;
        count.filled++;
        interpolated++;
      }
    }
    gaps.push({from: hourly[k].ts.getTime(), to: hourly[j].ts.getTime() + HOUR, hours: j - k + 1, interpolated: fill});
    k = j;
  }
  gaps.sort((a, b) => Number(a.interpolated) - Number(b.interpolated) || b.hours - a.hours || a.from - b.from);

  // Statistical outliers: an hour beyond outlierIqrK interquartile ranges of the same UTC hour of
  // day and month (the range at least 5% of capacity); listed, not altered.
  const peers = new Map();
  for (const h of hourly) {
    if ((h.quality !== "ok" && h.quality !== "filled") || h.energy_kwh === null) continue;
    const key = `${h.ts.getUTCHours()} ${h.ts.getUTCMonth()}`;
    if (!peers.has(key)) peers.set(key, []);
    peers.get(key).push(h.energy_kwh);
  }
  const fences = new Map();
  for (const [key, values] of peers) {
    values.sort((a, b) => a - b);
    fences.set(key, {q1: quantile(values, 0.25), q3: quantile(values, 0.75)});
  }
  const unusual = [];
  for (const h of hourly) {
    if ((h.quality !== "ok" && h.quality !== "filled") || h.energy_kwh === null) continue;
    const f = fences.get(`${h.ts.getUTCHours()} ${h.ts.getUTCMonth()}`);
    if (Math.abs(h.energy_kwh - (f.q1 + f.q3) / 2) > (f.q3 - f.q1) / 2 + outlierIqrK * Math.max(f.q3 - f.q1, 0.05 * capacityKw))
      unusual.push({ts: h.ts.getTime(), energy_kwh: h.energy_kwh, q1: f.q1, q3: f.q3});
  }
  let peakKw = null;
  for (const s of kept) if (!s.outlier && (peakKw === null || s.power > peakKw)) peakKw = s.power;
  return {
    ...empty,
    duplicates,
    conflicting,
    duplicateLines,
    negative: negativeLines.length,
    negativeLines,
    outliers: outlierLines.length,
    outlierLines,
    stuckRuns,
    stuckSamples: stuckRuns.reduce((sum, r) => sum + r.n, 0),
    counterResets,
    hourly,
    hours: count,
    interpolated,
    unusual,
    coveragePct: hourly.length ? Math.round((10000 * (hourly.length - count.missing)) / hourly.length) / 100 : null,
    gaps,
    peakKw
  };
}

/**
 * A capacity guess (kW) from the data: the highest power that is not a spike (at most twice the
 * 95th percentile of positive readings), rounded up to a round number.
 * @param {Sample[]} samples
 * @param {{unit: string, intervalMin: number | null, kind?: string}} options
 */
export function estimateCapacityKw(samples, {unit, intervalMin, kind}) {
  const hours = (intervalMin ?? 60) / 60;
  let values = samples.slice().sort((a, b) => a.ts - b.ts || a.line - b.line).map((s) => s.value);
  const toKw = {W: (v) => v / 1000, kW: (v) => v, MW: (v) => v * 1000, Wh: (v) => v / 1000 / hours, kWh: (v) => v / hours}[unit] ?? ((v) => v);
  if (kind === "counter") values = values.slice(1).map((v, k) => (v >= values[k] ? v - values[k] : v));
  const kw = values.map(toKw).filter((v) => v > 0).sort((a, b) => a - b);
  if (!kw.length) return 10;
  const p95 = kw[Math.floor(0.95 * (kw.length - 1))];
  const robustMax = kw.filter((v) => v <= 2 * p95).pop() ?? p95;
  return niceCeil(robustMax);
}

/**
 * Whether stamps mark interval starts or ends, for the chosen kind of value: a counter reading
 * closes the interval it sums up ("end"); otherwise what the stamps suggest.
 * @param {Detection} detection
 * @param {string} kind
 * @returns {{interval: "start" | "end", reason: string}}
 */
export function suggestInterval(detection, kind) {
  if (kind === "counter") return {interval: "end", reason: "A counter reading closes the interval whose energy it adds: stamps mark interval ends."};
  return {interval: detection.stamp, reason: detection.stampReason};
}

/** The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k at or above x. */
export function niceCeil(x) {
  if (!(x > 0)) return 1;
  const k = Math.floor(Math.log10(x));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const v = Number((m * 10 ** k).toPrecision(6));
    if (v >= x * (1 - 1e-12)) return v;
  }
  return 10 ** (k + 1);
}

/**
 * Read and check a parsed file in one go.
 * @param {Table} table
 * @param {Settings} settings
 */
export function analyze(table, settings) {
  const read = readSamples(table, settings);
  const quality = qualityChecks(read.samples, settings);
  return {...read, quality, checks: checkRows(table, read, quality, settings)};
}

/**
 * @typedef {{check: string, value: number | null, status: "ok" | "info" | "warn" | "fail", detail: string}} CheckRow
 */

/**
 * The checks as data_quality rows (same names and statuses as the About-the-data page).
 * @returns {CheckRow[]}
 */
export function checkRows(
  table,
  read,
  q,
  {capacityKw, maxCapacityFactor = CLEAN_DEFAULTS.maxCapacityFactor, stuckMinSamples = CLEAN_DEFAULTS.stuckMinSamples, maxGapH = CLEAN_DEFAULTS.maxGapH, outlierIqrK = CLEAN_DEFAULTS.outlierIqrK, kind}
) {
  const missingGaps = q.gaps.filter((g) => !g.interpolated);
  const lines = (list) => (list.length ? `; line${list.length > 1 ? "s" : ""} ${list.slice(0, 5).join(", ")}${list.length > 5 ? ", …" : ""}` : "");
  const warnIf = (v) => (v > 0 ? "warn" : "ok");
  const reasons = rejectsByReason(read.rejects);
  const rows = [
    {check: "rows_read", value: read.rows, status: "info", detail: "data rows below the header"},
    {check: "rejected_lines", value: read.rejects.length, status: warnIf(read.rejects.length), detail: read.rejects.length ? reasons.map((r) => `${r.count} × ${r.reason}`).join("; ") : "every row was read"},
    {check: "preamble_lines", value: table.counts.preamble, status: "info", detail: "lines above the header"},
    {check: "comment_lines", value: table.counts.comment, status: "info", detail: "lines starting with #"},
    {check: "blank_lines", value: table.counts.blank, status: "info", detail: "empty lines skipped"}
  ];
  if (read.dstRepeated) rows.push({check: "dst_repeated_hour_rows", value: read.dstRepeated, status: "info", detail: "rows in a repeated fall-back hour: first pass is daylight time, second standard time"});
  rows.push(
    {check: "sample_interval_min", value: q.intervalMin, status: q.intervalMin === null ? "fail" : "info", detail: "most common step between readings, minutes"},
    {check: "duplicate_rows", value: q.duplicates, status: "info", detail: "repeated rows (same instant, same value) dropped" + lines(q.duplicateLines)},
    {check: "conflicting_duplicates", value: q.conflicting, status: warnIf(q.conflicting), detail: "same instant with a different value: first row in file order kept"},
    {check: "negative_values_zeroed", value: q.negative, status: "info", detail: "negative power readings (night self-consumption) set to 0" + lines(q.negativeLines)},
    {check: "outlier_samples", value: q.outliers, status: warnIf(q.outliers), detail: `samples above ${maxCapacityFactor} × ${formatNumber(capacityKw)} kW = ${formatNumber(maxCapacityFactor * capacityKw)} kW, left out of hourly sums` + lines(q.outlierLines)},
    {check: "stuck_runs", value: q.stuckRuns.length, status: warnIf(q.stuckRuns.length), detail: `${q.stuckSamples} samples in runs of >= ${stuckMinSamples} identical non-zero values` + lines(q.stuckRuns.map((r) => r.line))}
  );
  if (kind === "counter") rows.push({check: "counter_resets", value: q.counterResets, status: "info", detail: "drops of the cumulative counter, treated as resets"});
  rows.push(
    {check: "hours_ok", value: q.hours.ok, status: "info", detail: "hours with every expected reading"},
    {check: "hours_filled", value: q.hours.filled, status: "info", detail: "hours with some readings missing, scaled from the readings present"},
    {check: "hours_outlier", value: q.hours.outlier, status: warnIf(q.hours.outlier), detail: "hours with a reading left out as an outlier"},
    {check: "hours_missing", value: q.hours.missing, status: warnIf(q.hours.missing), detail: missingGaps.length ? `${missingGaps.length} gap${missingGaps.length > 1 ? "s" : ""} left missing, longest ${missingGaps[0].hours} h from ${formatUtc(missingGaps[0].from)} UTC` : "hours with no reading at all"},
    {check: "hours_interpolated", value: q.interpolated, status: "info", detail: `missing hours in gaps of at most ${maxGapH} h, interpolated linearly (quality filled)`},
    {check: "statistical_outliers", value: q.unusual.length, status: "info", detail: `hours beyond ${outlierIqrK} x IQR of the same hour of day and month (listed, kept as they are)` + (q.unusual.length ? `; first ${formatUtc(q.unusual[0].ts)} UTC` : "")}
  );
  const cov = q.coveragePct;
  rows.push({
    check: "coverage_pct",
    value: cov,
    status: cov === null ? "fail" : cov >= COVERAGE_OK_PCT ? "ok" : cov >= COVERAGE_WARN_PCT ? "warn" : "fail",
    detail: q.hourly.length ? `hours with data, ${formatUtc(q.hourly[0].ts.getTime()).slice(0, 10)} to ${formatUtc(q.hourly[q.hourly.length - 1].ts.getTime()).slice(0, 10)} UTC` : "no readings"
  });
  // Magnitude vs capacity: the usual sign of a wrong unit.
  if (q.peakKw !== null && capacityKw > 0) {
    const ratio = q.peakKw / capacityKw;
    if (q.outliers > 0.2 * q.samples) rows.push({check: "unit_vs_capacity", value: null, status: "fail", detail: `most readings exceed the capacity: is the unit right (W vs kW)? or the capacity?`});
    else if (ratio < 0.02) rows.push({check: "unit_vs_capacity", value: Math.round(ratio * 1000) / 10, status: "warn", detail: `readings peak at ${formatNumber(q.peakKw)} kW, ${(ratio * 100).toFixed(1)}% of capacity: is the unit right (kW vs W)? or the capacity?`});
  }
  return rows;
}

/** Rejects grouped by reason (quoted values folded), most frequent first, with their lines. */
export function rejectsByReason(rejects) {
  const groups = new Map();
  for (const r of rejects) {
    const key = r.reason.replace(/".*"/, '"…"');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = {reason: key, count: 0, lines: [], distinct: new Set()}));
    g.count++;
    g.lines.push(r.line);
    g.distinct.add(r.reason);
  }
  return [...groups.values()]
    .map(({distinct, ...g}) => ({...g, reason: distinct.size === 1 ? [...distinct][0] : g.reason}))
    .sort((a, b) => b.count - a.count || a.lines[0] - b.lines[0]);
}

// ---------------------------------------------------------------------------------------------
// The config snippet

/** A site id from a file name: "NREL RSF II.csv" → "nrel-rsf-ii". */
export function siteIdFromFile(fileName) {
  const id = fileName
    .replace(/\.[^.]+$/, "")
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, "-")
    .replace(/^[^a-z0-9]+|-+$/g, "");
  return id || "my-site";
}

/** How the pipeline will find a column: its header name when unique, else its 1-based position. */
export function columnRef(table, index) {
  const name = table.hasHeader ? table.columns[index] : "";
  if (name && table.columns.filter((c) => c.toLowerCase() === name.toLowerCase()).length === 1) return name;
  return index + 1;
}

/** The header line the pipeline will use for a timestamp column reference (its findHeader). */
export function pipelineHeaderLine(table, ref, delimiter = "auto") {
  const candidates = table.contentLines.slice(0, 50);
  if (!candidates.length) return null;
  if (typeof ref === "number") return candidates[0].line;
  const lower = ref.toLowerCase();
  const hit = candidates.find((l) => splitHeader(l.raw, delimiter === "auto" ? pipelineSniff(l.raw) : delimiter).some((n) => n.toLowerCase() === lower));
  return (hit ?? candidates[0]).line;
}

const js = (v) => (typeof v === "number" ? String(v) : JSON.stringify(v));

/**
 * The `sunline.config.ts` snippet adding the file: a `sites` entry skeleton and a `production`
 * entry, plus notes on anything the pipeline would read differently from this page.
 * @param {Table} table
 * @param {Settings & {fileName: string, siteId?: string, siteName?: string, stampsWithOffset?: boolean}} options
 * @returns {{text: string, notes: string[], source: object}}
 */
export function configSnippet(table, {fileName, siteId = siteIdFromFile(fileName), siteName, timestampColumn, timeColumn = null, format = null, valueColumn, unit, kind = "power", timezone = "UTC", interval = "start", capacityKw, stampsWithOffset = false}) {
  const notes = [];
  const tsRef = columnRef(table, timestampColumn);
  const delimiter = table.delimiter !== "," || table.pipelineDelimiter !== "," ? table.delimiter : "auto";
  const headerAt = table.hasHeader ? pipelineHeaderLine(table, tsRef, delimiter) : null;
  if (table.hasHeader && headerAt !== table.headerLine)
    notes.push(
      typeof tsRef === "number"
        ? `The stamp column has no name and the file has ${table.counts.preamble} preamble line(s): the pipeline reads line ${headerAt} as the header. Delete the lines above line ${table.headerLine} or name the column.`
        : `The pipeline would look for "${tsRef}" and stop at line ${headerAt}, not the header on line ${table.headerLine}; remove the lines above the header.`
    );
  if (!table.hasHeader) notes.push(`The file has no header: the pipeline reads line ${table.headerLine} as one and loses that reading. Add a header line.`);
  const counter = kind === "counter" && unit.endsWith("h");

  const timestamp = [`column: ${js(tsRef)}`];
  if (timeColumn !== null && timeColumn !== undefined) timestamp.push(`time_column: ${js(columnRef(table, timeColumn))}`);
  if (!stampsWithOffset) timestamp.push(`timezone: ${js(timezone)}`);
  if (format) timestamp.push(`format: ${js(format)}`);
  const value = [`column: ${js(columnRef(table, valueColumn))}`, `unit: ${js(unit)}`];
  if (counter) value.push(`kind: "counter"`);

  const source = {
    path: `data/${fileName}`,
    site_id: siteId,
    ...(delimiter !== "auto" ? {delimiter} : {}),
    timestamp: {column: tsRef, ...(timeColumn !== null && timeColumn !== undefined ? {time_column: columnRef(table, timeColumn)} : {}), ...(stampsWithOffset ? {} : {timezone}), ...(format ? {format} : {})},
    value: {column: columnRef(table, valueColumn), unit, ...(counter ? {kind: "counter"} : {})},
    interval
  };
  const name = siteName ?? fileName.replace(/\.[^.]+$/, "").replace(/[_-]+/g, " ");
  const productionLines = [
    `  {path: ${js(source.path)}, site_id: ${js(siteId)}${delimiter !== "auto" ? `, delimiter: ${js(delimiter)}` : ""},`,
    `   timestamp: {${timestamp.join(", ")}},${stampsWithOffset ? "   // stamps carry their UTC offset" : ""}`,
    `   value: {${value.join(", ")}},`,
    `   interval: ${js(interval)}}   // each stamp marks the ${interval} of its interval`
  ];
  const text = [
    `// sunline.config.ts: add the site to \`sites\` and the file to \`production\`;`,
    `// copy ${fileName} to data/ beside the config (paths are relative to it).`,
    `sites: [`,
    `  {id: ${js(siteId)}, name: ${js(name)}, timezone: ${js(timezone)},`,
    `   capacity_kw: ${formatPlain(capacityKw)}, tilt: 20, azimuth: 180,   // TODO: AC kW, panel tilt, azimuth (180 = south)`,
    `   lat: NaN, lon: NaN}   // TODO: coordinates (NaN fails validation until set)`,
    `],`,
    `production: [`,
    ...productionLines,
    `]`
  ].join("\n");
  return {text, notes, source};
}

// ---------------------------------------------------------------------------------------------
// A built-in example: what a logger export often looks like (so the page shows something at once)

/**
 * A deterministic three-day, 15-minute export of a 5 kW roof with a logger's usual quirks:
 * a preamble and a comment line, semicolons and decimal commas, day-first local stamps, power in W
 * beside a cumulative kWh counter and a temperature, a few bad lines, a stuck run and a gap.
 * @returns {string}
 */
export function exampleCsv() {
  let seed = 20250614;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = ["Logger export: Roof Süd; serial 7301-22", "# firmware 3.12, exported 17.06.2025 06:02", "Datum/Uhrzeit;P_AC [W];E_total [kWh];T_Modul [°C]"];
  let energy = 18342.5;
  const pad = (n) => String(n).padStart(2, "0");
  const comma = (x, d) => x.toFixed(d).replace(".", ",");
  for (let day = 0; day < 3; day++) {
    const cloud = [0.97, 0.6, 0.9][day];
    for (let q = 0; q < 96; q++) {
      const h = q / 4;
      const stamp = `${pad(14 + day)}.06.2025 ${pad(Math.floor(h))}:${pad((q % 4) * 15)}`;
      if (day === 1 && q >= 50 && q < 58) continue; // logger offline for two hours
      const sun = Math.max(0, Math.sin((Math.PI * (h - 5.2)) / 16.3));
      let p = 4850 * sun ** 1.25 * (cloud + (1 - cloud) * (rand() - 0.5) * 1.6);
      p = sun > 0 ? Math.max(0, Math.round(p)) : -3;
      if (day === 2 && q >= 40 && q < 45) p = 3412; // stuck logger
      energy += Math.max(p, 0) / 4000;
      const temp = 14 + 30 * sun * cloud + rand();
      out.push(`${stamp};${p};${comma(energy, 2)};${comma(temp, 1)}`);
      if (day === 0 && q === 30) out.push(`${stamp};${p};${comma(energy, 2)};${comma(temp, 1)}`); // duplicated row
      if (day === 0 && q === 52) out.push(`${pad(14)}.06.2025 13:1`); // cut line
      if (day === 1 && q === 44) out.push(`${pad(15)}.06.2025 11:07;n/a;;`);
      if (day === 2 && q === 56) out.push(`${pad(16)}.06.2025 14:07;48500;${comma(energy, 2)};41,0`); // spike
    }
  }
  return out.join("\r\n") + "\r\n";
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** The most common value (ties: the smallest when `smallest`, else the first seen, as DuckDB's mode); null when empty. */
export function modeOf(values, smallest = false) {
  const counts = new Map();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = null;
  let most = 0;
  for (const [v, n] of counts) if (n > most || (n === most && smallest && v < best)) [best, most] = [v, n];
  return best;
}

/** DuckDB's quantile_cont on sorted values: linear between the closest ranks. */
function quantile(sorted, p) {
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function spread(rows, n) {
  if (rows.length <= n) return rows;
  const step = rows.length / n;
  return Array.from({length: n}, (_, k) => rows[Math.floor(k * step)]);
}

export function formatNumber(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  return x.toLocaleString("en-US", {maximumFractionDigits: abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3});
}

function formatPlain(x) {
  return String(Number(x.toPrecision(6)));
}

/** "2025-06-14 13:00" for a UTC instant in milliseconds. */
export function formatUtc(ms) {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}
