// Several Prophet fits at once (one per site), on worker threads. A fit is set up on the calling
// thread (baseline.ts `prepareProphetFit`: typed arrays, milliseconds); the problem goes to a worker,
// which writes the optimizer's JSON and runs Stan, and the answer finishes the fit. The result is bit
// for bit the model `fitProphetBaseline` gives: same problem, same optimizer, same seed.
import {availableParallelism} from "node:os";
import {Worker} from "node:worker_threads";
import {messages, SunlineError} from "../../messages.ts";
import {prepareProphetFit, stanStarts, type ProphetBaseline, type ProphetFitInput, type StanAnswer, type StanProblem} from "./baseline.ts";

export interface ParallelFitOptions {
  /** Worker threads (default: the machine's cores, at most one per fit). Stan always runs in a worker. */
  threads?: number;
}

/**
 * Algorithms tried in turn from each starting point (stanStarts: a carried one, then Prophet's
 * own): L-BFGS (Prophet's default), then BFGS and Newton when it stops on a failed line search (as
 * Python Prophet falls back), which happens on long flat stretches such as output clipped at
 * capacity for days. Each retry gets a fresh worker: a Stan failure can be a wasm trap, after
 * which that instance is not to be trusted.
 */
const ALGORITHMS = ["lbfgs", "bfgs", "newton"] as const;

/** Fits every input; an input whose fit fails with every algorithm gets its Error in place of a model. */
export async function fitProphetBaselines(inputs: readonly ProphetFitInput[], options: ParallelFitOptions = {}): Promise<(ProphetBaseline | Error)[]> {
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), inputs.length));
  const spawn = () => new Worker(new URL("./stanWorker.js", import.meta.url));
  const workers = Array.from({length: threads}, spawn);
  try {
    const results: (ProphetBaseline | Error)[] = new Array(inputs.length);
    let next = 0;
    const run = async (slot: number) => {
      while (next < inputs.length) {
        const i = next++;
        try {
          const fit = prepareProphetFit(inputs[i]);
          let out: StanAnswer | null = null;
          const errors: string[] = [];
          attempts: for (const {init, label} of stanStarts(fit.problem)) {
            for (const algorithm of ALGORITHMS) {
              try {
                out = await solve(workers[slot], i, {init, data: fit.problem.data, opts: {...fit.problem.opts, algorithm}});
                break attempts;
              } catch (error) {
                errors.push(`${algorithm}${label}: ${error instanceof Error ? error.message : String(error)}`);
                await workers[slot].terminate();
                workers[slot] = spawn();
              }
            }
          }
          results[i] = out ? fit.finish(out) : new SunlineError(messages.prophetFitFailed(errors.join("; ")));
        } catch (error) {
          results[i] = error instanceof Error ? error : new Error(String(error));
        }
      }
    };
    await Promise.all(workers.map((_, slot) => run(slot)));
    return results;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function solve(worker: Worker, id: number, job: StanProblem): Promise<StanAnswer> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: {id: number; out?: StanAnswer; error?: string}) => {
      if (m.id !== id) return;
      cleanup();
      if (m.error !== undefined) reject(new Error(m.error.trim()));
      else resolve(m.out!);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.postMessage({id, ...job});
  });
}
