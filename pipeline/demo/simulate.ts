// Physics for one site on the 15-minute grid: solar geometry → clear sky → cloudy GHI → Erbs →
// Hay–Davies POA → Faiman cell temperature → PVWatts DC → inverter with clipping → faults.
// Each interval's value is the mean over three sub-samples (2.5, 7.5, 12.5 min), which resolves
// sunrise/sunset and clipping better than a single midpoint.

import {type DemoSite, siteModelOf} from "./sites.ts";
import {createSolarPosition, solarPositionInto} from "../solar/solarPosition.ts";
import {extraterrestrialNormal, ineichenPerezGhi} from "../solar/clearSky.ts";
import {erbsDecomposition, hayDaviesPoa, iamAshrae, type Decomposition, type PlaneOfArray} from "../solar/irradiance.ts";
import {faimanCellTemperature, pvwattsDc, pvwattsInverter, DEFAULT_GAMMA} from "../solar/pvSystem.ts";
import {simulateWeatherProcesses, type WeatherProcesses} from "./weatherProcess.ts";
import {planFaults, type FaultEffects} from "./faults.ts";
import {DEG, MS_PER_HOUR, MS_PER_INTERVAL, MS_PER_MINUTE} from "../math.ts";

/** Degradation is counted from a fixed commissioning date so it does not depend on the chosen span. */
const COMMISSIONING_MS = Date.UTC(2023, 0, 1);
const MS_PER_YEAR = 365.25 * 86_400_000;
const SUB_SAMPLE_OFFSETS_MS = [2.5 * MS_PER_MINUTE, 7.5 * MS_PER_MINUTE, 12.5 * MS_PER_MINUTE];
export const INVERTER_EFFICIENCY = 0.96;

export interface SiteSimulation {
  site: DemoSite;
  startMs: number;
  endMs: number;
  /** Number of 15-minute intervals; interval q covers [startMs + q·15 min, +15 min). */
  n: number;
  weather: WeatherProcesses;
  faults: FaultEffects;
  /** 1 if the (refracted) sun is above the horizon at any sub-sample of the interval. */
  sunUp: Uint8Array;
  /** Interval means, W/m². */
  clearSkyGhi: Float64Array;
  extraterrestrialGhi: Float64Array;
  ghi: Float64Array;
  dni: Float64Array;
  dhi: Float64Array;
  poa: Float64Array;
  cellTempC: Float64Array;
  /** Interval-mean AC power without injected faults, kW. */
  acCleanKw: Float64Array;
  /** Interval-mean AC power with faults (the truth the logger measures), kW. */
  acKw: Float64Array;
}

export function parseSpan(start: string, end: string): {startMs: number; endMs: number} {
  const startMs = Date.parse(start);
  const endMs = Date.parse(end);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) throw new Error(`Invalid demo span: ${start} .. ${end}`);
  if (startMs % MS_PER_HOUR !== 0 || endMs % MS_PER_HOUR !== 0) {
    throw new Error(`Demo span must start and end on a whole UTC hour: ${start} .. ${end}`);
  }
  if (endMs <= startMs) throw new Error(`Demo span end must be after start: ${start} .. ${end}`);
  return {startMs, endMs};
}

