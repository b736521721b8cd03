// `runPipeline`: one supervised run for a config. A lock serialises concurrent callers (every loader
// of a build calls this); a key over config, input files and code skips a run that would change
// nothing; otherwise the stages (stages.ts, a DAG ordered by dag.ts) run under the supervisor
// (supervisor.ts): cached stages are read back, transient failures retried, and every stage leaves a
// line in the run report (report.ts), kept in the manifest and in <dataDir>/runs.jsonl.
import type {DuckDBConnection} from "@duckdb/node-api";
import {availableParallelism} from "node:os";
import {join, relative} from "node:path";
import {loadConfig, type LoadedConfig} from "../config.ts";
import {queryRows, withConnection} from "../db.ts";
import {readSelection, withSelection} from "../backtest/select.ts";
import {resolveInputs, type ResolvedInputs} from "../inputs.ts";
import {messages, StageError} from "../messages.ts";
import {codeVersion, sha256, stableStringify} from "../snapshot/hash.ts";
import {withLock} from "../snapshot/lock.ts";
import type {Manifest} from "../snapshot/manifest.ts";
import {dataDirPath, lockPath} from "../snapshot/paths.ts";
import {currentManifest, currentSnapshotDir} from "../snapshot/read.ts";
import {snapshotIdFor, writeSnapshot, type SnapshotTableSpec} from "../snapshot/write.ts";
import type {ProviderStatus} from "../weather/collect.ts";
import {prepareWeather} from "../weather/prepare.ts";
import {orderStages, type Stage} from "./dag.ts";
import type {RunEvent} from "./progress.ts";
import {appendRun, inputChanges, readRuns, type RunReport, type StageReport} from "./report.ts";
import {StageCache} from "./stageCache.ts";
import {pipelineStages} from "./stages.ts";
import {runStages} from "./supervisor.ts";
import {parseShard, shardInputs, type Shard} from "./shard.ts";

export interface RunOptions {
  /** Config file (else SUNLINE_CONFIG, else ./sunline.config.ts), or an already loaded config. */
  config?: string | LoadedConfig;
  dataDir?: string;
  /** Run even when the cache key matches the current snapshot. */
  force?: boolean;
  log?: (message: string) => void;
  now?: () => Date;
  /** Weather providers answer from their cache only (also SUNLINE_OFFLINE=1). */
  offline?: boolean;
  /** Environment for provider URLs and keys (default process.env). */
  env?: Record<string, string | undefined>;
  /** Test hook passed to the snapshot writer. */
  afterTable?: (name: string) => void | Promise<void>;
  /** Every run event (progress.ts renders them); without it, stage messages go to `log`. */
  onEvent?: (event: RunEvent) => void;
  /** Stages appended in place of the snapshot stage (tests: a stage that fails, or fails once). */
  extraStages?: readonly Stage[];
  /** First retry's wait in ms (default 1000; doubles each retry). */
  retryBaseMs?: number;
  /** Run one shard of the fleet's sites (shard.ts); default: SUNLINE_SHARD ("i/n") in `env`, else the whole fleet. */
  shard?: Shard | null;
}

export interface RunResult {
  snapshotId: string;
  snapshotDir: string;
  cacheKey: string;
  /** True when the current snapshot already matched and nothing ran. */
  skipped: boolean;
  durationS: number;
}

export const SNAPSHOT_TABLES: readonly SnapshotTableSpec[] = [
  {name: "sites", orderBy: "site_id"},
  {name: "production_hourly", orderBy: "site_id, ts", tsColumn: "ts", partitioned: true},
  {name: "weather_hourly", orderBy: "site_id, ts, source, kind", tsColumn: "ts", partitioned: true},
  {name: "data_quality", orderBy: "site_id, \"check\""},
  {name: "rejects", orderBy: "source, line"},
  {name: "quality_events", orderBy: "site_id, start_ts, kind", tsColumn: "start_ts"},
  {name: "fault_labels", orderBy: "site_id, start_ts, fault", tsColumn: "start_ts"},
  {name: "forecasts", orderBy: "site_id, issued_at, model_version, ts", tsColumn: "ts", partitioned: true},
  {name: "forecast_contributions", orderBy: "site_id, issued_at, model_version, ts, rank", tsColumn: "ts"},
  {name: "forecast_accuracy", orderBy: "site_id, horizon, model"},
  {name: "model_registry", orderBy: "created_at DESC, version"},
  {name: "transfer_curve", orderBy: "site_id, history_days, model"},
  {name: "drift", orderBy: "kind, site_id, variable"},
  {name: "retraining", orderBy: "decided_at DESC"},
  {name: "model_selection", orderBy: "stage DESC, nrmse_pct"},
  {name: "anomalies", orderBy: "site_id, ts", tsColumn: "ts", partitioned: true},
  {name: "anomaly_events", orderBy: "site_id, start_ts", tsColumn: "start_ts"},
  {name: "anomaly_evaluation", orderBy: "fault"},
  {name: "backtest_windows", orderBy: "\"window\""},
  {name: "backtest_metrics", orderBy: "\"window\", site_id, horizon, model"},
  {name: "backtest_by_hour", orderBy: "hour_local, model"},
  {name: "backtest_predictions", orderBy: "site_id, issued_at, ts", tsColumn: "ts"}
];

