// The query endpoint over HTTP, as one Web-standard handler: (Request) → Response.
// Routes: POST /api/query, GET /api/health, GET /api/metrics. The same handler runs behind `npm run serve`
// (scripts/siteServer.ts) and as serverless functions (api/*.ts); everything that is not the engine's
// business lives here: auth, CORS, rate limit, body limits, validation, the answer cache and metrics.
import {createHash, timingSafeEqual} from "node:crypto";
import {messages, SunlineError} from "../messages.ts";
import {cacheKey, LruCache} from "./cache.ts";
import {createQueryMetrics, PROMETHEUS_CONTENT_TYPE} from "./metrics.ts";
import {createRateLimiter, type RateLimit} from "./rateLimit.ts";
import {QueryError, type QueryAnswer, type QueryEngine} from "./types.ts";

export interface QueryServiceOptions {
  /** Creates the engine; called on first use and reused. A failure answers 503 and is retried on the next request. */
  engine: () => Promise<QueryEngine>;
  /** SUNLINE_API_TOKEN: when set, /api/query and /api/metrics need `Authorization: Bearer <token>`. */
  token?: string | null;
  /** SUNLINE_API_ORIGIN: the one origin allowed to call cross-origin. Unset: no CORS headers, same origin only. */
  allowedOrigin?: string | null;
  /** Per client address, on /api/query and /api/metrics. Default 30 requests per 60 s. */
  rateLimit?: RateLimit;
  /** Largest request body accepted. Default 4096 bytes. */
  maxBodyBytes?: number;
  /** Answers kept for re-asked questions (0: no cache). Default 100. */
  cacheSize?: number;
  /** Milliseconds from an arbitrary origin; injected by tests. Default performance.now. */
  now?: () => number;
  /**
   * Values no response may contain (the model's API key): replaced by "[redacted]" wherever they appear, e.g. in
   * an upstream error the engine passes on. The token is always among them. Values under 8 characters are ignored.
   */
  secrets?: (string | null | undefined)[];
  /** Where unexpected errors go (their stack never reaches the client). Default console.error. */
  log?: (message: string) => void;
}

export interface QueryService {
  handle(request: Request, client?: ClientInfo): Promise<Response>;
  /** The same as `handle` for a known route whatever the URL path (a serverless function mounted elsewhere). */
  handleRoute(route: Route, request: Request, client?: ClientInfo): Promise<Response>;
  close(): Promise<void>;
}

export interface ClientInfo {
  /** The peer's IP address; absent in serverless, where the first X-Forwarded-For entry stands in. */
  address?: string;
}

export const ROUTES = {
  "/api/query": ["POST"],
  "/api/health": ["GET"],
  "/api/metrics": ["GET"]
} as const;
export type Route = keyof typeof ROUTES;

export const MAX_QUESTION_CHARS = 500;
export const DEFAULT_RATE_LIMIT: RateLimit = {requests: 30, windowMs: 60_000};

/** An error response: status, stable code, message, and any headers it needs (Allow, Retry-After, …). */
class HttpError extends QueryError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(status, code, message);
  }
}

