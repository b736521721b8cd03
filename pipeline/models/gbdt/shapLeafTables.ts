// Exact TreeSHAP from per-leaf tables: the same Shapley values as the path algorithm
// (shapPath.ts), in O(leaves · depth) per row instead of O(leaves · depth²), by moving the work
// that does not depend on the row into a table built once per tree. The idea is Fast TreeSHAP v2's
// (Yang 2021, "Fast TreeSHAP: Accelerating SHAP Value Computation for Trees"); the derivation below
// is ours, in our notation.
//
// Under the path-dependent value function, leaf l (value v, reached through the unique features P,
// d = |P|) contributes the game v_l(T) = v · [T∩P ⊆ S] · Π_{j ∈ P∖T} z_j, where z_j is the product
// of the cover fractions of l's branches on feature j and S ⊆ P is the set of features whose every
// split on the way to l x agrees with. Features outside P are dummies, so with the Shapley weights
// W(k) = k!(d−k−1)!/d! and G(A) = Σ_{T ⊆ A} W(|T|) · Π_{j ∈ A∖T} z_j:
//   i ∉ S:  phi_i = −v · Π_{j ∈ P∖S} z_j · G(S)
//   i ∈ S:  phi_i = v · (1 − z_i) · Π_{j ∈ P∖S} z_j · G(S∖{i})
// G depends on the row only through S, a subset of P: the table holds v·G(A) for all 2^d subsets A.
// A row then costs one walk of the tree (to learn S at each leaf) and O(d) per leaf.
//
// Conventions match `leafIndex` in tree.ts: left when x < threshold, NaN follows defaultLeft.

import {LEAF, leftFraction, type Tree} from "./tree.ts";

/** Everything about a tree that does not depend on the row. */
export interface LeafTables {
  /** Per node: the bit of its feature in the path's feature list; leaves: their ordinal. */
  slot: Int32Array;
  /** Per leaf: its number of unique path features d (the table has 2^d entries). */
  size: Uint8Array;
  /** Per leaf, `maxD` entries from leaf·maxD: the features of its path in order of first split ... */
  features: Int32Array;
  /** ... and 1 − z_j, z_j being the product of the cover fractions of the leaf's splits on feature j. */
  oneMinusZero: Float64Array;
  maxD: number;
  /** Per leaf: where its table starts in `table`. */
  offset: Int32Array;
  /** v·G(A) for every subset A of a leaf's path features, A as a bit mask over its list. */
  table: Float64Array;
  /** Π_{j ∈ P∖A} z_j for every such A, laid out like `table`. */
  rest: Float64Array;
}

/**
 * Table entries beyond which a tree is left to the path algorithm: Σ over leaves of 2^d grows
 * exponentially with depth. 2^16 doubles is 512 KB per tree; a depth-6 tree needs at most 4,096.
 */
export const MAX_TABLE_ENTRIES = 1 << 16;

/** The tree's tables, or null when they would exceed `limit` entries (see MAX_TABLE_ENTRIES). */
export function buildLeafTables(tree: Tree, limit = MAX_TABLE_ENTRIES): LeafTables | null {
  const n = tree.feature.length;
  const slot = new Int32Array(n);
  // First pass: path lengths per leaf, to size the tables (and give up early if too large).
  let leaves = 0;
  let maxD = 0;
  let entries = 0;
  const countWalk = (node: number, path: number[]): boolean => {
    const f = tree.feature[node];
    if (f === LEAF) {
      slot[node] = leaves++;
      maxD = Math.max(maxD, path.length);
      entries += 2 ** path.length;
      return entries <= limit;
    }
    let bit = path.indexOf(f);
    const next = bit < 0 ? [...path, f] : path;
    if (bit < 0) bit = path.length;
    slot[node] = bit;
    return countWalk(tree.left[node], next) && countWalk(tree.right[node], next);
  };
  if (!countWalk(0, [])) return null;

  const t: LeafTables = {
    slot, maxD, size: new Uint8Array(leaves), features: new Int32Array(leaves * maxD), oneMinusZero: new Float64Array(leaves * maxD),
    offset: new Int32Array(leaves), table: new Float64Array(entries), rest: new Float64Array(entries)
  };
  let used = 0;
  const fillWalk = (node: number, path: number[], zero: number[]): void => {
    if (tree.feature[node] === LEAF) {
      const l = slot[node];
      t.size[l] = path.length;
      t.features.set(path, l * maxD);
      t.oneMinusZero.set(zero.map((z) => 1 - z), l * maxD);
      t.offset[l] = used;
      fillTable(t.table.subarray(used, used + 2 ** path.length), t.rest.subarray(used, used + 2 ** path.length), zero, tree.value[node]);
      used += 2 ** path.length;
      return;
    }
    const bit = slot[node];
    const fl = leftFraction(tree, node);
    const down = (child: number, fraction: number) => {
      const p = bit < path.length ? path : [...path, tree.feature[node]];
      const z = bit < zero.length ? zero.slice() : [...zero, 1];
      z[bit] *= fraction;
      fillWalk(child, p, z);
    };
    down(tree.left[node], fl);
    down(tree.right[node], 1 - fl);
  };
  fillWalk(0, [], []);
  return t;
}

