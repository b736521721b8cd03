// The whole DAG for one config: inputs → ingest → clean → weather → data quality → backtest →
// forecast (with drift and the retraining decision) → snapshot.
// Runs once per input state: a lock serialises concurrent callers (every loader of a build calls
// this) and a cache key over config, input files and code skips runs that would change nothing.
import type {DuckDBConnection} from "@duckdb/node-api";
import {join, relative} from "node:path";
import {buildDataQuality} from "./clean/dataQuality.ts";
import {buildProductionHourly} from "./clean/hourly.ts";
import {loadConfig, type LoadedConfig} from "./config.ts";
import {queryRows, sqlString, withConnection} from "./db.ts";
import {createSelectionTable, readSelection, withSelection} from "./backtest/select.ts";
import {runBacktestStage} from "./backtest/stage.ts";
import {runForecastStage} from "./forecast/stage.ts";
import {runAnomalyStage} from "./anomaly/index.ts";
import {ingestAll} from "./ingest/index.ts";
import {resolveInputs, type ResolvedInputs} from "./inputs.ts";
import {codeVersion, sha256, stableStringify} from "./snapshot/hash.ts";
import {withLock} from "./snapshot/lock.ts";
import {dataDirPath, lockPath} from "./snapshot/paths.ts";
import {currentManifest, currentSnapshotDir} from "./snapshot/read.ts";
import {writeSnapshot, type SnapshotTableSpec} from "./snapshot/write.ts";
import type {ProviderStatus} from "./weather/collect.ts";
import {createWeatherTable, loadCollectedWeather, loadWeatherFile, loadWeatherForecastFile} from "./weather/fromFile.ts";
import {prepareWeather} from "./weather/prepare.ts";

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
  /** Progress of the long stages (the backtest): done of total, and what was just done. */
  progress?: (stage: string, done: number, total: number, label: string) => void;
  /** Test hook passed to the snapshot writer. */
  afterTable?: (name: string) => void | Promise<void>;
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
  {name: "production_hourly", orderBy: "site_id, ts", tsColumn: "ts"},
  {name: "weather_hourly", orderBy: "site_id, ts, source, kind", tsColumn: "ts"},
  {name: "data_quality", orderBy: "site_id, \"check\""},
  {name: "rejects", orderBy: "source, line"},
  {name: "quality_events", orderBy: "site_id, start_ts, kind", tsColumn: "start_ts"},
  {name: "fault_labels", orderBy: "site_id, start_ts, fault", tsColumn: "start_ts"},
  {name: "forecasts", orderBy: "site_id, issued_at, model_version, ts", tsColumn: "ts"},
  {name: "forecast_contributions", orderBy: "site_id, issued_at, model_version, ts, rank", tsColumn: "ts"},
  {name: "forecast_accuracy", orderBy: "site_id, horizon, model"},
  {name: "model_registry", orderBy: "created_at DESC, version"},
  {name: "transfer_curve", orderBy: "site_id, history_days, model"},
  {name: "drift", orderBy: "kind, site_id, variable"},
  {name: "retraining", orderBy: "decided_at DESC"},
  {name: "model_selection", orderBy: "stage DESC, nrmse_pct"},
  {name: "anomalies", orderBy: "site_id, ts", tsColumn: "ts"},
  {name: "anomaly_events", orderBy: "site_id, start_ts", tsColumn: "start_ts"},
  {name: "anomaly_evaluation", orderBy: "fault"},
  {name: "backtest_windows", orderBy: "\"window\""},
  {name: "backtest_metrics", orderBy: "\"window\", site_id, horizon, model"},
  {name: "backtest_by_hour", orderBy: "hour_local, model"},
  {name: "backtest_predictions", orderBy: "site_id, issued_at, ts", tsColumn: "ts"}
];

