// The pipeline's stages, declared: what each reads and writes, what its cache key covers. The bodies
// call the stage libraries (ingest, clean, weather, backtest, forecast, anomaly); this file only wires
// them into the DAG that supervisor.ts runs.
import {buildDataQuality} from "../clean/dataQuality.ts";
import {buildProductionHourly} from "../clean/hourly.ts";
import type {SunlineConfig} from "../config.ts";
import {listValue} from "@duckdb/node-api";
import {queryRows, sqlString} from "../db.ts";
import {createSelectionTable, type Selection} from "../backtest/select.ts";
import {runBacktestStage} from "../backtest/stage.ts";
import {BACKTEST_TABLES} from "../backtest/tables.ts";
import {runForecastStage} from "../forecast/stage.ts";
import {runAnomalyStage} from "../anomaly/index.ts";
import {ingestAll} from "../ingest/index.ts";
import {keepShardSites, refreshSamples} from "../ingest/tables.ts";
import type {ResolvedInputs} from "../inputs.ts";
import {codeVersion} from "../snapshot/hash.ts";
import {createWeatherTable, loadCollectedWeather, loadWeatherFile, loadWeatherForecastFile} from "../weather/fromFile.ts";
import type {Stage} from "./dag.ts";
import {join} from "node:path";

export interface PipelineStageOptions {
  /** The config with the saved model selection applied (what the models fit with). */
  config: SunlineConfig;
  inputs: ResolvedInputs;
  selection: Selection | null;
  dataDir: string;
  snapshotId: string;
  previousSnapshotDir: string | null;
  now: Date;
  force: boolean;
  /** Called once the tables are ready, to write the snapshot (the last stage). */
  writeSnapshot: () => Promise<unknown>;
  snapshotTables: readonly string[];
}

const FORECAST_TABLES = ["forecasts", "forecast_contributions", "forecast_accuracy", "model_registry", "transfer_curve", "drift", "retraining", "model_selection"] as const;
const ANOMALY_TABLES = ["anomalies", "anomaly_events", "anomaly_evaluation"] as const;

