// Hybrid day-ahead model for one site: a Prophet baseline plus a gradient-boosted correction of its
// residuals, with split-conformal intervals. A plain library on arrays (no DuckDB).
//
//   baseline    Prophet (pipeline/models/prophet/) on the fit hours, with the hour's clear-sky GHI as a
//               regressor and, when given, weather regressors (e.g. GHI) for the target hour.
//   correction  GBDT (pipeline/models/gbdt/, squared loss) on (actual − baseline) / capacity, with
//               calendar, solar geometry and clear-sky features, the weather of the target hour and its
//               interactions with the clear sky, the baseline itself, the horizon, and one lag known at
//               the issue time: the recent clear-sky index (smart persistence's k at the issue time).
//   prediction  clip(baseline + correction × capacity, 0, capacity), exactly 0 at night.
//
// Honest split (`fitHybrid`): the training hours [start, trainEnd) are cut by time into
//   fit slice          the first (1 − calibrationFraction); Prophet fits on all of it; the GBDT trains on
//                      its first (1 − validationFraction) and early-stops on its last validationFraction;
//   calibration slice  the last calibrationFraction: NEITHER model sees it. The fitted models forecast it
//                      issue by issue (same protocol as at test time, lags cut by `knownAt`), and those
//                      out-of-sample residuals calibrate the conformal intervals. The models are NOT refit
//                      on the calibration slice afterwards, so the intervals describe exactly the models
//                      that are used.
// Nothing at or after `trainEnd` is read by the fit, so a fitted model's forecasts for an issue time t
// depend only on the training hours and the history known at t.
import {calibrateConformal, conformalIntervals, type ConformalCalibration, type ConformalOptions} from "./intervals.ts";
import {recentClearSkyIndexer, type SmartPersistenceOptions} from "./baselines.ts";
import {DAY_MS, HOUR_MS, isKnown} from "./series.ts";
import {fitProphetBaselines, ProphetBaseline, type ProphetBaselineJson, type ProphetFitInput, type ProphetParams, type ProphetStart} from "../models/prophet/index.ts";
import {GbdtModel, trainGbdt, type GbdtModelJson, type GbdtParams} from "../models/gbdt/index.ts";
import {localIssueTimes} from "../timezone.ts";
import {yieldToEventLoop} from "../eventLoop.ts";
import {extraterrestrialNormal} from "../solar/clearSky.ts";
import {clearSkyOnPlane, type ClearSkyPlane} from "../solar/irradiance.ts";
import {solarPosition} from "../solar/solarPosition.ts";

const DEG = Math.PI / 180;
/** Sub-samples per hour for hour-mean solar geometry and clear sky. */
const STEPS = 6;
/**
 * No forecast (baseline or final) exceeds this multiple of the hour's clear-sky energy. Prophet's
 * additive daily seasonality is an average over the year, so in winter it puts summer's dawn output
 * into hours the sun has barely reached: without this ceiling the Santiago baseline forecast 148 kWh
 * for an hour whose clear sky is 2 kWh. Measured on the demo's training hours, few daytime
 * hours were above 1.5× clear sky (0.07 %, 49 of 71,194, 39 of them in Denver, whose 1,600 m the sea-level
 * clear sky under-states), carrying 0.003 % of the energy.
 */
export const CLEAR_SKY_CEILING = 1.5;

export interface HybridSite {
  lat: number;
  lon: number;
  /** AC capacity, kWh per hour (the clip and the normalisation of the residuals). */
  capacityKw: number;
  /** Panel tilt and azimuth (degrees, azimuth clockwise from north); default 0 / 180. */
  tilt?: number;
  azimuth?: number;
  /** Altitude (m) and Linke turbidity for the Ineichen–Perez clear sky; default 0 m and 3. */
  altitudeM?: number;
  linkeTurbidity?: number;
}

/** Hourly series: UTC ms hour starts (ascending, whole hours), energy in kWh (NaN = missing). */
export interface HybridSeries {
  ts: ArrayLike<number>;
  energy: ArrayLike<number>;
  /** Weather for each hour, by name (e.g. ghi W/m², temp_air °C), as a forecast would give it. "ghi" gets interactions. */
  weather?: Record<string, ArrayLike<number>>;
}

export interface HybridOptions {
  /** First hour NOT used for fitting (UTC ms); everything before it is training (fit + calibration). */
  trainEnd: number;
  /** Issue time of the forecast of each target hour (UTC ms), e.g. the local midnight starting its day. */
  issueTimeOf: (ts: number) => number;
  /** Share of the training hours, at the end, kept out of both fits for conformal calibration. Default 0.2. */
  calibrationFraction?: number;
  /** Share of the fit slice, at its end, used for the GBDT's early stopping. Default 0.15. */
  validationFraction?: number;
  /** Weather variables used as Prophet regressors (besides the clear sky). Default: ["ghi"] when given. */
  prophetWeather?: string[];
  prophet?: Partial<ProphetParams>;
  gbdt?: Partial<GbdtParams>;
  conformal?: ConformalOptions;
  /**
   * Hours ahead the forecasts will reach (default 48). The calibration slice is forecast once per lead
   * day (issued the day's own issue time, the one before, …) so that every horizon band has its own
   * out-of-sample errors; a day-2 hour calibrated on day-1 errors gets too narrow an interval.
   */
  horizonH?: number;
}

