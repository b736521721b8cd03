// The weather providers' HTTP layer: GETs of JSON (getJson: Open-Meteo, OpenWeatherMap) and of
// text (getText: NOAA ISD-Lite's gzipped station files) over undici, with a timeout per attempt, retries
// (exponential backoff with full jitter, Retry-After honoured), a concurrency limit per client and
// an on-disk cache of raw responses, so a historical range is downloaded once and a failed or
// offline run can still use what was fetched before. Secret query parameters (API keys such as
// OpenWeatherMap's appid) are redacted in every URL and text this module shows or stores, and are
// left out of the cache key.
import {randomUUID} from "node:crypto";
import {mkdir, readFile, rename, rm, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {gunzipSync} from "node:zlib";
import {Agent, interceptors, request, type Dispatcher} from "undici";
import {messages, SunlineError} from "../messages.ts";
import {sha256} from "../snapshot/hash.ts";

export interface HttpPolicy {
  /** Limit for one whole attempt (connect, headers and body), in ms. */
  timeoutMs: number;
  /** Retries after the first attempt: a request is tried at most retries + 1 times. */
  retries: number;
  /** Retry n waits a random time in [0, min(maxBackoffMs, backoffMs · 2^(n-1))) ("full jitter"). */
  backoffMs: number;
  maxBackoffMs: number;
  /** Most requests in flight at once across one WeatherHttp client (all hosts together). */
  concurrency: number;
  /** Longest Retry-After honoured. A server asking for more ends the retries at once (see retryDelay). */
  maxRetryAfterMs: number;
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = Object.freeze({
  timeoutMs: 30_000,
  retries: 4,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  concurrency: 4,
  maxRetryAfterMs: 120_000
});

export interface JsonResult {
  body: unknown;
  /** The body came from the on-disk cache (fresh, or as a stale fallback). */
  fromCache: boolean;
  /** The body is older than the cache lifetime asked for: a fallback after failures, or offline. */
  stale: boolean;
  /** When the body was downloaded, ISO 8601 UTC. */
  fetchedAt: string;
  /** The URL with secret parameters redacted. */
  url: string;
  /** HTTP attempts made by this call (0 when answered from the cache without trying the network). */
  attempts: number;
}

/** getText's answer: the body as text (gunzipped when the server sent a .gz file). */
export interface TextResult extends Omit<JsonResult, "body"> {
  body: string;
}

export interface GetOptions {
  /**
   * "forever": never re-fetch once cached (past data; only for ranges wholly in the past and past
   * the provider's archive delay). A number: cache for that many ms (forecasts; 0 always fetches but
   * keeps the copy for the stale fallback). false: no cache at all (no read, no write, no fallback).
   */
  cache: "forever" | number | false;
  /** Query parameters whose values are secret (redacted in messages, excluded from the cache key). */
  secretParams?: string[];
}

export interface WeatherHttpOptions {
  cacheDir: string;
  policy?: Partial<HttpPolicy>;
  /** Use the cache only; never touch the network. */
  offline?: boolean;
  log?: (message: string) => void;
  /** Injectable for tests (defaults: Math.random, real timers, Date.now). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** A request that failed for good (and had no cached copy to fall back on), or offline and not cached. */
export class WeatherFetchError extends SunlineError {
  /** The URL with secret parameters redacted. */
  readonly url: string;
  /** The last HTTP status received, or null when none was (timeout, network error, offline). */
  readonly status: number | null;
  readonly attempts: number;

  constructor(message: string, url: string, status: number | null, attempts: number) {
    super(message);
    this.name = "WeatherFetchError";
    this.url = url;
    this.status = status;
    this.attempts = attempts;
  }
}

/** One cache file: <cacheDir>/<sha256 of the cache key>.json. */
interface CacheEntry {
  /** Redacted, for people looking at the folder; the file name is what is looked up. */
  url: string;
  fetched_at: string;
  status: number;
  /** The parsed JSON body as the server sent it, before any provider parsing (getText: the text). */
  body: unknown;
}

/** What the body must be: JSON (getJson), or any text, gunzipped if gzip (getText). */
type BodyKind = "json" | "text";

type Attempt =
  | {ok: true; status: number; body: unknown}
  | {ok: false; retry: boolean; status: number | null; reason: string; retryAfterMs: number | null};

type Outcome = {ok: true; status: number; body: unknown; attempts: number} | {ok: false; status: number | null; reason: string; attempts: number};

const USER_AGENT = "sunline (solar production forecasting)";

export class WeatherHttp {
  readonly policy: Readonly<HttpPolicy>;
  readonly offline: boolean;
  readonly cacheDir: string;
  private readonly log: (message: string) => void;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly agent: Agent;
  private readonly dispatcher: Dispatcher;
  private readonly limiter: Limiter;

  constructor(options: WeatherHttpOptions) {
    this.policy = Object.freeze(checkPolicy({...DEFAULT_HTTP_POLICY, ...options.policy}));
    this.offline = options.offline ?? false;
    this.cacheDir = options.cacheDir;
    this.log = options.log ?? ((m) => console.error(m));
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    // undici's own idle timeouts would only ever fire after ours; keep them from firing first.
    const timeout = this.policy.timeoutMs;
    this.agent = new Agent({headersTimeout: timeout, bodyTimeout: timeout, connectTimeout: timeout});
    // Follow a few redirects (http → https, moved endpoints) instead of failing on a 3xx.
    this.dispatcher = this.agent.compose(interceptors.redirect({maxRedirections: 3}));
    // Our own limiter rather than Agent `connections`: that limit is per origin, this one per client.
    this.limiter = new Limiter(this.policy.concurrency);
  }

  /** GET a JSON document (Open-Meteo, OpenWeatherMap). */
  getJson(url: string, options: GetOptions): Promise<JsonResult> {
    return this.get(url, options, "json");
  }

  /**
   * GET a text document, such as a NOAA ISD-Lite station-year (fixed-width text served as .gz):
   * a body starting with the gzip magic bytes is gunzipped, and the text is what is cached.
   */
  async getText(url: string, options: GetOptions): Promise<TextResult> {
    return (await this.get(url, options, "text")) as TextResult;
  }

  private async get(url: string, options: GetOptions, kind: BodyKind): Promise<JsonResult> {
    const target = parseTarget(url, options.secretParams ?? [], kind);
    checkCacheOption(options.cache);
    const path = options.cache === false ? null : join(this.cacheDir, `${sha256(target.key)}.json`);
    const cached = path ? await this.readCache(path, kind) : null;
    const fromCache = (entry: CacheEntry, stale: boolean, attempts: number): JsonResult => ({
      body: entry.body,
      fromCache: true,
      stale,
      fetchedAt: entry.fetched_at,
      url: target.shown,
      attempts
    });

    if (cached && options.cache !== false && this.isFresh(cached, options.cache)) return fromCache(cached, false, 0);
    if (this.offline) {
      if (!cached) throw new WeatherFetchError(messages.weatherHttpOffline(target.shown, this.cacheDir), target.shown, null, 0);
      this.log(messages.weatherHttpOfflineStale(target.shown, cached.fetched_at));
      return fromCache(cached, true, 0);
    }

    const outcome = await this.fetchWithRetries(target, kind);
    if (outcome.ok) {
      const fetchedAt = new Date(this.now()).toISOString();
      if (path) await this.writeCache(path, {url: target.shown, fetched_at: fetchedAt, status: outcome.status, body: outcome.body});
      return {body: outcome.body, fromCache: false, stale: false, fetchedAt, url: target.shown, attempts: outcome.attempts};
    }
    // Fall back on any failure, permanent ones (401 after a key was revoked, 404) included: old
    // data the caller can see is marked stale beats no data, and the log line says why.
    if (cached) {
      this.log(messages.weatherHttpStale(target.shown, outcome.reason, cached.fetched_at));
      return fromCache(cached, true, outcome.attempts);
    }
    throw new WeatherFetchError(
      messages.weatherHttpFailed(target.shown, outcome.attempts, outcome.reason),
      target.shown,
      outcome.status,
      outcome.attempts
    );
  }

  /** Close the pooled connections (keep-alive sockets would otherwise hold the process open a few seconds). */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private isFresh(entry: CacheEntry, cache: "forever" | number): boolean {
    if (cache === "forever") return true;
    return this.now() - Date.parse(entry.fetched_at) < cache;
  }

  private async fetchWithRetries(target: Target, kind: BodyKind): Promise<Outcome> {
    const {retries} = this.policy;
    for (let attempt = 1; ; attempt++) {
      const result = await this.limiter.run(() => this.attempt(target, kind));
      if (result.ok) return {...result, attempts: attempt};
      if (!result.retry || attempt > retries) return {ok: false, status: result.status, reason: result.reason, attempts: attempt};
      const delay = this.retryDelay(attempt, result.retryAfterMs);
      if (delay === null) {
        const reason = `${result.reason}; ${messages.weatherHttpRetryAfterTooLong(result.retryAfterMs ?? 0, this.policy.maxRetryAfterMs)}`;
        return {ok: false, status: result.status, reason, attempts: attempt};
      }
      this.log(messages.weatherHttpRetrying(target.shown, result.reason, attempt, retries, delay));
      // The concurrency slot is not held while waiting, so other requests proceed meanwhile.
      await this.sleep(delay);
    }
  }

  /**
   * How long to wait before retry number `retry` (1-based), or null to stop retrying.
   * Without Retry-After: "full jitter", random() · min(maxBackoffMs, backoffMs · 2^(retry-1)); the
   * whole range rather than a band around the exponential value, because it spreads clients
   * that failed together the most (many sites fetched at once hit a rate limit together).
   * With Retry-After: the server's wait plus random() · backoffMs, so retries never come early
   * but still do not all arrive in the same instant. A wait beyond maxRetryAfterMs (quota resets
   * an hour away) is not slept through: retrying earlier would only spend attempts on more 429s,
   * so the request fails now with the server's wait in the message, and the stale fallback applies.
   */
  private retryDelay(retry: number, retryAfterMs: number | null): number | null {
    const {backoffMs, maxBackoffMs, maxRetryAfterMs} = this.policy;
    if (retryAfterMs !== null) {
      if (retryAfterMs > maxRetryAfterMs) return null;
      return Math.round(retryAfterMs + this.random() * backoffMs);
    }
    return Math.round(this.random() * Math.min(maxBackoffMs, backoffMs * 2 ** (retry - 1)));
  }

  private async attempt(target: Target, kind: BodyKind): Promise<Attempt> {
    const controller = new AbortController();
    // One deadline for the whole attempt, body included: a server trickling bytes forever would
    // never trip undici's idle timeouts. Real timers even when `sleep` is injected.
    const timer = setTimeout(() => controller.abort(), this.policy.timeoutMs);
    let status: number | null = null;
    try {
      const response = await request(target.url, {
        dispatcher: this.dispatcher,
        method: "GET",
        headers: {accept: "application/json", "user-agent": USER_AGENT},
        signal: controller.signal
      });
      status = response.statusCode;
      const bytes = Buffer.from(await response.body.arrayBuffer());
      return classify(response.statusCode, header(response.headers, "content-type"), header(response.headers, "retry-after"), bytes, kind, target, this.now());
    } catch (error) {
      if (controller.signal.aborted) return {ok: false, retry: true, status, reason: messages.weatherHttpTimeout(this.policy.timeoutMs), retryAfterMs: null};
      // Refused/reset connections, DNS failures, bodies cut short: all worth another try.
      const code = (error as {code?: unknown}).code;
      const retry = !(typeof code === "string" && PERMANENT_ERROR_CODES.has(code));
      return {ok: false, retry, status, reason: messages.weatherHttpNetwork(target.redact(describeError(error))), retryAfterMs: null};
    } finally {
      clearTimeout(timer);
    }
  }

  private async readCache(path: string, kind: BodyKind): Promise<CacheEntry | null> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      this.log(messages.weatherHttpCacheUnreadable(path, describeError(error)));
      return null;
    }
    try {
      const entry = JSON.parse(text) as Partial<CacheEntry> | null;
      if (entry && typeof entry === "object" && typeof entry.fetched_at === "string" && !Number.isNaN(Date.parse(entry.fetched_at)) && "body" in entry && (kind === "json" || typeof entry.body === "string")) {
        return entry as CacheEntry;
      }
    } catch {
      // Reported below, like any other file that is not a cache entry.
    }
    this.log(messages.weatherHttpCacheUnreadable(path, "not a Sunline weather cache entry"));
    return null;
  }

  /**
   * Written aside and renamed into place: rename is atomic within a folder, so a reader (another
   * process on the same cache) sees the old file or the new one, never half a file, and a run
   * killed mid-write leaves only a stray .tmp behind.
   * A failed write is logged, not thrown: the download succeeded and is returned; failing the run
   * over the cache would discard good data.
   */
  private async writeCache(path: string, entry: CacheEntry): Promise<void> {
    const aside = `${path}.${process.pid}-${randomUUID()}.tmp`;
    try {
      await mkdir(this.cacheDir, {recursive: true});
      await writeFile(aside, JSON.stringify(entry));
      await rename(aside, path);
    } catch (error) {
      await rm(aside, {force: true}).catch(() => {});
      this.log(messages.weatherHttpCacheWriteFailed(path, describeError(error)));
    }
  }
}

/**
 * Which answers are worth another try, and which bodies count as bad.
 * Retried: 408, 429 and every 5xx (overload, deploys, gateways timing out: all pass), plus
 * timeouts and network errors (in `attempt`). Other 4xx are not: a wrong parameter or a bad key
 * gives the same answer every time, and retrying only burns the provider's rate limit.
 * A 2xx body must parse as JSON. One that starts like JSON ({ or [) but does not parse was most
 * likely cut short (a proxy or a server dying mid-stream), as is an empty one: retried. Anything
 * else (an HTML page from a captive portal or a proxy) is a deterministic wrong answer: not retried.
 * Every failure names the status, content-type and the first 80 characters of the body.
 * getText accepts any 2xx body; gzip that does not inflate was cut short: retried.
 */
function classify(status: number, contentType: string | null, retryAfter: string | null, bytes: Buffer, kind: BodyKind, target: Target, now: number): Attempt {
  if (kind === "text" && status >= 200 && status < 300) {
    if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return {ok: true, status, body: bytes.toString("utf8")};
    try {
      return {ok: true, status, body: gunzipSync(bytes).toString("utf8")};
    } catch (error) {
      return {ok: false, retry: true, status, reason: messages.weatherHttpBadGzip(status, contentType, describeError(error)), retryAfterMs: null};
    }
  }
  const text = bytes.toString("utf8");
  if (status >= 200 && status < 300) {
    if (text.trim() === "") return {ok: false, retry: true, status, reason: messages.weatherHttpEmptyBody(status, contentType), retryAfterMs: null};
    try {
      return {ok: true, status, body: JSON.parse(text)};
    } catch {
      const looksLikeJson = /^\s*[[{]/.test(text);
      const reason = (looksLikeJson ? messages.weatherHttpBadJson : messages.weatherHttpNotJson)(status, contentType, snippet(text, target));
      return {ok: false, retry: looksLikeJson, status, reason, retryAfterMs: null};
    }
  }
  const retry = status === 408 || status === 429 || status >= 500;
  return {
    ok: false,
    retry,
    status,
    reason: messages.weatherHttpStatus(status, contentType, snippet(text, target)),
    retryAfterMs: retry ? parseRetryAfter(retryAfter, now) : null
  };
}

/** The first 80 characters of a body (whitespace collapsed, secrets redacted first), quoted. */
function snippet(text: string, target: Target): string {
  const flat = target.redact(text).replace(/\s+/g, " ").trim();
  return flat.length > 80 ? `${JSON.stringify(flat.slice(0, 80))}...` : JSON.stringify(flat);
}

/**
 * Retry-After in ms: delta-seconds ("120") or an HTTP date ("Sun, 01 Jun 2025 12:00:05 GMT",
 * measured against the injected clock; a date already past means 0). Null when absent or unreadable,
 * in which case the normal backoff applies.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse accepts odd strings ("1.5" is a date to V8); an HTTP date always has a month name.
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** undici errors that mean the request itself is wrong, so trying again cannot help. */
const PERMANENT_ERROR_CODES = new Set(["UND_ERR_INVALID_ARG", "UND_ERR_NOT_SUPPORTED", "UND_ERR_INVALID_RETURN_VALUE", "ERR_INVALID_URL"]);

interface Target {
  url: URL;
  /** For people: origin, path and query with secret values replaced by ***; never userinfo or fragment. */
  shown: string;
  /** For the cache: method, origin, path and the query without secret parameters, sorted by name. */
  key: string;
  /** Replace every secret value (raw and decoded) in a free text, such as an error body echoing the URL. */
  redact: (text: string) => string;
}

function parseTarget(raw: string, secretParams: string[], kind: BodyKind): Target {
  // Matched case-insensitively: over-redacting APPID costs nothing, missing it would leak a key.
  const secretNames = new Set(secretParams.map((name) => name.toLowerCase()));
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new WeatherFetchError(messages.weatherHttpBadUrl(redactRawQuery(raw, secretNames)), redactRawQuery(raw, secretNames), null, 0);
  }
  const secretValues = new Set<string>();
  const shownParts: string[] = [];
  const kept: [string, string][] = [];
  for (const part of url.search.slice(1).split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? "" : part.slice(eq + 1);
    const name = decodeQueryPart(rawName);
    if (secretNames.has(name.toLowerCase())) {
      for (const value of [rawValue, decodeQueryPart(rawValue)]) if (value !== "") secretValues.add(value);
      shownParts.push(`${rawName}=***`);
    } else {
      // Kept raw for display: re-serialising would turn Open-Meteo's "hourly=a,b" into "a%2Cb".
      shownParts.push(part);
      kept.push([name, decodeQueryPart(rawValue)]);
    }
  }
  // Stable sort by name: parameter order does not change the answer, repeated names keep theirs.
  kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Longest first, so a secret containing another is replaced whole.
  const secrets = [...secretValues].sort((a, b) => b.length - a.length);
  const redact = (text: string) => secrets.reduce((out, secret) => out.replaceAll(secret, "***"), text);
  return {
    url,
    // Redacted by value as well, in case a key also sits in the path.
    shown: redact(`${url.origin}${url.pathname}${shownParts.length ? `?${shownParts.join("&")}` : ""}`),
    // The kind is part of the key so getJson and getText of one URL never read each other's entry.
    key: JSON.stringify([kind === "json" ? "GET" : "GET text", `${url.origin}${url.pathname}`, kept]),
    redact
  };
}

/** Redaction for a string that is not even a URL: every name=value pair of a secret name. */
function redactRawQuery(raw: string, secretNames: Set<string>): string {
  let out = raw;
  for (const name of secretNames) {
    out = out.replace(new RegExp(`([?&;]${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}=)[^&#]*`, "gi"), "$1***");
  }
  return out;
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replaceAll("+", " "));
  } catch {
    return part;
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const value = headers[name];
  return value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as {code?: unknown}).code;
  return typeof code === "string" && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}

