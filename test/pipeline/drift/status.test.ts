import {describe, expect, it} from "vitest";
import {
  compareDistributions,
  DEFAULT_DRIFT_THRESHOLDS,
  errorDrift,
  rollingRmse,
  statusOf,
  worstStatus,
  type DriftThresholds
} from "../../../pipeline/drift/index.ts";
import {normals} from "./samples.ts";

const DAY = 86_400_000;

describe("statusOf", () => {
  const band = {warning: 0.1, critical: 0.25};

  it("is ok below warning, warning from warning, critical from critical (bounds inclusive)", () => {
    expect(statusOf(0, band)).toBe("ok");
    expect(statusOf(0.0999, band)).toBe("ok");
    expect(statusOf(0.1, band)).toBe("warning");
    expect(statusOf(0.2499, band)).toBe("warning");
    expect(statusOf(0.25, band)).toBe("critical");
    expect(statusOf(3, band)).toBe("critical");
    expect(statusOf(Number.POSITIVE_INFINITY, band)).toBe("critical");
    expect(statusOf(Number.NEGATIVE_INFINITY, band)).toBe("ok");
  });

  it("NaN is a warning: an uncomputable statistic must not read as healthy", () => {
    expect(statusOf(Number.NaN, band)).toBe("warning");
  });

  it("warning may equal critical; anything else out of order throws", () => {
    expect(statusOf(1, {warning: 1, critical: 1})).toBe("critical");
    expect(() => statusOf(1, {warning: 2, critical: 1})).toThrow(/statusOf: need finite thresholds/);
    expect(() => statusOf(1, {warning: Number.NaN, critical: 1})).toThrow(RangeError);
  });
});

describe("worstStatus", () => {
  it("picks the most severe status, ok for none", () => {
    expect(worstStatus([])).toBe("ok");
    expect(worstStatus(["ok", "ok"])).toBe("ok");
    expect(worstStatus(["ok", "warning", "ok"])).toBe("warning");
    expect(worstStatus(["warning", "critical", "ok"])).toBe("critical");
    expect(worstStatus(["critical", "warning"])).toBe("critical");
  });
});

describe("DEFAULT_DRIFT_THRESHOLDS", () => {
  it("holds the documented values and cannot be changed by accident", () => {
    expect(DEFAULT_DRIFT_THRESHOLDS).toEqual({
      psi: {warning: 0.1, critical: 0.25},
      ks: {warning: 0.1, critical: 0.2},
      wasserstein_sd: {warning: 0.1, critical: 0.25},
      rmse_ratio: {warning: 1.2, critical: 1.5}
    });
    expect(Object.isFrozen(DEFAULT_DRIFT_THRESHOLDS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_DRIFT_THRESHOLDS.psi)).toBe(true);
  });
});

