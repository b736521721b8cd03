// Offline npm interceptor (scripts/offline-npm): offline and deterministic — packages come from
// node_modules (pinned by package-lock.json); the "registry" is a stub that never touches the network.

import {createHash} from "node:crypto";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import {gzipSync} from "node:zlib";
import {Parser} from "acorn";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {observableCommand} from "../../scripts/offline-npm/command.ts";
import {createOfflineFetch, type OfflineFetch} from "../../scripts/offline-npm/interceptor.ts";
import {cdnTarget, contentType, parseCdnUrl, parseRegistryUrl, parseSpecifier} from "../../scripts/offline-npm/jsdelivr.ts";
import {compareVersions} from "../../scripts/offline-npm/packages.ts";
import {readTarball} from "../../scripts/offline-npm/tar.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const CDN = "https://cdn.jsdelivr.net/npm/";
const version = (name: string): string => JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;

let tmp: string;
let upstreamCalls: string[];
let logs: string[];
let offlineFetch: OfflineFetch;
/** Registry stub for the tarball test; everything else the "network" gets is a 599. */
const fakeRegistry = new Map<string, Uint8Array>();

function makeFetch(): OfflineFetch {
  return createOfflineFetch({
    root,
    cacheDir: join(tmp, "cache"),
    log: (line) => logs.push(line),
    fetch: async (input) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      upstreamCalls.push(url);
      const body = fakeRegistry.get(url);
      return body ? new Response(body as Uint8Array<ArrayBuffer>) : new Response("offline", {status: 599});
    }
  });
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "offline-npm-test-"));
  upstreamCalls = [];
  logs = [];
  offlineFetch = makeFetch();
});

afterAll(() => rmSync(tmp, {recursive: true, force: true}));

async function text(url: string): Promise<{status: number; type: string | null; body: string}> {
  const response = await offlineFetch(url);
  return {status: response.status, type: response.headers.get("content-type"), body: await response.text()};
}

/** Module-level import/export sources, parsed the way Framework parses npm modules (acorn, ES2022). */
function importSources(code: string): string[] {
  const program = Parser.parse(code, {ecmaVersion: 13, sourceType: "module"}) as unknown as {body: {source?: {value: string} | null}[]};
  return [...new Set(program.body.flatMap((node) => (node.source ? [node.source.value] : [])))].sort();
}

