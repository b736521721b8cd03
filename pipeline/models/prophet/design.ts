// Prophet's linear model written out: the problem Stan's optimizer solves, and the forecast from
// its optimum. These are the equations of Prophet (Taylor & Letham 2018) as augurs 0.10 sets them up
// (crates/augurs-prophet, prophet/prep.rs and predict.rs), for what Sunline uses: linear growth, no
// holidays, Fourier seasonalities and regressors, one mode for all of them, absmax scaling.
//
// Why not let augurs do it: augurs builds the problem inside its own WebAssembly memory, hands it to
// the optimizer as a JSON string, and keeps every fitted model in that memory, which never shrinks.
// At 100 sites × 12 backtest origins that meant building, parsing and re-serialising the design
// matrix on the main thread (the Stan workers waited for it 40 % of the time), a second "replay"
// fit to get a model that can predict, and several GB held by models long since dropped. Here the
// problem is a few typed arrays, Stan still runs in augurs' optimizer (stanWorker.js), and a model is
// its optimum plus the numbers below. test/pipeline/models/prophet/design.test.ts checks both halves
// against augurs itself: the same Stan problem, and the same predictions from the same optimum.
//
// The columns come in one fixed order (daily, then yearly, then the regressors by name), so the
// same rows always give Stan the same problem: augurs' column order changed from one fit to the next
// (its Rust HashMaps), so two fits of the same rows in one process could stop at optimums 0.01 kWh apart.

/** Regressors' prior scale: augurs 0.10 gives every regressor 100 (its holidays' default), whatever seasonalityPriorScale says. */
export const REGRESSOR_PRIOR_SCALE = 100;
/** Changepoints are spread over the first 80 % of the history (Prophet's `changepoint_range`). */
const CHANGEPOINT_RANGE = 0.8;
const SECONDS_PER_DAY = 86_400;

/** One column of the design matrix. */
export type DesignColumn =
  | {group: string; kind: "fourier"; period: number; harmonic: number; fn: "sin" | "cos"}
  | {group: string; kind: "regressor"}
  | {group: ""; kind: "dummy"};

/** What turns stamps (and regressor values) into Prophet's features and scaled time, fixed at fit time. */
export interface ProphetDesign {
  /** First fitted stamp (Unix seconds) and the fitted span (seconds): t = (s − start) / tScale. */
  startS: number;
  tScale: number;
  /** y is divided by this (the largest |y| fitted, or 1). */
  yScale: number;
  /** Changepoints on the scaled time axis (one dummy at 0 when there are none, as in Prophet). */
  changepointsT: number[];
  columns: DesignColumn[];
  multiplicative: boolean;
}

/** Stan's data, in typed arrays (stanJson.js writes the JSON the optimizer reads). */
export interface StanData {
  T: number;
  S: number;
  K: number;
  tau: number;
  /** 0: linear growth. */
  trend_indicator: 0;
  y: Float64Array;
  t: Float64Array;
  cap: Float64Array;
  t_change: Float64Array;
  /** Row-major, T × K. */
  X: Float64Array;
  sigmas: Float64Array;
  s_a: Int32Array;
  s_m: Int32Array;
}

export interface StanInit {
  k: number;
  m: number;
  delta: Float64Array;
  beta: Float64Array;
  sigmaObs: number;
}

/** What Stan's optimizer found, coefficients in the design's column order. */
export interface DesignOptimum {
  k: number;
  m: number;
  delta: ArrayLike<number>;
  beta: ArrayLike<number>;
}

export interface DesignSettings {
  dailyOrder: number;
  yearlyOrder: number;
  nChangepoints: number;
  changepointPriorScale: number;
  seasonalityPriorScale: number;
  seasonalityMode: "additive" | "multiplicative";
}

/** The fitted rows: UTC ms stamps (increasing, whole seconds), y, and each regressor already standardised. */
export interface DesignRows {
  ds: ArrayLike<number>;
  y: ArrayLike<number>;
  regressors: Record<string, ArrayLike<number>>;
}

