// The query endpoint over real HTTP on loopback (serveSite + createQueryService).
// Most suites drive a scripted engine (FakeEngine) so HTTP behaviour is tested on its own, with an injected
// clock; the last suite runs the real engine over the built demo snapshot through api/_service.ts.
import {existsSync} from "node:fs";
import {mkdtemp, rm} from "node:fs/promises";
import {createServer} from "node:http";
import type {AddressInfo} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, afterEach, beforeAll, describe, expect, it} from "vitest";
import {messages, SunlineError} from "../../../pipeline/messages.ts";
import {cacheKey, LruCache, normalizeQuestion} from "../../../pipeline/query/cache.ts";
import {createRateLimiter, parseRateLimit} from "../../../pipeline/query/rateLimit.ts";
import {createQueryService, type QueryService, type QueryServiceOptions} from "../../../pipeline/query/service.ts";
import {QueryError, type QueryAnswer, type QueryEngine} from "../../../pipeline/query/types.ts";
import {dataDirPath} from "../../../pipeline/snapshot/paths.ts";
import {currentSnapshotDir} from "../../../pipeline/snapshot/read.ts";
import {serveSite} from "../../../scripts/siteServer.ts";

const MARKER = "sk-MARKER-0123456789-never-in-a-response";

/** An engine whose answers are scripted; `delayMs` advances the test clock as if answering took that long. */
class FakeEngine implements QueryEngine {
  readonly snapshotId = "20260630T000000Z-fake";
  readonly model: string | null;
  readonly tables = ["sites", "production_hourly"] as const;
  readonly asked: string[] = [];
  closed = false;

  constructor(
    readonly mode: "llm" | "template" = "template",
    readonly script: (question: string) => Partial<QueryAnswer> | Error = () => ({}),
    readonly clock?: Clock,
    readonly delayMs = 0
  ) {
    this.model = mode === "llm" ? "test-model" : null;
  }

  async ask(question: string): Promise<QueryAnswer> {
    this.asked.push(question);
    if (this.clock) this.clock.t += this.delayMs;
    const scripted = this.script(question);
    if (scripted instanceof Error) throw scripted;
    return {
      question,
      sql: "SELECT site_id, sum(energy_kwh) AS energy_kwh FROM production_hourly GROUP BY site_id",
      columns: [{name: "site_id", type: "VARCHAR"}, {name: "energy_kwh", type: "DOUBLE"}],
      rows: [["a", 1.5]],
      answer: "Site a produced 1.5 kWh (production_hourly).",
      method: null,
      chart: null,
      source: this.mode,
      intent: this.mode === "template" ? "energy_by_site" : null,
      sites: [],
      tables: ["production_hourly"],
      period: null,
      truncated: false,
      clarification: null,
      attempts: [],
      timings: {total: this.delayMs},
      cached: false,
      snapshot_id: this.snapshotId,
      tokens: null,
      ...scripted
    };
  }

  async run(sql: string): Promise<QueryAnswer> {
    return {...(await this.ask(sql)), sql};
  }

  async close() {
    this.closed = true;
  }
}

interface Clock {
  t: number;
}

interface Harness {
  url: string;
  engine: FakeEngine;
  service: QueryService;
  clock: Clock;
  logs: string[];
}

const running: {close(): Promise<void>}[] = [];
let emptyRoot = "";

beforeAll(async () => {
  emptyRoot = await mkdtemp(join(tmpdir(), "sunline-service-"));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});
afterAll(async () => {
  await rm(emptyRoot, {recursive: true, force: true});
});

async function start(options: Partial<QueryServiceOptions> = {}, engine?: FakeEngine): Promise<Harness> {
  const clock: Clock = {t: 1_000};
  const logs: string[] = [];
  const theEngine = engine ?? new FakeEngine("template", () => ({}), clock, 30);
  const service = createQueryService({engine: async () => theEngine, now: () => clock.t, log: (m) => logs.push(m), ...options});
  const site = await serveSite({root: emptyRoot, api: service.handle});
  running.push({close: async () => (await site.close(), await service.close())});
  return {url: site.url, engine: theEngine, service, clock, logs};
}

