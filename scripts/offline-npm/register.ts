/**
 * Offline npm for `observable build` (Framework 1.13.4).
 *
 * Framework downloads every `npm:` import from jsDelivr at build time (dist/npm.js:
 * populateNpmCache fetches `https://cdn.jsdelivr.net/npm/<name>@<version>/<path>` into
 * `<root>/.observablehq/cache/_npm/`, resolveNpmVersion asks `https://registry.npmjs.org/<name>`).
 * Importing this module replaces `globalThis.fetch` with a wrapper that answers those requests
 * locally, so a build needs no CDN:
 *
 * - `https://cdn.jsdelivr.net/npm/<name>@<version>/+esm` (or `<subpath>/+esm`): an ESM bundle of
 *   the package entry built with esbuild (bundle.ts); imports of other packages stay external as
 *   `/npm/<dep>/+esm`, which Framework resolves against the package's own package.json.
 * - any other `https://cdn.jsdelivr.net/npm/<name>@<version>/<file>`: that file's bytes (404 if absent).
 * - `https://registry.npmjs.org/<name>` and `/<name>/latest`: answered from package-lock.json when
 *   the lockfile pins that package (`versions` = every pinned version, so Framework's
 *   maxSatisfying picks a pinned one; `latest` = the top-level node_modules install). Otherwise
 *   the request goes to the real registry.
 * - Package files come from node_modules when the lockfile pins name@version and it is installed,
 *   else from the registry tarball, downloaded once into `node_modules/.cache/sunline-npm/`
 *   (packages.ts). Same lockfile (+ same tarballs) → same bytes.
 * - Everything else (other hosts, POSTs, ranges the lockfile cannot answer) → the original fetch.
 * - One stderr line per thing served: `offline-npm: d3-array@3.2.5/+esm ← node_modules`.
 *
 * Wiring (the CLI process must load it; tsx is needed to load TypeScript). From a script, use
 * command.ts (`observableCommand(["build"])` → node + flags + env). From a shell:
 *
 *   ESBUILD_WORKER_THREADS=0 \
 *   NODE_OPTIONS="--import tsx --import /abs/path/to/scripts/offline-npm/register.ts" \
 *     npx observable build
 *
 * ESBUILD_WORKER_THREADS=0 is not optional: with tsx 4.23 / esbuild 0.28 a process that loads a
 * `.ts` file via `--import` while tsx's transform cache is cold can deadlock before printing
 * anything (see command.ts). NODE_OPTIONS is inherited by the data loaders Framework spawns (they
 * then load tsx + this interceptor too: harmless, a little slower); command.ts passes flags instead.
 *
 * Environment:
 * - `SUNLINE_NPM_CDN=1`   disables the interceptor (stock jsDelivr behaviour, needs internet).
 * - `SUNLINE_NPM_ROOT=…`  project root holding package-lock.json + node_modules
 *                         (default: the repository this file lives in).
 */

import {fileURLToPath} from "node:url";
import {createOfflineFetch} from "./interceptor.ts";

const INSTALLED = Symbol.for("sunline.offline-npm");

export function installOfflineNpm(root: string = defaultRoot()): boolean {
  if (process.env.SUNLINE_NPM_CDN === "1") return false;
  const global = globalThis as typeof globalThis & {[INSTALLED]?: boolean};
  if (global[INSTALLED]) return false;
  global[INSTALLED] = true;
  globalThis.fetch = createOfflineFetch({root, fetch: globalThis.fetch.bind(globalThis)});
  return true;
}

function defaultRoot(): string {
  return process.env.SUNLINE_NPM_ROOT || fileURLToPath(new URL("../..", import.meta.url));
}

installOfflineNpm();
