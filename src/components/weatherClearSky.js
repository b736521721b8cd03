// Clear-sky global horizontal irradiance for the Weather page, computed in the browser from a
// site's latitude and longitude. Plain JavaScript with no imports, so Node tests can load it too.
//
// Model: Ineichen & Perez (2002), the form pvlib implements, with the sun's position from the
// Astronomical Almanac's low-precision formulas (Michalsky 1988: mean longitude and anomaly →
// ecliptic longitude → declination, right ascension, equation of time; good to about 0.01° for
// 1950–2050).
//
// Limits:
//   - The Linke turbidity is one number for the whole period (default 3, a clean rural mid-latitude
//     sky). Real turbidity changes with season, humidity, dust and smoke (roughly 2 in clean winter
//     air to 6+ in hazy or polluted summers); a turbidity that is too high puts the curve too low,
//     and measured GHI seems to beat clear sky. pvlib looks it up in monthly SoDa climatology maps,
//     which are too big to ship to a page.
//   - Elevation defaults to 0 m because the sites table has none: at altitude the air is thinner
//     and clear sky is higher (about +5–8% at 1,600 m, e.g. Denver). Set it on the page.
//   - Geometric zenith, no refraction: within about 0.5° of the horizon the curve starts a couple of
//     minutes late and ends early, where the irradiance is tiny anyway.
//   - No Perez "enhancement" factor (it diverges near the horizon), no snow/ground reflection, no
//     horizon shading by terrain or buildings.
//   - Clear sky is a typical cloudless sky, not an upper bound: broken clouds reflect extra light
//     onto the ground (cloud enhancement), so single hours can exceed it by 10–30%.
//   - Values are means over each UTC hour [ts, ts + 1 h) (six 10-minute samples), matching the hourly
//     weather and production tables, so hours around sunrise and sunset get their partial share.

const DEG = Math.PI / 180;
const MS_PER_DAY = 86_400_000;

/** Total solar irradiance at 1 AU (Kopp & Lean 2011), W/m². */
export const SOLAR_CONSTANT_WM2 = 1361;

/** The page's default Linke turbidity (clean rural air, mid-latitudes). */
export const DEFAULT_LINKE_TURBIDITY = 3;

/**
 * Position of the sun at a UTC instant seen from latitude/longitude (degrees, east positive).
 * Returns the zenith angle (degrees; > 90 below the horizon), the azimuth (degrees clockwise from
 * north), the declination (degrees), the equation of time (minutes) and the earth–sun distance
 * factor 1/r² (about 0.967 to 1.034).
 */
export function solarPosition(utcMs, lat, lon) {
  const n = utcMs / MS_PER_DAY + 2440587.5 - 2451545; // days since J2000.0
  const meanLongitude = mod(280.46 + 0.9856474 * n, 360);
  const meanAnomaly = mod(357.528 + 0.9856003 * n, 360) * DEG;
  const eclipticLongitude = (meanLongitude + 1.915 * Math.sin(meanAnomaly) + 0.02 * Math.sin(2 * meanAnomaly)) * DEG;
  const obliquity = (23.439 - 4e-7 * n) * DEG;
  const rightAscension = Math.atan2(Math.cos(obliquity) * Math.sin(eclipticLongitude), Math.cos(eclipticLongitude)) / DEG;
  const declination = Math.asin(Math.sin(obliquity) * Math.sin(eclipticLongitude));
  const distance = 1.00014 - 0.01671 * Math.cos(meanAnomaly) - 0.00014 * Math.cos(2 * meanAnomaly); // AU
  const equationOfTime = 4 * (mod(meanLongitude - rightAscension + 180, 360) - 180); // minutes
  const trueSolarMinutes = mod(utcMs / 60_000, 1440) + equationOfTime + 4 * lon;
  const hourAngle = (trueSolarMinutes / 4 - 180) * DEG;
  const phi = lat * DEG;
  const cosZ = Math.max(-1, Math.min(1, Math.sin(phi) * Math.sin(declination) + Math.cos(phi) * Math.cos(declination) * Math.cos(hourAngle)));
  const zenith = Math.acos(cosZ) / DEG;
  const azimuth = mod(180 + Math.atan2(Math.sin(hourAngle), Math.cos(hourAngle) * Math.sin(phi) - Math.tan(declination) * Math.cos(phi)) / DEG, 360);
  return {zenith, azimuth, declination: declination / DEG, equationOfTime, distanceFactor: 1 / (distance * distance)};
}

function mod(x, m) {
  return ((x % m) + m) % m;
}

/** Relative optical air mass, Kasten & Young (1989); NaN with the sun at or below the horizon. */
export function airMass(zenithDeg) {
  if (!(zenithDeg < 90)) return NaN;
  return 1 / (Math.cos(zenithDeg * DEG) + 0.50572 * (96.07995 - zenithDeg) ** -1.6364);
}

/**
 * Ineichen–Perez clear-sky GHI (W/m²) for a zenith angle (degrees), Linke turbidity, elevation (m)
 * and earth–sun distance factor. 0 with the sun down.
 */
export function ineichenGhi(zenithDeg, {linkeTurbidity = DEFAULT_LINKE_TURBIDITY, elevation = 0, distanceFactor = 1} = {}) {
  if (!(zenithDeg < 90)) return 0;
  const cosZ = Math.cos(zenithDeg * DEG);
  const pressureRatio = (1 - 2.25577e-5 * elevation) ** 5.25588; // standard atmosphere
  const absoluteAirMass = airMass(zenithDeg) * pressureRatio;
  const fh1 = Math.exp(-elevation / 8000);
  const fh2 = Math.exp(-elevation / 1250);
  const cg1 = 5.09e-5 * elevation + 0.868;
  const cg2 = 3.92e-5 * elevation + 0.0387;
  const ghi = cg1 * SOLAR_CONSTANT_WM2 * distanceFactor * cosZ * Math.exp(-cg2 * absoluteAirMass * (fh1 + fh2 * (linkeTurbidity - 1)));
  return ghi > 0 ? ghi : 0;
}

/** Clear-sky GHI (W/m²) at one instant. */
export function clearSkyGhi(utcMs, lat, lon, options = {}) {
  const sun = solarPosition(utcMs, lat, lon);
  return ineichenGhi(sun.zenith, {...options, distanceFactor: sun.distanceFactor});
}

/** Mean clear-sky GHI (W/m²) over the UTC hour starting at `hourStartMs`, from six 10-minute samples. */
export function clearSkyHourMean(hourStartMs, lat, lon, options = {}) {
  let sum = 0;
  for (let k = 0; k < 6; k++) sum += clearSkyGhi(hourStartMs + (k * 10 + 5) * 60_000, lat, lon, options);
  return sum / 6;
}

/**
 * Clear-sky index: measured over clear-sky GHI. Null when either is missing or the clear sky is
 * under `minClearSky` W/m² (dawn and dusk, where the ratio of two small numbers means nothing).
 */
export function clearSkyIndex(ghi, clear, {minClearSky = 20} = {}) {
  if (ghi == null || clear == null || !(clear >= minClearSky)) return null;
  return ghi / clear;
}
