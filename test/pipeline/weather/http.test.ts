import {readdir, readFile, writeFile} from "node:fs/promises";
import {createServer, type IncomingMessage, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";
import {join} from "node:path";
import {gzipSync} from "node:zlib";
import {describe, expect, it} from "vitest";
import {SunlineError} from "../../../pipeline/messages.ts";
import {parseRetryAfter, WeatherFetchError, WeatherHttp, type HttpPolicy, type JsonResult} from "../../../pipeline/weather/http.ts";
import {withTempDir} from "../../helpers.ts";
import {mulberry32} from "../../../pipeline/random.ts";

// Real HTTP over 127.0.0.1 against a node:http server; only the clock, the sleep between retries
// and the jitter's random numbers are injected, so nothing here waits for a backoff.

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

interface Server {
  base: string;
  /** Requests received so far. */
  hits: () => number;
  /** Most requests in flight at once (received, response not yet finished). */
  maxInFlight: () => number;
  urls: string[];
}

async function withServer<T>(handler: Handler, fn: (server: Server) => Promise<T>): Promise<T> {
  let hits = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const urls: string[] = [];
  const server = createServer((req, res) => {
    hits++;
    urls.push(req.url ?? "");
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    handler(req, res, hits);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const {port} = server.address() as AddressInfo;
  try {
    return await fn({base: `http://127.0.0.1:${port}`, hits: () => hits, maxInFlight: () => maxInFlight, urls});
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const SEED = 42;
const T0 = Date.parse("2025-06-01T12:00:00Z");
const FAST: Partial<HttpPolicy> = {timeoutMs: 5000, retries: 3, backoffMs: 100, maxBackoffMs: 300, concurrency: 4, maxRetryAfterMs: 60_000};

interface Client {
  http: WeatherHttp;
  delays: number[];
  logs: string[];
  clock: {now: number};
}

async function withClient<T>(cacheDir: string, fn: (client: Client) => Promise<T>, options: {policy?: Partial<HttpPolicy>; offline?: boolean} = {}): Promise<T> {
  const delays: number[] = [];
  const logs: string[] = [];
  const clock = {now: T0};
  const http = new WeatherHttp({
    cacheDir,
    policy: {...FAST, ...options.policy},
    offline: options.offline,
    log: (m) => logs.push(m),
    random: mulberry32(SEED),
    sleep: async (ms) => void delays.push(ms),
    now: () => clock.now
  });
  try {
    return await fn({http, delays, logs, clock});
  } finally {
    await http.close();
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, {"content-type": "application/json", ...headers});
  res.end(JSON.stringify(body));
}

const HTML_PAGE = `<!DOCTYPE html>\n<html>\n  <head><title>502 Bad Gateway</title></head>\n  <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>\n</html>\n`;

function html(res: ServerResponse, status: number): void {
  res.writeHead(status, {"content-type": "text/html; charset=utf-8"});
  res.end(HTML_PAGE);
}

async function rejection(promise: Promise<unknown>): Promise<WeatherFetchError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WeatherFetchError);
    expect(error).toBeInstanceOf(SunlineError);
    return error as WeatherFetchError;
  }
  throw new Error("expected the request to fail");
}

async function cacheFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

describe("WeatherHttp: success and cache", () => {
  it("downloads JSON once, then serves it from the cache without touching the server", async () => {
    await withTempDir(async (dir) => {
      await withServer((_req, res) => json(res, 200, {hourly: {ghi: [0, 120, 340]}}), async (server) => {
        await withClient(dir, async ({http, delays}) => {
          const url = `${server.base}/v1/archive?latitude=52.52&longitude=13.4&hourly=shortwave_radiation,temperature_2m`;
          const first = await http.getJson(url, {cache: "forever"});
          expect(first).toEqual<JsonResult>({
            body: {hourly: {ghi: [0, 120, 340]}},
            fromCache: false,
            stale: false,
            fetchedAt: "2025-06-01T12:00:00.000Z",
            url,
            attempts: 1
          });
          const second = await http.getJson(url, {cache: "forever"});
          expect(second).toEqual({...first, fromCache: true, attempts: 0});
          expect(server.hits()).toBe(1);
          expect(delays).toEqual([]);
        });
        // A new client (next run) over the same folder: still no download.
        await withClient(dir, async ({http, clock}) => {
          clock.now = T0 + 400 * 86_400_000;
          const again = await http.getJson(`${server.base}/v1/archive?hourly=shortwave_radiation,temperature_2m&longitude=13.4&latitude=52.52`, {cache: "forever"});
          expect(again.fromCache).toBe(true);
          expect(again.stale).toBe(false);
        });
        expect(server.hits()).toBe(1);
      });
      const files = await cacheFiles(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^[0-9a-f]{64}\.json$/);
      const entry = JSON.parse(await readFile(join(dir, files[0]), "utf8"));
      expect(Object.keys(entry).sort()).toEqual(["body", "fetched_at", "status", "url"]);
      expect(entry).toMatchObject({fetched_at: "2025-06-01T12:00:00.000Z", status: 200, body: {hourly: {ghi: [0, 120, 340]}}});
    });
  });

  it("re-fetches once the cache lifetime (ms) has passed", async () => {
    await withTempDir(async (dir) => {
      await withServer((_req, res, hit) => json(res, 200, {run: hit}), async (server) => {
        await withClient(dir, async ({http, clock}) => {
          const url = `${server.base}/v1/forecast?latitude=1`;
          expect((await http.getJson(url, {cache: 60_000})).body).toEqual({run: 1});
          clock.now = T0 + 59_999;
          const cached = await http.getJson(url, {cache: 60_000});
          expect(cached).toMatchObject({body: {run: 1}, fromCache: true, stale: false, fetchedAt: "2025-06-01T12:00:00.000Z"});
          expect(server.hits()).toBe(1);
          clock.now = T0 + 60_000;
          const fresh = await http.getJson(url, {cache: 60_000});
          expect(fresh).toMatchObject({body: {run: 2}, fromCache: false, stale: false, fetchedAt: "2025-06-01T12:01:00.000Z"});
          expect(server.hits()).toBe(2);
          // The refreshed copy replaced the old one.
          clock.now = T0 + 60_001;
          expect((await http.getJson(url, {cache: 60_000})).body).toEqual({run: 2});
          expect(server.hits()).toBe(2);
        });
      });
      expect(await cacheFiles(dir)).toHaveLength(1);
    });
  });

  it("with cache: false neither reads nor writes the cache", async () => {
    await withTempDir(async (dir) => {
      await withServer((_req, res, hit) => json(res, 200, {run: hit}), async (server) => {
        await withClient(dir, async ({http}) => {
          expect((await http.getJson(`${server.base}/x`, {cache: false})).body).toEqual({run: 1});
          expect((await http.getJson(`${server.base}/x`, {cache: false})).body).toEqual({run: 2});
        });
      });
      expect(await cacheFiles(dir)).toEqual([]);
    });
  });

  it("ignores an unreadable cache file (with a log line) and replaces it", async () => {
    await withTempDir(async (dir) => {
      await withServer((_req, res, hit) => json(res, 200, {run: hit}), async (server) => {
        await withClient(dir, async ({http}) => void (await http.getJson(`${server.base}/x`, {cache: "forever"})));
        const [file] = await cacheFiles(dir);
        await writeFile(join(dir, file), '{"url": "cut sho');
        await withClient(dir, async ({http, logs}) => {
          expect((await http.getJson(`${server.base}/x`, {cache: "forever"})).body).toEqual({run: 2});
          expect(logs).toEqual([expect.stringContaining(`ignoring unreadable cache file ${join(dir, file)}`)]);
        });
        expect(JSON.parse(await readFile(join(dir, file), "utf8")).body).toEqual({run: 2});
      });
      // Written aside and renamed: no temp file is left behind.
      expect(await cacheFiles(dir)).toHaveLength(1);
    });
  });

  it("follows redirects", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (req, res) => {
          if (req.url === "/old") {
            res.writeHead(301, {location: "/new"});
            res.end();
          } else json(res, 200, {at: req.url});
        },
        async (server) => {
          await withClient(dir, async ({http}) => {
            expect((await http.getJson(`${server.base}/old`, {cache: false})).body).toEqual({at: "/new"});
          });
        }
      );
    });
  });
});