export interface HybridForecast {
  ts: Float64Array;
  issueTime: Float64Array;
  /** Hours from the issue time to the end of the target hour. */
  horizonH: Float64Array;
  prediction: Float64Array;
  /** Prophet's forecast (clipped to [0, capacity] and to CLEAR_SKY_CEILING × clear sky, 0 at night). */
  baseline_kwh: Float64Array;
  /** GBDT correction × capacity (0 at night); baseline_kwh + correction_kwh = unclipped. */
  correction_kwh: Float64Array;
  unclipped: Float64Array;
  /** Clear-sky energy of the hour on the panel plane (kWh), as used by smart persistence and the intervals. */
  clearSky_kwh: Float64Array;
  sunUp: Uint8Array;
  /** Conformal intervals, one per calibrated level (empty when there was no calibration). */
  intervals: {level: number; lower: Float64Array; upper: Float64Array}[];
  /** Top TreeSHAP contributions of the correction per hour (kWh), when asked for. */
  contributions?: {feature: string; kwh: number}[][];
}

export interface HybridFitInfo {
  fitHours: number;
  gbdtTrainRows: number;
  gbdtValidRows: number;
  calibrationRows: number;
  gbdtRounds: number;
  /** First and last hour of each slice (UTC ms). */
  fitSlice: [number, number];
  calibrationSlice: [number, number] | null;
  prophetMs: number;
  gbdtMs: number;
}

export const DEFAULT_HYBRID_GBDT: Partial<GbdtParams> = {
  objective: "squared",
  rounds: 300,
  maxDepth: 6,
  learningRate: 0.05,
  earlyStoppingRounds: 30,
  minChildWeight: 20,
  subsample: 0.8,
  colsample: 0.8,
  seed: 1
};

/** Per-hour geometry and clear sky: all computed from the stamp and the site alone. */
export interface HourGeometry {
  sunUp: Uint8Array;
  /** Hour-mean solar elevation and azimuth (degrees), cos of incidence on the panel. */
  elevation: Float64Array;
  azimuth: Float64Array;
  cosIncidence: Float64Array;
  /** Hour-mean clear-sky GHI (W/m²) and plane-of-array clear-sky irradiance (W/m²). */
  clearGhi: Float64Array;
  clearPoa: Float64Array;
  /** Clear-sky energy at the panel (kWh): capacity × POA / 1000, capped at capacity. */
  clearKwh: Float64Array;
}

export function hourGeometry(site: HybridSite, ts: ArrayLike<number>): HourGeometry {
  const n = ts.length;
  const g = emptyGeometry(n);
  const grid = gridFor(site, ts);
  for (let i = 0; i < n; i++) {
    if (grid === null) {
      geometryInto(site, ts[i], g, i);
      continue;
    }
    const j = (ts[i] - grid.t0) / HOUR_MS;
    if (grid.done[j] === 0) {
      geometryInto(site, ts[i], grid.g, j);
      grid.done[j] = 1;
    }
    g.sunUp[i] = grid.g.sunUp[j];
    g.elevation[i] = grid.g.elevation[j];
    g.azimuth[i] = grid.g.azimuth[j];
    g.cosIncidence[i] = grid.g.cosIncidence[j];
    g.clearGhi[i] = grid.g.clearGhi[j];
    g.clearPoa[i] = grid.g.clearPoa[j];
    g.clearKwh[i] = grid.g.clearKwh[j];
  }
  return g;
}

/**
 * Hours already computed, per site object (treated as immutable): a fit, its calibration and the
 * issues at each backtest origin ask for the same hours again, and the geometry (several solar
 * positions per hour) was a fifth of a fit's time. Kept as long as the site object is.
 */
interface GeometryGrid {
  /** First hour of the grid; hour j is t0 + j h. */
  t0: number;
  done: Uint8Array;
  g: HourGeometry;
}
const geometryGrids = new WeakMap<HybridSite, GeometryGrid>();
/** Hours a site's grid may span (50 years): anything wider is computed without the cache. */
const MAX_GRID_HOURS = 50 * 8766;

/** The site's grid, grown to cover `ts`; null when `ts` holds a stamp that is not a whole hour or spans too much. */
function gridFor(site: HybridSite, ts: ArrayLike<number>): GeometryGrid | null {
  if (ts.length === 0) return null;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (!(t % HOUR_MS === 0)) return null;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const grid = geometryGrids.get(site);
  const t0 = Math.min(lo, grid?.t0 ?? lo);
  const end = Math.max(hi + HOUR_MS, grid ? grid.t0 + grid.done.length * HOUR_MS : -Infinity);
  const hours = (end - t0) / HOUR_MS;
  if (hours > MAX_GRID_HOURS) return null;
  if (grid && grid.t0 === t0 && grid.done.length === hours) return grid;
  const grown: GeometryGrid = {t0, done: new Uint8Array(hours), g: emptyGeometry(hours)};
  if (grid) {
    const at = (grid.t0 - t0) / HOUR_MS;
    grown.done.set(grid.done, at);
    for (const key of Object.keys(grid.g) as (keyof HourGeometry)[]) (grown.g[key] as Float64Array).set(grid.g[key] as Float64Array, at);
  }
  geometryGrids.set(site, grown);
  return grown;
}

function emptyGeometry(n: number): HourGeometry {
  return {
    sunUp: new Uint8Array(n), elevation: new Float64Array(n), azimuth: new Float64Array(n), cosIncidence: new Float64Array(n),
    clearGhi: new Float64Array(n), clearPoa: new Float64Array(n), clearKwh: new Float64Array(n)
  };
}

