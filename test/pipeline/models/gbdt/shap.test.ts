import {describe, expect, it} from "vitest";
import {expectedValue, treeShap} from "../../../../pipeline/models/gbdt/shap.ts";
import {buildLeafTables, MAX_TABLE_ENTRIES, tableShap} from "../../../../pipeline/models/gbdt/shapLeafTables.ts";
import {pathShap} from "../../../../pipeline/models/gbdt/shapPath.ts";
import {leafIndex, TreeBuilder, type Tree} from "../../../../pipeline/models/gbdt/tree.ts";
import {mulberry32} from "../../../../pipeline/random.ts";

const F = 5;

/** Split `i` of a builder (a leaf so far) on feature f at threshold t, adding two leaves. */
function splitLeaf(b: TreeBuilder, i: number, f: number, t: number, defaultLeft: boolean, left: [number, number], right: [number, number]): [number, number] {
  const l = b.addLeaf(left[0], left[1]);
  const r = b.addLeaf(right[0], right[1]);
  b.split(i, f, t, defaultLeft, 1, l, r);
  return [l, r];
}

/**
 * A random tree as plain typed arrays: depth up to `maxDepth`, features out of F (often reusing one
 * already on the path, so repeated features are common), thresholds and inputs on a 0.1 grid (so
 * x === threshold happens), covers consistent (internal = left + right, leaves random).
 */
function randomTree(rand: () => number, maxDepth: number): Tree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const defaultLeft: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const cover: number[] = [];
  // Fills node i and returns its cover.
  const grow = (i: number, d: number, path: number[]): number => {
    if (d >= maxDepth || (d > 0 && rand() < 0.25)) {
      feature[i] = -1;
      threshold[i] = 0;
      defaultLeft[i] = 0;
      left[i] = right[i] = -1;
      value[i] = rand() * 4 - 2;
      cover[i] = rand() < 0.1 ? 1 + Math.floor(rand() * 3) : 0.5 + rand() * 20;
      return cover[i];
    }
    feature[i] = path.length > 0 && rand() < 0.4 ? path[Math.floor(rand() * path.length)] : Math.floor(rand() * F);
    threshold[i] = (1 + Math.floor(rand() * 9)) / 10;
    defaultLeft[i] = rand() < 0.5 ? 1 : 0;
    value[i] = 0;
    const l = (left[i] = feature.length);
    feature.push(-1);
    const r = (right[i] = feature.length);
    feature.push(-1);
    const sub = [...path, feature[i]];
    cover[i] = grow(l, d + 1, sub) + grow(r, d + 1, sub);
    return cover[i];
  };
  feature.push(-1);
  grow(0, 0, []);
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    defaultLeft: Uint8Array.from(defaultLeft),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value),
    cover: Float64Array.from(cover),
    gain: new Float64Array(feature.length)
  };
}

function randomRow(rand: () => number, nanRate: number): Float64Array {
  const row = new Float64Array(F);
  for (let f = 0; f < F; f++) row[f] = rand() < nanRate ? NaN : Math.floor(rand() * 11) / 10;
  return row;
}

/** v(S) = E[f(x) | x_S] by the cover-weighted rule: known features follow x, others average by cover. */
function condExpectation(tree: Tree, row: Float64Array, known: number, node = 0): number {
  const f = tree.feature[node];
  if (f === -1) return tree.value[node];
  const l = tree.left[node];
  const r = tree.right[node];
  if (known & (1 << f)) {
    const v = row[f];
    const goLeft = Number.isNaN(v) ? tree.defaultLeft[node] === 1 : v < tree.threshold[node];
    return condExpectation(tree, row, known, goLeft ? l : r);
  }
  return (tree.cover[l] * condExpectation(tree, row, known, l) + tree.cover[r] * condExpectation(tree, row, known, r)) / tree.cover[node];
}

/** Shapley values over all 2^F coalitions, straight from the definition. */
function bruteForceShap(tree: Tree, row: Float64Array): Float64Array {
  const fact = [1];
  for (let i = 1; i <= F; i++) fact[i] = fact[i - 1] * i;
  const v = new Float64Array(1 << F);
  for (let s = 0; s < 1 << F; s++) v[s] = condExpectation(tree, row, s);
  const phi = new Float64Array(F + 1);
  for (let i = 0; i < F; i++) {
    for (let s = 0; s < 1 << F; s++) {
      if (s & (1 << i)) continue;
      let size = 0;
      for (let k = 0; k < F; k++) if (s & (1 << k)) size++;
      phi[i] += ((fact[size] * fact[F - size - 1]) / fact[F]) * (v[s | (1 << i)] - v[s]);
    }
  }
  phi[F] = v[0];
  return phi;
}

