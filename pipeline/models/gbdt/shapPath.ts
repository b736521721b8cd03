// Exact TreeSHAP by the path algorithm (Lundberg, Erion & Lee 2018, "Consistent Individualized
// Feature Attribution for Tree Ensembles", Algorithm 2): the Shapley values of one row for one
// tree, in O(leaves · depth²), for the path-dependent value function v(S) = E[f(x) | x_S], where a
// split on a feature outside S averages its two children weighted by their cover. shap.ts uses it
// for trees too deep for the leaf tables of shapLeafTables.ts, which give the same values faster.
//
// The walk visits every node once. Along the way it keeps the "path" of unique features met so far:
// for each, the fraction of the background (cover) that still flows down this path when the feature
// is unknown (`zero`), whether x itself would flow down it when the feature is known (`one`, 0 or 1),
// and, shared by the whole path, `w[k]`: the Shapley-weighted share of subsets of size k of the
// path's features. EXTEND adds a feature to the path; UNWIND takes one back out. At a leaf, unwinding
// each feature in turn gives the weight of the subsets without it, hence its contribution.
//
// Conventions match `leafIndex` in tree.ts: left when x < threshold, NaN follows defaultLeft (the
// "hot" branch for a missing value, like any other value).

import {LEAF, leftFraction, treeDepth, type Tree} from "./tree.ts";

// Path buffers, shared by all calls and grown on demand, so that scoring thousands of rows against
// hundreds of trees allocates nothing per call. Recursion level d (root = 0) keeps its own copy of
// the path at offset d(d+1)/2 with room for d+1 entries (the root's dummy entry plus at most one per
// level): children must see their parent's path unchanged after a sibling has extended it, and this
// triangular layout gives each level its slot without copying more than one path per node.
// Consequence: not reentrant (one walk at a time per thread, which is all JavaScript runs).
let pathFeature = new Int32Array(0);
let pathZero = new Float64Array(0);
let pathOne = new Float64Array(0);
let pathWeight = new Float64Array(0);

// The call's inputs, held at module level rather than in a closure so the recursion allocates nothing.
let curTree: Tree | null = null;
let curX: ArrayLike<number> | null = null;
let curPhi: Float64Array | null = null;

/**
 * Add this tree's SHAP values for one row to `phi[f]`, f < number of features (the expected value
 * is the caller's: see shap.ts). `x[f]` is feature f of the row (NaN = missing).
 */
export function pathShap(tree: Tree, x: ArrayLike<number>, phi: Float64Array): void {
  const levels = depthOf(tree) + 1;
  const need = (levels * (levels + 1)) >> 1;
  if (pathWeight.length < need) {
    pathFeature = new Int32Array(need);
    pathZero = new Float64Array(need);
    pathOne = new Float64Array(need);
    pathWeight = new Float64Array(need);
  }
  curTree = tree;
  curX = x;
  curPhi = phi;
  try {
    // The root starts the path with a dummy entry (feature -1, fractions 1): it carries w[0] = 1 and
    // is never attributed.
    recurse(0, 0, 0, 0, 1, 1, -1);
  } finally {
    curTree = curX = curPhi = null;
  }
}

/** Depth per tree, computed once per tree rather than once per row (trees are immutable). */
const depths = new WeakMap<Tree, number>();
function depthOf(tree: Tree): number {
  let d = depths.get(tree);
  if (d === undefined) depths.set(tree, (d = treeDepth(tree)));
  return d;
}

/**
 * Visit `node` at recursion level `level`, having arrived along an edge that splits on feature
 * `pf` with zero fraction `pz` and one fraction `po`. The parent's path is the `parentLen` entries
 * at `parentOff`.
 */
