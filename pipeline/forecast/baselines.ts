// Reference forecasts "for honesty": what a model has to beat before it is worth anything.
// All three share one signature and enforce the issue-time cutoff themselves: an hour of history
// is used only when it had ended by the issue time (`knownAt`), whatever else the arrays hold, so
// a backtest can pass the whole series and still get an honest forecast.
//
//   persistence        the same UTC hour on the most recent day known at the issue time
//   smartPersistence   the clear-sky index of the last known daytime hours × the target's clear sky
//   climatology        mean of the same UTC hour within ±15 days of the target's day of year
//
// UTC hours rather than local ones: the sun keeps UTC time (plus the site's fixed longitude), so
// "the same hour yesterday" never jumps by an hour at a daylight-saving change.
import {messages, SunlineError} from "../messages.ts";
import {checkHours, checkIssueTime, checkLength, DAY_MS, HOUR_MS, isKnown, type Values} from "./series.ts";

/** Observed hourly energy up to (and possibly past) the issue time. */
export interface HourlyHistory {
  /** Start of each hour, UTC ms, ascending, on whole hours. */
  ts: ArrayLike<number>;
  /** Energy in the hour (kWh); missing = NaN or null. */
  energy: Values;
  /** Clear-sky energy of the same hours (kWh); needed by `smartPersistence` only. */
  clearSky?: Values;
}

/** The hours to forecast. */
export interface TargetHours {
  /** Start of each hour, UTC ms, on whole hours, any order. */
  ts: ArrayLike<number>;
  /** Clear-sky energy of the target hours (kWh); needed by `smartPersistence` only. */
  clearSky?: Values;
}

/** A reference forecast: one prediction per target hour (NaN where it has nothing to go on). */
export type Baseline = (history: HourlyHistory, targets: TargetHours, issueTime: number) => Float64Array;

export interface PersistenceOptions {
  /**
   * When the most recent known day has that hour missing, how many earlier days to try before
   * giving up with NaN. Default 7.
   */
  fallbackDays?: number;
}

/**
 * Persistence: the target hour's value on the most recent day whose same UTC hour had ended by the
 * issue time. For targets up to 24 h ahead that is "the same hour yesterday" (`t − 24 h`); beyond,
 * it is `t − d·24 h` with the smallest `d` that is known, i.e. the latest observed occurrence of
 * that hour, so a 36 h forecast issued at midnight repeats yesterday's profile, not tomorrow's.
 */
export function persistenceWith(options: PersistenceOptions = {}): Baseline {
  const fallbackDays = wholeOption("persistence", "fallbackDays", options.fallbackDays ?? PERSISTENCE_FALLBACK_DAYS, 0);
  return function persistence(history, targets, issueTime) {
    checkInputs("persistence", history, targets, issueTime);
    return persistenceOf(history, targets, issueTime, fallbackDays);
  };
}

function persistenceOf(history: HourlyHistory, targets: TargetHours, issueTime: number, fallbackDays: number): Float64Array {
  const out = new Float64Array(targets.ts.length).fill(NaN);
  for (let j = 0; j < targets.ts.length; j++) {
    const t = targets.ts[j];
    for (let d = firstKnownDay(t, issueTime), last = d + fallbackDays; d <= last; d++) {
      const i = indexOfHour(history.ts, t - d * DAY_MS);
      if (i >= 0 && isKnown(history.energy[i])) {
        out[j] = history.energy[i] as number;
        break;
      }
    }
  }
  return out;
}

export interface SmartPersistenceOptions {
  /** Known daytime hours whose clear-sky index is averaged, latest first. Default 6. */
  daytimeHours?: number;
  /**
   * An hour counts as daytime when its clear-sky energy is at least this share of the largest
   * clear-sky energy in the known history; lower sun makes the index a ratio of two small, noisy
   * numbers. Default 0.1.
   */
  minClearSkyShare?: number;
  /** How far back (days) to look for daytime hours before giving up with NaN. Default 7. */
  lookbackDays?: number;
}

const PERSISTENCE_FALLBACK_DAYS = 7;
const CLIMATOLOGY_WINDOW_DAYS = 15;

/** Each hour's clear-sky index is clipped to [0, MAX_INDEX] before averaging, as the Solar Forecast Arbiter does. */
export const MAX_CLEAR_SKY_INDEX = 2;

