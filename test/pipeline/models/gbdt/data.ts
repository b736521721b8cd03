// Seeded synthetic data for the GBDT tests.
import {seededRandom} from "../../../../pipeline/random.ts";

export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
}

/** Friedman #1 with `features` uniform inputs (the first five informative), noise sd 1. */
export function friedman(n: number, seed: number, features = 10): {X: Float64Array[]; y: Float64Array} {
  const random = seededRandom(seed);
  const X = Array.from({length: features}, () => new Float64Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < features; f++) X[f][i] = random();
    y[i] = 10 * Math.sin(Math.PI * X[0][i] * X[1][i]) + 20 * (X[2][i] - 0.5) ** 2 + 10 * X[3][i] + 5 * X[4][i] + gaussian(random);
  }
  return {X, y};
}

export function rmse(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (pred[i] - y[i]) ** 2;
  return Math.sqrt(s / y.length);
}
