/**
 * Builds jsDelivr-style `+esm` bundles with esbuild for the offline npm interceptor (see register.ts).
 *
 * The entry is resolved the way a bundler resolves `<name>` / `<name>/<subpath>` from inside the
 * package (exports map with conditions browser/import/module, else mainFields
 * browser,module,main); a `<subpath>` the exports map does not expose falls back to the file of
 * that name (jsDelivr serves any file). The package's own files are bundled; every import of
 * another package stays external, rewritten to `/npm/<dep>/+esm` or `/npm/<dep>/<sub>/+esm` (no
 * version: Framework's getDependencyResolver takes the range from the package's package.json).
 *
 * CommonJS:
 * - a CJS entry is wrapped so the bundle has `export default module.exports` (or `exports.default`
 *   under `__esModule`) plus one named export per key of `module.exports`; the keys are found by
 *   evaluating a CJS build of the entry in a bare `vm` context (external requires return an inert
 *   stub). If that evaluation throws, the bundle has a default export only (with a warning).
 * - `require("<dep>")` of another package cannot stay a `require` in an ES module, so it goes
 *   through an interop module: `import * as ns from "/npm/<dep>/+esm"` and `require` returns
 *   `ns.default` when the namespace is just a CJS module's `module.exports` (default + its keys),
 *   else the namespace.
 *
 * Node builtins should not appear in browser packages; if one does (and the package's `browser`
 * field does not map it, and it is not a declared dependency such as the `buffer` polyfill), it is
 * left external as-is and reported in `warnings`.
 */

import {isBuiltin} from "node:module";
import {relative, sep} from "node:path";
import vm from "node:vm";
import type * as Esbuild from "esbuild";
import type {LocatedPackage} from "./packages.ts";
import {readPackageJson} from "./packages.ts";

export interface BundleResult {
  code: string;
  warnings: string[];
}

const CONDITIONS = ["browser", "import", "module"];
const MAIN_FIELDS = ["browser", "module", "main"];
const DEFINE = {"process.env.NODE_ENV": '"production"'};
const SKIP = Symbol("sunline-offline-npm-skip");
const CJS_DEP = "sunline-cjs-dep";
const ESM_DEP = "sunline-esm-dep";
const ENTRY_PLACEHOLDER = "__sunline_offline_npm_entry__";

let esbuildPromise: Promise<typeof Esbuild> | undefined;
function loadEsbuild(): Promise<typeof Esbuild> {
  return (esbuildPromise ??= import("esbuild"));
}

/**
 * Bundles `<pkg.name>` (or `<pkg.name>/<subpath>`) as an ES module. Returns `undefined` when the
 * entry does not exist in the package (→ 404).
 */
export async function bundlePackage(pkg: LocatedPackage, subpath: string | undefined): Promise<BundleResult | undefined> {
  const esbuild = await loadEsbuild();
  const warnings: string[] = [];
  const entry = await resolveEntry(esbuild, pkg, subpath);
  if (!entry) return undefined;

  const common = {
    absWorkingDir: pkg.dir,
    bundle: true,
    platform: "browser",
    conditions: CONDITIONS,
    mainFields: MAIN_FIELDS,
    define: DEFINE,
    write: false,
    metafile: true,
    logLevel: "silent",
    outdir: "__sunline_out__"
  } satisfies Esbuild.BuildOptions;
  const esm = {...common, format: "esm", target: "es2022", minify: true, legalComments: "eof"} satisfies Esbuild.BuildOptions;

  let result = await esbuild.build({...esm, entryPoints: [entry], plugins: [externalsPlugin(pkg, warnings, "esm")]});
  const format = result.metafile.inputs[posixRelative(pkg.dir, entry)]?.format;
  if (format === "cjs") {
    const names = await cjsExportNames(esbuild, pkg, entry, common, warnings);
    result = await esbuild.build({
      ...esm,
      stdin: {contents: cjsWrapper(entry, names), resolveDir: pkg.dir, sourcefile: "<entry>", loader: "js"},
      plugins: [externalsPlugin(pkg, warnings, "esm")]
    });
  }
  const outputs = result.outputFiles.filter((f) => f.path.endsWith(".js"));
  if (outputs.length !== 1) throw new Error(`offline-npm: unexpected esbuild outputs for ${pkg.name}: ${result.outputFiles.map((f) => f.path)}`);
  for (const other of result.outputFiles) {
    if (!other.path.endsWith(".js")) warnings.push(`dropped non-JS output ${posixRelative(pkg.dir, other.path)}`);
  }
  return {code: outputs[0]!.text, warnings: [...new Set(warnings)]};
}

