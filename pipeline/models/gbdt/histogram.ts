// Gradient/hessian histograms: per feature and bin, the sums over a node's rows. Split finding
// reads only these, so a node costs one pass over its rows, and a child's histogram is its
// parent's minus its sibling's: only the smaller child is ever built from rows. The build itself
// is in histogramKernel.js (plain JS, so worker threads can load it without a TypeScript loader).
import {MISSING_BIN} from "./binning.ts";

import {FEATURE_STRIDE} from "./histogramKernel.js";

export {buildHistogram, FEATURE_STRIDE, gatherGradients, type HistogramInput} from "./histogramKernel.js";

/** out = parent - child, for the features `feats`. */
export function subtractHistogram(out: Float64Array, parent: Float64Array, child: Float64Array, feats: Int32Array): void {
  for (let j = 0; j < feats.length; j++) {
    const from = feats[j] * FEATURE_STRIDE;
    for (let k = from; k < from + FEATURE_STRIDE; k++) out[k] = parent[k] - child[k];
  }
}

export interface Split {
  gain: number;
  feature: number;
  /** Rows with bin <= this go left (the last value bin: every value left, missing values right). */
  bin: number;
  defaultLeft: boolean;
  gLeft: number;
  hLeft: number;
  gRight: number;
  hRight: number;
}

export interface SplitRules {
  lambda: number;
  gamma: number;
  minChildWeight: number;
}

/**
 * The best split of a node with gradient sum G and hessian sum H, by XGBoost's second-order gain
 * 1/2 [GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ)] − γ. Missing values are tried on both sides and go
 * where the gain is higher (or, when the node has none, to the heavier child). Ties keep the
 * first candidate in (feature, bin) order, so results do not depend on timing.
 */
export function findBestSplit(hist: Float64Array, feats: Int32Array, nBins: Int32Array, G: number, H: number, rules: SplitRules): Split | null {
  const {lambda, minChildWeight} = rules;
  const parent = (G * G) / (H + lambda);
  let best: Split | null = null;
  let bestScore = 0;
  for (let j = 0; j < feats.length; j++) {
    const f = feats[j];
    const nb = nBins[f];
    if (nb < 2) continue;
    const off = f * FEATURE_STRIDE;
    const gm = hist[off + (MISSING_BIN << 1)];
    const hm = hist[off + (MISSING_BIN << 1) + 1];
    let gl = 0;
    let hl = 0;
    // b = nb - 1 puts every value left: a candidate only when missing values then go right alone.
    const lastB = hm > 0 ? nb - 1 : nb - 2;
    for (let b = 0; b <= lastB; b++) {
      const hb = hist[off + (b << 1) + 1];
      // An empty bin moves no row: its candidates equal the previous bin's (small nodes have many).
      if (hb === 0 && b > 0) continue;
      gl += hist[off + (b << 1)];
      hl += hb;
      // Missing values right (or none at all).
      let gr = G - gl;
      let hr = H - hl;
      if (hl >= minChildWeight && hr >= minChildWeight && hl > 0 && hr > 0) {
        const score = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
        if (score > bestScore) {
          bestScore = score;
          best = {gain: 0, feature: f, bin: b, defaultLeft: hm === 0 && hl > hr, gLeft: gl, hLeft: hl, gRight: gr, hRight: hr};
        }
      }
      if (hm > 0 && b < nb - 1) {
        const gl2 = gl + gm;
        const hl2 = hl + hm;
        gr = G - gl2;
        hr = H - hl2;
        if (hl2 >= minChildWeight && hr >= minChildWeight && hr > 0) {
          const score = (gl2 * gl2) / (hl2 + lambda) + (gr * gr) / (hr + lambda) - parent;
          if (score > bestScore) {
            bestScore = score;
            best = {gain: 0, feature: f, bin: b, defaultLeft: true, gLeft: gl2, hLeft: hl2, gRight: gr, hRight: hr};
          }
        }
      }
    }
  }
  if (!best) return null;
  best.gain = bestScore / 2 - rules.gamma;
  return best.gain > 0 ? best : null;
}
