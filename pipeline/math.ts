// Small numeric helpers (angles, time constants, clamping, normal distribution) shared by the
// solar physics, the demo generator and the pipeline.

export const DEG = Math.PI / 180;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
export const MS_PER_INTERVAL = 15 * MS_PER_MINUTE;

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Euclidean modulo (result has the sign of the divisor). */
export function mod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}

/** Standard normal CDF; Abramowitz & Stegun 7.1.26 erf approximation (|error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Inverse of normalCdf by bisection: only called a few hundred times per site, so speed is moot. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  let lo = -9;
  let hi = 9;
  for (let i = 0; i < 80; i++) {
    const mid = 0.5 * (lo + hi);
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

const DAYS_PER_YEAR = 365.2425;
const EPOCH_DAY_2000 = 10957; // 2000-01-01 in days since 1970-01-01

/** Fractional day of the (mean Gregorian) year, 0 = Jan 1 00:00 UTC; good enough for climatology. */
export function dayOfYear(utcMs: number): number {
  return mod(utcMs / MS_PER_DAY - EPOCH_DAY_2000, DAYS_PER_YEAR);
}

/**
 * Periodic linear interpolation of 12 monthly values (each valid at mid-month) at a fractional
 * day of year, so seasonal parameters vary smoothly instead of jumping at month boundaries.
 */
export function monthlyValue(values: readonly number[], doy: number): number {
  const x = doy / (DAYS_PER_YEAR / 12) - 0.5;
  const base = Math.floor(x);
  const f = x - base;
  const i0 = mod(base, 12);
  const i1 = (i0 + 1) % 12;
  return values[i0] * (1 - f) + values[i1] * f;
}

/** Local mean solar hour (0..24) from UTC and longitude; drives diurnal cycles in the weather. */
export function solarHour(utcMs: number, lonDeg: number): number {
  return mod(utcMs / MS_PER_HOUR + lonDeg / 15, 24);
}

/** The p-quantile (0..1) of a non-empty sorted sample, interpolating linearly between order statistics. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Median of a non-empty sorted sample (the mean of the middle two for an even count). */
export function medianSorted(sorted: ArrayLike<number>): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}
