// Prophet baseline for hourly PV energy at one site: Prophet's model (design.ts) with augurs' WASM
// Stan optimizer. What the wrapper adds, and why:
//
// - Time is UTC milliseconds in and out, like the rest of the pipeline (the stamp of an hour is its
//   start, as in `production_hourly.ts`); Prophet works in Unix seconds, converted here. Stamps that look like seconds are refused, since
//   mixing the two units would silently put the series in January 1970.
// - Seasonalities are set explicitly (daily and yearly, with the Fourier orders in `params`; no
//   weekly cycle, since the sun keeps no week). Prophet's "auto" drops yearly seasonality below two
//   years of history, which is the usual case for a new site.
// - Night hours: `nightRows` decides whether they enter the fit. Measured on a synthetic year
//   (test/pipeline/models/prophet/baseline.test.ts checks both claims): without regressors,
//   leaving them out fits daytime 3.5x better (MAE 1.5 vs 5.3 kWh on a 100 kW site), since a few
//   Fourier terms cannot follow a curve that is flat for half of every day, and the always-zero
//   nights pull the additive yearly term towards zero. With a clear-sky irradiance regressor
//   (zero at night) keeping them is better (1.05 vs 1.35 fitted, 0.8 vs 3.1 on the next month):
//   the zeros pin trend and seasonality near zero and leave the daytime shape to the regressor;
//   without them the three share the daytime level and the trend drifts. "auto" (the default)
//   picks accordingly. In `predict`, night hours are forced to exactly 0 and everything is
//   clipped to [0, capacity].
// - Regressors are standardised here (mean and standard deviation over the fitted rows), not as
//   augurs would, over the *distinct* values.
// - Prediction intervals are empirical quantiles of the in-sample residuals by UTC hour of day,
//   not Prophet's simulated ones: augurs draws those from an unseeded RNG (different bounds on
//   every call), and its Gaussian noise has one width for dawn and noon alike.
// - Deterministic: same inputs, same outputs, bit for bit (design.ts fixes the column order Stan
//   sees). A model is its fitted rows, its parameters and Stan's optimum: `toJSON` keeps them and
//   `fromJSON` rebuilds the identical model without running Stan. Stan, the slow part, can run in
//   worker threads (parallel.ts): `prepareProphetFit` sets the problem up, `finish` takes the answer.
import {messages, SunlineError} from "../../messages.ts";
import {optimizer as wasmStan} from "./init.ts";
import {carriedInit, legacyCanonicalPositions, prophetComponents, prophetProblem, type ProphetDesign, type StanData, type StanInit} from "./design.ts";
import {stanDataJson} from "./stanJson.js";

/** Stan's optimizer settings (augurs' `OptimizeOpts`). */
export interface StanOptions {
  algorithm?: "lbfgs" | "bfgs" | "newton";
  seed: number;
  tolRelGrad: number;
}

export interface ProphetParams {
  /** Flexibility of the trend at its changepoints (Prophet's `changepoint_prior_scale`). */
  changepointPriorScale: number;
  /** Prior scale of the seasonal terms and the regressors' coefficients. */
  seasonalityPriorScale: number;
  /** `multiplicative`: seasonal terms and regressors scale the trend instead of adding to it. */
  seasonalityMode: "additive" | "multiplicative";
  /** Fourier order of the daily cycle; 0 turns it off. */
  dailyOrder: number;
  /** Fourier order of the yearly cycle; 0 turns it off. */
  yearlyOrder: number;
  /** Potential trend changepoints, spread over the first 80% of the history. */
  nChangepoints: number;
  /** Central probability covered by `lower`..`upper`, in (0, 1). */
  intervalWidth: number;
  /**
   * Night hours (sun below the horizon) in the fit: left out ("drop"), kept as the zeros they are
   * ("keep"), or "auto": "drop" without regressors, "keep" with them (see the header for why).
   */
  nightRows: "auto" | "drop" | "keep";
  /**
   * Stan's L-BFGS stops when the relative gradient falls below this many machine epsilons (its
   * `tol_rel_grad`). Stan's default, 1e7, spends two thirds of a fit's iterations creeping along
   * directions the data hardly pins down: on a 13,000-hour demo site 1e9 stopped after 145
   * iterations instead of 428, with the log posterior 1.4 lower (of 28,852) and the fitted trend
   * within 0.1 % of capacity, the same distance a different starting point lands.
   */
  tolRelGrad: number;
}

