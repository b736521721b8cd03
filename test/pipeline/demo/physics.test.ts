import {describe, expect, it} from "vitest";
import {solarPosition, sunTimes} from "../../../pipeline/solar/solarPosition.ts";
import {
  airmassKastenYoung, extraterrestrialHorizontal, extraterrestrialNormal, haurwitzGhi, ineichenPerezGhi
} from "../../../pipeline/solar/clearSky.ts";
import {erbsDecomposition, hayDaviesPoa, isotropicPoa} from "../../../pipeline/solar/irradiance.ts";
import {faimanCellTemperature, pvwattsDc, pvwattsInverter} from "../../../pipeline/solar/pvSystem.ts";
import {Rng, ar1Series, createRng} from "../../../pipeline/demo/random.ts";
import {kastenCzeplakIndex} from "../../../pipeline/demo/weatherProcess.ts";
import {DEG, normalCdf, normalQuantile} from "../../../pipeline/math.ts";

const MIN = 60_000;

describe("solar position (NOAA)", () => {
  it("puts the noon sun at zenith ≈ |latitude| on the March equinox", () => {
    for (const [lat, lon] of [[48, 7.8], [-33.9, 151.2], [13.1, 80.3], [33.4, -112.1], [0, 0]]) {
      const noon = sunTimes(Date.UTC(2025, 2, 20), lat, lon).solarNoonMs;
      expect(Math.abs(solarPosition(noon, lat, lon).zenith - Math.abs(lat))).toBeLessThan(0.5);
    }
  });

  it("has the solstice declinations and the noon elevation 90 − φ + δ", () => {
    expect(solarPosition(Date.UTC(2025, 5, 21, 3), 0, 0).declination).toBeCloseTo(23.44, 1);
    expect(solarPosition(Date.UTC(2025, 11, 21, 15), 0, 0).declination).toBeCloseTo(-23.44, 1);
    const noon = sunTimes(Date.UTC(2025, 5, 21), 48, 7.8).solarNoonMs;
    expect(Math.abs(solarPosition(noon, 48, 7.8).elevation - (90 - 48 + 23.44))).toBeLessThan(0.3);
  });

  it("matches published sunrise/sunset times (London June, Sydney December)", () => {
    const london = sunTimes(Date.UTC(2025, 5, 21), 51.5074, -0.1278);
    expect(Math.abs(london.sunriseMs - Date.UTC(2025, 5, 21, 3, 43))).toBeLessThan(3 * MIN);
    expect(Math.abs(london.sunsetMs - Date.UTC(2025, 5, 21, 20, 21))).toBeLessThan(3 * MIN);
    const sydney = sunTimes(Date.UTC(2025, 11, 21), -33.8688, 151.2093); // 05:41 / 20:05 AEDT
    expect(Math.abs(sydney.sunriseMs - Date.UTC(2025, 11, 20, 18, 41))).toBeLessThan(4 * MIN);
    expect(Math.abs(sydney.sunsetMs - Date.UTC(2025, 11, 21, 9, 5))).toBeLessThan(4 * MIN);
    // At sunrise the refracted upper limb touches the horizon: geometric elevation ≈ −0.83°.
    expect(solarPosition(london.sunriseMs, 51.5074, -0.1278).elevation).toBeCloseTo(-0.833, 1);
  });

  it("sees the sun south at noon in the north, north in the south, and east in the morning", () => {
    const n = sunTimes(Date.UTC(2025, 0, 15), 48, 7.8).solarNoonMs;
    expect(solarPosition(n, 48, 7.8).azimuth).toBeCloseTo(180, 0);
    const s = sunTimes(Date.UTC(2025, 0, 15), -33.9, 18.4).solarNoonMs;
    const az = solarPosition(s, -33.9, 18.4).azimuth;
    expect(Math.min(az, 360 - az)).toBeLessThan(1);
    const morning = solarPosition(n - 4 * 3_600_000, 48, 7.8).azimuth;
    expect(morning).toBeGreaterThan(90);
    expect(morning).toBeLessThan(180);
  });

  it("has northern summer in June and southern summer in December", () => {
    const noonElevation = (month: number, lat: number, lon: number) =>
      solarPosition(sunTimes(Date.UTC(2025, month, 21), lat, lon).solarNoonMs, lat, lon).elevation;
    expect(noonElevation(5, 48, 7.8)).toBeGreaterThan(noonElevation(11, 48, 7.8) + 40);
    expect(noonElevation(11, -33.9, 151.2)).toBeGreaterThan(noonElevation(5, -33.9, 151.2) + 40);
  });

  it("is below the horizon at local midnight", () => {
    expect(solarPosition(Date.UTC(2025, 5, 21, 22), 48, 7.8).apparentElevation).toBeLessThan(-10);
  });
});

