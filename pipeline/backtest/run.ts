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
import {scoreForecasts, type AccuracyRow} from "../forecast/accuracy.ts";
import {actualLookup, capacityLookup, loadFleetData, targetWeather, type FleetData} from "../forecast/fleetData.ts";
import {fitFleets} from "../forecast/fitFleets.ts";
import {hourGeometry} from "../forecast/hybrid.ts";
import {issueForecasts, targetHours, type ForecastRow} from "../forecast/issue.ts";
import {HOUR_MS} from "../forecast/series.ts";
import {messages, SunlineError} from "../messages.ts";
import {localIssuesBetween} from "../timezone.ts";
import {walkForwardSplits, type Split} from "./splits.ts";
import {pushAll} from "../arrays.ts";

export interface BacktestPrediction extends ForecastRow {
  window: number;
  origin: number;
  actual_kwh: number;
}

export interface BacktestWindow extends Split {
  mode: "expanding" | "sliding";
  sites: number;
  /** Sites forecast by each model kind at this origin. */
  hybrid_sites: number;
  transfer_sites: number;
  rows: number;
  fit_seconds: number;
  issue_seconds: number;
}

/** Accuracy per scope (site or fleet), window (0 = all windows), horizon band and model. */
export interface BacktestMetric extends AccuracyRow {
  window: number;
}

export interface BacktestResult {
  windows: BacktestWindow[];
  predictions: BacktestPrediction[];
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
  if (data.sites.length === 0) return {windows: [], predictions: [], metrics: [], skipped: [], seconds: 0, stage_seconds: stages};
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
  const predictions: BacktestPrediction[] = [];
  const skipped: BacktestResult["skipped"] = [];
  for (const split of splits) {
    const label = `backtest window ${split.window} (origin ${iso(split.origin).slice(0, 10)})`;
    const history = windowed(data, split);
    let fitMs = 0, issueMs = 0, hybridSites = 0, transferSites = 0;
    const rows: BacktestPrediction[] = [];
    t = performance.now();
    const fits = fitFleets(history, split.trainEnd, cfg, {label, log: o.log, skip: (site_id, reason) => skipped.push({window: split.window, site_id, reason})});
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
        for (const r of issued) rows.push({...r, window: split.window, origin: split.origin, actual_kwh: actual(r)});
      }
      if (fit.kind === "hybrid") hybridSites = fit.issueFor.length;
      else transferSites = fit.issueFor.length;
      fit.fleet.free();
      issueMs += performance.now() - t;
      t = performance.now();
    }
    add("fit", fitMs);
    add("issue", issueMs);
    pushAll(predictions, rows);
    windows.push({
      ...split, mode: bt.mode, sites: hybridSites + transferSites, hybrid_sites: hybridSites, transfer_sites: transferSites, rows: rows.length,
      fit_seconds: Math.round(fitMs / 100) / 10, issue_seconds: Math.round(issueMs / 100) / 10
    });
    o.progress?.(windows.length, splits.length, label);
  }

  t = performance.now();
  const capacity = capacityLookup(data);
  const metrics: BacktestMetric[] = [
    ...scoreForecasts(predictions, (r) => (r as BacktestPrediction).actual_kwh, capacity).map((m) => ({...m, window: 0})),
    ...splits.flatMap((split) =>
      scoreForecasts(predictions.filter((r) => r.window === split.window), (r) => (r as BacktestPrediction).actual_kwh, capacity).map((m) => ({...m, window: split.window}))
    )
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