export const DEFAULT_PROPHET_PARAMS: Readonly<ProphetParams> = Object.freeze({
  changepointPriorScale: 0.05,
  seasonalityPriorScale: 10,
  seasonalityMode: "additive",
  // A day-time bell needs more harmonics than Prophet's default 4 to reach the dawn and dusk zeros.
  dailyOrder: 8,
  yearlyOrder: 6,
  nChangepoints: 25,
  intervalWidth: 0.8,
  nightRows: "auto",
  tolRelGrad: 1e9
});

/** Whether the sun is above the horizon during each hour: one flag per stamp, or a function of the UTC ms stamp. */
export type SunUp = ArrayLike<boolean> | ((utcMs: number) => boolean);

type Series = ArrayLike<number>;

export interface ProphetFitInput {
  /** Hour stamps in UTC **milliseconds**, strictly increasing, whole seconds. */
  ds: Series;
  /** Energy per hour (kWh, or any unit matching `capacityKw` × 1 h). Finite; drop missing hours first. */
  y: Series;
  /** Upper clip for every forecast, in the unit of `y` per hour. */
  capacityKw: number;
  /** Extra regressors (e.g. clear-sky or forecast GHI), one value per stamp; needed again in `predict`. */
  regressors?: Record<string, Series>;
  /** Which hours have the sun above the horizon; `params.nightRows` says what happens to the others. */
  sunUp: SunUp;
  params?: Partial<ProphetParams>;
  /**
   * Where Stan starts: an earlier fit of the same site (`ProphetBaseline.startPoint`), carried into
   * this fit's scaling (design.ts `carriedInit`), instead of Prophet's line through the first and
   * last points. Only the start: the optimum is still this data's. The earlier fit must have seen
   * only data this one may see (e.g. an earlier cutoff of the same series).
   */
  start?: ProphetStart;
}

/** A fitted model's optimum and scaling, all a later fit of the same site needs to start from it. */
export interface ProphetStart {
  readonly design: ProphetDesign;
  readonly optimum: ProphetOptimum;
  readonly scales: readonly RegressorScale[];
}

export interface ProphetPredictInput {
  /** Hour stamps in UTC milliseconds, strictly increasing. */
  ds: Series;
  /** The regressors named at fit time, one value per stamp. */
  regressors?: Record<string, Series>;
  /** Night hours (false) are forecast as exactly 0. */
  sunUp: SunUp;
}

export interface ProphetForecast {
  ds: Float64Array;
  /** Point forecast: 0 at night, otherwise Prophet's yhat clipped to [0, capacity]. */
  yhat: Float64Array;
  /** Interval bounds (`intervalWidth`), with the same night and clipping rules as `yhat`. */
  lower: Float64Array;
  upper: Float64Array;
  /**
   * Prophet's components, unclipped and not zeroed at night (so after clipping they no longer add
   * up to `yhat`). In multiplicative mode the seasonal and regressor components are relative
   * factors of the trend, as Prophet reports them. A disabled seasonality is all zeros.
   */
  trend: Float64Array;
  daily: Float64Array;
  yearly: Float64Array;
  regressors: Record<string, Float64Array>;
}

export interface ProphetFitInfo {
  /** Rows given, and rows fitted (the others were night hours). */
  rows: number;
  fittedRows: number;
  /** What `nightRows` resolved to. */
  nightRows: "drop" | "keep";
  /** Wall time of Prophet's fit plus the in-sample pass for the intervals. */
  fitMs: number;
}

export const PROPHET_MODEL_FORMAT = "sunline-prophet-baseline";
export const PROPHET_MODEL_VERSION = 3;