describe("WeatherHttp: retries", () => {
  it("times out a server that never answers, then succeeds on the retry", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res, hit) => {
          if (hit > 1) json(res, 200, {ok: true});
          // First request: never answered.
        },
        async (server) => {
          await withClient(
            dir,
            async ({http, delays, logs}) => {
              const started = performance.now();
              const result = await http.getJson(`${server.base}/slow`, {cache: false});
              expect(result).toMatchObject({body: {ok: true}, attempts: 2});
              expect(performance.now() - started).toBeGreaterThanOrEqual(190);
              expect(delays).toHaveLength(1);
              expect(logs).toEqual([expect.stringContaining("no complete answer within 200 ms (timeout; policy.timeoutMs); retry 1 of 3")]);
            },
            {policy: {timeoutMs: 200}}
          );
          expect(server.hits()).toBe(2);
        }
      );
    });
  });

  it("times out a body that never finishes", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res) => {
          res.writeHead(200, {"content-type": "application/json"});
          res.write('{"hourly": ['); // ...and nothing more
        },
        async (server) => {
          await withClient(
            dir,
            async ({http}) => {
              const error = await rejection(http.getJson(`${server.base}/trickle`, {cache: false}));
              expect(error.message).toContain("no complete answer within 150 ms");
              expect(error.attempts).toBe(2);
              expect(error.status).toBe(200);
            },
            {policy: {timeoutMs: 150, retries: 1}}
          );
        }
      );
    });
  });

  it("honours Retry-After in seconds on 429", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res, hit) => (hit === 1 ? json(res, 429, {reason: "rate limited"}, {"retry-after": "2"}) : json(res, 200, {ok: true})),
        async (server) => {
          await withClient(dir, async ({http, delays}) => {
            const result = await http.getJson(`${server.base}/x`, {cache: false});
            expect(result).toMatchObject({body: {ok: true}, attempts: 2});
            expect(delays).toHaveLength(1);
            expect(delays[0]).toBeGreaterThanOrEqual(2000);
            // Plus at most one base backoff of jitter.
            expect(delays[0]).toBeLessThan(2000 + FAST.backoffMs!);
            expect(delays[0]).toBe(Math.round(2000 + mulberry32(SEED)() * FAST.backoffMs!));
          });
          expect(server.hits()).toBe(2);
        }
      );
    });
  });

  it("honours Retry-After as an HTTP date on 503", async () => {
    await withTempDir(async (dir) => {
      const retryAt = new Date(T0 + 7000).toUTCString(); // "Sun, 01 Jun 2025 12:00:07 GMT"
      await withServer(
        (_req, res, hit) => {
          if (hit > 1) return json(res, 200, {ok: true});
          res.writeHead(503, {"content-type": "text/plain", "retry-after": retryAt});
          res.end("down for maintenance");
        },
        async (server) => {
          await withClient(dir, async ({http, delays}) => {
            expect(await http.getJson(`${server.base}/x`, {cache: false})).toMatchObject({body: {ok: true}, attempts: 2});
            expect(delays).toHaveLength(1);
            expect(delays[0]).toBeGreaterThanOrEqual(7000);
            expect(delays[0]).toBeLessThan(7000 + FAST.backoffMs!);
          });
        }
      );
    });
  });

  it("stops at once when Retry-After is longer than maxRetryAfterMs", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res) => json(res, 429, {message: "daily quota exceeded"}, {"retry-after": "3600"}),
        async (server) => {
          await withClient(dir, async ({http, delays}) => {
            const error = await rejection(http.getJson(`${server.base}/x`, {cache: false}));
            expect(error.attempts).toBe(1);
            expect(error.status).toBe(429);
            expect(error.message).toContain("the server asks to wait 3600 s before retrying, more than the 60 s limit");
            expect(delays).toEqual([]);
          });
          expect(server.hits()).toBe(1);
        }
      );
    });
  });

  it("retries a 500 with full-jitter backoff and succeeds", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res, hit) => (hit === 1 ? json(res, 500, {error: "boom"}) : json(res, 200, {ok: true})),
        async (server) => {
          await withClient(dir, async ({http, delays}) => {
            const result = await http.getJson(`${server.base}/x`, {cache: false});
            expect(result).toMatchObject({body: {ok: true}, attempts: 2, fromCache: false, stale: false});
            expect(delays).toEqual([Math.round(mulberry32(SEED)() * 100)]);
          });
          expect(server.hits()).toBe(2);
        }
      );
    });
  });

  it("gives up on a 500 after retries + 1 attempts, with capped exponential backoff", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res) => json(res, 500, {error: "internal"}),
        async (server) => {
          await withClient(dir, async ({http, delays, logs}) => {
            const url = `${server.base}/v1/forecast?latitude=52.5`;
            const error = await rejection(http.getJson(url, {cache: false}));
            expect(error.attempts).toBe(4);
            expect(error.status).toBe(500);
            expect(error.url).toBe(url);
            expect(error.message).toBe(
              `weather: GET ${url} failed after 4 attempts: HTTP 500 (content-type application/json); the body starts "{\\"error\\":\\"internal\\"}"`
            );
            // backoffMs 100 doubling, capped at maxBackoffMs 300: ranges 100, 200, 300.
            const random = mulberry32(SEED);
            expect(delays).toEqual([100, 200, 300].map((cap) => Math.round(random() * cap)));
            expect(logs).toHaveLength(3);
            expect(logs[0]).toContain("retry 1 of 3");
          });
          expect(server.hits()).toBe(4);
        }
      );
    });
  });

  it("retries network errors (connection refused) and reports them without a status", async () => {
    await withTempDir(async (dir) => {
      // A port that was just free: nothing listens there any more.
      const base = await withServer(() => {}, async (server) => server.base);
      await withClient(
        dir,
        async ({http, delays}) => {
          const error = await rejection(http.getJson(`${base}/x`, {cache: false}));
          expect(error.attempts).toBe(3);
          expect(error.status).toBeNull();
          expect(error.message).toContain("network error");
          expect(error.message).toContain("ECONNREFUSED");
          expect(delays).toHaveLength(2);
        },
        {policy: {retries: 2}}
      );
    });
  });

  it("does not retry a 404", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res) => json(res, 404, {error: true, reason: "No data is available for this location"}),
        async (server) => {
          await withClient(dir, async ({http, delays, logs}) => {
            const error = await rejection(http.getJson(`${server.base}/x`, {cache: false}));
            expect(error.attempts).toBe(1);
            expect(error.status).toBe(404);
            expect(error.message).toContain('HTTP 404 (content-type application/json); the body starts "{\\"error\\":true,\\"reason\\":\\"No data is available');
            expect(delays).toEqual([]);
            expect(logs).toEqual([]);
          });
          expect(server.hits()).toBe(1);
        }
      );
    });
  });
});

