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
import {smartPersistenceWith} from "./baselines.ts";
import {HOUR_MS, isKnown} from "./series.ts";
import {fitProphetBaseline, type ProphetBaseline, type ProphetParams} from "../models/prophet/index.ts";
import {trainGbdt, type GbdtModel, type GbdtParams} from "../models/gbdt/index.ts";
import {ineichenPerezGhi, extraterrestrialNormal} from "../solar/clearSky.ts";
import {solarPosition} from "../solar/solarPosition.ts";

const DEG = Math.PI / 180;
/** Sub-samples per hour for hour-mean solar geometry and clear sky. */
const STEPS = 6;

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
}

export interface HybridForecast {
  ts: Float64Array;
  issueTime: Float64Array;
  /** Hours from the issue time to the end of the target hour. */
  horizonH: Float64Array;
  prediction: Float64Array;
  /** Prophet's forecast (clipped to [0, capacity], 0 at night). */
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
  seed: 1,
  threads: 1
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
  const tilt = (site.tilt ?? 0) * DEG;
  const panelAz = (site.azimuth ?? 180) * DEG;
  const alt = site.altitudeM ?? 0;
  const tl = site.linkeTurbidity ?? 3;
  const g: HourGeometry = {
    sunUp: new Uint8Array(n), elevation: new Float64Array(n), azimuth: new Float64Array(n), cosIncidence: new Float64Array(n),
    clearGhi: new Float64Array(n), clearPoa: new Float64Array(n), clearKwh: new Float64Array(n)
  };
  for (let i = 0; i < n; i++) {
    let up = false;
    let elev = 0, sx = 0, sy = 0, cosi = 0, ghi = 0, poa = 0;
    for (let s = 0; s < STEPS; s++) {
      const p = solarPosition(ts[i] + ((s + 0.5) / STEPS) * HOUR_MS, site.lat, site.lon);
      elev += p.elevation / STEPS;
      sx += Math.sin(p.azimuth * DEG);
      sy += Math.cos(p.azimuth * DEG);
      if (p.elevation <= 0) continue;
      up = true;
      const z = p.zenith * DEG;
      const ci = Math.max(0, Math.cos(z) * Math.cos(tilt) + Math.sin(z) * Math.sin(tilt) * Math.cos(p.azimuth * DEG - panelAz));
      const gh = ineichenPerezGhi(p.apparentZenith, tl, alt, extraterrestrialNormal(p.earthSunDistance));
      // Split the clear-sky GHI into 85 % beam / 15 % diffuse, isotropic sky, albedo 0.2.
      const dhi = 0.15 * gh;
      const dni = Math.cos(z) > 0.01 ? (gh - dhi) / Math.cos(z) : 0;
      cosi += ci / STEPS;
      ghi += gh / STEPS;
      poa += (dni * ci + (dhi * (1 + Math.cos(tilt))) / 2 + (0.2 * gh * (1 - Math.cos(tilt))) / 2) / STEPS;
    }
    if (solarPosition(ts[i] + HOUR_MS, site.lat, site.lon).elevation > 0) up = true;
    g.sunUp[i] = up ? 1 : 0;
    g.elevation[i] = elev;
    g.azimuth[i] = ((Math.atan2(sx, sy) / DEG) + 360) % 360;
    g.cosIncidence[i] = cosi;
    g.clearGhi[i] = ghi;
    g.clearPoa[i] = poa;
    g.clearKwh[i] = Math.min(site.capacityKw, (site.capacityKw * poa) / 1000);
  }
  return g;
}

/** Smart persistence's index k at an issue time, from history known then (clipped, recent daytime hours). */
const recentIndex = smartPersistenceWith({daytimeHours: 6, lookbackDays: 7});

