// Types for weatherLookup.js (plain JavaScript served to the browser), so TypeScript tests can use it.

export type Endpoint = "archive" | "forecast";

export interface LookupFields {
  lat: number | string;
  lon: number | string;
  start: string;
  end: string;
  endpoint?: "auto" | Endpoint;
  baseUrl?: string;
}

export interface LookupRequest {
  lat: number;
  lon: number;
  /** UTC dates, inclusive. */
  start: string;
  end: string;
  endpoint: Endpoint;
  auto: boolean;
  /** "" for the public API. */
  baseUrl: string;
}

export interface LookupRow {
  /** UTC start of the hour. */
  ts: Date;
  ghi_wm2: number | null;
  dni_wm2: number | null;
  dhi_wm2: number | null;
  temp_c: number | null;
  cloud_cover_pct: number | null;
  wind_ms: number | null;
}

export interface Parsed {
  rows: LookupRow[];
  latitude: number | null;
  longitude: number | null;
  elevation: number | null;
  units: Record<string, string | null>;
}

interface LookupBase {
  request: LookupRequest;
  url: string;
  endpoint: Endpoint;
  source: string;
  kind: "observed" | "forecast";
}

export type LookupResult = (LookupBase & {ok: true} & Parsed) | (LookupBase & {ok: false; error: string});

export const OPEN_METEO_HOSTS: Record<Endpoint, string>;
export const OPEN_METEO_PATHS: Record<Endpoint, string>;
export const ARCHIVE_LAG_DAYS: number;
export const MAX_LOOKUP_DAYS: number;
export const LOOKUP_VARIABLES: {name: string; column: keyof Omit<LookupRow, "ts">; timing: "preceding-hour" | "instant"; quantity: string}[];

export function chooseEndpoint(start: string, end: string, now?: Date): Endpoint;
export function validateLookup(fields: LookupFields, options?: {now?: Date}): {request: LookupRequest; error?: undefined} | {error: string; request?: undefined};
export function lookupUrl(request: Pick<LookupRequest, "lat" | "lon" | "start" | "end" | "endpoint"> & {baseUrl?: string}): string;
export function parseOpenMeteo(body: unknown, period: {start: string; end: string}): Parsed;
export function fetchLookup(request: LookupRequest, options?: {fetch?: typeof fetch; timeoutMs?: number}): Promise<LookupResult>;
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number;
export function configSnippet(options: {
  lat: number;
  lon: number;
  baseUrl?: string;
  sites?: {site_id?: string; id?: string; name: string; lat: number; lon: number; timezone: string; capacity_kw: number; tilt: number; azimuth: number}[];
}): {text: string; site: {id: string; name: string; lat: number; lon: number; timezone: string; capacity_kw: number; tilt: number; azimuth: number}; notes: string[]};
