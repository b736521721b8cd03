// Runs the ordered stages on one DuckDB connection: each stage is read back from the stage cache when
// its key (the content of the tables it reads, plus its settings and code) is unchanged, otherwise run;
// a transient failure (network) is retried with backoff, any other failure stops the run with the
// stage, the site when known, and the cause. Every stage leaves a line in the run report.
import type {DuckDBConnection} from "@duckdb/node-api";
import {messages, StageError} from "../messages.ts";
import {sha256, stableStringify} from "../snapshot/hash.ts";
import {stageDependencies, type Stage, type StageOutcome} from "./dag.ts";
import {tableFingerprint, tableRows} from "./fingerprint.ts";
import type {RunEvent} from "./progress.ts";
import {backoffMs, isTransient} from "./retry.ts";
import type {StageCache} from "./stageCache.ts";
import type {StageReport} from "./report.ts";

export interface SuperviseOptions {
  /** Null: no stage is cached (every stage runs), as with --force. */
  cache: StageCache | null;
  onEvent: (event: RunEvent) => void;
  /** First retry's wait; doubles each retry. */
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Stage summaries so far (filled in); later stages and the manifest read them. */
  results: Map<string, unknown>;
  /** The run report's stage lines (filled in as stages end, also when one fails). */
  report: StageReport[];
  /** "prepare" (find inputs, decide whether anything changed) or "build" (the stages that make tables). */
  phase: string;
}

export async function runStages(conn: DuckDBConnection, stages: readonly Stage[], o: SuperviseOptions): Promise<void> {
  const deps = stageDependencies(stages);
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (const [index, stage] of stages.entries()) {
    const started = performance.now();
    o.onEvent({event: "stage_start", phase: o.phase, stage: stage.name, title: stage.title, index: index + 1, total: stages.length});
    const line: StageReport = {
      stage: stage.name, title: stage.title, depends_on: deps[stage.name] ?? [], status: "ran", seconds: 0,
      rows_in: 0, rows_out: 0, cache_hits: 0, cache_misses: 0, retries: 0
    };
    let rowsOut: number | null = null;
    const finish = async (status: StageReport["status"]) => {
      line.status = status;
      line.seconds = round1((performance.now() - started) / 1000);
      if (status !== "failed" && rowsOut === null) for (const t of stage.writes) line.rows_out += await tableRows(conn, t);
      else if (rowsOut !== null) line.rows_out = rowsOut;
      o.report.push(line);
      o.onEvent({event: "stage_end", phase: o.phase, ...line, index: index + 1, total: stages.length});
    };
    try {
      if (stage.rowsIn) line.rows_in = await stage.rowsIn(conn);
      else for (const t of stage.reads) line.rows_in += await tableRows(conn, t);
      const ctx = {
        conn,
        log: (message: string) => o.onEvent({event: "log", stage: stage.name, message}),
        progress: (done: number, of: number, label: string) => o.onEvent({event: "stage_progress", stage: stage.name, done, of, label})
      };
      const attempt = (sites?: readonly string[]) => withRetries(stage, () => stage.run(ctx, sites), line, o, sleep);

      if (!stage.cache || !o.cache) {
        const outcome = await attempt();
        if (outcome?.rowsIn !== undefined) line.rows_in = outcome.rowsIn;
        if (outcome?.rowsOut !== undefined) rowsOut = outcome.rowsOut;
        line.cache_hits = outcome?.cacheHits ?? (outcome?.cached ? 1 : 0);
        line.cache_misses = outcome?.cacheMisses ?? (outcome?.cached === false ? 1 : 0);
        if (outcome?.result !== undefined) o.results.set(stage.name, outcome.result);
        await finish(outcome?.cached ? "cached" : line.cache_hits > 0 ? "partly cached" : "ran");
        continue;
      }
      const base = await stage.cache.key();
      if (stage.cache.perSite) {
        await runPerSite(conn, stage, base, o.cache, attempt, line);
        await finish(line.cache_misses === 0 ? "cached" : line.cache_hits === 0 ? "ran" : "partly cached");
        continue;
      }
      const reads: Record<string, string> = {};
      for (const t of stage.reads) {
        const f = await tableFingerprint(conn, t);
        reads[t] = `${f.rows}:${f.hash}`;
      }
      const key = sha256(stableStringify({stage: stage.name, reads, base})).slice(0, 16);
      const hit = await o.cache.load(conn, stage.name, key, stage.writes);
      if (hit) {
        line.cache_hits = 1;
        if (hit.result !== undefined) o.results.set(stage.name, hit.result);
        await finish("cached");
        continue;
      }
      line.cache_misses = 1;
      const outcome = await attempt();
      if (outcome?.result !== undefined) o.results.set(stage.name, outcome.result);
      await o.cache.save(conn, stage.name, key, stage.writes, outcome?.result);
      await finish("ran");
    } catch (error) {
      await finish("failed");
      if (error instanceof StageError) throw error;
      const site = (error as {site?: unknown})?.site;
      throw new StageError(stage.name, typeof site === "string" ? site : null, error instanceof Error ? error.message : String(error), line.retries + 1, error);
    }
  }
}

/**
 * A per-site stage: sites whose key is cached are read back; the stage runs for the rest only (or not
 * at all), then each recomputed site's rows are cached apart.
 */
async function runPerSite(
  conn: DuckDBConnection, stage: Stage, base: unknown, cache: StageCache,
  attempt: (sites?: readonly string[]) => Promise<StageOutcome | void>, line: StageReport
): Promise<void> {
  const siteKeys = await stage.cache!.perSite!.siteKeys(conn);
  const keyOf = new Map([...siteKeys].map(([site, k]) => [site, sha256(stableStringify({stage: stage.name, base, site, k})).slice(0, 16)]));
  const stale = [...keyOf].filter(([, key]) => !cache.hasSite(stage.name, key)).map(([site]) => site).sort();
  const fresh = [...keyOf].filter(([site]) => !stale.includes(site)).sort(([a], [b]) => (a < b ? -1 : 1));
  line.cache_hits = fresh.length;
  line.cache_misses = stale.length;
  // The stage always runs when any site is stale, and also with none at all, so that its tables exist
  // with their schema even for an empty fleet.
  if (stale.length > 0 || fresh.length === 0) await attempt(stale);
  for (const [i, [, key]] of fresh.entries()) await cache.loadSite(conn, stage.name, key, stage.writes, i === 0 && stale.length === 0);
  for (const site of stale) await cache.saveSite(conn, stage.name, keyOf.get(site)!, site, stage.writes);
  await cache.pruneSites(stage.name, new Set(keyOf.values()));
  line.note = `${stale.length} of ${keyOf.size} sites recomputed`;
}

async function withRetries(
  stage: Stage, run: () => Promise<StageOutcome | void>, line: StageReport, o: SuperviseOptions, sleep: (ms: number) => Promise<void>
): Promise<StageOutcome | void> {
  const retries = stage.retries ?? 2;
  for (let n = 1; ; n++) {
    try {
      return await run();
    } catch (error) {
      if (n > retries || !isTransient(error)) throw error;
      const wait = backoffMs(n, o.retryBaseMs ?? 1000);
      const cause = error instanceof Error ? error.message : String(error);
      line.retries = n;
      o.onEvent({event: "retry", stage: stage.name, attempt: n, wait_s: wait / 1000, cause});
      o.onEvent({event: "log", stage: stage.name, message: messages.stageRetry(stage.name, n, wait / 1000, cause)});
      await sleep(wait);
    }
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
