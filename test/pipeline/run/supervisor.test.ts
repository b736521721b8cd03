import {describe, expect, it} from "vitest";
import {queryRows, withConnection} from "../../../pipeline/db.ts";
import {StageError, SunlineError} from "../../../pipeline/messages.ts";
import {orderStages, type Stage} from "../../../pipeline/run/dag.ts";
import type {RunEvent} from "../../../pipeline/run/progress.ts";
import type {StageReport} from "../../../pipeline/run/report.ts";
import {isTransient} from "../../../pipeline/run/retry.ts";
import {StageCache} from "../../../pipeline/run/stageCache.ts";
import {runStages, type SuperviseOptions} from "../../../pipeline/run/supervisor.ts";
import {withTempDir} from "../../helpers.ts";

const stage = (name: string, reads: string[], writes: string[], run: Stage["run"] = async () => {}, extra: Partial<Stage> = {}): Stage => ({name, title: name, reads, writes, run, ...extra});

function supervise(cache: StageCache | null, waits: number[] = [], events: RunEvent[] = []): SuperviseOptions {
  return {phase: "build", cache, onEvent: (e) => events.push(e), results: new Map(), report: [], retryBaseMs: 100, sleep: async (ms) => void waits.push(ms)};
}

describe("orderStages", () => {
  it("puts every stage after the stages whose tables it reads, keeping declared order otherwise", () => {
    const order = orderStages([stage("report", ["hourly", "weather"], []), stage("weather", [], ["weather"]), stage("clean", ["raw"], ["hourly"]), stage("ingest", [], ["raw"])]);
    expect(order.map((s) => s.name)).toEqual(["weather", "ingest", "clean", "report"]);
  });

  it("names the stage and table of a broken declaration", () => {
    expect(() => orderStages([stage("a", [], ["t"]), stage("b", [], ["t"])])).toThrow('table "t" is written by both stage "a" and stage "b"');
    expect(() => orderStages([stage("a", ["missing"], [])])).toThrow('stage "a" reads table "missing", which no stage writes');
    expect(() => orderStages([stage("a", ["y"], ["x"]), stage("b", ["x"], ["y"])])).toThrow('stages "a", "b" depend on each other in a cycle');
    expect(() => orderStages([stage("a", [], [], undefined, {after: ["nope"]})])).toThrow('runs after "nope", which is not a stage');
  });
});

