// Gradient/hessian histograms: per feature and bin, the sums over a node's rows. Split finding
// reads only these, so a node costs one pass over its rows, and a child's histogram is its
// parent's minus its sibling's: only the smaller child is ever built from rows. The loops are in
// kernels.js (plain JS, so worker threads can load them without a TypeScript loader);
// this module gives them types and turns split results into objects.
import {bestSplitInto, SPLIT_SIZE} from "./kernels.js";

export {buildHistogram, FEATURE_STRIDE, gatherGradients, subtractHistogram, type HistogramInput} from "./kernels.js";

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

const scratch = new Float64Array(SPLIT_SIZE);

/** The best split of a node with gradient sum G and hessian sum H (see bestSplitInto), or null. */
export function findBestSplit(hist: Float64Array, feats: Int32Array, nBins: Int32Array, G: number, H: number, rules: SplitRules): Split | null {
  bestSplitInto(scratch, 0, hist, feats, 0, feats.length, nBins, G, H, rules.lambda, rules.gamma, rules.minChildWeight);
  return decodeSplit(scratch, 0);
}

/** A split result written by bestSplitInto, or null. */
export function decodeSplit(out: Float64Array, o: number): Split | null {
  if (out[o] === -Infinity) return null;
  return {gain: out[o], feature: out[o + 1], bin: out[o + 2], defaultLeft: out[o + 3] === 1, gLeft: out[o + 4], hLeft: out[o + 5], gRight: out[o + 6], hRight: out[o + 7]};
}
