// Forecast features: calendar, solar geometry and clear sky, lags known at the issue time, weather
// of the target hour and interactions, one small named unit each, grouped by kind.
export {buildFeatures, type BuildFeaturesOptions, type BuildFeaturesResult} from "./build.ts";
export {DEFAULT_HORIZONS_H, type Issue, type IssueSchedule} from "./issues.ts";
export {createFeatureRegistryTable, FEATURE_KEY_COLUMNS, FEATURE_KINDS, FEATURES, featureNames} from "./registry.ts";
export {clearSkyIndexSql, solarHour, type ClearSkyOptions, type SolarHour, type SolarSite} from "./solar.ts";
export type {FeatureInfo, FeatureKind} from "./types.ts";
export type {WeatherMode} from "./weather.ts";