describe("runStages", () => {
  it("retries a transient failure with doubling waits and reports the retries", async () => {
    await withConnection(async (conn) => {
      let calls = 0;
      const flaky = stage("fetch", [], ["t"], async ({conn}) => {
        calls++;
        if (calls < 3) throw Object.assign(new Error("socket hang up"), {code: "ECONNRESET"});
        await conn.run("CREATE OR REPLACE TABLE t AS SELECT 1 AS x");
      });
      const waits: number[] = [];
      const o = supervise(null, waits);
      await runStages(conn, [flaky], o);
      expect(calls).toBe(3);
      expect(waits).toEqual([100, 200]);
      expect(o.report[0]).toMatchObject({stage: "fetch", status: "ran", retries: 2, rows_out: 1});
    });
  });

  it("stops at once on a real error, naming the stage, the site and the cause", async () => {
    await withConnection(async (conn) => {
      let calls = 0;
      const bad = stage("clean", [], [], async () => {
        calls++;
        throw new SunlineError("capacity_kw must be positive, got -5", {site: "es-seville"});
      });
      const never = stage("later", [], [], async () => void (calls += 100));
      const o = supervise(null);
      const error = await runStages(conn, [bad, never], o).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StageError);
      expect((error as StageError).message).toBe('stage "clean" failed at site es-seville: capacity_kw must be positive, got -5');
      expect((error as StageError).stage).toBe("clean");
      expect(calls).toBe(1);
      expect(o.report.map((r) => [r.stage, r.status])).toEqual([["clean", "failed"]]);
    });
  });

  it("gives up on a transient failure after its retries, saying how many attempts it made", async () => {
    await withConnection(async (conn) => {
      const down = stage("collect", [], [], async () => {
        throw Object.assign(new Error("503 Service Unavailable"), {status: 503});
      }, {retries: 1});
      const error = await runStages(conn, [down], supervise(null)).catch((e: unknown) => e);
      expect((error as Error).message).toBe('stage "collect" failed after 2 attempts: 503 Service Unavailable');
    });
  });

  it("reads a stage back from its cache while what it reads is unchanged, and reruns it when that changes", async () => {
    await withTempDir(async (dir) => {
      const cache = new StageCache(dir);
      let runs = 0;
      const source = (v: number) => stage("source", [], ["raw"], async ({conn}) => void (await conn.run(`CREATE OR REPLACE TABLE raw AS SELECT range AS i, range * ${v} AS v FROM range(5)`)));
      const double = stage("double", ["raw"], ["doubled"], async ({conn}) => {
        runs++;
        await conn.run("CREATE OR REPLACE TABLE doubled AS SELECT i, v * 2 AS w FROM raw");
        return {result: {note: "doubled"}};
      }, {cache: {key: async () => ({factor: 2})}});
      const sum = (conn: Parameters<Stage["run"]>[0]["conn"]) => queryRows<{s: number}>(conn, "SELECT sum(w)::DOUBLE AS s FROM doubled").then((r) => r[0].s);

      const first = supervise(cache);
      await withConnection(async (conn) => {
        await runStages(conn, [source(1), double], first);
        expect(await sum(conn)).toBe(20);
      });
      const second = supervise(cache);
      await withConnection(async (conn) => {
        await runStages(conn, [source(1), double], second);
        expect(await sum(conn)).toBe(20);
      });
      expect(runs).toBe(1);
      expect(second.report[1]).toMatchObject({stage: "double", status: "cached", cache_hits: 1, rows_in: 5, rows_out: 5});
      expect(second.results.get("double")).toEqual({note: "doubled"});
      await withConnection(async (conn) => {
        await runStages(conn, [source(3), double], supervise(cache));
        expect(await sum(conn)).toBe(60);
      });
      expect(runs).toBe(2);
    });
  });

  it("recomputes only the sites whose inputs changed, and the result equals a full recompute", async () => {
    await withTempDir(async (dir) => {
      const cache = new StageCache(dir);
      const computed: string[][] = [];
      const raw = (values: Record<string, number>) =>
        stage("raw", [], ["raw"], async ({conn}) =>
          void (await conn.run(`CREATE OR REPLACE TABLE raw AS SELECT * FROM (VALUES ${Object.entries(values).map(([s, v]) => `('${s}', ${v})`).join(", ")}) t(site_id, v)`))
        );
      const perSite = stage("per_site", ["raw"], ["out"], async ({conn}, sites) => {
        // No list: every site (an uncached run).
        computed.push(sites ? [...sites] : ["all"]);
        const where = sites ? `site_id IN (${sites.map((s) => `'${s}'`).join(", ") || "NULL"})` : "true";
        await conn.run(`CREATE OR REPLACE TABLE out AS SELECT site_id, v * 10 AS w FROM raw WHERE ${where}`);
      }, {
        cache: {
          key: async () => "v1",
          perSite: {siteKeys: async (conn) => new Map((await queryRows<{site_id: string; v: number}>(conn, "SELECT site_id, v FROM raw")).map((r) => [r.site_id, r.v]))}
        }
      });
      const rows = (conn: Parameters<Stage["run"]>[0]["conn"]) => queryRows(conn, "SELECT site_id, w FROM out ORDER BY site_id");

      await withConnection((conn) => runStages(conn, [raw({a: 1, b: 2, c: 3}), perSite], supervise(cache)));
      const o = supervise(cache);
      const incremental = await withConnection(async (conn) => {
        await runStages(conn, [raw({a: 1, b: 5, c: 3}), perSite], o);
        return rows(conn);
      });
      expect(computed).toEqual([["a", "b", "c"], ["b"]]);
      expect(o.report[1]).toMatchObject({status: "partly cached", cache_hits: 2, cache_misses: 1, note: "1 of 3 sites recomputed"});
      const full = await withConnection(async (conn) => {
        await runStages(conn, [raw({a: 1, b: 5, c: 3}), perSite], supervise(null));
        return rows(conn);
      });
      expect(incremental).toEqual(full);
      expect(full).toEqual([{site_id: "a", w: 10}, {site_id: "b", w: 50}, {site_id: "c", w: 30}]);

      // Nothing changed: the stage does not run at all, and its table is rebuilt from the cache.
      const again = supervise(cache);
      const cached = await withConnection(async (conn) => {
        await runStages(conn, [raw({a: 1, b: 5, c: 3}), perSite], again);
        return rows(conn);
      });
      expect(computed).toEqual([["a", "b", "c"], ["b"], ["all"]]);
      expect(cached).toEqual(full);
      expect((again.report as StageReport[])[1].status).toBe("cached");
    });
  });
});

describe("isTransient", () => {
  it("retries network and overload failures only", () => {
    expect(isTransient(Object.assign(new Error("x"), {code: "ETIMEDOUT"}))).toBe(true);
    expect(isTransient(new Error("fetch failed", {cause: Object.assign(new Error("y"), {code: "UND_ERR_SOCKET"})}))).toBe(true);
    expect(isTransient(Object.assign(new Error("x"), {status: 429}))).toBe(true);
    expect(isTransient(Object.assign(new Error("x"), {status: 404}))).toBe(false);
    expect(isTransient(new SunlineError("bad value in line 3"))).toBe(false);
  });
});
