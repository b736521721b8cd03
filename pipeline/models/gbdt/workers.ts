// Training on several threads: the calling thread and `threads - 1` workers share the two hot
// loops. A histogram is split by feature (each thread sums its share of the active features), a
// partition by rows (each thread partitions a chunk; the chunks are then stitched in order). Both
// keep every result identical to one thread's: each histogram slot is summed by one thread in row
// order, and the stitched rows are in the same order a single pass gives.
// Everything the workers read lives in shared memory; coordination is by Atomics on a control
// block (a job costs microseconds; postMessage would cost far more per tree node):
//   control: [generation, pending, kind, start, end, active features, stop, column, bin, missing left, left count per thread...]
import {Worker} from "node:worker_threads";
import {buildHistogram, gatherGradients, partitionRange, shareBoundary, type HistogramInput} from "./histogramKernel.js";
import type {BuildHistogram, PartitionRows} from "./grow.ts";

const GEN = 0, PENDING = 1, KIND = 2, START = 3, END = 4, NFEATS = 5, STOP = 6, COL = 7, BIN = 8, MISSING_LEFT = 9, RESULT = 10;
const HISTOGRAM = 1, PARTITION = 2;
/** Below this many row-feature cells a histogram is built on the calling thread alone. */
const MIN_PARALLEL_CELLS = 60_000;
/** Below this many rows a node is partitioned on the calling thread alone. */
const MIN_PARALLEL_ROWS = 20_000;

export interface TrainingThreads {
  build: BuildHistogram;
  partition: PartitionRows;
  close(): Promise<void>;
}

/** The single-threaded versions of the two loops (tmp: scratch of nRows row indices). */
export function serialLoops(input: HistogramInput, tmp: Uint32Array): {build: BuildHistogram; partition: PartitionRows} {
  return {
    build(hist, start, end, feats) {
      gatherGradients(input, start, end);
      buildHistogram(hist, input, start, end, feats);
    },
    partition(start, end, feature, bin, missingLeft) {
      const left = partitionRange(input.rows, tmp, input.bins, feature * input.nRows, bin, missingLeft ? 1 : 0, start, end);
      input.rows.set(tmp.subarray(start, end - left), start + left);
      return start + left;
    }
  };
}

/** `input`'s arrays must be views of SharedArrayBuffers. */
export async function startTrainingThreads(threads: number, input: HistogramInput): Promise<TrainingThreads> {
  const F = input.nFeatures;
  const parts = threads;
  const control = new Int32Array(new SharedArrayBuffer((RESULT + parts) * 4));
  const feats = new Int32Array(new SharedArrayBuffer(F * 4));
  const shared = new Float64Array(new SharedArrayBuffer(F * 512 * 8));
  const tmp = new Uint32Array(new SharedArrayBuffer(input.nRows * 4));
  const workers = Array.from(
    {length: threads - 1},
    (_, i) =>
      new Worker(new URL("./histogramWorker.js", import.meta.url), {
        workerData: {
          control: control.buffer, feats: feats.buffer, hist: shared.buffer, tmp: tmp.buffer,
          bins: input.bins.buffer, rows: input.rows.buffer, grad: input.grad.buffer, hess: input.hess.buffer,
          gs: input.gs.buffer, hs: input.hs.buffer, nFeatures: F, nRows: input.nRows, unitHessian: input.unitHessian, index: i + 1, parts
        }
      })
  );
  let failure: Error | null = null;
  for (const w of workers) w.on("error", (e) => (failure = e));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once("online", resolve))));

  /** Start a job on the workers; `own()` is this thread's share; returns when all are done. */
  const run = (kind: number, start: number, end: number, own: () => void) => {
    if (failure) throw failure;
    control[KIND] = kind;
    control[START] = start;
    control[END] = end;
    Atomics.store(control, PENDING, workers.length);
    Atomics.add(control, GEN, 1);
    Atomics.notify(control, GEN);
    own();
    // Spin briefly before sleeping: the other share usually ends within microseconds of this one.
    for (let i = 0; i < 20_000 && Atomics.load(control, PENDING) !== 0; i++);
    for (let p = Atomics.load(control, PENDING); p !== 0; p = Atomics.load(control, PENDING)) {
      if (Atomics.wait(control, PENDING, p, 10_000) === "timed-out" && failure) throw failure;
    }
  };
  const copyOut = (hist: Float64Array, active: Int32Array) => {
    for (let j = 0; j < active.length; j++) {
      const from = active[j] * 512;
      hist.set(shared.subarray(from, from + 512), from);
    }
  };

  const build: BuildHistogram = (hist, start, end, active) => {
    gatherGradients(input, start, end);
    // Small nodes are built on this thread alone, but into the shared buffer too: the kernel then
    // only ever sees one kind of array (V8 compiled it 20% slower when it saw both).
    if ((end - start) * active.length < MIN_PARALLEL_CELLS || active.length < 2 * parts) buildHistogram(shared, input, start, end, active);
    else {
      feats.set(active);
      control[NFEATS] = active.length;
      run(HISTOGRAM, start, end, () => buildHistogram(shared, input, start, end, active, 0, shareBoundary(active.length, 1, parts)));
    }
    copyOut(hist, active);
  };

  const partition: PartitionRows = (start, end, feature, bin, missingLeft) => {
    const {rows, bins} = input;
    const col = feature * input.nRows;
    const ml = missingLeft ? 1 : 0;
    if (end - start < MIN_PARALLEL_ROWS) {
      const left = partitionRange(rows, tmp, bins, col, bin, ml, start, end);
      rows.set(tmp.subarray(start, end - left), start + left);
      return start + left;
    }
    control[COL] = col;
    control[BIN] = bin;
    control[MISSING_LEFT] = ml;
    const chunk = (p: number) => start + Math.floor(((end - start) * p) / parts);
    run(PARTITION, start, end, () => (control[RESULT] = partitionRange(rows, tmp, bins, col, bin, ml, start, chunk(1))));
    // Stitch: every chunk's left rows in chunk order, then every chunk's right rows.
    let l = start;
    for (let p = 0; p < parts; p++) {
      if (p > 0) rows.copyWithin(l, chunk(p), chunk(p) + control[RESULT + p]);
      l += control[RESULT + p];
    }
    let r = l;
    for (let p = 0; p < parts; p++) {
      const rightFrom = chunk(p);
      const rightCount = chunk(p + 1) - chunk(p) - control[RESULT + p];
      rows.set(tmp.subarray(rightFrom, rightFrom + rightCount), r);
      r += rightCount;
    }
    return l;
  };

  return {
    build,
    partition,
    async close() {
      control[STOP] = 1;
      Atomics.add(control, GEN, 1);
      Atomics.notify(control, GEN);
      await Promise.all(workers.map((w) => new Promise((resolve) => (w.threadId === -1 ? resolve(undefined) : w.once("exit", resolve)))));
    }
  };
}
