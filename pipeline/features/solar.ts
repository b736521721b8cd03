// Solar geometry and clear sky per site and hour. Numeric work, so TypeScript: `solarHour` does the
// physics of one site-hour once, and each feature is a one-line function reading its result.
//
// - Geometry (zenith, azimuth, extraterrestrial irradiance) is taken at mid-hour.
// - Clear sky is the mean over the hour (six sub-samples at :05, :15 … :55), so that it is the hour's
//   energy: at the hours of sunrise and sunset the mid-hour value is far off (0 when the sun rises at
//   :20, say); near noon the two agree to a fraction of a percent.
// - Clear-sky GHI is Ineichen–Perez with a Linke turbidity of 3 at sea level (the sites table has
//   neither), the same defaults as the Weather page's clear-sky curve.
// - Clear-sky energy is a proxy from capacity_kw alone: clear-sky GHI split into beam and diffuse
//   (Erbs), put on the module plane (Hay–Davies, the site's tilt and azimuth), and taken to give
//   capacity_kw at 1000 W/m², capped at capacity_kw (inverter clipping), over one hour. No
//   temperature, inverter or other losses: a healthy plant's clear-sky index under a clear sky sits
//   near 0.8–1.0, not at 1.
//
// The physics lives in pipeline/solar/ (shared with the demo generator and the hybrid forecaster).
import type {DuckDBConnection} from "@duckdb/node-api";
import {DuckDBTimestampValue} from "@duckdb/node-api";
import {extraterrestrialNormal} from "../solar/clearSky.ts";
import {clearSkyOnPlane, type ClearSkyPlane} from "../solar/irradiance.ts";
import {createSolarPosition, solarPositionInto} from "../solar/solarPosition.ts";
import {sqlIdent} from "../db.ts";
import type {FeatureInfo} from "./types.ts";

const MS_PER_HOUR = 3_600_000;

/** Clean rural air at mid-latitudes; the Weather page's default too. */
export const DEFAULT_LINKE_TURBIDITY = 3;
/** Sub-samples per hour for the hour-mean clear sky (at :05, :15, …, :55). */
export const CLEAR_SKY_SAMPLES_PER_HOUR = 6;
/** The clear-sky index is left null when the mid-hour sun is lower than 10° (zenith above 80°). */
export const CLEAR_SKY_INDEX_MAX_ZENITH_DEG = 80;
/** With the mid-hour sun this far below the horizon the whole hour is dark (it moves ≤ 7.5° per half hour). */
const DARK_ZENITH_DEG = 98;

export interface ClearSkyOptions {
  /** Linke turbidity for Ineichen–Perez (default 3). */
  linkeTurbidity?: number;
  /** Site altitude in metres (default 0; sites carry none). */
  altitudeM?: number;
}

/** What the solar features need to know about a site (a row of `sites`). */
export interface SolarSite {
  lat: number;
  lon: number;
  /** Degrees from horizontal. */
  tilt: number;
  /** Degrees clockwise from north. */
  azimuth: number;
  /** AC capacity, kW. */
  capacity_kw: number;
}

/** The physics of one site-hour. */
export interface SolarHour {
  /** Mid-hour geometric zenith, degrees. */
  zenith: number;
  /** Mid-hour azimuth, degrees clockwise from north. */
  azimuth: number;
  /** Mid-hour extraterrestrial normal irradiance, W/m². */
  extraterrestrialNormal: number;
  /** Hour-mean clear-sky GHI, W/m². */
  clearSkyGhi: number;
  /** Hour-mean clear-sky irradiance on the module plane, W/m². */
  clearSkyPoa: number;
  /** Hour-mean clear-sky AC power proxy, kW. */
  clearSkyPowerKw: number;
}

export function createSolarHour(): SolarHour {
  return {zenith: 0, azimuth: 0, extraterrestrialNormal: 0, clearSkyGhi: 0, clearSkyPoa: 0, clearSkyPowerKw: 0};
}

const mid = createSolarPosition();
const sample = createSolarPosition();
const clear: ClearSkyPlane = {ghi: 0, poa: 0, cosAoi: 0};