export async function runPipeline(options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const log = options.log ?? ((m: string) => console.error(m));
  const loaded = typeof options.config === "object" ? options.config : await loadConfig(options.config);
  const dataDir = dataDirPath(options.dataDir);
  return withLock(
    lockPath(dataDir),
    async () => {
      // Weather first: the collected file is an input like any other, so its hash is in the cache key.
      let weatherStatus: ProviderStatus[] | null = null;
      if (loaded.config.weather.providers.length) {
        const {sites} = await withConnection((conn) => resolveInputs(loaded, dataDir, log, (p) => globFiles(conn, p), {hashFiles: false}));
        const prepared = await prepareWeather(loaded, dataDir, sites, {offline: options.offline, now: options.now?.(), log, env: options.env});
        weatherStatus = prepared?.status ?? null;
      }
      const inputs = await withConnection((conn) => resolveInputs(loaded, dataDir, log, (p) => globFiles(conn, p)));
      // Model settings chosen by `sunline select` (the config's own win); they are in the cache key as inputs are.
      const selection = await readSelection(dataDir);
      const config = {...loaded.config, forecast: withSelection(loaded.config.forecast, selection)};
      const cacheKey = sha256(
        stableStringify({config: loaded.config, code: await codeVersion(), inputs: inputs.files.map((f) => [f.role, f.path, f.sha256]), selection: selection?.chosen ?? null})
      );
      const current = await currentManifest(dataDir);
      if (!options.force && current?.cache_key === cacheKey) {
        log(`pipeline: config, inputs and code unchanged; reusing snapshot ${current.snapshot_id}`);
        return {snapshotId: current.snapshot_id, snapshotDir: (await currentSnapshotDir(dataDir))!, cacheKey, skipped: true, durationS: 0};
      }
      const now = (options.now ?? (() => new Date()))();
      const snapshotId = `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${cacheKey.slice(0, 8)}`;
      log(`pipeline: building snapshot ${snapshotId} (${inputs.sites.length} sites, ${inputs.production.length} production files)`);
      const weather = weatherManifest(inputs, weatherStatus);
      const snapshotDir = await withConnection(
        async (conn) => {
          await buildTables(conn, loaded, inputs, join(dataDir, "bronze"), log);
          const {result: _result, dir: _dir, ...backtest} = await runBacktestStage(conn, {
            config, dataDir, log, force: options.force, progress: (done, total, label) => options.progress?.("backtest", done, total, label)
          });
          const forecast = await runForecastStage(conn, {
            config: config.forecast, policy: config, dataDir, snapshotId, previousSnapshotDir: await currentSnapshotDir(dataDir), now, log
          });
          await createSelectionTable(conn, selection);
          const anomaly = await runAnomalyStage(conn, config, log);
          return writeSnapshot(conn, {
            dataDir,
            snapshotId,
            tables: SNAPSHOT_TABLES,
            afterTable: options.afterTable,
            manifest: {
              created_at: now.toISOString(),
              cache_key: cacheKey,
              config_hash: sha256(stableStringify(loaded.config)).slice(0, 16),
              config_path: loaded.path.startsWith("<") ? loaded.path : relative(process.cwd(), loaded.path) || loaded.path,
              code_version: await codeVersion(),
              project: loaded.config.name,
              inputs: inputs.files,
              weather,
              stale: {weather: weather.stale},
              forecast,
              backtest,
              anomaly,
              duration_s: Math.round((Date.now() - started) / 100) / 10
            }
          });
        },
        {tempDirectory: `${dataDir}/duckdb-tmp`, memoryLimit: loaded.config.duckdb.memory_limit, threads: loaded.config.duckdb.threads}
      );
      const durationS = (Date.now() - started) / 1000;
      log(`pipeline: snapshot ${snapshotId} written in ${durationS.toFixed(1)} s`);
      return {snapshotId, snapshotDir, cacheKey, skipped: false, durationS};
    },
    {onWait: (pid) => log(`pipeline: waiting for the run in process ${pid}...`)}
  );
}

async function buildTables(conn: DuckDBConnection, loaded: LoadedConfig, inputs: ResolvedInputs, bronzeDir: string, log: (m: string) => void): Promise<void> {
  await conn.run(`CREATE TABLE sites (site_id VARCHAR, name VARCHAR, lat DOUBLE, lon DOUBLE, timezone VARCHAR, capacity_kw DOUBLE, tilt DOUBLE, azimuth DOUBLE)`);
  for (const s of inputs.sites)
    await conn.run("INSERT INTO sites VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", [s.id, s.name, s.lat, s.lon, s.timezone, s.capacity_kw, s.tilt, s.azimuth]);

  await ingestAll(
    conn,
    inputs.production,
    inputs.sites.map((s) => s.id),
    bronzeDir,
    (p) => {
      if (p.error) log(`ingest: ${p.error}`);
      else if (p.accepted !== undefined) log(`ingest: ${p.label}: ${p.accepted} rows, ${p.rejected} rejected${p.reused ? " (unchanged, from bronze)" : ""}`);
    }
  );
  await buildProductionHourly(conn, inputs.sites, loaded.config.clean);

  await createWeatherTable(conn);
  if (inputs.weather) {
    const siteIds = inputs.sites.map((s) => s.id);
    const n =
      inputs.weather.source === "collected"
        ? await loadCollectedWeather(conn, inputs.weather.path, siteIds)
        : await loadWeatherFile(conn, inputs.weather.path, inputs.weather.source, siteIds);
    log(`weather: ${n} hourly rows from ${inputs.weather.source}`);
    if (inputs.weather.forecastPath) {
      const f = await loadWeatherForecastFile(conn, inputs.weather.forecastPath, inputs.weather.source, siteIds);
      log(`weather: ${f} hourly forecast rows (archived day-ahead vintages) from ${inputs.weather.source}`);
    }
  }
  await conn.run(`CREATE TABLE fault_labels (site_id VARCHAR, fault VARCHAR, start_ts TIMESTAMP, end_ts TIMESTAMP, magnitude DOUBLE, description VARCHAR)`);
  if (inputs.labelsPath) {
    await conn.run(`INSERT INTO fault_labels
      SELECT site_id, fault, CAST(CAST(start_utc AS TIMESTAMPTZ) AS TIMESTAMP), CAST(CAST(end_utc AS TIMESTAMPTZ) AS TIMESTAMP), magnitude, description
      FROM read_csv(${sqlString(inputs.labelsPath)}, header = true,
        columns = {'site_id': 'VARCHAR', 'fault': 'VARCHAR', 'start_utc': 'VARCHAR', 'end_utc': 'VARCHAR', 'magnitude': 'DOUBLE', 'description': 'VARCHAR'})`);
  }
  await buildDataQuality(conn);
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
