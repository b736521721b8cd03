// Clear-sky irradiance. Ineichen–Perez (2002) global horizontal irradiance with a Linke turbidity
// (per site in the demo generator, a default in the forecast features); Haurwitz (1945) is kept as
// a simple reference model.

import {DEG} from "../math.ts";

/** Total solar irradiance at 1 AU (Kopp & Lean 2011), W/m². */
export const SOLAR_CONSTANT_WM2 = 1361;

/** Extraterrestrial normal irradiance: the solar constant scaled by the inverse-square earth–sun distance. */
export function extraterrestrialNormal(earthSunDistanceAu: number): number {
  return SOLAR_CONSTANT_WM2 / (earthSunDistanceAu * earthSunDistanceAu);
}

/** Extraterrestrial irradiance on a horizontal plane (0 when the sun is down). */
export function extraterrestrialHorizontal(zenithDeg: number, earthSunDistanceAu: number): number {
  const cosZ = Math.cos(zenithDeg * DEG);
  return cosZ > 0 ? extraterrestrialNormal(earthSunDistanceAu) * cosZ : 0;
}

/** Relative optical air mass, Kasten & Young (1989); NaN with the sun below the horizon. */
export function airmassKastenYoung(zenithDeg: number): number {
  if (!(zenithDeg < 90)) return NaN;
  return 1 / (Math.cos(zenithDeg * DEG) + 0.50572 * (96.07995 - zenithDeg) ** -1.6364);
}

/** Standard-atmosphere surface pressure (Pa) at an altitude (m). */
export function altitudeToPressure(altitudeM: number): number {
  return 101325 * (1 - 2.25577e-5 * altitudeM) ** 5.25588;
}

/**
 * Ineichen & Perez (2002) clear-sky GHI, W/m². The optional exp(0.01·AM^1.8) "enhancement" factor
 * of the original paper is deliberately omitted: it diverges near the horizon.
 */
export function ineichenPerezGhi(apparentZenithDeg: number, linkeTurbidity: number, altitudeM: number, dniExtra: number): number {
  if (!(apparentZenithDeg < 90)) return 0;
  const cosZ = Math.cos(apparentZenithDeg * DEG);
  const airmass = airmassKastenYoung(apparentZenithDeg) * (altitudeToPressure(altitudeM) / 101325);
  const fh1 = Math.exp(-altitudeM / 8000);
  const fh2 = Math.exp(-altitudeM / 1250);
  const cg1 = 5.09e-5 * altitudeM + 0.868;
  const cg2 = 3.92e-5 * altitudeM + 0.0387;
  const ghi = cg1 * dniExtra * cosZ * Math.exp(-cg2 * airmass * (fh1 + fh2 * (linkeTurbidity - 1)));
  return ghi > 0 ? ghi : 0;
}

/** Haurwitz (1945) clear-sky GHI, W/m²: 1098·cosZ·exp(−0.057/cosZ). */
export function haurwitzGhi(zenithDeg: number): number {
  const cosZ = Math.cos(zenithDeg * DEG);
  return cosZ > 0 ? 1098 * cosZ * Math.exp(-0.057 / cosZ) : 0;
}