/** The hour starting at `t`, averaged over STEPS solar positions, written at index i of `g`. */
function geometryInto(site: HybridSite, t: number, g: HourGeometry, i: number): void {
  const clear: ClearSkyPlane = {ghi: 0, poa: 0, cosAoi: 0};
  const alt = site.altitudeM ?? 0;
  const tl = site.linkeTurbidity ?? 3;
  let up = false;
  let elev = 0, sx = 0, sy = 0, cosi = 0, ghi = 0, poa = 0;
  for (let s = 0; s < STEPS; s++) {
    const p = solarPosition(t + ((s + 0.5) / STEPS) * HOUR_MS, site.lat, site.lon);
    elev += p.elevation / STEPS;
    sx += Math.sin(p.azimuth * DEG);
    sy += Math.cos(p.azimuth * DEG);
    if (p.elevation <= 0) continue;
    up = true;
    clearSkyOnPlane(site.tilt ?? 0, site.azimuth ?? 180, p, extraterrestrialNormal(p.earthSunDistance), tl, alt, clear);
    cosi += Math.max(0, clear.cosAoi) / STEPS;
    ghi += clear.ghi / STEPS;
    poa += clear.poa / STEPS;
  }
  if (solarPosition(t + HOUR_MS, site.lat, site.lon).elevation > 0) up = true;
  g.sunUp[i] = up ? 1 : 0;
  g.elevation[i] = elev;
  g.azimuth[i] = ((Math.atan2(sx, sy) / DEG) + 360) % 360;
  g.cosIncidence[i] = cosi;
  g.clearGhi[i] = ghi;
  g.clearPoa[i] = poa;
  g.clearKwh[i] = Math.min(site.capacityKw, (site.capacityKw * poa) / 1000);
}

/** The recent clear-sky index feature: smart persistence's k over the last 6 known daytime hours, within a week. */
const RECENT_K: SmartPersistenceOptions = {daytimeHours: 6, lookbackDays: 7};

/** Smart persistence's index k (recent clear-sky index) per issue time, from `history` cut at each issue time (distinct issues computed once). */
function recentK(history: {ts: ArrayLike<number>; energy: ArrayLike<number>; clearKwh: ArrayLike<number>}, issues: Float64Array): Float64Array {
  const indexAt = recentClearSkyIndexer({ts: history.ts, energy: history.energy, clearSky: history.clearKwh}, RECENT_K);
  const cache = new Map<number, number>();
  const out = new Float64Array(issues.length);
  for (let i = 0; i < issues.length; i++) {
    const issue = issues[i];
    let k = cache.get(issue);
    if (k === undefined) {
      k = indexAt(issue);
      cache.set(issue, k);
    }
    out[i] = k;
  }
  return out;
}

export interface Rows {
  ts: Float64Array;
  issue: Float64Array;
  horizon: Float64Array;
  geo: HourGeometry;
  weather: Record<string, Float64Array>;
  k: Float64Array;
}

export class HybridModel {
  fitInfo!: HybridFitInfo;
  calibration: ConformalCalibration | null = null;
  readonly featureNames: string[];

  /** Use `fitHybrid`. */
  constructor(
    readonly site: HybridSite,
    /** The site's Prophet baseline, or null for a site forecast by the fleet alone (baseline 0, see `baseline: "none"`). */
    readonly prophet: ProphetBaseline | null,
    readonly gbdt: GbdtModel,
    readonly weatherNames: string[],
    readonly prophetWeather: string[],
    readonly issueTimeOf: (ts: number) => number
  ) {
    this.featureNames = featureNames(weatherNames);
  }

