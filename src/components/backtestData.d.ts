// Types for backtestData.js (plain JavaScript served to the browser), so TypeScript tests can use it.

export const MODEL_ORDER: string[];
export const HORIZON_BANDS: string[];
export const STATUS_ORDER: string[];
export const VARIABLES: Record<string, {label: string; unit: string; digits: number}>;

export interface MetricRow {
  window: number;
  site_id: string;
  horizon: string;
  model: string;
  n: number;
  rmse_kwh?: number | null;
  mae_kwh?: number | null;
  bias_kwh?: number | null;
  nrmse_pct: number | null;
  nmae_pct?: number | null;
  mape_pct?: number | null;
  skill_rmse?: number | null;
  pinball80_pct?: number | null;
  coverage80?: number | null;
  coverage95?: number | null;
  width80_pct?: number | null;
  width95_pct?: number | null;
  period_start?: Date | null;
  period_end?: Date | null;
  forecast_weather_share?: number | null;
}

export interface WindowRow {
  window: number;
  origin: Date;
  train_start: Date;
  train_end: Date;
  test_start: Date;
  test_end: Date;
  mode: string;
  sites?: number;
  hybrid_sites?: number;
  transfer_sites?: number;
  rows?: number;
  fit_seconds?: number;
  issue_seconds?: number;
}

export interface HourRow {
  hour_local: number;
  model: string;
  n: number;
  nrmse_pct: number | null;
  nmae_pct?: number | null;
  bias_pct?: number | null;
}

export interface HistogramBin {
  k: number;
  lo: number;
  hi: number;
  reference: number;
  recent: number;
}

export interface Histogram {
  bins: HistogramBin[];
  min: number;
  max: number;
  edges: number[];
}

export interface DriftRow {
  site_id: string;
  kind: "weather" | "production" | "error";
  variable: string;
  status: "ok" | "warning" | "critical";
  recent_start?: Date | null;
  recent_end?: Date | null;
  histogram?: string | null;
  [column: string]: unknown;
}

export interface Summary {
  origins: number;
  firstOrigin: Date;
  lastTestEnd: Date;
  trainStart: Date;
  modes: string[];
  sites: number;
  transferSites: number;
  testDays: [number, number];
  hybrid: MetricRow | null;
  smart: MetricRow | null;
  hours: number | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  shareMin: number | null;
  shareMax: number | null;
  fitSeconds: number;
}

export interface CoverageRow {
  scope: "window" | "site";
  level: number;
  nominal: number;
  realised: number;
  gap: number;
  width_pct: number | null;
  n: number;
  window: number;
  site_id: string;
  origin?: Date;
  name?: string;
}

export interface Decision {
  source: "manifest" | "table";
  decision: string;
  reasons: string[];
  model_age_days: number | null;
  rmse_ratio: number | null;
  critical_drift: string[];
}

export function metricsFor(rows: MetricRow[], options?: {window?: number; site?: string; horizon?: string}): MetricRow[];
export function backtestSummary(windows: WindowRow[], metrics: MetricRow[]): Summary | null;
export function errorOverTime(metrics: MetricRow[], windows: WindowRow[]): {window: number; origin: Date; model: string; nrmse_pct: number; nmae_pct: number | null | undefined; skill_rmse: number | null | undefined; n: number}[];
export function errorByHorizon(metrics: MetricRow[]): MetricRow[];
export function errorBySite(metrics: MetricRow[], names?: Map<string, string>): (MetricRow & {name: string})[];
export function skillRows(metrics: MetricRow[], byHour?: HourRow[]): (MetricRow & {bias_pct: number | null})[];
export function errorByHour(rows: HourRow[]): HourRow[];
export function hourTable(rows: HourRow[]): ({hour_local: number; n: number | null} & Record<string, number | null>)[];
export function coverageRows(metrics: MetricRow[], windows: WindowRow[], names?: Map<string, string>): CoverageRow[];
export function parseHistogram(text: string | object | null | undefined): Histogram | null;
export function binLabel(bin: HistogramBin, digits?: number): string;
export function driftRows<T extends DriftRow>(rows: T[], names?: Map<string, string>): (T & {key: string; name: string; hist: Histogram | null})[];
export function driftOverview(rows: DriftRow[]): {
  rows: number;
  counts: {critical: number; warning: number; ok: number};
  worst: string | null;
  recentStart: Date | null;
  recentEnd: Date | null;
  errorRows: number;
};
export function defaultDriftRow<T extends {hist: Histogram | null}>(rows: T[]): T | null;
export function retrainingRows(rows: Record<string, unknown>[]): (Record<string, any> & {reasonList: string[]; criticalList: string[]})[];
export function latestDecision(manifestRetraining: Record<string, unknown> | null | undefined, rows?: Record<string, any>[]): Decision | null;
export function registryHistory(rows: Record<string, unknown>[]): (Record<string, any> & {reasonList: string[]})[];
export function selectionRows(rows: Record<string, unknown>[]): Record<string, any>[];
export function settingsText(o: unknown): string;
export function shareRange(min: number | null | undefined, max: number | null | undefined): string;