/**
 * out[A] = v·G(A) and rest[A] = Π_{j ∉ A} z_j for every A ⊆ {0..d−1}. G(A) = Σ_k W(k) · e_k(A), where e_k(A) sums
 * Π_{j ∈ A∖T} z_j over the T ⊆ A of size k: built subset by subset, adding A's lowest element b to
 * A' = A∖{b} either to T (e_{k−1}(A')) or not (z_b · e_k(A')). G(P) itself is never read (no i lies
 * outside S = P) and W(d) is undefined, so it stays 0.
 */
function fillTable(out: Float64Array, rest: Float64Array, zero: number[], v: number): void {
  const d = zero.length;
  const w = new Float64Array(d);
  for (let k = 0; k < d; k++) w[k] = factorial(k) * factorial(d - k - 1) / factorial(d);
  const e = new Float64Array((d + 1) << d);
  e[0] = 1;
  for (let a = 1; a < 1 << d; a++) {
    const b = 31 - Math.clz32(a & -a);
    const base = (a & (a - 1)) * (d + 1);
    const row = a * (d + 1);
    e[row] = zero[b] * e[base];
    for (let k = 1; k <= d; k++) e[row + k] = e[base + k - 1] + zero[b] * e[base + k];
  }
  const all = (1 << d) - 1;
  for (let a = 0; a <= all; a++) {
    let r = 1;
    for (let j = 0; j < d; j++) if (!(a & (1 << j))) r *= zero[j];
    rest[a] = r;
    if (a === all) break;
    let g = 0;
    for (let k = 0; k < d; k++) g += w[k] * e[a * (d + 1) + k];
    out[a] = v * g;
  }
}

const factorials = [1];
function factorial(n: number): number {
  for (let i = factorials.length; i <= n; i++) factorials[i] = factorials[i - 1] * i;
  return factorials[n];
}

// Walk stacks, shared by all calls and grown on demand (no allocation per row).
let stackNode = new Int32Array(64);
let stackMask = new Int32Array(64);

/**
 * Add the tree's SHAP values for one row to `phi[f]`, f < number of features (the expected value
 * is the caller's: see shap.ts). `x[f]` is feature f of the row (NaN = missing).
 */
export function tableShap(tree: Tree, t: LeafTables, x: ArrayLike<number>, phi: Float64Array): void {
  if (stackNode.length < tree.feature.length) {
    stackNode = new Int32Array(tree.feature.length);
    stackMask = new Int32Array(tree.feature.length);
  }
  const nodes = stackNode;
  const masks = stackMask;
  const {feature, threshold, defaultLeft, left, right} = tree;
  const {slot, size, features, oneMinusZero, offset, table, rest, maxD} = t;
  // Depth-first over all nodes, carrying the mask of path features x has agreed with so far: the
  // branch x takes keeps it, the other clears the node's bit. A bit is set until some split clears it.
  let top = 0;
  nodes[0] = 0;
  masks[0] = -1;
  while (top >= 0) {
    const node = nodes[top];
    const mask = masks[top--];
    const f = feature[node];
    if (f !== LEAF) {
      const v = x[f];
      const goLeft = v !== v ? defaultLeft[node] === 1 : v < threshold[node];
      const cleared = mask & ~(1 << slot[node]);
      nodes[++top] = left[node];
      masks[top] = goLeft ? mask : cleared;
      nodes[++top] = right[node];
      masks[top] = goLeft ? cleared : mask;
      continue;
    }
    const l = slot[node];
    const d = size[l];
    if (d === 0) continue;
    const s = mask & ((1 << d) - 1);
    const g = offset[l];
    const r = rest[g + s];
    if (r === 0) continue;
    const at = l * maxD;
    const out = r * table[g + s];
    for (let j = 0; j < d; j++) {
      const bit = 1 << j;
      phi[features[at + j]] += s & bit ? oneMinusZero[at + j] * r * table[g + (s ^ bit)] : -out;
    }
  }
}