/** What `toJSON` writes: the fitted rows and settings, from which `fromJSON` rebuilds the same model. */
export interface ProphetBaselineJson {
  format: typeof PROPHET_MODEL_FORMAT;
  /** 3: the optimum's coefficients in design.ts's column order; 2: in the order Sunline sorted them into before (design.ts `legacyCanonicalPositions`); 1: no optimum. */
  version: typeof PROPHET_MODEL_VERSION | 2 | 1;
  capacityKw: number;
  params: ProphetParams;
  /** The fitted rows only (no night hours when they were dropped). */
  ds: number[];
  y: number[];
  sunUp: boolean[];
  regressors: Record<string, number[]>;
  /** Stan's optimum for these rows (versions 2 and 3); without it (version 1) `fromJSON` runs Stan again. */
  optimum?: ProphetOptimum;
}

/** What Stan's optimizer found: enough to rebuild the fitted model without running it again. */
export interface ProphetOptimum {
  k: number;
  m: number;
  sigmaObs: number;
  delta: number[];
  beta: number[];
  /** Fitted trend at the fitted rows (scaled); written by version 2, not needed. */
  trend?: number[];
}

/** The optimisation a fit asks Stan for (set up by `prepareProphetFit`, solved anywhere). */
export interface StanProblem {
  init: StanInit;
  data: StanData;
  opts: StanOptions;
  /**
   * Prophet's own starting point, when `init` was carried from an earlier fit: tried when Stan
   * fails from the carried one, so a warm start never costs a site its fit.
   */
  coldInit?: StanInit;
}

/** The starting points to try, in turn: the carried one, then Prophet's own (see StanProblem.coldInit). */
export function stanStarts(problem: StanProblem): {init: StanInit; label: string}[] {
  return problem.coldInit ? [{init: problem.init, label: " from the earlier fit"}, {init: problem.coldInit, label: ""}] : [{init: problem.init, label: ""}];
}

/** Stan's answer, as augurs' optimizer returns it (coefficients in the problem's column order). */
export interface StanAnswer {
  params: {k: number; m: number; sigmaObs: number; delta: ArrayLike<number>; beta: ArrayLike<number>};
}

/**
 * Fixed seed for Stan's random number generator. Prophet hands Stan explicit initial values, so it
 * should not matter; fixing it rules it out.
 */
const OPTIMIZER_SEED = 20240601;
/** Residuals needed in an hour-of-day bin before its own quantiles are used instead of the pooled ones. */
const MIN_RESIDUALS_PER_HOUR = 30;
const MS_PER_HOUR = 3_600_000;
/** 1973-03-03 in ms, 5138 AD in seconds: below it, a stamp is almost surely in seconds. */
const MIN_PLAUSIBLE_MS = 1e11;

/** Fits on the calling thread (Stan included). */
export function fitProphetBaseline(input: ProphetFitInput): ProphetBaseline {
  const started = performance.now();
  const fit = prepareProphetFit(input);
  const model = fit.finish(solveHere(fit.problem));
  model.fitInfo.fitMs = performance.now() - started;
  return model;
}

/** A fit split in two: `problem` for Stan (any thread), then `finish` with Stan's answer to it. */
export interface PreparedProphetFit {
  problem: StanProblem;
  finish(answer: StanAnswer): ProphetBaseline;
}

/** Validates and sets up a fit without running Stan: see parallel.ts. */
export function prepareProphetFit(input: ProphetFitInput): PreparedProphetFit {
  const started = performance.now();
  const {data, capacityKw, params, info} = prepareRows(input);
  const scales = regressorScales(data.regressors);
  const {design, data: stan, init: coldInit} = prophetProblem({ds: data.ds, y: data.y, regressors: scaledRegressors(scales, data.regressors)}, params);
  const carried = input.start ? carriedStart(input.start, design, scales) : null;
  const problem: StanProblem = {init: carried ?? coldInit, data: stan, opts: {seed: OPTIMIZER_SEED, tolRelGrad: params.tolRelGrad}, ...(carried ? {coldInit} : {})};
  const setupMs = performance.now() - started;
  return {
    problem,
    finish(answer) {
      const t0 = performance.now();
      const model = new ProphetBaseline(capacityKw, params, scales, data, design, optimumOf(answer));
      model.calibrate(stan.X);
      model.fitInfo = {...info, fitMs: setupMs + performance.now() - t0};
      return model;
    }
  };
}

