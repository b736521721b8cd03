// The hybrid model (Prophet baseline + GBDT residual correction + conformal intervals) on a small seeded
// synthetic site: the daily cloudiness drives both the production and the "ghi" weather variable.
import {beforeAll, describe, expect, it} from "vitest";
import {CLEAR_SKY_CEILING, fitHybrid, hourGeometry, type HybridModel, type HybridSite} from "../../../pipeline/forecast/hybrid.ts";
import {syntheticSite} from "../models/prophet/data.ts";

const DAY_MS = 86_400_000;
const DAYS = 110;
const TRAIN_DAYS = 80;
const issueTimeOf = (t: number) => Math.floor(t / DAY_MS) * DAY_MS; // 00:00 UTC of the target's day
const data = syntheticSite("2024-04-01T00:00:00Z", DAYS, 11);
/** Capacity well below the clear-sky peak (~85 kWh), so that the clip is exercised. */
const site: HybridSite = {lat: 48.14, lon: 11.58, capacityKw: 60};
const energy = data.y.map((y) => Math.min(site.capacityKw, y));
const trainEnd = data.ds[TRAIN_DAYS * 24];
const testFrom = TRAIN_DAYS * 24;
const testTs = data.ds.subarray(testFrom);
const testGhi = data.ghi.subarray(testFrom);
// Prophet without the weather (so the residual carries it), without a yearly cycle and with a straight
// trend: on 64 days of fit hours, its late changepoints and yearly Fourier terms extrapolated the
// baseline to the capacity clip within two weeks (held-out MAE ~40 kWh on a 70 kW site).
const options = {trainEnd, issueTimeOf, prophetWeather: [] as string[], prophet: {yearlyOrder: 0, nChangepoints: 0}, gbdt: {threads: 1}};

let model: HybridModel;
let forecast: ReturnType<HybridModel["predict"]>;

beforeAll(async () => {
  model = await fitHybrid(site, {ts: data.ds, energy, weather: {ghi: data.ghi}}, options);
  forecast = model.predict({ts: testTs, weather: {ghi: testGhi}, history: {ts: data.ds, energy}, topContributions: 3});
}, 60_000);

function daytimeMae(pred: ArrayLike<number>): number {
  let sum = 0, n = 0;
  for (let j = 0; j < testTs.length; j++) {
    if (!forecast.sunUp[j]) continue;
    sum += Math.abs(pred[j] - energy[testFrom + j]);
    n++;
  }
  return sum / n;
}