export function createQueryService(options: QueryServiceOptions): QueryService {
  const {token = null, maxBodyBytes = 4096, cacheSize = 100, log = (message: string) => console.error(message)} = options;
  const now = options.now ?? (() => performance.now());
  const allowedOrigin = options.allowedOrigin ? normalizeOrigin(options.allowedOrigin) : null;
  const limiter = createRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, now);
  const cache = new LruCache<QueryAnswer>(cacheSize);
  const metrics = createQueryMetrics();
  const tokenDigest = token ? sha256(token) : null;
  const redact = redactor([token, ...(options.secrets ?? [])]);
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(redact(JSON.stringify(body)), {status, headers: {"content-type": "application/json; charset=utf-8", ...headers}});

  let enginePromise: Promise<QueryEngine> | null = null;
  let closed = false;

  function engine(): Promise<QueryEngine> {
    if (closed) return Promise.reject(new HttpError(503, "unavailable", messages.apiClosed));
    if (!enginePromise) {
      const pending = options.engine();
      enginePromise = pending;
      // A failed start is not remembered: the snapshot may exist by the next request.
      pending.catch(() => {
        if (enginePromise === pending) enginePromise = null;
      });
    }
    return enginePromise.catch((error: unknown) => {
      throw new HttpError(503, "unavailable", messages.apiUnavailable(startFailure(error, log)));
    });
  }

  async function handleRoute(route: Route | null, request: Request, client: ClientInfo = {}): Promise<Response> {
    const cors = corsHeaders(request, allowedOrigin);
    let response: Response;
    try {
      response = await dispatch(route, request, client);
    } catch (error) {
      response = errorResponse(error, request);
    }
    for (const [name, value] of Object.entries(cors)) response.headers.set(name, value);
    response.headers.set("cache-control", "no-store");
    response.headers.set("x-content-type-options", "nosniff");
    metrics.requests.inc({route: route ?? "other", status: String(response.status)});
    return response;
  }

  async function dispatch(route: Route | null, request: Request, client: ClientInfo): Promise<Response> {
    if (!route) throw new HttpError(404, "not_found", messages.apiNotFound(new URL(request.url).pathname, Object.keys(ROUTES)));
    const methods: readonly string[] = ROUTES[route];
    if (request.method === "OPTIONS") return preflight(request, methods);
    if (!methods.includes(request.method)) {
      throw new HttpError(405, "method_not_allowed", messages.apiMethodNotAllowed(request.method, route, methods), {allow: allowHeader(methods)});
    }
    if (route === "/api/health") return health();
    limit(request, client);
    authorize(request);
    if (route === "/api/metrics") return new Response(metrics.registry.render(), {headers: {"content-type": PROMETHEUS_CONTENT_TYPE}});
    return query(request);
  }

  function preflight(request: Request, methods: readonly string[]): Response {
    const origin = request.headers.get("origin");
    const wanted = request.headers.get("access-control-request-method");
    if (!allowedOrigin || origin !== allowedOrigin) throw new HttpError(403, "origin_not_allowed", messages.apiOriginNotAllowed(origin));
    if (wanted && !methods.includes(wanted)) {
      throw new HttpError(405, "method_not_allowed", messages.apiMethodNotAllowed(wanted, new URL(request.url).pathname, methods), {
        allow: allowHeader(methods)
      });
    }
    return new Response(null, {
      status: 204,
      headers: {
        "access-control-allow-methods": methods.join(", "),
        "access-control-allow-headers": "authorization, content-type",
        "access-control-max-age": "600"
      }
    });
  }

  function limit(request: Request, client: ClientInfo) {
    const decision = limiter.take(clientKey(request, client));
    if (decision.allowed) return;
    metrics.rateLimited.inc();
    throw new HttpError(429, "rate_limited", messages.apiRateLimited(decision.retryAfterSeconds), {"retry-after": String(decision.retryAfterSeconds)});
  }

  function authorize(request: Request) {
    if (!tokenDigest) return;
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.get("authorization") ?? "");
    // Digests of equal length, compared in constant time: the time taken says nothing about the token.
    if (match && timingSafeEqual(sha256(match[1]), tokenDigest)) return;
    throw new HttpError(401, "unauthorized", match ? messages.apiBadToken : messages.apiTokenRequired, {
      "www-authenticate": match ? 'Bearer realm="sunline", error="invalid_token"' : 'Bearer realm="sunline"'
    });
  }

  async function health(): Promise<Response> {
    const {snapshotId, mode, model, tables} = await engine();
    // Names only: never the model's base URL or key, never a path on the server.
    return json(200, {status: "ok", snapshot_id: snapshotId, mode, model, tables: [...tables]});
  }

  async function query(request: Request): Promise<Response> {
    const started = now();
    const type = request.headers.get("content-type");
    if (!isJson(type)) throw new HttpError(415, "unsupported_media_type", messages.apiNotJson(type));
    const question = parseQuestion(await readBody(request, maxBodyBytes));
    const current = await engine();
    const key = cacheKey(current.snapshotId, question);
    try {
      const hit = cache.get(key);
      if (hit) {
        metrics.cacheHits.inc();
        return json(200, {...hit, cached: true});
      }
      const answer = await current.ask(question, {signal: request.signal});
      if (answer.tokens) {
        metrics.tokens.inc({kind: "prompt"}, answer.tokens.prompt);
        metrics.tokens.inc({kind: "completion"}, answer.tokens.completion);
      }
      const rejected = answer.attempts.filter((attempt) => attempt.stage === "guard").length;
      if (rejected > 0) metrics.guardRejections.inc({}, rejected);
      cache.set(key, {...answer, cached: false});
      return json(200, {...answer, cached: false});
    } finally {
      metrics.latency.observe(Math.max(0, now() - started) / 1000);
    }
  }

  function errorResponse(error: unknown, request: Request): Response {
    // The client went away mid-question: nobody reads this answer, and it is no fault to log.
    if (request.signal.aborted && !(error instanceof QueryError)) error = new HttpError(499, "client_closed", messages.apiClientClosed);
    if (!(error instanceof QueryError)) {
      log(`query endpoint: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      error = new HttpError(500, "internal", messages.apiInternal);
    }
    const {status, code, message} = error as QueryError;
    metrics.errors.inc({code});
    const headers = error instanceof HttpError ? error.headers : {};
    return json(status, {error: {code, message}}, headers);
  }

  return {
    handle(request, client) {
      return handleRoute(routeOf(request.url), request, client);
    },
    handleRoute(route, request, client) {
      return handleRoute(route, request, client);
    },
    async close() {
      closed = true;
      const pending = enginePromise;
      enginePromise = null;
      if (pending) await pending.then((engine) => engine.close(), () => undefined);
    }
  };
}

function routeOf(url: string): Route | null {
  // One trailing slash is forgiven (/api/query/), nothing else: routes are exact.
  const path = new URL(url).pathname.replace(/(.)\/$/, "$1");
  return Object.hasOwn(ROUTES, path) ? (path as Route) : null;
}

function allowHeader(methods: readonly string[]): string {
  return [...methods, "OPTIONS"].join(", ");
}

function corsHeaders(request: Request, allowedOrigin: string | null): Record<string, string> {
  if (!allowedOrigin) return {};
  // Vary on every response once CORS is configured: the answer depends on who asks.
  const headers: Record<string, string> = {vary: "Origin"};
  if (request.headers.get("origin") === allowedOrigin) {
    headers["access-control-allow-origin"] = allowedOrigin;
    headers["access-control-expose-headers"] = "retry-after";
  }
  return headers;
}

/** The configured origin as browsers send it: scheme://host[:port], no path, no trailing slash. */
export function normalizeOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new SunlineError(messages.apiBadOrigin(text));
  }
  if (!/^https?:$/.test(url.protocol) || url.origin === "null") throw new SunlineError(messages.apiBadOrigin(text));
  return url.origin;
}

/** Serverless: no peer address, so the first X-Forwarded-For entry (the client, as the platform's proxy saw it). */
function clientKey(request: Request, client: ClientInfo): string {
  if (client.address) return client.address;
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || "unknown";
}

function isJson(type: string | null): boolean {
  const media = type?.split(";")[0]?.trim().toLowerCase();
  return media === "application/json";
}

/** The body, refused as soon as it exceeds `max` bytes: by Content-Length first, then by counting the stream. */
async function readBody(request: Request, max: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > max) throw new HttpError(413, "payload_too_large", messages.apiBodyTooLarge(max));
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      // Stop reading: the rest is never buffered (the server discards it).
      await reader.cancel().catch(() => undefined);
      throw new HttpError(413, "payload_too_large", messages.apiBodyTooLarge(max));
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** The trimmed question of a `{"question": "…"}` body, or a 400 saying what is wrong with it. */
function parseQuestion(body: Uint8Array): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", {fatal: true}).decode(body));
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : "the body is not UTF-8 text";
    throw new HttpError(400, "bad_json", messages.apiBadJson(detail));
  }
  const question = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>).question : undefined;
  if (typeof question !== "string") throw new HttpError(400, "bad_question", messages.apiQuestionMissing(question));
  const trimmed = question.trim();
  if (trimmed === "") throw new HttpError(400, "empty_question", messages.apiQuestionEmpty);
  const length = [...trimmed].length;
  if (length > MAX_QUESTION_CHARS) throw new HttpError(400, "question_too_long", messages.apiQuestionTooLong(length, MAX_QUESTION_CHARS));
  return trimmed;
}

/** What a client may learn about a failed engine start: a user-facing message as is, anything else logged only. */
function startFailure(error: unknown, log: (message: string) => void): string {
  if (error instanceof SunlineError || error instanceof QueryError) return error.message;
  log(`query endpoint: the engine failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return messages.apiStartFailed;
}

/** Replaces each secret, as written and as JSON escapes it, in a response text. */
function redactor(secrets: (string | null | undefined)[]): (text: string) => string {
  const forms = [...new Set(secrets.filter((s): s is string => typeof s === "string" && s.length >= 8).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))];
  return (text) => forms.reduce((out, secret) => out.replaceAll(secret, "[redacted]"), text);
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
