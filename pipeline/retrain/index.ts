// The live model's check-up, between the forecast stage's evaluation fit and its live fit: which
// model is in use (the previous snapshot's), how far the inputs drifted from its training data,
// how its recent error compares with the backtest's, and so whether to refit (decide.ts). Writes
// the `drift` table; the decision goes to <dataDir>/models/decisions.jsonl and the `retraining`
// table, and into the reason of any model it trains.
import type {DuckDBConnection} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {appendFile, mkdir, readFile} from "node:fs/promises";
import {join} from "node:path";
import type {SunlineConfig} from "../config.ts";
import {createTableFromObjects, queryRows, sqlString, type ColumnType} from "../db.ts";
import {driftVerdict, measureDrift, type DriftRow, type ErrorHour, type ReferenceErrors} from "../drift/measure.ts";
import type {FleetData} from "../forecast/fleetData.ts";
import type {HourGeometry} from "../forecast/hybrid.ts";
import {MS_PER_DAY} from "../math.ts";
import {registryDir, type RegistryEntry} from "../registry/index.ts";
import {decideRetraining, type ModelInUse, type RetrainDecision, type WantedFleet} from "./decide.ts";

export {decideRetraining, type ModelInUse, type RetrainDecision, type RetrainInputs, type RetrainPolicy, type WantedFleet} from "./decide.ts";

/** Live hours of the model in use needed before its own errors, not the evaluation re-forecasts', judge it. */
const MIN_LIVE_ERROR_HOURS = 200;

export interface CheckupOptions {
  data: FleetData;
  geometry: ReadonlyMap<string, HourGeometry>;
  asOf: number;
  policy: Pick<SunlineConfig, "drift" | "retrain">;
  /** This run's evaluation forecasts (out of sample), scored when the model in use has too few live hours. */
  evaluation: {rows: readonly ErrorHour[]; start: number};
  wanted: readonly WantedFleet[];
  registry: readonly RegistryEntry[];
  previousSnapshotDir: string | null;
  log: (message: string) => void;
}

export interface Checkup {
  decision: RetrainDecision;
  /** Registry entries of the live models in use before this run. */
  inUse: RegistryEntry[];
  drift: DriftRow[];
}

export async function liveModelCheckup(conn: DuckDBConnection, o: CheckupOptions): Promise<Checkup> {
  const inUse = await modelsInUse(conn, o.previousSnapshotDir, o.registry);
  const recentStart = o.asOf - o.policy.drift.recent_days * MS_PER_DAY;
  const live = inUse.length ? await liveErrors(conn, o.previousSnapshotDir!, inUse.map((e) => e.version), recentStart) : [];
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const useLive = live.length >= MIN_LIVE_ERROR_HOURS;
  const firstKnown = Math.min(...o.data.sites.map((s) => s.firstKnown));
  const drift = measureDrift({
    series: o.data.sites.map((s) => ({
      siteId: s.meta.id, capacityKw: s.meta.capacityKw, ts: s.ts, energy: s.energy, sunUp: o.geometry.get(s.meta.id)!.sunUp,
      weather: Object.fromEntries(o.data.weatherNames.map((w) => [w, s.weather[w]]))
    })),
    asOf: o.asOf, recentDays: o.policy.drift.recent_days, minReferenceValues: o.policy.drift.min_reference_values, thresholds: o.policy.drift.thresholds,
    // The reference is what the model in use learned from; before there is one, all data before the recent window.
    trainStart: inUse.length ? Math.min(...inUse.map((e) => Date.parse(e.train_start))) : firstKnown,
    trainEnd: inUse.length ? Math.max(...inUse.map((e) => Date.parse(e.train_end))) : recentStart,
    recentErrors: useLive ? live : o.evaluation.rows,
    errorSource: useLive
      ? `live forecasts of the model in use (${inUse.map((e) => e.version).join(", ")})`
      : `evaluation re-forecasts by a model fitted before ${day(o.evaluation.start)}${inUse.length ? ` (the model in use has ${live.length} live hours with an outcome, under ${MIN_LIVE_ERROR_HOURS})` : ""}`,
    reference: await backtestErrors(conn, recentStart)
  });
  const verdict = driftVerdict(drift);
  const fleetError = drift.find((r) => r.kind === "error" && r.site_id === "fleet");
  const decision = decideRetraining({
    inUse: inUse.map(modelInUse), wanted: o.wanted, asOf: o.asOf, recentStart, rmseRatio: fleetError?.rmse_ratio ?? null, criticalDrift: verdict.critical, policy: o.policy.retrain
  });
  o.log(`retrain: ${decision.retrain ? "refitting the live model" : "keeping the live model in use"}: ${decision.reasons.join("; ")}`);
  return {decision, inUse, drift};
}

