// `sunline merge`: one snapshot, and so one site, from the snapshots of a fleet's site shards
// (shard.ts: `run --shard i/n`, each an independent job with its own data dir).
//
// - Per-site tables are unions: a site lives in exactly one shard, so its rows are that shard's.
// - Fleet rows are recomputed from the merged per-site rows with the run's own scoring code, because
//   a fleet score is not a combination of the shards' scores (an RMSE is not a mean of RMSEs):
//   `site_id = 'fleet'` in backtest_metrics (per window and pooled) and forecast_accuracy,
//   backtest_by_hour, backtest_windows (site and row counts summed), and anomaly_evaluation
//   (precision and recall over every shard's alarms and labels).
// - Drift's fleet row cannot be recomputed: each shard measured the recent error of its own model in
//   use against its own reference months. Each is kept, labelled `fleet (shard i/n)`.
// - Models stay per shard (each shard fits its own fleet GBDT): model_registry and retraining are
//   unions, and a fleet accuracy row names a model version only when every shard evaluated the same.
//
// The merge refuses a set of shards that is not one run's: a missing or repeated shard, different
// shard counts, config or code, or backtest windows that do not line up (data ending at different
// times), naming what differs.
import type {DuckDBConnection} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {availableParallelism} from "node:os";
import {join, resolve} from "node:path";
import {createAnomalyEvaluationTable, evaluateAnomalyTables} from "../anomaly/index.ts";
import {createBacktestByHour, METRIC_COLUMNS} from "../backtest/tables.ts";
import {createTableFromObjects, queryRows, sqlIdent, sqlString, withConnection} from "../db.ts";
import {concatScoringColumns, scoreColumns, type ScoringColumns} from "../forecast/accuracy.ts";
import {readScoringColumns} from "../forecast/scoreTable.ts";
import {insertAccuracy} from "../forecast/stage.ts";
import {messages, SunlineError} from "../messages.ts";
import {codeVersion, sha256, stableStringify} from "../snapshot/hash.ts";
import {withLock} from "../snapshot/lock.ts";
import type {Manifest} from "../snapshot/manifest.ts";
import {dataDirPath, lockPath} from "../snapshot/paths.ts";
import {currentManifest, currentSnapshotDir, readManifest} from "../snapshot/read.ts";
import {snapshotIdFor, writeSnapshot} from "../snapshot/write.ts";
import {SNAPSHOT_TABLES} from "./index.ts";
import {mergeAnomaly, mergeBacktest, mergeForecast, mergeInputs, mergeWeather, shardLabel} from "./mergeManifest.ts";
import {appendRun, inputChanges, readRuns, type RunReport, type StageReport} from "./report.ts";

export interface MergeOptions {
  /** The shards' data dirs, one per shard of one run, in any order. */
  shards: readonly string[];
  /** Where the merged snapshot goes (its own data dir). */
  dataDir: string;
  /** Merge even when the current merged snapshot was made from these very shard snapshots. */
  force?: boolean;
  now?: () => Date;
  log?: (message: string) => void;
}

export interface MergeResult {
  snapshotId: string;
  snapshotDir: string;
  /** True when the current snapshot already merged these shard snapshots and nothing was written. */
  skipped: boolean;
  shards: number;
  sites: number;
  /** Fleet rows recomputed, per table. */
  fleetRows: Record<string, number>;
  durationS: number;
}

interface ShardSnapshot {
  /** As given (a path the user wrote, for messages and the manifest). */
  given: string;
  dataDir: string;
  dir: string;
  manifest: Manifest;
}

/** Tables whose fleet rows are left out of the union and recomputed (scoreFleet). */
const RESCORED = new Set(["backtest_metrics", "forecast_accuracy"]);
/** Tables rebuilt whole from the merged tables instead of unioned. */
const REBUILT = new Set(["backtest_by_hour", "anomaly_evaluation", "backtest_windows"]);

