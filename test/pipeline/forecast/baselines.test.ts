import {describe, expect, it} from "vitest";
import {
  baselines, climatology, climatologyWith, persistence, persistenceWith, recentClearSkyIndexer, referenceForecaster, smartPersistence, smartPersistenceWith,
  type Baseline, type HourlyHistory
} from "../../../pipeline/forecast/baselines.ts";
import {DAY_MS, HOUR_MS} from "../../../pipeline/forecast/series.ts";
import {messages} from "../../../pipeline/messages.ts";
import {createRng} from "../../../pipeline/demo/random.ts";
import {seededRandom} from "../../../pipeline/random.ts";

const T0 = Date.UTC(2025, 5, 1); // 2025-06-01 00:00 UTC
const hoursFrom = (start: number, count: number) => Float64Array.from({length: count}, (_, i) => start + i * HOUR_MS);
const at = (day: number, hour: number) => T0 + day * DAY_MS + hour * HOUR_MS;

/** Four days of history whose value names its day and hour: 100·day + hour. */
function labelledHistory(): HourlyHistory {
  const ts = hoursFrom(T0, 4 * 24);
  return {ts, energy: Float64Array.from(ts, (t) => 100 * Math.floor((t - T0) / DAY_MS) + ((t - T0) / HOUR_MS) % 24)};
}

describe("persistence", () => {
  it("persistence(history, targets, issueTime) repeats the same hour of the latest known day", () => {
    const history = labelledHistory();
    // Issued at day 3, 10:00: hours of day 3 up to 09:00 have ended and are known.
    const issue = at(3, 10);
    const targets = {ts: [at(3, 10), at(3, 23), at(4, 9), at(4, 10), at(4, 23), at(5, 9), at(5, 10)]};
    expect(Array.from(persistence(history, targets, issue))).toEqual([
      210, // 1 h ahead: yesterday 10:00
      223, // yesterday 23:00
      309, // 24 h ahead: today 09:00, which ended at the issue time
      210, // 25 h ahead: today 10:00 is not known yet, so the day before
      223,
      309, // 48 h ahead
      210
    ]);
  });

  it("persistence falls back to earlier days when the latest one is missing, up to fallbackDays", () => {
    const history = labelledHistory();
    const energy = Float64Array.from(history.energy as Float64Array);
    energy[2 * 24 + 5] = NaN; // day 2, 05:00
    const gappy = {ts: history.ts, energy: Array.from(energy, (v, i) => (i === 1 * 24 + 5 ? null : v))}; // day 1 05:00 null too
    const targets = {ts: [at(3, 5), at(3, 6)]};
    expect(Array.from(persistence(gappy, targets, at(3, 0)))).toEqual([5, 206]);
    expect(Array.from(persistenceWith({fallbackDays: 1})(gappy, targets, at(3, 0)))).toEqual([NaN, 206]);
    expect(Array.from(persistenceWith({fallbackDays: 0})({ts: history.ts, energy}, targets, at(3, 0)))).toEqual([NaN, 206]);
  });

  it("persistence gives NaN without history", () => {
    expect(Array.from(persistence({ts: [], energy: []}, {ts: [at(0, 12)]}, at(0, 0)))).toEqual([NaN]);
  });
});