/**
 * L-BFGS, then BFGS when it stops on a failed line search (Python Prophet falls back likewise): it
 * happens on series with long flat stretches, e.g. output clipped at capacity for days. (Newton,
 * Python's fallback, can trap inside the wasm here; parallel.ts tries it in a disposable worker.)
 */
function solveHere(problem: StanProblem): StanAnswer {
  const json = stanDataJson(problem.data);
  const errors: string[] = [];
  for (const {init, label} of stanStarts(problem)) {
    for (const algorithm of ["lbfgs", "bfgs"] as const) {
      try {
        return wasmStan.optimize(init, json, {...problem.opts, algorithm}) as StanAnswer;
      } catch (error) {
        errors.push(`${algorithm}${label}: ${errorText(error)}`);
      }
    }
  }
  throw new SunlineError(messages.prophetFitFailed(errors.join("; ")));
}

function prepareRows(input: ProphetFitInput): {data: FitData; capacityKw: number; params: ProphetParams; info: ProphetFitInfo} {
  const params = resolveParams(input.params);
  const capacityKw = input.capacityKw;
  if (!(Number.isFinite(capacityKw) && capacityKw > 0)) throw new SunlineError(messages.prophetBadCapacity(capacityKw));
  const n = checkStamps("fit", input.ds);
  if (n < 2) throw new SunlineError(messages.prophetTooFewRows("fit input", n));
  checkSeries("fit", "y", input.y, n, input.ds);
  const regressors = input.regressors ?? {};
  for (const [name, values] of Object.entries(regressors)) checkSeries("fit", `regressor "${name}"`, values, n, input.ds);
  const up = resolveSunUp("fit", input.sunUp, input.ds);
  const nightRows = params.nightRows === "auto" ? (Object.keys(regressors).length > 0 ? "keep" : "drop") : params.nightRows;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (up[i] || nightRows === "keep") rows.push(i);
  if (rows.length < 2) throw new SunlineError(messages.prophetTooFewRows("fit input after leaving out night hours", rows.length));
  const pick = <T>(values: ArrayLike<T>) => rows.map((i) => values[i]);
  const data: FitData = {
    ds: pick(input.ds),
    y: pick(input.y),
    up: pick(up),
    regressors: Object.fromEntries(Object.entries(regressors).map(([name, values]) => [name, pick(values)]))
  };
  return {data, capacityKw, params, info: {rows: n, fittedRows: rows.length, nightRows, fitMs: 0}};
}

function carriedStart(start: ProphetStart, design: ProphetDesign, scales: readonly RegressorScale[]): StanInit | null {
  return carriedInit(start, design, (name) => {
    const before = start.scales.find((s) => s.name === name);
    const now = scales.find((s) => s.name === name);
    return before && now ? {scale: now.sd / before.sd, shift: (now.mean - before.mean) / before.sd} : null;
  });
}

function optimumOf(answer: StanAnswer): ProphetOptimum {
  const p = answer.params;
  return {k: p.k, m: p.m, sigmaObs: p.sigmaObs, delta: Array.from(p.delta), beta: Array.from(p.beta)};
}

/** The rows handed to Prophet. */
interface FitData {
  ds: number[];
  y: number[];
  up: boolean[];
  regressors: Record<string, number[]>;
}

export interface RegressorScale {
  name: string;
  mean: number;
  sd: number;
}

/** Sorted by name, so that nothing depends on how the caller built the object. */
function regressorScales(regressors: Record<string, number[]>): RegressorScale[] {
  return Object.keys(regressors).sort().map((name) => ({name, ...meanSd(regressors[name])}));
}

