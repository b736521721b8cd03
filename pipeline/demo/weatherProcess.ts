// Stochastic weather for one site on the 15-minute grid. Hourly latent AR(1) processes carry the
// persistence (synoptic systems over days, showers over hours); they are interpolated to 15 minutes
// and combined with faster noise. The same series feed both the PV model and the hourly weather file,
// so weather genuinely explains production.

import {ar1Series, createRng} from "./random.ts";
import {MS_PER_DAY, MS_PER_INTERVAL, clamp, dayOfYear, monthlyValue, normalCdf, normalQuantile, solarHour} from "../math.ts";

export interface ClimateParams {
  /** Mean cloud cover fraction (0..1) per calendar month, Jan..Dec. */
  cloudMonthly: readonly number[];
  /** Afternoon convective cloud boost per month, in latent standard deviations (0 = none). */
  convectiveMonthly: readonly number[];
  /** Daily-mean air temperature per month, °C. */
  tempMonthly: readonly number[];
  /** Clear-sky diurnal temperature range (max − min), °C. */
  diurnalRange: number;
  /** Standard deviation of the multi-day temperature anomaly, °C. */
  tempNoiseSd: number;
  /** Typical clear-sky gap between daily-mean temperature and dew point, °C. */
  dewpointDepression: number;
  /** Mean 10 m wind speed, m/s. */
  windMean: number;
  /** Scale of rain intensity, mm/h. */
  precipScale: number;
}

export interface WeatherProcesses {
  startMs: number;
  n: number;
  /** Cloud cover fraction 0..1 at each 15-min interval. */
  cloud: Float64Array;
  /** Clear-sky index (GHI / clear-sky GHI) for each interval, cloud enhancement included. */
  clearSkyIndex: Float64Array;
  tempC: Float64Array;
  windMs: Float64Array;
  humidityPct: Float64Array;
  /** Precipitation amount within each 15-min interval, mm. */
  precipMm: Float64Array;
  /**
   * The latent cloud drive z − θ behind `cloud` (cloud = Φ(CLOUD_SHARPNESS·drive)), and its
   * climatological part (afternoon convection − θ). The demo's NWP-like forecast (weatherForecast.ts)
   * perturbs drive − climate, the part a forecast has to predict, rather than the bounded cover.
   */
  cloudDrive: Float64Array;
  cloudDriveClimate: Float64Array;
}

/** Steepness of the latent → cloud-cover map; > 1 gives the observed U-shaped cover distribution. */
export const CLOUD_SHARPNESS = 1.7;
/** Hourly e-folding times of the latent processes. */
const TAU_SYNOPTIC_H = 60;
const TAU_MESO_H = 5;
const TAU_DEPTH_H = 3;
const TAU_TEMP_H = 30;
const TAU_WIND_H = 8;
const TAU_HUMID_H = 18;
const TAU_RAIN_H = 2;
/** 15-min clear-sky-index noise persistence, in intervals. */
const TAU_INTRA_Q = 1.5;
export const MAX_CLEAR_SKY_INDEX = 1.12;
export const MIN_CLEAR_SKY_INDEX = 0.03;

/** Kasten & Czeplak (1980): clear-sky index from cloud cover fraction, 1 − 0.75·C^3.4. */
export function kastenCzeplakIndex(cloudFraction: number): number {
  return 1 - 0.75 * Math.pow(clamp(cloudFraction, 0, 1), 3.4);
}

/**
 * Latent threshold θ such that E[Φ(k(Z − θ))] equals the target mean cover for Z ~ N(0,1):
 * E = Φ(−kθ/√(1+k²)), hence θ = −√(1+k²)/k · Φ⁻¹(mean).
 */
export function cloudThreshold(meanCover: number, sharpness = CLOUD_SHARPNESS): number {
  const m = clamp(meanCover, 0.005, 0.995);
  return (-Math.sqrt(1 + sharpness * sharpness) / sharpness) * normalQuantile(m);
}

/** Magnus saturation vapour pressure (hPa), Alduchov & Eskridge (1996) coefficients. */
export function saturationVapourPressure(tempC: number): number {
  return 6.1094 * Math.exp((17.625 * tempC) / (tempC + 243.04));
}

/** Linear interpolation of an hourly series (values at hour boundaries) at the centre of interval q. */
function atInterval(hourly: Float64Array, q: number): number {
  const x = (q + 0.5) / 4;
  const k = Math.floor(x);
  const f = x - k;
  return hourly[k] * (1 - f) + hourly[k + 1] * f;
}

