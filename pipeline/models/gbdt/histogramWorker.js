// A training worker: waits on shared memory for a job, does its share, and signals completion.
// Jobs: a histogram over its share of the active features, or the partition of its chunk of a
// node's rows. Plain JS for the same reason as histogramKernel.js. Protocol and layout: workers.ts.
import {workerData} from "node:worker_threads";
import {buildHistogram, partitionRange, shareBoundary} from "./histogramKernel.js";

const GEN = 0, PENDING = 1, KIND = 2, START = 3, END = 4, NFEATS = 5, STOP = 6, COL = 7, BIN = 8, MISSING_LEFT = 9, RESULT = 10;
const HISTOGRAM = 1;
const {control: controlBuffer, feats: featsBuffer, hist: histBuffer, tmp: tmpBuffer, bins, rows, grad, hess, gs, hs, nFeatures, nRows, unitHessian, index, parts} =
  workerData;
const control = new Int32Array(controlBuffer);
const feats = new Int32Array(featsBuffer);
const hist = new Float64Array(histBuffer);
const tmp = new Uint32Array(tmpBuffer);
const input = {
  bins: new Uint8Array(bins), rows: new Uint32Array(rows), grad: new Float64Array(grad), hess: new Float64Array(hess),
  gs: new Float64Array(gs), hs: new Float64Array(hs), nFeatures, nRows, unitHessian
};

/** Polls of the control block before sleeping: the next job usually comes within microseconds,
 * and waking from Atomics.wait cost ~90 µs per job (a fifth of the threaded time on 2 cores). */
const SPIN = 20_000;

let seen = 0;
for (;;) {
  for (let i = 0; i < SPIN && Atomics.load(control, GEN) === seen; i++);
  Atomics.wait(control, GEN, seen);
  seen = Atomics.load(control, GEN);
  if (control[STOP] === 1) break;
  const start = control[START];
  const end = control[END];
  if (control[KIND] === HISTOGRAM) {
    const nf = control[NFEATS];
    buildHistogram(hist, input, start, end, feats, shareBoundary(nf, index, parts), shareBoundary(nf, index + 1, parts));
  } else {
    const from = start + Math.floor(((end - start) * index) / parts);
    const to = start + Math.floor(((end - start) * (index + 1)) / parts);
    control[RESULT + index] = partitionRange(input.rows, tmp, input.bins, control[COL], control[BIN], control[MISSING_LEFT], from, to);
  }
  if (Atomics.sub(control, PENDING, 1) === 1) Atomics.notify(control, PENDING);
}
