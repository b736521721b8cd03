/** Doubles per feature: 256 bin codes × (gradient, hessian). */
export declare const FEATURE_STRIDE: 512;
/** Doubles in a histogram of nFeatures features (one spill stride included). */
export declare function histogramLength(nFeatures: number): number;

/** Everything a histogram build reads; with worker threads these arrays live in shared memory. */
export interface HistogramInput {
  /** Column-major bins: bins[f * nRows + row]. */
  bins: Uint8Array;
  nFeatures: number;
  nRows: number;
  rows: Uint32Array;
  grad: Float64Array;
  hess: Float64Array;
  /** Scratch (length nRows): the node's gradients and hessians in row order. */
  gs: Float64Array;
  hs: Float64Array;
  /** Every hessian is 1: histograms count rows instead of summing hs. */
  unitHessian: boolean;
}

/** Sum rows[start..end) into hist for feats[featFrom..featTo); gs/hs must hold the node's gradients (gatherGradients). */
export declare function buildHistogram(
  hist: Float64Array,
  input: HistogramInput,
  start: number,
  end: number,
  feats: Int32Array,
  featFrom?: number,
  featTo?: number
): void;

/** Gather rows[start..end)'s gradients and hessians into gs/hs. */
export declare function gatherGradients(input: HistogramInput, start: number, end: number): void;

/** Where thread `index`'s share of `nf` active features starts (a multiple of four). */
export declare function shareBoundary(nf: number, index: number, parts: number): number;

/** Partition rows[from..to) by bins[col + row] <= bin (missing: missingLeft); rights go to tmp[from..]. Returns the left count. */
export declare function partitionRange(
  rows: Uint32Array,
  tmp: Uint32Array,
  bins: Uint8Array,
  col: number,
  bin: number,
  missingLeft: number,
  from: number,
  to: number
): number;

/** Numbers per split result: gain, feature, bin, defaultLeft, gL, hL, gR, hR. */
export declare const SPLIT_SIZE: 8;
/** Best split over feats[featFrom..featTo) into out[o..o+8); gain -Infinity when none. */
export declare function bestSplitInto(
  out: Float64Array,
  o: number,
  hist: Float64Array,
  feats: Int32Array,
  featFrom: number,
  featTo: number,
  nBins: Int32Array,
  G: number,
  H: number,
  lambda: number,
  gamma: number,
  minChildWeight: number
): void;
/** out = parent - child for feats[featFrom..featTo) (out may be parent). */
export declare function subtractHistogram(out: Float64Array, parent: Float64Array, child: Float64Array, feats: Int32Array, featFrom?: number, featTo?: number): void;