type Algorithm = (tree: Tree, row: ArrayLike<number>, phi: Float64Array) => void;

// treeShap picks one of the two exact algorithms per tree; each is also tested on its own.
const algorithms: [string, Algorithm][] = [
  ["treeShap", treeShap],
  [
    "leaf tables",
    (tree, row, phi) => {
      const tables = buildLeafTables(tree);
      if (!tables) throw new Error("test tree too large for leaf tables");
      tableShap(tree, tables, row, phi);
      phi[phi.length - 1] += expectedValue(tree);
    }
  ],
  [
    "path algorithm",
    (tree, row, phi) => {
      pathShap(tree, row, phi);
      phi[phi.length - 1] += expectedValue(tree);
    }
  ]
];

const sum = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};

describe.each(algorithms)("%s", (_name, algorithm) => {
  const shap = (tree: Tree, row: ArrayLike<number>, nFeatures = F): Float64Array => {
    const phi = new Float64Array(nFeatures + 1);
    algorithm(tree, row, phi);
    return phi;
  };

  // Root: x0 < 0.5 → leaf 1 (cover 30), else leaf 3 (cover 10). E = (30·1 + 10·3) / 40 = 1.5.
  // Only one feature, so phi0 = f(x) − E: −0.5 on the left, +1.5 on the right; phi1 stays 0.
  const stump = (() => {
    const b = new TreeBuilder();
    const root = b.addLeaf(0, 40);
    splitLeaf(b, root, 0, 0.5, true, [1, 30], [3, 10]);
    return b.finish();
  })();

  it("matches a hand-computed stump", () => {
    expect(expectedValue(stump)).toBeCloseTo(1.5, 12);
    const left = shap(stump, [0.2, 123], 2);
    expect(left[0]).toBeCloseTo(-0.5, 12);
    expect(left[1]).toBe(0);
    expect(left[2]).toBeCloseTo(1.5, 12);
    const right = shap(stump, [0.7, 123], 2);
    expect(right[0]).toBeCloseTo(1.5, 12);
    expect(right[1]).toBe(0);
    expect(right[2]).toBeCloseTo(1.5, 12);
    // x === threshold goes right (x < threshold is the left test).
    expect(shap(stump, [0.5, 0], 2)[0]).toBeCloseTo(1.5, 12);
  });

  it("matches a hand-computed two-feature tree", () => {
    // Root x0 < 0.5 (cover 40): left → x1 < 0.5 (cover 20): leaves 0 (cover 10) and 4 (cover 10);
    // right → leaf 2 (cover 20). Row x = (0.2, 0.7) lands on the leaf 4.
    // v(∅) = (0·10 + 4·10 + 2·20)/40 = 2;  v({0}) = (0 + 4)/2 = 2;  v({1}) = ½·4 + ½·2 = 3;  v({0,1}) = 4.
    // phi0 = ½(v{0} − v∅) + ½(v{0,1} − v{1}) = ½·0 + ½·1 = 0.5
    // phi1 = ½(v{1} − v∅) + ½(v{0,1} − v{0}) = ½·1 + ½·2 = 1.5      (0.5 + 1.5 = 4 − 2)
    const b = new TreeBuilder();
    const root = b.addLeaf(0, 40);
    const [l] = splitLeaf(b, root, 0, 0.5, false, [0, 20], [2, 20]);
    splitLeaf(b, l, 1, 0.5, false, [0, 10], [4, 10]);
    const tree = b.finish();
    const phi = shap(tree, [0.2, 0.7], 2);
    expect(phi[0]).toBeCloseTo(0.5, 12);
    expect(phi[1]).toBeCloseTo(1.5, 12);
    expect(phi[2]).toBeCloseTo(2, 12);
  });

  it("routes NaN through defaultLeft", () => {
    const b = new TreeBuilder();
    const root = b.addLeaf(0, 40);
    splitLeaf(b, root, 0, 0.5, false, [1, 30], [3, 10]);
    const defaultRight = b.finish();
    // defaultLeft = 1 (stump): missing goes left, like a small value.
    expect(shap(stump, [NaN, 0], 2)[0]).toBeCloseTo(-0.5, 12);
    // defaultLeft = 0: missing goes right.
    expect(shap(defaultRight, [NaN, 0], 2)[0]).toBeCloseTo(1.5, 12);

    // A deeper tree: NaN sends x0 right at the root (defaultLeft 0), then x1 = NaN goes left
    // (defaultLeft 1) at a split that a row with x1 = 0.9 would take right.
    const c = new TreeBuilder();
    const r0 = c.addLeaf(0, 40);
    const [, rr] = splitLeaf(c, r0, 0, 0.5, false, [1, 10], [0, 30]);
    splitLeaf(c, rr, 1, 0.3, true, [5, 20], [-1, 10]);
    const tree = c.finish();
    const row = [NaN, NaN, 0, 0, 0];
    expect(tree.value[leafIndex(tree, (f) => row[f])]).toBe(5);
    const phi = shap(tree, row);
    expect(sum(phi)).toBeCloseTo(5, 12);
    const brute = bruteForceShap(tree, Float64Array.from(row));
    for (let i = 0; i <= F; i++) expect(phi[i]).toBeCloseTo(brute[i], 12);
    expect(phi[1]).toBeGreaterThan(0);
  });

  it("adds to phi rather than overwriting it", () => {
    const phi = new Float64Array(3);
    algorithm(stump, [0.7, 0.7], phi);
    algorithm(stump, [0.7, 0.7], phi);
    expect(phi[0]).toBeCloseTo(3, 12);
    expect(phi[2]).toBeCloseTo(3, 12);
  });

  it("handles a single-leaf tree", () => {
    const b = new TreeBuilder();
    b.addLeaf(0.25, 7);
    const tree = b.finish();
    const phi = shap(tree, [1, 2, 3, 4, 5]);
    expect(Array.from(phi)).toEqual([0, 0, 0, 0, 0, 0.25]);
    expect(expectedValue(tree)).toBe(0.25);
  });

  it("is additive on random trees with repeated features and NaN inputs", () => {
    const rand = mulberry32(12345);
    let repeated = 0;
    let nanRows = 0;
    for (let t = 0; t < 300; t++) {
      const tree = randomTree(rand, 1 + Math.floor(rand() * 6));
      if (hasRepeatedFeature(tree)) repeated++;
      for (let r = 0; r < 10; r++) {
        const row = randomRow(rand, 0.2);
        if (row.some(Number.isNaN)) nanRows++;
        const phi = shap(tree, row);
        const predicted = tree.value[leafIndex(tree, (f) => row[f])];
        expect(Math.abs(sum(phi) - predicted)).toBeLessThan(1e-9);
        expect(Math.abs(phi[F] - expectedValue(tree))).toBeLessThan(1e-12);
      }
    }
    // The generator really exercises what the test claims.
    expect(repeated).toBeGreaterThan(50);
    expect(nanRows).toBeGreaterThan(500);
  });

  it("equals brute-force Shapley values over all 2^F coalitions", () => {
    const rand = mulberry32(987654321);
    for (let t = 0; t < 150; t++) {
      const tree = randomTree(rand, 1 + Math.floor(rand() * 6));
      for (let r = 0; r < 4; r++) {
        const row = randomRow(rand, 0.2);
        const phi = shap(tree, row);
        const brute = bruteForceShap(tree, row);
        for (let i = 0; i <= F; i++) expect(Math.abs(phi[i] - brute[i])).toBeLessThan(1e-9);
      }
    }
  });

  it("equals brute force when a feature is split on repeatedly along one path", () => {
    // x0 < 0.5 → x0 < 0.2 → x0 < 0.1, with x1 in between, so x0's path entry is unwound twice.
    const b = new TreeBuilder();
    const root = b.addLeaf(0, 100);
    const [a] = splitLeaf(b, root, 0, 0.5, true, [0, 60], [3, 40]);
    const [, c] = splitLeaf(b, a, 1, 0.5, false, [1, 25], [0, 35]);
    const [d] = splitLeaf(b, c, 0, 0.2, false, [0, 20], [-2, 15]);
    splitLeaf(b, d, 0, 0.1, true, [7, 5], [-4, 15]);
    const tree = b.finish();
    for (const row of [
      [0.05, 0.9],
      [0.15, 0.9],
      [0.3, 0.9],
      [0.05, 0.1],
      [0.7, 0.9],
      [NaN, 0.9],
      [0.15, NaN]
    ]) {
      const x = Float64Array.from([...row, 0, 0, 0]);
      const phi = shap(tree, x);
      const brute = bruteForceShap(tree, x);
      for (let i = 0; i <= F; i++) expect(Math.abs(phi[i] - brute[i])).toBeLessThan(1e-9);
    }
  });

  it("copes with an empty child (zero cover) without NaN", () => {
    const b = new TreeBuilder();
    const root = b.addLeaf(0, 10);
    const [l] = splitLeaf(b, root, 0, 0.5, false, [0, 10], [9, 0]);
    splitLeaf(b, l, 1, 0.5, false, [1, 4], [2, 6]);
    const tree = b.finish();
    for (const row of [
      [0.2, 0.2],
      [0.8, 0.2],
      [0.8, 0.8]
    ]) {
      const x = Float64Array.from([...row, 0, 0, 0]);
      const phi = shap(tree, x);
      expect(phi.every(Number.isFinite)).toBe(true);
      expect(Math.abs(sum(phi) - tree.value[leafIndex(tree, (f) => x[f])])).toBeLessThan(1e-9);
      const brute = bruteForceShap(tree, x);
      for (let i = 0; i <= F; i++) expect(Math.abs(phi[i] - brute[i])).toBeLessThan(1e-9);
    }
  });
});