describe("fitHybrid / HybridModel.predict", () => {
  it("beats Prophet alone on held-out days when the residual depends on a weather variable", () => {
    const hybrid = daytimeMae(forecast.prediction);
    const prophet = daytimeMae(forecast.baseline_kwh);
    console.info(`hybrid: held-out daytime MAE hybrid ${hybrid.toFixed(2)} vs Prophet ${prophet.toFixed(2)} kWh`);
    expect(hybrid).toBeLessThan(0.6 * prophet);
    // The correction leans on the weather: "ghi" features are among the top contributions.
    const top = new Map<string, number>();
    forecast.contributions!.forEach((row) => row.forEach(({feature, kwh}) => top.set(feature, (top.get(feature) ?? 0) + Math.abs(kwh))));
    const best = [...top.entries()].sort((a, b) => b[1] - a[1])[0][0];
    expect(best.startsWith("ghi")).toBe(true);
  });

  it("forecasts every night hour as exactly 0, components and intervals included", () => {
    let nights = 0, days = 0;
    for (let j = 0; j < testTs.length; j++) {
      if (forecast.sunUp[j]) {
        if (forecast.prediction[j] > 0) days++;
        continue;
      }
      nights++;
      expect(forecast.prediction[j]).toBe(0);
      expect(forecast.baseline_kwh[j]).toBe(0);
      expect(forecast.correction_kwh[j]).toBe(0);
      for (const iv of forecast.intervals) expect([iv.lower[j], iv.upper[j]]).toEqual([0, 0]);
    }
    expect(nights).toBeGreaterThan(200);
    expect(days).toBeGreaterThan(200);
  });

  it("keeps baseline and forecast under CLEAR_SKY_CEILING × the hour's clear sky (no dawn output before the sun is up)", () => {
    for (let j = 0; j < testTs.length; j++) {
      expect(forecast.baseline_kwh[j]).toBeLessThanOrEqual(CLEAR_SKY_CEILING * forecast.clearSky_kwh[j] + 1e-9);
      expect(forecast.prediction[j]).toBeLessThanOrEqual(CLEAR_SKY_CEILING * forecast.clearSky_kwh[j] + 1e-9);
    }
  });

  it("calibrates every horizon band of a 48 h forecast on its own daytime errors", () => {
    const buckets = model.calibration!.buckets;
    // Day 1 (6 < h ≤ 24) and day 2 (24 < h ≤ 48) each have residuals of their own: the calibration slice
    // is forecast from the day's own issue and from the one before.
    const day1 = buckets.filter((b) => b.horizon === "6 < h ≤ 24").reduce((a, b) => a + b.n, 0);
    const day2 = buckets.filter((b) => b.horizon === "24 < h ≤ 48").reduce((a, b) => a + b.n, 0);
    expect(day1).toBeGreaterThan(200);
    expect(day2).toBeGreaterThan(200);
    // Only hours with the sun up: 16 calibration days hold about 16 × 24 × 2 rows, and about half are night.
    const total = buckets.reduce((a, b) => a + b.n, 0);
    expect(total).toBe(model.fitInfo.calibrationRows);
    expect(total).toBeLessThan(0.7 * 16 * 24 * 2);
  });

  it("never forecasts above capacity (or below 0), clipping where baseline + correction would", () => {
    let clipped = 0;
    for (let j = 0; j < testTs.length; j++) {
      expect(forecast.prediction[j]).toBeGreaterThanOrEqual(0);
      expect(forecast.prediction[j]).toBeLessThanOrEqual(site.capacityKw);
      for (const iv of forecast.intervals) expect(iv.upper[j]).toBeLessThanOrEqual(site.capacityKw);
      if (forecast.unclipped[j] > site.capacityKw) clipped++;
    }
    expect(clipped).toBeGreaterThan(0);
  });

  it("returns components that add up: baseline + correction = prediction before clipping", () => {
    for (let j = 0; j < testTs.length; j++) {
      expect(forecast.baseline_kwh[j] + forecast.correction_kwh[j]).toBeCloseTo(forecast.unclipped[j], 9);
      expect(forecast.prediction[j]).toBe(Math.min(site.capacityKw, CLEAR_SKY_CEILING * forecast.clearSky_kwh[j], Math.max(0, forecast.unclipped[j])));
    }
    // The correction is not trivially zero.
    expect(forecast.correction_kwh.reduce((s, c) => s + Math.abs(c), 0)).toBeGreaterThan(100);
  });

  it("calibrates on a slice neither model trained on, and its intervals cover roughly their level", () => {
    const info = model.fitInfo;
    expect(info.calibrationSlice).not.toBeNull();
    expect(info.fitSlice[1]).toBeLessThan(info.calibrationSlice![0]);
    expect(info.calibrationSlice![1]).toBeLessThan(trainEnd);
    expect(model.calibration!.levels).toEqual([0.8, 0.95]);
    const cover = forecast.intervals.map((iv) => {
      let inside = 0, n = 0;
      for (let j = 0; j < testTs.length; j++) {
        if (!forecast.sunUp[j]) continue;
        n++;
        const a = energy[testFrom + j];
        if (a >= iv.lower[j] - 1e-9 && a <= iv.upper[j] + 1e-9) inside++;
      }
      return inside / n;
    });
    expect(cover[0]).toBeGreaterThan(0.6);
    expect(cover[1]).toBeGreaterThan(cover[0]);
  });

  it("does not look ahead: data after the training cutoff, or after an issue time, changes nothing", async () => {
    // Same hours before trainEnd, scrambled energy and weather after it.
    const energyB = energy.map((e, i) => (data.ds[i] >= trainEnd ? (e * 7.3) % site.capacityKw : e));
    const ghiB = data.ghi.map((g, i) => (data.ds[i] >= trainEnd ? 900 - g : g));
    const modelB = await fitHybrid(site, {ts: data.ds, energy: energyB, weather: {ghi: ghiB}}, options);
    // Forecasts issued at the cutoff itself, from each model's own history (which differs after it).
    const day = {ts: data.ds.subarray(testFrom, testFrom + 24), weather: {ghi: data.ghi.subarray(testFrom, testFrom + 24)}};
    const a = model.predict({...day, history: {ts: data.ds, energy}});
    const b = modelB.predict({...day, history: {ts: data.ds, energy: energyB}});
    expect(Array.from(b.prediction)).toEqual(Array.from(a.prediction));
    expect(Array.from(b.intervals[0].upper)).toEqual(Array.from(a.intervals[0].upper));
    modelB.free();

    // A later day: history after its issue time is ignored; history before it is used (control).
    const later = {ts: data.ds.subarray(testFrom + 240, testFrom + 264), weather: {ghi: data.ghi.subarray(testFrom + 240, testFrom + 264)}};
    const issue = issueTimeOf(later.ts[0]);
    const base = model.predict({...later, history: {ts: data.ds, energy}});
    const future = model.predict({...later, history: {ts: data.ds, energy: energy.map((e, i) => (data.ds[i] >= issue ? 0 : e))}});
    expect(Array.from(future.prediction)).toEqual(Array.from(base.prediction));
    const past = model.predict({...later, history: {ts: data.ds, energy: energy.map((e, i) => (data.ds[i] < issue && data.ds[i] >= issue - 86_400_000 ? e * 0.2 : e))}});
    expect(Array.from(past.prediction)).not.toEqual(Array.from(base.prediction));
  }, 60_000);
});

describe("hourGeometry", () => {
  const HOUR = 3_600_000;
  const hours = (from: string, n: number) => Float64Array.from({length: n}, (_, i) => Date.parse(from) + i * HOUR);

  it("gives the same hours the same values whatever else was asked before (the per-site cache)", () => {
    // Fresh site objects have empty caches: `a` computes every hour at once, `b` is asked piecemeal,
    // out of order, growing its grid both ways, with a stamp off the hour (computed uncached).
    const a: HybridSite = {lat: -33.9, lon: 18.4, capacityKw: 120, tilt: 25, azimuth: 0};
    const b: HybridSite = {...a};
    const all = hours("2025-03-01T00:00:00Z", 24 * 20);
    const whole = hourGeometry(a, all);
    hourGeometry(b, all.subarray(24 * 10, 24 * 12));
    hourGeometry(b, all.subarray(0, 30));
    const late = hourGeometry(b, Float64Array.from(all.subarray(24 * 15)).reverse());
    const pieces = hourGeometry(b, all);
    for (const key of Object.keys(whole) as (keyof typeof whole)[]) {
      expect(Array.from(pieces[key])).toEqual(Array.from(whole[key]));
      expect(Array.from(late[key]).reverse()).toEqual(Array.from(whole[key].subarray(24 * 15)));
    }
    const offHour = hourGeometry(b, [all[200] + 1_800_000]);
    expect(offHour.elevation[0]).not.toBe(whole.elevation[200]);
    expect(offHour.elevation[0]).toBeCloseTo((whole.elevation[200] + whole.elevation[201]) / 2, 0);
  });
});
