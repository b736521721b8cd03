// Drift statuses (ok / warning / critical) from the distances in distance.ts and from the recent
// forecast error, so a person scanning a run report sees which inputs moved away from the training
// window and whether the forecast got worse.
//
// Input drift uses three statistics because each is blind where another looks: PSI to mass
// shifting between quantile bins, KS to the largest CDF gap, Wasserstein to how far the mass moved
// (in units of the reference standard deviation here, so one threshold fits W/m² and °C alike).
// The status is the worst of them. KS is judged on D, not its p-value: with thousands of
// autocorrelated hourly values the p-value flags changes far too small to matter.
//
// Error drift compares the recent RMSE with the backtest RMSE the model was accepted on; a ratio
// well above 1 is the symptom that matters, whatever the inputs say.
import {MS_PER_DAY} from "../math.ts";
import {finiteSorted, ksPValue, ksStatistic, psi, upperBound, wasserstein1, type Sample} from "./distance.ts";

/** How bad a drift statistic is. */
export type DriftStatus = "ok" | "warning" | "critical";

/** A statistic is "warning" from `warning` up and "critical" from `critical` up. */
export interface DriftBand {
  warning: number;
  critical: number;
}

/** Thresholds for each drift statistic; every one of them is "higher is worse". */
export interface DriftThresholds {
  /** Population Stability Index. */
  psi: DriftBand;
  /** Two-sample KS statistic D (not the p-value). */
  ks: DriftBand;
  /** Wasserstein-1 distance divided by the reference standard deviation. */
  wasserstein_sd: DriftBand;
  /** Recent RMSE / reference (backtest) RMSE. */
  rmse_ratio: DriftBand;
}

/**
 * Default thresholds. PSI 0.1 / 0.25 is the industry rule of thumb (below 0.1 stable, above 0.25
 * a major shift); RMSE 20 % / 50 % above the backtest is worth a look / a retrain.
 *
 * The three input bands are not equally strict. For a normal variable whose mean moves by δ
 * reference SDs, Wasserstein/SD = δ, KS D = 2Φ(δ/2) − 1 and decile PSI is a little under δ²:
 * - δ = 0.1:  W 0.1 (warning), D 0.04 and PSI 0.01 (ok);
 * - δ = 0.25: W 0.25 (critical), D 0.0995 and PSI 0.06 (ok);
 * - δ = 0.5:  W 0.5 (critical), D 0.197 and PSI 0.24 (warning).
 * So for a plain mean shift Wasserstein sets the status; PSI and KS matter for changes of shape
 * (spread, tails, night-time zeros gained or lost).
 *
 * Sample size matters: the bands suit recent windows of about a thousand values or more. Against
 * 5,000 reference values, an unshifted recent window of 168 independent hourly values (one week)
 * already reads "warning" about half the time (mean Wasserstein/SD ≈ 0.10, KS D near 0.1 by
 * noise alone); 720 values (a month) almost never does. Autocorrelated weather is noisier still.
 */
export const DEFAULT_DRIFT_THRESHOLDS: Readonly<DriftThresholds> = Object.freeze({
  psi: Object.freeze({warning: 0.1, critical: 0.25}),
  ks: Object.freeze({warning: 0.1, critical: 0.2}),
  wasserstein_sd: Object.freeze({warning: 0.1, critical: 0.25}),
  rmse_ratio: Object.freeze({warning: 1.2, critical: 1.5})
});

const SEVERITY: Record<DriftStatus, number> = {ok: 0, warning: 1, critical: 2};

/**
 * Status of one statistic: "critical" at or above `critical`, "warning" at or above `warning`,
 * "ok" below. NaN gives "warning", not "ok": a statistic that could not be computed (e.g. no
 * recent rows) must not read as healthy, yet is no evidence of a real shift either, so it asks
 * for a look rather than raising the alarm.
 */