describe("WeatherHttp: bad bodies", () => {
  it("retries truncated JSON as transient", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res, hit) => {
          if (hit > 1) return json(res, 200, {hourly: {time: [1, 2, 3]}});
          res.writeHead(200, {"content-type": "application/json"});
          res.end('{"hourly": {"time": [1, 2'); // ends cleanly, but the JSON is cut
        },
        async (server) => {
          await withClient(dir, async ({http, logs}) => {
            const result = await http.getJson(`${server.base}/x`, {cache: "forever"});
            expect(result).toMatchObject({body: {hourly: {time: [1, 2, 3]}}, attempts: 2});
            expect(logs).toEqual([expect.stringContaining("HTTP 200 with truncated or malformed JSON")]);
          });
        }
      );
    });
  });

  it("names URL, status, content-type and the start of the body when truncated JSON persists", async () => {
    await withTempDir(async (dir) => {
      const cut = `{"latitude": 52.52, "hourly": {"time": [${Array.from({length: 40}, (_, i) => `"2025-06-01T${String(i % 24).padStart(2, "0")}:00"`).join(", ")}`;
      await withServer(
        (_req, res) => {
          res.writeHead(200, {"content-type": "application/json; charset=utf-8"});
          res.end(cut);
        },
        async (server) => {
          await withClient(dir, async ({http}) => {
            const url = `${server.base}/v1/archive?latitude=52.52`;
            const error = await rejection(http.getJson(url, {cache: "forever"}));
            expect(error.attempts).toBe(4);
            expect(error.status).toBe(200);
            expect(error.message).toBe(
              `weather: GET ${url} failed after 4 attempts: HTTP 200 with truncated or malformed JSON (content-type application/json; charset=utf-8); it starts ${JSON.stringify(cut.slice(0, 80))}...`
            );
          });
        }
      );
      expect(await cacheFiles(dir)).toEqual([]);
    });
  });

  it("retries a body cut short by a dropped connection", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res, hit) => {
          if (hit > 1) return json(res, 200, {ok: true});
          res.writeHead(200, {"content-type": "application/json", "content-length": "1000"});
          res.write('{"hourly": {"time": [');
          setTimeout(() => res.socket?.destroy(), 20);
        },
        async (server) => {
          await withClient(dir, async ({http, logs}) => {
            const result = await http.getJson(`${server.base}/x`, {cache: false});
            expect(result).toMatchObject({body: {ok: true}, attempts: 2});
            expect(logs).toEqual([expect.stringContaining("network error")]);
          });
        }
      );
    });
  });

  it("does not retry an HTML page sent with status 200", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res) => html(res, 200),
        async (server) => {
          await withClient(dir, async ({http, delays}) => {
            const url = `${server.base}/v1/forecast`;
            const error = await rejection(http.getJson(url, {cache: 3_600_000}));
            expect(error.attempts).toBe(1);
            expect(error.status).toBe(200);
            const start = HTML_PAGE.replace(/\s+/g, " ").slice(0, 80);
            expect(start.startsWith("<!DOCTYPE html> <html> <head><title>502 Bad Gateway</title>")).toBe(true);
            expect(error.message).toBe(
              `weather: GET ${url} failed after 1 attempt: HTTP 200 but the body is not JSON (content-type text/html; charset=utf-8); it starts ${JSON.stringify(start)}...`
            );
            expect(delays).toEqual([]);
          });
          expect(server.hits()).toBe(1);
        }
      );
      expect(await cacheFiles(dir)).toEqual([]);
    });
  });

  it("retries an HTML error page sent with status 502 and then reports it", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res) => html(res, 502),
        async (server) => {
          await withClient(dir, async ({http}) => {
            const error = await rejection(http.getJson(`${server.base}/x`, {cache: false}));
            expect(error.attempts).toBe(4);
            expect(error.status).toBe(502);
            expect(error.message).toContain("HTTP 502 (content-type text/html; charset=utf-8); the body starts \"<!DOCTYPE html> <html> <head><title>502 Bad Gateway");
          });
          expect(server.hits()).toBe(4);
        }
      );
    });
  });
});

