// The engine's public shapes: input data, training parameters, and what a trained model stores.

/** Numeric columns of one table, one typed array per feature, all of the same length. NaN = missing. */
export type Columns = readonly ArrayLike<number>[];

export interface Dataset {
  /** One array per feature (columnar): features[f][row]. */
  features: Columns;
  /** What to predict, one value per row. Must be finite. */
  target: ArrayLike<number>;
  /** Optional feature names (importance and contributions report them). */
  names?: readonly string[];
}

export type Objective = "squared" | "absolute" | "huber" | "quantile";

export interface GbdtParams {
  /** Loss: squared error, absolute error, pseudo-Huber, or quantile (pinball) at `alpha`. */
  objective: Objective;
  /** Quantile level for the quantile objective, in (0, 1). */
  alpha: number;
  /** Pseudo-Huber slope: residuals well beyond it are treated like absolute error. */
  huberDelta: number;
  /** Boosting rounds (trees). */
  rounds: number;
  learningRate: number;
  /** Maximum depth (root = depth 0); 0 means no depth limit (then `maxLeaves` bounds the tree). */
  maxDepth: number;
  /** Maximum leaves per tree; 0 means 2^maxDepth. With a smaller value, growth is leaf-wise (best gain first). */
  maxLeaves: number;
  /** L2 regularisation of leaf values. */
  lambda: number;
  /** Minimum loss reduction for a split. */
  gamma: number;
  /** Minimum hessian sum (row count for squared error) in each child. */
  minChildWeight: number;
  /** Fraction of rows sampled (without replacement) for each tree. */
  subsample: number;
  /** Fraction of features sampled for each tree. */
  colsample: number;
  /** Bins per feature, at most 255 (one more code is kept for missing values). */
  maxBins: number;
  /** Seed of every random choice (subsampling, binning sample). */
  seed: number;
  /** Stop when the validation loss has not improved for this many rounds (needs a validation set); 0 = off. */
  earlyStoppingRounds: number;
  /** Worker threads for histogram building; 1 = on the calling thread only. */
  threads: number;
}

export interface TrainOptions {
  validation?: Dataset;
  /** Called after every round with the training and (if any) validation loss. */
  onRound?: (round: number, trainLoss: number, validLoss: number | null) => void;
  /** Record the training loss each round in history.train (default: only when onRound is given). */
  trainLoss?: boolean;
}

/** Loss per round as training saw it. */
export interface TrainHistory {
  /** Training loss per round (empty unless TrainOptions.trainLoss or onRound asked for it). */
  train: number[];
  valid: number[] | null;
  /** Rounds kept (early stopping truncates to the best one). */
  bestRound: number;
}

export interface FeatureImportance {
  feature: number;
  name: string;
  /** Total gain of the feature's splits, or its number of splits. */
  value: number;
}