function checkPolicy(policy: HttpPolicy): HttpPolicy {
  const check = (name: keyof HttpPolicy, ok: (v: number) => boolean, expected: string) => {
    const value = policy[name];
    if (typeof value !== "number" || !ok(value)) throw new SunlineError(messages.weatherHttpBadOption(`policy.${name}`, value, expected));
  };
  check("timeoutMs", (v) => Number.isFinite(v) && v > 0, "a positive number of ms");
  check("retries", (v) => Number.isInteger(v) && v >= 0, "a whole number ≥ 0");
  check("backoffMs", (v) => Number.isFinite(v) && v >= 0, "a number of ms ≥ 0");
  check("maxBackoffMs", (v) => Number.isFinite(v) && v >= 0, "a number of ms ≥ 0");
  check("concurrency", (v) => Number.isInteger(v) && v >= 1, "a whole number ≥ 1");
  check("maxRetryAfterMs", (v) => Number.isFinite(v) && v >= 0, "a number of ms ≥ 0");
  return policy;
}

function checkCacheOption(cache: unknown): asserts cache is GetOptions["cache"] {
  if (cache === "forever" || cache === false || (typeof cache === "number" && Number.isFinite(cache) && cache >= 0)) return;
  throw new SunlineError(messages.weatherHttpBadOption("cache", cache, `"forever", a number of ms ≥ 0, or false`));
}

/** At most `max` tasks at once; the rest wait in arrival order. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (active stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
