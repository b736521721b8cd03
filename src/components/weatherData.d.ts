// Types for weatherData.js (plain JavaScript served to the browser), so TypeScript tests can use it.

export interface ProviderReport {
  source: string;
  status: "ok" | "stale" | "failed" | "skipped";
  sites: string[];
  start: string;
  end: string;
  rows?: number;
  detail?: string;
  fetched_at?: string | null;
}

export interface ManifestWeather {
  weather?: {source?: string; fetched_at?: string | null; stale?: boolean; providers?: ProviderReport[]};
  stale?: {weather?: boolean};
}

export interface StaleNotice {
  source: string;
  status: "stale" | "failed";
  /** Site names (ids when the name is unknown). */
  sites: string[];
  siteIds: string[];
  start: string | null;
  end: string | null;
  detail: string;
  fetchedAt: string | null;
  /** Touches the site and period on screen. */
  affectsShown: boolean;
}

export interface WeatherRowLike {
  ts: Date;
  source: string;
  kind: "observed" | "forecast";
  issued_at: Date | null;
  [column: string]: unknown;
}

export interface Hour {
  ts: Date;
  mid: Date;
  energy_kwh: number | null;
  quality: string | null;
  source: string | null;
  kind: string | null;
  issued_at: Date | null;
  ghi: number | null;
  dni: number | null;
  dhi: number | null;
  temp: number | null;
  cloud: number | null;
  clear: number | null;
  kt: number | null;
  lookup_ghi: number | null;
  lookup_dni: number | null;
  lookup_dhi: number | null;
  lookup_temp: number | null;
  lookup_cloud: number | null;
  lookup: boolean;
}

export interface Provenance {
  sources: {source: string; kind: string; hours: number; first: Date; last: Date; issued_at: Date | null}[];
  missing: number;
  hidden: number;
  total: number;
}

export function utcDay(date: Date | string | number): Date;
export function isoDate(date: Date | string | number): string;
export function period(from: Date | string, to: Date | string): {start: Date; end: Date; days: number};
export function pickWeather<T extends WeatherRowLike>(rows: T[]): {byHour: Map<number, T>; hidden: T[]};
export function joinHours(options: {
  start: Date;
  end: Date;
  production?: {ts: Date; energy_kwh: number | null; quality?: string}[];
  weather?: Map<number, WeatherRowLike>;
  lookup?: {ts: Date; [column: string]: unknown}[];
  clearSky?: (hourStartMs: number) => number | null;
}): Hour[];
export function forecastSpans(hours: Hour[]): {start: Date; end: Date}[];
export function provenance(hours: Hour[], hidden?: unknown[]): Provenance;
export function noticeSpans(notices: StaleNotice[], period: {start: Date; end: Date}): {start: Date; end: Date; source: string; status: string}[];
export function staleNotices(manifest: ManifestWeather, options?: {siteId?: string; start?: Date; end?: Date; siteNames?: Map<string, string>}): StaleNotice[];

/** The slice of an Arrow table these helpers use. */
export interface ColumnTable {
  getChild(name: string): {length: number; get(index: number): unknown} | null;
}

export function siteIndex(table: ColumnTable): Map<string, number[]>;
export function readRows(table: ColumnTable, rowNumbers: number[] | undefined, columns: string[], timeColumns?: string[]): Record<string, unknown>[];
