// Types for forecastData.js (plain JavaScript served to the browser), so TypeScript tests can use it.

export const HOUR_MS: number;
export const FORECAST_COLUMNS: string[];
export const REFERENCES: {name: string; column: string}[];
export const MODEL_ORDER: string[];
export const HORIZONS: string[];

export interface ForecastRow {
  site_id: string;
  issued_at: Date;
  ts: Date;
  horizon_h: number;
  run: "evaluation" | "live";
  model: "hybrid" | "fleet-transfer";
  model_version: string;
  forecast_kwh: number;
  baseline_kwh: number;
  correction_kwh: number;
  lower_80: number;
  upper_80: number;
  lower_95: number;
  upper_95: number;
  persistence_kwh?: number | null;
  smart_persistence_kwh?: number | null;
  climatology_kwh?: number | null;
  clear_sky_kwh?: number | null;
  sun_up: boolean;
  weather_kind: "forecast" | "observed" | null;
  weather_source: string | null;
  weather_issued_at: Date | null;
  issued_in?: string;
  actual_kwh: number | null;
}

export interface SiteLike {
  site_id: string;
  name?: string;
  timezone: string;
  capacity_kw?: number;
}

export interface DayWindow {
  date: string;
  zone: string;
  /** First UTC hour start of the day (ms). */
  start: number;
  /** One past the last (ms). */
  end: number;
  hours: number;
}

export interface WeatherSummary {
  hours: number;
  forecastHours: number;
  observedHours: number;
  noneHours: number;
  issuedFrom: Date | null;
  issuedTo: Date | null;
  sources: string[];
}

export interface Sums {
  forecast_kwh: number;
  lower_80: number;
  upper_80: number;
  lower_95: number;
  upper_95: number;
}

export interface TomorrowSite extends Sums {
  site_id: string;
  name: string;
  timezone: string;
  capacity_kw: number | null;
  day: string;
  window: DayWindow;
  issued_at: Date;
  model: string;
  model_version: string;
  hours: number;
  complete: boolean;
  weather: WeatherSummary;
}

export interface Tomorrow {
  sites: TomorrowSite[];
  fleet: {
    sites: number;
    days: string[];
    forecast_kwh: number;
    lower_80: number;
    upper_80: number;
    capacity_kw: number;
    issued_from: Date | null;
    issued_to: Date | null;
    versions: string[];
    models: string[];
    weather: WeatherSummary;
  };
  missing: string[];
}

export interface Score {
  n: number;
  rmse: number;
  mae: number;
  bias: number;
}

export interface Vintage extends Sums {
  key: string;
  issued_at: Date;
  model_version: string;
  model: string;
  run: string;
  issued_in?: string;
  rows: ForecastRow[];
  hours: number;
  horizon: [number, number];
  actual_kwh: number | null;
  actualHours: number;
  score: Score | null;
}

export interface ContributionRow {
  site_id: string;
  issued_at: Date;
  ts: Date;
  model_version: string;
  rank: number;
  feature: string;
  contribution_kwh: number;
}

export interface Decomposition {
  ts: Date;
  baseline: number;
  correction: number;
  top: {feature: string; kwh: number; rank: number}[];
  rest: number;
  clip: number;
  forecast: number;
  actual: number | null;
}

export interface WaterfallStep {
  label: string;
  kind: "total" | "up" | "down" | "clip";
  from: number;
  to: number;
  delta?: number;
}

export interface WeatherRow {
  ts: Date;
  source: string;
  kind: "observed" | "forecast";
  issued_at: Date | null;
  ghi_wm2?: number | null;
  cloud_cover_pct?: number | null;
  temp_c?: number | null;
}

export interface WeatherHour {
  ts: Date;
  mid: Date;
  kind: string | null;
  found: boolean;
  source: string | null;
  issued_at: Date | null;
  ghi: number | null;
  cloud: number | null;
  temp: number | null;
  obs_ghi: number | null;
  obs_cloud: number | null;
  obs_temp: number | null;
}

export interface AccuracyRow {
  site_id: string;
  horizon: string;
  model: string;
  n: number;
  rmse_kwh: number | null;
  mae_kwh: number | null;
  bias_kwh: number | null;
  nrmse_pct: number | null;
  nmae_pct: number | null;
  skill_rmse: number | null;
  coverage80: number | null;
  coverage95: number | null;
  width80_pct: number | null;
  period_start: Date;
  period_end: Date;
  forecast_weather_share: number | null;
  model_version: string | null;
}

