// The Ask page's logic: calling the endpoint and classifying what comes back, answer rows and the
// automatic chart, and the Raw SQL tab's read-only check, table detection and lazy loading.
import * as Plot from "@observablehq/plot";
import {DateMillisecond, Float64, Int64, Table, TimestampMillisecond, Utf8, vectorFromArray} from "apache-arrow";
import {describe, expect, it} from "vitest";
import type {QueryAnswer} from "../../pipeline/query/types.ts";
import {
  arrowRows,
  BROWSER_TABLES,
  chartData,
  chartFor,
  checkHealth,
  createSqlRunner,
  DEFAULT_SQL,
  endpointUrl,
  failureText,
  formatPeriod,
  formatTimings,
  isReadOnlySql,
  missingTableHint,
  parseTime,
  postQuestion,
  referencedTables,
  retryAfterSeconds,
  rowsToObjects,
  timeInterval,
  type ArrowLike
} from "../../src/components/ask.js";

const PAGE = "https://fleet.example.org/ask";
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {status, headers: {"content-type": "application/json; charset=utf-8", ...headers}});

function answer(over: Partial<QueryAnswer> = {}): QueryAnswer {
  return {
    question: "Which sites have the worst forecast error?",
    sql: "SELECT site_id, nrmse_pct FROM forecast_accuracy ORDER BY nrmse_pct DESC",
    columns: [{name: "site_id", type: "VARCHAR"}, {name: "nrmse_pct", type: "DOUBLE"}],
    rows: [["us-denver", 12.5], ["es-seville", 8.25], ["au-sydney", 6]],
    answer: "Denver has the worst error: 12.5 % of capacity (forecast_accuracy, 2026-06-01 → 2026-06-30).",
    method: null,
    sites: [],
    chart: {mark: "bar", x: "site_id", y: ["nrmse_pct"], series: null, x_type: "category", y_label: "%"},
    source: "template",
    intent: "worst_error",
    tables: ["forecast_accuracy"],
    period: {start: "2026-06-01", end: "2026-06-30"},
    truncated: false,
    clarification: null,
    attempts: [],
    timings: {resolve: 1, execute: 12.4, total: 20},
    cached: false,
    snapshot_id: "s1",
    tokens: null,
    ...over
  };
}

describe("endpointUrl", () => {
  it("resolves the default base beside the site, an absolute base as is", () => {
    expect(endpointUrl("api", "query", PAGE)).toBe("https://fleet.example.org/api/query");
    expect(endpointUrl(null, "health", "https://host/sunline/ask?q=x")).toBe("https://host/sunline/api/health");
    expect(endpointUrl("https://api.example.org/api/", "query", PAGE)).toBe("https://api.example.org/api/query");
    expect(endpointUrl("https://api.example.org/api", "", PAGE)).toBe("https://api.example.org/api/");
  });
});

