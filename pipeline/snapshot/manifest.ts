// manifest.json: the provenance of one snapshot, shown by the pages (freshness badge).
import type {AnomalyStageSummary} from "../anomaly/index.ts";
import type {BacktestStageSummary} from "../backtest/stage.ts";
import type {ForecastStageSummary} from "../forecast/stage.ts";
import type {RunReport} from "../run/report.ts";
import type {ProviderStatus} from "../weather/collect.ts";

export interface TableStats {
  rows: number;
  min_ts: string | null;
  max_ts: string | null;
  sha256: string;
  bytes: number;
}

/** One table's hive partitions (snapshot/partitions.ts): a file per site and UTC year. */
export interface TablePartitions {
  by: ["site_id", "year"];
  files: {site_id: string; year: number; rows: number; bytes: number; min_ts: string; max_ts: string; /** Relative to the snapshot folder. */ path: string}[];
}

export interface InputFile {
  path: string;
  sha256: string;
  bytes: number;
  role: "production" | "weather" | "labels";
}

export interface Manifest {
  snapshot_id: string;
  created_at: string;
  /** Hash of config, inputs and code: equal keys mean an equal snapshot. */
  cache_key: string;
  config_hash: string;
  config_path: string;
  code_version: string;
  project: string;
  inputs: InputFile[];
  /** Set when the snapshot is one shard of the fleet (`run --shard i/n`): which, and its sites. */
  shard?: {index: number; count: number; sites: string[]};
  /**
   * Set when the snapshot is a merge of a fleet's shard snapshots (`sunline merge`, pipeline/run/merge.ts):
   * each shard's snapshot and sites, and its data dir as the merge was given it.
   */
  merged_from?: {index: number; count: number; snapshot_id: string; created_at: string; data_dir: string; sites: string[]}[];
  tables: Record<string, TableStats>;
  /** The tables also written hive-partitioned by site and year, with their files. */
  partitions?: Record<string, TablePartitions>;
  weather: {source: string; fetched_at: string | null; stale: boolean; providers?: ProviderStatus[]};
  stale: {weather: boolean};
  /** What the forecast stage fitted and issued (pipeline/forecast/stage.ts). */
  forecast?: ForecastStageSummary;
  /** The walk-forward backtest: computed or reused, windows, timings (pipeline/backtest/stage.ts). */
  backtest?: BacktestStageSummary;
  /** Anomaly detection: settings, counts, and the score against fault labels where there are any (pipeline/anomaly). */
  anomaly?: AnomalyStageSummary;
  /** Seconds the run took. */
  duration_s: number;
  /** The run that wrote this snapshot, stage by stage, up to the snapshot stage (pipeline/run/report.ts). */
  run?: RunReport;
  /** The runs before it, newest first, without their stages. */
  recent_runs?: Omit<RunReport, "stages" | "machine">[];
}
