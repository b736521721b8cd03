// `sunline ingest FILE…`: run files through ingest and cleaning with the config's column mapping,
// without touching any snapshot, and report what came in and what was rejected.
import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {basename, join, resolve} from "node:path";
import {buildProductionHourly} from "../clean/hourly.ts";
import type {LoadedConfig} from "../config.ts";
import {queryRows, withConnection} from "../db.ts";
import {resolveInputs, type ProductionInput} from "../inputs.ts";
import {messages, SunlineError} from "../messages.ts";
import {ingestAll, summariseIngest, type IngestProgress, type IngestSummary} from "./index.ts";

export async function checkFiles(
  loaded: LoadedConfig,
  dataDir: string,
  files: readonly string[],
  onProgress?: (p: IngestProgress) => void
): Promise<IngestSummary> {
  return withConnection(async (conn) => {
    const glob = async (p: string) => (await queryRows<{file: string}>(conn, "SELECT file FROM glob($1)", [p])).map((r) => r.file);
    const inputs = await resolveInputs(loaded, dataDir, () => {}, glob, {hashFiles: false});
    const production: ProductionInput[] = [];
    for (const file of files) {
      const path = resolve(file);
      const match = await sourceFor(path, inputs.production, loaded, glob);
      if (!match) throw new SunlineError(messages.noSourceForFile(file, [...new Set([...loaded.config.production.map((p) => p.path), ...inputs.production.map((p) => p.label)])]));
      production.push({file: path, label: file, source: match.source});
    }
    // Parsed rows are Parquet parts read by cleaning; a check keeps them only while it runs.
    const partsDir = await mkdtemp(join(tmpdir(), "sunline-ingest-"));
    try {
      await ingestAll(conn, production, inputs.sites.map((s) => s.id), partsDir, onProgress);
      await buildProductionHourly(conn, inputs.sites, loaded.config.clean);
      return await summariseIngest(conn, production.length);
    } finally {
      await rm(partsDir, {recursive: true, force: true});
    }
  }, {memoryLimit: loaded.config.duckdb.memory_limit, threads: loaded.config.duckdb.threads});
}

/** The source whose files include this one: the same path, a config glob matching it, else the same file name. */
async function sourceFor(path: string, known: readonly ProductionInput[], loaded: LoadedConfig, glob: (p: string) => Promise<string[]>) {
  const same = known.find((p) => p.file === path);
  if (same) return same;
  for (const source of loaded.config.production) {
    if ((await glob(resolve(loaded.baseDir, source.path))).includes(path)) return {source};
  }
  return known.find((p) => basename(p.file) === basename(path));
}