describe("WeatherHttp: concurrency", () => {
  it("keeps at most `concurrency` requests in flight", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (req, res) => setTimeout(() => json(res, 200, {path: req.url}), 40),
        async (server) => {
          await withClient(
            dir,
            async ({http}) => {
              const results = await Promise.all(Array.from({length: 10}, (_, i) => http.getJson(`${server.base}/r${i}`, {cache: false})));
              expect(results.map((r) => r.body)).toEqual(Array.from({length: 10}, (_, i) => ({path: `/r${i}`})));
            },
            {policy: {concurrency: 2}}
          );
          expect(server.hits()).toBe(10);
          expect(server.maxInFlight()).toBe(2);
        }
      );
    });
  });
});

describe("WeatherHttp: stale fallback and offline", () => {
  it("returns the expired cached body, marked stale, when every attempt fails", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res, hit) => (hit === 1 ? json(res, 200, {forecast: "old"}) : json(res, 503, {error: "overloaded"})),
        async (server) => {
          await withClient(dir, async ({http, clock, logs}) => {
            const url = `${server.base}/v1/forecast?latitude=1`;
            await http.getJson(url, {cache: 3_600_000});
            clock.now = T0 + 2 * 3_600_000;
            const result = await http.getJson(url, {cache: 3_600_000});
            expect(result).toEqual<JsonResult>({
              body: {forecast: "old"},
              fromCache: true,
              stale: true,
              fetchedAt: "2025-06-01T12:00:00.000Z",
              url,
              attempts: 4
            });
            const staleLines = logs.filter((l) => l.includes("stale"));
            expect(staleLines).toEqual([
              `weather: GET ${url} failed (HTTP 503 (content-type application/json); the body starts "{\\"error\\":\\"overloaded\\"}"); using the cached copy fetched at 2025-06-01T12:00:00.000Z (stale)`
            ]);
          });
          expect(server.hits()).toBe(5);
        }
      );
    });
  });

  it("offline: serves the cache (stale when expired) and never touches the network", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res) => json(res, 200, {forecast: "cached"}),
        async (server) => {
          const url = `${server.base}/v1/forecast?latitude=1`;
          await withClient(dir, async ({http}) => void (await http.getJson(url, {cache: 3_600_000})));
          await withClient(
            dir,
            async ({http, clock, logs}) => {
              expect(await http.getJson(url, {cache: 3_600_000})).toMatchObject({body: {forecast: "cached"}, fromCache: true, stale: false, attempts: 0});
              expect(logs).toEqual([]);
              clock.now = T0 + 2 * 3_600_000;
              expect(await http.getJson(url, {cache: 3_600_000})).toMatchObject({body: {forecast: "cached"}, fromCache: true, stale: true, attempts: 0});
              expect(logs).toEqual([`weather: offline: using the cached copy of ${url} fetched at 2025-06-01T12:00:00.000Z, older than the cache lifetime asked for (stale)`]);
            },
            {offline: true}
          );
          expect(server.hits()).toBe(1);
        }
      );
    });
  });

  it("offline without a cached copy fails saying so", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res) => json(res, 200, {}),
        async (server) => {
          await withClient(
            dir,
            async ({http}) => {
              const url = `${server.base}/v1/forecast?latitude=1`;
              const error = await rejection(http.getJson(url, {cache: "forever"}));
              expect(error.message).toBe(`weather: offline mode and GET ${url} is not in the cache (${dir}); run once online to download it`);
              expect(error.attempts).toBe(0);
              expect(error.status).toBeNull();
              // cache: false can never be answered offline.
              await rejection(http.getJson(url, {cache: false}));
            },
            {offline: true}
          );
          expect(server.hits()).toBe(0);
        }
      );
    });
  });
});