describe("smartPersistence", () => {
  // Flat clear sky of 10 kWh from 06:00 to 17:00, 0.5 kWh at 18:00 (low sun), 0 at night.
  const clearSkyOf = (hour: number) => (hour >= 6 && hour <= 17 ? 10 : hour === 18 ? 0.5 : 0);
  function twoDays(): {ts: Float64Array; energy: Float64Array; clearSky: Float64Array} {
    const ts = hoursFrom(T0, 48);
    const clearSky = Float64Array.from(ts, (t) => clearSkyOf(((t - T0) / HOUR_MS) % 24));
    const energy = Float64Array.from(clearSky, (cs) => 0.5 * cs); // day 0: k = 0.5 all day
    // Day 1: k = 0.8 from 06 to 11, then 0.4, 0.6, 0.8, 0.2, 1.0, 2.6 from 12 to 17.
    [0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.4, 0.6, 0.8, 0.2, 1.0, 2.6].forEach((k, j) => (energy[24 + 6 + j] = k * 10));
    energy[24 + 18] = 1.5; // k = 3 at 18:00, but that hour's clear sky is under 10 % of the peak
    return {ts, energy, clearSky};
  }
  const targets = {ts: [at(2, 3), at(2, 7), at(2, 12), at(3, 12)], clearSky: [0, 6, 12, 12]};

  it("smartPersistence(history, targets, issueTime) = mean clipped k of the last 6 daytime hours × target clear sky", () => {
    // k = (0.4 + 0.6 + 0.8 + 0.2 + 1.0 + min(2.6, 2)) / 6 = 5/6; 18:00 is not daytime.
    const p = smartPersistence(twoDays(), targets, at(2, 0));
    expect(p[0]).toBe(0);
    expect(p[1]).toBeCloseTo(5, 12);
    expect(p[2]).toBeCloseTo(10, 12);
    expect(p[3]).toBeCloseTo(10, 12); // the same k for every horizon
  });

  it("smartPersistence skips missing hours and takes the next earlier daytime hour", () => {
    const history = twoDays();
    history.energy[24 + 15] = NaN; // k = 0.2 gone; 11:00 (k = 0.8) comes in
    const p = smartPersistence(history, targets, at(2, 0));
    expect(p[2]).toBeCloseTo((12 * (0.4 + 0.6 + 0.8 + 1.0 + 2.0 + 0.8)) / 6, 12);
  });

  it("smartPersistenceWith({daytimeHours: 1}) persists the last daytime hour's clipped index", () => {
    expect(smartPersistenceWith({daytimeHours: 1})(twoDays(), targets, at(2, 0))[2]).toBeCloseTo(24, 12);
  });

  it("smartPersistence is NaN where the target's clear sky is missing, or with no daytime hour within lookbackDays", () => {
    const p = smartPersistence(twoDays(), {ts: [at(2, 12)], clearSky: [NaN]}, at(2, 0));
    expect(Array.from(p)).toEqual([NaN]);
    const night = {ts: hoursFrom(T0, 6), energy: new Float64Array(6), clearSky: new Float64Array(6)};
    expect(Array.from(smartPersistence(night, {ts: [at(1, 12)], clearSky: [10]}, at(0, 6)))).toEqual([NaN]);
    expect(Array.from(smartPersistenceWith({lookbackDays: 1})(twoDays(), {ts: [at(4, 12)], clearSky: [10]}, at(4, 0)))).toEqual([NaN]);
  });

  it("recentClearSkyIndexer gives smartPersistence's k at every issue time of a long, gappy history", () => {
    // Thirty days whose clear-sky peak grows (so the daytime threshold moves with the issue time) and
    // whose index wanders, with missing hours; k at each issue must be what smartPersistence says.
    const rng = seededRandom(7);
    const ts = hoursFrom(T0, 30 * 24);
    const clearSky = Float64Array.from(ts, (t, i) => Math.max(0, Math.sin((((t - T0) / HOUR_MS) % 24 - 6) * Math.PI / 12)) * (5 + i / 100));
    const energy = Float64Array.from(clearSky, (cs) => (rng() < 0.1 ? NaN : cs * (0.2 + 1.2 * rng())));
    const history = {ts, energy, clearSky};
    const indexAt = recentClearSkyIndexer(history);
    const one = {ts: [0], clearSky: [1]};
    for (let h = 0; h < 30 * 24; h += 7) {
      const issue = T0 + h * HOUR_MS + 1_800_000;
      one.ts[0] = Math.floor(issue / HOUR_MS) * HOUR_MS;
      expect(indexAt(issue)).toBe(smartPersistence(history, one, issue)[0]);
    }
    expect(indexAt(T0)).toBeNaN(); // nothing known yet
    expect(() => recentClearSkyIndexer({ts, energy})).toThrow(messages.forecastNeedsClearSky("smartPersistence", "history"));
  });

  it("smartPersistence names the missing clear-sky input", () => {
    const {ts, energy} = twoDays();
    expect(() => smartPersistence({ts, energy}, targets, at(2, 0))).toThrow(messages.forecastNeedsClearSky("smartPersistence", "history"));
    expect(() => smartPersistence(twoDays(), {ts: targets.ts}, at(2, 0))).toThrow(messages.forecastNeedsClearSky("smartPersistence", "targets"));
  });
});

