// Sunline's Prophet baseline: @bsull/augurs' Prophet with the WASM Stan optimizer, per site, on
// hourly PV energy. See baseline.ts for what the wrapper adds and why, init.ts for the wasm loading.
export {
  DEFAULT_PROPHET_PARAMS,
  fitProphetBaseline,
  PROPHET_MODEL_FORMAT,
  PROPHET_MODEL_VERSION,
  ProphetBaseline,
  type ProphetBaselineJson,
  type ProphetFitInfo,
  type ProphetFitInput,
  type ProphetForecast,
  type ProphetParams,
  type ProphetOptimum,
  type ProphetPredictInput,
  type SunUp
} from "./baseline.ts";
export {fitProphetBaselines, type ParallelFitOptions} from "./parallel.ts";