export async function mergeShards(options: MergeOptions): Promise<MergeResult> {
  const started = performance.now();
  const startedAt = new Date();
  const log = options.log ?? ((m: string) => console.error(m));
  const dataDir = dataDirPath(options.dataDir);
  const shards = await readShards(options.shards, dataDir);
  const count = shards[0].manifest.shard!.count;
  const sites = shards.flatMap((s) => s.manifest.shard!.sites);
  const key = sha256(stableStringify({merge: await codeVersion(), shards: shards.map((s) => s.manifest.snapshot_id)}));
  return withLock(lockPath(dataDir), async () => {
    const current = await currentManifest(dataDir);
    const stages: StageReport[] = [];
    const report = (status: RunReport["status"], snapshotId: string | null): RunReport => ({
      run_id: startedAt.toISOString(), started_at: startedAt.toISOString(), finished_at: new Date().toISOString(),
      seconds: round1((performance.now() - started) / 1000), status, snapshot_id: snapshotId,
      changes: inputChanges(current?.inputs ?? [], mergeInputs(shards.map((s) => s.manifest))),
      stages: [...stages], error: null,
      machine: {cores: availableParallelism(), node: process.version, memory_limit: "default", threads: null},
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024)
    });
    if (!options.force && current?.cache_key === key) {
      log(`merge: the current snapshot ${current.snapshot_id} already merges these ${count} shard snapshots`);
      await appendRun(dataDir, report("unchanged", current.snapshot_id));
      return {snapshotId: current.snapshot_id, snapshotDir: (await currentSnapshotDir(dataDir))!, skipped: true, shards: count, sites: sites.length, fleetRows: {}, durationS: 0};
    }
    const now = (options.now ?? (() => new Date()))();
    const snapshotId = snapshotIdFor(now, key);
    log(`merge: ${count} shards, ${sites.length} sites → snapshot ${snapshotId}`);
    const stage = async <T>(name: string, title: string, run: () => Promise<{value: T; rowsIn: number; rowsOut: number; note?: string}>): Promise<T> => {
      const t = performance.now();
      const r = await run();
      stages.push({
        stage: name, title, depends_on: stages.map((s) => s.stage).slice(-1), status: "ran", seconds: round1((performance.now() - t) / 1000),
        rows_in: r.rowsIn, rows_out: r.rowsOut, cache_hits: 0, cache_misses: 0, retries: 0, ...(r.note ? {note: r.note} : {})
      });
      return r.value;
    };
    const manifests = shards.map((s) => s.manifest);
    const rowsOf = (tables: readonly string[]) => tables.reduce((n, t) => n + manifests.reduce((m, x) => m + (x.tables[t]?.rows ?? 0), 0), 0);
    let snapshotDir = "";
    let fleetRows: Record<string, number> = {};
    const rescored = () => Object.entries(fleetRows).map(([t, n]) => `${t} ${n}`).join(", ");
    await withConnection(async (conn) => {
      const unioned = SNAPSHOT_TABLES.map((t) => t.name).filter((t) => !REBUILT.has(t));
      await stage("union", "the shards' per-site tables, one after the other", async () => {
        for (const table of unioned) await unionTable(conn, shards, table);
        await mergeWindows(conn, shards);
        return {value: null, rowsIn: rowsOf(unioned), rowsOut: await countRows(conn, unioned)};
      });
      const evaluation = await stage("fleet", "fleet rows rescored from the merged per-site rows", async () => {
        fleetRows = await scoreFleet(conn, shards);
        await createBacktestByHour(conn);
        const e = await evaluateAnomalyTables(conn);
        await createAnomalyEvaluationTable(conn, e);
        fleetRows.backtest_by_hour = await countRows(conn, ["backtest_by_hour"]);
        fleetRows.anomaly_evaluation = await countRows(conn, ["anomaly_evaluation"]);
        return {value: e, rowsIn: await countRows(conn, ["backtest_predictions", "forecasts", "anomaly_events"]), rowsOut: sum(Object.values(fleetRows)), note: rescored()};
      });
      await stage("snapshot", "write the merged snapshot", async () => {
        const {by_type: _byType, ...overall} = evaluation ?? {by_type: null};
        const first = manifests[0];
        snapshotDir = await writeSnapshot(conn, {
          dataDir, snapshotId, tables: SNAPSHOT_TABLES,
          manifest: {
            created_at: now.toISOString(),
            cache_key: key,
            config_hash: first.config_hash,
            config_path: first.config_path,
            code_version: first.code_version,
            project: first.project,
            inputs: mergeInputs(manifests),
            merged_from: shards.map((s) => ({
              index: s.manifest.shard!.index, count, snapshot_id: s.manifest.snapshot_id, created_at: s.manifest.created_at,
              data_dir: s.given, sites: s.manifest.shard!.sites
            })),
            weather: mergeWeather(manifests),
            stale: {weather: manifests.some((m) => m.stale.weather)},
            forecast: mergeForecast(manifests),
            backtest: mergeBacktest(manifests),
            anomaly: mergeAnomaly(manifests, evaluation ? (overall as NonNullable<Manifest["anomaly"]>["evaluation"]) : null),
            duration_s: round1((performance.now() - started) / 1000),
            run: report("written", snapshotId),
            recent_runs: (await readRuns(dataDir, 10)).map(({stages: _s, machine: _m, ...r}) => r)
          }
        });
        return {value: null, rowsIn: 0, rowsOut: await countRows(conn, SNAPSHOT_TABLES.map((t) => t.name))};
      });
    });
    const durationS = round1((performance.now() - started) / 1000);
    await appendRun(dataDir, report("written", snapshotId));
    log(`merge: snapshot ${snapshotId} written in ${durationS.toFixed(1)} s (fleet rows rescored: ${rescored()})`);
    return {snapshotId, snapshotDir, skipped: false, shards: count, sites: sites.length, fleetRows, durationS};
  });
}

