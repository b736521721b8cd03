// `sunline merge`: the shards of one run become one snapshot. A single shard (1/1) merged gives
// back its own snapshot, fleet rows included: the rescoring reproduces the run's scoring from the
// stored rows. Two shards merge into per-site tables that are their union (the data tables equal a
// whole-fleet run's), and fleet rows that are the fleet's, checked against SQL written here from
// the definitions. A set of shards that is not one run's is refused, naming why.
import {cp, mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {parseConfig, type LoadedConfig} from "../../../pipeline/config.ts";
import {queryRows, sqlString, withConnection} from "../../../pipeline/db.ts";
import {runPipeline, SNAPSHOT_TABLES, type RunResult} from "../../../pipeline/run/index.ts";
import {mergeShards} from "../../../pipeline/run/merge.ts";
import {readRuns} from "../../../pipeline/run/report.ts";
import {siteShard} from "../../../pipeline/run/shard.ts";
import {currentSnapshotDir, readManifest} from "../../../pipeline/snapshot/read.ts";

const quiet = () => {};
const now = () => new Date("2026-01-01T00:00:00Z");
// de-freiburg and us-phoenix hash to shard 1 of 2, es-seville to shard 2 (asserted below).
const SITES = ["de-freiburg", "us-phoenix", "es-seville"];

const config: LoadedConfig = parseConfig(
  {
    name: "merge",
    demo: {sites: SITES, start: "2025-02-01T00:00:00Z", end: "2025-05-20T00:00:00Z"},
    forecast: {evaluation_days: 7, transfer_curve: {enabled: false}},
    backtest: {origins: 2, min_train_days: 45, test_days: 14, step_days: 14}
  },
  "<merge>",
  "."
);

/** A table's rows, sorted, each as its column values. */
async function rows(snapshotDir: string, table: string, where = "true"): Promise<Record<string, unknown>[]> {
  return withConnection(async (conn) => {
    const out = await queryRows(conn, `SELECT * FROM read_parquet(${sqlString(join(snapshotDir, `${table}.parquet`))}) WHERE ${where}`);
    return out.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  });
}

/** Equal row sets, numbers within a relative 1e-9 (a sum in another order differs in the last bits). */
function expectSameRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const key = (r: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([, v]) => typeof v !== "number")));
  const byKey = new Map<string, Record<string, unknown>[]>();
  for (const r of expected) (byKey.get(key(r)) ?? byKey.set(key(r), []).get(key(r))!).push(r);
  for (const r of actual) {
    const candidates = byKey.get(key(r));
    expect(candidates?.length, `${what}: no row like ${key(r)}`).toBeGreaterThan(0);
    const close = (a: unknown, b: unknown) => typeof a === "number" && typeof b === "number" && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
    const k = candidates!.findIndex((c) => Object.keys(r).every((col) => (typeof r[col] === "number" ? close(r[col], c[col]) : true)));
    expect(k, `${what}: numbers differ for ${key(r)}: ${JSON.stringify(r)} vs ${JSON.stringify(candidates)}`).toBeGreaterThanOrEqual(0);
    candidates!.splice(k, 1);
  }
}

