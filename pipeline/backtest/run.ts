// The walk-forward backtest: at each origin (splits.ts) every model is refitted on the data before
// it, exactly as the forecast stage fits (fitFleets: Prophet per site + the fleet GBDT, the
// fleet-transfer model for newer sites), and issues one forecast a day after it, at each site's
// local issue hour, for horizon_h hours, with the weather known at the issue time. The reference
// forecasts (persistence, smart persistence, climatology) and Prophet alone come with every row,
// so all five models are scored on the same hours.
//
// Reads `sites`, `production_hourly` and `weather_hourly` from the connection; returns the rows of
// `backtest_predictions`, `backtest_windows` and `backtest_metrics` (tables.ts writes them).
import type {DuckDBConnection} from "@duckdb/node-api";
import type {SunlineConfig} from "../config.ts";
import {concatScoringColumns, scoreColumns, scoringColumns, type AccuracyRow, type ScoringColumns} from "../forecast/accuracy.ts";
import {actualLookup, capacityLookup, loadFleetData, targetWeather, type FleetData} from "../forecast/fleetData.ts";
import {fitFleets, type FleetFits} from "../forecast/fitFleets.ts";
import {yieldToEventLoop} from "../eventLoop.ts";
import {hourGeometry} from "../forecast/hybrid.ts";
import {issueForecasts, targetHours} from "../forecast/issue.ts";
import {appendForecastRows} from "../forecast/stage.ts";
import {BACKTEST_ROWS, createBacktestRowsTable} from "./tables.ts";
import {HOUR_MS} from "../forecast/series.ts";
import {messages, SunlineError} from "../messages.ts";
import {localIssuesBetween} from "../timezone.ts";
import type {ProphetStart} from "../models/prophet/index.ts";
import {walkForwardSplits, type Split} from "./splits.ts";

export interface BacktestWindow extends Split {
  mode: "expanding" | "sliding";
  sites: number;
  /** Sites forecast by each model kind at this origin. */
  hybrid_sites: number;
  transfer_sites: number;
  rows: number;
  /**
   * Seconds this origin's fit and issue held up the run. Origins overlap (the next one's Prophet
   * fits run while this one trains its GBDT and issues), so they add up to the run's time, not to
   * the CPU time of each fit.
   */
  fit_seconds: number;
  issue_seconds: number;
}

/** Accuracy per scope (site or fleet), window (0 = all windows), horizon band and model. */
export interface BacktestMetric extends AccuracyRow {
  window: number;
}

export interface BacktestResult {
  windows: BacktestWindow[];
  /** Forecast rows issued, written to the connection's BACKTEST_ROWS table site by site as they are issued (tables.ts). */
  predictions: number;
  metrics: BacktestMetric[];
  skipped: {window: number; site_id: string; reason: string}[];
  seconds: number;
  stage_seconds: Record<string, number>;
}

export interface BacktestOptions {
  config: SunlineConfig;
  log: (message: string) => void;
  /** Called after each origin: done of total, and what was just done. */
  progress?: (done: number, total: number, label: string) => void;
}

