// Build-time entry points behind src/data/*: make sure the snapshot is current (the pipeline runs
// at most once per input state, shared by every loader through the run lock and cache key), then
// stream one table of it to stdout. Logs go to stderr; a failure throws and fails the build.
import {createReadStream} from "node:fs";
import {join} from "node:path";
import {pipeline} from "node:stream/promises";
import {runPipeline, type RunResult} from "../pipeline/run/index.ts";

let ensured: Promise<RunResult> | undefined;

/** Run (or reuse) the pipeline for the configured project: SUNLINE_CONFIG and SUNLINE_DATA_DIR apply. */
export function ensureSnapshot(): Promise<RunResult> {
  return (ensured ??= runPipeline({log: (m) => process.stderr.write(`${m}\n`)}));
}

/** Stream `<table>.parquet` of the current snapshot. */
export async function emitTable(table: string, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const {snapshotDir} = await ensureSnapshot();
  await pipeline(createReadStream(join(snapshotDir, `${table}.parquet`)), out, {end: out !== process.stdout});
}

/** Stream the snapshot's manifest.json (provenance for the freshness badge). */
export async function emitManifest(out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const {snapshotDir} = await ensureSnapshot();
  await pipeline(createReadStream(join(snapshotDir, "manifest.json")), out, {end: out !== process.stdout});
}