export function simulateSite(site: DemoSite, seed: number, startMs: number, endMs: number): SiteSimulation {
  const model = siteModelOf(site);
  const n = Math.round((endMs - startMs) / MS_PER_INTERVAL);
  const weather = simulateWeatherProcesses(model.climate, site.lon, startMs, n, seed, site.id);
  const faults = planFaults(site.id, site.lon, model.faults, startMs, n, weather.precipMm, seed);

  const sunUp = new Uint8Array(n);
  const clearSkyGhi = new Float64Array(n);
  const extraterrestrialGhi = new Float64Array(n);
  const ghiOut = new Float64Array(n);
  const dniOut = new Float64Array(n);
  const dhiOut = new Float64Array(n);
  const poaOut = new Float64Array(n);
  const cellOut = new Float64Array(n);
  const acCleanKw = new Float64Array(n);
  const acKw = new Float64Array(n);

  const sp = createSolarPosition();
  const dec: Decomposition = {dni: 0, dhi: 0, kt: 0};
  const plane: PlaneOfArray = {global: 0, beam: 0, skyDiffuse: 0, groundDiffuse: 0, cosAoi: 0};
  const subs = SUB_SAMPLE_OFFSETS_MS.length;
  const cap = site.capacity_kw;

  for (let q = 0; q < n; q++) {
    const t0 = startMs + q * MS_PER_INTERVAL;
    const kc = weather.clearSkyIndex[q];
    const airTemp = weather.tempC[q];
    const wind = weather.windMs[q];
    const degradation = 1 - model.degradationPerYear * Math.max(0, (t0 - COMMISSIONING_MS) / MS_PER_YEAR);
    const dcScale = site.dc_capacity_kw * (1 - model.systemLosses) * degradation;
    const limit = cap * faults.acLimitFraction[q];
    const down = faults.outage[q] === 1;
    let up = 0, upCount = 0, cs = 0, ext = 0, ghiSum = 0, dniSum = 0, dhiSum = 0, poaSum = 0, cellSum = 0, clean = 0, faulty = 0;
    for (let s = 0; s < subs; s++) {
      solarPositionInto(sp, t0 + SUB_SAMPLE_OFFSETS_MS[s], site.lat, site.lon);
      if (!(sp.apparentElevation > 0)) continue;
      up = 1;
      upCount++;
      const dniExtra = extraterrestrialNormal(sp.earthSunDistance);
      const extH = dniExtra * Math.max(Math.cos(sp.zenith * DEG), 0);
      const clear = ineichenPerezGhi(sp.apparentZenith, model.linkeTurbidity, model.elevationM, dniExtra);
      const ghi = Math.min(clear * kc, extH);
      erbsDecomposition(ghi, sp.zenith, dniExtra, dec);
      hayDaviesPoa(site.tilt, site.azimuth, sp.zenith, sp.azimuth, ghi, dec.dni, dec.dhi, dniExtra, undefined, plane);
      // Reflection losses at the glass only affect the beam part noticeably (ASHRAE IAM).
      const effective = plane.global - plane.beam * (1 - iamAshrae(plane.cosAoi));
      const cell = faimanCellTemperature(plane.global, airTemp, wind, model.faimanU0, model.faimanU1);
      const dc = pvwattsDc(effective, cell, dcScale, DEFAULT_GAMMA);
      clean += pvwattsInverter(dc, cap, INVERTER_EFFICIENCY);
      if (!down) faulty += Math.min(pvwattsInverter(dc * faults.dcFactor[q], cap, INVERTER_EFFICIENCY), limit);
      cs += clear;
      ext += extH;
      ghiSum += ghi;
      dniSum += dec.dni;
      dhiSum += dec.dhi;
      poaSum += plane.global;
      cellSum += cell;
    }
    sunUp[q] = up;
    clearSkyGhi[q] = cs / subs;
    extraterrestrialGhi[q] = ext / subs;
    ghiOut[q] = ghiSum / subs;
    dniOut[q] = dniSum / subs;
    dhiOut[q] = dhiSum / subs;
    poaOut[q] = poaSum / subs;
    // With the sun down the modules sit at air temperature (radiative cooling ignored).
    cellOut[q] = (cellSum + airTemp * (subs - upCount)) / subs;
    acCleanKw[q] = clean / subs;
    acKw[q] = faulty / subs;
  }
  return {
    site, startMs, endMs, n, weather, faults, sunUp, clearSkyGhi, extraterrestrialGhi,
    ghi: ghiOut, dni: dniOut, dhi: dhiOut, poa: poaOut, cellTempC: cellOut, acCleanKw, acKw
  };
}

export interface HourlyWeather {
  site_id: string;
  startMs: number;
  hours: number;
  ghi: Float64Array;
  dni: Float64Array;
  dhi: Float64Array;
  tempC: Float64Array;
  cloudPct: Float64Array;
  windMs: Float64Array;
  humidityPct: Float64Array;
  /** Hourly sum, mm. */
  precipMm: Float64Array;
}

/** Hourly means (precipitation: sums) of the very series that drive the power model. */
export function hourlyWeather(sim: SiteSimulation): HourlyWeather {
  const hours = Math.floor(sim.n / 4);
  const mk = () => new Float64Array(hours);
  const out: HourlyWeather = {
    site_id: sim.site.id, startMs: sim.startMs, hours,
    ghi: mk(), dni: mk(), dhi: mk(), tempC: mk(), cloudPct: mk(), windMs: mk(), humidityPct: mk(), precipMm: mk()
  };
  const w = sim.weather;
  for (let h = 0; h < hours; h++) {
    let ghi = 0, dni = 0, dhi = 0, temp = 0, cloud = 0, wind = 0, rh = 0, rain = 0;
    for (let q = 4 * h; q < 4 * h + 4; q++) {
      ghi += sim.ghi[q];
      dni += sim.dni[q];
      dhi += sim.dhi[q];
      temp += w.tempC[q];
      cloud += w.cloud[q];
      wind += w.windMs[q];
      rh += w.humidityPct[q];
      rain += w.precipMm[q];
    }
    out.ghi[h] = ghi / 4;
    out.dni[h] = dni / 4;
    out.dhi[h] = dhi / 4;
    out.tempC[h] = temp / 4;
    out.cloudPct[h] = (cloud / 4) * 100;
    out.windMs[h] = wind / 4;
    out.humidityPct[h] = rh / 4;
    out.precipMm[h] = rain;
  }
  return out;
}
