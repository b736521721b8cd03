// What a healthy site would have made under the weather that actually came: a plane-of-array
// performance model driven by the observed hourly weather. Forecast residuals mostly measure how
// wrong the weather forecast was (a cloudy afternoon nobody forecast looks like a fault); against
// the observed irradiance, a cloudy hour is expected to be weak and only the system's own losses
// stand out. This is the usual operator check (measured over modelled energy), with no fitted
// parameters: the site's own level (losses, shading, metadata error) is the trailing performance
// index the detector compares with, learned only from hours before the one judged.
//
// The hour's observed GHI is spread over six instants in proportion to the clear-sky GHI (so the
// transposition sees the sun move), each split by Erbs into beam and diffuse and transposed by
// Hay–Davies onto the module plane; PVWatts-style temperature derating with a Faiman module
// temperature; the result is capped at the AC capacity like the inverter.
import {DEFAULT_LINKE_TURBIDITY} from "../features/solar.ts";
import {medianSorted, MS_PER_HOUR} from "../math.ts";
import {extraterrestrialNormal, ineichenPerezGhi} from "../solar/clearSky.ts";
import {erbsDecomposition, hayDaviesPoa, type Decomposition, type PlaneOfArray} from "../solar/irradiance.ts";
import {faimanCellTemperature, pvwattsDc} from "../solar/pvSystem.ts";
import {createSolarPosition, solarPositionInto} from "../solar/solarPosition.ts";

const SAMPLES = 6;

export interface ModelSite {
  lat: number;
  lon: number;
  capacityKw: number;
  tilt: number;
  azimuth: number;
}

export interface ObservedWeather {
  ghi: ArrayLike<number>;
  tempC: ArrayLike<number>;
  windMs: ArrayLike<number>;
}

/**
 * Modelled energy (kWh) of each hour starting at `ts[i]` from the observed weather; NaN where the
 * hour's GHI is unknown. Unknown temperature or wind fall back to 25 °C and 1 m/s.
 */
export function observedWeatherEnergy(site: ModelSite, ts: ArrayLike<number>, weather: ObservedWeather): Float64Array {
  const out = new Float64Array(ts.length);
  const pos = Array.from({length: SAMPLES}, createSolarPosition);
  const dec: Decomposition = {dni: 0, dhi: 0, kt: 0};
  const plane: PlaneOfArray = {global: 0, beam: 0, skyDiffuse: 0, groundDiffuse: 0, cosAoi: 0};
  const clearGhi = new Float64Array(SAMPLES);
  for (let i = 0; i < ts.length; i++) {
    const ghi = weather.ghi[i];
    if (!Number.isFinite(ghi)) {
      out[i] = NaN;
      continue;
    }
    let clearSum = 0;
    for (let s = 0; s < SAMPLES; s++) {
      solarPositionInto(pos[s], ts[i] + ((s + 0.5) / SAMPLES) * MS_PER_HOUR, site.lat, site.lon);
      const g = pos[s].zenith < 90 ? ineichenPerezGhi(pos[s].apparentZenith, DEFAULT_LINKE_TURBIDITY, 0, extraterrestrialNormal(pos[s].earthSunDistance)) : 0;
      clearGhi[s] = g > 0 ? g : 0;
      clearSum += clearGhi[s];
    }
    if (!(ghi > 0) || !(clearSum > 0)) {
      out[i] = 0;
      continue;
    }
    const temp = Number.isFinite(weather.tempC[i]) ? weather.tempC[i] : 25;
    const wind = Number.isFinite(weather.windMs[i]) ? weather.windMs[i] : 1;
    let energy = 0;
    for (let s = 0; s < SAMPLES; s++) {
      if (!(clearGhi[s] > 0)) continue;
      const p = pos[s];
      const g = (ghi * SAMPLES * clearGhi[s]) / clearSum;
      const dniExtra = extraterrestrialNormal(p.earthSunDistance);
      erbsDecomposition(g, p.zenith, dniExtra, dec);
      hayDaviesPoa(site.tilt, site.azimuth, p.zenith, p.azimuth, g, dec.dni, dec.dhi, dniExtra, undefined, plane);
      const poa = Math.max(0, plane.global);
      energy += Math.min(site.capacityKw, pvwattsDc(poa, faimanCellTemperature(poa, temp, wind), site.capacityKw)) / SAMPLES;
    }
    out[i] = energy;
  }
  return out;
}

/** A model hour counts towards the site's level when it is worth at least this share of capacity (low sun is noisy). */
const MIN_MODEL_SHARE = 0.05;
/** Values needed at an hour of day before it has a level. */
const MIN_PROFILE_VALUES = 7;

/**
 * The site's expectation: modelled energy × the site's own level at that hour of day, the median
 * of measured / modelled over the same UTC hour of the `days` days before (never the hour itself or
 * later). Per hour of day, because what the plain model misses (the site's real orientation, a
 * tree at 5 pm, inverter clipping, a logger clock a few minutes off) comes back at the same sun
 * position day after day. The median keeps an outage of under half the window out of the level.
 * NaN until an hour of day has MIN_PROFILE_VALUES values.
 */
export function profileExpectation(ts: ArrayLike<number>, actual: ArrayLike<number>, model: ArrayLike<number>, capacityKw: number, days: number): Float64Array {
  const out = new Float64Array(ts.length);
  const windowMs = days * 86_400_000;
  const byHour: {ts: number; ratio: number}[][] = Array.from({length: 24}, () => []);
  for (let i = 0; i < ts.length; i++) {
    const list = byHour[new Date(ts[i]).getUTCHours()];
    while (list.length && list[0].ts <= ts[i] - windowMs) list.shift();
    let level = NaN;
    if (list.length >= MIN_PROFILE_VALUES) level = medianSorted(Float64Array.from(list, (v) => v.ratio).sort());
    out[i] = Number.isFinite(model[i]) ? (model[i] > 0 ? level * model[i] : 0) : NaN;
    if (Number.isFinite(actual[i]) && model[i] >= MIN_MODEL_SHARE * capacityKw) list.push({ts: ts[i], ratio: actual[i] / model[i]});
  }
  return out;
}
