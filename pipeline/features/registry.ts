// Every feature of the `features` table, in column order, with its kind, description and unit;
// and the key columns that identify a row and say where its weather came from.
import type {DuckDBConnection} from "@duckdb/node-api";
import {sqlIdent} from "../db.ts";
import {CALENDAR_FEATURES} from "./calendar.ts";
import {INTERACTION_FEATURES} from "./interactions.ts";
import {DAY_LAG_FEATURES, LAST_HOUR_FEATURES, SAME_HOUR_LAG_FEATURES} from "./lags.ts";
import {SOLAR_FEATURES} from "./solar.ts";
import type {FeatureInfo, FeatureKind} from "./types.ts";
import {WEATHER_FEATURES} from "./weather.ts";

const info = ({name, kind, description, unit}: FeatureInfo): FeatureInfo => Object.freeze({name, kind, description, unit});

export const FEATURES: readonly FeatureInfo[] = Object.freeze(
  [
    ...CALENDAR_FEATURES,
    ...SOLAR_FEATURES,
    ...SAME_HOUR_LAG_FEATURES,
    ...DAY_LAG_FEATURES,
    ...LAST_HOUR_FEATURES,
    ...WEATHER_FEATURES,
    ...INTERACTION_FEATURES
  ].map(info)
);

export const FEATURE_KINDS: readonly FeatureKind[] = ["calendar", "solar", "lag", "weather", "interaction"];

/** Names of the features, optionally of one kind, in column order. */
export function featureNames(kind?: FeatureKind): string[] {
  return FEATURES.filter((f) => kind === undefined || f.kind === kind).map((f) => f.name);
}

/** The columns before the features: what a row is, and which weather it got (not features). */
export const FEATURE_KEY_COLUMNS: readonly {name: string; description: string}[] = Object.freeze([
  {name: "site_id", description: "The site."},
  {name: "issued_at", description: "Issue time s (UTC): every lag is known at s."},
  {name: "ts", description: "Start of the target hour (UTC)."},
  {name: "horizon_h", description: "Hours from the issue time to the end of the target hour, rounded up (1 = the hour in progress at s)."},
  {name: "weather_kind", description: "Which weather the weather features hold: forecast (a vintage issued at or before s, or undated), observed, or null when none."},
  {name: "weather_source", description: "The weather row's source (provider)."},
  {name: "weather_issued_at", description: "The forecast vintage's issue time; null for observed or undated forecasts."}
]);

/** Writes the registry as a table (name, kind, description, unit, position) for snapshots and pages. */
export async function createFeatureRegistryTable(conn: DuckDBConnection, table = "feature_registry"): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE ${sqlIdent(table)} (position INTEGER, name VARCHAR, kind VARCHAR, description VARCHAR, unit VARCHAR)`);
  const appender = await conn.createAppender(table);
  try {
    FEATURES.forEach((f, i) => {
      appender.appendInteger(i + 1);
      appender.appendVarchar(f.name);
      appender.appendVarchar(f.kind);
      appender.appendVarchar(f.description);
      appender.appendVarchar(f.unit);
      appender.endRow();
    });
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
