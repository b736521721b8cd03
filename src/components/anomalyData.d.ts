// Types for anomalyData.js (plain JavaScript served to the browser), so TypeScript tests can use it.

export const HOUR_MS: number;
export const SEVERITIES: string[];

export interface EventRow {
  event_id?: string;
  site_id: string;
  start_ts: Date;
  end_ts: Date;
  hours: number;
  direction: "under" | "over";
  severity: "low" | "medium" | "high";
  energy_gap_kwh: number;
  expected_kwh?: number;
  max_abs_z?: number;
  [key: string]: unknown;
}

export interface HourRow {
  site_id: string;
  ts: Date;
  z: number | null;
  actual_kwh: number | null;
  expected_kwh: number | null;
  [key: string]: unknown;
}

export interface RegroupedEvent {
  site_id: string;
  start_ts: Date;
  end_ts: Date;
  hours: number;
  direction: "under" | "over";
  energy_gap_kwh: number;
  max_abs_z: number;
}

export function isAlarm(e: Pick<EventRow, "direction" | "severity">): boolean;
export function filterEvents<T extends EventRow>(events: T[], o?: {site?: string; severities?: string[]; from?: Date | null; to?: Date | null; lossesOnly?: boolean}): T[];
export function eventWindow<T extends HourRow>(hours: T[], event: EventRow | null, padH?: number): T[];
export function reflag(hours: HourRow[], threshold: number, gapH: number): {flagged: number; events: RegroupedEvent[]};
export function flaggedBySite(hours: HourRow[], threshold: number, siteIds: string[]): {site_id: string; flagged: number}[];
export function weekStart(d: Date | number): Date;
export function topPerWeek<T extends EventRow>(events: T[], n?: number): (T & {week: Date; rank: number})[];
export function lossBySite(events: EventRow[]): {site_id: string; high: number; medium: number; total: number; alarms: number; expected_kwh: number}[];
export function evaluationRows<T extends {fault: string}>(rows: T[]): T[];