  /** @internal */
  rows(ts: ArrayLike<number>, weather: Record<string, ArrayLike<number>> | undefined, history: HybridSeries, issueOverride?: number | ((ts: number) => number)): Rows {
    const n = ts.length;
    const t = Float64Array.from(ts);
    const issue = new Float64Array(n);
    const horizon = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      issue[i] = typeof issueOverride === "number" ? issueOverride : (issueOverride ?? this.issueTimeOf)(t[i]);
      horizon[i] = (t[i] + HOUR_MS - issue[i]) / HOUR_MS;
      if (!(horizon[i] >= 1)) throw new RangeError(`hybrid: hour ${new Date(t[i]).toISOString()} starts before its issue time ${new Date(issue[i]).toISOString()}`);
    }
    const w: Record<string, Float64Array> = {};
    for (const name of this.weatherNames) {
      const v = weather?.[name];
      if (v && v.length !== n) throw new RangeError(`hybrid: weather "${name}" needs one value per target hour`);
      w[name] = v ? Float64Array.from(v, (x) => (isKnown(x) ? x : NaN)) : new Float64Array(n).fill(NaN);
    }
    const geo = hourGeometry(this.site, t);
    const histGeo = hourGeometry(this.site, history.ts);
    const k = recentK({ts: history.ts, energy: history.energy, clearKwh: histGeo.clearKwh}, issue);
    return {ts: t, issue, horizon, geo, weather: w, k};
  }

  /**
   * Forecasts `ts` (each hour issued at `issueTimeOf(ts)`, or at `issueTime`: one instant for all, or a rule). `history` is the
   * observed series; only hours known at each issue time are used (`knownAt`), whatever it holds.
   */
  predict(input: {ts: ArrayLike<number>; weather?: Record<string, ArrayLike<number>>; history: HybridSeries; issueTime?: number | ((ts: number) => number); topContributions?: number}): HybridForecast {
    const r = this.rows(input.ts, input.weather, input.history, input.issueTime);
    const n = r.ts.length;
    const cap = this.site.capacityKw;
    const base = this.baseline(r);
    // The correction is 0 at night: features and trees for the daytime rows only (half the hours).
    const day: number[] = [];
    for (let i = 0; i < n; i++) if (r.geo.sunUp[i]) day.push(i);
    const dayFeats = features(r, base, cap, this.weatherNames, day);
    const corrDay = day.length > 0 ? this.gbdt.predict(dayFeats) : new Float64Array(0);
    const out: HybridForecast = {
      ts: r.ts, issueTime: r.issue, horizonH: r.horizon, prediction: new Float64Array(n), baseline_kwh: base,
      correction_kwh: new Float64Array(n), unclipped: new Float64Array(n), clearSky_kwh: r.geo.clearKwh, sunUp: r.geo.sunUp, intervals: []
    };
    for (let j = 0; j < day.length; j++) {
      const i = day[j];
      out.correction_kwh[i] = corrDay[j] * cap;
      out.unclipped[i] = base[i] + out.correction_kwh[i];
      out.prediction[i] = Math.min(cap, CLEAR_SKY_CEILING * r.geo.clearKwh[i], Math.max(0, out.unclipped[i]));
    }
    if (this.calibration) {
      out.intervals = conformalIntervals(this.calibration, {predicted: out.prediction, clearSky: r.geo.clearKwh, horizonH: r.horizon, capacity: cap});
      for (const iv of out.intervals) for (let i = 0; i < n; i++) if (!r.geo.sunUp[i]) iv.lower[i] = iv.upper[i] = 0;
    }
    const top = input.topContributions ?? 0;
    if (top > 0 && n > 0) {
      // TreeSHAP costs most of a row's time (~0.8 ms on a 300-tree model): daytime rows only, as for the prediction.
      const phi = day.length ? this.gbdt.contributions(dayFeats) : [];
      out.contributions = Array.from({length: n}, () => []);
      day.forEach((i, j) => {
        out.contributions![i] = this.featureNames
          .map((feature, f) => ({feature, kwh: phi[j][f] * cap}))
          .sort((a, b) => Math.abs(b.kwh) - Math.abs(a.kwh))
          .slice(0, top);
      });
    }
    return out;
  }

  /** @internal */
  baseline(r: Rows): Float64Array {
    if (!this.prophet) return new Float64Array(r.ts.length);
    const regressors: Record<string, Float64Array> = {clear_ghi: r.geo.clearGhi};
    for (const name of this.prophetWeather) {
      // A target hour without weather (no forecast reached it) gets the clear sky scaled by the recent
      // clear-sky index, smart persistence's assumption; the GBDT sees the gap itself as missing.
      const v = r.weather[name];
      regressors[name] = name === "ghi" ? v.map((x, i) => (isKnown(x) ? x : r.geo.clearGhi[i] * r.k[i])) : v.map((x) => (isKnown(x) ? x : 0));
    }
    const yhat = this.prophet.predict({ds: r.ts, regressors, sunUp: Array.from(r.geo.sunUp, (u) => u === 1)}).yhat;
    for (let i = 0; i < yhat.length; i++) yhat[i] = Math.min(yhat[i], CLEAR_SKY_CEILING * r.geo.clearKwh[i]);
    return yhat;
  }

  free(): void {
    this.prophet?.free();
  }
}

function featureNames(weather: string[]): string[] {
  const names = ["hour_utc", "doy_sin", "doy_cos", "elevation", "azimuth", "cos_incidence", "clear_share", "baseline_share", "horizon_h", "recent_k"];
  for (const w of weather) names.push(w);
  if (weather.includes("ghi")) names.push("ghi_clear_index", "ghi_poa_share", "ghi_x_baseline");
  return names;
}

/** The GBDT's feature columns for the rows `at` (default: every row). */
function features(r: Rows, base: Float64Array, cap: number, weather: string[], at?: readonly number[]): Float64Array[] {
  const n = at ? at.length : r.ts.length;
  const cols: Float64Array[] = [];
  const col = (f: (i: number) => number) => {
    const c = new Float64Array(n);
    if (at) for (let j = 0; j < n; j++) c[j] = f(at[j]);
    else for (let i = 0; i < n; i++) c[i] = f(i);
    cols.push(c);
  };
  col((i) => (((r.ts[i] / HOUR_MS) % 24) + 24) % 24);
  const doy = (i: number) => ((r.ts[i] / 86_400_000) % 365.2425) / 365.2425;
  col((i) => Math.sin(2 * Math.PI * doy(i)));
  col((i) => Math.cos(2 * Math.PI * doy(i)));
  col((i) => r.geo.elevation[i]);
  col((i) => r.geo.azimuth[i]);
  col((i) => r.geo.cosIncidence[i]);
  col((i) => r.geo.clearKwh[i] / cap);
  col((i) => base[i] / cap);
  col((i) => r.horizon[i]);
  col((i) => r.k[i]);
  for (const w of weather) col((i) => r.weather[w][i]);
  if (weather.includes("ghi")) {
    const ghi = r.weather.ghi;
    const kt = (i: number) => (r.geo.clearGhi[i] > 10 ? Math.min(2, Math.max(0, ghi[i] / r.geo.clearGhi[i])) : NaN);
    col(kt);
    col((i) => (isKnown(kt(i)) ? (kt(i) * r.geo.clearKwh[i]) / cap : NaN));
    col((i) => (isKnown(kt(i)) ? kt(i) * base[i] / cap : NaN));
  }
  return cols;
}


