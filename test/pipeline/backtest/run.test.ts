// The walk-forward backtest on a small seeded fleet in real DuckDB, with archived day-ahead weather
// forecasts: the tables, every model side by side, and no look-ahead, proven twice: changing the
// production after an origin, or scrambling every weather forecast issued after it, leaves the
// forecasts issued at that origin exactly as they were.
import type {DuckDBConnection} from "@duckdb/node-api";
import {beforeAll, describe, expect, it} from "vitest";
import {runBacktest, createBacktestTables, type BacktestResult} from "../../../pipeline/backtest/index.ts";
import {queryRows, withConnection} from "../../../pipeline/db.ts";
import {config, DAY, END, fleetTables, SITES, type Tamper} from "./fleet.ts";

/** What a test reads of one issued hour (the row as backtest_predictions holds it; NaN is NULL there). */
interface Prediction {
  window: number;
  site_id: string;
  issued_at: number;
  ts: number;
  forecast_kwh: number | null;
  lower_80: number | null;
  upper_95: number | null;
  smart_persistence_kwh: number | null;
  climatology_kwh: number | null;
}

interface Backtest {
  result: BacktestResult;
  predictions: Prediction[];
}

async function backtest(tamper: Tamper = {}, cfg = config): Promise<Backtest> {
  return withConnection(async (conn) => {
    await fleetTables(conn, tamper);
    const result = await runBacktest(conn, {config: cfg, log: () => {}});
    await createBacktestTables(conn, result);
    return {result, predictions: await readPredictions(conn)};
  });
}

function readPredictions(conn: DuckDBConnection): Promise<Prediction[]> {
  return queryRows<Prediction>(
    conn,
    `SELECT "window", site_id, epoch_ms(issued_at) AS issued_at, epoch_ms(ts) AS ts, forecast_kwh, lower_80, upper_95, smart_persistence_kwh, climatology_kwh
     FROM backtest_predictions ORDER BY "window", site_id, issued_at, ts`
  );
}

let run: Backtest;
let result: BacktestResult;
let tables: {windows: Record<string, unknown>[]; predictions: number; metrics: {window: number; site_id: string; model: string; horizon: string}[]};

beforeAll(async () => {
  await withConnection(async (conn) => {
    await fleetTables(conn);
    result = await runBacktest(conn, {config, log: () => {}});
    await createBacktestTables(conn, result);
    run = {result, predictions: await readPredictions(conn)};
    tables = {
      windows: await queryRows(conn, "SELECT * FROM backtest_windows ORDER BY \"window\""),
      predictions: (await queryRows<{n: number}>(conn, "SELECT count(*) AS n FROM backtest_predictions WHERE actual_kwh IS NOT NULL"))[0].n,
      metrics: await queryRows(conn, "SELECT \"window\", site_id, model, horizon FROM backtest_metrics")
    };
  });
}, 120_000);

/** The forecasts of one window issued at its origin's first issue, per site, as comparable numbers. */
function firstIssue(r: Backtest, window: number): (number | null)[] {
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
      const rows = run.predictions.filter((p) => p.window === w.window);
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
    const firstIssues = SITES.map((s) => Math.min(...run.predictions.filter((p) => p.window === 1 && p.site_id === s.id).map((p) => p.issued_at)));
    expect(Math.min(...firstIssues)).toBe(result.windows[0].origin);
    const tampered = await backtest({productionAfter: Math.max(...firstIssues)});
    expect(firstIssue(tampered, 1)).toEqual(firstIssue(run, 1));
    expect(firstIssue(tampered, 2)).not.toEqual(firstIssue(run, 2));
  }, 120_000);

  it("no look-ahead: scrambling every weather forecast issued after the first issue leaves that issue unchanged", async () => {
    const firstIssueTime = Math.min(...run.predictions.filter((p) => p.window === 1).map((p) => p.issued_at));
    const tampered = await backtest({forecastsAfter: firstIssueTime});
    expect(firstIssue(tampered, 1)).toEqual(firstIssue(run, 1));
    expect(firstIssue(tampered, 2)).not.toEqual(firstIssue(run, 2));
  }, 120_000);

  it("origins overlap (the next one's Prophet fits run during this one's GBDT) yet each gives what it gives alone", async () => {
    const alone = await backtest({}, {...config, backtest: {...config.backtest, origins: 1}});
    expect(alone.result.windows.map((w) => w.origin)).toEqual([result.windows[1].origin]);
    const strip = (rows: Prediction[]) => rows.map(({window: _w, ...row}) => row);
    expect(strip(alone.predictions)).toEqual(strip(run.predictions.filter((p) => p.window === 2)));
    expect(alone.predictions.length).toBeGreaterThan(100);
  }, 120_000);
});