/**
 * Smart persistence (clear-sky-index persistence): k = mean of observed / clear-sky over the last
 * `daytimeHours` known daytime hours, and every target gets k × its clear-sky energy.
 *
 * This is the definition the solar forecasting literature uses as its persistence reference:
 * the latest clear-sky index persists over the whole horizon (Pedro & Coimbra 2012; the Solar
 * Forecast Arbiter's `persistence_scalar_index`, which averages the index over the latest window
 * and clips each ratio to [0, 2]). Averaging several daytime hours rather than taking the last
 * one keeps a forecast issued after dusk from resting on one low-sun hour. On the demo fleet
 * (8 sites, second year, issues every 6 h, daytime nRMSE for horizons 1–6 / 7–24 / 25–48 h):
 * 1 hour 15.9 / 20.1 / 21.4 %, 3 hours 16.0 / 19.0 / 20.5 %, 6 hours 15.4 / 18.1 / 19.5 %;
 * the index of the same hour on the last known day was no better than plain persistence
 * (19.4 / 19.4 / 21.0 %), and climatology was 16.9 / 16.9 / 17.0 %: beyond a few hours
 * climatology is the harder reference to beat (Yang 2019, Solar Energy 193).
 */
export function smartPersistenceWith(options: SmartPersistenceOptions = {}): Baseline {
  const {daytimeHours, lookbackDays, minShare} = smartPersistenceSettings(options);
  return function smartPersistence(history, targets, issueTime) {
    checkInputs("smartPersistence", history, targets, issueTime);
    if (history.clearSky === undefined) throw new SunlineError(messages.forecastNeedsClearSky("smartPersistence", "history"));
    if (targets.clearSky === undefined) throw new SunlineError(messages.forecastNeedsClearSky("smartPersistence", "targets"));
    const lastKnown = lastKnownIndex(history.ts, issueTime);
    let peak = 0;
    for (let i = 0; i <= lastKnown; i++) {
      const cs = history.clearSky[i];
      if (isKnown(cs) && cs > peak) peak = cs;
    }
    return timesClearSky(clearSkyIndexAt(history, history.clearSky, issueTime, lastKnown, peak, daytimeHours, minShare, lookbackDays), targets.clearSky);
  };
}

/**
 * Smart persistence's index k (see `smartPersistenceWith`) at any number of issue times over one
 * history: the history is checked, and its running clear-sky peak computed, once. A model that
 * needs k for every day of a training set would otherwise rescan the whole history per day.
 */
export function recentClearSkyIndexer(history: HourlyHistory, options: SmartPersistenceOptions = {}): (issueTime: number) => number {
  const {daytimeHours, lookbackDays, minShare} = smartPersistenceSettings(options);
  checkHours("smartPersistence: history.ts", history.ts, true);
  checkLength("smartPersistence: history.energy", history.energy, history.ts.length, "history.ts");
  if (history.clearSky === undefined) throw new SunlineError(messages.forecastNeedsClearSky("smartPersistence", "history"));
  checkLength("smartPersistence: history.clearSky", history.clearSky, history.ts.length, "history.ts");
  // The daytime threshold is a share of the clear-sky peak of the hours known at the issue: a running maximum.
  const clearSky = history.clearSky;
  const peakUpTo = new Float64Array(history.ts.length);
  let peak = 0;
  for (let i = 0; i < peakUpTo.length; i++) {
    const cs = clearSky[i];
    if (isKnown(cs) && cs > peak) peak = cs;
    peakUpTo[i] = peak;
  }
  return (issueTime) => {
    checkIssueTime(issueTime);
    const lastKnown = lastKnownIndex(history.ts, issueTime);
    return clearSkyIndexAt(history, clearSky, issueTime, lastKnown, lastKnown >= 0 ? peakUpTo[lastKnown] : 0, daytimeHours, minShare, lookbackDays);
  };
}

/** The options with their defaults, checked. */
function smartPersistenceSettings(options: SmartPersistenceOptions): {daytimeHours: number; lookbackDays: number; minShare: number} {
  const daytimeHours = wholeOption("smartPersistence", "daytimeHours", options.daytimeHours ?? 6, 1);
  const lookbackDays = wholeOption("smartPersistence", "lookbackDays", options.lookbackDays ?? 7, 1);
  const minShare = options.minClearSkyShare ?? 0.1;
  if (!(minShare > 0 && minShare < 1)) {
    throw new SunlineError(messages.forecastBadOption("smartPersistence", "minClearSkyShare", minShare, "a number between 0 and 1 (exclusive)"));
  }
  return {daytimeHours, lookbackDays, minShare};
}