export interface FleetSiteInput {
  /** Key of the site in the fitted fleet. */
  id: string;
  site: HybridSite;
  series: HybridSeries;
  /** Issue time of the forecast of each target hour (e.g. the site's local midnight before it). */
  issueTimeOf: (ts: number) => number;
}

export interface FleetOptions extends Omit<HybridOptions, "issueTimeOf"> {
  /**
   * "prophet" (default): per-site Prophet baselines, the GBDT learns their capacity-normalised residuals.
   * "none": no per-site model at all; the GBDT learns energy / capacity directly from site-agnostic,
   * clear-sky-relative features. That is the fleet → site transfer model for sites with little history.
   */
  baseline?: "prophet" | "none";
  /** Threads for the per-site Prophet fits (default: the machine's cores). */
  threads?: number;
  /** Per site id: an earlier Prophet fit of the site for Stan to start from (see ProphetFitInput.start). */
  prophetStarts?: ReadonlyMap<string, ProphetStart>;
}

/** One GBDT and one interval calibration shared by the fleet; a `HybridModel` per site. */
export interface HybridFleet {
  models: Map<string, HybridModel>;
  gbdt: GbdtModel;
  calibration: ConformalCalibration | null;
  baseline: "prophet" | "none";
  fitInfo: HybridFitInfo;
  /** Sites left out because their Prophet fit failed, with the reason. */
  failed: {id: string; reason: string}[];
  free(): void;
}

/**
 * Fits the fleet: per site, Prophet on its fit slice (unless `baseline: "none"`); one GBDT on the pooled,
 * capacity-normalised residuals of every site (early-stopped on each site's last `validationFraction`);
 * one conformal calibration on the pooled out-of-sample residuals of every site's calibration slice
 * (the residuals are divided by the hour's clear sky, so sites of any size pool). See the header.
 */
export async function fitHybridFleet(inputs: readonly FleetSiteInput[], options: FleetOptions): Promise<HybridFleet> {
  return finishHybridFleet(startHybridFleet(inputs, options));
}

/**
 * A fleet fit whose Prophet half is under way: the per-site splits are made and the Prophet fits
 * run on worker threads. `finishHybridFleet` waits for them and trains the GBDT and calibration on
 * this thread, so a caller with several fits to do (the backtest's origins) can start the next
 * one's Prophet fits while this thread finishes the current one.
 */
export interface StartedFleet {
  /** Settles when the Prophet fits are done (at once without a baseline). */
  readonly baselinesDone: Promise<void>;
  /** Once the Prophet fits are done: each fitted site's start point for a later fit (none without a baseline). */
  readonly prophetStarts: Promise<Map<string, ProphetStart>>;
  /** @internal */
  readonly state: StartState;
}

interface StartState {
  options: FleetOptions;
  weatherNames: string[];
  prophetWeather: string[];
  splits: SiteSplit[];
  fitted: Promise<(ProphetBaseline | Error | null)[]>;
  prophetMs: () => number;
}

interface SiteSplit {
  input: FleetSiteInput;
  history: HybridSeries;
  fitIdx: number[];
  calIdx: number[];
  fitTs: Float64Array;
  fitGeo: HourGeometry;
  prophetInput: ProphetFitInput;
}

