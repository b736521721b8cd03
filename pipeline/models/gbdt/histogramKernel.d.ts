/** Doubles per feature: 256 bin codes × (gradient, hessian). */
export declare const FEATURE_STRIDE: 512;

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
