// Sunline's gradient-boosted trees: histogram-based training on columnar typed arrays (XGBoost's
// "hist" method), squared / absolute / pseudo-Huber / quantile losses, TreeSHAP explanations and
// versioned JSON. See train.ts for the loop, grow.ts for one tree, model.ts for a trained model.
export {trainGbdt} from "./train.ts";
export {GbdtModel, MODEL_FORMAT, MODEL_VERSION, type GbdtModelJson} from "./model.ts";
export {DEFAULT_PARAMS} from "./params.ts";
export {pinball} from "./objectives.ts";
export type {Columns, Dataset, FeatureImportance, GbdtParams, Objective, TrainHistory, TrainOptions} from "./types.ts";
