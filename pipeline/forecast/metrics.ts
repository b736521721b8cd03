// Forecast metrics as plain functions sharing one signature, `(actual, predicted, context?) → number`,
// evaluated from a list with `evaluate`.
//
// Missing values: a metric uses only the rows where every array it reads (actual, predicted and
// whatever it takes from the context) holds a number; NaN, ±Infinity and null are skipped, and
// with no usable row the metric is NaN. `evaluate` goes further and uses one set of rows for all
// the metrics it is given: those where actual, predicted and every array in the context are
// known, so that MAE, coverage and skill in one table row describe the same hours.
//
// Signs: bias is predicted − actual (positive = over-forecast); residuals elsewhere in
// pipeline/forecast are actual − predicted.
import {messages, SunlineError} from "../messages.ts";
import {isKnown, type Values} from "./series.ts";

export interface MetricContext {
  /** AC capacity (kWh per hour) for nMAE and for MAPE's daytime threshold. */
  capacity?: number;
  /** A reference forecast of the same hours (e.g. smart persistence) for `skill`. */
  reference?: Values;
  /** Quantile level in (0, 1) of `predicted`, for `pinball`. */
  quantile?: number;
  /** Interval bounds for `coverage` and `intervalWidth`. */
  lower?: Values;
  upper?: Values;
}

export type Metric = (actual: Values, predicted: Values, context?: MetricContext) => number;

/** Mean absolute error (kWh). */
export const mae: Metric = (actual, predicted) => meanOver("mae", actual, [["predicted", predicted]], (a, [p]) => Math.abs(a - p));

/** Root mean square error (kWh). */
export const rmse: Metric = (actual, predicted) => Math.sqrt(meanOver("rmse", actual, [["predicted", predicted]], (a, [p]) => (a - p) ** 2));

/** MAE as a percentage of capacity. */
export const nmae: Metric = (actual, predicted, context) => (100 * mae(actual, predicted)) / needCapacity("nmae", context);

/** The share of capacity an actual must exceed to count in MAPE (daytime hours with some output). */
export const MAPE_MIN_SHARE = 0.05;

/**
 * Mean absolute percentage error (%) over the hours whose actual is at least 5 % of capacity:
 * night and dawn hours would divide by (nearly) zero.
 */
export const mape: Metric = (actual, predicted, context) => {
  const threshold = MAPE_MIN_SHARE * needCapacity("mape", context);
  return 100 * meanOver("mape", actual, [["predicted", predicted]], (a, [p]) => (a >= threshold ? Math.abs(a - p) / a : undefined));
};

/** Mean of predicted − actual (kWh): positive when the forecast is too high. */
export const bias: Metric = (actual, predicted) => meanOver("bias", actual, [["predicted", predicted]], (a, [p]) => p - a);

/**
 * Skill against `context.reference`: 1 − RMSE / RMSE_ref, both over the hours where actual,
 * predicted and reference are all known. 0 = no better than the reference, 1 = perfect; NaN if
 * the reference is itself perfect.
 */
export const skill: Metric = (actual, predicted, context) => {
  const reference = context?.reference;
  if (reference === undefined) throw new SunlineError(messages.metricNeedsContext("skill", "reference", "the reference forecast's predictions"));
  const sse = meanOver("skill", actual, [["predicted", predicted], ["reference", reference]], (a, [p]) => (a - p) ** 2);
  const sseRef = meanOver("skill", actual, [["predicted", predicted], ["reference", reference]], (a, [, r]) => (a - r) ** 2);
  return sseRef > 0 ? 1 - Math.sqrt(sse) / Math.sqrt(sseRef) : NaN;
};

/** Pinball (quantile) loss of `predicted` as the `context.quantile` quantile (kWh). */
export const pinball: Metric = (actual, predicted, context) => {
  const q = context?.quantile;
  if (q === undefined) throw new SunlineError(messages.metricNeedsContext("pinball", "quantile", "the quantile level of the prediction, e.g. 0.9"));
  if (!(q > 0 && q < 1)) throw new SunlineError(messages.forecastBadOption("pinball", "quantile", q, "a number between 0 and 1 (exclusive)"));
  return meanOver("pinball", actual, [["predicted", predicted]], (a, [p]) => (a >= p ? q * (a - p) : (1 - q) * (p - a)));
};

/** `pinball` at a fixed quantile, for metric lists. */
export function pinballAt(quantile: number): Metric {
  return (actual, predicted, context) => pinball(actual, predicted, {...context, quantile});
}

