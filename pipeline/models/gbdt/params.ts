// Training parameters: defaults (XGBoost's where the meaning is the same) and validation, so a bad
// value fails before any work with a message naming the parameter.
import {availableParallelism} from "node:os";
import {messages, SunlineError} from "../../messages.ts";
import type {GbdtParams} from "./types.ts";

/** Value bins per feature; code 255 is kept for missing values, so bins fit a byte. */
export const MAX_BINS = 255;

export const DEFAULT_PARAMS: Readonly<GbdtParams> = {
  objective: "squared",
  alpha: 0.5,
  huberDelta: 1,
  rounds: 100,
  learningRate: 0.1,
  maxDepth: 6,
  maxLeaves: 0,
  lambda: 1,
  gamma: 0,
  minChildWeight: 1,
  subsample: 1,
  colsample: 1,
  maxBins: MAX_BINS,
  seed: 0,
  earlyStoppingRounds: 0,
  threads: Math.min(2, availableParallelism())
};

export function resolveParams(given: Partial<GbdtParams>): GbdtParams {
  const p = {...DEFAULT_PARAMS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined))} as GbdtParams;
  const check = (name: keyof GbdtParams, ok: boolean, expected: string) => {
    if (!ok) throw new SunlineError(messages.gbdtBadParam(name, p[name], expected));
  };
  const int = (x: number) => Number.isInteger(x);
  check("objective", ["squared", "absolute", "huber", "quantile"].includes(p.objective), `one of "squared", "absolute", "huber", "quantile"`);
  check("alpha", p.alpha > 0 && p.alpha < 1, "a number between 0 and 1 (exclusive)");
  check("huberDelta", p.huberDelta > 0 && Number.isFinite(p.huberDelta), "a positive number");
  check("rounds", int(p.rounds) && p.rounds >= 1, "a whole number >= 1");
  check("learningRate", p.learningRate > 0 && p.learningRate <= 1, "a number in (0, 1]");
  check("maxDepth", int(p.maxDepth) && p.maxDepth >= 0 && p.maxDepth <= 30, "a whole number from 0 (no limit) to 30");
  check("maxLeaves", int(p.maxLeaves) && p.maxLeaves >= 0 && p.maxLeaves !== 1, "0 (2^maxDepth) or a whole number >= 2");
  check("maxDepth", p.maxDepth > 0 || p.maxLeaves >= 2, "> 0 unless maxLeaves bounds the tree");
  check("lambda", p.lambda >= 0 && Number.isFinite(p.lambda), "a number >= 0");
  check("gamma", p.gamma >= 0 && Number.isFinite(p.gamma), "a number >= 0");
  check("minChildWeight", p.minChildWeight >= 0 && Number.isFinite(p.minChildWeight), "a number >= 0");
  check("subsample", p.subsample > 0 && p.subsample <= 1, "a fraction in (0, 1]");
  check("colsample", p.colsample > 0 && p.colsample <= 1, "a fraction in (0, 1]");
  check("maxBins", int(p.maxBins) && p.maxBins >= 2 && p.maxBins <= MAX_BINS, `a whole number from 2 to ${MAX_BINS}`);
  check("seed", int(p.seed), "a whole number");
  check("earlyStoppingRounds", int(p.earlyStoppingRounds) && p.earlyStoppingRounds >= 0, "a whole number >= 0");
  check("threads", int(p.threads) && p.threads >= 1 && p.threads <= 64, "a whole number from 1 to 64");
  return p;
}

/** Leaves a tree may have: maxLeaves, else 2^maxDepth. */
export function leafBudget(p: GbdtParams): number {
  if (p.maxLeaves > 0) return p.maxLeaves;
  return 2 ** p.maxDepth;
}