/** Checks the inputs, splits every site by time and starts the Prophet fits. Throws on bad input or too little data. */
export function startHybridFleet(inputs: readonly FleetSiteInput[], options: FleetOptions): StartedFleet {
  const calFrac = options.calibrationFraction ?? 0.2;
  const valFrac = options.validationFraction ?? 0.15;
  const mode = options.baseline ?? "prophet";
  if (inputs.length === 0) throw new RangeError("hybrid: no sites to fit");
  if (!(calFrac >= 0 && calFrac < 1) || !(valFrac > 0 && valFrac < 1)) throw new RangeError("hybrid: fractions must be in [0, 1)");
  const weatherNames = Object.keys(inputs[0].series.weather ?? {}).sort();
  for (const input of inputs) {
    if (!(input.site.capacityKw > 0)) throw new RangeError(`hybrid: capacityKw of ${input.id} must be > 0`);
    const names = Object.keys(input.series.weather ?? {}).sort();
    if (names.join() !== weatherNames.join()) throw new RangeError(`hybrid: site ${input.id} has weather [${names}], the fleet [${weatherNames}]`);
  }
  const prophetWeather = mode === "none" ? [] : (options.prophetWeather ?? (weatherNames.includes("ghi") ? ["ghi"] : [])).filter((w) => weatherNames.includes(w));
  const pick = (idx: number[], v: ArrayLike<number>) => Float64Array.from(idx, (i) => v[i]);
  // Per site: the split by time, and Prophet's fit input.
  const splits = inputs.map((input): SiteSplit => {
    const {site, series} = input;
    // Training hours: before trainEnd, energy known, weather known (for the names given).
    const trainIdx: number[] = [];
    for (let i = 0; i < series.ts.length; i++) {
      if (series.ts[i] >= options.trainEnd) break;
      if (!isKnown(series.energy[i])) continue;
      if (weatherNames.some((w) => !isKnown(series.weather![w][i]))) continue;
      trainIdx.push(i);
    }
    if (trainIdx.length < 48) throw new RangeError(`hybrid: site ${input.id} has only ${trainIdx.length} usable training hours`);
    const t0 = series.ts[trainIdx[0]];
    const t1 = series.ts[trainIdx[trainIdx.length - 1]] + HOUR_MS;
    const calStart = calFrac > 0 ? Math.floor((t1 - (t1 - t0) * calFrac) / HOUR_MS) * HOUR_MS : t1;
    const fitIdx = trainIdx.filter((i) => series.ts[i] < calStart);
    const calIdx = trainIdx.filter((i) => series.ts[i] >= calStart);
    // The history the fit may look at: nothing at or after trainEnd.
    const cut = trainIdx[trainIdx.length - 1] + 1;
    const history: HybridSeries = {ts: Array.prototype.slice.call(series.ts, 0, cut), energy: Array.prototype.slice.call(series.energy, 0, cut)};
    const fitTs = pick(fitIdx, series.ts);
    const fitGeo = hourGeometry(site, fitTs);
    const regressors: Record<string, Float64Array> = {clear_ghi: fitGeo.clearGhi};
    for (const w of prophetWeather) regressors[w] = pick(fitIdx, series.weather![w]);
    const prophetInput: ProphetFitInput = {
      ds: fitTs, y: pick(fitIdx, series.energy).map((y) => Math.min(site.capacityKw, Math.max(0, y))), capacityKw: site.capacityKw, regressors,
      sunUp: Array.from(fitGeo.sunUp, (u) => u === 1), params: prophetParamsFor(fitTs, options.prophet),
      start: options.prophetStarts?.get(input.id)
    };
    return {input, history, fitIdx, calIdx, fitTs, fitGeo, prophetInput};
  });
  const p0 = performance.now();
  let p1 = p0;
  const fitted: Promise<(ProphetBaseline | Error | null)[]> =
    mode === "prophet" ? fitProphetBaselines(splits.map((s) => s.prophetInput), {threads: options.threads}) : Promise.resolve(splits.map(() => null));
  const baselinesDone = fitted.then(() => void (p1 = performance.now()));
  // A caller that never finishes this fit (it stopped on another error) must not see an unhandled rejection.
  baselinesDone.catch(() => {});
  const prophetStarts = fitted.then(
    (models) => new Map(models.flatMap((m, k) => (m instanceof ProphetBaseline ? [[splits[k].input.id, m.startPoint()] as const] : []))),
    () => new Map<string, ProphetStart>()
  );
  return {baselinesDone, prophetStarts, state: {options, weatherNames, prophetWeather, splits, fitted, prophetMs: () => p1 - p0}};
}