describe("WeatherHttp: secrets", () => {
  const SECRET = "0123abcdSECRETkey9876";

  it("never shows a secret parameter in errors or logs, even when the server echoes it", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (req, res) => json(res, 500, {cod: 500, message: `internal error for ${req.url}`}),
        async (server) => {
          await withClient(dir, async ({http, logs}) => {
            const url = `${server.base}/data/3.0/onecall?lat=52.52&appid=${SECRET}&units=metric`;
            const error = await rejection(http.getJson(url, {cache: 60_000, secretParams: ["appid"]}));
            expect(error.url).toBe(`${server.base}/data/3.0/onecall?lat=52.52&appid=***&units=metric`);
            expect(error.message).toContain(`GET ${server.base}/data/3.0/onecall?lat=52.52&appid=***&units=metric failed`);
            // The echoed URL in the body snippet is redacted too.
            expect(error.message).toContain("internal error for /data/3.0/onecall?lat=52.52&appid=***");
            expect(logs).toHaveLength(3);
            for (const text of [error.message, error.url, String(error.stack), JSON.stringify(error), ...logs]) expect(text).not.toContain(SECRET);
          });
          expect(server.urls[0]).toContain(`appid=${SECRET}`); // the server did get the key
        }
      );
    });
  });

  it("keeps secrets out of the cache file and the cache key", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (_req, res, hit) => json(res, 200, {current: {temp: 21.5}, hit}),
        async (server) => {
          await withClient(dir, async ({http}) => {
            const first = await http.getJson(`${server.base}/data/2.5/weather?lat=52.52&lon=13.4&appid=${SECRET}`, {cache: "forever", secretParams: ["appid"]});
            expect(first.url).toBe(`${server.base}/data/2.5/weather?lat=52.52&lon=13.4&appid=***`);
            // Another key (and another parameter order): the same request, served from the cache.
            const second = await http.getJson(`${server.base}/data/2.5/weather?appid=OTHERKEY12345&lon=13.4&lat=52.52`, {
              cache: "forever",
              secretParams: ["appid"]
            });
            expect(second).toMatchObject({fromCache: true, body: {hit: 1}});
            // Without naming the secret, the key is part of the request: a different entry.
            const third = await http.getJson(`${server.base}/data/2.5/weather?lat=52.52&lon=13.4&appid=${SECRET}`, {cache: "forever"});
            expect(third).toMatchObject({fromCache: false, body: {hit: 2}});
          });
          expect(server.hits()).toBe(2);
        }
      );
      const files = await cacheFiles(dir);
      expect(files).toHaveLength(2);
      const contents = await Promise.all(files.map((f) => readFile(join(dir, f), "utf8")));
      const redacted = contents.filter((c) => !c.includes(SECRET));
      expect(redacted).toHaveLength(1);
      expect(JSON.parse(redacted[0]).url).toMatch(/appid=\*\*\*$/);
      for (const f of files) expect(f).not.toContain(SECRET);
    });
  });

  it("redacts secrets in the offline error too", async () => {
    await withTempDir(async (dir) => {
      await withClient(
        dir,
        async ({http}) => {
          const error = await rejection(http.getJson(`https://api.openweathermap.org/data/2.5/weather?appid=${SECRET}&lat=1`, {cache: 60_000, secretParams: ["appid"]}));
          expect(error.message).toContain("https://api.openweathermap.org/data/2.5/weather?appid=***&lat=1");
          expect(error.message).not.toContain(SECRET);
        },
        {offline: true}
      );
    });
  });
});