/**
 * Whether the check-up will refit the live model whatever the recent error and the drift turn out
 * to be: the reasons that need neither (no model in use, a changed fleet or recipe, model age)
 * already say so. The forecast stage then starts the live fit early, alongside the evaluation's
 * issue. (decideRetraining only adds reasons as inputs worsen, so a refit here is a refit there.)
 */
export async function refitCertain(
  conn: DuckDBConnection,
  o: Pick<CheckupOptions, "asOf" | "policy" | "wanted" | "registry" | "previousSnapshotDir">
): Promise<boolean> {
  const inUse = await modelsInUse(conn, o.previousSnapshotDir, o.registry);
  const recentStart = o.asOf - o.policy.drift.recent_days * MS_PER_DAY;
  return decideRetraining({inUse: inUse.map(modelInUse), wanted: o.wanted, asOf: o.asOf, recentStart, rmseRatio: null, criticalDrift: [], policy: o.policy.retrain}).retrain;
}

const modelInUse = (e: RegistryEntry): ModelInUse => ({version: e.version, kind: e.kind, trainEnd: Date.parse(e.train_end), issueFor: e.issue_for ?? e.sites, recipe: e.recipe ?? ""});

/** The live models the previous snapshot issued from, as registered (those whose model file is gone are not in use). */
async function modelsInUse(conn: DuckDBConnection, previousSnapshotDir: string | null, registry: readonly RegistryEntry[]): Promise<RegistryEntry[]> {
  const path = previousSnapshotDir && join(previousSnapshotDir, "model_registry.parquet");
  if (!path || !existsSync(path)) return [];
  const versions = await queryRows<{version: string}>(conn, `SELECT version FROM read_parquet(${sqlString(path)}) WHERE in_use AND purpose = 'live'`);
  return versions.map((v) => registry.find((e) => e.version === v.version)).filter((e): e is RegistryEntry => e !== undefined);
}

/** The in-use models' live forecasts of the recent window with an outcome (daytime hours). */
async function liveErrors(conn: DuckDBConnection, previousSnapshotDir: string, versions: readonly string[], from: number): Promise<ErrorHour[]> {
  const path = join(previousSnapshotDir, "forecasts.parquet");
  if (!existsSync(path)) return [];
  return queryRows<ErrorHour>(conn, `
    SELECT f.site_id, epoch_ms(f.ts)::DOUBLE AS ts, f.forecast_kwh, p.energy_kwh AS actual_kwh
    FROM read_parquet(${sqlString(path)}) f JOIN production_hourly p ON p.site_id = f.site_id AND p.ts = f.ts
    WHERE f.run = 'live' AND f.sun_up AND f.model_version IN (${versions.map(sqlString).join(", ")})
      AND epoch_ms(f.ts) >= ${from} AND p.energy_kwh IS NOT NULL AND isfinite(p.energy_kwh)`);
}

/**
 * The backtest's squared errors per site and month, over hours before the recent window: the last
 * backtest window usually IS the recent window (same model cutoff, same hours), and a reference
 * that contains the hours it judges would always read "ok". None when the connection has no backtest.
 */