export class ProphetBaseline {
  fitInfo: ProphetFitInfo = {rows: 0, fittedRows: 0, nightRows: "drop", fitMs: 0};
  /** Residual quantiles (y − clipped yhat) per UTC hour of day; index 24 holds the pooled ones. */
  private lowerOffset = new Float64Array(25);
  private upperOffset = new Float64Array(25);
  private freed = false;

  /** Use `fitProphetBaseline` or `ProphetBaseline.fromJSON`. */
  constructor(
    readonly capacityKw: number,
    readonly params: Readonly<ProphetParams>,
    private readonly scales: readonly RegressorScale[],
    private readonly data: FitData,
    private readonly design: ProphetDesign,
    private readonly optimum: ProphetOptimum
  ) {}

  /** The regressors `predict` needs, sorted. */
  get regressorNames(): string[] {
    return this.scales.map((s) => s.name);
  }

  /** Rebuilds the model from `toJSON`'s output; Stan runs again only for a version-1 file, which has no optimum. */
  static fromJSON(json: ProphetBaselineJson): ProphetBaseline {
    if (json === null || typeof json !== "object" || json.format !== PROPHET_MODEL_FORMAT || ![1, 2, PROPHET_MODEL_VERSION].includes(json.version)) {
      throw new SunlineError(messages.prophetBadModelJson(json === null || typeof json !== "object" ? json : {format: json.format, version: json.version}));
    }
    // The saved rows already reflect `nightRows`, so preparing them with the same flags and
    // parameters selects the same rows again and sets up the same problem.
    const input = {ds: json.ds, y: json.y, sunUp: json.sunUp, capacityKw: json.capacityKw, regressors: json.regressors, params: json.params};
    if (!json.optimum) return fitProphetBaseline(input);
    const fit = prepareProphetFit(input);
    const o = json.optimum;
    // Version 2 stored the coefficients in the order the columns used to be sorted into.
    const position = json.version === 2 ? legacyCanonicalPositions(fit.problem.data) : null;
    const beta = position ? position.map((p) => o.beta[p]) : o.beta;
    return fit.finish({params: {k: o.k, m: o.m, sigmaObs: o.sigmaObs, delta: o.delta, beta}});
  }

  toJSON(): ProphetBaselineJson {
    return {
      format: PROPHET_MODEL_FORMAT,
      version: PROPHET_MODEL_VERSION,
      capacityKw: this.capacityKw,
      params: {...this.params},
      ds: [...this.data.ds],
      y: [...this.data.y],
      sunUp: [...this.data.up],
      regressors: Object.fromEntries(Object.entries(this.data.regressors).map(([name, values]) => [name, [...values]])),
      optimum: {...this.optimum, delta: [...this.optimum.delta], beta: [...this.optimum.beta]}
    };
  }

  predict(input: ProphetPredictInput): ProphetForecast {
    this.live();
    const n = checkStamps("predict", input.ds);
    const given = input.regressors ?? {};
    const expected = this.regressorNames;
    const missing = expected.filter((name) => !(name in given));
    const unknown = Object.keys(given).filter((name) => !expected.includes(name));
    if (missing.length > 0 || unknown.length > 0) throw new SunlineError(messages.prophetRegressorNames(missing, unknown, expected));
    for (const name of expected) checkSeries("predict", `regressor "${name}"`, given[name], n, input.ds);
    const up = resolveSunUp("predict", input.sunUp, input.ds);

    const out: ProphetForecast = {
      ds: Float64Array.from(input.ds),
      yhat: new Float64Array(n),
      lower: new Float64Array(n),
      upper: new Float64Array(n),
      trend: new Float64Array(n),
      daily: new Float64Array(n),
      yearly: new Float64Array(n),
      regressors: Object.fromEntries(expected.map((name) => [name, new Float64Array(n)]))
    };
    if (n === 0) return out;
    const point = this.raw(input.ds, given, out);
    const cap = this.capacityKw;
    for (let i = 0; i < n; i++) {
      if (!up[i]) continue; // night: exactly 0 for the point and both bounds
      const yhat = clip(point[i], cap);
      const hour = hourOfDay(input.ds[i]);
      out.yhat[i] = yhat;
      out.lower[i] = clip(yhat + this.lowerOffset[hour], cap);
      out.upper[i] = clip(yhat + this.upperOffset[hour], cap);
    }
    return out;
  }