/** The solar physics of the hour starting at `hourStartMs` (UTC) at a site, written into `out`. */
export function solarHour(site: SolarSite, hourStartMs: number, options: ClearSkyOptions = {}, out: SolarHour = createSolarHour()): SolarHour {
  const turbidity = options.linkeTurbidity ?? DEFAULT_LINKE_TURBIDITY;
  const altitude = options.altitudeM ?? 0;
  solarPositionInto(mid, hourStartMs + MS_PER_HOUR / 2, site.lat, site.lon);
  out.zenith = mid.zenith;
  out.azimuth = mid.azimuth;
  out.extraterrestrialNormal = extraterrestrialNormal(mid.earthSunDistance);
  let ghi = 0;
  let poa = 0;
  let power = 0;
  if (mid.zenith < DARK_ZENITH_DEG) {
    for (let i = 0; i < CLEAR_SKY_SAMPLES_PER_HOUR; i++) {
      solarPositionInto(sample, hourStartMs + ((i + 0.5) / CLEAR_SKY_SAMPLES_PER_HOUR) * MS_PER_HOUR, site.lat, site.lon);
      clearSkyOnPlane(site.tilt, site.azimuth, sample, extraterrestrialNormal(sample.earthSunDistance), turbidity, altitude, clear);
      if (!(clear.ghi > 0)) continue;
      ghi += clear.ghi;
      poa += clear.poa;
      power += site.capacity_kw * Math.min(clear.poa / 1000, 1);
    }
  }
  out.clearSkyGhi = ghi / CLEAR_SKY_SAMPLES_PER_HOUR;
  out.clearSkyPoa = poa / CLEAR_SKY_SAMPLES_PER_HOUR;
  out.clearSkyPowerKw = power / CLEAR_SKY_SAMPLES_PER_HOUR;
  return out;
}

export interface SolarFeature extends FeatureInfo {
  value: (hour: SolarHour) => number;
}

export const SOLAR_FEATURES: readonly SolarFeature[] = [
  {
    name: "solar_zenith_deg",
    kind: "solar",
    unit: "°",
    description: "Sun's zenith angle at the middle of the target hour (NOAA solar position, no refraction): 0 overhead, 90 on the horizon, above 90 at night.",
    value: (h) => h.zenith
  },
  {
    name: "solar_azimuth_deg",
    kind: "solar",
    unit: "°",
    description: "Sun's azimuth at the middle of the target hour, clockwise from north (180 = due south).",
    value: (h) => h.azimuth
  },
  {
    name: "extraterrestrial_wm2",
    kind: "solar",
    unit: "W/m²",
    description: "Irradiance at the top of the atmosphere on a plane facing the sun at the middle of the target hour: 1361 W/m² scaled by the Earth–Sun distance (about ±3.4% over the year).",
    value: (h) => h.extraterrestrialNormal
  },
  {
    name: "clear_sky_ghi_wm2",
    kind: "solar",
    unit: "W/m²",
    description: "Clear-sky global horizontal irradiance at the site, mean over the target hour (Ineichen–Perez, Linke turbidity 3, sea level); 0 at night.",
    value: (h) => h.clearSkyGhi
  },
  {
    name: "clear_sky_poa_wm2",
    kind: "solar",
    unit: "W/m²",
    description: "The clear-sky irradiance on the module plane (site tilt and azimuth; Erbs split, Hay–Davies transposition), mean over the target hour.",
    value: (h) => h.clearSkyPoa
  },
  {
    name: "clear_sky_energy_kwh",
    kind: "solar",
    unit: "kWh",
    description:
      "Clear-sky energy proxy for the target hour: capacity_kw × (plane-of-array clear sky / 1000 W/m²), capped at capacity_kw, over one hour. No temperature or inverter losses.",
    value: (h) => h.clearSkyPowerKw * 1 // kW over one hour
  }
];

/**
 * The clear-sky index of an hour's production as SQL: energy / clear-sky energy, null at night and
 * with the sun lower than 10° at mid-hour (where the ratio is noise over a tiny denominator).
 */
export function clearSkyIndexSql(energy: string, clearSkyEnergy: string, zenith: string): string {
  return `CASE WHEN ${zenith} <= ${CLEAR_SKY_INDEX_MAX_ZENITH_DEG} AND ${clearSkyEnergy} > 0 THEN ${energy} / ${clearSkyEnergy} END`;
}

export interface SolarSiteDays {
  site_id: string;
  site: SolarSite;
  /** UTC midnights (ms) of the days to fill, 24 hours each. */
  daysMs: readonly number[];
}

/** Creates `table` (site_id, ts, one DOUBLE column per solar feature) for every hour of the given days. */
export async function createSolarHourTable(
  conn: DuckDBConnection,
  table: string,
  siteDays: readonly SolarSiteDays[],
  options: ClearSkyOptions = {}
): Promise<void> {
  await conn.run(
    `CREATE OR REPLACE TABLE ${sqlIdent(table)} (site_id VARCHAR, ts TIMESTAMP, ${SOLAR_FEATURES.map((f) => `${sqlIdent(f.name)} DOUBLE`).join(", ")})`
  );
  const appender = await conn.createAppender(table);
  const hour = createSolarHour();
  try {
    for (const {site_id, site, daysMs} of siteDays) {
      for (const day of daysMs) {
        for (let h = 0; h < 24; h++) {
          const ms = day + h * MS_PER_HOUR;
          solarHour(site, ms, options, hour);
          appender.appendVarchar(site_id);
          appender.appendTimestamp(new DuckDBTimestampValue(BigInt(ms) * 1000n));
          for (const f of SOLAR_FEATURES) appender.appendDouble(f.value(hour));
          appender.endRow();
        }
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
