// A small static server for dist/ (npm run serve, and the end-to-end tests). Loopback by default.
import {createReadStream, existsSync, statSync} from "node:fs";
import {createServer, type Server} from "node:http";
import {extname, join, normalize, resolve, sep} from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".parquet": "application/vnd.apache.parquet",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".csv": "text/csv; charset=utf-8"
};

export function contentType(file: string): string {
  return TYPES[extname(file)] ?? "application/octet-stream";
}

export interface StaticServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function serveStatic(root: string, {host = "127.0.0.1", port = 0} = {}): Promise<StaticServer> {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = resolveFile(base, pathname);
    if (!file) {
      res.writeHead(404, {"content-type": "text/plain"}).end("not found\n");
      return;
    }
    res.writeHead(200, {"content-type": contentType(file)});
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(port, host, ok));
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  return {
    server,
    url: `http://${host}:${actualPort}`,
    close: () => new Promise((ok) => server.close(() => ok()))
  };
}

/** Map a URL path into root: clean URLs (/about → about.html), folders → index.html; never outside root. */
export function resolveFile(root: string, pathname: string): string | null {
  const path = normalize(join(root, pathname));
  // root + separator: a bare prefix test would let /%2F..%2Fdist-other/ reach a sibling folder named like root.
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  for (const candidate of [path, `${path}.html`, join(path, "index.html")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}
