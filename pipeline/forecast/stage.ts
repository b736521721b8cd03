// The forecast stage of a run: fit, register, issue and score. Reads `sites`, `production_hourly`
// and `weather_hourly`; writes `forecasts`, `forecast_contributions`, `forecast_accuracy`,
// `model_registry` and `transfer_curve`.
//
// Two fits per run, both honest about time:
//   evaluation  trained on everything before the evaluation window (the last `evaluation_days`
//               before the data ends); issues one forecast a day inside it, at the site's local
//               `issue_hour_local`, for `horizon_h` hours. These are scored against what happened
//               (forecast_accuracy) and are what the forecast page shows for the past.
//   live        trained on everything; issues the next forecast, at the first local issue time at
//               or after the end of the data. Refitted only when the retraining rule finds a reason
//               (pipeline/retrain: model age, recent error against the backtest, critical input
//               drift, a changed fleet or recipe); otherwise the model in use issues again.
// Each fit is a fleet: Prophet per site + one GBDT on the pooled residuals ("hybrid"), and, when a
// site has under `new_site_days` of history, the GBDT alone on clear-sky-relative features
// ("fleet-transfer") for those sites. Training rows use OBSERVED weather (forecasts of the past are
// not archived in general); issued forecasts use the weather known at their issue time, and every
// row says which it got (weather_kind). Earlier issues (vintages) of other model versions are
// carried over from the previous snapshot.
import type {DuckDBConnection} from "@duckdb/node-api";
import {DuckDBTimestampValue} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {join} from "node:path";
import {DEFAULT_DRIFT, DEFAULT_RETRAIN, type SunlineConfig} from "../config.ts";
import {sqlString} from "../db.ts";
import {SunlineError} from "../messages.ts";
import {createModelRegistryTable, loadModel, modelVersion, readRegistry, registerModel, type RegistryEntry} from "../registry/index.ts";
import {worstStatus} from "../drift/status.ts";
import {createDriftTable, createRetrainingTable, liveModelCheckup, logDecision, refitCertain, type Checkup} from "../retrain/index.ts";
import {codeVersion, sha256, stableStringify} from "../snapshot/hash.ts";
import {localIssuesBetween} from "../timezone.ts";
import {scoreForecasts, type AccuracyRow} from "./accuracy.ts";
import {calibrateConformal, type ConformalCalibration} from "./intervals.ts";
import {actualLookup, capacityLookup, loadFleetData, targetWeather, type FleetData, type SiteSeries} from "./fleetData.ts";
import {fleetToJSON, hourGeometry} from "./hybrid.ts";
import {dataHash, fitFleets, fitParams, planFleets, type FleetFits, type FleetKind} from "./fitFleets.ts";
import {issueForecasts, targetHours, type ForecastRow} from "./issue.ts";
import {DAY_MS, HOUR_MS} from "./series.ts";
import {transferCurve, type TransferCurveRow} from "./transferCurve.ts";
import type {ProphetStart} from "../models/prophet/index.ts";
import {pushAll} from "../arrays.ts";

type ForecastConfig = SunlineConfig["forecast"];

export interface ForecastStageOptions {
  config: ForecastConfig;
  dataDir: string;
  snapshotId: string;
  /** The snapshot before this run, whose forecasts of other model versions are kept as earlier vintages. */
  previousSnapshotDir: string | null;
  now: Date;
  log: (message: string) => void;
  /** Drift settings and the retraining rule (default: the config defaults). */
  policy?: Pick<SunlineConfig, "drift" | "retrain">;
}

