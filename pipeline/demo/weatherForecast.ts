// Archived day-ahead weather forecasts for the demo fleet: what a numerical weather prediction run
// at 00:00 UTC two days before each hour's UTC day would have said about that hour. The forecast
// models must be trained and scored on weather known at issue time, and the observed weather file is
// perfect hindsight; this gives them forecasts with realistic day-ahead errors instead.
//
// The forecast is derived from the very weather the site experienced (weatherProcess.ts), so its
// errors are errors *about that weather*:
//   - cloud: the latent cloud drive's anomaly (drive − its climatology) is blurred over ~3 h, moved
//     by a slowly varying timing error (fronts and showers arriving early or late), and mixed with an
//     hourly AR(1) error so that the forecast keeps the climate's variance but only part of its
//     information. Cover, then the clear-sky index (Kasten–Czeplak, the same law as the truth, without
//     the unforecastable optical-depth, turbidity and intra-hour noise), then GHI = clear sky × index
//     on the same sub-samples, and DNI/DHI by the same Erbs decomposition as the observed rows;
//   - temperature: the cloud error's effect on the diurnal cycle plus a correlated AR(1) error;
//   - dew point (→ humidity) and wind: correlated AR(1) errors, wind multiplicative (never negative);
//   - precipitation: the expected rain for the forecast cover, smeared like a model's.
// The errors run on their own random streams, so the observed weather and the production files do
// not change at all when the forecast is added (tested). Each error is one continuous series per
// site: successive daily vintages join smoothly at 00:00 UTC where real runs would jump a little,
// a simplification that horizons as alike as 48-71 h allow.

import {siteModelOf, type DemoSite} from "./sites.ts";
import type {HourlyWeather} from "./simulate.ts";
import {CLOUD_SHARPNESS, saturationVapourPressure, simulateWeatherProcesses, type WeatherProcesses} from "./weatherProcess.ts";
import {ar1Series, createRng} from "./random.ts";
import {createSolarPosition, solarPositionInto} from "../solar/solarPosition.ts";
import {extraterrestrialNormal, ineichenPerezGhi} from "../solar/clearSky.ts";
import {erbsDecomposition, type Decomposition} from "../solar/irradiance.ts";
import {DEG, MS_PER_DAY, MS_PER_HOUR, MS_PER_INTERVAL, MS_PER_MINUTE, clamp, normalCdf, solarHour} from "../math.ts";

/** Forecasts for an hour are issued at 00:00 UTC this many days before the hour's UTC day. */
export const FORECAST_LEAD_DAYS = 2;
/** Days forecast beyond the end of the demo period (tomorrow's "live" forecast needs them). */
export const FORECAST_EXTRA_DAYS = 3;

/**
 * Correlation of the forecast cloud anomaly with the (blurred, mistimed) true one; the rest is AR(1)
 * error. Tuned on the default demo (2024-07..2026-07) so that hourly daytime GHI errors look like
 * day-ahead NWP: RMSE 15-24% of mean daytime GHI at the sunny sites, 26-37% at the cloudy ones
 * (Chennai, Sydney, Freiburg), bias within ±1%, about half the error of 48 h persistence. Much of the
 * truth's variability is sub-hourly noise no forecast has: even a perfect cloud drive leaves 8-24%.
 */
const CLOUD_SKILL = 0.94;
const TAU_CLOUD_ERROR_H = 8;
/** Timing error of cloud systems: standard deviation (hours) and persistence (hours). */
const TIMING_SD_H = 1.5;
const TAU_TIMING_H = 36;
const TEMP_ERROR_SD_C = 1.6;
const TAU_TEMP_ERROR_H = 24;
const DEW_ERROR_SD_C = 1.3;
const TAU_DEW_ERROR_H = 24;
/** Wind error: standard deviation of log(forecast / truth). */
const WIND_LOG_SD = 0.3;
const TAU_WIND_ERROR_H = 12;
/** Mean of the truth's daily clear-sky turbidity factor min(1.02, 1 + 0.03·N(0,1)), which a forecast cannot know day by day. */
const CLEAR_FACTOR_MEAN = 0.9955;
/** Same sub-samples as simulate.ts, so forecast and observed GHI are zero in exactly the same hours. */
const SUB_SAMPLE_OFFSETS_MS = [2.5 * MS_PER_MINUTE, 7.5 * MS_PER_MINUTE, 12.5 * MS_PER_MINUTE];

/** Issue time of the archived forecast for the hour starting at tsMs: 00:00 UTC, FORECAST_LEAD_DAYS before its UTC day. */
export function forecastIssuedAt(tsMs: number): number {
  return (Math.floor(tsMs / MS_PER_DAY) - FORECAST_LEAD_DAYS) * MS_PER_DAY;
}