/** Smart persistence's forecast: k × each target's clear-sky energy (NaN where that is missing). */
function timesClearSky(k: number, clearSky: Values): Float64Array {
  return Float64Array.from({length: clearSky.length}, (_, j) => {
    const cs = clearSky[j];
    return isKnown(cs) ? k * cs : NaN;
  });
}

/** k at an issue time, given the last hour known then and the clear-sky peak of the hours up to it. */
function clearSkyIndexAt(history: HourlyHistory, clearSky: Values, issueTime: number, lastKnown: number, peak: number, hours: number, minShare: number, lookbackDays: number): number {
  if (peak <= 0) return NaN;
  const threshold = minShare * peak;
  const oldest = issueTime - lookbackDays * DAY_MS;
  let sum = 0;
  let n = 0;
  for (let i = lastKnown; i >= 0 && n < hours && history.ts[i] >= oldest; i--) {
    const e = history.energy[i];
    const cs = clearSky[i];
    if (!isKnown(e) || !isKnown(cs) || cs < threshold) continue;
    sum += Math.min(Math.max(e / cs, 0), MAX_CLEAR_SKY_INDEX);
    n++;
  }
  return n > 0 ? sum / n : NaN;
}

export interface ClimatologyOptions {
  /** Days either side of the target's day of year. Default 15. */
  windowDays?: number;
}

/**
 * Climatology: the mean of every known hour with the target's UTC hour of day whose day of year is
 * within ±`windowDays` of the target's (wrapping round the new year, in any earlier year). A
 * sliding window rather than calendar months: no jump at month ends, and a young site has the
 * last two weeks to go on. When the window holds nothing (under a year of history, target far
 * ahead), the mean of that hour over the whole history is used; with no history, NaN.
 * Feb 29 counts as Feb 28 so every year has 365 days of year.
 */
export function climatologyWith(options: ClimatologyOptions = {}): Baseline {
  const windowDays = wholeOption("climatology", "windowDays", options.windowDays ?? CLIMATOLOGY_WINDOW_DAYS, 0);
  if (windowDays > 182) {
    throw new SunlineError(messages.forecastBadOption("climatology", "windowDays", windowDays, "a whole number from 0 to 182"));
  }
  return function climatology(history, targets, issueTime) {
    checkInputs("climatology", history, targets, issueTime);
    const table = new ClimatologyTable(windowDays);
    table.advance(history, lastKnownIndex(history.ts, issueTime));
    return table.forecast(targets);
  };
}

/** Sums and counts of the known hours per (UTC hour of day, day of year), grown hour by hour as issue times advance. */
class ClimatologyTable {
  private sums = new Float64Array(24 * 365);
  private counts = new Float64Array(24 * 365);
  private hourSums = new Float64Array(24);
  private hourCounts = new Float64Array(24);
  /** Hours of the history added so far: indices 0 .. added − 1. */
  private added = 0;

  constructor(private readonly windowDays: number) {}

  /** Makes the table hold exactly the hours 0 .. lastKnown (starting over if it already holds later ones). */
  advance(history: HourlyHistory, lastKnown: number): void {
    if (lastKnown + 1 < this.added) {
      for (const a of [this.sums, this.counts, this.hourSums, this.hourCounts]) a.fill(0);
      this.added = 0;
    }
    for (let i = this.added; i <= lastKnown; i++) {
      const e = history.energy[i];
      if (!isKnown(e)) continue;
      const t = history.ts[i];
      const h = hourOfDay(t);
      const cell = h * 365 + dayOfYear365(t);
      this.sums[cell] += e;
      this.counts[cell] += 1;
      this.hourSums[h] += e;
      this.hourCounts[h] += 1;
    }
    this.added = Math.max(this.added, lastKnown + 1);
  }

