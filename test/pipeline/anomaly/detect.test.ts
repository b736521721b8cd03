// The rolling z-score and event grouping on synthetic hours with known injected faults.
import {describe, expect, it} from "vitest";
import {groupEvents, scoreResiduals, type DetectOptions, type ResidualHour} from "../../../pipeline/anomaly/detect.ts";
import {mulberry32} from "../../../pipeline/random.ts";

const HOUR = 3_600_000;
const START = Date.UTC(2026, 5, 1);
const options: DetectOptions = {capacityKw: 100, windowH: 168, threshold: 2.5, method: "mean", minReferenceHours: 24};

/** `days` of hours: a 12-hour day (06–18 UTC) with a sine clear sky, forecasts off by ±5 % of clear sky (seeded noise). */
function series(days: number, fault: (day: number, hour: number) => number = () => 1, seed = 1): ResidualHour[] {
  const random = mulberry32(seed);
  const out: ResidualHour[] = [];
  for (let d = 0; d < days; d++) {
    const cloud = 0.4 + 0.6 * random(); // how clear the day is, known to the forecast
    for (let h = 0; h < 24; h++) {
      const clear = h >= 6 && h < 18 ? 100 * Math.sin((Math.PI * (h - 5.5)) / 12) : 0;
      const expected = clear * cloud;
      const actual = Math.max(0, expected * (1 + 0.05 * (2 * random() - 1))) * fault(d, h);
      out.push({ts: START + (d * 24 + h) * HOUR, actual_kwh: actual, expected_kwh: expected, clear_sky_kwh: clear});
    }
  }
  return out;
}
const dayHour = (ts: number) => [Math.floor((ts - START) / (24 * HOUR)), new Date(ts).getUTCHours()];

describe("scoreResiduals", () => {
  it("flags every daytime hour of an injected outage, and nothing else", () => {
    const hours = series(20, (d) => (d === 12 || d === 13 ? 0 : 1));
    const scored = scoreResiduals(hours, options);
    const flagged = scored.filter((s) => s.flagged).map((s) => dayHour(s.ts));
    const outageDaylight = hours.filter((h) => h.clear_sky_kwh >= 5 && [12, 13].includes(dayHour(h.ts)[0]));
    expect(flagged.length).toBe(outageDaylight.length);
    expect(flagged.every(([d]) => d === 12 || d === 13)).toBe(true);
  });

  it("never judges the night, and judges nothing before the window holds enough hours", () => {
    const scored = scoreResiduals(series(5), options);
    for (const s of scored) {
      const [, h] = dayHour(s.ts);
      if (h < 6 || h >= 18) expect(Number.isNaN(s.z)).toBe(true);
    }
    expect(scored.slice(0, 30).every((s) => Number.isNaN(s.z))).toBe(true);
  });

  it("a clean cloudy day whose forecast was right is not flagged", () => {
    // Day 10 is very dark, but the forecast knew it (cloud factor applies to both).
    const hours = series(15).map((h) => (dayHour(h.ts)[0] === 10 ? {...h, actual_kwh: h.actual_kwh * 0.15, expected_kwh: h.expected_kwh * 0.15} : h));
    expect(scoreResiduals(hours, options).some((s) => s.flagged)).toBe(false);
  });

  it("a long outage stays flagged to its end: flagged hours do not enter the reference", () => {
    const hours = series(30, (d) => (d >= 15 && d < 25 ? 0 : 1));
    const scored = scoreResiduals(hours, options);
    const lastOutageNoon = scored.find((s) => dayHour(s.ts)[0] === 24 && dayHour(s.ts)[1] === 12)!;
    expect(lastOutageNoon.flagged).toBe(true);
    // Median/MAD does the same.
    expect(scoreResiduals(hours, {...options, method: "median"}).find((s) => s.ts === lastOutageNoon.ts)!.flagged).toBe(true);
  });

  it("the threshold moves the flags: a 30 % loss is found at 2.5 and missed at 50", () => {
    const hours = series(20, (d) => (d === 12 ? 0.7 : 1));
    const at = (threshold: number) => scoreResiduals(hours, {...options, threshold}).filter((s) => s.flagged).length;
    expect(at(2.5)).toBeGreaterThan(6);
    expect(at(50)).toBe(0);
    expect(at(2)).toBeGreaterThanOrEqual(at(2.5));
  });
});

describe("groupEvents", () => {
  it("a two-day outage is one event across the night between, with its energy gap", () => {
    const hours = series(20, (d) => (d === 12 || d === 13 ? 0 : 1));
    const scored = scoreResiduals(hours, options);
    const events = groupEvents(scored, hours, 2);
    expect(events).toHaveLength(1);
    const e = events[0];
    expect(e.direction).toBe("under");
    expect(dayHour(e.start)).toEqual([12, 6]);
    expect(dayHour(e.end - HOUR)).toEqual([13, 17]);
    const lost = hours.filter((h) => [12, 13].includes(dayHour(h.ts)[0])).reduce((a, h) => a + h.expected_kwh, 0);
    expect(e.energy_gap_kwh).toBeCloseTo(lost, 6);
    expect(e.hours).toBe(e.members.length);
  });

  it("splits when more than gapH judged hours separate flags, and keeps over- and under-production apart", () => {
    const hours = series(20, (d, h) => (d === 12 && (h === 9 || h === 14) ? 0 : d === 12 && h === 11 ? 1.8 : 1));
    const scored = scoreResiduals(hours, options);
    const tight = groupEvents(scored, hours, 2);
    expect(tight.map((e) => `${e.direction} ${dayHour(e.start)[1]}`)).toEqual(["under 9", "over 11", "under 14"]);
    // With a gap tolerance of 5 judged hours the two losses join (the over-production hour between counts as a gap for them).
    const loose = groupEvents(scored, hours, 5);
    expect(loose.map((e) => `${e.direction} ${dayHour(e.start)[1]}-${dayHour(e.end - HOUR)[1]} ${e.hours}h`)).toEqual(["under 9-14 2h", "over 11-11 1h"]);
  });
});