describe("postQuestion", () => {
  it("posts the question as JSON and returns the answer", async () => {
    let seen: {url: string; init?: RequestInit} | null = null;
    const fetch = async (url: string, init?: RequestInit) => {
      seen = {url, init};
      return json(200, answer());
    };
    const reply = await postQuestion("api", "Which sites have the worst forecast error?", {fetch, pageUrl: PAGE, token: "t0k"});
    expect(reply.ok).toBe(true);
    expect(seen!.url).toBe("https://fleet.example.org/api/query");
    expect(seen!.init!.method).toBe("POST");
    expect(JSON.parse(String(seen!.init!.body))).toEqual({question: "Which sites have the worst forecast error?"});
    expect((seen!.init!.headers as Record<string, string>).authorization).toBe("Bearer t0k");
    if (reply.ok) expect(reply.answer.intent).toBe("worst_error");
  });

  it("a failed request, a 404 and a non-JSON page all mean no endpoint there", async () => {
    const down = await postQuestion("api", "q", {pageUrl: PAGE, fetch: async () => Promise.reject(new TypeError("Failed to fetch"))});
    expect(down).toMatchObject({ok: false, kind: "unreachable", status: null, endpoint: "https://fleet.example.org/api/"});
    expect(down.ok ? "" : down.message).toContain("Failed to fetch");
    const missing = await postQuestion("api", "q", {pageUrl: PAGE, fetch: async () => new Response("not found\n", {status: 404, headers: {"content-type": "text/plain"}})});
    expect(missing).toMatchObject({ok: false, kind: "unreachable", status: 404});
    // Even the endpoint's own JSON 404 (a wrong base URL): nothing answers questions there.
    const wrongRoute = await postQuestion("api", "q", {pageUrl: PAGE, fetch: async () => json(404, {error: {code: "not_found", message: "no endpoint"}})});
    expect(wrongRoute).toMatchObject({kind: "unreachable", status: 404});
    const html = await postQuestion("api", "q", {pageUrl: PAGE, fetch: async () => new Response("<html>", {status: 405, headers: {"content-type": "text/html"}})});
    expect(html).toMatchObject({kind: "unreachable", status: 405});
    expect(html.ok ? "" : html.message).toMatch(/text\/html instead of JSON/);
    const other = await postQuestion("api", "q", {pageUrl: PAGE, fetch: async () => json(200, {hello: "world"})});
    expect(other).toMatchObject({kind: "unreachable", message: "it answered, but not with a Sunline answer"});
  });

  it("keeps the endpoint's refusals: status, code, message and Retry-After", async () => {
    const limited = await postQuestion("api", "q", {pageUrl: PAGE, fetch: async () => json(429, {error: {code: "rate_limited", message: "too many requests from this client; try again in 12 s"}}, {"retry-after": "12"})});
    expect(limited).toMatchObject({ok: false, kind: "http", status: 429, code: "rate_limited", retryAfter: 12});
    expect(failureText(limited as never)).toEqual({title: "Too many questions: try again in 12 s", detail: ""});
    const auth = await postQuestion("api", "q", {pageUrl: PAGE, fetch: async () => json(401, {error: {code: "unauthorized", message: "this endpoint needs a token"}})});
    expect(failureText(auth as never).title).toBe("This endpoint needs a token");
    const failed = await postQuestion("api", "q", {pageUrl: PAGE, fetch: async () => json(503, {error: {code: "unavailable", message: "the query engine is not available: no snapshot"}})});
    expect(failureText(failed as never)).toEqual({title: "The endpoint failed (HTTP 503)", detail: "The query engine is not available: no snapshot."});
  });

  it("gives up after the timeout, and says a newer question replaced it", async () => {
    const hang = (_url: string, init?: RequestInit) => new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    expect(await postQuestion("api", "q", {pageUrl: PAGE, fetch: hang, timeoutMs: 10})).toMatchObject({kind: "timeout", message: "no answer within 0 s"});
    const controller = new AbortController();
    const pending = postQuestion("api", "q", {pageUrl: PAGE, fetch: hang, signal: controller.signal});
    controller.abort();
    expect(await pending).toMatchObject({kind: "aborted"});
  });
});

