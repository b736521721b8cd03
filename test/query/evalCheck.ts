// The query evaluation set (eval.jsonl) and its checker, shared by the test
// (test/pipeline/query/eval.test.ts) and the benchmark (bench/query.ts). Each question's figures are
// recomputed from the snapshot's raw tables with reference SQL written apart from the templates
// (other functions, no derived views); an answer is "exact" when its intent, sites and period match
// and its rows and text carry those figures (numbers within rounding).
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import {queryRows} from "../../pipeline/db.ts";
import {num} from "../../pipeline/query/grounding.ts";
import type {Cell, QueryAnswer} from "../../pipeline/query/types.ts";

export interface EvalCase {
  id: number;
  question: string;
  intent: string;
  sites: string[];
  period: [string, string] | null;
}

export const EVAL_CASES: EvalCase[] = readFileSync(join(import.meta.dirname, "eval.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as EvalCase);

export const REFERENCE_TABLES = ["sites", "production_hourly", "weather_hourly", "forecasts", "backtest_predictions", "backtest_metrics", "anomalies", "anomaly_events"];

/** A plain DuckDB connection with the snapshot's raw tables as views, for the reference SQL. */
export async function openReference(snapshotDir: string): Promise<{conn: DuckDBConnection; close(): void}> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  for (const t of REFERENCE_TABLES) await conn.run(`CREATE VIEW ${t} AS SELECT * FROM read_parquet('${join(snapshotDir, `${t}.parquet`)}')`);
  return {conn, close: () => (conn.closeSync(), db.closeSync())};
}

type Obj = Record<string, Cell>;
const LOCAL = (col: string) => `CAST((${col} AT TIME ZONE 'UTC') AT TIME ZONE s.timezone AS DATE)`;
const inSites = (col: string, sites: string[]) => (sites.length ? `${col} IN (${sites.map((s) => `'${s}'`).join(",")})` : "TRUE");

/** Everything that is wrong with one answer (empty = exact). */
export async function checkAnswer(conn: DuckDBConnection, c: EvalCase, a: QueryAnswer): Promise<string[]> {
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