  /** Prophet's prediction, unclipped, with the components written into `out`; summed in a fixed order. `X`: these stamps' design matrix, if already made. */
  private raw(ds: Series, regressors: Record<string, Series>, out?: ProphetForecast, X?: Float64Array): Float64Array {
    const n = ds.length;
    const {trend, groups} = prophetComponents(this.design, this.optimum, ds, scaledRegressors(this.scales, regressors), X);
    const terms = new Float64Array(n);
    const add = (values: Float64Array | undefined, into?: Float64Array) => {
      if (!values) return;
      for (let i = 0; i < n; i++) terms[i] += values[i];
      into?.set(values);
    };
    add(groups.get("daily"), out?.daily);
    add(groups.get("yearly"), out?.yearly);
    for (const {name} of this.scales) add(groups.get(name), out?.regressors[name]);
    out?.trend.set(trend);
    // Additive: trend + terms. Multiplicative: the terms are fractions of the trend.
    const multiplicative = this.params.seasonalityMode === "multiplicative";
    for (let i = 0; i < n; i++) terms[i] = multiplicative ? trend[i] * (1 + terms[i]) : trend[i] + terms[i];
    return terms;
  }

  /** What a later fit of the same site can start from (`ProphetFitInput.start`). */
  startPoint(): ProphetStart {
    return {design: this.design, optimum: this.optimum, scales: this.scales};
  }

  /** Marks the model as released; it is unusable afterwards. (It holds no WebAssembly memory: this only guards against use after a caller's `free`.) */
  free(): void {
    this.freed = true;
  }

  /**
   * Sets the interval offsets from the in-sample residuals of the fitted daytime rows (called once
   * by the fit, with the design matrix Stan was given; night hours are forecast as exactly 0 and
   * would only narrow the pooled quantiles).
   * @internal
   */
  calibrate(fitX?: Float64Array): void {
    const {ds, y, up, regressors} = this.data;
    const fitted = this.raw(ds, regressors, undefined, fitX);
    const byHour: number[][] = Array.from({length: 25}, () => []);
    for (let i = 0; i < ds.length; i++) {
      if (!up[i]) continue;
      const residual = y[i] - clip(fitted[i], this.capacityKw);
      byHour[hourOfDay(ds[i])].push(residual);
      byHour[24].push(residual);
    }
    const lo = (1 - this.params.intervalWidth) / 2;
    const hi = (1 + this.params.intervalWidth) / 2;
    for (let h = 0; h <= 24; h++) {
      const sample = byHour[h].length >= MIN_RESIDUALS_PER_HOUR ? byHour[h] : byHour[24];
      sample.sort((a, b) => a - b);
      this.lowerOffset[h] = quantileSorted(sample, lo);
      this.upperOffset[h] = quantileSorted(sample, hi);
    }
  }

  private live(): void {
    if (this.freed) throw new SunlineError(messages.prophetFreed());
  }
}