/** k (recent clear-sky index) per distinct issue time, computed from `history` cut at each issue time. */
function recentK(history: {ts: ArrayLike<number>; energy: ArrayLike<number>; clearKwh: ArrayLike<number>}, issues: Float64Array): Float64Array {
  const cache = new Map<number, number>();
  const out = new Float64Array(issues.length);
  const one = {ts: [0], clearSky: [1]};
  for (let i = 0; i < issues.length; i++) {
    const issue = issues[i];
    let k = cache.get(issue);
    if (k === undefined) {
      one.ts[0] = Math.floor(issue / HOUR_MS) * HOUR_MS; // any target hour: k × clearSky 1 = k
      k = recentIndex({ts: history.ts, energy: history.energy, clearSky: history.clearKwh}, one, issue)[0];
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
    readonly prophet: ProphetBaseline,
    readonly gbdt: GbdtModel,
    readonly weatherNames: string[],
    readonly prophetWeather: string[],
    readonly issueTimeOf: (ts: number) => number
  ) {
    this.featureNames = featureNames(weatherNames);
  }

  /** @internal */
  rows(ts: ArrayLike<number>, weather: Record<string, ArrayLike<number>> | undefined, history: HybridSeries, issueOverride?: number): Rows {
    const n = ts.length;
    const t = Float64Array.from(ts);
    const issue = new Float64Array(n);
    const horizon = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      issue[i] = issueOverride ?? this.issueTimeOf(t[i]);
      horizon[i] = (t[i] + HOUR_MS - issue[i]) / HOUR_MS;
      if (!(horizon[i] >= 1)) throw new RangeError(`hybrid: hour ${new Date(t[i]).toISOString()} starts before its issue time ${new Date(issue[i]).toISOString()}`);
    }
    const w: Record<string, Float64Array> = {};
    for (const name of this.weatherNames) {
      const v = weather?.[name];
      if (!v || v.length !== n) throw new RangeError(`hybrid: weather "${name}" needs one value per target hour`);
      w[name] = Float64Array.from(v);
    }
    const geo = hourGeometry(this.site, t);
    const histGeo = hourGeometry(this.site, history.ts);
    const k = recentK({ts: history.ts, energy: history.energy, clearKwh: histGeo.clearKwh}, issue);
    return {ts: t, issue, horizon, geo, weather: w, k};
  }

  /**
   * Forecasts `ts` (each hour issued at `issueTimeOf(ts)`, or at `issueTime` for all). `history` is the
   * observed series; only hours known at each issue time are used (`knownAt`), whatever it holds.
   */
  predict(input: {ts: ArrayLike<number>; weather?: Record<string, ArrayLike<number>>; history: HybridSeries; issueTime?: number; topContributions?: number}): HybridForecast {
    const r = this.rows(input.ts, input.weather, input.history, input.issueTime);
    const n = r.ts.length;
    const cap = this.site.capacityKw;
    const base = this.baseline(r);
    const feats = features(r, base, cap, this.weatherNames);
    const corr = n > 0 ? this.gbdt.predict(feats) : new Float64Array(0);
    const out: HybridForecast = {
      ts: r.ts, issueTime: r.issue, horizonH: r.horizon, prediction: new Float64Array(n), baseline_kwh: base,
      correction_kwh: new Float64Array(n), unclipped: new Float64Array(n), clearSky_kwh: r.geo.clearKwh, sunUp: r.geo.sunUp, intervals: []
    };
    for (let i = 0; i < n; i++) {
      if (!r.geo.sunUp[i]) continue;
      out.correction_kwh[i] = corr[i] * cap;
      out.unclipped[i] = base[i] + out.correction_kwh[i];
      out.prediction[i] = Math.min(cap, Math.max(0, out.unclipped[i]));
    }
    if (this.calibration) {
      out.intervals = conformalIntervals(this.calibration, {predicted: out.prediction, clearSky: r.geo.clearKwh, horizonH: r.horizon, capacity: cap});
      for (const iv of out.intervals) for (let i = 0; i < n; i++) if (!r.geo.sunUp[i]) iv.lower[i] = iv.upper[i] = 0;
    }
    const top = input.topContributions ?? 0;
    if (top > 0 && n > 0) {
      const phi = this.gbdt.contributions(feats);
      out.contributions = phi.map((row, i) => {
        if (!r.geo.sunUp[i]) return [];
        return this.featureNames
          .map((feature, f) => ({feature, kwh: row[f] * cap}))
          .sort((a, b) => Math.abs(b.kwh) - Math.abs(a.kwh))
          .slice(0, top);
      });
    }
    return out;
  }

  /** @internal */
  baseline(r: Rows): Float64Array {
    const regressors: Record<string, Float64Array> = {clear_ghi: r.geo.clearGhi};
    for (const name of this.prophetWeather) regressors[name] = r.weather[name];
    return this.prophet.predict({ds: r.ts, regressors, sunUp: Array.from(r.geo.sunUp, (u) => u === 1)}).yhat;
  }

  free(): void {
    this.prophet.free();
  }
}

function featureNames(weather: string[]): string[] {
  const names = ["hour_utc", "doy_sin", "doy_cos", "elevation", "azimuth", "cos_incidence", "clear_share", "baseline_share", "horizon_h", "recent_k"];
  for (const w of weather) names.push(w);
  if (weather.includes("ghi")) names.push("ghi_clear_index", "ghi_poa_share", "ghi_x_baseline");
  return names;
}