  /** The ±window mean per target. */
  forecast(targets: TargetHours): Float64Array {
    const out = new Float64Array(targets.ts.length);
    for (let j = 0; j < out.length; j++) {
      const t = targets.ts[j];
      const h = hourOfDay(t);
      const doy = dayOfYear365(t);
      let sum = 0;
      let n = 0;
      for (let o = -this.windowDays; o <= this.windowDays; o++) {
        const cell = h * 365 + ((doy + o + 365) % 365);
        sum += this.sums[cell];
        n += this.counts[cell];
      }
      out[j] = n > 0 ? sum / n : this.hourCounts[h] > 0 ? this.hourSums[h] / this.hourCounts[h] : NaN;
    }
    return out;
  }
}

export interface ReferenceForecasts {
  persistence: Float64Array;
  smartPersistence: Float64Array;
  climatology: Float64Array;
}

/**
 * The three reference forecasts, with their default settings, at many issue times over one history:
 * the same numbers as calling `persistence`, `smartPersistence` and `climatology` per issue, but the
 * history is checked once, smart persistence's running peak is computed once, and climatology's table
 * grows as the issue times advance instead of being rebuilt from the whole history at every issue
 * (issues in ascending order cost one pass in all; an earlier issue starts the table over).
 */
export function referenceForecaster(history: HourlyHistory): (targets: TargetHours, issueTime: number) => ReferenceForecasts {
  const indexAt = recentClearSkyIndexer(history);
  const table = new ClimatologyTable(CLIMATOLOGY_WINDOW_DAYS);
  return (targets, issueTime) => {
    checkIssueTime(issueTime);
    checkHours("references: targets.ts", targets.ts, false);
    checkLength("references: targets.clearSky", targets.clearSky, targets.ts.length, "targets.ts");
    if (targets.clearSky === undefined) throw new SunlineError(messages.forecastNeedsClearSky("smartPersistence", "targets"));
    const smart = timesClearSky(indexAt(issueTime), targets.clearSky);
    table.advance(history, lastKnownIndex(history.ts, issueTime));
    return {persistence: persistenceOf(history, targets, issueTime, PERSISTENCE_FALLBACK_DAYS), smartPersistence: smart, climatology: table.forecast(targets)};
  };
}

export const persistence: Baseline = persistenceWith();
export const smartPersistence: Baseline = smartPersistenceWith();
export const climatology: Baseline = climatologyWith();

/** The reference forecasts with their default settings, by name, for evaluation loops. */
export const baselines = {persistence, smartPersistence, climatology} as const satisfies Record<string, Baseline>;

/** Smallest d ≥ 1 such that the hour t − d days had ended by the issue time. */
function firstKnownDay(t: number, issueTime: number): number {
  return Math.max(1, Math.ceil((t + HOUR_MS - issueTime) / DAY_MS));
}

function hourOfDay(t: number): number {
  return (((t / HOUR_MS) % 24) + 24) % 24;
}

/** 0-based day of year on a 365-day calendar (Feb 29 shares Feb 28's day). */
function dayOfYear365(t: number): number {
  const date = new Date(t);
  const year = date.getUTCFullYear();
  const day = Math.floor((t - Date.UTC(year, 0, 1)) / DAY_MS);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return leap && day >= 59 ? day - 1 : day;
}

/** Index of hour `t` in ascending `ts`, or -1. */
function indexOfHour(ts: ArrayLike<number>, t: number): number {
  const i = lastIndexAtOrBefore(ts, t);
  return i >= 0 && ts[i] === t ? i : -1;
}

/** Largest index with ts[i] <= t in ascending `ts`, or -1. */
function lastIndexAtOrBefore(ts: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = ts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function checkInputs(baseline: string, history: HourlyHistory, targets: TargetHours, issueTime: number): void {
  checkIssueTime(issueTime);
  checkHours(`${baseline}: history.ts`, history.ts, true);
  checkHours(`${baseline}: targets.ts`, targets.ts, false);
  checkLength(`${baseline}: history.energy`, history.energy, history.ts.length, "history.ts");
  checkLength(`${baseline}: history.clearSky`, history.clearSky, history.ts.length, "history.ts");
  checkLength(`${baseline}: targets.clearSky`, targets.clearSky, targets.ts.length, "targets.ts");
}

function wholeOption(baseline: string, name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new SunlineError(messages.forecastBadOption(baseline, name, value, `a whole number >= ${min}`));
  }
  return value;
}

/** Index of the last hour that had ended by the issue time (see `knownAt`), or -1. */
function lastKnownIndex(ts: ArrayLike<number>, issueTime: number): number {
  return lastIndexAtOrBefore(ts, issueTime - HOUR_MS);
}
