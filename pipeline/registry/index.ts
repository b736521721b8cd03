// Model registry: every trained model kept on disk under a version that is a hash of what made it
// (the training data, the feature list, the parameters and the code), with its training window and
// metrics. Runs append to `<data dir>/models/registry.jsonl`; the model itself is
// `<data dir>/models/<version>.json.gz`. Loading a version gives a model that forecasts exactly as
// the saved one did (test/pipeline/registry.test.ts), so any issued forecast can be reproduced.
import type {DuckDBConnection} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {appendFile, mkdir, readFile, rename, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {gunzipSync, gzipSync} from "node:zlib";
import {fleetFromJSON, type HybridFleet, type HybridFleetJson} from "../forecast/hybrid.ts";
import {sha256, stableStringify} from "../snapshot/hash.ts";

export interface RegistryEntry {
  version: string;
  /** "hybrid" (Prophet per site + fleet GBDT) or "fleet-transfer" (fleet GBDT alone, for new sites). */
  kind: "hybrid" | "fleet-transfer";
  /** "evaluation": fitted before the evaluation window it forecasts; "live": fitted on everything, issues the next forecast. */
  purpose: "evaluation" | "live";
  created_at: string;
  /** Snapshot (run) that first trained it. */
  snapshot_id: string;
  sites: string[];
  /** First and one past the last training hour (ISO UTC). */
  train_start: string;
  train_end: string;
  /** What weather the training rows had: archived forecasts where there are some, else observed. */
  training_weather: string;
  features: string[];
  params: Record<string, unknown>;
  metrics: Record<string, number | null>;
  data_hash: string;
  code_version: string;
  /** Sites it forecasts (a fleet-transfer model is trained on more sites than it forecasts). */
  issue_for?: string[];
  /** Hash of kind, parameters, weather variables and code: what a refit would change (pipeline/retrain). */
  recipe?: string;
  /** Why it was trained (live models: the retraining decision's reasons). */
  reason?: string;
}

export const registryDir = (dataDir: string) => join(dataDir, "models");
const indexPath = (dataDir: string) => join(registryDir(dataDir), "registry.jsonl");
const modelPath = (dataDir: string, version: string) => join(registryDir(dataDir), `${version}.json.gz`);

/** The version: 16 hex digits of the hash of the training data, features, parameters and code. */
export function modelVersion(parts: {kind: string; dataHash: string; features: readonly string[]; params: unknown; codeVersion: string}): string {
  return sha256(stableStringify(parts)).slice(0, 16);
}

/** All registered models, oldest first. */
export async function readRegistry(dataDir: string): Promise<RegistryEntry[]> {
  if (!existsSync(indexPath(dataDir))) return [];
  return (await readFile(indexPath(dataDir), "utf8"))
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as RegistryEntry);
}

/** Saves a model under its version (once: a version already registered is left as it is). */
export async function registerModel(dataDir: string, entry: RegistryEntry, model: HybridFleetJson): Promise<"new" | "known"> {
  await mkdir(registryDir(dataDir), {recursive: true});
  if ((await readRegistry(dataDir)).some((e) => e.version === entry.version) && existsSync(modelPath(dataDir, entry.version))) return "known";
  const tmp = `${modelPath(dataDir, entry.version)}.tmp-${process.pid}`;
  await writeFile(tmp, gzipSync(JSON.stringify(model), {level: 6}));
  await rename(tmp, modelPath(dataDir, entry.version));
  await appendFile(indexPath(dataDir), `${JSON.stringify(entry)}\n`);
  return "new";
}

export async function loadModel(dataDir: string, version: string): Promise<HybridFleet> {
  const path = modelPath(dataDir, version);
  if (!existsSync(path)) {
    const known = (await readRegistry(dataDir)).map((e) => e.version);
    throw new Error(`registry: no model ${version} in ${registryDir(dataDir)} (registered: ${known.join(", ") || "none"})`);
  }
  return fleetFromJSON(JSON.parse(gunzipSync(await readFile(path)).toString("utf8")) as HybridFleetJson);
}

/** `model_registry`: every registered model, newest first, with `in_use` for those this snapshot's forecasts come from. */
export async function createModelRegistryTable(conn: DuckDBConnection, entries: readonly RegistryEntry[], inUse: readonly string[]): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE model_registry (
    version VARCHAR, kind VARCHAR, purpose VARCHAR, created_at TIMESTAMP, snapshot_id VARCHAR, sites VARCHAR, n_sites INTEGER,
    train_start TIMESTAMP, train_end TIMESTAMP, training_weather VARCHAR, features VARCHAR, params VARCHAR, metrics VARCHAR,
    nrmse_pct DOUBLE, skill_rmse DOUBLE, coverage80 DOUBLE, coverage95 DOUBLE, data_hash VARCHAR, code_version VARCHAR, in_use BOOLEAN, reason VARCHAR, issue_for VARCHAR)`);
  for (const e of entries) {
    await conn.run(
      `INSERT INTO model_registry VALUES ($1, $2, $3, CAST($4 AS TIMESTAMPTZ)::TIMESTAMP, $5, $6, $7, CAST($8 AS TIMESTAMPTZ)::TIMESTAMP,
        CAST($9 AS TIMESTAMPTZ)::TIMESTAMP, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
      [
        e.version, e.kind, e.purpose, e.created_at, e.snapshot_id, e.sites.join(", "), e.sites.length, e.train_start, e.train_end, e.training_weather,
        e.features.join(", "), JSON.stringify(e.params), JSON.stringify(e.metrics),
        e.metrics.nrmse_pct ?? null, e.metrics.skill_rmse ?? null, e.metrics.coverage80 ?? null, e.metrics.coverage95 ?? null,
        e.data_hash, e.code_version, inUse.includes(e.version), e.reason ?? null, (e.issue_for ?? e.sites).join(", ")
      ]
    );
  }
}