describe("clear sky", () => {
  it("Haurwitz and airmass reference values", () => {
    expect(haurwitzGhi(0)).toBeCloseTo(1098 * Math.exp(-0.057), 6);
    expect(haurwitzGhi(95)).toBe(0);
    expect(airmassKastenYoung(0)).toBeCloseTo(1, 2);
    expect(airmassKastenYoung(60)).toBeCloseTo(1.99, 1);
  });

  it("extraterrestrial irradiance follows the earth–sun distance (perihelion in January)", () => {
    const jan = extraterrestrialNormal(solarPosition(Date.UTC(2025, 0, 3), 0, 0).earthSunDistance);
    const jul = extraterrestrialNormal(solarPosition(Date.UTC(2025, 6, 4), 0, 0).earthSunDistance);
    expect(jan).toBeGreaterThan(1400);
    expect(jan).toBeLessThan(1410);
    expect(jul).toBeGreaterThan(1312);
    expect(jul).toBeLessThan(1322);
  });

  it("Ineichen–Perez stays below extraterrestrial and reacts to turbidity and altitude", () => {
    const i0 = 1361;
    let previous = Infinity;
    for (let z = 0; z < 90; z += 0.5) {
      const ghi = ineichenPerezGhi(z, 3, 0, i0);
      expect(ghi).toBeGreaterThanOrEqual(0);
      expect(ghi).toBeLessThan(i0 * Math.cos(z * DEG));
      expect(ghi).toBeLessThanOrEqual(previous);
      previous = ghi;
    }
    expect(ineichenPerezGhi(30, 3, 0, i0)).toBeGreaterThan(850);
    expect(ineichenPerezGhi(30, 3, 0, i0)).toBeLessThan(950);
    expect(ineichenPerezGhi(30, 5, 0, i0)).toBeLessThan(ineichenPerezGhi(30, 3, 0, i0));
    expect(ineichenPerezGhi(30, 3, 1600, i0)).toBeGreaterThan(ineichenPerezGhi(30, 3, 0, i0));
    expect(ineichenPerezGhi(90.5, 3, 0, i0)).toBe(0);
    expect(extraterrestrialHorizontal(91, 1)).toBe(0);
  });

  it("Kasten–Czeplak clear-sky index spans 1 (clear) to 0.25 (overcast)", () => {
    expect(kastenCzeplakIndex(0)).toBe(1);
    expect(kastenCzeplakIndex(1)).toBeCloseTo(0.25, 10);
    expect(kastenCzeplakIndex(0.5)).toBeGreaterThan(0.9);
  });
});

