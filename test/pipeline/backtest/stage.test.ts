// The backtest as a run stage: computed once, read back while data, settings and code are
// unchanged, recomputed when the data changes; too little history gives empty tables and a note.
import {mkdtemp, readdir, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {runBacktestStage} from "../../../pipeline/backtest/index.ts";
import {queryRows, withConnection} from "../../../pipeline/db.ts";
import {config, DAY, END, fleetTables} from "./fleet.ts";

let dataDir: string;
beforeAll(async () => (dataDir = await mkdtemp(join(tmpdir(), "sunline-backtest-stage-"))));
afterAll(() => rm(dataDir, {recursive: true, force: true}));

const metrics = (conn: Parameters<Parameters<typeof withConnection>[0]>[0]) =>
  queryRows<{w: number; site_id: string; model: string; nrmse_pct: number}>(conn, `SELECT "window" AS w, site_id, model, nrmse_pct FROM backtest_metrics WHERE horizon = 'all' ORDER BY ALL`);

describe("runBacktestStage", () => {
  it("computes once and reads the same tables back while nothing it rests on changed", async () => {
    const first = await withConnection(async (conn) => {
      await fleetTables(conn);
      const s = await runBacktestStage(conn, {config, dataDir, log: () => {}});
      return {s, metrics: await metrics(conn), hours: await queryRows<{n: number}>(conn, "SELECT count(*)::DOUBLE AS n FROM backtest_by_hour")};
    });
    expect(first.s).toMatchObject({enabled: true, reused: false, windows: 2});
    expect(first.metrics.length).toBeGreaterThan(10);
    expect(first.hours[0].n).toBeGreaterThan(10);
    const logs: string[] = [];
    const again = await withConnection(async (conn) => {
      await fleetTables(conn);
      return {s: await runBacktestStage(conn, {config, dataDir, log: (m) => logs.push(m)}), metrics: await metrics(conn)};
    });
    expect(again.s).toMatchObject({reused: true, key: first.s.key, windows: 2, seconds: first.s.seconds});
    expect(again.metrics).toEqual(first.metrics);
    expect(logs.join("\n")).toMatch(/reusing the backtest of 2 windows/);
  }, 120_000);

  it("recomputes when the data changes, keeping the earlier result cached beside it", async () => {
    const changed = await withConnection(async (conn) => {
      await fleetTables(conn, {productionAfter: END - 5 * DAY});
      return runBacktestStage(conn, {config, dataDir, log: () => {}});
    });
    expect(changed.reused).toBe(false);
    expect((await readdir(join(dataDir, "backtest"))).length).toBe(2);
  }, 120_000);

  it("too little history for an origin: empty tables and the reason, not a failed run", async () => {
    const short = {...config, backtest: {...config.backtest, min_train_days: 95}};
    await withConnection(async (conn) => {
      await fleetTables(conn);
      const s = await runBacktestStage(conn, {config: short, dataDir, log: () => {}});
      expect(s.windows).toBe(0);
      expect(s.note).toMatch(/no origin fits/);
      expect(await metrics(conn)).toEqual([]);
    });
  }, 60_000);

  it("disabled: empty tables", async () => {
    await withConnection(async (conn) => {
      await fleetTables(conn);
      const s = await runBacktestStage(conn, {config: {...config, backtest: {...config.backtest, enabled: false}}, dataDir, log: () => {}});
      expect(s).toMatchObject({enabled: false, note: "backtest.enabled is false"});
      expect(await metrics(conn)).toEqual([]);
    });
  });
});
