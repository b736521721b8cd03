// Distances between two one-dimensional samples: the training (reference) window of a weather or
// feature variable and a recent window of the same variable. Three, because each sees a different
// kind of change and none sees them all:
//
// - PSI (Population Stability Index) compares the mass in quantile bins of the reference. It is
//   sensitive to mass moving between bins, including in the tails, and blind to moves inside a
//   bin; it has no units, so one rule of thumb (0.1 / 0.25) serves every variable.
// - KS (two-sample Kolmogorov–Smirnov D) is the largest gap between the two empirical CDFs. It
//   needs no binning and reacts most to shifts of the bulk of the distribution, little to the
//   tails. Its p-value assumes independent draws; hourly weather is strongly autocorrelated, so
//   read the p-value as a rough guide, not a test — the status logic uses D itself.
// - Wasserstein-1 (earth mover's distance) is how far the mass has to move, in the variable's own
//   units (W/m², °C …), so it says how big a shift is, not only that there is one.
//
// Missing values: every function drops NaN, ±Infinity, null and undefined from each sample first
// (sensor gaps are normal in this pipeline) and throws a RangeError naming itself and the sample
// when nothing is left, because a distance to an empty sample would silently read as "no drift".
import {clamp, quantileSorted} from "../math.ts";

/** A sample of numbers; NaN, ±Infinity, null and undefined are skipped. */
export type Sample = ArrayLike<number | null | undefined>;

/** Options for {@link psi}. */
export interface PsiOptions {
  /** Number of quantile bins of the reference (default 10, deciles). Ties may leave fewer. */
  bins?: number;
  /**
   * Floor on each bin's proportion (default 1e-4), so an empty bin gives a large but finite
   * term instead of ln(0). The proportions are not renormalised after flooring, as is usual.
   */
  epsilon?: number;
  /**
   * Explicit interior bin edges, strictly increasing, used instead of the reference quantiles
   * (e.g. physical bands of a variable). Bins are (-∞, e₀], (e₀, e₁], …, (eₖ, +∞).
   */
  edges?: readonly number[];
}

/**
 * The finite values of `values`, sorted ascending. Throws a RangeError naming `fn` and `label`
 * when none are left, so callers report which function and which sample was empty.
 */
export function finiteSorted(values: Sample, fn: string, label: string): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number" && Number.isFinite(v)) out[n++] = v;
  }
  if (n === 0) throw new RangeError(`${fn}: ${label} sample is empty (no finite values)`);
  return out.subarray(0, n).sort();
}

/**
 * Population Stability Index of `recent` against `reference`:
 * Σ (p_recent − p_ref) · ln(p_recent / p_ref) over bins whose interior edges are the reference
 * quantiles 1/bins … (bins−1)/bins (duplicates removed, so heavy ties such as night-time zeros
 * merge into one bin). Bins are closed on the right, the outer ones open to ±∞, so recent values
 * beyond the reference range still land in a bin. Always ≥ 0; 0 for identical bin proportions.
 */
export function psi(reference: Sample, recent: Sample, options: PsiOptions = {}): number {
  const {bins = 10, epsilon = 1e-4} = options;
  if (!Number.isInteger(bins) || bins < 2) throw new RangeError(`psi: bins must be an integer ≥ 2, got ${bins}`);
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`psi: epsilon must be in (0, 1), got ${epsilon}`);
  const ref = finiteSorted(reference, "psi", "reference");
  const rec = finiteSorted(recent, "psi", "recent");
  const edges = options.edges ? checkedEdges(options.edges) : quantileEdges(ref, bins);
  const pRef = binProportions(ref, edges);
  const pRec = binProportions(rec, edges);
  let sum = 0;
  for (let k = 0; k < pRef.length; k++) {
    const a = Math.max(pRef[k], epsilon);
    const b = Math.max(pRec[k], epsilon);
    sum += (b - a) * Math.log(b / a);
  }
  return sum;
}

/**
 * Interior PSI edges: the quantiles 1/bins … (bins−1)/bins of a sorted sample (linear
 * interpolation between order statistics), with equal edges merged.
 */
export function quantileEdges(sorted: Float64Array, bins: number): number[] {
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const q = quantileSorted(sorted, k / bins);
    if (edges.length === 0 || q > edges[edges.length - 1]) edges.push(q);
  }
  return edges;
}

