// The WASM Stan optimizer, made deterministic.
//
// augurs keeps seasonalities and regressors in Rust HashMaps. On wasm their hash keys are not
// random per process but change with every map created, so two fits of the same data in one
// process can hand Stan the feature columns in different orders. L-BFGS then takes a different
// floating-point path and stops at a slightly different optimum: measured up to 0.013 kWh apart on
// a 100 kW site. This wrapper sorts the columns into an order that depends only on their content
// before Stan sees them, and puts the coefficients back in augurs' order afterwards, so the same
// inputs always give the same fit, bit for bit.
import type {ProphetInitialParams, ProphetOptimizeOutput, ProphetStanDataJSON} from "@bsull/augurs/prophet";

interface StanData {
  K: number;
  /** Row-major: one row per time point, one column per feature. */
  X: number[][];
  sigmas: number[];
  s_a: number[];
  s_m: number[];
}

export interface CanonicalProblem {
  init: ProphetInitialParams;
  dataJson: ProphetStanDataJSON;
  /** Puts the coefficients of Stan's answer to the canonical problem back in augurs' order. */
  restore(out: ProphetOptimizeOutput): ProphetOptimizeOutput;
}

/** The optimisation problem with its feature columns in canonical order (see the header). */
export function canonicalize(init: ProphetInitialParams, dataJson: ProphetStanDataJSON): CanonicalProblem {
  const data = JSON.parse(dataJson) as StanData;
  const order = canonicalOrder(data);
  if (order === null) return {init, dataJson, restore: (out) => out};
  data.X = data.X.map((row) => order.map((j) => row[j]));
  data.sigmas = order.map((j) => data.sigmas[j]);
  data.s_a = order.map((j) => data.s_a[j]);
  data.s_m = order.map((j) => data.s_m[j]);
  let json: string | null = null;
  return {
    init: {...init, beta: Float64Array.from(order, (j) => init.beta[j])},
    // Written on first use: a replayed fit only needs `restore`.
    get dataJson() {
      return (json ??= JSON.stringify(data));
    },
    restore(out) {
      const beta = new Float64Array(order.length);
      order.forEach((j, sorted) => (beta[j] = out.params.beta[sorted]));
      return {...out, params: {...out.params, beta}};
    }
  };
}

/**
 * Column indices sorted by the columns' values (first differing row decides), then by prior scale
 * and mode. Null when the data does not have the expected shape (then it is passed on untouched).
 */
function canonicalOrder(data: StanData): number[] | null {
  const {K, X, sigmas, s_a, s_m} = data;
  if (!Array.isArray(X) || X.length === 0 || !X.every((row) => Array.isArray(row) && row.length === K)) return null;
  if (![sigmas, s_a, s_m].every((v) => Array.isArray(v) && v.length === K)) return null;
  const order = Array.from({length: K}, (_, j) => j);
  order.sort((a, b) => {
    for (const row of X) if (row[a] !== row[b]) return row[a] - row[b];
    return sigmas[a] - sigmas[b] || s_a[a] - s_a[b] || s_m[a] - s_m[b] || a - b;
  });
  return order;
}
