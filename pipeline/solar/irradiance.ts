// Splitting global horizontal irradiance into beam and diffuse parts (Erbs et al. 1982) and
// transposing them onto the tilted module plane (Hay & Davies 1980, or the isotropic sky).

import {DEG, clamp} from "../math.ts";
import {ineichenPerezGhi} from "./clearSky.ts";

export const GROUND_ALBEDO = 0.2;

export interface Decomposition {
  dni: number;
  dhi: number;
  /** Clearness index GHI / extraterrestrial horizontal. */
  kt: number;
}

/**
 * Erbs diffuse-fraction correlation. Like common implementations, cos(zenith) is floored at 0.065
 * and DNI is zeroed beyond 87° zenith so near-horizon rounding cannot produce huge beam values.
 */
export function erbsDecomposition(ghi: number, zenithDeg: number, dniExtra: number, out?: Decomposition): Decomposition {
  const o = out ?? {dni: 0, dhi: 0, kt: 0};
  if (!(ghi > 0) || !(zenithDeg < 90)) {
    o.dni = 0;
    o.dhi = ghi > 0 ? ghi : 0;
    o.kt = 0;
    return o;
  }
  const cosZ = Math.max(Math.cos(zenithDeg * DEG), 0.065);
  const kt = clamp(ghi / (dniExtra * cosZ), 0, 1);
  let kd: number;
  if (kt <= 0.22) kd = 1 - 0.09 * kt;
  else if (kt <= 0.8) kd = 0.9511 - 0.1604 * kt + 4.388 * kt ** 2 - 16.638 * kt ** 3 + 12.336 * kt ** 4;
  else kd = 0.165;
  const dhi = kd * ghi;
  const dni = zenithDeg > 87 ? 0 : Math.max((ghi - dhi) / cosZ, 0);
  o.dni = Math.min(dni, dniExtra);
  // Keep the closure GHI = DHI + DNI·cosZ exact even where DNI was capped or zeroed.
  o.dhi = zenithDeg > 87 ? ghi : ghi - o.dni * cosZ;
  o.kt = kt;
  return o;
}

/** Cosine of the angle of incidence of beam light on a surface (tilt, azimuth clockwise from north). */
export function cosAngleOfIncidence(tiltDeg: number, surfaceAzimuthDeg: number, zenithDeg: number, solarAzimuthDeg: number): number {
  const z = zenithDeg * DEG;
  const b = tiltDeg * DEG;
  return Math.cos(z) * Math.cos(b) + Math.sin(z) * Math.sin(b) * Math.cos((solarAzimuthDeg - surfaceAzimuthDeg) * DEG);
}

/** ASHRAE incidence-angle modifier for the beam component (b0 = 0.05 is the usual glass value). */
export function iamAshrae(cosAoi: number, b0 = 0.05): number {
  if (!(cosAoi > 0)) return 0;
  return Math.max(0, 1 - b0 * (1 / cosAoi - 1));
}

export interface PlaneOfArray {
  global: number;
  beam: number;
  skyDiffuse: number;
  groundDiffuse: number;
  cosAoi: number;
}

/**
 * Hay–Davies plane-of-array irradiance: the circumsolar share of diffuse (anisotropy index
 * A = DNI / DNI_extra) is treated as beam, the remainder as isotropic; plus ground reflection.
 */
export function hayDaviesPoa(
  tiltDeg: number,
  surfaceAzimuthDeg: number,
  zenithDeg: number,
  solarAzimuthDeg: number,
  ghi: number,
  dni: number,
  dhi: number,
  dniExtra: number,
  albedo = GROUND_ALBEDO,
  out?: PlaneOfArray
): PlaneOfArray {
  const cosAoi = cosAngleOfIncidence(tiltDeg, surfaceAzimuthDeg, zenithDeg, solarAzimuthDeg);
  const cosZ = Math.cos(zenithDeg * DEG);
  const cosTilt = Math.cos(tiltDeg * DEG);
  const a = dniExtra > 0 ? clamp(dni / dniExtra, 0, 1) : 0;
  const rb = Math.max(cosAoi, 0) / Math.max(cosZ, 0.01745);
  const beam = dni * Math.max(cosAoi, 0);
  const skyDiffuse = Math.max(dhi, 0) * (a * rb + (1 - a) * (1 + cosTilt) / 2);
  const groundDiffuse = Math.max(ghi, 0) * albedo * (1 - cosTilt) / 2;
  const o = out ?? {global: 0, beam: 0, skyDiffuse: 0, groundDiffuse: 0, cosAoi: 0};
  o.global = beam + skyDiffuse + groundDiffuse;
  o.beam = beam;
  o.skyDiffuse = skyDiffuse;
  o.groundDiffuse = groundDiffuse;
  o.cosAoi = cosAoi;
  return o;
}

/**
 * Isotropic-sky (Liu & Jordan) plane-of-array irradiance, for comparison and tests: Hay–Davies
 * with a zero anisotropy index, i.e. no circumsolar share.
 */
export function isotropicPoa(
  tiltDeg: number,
  surfaceAzimuthDeg: number,
  zenithDeg: number,
  solarAzimuthDeg: number,
  ghi: number,
  dni: number,
  dhi: number,
  albedo = GROUND_ALBEDO
): PlaneOfArray {
  return hayDaviesPoa(tiltDeg, surfaceAzimuthDeg, zenithDeg, solarAzimuthDeg, ghi, dni, dhi, 0, albedo);
}

export interface ClearSkyPlane {
  /** Clear-sky GHI and plane-of-array irradiance, W/m² (0 with the sun down). */
  ghi: number;
  poa: number;
  /** Cosine of the angle of incidence on the module (may be negative: sun behind the plane). */
  cosAoi: number;
}

const clearDecomposition: Decomposition = {dni: 0, dhi: 0, kt: 0};
const clearPlane: PlaneOfArray = {global: 0, beam: 0, skyDiffuse: 0, groundDiffuse: 0, cosAoi: 0};

/**
 * Clear-sky irradiance on a module plane at one instant: Ineichen–Perez GHI, split by Erbs and
 * transposed by Hay–Davies. The one definition the features, the forecaster and the demo share:
 * a fixed beam/diffuse split instead (say 85/15) under-states the diffuse light that dominates
 * when the sun is low or behind the plane, so the clear sky of the first and last daylight hours
 * came out 2–5 times below what healthy plants produced.
 */
export function clearSkyOnPlane(
  tiltDeg: number,
  surfaceAzimuthDeg: number,
  position: {zenith: number; apparentZenith: number; azimuth: number},
  dniExtra: number,
  linkeTurbidity: number,
  altitudeM: number,
  out: ClearSkyPlane = {ghi: 0, poa: 0, cosAoi: 0}
): ClearSkyPlane {
  const ghi = ineichenPerezGhi(position.apparentZenith, linkeTurbidity, altitudeM, dniExtra);
  if (!(ghi > 0)) {
    out.ghi = 0;
    out.poa = 0;
    out.cosAoi = cosAngleOfIncidence(tiltDeg, surfaceAzimuthDeg, position.zenith, position.azimuth);
    return out;
  }
  erbsDecomposition(ghi, position.zenith, dniExtra, clearDecomposition);
  hayDaviesPoa(tiltDeg, surfaceAzimuthDeg, position.zenith, position.azimuth, ghi, clearDecomposition.dni, clearDecomposition.dhi, dniExtra, undefined, clearPlane);
  out.ghi = ghi;
  out.poa = clearPlane.global;
  out.cosAoi = clearPlane.cosAoi;
  return out;
}
