/**
 * The fetch wrapper behind register.ts: answers jsDelivr npm URLs and npm-registry version
 * lookups from local packages, passes everything else to the real fetch. See register.ts.
 */

import {readFile, stat} from "node:fs/promises";
import {join} from "node:path";
import {bundlePackage} from "./bundle.ts";
import {
  JS_CONTENT_TYPE,
  type CdnRequest,
  type RegistryRequest,
  cdnTarget,
  contentType,
  isExactVersion,
  parseCdnUrl,
  parseRegistryUrl
} from "./jsdelivr.ts";
import {PackageIndex} from "./packages.ts";

export interface OfflineFetchOptions {
  /** Project root: holds package-lock.json and node_modules. */
  root: string;
  /** The fetch to wrap (and to use for registry tarballs / pass-through). */
  fetch: typeof globalThis.fetch;
  /** One line per thing served; default: stderr. */
  log?: (line: string) => void;
  /** Where registry tarballs are unpacked; default `<root>/node_modules/.cache/sunline-npm`. */
  cacheDir?: string;
}

interface Served {
  status: number;
  type: string;
  body: string | Uint8Array<ArrayBuffer>;
}

const TEXT = "text/plain; charset=utf-8";

export type OfflineFetch = typeof globalThis.fetch & {index: PackageIndex};

export function createOfflineFetch(options: OfflineFetchOptions): OfflineFetch {
  const upstream = options.fetch;
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const index = new PackageIndex({root: options.root, fetch: upstream, cacheDir: options.cacheDir});
  const inflight = new Map<string, Promise<Served>>();

  async function offlineFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? (typeof input === "object" && "method" in input ? input.method : "GET")).toUpperCase();
    if (method === "GET" || method === "HEAD") {
      const cdn = parseCdnUrl(url);
      if (cdn) {
        const version = cdnVersion(cdn);
        if (version !== undefined) {
          const key = `${cdn.name}@${version}/${cdn.path}`;
          let promise = inflight.get(key);
          if (!promise) {
            promise = serveCdn(cdn, version);
            inflight.set(key, promise);
            promise.finally(() => inflight.delete(key)).catch(() => {});
          }
          const {status, type, body} = await promise;
          return new Response(method === "HEAD" ? null : body, {status, headers: {"content-type": type}});
        }
      }
      const registry = parseRegistryUrl(url);
      if (registry) {
        const response = serveRegistry(registry);
        if (response) return response;
      }
    }
    return upstream(input, init);
  }

  /** Exact version to serve, or undefined to pass through (a range the lockfile cannot answer). */
  function cdnVersion({name, range}: CdnRequest): string | undefined {
    if (isExactVersion(range)) return range;
    if (range === undefined || range === "latest") return index.latestLocked(name);
    return undefined;
  }

  async function serveCdn(cdn: CdnRequest, version: string): Promise<Served> {
    const label = `${cdn.name}@${version}/${cdn.path}`;
    const target = cdnTarget(cdn.path);
    if (!target) return notFound(label);
    try {
      const pkg = await index.locate(cdn.name, version);
      if (target.kind === "file") {
        const file = join(pkg.dir, ...target.file.split("/"));
        const info = await stat(file).catch(() => undefined);
        if (!info?.isFile()) return notFound(label);
        const body = await readFile(file);
        log(`offline-npm: ${label} ← ${pkg.source}`);
        return {status: 200, type: contentType(target.file), body: new Uint8Array(body)};
      }
      const bundle = await bundlePackage(pkg, target.subpath);
      if (!bundle) return notFound(label);
      for (const warning of bundle.warnings) log(`offline-npm: warning: ${label}: ${warning}`);
      log(`offline-npm: ${label} ← ${pkg.source}`);
      return {status: 200, type: JS_CONTENT_TYPE, body: bundle.code};
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`offline-npm: error: ${label}: ${message}`);
      return {status: 502, type: TEXT, body: `offline-npm: ${message}\n`};
    }
  }

  function notFound(label: string): Served {
    log(`offline-npm: ${label} not found`);
    return {status: 404, type: TEXT, body: `offline-npm: not found: ${label}\n`};
  }

  function serveRegistry({name, tag}: RegistryRequest): Response | undefined {
    const versions = index.lockedVersions(name);
    if (!versions.length) return undefined;
    const latest = index.latestLocked(name)!;
    let body: unknown;
    if (tag === undefined) {
      body = {name, "dist-tags": {latest}, versions: Object.fromEntries(versions.map((v) => [v, {name, version: v}]))};
      log(`offline-npm: ${name} versions → ${versions.join(", ")} (lockfile)`);
    } else if (tag === "latest" || (isExactVersion(tag) && versions.includes(tag))) {
      const version = tag === "latest" ? latest : tag;
      body = {name, version};
      log(`offline-npm: ${name}@${tag} → ${version} (lockfile)`);
    } else {
      return undefined;
    }
    return new Response(JSON.stringify(body), {status: 200, headers: {"content-type": "application/json"}});
  }

  return Object.assign(offlineFetch as typeof globalThis.fetch, {index});
}