/** Sets up the fit: the design, Stan's data and its starting point (Prophet's linear-growth initialisation). */
export function prophetProblem(rows: DesignRows, settings: DesignSettings): {design: ProphetDesign; data: StanData; init: StanInit} {
  const n = rows.ds.length;
  const seconds = Float64Array.from(rows.ds, (ms) => ms / 1000);
  const startS = seconds[0];
  const tScale = seconds[n - 1] - startS;
  let yScale = 0;
  for (let i = 0; i < n; i++) yScale = Math.max(yScale, Math.abs(rows.y[i]));
  if (yScale === 0) yScale = 1;

  const columns: DesignColumn[] = [];
  const fourier = (group: string, period: number, order: number) => {
    for (let h = 1; h <= order; h++) for (const fn of ["sin", "cos"] as const) columns.push({group, kind: "fourier", period, harmonic: h, fn});
  };
  fourier("daily", 1, settings.dailyOrder);
  fourier("yearly", 365.25, settings.yearlyOrder);
  for (const name of Object.keys(rows.regressors).sort()) columns.push({group: name, kind: "regressor"});
  if (columns.length === 0) columns.push({group: "", kind: "dummy"});

  const design: ProphetDesign = {
    startS, tScale, yScale, changepointsT: changepointsT(seconds, startS, tScale, settings.nChangepoints), columns,
    multiplicative: settings.seasonalityMode === "multiplicative"
  };
  const t = Float64Array.from(seconds, (s) => (s - startS) / tScale);
  const y = Float64Array.from(rows.y, (v) => v / yScale);
  const K = columns.length;
  const real = (c: DesignColumn) => (c.kind === "dummy" ? 0 : 1);
  const data: StanData = {
    T: n, S: design.changepointsT.length, K, tau: settings.changepointPriorScale, trend_indicator: 0,
    y, t, cap: new Float64Array(n), t_change: Float64Array.from(design.changepointsT),
    X: designMatrix(design, rows.ds, rows.regressors),
    sigmas: Float64Array.from(columns, (c) => (c.kind === "fourier" ? settings.seasonalityPriorScale : c.kind === "regressor" ? REGRESSOR_PRIOR_SCALE : 1)),
    s_a: Int32Array.from(columns, (c) => (design.multiplicative ? 0 : real(c))),
    s_m: Int32Array.from(columns, (c) => (design.multiplicative ? real(c) : 0))
  };
  // The line through the first and last points.
  const k = (y[n - 1] - y[0]) / (t[n - 1] - t[0]);
  const init: StanInit = {k, m: y[0] - k * t[0], delta: new Float64Array(data.S), beta: new Float64Array(K), sigmaObs: 1};
  return {design, data, init};
}

/** How a regressor's standardisation moved between two fits: its coefficient scales by `scale`, and `shift` (per unit of the earlier coefficient) goes into the offset. */
export interface RegressorMove {
  scale: number;
  shift: number;
}

/**
 * Stan's starting point carried over from an earlier fit of the same site (a warm start): the
 * earlier trend, in y's unit, is followed through this design's changepoints, and each column's
 * coefficient is carried into this design's scaling. Starting near the answer, L-BFGS needs fewer
 * steps (3 sites × 5 monthly origins of the 100-site bench fleet: 0.53× the Stan time of a cold
 * start); where it stops still depends only on this fit's data, within the optimizer's tolerance.
 * Null when the two designs are not of the same kind (mode) or the numbers do not carry (a
 * degenerate span): the caller starts cold. `regressor` says how each regressor's standardisation
 * moved; a column the earlier fit lacked starts at 0.
 */
export function carriedInit(
  from: {design: ProphetDesign; optimum: DesignOptimum & {sigmaObs: number}},
  to: ProphetDesign,
  regressor: (name: string) => RegressorMove | null
): StanInit | null {
  const P = from.design;
  if (P.multiplicative !== to.multiplicative) return null;
  // Knots on this design's time axis: its start, its changepoints, its end.
  const knots = [0, ...to.changepointsT.filter((c) => c > 0), 1];
  const stamps = knots.map((t) => (to.startS + t * to.tScale) * 1000);
  const {trend} = prophetComponents(P, from.optimum, stamps, {}, new Float64Array(stamps.length * P.columns.length));
  const v = Array.from(trend, (kwh) => kwh / to.yScale);
  const slopes = knots.slice(1).map((t, j) => (v[j + 1] - v[j]) / (t - knots[j]));
  const ratio = P.yScale / to.yScale;
  let m = v[0];
  const delta = new Float64Array(to.changepointsT.length);
  let segment = 0;
  to.changepointsT.forEach((c, i) => {
    if (c > 0) delta[i] = slopes[++segment] - slopes[segment - 1];
  });
  const beta = new Float64Array(to.columns.length);
  const same = (a: DesignColumn, b: DesignColumn) =>
    a.kind === b.kind && a.group === b.group && (a.kind !== "fourier" || (b.kind === "fourier" && a.period === b.period && a.harmonic === b.harmonic && a.fn === b.fn));
  to.columns.forEach((c, j) => {
    const p = P.columns.findIndex((d) => same(d, c));
    if (p < 0 || c.kind === "dummy") return;
    // Additive terms are in units of yScale; multiplicative ones are fractions of the trend.
    const carried = from.optimum.beta[p] * (to.multiplicative ? 1 : ratio);
    if (c.kind === "fourier") beta[j] = carried;
    else {
      const move = regressor(c.group);
      if (!move) return;
      beta[j] = carried * move.scale;
      if (!to.multiplicative) m += carried * move.shift;
    }
  });
  const init: StanInit = {k: slopes[0], m, delta, beta, sigmaObs: from.optimum.sigmaObs * ratio};
  const finite = [init.k, init.m, init.sigmaObs, ...delta, ...beta].every(Number.isFinite);
  return finite && init.sigmaObs > 0 ? init : null;
}

