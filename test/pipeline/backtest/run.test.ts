// The walk-forward backtest on a small seeded fleet in real DuckDB, with archived day-ahead weather
// forecasts: the tables, every model side by side, and no look-ahead, proven twice: changing the
// production after an origin, or scrambling every weather forecast issued after it, leaves the
// forecasts issued at that origin exactly as they were.
import {DuckDBTimestampValue, type DuckDBConnection} from "@duckdb/node-api";
import {beforeAll, describe, expect, it} from "vitest";
import {runBacktest, createBacktestTables, type BacktestResult} from "../../../pipeline/backtest/index.ts";
import {parseConfig} from "../../../pipeline/config.ts";
import {queryRows, withConnection} from "../../../pipeline/db.ts";
import {syntheticSite} from "../models/prophet/data.ts";

const DAY = 86_400_000;
const DAYS = 100;
const START = Date.parse("2024-04-01T00:00:00Z");
const END = START + DAYS * DAY;
const SITES = [
  {id: "a", tz: "Europe/Berlin", cap: 70, seed: 1},
  {id: "b", tz: "UTC", cap: 90, seed: 3}
];
const config = parseConfig({
  name: "t", sites: SITES.map((s) => ({id: s.id, name: s.id, lat: 48.14, lon: 11.58, timezone: s.tz, capacity_kw: s.cap, tilt: 30, azimuth: 180})),
  forecast: {new_site_days: 30, prophet: {yearlyOrder: 0, nChangepoints: 0}, gbdt: {rounds: 30, threads: 1}},
  backtest: {origins: 2, step_days: 10, test_days: 10, min_train_days: 60}
}).config;

interface Tamper {
  /** Production at or after this instant is tripled. */
  productionAfter?: number;
  /** Weather forecasts issued after this instant get their GHI reversed in time (same values, wrong hours). */
  forecastsAfter?: number;
}

/** sites, production_hourly and weather_hourly: observed GHI, and a day-ahead forecast of it issued 00:00 UTC the day before. */
async function fleetTables(conn: DuckDBConnection, tamper: Tamper = {}): Promise<void> {
  await conn.run("CREATE OR REPLACE TABLE sites (site_id VARCHAR, name VARCHAR, lat DOUBLE, lon DOUBLE, timezone VARCHAR, capacity_kw DOUBLE, tilt DOUBLE, azimuth DOUBLE)");
  await conn.run("CREATE OR REPLACE TABLE production_hourly (site_id VARCHAR, ts TIMESTAMP, energy_kwh DOUBLE, n_samples INTEGER, quality VARCHAR)");
  await conn.run(`CREATE OR REPLACE TABLE weather_hourly (site_id VARCHAR, ts TIMESTAMP, source VARCHAR, kind VARCHAR, issued_at TIMESTAMP,
    ghi_wm2 DOUBLE, dni_wm2 DOUBLE, dhi_wm2 DOUBLE, temp_c DOUBLE, cloud_cover_pct DOUBLE, wind_ms DOUBLE, humidity_pct DOUBLE, precip_mm DOUBLE)`);
  const stamp = (ms: number) => new DuckDBTimestampValue(BigInt(ms) * 1000n);
  for (const s of SITES) {
    await conn.run("INSERT INTO sites VALUES ($1, $1, 48.14, 11.58, $2, $3, 30, 180)", [s.id, s.tz, s.cap]);
    const d = syntheticSite(new Date(START).toISOString(), DAYS, s.seed);
    const prod = await conn.createAppender("production_hourly");
    const wx = await conn.createAppender("weather_hourly");
    const n = d.ds.length;
    for (let i = 0; i < n; i++) {
      const t = d.ds[i];
      const e = Math.min(s.cap, (d.y[i] * s.cap) / 100) * (tamper.productionAfter !== undefined && t >= tamper.productionAfter ? 3 : 1);
      prod.appendVarchar(s.id);
      prod.appendTimestamp(stamp(t));
      prod.appendDouble(e);
      prod.appendInteger(4);
      prod.appendVarchar("ok");
      prod.endRow();
      const issued = Math.floor(t / DAY) * DAY - DAY;
      const scrambled = tamper.forecastsAfter !== undefined && issued > tamper.forecastsAfter;
      for (const [kind, issuedAt, ghi] of [["observed", null, d.ghi[i]], ["forecast", issued, scrambled ? d.ghi[n - 1 - i] : d.ghi[i] * 0.9]] as const) {
        wx.appendVarchar(s.id);
        wx.appendTimestamp(stamp(t));
        wx.appendVarchar("test");
        wx.appendVarchar(kind);
        if (issuedAt === null) wx.appendNull();
        else wx.appendTimestamp(stamp(issuedAt));
        wx.appendDouble(ghi);
        for (let k = 0; k < 7; k++) wx.appendNull();
        wx.endRow();
      }
    }
    prod.closeSync();
    wx.closeSync();
  }
}

async function backtest(tamper: Tamper = {}): Promise<BacktestResult> {
  return withConnection(async (conn) => {
    await fleetTables(conn, tamper);
    return runBacktest(conn, {config, log: () => {}});
  });
}

let result: BacktestResult;
let tables: {windows: Record<string, unknown>[]; predictions: number; metrics: {window: number; site_id: string; model: string; horizon: string}[]};

