// The offline template path against test/query/eval.jsonl: each question's expected intent, sites
// and period, and its figures recomputed here from the demo snapshot's raw tables with reference
// SQL written apart from the templates (other functions, no derived views). A question is "exact"
// when all of that matches (numbers within rounding) and its answer quotes the figures; ≥ 90 % must
// be. Every answer must also be grounded: each number it prints is in its rows.
import {existsSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {queryRows} from "../../../pipeline/db.ts";
import {createQueryEngine} from "../../../pipeline/query/engine.ts";
import {num, ungroundedNumbers} from "../../../pipeline/query/grounding.ts";
import type {Cell, QueryAnswer, QueryEngine} from "../../../pipeline/query/types.ts";
import {currentSnapshotDir} from "../../../pipeline/snapshot/read.ts";
import {projectRoot} from "../../../scripts/framework.ts";

interface EvalCase {
  id: number;
  question: string;
  intent: string;
  sites: string[];
  period: [string, string] | null;
}

const CASES: EvalCase[] = readFileSync(join(projectRoot, "test", "query", "eval.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as EvalCase);

const snapshotDir = await currentSnapshotDir(join(projectRoot, ".sunline"));
const missing = snapshotDir && existsSync(join(snapshotDir, "anomalies.parquet")) ? null : "no demo snapshot with anomalies in .sunline (run `npm run build` first)";
if (missing) console.warn(`skipping the query evaluation: ${missing}`);

type Obj = Record<string, Cell>;
const LOCAL = (col: string) => `CAST((${col} AT TIME ZONE 'UTC') AT TIME ZONE s.timezone AS DATE)`;
const inSites = (col: string, sites: string[]) => (sites.length ? `${col} IN (${sites.map((s) => `'${s}'`).join(",")})` : "TRUE");

describe.skipIf(missing !== null)("query evaluation set (template path)", () => {
  let engine: QueryEngine;
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  const results: {c: EvalCase; answer: QueryAnswer; failures: string[]}[] = [];

  beforeAll(async () => {
    engine = await createQueryEngine({snapshotDir: snapshotDir!, llm: null});
    db = await DuckDBInstance.create(":memory:");
    conn = await db.connect();
    await conn.run("SET TimeZone = 'UTC'");
    for (const t of ["sites", "production_hourly", "weather_hourly", "forecasts", "backtest_predictions", "backtest_metrics", "anomalies", "anomaly_events"])
      await conn.run(`CREATE VIEW ${t} AS SELECT * FROM read_parquet('${join(snapshotDir!, `${t}.parquet`)}')`);
    for (const c of CASES) {
      const answer = await engine.ask(c.question);
      results.push({c, answer, failures: await check(c, answer)});
    }
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    conn?.closeSync();
    db?.closeSync();
  });

  it("has at least 40 questions covering every intent", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.intent))).toEqual(new Set(["low_output", "predicted_vs_actual", "anomalies", "weather_factor", "worst_sites", "tomorrow", "production", "clarify"]));
  });

  it("answers at least 90 % exactly", () => {
    const failed = results.filter((r) => r.failures.length);
    for (const r of failed) console.log(`eval #${r.c.id} "${r.c.question}": ${r.failures.join("; ")}\n  answer: ${r.answer.answer}`);
    const exact = results.length - failed.length;
    console.log(`query eval: ${exact} of ${results.length} exact`);
    expect(exact / results.length).toBeGreaterThanOrEqual(0.9);
  });

  it("prints only numbers that are in its rows, and names its tables and period", () => {
    for (const {c, answer} of results) {
      if (answer.clarification) continue;
      expect(ungroundedNumbers(answer.answer, answer.rows, `${answer.question} ${answer.method ?? ""}`), `#${c.id}: ${answer.answer}`).toEqual([]);
      expect(answer.answer, `#${c.id}`).toContain(`Source: ${answer.tables.join(", ")}`);
      if (c.period) expect(answer.answer, `#${c.id}`).toContain(c.period[0] === c.period[1] ? c.period[0] : `${c.period[0]} to ${c.period[1]}`);
    }
  });

  /** Everything that is wrong with one answer (empty = exact). */
  async function check(c: EvalCase, a: QueryAnswer): Promise<string[]> {
    const f: string[] = [];
    if (c.intent === "clarify") {
      if (!a.clarification || a.sql !== null) f.push("expected a clarifying question and no SQL");
      return f;
    }
    if (a.intent !== c.intent) f.push(`intent ${a.intent}, expected ${c.intent}`);
    if ([...a.sites].sort().join() !== [...c.sites].sort().join()) f.push(`sites ${a.sites.join(",") || "none"}, expected ${c.sites.join(",") || "none"}`);
    if (c.period && (a.period?.start !== c.period[0] || a.period?.end !== c.period[1])) f.push(`period ${JSON.stringify(a.period)}, expected ${c.period.join(" to ")}`);
    if (f.length) return f;
    const rows = a.rows.map((r) => Object.fromEntries(a.columns.map((col, i) => [col.name, r[i]])) as Obj);
    const expectValue = (row: Obj | undefined, column: string, want: number | null, label: string, digits?: number) => {
      const got = row?.[column];
      if (want === null || want === undefined) return;
      if (typeof got !== "number" || Math.abs(got - want) > Math.max(0.06, 1e-6 * Math.abs(want))) f.push(`${label} ${column} = ${String(got)}, reference ${want}`);
      else if (digits !== undefined && !a.answer.includes(num(got, digits))) f.push(`answer does not quote ${column} ${num(got, digits)}`);
    };
    const bySite = (id: string) => rows.find((r) => r.site_id === id);
    const [start, end] = c.period ?? ["", ""];
    const ref = (sql: string) => queryRows<Record<string, number | string | null>>(conn, sql);

    if (c.intent === "production") {
      const want = await ref(`SELECT p.site_id, sum(p.energy_kwh) AS e FROM production_hourly p JOIN sites s USING (site_id)
        WHERE ${LOCAL("p.ts")} BETWEEN DATE '${start}' AND DATE '${end}' AND ${inSites("p.site_id", c.sites)} GROUP BY 1`);
      if (want.length !== rows.length) f.push(`${rows.length} site rows, reference ${want.length}`);
      for (const w of want) expectValue(bySite(String(w.site_id)), "energy_kwh", Number(w.e), String(w.site_id), c.sites.length === 1 ? 1 : undefined);
      if (!c.sites.length) expectValue(rows[0], "total_kwh", want.reduce((s, w) => s + Number(w.e), 0), "fleet", 1);
    }
    if (c.intent === "low_output") {
      const [w] = await ref(`WITH d AS (SELECT ${LOCAL("p.ts")} AS day, sum(p.energy_kwh) AS e, count(*) = count(p.energy_kwh) AS complete
          FROM production_hourly p JOIN sites s USING (site_id) WHERE p.site_id = '${c.sites[0]}' GROUP BY 1)
        SELECT (SELECT e FROM d WHERE day = DATE '${start}') AS actual,
               (SELECT quantile_cont(e, 0.5) FROM d WHERE complete AND day >= DATE '${start}' - 30 AND day < DATE '${start}') AS normal,
               (SELECT sum(a.expected_kwh) FROM anomalies a JOIN sites s USING (site_id) WHERE a.site_id = '${c.sites[0]}' AND ${LOCAL("a.ts")} = DATE '${start}') AS expected`);
      const row = bySite(c.sites[0]);
      expectValue(row, "actual_kwh", w.actual as number, c.sites[0], 1);
      expectValue(row, "normal_kwh", w.normal as number, c.sites[0], 1);
      expectValue(row, "expected_kwh", w.expected as number, c.sites[0]);
    }
    if (c.intent === "predicted_vs_actual") {
      const [w] = await ref(`WITH issues AS (
          SELECT site_id, issued_at, ts, forecast_kwh, actual_kwh, 2 AS rank_source, 0 AS w FROM forecasts WHERE run = 'evaluation'
          UNION ALL SELECT site_id, issued_at, ts, forecast_kwh, actual_kwh, 1, "window" FROM backtest_predictions WHERE model = 'hybrid'),
        dayahead AS (SELECT i.*, ${LOCAL("i.ts")} AS day FROM issues i JOIN sites s USING (site_id) WHERE ${LOCAL("i.ts")} = ${LOCAL("i.issued_at")} + 1),
        best AS (SELECT arg_max(forecast_kwh, (rank_source, w, issued_at)) AS f, arg_max(actual_kwh, (rank_source, w, issued_at)) AS y, any_value(day) AS day
          FROM dayahead WHERE ${inSites("site_id", c.sites)} GROUP BY site_id, ts)
        SELECT sum(f) AS f, sum(y) AS y FROM best WHERE day BETWEEN DATE '${start}' AND DATE '${end}' AND y IS NOT NULL`);
      expectValue(rows[0], "period_forecast_kwh", w.f as number, "period", 1);
      expectValue(rows[0], "period_actual_kwh", w.y as number, "period", 1);
    }
    if (c.intent === "anomalies") {
      const want = await ref(`SELECT e.energy_gap_kwh AS gap FROM anomaly_events e JOIN sites s USING (site_id)
        WHERE (e.start_ts AT TIME ZONE 'UTC') < ((DATE '${end}' + 1)::TIMESTAMP AT TIME ZONE s.timezone)
          AND (e.end_ts AT TIME ZONE 'UTC') > (DATE '${start}'::TIMESTAMP AT TIME ZONE s.timezone) AND ${inSites("e.site_id", c.sites)}
        ORDER BY gap`);
      if (want.length !== rows.length) f.push(`${rows.length} events, reference ${want.length}`);
      if (want.length) {
        expectValue(rows[0], "energy_gap_kwh", want[0].gap as number, "largest event");
        if (!a.answer.includes(`${num(want.length)} anomaly event`)) f.push(`answer does not say ${want.length} events`);
      }
    }
    if (c.intent === "weather_factor") {
      const want = await ref(`WITH d AS (SELECT w.site_id, ${LOCAL("w.ts")} AS day, sum(w.ghi_wm2) / 1000 AS g
          FROM weather_hourly w JOIN sites s USING (site_id) WHERE w.kind = 'observed' AND ${inSites("w.site_id", c.sites)} GROUP BY 1, 2)
        SELECT site_id, max(g) FILTER (WHERE day = DATE '${start}') AS g, avg(g) FILTER (WHERE day >= DATE '${start}' - 30 AND day < DATE '${start}') AS ng
        FROM d GROUP BY site_id`);
      for (const w of want) {
        const row = rows.find((r) => r.site_id === w.site_id && r.factor === "irradiance");
        expectValue(row, "day_value", w.g as number, `${w.site_id} irradiance`, c.sites.length === 1 ? 2 : undefined);
        expectValue(row, "normal_value", w.ng as number, `${w.site_id} irradiance`);
      }
    }
    if (c.intent === "worst_sites") {
      const best = /best|most accurate/i.test(c.question);
      const want = c.period
        ? await ref(`WITH issues AS (
              SELECT site_id, issued_at, ts, forecast_kwh, actual_kwh, 2 AS rank_source, 0 AS w FROM forecasts WHERE run = 'evaluation'
              UNION ALL SELECT site_id, issued_at, ts, forecast_kwh, actual_kwh, 1, "window" FROM backtest_predictions WHERE model = 'hybrid'),
            da AS (SELECT i.*, ${LOCAL("i.ts")} AS day, s.capacity_kw FROM issues i JOIN sites s USING (site_id) WHERE ${LOCAL("i.ts")} = ${LOCAL("i.issued_at")} + 1),
            best AS (SELECT site_id, arg_max(forecast_kwh, (rank_source, w, issued_at)) AS f, arg_max(actual_kwh, (rank_source, w, issued_at)) AS y, any_value(day) AS day, any_value(capacity_kw) AS cap FROM da GROUP BY site_id, ts)
            SELECT site_id, 100 * sqrt(avg((f - y) * (f - y))) / any_value(cap) AS nrmse FROM best
            WHERE day BETWEEN DATE '${start}' AND DATE '${end}' AND y IS NOT NULL AND (y > 0 OR f > 0) GROUP BY site_id ORDER BY nrmse ${best ? "ASC" : "DESC"}`)
        : await ref(`SELECT site_id, nrmse_pct AS nrmse FROM backtest_metrics WHERE "window" = 0 AND horizon = 'all' AND model = 'hybrid' AND site_id <> 'fleet' ORDER BY nrmse ${best ? "ASC" : "DESC"}`);
      if (rows[0]?.site_id !== want[0]?.site_id) f.push(`first site ${String(rows[0]?.site_id)}, reference ${String(want[0]?.site_id)}`);
      expectValue(rows[0], "nrmse_pct", want[0]?.nrmse as number, "first site", 2);
    }
    if (c.intent === "tomorrow") {
      const want = await ref(`WITH live AS (SELECT * FROM forecasts WHERE run = 'live'),
          pick AS (SELECT site_id, arg_max(issued_at, issued_at) AS at, arg_max(issued_in, (issued_at, issued_in)) AS run_id FROM live GROUP BY site_id),
          v AS (SELECT l.site_id, min(l.model_version) AS mv FROM live l JOIN pick p ON l.site_id = p.site_id AND l.issued_at = p.at AND l.issued_in = p.run_id GROUP BY 1)
        SELECT l.site_id, sum(l.forecast_kwh) AS f FROM live l JOIN pick p ON l.site_id = p.site_id AND l.issued_at = p.at AND l.issued_in = p.run_id
          JOIN v ON v.site_id = l.site_id AND v.mv = l.model_version JOIN sites s ON s.site_id = l.site_id
        WHERE ${LOCAL("l.ts")} = ${LOCAL("l.issued_at")} + 1 AND ${inSites("l.site_id", c.sites)} GROUP BY l.site_id`);
      if (want.length !== rows.length) f.push(`${rows.length} sites, reference ${want.length}`);
      for (const w of want) expectValue(bySite(String(w.site_id)), "forecast_kwh", w.f as number, String(w.site_id), c.sites.length === 1 ? 1 : undefined);
      if (c.sites.length !== 1) expectValue(rows[0], "fleet_forecast_kwh", want.reduce((s, w) => s + Number(w.f), 0), "fleet", 1);
    }
    return f;
  }
});
