// The Ask page, built from the demo snapshot, in real Chromium. Without the endpoint (a plain static
// server, as on any static host): it says the endpoint is not reachable and how to get one, opens
// the Raw SQL tab and runs SQL in the browser (DuckDB-WASM), loading only the tables a query names;
// results are checked against the built Parquet read with DuckDB in Node. With the endpoint (the
// site server `npm run serve` uses, offline templates): an example question's answer, SQL, table
// and chart match what the engine answers in Node; the SQL runs again in the Raw SQL tab; a model
// (a scripted OpenAI-compatible server) answers after a rejected attempt; a token
// and the rate limit are handled. Nothing may leave 127.0.0.1; the only console errors allowed are
// the requests the page makes knowing they fail.
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import {existsSync, readFileSync} from "node:fs";
import {readdir} from "node:fs/promises";
import {join} from "node:path";
import type {Browser, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {createQueryEngine} from "../../pipeline/query/engine.ts";
import {createQueryService} from "../../pipeline/query/service.ts";
import type {QueryAnswer} from "../../pipeline/query/types.ts";
import {dataDirPath} from "../../pipeline/snapshot/paths.ts";
import {currentSnapshotDir} from "../../pipeline/snapshot/read.ts";
import {serveSite} from "../../scripts/siteServer.ts";
import {sqlReply, startScriptedModel} from "../query/scriptedModel.ts";
import {BROWSER_TABLES, DEFAULT_SQL, EXAMPLE_QUESTIONS} from "../../src/components/ask.js";
import {chromiumMissingReason, DIST, ensureBuiltSite, launchChromium, SCREENSHOTS, useBuiltSite, watchPageExpecting} from "./browser.ts";

const missing = chromiumMissingReason();
if (missing) console.warn(`skipping the Ask page test: ${missing}`);

type Row = Record<string, unknown>;
const DATA = join(DIST, "_file", "data");
const fileOf = (files: string[], table: string) => join(DATA, files.find((f) => f.startsWith(`${table}.`) && f.endsWith(".parquet"))!);
const card = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

/** The built Parquet files as DuckDB views named like the snapshot tables, in Node. */
async function builtTables(): Promise<{conn: DuckDBConnection; rows: (sql: string) => Promise<Row[]>; manifest: {snapshot_id: string}}> {
  const files = await readdir(DATA);
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  for (const {name} of BROWSER_TABLES) await conn.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet('${fileOf(files, name)}')`);
  const manifest = JSON.parse(readFileSync(join(DATA, files.find((f) => /^manifest\.[0-9a-f]+\.json$/.test(f))!), "utf8"));
  return {conn, manifest, rows: async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Row[]};
}

/** Types into the Raw SQL box and runs it. */
async function runSql(page: Page, sql: string) {
  const box = card(page, "ask-sql-box");
  await box.locator("textarea").fill(sql);
  await box.getByRole("button", {name: "Run"}).click();
}

describe.skipIf(missing !== null)("Ask page without the endpoint", () => {
  const site = useBuiltSite("ask.html");
  let built: Awaited<ReturnType<typeof builtTables>>;
  beforeAll(async () => {
    built = await builtTables();
  });

  async function open(): Promise<{page: Page; problems: string[]; expected: string[]; parquet: string[]}> {
    const page = await site.browser.newPage({viewport: {width: 1280, height: 900}});
    const {problems, expected} = watchPageExpecting(page, [
      {path: "/api/health", status: 404},
      {path: "/api/query", status: 404}
    ]);
    const parquet: string[] = [];
    page.on("request", (req) => {
      const m = /\/_file\/data\/([a-z_0-9]+)\.[0-9a-f]+\.parquet$/.exec(new URL(req.url()).pathname);
      if (m) parquet.push(m[1]);
    });
    await page.goto(`${site.server.url}/ask`, {waitUntil: "load"});
    return {page, problems, expected, parquet};
  }

  it("says the endpoint is not reachable and what to do, and runs the default SQL in the browser", async () => {
    const {page, problems, expected, parquet} = await open();
    const status = card(page, "ask-status");
    await expect.poll(() => status.innerText()).toContain("not reachable");
    const text = await status.innerText();
    expect(text).toContain(`The query endpoint is not reachable at ${site.server.url}/api/.`);
    expect(text).toContain("HTTP 404");
    expect(text).toContain("The static site works without it");
    expect(text).toContain("run npm run serve locally");
    expect(text).toContain("the Raw SQL tab here");
    // The page opened the Raw SQL tab by itself and ran the default query.
    await card(page, "ask-sql-result").locator("table").waitFor({timeout: 60_000});
    expect(await page.getByLabel("Raw SQL").isChecked()).toBe(true);
    const want = await built.rows(DEFAULT_SQL);
    expect(want.length).toBe(56); // 8 sites × 7 days
    expect(await card(page, "ask-sql-count").innerText()).toBe(`${want.length} rows`);
    const first = card(page, "ask-sql-result").locator("tbody tr").first().locator("td");
    expect(await first.nth(1).innerText()).toBe(want[0].site_id);
    expect(await first.nth(2).innerText()).toBe(String(want[0].day));
    expect(await first.nth(3).innerText()).toBe(Number(want[0].energy_kwh).toLocaleString("en-US"));
    const seville = want.filter((r) => r.site_id === "es-seville").reduce((s, r) => s + Number(r.energy_kwh), 0);
    expect(seville).toBeGreaterThan(0);
    // Only the table the query names was downloaded.
    expect(parquet).toEqual(["production_hourly"]);
    await page.screenshot({path: join(SCREENSHOTS, "ask-raw-sql.png"), fullPage: true});

    // The question tab still works as a form; asking says, briefly, that there is no endpoint.
    await page.getByLabel("Ask a question").check();
    await card(page, "ask-examples").getByRole("button", {name: EXAMPLE_QUESTIONS[4]}).click();
    await expect.poll(() => card(page, "ask-error").innerText()).toContain(`No answer: the query endpoint is not reachable at ${site.server.url}/api/.`);
    expect(expected.map((u) => new URL(u).pathname)).toEqual(["/api/health", "/api/query"]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("refuses SQL that writes, runs another query loading only its tables, and explains a missing table", async () => {
    const {page, problems, parquet} = await open();
    await card(page, "ask-sql-result").locator("table").waitFor({timeout: 60_000});
    const result = card(page, "ask-sql-result");
    await runSql(page, "DELETE FROM sites");
    await expect.poll(() => result.innerText()).toContain("Not run.");
    expect(await result.innerText()).toContain("starts with DELETE");

    const sql = "SELECT s.name, count(*) AS alarms, round(sum(e.energy_gap_kwh), 1) AS lost_kwh FROM anomaly_events e JOIN sites s USING (site_id) WHERE e.severity = 'high' GROUP BY ALL ORDER BY lost_kwh";
    const want = await built.rows(sql);
    await runSql(page, sql);
    await expect.poll(() => card(page, "ask-sql-count").innerText().catch(() => "")).toBe(`${want.length} row${want.length === 1 ? "" : "s"}`);
    const cells = result.locator("tbody tr").first().locator("td");
    expect(await cells.nth(1).innerText()).toBe(want[0].name);
    expect(await cells.nth(2).innerText()).toBe(Number(want[0].alarms).toLocaleString("en-US"));
    expect(await cells.nth(3).innerText()).toBe(Number(want[0].lost_kwh).toLocaleString("en-US"));
    expect(await result.innerText()).toContain("over sites, anomaly_events; downloaded and loaded sites, anomaly_events first, in");
    expect(parquet.sort()).toEqual(["anomaly_events", "production_hourly", "sites"]);

    // A view the endpoint builds is not in the browser: DuckDB's error and which tables there are.
    await runSql(page, "SELECT * FROM production_daily");
    await expect.poll(() => result.innerText()).toContain("DuckDB could not run this query.");
    expect(await result.innerText()).toContain("production_daily is not among the tables this site ships");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("lists the tables with the columns the built Parquet files have", async () => {
    for (const t of BROWSER_TABLES) {
      const columns = (await built.rows(`DESCRIBE ${t.name}`)).map((r) => r.column_name);
      expect(t.columns, `${t.name}: update BROWSER_TABLES in src/components/ask.js`).toEqual(columns);
    }
    const {page, problems} = await open();
    const details = card(page, "ask-tables");
    await details.locator("summary").click();
    expect(await details.locator("tbody tr").count()).toBe(BROWSER_TABLES.length);
    expect(await details.locator('tr[data-table="production_hourly"]').innerText()).toContain("site_id, ts, energy_kwh, n_samples, quality");
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe.skipIf(missing !== null)("Ask page with the endpoint", () => {
  type Service = ReturnType<typeof createQueryService>;
  type Server = Awaited<ReturnType<typeof serveSite>>;
  let browser: Browser;
  let snapshotDir: string;
  let snapshotId: string;
  const opened: {service: Service; server: Server}[] = [];

  beforeAll(async () => {
    ensureBuiltSite("ask.html");
    // The snapshot the site was built from, so the endpoint and the pages agree.
    const files = await readdir(DATA);
    snapshotId = JSON.parse(readFileSync(join(DATA, files.find((f) => /^manifest\.[0-9a-f]+\.json$/.test(f))!), "utf8")).snapshot_id;
    const own = join(dataDirPath(), "snapshots", snapshotId);
    snapshotDir = existsSync(own) ? own : (await currentSnapshotDir(dataDirPath()))!;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    for (const {service, server} of opened) await Promise.all([server.close(), service.close()]);
  });

  /** The site and the endpoint (offline templates) on one loopback server, as `npm run serve` runs them. */
  async function serve(options: Partial<Parameters<typeof createQueryService>[0]> = {}): Promise<{url: string}> {
    const service = createQueryService({engine: () => createQueryEngine({snapshotDir, llm: null}), ...options});
    const server = await serveSite({root: DIST, api: service.handle});
    opened.push({service, server});
    return {url: server.url};
  }

  /** The same question asked of an engine in Node: what the page must show. */
  async function engineAnswer(question: string): Promise<QueryAnswer> {
    const engine = await createQueryEngine({snapshotDir, llm: null});
    try {
      return await engine.ask(question);
    } finally {
      await engine.close();
    }
  }

  it("answers an example question: the answer and its source, the SQL, the table and a line chart", async () => {
    const {url} = await serve();
    const question = EXAMPLE_QUESTIONS[1]; // predicted vs actual at Phoenix: days on x, two series
    const want = await engineAnswer(question);
    expect(want.chart).toMatchObject({mark: "line", x_type: "time"});
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    const {problems} = watchPageExpecting(page, []);
    await page.goto(`${url}/ask`, {waitUntil: "load"});
    const status = card(page, "ask-status");
    // The first request starts the engine (it opens the snapshot): allow for a slow start.
    await expect.poll(() => status.innerText(), {timeout: 30_000}).toContain("offline templates");
    expect(await status.innerText()).toContain(`Query endpoint at ${url}/api/: answers with offline templates`);
    expect(await status.innerText()).toContain(`it reads snapshot ${want.snapshot_id}`);
    expect(await page.getByLabel("Ask a question").isChecked()).toBe(true);

    await card(page, "ask-examples").getByRole("button", {name: question}).click();
    await card(page, "ask-answer-text").waitFor({timeout: 30_000});
    expect(await card(page, "ask-answer-text").innerText()).toBe(want.answer);
    expect(await card(page, "ask-source").innerText()).toBe("offline templates");
    expect(await card(page, "ask-period").innerText()).toBe(`period ${want.period!.start} → ${want.period!.end}`);
    expect(await card(page, "ask-answer").innerText()).toContain(`tables ${want.tables.join(", ")}`);
    expect(await card(page, "ask-timing").innerText()).toMatch(/^Answered in \d/);
    expect(await card(page, "ask-sql").locator("code").innerText()).toBe(want.sql);
    expect(await card(page, "ask-table").locator("h2").innerText()).toBe(`Result: ${want.rows.length} rows`);
    expect(await card(page, "ask-table").locator("tbody tr").count()).toBe(want.rows.length);
    const chart = card(page, "ask-chart");
    await chart.locator("svg").first().waitFor();
    expect(await chart.locator("g.ask-line path").count()).toBe(want.chart!.y.length);
    expect(await chart.innerText()).toContain("forecast_kwh");
    expect(new URL(page.url()).searchParams.get("q")).toBe(question);
    // Asked again, the endpoint's cache answers.
    await card(page, "ask-examples").getByRole("button", {name: EXAMPLE_QUESTIONS[4]}).click();
    await expect.poll(() => card(page, "ask-answer-text").innerText()).not.toBe(want.answer);
    await card(page, "ask-examples").getByRole("button", {name: question}).click();
    await expect.poll(() => card(page, "ask-timing").innerText()).toMatch(/^From the endpoint's cache/);
    await card(page, "ask-sql").scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({path: join(SCREENSHOTS, "ask-page.png"), fullPage: true});
    expect(problems).toEqual([]);
    await page.close();
  });

  it("draws bars for categories, and the answer's SQL runs again in the Raw SQL tab", async () => {
    const {url} = await serve();
    const question = EXAMPLE_QUESTIONS[4]; // worst forecast error: one bar per site
    const want = await engineAnswer(question);
    expect(want.chart).toMatchObject({mark: "bar", x_type: "category"});
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    const {problems} = watchPageExpecting(page, []);
    await page.goto(`${url}/ask?q=${encodeURIComponent(question)}`, {waitUntil: "load"});
    const chart = card(page, "ask-chart");
    await chart.locator("svg").first().waitFor({timeout: 30_000});
    expect(await chart.locator("g.ask-bar rect").count()).toBe(want.rows.length);
    await card(page, "ask-chart").scrollIntoViewIfNeeded();
    await page.screenshot({path: join(SCREENSHOTS, "ask-bars.png"), fullPage: false});

    await card(page, "ask-open-sql").click();
    expect(await page.getByLabel("Raw SQL").isChecked()).toBe(true);
    await expect.poll(() => card(page, "ask-sql-count").innerText().catch(() => ""), {timeout: 60_000}).toBe(`${want.rows.length} rows`);
    expect(await card(page, "ask-sql-box").locator("textarea").inputValue()).toBe(want.sql);
    const first = card(page, "ask-sql-result").locator("tbody tr").first().locator("td");
    expect(await first.nth(1).innerText()).toBe(String(want.rows[0][0]));

    // A question the templates cannot place: the clarifying question, once, and nothing else.
    const vague = await engineAnswer("What about the thing?");
    expect(vague.clarification).toBeTruthy();
    await page.getByLabel("Ask a question").check();
    await card(page, "ask-box").locator("input[type=text]").fill("What about the thing?");
    await card(page, "ask-box").getByRole("button", {name: "Ask"}).click();
    await expect.poll(() => card(page, "ask-clarification").innerText().catch(() => "")).toBe(`The endpoint needs more to go on. ${vague.clarification}`);
    expect(await card(page, "ask-answer-text").count()).toBe(vague.answer === vague.clarification ? 0 : 1);
    expect(await card(page, "ask-chart").count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("a model's answer: its name as the source, the SQL it tried first and why that was rejected", async () => {
    // The real engine on its model path, against a scripted OpenAI-compatible server on loopback: a
    // stacked statement first (the guard refuses it), then the worst-sites SQL, then a wording.
    const template = await engineAnswer(EXAMPLE_QUESTIONS[4]);
    const model = await startScriptedModel();
    model.script = [sqlReply("SELECT * FROM backtest_metrics; DROP TABLE sites"), sqlReply(template.sql!), () => "Denver has the largest error."];
    const service = createQueryService({engine: () => createQueryEngine({snapshotDir, env: {OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: "sk-e2e", SUNLINE_LLM_MODEL: "scripted-1"}})});
    const server = await serveSite({root: DIST, api: service.handle});
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    const {problems} = watchPageExpecting(page, []);
    try {
      await page.goto(`${server.url}/ask`, {waitUntil: "load"});
      await expect.poll(() => card(page, "ask-status").innerText(), {timeout: 30_000}).toContain("answers with the model scripted-1");
      await card(page, "ask-examples").getByRole("button", {name: EXAMPLE_QUESTIONS[4]}).click();
      await card(page, "ask-answer-text").waitFor({timeout: 30_000});
      expect(await card(page, "ask-source").innerText()).toBe("model scripted-1");
      expect(await card(page, "ask-answer-text").innerText()).toContain("Denver has the largest error.");
      expect(await card(page, "ask-timing").innerText()).toMatch(/\d+ model tokens/);
      const attempts = card(page, "ask-attempts");
      expect(await attempts.locator("summary").innerText()).toBe("1 earlier attempt (SQL that was rejected or failed, and why)");
      expect(await attempts.getAttribute("open")).toBeNull();
      await attempts.locator("summary").click();
      expect(await attempts.innerText()).toContain("1. Rejected by the guard: found 2 statements; exactly one SELECT is allowed");
      expect(await attempts.locator("code").innerText()).toBe("SELECT * FROM backtest_metrics; DROP TABLE sites");
      expect(model.seen).toHaveLength(3);
      await attempts.scrollIntoViewIfNeeded();
      await page.screenshot({path: join(SCREENSHOTS, "ask-model.png"), fullPage: false});
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await Promise.all([server.close(), service.close(), model.close()]);
    }
  });

  it("asks for a token on a 401, answers with it, and says when to try again on a 429", async () => {
    const {url} = await serve({token: "s3cret", rateLimit: {requests: 2, windowMs: 60_000}});
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    const {problems, expected} = watchPageExpecting(page, [
      {path: "/api/query", status: 401},
      {path: "/api/query", status: 429}
    ]);
    await page.goto(`${url}/ask`, {waitUntil: "load"});
    await expect.poll(() => card(page, "ask-status").innerText(), {timeout: 30_000}).toContain("offline templates");
    await card(page, "ask-examples").getByRole("button", {name: EXAMPLE_QUESTIONS[5]}).click();
    await expect.poll(() => card(page, "ask-error").innerText()).toContain("This endpoint needs a token.");
    const token = card(page, "ask-token");
    await token.locator("input").fill("s3cret");
    await token.getByRole("button", {name: "Use"}).click();
    await card(page, "ask-answer-text").waitFor({timeout: 30_000});
    expect(await card(page, "ask-answer-text").innerText()).toContain("tomorrow");
    // The third request in the minute (the 401 counted): refused with Retry-After.
    await card(page, "ask-examples").getByRole("button", {name: EXAMPLE_QUESTIONS[2]}).click();
    await expect.poll(() => card(page, "ask-error").innerText()).toMatch(/^Too many questions: try again in \d+ s\./);
    expect(expected.map((u) => new URL(u).pathname)).toEqual(["/api/query", "/api/query"]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
