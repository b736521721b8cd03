// The pipeline as a declared DAG: each stage names the tables it reads and writes, and the order
// (and every dependency) follows from those declarations, so a stage cannot silently read a table
// that nothing before it made. The supervisor (supervisor.ts) runs the ordered list.
import type {DuckDBConnection} from "@duckdb/node-api";
import {messages, SunlineError} from "../messages.ts";

export interface StageContext {
  conn: DuckDBConnection;
  log: (message: string) => void;
  /** Progress inside a long stage: done of total, and what was just done. */
  progress: (done: number, total: number, label: string) => void;
}

export interface StageOutcome {
  /** JSON-safe summary kept with the stage (the manifest's forecast, backtest, anomaly blocks). */
  result?: unknown;
  /** The stage reused its own cache (the backtest's, ingest's bronze), so the run report counts it as cached. */
  cached?: boolean;
  /** Entries of its own cache read back and recomputed (ingest: files from bronze and parsed). */
  cacheHits?: number;
  cacheMisses?: number;
  /** Rows read from outside the DAG (input files), when its tables are not what it reads. */
  rowsIn?: number;
  /** Rows it produced, when its tables hold something else (ingest: parts and counts, the rows are in bronze). */
  rowsOut?: number;
}

export interface Stage {
  name: string;
  /** What it does, for the run report and `sunline status`. */
  title: string;
  /** Tables made by earlier stages that it reads: their content is part of its cache key. */
  reads: readonly string[];
  /** Tables it (re)creates. */
  writes: readonly string[];
  /** Stages it must follow without reading their tables (e.g. weather collection before inputs). */
  after?: readonly string[];
  /**
   * Cached under a key over its read tables' content and `key()` (settings, code, input files):
   * with an equal key its tables are read back instead of recomputed. Without it, it always runs.
   */
  cache?: {
    key: () => Promise<unknown>;
    /**
     * Per-site cache: each site's part of the written tables (they all have site_id) is kept under
     * a key over `siteKeys()` for that site, and `run` gets only the sites whose key changed.
     */
    perSite?: {siteKeys: (conn: DuckDBConnection) => Promise<Map<string, unknown>>};
  };
  /** What "rows in" means for it, when not the rows of the tables it reads (clean: the raw samples). */
  rowsIn?: (conn: DuckDBConnection) => Promise<number>;
  /** Retries on a transient error (network): attempts after the first. Default 2. */
  retries?: number;
  run: (ctx: StageContext, sites?: readonly string[]) => Promise<StageOutcome | void>;
}

/**
 * The stages in an order where every stage comes after the stages whose tables it reads (and those
 * it names in `after`), keeping the declared order where it is free. Rejects a table written twice,
 * a table read that no stage writes (unless `external` says it already exists), unknown `after`
 * names and cycles, naming the stage.
 */
export function orderStages(stages: readonly Stage[], external: readonly string[] = []): Stage[] {
  const writer = new Map<string, string>();
  for (const s of stages) {
    for (const t of s.writes) {
      const other = writer.get(t);
      if (other) throw new SunlineError(messages.dagTableWrittenTwice(t, other, s.name));
      writer.set(t, s.name);
    }
  }
  const names = new Set(stages.map((s) => s.name));
  const deps = new Map<string, Set<string>>();
  for (const s of stages) {
    const d = new Set<string>();
    for (const t of s.reads) {
      const w = writer.get(t);
      if (w === undefined) {
        if (!external.includes(t)) throw new SunlineError(messages.dagUnknownTable(s.name, t));
      } else if (w !== s.name) d.add(w);
    }
    for (const a of s.after ?? []) {
      if (!names.has(a)) throw new SunlineError(messages.dagUnknownStage(s.name, a));
      d.add(a);
    }
    deps.set(s.name, d);
  }
  const ordered: Stage[] = [];
  const done = new Set<string>();
  while (ordered.length < stages.length) {
    const next = stages.find((s) => !done.has(s.name) && [...deps.get(s.name)!].every((d) => done.has(d)));
    if (!next) throw new SunlineError(messages.dagCycle(stages.filter((s) => !done.has(s.name)).map((s) => s.name)));
    ordered.push(next);
    done.add(next.name);
  }
  return ordered;
}

/** Each stage's direct dependencies, for the run report and the docs. */
export function stageDependencies(stages: readonly Stage[]): Record<string, string[]> {
  const writer = new Map(stages.flatMap((s) => s.writes.map((t) => [t, s.name] as const)));
  return Object.fromEntries(
    stages.map((s) => [s.name, [...new Set([...s.reads.map((t) => writer.get(t)).filter((w): w is string => !!w && w !== s.name), ...(s.after ?? [])])]])
  );
}
