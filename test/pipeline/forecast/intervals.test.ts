import {describe, expect, it} from "vitest";
import {
  assignBuckets, calibrateConformal, conformalIntervals, conformalQuantiles, type ConformalCalibration, type ConformalOptions
} from "../../../pipeline/forecast/intervals.ts";
import {messages} from "../../../pipeline/messages.ts";
import {heteroscedasticRows, sliceRows, type SyntheticRows} from "./synthetic.ts";

const range = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => from + i);

describe("conformalQuantiles", () => {
  it("conformalQuantiles(sorted, level) takes ranks ⌊(n+1)α/2⌋ and ⌈(n+1)(1−α/2)⌉", () => {
    // n = 19, 80 %: ranks 2 and 18 (a plain 10 %/90 % quantile would interpolate to 2.8 and 17.2).
    expect(conformalQuantiles(range(1, 19), 0.8)).toEqual({level: 0.8, lower: 2, upper: 18});
    // n = 39 is the smallest sample with finite 95 % bounds: ranks 1 and 39.
    expect(conformalQuantiles(range(1, 39), 0.95)).toEqual({level: 0.95, lower: 1, upper: 39});
    expect(conformalQuantiles(range(1, 38), 0.95)).toEqual({level: 0.95, lower: -Infinity, upper: Infinity});
    // n = 9, 80 %: (n+1)·α/2 is 0.9999999999999998 in floating point; the rank is still 1.
    expect(conformalQuantiles(range(1, 9), 0.8)).toEqual({level: 0.8, lower: 1, upper: 9});
    expect(conformalQuantiles([], 0.8)).toEqual({level: 0.8, lower: -Infinity, upper: Infinity});
  });
});

