// A trained ensemble: prediction, importance, per-row explanations (TreeSHAP) and JSON.
import {messages, SunlineError} from "../../messages.ts";
import {treeShap} from "./shap.ts";
import {leafIndex, LEAF, type Tree} from "./tree.ts";
import type {Columns, FeatureImportance, GbdtParams, TrainHistory} from "./types.ts";

export const MODEL_FORMAT = "sunline-gbdt";
/** Bump when the JSON layout changes; fromJSON reads this version only. */
export const MODEL_VERSION = 1;

export interface GbdtModelJson {
  format: typeof MODEL_FORMAT;
  version: number;
  params: GbdtParams;
  base_score: number;
  feature_names: string[];
  history: TrainHistory;
  trees: {
    feature: number[];
    /** null stands for +Infinity (JSON has no infinity): "every value goes left". */
    threshold: (number | null)[];
    default_left: number[];
    left: number[];
    right: number[];
    value: number[];
    cover: number[];
    gain: number[];
  }[];
}

export class GbdtModel {
  constructor(
    readonly trees: readonly Tree[],
    readonly baseScore: number,
    readonly featureNames: readonly string[],
    readonly params: Readonly<GbdtParams>,
    readonly history: TrainHistory
  ) {}

  get nFeatures(): number {
    return this.featureNames.length;
  }

  /** Predictions for every row of `features` (columnar, the training features in the same order). */
  predict(features: Columns): Float64Array {
    const n = this.checkColumns(features);
    const out = new Float64Array(n).fill(this.baseScore);
    // Tree by tree (its arrays stay in cache), the walk written out rather than leafIndex's callback.
    for (const {feature, threshold, defaultLeft, left, right, value} of this.trees) {
      for (let r = 0; r < n; r++) {
        let node = 0;
        while (feature[node] !== LEAF) {
          const v = features[feature[node]][r];
          node = (v !== v ? defaultLeft[node] === 1 : v < threshold[node]) ? left[node] : right[node];
        }
        out[r] += value[node];
      }
    }
    return out;
  }

  /** Prediction for one row given as an array of feature values. */
  predictRow(x: ArrayLike<number>): number {
    if (x.length !== this.nFeatures) throw new SunlineError(messages.gbdtFeatureCount(this.nFeatures, x.length));
    let s = this.baseScore;
    for (const tree of this.trees) s += tree.value[leafIndex(tree, (f) => x[f])];
    return s;
  }

  /**
   * Per-row feature contributions by exact TreeSHAP: row r's array holds one value per feature
   * and, last, the bias (the model's expected output); together they sum to predict()'s value.
   */
  contributions(features: Columns): Float64Array[] {
    const n = this.checkColumns(features);
    const rows = Array.from({length: n}, (_, r) => Float64Array.from(features, (column) => column[r]));
    const out = Array.from({length: n}, () => new Float64Array(this.nFeatures + 1).fill(this.baseScore, this.nFeatures));
    // Tree by tree, all rows at once: a tree's tables stay in cache while every row uses them.
    for (const tree of this.trees) for (let r = 0; r < n; r++) treeShap(tree, rows[r], out[r]);
    return out;
  }

  /** Total split gain, or number of splits, per feature, largest first. */
  featureImportance(kind: "gain" | "split" = "gain"): FeatureImportance[] {
    const totals = new Float64Array(this.nFeatures);
    for (const tree of this.trees)
      for (let i = 0; i < tree.feature.length; i++) if (tree.feature[i] !== LEAF) totals[tree.feature[i]] += kind === "gain" ? tree.gain[i] : 1;
    return Array.from(totals, (value, feature) => ({feature, name: this.featureNames[feature], value})).sort((a, b) => b.value - a.value || a.feature - b.feature);
  }

  toJSON(): GbdtModelJson {
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      params: {...this.params},
      base_score: this.baseScore,
      feature_names: [...this.featureNames],
      history: this.history,
      trees: this.trees.map((t) => ({
        feature: Array.from(t.feature),
        threshold: Array.from(t.threshold, (v) => (v === Infinity ? null : v)),
        default_left: Array.from(t.defaultLeft),
        left: Array.from(t.left),
        right: Array.from(t.right),
        value: Array.from(t.value),
        cover: Array.from(t.cover),
        gain: Array.from(t.gain)
      }))
    };
  }

  static fromJSON(json: unknown): GbdtModel {
    const j = (typeof json === "string" ? JSON.parse(json) : json) as Partial<GbdtModelJson> | null;
    if (!j || j.format !== MODEL_FORMAT) throw new SunlineError(messages.gbdtBadModel(`format is ${JSON.stringify(j?.format)}, expected "${MODEL_FORMAT}"`));
    if (j.version !== MODEL_VERSION) throw new SunlineError(messages.gbdtBadModel(`version ${j.version}; this Sunline reads version ${MODEL_VERSION}`));
    if (!Array.isArray(j.trees) || !Array.isArray(j.feature_names) || typeof j.base_score !== "number" || !j.params || !j.history)
      throw new SunlineError(messages.gbdtBadModel("trees, feature_names, base_score, params or history missing"));
    const trees = j.trees.map((t, i) => {
      const n = t.feature?.length ?? -1;
      const keys = ["threshold", "default_left", "left", "right", "value", "cover", "gain"] as const;
      if (n < 1 || keys.some((k) => t[k]?.length !== n)) throw new SunlineError(messages.gbdtBadModel(`tree ${i} has arrays of different lengths`));
      return {
        feature: Int32Array.from(t.feature),
        threshold: Float64Array.from(t.threshold, (v) => (v === null ? Infinity : v)),
        defaultLeft: Uint8Array.from(t.default_left),
        left: Int32Array.from(t.left),
        right: Int32Array.from(t.right),
        value: Float64Array.from(t.value),
        cover: Float64Array.from(t.cover),
        gain: Float64Array.from(t.gain)
      };
    });
    return new GbdtModel(trees, j.base_score, j.feature_names, j.params, j.history);
  }

  private checkColumns(features: Columns): number {
    if (features.length !== this.nFeatures) throw new SunlineError(messages.gbdtFeatureCount(this.nFeatures, features.length));
    return features[0]?.length ?? 0;
  }
}