export function statusOf(value: number, band: DriftBand): DriftStatus {
  if (!(Number.isFinite(band.warning) && Number.isFinite(band.critical) && band.warning <= band.critical)) {
    throw new RangeError(`statusOf: need finite thresholds with warning ≤ critical, got warning=${band.warning}, critical=${band.critical}`);
  }
  if (Number.isNaN(value)) return "warning";
  if (value >= band.critical) return "critical";
  if (value >= band.warning) return "warning";
  return "ok";
}

/** The worst of several statuses ("ok" for none). */
export function worstStatus(statuses: readonly DriftStatus[]): DriftStatus {
  let worst: DriftStatus = "ok";
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}

/** Drift of one variable between its reference (training) window and a recent window. */
export interface DistributionDrift {
  variable: string;
  /** Finite values used from each sample. */
  n_reference: number;
  n_recent: number;
  psi: number;
  /** KS statistic D. */
  ks: number;
  /** Asymptotic KS p-value; assumes independent values, so only a rough guide for time series. */
  ks_p: number;
  /** Wasserstein-1 distance in the variable's units. */
  wasserstein: number;
  /** `wasserstein` / reference standard deviation; NaN when that SD is 0 or undefined. */
  wasserstein_sd: number;
  mean_reference: number;
  mean_recent: number;
  /** Worst of the PSI, KS and Wasserstein statuses. */
  status: DriftStatus;
}

/**
 * Compares a recent sample of variable `name` with its reference sample (non-finite values
 * skipped). The status is the worst of the PSI, KS-D and Wasserstein/SD statuses; when the
 * reference is constant (SD 0, e.g. a feature that was never set in training) Wasserstein/SD is
 * NaN and left out, and PSI and KS decide on their own.
 */
export function compareDistributions(
  name: string,
  reference: Sample,
  recent: Sample,
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS
): DistributionDrift {
  const fn = `compareDistributions(${name})`;
  const ref = finiteSorted(reference, fn, "reference");
  const rec = finiteSorted(recent, fn, "recent");
  const psiValue = psi(ref, rec);
  const ks = ksStatistic(ref, rec);
  const wasserstein = wasserstein1(ref, rec);
  const sd = standardDeviation(ref);
  const wassersteinSd = sd > 0 ? wasserstein / sd : NaN;
  const statuses = [statusOf(psiValue, thresholds.psi), statusOf(ks, thresholds.ks)];
  if (Number.isFinite(wassersteinSd)) statuses.push(statusOf(wassersteinSd, thresholds.wasserstein_sd));
  return {
    variable: name,
    n_reference: ref.length,
    n_recent: rec.length,
    psi: psiValue,
    ks,
    ks_p: ksPValue(ks, ref.length, rec.length),
    wasserstein,
    wasserstein_sd: wassersteinSd,
    mean_reference: mean(ref),
    mean_recent: mean(rec),
    status: worstStatus(statuses)
  };
}

/** Recent forecast error against the reference (backtest) error. */
export interface ErrorDrift {
  rmse_recent: number;
  rmse_reference: number;
  /** rmse_recent / rmse_reference. */
  ratio: number;
  /** Pairs used (both actual and predicted finite). */
  n: number;
  status: DriftStatus;
}

/**
 * RMSE of the recent forecasts against `referenceRmse`, the RMSE of the backtest the model was
 * accepted on. Pairs with a non-finite actual or prediction are skipped; with none left the RMSE
 * and ratio are NaN and the status "warning" (see {@link statusOf}), since a silent logger is
 * itself worth a look. A reference RMSE that is not a positive number throws: a ratio to 0 means
 * nothing, and a zero backtest error points to a leak upstream.
 */
export function errorDrift(
  referenceRmse: number,
  recentActual: Sample,
  recentPredicted: Sample,
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS
): ErrorDrift {
  if (!(Number.isFinite(referenceRmse) && referenceRmse > 0)) {
    throw new RangeError(`errorDrift: referenceRmse must be a positive number, got ${referenceRmse}`);
  }
  sameLength("errorDrift", recentActual, recentPredicted);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < recentActual.length; i++) {
    const a = recentActual[i];
    const p = recentPredicted[i];
    if (isFiniteNumber(a) && isFiniteNumber(p)) {
      sum += (a - p) ** 2;
      n++;
    }
  }
  const rmseRecent = n > 0 ? Math.sqrt(sum / n) : NaN;
  const ratio = rmseRecent / referenceRmse;
  return {rmse_recent: rmseRecent, rmse_reference: referenceRmse, ratio, n, status: statusOf(ratio, thresholds.rmse_ratio)};
}