describe("WeatherHttp: options", () => {
  it("rejects a bad policy, a bad cache option and a non-http URL", async () => {
    expect(() => new WeatherHttp({cacheDir: "/tmp/x", policy: {concurrency: 0}})).toThrow(
      new SunlineError("weather: HTTP option policy.concurrency is 0; expected a whole number ≥ 1")
    );
    expect(() => new WeatherHttp({cacheDir: "/tmp/x", policy: {retries: 1.5}})).toThrow(SunlineError);
    await withTempDir(async (dir) => {
      await withClient(dir, async ({http}) => {
        await expect(http.getJson("http://127.0.0.1:1/x", {cache: -1})).rejects.toThrow(SunlineError);
        const error = await rejection(http.getJson("ftp://example.com/x?appid=zzTopSecret42", {cache: false, secretParams: ["appid"]}));
        expect(error.message).toBe("weather: not an http(s) URL: ftp://example.com/x?appid=***");
      });
    });
  });
});

describe("WeatherHttp.getText", () => {
  const ISD = "2024 01 01 00   -32   -61 10152   270    46     8     0 -9999\n2024 01 01 01   -35   -62 10155   280    41     8     0 -9999\n";

  it("gunzips a .gz file, caches the text, and keeps it apart from getJson of the same URL", async () => {
    await withTempDir(async (dir) => {
      await withServer(
        (req, res) => {
          if (req.url?.endsWith(".gz")) {
            res.writeHead(200, {"content-type": "application/gzip"});
            res.end(gzipSync(ISD));
          } else {
            res.writeHead(200, {"content-type": "text/plain"});
            res.end("[1, 2]");
          }
        },
        async (server) => {
          await withClient(dir, async ({http}) => {
            const url = `${server.base}/pub/data/noaa/isd-lite/2024/103840-99999-2024.gz`;
            expect(await http.getText(url, {cache: "forever"})).toMatchObject({body: ISD, fromCache: false, attempts: 1});
            expect(await http.getText(url, {cache: "forever"})).toMatchObject({body: ISD, fromCache: true});
            expect(await http.getText(`${server.base}/plain`, {cache: "forever"})).toMatchObject({body: "[1, 2]", fromCache: false});
            expect(await http.getJson(`${server.base}/plain`, {cache: "forever"})).toMatchObject({body: [1, 2], fromCache: false});
            expect(await http.getJson(`${server.base}/plain`, {cache: "forever"})).toMatchObject({body: [1, 2], fromCache: true});
          });
          expect(server.hits()).toBe(3);
        }
      );
      const bodies = await Promise.all((await cacheFiles(dir)).map(async (f) => JSON.parse(await readFile(join(dir, f), "utf8")).body));
      expect(bodies).toHaveLength(3);
      expect(bodies).toContainEqual(ISD);
    });
  });

  it("retries gzip cut short", async () => {
    await withTempDir(async (dir) => {
      const gz = gzipSync(ISD.repeat(50));
      await withServer(
        (_req, res, hit) => {
          res.writeHead(200, {"content-type": "application/gzip"});
          res.end(hit === 1 ? gz.subarray(0, gz.length >> 1) : gz);
        },
        async (server) => {
          await withClient(dir, async ({http, logs}) => {
            const result = await http.getText(`${server.base}/x.gz`, {cache: false});
            expect(result).toMatchObject({body: ISD.repeat(50), attempts: 2});
            expect(logs).toEqual([expect.stringContaining("HTTP 200 with gzip data that does not decompress, probably cut short (content-type application/gzip)")]);
          });
        }
      );
    });
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates, and nothing else", () => {
    expect(parseRetryAfter("120", T0)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", T0)).toBe(0);
    expect(parseRetryAfter("Sun, 01 Jun 2025 12:00:30 GMT", T0)).toBe(30_000);
    expect(parseRetryAfter("Sun, 01 Jun 2025 11:00:00 GMT", T0)).toBe(0);
    expect(parseRetryAfter(null, T0)).toBeNull();
    expect(parseRetryAfter("1.5", T0)).toBeNull();
    expect(parseRetryAfter("soon", T0)).toBeNull();
  });
});
