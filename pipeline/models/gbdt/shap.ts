// Exact TreeSHAP: the Shapley values of one row for one tree under the path-dependent value
// function v(S) = E[f(x) | x_S], where a split on a feature outside S averages its two children
// weighted by their cover (Lundberg, Erion & Lee 2018). Two algorithms give the same values:
// per-leaf tables (shapLeafTables.ts, O(leaves · depth) per row after a one-off table per tree) for
// trees of ordinary depth, and the path algorithm (shapPath.ts, O(leaves · depth²), no table) for
// trees whose tables would be too large.

import {buildLeafTables, tableShap, type LeafTables} from "./shapLeafTables.ts";
import {pathShap} from "./shapPath.ts";
import {LEAF, leftFraction, type Tree} from "./tree.ts";

/**
 * Add this tree's SHAP values for one row to `phi`: phi[f] for each feature f < F = phi.length - 1,
 * and the tree's expected value (see `expectedValue`) to phi[F]. What is added to sum(phi) is this
 * tree's prediction for the row, so phi can accumulate over the trees of an ensemble.
 * `x[f]` is feature f of the row (NaN = missing).
 */
export function treeShap(tree: Tree, x: ArrayLike<number>, phi: Float64Array): void {
  const info = treeInfo(tree);
  if (info.tables) tableShap(tree, info.tables, x, phi);
  else pathShap(tree, x, phi);
  phi[phi.length - 1] += info.expected;
}

/** Per-tree constants, computed once per tree rather than once per row (trees are immutable). */
const infos = new WeakMap<Tree, {expected: number; tables: LeafTables | null}>();
function treeInfo(tree: Tree): {expected: number; tables: LeafTables | null} {
  let info = infos.get(tree);
  if (!info) infos.set(tree, (info = {expected: expectedValue(tree), tables: buildLeafTables(tree)}));
  return info;
}

/**
 * The tree's output averaged over its training rows: leaf values weighted by cover, computed
 * top-down with the same child fractions TreeSHAP uses so that additivity holds exactly.
 */
export function expectedValue(tree: Tree, node = 0): number {
  if (tree.feature[node] === LEAF) return tree.value[node];
  const fl = leftFraction(tree, node);
  return fl * expectedValue(tree, tree.left[node]) + (1 - fl) * expectedValue(tree, tree.right[node]);
}