export interface ForecastStageSummary {
  enabled: boolean;
  /** End of the data (one past the last hour with a measured value, fleet-wide). */
  as_of: string | null;
  evaluation: {start: string; end: string; issues: number} | null;
  live_issued_at: string | null;
  models: {version: string; kind: string; purpose: string; new: boolean}[];
  rows: number;
  carried_over_rows: number;
  /** What weather the training rows had, e.g. "forecast where archived (96.5 % of hours), observed otherwise". */
  training_weather: string;
  weather_variables: string[];
  seconds: number;
  stage_seconds: Record<string, number>;
  skipped_sites: {site_id: string; reason: string}[];
  /** The configured history (days) below which a site is forecast by the fleet-transfer model. */
  new_site_days: number;
  /** The retraining decision of this run: refit or keep, why, and what it looked at. */
  retraining: {decision: "retrain" | "keep"; reasons: string[]; model_age_days: number | null; rmse_ratio: number | null; critical_drift: string[]} | null;
  /** Worst input-drift status over all sites and variables. */
  drift_status: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Daytime hours with an outcome needed before the live intervals are calibrated on the evaluation window (else on the fit's own slice). */
const MIN_RECENT_CALIBRATION_HOURS = 400;

export async function runForecastStage(conn: DuckDBConnection, o: ForecastStageOptions): Promise<ForecastStageSummary> {
  const started = performance.now();
  const stages: Record<string, number> = {};
  let mark = started;
  const lap = (name: string) => {
    const now = performance.now();
    stages[name] = Math.round((now - mark) / 100) / 10;
    mark = now;
  };
  await createTables(conn);
  const summary: ForecastStageSummary = {
    enabled: o.config.enabled, as_of: null, evaluation: null, live_issued_at: null, models: [], rows: 0, carried_over_rows: 0,
    training_weather: "none", weather_variables: [], seconds: 0, stage_seconds: stages, skipped_sites: [], new_site_days: o.config.new_site_days,
    retraining: null, drift_status: null
  };
  const policy = o.policy ?? {drift: DEFAULT_DRIFT, retrain: DEFAULT_RETRAIN};
  await createDriftTable(conn, []);
  await createRetrainingTable(conn, o.dataDir);
  const registry = await readRegistry(o.dataDir);
  if (!o.config.enabled) {
    await createModelRegistryTable(conn, registry, []);
    return summary;
  }
  const data = await loadFleetData(conn);
  lap("load");
  summary.weather_variables = data.weatherNames;
  summary.training_weather = trainingWeather(data);
  if (data.sites.length === 0) {
    await createModelRegistryTable(conn, registry, []);
    o.log("forecast: no site has production data; nothing to forecast");
    return summary;
  }
  const cfg = o.config;
  const asOf = Math.max(...data.sites.map((s) => s.endKnown));
  const evalStart = asOf - cfg.evaluation_days * DAY_MS;
  summary.as_of = iso(asOf);
  const geometry = new Map(data.sites.map((s) => [s.meta.id, hourGeometry(s.meta, s.ts)]));
  const issueRule = (id: string) => ({timezone: data.sites.find((s) => s.meta.id === id)!.meta.timezone, issueHourLocal: cfg.issue_hour_local});
  const code = `${await codeVersion("forecast")}:${await codeVersion("models")}`;
  // What a refit would change: the retraining rule refits when it differs from the model in use's.
  const recipe = (kind: FleetKind) => sha256(stableStringify({kind, params: fitParams(kind, cfg), weather: data.weatherNames, code})).slice(0, 16);
  const day = (ms: number) => iso(ms).slice(0, 10);

  // Issue times per site: daily inside the evaluation window, and the next one at or after the data's end.
  const evalIssues = new Map(data.sites.map((s) => [s.meta.id, localIssuesBetween(s.meta.timezone, cfg.issue_hour_local, evalStart, asOf)]));
  const liveIssue = new Map(data.sites.map((s) => [s.meta.id, localIssuesBetween(s.meta.timezone, cfg.issue_hour_local, asOf, asOf + 2 * DAY_MS)[0]]));
  summary.evaluation = {start: iso(evalStart), end: iso(asOf), issues: [...evalIssues.values()].reduce((a, v) => a + v.length, 0)};
  summary.live_issued_at = iso(Math.min(...liveIssue.values()));
  const requests = data.sites.flatMap((s) =>
    [...evalIssues.get(s.meta.id)!, liveIssue.get(s.meta.id)!].map((issuedAt) => ({siteId: s.meta.id, issuedAt, ts: targetHours(issuedAt, cfg.horizon_h)}))
  );
  const weather = await targetWeather(conn, requests, data.weatherNames);
  lap("weather");

  const rows: ForecastRow[] = [];
  const entries: RegistryEntry[] = [];
  let checkup: Checkup | null = null;
  // A site that cannot be issued for (e.g. a weather file that ends with the data, so the live issue's
  // hours have no weather) is skipped with its reason and the rest of the fleet publishes; any other
  // failure stops the run, naming the site.
  const issueOrSkip = (purpose: string, args: Parameters<typeof issueForecasts>[0]) => {
    try {
      pushAll(rows, issueForecasts(args));
    } catch (error) {
      if (!(error instanceof SunlineError)) throw Object.assign(error as object, {site: args.series.meta.id});
      summary.skipped_sites.push({site_id: args.series.meta.id, reason: `${purpose}: ${error.message}`});
      o.log(`forecast: ${purpose}: site ${args.series.meta.id} not issued: ${error.message}`);
    }
  };
  const wanted = planFleets(data, asOf, cfg).plan.filter((p) => p.issueFor.length).map((p) => ({kind: p.kind, issueFor: p.issueFor.map((s) => s.meta.id), recipe: recipe(p.kind)}));
  const fitOptions = (purpose: "evaluation" | "live") => ({
    label: purpose, log: o.log, skip: (site_id: string, reason: string) => summary.skipped_sites.push({site_id, reason}),
    // The live fit trains on every hour (no calibration slice): its intervals are calibrated on the
    // evaluation window's out-of-sample errors, the most recent ones there are.
    calibrationFor: (kind: FleetKind) => (purpose === "live" ? recentCalibration(rows.filter((r) => r.run === "evaluation" && r.model === kind), data) : null)
  });
  // When the live model will be refitted whatever the evaluation shows (first run, a changed fleet or
  // recipe, an old model), its Prophet fits start as soon as the evaluation's are done: on the worker
  // threads, while this thread issues the evaluation forecasts and checks drift (as the backtest's
  // origins overlap). Its intervals are then asked for once those forecasts exist (calibrationPending).
  const refitAnyway = await refitCertain(conn, {asOf, policy, registry, previousSnapshotDir: o.previousSnapshotDir, wanted});
  let earlyLive: Promise<FleetFits> | null = null;
  // The live fit's Prophet starts from the evaluation fit's optimum for each site (fitted on the data
  // before the evaluation window, so nothing the live fit may not see): a warm start, about half the
  // Stan time (FitFleetsOptions.prophetStarts).
  let evaluationStarts: Promise<Map<string, ProphetStart>> = Promise.resolve(new Map());
  for (const purpose of ["evaluation", "live"] as const) {
    const trainEnd = purpose === "evaluation" ? evalStart : asOf;
    if (purpose === "live") {
      const actual = actualLookup(data);
      checkup = await liveModelCheckup(conn, {
        data, geometry, asOf, policy, registry, previousSnapshotDir: o.previousSnapshotDir, log: o.log,
        evaluation: {
          start: evalStart,
          rows: rows.filter((r) => r.run === "evaluation" && r.sun_up).map((r) => ({site_id: r.site_id, ts: r.ts, forecast_kwh: r.forecast_kwh, actual_kwh: actual(r)}))
        },
        wanted
      });
      await createDriftTable(conn, checkup.drift);
      lap("drift and retraining check");
      if (!checkup.decision.retrain) {
        // The models in use issue the next forecast from the latest data, as they are.
        for (const e of checkup.inUse) {
          const fleet = await loadModel(o.dataDir, e.version);
          for (const id of e.issue_for ?? e.sites) {
            const s = data.sites.find((x) => x.meta.id === id);
            const model = fleet.models.get(id);
            if (!s || !model) continue;
            issueOrSkip("live", {
              model, modelKind: e.kind, modelVersion: e.version, run: "live", series: s, geometry: geometry.get(id)!, issues: [liveIssue.get(id)!], horizon: cfg.horizon_h,
              weather, topContributions: cfg.top_contributions, explainFrom: asOf - cfg.explain_days * DAY_MS, snapshotId: o.snapshotId
            });
          }
          fleet.free();
          summary.models.push({version: e.version, kind: e.kind, purpose, new: false});
          entries.push(e);
        }
        lap("issue live (models in use)");
        continue;
      }
    }
    const fitted: FleetFits =
      purpose === "live" && earlyLive ? await earlyLive : fitFleets(data, trainEnd, cfg, {...fitOptions(purpose), prophetStarts: purpose === "live" ? await evaluationStarts : undefined});
    if (purpose === "evaluation") evaluationStarts = fitted.prophetStarts;
    if (purpose === "evaluation" && refitAnyway) {
      const baselinesDone = fitted.baselinesDone.catch(() => {});
      earlyLive = baselinesDone.then(async () => fitFleets(data, asOf, cfg, {...fitOptions("live"), calibrationPending: true, prophetStarts: await evaluationStarts}));
      // Awaited at the live fit; a run that stops before it must not also report an unhandled rejection.
      earlyLive.catch(() => {});
      o.log("forecast: the live model is refitted whatever the evaluation shows; its Prophet fits start alongside the evaluation's issue");
    }
    for await (const fit of fitted) {
      const {fleet} = fit;
      lap(`fit ${purpose} ${fit.kind}`);
      const trainedOn = dataHash(fit.sites, trainEnd, data);
      const version = modelVersion({kind: fit.kind, dataHash: trainedOn, features: fleet.gbdt.featureNames, params: fitParams(fit.kind, cfg), codeVersion: code});
      for (const s of fit.issueFor) {
        issueOrSkip(purpose, {
          model: fleet.models.get(s.meta.id)!, modelKind: fit.kind, modelVersion: version, run: purpose, series: s, geometry: geometry.get(s.meta.id)!,
          issues: purpose === "evaluation" ? evalIssues.get(s.meta.id)! : [liveIssue.get(s.meta.id)!], horizon: cfg.horizon_h, weather,
          topContributions: cfg.top_contributions, explainFrom: asOf - cfg.explain_days * DAY_MS, snapshotId: o.snapshotId
        });
      }
      lap(`issue ${purpose} ${fit.kind}`);
      const entry: RegistryEntry = {
        version, kind: fit.kind, purpose, created_at: o.now.toISOString(), snapshot_id: o.snapshotId, sites: fit.sites.map((s) => s.meta.id),
        train_start: iso(Math.min(...fit.sites.map((s) => s.firstKnown))), train_end: iso(trainEnd),
        training_weather: summary.training_weather, features: [...fleet.gbdt.featureNames], params: fitParams(fit.kind, cfg),
        metrics: {
          gbdt_rounds: fleet.fitInfo.gbdtRounds, gbdt_train_rows: fleet.fitInfo.gbdtTrainRows, calibration_rows: fleet.fitInfo.calibrationRows,
          prophet_fit_s: Math.round(fleet.fitInfo.prophetMs) / 1000, gbdt_fit_s: Math.round(fleet.fitInfo.gbdtMs) / 1000
        },
        data_hash: trainedOn, code_version: code, issue_for: fit.issueFor.map((s) => s.meta.id), recipe: recipe(fit.kind),
        reason: purpose === "live" ? checkup!.decision.reasons.join("; ") : `evaluation: fitted before the evaluation window ${day(evalStart)} → ${day(asOf)}`
      };
      if (purpose === "evaluation") Object.assign(entry.metrics, headlineMetrics(rows.filter((r) => r.model_version === version), data));
      const status = await registerModel(o.dataDir, entry, fleetToJSON(fleet, issueRule));
      summary.models.push({version, kind: fit.kind, purpose, new: status === "new"});
      entries.push(entry);
      fleet.free();
      lap(`register ${purpose} ${fit.kind}`);
    }
  }
  if (checkup) {
    const d = checkup.decision;
    summary.retraining = {decision: d.retrain ? "retrain" : "keep", reasons: d.reasons, model_age_days: d.model_age_days, rmse_ratio: d.rmse_ratio, critical_drift: d.critical_drift};
    summary.drift_status = worstStatus(checkup.drift.filter((r) => r.kind !== "error").map((r) => r.status));
    await logDecision(o.dataDir, {
      decided_at: o.now.toISOString(), snapshot_id: o.snapshotId, as_of: iso(asOf), decision: summary.retraining.decision, reasons: d.reasons,
      model_age_days: d.model_age_days, rmse_ratio: d.rmse_ratio, critical_drift: d.critical_drift, before: d.in_use,
      after: entries.filter((e) => e.purpose === "live").map((e) => e.version)
    });
    await createRetrainingTable(conn, o.dataDir);
  }
  summary.rows = rows.length;
  await insertForecasts(conn, rows);
  summary.carried_over_rows = await carryOverVintages(conn, o.previousSnapshotDir, o.log);
  await conn.run(`CREATE OR REPLACE TABLE forecasts AS
    SELECT f.*, p.energy_kwh AS actual_kwh FROM forecast_rows f LEFT JOIN production_hourly p ON p.site_id = f.site_id AND p.ts = f.ts`);
  await conn.run("DROP TABLE forecast_rows");
  lap("tables");

  const actual = actualLookup(data);
  const capacity = capacityLookup(data);
  // Every row carries the evaluation model's version (the hybrid's; transfer sites are scored with it).
  const evaluationVersion = rows.find((r) => r.run === "evaluation" && r.model === "hybrid")?.model_version ?? null;
  await insertAccuracy(conn, scoreForecasts(rows.filter((r) => r.run === "evaluation"), actual, capacity), evaluationVersion);
  lap("score");

  if (cfg.transfer_curve.enabled) {
    const curve = await transferCurve(data, {config: cfg, evalStart, asOf, evalIssues, weather, geometry, snapshotId: o.snapshotId, log: o.log});
    await insertTransferCurve(conn, curve);
    lap("transfer curve");
  }
  const all = await readRegistry(o.dataDir);
  await createModelRegistryTable(conn, [...all].reverse(), entries.map((e) => e.version));
  summary.seconds = Math.round((performance.now() - started) / 100) / 10;
  o.log(`forecast: stages (s): ${Object.entries(stages).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  o.log(`forecast: ${rows.length} forecast hours from ${summary.models.map((m) => `${m.purpose} ${m.kind} ${m.version}${m.new ? "" : " (known)"}`).join(", ")} in ${summary.seconds} s`);
  return summary;
}

function trainingWeather(data: FleetData): string {
  if (!data.weatherNames.length) return "none";
  let hours = 0, forecast = 0;
  for (const s of data.sites) for (let i = 0; i < s.ts.length; i++) if (Number.isFinite(s.energy[i])) (hours++, (forecast += s.weatherIsForecast[i]));
  const share = hours ? (100 * forecast) / hours : 0;
  return share === 0 ? "observed" : `forecast where archived (${share.toFixed(1)} % of hours), observed otherwise`;
}

/** Conformal calibration on issued forecasts that have an outcome (null when too few daytime hours have one). */
function recentCalibration(rows: readonly ForecastRow[], data: FleetData): ConformalCalibration | null {
  const actual = actualLookup(data);
  // Daytime hours only: see the calibration in fitHybridFleet.
  const scored = rows.filter((r) => r.sun_up && Number.isFinite(actual(r)));
  if (scored.length < MIN_RECENT_CALIBRATION_HOURS) return null;
  const capacity = capacityLookup(data);
  return calibrateConformal({
    predicted: scored.map((r) => r.forecast_kwh), actual: scored.map(actual), clearSky: scored.map((r) => r.clear_sky_kwh),
    horizonH: scored.map((r) => r.horizon_h), capacity: scored.map((r) => capacity(r.site_id))
  });
}

/** The fleet-level evaluation figures a registry entry carries. */
function headlineMetrics(rows: readonly ForecastRow[], data: FleetData): Record<string, number | null> {
  const fleet = scoreForecasts(rows, actualLookup(data), capacityLookup(data))
    .find((a) => a.site_id === "fleet" && a.horizon === "all" && a.model === "hybrid");
  return {nrmse_pct: fleet?.nrmse_pct ?? null, nmae_pct: fleet?.nmae_pct ?? null, skill_rmse: fleet?.skill_rmse ?? null, coverage80: fleet?.coverage80 ?? null, coverage95: fleet?.coverage95 ?? null};
}

export const FORECAST_COLUMNS = `site_id VARCHAR, issued_at TIMESTAMP, ts TIMESTAMP, horizon_h INTEGER, run VARCHAR, model VARCHAR, model_version VARCHAR,
  forecast_kwh DOUBLE, baseline_kwh DOUBLE, correction_kwh DOUBLE, lower_80 DOUBLE, upper_80 DOUBLE, lower_95 DOUBLE, upper_95 DOUBLE,
  persistence_kwh DOUBLE, smart_persistence_kwh DOUBLE, climatology_kwh DOUBLE, clear_sky_kwh DOUBLE, sun_up BOOLEAN,
  weather_kind VARCHAR, weather_source VARCHAR, weather_issued_at TIMESTAMP, issued_in VARCHAR`;

async function createTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE forecast_rows (${FORECAST_COLUMNS})`);
  await conn.run(`CREATE OR REPLACE TABLE forecasts AS SELECT *, NULL::DOUBLE AS actual_kwh FROM forecast_rows`);
  await conn.run(`CREATE OR REPLACE TABLE forecast_contributions (site_id VARCHAR, issued_at TIMESTAMP, ts TIMESTAMP, model_version VARCHAR, rank INTEGER, feature VARCHAR, contribution_kwh DOUBLE)`);
  await conn.run(`CREATE OR REPLACE TABLE forecast_accuracy (site_id VARCHAR, horizon VARCHAR, model VARCHAR, n INTEGER, rmse_kwh DOUBLE, mae_kwh DOUBLE, bias_kwh DOUBLE,
    nrmse_pct DOUBLE, nmae_pct DOUBLE, skill_rmse DOUBLE, coverage80 DOUBLE, coverage95 DOUBLE, width80_pct DOUBLE, mape_pct DOUBLE, width95_pct DOUBLE, pinball80_pct DOUBLE, period_start TIMESTAMP, period_end TIMESTAMP,
    forecast_weather_share DOUBLE, model_version VARCHAR)`);
  await conn.run(`CREATE OR REPLACE TABLE transfer_curve (site_id VARCHAR, history_days INTEGER, model VARCHAR, n INTEGER, rmse_kwh DOUBLE, nmae_pct DOUBLE, skill_rmse DOUBLE)`);
}

const ts = (ms: number) => new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n);
const num = (x: number) => (Number.isFinite(x) ? x : null);

/** Appends forecast rows to a table with FORECAST_COLUMNS (contributions aside). */
export async function appendForecastRows(conn: DuckDBConnection, table: string, rows: readonly ForecastRow[]): Promise<void> {
  const a = await conn.createAppender(table);
  for (const r of rows) {
    a.appendVarchar(r.site_id);
    a.appendTimestamp(ts(r.issued_at));
    a.appendTimestamp(ts(r.ts));
    a.appendInteger(Math.ceil(r.horizon_h));
    a.appendVarchar(r.run);
    a.appendVarchar(r.model);
    a.appendVarchar(r.model_version);
    for (const v of [r.forecast_kwh, r.baseline_kwh, r.correction_kwh, r.lower_80, r.upper_80, r.lower_95, r.upper_95, r.persistence_kwh, r.smart_persistence_kwh, r.climatology_kwh, r.clear_sky_kwh]) {
      const x = num(v);
      if (x === null) a.appendNull();
      else a.appendDouble(x);
    }
    a.appendBoolean(r.sun_up);
    for (const v of [r.weather_kind, r.weather_source]) v === null ? a.appendNull() : a.appendVarchar(v);
    if (r.weather_issued_at === null) a.appendNull();
    else a.appendTimestamp(ts(r.weather_issued_at));
    a.appendVarchar(r.issued_in);
    a.endRow();
  }
  a.closeSync();
}

async function insertForecasts(conn: DuckDBConnection, rows: readonly ForecastRow[]): Promise<void> {
  await appendForecastRows(conn, "forecast_rows", rows);
  const c = await conn.createAppender("forecast_contributions");
  for (const r of rows) {
    r.contributions.forEach((k, rank) => {
      c.appendVarchar(r.site_id);
      c.appendTimestamp(ts(r.issued_at));
      c.appendTimestamp(ts(r.ts));
      c.appendVarchar(r.model_version);
      c.appendInteger(rank + 1);
      c.appendVarchar(k.feature);
      c.appendDouble(k.kwh);
      c.endRow();
    });
  }
  c.closeSync();
}

/** Earlier vintages: the previous snapshot's forecasts from model versions this run did not issue again. */
async function carryOverVintages(conn: DuckDBConnection, previousDir: string | null, log: (m: string) => void): Promise<number> {
  const prev = previousDir && join(previousDir, "forecasts.parquet");
  if (!prev || !existsSync(prev)) return 0;
  const prevContrib = join(previousDir, "forecast_contributions.parquet");
  try {
    const before = Number((await (await conn.runAndReadAll("SELECT count(*)::DOUBLE FROM forecast_rows")).getRows())[0][0]);
    const columns = FORECAST_COLUMNS.split(",").map((c) => c.trim().split(/\s+/)[0]).join(", ");
    // Kept: every live issue (what was really forecast then, one issue per run), and the previous
    // run's evaluation re-forecasts (one comparison per day); older evaluation re-forecasts are
    // dropped, or each run would add another evaluation window's worth of rows for good.
    // The previous run's id by ORDER BY, not max(): see summary.ts on Parquet string statistics.
    const previousRun = `(SELECT issued_in FROM read_parquet(${sqlString(prev)}) ORDER BY issued_in DESC LIMIT 1)`;
    const fresh = `(p.run = 'live' OR p.issued_in = ${previousRun})
      AND NOT EXISTS (SELECT 1 FROM forecast_rows c WHERE c.site_id = p.site_id AND c.issued_at = p.issued_at AND c.model_version = p.model_version)`;
    if (existsSync(prevContrib)) {
      await conn.run(`INSERT INTO forecast_contributions SELECT q.site_id, q.issued_at, q.ts, q.model_version, q.rank, q.feature, q.contribution_kwh
        FROM read_parquet(${sqlString(prevContrib)}) q SEMI JOIN (SELECT DISTINCT site_id, issued_at, model_version FROM read_parquet(${sqlString(prev)}) p WHERE ${fresh}) k
        USING (site_id, issued_at, model_version)`);
    }
    await conn.run(`INSERT INTO forecast_rows SELECT ${columns} FROM read_parquet(${sqlString(prev)}) p WHERE ${fresh}`);
    const after = Number((await (await conn.runAndReadAll("SELECT count(*)::DOUBLE FROM forecast_rows")).getRows())[0][0]);
    if (after > before) log(`forecast: kept ${after - before} forecast hours of earlier vintages from the previous snapshot`);
    return after - before;
  } catch (error) {
    log(`forecast: earlier vintages not carried over (${error instanceof Error ? error.message : String(error)})`);
    return 0;
  }
}

/** Appends accuracy rows to forecast_accuracy, each with the evaluation model's `version`. */
export async function insertAccuracy(conn: DuckDBConnection, rows: readonly AccuracyRow[], version: string | null): Promise<void> {
  const a = await conn.createAppender("forecast_accuracy");
  for (const r of rows) {
    a.appendVarchar(r.site_id);
    a.appendVarchar(r.horizon);
    a.appendVarchar(r.model);
    a.appendInteger(r.n);
    for (const v of [r.rmse_kwh, r.mae_kwh, r.bias_kwh, r.nrmse_pct, r.nmae_pct, r.skill_rmse, r.coverage80, r.coverage95, r.width80_pct, r.mape_pct, r.width95_pct, r.pinball80_pct]) {
      if (v === null || !Number.isFinite(v)) a.appendNull();
      else a.appendDouble(v);
    }
    a.appendTimestamp(ts(r.period_start));
    a.appendTimestamp(ts(r.period_end));
    a.appendDouble(r.forecast_weather_share);
    if (version === null) a.appendNull();
    else a.appendVarchar(version);
    a.endRow();
  }
  a.closeSync();
}

async function insertTransferCurve(conn: DuckDBConnection, rows: readonly TransferCurveRow[]): Promise<void> {
  for (const r of rows)
    await conn.run("INSERT INTO transfer_curve VALUES ($1, $2, $3, $4, $5, $6, $7)", [r.site_id, r.history_days, r.model, r.n, num(r.rmse_kwh), num(r.nmae_pct), num(r.skill_rmse)]);
}