/** Absolute path of the entry file, or undefined. */
async function resolveEntry(esbuild: typeof Esbuild, pkg: LocatedPackage, subpath: string | undefined): Promise<string | undefined> {
  const candidates = subpath === undefined ? [pkg.name] : [`${pkg.name}/${subpath}`, `./${subpath}`];
  let found: string | undefined;
  await esbuild.build({
    stdin: {contents: `import "${ENTRY_PLACEHOLDER}";`, resolveDir: pkg.dir},
    absWorkingDir: pkg.dir,
    bundle: true,
    write: false,
    platform: "browser",
    conditions: CONDITIONS,
    mainFields: MAIN_FIELDS,
    logLevel: "silent",
    plugins: [
      {
        name: "sunline-resolve-entry",
        setup(build) {
          build.onResolve({filter: new RegExp(`^${ENTRY_PLACEHOLDER}$`)}, async (args) => {
            for (const candidate of candidates) {
              const r = await build.resolve(candidate, {kind: "import-statement", resolveDir: pkg.dir, pluginData: SKIP});
              // Must be a real file inside the package (not "disabled" by a browser map, not another package).
              if (!r.errors.length && r.namespace === "file" && r.path && !r.external && isInside(pkg.dir, r.path)) {
                found = r.path;
                break;
              }
            }
            return {path: args.path, external: true};
          });
        }
      }
    ]
  });
  return found;
}

type Mode = "esm" | "detect";