describe("checkHealth and failureText", () => {
  it("reads the status; a missing endpoint gets the full explanation, a failed question the brief one", async () => {
    const ok = await checkHealth("api", {pageUrl: PAGE, fetch: async () => json(200, {status: "ok", snapshot_id: "s1", mode: "template", model: null, tables: ["sites"]})});
    expect(ok).toMatchObject({ok: true, endpoint: "https://fleet.example.org/api/", health: {mode: "template"}});
    const none = await checkHealth("api", {pageUrl: PAGE, fetch: async () => new Response("nope", {status: 404})});
    expect(none.ok).toBe(false);
    if (none.ok) return;
    const full = failureText(none);
    expect(full.title).toBe("The query endpoint is not reachable at https://fleet.example.org/api/");
    expect(full.detail).toContain("HTTP 404 Not Found.");
    expect(full.detail).toContain("run `npm run serve` locally");
    expect(full.detail).toContain("the Raw SQL tab here");
    expect(failureText(none, {brief: true}).title).toBe("No answer: the query endpoint is not reachable at https://fleet.example.org/api/");
    expect(full.detail).not.toContain("another origin");
    // Refused outright by another origin: most likely CORS, and the text says which setting.
    const elsewhere = await checkHealth("https://api.example.org/api", {pageUrl: PAGE, fetch: async () => Promise.reject(new TypeError("Failed to fetch"))});
    expect(elsewhere.ok ? "" : failureText(elsewhere).detail).toContain("must allow this site's origin (SUNLINE_API_ORIGIN on the server)");
  });

  it("Retry-After in seconds or as a date", () => {
    expect(retryAfterSeconds("30")).toBe(30);
    expect(retryAfterSeconds(new Date(Date.UTC(2026, 0, 1, 0, 0, 20)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(20);
    expect(retryAfterSeconds(null)).toBeNull();
    expect(retryAfterSeconds("soon")).toBeNull();
  });
});

describe("rowsToObjects", () => {
  it("keys rows by column, times as Dates (naive stamps are UTC), duplicate names made unique", () => {
    const rows = rowsToObjects(
      [{name: "site_id", type: "VARCHAR"}, {name: "ts", type: "TIMESTAMP"}, {name: "day", type: "DATE"}, {name: "site_id", type: "VARCHAR"}, {name: "v", type: "DOUBLE"}],
      [["a", "2026-06-30T12:00:00Z", "2026-06-30", "b", 1.5], ["a", "2026-06-30 13:00:00", null, "b", null]]
    );
    expect(rows[0]).toEqual({site_id: "a", ts: new Date("2026-06-30T12:00:00Z"), day: new Date("2026-06-30T00:00:00Z"), site_id_2: "b", v: 1.5});
    expect(rows[1].ts).toEqual(new Date("2026-06-30T13:00:00Z"));
    expect(rows[1].day).toBeNull();
  });

  it("parseTime takes offsets and refuses what is not a date", () => {
    expect(parseTime("2026-06-30T12:00:00+02:00")).toEqual(new Date("2026-06-30T10:00:00Z"));
    expect(parseTime("2026-06-30T12:00:00.5+0200")).toEqual(new Date("2026-06-30T10:00:00.500Z"));
    expect(parseTime("yesterday")).toBeNull();
  });
});

describe("chartFor", () => {
  const timeAnswer = answer({
    columns: [{name: "ts", type: "TIMESTAMP"}, {name: "forecast_kwh", type: "DOUBLE"}, {name: "actual_kwh", type: "DOUBLE"}],
    rows: [["2026-06-30T11:00:00Z", 5, 4], ["2026-06-30T10:00:00Z", 3, null], ["2026-06-30T12:00:00Z", 6, 6.5]],
    chart: {mark: "line", x: "ts", y: ["forecast_kwh", "actual_kwh"], series: null, x_type: "time", y_label: "kWh"}
  });

  it("time on x: one line per y column, sorted by time, coloured with a legend, y label from the spec", () => {
    const data = chartData(timeAnswer.chart, timeAnswer.columns, timeAnswer.rows)!;
    expect(data).toHaveLength(5); // the null actual is left out
    expect(new Set(data.map((d) => d.series))).toEqual(new Set(["forecast_kwh", "actual_kwh"]));
    const options = chartFor(timeAnswer, {Plot, width: 700})!;
    expect(options.width).toBe(700);
    expect(options.x).toMatchObject({type: "utc"});
    expect(options.y).toMatchObject({label: "kWh"});
    expect(options.color).toMatchObject({legend: true, domain: ["forecast_kwh", "actual_kwh"]});
    const line = options.marks[0];
    expect(line.data.map((d: {x: Date}) => d.x.toISOString().slice(11, 13))).toEqual(["10", "11", "11", "12", "12"]);
  });

  it("a series column splits one y into lines per value", () => {
    const a = answer({
      columns: [{name: "day", type: "DATE"}, {name: "site_id", type: "VARCHAR"}, {name: "energy_kwh", type: "DOUBLE"}],
      rows: [["2026-06-29", "a", 1], ["2026-06-29", "b", 2], ["2026-06-30", "a", 3]],
      chart: {mark: "line", x: "day", y: ["energy_kwh"], series: "site_id", x_type: "time", y_label: null}
    });
    expect(chartData(a.chart, a.columns, a.rows)!.map((d) => d.series)).toEqual(["a", "b", "a"]);
    const options = chartFor(a, {Plot})!;
    expect(options.color.domain).toEqual(["a", "b"]);
    expect(options.y.label).toBe("energy_kwh");
  });

  it("categories: horizontal bars in the answer's order; several series grouped by category", () => {
    const options = chartFor(answer(), {Plot})!;
    expect(options.y.domain).toEqual(["us-denver", "es-seville", "au-sydney"]);
    expect(options.x.label).toBe("%");
    expect(options.color).toBeUndefined();
    const two = answer({
      columns: [{name: "model", type: "VARCHAR"}, {name: "nrmse_pct", type: "DOUBLE"}, {name: "nmae_pct", type: "DOUBLE"}],
      rows: [["hybrid", 8, 5], ["persistence", 14, 9]],
      chart: {mark: "bar", x: "model", y: ["nrmse_pct", "nmae_pct"], series: null, x_type: "category", y_label: "%"}
    });
    const grouped = chartFor(two, {Plot})!;
    expect(grouped.fy.domain).toEqual(["hybrid", "persistence"]);
    expect(grouped.y.domain).toEqual(["nrmse_pct", "nmae_pct"]);
    // A series column keeps its legend when the result holds one of its values.
    const one = answer({
      columns: [{name: "name", type: "VARCHAR"}, {name: "severity", type: "VARCHAR"}, {name: "energy_gap_kwh", type: "DOUBLE"}],
      rows: [["Phoenix", "low", -7]],
      chart: {mark: "bar", x: "name", y: ["energy_gap_kwh"], series: "severity", x_type: "category", y_label: "kWh"}
    });
    expect(chartFor(one, {Plot})!.color).toEqual({legend: true, domain: ["low"]});
  });

  it("bars over regular time steps become rects with that interval", () => {
    const a = answer({
      columns: [{name: "day", type: "DATE"}, {name: "energy_kwh", type: "DOUBLE"}],
      rows: [["2026-06-28", 1], ["2026-06-29", 2], ["2026-06-30", 3]],
      chart: {mark: "bar", x: "day", y: ["energy_kwh"], series: null, x_type: "time", y_label: "kWh"}
    });
    const options = chartFor(a, {Plot, width: 900})!;
    // Whole days: date ticks, one a day at most.
    expect(options.x).toEqual({type: "utc", label: null, ticks: 3, tickFormat: "%b %-d"});
    expect(timeInterval([new Date("2026-06-28"), new Date("2026-06-30"), new Date("2026-06-29")])).toBe("day");
    expect(timeInterval([new Date("2026-06-28T01:00Z"), new Date("2026-06-28T03:00Z")])).toBe("hour");
    expect(timeInterval([new Date("2026-06-28T01:00Z"), new Date("2026-06-28T01:30Z")])).toBeNull();
  });

  it("nothing to draw: no spec, a column the answer lacks, no numbers", () => {
    expect(chartFor(answer({chart: null}), {Plot})).toBeNull();
    expect(chartFor(answer({chart: {mark: "bar", x: "site", y: ["nrmse_pct"], series: null, x_type: "category", y_label: null}}), {Plot})).toBeNull();
    expect(chartFor(answer({rows: [["a", null]]}), {Plot})).toBeNull();
  });
});

describe("answer details", () => {
  it("formats the period and the timings", () => {
    expect(formatPeriod({start: "2026-05-12", end: "2026-05-12"})).toBe("2026-05-12");
    expect(formatPeriod({start: "2026-06-24", end: "2026-06-30"})).toBe("2026-06-24 → 2026-06-30");
    expect(formatPeriod(null)).toBeNull();
    expect(formatTimings({resolve: 0.2, generate: 1530, execute: 12.4, total: 1600})).toBe("1.6 s (generate 1.5 s, execute 12 ms)");
  });
});

describe("isReadOnlySql", () => {
  it("runs one statement that reads", () => {
    for (const sql of [DEFAULT_SQL, "select 1;", "FROM sites", "  -- comment\nWITH x AS (SELECT 1) SELECT * FROM x", "DESCRIBE production_hourly", "SUMMARIZE sites", "(SELECT 1) UNION (SELECT 2)", `SELECT 'DROP TABLE sites; --' AS "set"`])
      expect(isReadOnlySql(sql), sql).toEqual({ok: true});
  });

  it("refuses writes, several statements and nothing at all, saying why", () => {
    expect(isReadOnlySql("DROP TABLE sites")).toMatchObject({ok: false, reason: expect.stringMatching(/^Only queries that read run here .*starts with DROP/)});
    expect(isReadOnlySql("SELECT 1; DELETE FROM sites")).toMatchObject({ok: false, reason: expect.stringMatching(/^One statement at a time/)});
    expect(isReadOnlySql("WITH x AS (SELECT 1) INSERT INTO sites SELECT * FROM x")).toMatchObject({ok: false, reason: expect.stringMatching(/^INSERT writes or loads/)});
    expect(isReadOnlySql("SELECT * FROM read_csv('x'); ATTACH 'y'")).toMatchObject({ok: false});
    expect(isReadOnlySql("COPY sites TO 'x.csv'")).toMatchObject({ok: false});
    expect(isReadOnlySql("  -- nothing\n")).toMatchObject({ok: false, reason: expect.stringMatching(/^Write a query first/)});
    expect(isReadOnlySql("INSTALL httpfs")).toMatchObject({ok: false});
  });
});

describe("referencedTables", () => {
  const available = BROWSER_TABLES.map((t) => t.name);
  it("finds the tables a query names as words, not in strings, comments or longer names", () => {
    expect(referencedTables(DEFAULT_SQL, available)).toEqual(["production_hourly"]);
    expect(referencedTables("SELECT * FROM anomaly_events e JOIN SITES s USING (site_id) -- forecasts\nWHERE e.cause = 'weather_hourly'", available)).toEqual(["sites", "anomaly_events"]);
    expect(referencedTables(`SELECT * FROM "forecasts" /* drift */`, available)).toEqual(["forecasts"]);
    expect(referencedTables("SELECT 1", available)).toEqual([]);
  });
});

describe("arrowRows", () => {
  it("reads DuckDB-WASM's Arrow: dates and timestamps as Dates, 64-bit integers as numbers, a row limit", () => {
    const t0 = Date.UTC(2026, 5, 30);
    const table = new Table({
      site_id: vectorFromArray(["a", "b", "c"], new Utf8()),
      day: vectorFromArray([new Date(t0), new Date(t0), null], new DateMillisecond()),
      ts: vectorFromArray([t0 + 3_600_000, t0, t0], new TimestampMillisecond()),
      n: vectorFromArray([1n, 2n, 3n], new Int64()),
      v: vectorFromArray([1.5, null, 2], new Float64())
    });
    const {columns, rows, total} = arrowRows(table as unknown as ArrowLike, {limit: 2});
    expect(total).toBe(3);
    expect(rows).toHaveLength(2);
    expect(columns.map((c) => c.name)).toEqual(["site_id", "day", "ts", "n", "v"]);
    expect(rows[0]).toEqual({site_id: "a", day: new Date(t0), ts: new Date(t0 + 3_600_000), n: 1, v: 1.5});
    expect(rows[1].v).toBeNull();
  });
});

describe("createSqlRunner", () => {
  function fake() {
    const loads: string[] = [];
    const inserted: string[] = [];
    let opened = 0;
    let failNext: string | null = null;
    const result = new Table({x: vectorFromArray([1, 2], new Float64())});
    const runner = createSqlRunner({
      available: ["sites", "production_hourly"],
      open: async () => {
        opened++;
        return {
          query: async (sql: string) => {
            if (/nope/.test(sql)) throw new Error('Catalog Error: Table with name nope does not exist!\nDid you mean "sites"?');
            return result as unknown as ArrowLike;
          }
        };
      },
      load: async (name) => {
        loads.push(name);
        if (failNext === name) {
          failNext = null;
          throw new Error("HTTP 500");
        }
        return {name};
      },
      insert: async (_client, name) => void inserted.push(name),
      now: (() => {
        let t = 0;
        return () => (t += 10);
      })()
    });
    return {runner, loads, inserted, opened: () => opened, failOn: (name: string) => (failNext = name)};
  }

  it("opens the database once and loads each named table the first time only", async () => {
    const f = fake();
    const first = await f.runner.run("SELECT * FROM production_hourly");
    expect(first).toMatchObject({ok: true, total: 2, tables: ["production_hourly"], loaded: ["production_hourly"]});
    const second = await f.runner.run("SELECT * FROM production_hourly JOIN sites USING (site_id)");
    expect(second).toMatchObject({ok: true, loaded: ["sites"]});
    expect(f.loads).toEqual(["production_hourly", "sites"]);
    expect(f.inserted).toEqual(["production_hourly", "sites"]);
    expect(f.opened()).toBe(1);
    expect(f.runner.loaded()).toEqual(["production_hourly", "sites"]);
  });

  it("refuses without opening anything; a failed load is retried; DuckDB's error comes with a hint", async () => {
    const f = fake();
    expect(await f.runner.run("DELETE FROM sites")).toMatchObject({ok: false, stage: "refused"});
    expect(f.opened()).toBe(0);
    f.failOn("sites");
    expect(await f.runner.run("SELECT * FROM sites")).toMatchObject({ok: false, stage: "load", message: "Could not load the table sites: HTTP 500"});
    expect(await f.runner.run("SELECT * FROM sites")).toMatchObject({ok: true, loaded: ["sites"]});
    const missing = await f.runner.run("SELECT * FROM nope");
    expect(missing).toMatchObject({ok: false, stage: "query"});
    expect(missing.ok ? null : missing.hint).toMatch(/^nope is not among the tables this site ships/);
    expect(missingTableHint("Parser Error: syntax error", ["sites"])).toBeNull();
  });
});
