import {describe, expect, it} from "vitest";
import {ksPValue, ksStatistic, psi, quantileEdges, wasserstein1} from "../../../pipeline/drift/index.ts";
import {normals} from "./samples.ts";


describe("hand-checkable cases", () => {
  it("identical samples are at distance 0 by all three measures", () => {
    const x = normals(500, 3, 2, 1);
    expect(psi(x, x)).toBe(0);
    expect(ksStatistic(x, x)).toBe(0);
    expect(wasserstein1(x, x)).toBe(0);
    expect(ksPValue(0, 500, 500)).toBe(1);
  });

  it("wasserstein of {0} and {1} is 1, and of {0, 1} and {0.5} is 0.5", () => {
    expect(wasserstein1([0], [1])).toBe(1);
    expect(wasserstein1([1], [0])).toBe(1);
    // |F1 − F2| is 0.5 on [0, 0.5) and on [0.5, 1).
    expect(wasserstein1([0, 1], [0.5])).toBe(0.5);
  });

  it("wasserstein of a sample and the same sample shifted is the shift", () => {
    const x = normals(1000, 0, 1, 2);
    const shifted = x.map((v) => v + 0.7);
    expect(wasserstein1(x, shifted)).toBeCloseTo(0.7, 10);
    expect(wasserstein1(shifted, x)).toBeCloseTo(0.7, 10);
  });

  it("wasserstein handles samples of different sizes", () => {
    // F1: 1/3 steps at 0, 1, 2; F2: one step at 1. |F1 − F2| = 1/3 on [0, 1) and on [1, 2).
    expect(wasserstein1([0, 1, 2], [1])).toBeCloseTo(2 / 3, 12);
  });

  it("KS of disjoint samples is 1", () => {
    expect(ksStatistic([1, 2, 3], [4, 5])).toBe(1);
    expect(ksStatistic([4, 5], [1, 2, 3])).toBe(1);
  });

  it("KS compares the ECDFs after every tie, not in the middle of one", () => {
    // At 1: F_ref = 0.5, F_recent = 0.25; at 2 both are 1.
    expect(ksStatistic([1, 1, 2, 2], [1, 2, 2, 2])).toBe(0.25);
    // At 0: 0.75 vs 0.25.
    expect(ksStatistic([0, 0, 0, 1], [0, 1, 1, 1])).toBe(0.5);
    // All values tied: the ECDFs are equal everywhere.
    expect(ksStatistic([5, 5, 5], [5, 5])).toBe(0);
  });

  it("PSI on a tiny example with its median as the one edge", () => {
    // Reference [1, 2, 3, 4], two bins: edge 2.5, proportions 0.5 / 0.5.
    // Recent [1, 1, 1, 4]: 0.75 / 0.25.
    // PSI = 0.25·ln(1.5) + (−0.25)·ln(0.5) = 0.25·ln 3.
    expect(quantileEdges(Float64Array.of(1, 2, 3, 4), 2)).toEqual([2.5]);
    expect(psi([1, 2, 3, 4], [1, 1, 1, 4], {bins: 2})).toBeCloseTo(0.25 * Math.log(3), 12);
  });

  it("PSI with explicit edges", () => {
    const reference = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const recent = [0, 0, 0, 0, 0, 5, 5, 5, 9, 9];
    // Bins (−∞, 2.5], (2.5, 6.5], (6.5, ∞): reference 0.3 / 0.4 / 0.3, recent 0.5 / 0.3 / 0.2.
    const expected = 0.2 * Math.log(0.5 / 0.3) + -0.1 * Math.log(0.3 / 0.4) + -0.1 * Math.log(0.2 / 0.3);
    expect(psi(reference, recent, {edges: [2.5, 6.5]})).toBeCloseTo(expected, 12);
  });

  it("PSI floors an empty bin at epsilon instead of taking ln(0)", () => {
    // Recent [4, 4]: proportions 0 / 1 against 0.5 / 0.5; the 0 becomes epsilon.
    const eps = 1e-4;
    const expected = (eps - 0.5) * Math.log(eps / 0.5) + 0.5 * Math.log(2);
    expect(psi([1, 2, 3, 4], [4, 4], {bins: 2})).toBeCloseTo(expected, 12);
    expect(psi([1, 2, 3, 4], [4, 4], {bins: 2, epsilon: 1e-3})).toBeCloseTo((1e-3 - 0.5) * Math.log(1e-3 / 0.5) + 0.5 * Math.log(2), 12);
  });

  it("PSI bins are open-ended: values beyond the reference range land in the outer bins", () => {
    const reference = [1, 2, 3, 4];
    expect(psi(reference, [100, 100], {bins: 2})).toBe(psi(reference, [4, 4], {bins: 2}));
    expect(psi(reference, [-100, 3], {bins: 2})).toBe(0);
  });

  it("PSI merges equal quantile edges, so heavy ties (night-time zeros) make one bin", () => {
    const reference = Float64Array.of(0, 0, 0, 0, 0, 0, 0, 1, 2, 3);
    // Deciles 0.1 … 0.6 are all 0; 0.7 → 0.3, 0.8 → 1.2, 0.9 → 2.1 (linear interpolation).
    const edges = quantileEdges(reference, 10);
    expect(edges.length).toBe(4);
    expect(edges[0]).toBe(0);
    expect(edges[1]).toBeCloseTo(0.3, 12);
    expect(edges[2]).toBeCloseTo(1.2, 12);
    expect(edges[3]).toBeCloseTo(2.1, 12);
    expect(psi(reference, reference)).toBe(0);
    // Losing the zeros is a large shift.
    expect(psi(reference, [1, 2, 3, 1, 2, 3])).toBeGreaterThan(1);
  });
});