describe("compareDistributions", () => {
  const reference = normals(5000, 20, 5, 21);

  it("a sample against itself is ok with every statistic 0", () => {
    const r = compareDistributions("temp_air", reference, reference);
    expect(r).toMatchObject({variable: "temp_air", n_reference: 5000, n_recent: 5000, psi: 0, ks: 0, ks_p: 1, wasserstein: 0, wasserstein_sd: 0, status: "ok"});
    expect(r.mean_recent).toBe(r.mean_reference);
  });

  it("another draw of the same distribution is ok", () => {
    expect(compareDistributions("temp_air", reference, normals(5000, 20, 5, 22)).status).toBe("ok");
  });

  it("a half-SD shift is critical, with Wasserstein in the variable's units and in SDs", () => {
    const r = compareDistributions("temp_air", reference, normals(5000, 22.5, 5, 23));
    expect(r.status).toBe("critical");
    expect(Math.abs(r.wasserstein - 2.5)).toBeLessThan(0.25);
    expect(Math.abs(r.wasserstein_sd - 0.5)).toBeLessThan(0.05);
    expect(r.mean_recent - r.mean_reference).toBeCloseTo(2.5, 0);
    expect(r.ks_p).toBeLessThan(1e-6);
  });

  it("takes the worst of the three statuses", () => {
    const recent = normals(5000, 22.5, 5, 23);
    const lenient: DriftThresholds = {...DEFAULT_DRIFT_THRESHOLDS, psi: {warning: 10, critical: 20}, ks: {warning: 10, critical: 20}};
    // PSI and KS can no longer fire: Wasserstein alone (≈ 0.5 SD) makes it critical.
    expect(compareDistributions("x", reference, recent, lenient).status).toBe("critical");
    const onlyKs: DriftThresholds = {...lenient, ks: {warning: 0.1, critical: 0.9}, wasserstein_sd: {warning: 10, critical: 20}};
    expect(compareDistributions("x", reference, recent, onlyKs).status).toBe("warning");
  });

  it("skips non-finite values and counts only the finite ones", () => {
    const r = compareDistributions("ghi", [1, 2, Number.NaN, 3, null, 4], [1, 2, 3, 4, Number.POSITIVE_INFINITY]);
    expect(r).toMatchObject({n_reference: 4, n_recent: 4, psi: 0, ks: 0, wasserstein: 0, mean_reference: 2.5, mean_recent: 2.5, status: "ok"});
  });

  it("a constant reference gives wasserstein_sd NaN and lets PSI and KS decide", () => {
    const same = compareDistributions("snow_flag", [0, 0, 0, 0], [0, 0, 0]);
    expect(same.wasserstein_sd).toBeNaN();
    expect(same.status).toBe("ok");
    const moved = compareDistributions("snow_flag", [0, 0, 0, 0], [1, 1, 1]);
    expect(moved.wasserstein).toBe(1);
    expect(moved.wasserstein_sd).toBeNaN();
    expect(moved.ks).toBe(1);
    expect(moved.status).toBe("critical");
  });

  it("an empty sample throws, naming the variable", () => {
    expect(() => compareDistributions("ghi", [Number.NaN], [1])).toThrow("compareDistributions(ghi): reference sample is empty");
    expect(() => compareDistributions("ghi", [1], [])).toThrow("compareDistributions(ghi): recent sample is empty");
  });
});

describe("errorDrift", () => {
  it("ratio of recent to reference RMSE, and its status", () => {
    // Errors ±2 → RMSE 2 against a reference of 2.
    expect(errorDrift(2, [0, 0, 0, 0], [2, -2, 2, -2])).toEqual({rmse_recent: 2, rmse_reference: 2, ratio: 1, n: 4, status: "ok"});
    expect(errorDrift(2, [0, 0], [2.5, -2.5])).toMatchObject({rmse_recent: 2.5, ratio: 1.25, status: "warning"});
    expect(errorDrift(2, [1, 1], [4, -2])).toMatchObject({rmse_recent: 3, ratio: 1.5, status: "critical"});
    expect(errorDrift(4, [0, 0], [1, 1])).toMatchObject({ratio: 0.25, status: "ok"});
  });

  it("RMSE uses the mean of squared errors, not of absolute errors", () => {
    // Errors 0 and 4: MAE 2, RMSE √8.
    expect(errorDrift(1, [0, 0], [0, 4]).rmse_recent).toBeCloseTo(Math.sqrt(8), 12);
  });

  it("skips pairs with a non-finite actual or prediction", () => {
    const r = errorDrift(2, [0, Number.NaN, 0, null, 0], [3, 1, Number.POSITIVE_INFINITY, 1, 3]);
    expect(r).toMatchObject({rmse_recent: 3, ratio: 1.5, n: 2, status: "critical"});
  });

  it("with no usable pair the ratio is NaN and the status a warning", () => {
    const r = errorDrift(2, [Number.NaN, 1], [1, null]);
    expect(r.n).toBe(0);
    expect(r.rmse_recent).toBeNaN();
    expect(r.ratio).toBeNaN();
    expect(r.status).toBe("warning");
  });

  it("uses the given thresholds", () => {
    const strict: DriftThresholds = {...DEFAULT_DRIFT_THRESHOLDS, rmse_ratio: {warning: 0.5, critical: 0.9}};
    expect(errorDrift(2, [0, 0], [2, 2], strict).status).toBe("critical");
  });

  it("rejects a reference RMSE that is not positive, and arrays of different lengths", () => {
    expect(() => errorDrift(0, [1], [1])).toThrow(/errorDrift: referenceRmse must be a positive number/);
    expect(() => errorDrift(Number.NaN, [1], [1])).toThrow(RangeError);
    expect(() => errorDrift(1, [1, 2], [1])).toThrow(/errorDrift: arrays differ in length/);
  });
});