describe("leaf tables or the path algorithm", () => {
  // A chain that splits on a new feature at every level: its deepest leaf has 17 path features,
  // so its table alone would need 2^17 entries, more than MAX_TABLE_ENTRIES.
  const chain = (levels: number): Tree => {
    const b = new TreeBuilder();
    let node = b.addLeaf(0, 2 ** levels);
    for (let f = 0; f < levels; f++) [, node] = splitLeaf(b, node, f, 0.5, false, [f - 3, 2 ** (levels - f - 1)], [0, 2 ** (levels - f - 1)]);
    b.setValue(node, 9);
    return b.finish();
  };

  it("builds tables up to the limit and declines beyond it", () => {
    const rand = mulberry32(7);
    const tree = randomTree(rand, 4);
    let entries = 0;
    const walk = (node: number, seen: Set<number>): void => {
      const f = tree.feature[node];
      if (f === -1) entries += 2 ** seen.size;
      else for (const child of [tree.left[node], tree.right[node]]) walk(child, new Set([...seen, f]));
    };
    walk(0, new Set());
    expect(buildLeafTables(tree, entries)?.table.length).toBe(entries);
    expect(buildLeafTables(tree, entries - 1)).toBeNull();
    expect(buildLeafTables(chain(17))).toBeNull();
    expect(buildLeafTables(chain(14))).not.toBeNull();
    expect(2 ** 17).toBeGreaterThan(MAX_TABLE_ENTRIES);
  });

  it("treeShap falls back to the path algorithm for a tree too deep for tables", () => {
    const tree = chain(17);
    const rand = mulberry32(99);
    for (let r = 0; r < 20; r++) {
      const row = Float64Array.from({length: 17}, () => (rand() < 0.8 ? 0.7 : 0.2));
      const phi = new Float64Array(18);
      treeShap(tree, row, phi);
      const viaPath = new Float64Array(18);
      pathShap(tree, row, viaPath);
      viaPath[17] += expectedValue(tree);
      expect(Array.from(phi)).toEqual(Array.from(viaPath));
      expect(Math.abs(sum(phi) - tree.value[leafIndex(tree, (f) => row[f])])).toBeLessThan(1e-9);
    }
  });

  it("agree on a tree both can take", () => {
    const tree = chain(12);
    const rand = mulberry32(5);
    for (let r = 0; r < 20; r++) {
      const row = Float64Array.from({length: 12}, () => (rand() < 0.8 ? 0.7 : rand() < 0.5 ? 0.2 : NaN));
      const a = new Float64Array(13);
      const b = new Float64Array(13);
      tableShap(tree, buildLeafTables(tree)!, row, a);
      pathShap(tree, row, b);
      for (let i = 0; i < 13; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-12);
    }
  });
});

describe("expectedValue", () => {
  it("is the cover-weighted mean of the leaves", () => {
    const rand = mulberry32(42);
    for (let t = 0; t < 50; t++) {
      const tree = randomTree(rand, 1 + Math.floor(rand() * 6));
      let weighted = 0;
      for (let i = 0; i < tree.feature.length; i++) if (tree.feature[i] === -1) weighted += tree.cover[i] * tree.value[i];
      expect(Math.abs(expectedValue(tree) - weighted / tree.cover[0])).toBeLessThan(1e-9);
    }
  });
});

function hasRepeatedFeature(tree: Tree): boolean {
  const walk = (node: number, seen: number): boolean => {
    const f = tree.feature[node];
    if (f === -1) return false;
    if (seen & (1 << f)) return true;
    return walk(tree.left[node], seen | (1 << f)) || walk(tree.right[node], seen | (1 << f));
  };
  return walk(0, 0);
}