describe("calibrateConformal and conformalIntervals on hand-made residuals", () => {
  // 19 daytime rows, one bucket; residuals actual − predicted = −9 … 9.
  const one = {horizonEdges: [], strataEdges: [], minBucketSize: 1, levels: [0.8]} satisfies ConformalOptions;
  const residuals = range(-9, 9);
  const cal = {
    actual: residuals.map((r) => 50 + r),
    predicted: residuals.map(() => 50),
    clearSky: residuals.map(() => 50),
    horizonH: residuals.map(() => 3),
    capacity: 100
  };

  it("absolute: lower/upper offsets are residual ranks 2 and 18, clipped to [0, capacity]", () => {
    const calibration = calibrateConformal(cal, {...one, scale: "absolute"});
    expect(calibration.buckets.map((b) => [b.horizon, b.stratum, b.n, b.source])).toEqual([
      ["all horizons", "night", 0, "pooled"],
      ["all horizons", "day", 19, "bucket"]
    ]);
    expect(calibration.buckets[1].quantiles).toEqual([{level: 0.8, lower: -8, upper: 8}]);
    const [interval] = conformalIntervals(calibration, {predicted: [50, 5, 95, 150], clearSky: [60, 60, 60, 60], horizonH: [1, 1, 40, 1], capacity: 100});
    expect(interval.level).toBe(0.8);
    expect(Array.from(interval.lower)).toEqual([42, 0, 87, 100]);
    expect(Array.from(interval.upper)).toEqual([58, 13, 100, 100]);
  });

  it("clear-sky scale: offsets are residual / clear sky, multiplied back by each hour's clear sky", () => {
    const calibration = calibrateConformal(cal, {...one, scale: "clear-sky"});
    expect(calibration.buckets[1].quantiles).toEqual([{level: 0.8, lower: -8 / 50, upper: 8 / 50}]);
    const [interval] = conformalIntervals(calibration, {predicted: [20, 20], clearSky: [25, 100], horizonH: [1, 1], capacity: [100, 100]});
    expect(Array.from(interval.lower)).toEqual([16, 4]);
    expect(Array.from(interval.upper)).toEqual([24, 36]);
  });

  it("an interval always contains its point forecast, even when every residual has one sign", () => {
    // Residuals 1 … 19: the forecast always ran low, so both quantiles are positive.
    const low = {...cal, actual: range(1, 19).map((r) => 50 + r)};
    const calibration = calibrateConformal(low, {...one, scale: "absolute"});
    expect(calibration.buckets[1].quantiles[0].lower).toBeGreaterThan(0);
    const [interval] = conformalIntervals(calibration, {predicted: [50], clearSky: [60], horizonH: [1], capacity: 100});
    expect([interval.lower[0], interval.upper[0]]).toEqual([50, 50 + calibration.buckets[1].quantiles[0].upper]);
  });

  it("rows with a missing actual are skipped; missing inputs give NaN bounds", () => {
    const withGaps = {...cal, actual: [...cal.actual, NaN, null], predicted: [...cal.predicted, 50, 50], clearSky: [...cal.clearSky, 50, 50], horizonH: [...cal.horizonH, 3, 3]};
    expect(calibrateConformal(withGaps, {...one, scale: "absolute"}).buckets[1]).toMatchObject({n: 19, quantiles: [{lower: -8, upper: 8}]});
    const calibration = calibrateConformal(cal, one);
    const [interval] = conformalIntervals(calibration, {predicted: [NaN, 20, 20, 20], clearSky: [50, null, 50, 50], horizonH: [1, 1, NaN, 1], capacity: [100, 100, 100, NaN]});
    expect(Array.from(interval.lower)).toEqual([NaN, NaN, NaN, NaN]);
    expect(Array.from(interval.upper)).toEqual([NaN, NaN, NaN, NaN]);
  });

  it("a bucket under minBucketSize borrows its stratum's residuals over all horizons, then all residuals", () => {
    // Daytime (k ≥ 0.5): 5 rows at 1 h, 2 rows at 30 h; night: 1 row.
    const rows = {
      actual: [11, 12, 13, 14, 15, 16, 17, 0],
      predicted: [10, 10, 10, 10, 10, 10, 10, 0],
      clearSky: [10, 10, 10, 10, 10, 10, 10, 0],
      horizonH: [1, 1, 1, 1, 1, 30, 30, 1],
      capacity: 100
    };
    const calibration = calibrateConformal(rows, {scale: "absolute", horizonEdges: [6], strataEdges: [0.5], minBucketSize: 5, levels: [0.5]});
    expect(calibration.buckets.map((b) => `${b.horizon} | ${b.stratum} | n ${b.n} | ${b.source} ${b.nUsed}`)).toEqual([
      "h ≤ 6 | night | n 1 | pooled 8",
      "h ≤ 6 | k < 0.5 | n 0 | pooled 8",
      "h ≤ 6 | k ≥ 0.5 | n 5 | bucket 5",
      "h > 6 | night | n 0 | pooled 8",
      "h > 6 | k < 0.5 | n 0 | pooled 8",
      "h > 6 | k ≥ 0.5 | n 2 | stratum 7"
    ]);
    // 50 %: ranks ⌊(n+1)/4⌋ and ⌈3(n+1)/4⌉ of the residuals used.
    expect(calibration.buckets[2].quantiles[0]).toMatchObject({lower: 1, upper: 5}); // 1..5, ranks 1 and 5
    expect(calibration.buckets[5].quantiles[0]).toMatchObject({lower: 2, upper: 6}); // 1..7, ranks 2 and 6
    expect(calibration.buckets[0].quantiles[0]).toMatchObject({lower: 1, upper: 6}); // 0..7, ranks 2 and 7
    expect(Array.from(assignBuckets(calibration, {...rows, predicted: [...rows.predicted.slice(0, 7), NaN]}))).toEqual([2, 2, 2, 2, 2, 5, 5, -1]);
  });

  it("names what is wrong", () => {
    expect(() => calibrateConformal({...cal, actual: cal.actual.map(() => NaN)})).toThrow(messages.conformalNoResiduals(19));
    expect(() => calibrateConformal({...cal, horizonH: [1]})).toThrow(messages.forecastLengthMismatch("calibrateConformal: horizonH", 1, 19, "actual"));
    expect(() => calibrateConformal(cal, {levels: [95]})).toThrow(
      messages.forecastBadOption("conformal", "levels", [95], "levels between 0 and 1 (exclusive), e.g. [0.8, 0.95]")
    );
    expect(() => calibrateConformal(cal, {strataEdges: [0.7, 0.3]})).toThrow(messages.forecastBadOption("conformal", "strataEdges", [0.7, 0.3], "ascending finite numbers"));
  });
});

