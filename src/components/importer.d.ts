// Types for importer.js (plain JavaScript served to the browser), so TypeScript tests can use it.

export type Unit = "W" | "kW" | "MW" | "Wh" | "kWh";
export type ValueKind = "power" | "energy" | "counter";
export type Status = "ok" | "info" | "warn" | "fail";

export const DELIMITERS: string[];
export const DELIMITER_NAMES: Record<string, string>;
export const UNITS: Unit[];
export const CLEAN_DEFAULTS: {maxCapacityFactor: number; stuckMinSamples: number; maxGapH: number; outlierIqrK: number};
export const COVERAGE_OK_PCT: number;
export const COVERAGE_WARN_PCT: number;
export const OFFSET_RE: RegExp;
export const STRPTIME_FORMATS: string[];

export interface Row {
  line: number;
  raw: string;
  fields: string[];
}

export interface Table {
  lineCount: number;
  bom: boolean;
  delimiter: string;
  delimiterName: string;
  delimiterDetected: boolean;
  /** What the pipeline's `delimiter: "auto"` would pick from the header line. */
  pipelineDelimiter: string;
  hasHeader: boolean;
  headerLine: number | null;
  headerRaw: string | null;
  columns: string[];
  rows: Row[];
  contentLines: {line: number; raw: string}[];
  counts: {blank: number; comment: number; preamble: number};
  warnings: string[];
}

export interface StampFormat {
  format: string | null;
  label: string;
  share: number;
  parsed: number;
  total: number;
  stamps: "offset" | "naive" | "mixed" | "none";
  offsets: string[];
  dateOnly: boolean;
  ambiguous: boolean;
  note: string | null;
}

export interface ColumnInfo {
  index: number;
  name: string;
  label: string;
  numeric: number;
  count: number;
  min: number | null;
  max: number | null;
  p99: number | null;
  decreases: number;
  increases: number;
  kind: ValueKind | "other";
  unit: Unit | null;
  unitFrom: "name" | "magnitude" | null;
  score: number;
  reasons: string[];
}

export interface Detection {
  timestamp: ({index: number; timeIndex: number | null} & StampFormat) | null;
  columns: ColumnInfo[];
  value: ColumnInfo | null;
  unit: Unit;
  kind: ValueKind;
  intervalMin: number | null;
  regularShare: number;
  stamp: "start" | "end";
  stampReason: string;
  decimalComma: boolean;
  decimalExample: string | null;
  warnings: string[];
}

export interface Settings {
  timestampColumn: number;
  timeColumn?: number | null;
  format?: string | string[] | null;
  valueColumn: number;
  unit?: Unit;
  kind?: ValueKind;
  timezone?: string;
  interval?: "start" | "end";
  capacityKw?: number;
  decimal?: "auto" | "." | ",";
  maxCapacityFactor?: number;
  stuckMinSamples?: number;
  maxGapH?: number;
  outlierIqrK?: number;
}

export interface Sample {
  line: number;
  /** UTC instant, epoch milliseconds. */
  ts: number;
  /** In the file's unit. */
  value: number;
}

export interface Reject {
  line: number;
  reason: string;
  raw: string;
}

export interface HourRow {
  ts: Date;
  energy_kwh: number | null;
  n_samples: number;
  quality: "ok" | "filled" | "outlier" | "missing";
}

export interface Quality {
  samples: number;
  intervalMin: number | null;
  duplicates: number;
  conflicting: number;
  duplicateLines: number[];
  negative: number;
  negativeLines: number[];
  outliers: number;
  outlierLines: number[];
  outlierLimitKw: number;
  stuckRuns: {startTs: number; line: number; n: number; valueKw: number}[];
  stuckSamples: number;
  counterResets: number;
  hourly: HourRow[];
  hours: {ok: number; filled: number; outlier: number; missing: number};
  /** Missing hours filled by linear interpolation (gaps of at most maxGapH hours). */
  interpolated: number;
  /** Hours far outside their UTC hour-of-day-and-month peers (the pipeline's statistical_outliers). */
  unusual: {ts: number; energy_kwh: number; q1: number; q3: number}[];
  coveragePct: number | null;
  gaps: {from: number; to: number; hours: number; interpolated: boolean}[];
  peakKw: number | null;
  flags: Map<number, string>;
}

export interface CheckRow {
  check: string;
  value: number | null;
  status: Status;
  detail: string;
}

export interface ReadResult {
  samples: Sample[];
  rejects: Reject[];
  dstRepeated: number;
  rows: number;
}

export function decodeBytes(bytes: ArrayBuffer | Uint8Array): {text: string; encoding: "utf-8" | "latin-1"};
export function splitLines(text: string): {lines: string[]; bom: boolean};
export function unquote(field: string): string;
export function splitHeader(line: string, delimiter: string): string[];
export function pipelineSniff(header: string): string;
export function parseDelimited(text: string, options?: {delimiter?: string; comment?: string}): Table;
export function parseNumber(field: string, options?: {delimiter?: string; decimal?: "auto" | "." | ","}): {text: string; value: number | null};
export function parseStamp(text: string, format?: string | string[] | null): {offset: boolean; ms: number | null};
export function detectTimestampFormat(values: string[]): StampFormat;
export function localTimeZone(): string;
export function zoneOffsetMs(zone: string, instant: number): number;
export function zonedToUtc(wall: number, zone: string, first?: boolean): {ts: number | null; ambiguous: boolean; nonexistent: boolean};
export function timeZones(): string[];
export function columnLabel(table: Table, index: number): string;
export function detectColumns(table: Table, options?: {sampleSize?: number}): Detection;
export function nameTokens(name: string): string[];
export function readSamples(table: Table, settings: Settings): ReadResult;
export function qualityChecks(
  samples: Sample[],
  options: {
    capacityKw: number;
    unit?: Unit;
    kind?: ValueKind;
    interval?: "start" | "end";
    maxCapacityFactor?: number;
    stuckMinSamples?: number;
    maxGapH?: number;
    outlierIqrK?: number;
  }
): Quality;
export function estimateCapacityKw(samples: Sample[], options: {unit: Unit; intervalMin: number | null; kind?: ValueKind}): number;
export function suggestInterval(detection: Detection, kind: ValueKind): {interval: "start" | "end"; reason: string};
export function niceCeil(x: number): number;
export function analyze(table: Table, settings: Settings & {capacityKw: number}): ReadResult & {quality: Quality; checks: CheckRow[]};
export function checkRows(table: Table, read: ReadResult, quality: Quality, settings: Settings & {capacityKw: number}): CheckRow[];
export function rejectsByReason(rejects: Reject[]): {reason: string; count: number; lines: number[]}[];
export function siteIdFromFile(fileName: string): string;
export function columnRef(table: Table, index: number): string | number;
export function pipelineHeaderLine(table: Table, ref: string | number, delimiter?: string): number | null;
export function configSnippet(
  table: Table,
  options: Settings & {fileName: string; siteId?: string; siteName?: string; capacityKw: number; stampsWithOffset?: boolean}
): {text: string; notes: string[]; source: Record<string, unknown>};
export function exampleCsv(): string;
export function modeOf<T>(values: T[], smallest?: boolean): T | null;
export function formatNumber(x: number | null | undefined): string;
export function formatUtc(ms: number): string;