/** Two-sample Kolmogorov–Smirnov statistic D = max |F_ref(x) − F_recent(x)|, in [0, 1]. */
export function ksStatistic(reference: Sample, recent: Sample): number {
  const a = finiteSorted(reference, "ksStatistic", "reference");
  const b = finiteSorted(recent, "ksStatistic", "recent");
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  // Walk the merged sample one distinct value at a time, stepping past every copy of it in both
  // samples before comparing: comparing mid-tie would count a gap the ECDFs never have.
  while (i < n && j < m) {
    const x = a[i] <= b[j] ? a[i] : b[j];
    while (i < n && a[i] === x) i++;
    while (j < m && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  // Once one sample is used up the gap only shrinks towards 0, so nothing is left to check.
  return d;
}

/**
 * Asymptotic p-value of a two-sample KS statistic `d` with sample sizes `n` and `m`: the
 * Kolmogorov survival function Q(λ) = 2 Σ (−1)^(k−1) exp(−2k²λ²) at
 * λ = (√nₑ + 0.12 + 0.11/√nₑ) · d, nₑ = n·m/(n+m) (Stephens' correction, good from nₑ ≈ 4).
 * Assumes independent observations; autocorrelated series make it far too small.
 */
export function ksPValue(d: number, n: number, m: number): number {
  if (!(d >= 0 && d <= 1)) throw new RangeError(`ksPValue: d must be in [0, 1], got ${d}`);
  if (!(n > 0 && m > 0 && Number.isFinite(n) && Number.isFinite(m))) {
    throw new RangeError(`ksPValue: sample sizes must be positive, got n=${n}, m=${m}`);
  }
  const ne = (n * m) / (n + m);
  const sq = Math.sqrt(ne);
  return kolmogorovSurvival((sq + 0.12 + 0.11 / sq) * d);
}

/**
 * Q(λ) = P(K > λ) of the Kolmogorov distribution, in [0, 1]. The alternating series converges
 * slowly for small λ, so below 1.18 the equivalent Jacobi-theta form
 * 1 − (√(2π)/λ) Σ exp(−(2k−1)²π²/(8λ²)) is used instead (both converge in a few terms there).
 */
function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const c = -(Math.PI * Math.PI) / (8 * lambda * lambda);
    let s = 0;
    for (let k = 1; k <= 20; k++) {
      const term = Math.exp(c * (2 * k - 1) ** 2);
      s += term;
      if (term < 1e-17) break;
    }
    return clamp(1 - (Math.sqrt(2 * Math.PI) / lambda) * s, 0, 1);
  }
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    s += k % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return clamp(2 * s, 0, 1);
}

/**
 * Wasserstein-1 distance ∫ |F_ref(x) − F_recent(x)| dx between the two empirical distributions,
 * in the variable's units: a sample shifted by c is at distance |c|. Exact: both ECDFs are step
 * functions, so the integral is a sum over the gaps between consecutive distinct values.
 */
export function wasserstein1(reference: Sample, recent: Sample): number {
  const a = finiteSorted(reference, "wasserstein1", "reference");
  const b = finiteSorted(recent, "wasserstein1", "recent");
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let prev = Math.min(a[0], b[0]);
  let total = 0;
  while (i < n || j < m) {
    const x = j >= m || (i < n && a[i] <= b[j]) ? a[i] : b[j];
    // |F_ref − F_recent| is constant on [prev, x): the ECDFs as they stood after `prev`.
    total += Math.abs(i / n - j / m) * (x - prev);
    while (i < n && a[i] === x) i++;
    while (j < m && b[j] === x) j++;
    prev = x;
  }
  return total;
}

/** Quantile p ∈ [0, 1] of a non-empty sorted sample (linear interpolation, R type 7). */
/** Proportion of a sorted sample in each bin (-∞, e₀], (e₀, e₁], …, (eₖ, +∞). */
function binProportions(sorted: Float64Array, edges: readonly number[]): number[] {
  const counts: number[] = [];
  let start = 0;
  for (const edge of edges) {
    const end = upperBound(sorted, edge, start);
    counts.push((end - start) / sorted.length);
    start = end;
  }
  counts.push((sorted.length - start) / sorted.length);
  return counts;
}

/** First index ≥ `from` whose value is > x (the sample is sorted): from 0, the count of values ≤ x. */
export function upperBound(sorted: Float64Array, x: number, from = 0): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkedEdges(edges: readonly number[]): readonly number[] {
  if (edges.length === 0) throw new RangeError("psi: edges must hold at least one value (one bin makes PSI always 0)");
  for (let k = 0; k < edges.length; k++) {
    if (!Number.isFinite(edges[k]) || (k > 0 && !(edges[k] > edges[k - 1]))) {
      throw new RangeError(`psi: edges must be finite and strictly increasing, got [${edges.join(", ")}]`);
    }
  }
  return edges;
}