function recurse(node: number, parentOff: number, parentLen: number, level: number, pz: number, po: number, pf: number): void {
  const tree = curTree!;
  const off = (level * (level + 1)) >> 1;
  // EXTEND works on a copy: the parent's path must stay intact for the sibling still to come.
  pathFeature.copyWithin(off, parentOff, parentOff + parentLen);
  pathZero.copyWithin(off, parentOff, parentOff + parentLen);
  pathOne.copyWithin(off, parentOff, parentOff + parentLen);
  pathWeight.copyWithin(off, parentOff, parentOff + parentLen);
  extend(off, parentLen, pz, po, pf);
  let len = parentLen + 1;

  if (tree.feature[node] === LEAF) {
    const phi = curPhi!;
    const v = tree.value[node];
    // Entry 0 is the dummy root entry.
    for (let k = 1; k < len; k++) {
      const w = unwoundSum(off, len, k);
      phi[pathFeature[off + k]] += w * (pathOne[off + k] - pathZero[off + k]) * v;
    }
    return;
  }

  const f = tree.feature[node];
  const xv = curX![f];
  const goLeft = xv !== xv ? tree.defaultLeft[node] === 1 : xv < tree.threshold[node];
  const fl = leftFraction(tree, node);
  const hot = goLeft ? tree.left[node] : tree.right[node];
  const cold = goLeft ? tree.right[node] : tree.left[node];
  const hotFraction = goLeft ? fl : 1 - fl;
  const coldFraction = 1 - hotFraction;

  // A feature split on again: its earlier entry comes off the path and its fractions fold into
  // the new one, so each feature appears once (Shapley values are over features, not splits).
  let iz = 1;
  let io = 1;
  for (let k = 1; k < len; k++) {
    if (pathFeature[off + k] === f) {
      iz = pathZero[off + k];
      io = pathOne[off + k];
      unwind(off, len, k);
      len--;
      break;
    }
  }

  // An edge that neither x nor the background can take (zero fractions 0 and 0) contributes
  // nothing, and unwinding it would divide by zero, so it is skipped. The hot edge always has
  // io = 1 unless an earlier split on f already sent x elsewhere.
  const hz = iz * hotFraction;
  if (hz !== 0 || io !== 0) recurse(hot, off, len, level + 1, hz, io, f);
  const cz = iz * coldFraction;
  if (cz !== 0) recurse(cold, off, len, level + 1, cz, 0, f);
}

/** EXTEND: append (feature, zero, one) to the path of length `len` at `off` and update the weights. */
function extend(off: number, len: number, pz: number, po: number, pf: number): void {
  pathFeature[off + len] = pf;
  pathZero[off + len] = pz;
  pathOne[off + len] = po;
  pathWeight[off + len] = len === 0 ? 1 : 0;
  const n1 = len + 1;
  for (let i = len - 1; i >= 0; i--) {
    const w = pathWeight[off + i];
    // Subsets that include the new feature grow by one (x's branch, fraction po) ...
    pathWeight[off + i + 1] += (po * w * (i + 1)) / n1;
    // ... those that leave it out stay the same size (background share pz).
    pathWeight[off + i] = (pz * w * (len - i)) / n1;
  }
}

/** UNWIND: undo the EXTEND of entry `k` of the path of length `len` at `off`, in place. */
function unwind(off: number, len: number, k: number): void {
  const last = len - 1;
  const o = pathOne[off + k];
  const z = pathZero[off + k];
  if (o !== 0) {
    let n = pathWeight[off + last];
    for (let j = last - 1; j >= 0; j--) {
      const t = pathWeight[off + j];
      const w = (n * len) / ((j + 1) * o);
      pathWeight[off + j] = w;
      n = t - (w * z * (last - j)) / len;
    }
  } else {
    for (let j = last - 1; j >= 0; j--) pathWeight[off + j] = (pathWeight[off + j] * len) / (z * (last - j));
  }
  // Weights are indexed by subset size, so only the entries shift.
  for (let j = k; j < last; j++) {
    pathFeature[off + j] = pathFeature[off + j + 1];
    pathZero[off + j] = pathZero[off + j + 1];
    pathOne[off + j] = pathOne[off + j + 1];
  }
}

/** Sum of the weights UNWIND(k) would leave, without changing the path (used at every leaf). */
function unwoundSum(off: number, len: number, k: number): number {
  const last = len - 1;
  const o = pathOne[off + k];
  const z = pathZero[off + k];
  let total = 0;
  if (o !== 0) {
    let n = pathWeight[off + last];
    for (let j = last - 1; j >= 0; j--) {
      const w = (n * len) / ((j + 1) * o);
      total += w;
      n = pathWeight[off + j] - (w * z * (last - j)) / len;
    }
  } else {
    for (let j = last - 1; j >= 0; j--) total += (pathWeight[off + j] * len) / (z * (last - j));
  }
  return total;
}
