import {describe, expect, it} from "vitest";
import {GbdtModel, trainGbdt} from "../../../../pipeline/models/gbdt/index.ts";
import {seededRandom} from "../../../../pipeline/random.ts";
import {friedman, gaussian, rmse} from "./data.ts";

const step = () => {
  // 100 distinct x in (0, 1); y jumps from 0 to 10 at x = 0.5.
  const x = Float64Array.from({length: 100}, (_, i) => (i + 0.5) / 100);
  const y = Float64Array.from(x, (v) => (v < 0.5 ? 0 : 10));
  return {x, y};
};

describe("trainGbdt: hand-checkable trees", () => {
  it("finds the one split of a step function, between the two values around the step", async () => {
    const {x, y} = step();
    const model = await trainGbdt({features: [x], target: y}, {rounds: 1, maxDepth: 1, learningRate: 1, lambda: 0, threads: 1});
    const [tree] = model.trees;
    expect(Array.from(tree.feature)).toEqual([0, -1, -1]);
    // 100 distinct values fit 255 bins: cuts are midpoints, here between 0.495 and 0.505.
    expect(tree.threshold[0]).toBeCloseTo(0.5, 12);
    expect(model.baseScore).toBe(5);
    // lambda 0 and learning rate 1: each leaf is its rows' mean minus the base score.
    expect(tree.value[1]).toBeCloseTo(-5, 12);
    expect(tree.value[2]).toBeCloseTo(5, 12);
    expect(Array.from(model.predict([Float64Array.of(0.2, 0.7)]))).toEqual([0, 10]);
  });

  it("shrinks leaf values by lambda and the learning rate exactly as -G / (H + lambda) * eta", async () => {
    const {x, y} = step();
    const model = await trainGbdt({features: [x], target: y}, {rounds: 1, maxDepth: 1, learningRate: 0.3, lambda: 2, threads: 1});
    const [tree] = model.trees;
    // Left: 50 rows with gradient pred - y = 5 - 0 = 5, so G = 250, H = 50.
    expect(tree.value[1]).toBeCloseTo((-250 / (50 + 2)) * 0.3, 12);
    expect(tree.value[2]).toBeCloseTo((250 / (50 + 2)) * 0.3, 12);
    expect(tree.cover[0]).toBe(100);
    // Gain: 1/2 [250²/52 + 250²/52 - 0²/102].
    expect(tree.gain[0]).toBeCloseTo(0.5 * ((2 * 250 ** 2) / 52), 9);
  });

  it("lowers the training loss every round", async () => {
    const {X, y} = friedman(3000, 1);
    const losses: number[] = [];
    await trainGbdt({features: X, target: y}, {rounds: 40, maxDepth: 4, threads: 1}, {onRound: (_, train) => losses.push(train)});
    expect(losses).toHaveLength(40);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1]);
  });

  it("learns Friedman #1 and ranks the informative features first", async () => {
    const train = friedman(20000, 2);
    const test = friedman(5000, 3);
    const model = await trainGbdt({features: train.X, target: train.y}, {rounds: 150, maxDepth: 5, threads: 1});
    // Noise sd is 1, so a good fit is a little above 1 (the mean alone gives ~4.9).
    expect(rmse(model.predict(test.X), test.y)).toBeLessThan(1.3);
    const top = model.featureImportance("gain").slice(0, 5).map((i) => i.feature).sort();
    expect(top).toEqual([0, 1, 2, 3, 4]);
    expect(model.featureImportance("split").reduce((s, i) => s + i.value, 0)).toBe(model.trees.reduce((s, t) => s + t.feature.filter((f) => f >= 0).length, 0));
  });

  it("grows leaf-wise to maxLeaves when there is no depth limit", async () => {
    const {X, y} = friedman(4000, 4);
    const model = await trainGbdt({features: X, target: y}, {rounds: 5, maxDepth: 0, maxLeaves: 5, threads: 1});
    for (const t of model.trees) expect(t.feature.filter((f) => f === -1).length).toBe(5);
  });
});

