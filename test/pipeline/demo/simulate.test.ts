import {describe, expect, it} from "vitest";
import {DEMO_SITES, getDemoSite, getSiteModel} from "../../../pipeline/demo/sites.ts";
import {hourlyWeather, simulateSite} from "../../../pipeline/demo/simulate.ts";
import {simulateWeatherProcesses} from "../../../pipeline/demo/weatherProcess.ts";
import {solarPosition} from "../../../pipeline/solar/solarPosition.ts";

const SEED = 20240701;
const start = Date.parse("2025-06-10T00:00:00Z");
const end = Date.parse("2025-06-20T00:00:00Z"); // 10 days: June for the north, winter for the south
const Q = 15 * 60_000;

function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2; }
  return sab / Math.sqrt(saa * sbb);
}

describe("site simulation physics", () => {
  const sims = DEMO_SITES.map((s) => simulateSite(s, SEED, start, end));

  it("produces nothing while the sun is below the horizon", () => {
    for (const sim of sims) {
      let nights = 0;
      const bad: number[] = [];
      for (let q = 0; q < sim.n; q++) {
        const t = start + q * Q;
        const down = [t, t + Q / 2, t + Q].every((x) => solarPosition(x, sim.site.lat, sim.site.lon).apparentElevation < -0.5);
        if (!down) continue;
        nights++;
        if (sim.sunUp[q] !== 0 || sim.acKw[q] !== 0 || sim.acCleanKw[q] !== 0 || sim.ghi[q] !== 0) bad.push(q);
      }
      expect(bad).toEqual([]);
      expect(nights).toBeGreaterThan(sim.n / 5);
    }
  });

  it("keeps GHI within clear sky × 1.15 and below extraterrestrial", () => {
    for (const sim of sims) {
      let enhanced = 0;
      const bad: number[] = [];
      for (let q = 0; q < sim.n; q++) {
        if (sim.ghi[q] > sim.clearSkyGhi[q] * 1.15 + 1e-9 || sim.ghi[q] > sim.extraterrestrialGhi[q] + 1e-9) bad.push(q);
        if (sim.dni[q] < 0 || sim.dhi[q] < 0) bad.push(q);
        if (sim.ghi[q] > sim.clearSkyGhi[q] * 1.001 && sim.clearSkyGhi[q] > 200) enhanced++;
      }
      // Clouds really do reduce irradiance on average.
      const ghi = sim.ghi.reduce((s, x) => s + x, 0);
      const cs = sim.clearSkyGhi.reduce((s, x) => s + x, 0);
      expect(bad).toEqual([]);
      expect(ghi / cs).toBeLessThan(1.02);
      expect(ghi / cs).toBeGreaterThan(0.2);
      expect(enhanced).toBeLessThan(sim.n / 4);
    }
  });

  it("never exceeds AC capacity and clips on sunny days at high DC/AC", () => {
    for (const sim of sims) {
      const cap = sim.site.capacity_kw;
      const over = sim.acKw.filter((x) => x > cap + 1e-9 || x < 0).length + sim.acCleanKw.filter((x) => x > cap + 1e-9).length;
      expect(over).toBe(0);
      expect(sim.site.dc_capacity_kw / cap).toBeGreaterThanOrEqual(1.15);
      expect(sim.site.dc_capacity_kw / cap).toBeLessThanOrEqual(1.35);
    }
    // Seville in June at DC/AC 1.3: plenty of clipped intervals.
    const seville = sims.find((s) => s.site.id === "es-seville")!;
    const clipped = seville.acCleanKw.filter((x) => x >= seville.site.capacity_kw * 0.9999).length;
    expect(clipped).toBeGreaterThan(20);
  });

  it("weather explains production: hourly power vs POA and GHI", () => {
    for (const sim of sims) {
      const h = hourlyWeather(sim);
      const power: number[] = [], poa: number[] = [], ghi: number[] = [];
      for (let k = 0; k < h.hours; k++) {
        let p = 0, e = 0, faulted = false;
        for (let q = 4 * k; q < 4 * k + 4; q++) {
          p += sim.acKw[q] / 4;
          e += sim.poa[q] / 4;
          if (sim.faults.outage[q] || sim.faults.acLimitFraction[q] < 1) faulted = true;
        }
        if (faulted || h.ghi[k] <= 0) continue;
        power.push(p);
        poa.push(e);
        ghi.push(h.ghi[k]);
      }
      expect(power.length).toBeGreaterThan(50);
      expect(corr(power, poa)).toBeGreaterThan(0.9);
      expect(corr(power, ghi)).toBeGreaterThan(0.8);
    }
  });

  it("hourly weather are the hourly means of the driving series", () => {
    const sim = sims[0];
    const h = hourlyWeather(sim);
    expect(h.hours).toBe(sim.n / 4);
    const k = 37;
    const mean = (a: Float64Array) => (a[4 * k] + a[4 * k + 1] + a[4 * k + 2] + a[4 * k + 3]) / 4;
    expect(h.ghi[k]).toBeCloseTo(mean(sim.ghi), 9);
    expect(h.tempC[k]).toBeCloseTo(mean(sim.weather.tempC), 9);
    expect(h.cloudPct[k]).toBeCloseTo(100 * mean(sim.weather.cloud), 9);
    expect(h.precipMm[k]).toBeCloseTo(4 * mean(sim.weather.precipMm), 9);
  });

  it("is deterministic per seed and independent of which other sites are simulated", () => {
    const again = simulateSite(getDemoSite("au-sydney"), SEED, start, end);
    const first = sims.find((s) => s.site.id === "au-sydney")!;
    expect(Array.from(again.acKw)).toEqual(Array.from(first.acKw));
    const other = simulateSite(getDemoSite("au-sydney"), SEED + 1, start, end);
    expect(Array.from(other.acKw)).not.toEqual(Array.from(first.acKw));
  });
});