function externalsPlugin(pkg: LocatedPackage, warnings: string[], mode: Mode): Esbuild.Plugin {
  const pkgJson = readPackageJson(pkg.dir) ?? {};
  const browserMap = pkgJson.browser && typeof pkgJson.browser === "object" ? (pkgJson.browser as Record<string, unknown>) : {};
  const declared = new Set(
    ["dependencies", "peerDependencies", "optionalDependencies"].flatMap((field) => {
      const deps = pkgJson[field];
      return deps && typeof deps === "object" ? Object.keys(deps) : [];
    })
  );
  return {
    name: "sunline-externals",
    setup(build) {
      // Interop modules for require("<dep>") in CommonJS code (ESM output only).
      build.onResolve({filter: /^sunline-esm-dep:/}, (args) => ({path: args.path.slice(ESM_DEP.length + 1), namespace: ESM_DEP}));
      build.onLoad({filter: /.*/, namespace: CJS_DEP}, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`${ESM_DEP}:${args.path}`)}).__cjs;`,
        loader: "js"
      }));
      build.onLoad({filter: /.*/, namespace: ESM_DEP}, (args) => ({contents: esmInterop(args.path), loader: "js"}));

      build.onResolve({filter: /.*/}, (args) => {
        if (args.pluginData === SKIP || args.kind === "entry-point") return undefined;
        const path = args.path;
        if (path.startsWith("/npm/")) return {path, external: true};
        if (path.startsWith(".") || path.startsWith("/") || path.startsWith("#")) return undefined;
        if (/^(?:data|https?):/i.test(path)) return {path, external: true};
        if (Object.hasOwn(browserMap, path)) return undefined; // esbuild applies the browser field
        const {name, sub} = splitBare(path);
        // "buffer", "events", "process"… are builtins *and* npm polyfills: a declared dependency wins.
        if (isBuiltin(path) && (path.startsWith("node:") || !declared.has(name))) {
          warnings.push(`${pkg.name} imports the Node builtin "${path}"; left external as-is`);
          return {path, external: true};
        }
        if (name === pkg.name) return undefined; // self-reference: bundle it
        if (mode === "detect") return {path, external: true};
        const target = `/npm/${name}/${sub ? `${sub}/` : ""}+esm`;
        if (args.kind === "require-call") return {path: target, namespace: CJS_DEP};
        return {path: target, external: true};
      });
    }
  };
}

function splitBare(specifier: string): {name: string; sub: string | undefined} {
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.splice(0, 2).join("/") : parts.shift()!;
  return {name, sub: parts.length ? parts.join("/") : undefined};
}

/**
 * What `require("<dep>")` returns for an external dep: the dep's `module.exports` when the +esm
 * namespace looks like a wrapped CJS module (a default whose keys cover the named exports),
 * else the namespace itself (flagged `__esModule` for Babel-style interop).
 */
function esmInterop(spec: string): string {
  return `import * as ns from ${JSON.stringify(spec)};
var d = ns.default, ks = Object.keys(ns), o = d !== null && (typeof d === "object" || typeof d === "function");
export var __cjs = "default" in ns && !ns.__esModule && ks.every(function (k) { return k === "default" || (o && k in d); })
  ? d
  : Object.defineProperty(Object.assign({}, ns), "__esModule", {value: true});
`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function cjsWrapper(entry: string, names: string[]): string {
  const lines = [`import * as ns from ${JSON.stringify(entry)};`, `export default ns.default;`];
  names.forEach((name, i) => {
    lines.push(`var e${i} = ns[${JSON.stringify(name)}];`, `export { e${i} as ${name} };`);
  });
  return lines.join("\n") + "\n";
}

/** Keys of the CJS entry's `module.exports`, found by evaluating it in a bare vm context. */
async function cjsExportNames(
  esbuild: typeof Esbuild,
  pkg: LocatedPackage,
  entry: string,
  common: Esbuild.BuildOptions,
  warnings: string[]
): Promise<string[]> {
  const result = await esbuild.build({
    ...common,
    metafile: false,
    format: "cjs",
    entryPoints: [entry],
    plugins: [externalsPlugin(pkg, [], "detect")]
  });
  const code = result.outputFiles?.find((f) => f.path.endsWith(".js"))?.text ?? "";
  const module = {exports: {} as unknown};
  const stub = inertStub();
  const noop = (): void => {};
  const context = vm.createContext({
    console: {log: noop, warn: noop, error: noop, info: noop, debug: noop},
    process: {env: {NODE_ENV: "production"}},
    setTimeout: () => 0,
    clearTimeout: noop,
    queueMicrotask: noop
  });
  try {
    const fn = vm.runInContext(`(function (module, exports, require) {\n${code}\n})`, context, {timeout: 5000, filename: `${pkg.name}.cjs`});
    fn(module, module.exports, () => stub);
  } catch (error) {
    warnings.push(`could not evaluate CommonJS ${pkg.name} to find its exports (${String(error).split("\n")[0]}); default export only`);
    return [];
  }
  const exports = module.exports;
  if (exports === null || (typeof exports !== "object" && typeof exports !== "function")) return [];
  return Object.keys(exports).filter((k) => k !== "default" && k !== "__esModule" && IDENTIFIER.test(k));
}

/** A value that survives any property access, call or construction (stands in for external requires). */
function inertStub(): unknown {
  const target = function () {};
  const stub: unknown = new Proxy(target, {
    get: (_t, key) => (key === Symbol.toPrimitive ? () => "" : key === "prototype" ? {} : stub),
    apply: () => stub,
    construct: () => stub as object
  });
  return stub;
}

function posixRelative(from: string, to: string): string {
  return relative(from, to).split(sep).join("/");
}

function isInside(dir: string, path: string): boolean {
  const r = relative(dir, path);
  return r !== "" && !r.startsWith("..") && !r.startsWith(sep) && !/^[A-Za-z]:/.test(r);
}
