// The guard against a corpus of hostile and tricky statements (test/fixtures/query/hostile.jsonl):
// every one is rejected before it runs, with a reason that names what is wrong; and the statements
// a model or a template legitimately writes pass, rebuilt from the checked tree.
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {CATALOG} from "../../../pipeline/query/catalog.ts";
import {createSqlParser, guardSql, type GuardCode, type SqlParser} from "../../../pipeline/query/guard.ts";
import {projectRoot} from "../../../scripts/framework.ts";

interface Hostile {
  id: number;
  sql: string;
  why: string;
}

const CORPUS: Hostile[] = readFileSync(join(projectRoot, "test", "fixtures", "query", "hostile.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Hostile);

/** The rejections each kind of statement may get (the parser decides which applies first). */
const EXPECTED: Record<string, GuardCode[]> = {
  "stacked statements": ["multiple_statements"],
  "comment hiding a second statement": ["multiple_statements", "not_select", "parse_error"],
  "write or non-SELECT statement": ["not_select", "parse_error", "describe"],
  "write inside a CTE": ["parse_error", "not_select"],
  "file or URL read": ["file_access"],
  "forbidden statement kind": ["not_select", "parse_error"],
  "table function, catalog, settings, limit": ["table_function", "system_catalog", "forbidden_function", "file_access", "expensive", "limit", "recursive", "clock", "parameter", "describe", "not_select", "unknown_table", "lookalike"],
  "unicode look-alike or hidden character": ["lookalike", "hidden_characters", "parse_error"]
};

const allowed = new Set(CATALOG.map((e) => e.name));
let parser: SqlParser;
beforeAll(async () => {
  parser = await createSqlParser();
});
afterAll(() => parser?.close());

describe("guard: hostile corpus", () => {
  it("has at least 100 statements, each of a known kind", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(100);
    for (const c of CORPUS) expect(Object.keys(EXPECTED), `#${c.id}`).toContain(c.why);
  });

  it("rejects every one with the right kind of reason", async () => {
    const wrong: string[] = [];
    for (const c of CORPUS) {
      const verdict = await guardSql(c.sql, parser, allowed);
      if (verdict.ok) wrong.push(`#${c.id} ${JSON.stringify(c.sql)} was accepted as ${verdict.sql}`);
      else if (!EXPECTED[c.why].includes(verdict.code)) wrong.push(`#${c.id} ${JSON.stringify(c.sql)}: ${verdict.code} (${verdict.reason}); expected one of ${EXPECTED[c.why].join(", ")}`);
      else if (verdict.reason.length < 20) wrong.push(`#${c.id}: reason too thin: ${verdict.reason}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe("guard: reasons", () => {
  const reason = async (sql: string) => {
    const v = await guardSql(sql, parser, allowed);
    return v.ok ? "accepted" : `${v.code}: ${v.reason}`;
  };
  it("says what is wrong, naming the thing", async () => {
    expect(await reason("SELECT 1; DROP TABLE sites")).toBe("multiple_statements: found 2 statements; exactly one SELECT is allowed");
    expect(await reason("COPY sites TO 'x.csv'")).toMatch(/^not_select: a COPY statement is not allowed/);
    expect(await reason("ATTACH 'x.db'")).toMatch(/^not_select: an ATTACH statement/);
    expect(await reason("SELECT * FROM read_csv('/etc/passwd')")).toMatch(/^file_access: read_csv\(\) reads files or URLs/);
    expect(await reason("SELECT * FROM '/etc/passwd'")).toContain('"/etc/passwd"');
    expect(await reason("SELECT * FROM secrets")).toMatch(/^unknown_table: "secrets" is not a snapshot table \(tables: sites, production_hourly/);
    expect(await reason("SELECT * FROM fоrecasts")).toContain("U+043E");
    expect(await reason("SELECT * FROM sites LIMIT 5000")).toBe("limit: LIMIT 5000 is more than the maximum of 1000 rows");
    expect(await reason("SELECT now()")).toMatch(/^clock: now\(\) reads the server's clock/);
    expect(await reason("SELECT * FROM sites\u200b")).toMatch(/^hidden_characters: .*\(U\+200B\) at position 19/);
    expect(await reason("SELECT FROM WHERE")).toMatch(/^parse_error: DuckDB could not parse the SQL: .*syntax error/);
  });
});

describe("guard: legitimate SQL", () => {
  const ok = [
    "SELECT * FROM sites",
    "select site_id, sum(energy_kwh) from production_hourly group by all order by 2 desc limit 10;",
    "WITH d AS (SELECT * FROM production_daily WHERE day >= DATE '2026-06-01') SELECT site_id, avg(energy_kwh) FROM d GROUP BY site_id",
    "SELECT s.name, d.day, d.forecast_kwh - d.actual_kwh AS error_kwh FROM day_ahead d JOIN sites s USING (site_id) WHERE d.day = DATE '2026-06-30' -- yesterday",
    "SELECT site_id, CAST(timezone(s.timezone, ts::TIMESTAMPTZ) AS DATE) AS day FROM anomalies a JOIN sites s USING (site_id) QUALIFY row_number() OVER (PARTITION BY site_id ORDER BY z) = 1",
    'SELECT "window", avg(nrmse_pct) FROM backtest_metrics WHERE model = \'hybrid\' GROUP BY 1 ORDER BY 1',
    "SELECT * FROM main.sites UNION ALL SELECT * FROM sites LIMIT 1000",
    "SELECT site_id, (SELECT max(ts) FROM production_hourly p WHERE p.site_id = s.site_id) FROM sites s",
    "SELECT 'a;b; DROP TABLE sites' AS harmless_text",
    "SELECT name FROM sites WHERE name LIKE '%Zürich%'"
  ];
  for (const sql of ok)
    it(`accepts ${sql.slice(0, 70)}`, async () => {
      const verdict = await guardSql(sql, parser, allowed);
      expect(verdict.ok, JSON.stringify(verdict)).toBe(true);
      if (verdict.ok) {
        expect(verdict.sql).not.toContain("--"); // rebuilt from the tree: comments are gone
        expect(verdict.tables.every((t) => allowed.has(t))).toBe(true);
      }
    });

  it("checks concurrent statements each on its own text", async () => {
    const sqls = ["SELECT * FROM sites", "SELECT 1; DROP TABLE sites", "SELECT site_id FROM anomaly_events", "SELECT * FROM read_csv('x')", "SELECT name FROM sites LIMIT 3"];
    const verdicts = await Promise.all([...sqls, ...sqls].map((sql) => guardSql(sql, parser, allowed)));
    expect(verdicts.map((v) => (v.ok ? v.sql : v.code))).toEqual(
      [...sqls, ...sqls].map((_, i) => ["SELECT * FROM sites", "multiple_statements", "SELECT site_id FROM anomaly_events", "file_access", "SELECT \"name\" FROM sites LIMIT 3"][i % 5])
    );
  });

  it("lists the snapshot tables it read, not CTE names", async () => {
    const verdict = await guardSql("WITH x AS (SELECT * FROM sites) SELECT * FROM x JOIN day_ahead USING (site_id)", parser, allowed);
    expect(verdict.ok && verdict.tables).toEqual(["day_ahead", "sites"]);
  });
});
