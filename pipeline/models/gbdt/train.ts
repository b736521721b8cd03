// The boosting loop: bin the features once, then per round compute gradients, grow a tree on
// (sampled) rows and features, set leaf values, update predictions, and watch the validation loss.
import {messages, SunlineError} from "../../messages.ts";
import {binColumns, fitCuts} from "./binning.ts";
import {growTree, leafOfBinned} from "./grow.ts";
import {GbdtModel} from "./model.ts";
import {objectiveFor} from "./objectives.ts";
import {leafBudget, resolveParams} from "./params.ts";
import {sampleIndices, seededRandom} from "../../random.ts";
import {serialOps, startTrainingThreads} from "./workers.ts";
import {yieldToEventLoop} from "../../eventLoop.ts";
import type {Dataset, GbdtParams, TrainOptions} from "./types.ts";

export async function trainGbdt(data: Dataset, given: Partial<GbdtParams> = {}, options: TrainOptions = {}): Promise<GbdtModel> {
  const params = resolveParams(given);
  const {n, F} = checkDataset(data, "training data");
  const valid = options.validation;
  if (valid) {
    checkDataset(valid, "validation data");
    if (valid.features.length !== F) throw new SunlineError(messages.gbdtFeatureCount(F, valid.features.length));
  }
  const names = data.names && data.names.length === F ? [...data.names] : Array.from({length: F}, (_, f) => `f${f}`);
  const objective = objectiveFor(params);
  const y = data.target;
  const lr = params.learningRate;

  const cuts = fitCuts(data.features, params.maxBins, params.seed);
  const nBins = Int32Array.from(cuts, (c) => c.length + 1);
  // With worker threads, what they read lives in shared memory.
  const shared = params.threads > 1;
  const alloc = <T>(make: (buffer: ArrayBufferLike) => T, bytes: number): T => make(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const bins = alloc((b) => new Uint8Array(b), n * F);
  const grad = alloc((b) => new Float64Array(b), n * 8);
  const hess = alloc((b) => new Float64Array(b), n * 8);
  const rows = alloc((b) => new Uint32Array(b), n * 4);
  const input = {bins, nFeatures: F, nRows: n, rows, grad, hess, gs: alloc((b) => new Float64Array(b), n * 8), hs: alloc((b) => new Float64Array(b), n * 8), unitHessian: objective.unitHessian};
  // Workers boot while this thread bins the rows (they read the bins only when jobs start).
  const starting = shared ? startTrainingThreads(params.threads, input, nBins, params, leafBudget(params) + 2) : null;
  binColumns(data.features, cuts, bins);
  const threads = await starting;
  const ops = threads?.ops ?? serialOps(input, nBins, params);

  try {
    const baseScore = objective.baseScore(y);
    const pred = new Float64Array(n).fill(baseScore);
    const vbins = valid ? binColumns(valid.features, cuts) : null;
    const vn = valid ? valid.target.length : 0;
    const vpred = valid ? new Float64Array(valid.target.length).fill(baseScore) : null;
    const random = seededRandom(params.seed);
    const allFeatures = Int32Array.from({length: F}, (_, f) => f);
    const nSample = Math.max(1, Math.round(n * params.subsample));
    const nFeat = Math.max(1, Math.round(F * params.colsample));
    const pool: Float64Array[] = threads?.pool ?? [];
    const trees = [];
    const history = {train: [] as number[], valid: valid ? ([] as number[]) : null, bestRound: 0};
    const trackTrain = options.trainLoss ?? options.onRound !== undefined;
    let bestLoss = Infinity;
    let bestRound = 0;

    for (let round = 0; round < params.rounds; round++) {
      // Between rounds, other work waiting on this thread (e.g. Prophet fits' next jobs) gets a turn.
      await yieldToEventLoop();
      objective.gradients(pred, y, grad, hess);
      const sampled = nSample < n ? sampleIndices(n, nSample, random) : null;
      if (sampled) rows.set(sampled);
      else for (let i = 0; i < n; i++) rows[i] = i;
      const feats = nFeat < F ? Int32Array.from(sampleIndices(F, nFeat, random)) : allFeatures;

      const grown = growTree({
        bins, nFeatures: F, nRows: n, cuts, nBins, rows, n: nSample, grad, hess, feats,
        rules: params, maxDepth: params.maxDepth, maxLeaves: leafBudget(params), learningRate: lr, ops, pool
      });
      const {tree, binSplit, leaves} = grown;
      if (objective.leafValue) {
        for (const leaf of leaves) {
          const residuals = new Float64Array(leaf.end - leaf.start);
          for (let i = leaf.start; i < leaf.end; i++) residuals[i - leaf.start] = y[rows[i]] - pred[rows[i]];
          tree.value[leaf.node] = objective.leafValue(residuals) * lr;
        }
      }
      // Leaves are row ranges: a sampled row's new output is known without a walk; only the rows
      // left out of the sample walk the tree (the same leaf: the same bins and splits).
      for (const leaf of leaves) for (let i = leaf.start; i < leaf.end; i++) pred[rows[i]] += tree.value[leaf.node];
      if (sampled) {
        for (let r = 0, s = 0; r < n; r++) {
          if (s < nSample && sampled[s] === r) s++;
          else pred[r] += tree.value[leafOfBinned(tree, binSplit, bins, n, r)];
        }
      }
      trees.push(tree);
      // Like XGBoost without a training eval set, the training loss costs nothing unless asked for.
      if (trackTrain) history.train.push(objective.loss(pred, y));

      let validLoss: number | null = null;
      if (valid && vbins && vpred) {
        for (let r = 0; r < vpred.length; r++) vpred[r] += tree.value[leafOfBinned(tree, binSplit, vbins, vn, r)];
        validLoss = objective.loss(vpred, valid.target);
        history.valid!.push(validLoss);
      }
      options.onRound?.(round, trackTrain ? history.train[round] : NaN, validLoss);
      if (validLoss !== null && validLoss < bestLoss) {
        bestLoss = validLoss;
        bestRound = round;
      }
      if (params.earlyStoppingRounds > 0 && validLoss !== null && round - bestRound >= params.earlyStoppingRounds) break;
    }
    // Early stopping keeps the trees up to the best validation round.
    const kept = params.earlyStoppingRounds > 0 && valid ? trees.slice(0, bestRound + 1) : trees;
    history.bestRound = valid ? bestRound : trees.length - 1;
    return new GbdtModel(kept, baseScore, names, params, history);
  } finally {
    await threads?.close();
  }
}

function checkDataset(data: Dataset, what: string): {n: number; F: number} {
  const F = data.features.length;
  const n = data.target.length;
  if (n === 0 || F === 0) throw new SunlineError(messages.gbdtEmpty(what, n, F));
  data.features.forEach((column, f) => {
    if (column.length !== n) throw new SunlineError(messages.gbdtLengthMismatch(what, data.names?.[f] ?? `#${f}`, column.length, n));
  });
  for (let i = 0; i < n; i++) if (!Number.isFinite(data.target[i])) throw new SunlineError(messages.gbdtBadTarget(what, i, data.target[i]));
  return {n, F};
}
