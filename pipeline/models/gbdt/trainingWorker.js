// A training worker: waits on shared memory for a job, does its share, and signals completion.
// Jobs: a node's histogram, subtraction and split search over its share of the active features,
// or the partition of its chunk of a node's rows. Plain JS for the same reason as
// kernels.js. Protocol and layout: workers.ts.
import {workerData} from "node:worker_threads";
import {bestSplitInto, buildHistogram, gatherGradients, histogramLength, partitionRange, shareBoundary, SPLIT_SIZE, subtractHistogram} from "./kernels.js";

const GEN = 0, PENDING = 1, KIND = 2, START = 3, END = 4, NFEATS = 5, STOP = 6, COL = 7, BIN = 8, MISSING_LEFT = 9, SLOT_A = 10, SLOT_B = 11, FAILED = 12, RESULT = 13;
const PARTITION = 2, ROOT = 3;
/** Polls of the control block (about a millisecond) before sleeping: the next job usually comes
 * sooner, and waking from Atomics.wait cost ~90 µs per job, a fifth of the threaded time on 2 cores. */
const SPIN = 200_000;

const d = workerData;
const control = new Int32Array(d.control);
const params = new Float64Array(d.params);
const results = new Float64Array(d.results);
const feats = new Int32Array(d.feats);
const tmp = new Uint32Array(d.tmp);
const histSize = histogramLength(d.nFeatures);
const slot = (i) => new Float64Array(d.arena, i * histSize * 8, histSize);
const {lambda, gamma, minChildWeight} = d.rules;
const input = {
  bins: new Uint8Array(d.bins), rows: new Uint32Array(d.rows), grad: new Float64Array(d.grad), hess: new Float64Array(d.hess),
  // This thread's own gather buffers (see gatherGradients).
  gs: new Float64Array(d.nRows), hs: new Float64Array(d.unitHessian ? 0 : d.nRows),
  nFeatures: d.nFeatures, nRows: d.nRows, unitHessian: d.unitHessian
};
const {index, parts, nBins} = d;
const mine = SPLIT_SIZE * 2 * index;

let seen = 0;
for (;;) {
  // Only a new generation is a new job: Atomics.wait can also return without one, and taking that
  // for a job ran the last one twice (and counted it twice).
  for (let spins = 0; Atomics.load(control, GEN) === seen; spins++) if (spins >= SPIN) Atomics.wait(control, GEN, seen);
  seen = Atomics.load(control, GEN);
  if (control[STOP] === 1) break;
  try {
    work();
  } catch (error) {
    // The calling thread is blocked in Atomics.wait and cannot receive an "error" event: say it
    // in shared memory, then let the job finish so that it wakes and throws.
    control[FAILED] = 1;
    console.error(`gbdt worker ${index} failed:`, error);
  }
  if (Atomics.sub(control, PENDING, 1) === 1) Atomics.notify(control, PENDING);
}

function work() {
  const start = control[START];
  const end = control[END];
  const kind = control[KIND];
  if (kind === PARTITION) {
    const from = start + Math.floor(((end - start) * index) / parts);
    const to = start + Math.floor(((end - start) * (index + 1)) / parts);
    control[RESULT + index] = partitionRange(input.rows, tmp, input.bins, control[COL], control[BIN], control[MISSING_LEFT], from, to);
  } else {
    const nf = control[NFEATS];
    const from = shareBoundary(nf, index, parts);
    const to = shareBoundary(nf, index + 1, parts);
    gatherGradients(input, start, end);
    const a = slot(control[SLOT_A]);
    buildHistogram(a, input, start, end, feats, from, to);
    bestSplitInto(results, mine, a, feats, from, to, nBins, params[0], params[1], lambda, gamma, minChildWeight);
    if (kind !== ROOT) {
      const b = slot(control[SLOT_B]);
      subtractHistogram(b, b, a, feats, from, to);
      bestSplitInto(results, mine + SPLIT_SIZE, b, feats, from, to, nBins, params[2], params[3], lambda, gamma, minChildWeight);
    }
  }
}