async function backtestErrors(conn: DuckDBConnection, before: number): Promise<ReferenceErrors[]> {
  const [{n}] = await queryRows<{n: number}>(conn, "SELECT count(*)::DOUBLE AS n FROM duckdb_tables() WHERE table_name = 'backtest_predictions'");
  if (n === 0) return [];
  return queryRows<ReferenceErrors>(conn, `
    SELECT b.site_id, month(b.ts)::INTEGER AS month, count(*)::DOUBLE AS n, sum(((b.forecast_kwh - b.actual_kwh) / s.capacity_kw) ^ 2) AS sum_sq
    FROM backtest_predictions b JOIN sites s USING (site_id)
    WHERE b.sun_up AND b.actual_kwh IS NOT NULL AND isfinite(b.actual_kwh) AND isfinite(b.forecast_kwh) AND epoch_ms(b.ts) < ${before}
    GROUP BY ALL`);
}

const DRIFT_COLUMNS: [keyof DriftRow & string, ColumnType][] = [
  ["site_id", "VARCHAR"], ["kind", "VARCHAR"], ["variable", "VARCHAR"], ["status", "VARCHAR"], ["recent_start", "TIMESTAMP"], ["recent_end", "TIMESTAMP"],
  ["reference_start", "TIMESTAMP"], ["reference_end", "TIMESTAMP"], ["reference", "VARCHAR"], ["n_reference", "INTEGER"], ["n_recent", "INTEGER"],
  ["psi", "DOUBLE"], ["ks", "DOUBLE"], ["ks_p", "DOUBLE"], ["wasserstein", "DOUBLE"], ["wasserstein_sd", "DOUBLE"], ["mean_reference", "DOUBLE"], ["mean_recent", "DOUBLE"],
  ["rmse_recent_pct", "DOUBLE"], ["rmse_reference_pct", "DOUBLE"], ["rmse_ratio", "DOUBLE"], ["histogram", "VARCHAR"]
];

export async function createDriftTable(conn: DuckDBConnection, rows: readonly DriftRow[]): Promise<void> {
  await createTableFromObjects(conn, "drift", DRIFT_COLUMNS, rows);
}

/** One run's decision, as logged. */
export interface DecisionRecord {
  decided_at: string;
  snapshot_id: string;
  as_of: string;
  decision: "retrain" | "keep";
  reasons: string[];
  model_age_days: number | null;
  rmse_ratio: number | null;
  critical_drift: string[];
  /** Live versions before and after the decision. */
  before: string[];
  after: string[];
}

const decisionsPath = (dataDir: string) => join(registryDir(dataDir), "decisions.jsonl");

export async function logDecision(dataDir: string, record: DecisionRecord): Promise<void> {
  await mkdir(registryDir(dataDir), {recursive: true});
  await appendFile(decisionsPath(dataDir), `${JSON.stringify(record)}\n`);
}

/** `retraining`: every logged decision, newest first. */
export async function createRetrainingTable(conn: DuckDBConnection, dataDir: string): Promise<void> {
  const path = decisionsPath(dataDir);
  const records = existsSync(path) ? (await readFile(path, "utf8")).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as DecisionRecord) : [];
  const rows = records.reverse().map((r) => ({
    ...r, decided_at: Date.parse(r.decided_at), as_of: Date.parse(r.as_of), reasons: r.reasons.join("; "), critical_drift: r.critical_drift.join(", "),
    before: r.before.join(", "), after: r.after.join(", ")
  }));
  await createTableFromObjects(conn, "retraining", [
    ["decided_at", "TIMESTAMP"], ["snapshot_id", "VARCHAR"], ["as_of", "TIMESTAMP"], ["decision", "VARCHAR"], ["reasons", "VARCHAR"], ["model_age_days", "DOUBLE"],
    ["rmse_ratio", "DOUBLE"], ["critical_drift", "VARCHAR"], ["before", "VARCHAR", "versions_before"], ["after", "VARCHAR", "versions_after"]
  ], rows);
}
