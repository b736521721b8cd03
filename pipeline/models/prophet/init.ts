// Loads Prophet's two WebAssembly halves once per process, from disk, without the network. The
// pipeline itself needs only Stan's optimizer (design.ts sets up Prophet's model); augurs' Prophet
// class is what the tests check design.ts against.
//
// - `@bsull/augurs/prophet` is a wasm-bindgen "web" build: its default `init()` would `fetch()` the
//   `.wasm` through a file:// URL, which Node rejects. We read `prophet_bg.wasm` (which sits next to
//   the module's JS) ourselves and hand the bytes to `initSync`. Calling `initSync` again on a module
//   that is already initialised would replace its memory under live objects, so it runs once.
// - `@bsull/augurs-prophet-wasmstan` (Stan's optimizer) is a jco-transpiled component, not a
//   wasm-bindgen build: it has no `initSync`; it instantiates itself with a top-level await when
//   imported, and on Node it reads its `prophet-wasmstan.core*.wasm` files with fs (no fetch).
//   Importing it is therefore the whole of its initialisation; we import it statically so that
//   the await happens during module loading, before anyone can call `fit`.
import {readFileSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {initSync, Prophet} from "@bsull/augurs/prophet";
import {optimizer} from "@bsull/augurs-prophet-wasmstan";

export {Prophet, optimizer};

let initialised = false;

/**
 * Where `prophet_bg.wasm` lives: resolved like the import above (through the package's `exports`),
 * so it is the file of the very copy of `@bsull/augurs` that this process loaded. Node 20's
 * `import.meta.resolve` is synchronous, and vitest's module runner provides it too.
 */
export function prophetWasmPath(): string {
  return fileURLToPath(new URL("./prophet_bg.wasm", import.meta.resolve("@bsull/augurs/prophet")));
}

/** Initialises the augurs Prophet module (idempotent, synchronous; ~0.1 s the first time). */
export function ensureProphet(): void {
  if (initialised) return;
  initSync({module: readFileSync(prophetWasmPath())});
  initialised = true;
}
