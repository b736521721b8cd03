import {describe, expect, it} from "vitest";
import {
  bias, coverage, evaluate, intervalWidth, mae, mape, nmae, pinball, pinballAt, rmse, skill, type Metric
} from "../../../pipeline/forecast/metrics.ts";
import {messages} from "../../../pipeline/messages.ts";

// Five hours of a 100 kWh/h site. Errors predicted − actual: +1, −2, +5, 0, −10.
const actual = [0, 10, 20, 30, 40];
const predicted = [1, 8, 25, 30, 30];
const reference = [0, 10, 10, 20, 30]; // errors 0, 0, −10, −10, −10
const lower = [0, 5, 21, 25, 35];
const upper = [2, 12, 30, 29, 45]; // contains 0, 10 and 40; misses 20 and 30
const context = {capacity: 100, reference, lower, upper, quantile: 0.9};

describe("metric values on hand-made arrays", () => {
  it.each([
    ["mae", mae, 18 / 5],
    ["rmse", rmse, Math.sqrt(130 / 5)],
    ["nmae", nmae, 3.6],
    ["mape", mape, 17.5], // the hour with actual 0 is under 5 % of capacity: (0.2 + 0.25 + 0 + 0.25) / 4
    ["bias", bias, -6 / 5],
    ["skill", skill, 1 - Math.sqrt(130 / 300)],
    ["pinball", pinball, (0.1 * 1 + 0.9 * 2 + 0.1 * 5 + 0 + 0.9 * 10) / 5],
    ["coverage", coverage, 3 / 5],
    ["intervalWidth", intervalWidth, (2 + 7 + 9 + 4 + 10) / 5]
  ] as [string, Metric, number][])("%s(actual, predicted, context) = %d", (_name, metric, expected) => {
    expect(metric(actual, predicted, context)).toBeCloseTo(expected, 12);
  });

  it("pinballAt(q) fixes the quantile; at 0.5 it is half the MAE", () => {
    expect(pinballAt(0.1)(actual, predicted)).toBeCloseTo((0.9 * 1 + 0.1 * 2 + 0.9 * 5 + 0 + 0.1 * 10) / 5, 12);
    expect(pinballAt(0.5)(actual, predicted)).toBeCloseTo(mae(actual, predicted) / 2, 12);
  });

  it("skill is 0 against itself, 1 when perfect, negative when worse, NaN against a perfect reference", () => {
    expect(skill(actual, predicted, {reference: predicted})).toBe(0);
    expect(skill(actual, actual, {reference})).toBe(1);
    expect(skill(actual, reference, {reference: predicted})).toBeLessThan(0);
    expect(skill(actual, predicted, {reference: actual})).toBeNaN();
  });
});

describe("missing values", () => {
  // The same five rows plus rows where actual, predicted or a context array is missing.
  const a = [...actual, NaN, 50, null, 60, 70, 80];
  const p = [...predicted, 40, NaN, 3, null, 60, 60];
  const ref = [...reference, 1, 1, 1, 1, NaN, 60];
  const lo = [...lower, 0, 0, 0, 0, 0, null];
  const hi = [...upper, 100, 100, 100, 100, 100, 100];

  it.each([mae, rmse, nmae, mape, bias, pinball].map((m) => [m.name, m] as const))("%s skips rows where actual or predicted is missing", (_name, metric) => {
    const firstNine = (x: (number | null)[]) => x.slice(0, 9); // rows 9 and 10 are complete: leave them out
    expect(metric(firstNine(a), firstNine(p), context)).toBeCloseTo(metric(actual, predicted, context), 12);
  });

  it("skill skips rows where any of actual, predicted and reference is missing, for both RMSEs", () => {
    // Row 9 has reference NaN: with it, both RMSEs would count it (predicted error 10, reference unknown).
    expect(skill(a.slice(0, 10), p.slice(0, 10), {reference: ref.slice(0, 10)})).toBeCloseTo(skill(actual, predicted, {reference}), 12);
  });

  it("coverage and intervalWidth skip rows with a missing actual or bound", () => {
    const cut = (x: (number | null)[]) => [...x.slice(0, 6), x[7], x[10]]; // rows 0–5, 7 (actual null) and 10 (lower null)
    expect(coverage(cut(a), cut(p), {lower: cut(lo), upper: cut(hi)})).toBe(3 / 5);
    expect(intervalWidth(cut(a), cut(p), {lower: cut(lo), upper: cut(hi)})).toBeCloseTo(32 / 5, 12);
  });

  it("evaluate(metrics, actual, predicted, context) uses the same rows for every metric", () => {
    const result = evaluate({mae, rmse, bias, skill, coverage}, a, p, {capacity: 100, reference: ref, lower: lo, upper: hi});
    // Complete in every array: rows 0–4 only (row 9 lacks the reference, row 10 the lower bound).
    expect(result.n).toBe(5);
    expect(result.mae).toBeCloseTo(mae(actual, predicted), 12);
    expect(result.rmse).toBeCloseTo(rmse(actual, predicted), 12);
    expect(result.bias).toBeCloseTo(bias(actual, predicted), 12);
    expect(result.skill).toBeCloseTo(skill(actual, predicted, {reference}), 12);
    expect(result.coverage).toBe(3 / 5);
    // Without the context arrays the complete rows are 0–4, 9 and 10.
    const plain = evaluate({mae}, a, p);
    expect(plain.n).toBe(7);
    expect(plain.mae).toBeCloseTo((18 + 10 + 20) / 7, 12);
  });

  it("a metric with no usable row is NaN", () => {
    expect(mae([NaN, 1], [1, null])).toBeNaN();
    expect(mape([1, 2], [1, 2], {capacity: 100})).toBeNaN(); // every actual under 5 % of capacity
    expect(evaluate({rmse}, [], []).rmse).toBeNaN();
  });
});

describe("metric input checks", () => {
  it("names the metric, the array and the missing context", () => {
    expect(() => mae([1, 2], [1])).toThrow(messages.forecastLengthMismatch("mae: predicted", 1, 2, "actual"));
    expect(() => coverage([1, 2], [1, 2], {lower: [0, 0], upper: [3]})).toThrow(messages.forecastLengthMismatch("coverage: upper", 1, 2, "actual"));
    expect(() => evaluate({mae}, [1, 2], [1, 2], {reference: [1]})).toThrow(messages.forecastLengthMismatch("evaluate: reference", 1, 2, "actual"));
    expect(() => nmae([1], [1])).toThrow(messages.metricNeedsContext("nmae", "capacity", "the site's AC capacity (kWh per hour)"));
    expect(() => skill([1], [1], {})).toThrow(messages.metricNeedsContext("skill", "reference", "the reference forecast's predictions"));
    expect(() => pinball([1], [1])).toThrow(messages.metricNeedsContext("pinball", "quantile", "the quantile level of the prediction, e.g. 0.9"));
    expect(() => pinballAt(1.5)([1], [1])).toThrow(messages.forecastBadOption("pinball", "quantile", 1.5, "a number between 0 and 1 (exclusive)"));
    expect(() => intervalWidth([1], [1], {upper: [2]})).toThrow(messages.metricNeedsContext("intervalWidth", "lower", "the interval's lower bounds"));
  });
});