describe("weather processes", () => {
  const yearStart = Date.parse("2025-01-01T00:00:00Z");
  const n = 365 * 96;
  const monthlyMean = (series: Float64Array, months: number[]) => {
    let s = 0, c = 0;
    for (let q = 0; q < n; q++) {
      if (months.includes(new Date(yearStart + q * Q).getUTCMonth())) { s += series[q]; c++; }
    }
    return s / c;
  };
  const run = (id: string, seed = SEED) => {
    const site = getDemoSite(id);
    return simulateWeatherProcesses(getSiteModel(id).climate, site.lon, yearStart, n, seed, id);
  };

  it("follows each climate's cloud seasons", () => {
    const seville = run("es-seville");
    expect(monthlyMean(seville.cloud, [5, 6, 7])).toBeLessThan(monthlyMean(seville.cloud, [10, 11, 0, 1]) - 0.15);
    const chennai = run("in-chennai");
    expect(monthlyMean(chennai.cloud, [9, 10, 11])).toBeGreaterThan(monthlyMean(chennai.cloud, [1, 2, 3]) + 0.25);
    const freiburg = run("de-freiburg");
    expect(monthlyMean(freiburg.cloud, [10, 11, 0])).toBeGreaterThan(monthlyMean(freiburg.cloud, [5, 6, 7]) + 0.1);
  });

  it("has hemisphere-correct temperature seasons and a cloud-damped diurnal cycle", () => {
    const sydney = run("au-sydney");
    expect(monthlyMean(sydney.tempC, [0, 1])).toBeGreaterThan(monthlyMean(sydney.tempC, [6, 7]) + 5);
    const denver = run("us-denver");
    expect(monthlyMean(denver.tempC, [6, 7])).toBeGreaterThan(monthlyMean(denver.tempC, [0, 1]) + 12);
    // Afternoon (≈15 h solar) warmer than pre-dawn (≈4 h), more so under clear skies.
    const lon = getDemoSite("us-denver").lon;
    let clearAmp = 0, cloudyAmp = 0, nc = 0, no = 0;
    for (let d = 1; d < 364; d++) {
      const noonQ = Math.round((d * 86_400_000 + (15 - lon / 15) * 3_600_000) / Q);
      const dawnQ = noonQ - 44;
      const amp = denver.tempC[noonQ] - denver.tempC[dawnQ];
      const c = (denver.cloud[noonQ] + denver.cloud[dawnQ]) / 2;
      if (c < 0.2) { clearAmp += amp; nc++; } else if (c > 0.8) { cloudyAmp += amp; no++; }
    }
    expect(clearAmp / nc).toBeGreaterThan(8);
    expect(clearAmp / nc).toBeGreaterThan(cloudyAmp / no + 3);
  });

  it("rains only under heavy cloud, keeps values physical, and RH falls as it warms", () => {
    for (const id of ["in-chennai", "us-phoenix", "de-freiburg"]) {
      const w = run(id);
      let rainy = 0;
      const bad: string[] = [];
      for (let q = 0; q < n; q++) {
        if (w.precipMm[q] > 0) {
          rainy++;
          if (w.cloud[q] < 0.75) bad.push(`rain at cloud ${w.cloud[q]}`);
        }
        if (!(w.cloud[q] >= 0 && w.cloud[q] <= 1)) bad.push(`cloud ${w.cloud[q]}`);
        if (!(w.windMs[q] >= 0)) bad.push(`wind ${w.windMs[q]}`);
        if (!(w.humidityPct[q] > 0 && w.humidityPct[q] <= 100)) bad.push(`rh ${w.humidityPct[q]}`);
      }
      expect(bad).toEqual([]);
      expect(rainy).toBeGreaterThan(50);
      // Within one month, temperature and humidity move against each other (diurnal cycle).
      const t: number[] = [], rh: number[] = [];
      for (let q = 0; q < 30 * 96; q++) { t.push(w.tempC[q]); rh.push(w.humidityPct[q]); }
      expect(corr(t, rh)).toBeLessThan(-0.3);
    }
    // Monsoon Chennai gets far more rain in Oct–Dec than in Feb–Apr.
    const chennai = run("in-chennai");
    expect(monthlyMean(chennai.precipMm, [9, 10, 11])).toBeGreaterThan(5 * monthlyMean(chennai.precipMm, [1, 2, 3]));
  });
});