/**
 * Standard deviation of the truth's shower latent at the quarter-hour centres: an hourly unit AR(1)
 * (e-folding 2 h) linearly interpolated there has variance (1−f)² + f² + 2f(1−f)e^(−1/2), ≈ 0.865
 * averaged over f = 1/8, 3/8, 5/8, 7/8.
 */
const RAIN_LATENT_SD = 0.93;

/**
 * E[max(0, σZ + b)^1.5] for Z ~ N(0, 1): the mean of the truth's rain law (weatherProcess.ts) over
 * the fast shower latent, which no forecast resolves. Midpoint rule on ±6 sd.
 */
function expectedRainPowerExact(b: number): number {
  const steps = 96;
  const dz = 12 / steps;
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    const z = -6 + (i + 0.5) * dz;
    const x = RAIN_LATENT_SD * z + b;
    if (x > 0) sum += Math.pow(x, 1.5) * Math.exp(-0.5 * z * z);
  }
  return (sum * dz) / Math.sqrt(2 * Math.PI);
}

/** Rain falls from 75% cover, where b = −1 + 8·(cover − 0.85) runs from −1.8 to 0.2: tabulated once. */
const RAIN_B_MIN = -1.8;
const RAIN_B_STEP = 0.005;
const RAIN_TABLE = Float64Array.from({length: 401}, (_, i) => expectedRainPowerExact(RAIN_B_MIN + i * RAIN_B_STEP));

function expectedRainPower(b: number): number {
  const x = clamp((b - RAIN_B_MIN) / RAIN_B_STEP, 0, RAIN_TABLE.length - 1);
  const k = Math.min(Math.floor(x), RAIN_TABLE.length - 2);
  const f = x - k;
  return RAIN_TABLE[k] * (1 - f) + RAIN_TABLE[k + 1] * f;
}

/** Dew point (°C) from air temperature and relative humidity, inverting the Magnus formula. */
function dewPoint(tempC: number, humidityPct: number): number {
  const g = Math.log((clamp(humidityPct, 1, 100) / 100) * saturationVapourPressure(tempC) / 6.1094);
  return (243.04 * g) / (17.625 - g);
}

/** Linear interpolation of an hourly series at fractional hour x, held constant beyond its ends. */
function at(series: Float64Array, x: number): number {
  if (x <= 0) return series[0];
  const last = series.length - 1;
  if (x >= last) return series[last];
  const k = Math.floor(x);
  const f = x - k;
  return series[k] * (1 - f) + series[k + 1] * f;
}

/**
 * The demo's archived forecast for one site: one row per UTC hour from startMs to endMs plus
 * `extraDays`, each issued at forecastIssuedAt(ts). Deterministic for (seed, site, span).
 */
