// One tree from gradients: best-first growth over histogram splits. A node's rows are a contiguous
// range of `rows`, partitioned in place at each split, so leaves end up as ranges too (training
// predictions are updated from them without walking the tree).
import {MISSING_BIN} from "./binning.ts";
import type {Split, SplitRules} from "./histogram.ts";
import {histogramLength} from "./kernels.js";
import {TreeBuilder, type Tree} from "./tree.ts";

/** Stable partition of rows[start..end) by a split (left rows first); returns where the right rows start. */
export type PartitionRows = (start: number, end: number, feature: number, bin: number, missingLeft: boolean) => number;

/** The per-node work of growth, done on one thread or several (workers.ts). */
export interface NodeOps {
  /** Build the histogram of rows[start..end) into hist and return the node's best split. */
  root(hist: Float64Array, start: number, end: number, feats: Int32Array, g: number, h: number): Split | null;
  /**
   * Build the smaller child's histogram (rows[start..end)) into `small`, turn `parent` into the
   * larger child's (parent − small), and return both children's best splits: [small, large].
   */
  children(
    small: Float64Array,
    parent: Float64Array,
    start: number,
    end: number,
    feats: Int32Array,
    gSmall: number,
    hSmall: number,
    gLarge: number,
    hLarge: number
  ): [Split | null, Split | null];
  partition: PartitionRows;
}

export interface GrowInput {
  /** Column-major bins (bins[f * nRows + row]). */
  bins: Uint8Array;
  nFeatures: number;
  nRows: number;
  /** Cut points per feature (thresholds come from them). */
  cuts: Float64Array[];
  /** Value bins per feature (cuts + 1). */
  nBins: Int32Array;
  /** Rows of this tree (ascending), partitioned in place; `rows.length` may exceed n. */
  rows: Uint32Array;
  n: number;
  grad: Float64Array;
  hess: Float64Array;
  feats: Int32Array;
  rules: SplitRules;
  maxDepth: number;
  maxLeaves: number;
  learningRate: number;
  ops: NodeOps;
  /** Histogram buffers to reuse (each histogramLength(nFeatures) doubles). */
  pool: Float64Array[];
}

export interface LeafRange {
  node: number;
  start: number;
  end: number;
}

export interface GrownTree {
  tree: Tree;
  /** Bin rule per internal node (bin <= it goes left), for walking binned rows. */
  binSplit: Int32Array;
  leaves: LeafRange[];
}

interface Candidate extends LeafRange {
  depth: number;
  g: number;
  h: number;
  hist: Float64Array | null;
  split: Split | null;
}

export function growTree(input: GrowInput): GrownTree {
  const {rows, n, grad, hess, feats, rules, maxDepth, maxLeaves, learningRate: lr} = input;
  const histSize = histogramLength(input.nFeatures);
  const take = () => input.pool.pop() ?? new Float64Array(histSize);
  const builder = new TreeBuilder();
  const binSplits: number[] = [];
  const canSplit = (depth: number) => maxDepth === 0 || depth < maxDepth;
  const leafValue = (g: number, h: number) => (-g / (h + rules.lambda)) * lr;

  let g0 = 0;
  let h0 = 0;
  for (let i = 0; i < n; i++) {
    g0 += grad[rows[i]];
    h0 += hess[rows[i]];
  }
  const root: Candidate = {node: builder.addLeaf(leafValue(g0, h0), h0), start: 0, end: n, depth: 0, g: g0, h: h0, hist: null, split: null};
  if (canSplit(0) && maxLeaves > 1) {
    root.hist = take();
    root.split = input.ops.root(root.hist, 0, n, feats, g0, h0);
  }
  const open: Candidate[] = [root];
  let leaves = 1;

  while (leaves < maxLeaves) {
    // The open leaf with the largest gain; ties go to the earlier node.
    let pick = -1;
    for (let i = 0; i < open.length; i++) if (open[i].split && (pick < 0 || open[i].split!.gain > open[pick].split!.gain)) pick = i;
    if (pick < 0) break;
    const c = open[pick];
    open.splice(pick, 1);
    const s = c.split!;
    const mid = input.ops.partition(c.start, c.end, s.feature, s.bin, s.defaultLeft);
    const left: Candidate = {node: builder.addLeaf(leafValue(s.gLeft, s.hLeft), s.hLeft), start: c.start, end: mid, depth: c.depth + 1, g: s.gLeft, h: s.hLeft, hist: null, split: null};
    const right: Candidate = {node: builder.addLeaf(leafValue(s.gRight, s.hRight), s.hRight), start: mid, end: c.end, depth: c.depth + 1, g: s.gRight, h: s.hRight, hist: null, split: null};
    const threshold = s.bin < input.cuts[s.feature].length ? input.cuts[s.feature][s.bin] : Infinity;
    builder.split(c.node, s.feature, threshold, s.defaultLeft, s.gain, left.node, right.node);
    binSplits[c.node] = s.bin;
    leaves++;
    if (canSplit(left.depth) && leaves < maxLeaves) {
      // Build the smaller child from its rows; the larger is the parent minus it.
      const [small, large] = mid - c.start <= c.end - mid ? [left, right] : [right, left];
      small.hist = take();
      large.hist = c.hist!;
      [small.split, large.split] = input.ops.children(small.hist, large.hist, small.start, small.end, feats, small.g, small.h, large.g, large.h);
    } else if (c.hist) input.pool.push(c.hist);
    c.hist = null;
    open.push(left, right);
  }
  for (const c of open) if (c.hist) input.pool.push(c.hist);
  const leafList = open.map(({node, start, end}) => ({node, start, end})).sort((a, b) => a.node - b.node);
  const tree = builder.finish();
  const binSplit = new Int32Array(tree.feature.length).fill(-1);
  binSplits.forEach((b, i) => (binSplit[i] = b));
  return {tree, binSplit, leaves: leafList};
}

/** The leaf a binned row lands in (training and validation rows, binned column-major with nRows rows). */
export function leafOfBinned(tree: Tree, binSplit: Int32Array, bins: Uint8Array, nRows: number, row: number): number {
  let node = 0;
  while (tree.feature[node] !== -1) {
    const bin = bins[tree.feature[node] * nRows + row];
    const goLeft = bin === MISSING_BIN ? tree.defaultLeft[node] === 1 : bin <= binSplit[node];
    node = goLeft ? tree.left[node] : tree.right[node];
  }
  return node;
}
