// The built site and the query endpoint on one loopback server (npm run serve, and the Ask page's tests):
// static files as scripts/staticServer.ts serves them, and /api/* handed to a Web-standard handler,
// the same (Request) → Response function the serverless deployment runs.
import {createReadStream} from "node:fs";
import {createServer, type IncomingMessage, type ServerResponse} from "node:http";
import {resolve} from "node:path";
import {messages} from "../pipeline/messages.ts";
import {contentType, resolveFile, type StaticServer} from "./staticServer.ts";

export type ApiHandler = (request: Request, client: {address?: string}) => Promise<Response>;

export interface SiteServerOptions {
  /** The folder to serve (dist/). */
  root: string;
  /** Loopback by default: the endpoint is not meant for the network unless asked. */
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  /** Answers /api and /api/*; without one those paths are looked up as files like any other. */
  api?: ApiHandler | null;
}

/** A request body left unread past this many bytes is not drained but the connection dropped. */
const MAX_DISCARD_BYTES = 1 << 20;

export async function serveSite({root, host = "127.0.0.1", port = 0, api = null}: SiteServerOptions): Promise<StaticServer> {
  const base = resolve(root);
  let origin = "";
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (api && (path === "/api" || path.startsWith("/api/"))) void forward(api, origin, req, res);
    else serveFile(base, req, res);
  });
  await new Promise<void>((ok) => server.listen(port, host, ok));
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  origin = `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`;
  return {
    server,
    url: origin,
    close: () =>
      new Promise((ok) => {
        server.close(() => ok());
        // Shutting down means now: a client's spare keep-alive sockets would otherwise hold close() for seconds.
        server.closeAllConnections();
      })
  };
}

function serveFile(base: string, req: IncomingMessage, res: ServerResponse) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, {"content-type": "text/plain", allow: "GET, HEAD"}).end("method not allowed\n");
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  } catch {
    res.writeHead(400, {"content-type": "text/plain"}).end("bad request\n");
    return;
  }
  const file = resolveFile(base, pathname);
  if (!file) {
    res.writeHead(404, {"content-type": "text/plain"}).end("not found\n");
    return;
  }
  res.writeHead(200, {"content-type": contentType(file)});
  if (req.method === "HEAD") res.end();
  else createReadStream(file).pipe(res);
}

/** One /api request: node's message → Request, through the handler, Response → node's response. */
async function forward(api: ApiHandler, origin: string, req: IncomingMessage, res: ServerResponse) {
  // A client that hangs up aborts the request's signal, so the engine can stop work nobody will read.
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  let response: Response;
  try {
    response = await api(toRequest(req, origin, controller.signal), {address: req.socket.remoteAddress});
  } catch (error) {
    console.error(`query endpoint: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    response = Response.json({error: {code: "internal", message: messages.apiInternal}}, {status: 500, headers: {"cache-control": "no-store"}});
  }
  try {
    await writeResponse(response, req, res);
  } catch {
    res.destroy();
  }
}

function toRequest(req: IncomingMessage, origin: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    } catch {
      // A header Headers refuses (bad name or value) cannot matter to the endpoint: dropped.
    }
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  // origin + path, not new URL(path, origin): a path starting with // must not become a host.
  const init: RequestInit & {duplex: "half"} = {method, headers, signal, body: hasBody ? bodyStream(req) : null, duplex: "half"};
  return new Request(`${origin}${req.url ?? "/"}`, init);
}

/**
 * The body as a stream read on demand: one chunk is buffered at most, so a handler that stops early
 * (a body over its limit) never holds the rest in memory. Cancelling leaves the rest for writeResponse to discard.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Buffer) => {
        if (cancelled) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.on("end", () => {
        if (!cancelled) controller.close();
      });
      req.on("error", (error) => {
        if (!cancelled) controller.error(error);
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      cancelled = true;
    }
  });
}

async function writeResponse(response: Response, req: IncomingMessage, res: ServerResponse) {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  // The client hung up while the handler worked: nobody to write to.
  if (res.destroyed) {
    await response.body?.cancel();
    return;
  }
  discardRest(req);
  res.writeHead(response.status, headers);
  if (!response.body || req.method === "HEAD") {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    if (!res.write(value)) await drained(res);
    if (res.destroyed) {
      await reader.cancel();
      return;
    }
  }
  res.end();
}

/**
 * The part of a request body the handler did not read (a body refused as too large): read and dropped, so
 * the connection stays usable and the client sees the response rather than a reset; past 1 MiB, dropped with it.
 */
function discardRest(req: IncomingMessage) {
  if (req.complete) return;
  let discarded = 0;
  req.removeAllListeners("data");
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.byteLength;
    if (discarded > MAX_DISCARD_BYTES) req.socket.destroy();
  });
  req.resume();
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((ok) => {
    if (res.destroyed) return ok();
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      ok();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