describe("trainGbdt: missing values", () => {
  it("routes NaN by the learned default direction, at training and at prediction", async () => {
    const n = 600;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // A third missing (target 10), the rest 0 below 0.5 and 5 above.
      x[i] = i % 3 === 0 ? NaN : (i % 100) / 100;
      y[i] = i % 3 === 0 ? 10 : x[i] < 0.5 ? 0 : 5;
    }
    const model = await trainGbdt({features: [x], target: y}, {rounds: 100, maxDepth: 2, learningRate: 0.3, threads: 1});
    const pred = model.predict([Float64Array.of(NaN, 0.2, 0.8)]);
    expect(pred[0]).toBeCloseTo(10, 2);
    expect(pred[1]).toBeCloseTo(0, 2);
    expect(pred[2]).toBeCloseTo(5, 2);
  });

  it("sends missing values alone to one side when that is the best split", async () => {
    const x = Float64Array.from({length: 200}, (_, i) => (i < 50 ? NaN : i / 200));
    const y = Float64Array.from(x, (v) => (Number.isNaN(v) ? 3 : 1));
    const model = await trainGbdt({features: [x], target: y}, {rounds: 1, maxDepth: 1, learningRate: 1, lambda: 0, threads: 1});
    expect(model.trees[0].threshold[0]).toBe(Infinity);
    expect(Array.from(model.predict([Float64Array.of(NaN, 0.9, 1e9)]))).toEqual([3, 1, 1]);
  });
});

describe("trainGbdt: determinism, threads, JSON", () => {
  const {X, y} = friedman(5000, 5);
  const params = {rounds: 30, maxDepth: 4, subsample: 0.7, colsample: 0.6, seed: 42};

  it("gives the same model for the same seed and another for another seed", async () => {
    const a = JSON.stringify(await trainGbdt({features: X, target: y}, {...params, threads: 1}));
    const b = JSON.stringify(await trainGbdt({features: X, target: y}, {...params, threads: 1}));
    const d = JSON.stringify(await trainGbdt({features: X, target: y}, {...params, seed: 43, threads: 1}));
    expect(b).toBe(a);
    expect(d).not.toBe(a);
  });

  it("gives the same model on one thread and on two", async () => {
    // 20,000 rows × 10 features: nodes near the root are big enough to be split across threads.
    // Informative features last, so the worker's share (the upper half) decides the splits.
    const big = friedman(20000, 6);
    const X = [...big.X].reverse();
    const one = JSON.stringify(await trainGbdt({features: X, target: big.y}, {rounds: 15, maxDepth: 5, threads: 1}));
    const two = JSON.stringify(await trainGbdt({features: X, target: big.y}, {rounds: 15, maxDepth: 5, threads: 2}));
    // Threads only change who sums which feature, never the sums.
    expect(two.replace('"threads":2', '"threads":1')).toBe(one);
  });

  it("predicts identically after a JSON round trip and refuses other formats", async () => {
    const model = await trainGbdt({features: X, target: y, names: X.map((_, i) => `x${i}`)}, {...params, threads: 1});
    const back = GbdtModel.fromJSON(JSON.parse(JSON.stringify(model)));
    expect(Array.from(back.predict(X))).toEqual(Array.from(model.predict(X)));
    expect(back.featureNames[3]).toBe("x3");
    expect(() => GbdtModel.fromJSON({format: "xgboost"})).toThrow(/not a Sunline GBDT model/);
    expect(() => GbdtModel.fromJSON({...model.toJSON(), version: 99})).toThrow(/version 99/);
  });

  it("explains each prediction: TreeSHAP contributions plus the bias sum to it", async () => {
    const model = await trainGbdt({features: X, target: y}, {...params, threads: 1});
    const rows = X.map((col) => col.subarray(0, 200));
    rows[7] = Float64Array.from(rows[7], (v, i) => (i % 5 === 0 ? NaN : v));
    const pred = model.predict(rows);
    const phi = model.contributions(rows);
    for (let r = 0; r < 200; r++) expect(phi[r].reduce((s, v) => s + v, 0)).toBeCloseTo(pred[r], 6);
    // The noise features matter far less than x0..x4 on average.
    const meanAbs = (f: number) => phi.reduce((s, p) => s + Math.abs(p[f]), 0) / phi.length;
    expect(meanAbs(3)).toBeGreaterThan(10 * meanAbs(8));
  });
});