export interface AccuracyOverviewRow {
  site_id: string;
  name: string;
  n: number | null;
  skill: number | null;
  coverage80: number | null;
  coverage95: number | null;
  best: string | null;
  [model: string]: unknown;
}

export interface TransferRow {
  site_id: string;
  history_days: number;
  model: "own" | "fleet-transfer";
  n: number;
  rmse_kwh: number | null;
  nmae_pct: number | null;
  skill_rmse: number | null;
}

/** The slice of an Arrow table these helpers use. */
export interface ColumnTable {
  numRows?: number;
  schema?: {fields: {name: string}[]};
  getChild(name: string): {length: number; get(index: number): unknown} | null;
}

export function readTable(table: ColumnTable | Record<string, unknown>[] | null | undefined, options?: {columns?: string[]; timeColumns?: string[]}): Record<string, any>[];
export function readForecasts(table: ColumnTable | Record<string, unknown>[] | null | undefined): ForecastRow[];

export function zoneOffsetMs(ms: number, zone: string): number;
export function localDate(ms: number | Date, zone: string): string;
export function localTime(ms: number | Date, zone: string): string;
export function localStamp(ms: number | Date, zone: string): string;
export function utcStamp(ms: number | Date | string): string;
export function offsetLabel(ms: number, zone: string): string;
export function addDays(date: string, days: number): string;
export function localMidnight(date: string, zone: string): number;
export function dayWindow(date: string, zone: string): DayWindow;
export function dayOfHour(ms: number, zone: string): string;
export function nextLocalDay(ms: number, zone: string): string;

export function coveredDays(rows: ForecastRow[], zone: string): string[];
export function tomorrow(forecasts: ForecastRow[], sites: SiteLike[]): Tomorrow;
export function sums(rows: ForecastRow[]): Sums;
export function weatherSummary(rows: ForecastRow[]): WeatherSummary;
export function vintagesFor(siteRows: ForecastRow[], window: {start: number; end: number}): Vintage[];
export function score(rows: ForecastRow[], value?: (r: ForecastRow) => number): Score | null;
export function vintageLabel(v: Vintage, zone: string): string;
export function defaultHour(rows: ForecastRow[]): number | null;

export function contributionKey(siteId: string, issuedAt: Date | number, version: string, ts: Date | number): string;
export function contributionIndex(rows: ContributionRow[]): Map<string, ContributionRow[]>;
export function decompose(row: ForecastRow, contributions?: ContributionRow[]): Decomposition;
export function waterfall(d: Decomposition): WaterfallStep[];
export function weatherUsed(vintageRows: ForecastRow[], weatherRows: WeatherRow[]): WeatherHour[];

export function accuracyFor(rows: AccuracyRow[], options?: {site?: string; horizon?: string}): AccuracyRow[];
export function accuracyOverview(rows: AccuracyRow[], options?: {horizon?: string; names?: Map<string, string>}): AccuracyOverviewRow[];
export function accuracyContext(rows: AccuracyRow[]): {
  periodStart: Date | null;
  periodEnd: Date | null;
  hours: number | null;
  shareMin: number | null;
  shareMax: number | null;
  versions: string[];
  sites: number;
} | null;
export function transferSummary(rows: TransferRow[]): {
  rows: TransferRow[];
  sites: string[];
  days: number[];
  winners: {history_days: number; own: number | null; fleet: number | null; better: "own" | "fleet-transfer" | null}[];
  ownWinsFrom: number | null;
};
export function trainingWeather(text: string | null | undefined): {kind: "observed" | "forecast" | "mixed" | "none" | "unknown"; forecastShare: number | null; short: string};
export function parseJsonText(s: unknown): unknown;
export function registryRows(rows: Record<string, unknown>[]): Record<string, any>[];

export function toCsv(rows: readonly object[], columns?: string[]): string;
export function exportName(siteId: string, day: string, issuedAt: Date | number): string;
export function formatEnergy(kwh: number | null | undefined): string;
export function fmt(x: number | null | undefined, digits?: number): string;
export function pct(x: number | null | undefined, digits?: number): string;
