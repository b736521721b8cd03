// A seeded synthetic PV site for the Prophet tests: hourly energy from the sun's real path (the
// demo's NOAA solar position), Haurwitz clear-sky GHI, one cloudiness factor per day and noise.
import {haurwitzGhi} from "../../../../pipeline/solar/clearSky.ts";
import {solarPosition} from "../../../../pipeline/solar/solarPosition.ts";
import {mulberry32} from "../../../../pipeline/random.ts";

export const SITE = {lat: 48.14, lon: 11.58, capacityKw: 100};
const MS_PER_HOUR = 3_600_000;
/** Sub-samples per hour for the hour's mean irradiance and its sun-up flag. */
const STEPS = 12;
/** Energy per hour at 1000 W/m² (performance ratio × capacity). */
const PR = 0.85;
/** Mean of the daily cloudiness factor below. */
const MEAN_CLOUD = 0.7;

export interface SyntheticSite {
  ds: Float64Array;
  /** Observed hourly energy, kWh. */
  y: Float64Array;
  /** Expected hourly energy (mean cloudiness, no noise): what a weather-blind model should find. */
  truth: Float64Array;
  /** Hour-mean clear-sky GHI, W/m²: a regressor known in advance. */
  clearSky: Float64Array;
  /** Hour-mean GHI under the day's clouds, W/m² (what a weather service would report). */
  ghi: Float64Array;
  /** Sun above the horizon at some time during the hour. */
  sunUp: boolean[];
}

/** Hour-mean clear-sky GHI and whether the sun is up during the hour starting at `utcMs`. */
export function clearSkyHour(utcMs: number): {ghi: number; up: boolean} {
  let ghi = 0;
  let up = false;
  for (let s = 0; s < STEPS; s++) {
    const pos = solarPosition(utcMs + ((s + 0.5) / STEPS) * MS_PER_HOUR, SITE.lat, SITE.lon);
    ghi += haurwitzGhi(pos.zenith) / STEPS;
    if (pos.elevation > 0) up = true;
  }
  // The end of the hour too, so that an hour whose sunrise falls in its last minutes counts as up.
  if (solarPosition(utcMs + MS_PER_HOUR, SITE.lat, SITE.lon).elevation > 0) up = true;
  return {ghi, up};
}

export function sunUpAt(utcMs: number): boolean {
  return clearSkyHour(utcMs).up;
}

export function syntheticSite(startIso: string, days: number, seed = 7): SyntheticSite {
  const random = mulberry32(seed);
  const n = days * 24;
  const start = Date.parse(startIso);
  const site: SyntheticSite = {ds: new Float64Array(n), y: new Float64Array(n), truth: new Float64Array(n), clearSky: new Float64Array(n), ghi: new Float64Array(n), sunUp: []};
  let cloud = MEAN_CLOUD;
  for (let i = 0; i < n; i++) {
    // Day-to-day cloudiness: AR(1) around the mean, kept within [0.1, 1].
    if (i % 24 === 0) cloud = Math.min(1, Math.max(0.1, MEAN_CLOUD + 0.6 * (cloud - MEAN_CLOUD) + 0.25 * (random() - 0.5) * 2));
    const t = start + i * MS_PER_HOUR;
    const {ghi, up} = clearSkyHour(t);
    const clear = (SITE.capacityKw * PR * ghi) / 1000;
    const noise = 1 + 0.1 * (random() - 0.5) * 2;
    site.ds[i] = t;
    site.clearSky[i] = ghi;
    site.ghi[i] = ghi * cloud;
    site.sunUp.push(up);
    site.truth[i] = clear * MEAN_CLOUD;
    site.y[i] = Math.min(SITE.capacityKw, clear * cloud * noise);
  }
  return site;
}

/** Mean absolute error over the hours where `mask` is true. */
export function maskedMae(pred: ArrayLike<number>, truth: ArrayLike<number>, mask: ArrayLike<boolean>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < truth.length; i++) {
    if (!mask[i]) continue;
    sum += Math.abs(pred[i] - truth[i]);
    count++;
  }
  return sum / count;
}