export async function runBacktest(conn: DuckDBConnection, o: BacktestOptions): Promise<BacktestResult> {
  const started = performance.now();
  const stages: Record<string, number> = {};
  const add = (name: string, ms: number) => (stages[name] = Math.round(((stages[name] ?? 0) * 1000 + ms) / 100) / 10);
  const cfg = o.config.forecast;
  const bt = o.config.backtest;
  let t = performance.now();
  const data = await loadFleetData(conn);
  add("load", performance.now() - t);
  await createBacktestRowsTable(conn);
  if (data.sites.length === 0) return {windows: [], predictions: 0, metrics: [], skipped: [], seconds: 0, stage_seconds: stages};
  const first = Math.min(...data.sites.map((s) => s.firstKnown));
  const end = Math.max(...data.sites.map((s) => s.endKnown));
  const splits = walkForwardSplits({
    start: first, end, mode: bt.mode, stepDays: bt.step_days, testDays: bt.test_days, trainDays: bt.train_days, minTrainDays: bt.min_train_days, origins: bt.origins
  });
  if (splits.length === 0) throw new SunlineError(messages.backtestNoOrigins(iso(first), iso(end), bt.min_train_days, bt.test_days));

  // Every issue of every window, and the weather each could have used, in one query.
  t = performance.now();
  const issuesOf = (split: Split, timezone: string) => localIssuesBetween(timezone, cfg.issue_hour_local, split.testStart, split.testEnd);
  const requests = splits.flatMap((split) =>
    data.sites.flatMap((s) => issuesOf(split, s.meta.timezone).map((issuedAt) => ({siteId: s.meta.id, issuedAt, ts: targetHours(issuedAt, cfg.horizon_h)})))
  );
  const weather = await targetWeather(conn, requests, data.weatherNames);
  const geometry = new Map(data.sites.map((s) => [s.meta.id, hourGeometry(s.meta, s.ts)]));
  add("weather", performance.now() - t);

  const actual = actualLookup(data);
  const windows: BacktestWindow[] = [];
  // The rows go to DuckDB as each site is issued; only the columns scoring needs stay here, per origin
  // (at 100 sites the rows as objects were a gigabyte).
  const scoring: ScoringColumns[] = [];
  let predictions = 0;
  const skipped: BacktestResult["skipped"] = [];
  const labelOf = (split: Split) => `backtest window ${split.window} (origin ${iso(split.origin).slice(0, 10)})`;
  // Each origin's Prophet fits start from the previous origin's optimum for the site (a warm start:
  // fitted on less data, so nothing after this cutoff; about half the Stan time, design.ts
  // carriedInit; in sliding mode the previous window reaches further back, which only the start
  // point carries, not the data). The last origin starts cold and its fit is kept: when the
  // forecast stage's evaluation window starts there, it is the same fit on the same data, and the
  // forecast stage takes it instead of fitting again.
  const last = splits[splits.length - 1];
  const start = (split: Split, prophetStarts?: ReadonlyMap<string, ProphetStart>) =>
    fitFleets(windowed(data, split), split.trainEnd, cfg, {
      label: labelOf(split), log: o.log, skip: (site_id, reason) => skipped.push({window: split.window, site_id, reason}), keep: split === last,
      prophetStarts: split === last ? undefined : prophetStarts
    });
  let next: Promise<FleetFits> | null = null;
  for (const [w, split] of splits.entries()) {
    const label = labelOf(split);
    let fitMs = 0, issueMs = 0, hybridSites = 0, transferSites = 0, rows = 0;
    const scored: ScoringColumns[] = [];
    t = performance.now();
    const fits: FleetFits = next ? await next : start(split);
    // The next origin's Prophet fits start once this one's are done: they run on the worker threads
    // while this thread trains this origin's GBDT and issues its forecasts. (Origins are independent:
    // the results are the same as one after the other.)
    const following = splits[w + 1];
    next = following ? fits.baselinesDone.catch(() => {}).then(async () => start(following, await fits.prophetStarts)) : null;
    for await (const fit of fits) {
      fitMs += performance.now() - t;
      t = performance.now();
      for (const s of fit.issueFor) {
        // Issued from the full series: issueForecasts reads only the hours before each issue time.
        const series = data.sites.find((x) => x.meta.id === s.meta.id)!;
        const issued = issueForecasts({
          model: fit.fleet.models.get(s.meta.id)!, modelKind: fit.kind, modelVersion: `backtest-${split.window}`, run: "backtest", series,
          geometry: geometry.get(s.meta.id)!, issues: issuesOf(split, s.meta.timezone), horizon: cfg.horizon_h, weather, topContributions: 0, snapshotId: "backtest"
        });
        await appendForecastRows(conn, BACKTEST_ROWS, issued);
        scored.push(scoringColumns(issued, actual));
        rows += issued.length;
        await yieldToEventLoop();
      }
      if (fit.kind === "hybrid") hybridSites = fit.issueFor.length;
      else transferSites = fit.issueFor.length;
      fit.fleet.free();
      issueMs += performance.now() - t;
      t = performance.now();
    }
    add("fit", fitMs);
    add("issue", issueMs);
    scoring.push(concatScoringColumns(scored));
    predictions += rows;
    windows.push({
      ...split, mode: bt.mode, sites: hybridSites + transferSites, hybrid_sites: hybridSites, transfer_sites: transferSites, rows,
      fit_seconds: Math.round(fitMs / 100) / 10, issue_seconds: Math.round(issueMs / 100) / 10
    });
    o.progress?.(windows.length, splits.length, label);
  }

  t = performance.now();
  const capacity = capacityLookup(data);
  const metrics: BacktestMetric[] = [
    ...scoreColumns(concatScoringColumns(scoring), capacity).map((m) => ({...m, window: 0})),
    ...windows.flatMap((w, k) => scoreColumns(scoring[k], capacity).map((m) => ({...m, window: w.window})))
  ];
  add("score", performance.now() - t);
  return {windows, predictions, metrics, skipped, seconds: Math.round((performance.now() - started) / 100) / 10, stage_seconds: stages};
}

/**
 * The fleet as a fit at this split may see it: sliding mode hides the hours before the window's
 * training start (fitFleets itself stops at the origin).
 */
function windowed(data: FleetData, split: Split): FleetData {
  if (!data.sites.some((s) => s.ts[0] < split.trainStart)) return data;
  return {
    ...data,
    sites: data.sites.map((s) => {
      const cut = Math.max(0, Math.min(s.ts.length, Math.ceil((split.trainStart - s.ts[0]) / HOUR_MS)));
      if (cut === 0) return s;
      const energy = s.energy.slice();
      energy.fill(NaN, 0, cut);
      return {...s, energy, firstKnown: Math.max(s.firstKnown, split.trainStart)};
    })
  };
}


const iso = (ms: number) => new Date(ms).toISOString();
