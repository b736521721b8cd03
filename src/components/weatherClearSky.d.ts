// Types for weatherClearSky.js (plain JavaScript served to the browser), so TypeScript tests can use it.

export interface ClearSkyOptions {
  /** Linke turbidity, default 3. */
  linkeTurbidity?: number;
  /** Metres above sea level, default 0. */
  elevation?: number;
}

export const SOLAR_CONSTANT_WM2: number;
export const DEFAULT_LINKE_TURBIDITY: number;

export function solarPosition(
  utcMs: number,
  lat: number,
  lon: number
): {zenith: number; azimuth: number; declination: number; equationOfTime: number; distanceFactor: number};
export function airMass(zenithDeg: number): number;
export function ineichenGhi(zenithDeg: number, options?: ClearSkyOptions & {distanceFactor?: number}): number;
export function clearSkyGhi(utcMs: number, lat: number, lon: number, options?: ClearSkyOptions): number;
export function clearSkyHourMean(hourStartMs: number, lat: number, lon: number, options?: ClearSkyOptions): number;
export function clearSkyIndex(ghi: number | null, clear: number | null, options?: {minClearSky?: number}): number | null;