function ask(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/query`, {
    method: "POST",
    headers: {"content-type": "application/json", ...headers},
    body: typeof body === "string" ? body : JSON.stringify(body)
  });
}

async function errorOf(response: Response): Promise<{code: string; message: string}> {
  expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
  expect(response.headers.get("cache-control")).toBe("no-store");
  const body = (await response.json()) as {error: {code: string; message: string}};
  expect(Object.keys(body)).toEqual(["error"]);
  return body.error;
}

describe("POST /api/query", () => {
  it("answers a question with the engine's QueryAnswer as JSON, not cached, never stored by caches", async () => {
    const {url, engine} = await start();
    const response = await ask(url, {question: "  Energy per site?  "});
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const answer = (await response.json()) as QueryAnswer;
    expect(answer).toMatchObject({question: "Energy per site?", rows: [["a", 1.5]], cached: false, snapshot_id: engine.snapshotId});
    expect(engine.asked).toEqual(["Energy per site?"]);
  });

  it("refuses malformed bodies with 400 and a code saying what is wrong", async () => {
    const {url, engine} = await start();
    const cases: [unknown, string, string][] = [
      ['{"question": "energy', "bad_json", "the request body is not valid JSON"],
      ["", "bad_json", "the request body is not valid JSON"],
      [[], "bad_question", messages.apiQuestionMissing(undefined)],
      [{}, "bad_question", messages.apiQuestionMissing(undefined)],
      [{question: 42}, "bad_question", messages.apiQuestionMissing(42)],
      [{question: null}, "bad_question", messages.apiQuestionMissing(null)],
      [{question: " \n\t "}, "empty_question", messages.apiQuestionEmpty],
      [{question: "é".repeat(501)}, "question_too_long", messages.apiQuestionTooLong(501, 500)]
    ];
    for (const [body, code, message] of cases) {
      const response = await ask(url, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe(code);
      expect(error.message).toContain(message);
    }
    // Invalid UTF-8 is malformed too.
    const bytes = await fetch(`${url}/api/query`, {method: "POST", headers: {"content-type": "application/json"}, body: new Uint8Array([0x7b, 0xff, 0x7d])});
    expect((await errorOf(bytes)).code).toBe("bad_json");
    // 500 characters (counted as characters, not UTF-16 units or bytes) is still fine.
    expect((await ask(url, {question: "☀".repeat(500)})).status).toBe(200);
    expect(engine.asked).toHaveLength(1);
  });

  it("refuses anything but application/json with 415", async () => {
    const {url, engine} = await start();
    const plain = await fetch(`${url}/api/query`, {method: "POST", headers: {"content-type": "text/plain"}, body: '{"question":"x"}'});
    expect(plain.status).toBe(415);
    expect(await errorOf(plain)).toEqual({code: "unsupported_media_type", message: messages.apiNotJson("text/plain")});
    const form = await fetch(`${url}/api/query`, {method: "POST", body: new URLSearchParams({question: "x"})});
    expect(form.status).toBe(415);
    const none = await fetch(`${url}/api/query`, {method: "POST", body: new Blob(['{"question":"x"}'])});
    expect(await errorOf(none)).toEqual({code: "unsupported_media_type", message: messages.apiNotJson(null)});
    // Parameters after the media type are fine.
    expect((await ask(url, {question: "x"}, {"content-type": "application/json; charset=utf-8"})).status).toBe(200);
    expect(engine.asked).toEqual(["x"]);
  });

  it("refuses a body over maxBodyBytes with 413, by Content-Length and by counting a chunked stream", async () => {
    const {url, engine, service} = await start({maxBodyBytes: 1000});
    const big = JSON.stringify({question: "x".repeat(1200)});
    const declared = await ask(url, big);
    expect(declared.status).toBe(413);
    expect(await errorOf(declared)).toEqual({code: "payload_too_large", message: messages.apiBodyTooLarge(1000)});

    // No Content-Length: the body arrives chunked and is cut off once past the limit.
    const chunk = new TextEncoder().encode(" ".repeat(400));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 5) controller.enqueue(chunk);
        else controller.close();
      }
    });
    const init: RequestInit & {duplex: "half"} = {method: "POST", headers: {"content-type": "application/json"}, body: stream, duplex: "half"};
    const chunked = await fetch(`${url}/api/query`, init);
    expect(chunked.status).toBe(413);
    expect((await errorOf(chunked)).code).toBe("payload_too_large");

    // A Content-Length that understates the body does not get it through either.
    const lying = new Request("http://127.0.0.1/api/query", {
      method: "POST",
      headers: {"content-type": "application/json", "content-length": "20"},
      body: big
    });
    expect((await service.handle(lying, {address: "10.0.0.1"})).status).toBe(413);

    // The server is still fine afterwards, and exactly at the limit is accepted.
    const head = '{"question":"y"';
    const exact = `${head}${" ".repeat(1000 - head.length - 1)}}`;
    expect(new TextEncoder().encode(exact).byteLength).toBe(1000);
    expect((await ask(url, exact)).status).toBe(200);
    expect(engine.asked).toHaveLength(1);
  });

  it("passes the engine's QueryError through and hides anything else behind a generic 500", async () => {
    let next: Error = new QueryError(422, "unanswerable", "the snapshot has no weather for that period");
    const engine = new FakeEngine("llm", () => next);
    const {url, logs} = await start({}, engine);
    const refused = await ask(url, {question: "weather on mars"});
    expect(refused.status).toBe(422);
    expect(await errorOf(refused)).toEqual({code: "unanswerable", message: "the snapshot has no weather for that period"});
    expect(logs).toEqual([]);

    next = new Error(`upstream said: bad key ${MARKER} at /srv/secret/path`);
    const failed = await ask(url, {question: "anything"});
    expect(failed.status).toBe(500);
    const text = await failed.text();
    expect(JSON.parse(text)).toEqual({error: {code: "internal", message: messages.apiInternal}});
    expect(text).not.toContain(MARKER);
    expect(text).not.toContain("at ");
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(MARKER); // the detail goes to the server log only
  });
});

describe("routes and methods", () => {
  it("answers unknown routes with 404 listing the routes, and wrong methods with 405 and Allow", async () => {
    const {url} = await start();
    for (const path of ["/api/nope", "/api", "/api/query/extra", "/api/QUERY"]) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(404);
      const error = await errorOf(response);
      expect(error.code).toBe("not_found");
      expect(error.message).toContain("/api/query, /api/health, /api/metrics");
    }
    const getQuery = await fetch(`${url}/api/query`);
    expect(getQuery.status).toBe(405);
    expect(getQuery.headers.get("allow")).toBe("POST, OPTIONS");
    expect(await errorOf(getQuery)).toEqual({code: "method_not_allowed", message: messages.apiMethodNotAllowed("GET", "/api/query", ["POST"])});
    for (const [method, path] of [["POST", "/api/health"], ["DELETE", "/api/metrics"], ["PUT", "/api/query"]]) {
      const response = await fetch(`${url}${path}`, {method});
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get("allow")).toBe(path === "/api/query" ? "POST, OPTIONS" : "GET, OPTIONS");
    }
    // One trailing slash is forgiven.
    expect((await fetch(`${url}/api/health/`)).status).toBe(200);
  });
});

describe("rate limit", () => {
  it("refuses a burst past the limit with 429 and Retry-After, and lets the client back in after the window", async () => {
    const {url, clock, engine} = await start({rateLimit: {requests: 3, windowMs: 60_000}}, new FakeEngine());
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await ask(url, {question: `q${i}`})).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await ask(url, {question: "again"});
    expect(limited.status).toBe(429);
    // 3 per 60 s refills one request every 20 s.
    expect(limited.headers.get("retry-after")).toBe("20");
    expect(await errorOf(limited)).toEqual({code: "rate_limited", message: messages.apiRateLimited(20)});

    clock.t += 20_000;
    expect((await ask(url, {question: "one more"})).status).toBe(200);
    expect((await ask(url, {question: "too soon"})).status).toBe(429);

    clock.t += 60_000;
    const after = [];
    for (let i = 0; i < 4; i++) after.push((await ask(url, {question: `later ${i}`})).status);
    expect(after).toEqual([200, 200, 200, 429]);
    // Health is never limited (load balancers poll it).
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    expect(engine.asked).toHaveLength(7);
  });

  it("keys clients by address, and by the first X-Forwarded-For entry only when there is no address", async () => {
    const service = createQueryService({engine: async () => new FakeEngine(), rateLimit: {requests: 1, windowMs: 1000}, now: () => 0});
    const request = (forwardedFor?: string) =>
      new Request("https://fn.example/api/query", {
        method: "POST",
        headers: {"content-type": "application/json", ...(forwardedFor ? {"x-forwarded-for": forwardedFor} : {})},
        body: '{"question":"q"}'
      });
    expect((await service.handle(request("203.0.113.1, 10.0.0.1"))).status).toBe(200);
    expect((await service.handle(request("203.0.113.1, 10.0.0.2"))).status).toBe(429);
    expect((await service.handle(request("203.0.113.2, 10.0.0.1"))).status).toBe(200);
    // A peer address wins over a header the client could write itself.
    expect((await service.handle(request("198.51.100.7"), {address: "192.0.2.9"})).status).toBe(200);
    expect((await service.handle(request("198.51.100.8"), {address: "192.0.2.9"})).status).toBe(429);
    expect((await service.handle(request("198.51.100.7"))).status).toBe(200);
    await service.close();
  });

  it("parses SUNLINE_API_RATE and forgets idle clients", () => {
    expect(parseRateLimit("30/60")).toEqual({requests: 30, windowMs: 60_000});
    expect(parseRateLimit(" 5 / 1.5s ")).toEqual({requests: 5, windowMs: 1500});
    for (const bad of ["", "30", "0/60", "30/0", "-1/60", "abc"]) expect(parseRateLimit(bad), bad).toBeNull();
    let t = 0;
    const limiter = createRateLimiter({requests: 2, windowMs: 100}, () => t);
    expect(limiter.take("a")).toEqual({allowed: true});
    expect(limiter.take("a")).toEqual({allowed: true});
    expect(limiter.take("a")).toEqual({allowed: false, retryAfterSeconds: 1});
    t = 50;
    expect(limiter.take("a")).toEqual({allowed: true});
    expect(limiter.size).toBe(1);
  });
});

describe("token", () => {
  it("guards /api/query and /api/metrics with a bearer token; /api/health stays open", async () => {
    const {url} = await start({token: MARKER});
    const missing = await ask(url, {question: "q"});
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="sunline"');
    expect(await errorOf(missing)).toEqual({code: "unauthorized", message: messages.apiTokenRequired});

    for (const header of [`Bearer ${MARKER}x`, `Bearer ${MARKER.slice(0, -1)}`, "Bearer x", `Basic ${MARKER}`, MARKER]) {
      const wrong = await ask(url, {question: "q"}, {authorization: header});
      expect(wrong.status, header).toBe(401);
      const error = await errorOf(wrong);
      expect(error.code).toBe("unauthorized");
    }
    const bad = await ask(url, {question: "q"}, {authorization: "Bearer nope"});
    expect(bad.headers.get("www-authenticate")).toBe('Bearer realm="sunline", error="invalid_token"');
    expect((await errorOf(bad)).message).toBe(messages.apiBadToken);

    expect((await ask(url, {question: "q"}, {authorization: `Bearer ${MARKER}`})).status).toBe(200);
    expect((await ask(url, {question: "q"}, {authorization: `bearer ${MARKER}`})).status).toBe(200);
    expect((await fetch(`${url}/api/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/api/metrics`, {headers: {authorization: `Bearer ${MARKER}`}})).status).toBe(200);
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
  });
});

describe("CORS", () => {
  const app = "https://app.example";

  it("gives the allowed origin its headers and preflight, and nobody else", async () => {
    const {url} = await start({allowedOrigin: `${app}/`});
    const allowed = await ask(url, {question: "q"}, {origin: app});
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(app);
    expect(allowed.headers.get("vary")).toBe("Origin");

    const other = await ask(url, {question: "q"}, {origin: "https://evil.example"});
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toBe("Origin");

    const preflight = await fetch(`${url}/api/query`, {
      method: "OPTIONS",
      headers: {origin: app, "access-control-request-method": "POST", "access-control-request-headers": "content-type, authorization"}
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(app);
    expect(preflight.headers.get("access-control-allow-methods")).toBe("POST");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("authorization, content-type");

    const denied = await fetch(`${url}/api/query`, {method: "OPTIONS", headers: {origin: "https://evil.example", "access-control-request-method": "POST"}});
    expect(denied.status).toBe(403);
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
    expect(await errorOf(denied)).toEqual({code: "origin_not_allowed", message: messages.apiOriginNotAllowed("https://evil.example")});

    // Errors carry the header too, so the page can read them.
    const badJson = await ask(url, "nope", {origin: app});
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get("access-control-allow-origin")).toBe(app);
  });

  it("sends no CORS headers at all when no origin is configured", async () => {
    const {url} = await start();
    const response = await ask(url, {question: "q"}, {origin: app});
    expect(response.status).toBe(200);
    for (const name of response.headers.keys()) expect(name.startsWith("access-control-") || name === "vary", name).toBe(false);
    const preflight = await fetch(`${url}/api/query`, {method: "OPTIONS", headers: {origin: app, "access-control-request-method": "POST"}});
    expect(preflight.status).toBe(403);
  });

  it("refuses a configured origin that is not one", () => {
    expect(() => createQueryService({engine: async () => new FakeEngine(), allowedOrigin: "app.example"})).toThrow(messages.apiBadOrigin("app.example"));
  });
});

describe("answer cache", () => {
  it("answers a re-asked question from the cache whatever its case, spacing and final punctuation", async () => {
    const {url, engine} = await start();
    const first = (await (await ask(url, {question: "Energy per site last week?"})).json()) as QueryAnswer;
    const again = (await (await ask(url, {question: "  energy   PER site\tlast week "})).json()) as QueryAnswer;
    const third = (await (await ask(url, {question: "ＥＮＥＲＧＹ per site last week!!"})).json()) as QueryAnswer;
    expect(first.cached).toBe(false);
    expect(again.cached).toBe(true);
    expect(third.cached).toBe(true);
    expect({...again, cached: false}).toEqual(first);
    expect(engine.asked).toEqual(["Energy per site last week?"]);
    await ask(url, {question: "Energy per site this week?"});
    expect(engine.asked).toHaveLength(2);
  });

  it("keeps the least recently used answers, keyed by snapshot", () => {
    expect(normalizeQuestion("  Ｗhat  was\u00a0YESTERDAY's energy?! ")).toBe("what was yesterday's energy");
    expect(cacheKey("snap-1", "Energy?")).toBe(cacheKey("snap-1", "energy"));
    expect(cacheKey("snap-1", "Energy?")).not.toBe(cacheKey("snap-2", "energy"));
    const cache = new LruCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1);
    cache.set("c", 3); // evicts b, the least recently used
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([1, undefined, 3]);
    const none = new LruCache<number>(0);
    none.set("a", 1);
    expect(none.get("a")).toBeUndefined();
  });
});

describe("GET /api/metrics", () => {
  it("counts requests, latency, cache hits, tokens, guard rejections, errors and rate limiting", async () => {
    const clock: Clock = {t: 0};
    const engine = new FakeEngine(
      "llm",
      (question) =>
        question === "fail"
          ? new QueryError(422, "unanswerable", "no")
          : {
              tokens: {prompt: 120, completion: 30},
              attempts: [
                {sql: "DROP TABLE sites", stage: "guard", error: "not a SELECT"},
                {sql: "SELECT nope", stage: "execute", error: "no column"}
              ]
            },
      clock,
      30
    );
    const {url} = await start({rateLimit: {requests: 4, windowMs: 60_000}, now: () => clock.t}, engine);
    await ask(url, {question: "a"}); // 200, 30 ms
    await ask(url, {question: "A?"}); // 200, cache hit, 0 ms
    await ask(url, {question: "fail"}); // 422, 30 ms
    await ask(url, "{"); // 400 bad_json
    await fetch(`${url}/api/health`); // 200, not limited
    await fetch(`${url}/api/nope`); // 404
    await ask(url, {question: "b"}); // 429: the fifth request on a limited route (bad JSON counted too)
    const limitedScrape = await fetch(`${url}/api/metrics`);
    expect(limitedScrape.status).toBe(429);
    clock.t += 60_000;
    const response = await fetch(`${url}/api/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.text();
    const lines = text.split("\n");
    const expected = [
      "# TYPE sunline_query_requests_total counter",
      'sunline_query_requests_total{route="/api/query",status="200"} 2',
      'sunline_query_requests_total{route="/api/query",status="422"} 1',
      'sunline_query_requests_total{route="/api/query",status="400"} 1',
      'sunline_query_requests_total{route="/api/query",status="429"} 1',
      'sunline_query_requests_total{route="/api/health",status="200"} 1',
      'sunline_query_requests_total{route="other",status="404"} 1',
      'sunline_query_requests_total{route="/api/metrics",status="429"} 1',
      "# TYPE sunline_query_latency_seconds histogram",
      'sunline_query_latency_seconds_bucket{le="0.005"} 1',
      'sunline_query_latency_seconds_bucket{le="0.025"} 1',
      'sunline_query_latency_seconds_bucket{le="0.05"} 3',
      'sunline_query_latency_seconds_bucket{le="10"} 3',
      'sunline_query_latency_seconds_bucket{le="+Inf"} 3',
      "sunline_query_latency_seconds_sum 0.06",
      "sunline_query_latency_seconds_count 3",
      "# TYPE sunline_query_cache_hits_total counter",
      "sunline_query_cache_hits_total 1",
      'sunline_query_tokens_total{kind="prompt"} 120',
      'sunline_query_tokens_total{kind="completion"} 30',
      "sunline_query_guard_rejections_total 1",
      'sunline_query_errors_total{code="unanswerable"} 1',
      'sunline_query_errors_total{code="bad_json"} 1',
      'sunline_query_errors_total{code="not_found"} 1',
      'sunline_query_errors_total{code="rate_limited"} 2',
      "sunline_query_rate_limited_total 2"
    ];
    for (const line of expected) expect(lines, line).toContain(line);
    expect(text.endsWith("\n")).toBe(true);
    // Every sample line is `name{labels} value`: nothing a scraper would choke on.
    for (const line of lines.filter((l) => l && !l.startsWith("#"))) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$|^[a-z_]+\{le="\+Inf"\} \d+$/);
  });

  it("shows every unlabelled series at 0 before any request", async () => {
    const {url} = await start();
    const text = await (await fetch(`${url}/api/metrics`)).text();
    for (const line of [
      "sunline_query_cache_hits_total 0",
      'sunline_query_tokens_total{kind="prompt"} 0',
      'sunline_query_tokens_total{kind="completion"} 0',
      "sunline_query_guard_rejections_total 0",
      "sunline_query_rate_limited_total 0",
      "sunline_query_latency_seconds_count 0"
    ]) {
      expect(text.split("\n")).toContain(line);
    }
  });
});

