// Solar position after the NOAA Solar Calculator (Meeus, "Astronomical Algorithms", low-precision
// series): declination, equation of time, hour angle, then zenith and azimuth. Accurate to about
// 0.01° in declination and a few arc-minutes in elevation for 1900-2100, far better than needed.

import {DEG, MS_PER_DAY, MS_PER_MINUTE, mod} from "../math.ts";

export interface SolarPosition {
  /** Geometric zenith angle, degrees. */
  zenith: number;
  /** Zenith corrected for atmospheric refraction, degrees (what an observer sees). */
  apparentZenith: number;
  elevation: number;
  apparentElevation: number;
  /** Degrees clockwise from north (180 = south). */
  azimuth: number;
  declination: number;
  /** Minutes; apparent minus mean solar time. */
  equationOfTime: number;
  /** Degrees, negative before solar noon. */
  hourAngle: number;
  /** Astronomical units. */
  earthSunDistance: number;
}

export function createSolarPosition(): SolarPosition {
  return {zenith: 0, apparentZenith: 0, elevation: 0, apparentElevation: 0, azimuth: 0, declination: 0, equationOfTime: 0, hourAngle: 0, earthSunDistance: 1};
}

/** Sun-only quantities (independent of the observer). */
interface SunState {
  declination: number; // radians
  equationOfTime: number; // minutes
  earthSunDistance: number; // AU
}

function sunState(utcMs: number, out: SunState): SunState {
  const jd = utcMs / MS_PER_DAY + 2440587.5;
  const t = (jd - 2451545) / 36525; // Julian centuries since J2000.0
  const l0 = mod(280.46646 + t * (36000.76983 + t * 0.0003032), 360) * DEG; // geometric mean longitude
  const m = (357.52911 + t * (35999.05029 - 0.0001537 * t)) * DEG; // mean anomaly
  const e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t); // orbit eccentricity
  const c =
    Math.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t)) +
    Math.sin(2 * m) * (0.019993 - 0.000101 * t) +
    Math.sin(3 * m) * 0.000289; // equation of centre, degrees
  const trueLong = l0 / DEG + c;
  const trueAnomaly = m + c * DEG;
  const omega = (125.04 - 1934.136 * t) * DEG;
  const lambda = (trueLong - 0.00569 - 0.00478 * Math.sin(omega)) * DEG; // apparent longitude
  const eps0 = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60;
  const eps = (eps0 + 0.00256 * Math.cos(omega)) * DEG; // corrected obliquity
  const y = Math.tan(eps / 2) ** 2;
  out.declination = Math.asin(Math.sin(eps) * Math.sin(lambda));
  out.equationOfTime =
    (4 / DEG) *
    (y * Math.sin(2 * l0) -
      2 * e * Math.sin(m) +
      4 * e * y * Math.sin(m) * Math.cos(2 * l0) -
      0.5 * y * y * Math.sin(4 * l0) -
      1.25 * e * e * Math.sin(2 * m));
  out.earthSunDistance = (1.000001018 * (1 - e * e)) / (1 + e * Math.cos(trueAnomaly));
  return out;
}

/** NOAA's piecewise refraction correction (degrees) for a geometric elevation in degrees. */
export function refractionCorrection(elevationDeg: number): number {
  const h = elevationDeg;
  if (h > 85) return 0;
  let arcsec: number;
  if (h > 5) {
    const te = Math.tan(h * DEG);
    arcsec = 58.1 / te - 0.07 / te ** 3 + 0.000086 / te ** 5;
  } else if (h > -0.575) {
    arcsec = 1735 + h * (-518.2 + h * (103.4 + h * (-12.79 + h * 0.711)));
  } else {
    arcsec = -20.772 / Math.tan(h * DEG);
  }
  return arcsec / 3600;
}

const scratchSun: SunState = {declination: 0, equationOfTime: 0, earthSunDistance: 1};

/** Solar position written into `out` (no allocation; this runs ~1.7M times per full generation). */
export function solarPositionInto(out: SolarPosition, utcMs: number, latDeg: number, lonDeg: number): SolarPosition {
  const sun = sunState(utcMs, scratchSun);
  const minutesUtc = mod(utcMs / MS_PER_MINUTE, 1440);
  const trueSolarMinutes = mod(minutesUtc + sun.equationOfTime + 4 * lonDeg, 1440);
  const hourAngle = trueSolarMinutes / 4 - 180;
  const lat = latDeg * DEG;
  const ha = hourAngle * DEG;
  const decl = sun.declination;
  const sinLat = Math.sin(lat);
  const cosLat = Math.cos(lat);
  let cosZ = sinLat * Math.sin(decl) + cosLat * Math.cos(decl) * Math.cos(ha);
  cosZ = cosZ > 1 ? 1 : cosZ < -1 ? -1 : cosZ;
  const zenith = Math.acos(cosZ) / DEG;
  const elevation = 90 - zenith;
  const refraction = refractionCorrection(elevation);
  // Azimuth from north, clockwise: 180° + atan2(sin H, cos H sin φ − tan δ cos φ).
  const azimuth = mod(180 + Math.atan2(Math.sin(ha), Math.cos(ha) * sinLat - Math.tan(decl) * cosLat) / DEG, 360);
  out.zenith = zenith;
  out.elevation = elevation;
  out.apparentElevation = elevation + refraction;
  out.apparentZenith = zenith - refraction;
  out.azimuth = azimuth;
  out.declination = decl / DEG;
  out.equationOfTime = sun.equationOfTime;
  out.hourAngle = hourAngle;
  out.earthSunDistance = sun.earthSunDistance;
  return out;
}

export function solarPosition(utcMs: number, latDeg: number, lonDeg: number): SolarPosition {
  return solarPositionInto(createSolarPosition(), utcMs, latDeg, lonDeg);
}

export interface SunTimes {
  solarNoonMs: number;
  /** NaN during polar day/night. */
  sunriseMs: number;
  sunsetMs: number;
}

/**
 * Solar noon, sunrise and sunset (sun's upper limb at the horizon with standard refraction,
 * i.e. geometric zenith 90.833°) for the UTC calendar day containing `utcMs`.
 */
export function sunTimes(utcMs: number, latDeg: number, lonDeg: number): SunTimes {
  const dayStart = Math.floor(utcMs / MS_PER_DAY) * MS_PER_DAY;
  const sun: SunState = {declination: 0, equationOfTime: 0, earthSunDistance: 1};
  let noon = dayStart + (720 - 4 * lonDeg) * MS_PER_MINUTE;
  for (let i = 0; i < 2; i++) {
    sunState(noon, sun);
    noon = dayStart + (720 - 4 * lonDeg - sun.equationOfTime) * MS_PER_MINUTE;
  }
  const event = (sign: -1 | 1): number => {
    let t = noon;
    for (let i = 0; i < 3; i++) {
      sunState(t, sun);
      const lat = latDeg * DEG;
      const cosH0 = (Math.cos(90.833 * DEG) - Math.sin(lat) * Math.sin(sun.declination)) / (Math.cos(lat) * Math.cos(sun.declination));
      if (cosH0 < -1 || cosH0 > 1) return NaN;
      const h0 = Math.acos(cosH0) / DEG;
      t = dayStart + (720 - 4 * (lonDeg - sign * h0) - sun.equationOfTime) * MS_PER_MINUTE;
    }
    return t;
  };
  return {solarNoonMs: noon, sunriseMs: event(-1), sunsetMs: event(1)};
}