export async function runPipeline(options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const startedAt = new Date();
  const log = options.log ?? (options.onEvent ? (m: string) => options.onEvent!({event: "log", stage: null, message: m}) : (m: string) => console.error(m));
  const emit = options.onEvent ?? ((e: RunEvent) => e.event === "log" && log(e.message));
  const loaded = typeof options.config === "object" ? options.config : await loadConfig(options.config);
  const dataDir = dataDirPath(options.dataDir);
  const shardText = (options.env ?? process.env).SUNLINE_SHARD;
  const shard = options.shard !== undefined ? options.shard : shardText ? parseShard(shardText) : null;
  return withLock(
    lockPath(dataDir),
    async () => {
      const runId = startedAt.toISOString();
      const previousRuns = await readRuns(dataDir, 10);
      const lastWritten = previousRuns.find((r) => r.status === "written");
      emit({event: "run_start", run_id: runId, stages: (lastWritten?.stages ?? []).map((s) => ({stage: s.stage, expected_s: s.seconds}))});
      const stages: StageReport[] = [];
      const results = new Map<string, unknown>();
      const current = await currentManifest(dataDir);
      let inputs: ResolvedInputs | null = null;
      const report = (status: RunReport["status"], snapshotId: string | null, error: unknown): RunReport => ({
        run_id: runId,
        started_at: startedAt.toISOString(),
        finished_at: new Date().toISOString(),
        seconds: round1((performance.now() - started) / 1000),
        status,
        snapshot_id: snapshotId,
        changes: inputChanges(current?.inputs ?? [], inputs?.files ?? current?.inputs ?? []),
        stages: [...stages],
        error: error
          ? {stage: error instanceof StageError ? error.stage : null, site: (error as {site?: string}).site ?? null, message: error instanceof Error ? error.message : String(error)}
          : null,
        machine: {cores: availableParallelism(), node: process.version, memory_limit: loaded.config.duckdb.memory_limit, threads: loaded.config.duckdb.threads ?? null},
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024)
      });
      const finish = async (r: RunReport) => {
        await appendRun(dataDir, r);
        emit({event: "run_end", status: r.status, snapshot_id: r.snapshot_id, seconds: r.seconds, error: r.error?.message ?? null});
      };
      // A merge of shard snapshots (merge.ts) has no inputs of its own here: the build shows it as it is.
      if (current?.merged_from && !options.force) {
        log(messages.mergedDataDir(dataDir, current.merged_from.length));
        await finish(report("unchanged", current.snapshot_id, null));
        return {snapshotId: current.snapshot_id, snapshotDir: (await currentSnapshotDir(dataDir))!, cacheKey: current.cache_key, skipped: true, durationS: 0};
      }
      try {
        // Weather first: the collected file is an input like any other, so its hash is in the cache key.
        let weatherStatus: ProviderStatus[] | null = null;
        const front: Stage[] = [
          {
            name: "collect", title: "weather from the configured providers", reads: [], writes: [],
            run: async ({conn, log: stageLog}) => {
              if (!loaded.config.weather.providers.length) return {rowsIn: 0};
              const {sites} = shardInputs(await resolveInputs(loaded, dataDir, stageLog, (p) => globFiles(conn, p), {hashFiles: false}), shard);
              const prepared = await prepareWeather(loaded, dataDir, sites, {offline: options.offline, now: options.now?.(), log: stageLog, env: options.env});
              weatherStatus = prepared?.status ?? null;
              return {rowsIn: (weatherStatus ?? []).reduce((n, s) => n + s.rows, 0)};
            }
          },
          {
            name: "inputs", title: "find and hash the input files", reads: [], writes: [], after: ["collect"],
            run: async ({conn, log: stageLog}) => {
              inputs = shardInputs(await resolveInputs(loaded, dataDir, stageLog, (p) => globFiles(conn, p)), shard);
              return {rowsIn: inputs.files.length};
            }
          }
        ];
        await withConnection((conn) => runStages(conn, orderStages(front), {phase: "prepare", cache: null, onEvent: emit, results, report: stages, retryBaseMs: options.retryBaseMs}));
        const resolved: ResolvedInputs = inputs!;
        // Model settings chosen by `sunline select` (the config's own win); they are in the cache key as inputs are.
        const selection = await readSelection(dataDir);
        const config = {...loaded.config, forecast: withSelection(loaded.config.forecast, selection)};
        const cacheKey = sha256(
          stableStringify({config: loaded.config, code: await codeVersion(), inputs: resolved.files.map((f) => [f.role, f.path, f.sha256]), selection: selection?.chosen ?? null, shard})
        );
        if (!options.force && !options.extraStages && current?.cache_key === cacheKey) {
          log(`pipeline: config, inputs and code unchanged; reusing snapshot ${current.snapshot_id}`);
          await finish(report("unchanged", current.snapshot_id, null));
          return {snapshotId: current.snapshot_id, snapshotDir: (await currentSnapshotDir(dataDir))!, cacheKey, skipped: true, durationS: 0};
        }
        const now = (options.now ?? (() => new Date()))();
        const snapshotId = snapshotIdFor(now, cacheKey);
        const of = shard ? `, shard ${shard.index}/${shard.count}` : "";
        log(`pipeline: building snapshot ${snapshotId} (${resolved.sites.length} sites${of}, ${resolved.production.length} production files)`);
        const weather = weatherManifest(resolved, weatherStatus);
        const previousSnapshotDir = await currentSnapshotDir(dataDir);
        let snapshotDir = "";
        const dag = (conn: DuckDBConnection) => orderStages([
          ...pipelineStages({
            config, inputs: resolved, selection, dataDir, snapshotId, previousSnapshotDir, now, force: !!options.force,
            snapshotTables: SNAPSHOT_TABLES.map((t) => t.name),
            writeSnapshot: async () => {
              snapshotDir = await writeSnapshot(conn, {
                dataDir, snapshotId, tables: SNAPSHOT_TABLES, afterTable: options.afterTable,
                manifest: {
                  created_at: now.toISOString(),
                  cache_key: cacheKey,
                  config_hash: sha256(stableStringify(loaded.config)).slice(0, 16),
                  config_path: loaded.path.startsWith("<") ? loaded.path : relative(process.cwd(), loaded.path) || loaded.path,
                  code_version: await codeVersion(),
                  project: loaded.config.name,
                  inputs: resolved.files,
                  ...(shard ? {shard: {...shard, sites: resolved.sites.map((s) => s.id)}} : {}),
                  weather,
                  stale: {weather: weather.stale},
                  forecast: results.get("forecast") as Manifest["forecast"],
                  backtest: results.get("backtest") as Manifest["backtest"],
                  anomaly: results.get("anomalies") as Manifest["anomaly"],
                  duration_s: round1((performance.now() - started) / 1000),
                  // This run up to the snapshot stage (runs.jsonl has it whole), and the runs before it.
                  run: report("written", snapshotId, null),
                  recent_runs: previousRuns.map(({stages: _s, machine: _m, ...r}) => r)
                }
              });
            }
          }).filter((s) => s.name !== "snapshot" || !options.extraStages),
          ...(options.extraStages ?? [])
        ]);
        await withConnection(
          (conn) => runStages(conn, dag(conn), {phase: "build", cache: options.force ? null : new StageCache(join(dataDir, "stages")), onEvent: emit, results, report: stages, retryBaseMs: options.retryBaseMs}),
          {tempDirectory: `${dataDir}/duckdb-tmp`, memoryLimit: loaded.config.duckdb.memory_limit, threads: loaded.config.duckdb.threads}
        );
        const durationS = (performance.now() - started) / 1000;
        log(`pipeline: snapshot ${snapshotId} written in ${durationS.toFixed(1)} s`);
        await finish(report("written", snapshotId, null));
        return {snapshotId, snapshotDir, cacheKey, skipped: false, durationS};
      } catch (error) {
        await finish(report("failed", null, error));
        throw error;
      }
    },
    {onWait: (pid) => log(`pipeline: waiting for the run in process ${pid}...`)}
  );
}

async function globFiles(conn: DuckDBConnection, pattern: string): Promise<string[]> {
  return (await queryRows<{file: string}>(conn, "SELECT file FROM glob($1)", [pattern])).map((r) => r.file);
}

/** The manifest's weather block: where the weather came from and whether any of it is stale. */
function weatherManifest(inputs: ResolvedInputs, status: ProviderStatus[] | null) {
  const bad = (status ?? []).filter((s) => s.status === "stale" || s.status === "failed");
  const fetched = (status ?? []).map((s) => s.fetched_at).filter((t): t is string => t !== null).sort();
  return {
    source: status ? [...new Set(status.filter((s) => s.rows > 0).map((s) => s.source))].join(", ") || "none" : (inputs.weather?.source ?? "none"),
    fetched_at: fetched.at(-1) ?? null,
    stale: bad.length > 0,
    ...(status ? {providers: status} : {})
  };
}
const round1 = (x: number) => Math.round(x * 10) / 10;