/** RMSE over one trailing window. */
export interface RollingRmsePoint {
  /** End of the window (UTC ms, inclusive); the window is (end_ts − window, end_ts]. */
  end_ts: number;
  /** NaN when the window holds no usable pair. */
  rmse: number;
  /** Pairs in the window with finite ts, actual and predicted. */
  n: number;
}

/**
 * RMSE over trailing windows of `windowDays` days, one every `stepDays` days (default 1). Windows
 * are anchored on the latest timestamp — ends at last, last − step, last − 2·step, … back to the
 * first timestamp — so the most recent window is always whole and up to date; each is
 * (end − window, end], so with step = window no pair is counted twice. The earliest windows may
 * be partly before the data and empty windows (gaps) have rmse NaN: filter on `n` for a minimum
 * count. `ts` is UTC ms in any order; pairs with a non-finite ts, actual or prediction are skipped.
 * Returned in ascending `end_ts`.
 */
export function rollingRmse(
  ts: Sample,
  actual: Sample,
  predicted: Sample,
  windowDays: number,
  stepDays = 1
): RollingRmsePoint[] {
  if (!(windowDays > 0 && Number.isFinite(windowDays))) throw new RangeError(`rollingRmse: windowDays must be a positive number, got ${windowDays}`);
  if (!(stepDays > 0 && Number.isFinite(stepDays))) throw new RangeError(`rollingRmse: stepDays must be a positive number, got ${stepDays}`);
  sameLength("rollingRmse", ts, actual);
  sameLength("rollingRmse", ts, predicted);
  const rows: {t: number; se: number}[] = [];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    const a = actual[i];
    const p = predicted[i];
    if (isFiniteNumber(t) && isFiniteNumber(a) && isFiniteNumber(p)) rows.push({t, se: (a - p) ** 2});
  }
  if (rows.length === 0) return [];
  rows.sort((x, y) => x.t - y.t);
  const times = Float64Array.from(rows, (r) => r.t);
  // Prefix sums make each window O(log n) whatever its length.
  const cumulative = new Float64Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) cumulative[i + 1] = cumulative[i] + rows[i].se;
  const windowMs = windowDays * MS_PER_DAY;
  const stepMs = stepDays * MS_PER_DAY;
  const first = times[0];
  const last = times[times.length - 1];
  const count = Math.floor((last - first) / stepMs) + 1;
  if (count > 1_000_000) throw new RangeError(`rollingRmse: ${count} windows; stepDays=${stepDays} is too small for the span`);
  const out: RollingRmsePoint[] = [];
  for (let k = count - 1; k >= 0; k--) {
    const end = last - k * stepMs;
    const hi = upperBound(times, end);
    const lo = upperBound(times, end - windowMs);
    const n = hi - lo;
    // max(0, …): the difference of two large prefix sums can dip a hair below 0.
    out.push({end_ts: end, rmse: n > 0 ? Math.sqrt(Math.max(0, cumulative[hi] - cumulative[lo]) / n) : NaN, n});
  }
  return out;
}

function mean(sorted: Float64Array): number {
  let s = 0;
  for (const v of sorted) s += v;
  return s / sorted.length;
}

/** Sample standard deviation (n − 1); NaN below two values. */
function standardDeviation(values: Float64Array): number {
  if (values.length < 2) return NaN;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return Math.sqrt(ss / (values.length - 1));
}

function sameLength(fn: string, a: Sample, b: Sample): void {
  if (a.length !== b.length) throw new RangeError(`${fn}: arrays differ in length (${a.length} vs ${b.length})`);
}

function isFiniteNumber(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}