/** Waits for the Prophet fits, then trains the fleet's GBDT and calibrates its intervals (see fitHybridFleet). */
export async function finishHybridFleet(started: StartedFleet): Promise<HybridFleet> {
  const {options, weatherNames, prophetWeather, splits} = started.state;
  const fitted = await started.state.fitted;
  await started.baselinesDone;
  const prophetMs = started.state.prophetMs();
  const horizonH = options.horizonH ?? 48;
  const leadDays = Math.max(1, Math.ceil(horizonH / 24));
  const valFrac = options.validationFraction ?? 0.15;
  const mode = options.baseline ?? "prophet";
  const pick = (idx: number[], v: ArrayLike<number>) => Float64Array.from(idx, (i) => v[i]);
  interface Prepared {input: FleetSiteInput; history: HybridSeries; fitIdx: number[]; calIdx: number[]; model: HybridModel}
  const prepared: Prepared[] = [];
  const trainParts: {feats: Float64Array[]; target: Float64Array}[] = [];
  const validParts: {feats: Float64Array[]; target: Float64Array}[] = [];
  let fitHours = 0;
  let fitFirst = Infinity, fitLast = -Infinity, calFirst = Infinity, calLast = -Infinity;
  // A site whose Prophet fit fails leaves the fleet (the caller can forecast it by transfer); the rest go on.
  const failed = splits.flatMap((s, k) => (fitted[k] instanceof Error ? [{id: s.input.id, reason: (fitted[k] as Error).message}] : []));
  if (failed.length === splits.length) throw new RangeError(`hybrid: every Prophet fit failed: ${failed.map((f) => `${f.id}: ${f.reason}`).join("; ")}`);

  for (const [k, {input, history, fitIdx, calIdx, fitTs, fitGeo}] of splits.entries()) {
    const prophet = fitted[k];
    if (prophet instanceof Error) continue;
    await yieldToEventLoop();
    const {site, series} = input;
    const model = new HybridModel(site, prophet, null as unknown as GbdtModel, weatherNames, prophetWeather, input.issueTimeOf);
    // GBDT rows: daytime fit hours, target = capacity-normalised residual of the (clipped) baseline.
    const dayIdx = fitIdx.filter((_, j) => fitGeo.sunUp[j] === 1);
    const rows = model.rows(pick(dayIdx, series.ts), Object.fromEntries(weatherNames.map((w) => [w, pick(dayIdx, series.weather![w])])), history);
    const base = model.baseline(rows);
    const feats = features(rows, base, site.capacityKw, weatherNames);
    const target = Float64Array.from(dayIdx, (i, j) => (series.energy[i] - base[j]) / site.capacityKw);
    const nTrain = Math.floor(dayIdx.length * (1 - valFrac));
    trainParts.push({feats: feats.map((c) => c.subarray(0, nTrain)), target: target.subarray(0, nTrain)});
    validParts.push({feats: feats.map((c) => c.subarray(nTrain)), target: target.subarray(nTrain)});
    prepared.push({input, history, fitIdx, calIdx, model});
    fitHours += fitIdx.length;
    fitFirst = Math.min(fitFirst, fitTs[0]);
    fitLast = Math.max(fitLast, fitTs[fitTs.length - 1]);
    if (calIdx.length > 0) {
      calFirst = Math.min(calFirst, series.ts[calIdx[0]]);
      calLast = Math.max(calLast, series.ts[calIdx[calIdx.length - 1]]);
    }
  }

  const names = featureNames(weatherNames);
  const concat = (parts: {feats: Float64Array[]; target: Float64Array}[]) => ({
    features: names.map((_, f) => concatArrays(parts.map((p) => p.feats[f]))),
    target: concatArrays(parts.map((p) => p.target)),
    names
  });
  const train = concat(trainParts);
  const valid = concat(validParts);
  const g0 = performance.now();
  const gbdt = await trainGbdt(train, gbdtParamsFor(train.target.length, options.gbdt), {validation: valid});
  const gbdtMs = performance.now() - g0;

  // Out-of-sample forecasts of every site's calibration slice, issued as at test time, calibrate the intervals.
  const cal = {predicted: [] as Float64Array[], actual: [] as Float64Array[], clearSky: [] as Float64Array[], horizonH: [] as Float64Array[], capacity: [] as Float64Array[]};
  const models = new Map<string, HybridModel>();
  for (const p of prepared) {
    const model = new HybridModel(p.input.site, p.model.prophet, gbdt, weatherNames, prophetWeather, p.input.issueTimeOf);
    models.set(p.input.id, model);
    if (p.calIdx.length === 0) continue;
    await yieldToEventLoop();
    const w = p.input.series.weather;
    const ts = pick(p.calIdx, p.input.series.ts);
    const weather = Object.fromEntries(weatherNames.map((n) => [n, pick(p.calIdx, w![n])]));
    const actual = pick(p.calIdx, p.input.series.energy);
    // Lead day d: issued d issues before the hour's own (the training weather stands in for that older forecast's).
    let issueOf = p.input.issueTimeOf;
    for (let d = 0; d < leadDays; d++) {
      const f = model.predict({ts, weather, history: p.history, issueTime: issueOf});
      // Hours with the sun down are forecast 0 with a 0-wide interval whatever the calibration; their
      // zero residuals would only shrink the low-sun bucket that the first and last daylight hours use.
      const keep = Array.from({length: ts.length}, (_, i) => i).filter((i) => f.horizonH[i] <= horizonH && f.sunUp[i] === 1);
      cal.predicted.push(pick(keep, f.prediction));
      cal.actual.push(pick(keep, actual));
      cal.clearSky.push(pick(keep, f.clearSky_kwh));
      cal.horizonH.push(pick(keep, f.horizonH));
      cal.capacity.push(new Float64Array(keep.length).fill(p.input.site.capacityKw));
      const before = issueOf;
      issueOf = (t) => p.input.issueTimeOf(before(t) - 1);
    }
  }
  const calibrationRows = cal.actual.reduce((a, c) => a + c.length, 0);
  const calibration = calibrationRows > 0
    ? calibrateConformal(
        {predicted: concatArrays(cal.predicted), actual: concatArrays(cal.actual), clearSky: concatArrays(cal.clearSky), horizonH: concatArrays(cal.horizonH), capacity: concatArrays(cal.capacity)},
        options.conformal
      )
    : null;
  const fitInfo: HybridFitInfo = {
    fitHours, gbdtTrainRows: train.target.length, gbdtValidRows: valid.target.length, calibrationRows,
    gbdtRounds: gbdt.history?.bestRound ?? 0,
    fitSlice: [fitFirst, fitLast],
    calibrationSlice: calibrationRows > 0 ? [calFirst, calLast] : null,
    prophetMs, gbdtMs
  };
  for (const m of models.values()) {
    m.calibration = calibration;
    m.fitInfo = fitInfo;
  }
  return {models, gbdt, calibration, baseline: mode, fitInfo, failed, free: () => models.forEach((m) => m.free())};
}

/**
 * Rows each tree of the fleet GBDT is grown on, at most: past this the per-round subsample shrinks
 * so that a tree costs the same however large the fleet (every row still serves across the rounds).
 * Measured at 100 demo sites on the last 3 backtest origins with a subsample of 0.4 against 0.8
 * (the cap gives 0.41 at the last origin's 610k training rows): fleet hybrid nRMSE 10.579 against
 * 10.584 %, 80 % coverage 0.775 against 0.776, the fits 20 % faster. The demo's 8 sites stay under it.
 */
export const GBDT_MAX_ROWS_PER_TREE = 250_000;

function gbdtParamsFor(trainRows: number, given: Partial<GbdtParams> | undefined): Partial<GbdtParams> {
  const params = {...DEFAULT_HYBRID_GBDT, ...given};
  // A subsample the caller set is theirs; the default one is capped.
  if (given?.subsample !== undefined) return params;
  return {...params, subsample: Math.min(params.subsample ?? 1, GBDT_MAX_ROWS_PER_TREE / trainRows)};
}

/** Fit history (days) below which Prophet gets no yearly cycle of its own, unless the caller sets one. */
export const MIN_YEARLY_HISTORY_DAYS = 365;

