import {describe, expect, it} from "vitest";
import {walkForwardSplits} from "../../../pipeline/backtest/splits.ts";

const DAY = 86_400_000;
const start = Date.parse("2024-07-01T00:00:00Z");
const end = Date.parse("2026-07-01T00:00:00Z");

describe("walkForwardSplits", () => {
  it("expanding: origins step back 30 days from the end, the last test window ends with the data, training always starts at the first data", () => {
    const splits = walkForwardSplits({start, end, origins: 12});
    expect(splits).toHaveLength(12);
    expect(splits.map((s) => s.window)).toEqual(Array.from({length: 12}, (_, k) => k + 1));
    expect(splits[11].testEnd).toBe(end);
    expect(splits[11].origin).toBe(end - 30 * DAY);
    for (let k = 1; k < splits.length; k++) expect(splits[k].origin - splits[k - 1].origin).toBe(30 * DAY);
    for (const s of splits) {
      expect(s.trainStart).toBe(start);
      expect(s.trainEnd).toBe(s.origin);
      expect(s.testStart).toBe(s.origin);
      expect(s.testEnd - s.testStart).toBe(30 * DAY);
    }
  });

  it("sliding: training is the last trainDays before the origin (never before the data)", () => {
    const splits = walkForwardSplits({start, end, mode: "sliding", trainDays: 365, origins: 20});
    for (const s of splits) expect(s.trainStart).toBe(Math.max(start, s.origin - 365 * DAY));
    expect(splits.some((s) => s.trainStart > start)).toBe(true);
  });

  it("keeps only origins with minTrainDays of history, and at most `origins`", () => {
    const all = walkForwardSplits({start, end, minTrainDays: 90});
    expect(all.every((s) => s.origin - start >= 90 * DAY)).toBe(true);
    // 730 days: origins at end − 30 k for k ≥ 1 while the origin is ≥ 90 days in: 730 − 30 k ≥ 90 → k ≤ 21.
    expect(all).toHaveLength(21);
    expect(walkForwardSplits({start, end: start + 100 * DAY, minTrainDays: 90})).toEqual([]);
  });

  it("steps shorter than the test window give overlapping windows; bad options are named", () => {
    const splits = walkForwardSplits({start, end, stepDays: 7, testDays: 14, origins: 3});
    expect(splits[2].origin - splits[1].origin).toBe(7 * DAY);
    expect(splits[1].testEnd).toBeGreaterThan(splits[2].testStart);
    expect(() => walkForwardSplits({start, end, stepDays: 0})).toThrow(/backtest: stepDays is 0/);
  });
});