function resolveParams(given: Partial<ProphetParams> | undefined): ProphetParams {
  const params: ProphetParams = {...DEFAULT_PROPHET_PARAMS};
  for (const [key, value] of Object.entries(given ?? {})) {
    if (!(key in DEFAULT_PROPHET_PARAMS)) throw new SunlineError(messages.prophetBadParam(key, value, `one of ${Object.keys(DEFAULT_PROPHET_PARAMS).join(", ")}`));
    if (value !== undefined) (params as unknown as Record<string, unknown>)[key] = value;
  }
  const positive = (name: "changepointPriorScale" | "seasonalityPriorScale" | "tolRelGrad") => {
    if (!(typeof params[name] === "number" && Number.isFinite(params[name]) && params[name] > 0)) {
      throw new SunlineError(messages.prophetBadParam(name, params[name], "a finite number above 0"));
    }
  };
  positive("changepointPriorScale");
  positive("seasonalityPriorScale");
  positive("tolRelGrad");
  for (const name of ["dailyOrder", "yearlyOrder", "nChangepoints"] as const) {
    if (!(Number.isInteger(params[name]) && params[name] >= 0 && params[name] <= 100)) {
      throw new SunlineError(messages.prophetBadParam(name, params[name], "a whole number from 0 to 100"));
    }
  }
  if (!["auto", "drop", "keep"].includes(params.nightRows)) {
    throw new SunlineError(messages.prophetBadParam("nightRows", params.nightRows, `"auto", "drop" or "keep"`));
  }
  if (params.seasonalityMode !== "additive" && params.seasonalityMode !== "multiplicative") {
    throw new SunlineError(messages.prophetBadParam("seasonalityMode", params.seasonalityMode, `"additive" or "multiplicative"`));
  }
  if (!(typeof params.intervalWidth === "number" && params.intervalWidth > 0 && params.intervalWidth < 1)) {
    throw new SunlineError(messages.prophetBadParam("intervalWidth", params.intervalWidth, "a number strictly between 0 and 1"));
  }
  return params;
}

/** Validates the stamps and returns their count. */
function checkStamps(what: "fit" | "predict", ds: Series): number {
  if (ds == null || typeof ds.length !== "number") throw new SunlineError(messages.prophetNotSeries(what, "ds", ds));
  for (let i = 0; i < ds.length; i++) {
    const t = ds[i];
    if (!Number.isFinite(t)) throw new SunlineError(messages.prophetBadValue(what, "ds", i, t, null));
    if (Math.abs(t) < MIN_PLAUSIBLE_MS) throw new SunlineError(messages.prophetStampsInSeconds(what, i, t));
    if (t % 1000 !== 0) throw new SunlineError(messages.prophetStampNotWholeSecond(what, i, t));
    if (i > 0 && !(t > ds[i - 1])) throw new SunlineError(messages.prophetStampsNotIncreasing(what, i, ds[i - 1], t));
  }
  return ds.length;
}

function checkSeries(what: "fit" | "predict", field: string, values: Series | undefined, n: number, ds: Series): void {
  if (values == null || typeof values.length !== "number") throw new SunlineError(messages.prophetNotSeries(what, field, values));
  if (values.length !== n) throw new SunlineError(messages.prophetLengthMismatch(what, field, values.length, n));
  for (let i = 0; i < n; i++) {
    if (typeof values[i] !== "number" || !Number.isFinite(values[i])) throw new SunlineError(messages.prophetBadValue(what, field, i, values[i], ds[i]));
  }
}

function resolveSunUp(what: "fit" | "predict", sunUp: SunUp, ds: Series): boolean[] {
  if (typeof sunUp === "function") return Array.from(ds, (t) => sunUp(t) === true);
  if (sunUp == null || typeof sunUp.length !== "number") throw new SunlineError(messages.prophetNotSeries(what, "sunUp", sunUp));
  if (sunUp.length !== ds.length) throw new SunlineError(messages.prophetLengthMismatch(what, "sunUp", sunUp.length, ds.length));
  return Array.from(sunUp, (flag) => flag === true);
}

function scaledRegressors(scales: readonly RegressorScale[], values: Record<string, Series>): Record<string, Float64Array> {
  return Object.fromEntries(scales.map(({name, mean, sd}) => [name, Float64Array.from(values[name], (v) => (v - mean) / sd)]));
}

function meanSd(values: number[]): {mean: number; sd: number} {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  const sd = Math.sqrt(squares / values.length);
  // A constant regressor carries no information; dividing by 1 keeps it finite (Prophet fits ~0 to it).
  return {mean, sd: sd > 0 ? sd : 1};
}

function hourOfDay(utcMs: number): number {
  return (((Math.floor(utcMs / MS_PER_HOUR) % 24) + 24) % 24);
}

function clip(value: number, cap: number): number {
  return value < 0 ? 0 : value > cap ? cap : value;
}

/** Linear interpolation between closest ranks (type 7, as numpy's default). */
function quantileSorted(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