describe("GET /api/health", () => {
  it("names the snapshot, mode, model and tables, and nothing else", async () => {
    const {url, engine} = await start({}, new FakeEngine("llm"));
    const response = await fetch(`${url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ok",
      snapshot_id: engine.snapshotId,
      mode: "llm",
      model: "test-model",
      tables: ["sites", "production_hourly"]
    });
  });

  it("answers 503 naming the cause while the engine cannot start, and retries on the next request", async () => {
    let attempt = 0;
    const engine = new FakeEngine();
    const {url, logs} = await start({
      engine: async () => {
        attempt += 1;
        if (attempt === 1) throw new SunlineError(messages.apiNoSnapshot);
        if (attempt === 2) throw new Error(`duckdb: cannot open /srv/data/${MARKER}`);
        return engine;
      }
    });
    const first = await fetch(`${url}/api/health`);
    expect(first.status).toBe(503);
    expect(await errorOf(first)).toEqual({code: "unavailable", message: messages.apiUnavailable(messages.apiNoSnapshot)});
    const second = await ask(url, {question: "q"});
    expect(second.status).toBe(503);
    const text = await second.text();
    expect(JSON.parse(text)).toEqual({error: {code: "unavailable", message: messages.apiUnavailable(messages.apiStartFailed)}});
    expect(text).not.toContain(MARKER);
    expect(logs.join("\n")).toContain(MARKER);
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    expect((await ask(url, {question: "q"})).status).toBe(200);
    expect(attempt).toBe(3); // created once, then reused
  });

  it("closes the engine with the service", async () => {
    const engine = new FakeEngine();
    const service = createQueryService({engine: async () => engine});
    await service.handle(new Request("http://x/api/health"));
    await service.close();
    expect(engine.closed).toBe(true);
    expect((await service.handle(new Request("http://x/api/health"))).status).toBe(503);
  });
});

// The real engine over the built demo snapshot, configured from the environment as a deployment is.
const snapshotDir = await currentSnapshotDir(dataDirPath(join(import.meta.dirname, "../../../.sunline")));
const engineExists = existsSync(join(import.meta.dirname, "../../../pipeline/query/engine.ts"));
const skipReason = !engineExists ? "pipeline/query/engine.ts does not exist yet" : !snapshotDir ? "no snapshot in .sunline/ (run npm run build)" : null;

/** An OpenAI-compatible server on loopback that refuses every key, echoing it back as some proxies do. */
async function keyEchoingModelServer(): Promise<{url: string; calls: string[]; close(): Promise<void>}> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    req.resume();
    const key = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    res.writeHead(401, {"content-type": "application/json"});
    res.end(JSON.stringify({error: {message: `Incorrect API key provided: ${key}`, type: "invalid_request_error", code: "invalid_api_key"}}));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const {port} = server.address() as AddressInfo;
  return {url: `http://127.0.0.1:${port}/v1`, calls, close: () => new Promise((ok) => server.close(() => ok()))};
}

describe.skipIf(skipReason !== null)(`the real engine on the demo snapshot${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  const urls = {templates: "", model: ""};
  const closers: (() => Promise<void>)[] = [];
  const bodies: string[] = [];
  const saved = {...process.env};
  let model: Awaited<ReturnType<typeof keyEchoingModelServer>>;

  beforeAll(async () => {
    const {serviceFromEnv} = await import("../../../api/_service.ts");
    model = await keyEchoingModelServer();
    closers.push(model.close);
    const envs = {
      templates: {SUNLINE_SNAPSHOT_DIR: snapshotDir!, SUNLINE_API_TOKEN: MARKER, SUNLINE_API_RATE: "100/60"},
      // A model that fails, loudly: the key it echoes must not reach the client.
      model: {SUNLINE_SNAPSHOT_DIR: snapshotDir!, OPENAI_BASE_URL: model.url, OPENAI_API_KEY: MARKER, SUNLINE_LLM_MODEL: "echo-model"}
    };
    for (const kind of ["templates", "model"] as const) {
      const service = serviceFromEnv(envs[kind]);
      const site = await serveSite({root: emptyRoot, api: service.handle});
      urls[kind] = site.url;
      closers.push(site.close, service.close);
    }
    // The api/ functions read process.env: the same secrets there.
    Object.assign(process.env, envs.templates, {OPENAI_API_KEY: MARKER});
  });
  afterAll(async () => {
    const {sharedService} = await import("../../../api/_service.ts");
    await sharedService().close();
    for (const close of closers) await close();
    process.env = saved;
  });

  const auth = {authorization: `Bearer ${MARKER}`};
  const keep = async (response: Response) => {
    const text = await response.clone().text();
    bodies.push(`${response.status}\n${[...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${text}`);
    return response;
  };

  it("reports the snapshot and the mode on /api/health", async () => {
    const response = await keep(await fetch(`${urls.templates}/api/health`));
    expect(response.status).toBe(200);
    const health = (await response.json()) as {status: string; snapshot_id: string; mode: string; model: string | null; tables: string[]};
    expect(health.status).toBe("ok");
    expect(snapshotDir!.endsWith(health.snapshot_id)).toBe(true);
    expect(health.mode).toBe("template");
    expect(health.model).toBeNull();
    expect(health.tables).toContain("production_hourly");
    const withModel = await keep(await fetch(`${urls.model}/api/health`));
    expect(await withModel.json()).toMatchObject({status: "ok", mode: "llm", model: "echo-model"});
  });

  it("answers a question, then the same question from the cache", async () => {
    const first = await keep(await ask(urls.templates, {question: "How much did the fleet produce last month?"}, auth));
    expect(first.status).toBe(200);
    const answer = (await first.json()) as QueryAnswer;
    expect(answer).toMatchObject({cached: false, source: "template", clarification: null});
    expect(answer.rows.length).toBeGreaterThan(0);
    const again = await keep(await ask(urls.templates, {question: "how much did the FLEET   produce last month"}, auth));
    const cached = (await again.json()) as QueryAnswer;
    expect(cached.cached).toBe(true);
    expect(cached.rows).toEqual(answer.rows);
    const metrics = await keep(await fetch(`${urls.templates}/api/metrics`, {headers: auth}));
    const lines = (await metrics.text()).split("\n");
    expect(lines).toContain("sunline_query_cache_hits_total 1");
    expect(lines).toContain('sunline_query_requests_total{route="/api/query",status="200"} 2');
  });

  it("never puts a secret in a response", async () => {
    await keep(await ask(urls.templates, {question: "q"}));
    await keep(await ask(urls.templates, {question: "q"}, {authorization: "Bearer wrong"}));
    await keep(await fetch(`${urls.templates}/api/metrics`));
    await keep(await fetch(`${urls.templates}/api/nope`));
    await keep(await ask(urls.templates, {question: "drop table sites; show me OPENAI_API_KEY"}, auth));
    // The model refuses the key and echoes it; the engine passes the upstream message on as a 502.
    const failed = await keep(await ask(urls.model, {question: "energy per site yesterday"}));
    expect(model.calls.length).toBeGreaterThan(0);
    expect(failed.status).toBe(502);
    expect(await failed.text()).toContain("[redacted]");
    const health = await import("../../../api/health.ts");
    await keep(await health.default(new Request("https://fn.example/api/health")));
    const query = await import("../../../api/query.ts");
    await keep(await query.default(new Request("https://fn.example/api/query", {method: "POST", headers: {"content-type": "application/json", ...auth}, body: '{"question":"which sites are there"}'})));
    expect(bodies.length).toBeGreaterThanOrEqual(11);
    for (const body of bodies) expect(body).not.toContain(MARKER);
  });
});
