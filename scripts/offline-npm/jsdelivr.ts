/**
 * URL parsing for the offline npm interceptor (see register.ts for the overview).
 *
 * - `https://cdn.jsdelivr.net/npm/<name>[@<version>]/<path>` → {@link CdnRequest}
 * - `https://registry.npmjs.org/<name>[/<tag>]`               → {@link RegistryRequest}
 * - content types matching what jsDelivr answers with.
 */

export const CDN_PREFIX = "https://cdn.jsdelivr.net/npm/";
export const REGISTRY_ORIGIN = "https://registry.npmjs.org";

export interface CdnRequest {
  /** Package name, possibly scoped (`@observablehq/plot`). */
  name: string;
  /** The version or range after `@`, if any (`3.2.4`, `^3`, `latest`). */
  range: string | undefined;
  /** Path inside the package, without leading slash; `""` if none (`+esm`, `dist/x.wasm`, `src/a.js/+esm`). */
  path: string;
}

export type CdnTarget =
  /** `+esm` or `<subpath>/+esm`: an ESM bundle of the package entry `<name>` or `<name>/<subpath>`. */
  | {kind: "esm"; subpath: string | undefined}
  /** Any other path: that file's bytes. */
  | {kind: "file"; file: string};

export interface RegistryRequest {
  name: string;
  /** `undefined` for the packument (`/<name>`), otherwise the dist-tag or version (`/<name>/latest`). */
  tag: string | undefined;
}

/** Parses `<name>[@<range>][/<path>]`, as Framework's parseNpmSpecifier does. */
export function parseSpecifier(specifier: string): CdnRequest | undefined {
  const parts = specifier.split("/");
  const namerange = specifier.startsWith("@") ? `${parts.shift()}/${parts.shift() ?? ""}` : parts.shift()!;
  const at = namerange.indexOf("@", 1);
  const name = at > 0 ? namerange.slice(0, at) : namerange;
  const range = at > 0 ? namerange.slice(at + 1) : undefined;
  if (!isValidName(name) || range === "") return undefined;
  return {name, range, path: parts.join("/")};
}

/** Parses a jsDelivr npm URL; `undefined` if `url` is not one. */
export function parseCdnUrl(url: string): CdnRequest | undefined {
  if (!url.startsWith(CDN_PREFIX)) return undefined;
  let rest = url.slice(CDN_PREFIX.length).replace(/[?#].*$/, "");
  try {
    rest = decodeURIComponent(rest);
  } catch {
    return undefined;
  }
  return parseSpecifier(rest);
}

/** What a CDN path asks for; `undefined` for paths we refuse (empty, directory, `..`). */
export function cdnTarget(path: string): CdnTarget | undefined {
  if (path === "+esm") return {kind: "esm", subpath: undefined};
  if (path.endsWith("/+esm")) {
    const subpath = normalizeSubpath(path.slice(0, -"/+esm".length));
    return subpath === undefined ? undefined : {kind: "esm", subpath};
  }
  if (path === "" || path.endsWith("/")) return undefined;
  const file = normalizeSubpath(path);
  return file === undefined ? undefined : {kind: "file", file};
}

/** Parses a registry metadata URL (`/<name>` or `/<name>/<tag>`); `undefined` for anything else (tarballs, search…). */
export function parseRegistryUrl(url: string): RegistryRequest | undefined {
  if (!url.startsWith(REGISTRY_ORIGIN + "/")) return undefined;
  let rest = url.slice(REGISTRY_ORIGIN.length + 1).replace(/[?#].*$/, "");
  try {
    rest = decodeURIComponent(rest); // @scope%2fname
  } catch {
    return undefined;
  }
  const parts = rest.split("/");
  const name = rest.startsWith("@") ? `${parts.shift()}/${parts.shift() ?? ""}` : parts.shift()!;
  if (!isValidName(name) || parts.length > 1 || parts[0] === "" || parts[0] === "-") return undefined;
  return {name, tag: parts[0]};
}

export function isValidName(name: string): boolean {
  return /^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name) && !name.includes("..");
}

/** An exact semver version (what Framework always asks jsDelivr for). */
export function isExactVersion(range: string | undefined): range is string {
  return range !== undefined && /^\d+\.\d+\.\d+(?:-[\w.-]+)?(?:\+[\w.-]+)?$/.test(range);
}

/** `a/b/c.js` with no `.`/`..`/empty segments, or `undefined`. */
export function normalizeSubpath(path: string): string | undefined {
  const segments = path.split("/");
  if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\\") || s.includes("\0"))) return undefined;
  return segments.join("/");
}

const TYPES: Record<string, string> = {
  ".js": "application/javascript; charset=utf-8",
  ".mjs": "application/javascript; charset=utf-8",
  ".cjs": "application/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".html": "text/html; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".tsv": "text/tab-separated-values; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".gif": "image/gif",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".woff": "font/woff",
  ".woff2": "font/woff2"
};

export const JS_CONTENT_TYPE = TYPES[".js"]!;

/** Content type jsDelivr would send for a raw file. Framework only cares whether it is JavaScript. */
export function contentType(file: string): string {
  const m = /\.[^./]+$/.exec(file);
  return (m && TYPES[m[0].toLowerCase()]) ?? "application/octet-stream";
}