describe("trainGbdt: objectives", () => {
  it("quantile objective: the 10% and 90% models bracket 80% of held-out heteroscedastic data", async () => {
    const make = (n: number, seed: number) => {
      const random = seededRandom(seed);
      const x = Float64Array.from({length: n}, () => random());
      const y = Float64Array.from(x, (v) => 2 * v + (0.1 + 2 * v) * gaussian(random));
      return {x, y};
    };
    const train = make(20000, 11);
    const test = make(20000, 12);
    const fit = (alpha: number) => trainGbdt({features: [train.x], target: train.y}, {objective: "quantile", alpha, rounds: 100, maxDepth: 3, threads: 1});
    const [lo, hi] = await Promise.all([fit(0.1), fit(0.9)]);
    const pLo = lo.predict([test.x]);
    const pHi = hi.predict([test.x]);
    let below = 0, above = 0, inside = 0, wideRight = 0, wideLeft = 0;
    for (let i = 0; i < test.y.length; i++) {
      if (test.y[i] < pLo[i]) below++;
      else if (test.y[i] > pHi[i]) above++;
      else inside++;
      if (test.x[i] > 0.8) wideRight += pHi[i] - pLo[i];
      if (test.x[i] < 0.2) wideLeft += pHi[i] - pLo[i];
    }
    const n = test.y.length;
    expect(inside / n).toBeGreaterThan(0.77);
    expect(inside / n).toBeLessThan(0.83);
    expect(below / n).toBeGreaterThan(0.08);
    expect(above / n).toBeLessThan(0.12);
    // Heteroscedastic: the interval is much wider where the noise is.
    expect(wideRight).toBeGreaterThan(3 * wideLeft);
  });

  it("absolute and pseudo-Huber losses shrug off gross outliers that pull squared error", async () => {
    const train = friedman(8000, 21, 5);
    const random = seededRandom(22);
    const dirty = Float64Array.from(train.y, (v) => (random() < 0.05 ? v + 200 : v));
    const test = friedman(3000, 23, 5);
    const err = async (objective: "squared" | "absolute" | "huber") =>
      rmse((await trainGbdt({features: train.X, target: dirty}, {objective, huberDelta: 2, rounds: 120, maxDepth: 4, threads: 1})).predict(test.X), test.y);
    const [squared, absolute, huber] = [await err("squared"), await err("absolute"), await err("huber")];
    expect(absolute).toBeLessThan(squared * 0.5);
    expect(huber).toBeLessThan(squared * 0.5);
  });

  it("stops early on a validation set and keeps the best round", async () => {
    const train = friedman(2000, 31);
    const valid = friedman(2000, 32);
    const model = await trainGbdt(
      {features: train.X, target: train.y},
      {rounds: 2000, maxDepth: 6, learningRate: 0.3, earlyStoppingRounds: 10, threads: 1},
      {validation: {features: valid.X, target: valid.y}, trainLoss: true}
    );
    const h = model.history;
    expect(h.train.length).toBeLessThan(2000);
    expect(h.valid!.length).toBe(h.train.length);
    expect(model.trees.length).toBe(h.bestRound + 1);
    expect(h.train.length - 1 - h.bestRound).toBe(10);
    expect(Math.min(...h.valid!)).toBe(h.valid![h.bestRound]);
    // Without trainLoss or onRound, the training loss is not computed at all.
    const quiet = await trainGbdt({features: train.X, target: train.y}, {rounds: 3, threads: 1});
    expect(quiet.history.train).toEqual([]);
  });
});

describe("trainGbdt: bad input", () => {
  it("names the problem: lengths, target values, emptiness, feature count, parameters", async () => {
    const x = Float64Array.of(1, 2, 3);
    await expect(trainGbdt({features: [x, Float64Array.of(1, 2)], target: x, names: ["a", "b"]})).rejects.toThrow(
      "gbdt: training data feature b has 2 values but the target has 3"
    );
    await expect(trainGbdt({features: [x], target: Float64Array.of(1, NaN, 3)})).rejects.toThrow("training data target at row 1 is NaN");
    await expect(trainGbdt({features: [x], target: Float64Array.of(1, Infinity, 3)})).rejects.toThrow("row 1 is Infinity");
    await expect(trainGbdt({features: [], target: x})).rejects.toThrow("has 3 rows and 0 features");
    await expect(trainGbdt({features: [x], target: x}, {maxBins: 300})).rejects.toThrow("parameter maxBins is 300; expected a whole number from 2 to 255");
    const model = await trainGbdt({features: [x, x], target: x}, {rounds: 2, threads: 1});
    expect(() => model.predict([x])).toThrow("trained on 2 features but was given 1");
    expect(() => model.predictRow([1, 2, 3])).toThrow("trained on 2 features but was given 3");
  });
});