describe("climatology", () => {
  const noon = (y: number, m: number, d: number, h = 12) => Date.UTC(y, m - 1, d, h);
  // Sparse history: only these hours exist (the arrays need not be contiguous).
  const history = {
    ts: [noon(2024, 6, 10), noon(2024, 6, 20), noon(2024, 7, 20), noon(2025, 6, 1), noon(2025, 6, 14, 13)],
    energy: [10, 20, 40, 30, 99]
  };
  const issue = noon(2025, 6, 15, 0);

  it("climatology(history, targets, issueTime) averages the same UTC hour within ±15 days of the day of year", () => {
    const targets = {ts: [noon(2025, 6, 15), noon(2025, 6, 15, 13), noon(2025, 6, 15, 14), noon(2025, 9, 15)]};
    expect(Array.from(climatology(history, targets, issue))).toEqual([
      20, // 2024-06-10, 2024-06-20 and 2025-06-01 (14 days off); 2024-07-20 is 35 days off
      99,
      NaN, // no 14:00 in the history at all
      25 // nothing within ±15 days of Sep 15: the mean of every 12:00 hour
    ]);
  });

  it("climatologyWith({windowDays}) narrows the window", () => {
    expect(Array.from(climatologyWith({windowDays: 5})(history, {ts: [noon(2025, 6, 15)]}, issue))).toEqual([15]);
    expect(Array.from(climatologyWith({windowDays: 0})(history, {ts: [noon(2025, 6, 20)]}, issue))).toEqual([20]);
  });

  it("climatology's window wraps round the new year and treats Feb 29 as Feb 28", () => {
    const h = {ts: [noon(2024, 2, 29), noon(2024, 12, 25), noon(2025, 3, 20)], energy: [1, 7, 50]};
    const p = climatologyWith({windowDays: 11})(h, {ts: [noon(2026, 1, 5), noon(2026, 3, 11)]}, noon(2026, 1, 1));
    // Jan 5 is 11 days after Dec 25; Mar 11 is 11 days after Feb 28 (= Feb 29) and 9 before Mar 20.
    expect(Array.from(p)).toEqual([7, (1 + 50) / 2]);
  });
});

describe("the issue-time cutoff", () => {
  // Forty days of a noisy sun curve; issued at 13:00 UTC on day 30, in daylight.
  const days = 40;
  const ts = hoursFrom(T0, days * 24);
  const clearSky = Float64Array.from(ts, (t) => Math.max(0, 80 * Math.sin((Math.PI * ((((t - T0) / HOUR_MS) % 24) + 0.5 - 5)) / 14)));
  const rng = createRng(3, "cutoff");
  const energy = Float64Array.from(clearSky, (cs) => cs * (0.3 + 0.7 * rng.next()));
  const issue = at(30, 13);
  const targets = {ts: hoursFrom(issue, 48), clearSky: clearSky.subarray(30 * 24 + 13, 30 * 24 + 13 + 48)};
  const firstUnknown = 30 * 24 + 13; // the hour starting at the issue time

  it.each(Object.entries(baselines))("%s gives the same forecast whatever the history holds from the issue time on", (_name, baseline: Baseline) => {
    const before = baseline({ts, energy, clearSky}, targets, issue);
    expect(before.every(Number.isFinite)).toBe(true);
    const changed = Float64Array.from(energy);
    for (let i = firstUnknown; i < changed.length; i++) changed[i] = i % 3 === 0 ? NaN : 5 * changed[i] + 17;
    expect(Array.from(baseline({ts, energy: changed, clearSky}, targets, issue))).toEqual(Array.from(before));
    // Truncating the history at the issue time changes nothing either.
    const cut = {ts: ts.subarray(0, firstUnknown), energy: energy.subarray(0, firstUnknown), clearSky: clearSky.subarray(0, firstUnknown)};
    expect(Array.from(baseline(cut, targets, issue))).toEqual(Array.from(before));
  });

  it.each(Object.entries(baselines))("%s does use the last hour that ended at the issue time", (_name, baseline: Baseline) => {
    const before = baseline({ts, energy, clearSky}, targets, issue);
    const changed = Float64Array.from(energy);
    changed[firstUnknown - 1] += 30;
    expect(Array.from(baseline({ts, energy: changed, clearSky}, targets, issue))).not.toEqual(Array.from(before));
  });
});

