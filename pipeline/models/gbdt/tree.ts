// One regression tree as flat arrays (node 0 is the root), the layout training writes, prediction
// walks, TreeSHAP reads and JSON stores.
//
// An internal node sends a row left when its value is below `threshold` (a bin edge, in the
// feature's own units), right otherwise; a missing value (NaN) goes where `defaultLeft` says, the
// direction training found best for the rows that had none. A leaf has feature -1 and `value`,
// its output (learning rate already applied). `cover` is the hessian sum of the training rows that
// reached the node (the row count for squared error): TreeSHAP weighs branches by it.

export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  defaultLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  cover: Float64Array;
  /** Loss reduction of the split (0 at leaves): the "gain" importance. */
  gain: Float64Array;
}

export const LEAF = -1;

/** The leaf a row of raw feature values lands in. `x(f)` reads feature f of that row. */
export function leafIndex(tree: Tree, x: (f: number) => number): number {
  let node = 0;
  while (tree.feature[node] !== LEAF) {
    const v = x(tree.feature[node]);
    const goLeft = v !== v ? tree.defaultLeft[node] === 1 : v < tree.threshold[node];
    node = goLeft ? tree.left[node] : tree.right[node];
  }
  return node;
}

/**
 * Share of node's cover that goes left, as TreeSHAP weighs the branches. The denominator is the
 * children's cover sum rather than the node's own cover: equal for a consistent tree, and it keeps
 * the two shares summing to exactly 1 if rounding (or a hand-built tree) makes them disagree. Two
 * empty children split evenly rather than producing NaN.
 */
export function leftFraction(tree: Tree, node: number): number {
  const cl = tree.cover[tree.left[node]];
  const total = cl + tree.cover[tree.right[node]];
  return total > 0 ? cl / total : 0.5;
}

/** Edges on the longest root-to-leaf path below `node`. */
export function treeDepth(tree: Tree, node = 0): number {
  if (tree.feature[node] === LEAF) return 0;
  return 1 + Math.max(treeDepth(tree, tree.left[node]), treeDepth(tree, tree.right[node]));
}

/** Grow-as-you-go storage for a tree under construction; `finish` trims it to size. */
export class TreeBuilder {
  private size = 0;
  private t: Tree;

  constructor(capacity = 64) {
    this.t = allocate(capacity);
  }

  /** A new leaf; returns its index. */
  addLeaf(value: number, cover: number): number {
    if (this.size === this.t.feature.length) this.t = grow(this.t, this.size * 2);
    const i = this.size++;
    this.t.feature[i] = LEAF;
    this.t.left[i] = -1;
    this.t.right[i] = -1;
    this.t.value[i] = value;
    this.t.cover[i] = cover;
    return i;
  }

  /** Turn leaf `i` into a split whose children are `left` and `right`. */
  split(i: number, feature: number, threshold: number, defaultLeft: boolean, gain: number, left: number, right: number): void {
    this.t.feature[i] = feature;
    this.t.threshold[i] = threshold;
    this.t.defaultLeft[i] = defaultLeft ? 1 : 0;
    this.t.gain[i] = gain;
    this.t.left[i] = left;
    this.t.right[i] = right;
    this.t.value[i] = 0;
  }

  setValue(i: number, value: number): void {
    this.t.value[i] = value;
  }

  finish(): Tree {
    return grow(this.t, this.size);
  }
}

function allocate(n: number): Tree {
  return {
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    defaultLeft: new Uint8Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    value: new Float64Array(n),
    cover: new Float64Array(n),
    gain: new Float64Array(n)
  };
}

function grow(t: Tree, n: number): Tree {
  const out = allocate(n);
  const k = Math.min(n, t.feature.length);
  for (const key of Object.keys(out) as (keyof Tree)[]) (out[key] as Float64Array).set((t[key] as Float64Array).subarray(0, k));
  return out;
}
