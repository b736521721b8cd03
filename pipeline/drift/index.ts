// Drift checks for the forecast pipeline: how far a recent window of weather / feature values has
// moved from the training window (PSI for mass shifting between bins, KS for the largest CDF gap,
// Wasserstein for how far the mass moved in the variable's units), and whether the recent forecast
// error has grown against the backtest. Pure functions on numeric arrays, no I/O.
export {ksPValue, ksStatistic, psi, quantileEdges, wasserstein1, type PsiOptions, type Sample} from "./distance.ts";
export {
  compareDistributions,
  DEFAULT_DRIFT_THRESHOLDS,
  errorDrift,
  rollingRmse,
  statusOf,
  worstStatus,
  type DistributionDrift,
  type DriftBand,
  type DriftStatus,
  type DriftThresholds,
  type ErrorDrift,
  type RollingRmsePoint
} from "./status.ts";
