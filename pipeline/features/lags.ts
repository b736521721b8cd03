// Lags and rolling statistics of production and of its clear-sky index, all KNOWN AT THE ISSUE
// TIME s. An hour is known at s once it has ended (ts + 1 h <= s); a local day once its last hour
// has. The joins that feed these expressions (build.ts) only ever offer values known at s, each
// join saying so in a predicate of its own, so no expression here can see past s.
//
// The joins hand each expression one column per lag day k = 1…7 (`energy_3d`, `csi_3d`, …);
// means add them in a fixed order (floating-point addition depends on order, and a mean in a
// parallel aggregate could differ in the last bit from one build to the next).
// Production hours of quality "missing", and absent hours, are unknown (null), never zero.
import type {SqlFeature} from "./types.ts";

/** Lag days offered to the expressions: k days before the issue's day. */
export const LAG_DAYS: readonly number[] = [1, 2, 3, 4, 5, 6, 7];
/** A mean over the seven lag days needs at least this many known, else it is null. */
export const MIN_KNOWN_DAYS_OF_7 = 4;

const each = (column: (k: number) => string) => LAG_DAYS.map(column);
const knownCount = (columns: string[]) => columns.map((c) => `CAST(${c} IS NOT NULL AS INTEGER)`).join(" + ");
const sumKnown = (columns: string[]) => columns.map((c) => `coalesce(${c}, 0)`).join(" + ");

/** The mean of the known values among `columns`, null with fewer than MIN_KNOWN_DAYS_OF_7 known. */
function meanOfKnown(columns: string[]): string {
  return `CASE WHEN ${knownCount(columns)} >= ${MIN_KNOWN_DAYS_OF_7} THEN (${sumKnown(columns)}) / (${knownCount(columns)}) END`;
}

/**
 * Per issue s and UTC hour of day h of a target, over `l`: `l.energy_{k}d` and `l.csi_{k}d` are the
 * production and clear-sky index of hour h, k UTC days before the UTC day of s (whole 24 h steps, so
 * the sun stands where it stands at the target whatever the site's clock does).
 */
export const SAME_HOUR_LAG_FEATURES: readonly SqlFeature[] = [
  ...[1, 2, 7].map(
    (k): SqlFeature => ({
      name: `energy_same_hour_${k}d_kwh`,
      kind: "lag",
      unit: "kWh",
      description: `Production in the target's UTC hour of day ${k} day${k > 1 ? "s" : ""} before the issue's UTC day (null when missing, or not ended by the issue time).`,
      sql: `l.energy_${k}d`
    })
  ),
  {
    name: "energy_same_hour_mean_7d_kwh",
    kind: "lag",
    unit: "kWh",
    description: `Mean production in the target's UTC hour of day over the 7 UTC days before the issue's day (null with fewer than ${MIN_KNOWN_DAYS_OF_7} known).`,
    sql: meanOfKnown(each((k) => `l.energy_${k}d`))
  },
  ...[1, 2, 7].map(
    (k): SqlFeature => ({
      name: `csi_same_hour_${k}d`,
      kind: "lag",
      unit: "1",
      description: `Clear-sky index (production / clear-sky energy) in the target's UTC hour of day ${k} day${k > 1 ? "s" : ""} before the issue's UTC day; null at night, with the sun below 10°, or when missing.`,
      sql: `l.csi_${k}d`
    })
  ),
  {
    name: "csi_same_hour_mean_7d",
    kind: "lag",
    unit: "1",
    description: `Mean clear-sky index in the target's UTC hour of day over the 7 UTC days before the issue's day (null with fewer than ${MIN_KNOWN_DAYS_OF_7} known).`,
    sql: meanOfKnown(each((k) => `l.csi_${k}d`))
  }
];

/**
 * Per issue s at a site, over `d`: `d.energy_{k}d`, `d.clear_sky_{k}d` and `d.csi_{k}d` are the
 * production (null unless every daylight hour is known), clear-sky energy and clear-sky index of
 * the site-local day k days before the local day of s. So k = 1 is the last complete local day
 * before s (23 or 25 hours on clock-change days).
 */
export const DAY_LAG_FEATURES: readonly SqlFeature[] = [
  {
    name: "energy_yesterday_kwh",
    kind: "lag",
    unit: "kWh",
    description: "Production over the last complete site-local day before the issue time (null if any daylight hour of it is missing).",
    sql: "d.energy_1d"
  },
  {
    name: "energy_day_mean_7d_kwh",
    kind: "lag",
    unit: "kWh",
    description: `Mean daily production over the 7 site-local days before the issue time, of those with no daylight hour missing (null with fewer than ${MIN_KNOWN_DAYS_OF_7}).`,
    sql: meanOfKnown(each((k) => `d.energy_${k}d`))
  },
  {
    name: "csi_yesterday",
    kind: "lag",
    unit: "1",
    description: "Daily clear-sky index of the last complete site-local day before the issue time: its production over its clear-sky energy.",
    sql: "d.csi_1d"
  },
  {
    name: "csi_day_mean_7d",
    kind: "lag",
    unit: "1",
    description: `Clear-sky index of the 7 site-local days before the issue time taken together: their production over their clear-sky energy, days with a daylight hour missing left out (null with fewer than ${MIN_KNOWN_DAYS_OF_7} complete days).`,
    sql: `CASE WHEN ${knownCount(each((k) => `d.energy_${k}d`))} >= ${MIN_KNOWN_DAYS_OF_7}
      THEN (${sumKnown(each((k) => `d.energy_${k}d`))})
        / nullif(${each((k) => `CASE WHEN d.energy_${k}d IS NOT NULL THEN d.clear_sky_${k}d ELSE 0 END`).join(" + ")}, 0) END`
  }
];

/** Per issue s at a site, over `h1`: the last hour that had ended at s (it ends at s rounded down to the hour). */
export const LAST_HOUR_FEATURES: readonly SqlFeature[] = [
  {
    name: "energy_last_hour_kwh",
    kind: "lag",
    unit: "kWh",
    description: "Production in the last hour that had ended at the issue time (persistence; null when missing).",
    sql: "h1.energy_kwh"
  },
  {
    name: "csi_last_hour",
    kind: "lag",
    unit: "1",
    description: "Clear-sky index of the last hour that had ended at the issue time; null at night or with the sun below 10°.",
    sql: "h1.clear_sky_index"
  }
];
