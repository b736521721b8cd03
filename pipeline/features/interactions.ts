// Interactions: expressions over other features of the same row, by column name.
import {CLEAR_SKY_INDEX_MAX_ZENITH_DEG} from "./solar.ts";
import type {SqlFeature} from "./types.ts";

export const INTERACTION_FEATURES: readonly SqlFeature[] = [
  {
    name: "temp_x_ghi",
    kind: "interaction",
    unit: "°C·kW/m²",
    description: "Air temperature × GHI / 1000 in the target hour: hot and bright hours are where module heating costs most.",
    sql: "temp_c * ghi_wm2 / 1000"
  },
  {
    name: "cloud_x_wind",
    kind: "interaction",
    unit: "m/s",
    description: "Cloud cover fraction × wind speed in the target hour: fast-moving cloud means a broken, variable sky.",
    sql: "cloud_cover_pct / 100 * wind_ms"
  },
  {
    name: "ghi_clear_sky_ratio",
    kind: "interaction",
    unit: "1",
    description: "The weather's GHI over the clear-sky GHI in the target hour (the sky's clear-sky index); null with the sun below 10° at mid-hour.",
    sql: `CASE WHEN solar_zenith_deg <= ${CLEAR_SKY_INDEX_MAX_ZENITH_DEG} AND clear_sky_ghi_wm2 > 0 THEN ghi_wm2 / clear_sky_ghi_wm2 END`
  }
];