export function pipelineStages(o: PipelineStageOptions): Stage[] {
  const {inputs, config} = o;
  const siteIds = inputs.sites.map((s) => s.id);
  const fileHashes = (role: string) => inputs.files.filter((f) => f.role === role).map((f) => [f.path, f.sha256]);
  return [
    {
      name: "sites", title: "the fleet's sites from the config", reads: [], writes: ["sites"],
      run: async ({conn}) => {
        await conn.run(`CREATE OR REPLACE TABLE sites (site_id VARCHAR, name VARCHAR, lat DOUBLE, lon DOUBLE, timezone VARCHAR, capacity_kw DOUBLE, tilt DOUBLE, azimuth DOUBLE)`);
        for (const s of inputs.sites)
          await conn.run("INSERT INTO sites VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", [s.id, s.name, s.lat, s.lon, s.timezone, s.capacity_kw, s.tilt, s.azimuth]);
      }
    },
    {
      // Per file: a file whose content, mapping and ingest code are unchanged is read back from
      // bronze (<dataDir>/bronze) instead of parsed, so new files are the only ones parsed.
      name: "ingest", title: "production files to bronze Parquet, with rejects", reads: [], writes: ["sources", "sample_parts", "ingest_counts", "rejects"],
      run: async ({conn, log, progress}) => {
        let reused = 0, lines = 0, accepted = 0;
        // A shard knows every site of the config, so that rows of other shards' sites in a shared
        // file are set aside below rather than rejected as unknown.
        await ingestAll(conn, inputs.production, [...siteIds, ...(inputs.shard?.otherSites ?? [])], join(o.dataDir, "bronze"), (p) => {
          if (p.error) log(`ingest: ${p.error}`);
          else if (p.accepted !== undefined) {
            reused += p.reused ? 1 : 0;
            lines += p.accepted + (p.rejected ?? 0);
            accepted += p.accepted;
            log(`ingest: ${p.label}: ${p.accepted} rows, ${p.rejected} rejected${p.reused ? " (unchanged, from bronze)" : ""}`);
            progress(p.index, p.total, p.label);
          }
        });
        if (inputs.shard) {
          const aside = await keepShardSites(conn, siteIds, inputs.shard.index === 1);
          if (aside) log(`ingest: ${aside} rows of sites in other shards set aside`);
          accepted -= aside;
        }
        return {rowsIn: lines, rowsOut: accepted, cached: inputs.production.length > 0 && reused === inputs.production.length, cacheHits: reused, cacheMisses: inputs.production.length - reused};
      }
    },
    {
      // Per site: a site's hourly series depends only on its own bronze parts (content-addressed),
      // its config entry and the cleaning settings, so a new file recomputes that site alone.
      name: "clean", title: "hourly energy per site, gaps, stuck runs, outliers", reads: ["sites", "sample_parts", "sources"],
      writes: ["production_hourly", "quality_events", "clean_counts"],
      rowsIn: async (conn) => (await queryRows<{n: number}>(conn, "SELECT count(*)::DOUBLE AS n FROM samples"))[0].n,
      cache: {
        key: async () => ({clean: config.clean, code: await codeVersion("clean")}),
        perSite: {
          siteKeys: async (conn) => {
            const parts = await queryRows<{site_id: string; parts: string}>(
              conn,
              `SELECT p.site_id, string_agg(p.path || '|' || s.unit || '|' || s.kind || '|' || s.stamp || '|' || s.source, ';' ORDER BY s.source, p.path) AS parts
               FROM sample_parts p JOIN sources s USING (source_id) GROUP BY p.site_id`
            );
            const bySite = new Map(parts.map((r) => [r.site_id, r.parts]));
            return new Map(inputs.sites.map((s) => [s.id, {site: s, parts: bySite.get(s.id) ?? ""}]));
          }
        }
      },
      run: async ({conn}, sites) => {
        const chosen = sites ? inputs.sites.filter((s) => sites.includes(s.id)) : inputs.sites;
        if (sites) await refreshSamples(conn, sites);
        try {
          await buildProductionHourly(conn, chosen, config.clean);
        } finally {
          if (sites) await refreshSamples(conn);
        }
      }
    },
    {
      name: "weather", title: "hourly weather per site, observed and forecast", reads: ["sites"], writes: ["weather_hourly"],
      cache: {key: async () => ({files: fileHashes("weather"), source: inputs.weather, code: await codeVersion("weather")})},
      run: async ({conn, log}) => {
        await createWeatherTable(conn);
        if (!inputs.weather) return;
        const n = inputs.weather.source === "collected"
          ? await loadCollectedWeather(conn, inputs.weather.path, siteIds)
          : await loadWeatherFile(conn, inputs.weather.path, inputs.weather.source, siteIds);
        log(`weather: ${n} hourly rows from ${inputs.weather.source}`);
        if (inputs.weather.forecastPath) {
          const f = await loadWeatherForecastFile(conn, inputs.weather.forecastPath, inputs.weather.source, siteIds);
          log(`weather: ${f} hourly forecast rows (archived day-ahead vintages) from ${inputs.weather.source}`);
        }
      }
    },
    {
      name: "labels", title: "fault labels (demo or your own)", reads: [], writes: ["fault_labels"],
      run: async ({conn}) => {
        await conn.run(`CREATE OR REPLACE TABLE fault_labels (site_id VARCHAR, fault VARCHAR, start_ts TIMESTAMP, end_ts TIMESTAMP, magnitude DOUBLE, description VARCHAR)`);
        if (!inputs.labelsPath) return;
        await conn.run(`INSERT INTO fault_labels
          SELECT site_id, fault, CAST(CAST(start_utc AS TIMESTAMPTZ) AS TIMESTAMP), CAST(CAST(end_utc AS TIMESTAMPTZ) AS TIMESTAMP), magnitude, description
          FROM read_csv(${sqlString(inputs.labelsPath)}, header = true,
            columns = {'site_id': 'VARCHAR', 'fault': 'VARCHAR', 'start_utc': 'VARCHAR', 'end_utc': 'VARCHAR', 'magnitude': 'DOUBLE', 'description': 'VARCHAR'})
          WHERE list_contains($sites, site_id)`, {sites: listValue(siteIds)});
      }
    },
    {
      name: "data_quality", title: "per-site checks and coverage", reads: ["sites", "ingest_counts", "rejects", "production_hourly", "clean_counts"], writes: ["data_quality"],
      run: async ({conn}) => buildDataQuality(conn)
    },
    {
      // Cached by the backtest itself (<dataDir>/backtest/<key>), with the summary it reports.
      name: "backtest", title: "walk-forward backtest of every model", reads: ["sites", "production_hourly", "weather_hourly"], writes: [...BACKTEST_TABLES],
      run: async ({conn, log, progress}) => {
        const {result: _result, dir: _dir, ...summary} = await runBacktestStage(conn, {config, dataDir: o.dataDir, log, force: o.force, progress});
        return {result: summary, cached: summary.reused};
      }
    },
    {
      // Not cached: it carries earlier snapshots' vintages forward and updates the model registry,
      // so it runs whenever the run does (which is whenever an input, setting or code changed).
      name: "forecast", title: "fit, issue and score the forecast; drift and retraining", reads: ["sites", "production_hourly", "weather_hourly", "backtest_metrics"],
      writes: [...FORECAST_TABLES],
      run: async ({conn, log}) => {
        const summary = await runForecastStage(conn, {
          config: config.forecast, policy: config, dataDir: o.dataDir, snapshotId: o.snapshotId, previousSnapshotDir: o.previousSnapshotDir, now: o.now, log
        });
        await createSelectionTable(conn, o.selection);
        return {result: summary};
      }
    },
    {
      name: "anomalies", title: "residual z-scores, events and alarms", reads: ["sites", "production_hourly", "weather_hourly", "quality_events", "fault_labels", "forecasts", "backtest_predictions"],
      writes: [...ANOMALY_TABLES],
      cache: {key: async () => ({anomaly: config.anomaly, code: await codeVersion("anomaly")})},
      run: async ({conn, log}) => ({result: await runAnomalyStage(conn, config, log)})
    },
    {
      name: "snapshot", title: "Parquet snapshot and manifest, swapped in atomically", reads: [...o.snapshotTables], writes: [],
      run: async () => ({result: await o.writeSnapshot()})
    }
  ];
}