function features(r: Rows, base: Float64Array, cap: number, weather: string[]): Float64Array[] {
  const n = r.ts.length;
  const cols: Float64Array[] = [];
  const col = (f: (i: number) => number) => cols.push(Float64Array.from({length: n}, (_, i) => f(i)));
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

/** Fits Prophet + GBDT on the fit slice and calibrates conformal intervals on the calibration slice (see the header). */
export async function fitHybrid(site: HybridSite, series: HybridSeries, options: HybridOptions): Promise<HybridModel> {
  const calFrac = options.calibrationFraction ?? 0.2;
  const valFrac = options.validationFraction ?? 0.15;
  if (!(site.capacityKw > 0)) throw new RangeError("hybrid: capacityKw must be > 0");
  if (!(calFrac >= 0 && calFrac < 1) || !(valFrac > 0 && valFrac < 1)) throw new RangeError("hybrid: fractions must be in [0, 1)");
  const weatherNames = Object.keys(series.weather ?? {}).sort();
  const prophetWeather = (options.prophetWeather ?? (weatherNames.includes("ghi") ? ["ghi"] : [])).filter((w) => weatherNames.includes(w));

  // Training hours: before trainEnd, energy known, weather known (for the names given).
  const trainIdx: number[] = [];
  for (let i = 0; i < series.ts.length; i++) {
    if (series.ts[i] >= options.trainEnd) break;
    if (!isKnown(series.energy[i])) continue;
    if (weatherNames.some((w) => !isKnown(series.weather![w][i]))) continue;
    trainIdx.push(i);
  }
  if (trainIdx.length < 48) throw new RangeError(`hybrid: only ${trainIdx.length} usable training hours`);
  const t0 = series.ts[trainIdx[0]];
  const t1 = series.ts[trainIdx[trainIdx.length - 1]] + HOUR_MS;
  const calStart = calFrac > 0 ? Math.floor((t1 - (t1 - t0) * calFrac) / HOUR_MS) * HOUR_MS : t1;
  const fitIdx = trainIdx.filter((i) => series.ts[i] < calStart);
  const calIdx = trainIdx.filter((i) => series.ts[i] >= calStart);
  // The history the fit may look at: nothing at or after trainEnd.
  const cut = trainIdx[trainIdx.length - 1] + 1;
  const history: HybridSeries = {ts: Array.prototype.slice.call(series.ts, 0, cut), energy: Array.prototype.slice.call(series.energy, 0, cut)};
  const pick = (idx: number[], v: ArrayLike<number>) => Float64Array.from(idx, (i) => v[i]);

  const fitTs = pick(fitIdx, series.ts);
  const fitY = pick(fitIdx, series.energy);
  const fitW = Object.fromEntries(weatherNames.map((w) => [w, pick(fitIdx, series.weather![w])]));
  const fitGeo = hourGeometry(site, fitTs);
  const p0 = performance.now();
  const regressors: Record<string, Float64Array> = {clear_ghi: fitGeo.clearGhi};
  for (const w of prophetWeather) regressors[w] = fitW[w];
  const prophet = fitProphetBaseline({
    ds: fitTs, y: fitY.map((y) => Math.min(site.capacityKw, Math.max(0, y))), capacityKw: site.capacityKw, regressors,
    sunUp: Array.from(fitGeo.sunUp, (u) => u === 1), params: options.prophet
  });
  const prophetMs = performance.now() - p0;

  // GBDT rows: daytime fit hours, target = capacity-normalised residual of the (clipped) baseline.
  const probe = new HybridModel(site, prophet, null as unknown as GbdtModel, weatherNames, prophetWeather, options.issueTimeOf);
  const dayIdx = fitIdx.filter((_, j) => fitGeo.sunUp[j] === 1);
  const rows = probe.rows(pick(dayIdx, series.ts), Object.fromEntries(weatherNames.map((w) => [w, pick(dayIdx, series.weather![w])])), history);
  const base = probe.baseline(rows);
  const feats = features(rows, base, site.capacityKw, weatherNames);
  const target = Float64Array.from(dayIdx, (i, j) => (series.energy[i] - base[j]) / site.capacityKw);
  const nTrain = Math.floor(dayIdx.length * (1 - valFrac));
  const slice = (a: Float64Array, s: number, e: number) => a.subarray(s, e);
  const g0 = performance.now();
  const names = featureNames(weatherNames);
  const gbdt = await trainGbdt(
    {features: feats.map((c) => slice(c, 0, nTrain)), target: slice(target, 0, nTrain), names},
    {...DEFAULT_HYBRID_GBDT, ...options.gbdt},
    {validation: {features: feats.map((c) => slice(c, nTrain, dayIdx.length)), target: slice(target, nTrain, dayIdx.length), names}}
  );
  const gbdtMs = performance.now() - g0;

  const model = new HybridModel(site, prophet, gbdt, weatherNames, prophetWeather, options.issueTimeOf);
  model.fitInfo = {
    fitHours: fitIdx.length, gbdtTrainRows: nTrain, gbdtValidRows: dayIdx.length - nTrain, calibrationRows: 0,
    gbdtRounds: gbdt.history?.bestRound ?? 0,
    fitSlice: [fitTs[0], fitTs[fitTs.length - 1]],
    calibrationSlice: calIdx.length > 0 ? [series.ts[calIdx[0]], series.ts[calIdx[calIdx.length - 1]]] : null,
    prophetMs, gbdtMs
  };
  // Out-of-sample forecasts of the calibration slice, issued as at test time, calibrate the intervals.
  if (calIdx.length > 0) {
    const calTs = pick(calIdx, series.ts);
    const f = model.predict({ts: calTs, weather: Object.fromEntries(weatherNames.map((w) => [w, pick(calIdx, series.weather![w])])), history});
    const actual = pick(calIdx, series.energy);
    model.calibration = calibrateConformal(
      {predicted: f.prediction, actual, clearSky: f.clearSky_kwh, horizonH: f.horizonH, capacity: site.capacityKw},
      options.conformal
    );
    model.fitInfo.calibrationRows = calIdx.length;
  }
  return model;
}