describe("irradiance decomposition and transposition", () => {
  it("Erbs keeps GHI = DHI + DNI·cosZ and the published diffuse fractions", () => {
    for (const [ghi, z] of [[900, 30], [400, 50], [100, 80], [50, 88], [700, 20]]) {
      const d = erbsDecomposition(ghi, z, 1361);
      expect(d.dhi + d.dni * Math.cos(z * DEG)).toBeCloseTo(ghi, 6);
      expect(d.dni).toBeGreaterThanOrEqual(0);
      expect(d.dni).toBeLessThanOrEqual(1361);
    }
    const clear = erbsDecomposition(0.82 * 1361 * Math.cos(20 * DEG), 20, 1361);
    expect(clear.dhi / (clear.dhi + clear.dni * Math.cos(20 * DEG))).toBeCloseTo(0.165, 3);
    const overcast = erbsDecomposition(0.15 * 1361 * Math.cos(40 * DEG), 40, 1361);
    expect(overcast.dhi / (0.15 * 1361 * Math.cos(40 * DEG))).toBeCloseTo(1 - 0.09 * 0.15, 3);
  });

  it("a horizontal plane receives exactly GHI; a winter-tilted plane receives more", () => {
    const d = erbsDecomposition(500, 40, 1361);
    expect(hayDaviesPoa(0, 180, 40, 200, 500, d.dni, d.dhi, 1361).global).toBeCloseTo(500, 6);
    expect(isotropicPoa(0, 180, 40, 200, 500, d.dni, d.dhi).global).toBeCloseTo(500, 6);
    // Low winter sun due south, clear: a 35° south-facing plane beats the horizontal.
    const w = erbsDecomposition(350, 70, 1400);
    expect(hayDaviesPoa(35, 180, 70, 180, 350, w.dni, w.dhi, 1400).global).toBeGreaterThan(1.5 * 350);
    // Facing away from the sun only diffuse arrives.
    const away = hayDaviesPoa(35, 0, 70, 180, 350, w.dni, w.dhi, 1400);
    expect(away.beam).toBe(0);
    expect(away.global).toBeLessThan(350);
  });
});

describe("PV system", () => {
  it("PVWatts DC power with γ = −0.37 %/°C and Faiman temperatures", () => {
    expect(pvwattsDc(1000, 25, 100)).toBeCloseTo(100, 10);
    expect(pvwattsDc(1000, 35, 100)).toBeCloseTo(96.3, 10);
    expect(pvwattsDc(0, 35, 100)).toBe(0);
    expect(faimanCellTemperature(1000, 25, 1)).toBeCloseTo(25 + 1000 / 31.84, 6);
    expect(faimanCellTemperature(0, 12, 3)).toBe(12);
  });

  it("the inverter runs at ~96 % and clips at its AC rating", () => {
    expect(pvwattsInverter(50 / 0.96, 100) / (50 / 0.96)).toBeGreaterThan(0.955);
    expect(pvwattsInverter(50 / 0.96, 100) / (50 / 0.96)).toBeLessThan(0.975);
    expect(pvwattsInverter(100 / 0.96, 100)).toBeCloseTo(100, 6);
    expect(pvwattsInverter(180, 100)).toBe(100);
    expect(pvwattsInverter(0, 100)).toBe(0);
    expect(pvwattsInverter(0.1, 100)).toBe(0); // below start-up power
  });
});

describe("random numbers", () => {
  it("is reproducible per (seed, keys) and independent across keys", () => {
    const a = createRng(1, "x");
    const b = createRng(1, "x");
    const c = createRng(1, "y");
    const d = createRng(2, "x");
    const seqA = Array.from({length: 5}, () => a.nextUint32());
    expect(Array.from({length: 5}, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({length: 5}, () => c.nextUint32())).not.toEqual(seqA);
    expect(Array.from({length: 5}, () => d.nextUint32())).not.toEqual(seqA);
  });

  it("gives standard normals and AR(1) series with the requested persistence", () => {
    const rng = new Rng(42);
    const xs = Array.from({length: 40000}, () => rng.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
    const ar = ar1Series(new Rng(7), 40000, 10);
    let num = 0, den = 0;
    for (let i = 1; i < ar.length; i++) num += ar[i] * ar[i - 1];
    for (let i = 0; i < ar.length; i++) den += ar[i] * ar[i];
    expect(num / den).toBeCloseTo(Math.exp(-1 / 10), 1);
  });

  it("normal CDF and quantile agree", () => {
    for (const x of [-2.5, -1, 0, 0.3, 1.96]) expect(normalQuantile(normalCdf(x))).toBeCloseTo(x, 5);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
  });
});