describe("known behaviour on normal samples", () => {
  const reference = normals(5000, 0, 1, 11);
  const same = normals(5000, 0, 1, 12);
  const shifted = normals(5000, 0.5, 1, 13);

  it("N(0,1) against N(0,1): small PSI, KS not significant", () => {
    expect(psi(reference, same)).toBeLessThan(0.02);
    const d = ksStatistic(reference, same);
    expect(ksPValue(d, 5000, 5000)).toBeGreaterThan(0.01);
    expect(wasserstein1(reference, same)).toBeLessThan(0.05);
  });

  it("N(0,1) against N(0.5,1): PSI above 0.1, KS highly significant, wasserstein ≈ 0.5", () => {
    expect(psi(reference, shifted)).toBeGreaterThan(0.1);
    const d = ksStatistic(reference, shifted);
    // Population value 2Φ(0.25) − 1 ≈ 0.197.
    expect(d).toBeGreaterThan(0.15);
    expect(d).toBeLessThan(0.25);
    expect(ksPValue(d, 5000, 5000)).toBeLessThan(1e-6);
    expect(Math.abs(wasserstein1(reference, shifted) - 0.5)).toBeLessThan(0.05);
  });

  it("the three statistics are symmetric in their samples where they should be", () => {
    expect(ksStatistic(shifted, reference)).toBe(ksStatistic(reference, shifted));
    expect(wasserstein1(shifted, reference)).toBeCloseTo(wasserstein1(reference, shifted), 12);
  });
});

describe("ksPValue", () => {
  // n = m = 200 → nₑ = 100, λ = (10 + 0.12 + 0.011)·d.
  const factor = 10 + 0.12 + 0.011;

  it("matches the Kolmogorov distribution on both sides of the series switch at λ = 1.18", () => {
    const q: [number, number][] = [
      [0.5, 0.9639452436648751],
      [0.8, 0.5441424115741981],
      [1.0, 0.26999967167735456],
      [1.3581, 0.0499996304316674],
      [1.5, 0.022217962616525127],
      [2.0, 0.0006709252557796953]
    ];
    for (const [lambda, expected] of q) expect(ksPValue(lambda / factor, 200, 200)).toBeCloseTo(expected, 10);
  });

  it("is continuous across the switch", () => {
    const below = ksPValue((1.18 - 1e-9) / factor, 200, 200);
    const above = ksPValue((1.18 + 1e-9) / factor, 200, 200);
    expect(Math.abs(below - above)).toBeLessThan(1e-8);
    expect(above).toBeCloseTo(0.1234538094297657, 8); // Q(1.18); λ is 1e-9 off it
  });

  it("is monotone decreasing in d and stays in [0, 1]", () => {
    let previous = 1;
    for (let k = 0; k <= 100; k++) {
      const p = ksPValue(k / 100, 50, 80);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(previous);
      previous = p;
    }
  });

  it("rejects a d outside [0, 1] and empty samples", () => {
    expect(() => ksPValue(1.5, 10, 10)).toThrow(/ksPValue: d must be in \[0, 1\]/);
    expect(() => ksPValue(Number.NaN, 10, 10)).toThrow(RangeError);
    expect(() => ksPValue(0.3, 0, 10)).toThrow(/ksPValue: sample sizes must be positive/);
  });
});

describe("missing values", () => {
  const clean = [1, 2, 3, 4, 5, 6, 7, 8];
  const dirty = [Number.NaN, 1, 2, null, 3, 4, Number.POSITIVE_INFINITY, 5, 6, undefined, 7, 8, Number.NEGATIVE_INFINITY];
  const recent = [2, 3, 3, 5, 9, 10];

  it("NaN, ±Infinity, null and undefined are skipped in either sample", () => {
    expect(psi(dirty, recent, {bins: 4})).toBe(psi(clean, recent, {bins: 4}));
    expect(psi(recent, dirty, {bins: 4})).toBe(psi(recent, clean, {bins: 4}));
    expect(ksStatistic(dirty, recent)).toBe(ksStatistic(clean, recent));
    expect(wasserstein1(recent, dirty)).toBe(wasserstein1(recent, clean));
  });

  it("accepts typed arrays", () => {
    expect(wasserstein1(Float64Array.of(0, Number.NaN), Float32Array.of(1))).toBe(1);
  });
});

describe("errors", () => {
  it("an empty sample throws a RangeError naming the function and the sample", () => {
    for (const [name, fn] of [
      ["psi", psi],
      ["ksStatistic", ksStatistic],
      ["wasserstein1", wasserstein1]
    ] as const) {
      expect(() => fn([], [1, 2])).toThrow(RangeError);
      expect(() => fn([], [1, 2])).toThrow(`${name}: reference sample is empty`);
      expect(() => fn([1, 2], [])).toThrow(`${name}: recent sample is empty`);
      // Nothing finite left counts as empty.
      expect(() => fn([1, 2], [Number.NaN, null, Number.POSITIVE_INFINITY])).toThrow(`${name}: recent sample is empty`);
    }
  });

  it("psi rejects bad options", () => {
    expect(() => psi([1, 2], [1, 2], {bins: 1})).toThrow(/psi: bins must be an integer ≥ 2/);
    expect(() => psi([1, 2], [1, 2], {bins: 2.5})).toThrow(RangeError);
    expect(() => psi([1, 2], [1, 2], {epsilon: 0})).toThrow(/psi: epsilon must be in \(0, 1\)/);
    expect(() => psi([1, 2], [1, 2], {edges: [2, 1]})).toThrow(/psi: edges must be finite and strictly increasing/);
    expect(() => psi([1, 2], [1, 2], {edges: []})).toThrow(/psi: edges must hold at least one value/);
  });
});