export function simulateWeatherProcesses(
  climate: ClimateParams,
  lonDeg: number,
  startMs: number,
  n: number,
  seed: number,
  siteId: string
): WeatherProcesses {
  const hours = Math.ceil(n / 4) + 2;
  const stream = (name: string) => createRng(seed, siteId, "weather", name);
  const synoptic = ar1Series(stream("cloud-synoptic"), hours, TAU_SYNOPTIC_H);
  const meso = ar1Series(stream("cloud-meso"), hours, TAU_MESO_H);
  const depth = ar1Series(stream("cloud-depth"), hours, TAU_DEPTH_H);
  const tempNoise = ar1Series(stream("temperature"), hours, TAU_TEMP_H);
  const windNoise = ar1Series(stream("wind"), hours, TAU_WIND_H);
  const humidNoise = ar1Series(stream("humidity"), hours, TAU_HUMID_H);
  const rainNoise = ar1Series(stream("rain"), hours, TAU_RAIN_H);
  const intraRng = stream("intra-hour");
  const firstDay = Math.floor(startMs / MS_PER_DAY);
  const days = Math.ceil((n * MS_PER_INTERVAL) / MS_PER_DAY) + 2;
  // Day-to-day aerosol/water-vapour variation around the fixed Linke turbidity of the site.
  const turbidity = ar1Series(stream("turbidity"), days, 2);

  // Cloud thresholds change slowly: evaluate once per hour.
  const theta = new Float64Array(hours);
  for (let k = 0; k < hours; k++) {
    theta[k] = cloudThreshold(monthlyValue(climate.cloudMonthly, dayOfYear(startMs + k * 3_600_000)));
  }

  const cloud = new Float64Array(n);
  const clearSkyIndex = new Float64Array(n);
  const tempC = new Float64Array(n);
  const windMs = new Float64Array(n);
  const humidityPct = new Float64Array(n);
  const precipMm = new Float64Array(n);
  const cloudDrive = new Float64Array(n);
  const cloudDriveClimate = new Float64Array(n);
  const phiIntra = Math.exp(-1 / TAU_INTRA_Q);
  const innovIntra = Math.sqrt(1 - phiIntra * phiIntra);
  let intra = intraRng.normal();

  for (let q = 0; q < n; q++) {
    const t = startMs + (q + 0.5) * MS_PER_INTERVAL;
    const doy = dayOfYear(t);
    const hour = solarHour(t, lonDeg);
    const diurnal = Math.cos((2 * Math.PI * (hour - 15)) / 24); // peaks mid-afternoon
    const convection = monthlyValue(climate.convectiveMonthly, doy) * Math.exp(-(((hour - 15) / 3) ** 2));

    // Cloud cover: persistent synoptic + mesoscale latent, sharpened into 0..1.
    const z = 0.8 * atInterval(synoptic, q) + 0.6 * atInterval(meso, q) + convection;
    const th = theta[Math.floor(q / 4)];
    const c = normalCdf(CLOUD_SHARPNESS * (z - th));
    cloud[q] = c;
    cloudDrive[q] = z - th;
    cloudDriveClimate[q] = convection - th;

    // Clear-sky index: Kasten–Czeplak mean response with varying cloud optical depth, daily clear-sky
    // turbidity jitter, and intra-hour noise largest for broken cloud (which also allows enhancement).
    const opaque = 0.75 * Math.pow(c, 3.4) * (1 + 0.25 * atInterval(depth, q));
    const day = Math.floor(t / MS_PER_DAY) - firstDay;
    const clearFactor = Math.min(1.02, 1 + 0.03 * turbidity[day]);
    if (q > 0) intra = phiIntra * intra + innovIntra * intraRng.normal();
    const sigma = 0.015 + 0.5 * c * (1 - c);
    clearSkyIndex[q] = clamp((1 - opaque) * clearFactor + sigma * intra, MIN_CLEAR_SKY_INDEX, MAX_CLEAR_SKY_INDEX);

    // Air temperature: seasonal mean + synoptic anomaly + diurnal cycle damped by cloud.
    const tBase = monthlyValue(climate.tempMonthly, doy) + climate.tempNoiseSd * atInterval(tempNoise, q);
    const temp = tBase + (climate.diurnalRange / 2) * (1 - 0.55 * c) * diurnal;
    tempC[q] = temp;

    // Humidity from a dew point that follows the air mass but not the diurnal cycle, so RH falls in
    // the warm afternoon; cloudy air is moister.
    const dew = Math.min(temp, tBase - climate.dewpointDepression * (1.3 - 0.9 * c) + 1.5 * atInterval(humidNoise, q));
    humidityPct[q] = clamp((100 * saturationVapourPressure(dew)) / saturationVapourPressure(temp), 3, 100);

    // Wind: log-normal AR (positive, skewed), breezier afternoons and in disturbed weather.
    const wind = climate.windMean * Math.exp(0.45 * atInterval(windNoise, q) - 0.1) * (1 + 0.25 * diurnal) * (1 + 0.15 * Math.max(0, z));
    windMs[q] = Math.min(wind, 25);

    // Rain only under (near-)overcast skies; intensity grows with cover and a fast shower latent.
    if (c >= 0.75) {
      const x = atInterval(rainNoise, q) - 1 + 8 * (c - 0.85);
      precipMm[q] = x > 0 ? (climate.precipScale * Math.pow(x, 1.5)) / 4 : 0;
    }
  }
  return {startMs, n, cloud, clearSkyIndex, tempC, windMs, humidityPct, precipMm, cloudDrive, cloudDriveClimate};
}
