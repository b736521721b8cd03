// Worker thread for parallel.ts: runs Stan's L-BFGS (the slow part of a Prophet fit) on problems
// prepared on the main thread. Plain JS so that it loads the same under tsx and vitest.
import {parentPort} from "node:worker_threads";
import {optimizer} from "@bsull/augurs-prophet-wasmstan";

parentPort.on("message", ({id, init, dataJson, opts}) => {
  try {
    parentPort.postMessage({id, out: optimizer.optimize(init, dataJson, opts)});
  } catch (error) {
    parentPort.postMessage({id, error: error instanceof Error ? error.message : String(error)});
  }
});