/** Evenly spread over the first CHANGEPOINT_RANGE of the rows, at row stamps, as Prophet places them. */
function changepointsT(seconds: Float64Array, startS: number, tScale: number, wanted: number): number[] {
  const histSize = Math.floor(seconds.length * CHANGEPOINT_RANGE);
  const count = Math.min(wanted, histSize - 1);
  if (!(count > 0)) return [0];
  const out: number[] = [];
  for (let i = 1; i <= count; i++) out.push((seconds[Math.round((i / count) * (histSize - 1))] - startS) / tScale);
  return out;
}

/** The features of each stamp, row-major (stamps × columns); regressors standardised as at fit time. */
export function designMatrix(design: ProphetDesign, ds: ArrayLike<number>, regressors: Record<string, ArrayLike<number>>): Float64Array {
  const n = ds.length;
  const K = design.columns.length;
  const X = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    // Days since the epoch, in radians per cycle: the same operations, in the same order, as augurs.
    const x = ((ds[i] / 1000 / 3600 / 24) * Math.PI) * 2;
    for (let j = 0; j < K; j++) {
      const c = design.columns[j];
      if (c.kind === "fourier") {
        const angle = (x * c.harmonic) / c.period;
        X[i * K + j] = c.fn === "sin" ? Math.sin(angle) : Math.cos(angle);
      } else if (c.kind === "regressor") X[i * K + j] = regressors[c.group][i];
    }
  }
  return X;
}

/**
 * Prophet's forecast from the optimum: the trend and each group's component, in y's unit
 * (multiplicative groups: as fractions of the trend). `X`, when given, is these stamps' design
 * matrix already made (the fit's own, for the in-sample pass).
 */
export function prophetComponents(
  design: ProphetDesign,
  optimum: DesignOptimum,
  ds: ArrayLike<number>,
  regressors: Record<string, ArrayLike<number>>,
  X: Float64Array = designMatrix(design, ds, regressors)
): {trend: Float64Array; groups: Map<string, Float64Array>} {
  const n = ds.length;
  const K = design.columns.length;
  const trend = new Float64Array(n);
  const cps = design.changepointsT;
  for (let i = 0; i < n; i++) {
    const t = (ds[i] / 1000 - design.startS) / design.tScale;
    let k = optimum.k, m = optimum.m;
    for (let c = 0; c < cps.length; c++) {
      if (cps[c] > t) continue;
      k += optimum.delta[c];
      m -= cps[c] * optimum.delta[c];
    }
    trend[i] = (k * t + m) * design.yScale;
  }
  const groups = new Map<string, Float64Array>();
  const scale = design.multiplicative ? 1 : design.yScale;
  for (let j = 0; j < K; j++) {
    const c = design.columns[j];
    if (c.kind === "dummy") continue;
    let out = groups.get(c.group);
    if (!out) groups.set(c.group, (out = new Float64Array(n)));
    const b = optimum.beta[j] * scale;
    for (let i = 0; i < n; i++) out[i] += X[i * K + j] * b;
  }
  return {trend, groups};
}

/**
 * The column order Sunline used to hand Stan before design.ts (sorted by the columns' values over the fitted
 * rows, then by prior scale): version-2 models stored their coefficients in it. Returns, for each
 * design column, its position in that order.
 */
export function legacyCanonicalPositions(data: Pick<StanData, "T" | "K" | "X" | "sigmas" | "s_a" | "s_m">): number[] {
  const {T, K, X, sigmas, s_a, s_m} = data;
  const order = Array.from({length: K}, (_, j) => j);
  order.sort((a, b) => {
    for (let i = 0; i < T; i++) if (X[i * K + a] !== X[i * K + b]) return X[i * K + a] - X[i * K + b];
    return sigmas[a] - sigmas[b] || s_a[a] - s_a[b] || s_m[a] - s_m[b] || a - b;
  });
  const position = new Array<number>(K);
  order.forEach((column, sorted) => (position[column] = sorted));
  return position;
}