/** Every shard's current snapshot, checked to be one whole run's shards, in shard order. */
async function readShards(dirs: readonly string[], into: string): Promise<ShardSnapshot[]> {
  if (dirs.length === 0) throw new SunlineError(messages.mergeNoShards());
  const shards: ShardSnapshot[] = [];
  for (const given of dirs) {
    const dataDir = resolve(given);
    if (dataDir === into) throw new SunlineError(messages.mergeIntoShard(given));
    const dir = await currentSnapshotDir(dataDir);
    if (!dir) throw new SunlineError(messages.mergeNoSnapshot(given));
    const manifest = await readManifest(dir);
    if (!manifest.shard) throw new SunlineError(messages.mergeNotAShard(given, manifest.snapshot_id));
    for (const t of SNAPSHOT_TABLES) if (!existsSync(join(dir, `${t.name}.parquet`))) throw new SunlineError(messages.mergeMissingTable(given, t.name));
    shards.push({given, dataDir, dir, manifest});
  }
  const label = (s: ShardSnapshot) => `${s.given} (${shardLabel(s.manifest)})`;
  const given = shards.map(label);
  const counts = new Set(shards.map((s) => s.manifest.shard!.count));
  if (counts.size > 1) throw new SunlineError(messages.mergeShardSet(`the shards come from runs of ${[...counts].join(" and ")} shards`, given));
  const count = shards[0].manifest.shard!.count;
  const indices = shards.map((s) => s.manifest.shard!.index);
  const repeated = [...new Set(indices.filter((i, k) => indices.indexOf(i) !== k))];
  if (repeated.length) throw new SunlineError(messages.mergeShardSet(`shard ${repeated.join(", ")} of ${count} is given more than once`, given));
  const missing = Array.from({length: count}, (_, k) => k + 1).filter((i) => !indices.includes(i));
  if (missing.length) throw new SunlineError(messages.mergeShardSet(`shard ${missing.join(", ")} of ${count} is missing`, given));
  for (const [what, value] of [["configs", (m: Manifest) => m.config_hash], ["code versions", (m: Manifest) => m.code_version]] as const) {
    const values = new Set(shards.map((s) => value(s.manifest)));
    if (values.size > 1) throw new SunlineError(messages.mergeShardsDiffer(what, shards.map((s) => `${shardLabel(s.manifest)}: ${value(s.manifest)}`)));
  }
  return shards.sort((a, b) => a.manifest.shard!.index - b.manifest.shard!.index);
}

const parquet = (s: ShardSnapshot, table: string) => `read_parquet(${sqlString(join(s.dir, `${table}.parquet`))})`;

/** `table` as every shard's rows, one shard after the other; fleet rows set aside where they are rescored. */
async function unionTable(conn: DuckDBConnection, shards: readonly ShardSnapshot[], table: string): Promise<void> {
  const select = (s: ShardSnapshot) => {
    if (RESCORED.has(table)) return `SELECT * FROM ${parquet(s, table)} WHERE site_id <> 'fleet'`;
    if (table === "drift") return `SELECT * REPLACE (CASE WHEN site_id = 'fleet' THEN ${sqlString(`fleet (${shardLabel(s.manifest)})`)} ELSE site_id END AS site_id) FROM ${parquet(s, table)}`;
    return `SELECT * FROM ${parquet(s, table)}`;
  };
  // A view: the snapshot writer then streams the shards' files once, instead of DuckDB holding a copy
  // of the fleet (at 100 sites, a table copy took the merge to 3.2 GB). Rescored tables get rows added.
  await conn.run(`CREATE OR REPLACE ${RESCORED.has(table) ? "TABLE" : "VIEW"} ${sqlIdent(table)} AS ${shards.map(select).join(" UNION ALL BY NAME ")}`);
}

/**
 * backtest_windows: one row per window with the sites and rows of every shard. A window number must
 * mean the same origin and periods in every shard that has it; a shard may lack early windows when
 * none of its sites had the history for them.
 */