beforeAll(async () => {
  await withConnection(async (conn) => {
    await fleetTables(conn);
    result = await runBacktest(conn, {config, log: () => {}});
    await createBacktestTables(conn, result);
    tables = {
      windows: await queryRows(conn, "SELECT * FROM backtest_windows ORDER BY \"window\""),
      predictions: (await queryRows<{n: number}>(conn, "SELECT count(*) AS n FROM backtest_predictions WHERE actual_kwh IS NOT NULL"))[0].n,
      metrics: await queryRows(conn, "SELECT \"window\", site_id, model, horizon FROM backtest_metrics")
    };
  });
}, 120_000);

/** The forecasts of one window issued at its origin's first issue, per site, as comparable numbers. */
function firstIssue(r: BacktestResult, window: number): number[] {
  const rows = r.predictions.filter((p) => p.window === window);
  const firstBySite = new Map<string, number>();
  for (const p of rows) firstBySite.set(p.site_id, Math.min(firstBySite.get(p.site_id) ?? Infinity, p.issued_at));
  return rows
    .filter((p) => p.issued_at === firstBySite.get(p.site_id))
    .sort((a, b) => a.site_id.localeCompare(b.site_id) || a.ts - b.ts)
    .flatMap((p) => [p.forecast_kwh, p.lower_80, p.upper_95, p.smart_persistence_kwh, p.climatology_kwh]);
}

describe("runBacktest", () => {
  it("refits at each origin and issues daily after it: windows, predictions with actuals, metrics for every model", () => {
    expect(result.windows.map((w) => w.window)).toEqual([1, 2]);
    expect(result.windows[1].testEnd).toBe(END);
    expect(result.windows[1].origin - result.windows[0].origin).toBe(10 * DAY);
    for (const w of result.windows) {
      expect(w.hybrid_sites).toBe(2);
      const rows = result.predictions.filter((p) => p.window === w.window);
      expect(rows.length).toBe(w.rows);
      // Issued at or after the origin, before the window's end, 48 h each.
      expect(rows.every((p) => p.issued_at >= w.origin && p.issued_at < w.testEnd)).toBe(true);
      expect(new Set(rows.map((p) => p.issued_at)).size).toBeGreaterThanOrEqual(2 * 9);
    }
    expect(tables.windows.map((w) => Object.keys(w))[0]).toEqual(expect.arrayContaining(["window", "origin", "train_start", "train_end", "test_start", "test_end", "fit_seconds"]));
    expect(tables.predictions).toBeGreaterThan(1000);
    const models = new Set(tables.metrics.filter((m) => m.window === 0 && m.site_id === "fleet" && m.horizon === "all").map((m) => m.model));
    expect(models).toEqual(new Set(["persistence", "smart persistence", "climatology", "prophet", "hybrid"]));
    expect(new Set(tables.metrics.map((m) => m.window))).toEqual(new Set([0, 1, 2]));
    expect(new Set(tables.metrics.map((m) => m.site_id))).toEqual(new Set(["a", "b", "fleet"]));
  });

  it("scores with the metric list: MAPE, pinball and both widths for the hybrid; skill against smart persistence", () => {
    const hybrid = result.metrics.find((m) => m.window === 0 && m.site_id === "fleet" && m.horizon === "all" && m.model === "hybrid")!;
    expect(hybrid.mape_pct).toBeGreaterThan(0);
    expect(hybrid.pinball80_pct).toBeGreaterThan(0);
    expect(hybrid.width95_pct!).toBeGreaterThan(hybrid.width80_pct!);
    expect(hybrid.coverage95!).toBeGreaterThanOrEqual(hybrid.coverage80!);
    expect(result.metrics.find((m) => m.window === 0 && m.site_id === "fleet" && m.horizon === "all" && m.model === "smart persistence")!.skill_rmse).toBe(0);
  });

  it("no look-ahead: tripling the production after the first origin's issues leaves them unchanged (and changes later ones)", async () => {
    // Each site's first issue is its first local midnight at or after the origin (22:00 UTC for Berlin):
    // the hours between the origin and the issue are known at the issue, so the change starts after the last of them.
    const firstIssues = SITES.map((s) => Math.min(...result.predictions.filter((p) => p.window === 1 && p.site_id === s.id).map((p) => p.issued_at)));
    expect(Math.min(...firstIssues)).toBe(result.windows[0].origin);
    const tampered = await backtest({productionAfter: Math.max(...firstIssues)});
    expect(firstIssue(tampered, 1)).toEqual(firstIssue(result, 1));
    expect(firstIssue(tampered, 2)).not.toEqual(firstIssue(result, 2));
  }, 120_000);

  it("no look-ahead: scrambling every weather forecast issued after the first issue leaves that issue unchanged", async () => {
    const firstIssueTime = Math.min(...result.predictions.filter((p) => p.window === 1).map((p) => p.issued_at));
    const tampered = await backtest({forecastsAfter: firstIssueTime});
    expect(firstIssue(tampered, 1)).toEqual(firstIssue(result, 1));
    expect(firstIssue(tampered, 2)).not.toEqual(firstIssue(result, 2));
  }, 120_000);
});