/** Share (0–1) of actuals inside [lower, upper]; `predicted` is not used. */
export const coverage: Metric = (actual, _predicted, context) => {
  const [lower, upper] = needBounds("coverage", context);
  return meanOver("coverage", actual, [["lower", lower], ["upper", upper]], (a, [lo, hi]) => (a >= lo && a <= hi ? 1 : 0));
};

/** Mean upper − lower (kWh) over the hours with a known actual; `predicted` is not used. */
export const intervalWidth: Metric = (actual, _predicted, context) => {
  const [lower, upper] = needBounds("intervalWidth", context);
  return meanOver("intervalWidth", actual, [["lower", lower], ["upper", upper]], (_a, [lo, hi]) => hi - lo);
};

export type MetricResults<M extends Record<string, Metric>> = {[K in keyof M]: number} & {n: number};

/**
 * Evaluates every metric of `metrics` (name → function) on the same rows: those where actual,
 * predicted and every array in `context` are known. `n` is how many rows that is.
 *
 * @example evaluate({mae, rmse, nmae, skill}, y, yhat, {capacity: 100, reference: persistenceYhat})
 */
export function evaluate<M extends Record<string, Metric>>(metrics: M, actual: Values, predicted: Values, context: MetricContext = {}): MetricResults<M> {
  const arrays: [string, Values][] = [["predicted", predicted]];
  for (const key of ["reference", "lower", "upper"] as const) {
    const values = context[key];
    if (values !== undefined) arrays.push([key, values]);
  }
  for (const [name, values] of arrays) checkSameLength("evaluate", name, values, actual.length);
  const columns = arrays.map(([, values]) => values);
  const picked = new Int32Array(actual.length);
  let count = 0;
  outer: for (let i = 0; i < actual.length; i++) {
    if (!isKnown(actual[i])) continue;
    for (let k = 0; k < columns.length; k++) if (!isKnown(columns[k][i])) continue outer;
    picked[count++] = i;
  }
  const rows = picked.subarray(0, count);
  const take = (values: Values) => {
    const out = new Float64Array(count);
    for (let j = 0; j < count; j++) out[j] = values[rows[j]] as number;
    return out;
  };
  const kept: MetricContext = {...context};
  for (const key of ["reference", "lower", "upper"] as const) {
    const values = context[key];
    if (values !== undefined) kept[key] = take(values);
  }
  const a = take(actual);
  const p = take(predicted);
  const out: Record<string, number> = {n: count};
  for (const [name, metric] of Object.entries(metrics)) out[name] = metric(a, p, kept);
  return out as MetricResults<M>;
}

/** Mean of f over the rows where actual and every array in `others` are known; f may return undefined to leave a row out. */
function meanOver(metric: string, actual: Values, named: [string, Values][], f: (a: number, others: number[]) => number | undefined): number {
  for (const [name, values] of named) checkSameLength(metric, name, values, actual.length);
  const others = named.map(([, values]) => values);
  const row = new Array<number>(others.length);
  let sum = 0;
  let n = 0;
  outer: for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    if (!isKnown(a)) continue;
    for (let k = 0; k < others.length; k++) {
      const v = others[k][i];
      if (!isKnown(v)) continue outer;
      row[k] = v;
    }
    const value = f(a, row);
    if (value === undefined) continue;
    sum += value;
    n++;
  }
  return n > 0 ? sum / n : NaN;
}

function checkSameLength(metric: string, name: string, values: {length: number}, expected: number): void {
  if (values.length !== expected) throw new SunlineError(messages.forecastLengthMismatch(`${metric}: ${name}`, values.length, expected, "actual"));
}

function needCapacity(metric: string, context: MetricContext | undefined): number {
  const capacity = context?.capacity;
  if (capacity === undefined) throw new SunlineError(messages.metricNeedsContext(metric, "capacity", "the site's AC capacity (kWh per hour)"));
  if (!(capacity > 0 && Number.isFinite(capacity))) throw new SunlineError(messages.forecastBadOption(metric, "capacity", capacity, "a positive number"));
  return capacity;
}

function needBounds(metric: string, context: MetricContext | undefined): [Values, Values] {
  if (context?.lower === undefined) throw new SunlineError(messages.metricNeedsContext(metric, "lower", "the interval's lower bounds"));
  if (context.upper === undefined) throw new SunlineError(messages.metricNeedsContext(metric, "upper", "the interval's upper bounds"));
  return [context.lower, context.upper];
}
