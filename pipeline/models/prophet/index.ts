// Sunline's Prophet baseline, per site, on hourly PV energy: Prophet's model written out (design.ts)
// and solved by @bsull/augurs' WASM Stan optimizer (on worker threads: parallel.ts, stanWorker.js).
// See baseline.ts for what the wrapper adds and why, init.ts for the wasm loading. augurs' own
// Prophet class is kept for the tests, which check design.ts against it.
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
  type ProphetStart,
  type SunUp
} from "./baseline.ts";
export {fitProphetBaselines, type ParallelFitOptions} from "./parallel.ts";