/**
 * Prophet's settings for one site's fit slice. Under a year of history a yearly Fourier series is
 * unidentified (seven harmonics fitted to a few weeks extrapolate anywhere), so it is left out and
 * the clear-sky regressor carries the season, as Python Prophet's auto setting does below two years.
 * Measured on the demo's accuracy-versus-history curve (au-sydney, June 2026): with a yearly cycle,
 * 7/14/30/60/120/240 days of history gave nMAE 19/27/16/25/9/20 %, no better with more data; without
 * it 19/20/12/8.4/7.5/7.8 %.
 */
function prophetParamsFor(fitTs: Float64Array, params: Partial<ProphetParams> | undefined): Partial<ProphetParams> | undefined {
  const days = fitTs.length ? (fitTs[fitTs.length - 1] - fitTs[0]) / DAY_MS : 0;
  if (days >= MIN_YEARLY_HISTORY_DAYS || params?.yearlyOrder !== undefined) return params;
  return {...params, yearlyOrder: 0};
}

/** One site alone: the fleet of one (kept for single-site use and the accuracy benchmark). */
export async function fitHybrid(site: HybridSite, series: HybridSeries, options: HybridOptions): Promise<HybridModel> {
  const fleet = await fitHybridFleet([{id: "site", site, series, issueTimeOf: options.issueTimeOf}], options);
  return fleet.models.get("site")!;
}

function concatArrays(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const FLEET_MODEL_FORMAT = "sunline-hybrid-fleet";
export const FLEET_MODEL_VERSION = 1;

/** A fitted fleet as JSON: per site its settings, Prophet (rows + Stan's optimum) and issue rule; the shared GBDT and calibration. */
export interface HybridFleetJson {
  format: typeof FLEET_MODEL_FORMAT;
  version: typeof FLEET_MODEL_VERSION;
  baseline: "prophet" | "none";
  weatherNames: string[];
  prophetWeather: string[];
  gbdt: GbdtModelJson;
  /** ±Infinity bounds written as ±1e308. */
  calibration: ConformalCalibration | null;
  fitInfo: HybridFitInfo;
  sites: {id: string; site: HybridSite; timezone: string; issueHourLocal: number; prophet: ProphetBaselineJson | null}[];
}

/** `issueRule(id)`: the time zone and local issue hour of a site, so that `fleetFromJSON` can rebuild `issueTimeOf`. */
export function fleetToJSON(fleet: HybridFleet, issueRule: (id: string) => {timezone: string; issueHourLocal: number}): HybridFleetJson {
  const first = fleet.models.values().next().value!;
  const finite = (x: number) => (x === Infinity ? 1e308 : x === -Infinity ? -1e308 : x);
  return {
    format: FLEET_MODEL_FORMAT,
    version: FLEET_MODEL_VERSION,
    baseline: fleet.baseline,
    weatherNames: [...first.weatherNames],
    prophetWeather: [...first.prophetWeather],
    gbdt: fleet.gbdt.toJSON(),
    calibration: fleet.calibration && {
      ...fleet.calibration,
      buckets: fleet.calibration.buckets.map((b) => ({...b, quantiles: b.quantiles.map((q) => ({...q, lower: finite(q.lower), upper: finite(q.upper)}))}))
    },
    fitInfo: fleet.fitInfo,
    sites: [...fleet.models].map(([id, m]) => ({id, site: m.site, ...issueRule(id), prophet: m.prophet?.toJSON() ?? null}))
  };
}

/** Rebuilds a fleet that predicts exactly as the saved one did (Prophet from its saved optimum, not refitted). */
export function fleetFromJSON(json: HybridFleetJson): HybridFleet {
  if (json?.format !== FLEET_MODEL_FORMAT || json.version !== FLEET_MODEL_VERSION)
    throw new RangeError(`hybrid: not a ${FLEET_MODEL_FORMAT} v${FLEET_MODEL_VERSION} model (format ${JSON.stringify(json?.format)}, version ${JSON.stringify(json?.version)})`);
  const gbdt = GbdtModel.fromJSON(json.gbdt);
  const infinite = (x: number) => (x >= 1e308 ? Infinity : x <= -1e308 ? -Infinity : x);
  const calibration = json.calibration && {
    ...json.calibration,
    buckets: json.calibration.buckets.map((b) => ({...b, quantiles: b.quantiles.map((q) => ({...q, lower: infinite(q.lower), upper: infinite(q.upper)}))}))
  };
  const models = new Map<string, HybridModel>();
  for (const s of json.sites) {
    const prophet = s.prophet ? ProphetBaseline.fromJSON(s.prophet) : null;
    const m = new HybridModel(s.site, prophet, gbdt, json.weatherNames, json.prophetWeather, localIssueTimes(s.timezone, s.issueHourLocal));
    m.calibration = calibration;
    m.fitInfo = json.fitInfo;
    models.set(s.id, m);
  }
  return {models, gbdt, calibration, baseline: json.baseline, fitInfo: json.fitInfo, failed: [], free: () => models.forEach((m) => m.free())};
}

/** The fleet's shared GBDT and calibration applied to a site it was not fitted on, with no baseline: the transfer forecast. */
export function transferModelFor(fleet: HybridFleet, site: HybridSite, issueTimeOf: (ts: number) => number): HybridModel {
  if (fleet.baseline !== "none") throw new RangeError('hybrid: only a fleet fitted with baseline "none" transfers to a new site');
  const first = fleet.models.values().next().value!;
  const m = new HybridModel(site, null, fleet.gbdt, first.weatherNames, [], issueTimeOf);
  m.calibration = fleet.calibration;
  m.fitInfo = fleet.fitInfo;
  return m;
}