describe("rollingRmse", () => {
  // One value a day; errors 1, 1, 3, 3, (missing), 4.
  const ts = [0, 1, 2, 3, 4, 5].map((d) => d * DAY);
  const actual = [0, 0, 0, 0, 0, 0];
  const predicted = [1, 1, 3, 3, Number.NaN, 4];

  it("trailing windows (end − window, end], anchored on the last timestamp, ascending", () => {
    const r = rollingRmse(ts, actual, predicted, 2);
    expect(r.map((p) => p.end_ts)).toEqual([0, 1, 2, 3, 4, 5].map((d) => d * DAY));
    expect(r.map((p) => p.n)).toEqual([1, 2, 2, 2, 1, 1]);
    const rmse = r.map((p) => p.rmse);
    expect(rmse[0]).toBe(1); // {day 0}: 1
    expect(rmse[1]).toBe(1); // days 0, 1: 1, 1
    expect(rmse[2]).toBeCloseTo(Math.sqrt(5), 12); // days 1, 2: 1, 3
    expect(rmse[3]).toBe(3); // days 2, 3: 3, 3
    expect(rmse[4]).toBe(3); // days 3, 4: 3 (day 4 missing)
    expect(rmse[5]).toBe(4); // days 4, 5: 4
  });

  it("steps back from the last timestamp by stepDays", () => {
    const r = rollingRmse(ts, actual, predicted, 2, 2);
    expect(r.map((p) => p.end_ts / DAY)).toEqual([1, 3, 5]);
    expect(r.map((p) => p.n)).toEqual([2, 2, 1]);
  });

  it("with step = window no pair is counted twice", () => {
    const r = rollingRmse(ts, actual, predicted, 2, 2);
    expect(r.reduce((s, p) => s + p.n, 0)).toBe(5);
  });

  it("does not need sorted timestamps", () => {
    const order = [3, 0, 5, 1, 4, 2];
    const shuffled = rollingRmse(
      order.map((i) => ts[i]),
      order.map((i) => actual[i]),
      order.map((i) => predicted[i]),
      2
    );
    expect(shuffled).toEqual(rollingRmse(ts, actual, predicted, 2));
  });

  it("a window in a gap has n 0 and rmse NaN", () => {
    const r = rollingRmse([0, 10 * DAY], [0, 0], [1, 2], 1);
    expect(r).toHaveLength(11);
    expect(r[5]).toEqual({end_ts: 5 * DAY, rmse: Number.NaN, n: 0});
    expect(r[0]).toEqual({end_ts: 0, rmse: 1, n: 1});
    expect(r[10]).toEqual({end_ts: 10 * DAY, rmse: 2, n: 1});
  });

  it("sub-daily data: an hourly week in one 7-day window", () => {
    const hours = Array.from({length: 168}, (_, h) => h * 3_600_000);
    const r = rollingRmse(hours, hours.map(() => 0), hours.map((_, h) => (h % 2 === 0 ? 2 : -2)), 7);
    expect(r).toHaveLength(7);
    expect(r[6]).toEqual({end_ts: 167 * 3_600_000, rmse: 2, n: 168});
  });

  it("skips rows with a non-finite timestamp; no usable row gives no window", () => {
    expect(rollingRmse([Number.NaN, 0], [0, 0], [5, 1], 1)).toEqual([{end_ts: 0, rmse: 1, n: 1}]);
    expect(rollingRmse([0, DAY], [Number.NaN, 0], [1, null], 1)).toEqual([]);
  });

  it("rejects bad windows and mismatched arrays", () => {
    expect(() => rollingRmse(ts, actual, predicted, 0)).toThrow(/rollingRmse: windowDays must be a positive number/);
    expect(() => rollingRmse(ts, actual, predicted, 2, -1)).toThrow(/rollingRmse: stepDays must be a positive number/);
    expect(() => rollingRmse(ts, actual, [1], 2)).toThrow(/rollingRmse: arrays differ in length/);
  });
});
