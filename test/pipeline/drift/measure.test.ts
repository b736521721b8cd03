import {describe, expect, it} from "vitest";
import {DEFAULT_DRIFT_THRESHOLDS} from "../../../pipeline/drift/status.ts";
import {measureDrift, type DriftSeries, type MeasureDriftOptions, type ReferenceErrors} from "../../../pipeline/drift/measure.ts";
import {normals} from "./samples.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const start = Date.UTC(2024, 0, 1);
const asOf = Date.UTC(2026, 0, 1) + 181 * DAY; // 2026-07-01
const n = (asOf - start) / HOUR;

/** Two and a half years of hourly temperature with a yearly cycle (peak in July), sun up every hour. */
function series(shiftRecent = 0): DriftSeries {
  const noise = normals(n, 0, 2, 7);
  const ts = Array.from({length: n}, (_, i) => start + i * HOUR);
  const temp = ts.map((t, i) => 15 - 10 * Math.cos((2 * Math.PI * (t - Date.UTC(2024, 0, 15))) / (365 * DAY)) + noise[i] + (t >= asOf - 30 * DAY ? shiftRecent : 0));
  return {siteId: "a", capacityKw: 10, ts, energy: ts.map(() => 5), sunUp: ts.map(() => 1), weather: {temp_c: temp}};
}

const base = (s: DriftSeries, o: Partial<MeasureDriftOptions> = {}): MeasureDriftOptions => ({
  series: [s], asOf, recentDays: 30, trainStart: start, trainEnd: asOf, minReferenceValues: 500, thresholds: DEFAULT_DRIFT_THRESHOLDS,
  recentErrors: [], errorSource: "test", reference: [], ...o
});
const row = (rows: ReturnType<typeof measureDrift>, variable: string, site = "a") => rows.find((r) => r.variable === variable && r.site_id === site)!;

describe("measureDrift", () => {
  it("compares a June with earlier Junes, not with the whole year: an unchanged season is not critical", () => {
    const temp = row(measureDrift(base(series())), "temp_c");
    expect(temp.reference).toMatch(/^same season of the training data/);
    expect(temp.n_recent).toBe(30 * 24);
    // Not quite "ok": the reference spans ±7 days more of a rising season than the recent month.
    expect(temp.status).not.toBe("critical");
    expect(temp.wasserstein_sd!).toBeLessThan(0.15);
    // Against the whole training period the same June reads as critical drift: the reason for the seasonal reference.
    const whole = row(measureDrift(base(series(), {minReferenceValues: 1e9})), "temp_c");
    expect(whole.reference).toMatch(/^whole training period/);
    expect(whole.status).toBe("critical");
  });

  it("flags a recent shift of the same season as critical, with the means and a histogram for the page", () => {
    const temp = row(measureDrift(base(series(4))), "temp_c");
    expect(temp.status).toBe("critical");
    expect(temp.mean_recent! - temp.mean_reference!).toBeGreaterThan(3);
    const h = JSON.parse(temp.histogram!) as {edges: number[]; reference: number[]; recent: number[]};
    expect(h.reference).toHaveLength(h.edges.length + 1);
    expect(h.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    // Most of the shifted recent mass sits in the reference's top bins.
    expect(h.recent.slice(-3).reduce((a, b) => a + b, 0)).toBeGreaterThan(0.5);
  });

  it("error drift: recent RMSE against the backtest's in the same months, per site and for the fleet", () => {
    const s = series();
    // Backtest: 2 % of capacity RMSE in June, 10 % in January (which must not count).
    const reference: ReferenceErrors[] = [
      {site_id: "a", month: 6, n: 400, sum_sq: 400 * 0.02 ** 2},
      {site_id: "a", month: 1, n: 400, sum_sq: 400 * 0.1 ** 2}
    ];
    // Recent June hours forecast 0.4 kWh off on a 10 kW site: 4 % of capacity, twice the backtest's.
    const recentErrors = Array.from({length: 300}, (_, i) => ({site_id: "a", ts: asOf - 25 * DAY + i * HOUR, forecast_kwh: 5.4, actual_kwh: 5}));
    const rows = measureDrift(base(s, {recentErrors, reference}));
    for (const site of ["a", "fleet"]) {
      const e = row(rows, "rmse", site);
      expect(e.kind).toBe("error");
      expect(e.rmse_recent_pct).toBeCloseTo(4, 6);
      expect(e.rmse_reference_pct).toBeCloseTo(2, 6);
      expect(e.rmse_ratio).toBeCloseTo(2, 6);
      expect(e.status).toBe("critical");
      expect(e.reference).toMatch(/same months \(Jun\), 400 hours; recent: test/);
    }
  });

  it("too few recent forecast hours give no ratio and a warning, not a silent ok", () => {
    const reference: ReferenceErrors[] = [{site_id: "a", month: 6, n: 400, sum_sq: 400 * 0.02 ** 2}];
    const recentErrors = [{site_id: "a", ts: asOf - DAY, forecast_kwh: 5, actual_kwh: 5}];
    const e = row(measureDrift(base(series(), {recentErrors, reference})), "rmse");
    expect(e.rmse_ratio).toBeNull();
    expect(e.status).toBe("warning");
  });
});