describe("coverage on heteroscedastic data (calibrate on one half, check the other)", () => {
  const all = heteroscedasticRows(11, 200_000);
  const cal = sliceRows(all, 0, 100_000);
  const test = sliceRows(all, 100_000, 200_000);

  /** Realised coverage per bucket of `calibration` (buckets with at least 300 test rows; the smallest daytime one has ~6,500). */
  function coverageByBucket(calibration: ConformalCalibration, rows: SyntheticRows, inside: (i: number, level: number) => boolean) {
    const bucket = assignBuckets(calibration, rows);
    return calibration.buckets.flatMap((b, k) => {
      const members = Array.from(bucket.keys()).filter((i) => bucket[i] === k);
      if (members.length < 300) return [];
      return [{
        bucket: `${b.horizon} | ${b.stratum}`,
        coverage: Object.fromEntries(calibration.levels.map((level) => [level, members.filter((i) => inside(i, level)).length / members.length]))
      }];
    });
  }

  const calibration = calibrateConformal(cal);
  const intervals = conformalIntervals(calibration, test);
  const insideConformal = (i: number, level: number) => {
    const {lower, upper} = intervals.find((x) => x.level === level)!;
    return test.actual[i] >= lower[i] && test.actual[i] <= upper[i];
  };

  it("every daytime bucket has its own residuals, and lands within 3 points of 80 % and 2 points of 95 %", () => {
    const daytime = calibration.buckets.filter((b) => b.stratum !== "night" && b.horizon !== "h > 48");
    expect(daytime).toHaveLength(9);
    for (const b of daytime) expect(b.source).toBe("bucket");
    const rows = coverageByBucket(calibration, test, insideConformal).filter((r) => !r.bucket.endsWith("night"));
    expect(rows).toHaveLength(9);
    for (const {bucket, coverage} of rows) {
      expect(Math.abs(coverage[0.8] - 0.8), `${bucket} 80 %: ${coverage[0.8]}`).toBeLessThanOrEqual(0.03);
      expect(Math.abs(coverage[0.95] - 0.95), `${bucket} 95 %: ${coverage[0.95]}`).toBeLessThanOrEqual(0.02);
    }
  });

  it("night buckets (actual = predicted = 0) get a zero-width interval that always covers", () => {
    const night = intervals.map(({lower, upper}) => Array.from(test.clearSky.keys()).filter((i) => test.clearSky[i] === 0).every((i) => lower[i] === 0 && upper[i] === 0));
    expect(night).toEqual([true, true]);
    const rows = coverageByBucket(calibration, test, insideConformal).filter((r) => r.bucket.endsWith("night"));
    expect(rows.map((r) => r.coverage)).toEqual(rows.map(() => ({0.8: 1, 0.95: 1})));
  });

  it("a naive symmetric ±1.28σ / ±1.96σ interval misses by more than 10 points in some bucket", () => {
    const residuals = Array.from(cal.actual, (a, i) => a - cal.predicted[i]);
    const mean = residuals.reduce((s, r) => s + r, 0) / residuals.length;
    const sigma = Math.sqrt(residuals.reduce((s, r) => s + (r - mean) ** 2, 0) / residuals.length);
    const z = {0.8: 1.2816, 0.95: 1.96} as Record<number, number>;
    const insideNaive = (i: number, level: number) => Math.abs(test.actual[i] - test.predicted[i]) <= z[level] * sigma;
    const rows = coverageByBucket(calibration, test, insideNaive).filter((r) => !r.bucket.endsWith("night"));
    const worst = (level: number) => Math.max(...rows.map((r) => Math.abs(r.coverage[level] - level)));
    expect(worst(0.8)).toBeGreaterThan(0.1);
    expect(worst(0.95)).toBeGreaterThan(0.1);
    // Pooled over the daytime rows the 80 % one even looks roughly right: coverage must be checked per bucket.
    const day = Array.from(test.clearSky.keys()).filter((i) => test.clearSky[i] > 1);
    expect(Math.abs(day.filter((i) => insideNaive(i, 0.8)).length / day.length - 0.8)).toBeLessThan(0.05);
  });

  it("residuals scaled by clear sky calibrate better within buckets than absolute ones, and score better", () => {
    // Within each bucket, split the daytime rows by sun height (clear sky / capacity) into thirds:
    // absolute offsets are too wide at low sun and too narrow at high sun.
    const conditional = (scale: "absolute" | "clear-sky") => {
      const c = calibrateConformal(cal, {scale});
      const [i80] = conformalIntervals(c, test);
      const bucket = assignBuckets(c, test);
      const cells = new Map<string, {inside: number; n: number}>();
      let score = 0;
      let n = 0;
      for (let i = 0; i < test.actual.length; i++) {
        const sun = test.clearSky[i] / test.capacity;
        if (sun <= 0.01) continue;
        const key = `${bucket[i]}:${sun < 0.3 ? 0 : sun < 0.6 ? 1 : 2}`;
        const cell = cells.get(key) ?? {inside: 0, n: 0};
        const a = test.actual[i];
        const lo = i80.lower[i];
        const hi = i80.upper[i];
        cell.inside += a >= lo && a <= hi ? 1 : 0;
        cell.n++;
        cells.set(key, cell);
        score += hi - lo + (2 / 0.2) * (Math.max(0, lo - a) + Math.max(0, a - hi)); // interval (Winkler) score
        n++;
      }
      let deviation = 0;
      let rows = 0;
      for (const cell of cells.values()) {
        deviation += Math.abs(cell.inside / cell.n - 0.8) * cell.n;
        rows += cell.n;
      }
      return {meanDeviation: deviation / rows, score: score / n};
    };
    const absolute = conditional("absolute");
    const normalised = conditional("clear-sky");
    expect(normalised.meanDeviation).toBeLessThan(0.03);
    expect(absolute.meanDeviation).toBeGreaterThan(0.08);
    expect(normalised.score).toBeLessThan(0.95 * absolute.score);
  });
});