export function forecastWeather(site: DemoSite, seed: number, startMs: number, endMs: number, extraDays = FORECAST_EXTRA_DAYS): HourlyWeather {
  const model = siteModelOf(site);
  const hours = Math.round((endMs - startMs) / MS_PER_HOUR) + 24 * extraDays;
  // The same processes as simulateSite over a longer span: every stream is drawn sequentially, so the
  // first n intervals are exactly the simulated (observed) weather and the rest is its continuation.
  const truth: WeatherProcesses = simulateWeatherProcesses(model.climate, site.lon, startMs, 4 * hours, seed, site.id);
  const stream = (name: string) => createRng(seed, site.id, "weather-forecast", name);
  const cloudError = ar1Series(stream("cloud"), hours, TAU_CLOUD_ERROR_H);
  const timing = ar1Series(stream("timing"), hours, TAU_TIMING_H);
  const tempError = ar1Series(stream("temperature"), hours, TAU_TEMP_ERROR_H);
  const dewError = ar1Series(stream("dew-point"), hours, TAU_DEW_ERROR_H);
  const windError = ar1Series(stream("wind"), hours, TAU_WIND_ERROR_H);

  // Hourly means of the truth.
  const anomaly = new Float64Array(hours);
  const climate = new Float64Array(hours);
  const cloud = new Float64Array(hours);
  const temp = new Float64Array(hours);
  const wind = new Float64Array(hours);
  const humidity = new Float64Array(hours);
  for (let h = 0; h < hours; h++) {
    let a = 0, m = 0, c = 0, t = 0, w = 0, rh = 0;
    for (let q = 4 * h; q < 4 * h + 4; q++) {
      a += truth.cloudDrive[q] - truth.cloudDriveClimate[q];
      m += truth.cloudDriveClimate[q];
      c += truth.cloud[q];
      t += truth.tempC[q];
      w += truth.windMs[q];
      rh += truth.humidityPct[q];
    }
    anomaly[h] = a / 4;
    climate[h] = m / 4;
    cloud[h] = c / 4;
    temp[h] = t / 4;
    wind[h] = w / 4;
    humidity[h] = rh / 4;
  }
  // A model's clouds are smoother than the sky's: blur the anomaly over about three hours.
  const blurred = new Float64Array(hours);
  for (let h = 0; h < hours; h++) {
    blurred[h] = 0.25 * anomaly[Math.max(h - 1, 0)] + 0.5 * anomaly[h] + 0.25 * anomaly[Math.min(h + 1, hours - 1)];
  }

  const out: HourlyWeather = {
    site_id: site.id, startMs, hours,
    ghi: new Float64Array(hours), dni: new Float64Array(hours), dhi: new Float64Array(hours), tempC: new Float64Array(hours),
    cloudPct: new Float64Array(hours), windMs: new Float64Array(hours), humidityPct: new Float64Array(hours), precipMm: new Float64Array(hours)
  };
  const {climate: params} = model;
  const noise = Math.sqrt(1 - CLOUD_SKILL * CLOUD_SKILL);
  const sp = createSolarPosition();
  const dec: Decomposition = {dni: 0, dhi: 0, kt: 0};
  const subs = SUB_SAMPLE_OFFSETS_MS.length;

  for (let h = 0; h < hours; h++) {
    const t0 = startMs + h * MS_PER_HOUR;
    // Cloud: the anomaly as seen at a shifted time, part skill, part error, on the climate's mean.
    const seen = at(blurred, h + TIMING_SD_H * timing[h]);
    const cover = normalCdf(CLOUD_SHARPNESS * (climate[h] + CLOUD_SKILL * seen + noise * cloudError[h]));
    const kc = (1 - 0.75 * Math.pow(cover, 3.4)) * CLEAR_FACTOR_MEAN;
    out.cloudPct[h] = 100 * cover;

    // Irradiance on the simulation's own sub-samples: zero exactly when the observed hour is. Deep
    // night is skipped: the sun's elevation changes by at most 15°/h, so at −8° mid-hour every
    // sub-sample (≤ 27.5 min away) is below the horizon even with refraction (≈ 0.6°).
    let ghiSum = 0, dniSum = 0, dhiSum = 0;
    solarPositionInto(sp, t0 + MS_PER_HOUR / 2, site.lat, site.lon);
    const night = sp.elevation < -8;
    for (let j = 0; j < 4 && !night; j++) {
      for (let s = 0; s < subs; s++) {
        solarPositionInto(sp, t0 + j * MS_PER_INTERVAL + SUB_SAMPLE_OFFSETS_MS[s], site.lat, site.lon);
        if (!(sp.apparentElevation > 0)) continue;
        const dniExtra = extraterrestrialNormal(sp.earthSunDistance);
        const extH = dniExtra * Math.max(Math.cos(sp.zenith * DEG), 0);
        const ghi = Math.min(ineichenPerezGhi(sp.apparentZenith, model.linkeTurbidity, model.elevationM, dniExtra) * kc, extH);
        erbsDecomposition(ghi, sp.zenith, dniExtra, dec);
        ghiSum += ghi;
        dniSum += dec.dni;
        dhiSum += dec.dhi;
      }
    }
    out.ghi[h] = ghiSum / (4 * subs);
    out.dni[h] = dniSum / (4 * subs);
    out.dhi[h] = dhiSum / (4 * subs);

    // Temperature: a sunnier forecast is a warmer afternoon (the truth's cloud-damped diurnal cycle),
    // plus the model's own slowly varying error.
    const diurnal = Math.cos((2 * Math.PI * (solarHour(t0 + MS_PER_HOUR / 2, site.lon) - 15)) / 24);
    const cloudEffect = -(params.diurnalRange / 2) * 0.55 * (cover - cloud[h]) * diurnal;
    const tempF = temp[h] + cloudEffect + TEMP_ERROR_SD_C * tempError[h];
    out.tempC[h] = tempF;

    // Humidity from a forecast dew point that shares half the temperature error (same air mass).
    const dewF = Math.min(dewPoint(temp[h], humidity[h]) + 0.5 * (tempF - temp[h]) + DEW_ERROR_SD_C * dewError[h], tempF);
    out.humidityPct[h] = clamp((100 * saturationVapourPressure(dewF)) / saturationVapourPressure(tempF), 3, 100);

    // Wind: log-normal error with mean-one factor, so the forecast is unbiased and never negative.
    out.windMs[h] = Math.min(wind[h] * Math.exp(WIND_LOG_SD * windError[h] - (WIND_LOG_SD * WIND_LOG_SD) / 2), 25);

    // Rain: the truth's law (rain only from 75% cover) averaged over its shower latent; four quarters
    // of rate/4 make the hourly sum.
    out.precipMm[h] = cover >= 0.75 ? params.precipScale * expectedRainPower(-1 + 8 * (cover - 0.85)) : 0;
  }
  return out;
}