/** Writes bundles to disk with their `/npm/...` imports pointed at each other, then imports the first. */
async function importBundles(bundles: Record<string, string>, entry: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmp, "modules-"));
  const fileOf = (spec: string): string => spec.replace(/[^\w]+/g, "_") + ".mjs";
  for (const [spec, code] of Object.entries(bundles)) {
    const rewritten = code.replace(/(["'])(\/npm\/[^"']+)\1/g, (m, q: string, s: string) => (s in bundles ? `${q}./${fileOf(s)}${q}` : m));
    writeFileSync(join(dir, fileOf(spec)), rewritten);
  }
  return import(pathToFileURL(join(dir, fileOf(entry))).href);
}

/** Fetches `entry` and, recursively, every `/npm/<dep>/...` it imports (top-level node_modules versions), then imports it. */
async function loadGraph(entry: string): Promise<Record<string, unknown>> {
  const bundles: Record<string, string> = {};
  const queue = [entry];
  while (queue.length) {
    const spec = queue.pop()!;
    if (spec in bundles) continue;
    const {name, path} = parseSpecifier(spec.slice("/npm/".length))!;
    const res = await text(`${CDN}${name}@${version(name)}/${path}`);
    expect(res.status, spec).toBe(200);
    bundles[spec] = res.body;
    queue.push(...importSources(res.body));
  }
  return importBundles(bundles, entry);
}

describe("jsDelivr URL parsing", () => {
  it("parses names, scopes, versions and paths", () => {
    expect(parseCdnUrl(`${CDN}d3-array@3.2.4/+esm`)).toEqual({name: "d3-array", range: "3.2.4", path: "+esm"});
    expect(parseCdnUrl(`${CDN}@observablehq/plot@0.6.17/dist/plot.umd.js`)).toEqual({
      name: "@observablehq/plot",
      range: "0.6.17",
      path: "dist/plot.umd.js"
    });
    expect(parseCdnUrl(`${CDN}d3`)).toEqual({name: "d3", range: undefined, path: ""});
    expect(parseCdnUrl(`${CDN}@scope/pkg@1.0.0-beta.1/a/b.js/+esm?x=1`)).toEqual({
      name: "@scope/pkg",
      range: "1.0.0-beta.1",
      path: "a/b.js/+esm"
    });
    expect(parseCdnUrl("https://cdn.jsdelivr.net/gh/user/repo/file.js")).toBeUndefined();
    expect(parseCdnUrl("https://example.com/npm/d3@7/+esm")).toBeUndefined();
    expect(parseCdnUrl(`${CDN}@scope@1.0.0/+esm`)).toBeUndefined();
  });

  it("classifies targets and refuses escapes", () => {
    expect(cdnTarget("+esm")).toEqual({kind: "esm", subpath: undefined});
    expect(cdnTarget("dist/d3-array.mjs/+esm")).toEqual({kind: "esm", subpath: "dist/d3-array.mjs"});
    expect(cdnTarget("esm/parquet_wasm_bg.wasm")).toEqual({kind: "file", file: "esm/parquet_wasm_bg.wasm"});
    expect(cdnTarget("../../etc/passwd")).toBeUndefined();
    expect(cdnTarget("a/./b.js")).toBeUndefined();
    expect(cdnTarget("")).toBeUndefined();
    expect(cdnTarget("dist/")).toBeUndefined();
  });

  it("parses registry metadata URLs only", () => {
    expect(parseRegistryUrl("https://registry.npmjs.org/d3")).toEqual({name: "d3", tag: undefined});
    expect(parseRegistryUrl("https://registry.npmjs.org/d3/latest")).toEqual({name: "d3", tag: "latest"});
    expect(parseRegistryUrl("https://registry.npmjs.org/@observablehq/plot")).toEqual({name: "@observablehq/plot", tag: undefined});
    expect(parseRegistryUrl("https://registry.npmjs.org/@observablehq%2fplot/latest")).toEqual({name: "@observablehq/plot", tag: "latest"});
    expect(parseRegistryUrl("https://registry.npmjs.org/d3/-/d3-7.9.0.tgz")).toBeUndefined();
  });

  it("answers jsDelivr's content types", () => {
    expect(contentType("a/b.js")).toBe("application/javascript; charset=utf-8");
    expect(contentType("package.json")).toBe("application/json; charset=utf-8");
    expect(contentType("dist/index.css")).toBe("text/css; charset=utf-8");
    expect(contentType("x_bg.wasm")).toBe("application/wasm");
    expect(contentType("LICENSE")).toBe("application/octet-stream");
  });

  it("orders versions like semver", () => {
    const sorted = ["1.0.0", "1.0.0-beta.2", "1.0.0-beta.10", "0.9.9", "1.0.0-alpha", "10.0.0"].sort(compareVersions);
    expect(sorted).toEqual(["0.9.9", "1.0.0-alpha", "1.0.0-beta.2", "1.0.0-beta.10", "1.0.0", "10.0.0"]);
  });
});

describe("serving +esm bundles from node_modules", () => {
  it("bundles d3-array as ESM that Framework can parse and that works", async () => {
    const v = version("d3-array");
    const res = await text(`${CDN}d3-array@${v}/+esm`);
    expect(res.status).toBe(200);
    expect(res.type).toBe("application/javascript; charset=utf-8");
    for (const source of importSources(res.body)) expect(source).toMatch(/^\/npm\//);
    expect(logs).toContain(`offline-npm: d3-array@${v}/+esm ← node_modules`);
    const d3Array = await loadGraph("/npm/d3-array/+esm");
    expect((d3Array.extent as (v: number[]) => number[])([3, 1, 2])).toEqual([1, 3]);
    expect(typeof d3Array.InternMap).toBe("function");
  });

  it("keeps other packages external as /npm/<dep>/+esm", async () => {
    const res = await text(`${CDN}d3-scale@${version("d3-scale")}/+esm`);
    expect(importSources(res.body)).toEqual([
      "/npm/d3-array/+esm",
      "/npm/d3-format/+esm",
      "/npm/d3-interpolate/+esm",
      "/npm/d3-time-format/+esm",
      "/npm/d3-time/+esm"
    ]);
    const d3Scale = await loadGraph("/npm/d3-scale/+esm");
    const x = (d3Scale.scaleLinear as () => {domain(d: number[]): {range(r: number[]): (v: number) => number}})();
    expect(x.domain([0, 10]).range([0, 100])(5)).toBe(50);
  });

  it("serves a subpath +esm through the exports map", async () => {
    const res = await text(`${CDN}apache-arrow@${version("apache-arrow")}/util/bn/+esm`);
    expect(res.status).toBe(200);
    for (const source of importSources(res.body)) expect(source).toMatch(/^\/npm\/[^./][^@]*\/\+esm$/);
    expect(res.body).toMatch(/\bbigNumToNumber\b/);
    expect(res.body).toMatch(/as BN\b|\bBN as\b|export\s*\{[^}]*\bBN\b/);
  });

  it("serves a subpath +esm the exports map hides (file fallback, like jsDelivr)", async () => {
    const v = version("d3-array");
    const res = await text(`${CDN}d3-array@${v}/dist/d3-array.mjs/+esm`);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/as extent\b/);
  });

  it("gives CommonJS packages named + default exports, and turns their requires into imports", async () => {
    const bsb = await text(`${CDN}binary-search-bounds@${version("binary-search-bounds")}/+esm`);
    const tree = await text(`${CDN}interval-tree-1d@${version("interval-tree-1d")}/+esm`);
    expect(importSources(bsb.body)).toEqual([]);
    expect(importSources(tree.body)).toEqual(["/npm/binary-search-bounds/+esm"]);
    expect(tree.body).not.toMatch(/\brequire\(/);

    const bounds = await importBundles({"/npm/binary-search-bounds/+esm": bsb.body}, "/npm/binary-search-bounds/+esm");
    expect(typeof bounds.ge).toBe("function");
    expect((bounds.default as {ge: unknown}).ge).toBe(bounds.ge);
    expect((bounds.ge as (a: number[], y: number) => number)([1, 2, 3], 2)).toBe(1);

    const mod = await importBundles(
      {"/npm/interval-tree-1d/+esm": tree.body, "/npm/binary-search-bounds/+esm": bsb.body},
      "/npm/interval-tree-1d/+esm"
    );
    type Tree = {queryPoint(x: number, cb: (i: number[]) => void): void};
    const t = (mod.default as (intervals: number[][]) => Tree)([[1, 3], [2, 4], [5, 6]]);
    const hits: number[][] = [];
    t.queryPoint(2.5, (i) => void hits.push(i));
    expect(hits.sort((a, b) => a[0]! - b[0]!)).toEqual([[1, 3], [2, 4]]);
  });

  it("is deterministic", async () => {
    const url = `${CDN}@observablehq/plot@${version("@observablehq/plot")}/+esm`;
    const a = await text(url);
    const b = await (await makeFetch()(url)).text();
    expect(a.status).toBe(200);
    expect(importSources(a.body)).toEqual(["/npm/d3/+esm", "/npm/interval-tree-1d/+esm", "/npm/isoformat/+esm"]);
    expect(createHash("sha256").update(b).digest("hex")).toBe(createHash("sha256").update(a.body).digest("hex"));
  });
});

describe("raw files", () => {
  it("serves package.json byte-identical to node_modules", async () => {
    const v = version("d3-array");
    const response = await offlineFetch(`${CDN}d3-array@${v}/package.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(join(root, "node_modules/d3-array/package.json")))).toBe(true);
  });

  it("answers 404 for missing files and entries", async () => {
    const v = version("d3-array");
    expect((await text(`${CDN}d3-array@${v}/no/such/file.js`)).status).toBe(404);
    expect((await text(`${CDN}d3-array@${v}/no/such/entry/+esm`)).status).toBe(404);
    expect((await text(`${CDN}d3-array@${v}/dist`)).status).toBe(404); // a directory
    expect((await text(`${CDN}d3-array@${v}/../d3-color/package.json`)).status).toBe(404);
  });
});

describe("registry version lookups", () => {
  it("answers pinned packages from the lockfile", async () => {
    const v = version("d3-array");
    const before = upstreamCalls.length;
    const packument = await offlineFetch("https://registry.npmjs.org/d3-array", {headers: {Accept: "application/vnd.npm.install-v1+json"}});
    const body = (await packument.json()) as {versions: Record<string, unknown>; "dist-tags": {latest: string}};
    expect(Object.keys(body.versions)).toContain(v);
    expect(body["dist-tags"].latest).toBe(v);
    const latest = (await (await offlineFetch("https://registry.npmjs.org/d3-array/latest")).json()) as {version: string};
    expect(latest.version).toBe(v);
    expect(upstreamCalls.length).toBe(before);
  });

  it("passes unpinned packages and other hosts through", async () => {
    const before = upstreamCalls.length;
    expect((await offlineFetch("https://registry.npmjs.org/sunline-no-such-package-x")).status).toBe(599);
    expect((await offlineFetch("https://example.com/data.csv")).status).toBe(599);
    expect(upstreamCalls.slice(before)).toEqual(["https://registry.npmjs.org/sunline-no-such-package-x", "https://example.com/data.csv"]);
  });
});

describe("registry tarballs", () => {
  it("downloads, verifies and unpacks a package the lockfile does not pin", async () => {
    const tgz = makeTgz({
      "package/package.json": JSON.stringify({
        name: "sunline-fake-pkg",
        version: "1.2.3",
        type: "module",
        exports: {".": "./src/index.js"},
        dependencies: {"d3-array": "3", events: "^3.3.0"}
      }),
      "package/src/index.js":
        'import {ascending} from "d3-array";\nimport {EventEmitter} from "events";\nimport "fs";\n' +
        'export {helper} from "./helper.js";\nexport const emitter = () => new EventEmitter();\n' +
        "export default function sorted(a) { return a.slice().sort(ascending); }\n",
      "package/src/helper.js": "export const helper = 42;\n",
      ["package/" + "deep/".repeat(30) + "long.txt"]: "long name"
    });
    const integrity = `sha512-${createHash("sha512").update(tgz).digest("base64")}`;
    const tarball = "https://registry.npmjs.org/sunline-fake-pkg/-/sunline-fake-pkg-1.2.3.tgz";
    fakeRegistry.set("https://registry.npmjs.org/sunline-fake-pkg/1.2.3", new TextEncoder().encode(JSON.stringify({dist: {tarball, integrity}})));
    fakeRegistry.set(tarball, tgz);

    const res = await text(`${CDN}sunline-fake-pkg@1.2.3/+esm`);
    expect(res.status).toBe(200);
    expect(logs).toContain("offline-npm: sunline-fake-pkg@1.2.3/+esm ← registry tarball");
    // A declared polyfill ("events") is a package; an undeclared builtin ("fs") stays as-is, with a warning.
    expect(importSources(res.body)).toEqual(["/npm/d3-array/+esm", "/npm/events/+esm", "fs"]);
    expect(logs.some((l) => l.includes("warning") && l.includes('Node builtin "fs"'))).toBe(true);
    expect(res.body).toMatch(/as default/);
    expect(res.body).toMatch(/as helper/);
    expect((await text(`${CDN}sunline-fake-pkg@1.2.3/${"deep/".repeat(30)}long.txt`)).body).toBe("long name");

    // Downloaded once: a fresh interceptor finds it in the cache without any request.
    const before = upstreamCalls.length;
    expect((await (await makeFetch()(`${CDN}sunline-fake-pkg@1.2.3/package.json`)).json()).version).toBe("1.2.3");
    expect(upstreamCalls.length).toBe(before);
  });

  it("rejects a tarball whose integrity does not match", async () => {
    const tgz = makeTgz({"package/package.json": JSON.stringify({name: "sunline-bad-pkg", version: "1.0.0"})});
    const tarball = "https://registry.npmjs.org/sunline-bad-pkg/-/sunline-bad-pkg-1.0.0.tgz";
    fakeRegistry.set("https://registry.npmjs.org/sunline-bad-pkg/1.0.0", new TextEncoder().encode(JSON.stringify({dist: {tarball, integrity: "sha512-AAAA"}})));
    fakeRegistry.set(tarball, tgz);
    const res = await text(`${CDN}sunline-bad-pkg@1.0.0/package.json`);
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/integrity mismatch/);
  });

  it("reads ustar, GNU long names and pax paths", () => {
    const files = readTarball(
      Buffer.from(makeTgz({"package/a.txt": "a", ["package/" + "x".repeat(120) + ".txt"]: "long", "package/../evil.txt": "no"}, {pax: true}))
    );
    expect(files.map((f) => [f.path, f.data.toString()])).toEqual([
      ["a.txt", "a"],
      ["x".repeat(120) + ".txt", "long"]
    ]);
  });
});

describe("command.ts", () => {
  it("runs the Framework CLI under node with tsx + register.ts and the deadlock-free esbuild mode", () => {
    const {command, args, env} = observableCommand(["build"], {PATH: "/bin"});
    expect(command).toBe(process.execPath);
    expect(args[0]).toBe("--import");
    expect(args[1]).toMatch(/^file:.*\/tsx\/.*\.mjs$/);
    expect(args.slice(2, 4)).toEqual(["--import", pathToFileURL(join(root, "scripts/offline-npm/register.ts")).href]);
    expect(args[4]).toBe(join(root, "node_modules/@observablehq/framework/dist/bin/observable.js"));
    expect(args.slice(5)).toEqual(["build"]);
    expect(env).toEqual({PATH: "/bin", ESBUILD_WORKER_THREADS: "0", OBSERVABLE_TELEMETRY_DISABLE: "true"});
  });
});

describe("register.ts", () => {
  it("does nothing when SUNLINE_NPM_CDN=1, else wraps globalThis.fetch once", async () => {
    const original = globalThis.fetch;
    const saved = process.env.SUNLINE_NPM_CDN;
    try {
      process.env.SUNLINE_NPM_CDN = "1";
      const {installOfflineNpm} = await import("../../scripts/offline-npm/register.ts");
      expect(globalThis.fetch).toBe(original);
      delete process.env.SUNLINE_NPM_CDN;
      expect(installOfflineNpm(root)).toBe(true);
      expect(globalThis.fetch).not.toBe(original);
      expect(installOfflineNpm(root)).toBe(false); // idempotent
      const latest = (await (await fetch("https://registry.npmjs.org/d3-array/latest")).json()) as {version: string};
      expect(latest.version).toBe(version("d3-array"));
    } finally {
      globalThis.fetch = original;
      if (saved === undefined) delete process.env.SUNLINE_NPM_CDN;
      else process.env.SUNLINE_NPM_CDN = saved;
    }
  });
});

/** A minimal tar writer (gzip'd): ustar headers, long names as GNU "L" records (or pax "x" records). */
function makeTgz(files: Record<string, string>, {pax = false} = {}): Uint8Array {
  const blocks: Buffer[] = [];
  const header = (name: string, size: number, type: string): Buffer => {
    const h = Buffer.alloc(512);
    h.write(name.slice(0, 99), 0, "utf8");
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(size.toString(8).padStart(11, "0") + "\0", 124);
    h.write("00000000000\0", 136);
    h.write("        ", 148);
    h.write(type, 156);
    h.write("ustar\0" + "00", 257, "latin1");
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    return h;
  };
  const push = (data: Buffer): void => {
    blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  };
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    if (name.length > 99) {
      if (pax) {
        const record = ` path=${name}\n`;
        let length = record.length + 1;
        while (`${length}${record}`.length !== length) length++;
        const body = Buffer.from(`${length}${record}`);
        blocks.push(header("PaxHeader", body.length, "x"));
        push(body);
      } else {
        const body = Buffer.from(name + "\0");
        blocks.push(header("././@LongLink", body.length, "L"));
        push(body);
      }
    }
    blocks.push(header(name, data.length, "0"));
    push(data);
  }
  blocks.push(Buffer.alloc(1024));
  return new Uint8Array(gzipSync(Buffer.concat(blocks)));
}
