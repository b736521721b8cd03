// The observed-weather expectation: the performance model, and the site's level from past hours only.
import {describe, expect, it} from "vitest";
import {observedWeatherEnergy, profileExpectation} from "../../../pipeline/anomaly/expected.ts";
import {hourGeometry} from "../../../pipeline/forecast/hybrid.ts";

const HOUR = 3_600_000;
const site = {lat: 40, lon: 0, capacityKw: 100, tilt: 30, azimuth: 180};
const day = Array.from({length: 24}, (_, h) => Date.UTC(2026, 5, 1, h));

describe("observedWeatherEnergy", () => {
  const geometry = hourGeometry(site, day);
  const weather = (ghi: (h: number) => number) => ({ghi: day.map((_, h) => ghi(h)), tempC: day.map(() => 20), windMs: day.map(() => 2)});

  it("under a clear sky it gives about the clear-sky energy; no light gives 0 and unknown light NaN", () => {
    const e = observedWeatherEnergy(site, day, weather((h) => geometry.clearGhi[h]));
    // Noon: the clear-sky energy on the plane less a few % of heat loss.
    expect(e[12] / geometry.clearKwh[12]).toBeGreaterThan(0.85);
    expect(e[12] / geometry.clearKwh[12]).toBeLessThan(1.02);
    expect(e[0]).toBe(0);
    expect(observedWeatherEnergy(site, day, weather(() => NaN))[12]).toBeNaN();
  });

  it("an overcast hour (20 % of the clear-sky GHI) gives less than 20 % of the clear hour on a tilted plane", () => {
    const clear = observedWeatherEnergy(site, day, weather((h) => geometry.clearGhi[h]));
    const overcast = observedWeatherEnergy(site, day, weather((h) => 0.2 * geometry.clearGhi[h]));
    // Diffuse light does not favour the tilted plane as beam does: less than 20 % of the clear hour.
    expect(overcast[12] / clear[12]).toBeGreaterThan(0.1);
    expect(overcast[12] / clear[12]).toBeLessThan(0.2);
  });
});

describe("profileExpectation", () => {
  const days = 20;
  const ts = Array.from({length: days * 24}, (_, i) => Date.UTC(2026, 5, 1) + i * HOUR);
  const model = ts.map((t) => {
    const h = new Date(t).getUTCHours();
    return h >= 6 && h < 18 ? 50 : 0;
  });
  // The site makes 90 % of the model in the morning and 70 % after 15:00 (a tree, say).
  const actual = ts.map((t, i) => model[i] * (new Date(t).getUTCHours() >= 15 ? 0.7 : 0.9));

  it("learns the site's level per hour of day once it has a week of that hour", () => {
    const e = profileExpectation(ts, actual, model, 100, 30);
    expect(e[5 * 24 + 10]).toBeNaN(); // 5 earlier 10:00 hours: too few
    expect(e[10 * 24 + 10]).toBeCloseTo(45, 9);
    expect(e[10 * 24 + 16]).toBeCloseTo(35, 9);
    expect(e[10 * 24 + 2]).toBe(0); // night: nothing expected
  });

  it("uses only the hours before: changing an hour and everything after it leaves its expectation as it was", () => {
    const before = profileExpectation(ts, actual, model, 100, 10);
    const i = 12 * 24 + 11;
    const changed = actual.map((a, j) => (j >= i ? a * 3 : a));
    const after = profileExpectation(ts, changed, model, 100, 10);
    expect(after.slice(0, i + 1)).toEqual(before.slice(0, i + 1));
    // A week later the changed hours are most of the window, and the level follows them.
    expect(after[i + 7 * 24]).toBeCloseTo(135, 9);
  });
});
