// Worker thread for parallel.ts: runs Stan's L-BFGS (the slow part of a Prophet fit) on problems
// set up on the main thread (design.ts), writing the optimizer's JSON itself. Plain JS so that it
// loads the same under tsx and vitest.
import {parentPort} from "node:worker_threads";
import {optimizer} from "@bsull/augurs-prophet-wasmstan";
import {stanDataJson} from "./stanJson.js";

parentPort.on("message", ({id, init, data, opts}) => {
  try {
    parentPort.postMessage({id, out: optimizer.optimize(init, stanDataJson(data), opts)});
  } catch (error) {
    parentPort.postMessage({id, error: error instanceof Error ? error.message : String(error)});
  }
});