describe("referenceForecaster", () => {
  // 400 days of a noisy sun curve with gaps, so that climatology reaches into the year before.
  const days = 400;
  const ts = hoursFrom(T0, days * 24);
  const clearSky = Float64Array.from(ts, (t) => Math.max(0, 80 * Math.sin((Math.PI * ((((t - T0) / HOUR_MS) % 24) + 0.5 - 5)) / 14)));
  const rng = createRng(5, "references");
  const energy = Float64Array.from(clearSky, (cs, i) => (i % 97 < 5 ? NaN : cs * (0.3 + 0.7 * rng.next())));
  const history = {ts, energy, clearSky};

  it("gives exactly the per-issue reference forecasts, for issues in ascending order and then in any order", () => {
    const forecast = referenceForecaster(history);
    const ascending = Array.from({length: 120}, (_, d) => at(3 * d + 1, (d * 7) % 24));
    const shuffled = [at(350, 5), at(20, 13), at(20, 12), at(399, 23), at(0, 0), at(360, 1)];
    let compared = 0;
    for (const issue of [...ascending, ...shuffled]) {
      const first = Math.floor((issue - T0) / HOUR_MS);
      const targets = {ts: hoursFrom(T0 + first * HOUR_MS, 36), clearSky: Float64Array.from({length: 36}, (_, k) => clearSky[(first + k) % clearSky.length])};
      const got = forecast(targets, issue);
      expect(Array.from(got.persistence)).toEqual(Array.from(persistence(history, targets, issue)));
      expect(Array.from(got.smartPersistence)).toEqual(Array.from(smartPersistence(history, targets, issue)));
      expect(Array.from(got.climatology)).toEqual(Array.from(climatology(history, targets, issue)));
      compared += got.climatology.filter(Number.isFinite).length;
    }
    expect(compared).toBeGreaterThan(100 * 36);
  });
});

describe("baseline input checks", () => {
  it("rejects unsorted history, hours off the hour, mismatched lengths and a bad issue time with the field named", () => {
    const t = at(1, 0);
    expect(() => persistence({ts: [t, t - HOUR_MS], energy: [1, 2]}, {ts: []}, t)).toThrow(
      messages.forecastNotAscending("persistence: history.ts", 1, t, t - HOUR_MS)
    );
    expect(() => climatology({ts: [t + 60_000], energy: [1]}, {ts: []}, t)).toThrow(messages.forecastNotHour("climatology: history.ts", 0, t + 60_000));
    expect(() => persistence({ts: [t], energy: [1, 2]}, {ts: []}, t)).toThrow(
      messages.forecastLengthMismatch("persistence: history.energy", 2, 1, "history.ts")
    );
    expect(() => persistence({ts: [t], energy: [1]}, {ts: []}, NaN)).toThrow(messages.forecastBadIssueTime(NaN));
    expect(() => persistenceWith({fallbackDays: -1})).toThrow(messages.forecastBadOption("persistence", "fallbackDays", -1, "a whole number >= 0"));
  });
});