async function mergeWindows(conn: DuckDBConnection, shards: readonly ShardSnapshot[]): Promise<void> {
  const all = shards.map((s) => `SELECT ${sqlString(shardLabel(s.manifest))} AS shard, * FROM ${parquet(s, "backtest_windows")}`).join(" UNION ALL BY NAME ");
  await conn.run(`CREATE OR REPLACE TEMP TABLE _shard_windows AS ${all}`);
  const split = await queryRows<{window: number; shards: string[]}>(conn, `
    SELECT "window", list_sort(list(DISTINCT shard || ': origin ' || strftime(origin, '%Y-%m-%d %H:%M') || ', test ' || strftime(test_start, '%Y-%m-%d') || ' → ' || strftime(test_end, '%Y-%m-%d') || ', ' || mode)) AS shards
    FROM _shard_windows GROUP BY "window"
    HAVING count(DISTINCT (origin, train_start, train_end, test_start, test_end, mode)) > 1 ORDER BY "window"`);
  if (split.length) throw new SunlineError(messages.mergeWindowsDiffer(split[0].window, split[0].shards));
  // Shards fit side by side: a window took as long as its slowest shard.
  await conn.run(`CREATE OR REPLACE TABLE backtest_windows AS
    SELECT "window", origin, train_start, train_end, test_start, test_end, mode,
      sum(sites)::INTEGER AS sites, sum(hybrid_sites)::INTEGER AS hybrid_sites, sum(transfer_sites)::INTEGER AS transfer_sites, sum(rows)::INTEGER AS rows,
      max(fit_seconds) AS fit_seconds, max(issue_seconds) AS issue_seconds
    FROM _shard_windows GROUP BY ALL ORDER BY "window"`);
  await conn.run("DROP TABLE _shard_windows");
}

/**
 * The fleet rows of backtest_metrics (each window, and 0 = all pooled, as runBacktest scores them)
 * and forecast_accuracy (the evaluation window of each shard's evaluation models), from the merged
 * per-site rows. Returns the rows added per table.
 */
async function scoreFleet(conn: DuckDBConnection, shards: readonly ShardSnapshot[]): Promise<Record<string, number>> {
  const capacities = new Map((await queryRows<{site_id: string; capacity_kw: number}>(conn, "SELECT site_id, capacity_kw FROM sites")).map((s) => [s.site_id, s.capacity_kw]));
  const capacity = (id: string) => capacities.get(id) ?? NaN;

  const windows = (await queryRows<{window: number}>(conn, `SELECT DISTINCT "window" FROM backtest_predictions ORDER BY 1`)).map((w) => w.window);
  const perWindow: ScoringColumns[] = [];
  for (const w of windows) perWindow.push(await readScoringColumns(conn, "backtest_predictions", `"window" = ${Number(w)}`));
  const metrics = windows.length
    ? [
        ...scoreColumns(concatScoringColumns(perWindow), capacity, "fleet").map((m) => ({...m, window: 0})),
        ...windows.flatMap((w, k) => scoreColumns(perWindow[k], capacity, "fleet").map((m) => ({...m, window: w})))
      ]
    : [];
  await createTableFromObjects(conn, "_fleet_metrics", METRIC_COLUMNS, metrics);
  await conn.run("INSERT INTO backtest_metrics BY NAME SELECT * FROM _fleet_metrics");
  await conn.run("DROP TABLE _fleet_metrics");

  // Each shard scored the rows of its evaluation models (forecasts also keeps earlier vintages).
  const versions = shards.flatMap((s) => (s.manifest.forecast?.models ?? []).filter((m) => m.purpose === "evaluation").map((m) => m.version));
  const accuracy = versions.length
    ? scoreColumns(await readScoringColumns(conn, "forecasts", `run = 'evaluation' AND model_version IN (${versions.map(sqlString).join(", ")})`), capacity, "fleet")
    : [];
  const evaluated = await queryRows<{v: string | null}>(conn, "SELECT DISTINCT model_version AS v FROM forecast_accuracy");
  await insertAccuracy(conn, accuracy, evaluated.length === 1 ? evaluated[0].v : null);
  return {backtest_metrics: metrics.length, forecast_accuracy: accuracy.length};
}

async function countRows(conn: DuckDBConnection, tables: readonly string[]): Promise<number> {
  let n = 0;
  for (const t of tables) n += (await queryRows<{n: number}>(conn, `SELECT count(*)::INTEGER AS n FROM ${sqlIdent(t)}`))[0].n;
  return n;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const round1 = (x: number) => Math.round(x * 10) / 10;