describe("mergeShards", () => {
  let dir = "";
  let whole: RunResult, s1: RunResult, s2: RunResult;
  const one = () => join(dir, "shards", "one");
  const two = () => join(dir, "shards", "two");
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sunline-merge-"));
    // The whole fleet as one shard (1/1), and as two.
    whole = await runPipeline({config, dataDir: join(dir, "whole"), log: quiet, now, shard: {index: 1, count: 1}});
    s1 = await runPipeline({config, dataDir: one(), log: quiet, now, shard: {index: 1, count: 2}});
    s2 = await runPipeline({config, dataDir: two(), log: quiet, now, shard: {index: 2, count: 2}});
  }, 300_000);
  afterAll(() => rm(dir, {recursive: true, force: true}));

  it("gives back a single shard's snapshot, fleet rows rescored from its per-site rows", {timeout: 60_000}, async () => {
    const merged = await mergeShards({shards: [join(dir, "whole")], dataDir: join(dir, "merged-whole"), log: quiet, now});
    expect(merged).toMatchObject({skipped: false, shards: 1, sites: 3});
    // The rescored rows are there to compare (a merge that kept the shard's fleet rows would pass unseen otherwise).
    expect(merged.fleetRows.backtest_metrics).toBeGreaterThan(0);
    expect(merged.fleetRows.forecast_accuracy).toBeGreaterThan(0);
    expect((await rows(merged.snapshotDir, "anomaly_evaluation")).length).toBeGreaterThan(0);
    for (const {name} of SNAPSHOT_TABLES) {
      if (name === "drift") continue;
      expectSameRows(await rows(merged.snapshotDir, name), await rows(whole.snapshotDir, name), name);
    }
    // Drift's fleet row is the shard's own, labelled as such.
    const drift = await rows(whole.snapshotDir, "drift");
    expect(drift.some((r) => r.site_id === "fleet")).toBe(true);
    expectSameRows(await rows(merged.snapshotDir, "drift"), drift.map((r) => ({...r, site_id: r.site_id === "fleet" ? "fleet (shard 1/1)" : r.site_id})), "drift");

    const [m, s] = [await readManifest(merged.snapshotDir), await readManifest(whole.snapshotDir)];
    expect(m.shard).toBeUndefined();
    expect(m.merged_from).toEqual([{index: 1, count: 1, snapshot_id: s.snapshot_id, created_at: s.created_at, data_dir: join(dir, "whole"), sites: s.shard!.sites}]);
    expect(m.anomaly?.evaluation).toEqual(s.anomaly?.evaluation);
    expect(m.inputs).toEqual(s.inputs);
    expect({...m.forecast, retraining: null}).toEqual({...s.forecast, retraining: null});
    expect(m.forecast!.retraining!.reasons).toEqual(s.forecast!.retraining!.reasons.map((r) => `shard 1/1: ${r}`));
    // The manifest's report runs up to the snapshot stage (as a run's does); runs.jsonl has it whole.
    expect(m.run?.stages.map((x) => x.stage)).toEqual(["union", "fleet"]);
    expect((await readRuns(join(dir, "merged-whole")))[0].stages.map((x) => x.stage)).toEqual(["union", "fleet", "snapshot"]);
  });

  it("merges two shards: per-site tables are the union, fleet rows the fleet's", {timeout: 60_000}, async () => {
    expect(SITES.map((s) => siteShard(s, 2))).toEqual([1, 1, 2]);
    const out = join(dir, "merged");
    // Shard order on the command line does not matter.
    const merged = await mergeShards({shards: [two(), one()], dataDir: out, log: quiet, now});
    const dirM = merged.snapshotDir;
    expect(merged).toMatchObject({skipped: false, shards: 2, sites: 3});
    // Data tables depend on the data alone: equal to one run of the whole fleet.
    for (const table of ["sites", "production_hourly", "weather_hourly", "data_quality", "rejects", "quality_events", "fault_labels"])
      expectSameRows(await rows(dirM, table), await rows(whole.snapshotDir, table), table);
    // Model outputs are per shard (each fitted its own fleet GBDT): the union of the shards'.
    for (const table of ["forecasts", "backtest_predictions", "anomalies", "anomaly_events", "model_registry"]) {
      const union = [...(await rows(s1.snapshotDir, table)), ...(await rows(s2.snapshotDir, table))];
      expectSameRows(await rows(dirM, table), union, table);
    }
    for (const table of ["backtest_metrics", "forecast_accuracy"]) {
      const union = [...(await rows(s1.snapshotDir, table, "site_id <> 'fleet'")), ...(await rows(s2.snapshotDir, table, "site_id <> 'fleet'"))];
      expectSameRows(await rows(dirM, table, "site_id <> 'fleet'"), union, table);
    }

    await withConnection(async (conn) => {
      const t = (table: string) => `read_parquet(${sqlString(join(dirM, `${table}.parquet`))})`;
      // The fleet's backtest accuracy from its definition: RMSE of capacity-normalised daytime hours with an outcome.
      const sql = await queryRows<{window: number; horizon: string; model: string; n: number; nrmse_pct: number; bias_pct: number}>(conn, `
        WITH p AS (
          SELECT b."window", b.horizon_h, (b.forecast_kwh - b.actual_kwh) / s.capacity_kw AS e
          FROM ${t("backtest_predictions")} b JOIN ${t("sites")} s USING (site_id)
          WHERE b.sun_up AND b.actual_kwh IS NOT NULL)
        SELECT "window", 'all' AS horizon, 'hybrid' AS model, count(*)::INTEGER AS n, 100 * sqrt(avg(e * e)) AS nrmse_pct FROM p GROUP BY ALL
        UNION ALL SELECT 0, 'all', 'hybrid', count(*)::INTEGER, 100 * sqrt(avg(e * e)) FROM p
        UNION ALL SELECT 0, '1–24 h', 'hybrid', count(*)::INTEGER, 100 * sqrt(avg(e * e)) FROM p WHERE horizon_h <= 24`);
      const fleet = await queryRows<{window: number; horizon: string; model: string; n: number; nrmse_pct: number}>(conn,
        `SELECT "window", horizon, model, n, nrmse_pct FROM ${t("backtest_metrics")} WHERE site_id = 'fleet' AND model = 'hybrid' AND horizon IN ('all', '1–24 h')`);
      expect(sql.length).toBe(4);
      for (const want of sql) {
        const got = fleet.find((f) => f.window === want.window && f.horizon === want.horizon)!;
        expect(got.n).toBe(want.n);
        expect(got.nrmse_pct).toBeCloseTo(want.nrmse_pct, 9);
      }
      // Every fleet row counts the hours of its sites' rows (same window, band and model).
      const counts = await queryRows<{bad: number; rows: number}>(conn, `
        SELECT count(*) FILTER (WHERE f.n <> s.n)::INTEGER AS bad, count(*)::INTEGER AS rows
        FROM (SELECT * FROM ${t("backtest_metrics")} WHERE site_id = 'fleet') f
        JOIN (SELECT "window", horizon, model, sum(n) AS n FROM ${t("backtest_metrics")} WHERE site_id <> 'fleet' GROUP BY ALL) s USING ("window", horizon, model)`);
      expect(counts[0].rows).toBeGreaterThan(20);
      expect(counts[0].bad).toBe(0);
      const accuracy = await queryRows<{bad: number; rows: number}>(conn, `
        SELECT count(*) FILTER (WHERE f.n <> s.n)::INTEGER AS bad, count(*)::INTEGER AS rows
        FROM (SELECT * FROM ${t("forecast_accuracy")} WHERE site_id = 'fleet') f
        JOIN (SELECT horizon, model, sum(n) AS n FROM ${t("forecast_accuracy")} WHERE site_id <> 'fleet' GROUP BY ALL) s USING (horizon, model)`);
      expect(accuracy[0].rows).toBe(15);
      expect(accuracy[0].bad).toBe(0);
      // Two shards, two evaluation models: a fleet row names none.
      expect(await queryRows(conn, `SELECT DISTINCT model_version FROM ${t("forecast_accuracy")} WHERE site_id = 'fleet'`)).toEqual([{model_version: null}]);
      // By hour: the hours of every site.
      const byHour = await queryRows<{n: number}>(conn, `SELECT sum(n)::INTEGER AS n FROM ${t("backtest_by_hour")} WHERE model = 'hybrid'`);
      expect(byHour[0].n).toBe(sql.find((r) => r.window === 0 && r.horizon === "all")!.n);
    });

    // Windows: the same origins, with every shard's sites and rows.
    const windows = await rows(dirM, "backtest_windows");
    const w1 = await rows(s1.snapshotDir, "backtest_windows");
    const w2 = await rows(s2.snapshotDir, "backtest_windows");
    expect(windows.map((w) => w.window)).toEqual([1, 2]);
    windows.forEach((w, k) => {
      expect(w.origin).toEqual(w1[k].origin);
      expect(w.sites).toBe(3);
      expect(w.rows).toBe((w1[k].rows as number) + (w2[k].rows as number));
      expect(w.fit_seconds).toBe(Math.max(w1[k].fit_seconds as number, w2[k].fit_seconds as number));
    });
    // Anomaly evaluation over both shards' alarms: every label of the fleet, every alarm.
    const [all] = await rows(dirM, "anomaly_evaluation", "fault = 'all'");
    const [wholeAll] = await rows(whole.snapshotDir, "anomaly_evaluation", "fault = 'all'");
    expect(all.labels).toBe(wholeAll.labels);
    const [e1] = await rows(s1.snapshotDir, "anomaly_evaluation", "fault = 'all'");
    const [e2] = await rows(s2.snapshotDir, "anomaly_evaluation", "fault = 'all'");
    expect(all.labels).toBe((e1.labels as number) + (e2.labels as number));
    expect(all.alarms).toBe((e1.alarms as number) + (e2.alarms as number));
    expect(all.false_alarms).toBe((e1.false_alarms as number) + (e2.false_alarms as number));
    expect(all.found).toBe((e1.found as number) + (e2.found as number));

    const m = await readManifest(dirM);
    const [m1, m2] = [await readManifest(s1.snapshotDir), await readManifest(s2.snapshotDir)];
    expect(m.merged_from!.map((s) => [s.index, s.snapshot_id, s.sites])).toEqual([[1, m1.snapshot_id, ["de-freiburg", "us-phoenix"]], [2, m2.snapshot_id, ["es-seville"]]]);
    for (const {name} of SNAPSHOT_TABLES) {
      if (["backtest_metrics", "forecast_accuracy", "backtest_windows", "backtest_by_hour", "anomaly_evaluation"].includes(name)) continue;
      expect(m.tables[name].rows, name).toBe(m1.tables[name].rows + m2.tables[name].rows);
    }
    expect(m.forecast!.rows).toBe(m1.forecast!.rows + m2.forecast!.rows);
    expect(m.anomaly!.events).toBe(m1.anomaly!.events + m2.anomaly!.events);
    expect(m.anomaly!.evaluation!.precision).toBe(all.precision);
    expect(m.backtest!.predictions).toBe(m1.backtest!.predictions + m2.backtest!.predictions);
    expect(Object.keys(m.partitions!.forecasts.files.reduce((a, f) => ({...a, [f.site_id]: 1}), {})).sort()).toEqual([...SITES].sort());

    // The merged data dir is what a build shows: a run there reuses it, and so does a second merge.
    const again = await runPipeline({config, dataDir: out, log: quiet, now});
    expect(again).toMatchObject({skipped: true, snapshotId: merged.snapshotId});
    expect(await mergeShards({shards: [one(), two()], dataDir: out, log: quiet, now})).toMatchObject({skipped: true, snapshotId: merged.snapshotId});

  });

  it("refuses shards that are not one run's, naming why", {timeout: 60_000}, async () => {
    // Not one run's shards: each refusal names what is wrong.
    await expect(mergeShards({shards: [one()], dataDir: join(dir, "x"), log: quiet})).rejects.toThrow("shard 2 of 2 is missing");
    await expect(mergeShards({shards: [one(), one(), two()], dataDir: join(dir, "x"), log: quiet})).rejects.toThrow("shard 1 of 2 is given more than once");
    await expect(mergeShards({shards: [one(), join(dir, "whole")], dataDir: join(dir, "x"), log: quiet})).rejects.toThrow("runs of 2 and 1 shards");
    await expect(mergeShards({shards: [one(), two()], dataDir: one(), log: quiet})).rejects.toThrow("is one of the shards");
    await expect(mergeShards({shards: [one(), join(dir, "none")], dataDir: join(dir, "x"), log: quiet})).rejects.toThrow("has no snapshot");
    // A shard whose data ended a day later: its window 2 starts elsewhere.
    const late = join(dir, "shards", "late");
    await cp(two(), late, {recursive: true, verbatimSymlinks: true});
    const lateDir = (await currentSnapshotDir(late))!;
    await withConnection(async (conn) => {
      const file = join(lateDir, "backtest_windows.parquet");
      await conn.run(`CREATE TABLE w AS SELECT * REPLACE (CASE WHEN "window" = 2 THEN origin + INTERVAL 1 DAY ELSE origin END AS origin) FROM read_parquet(${sqlString(file)})`);
      await conn.run(`COPY w TO ${sqlString(file)} (FORMAT parquet)`);
    });
    await expect(mergeShards({shards: [one(), late], dataDir: join(dir, "x"), log: quiet})).rejects.toThrow(/backtest window 2 differs between shards \(shard 1\/2: origin .*; shard 2\/2: origin /);
  });
});
