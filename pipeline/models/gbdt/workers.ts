// The per-node work of growth (grow.ts NodeOps) on one thread, or on the calling thread plus
// `threads - 1` workers. Several threads split a histogram by feature (each builds, subtracts and
// searches splits on its share of the active features; the best split is then the highest gain,
// ties to the lower share) and a partition by rows (each partitions a chunk; the chunks are then
// stitched in order). Results are identical to one thread's: each histogram slot is summed by one
// thread in row order, split ties resolve in feature order, and the stitched rows are in the
// order a single pass gives.
// Everything the workers read lives in shared memory: the binned data, rows, gradients, and an
// arena of histogram slots that growth takes its histograms from. Coordination is by Atomics on a
// control block (a job costs microseconds; postMessage would cost far more per tree node):
//   control: [generation, pending, kind, start, end, active features, stop, column, bin,
//             missing left, slot a, slot b, failed, left count per thread...]
import {Worker} from "node:worker_threads";
import {bestSplitInto, buildHistogram, gatherGradients, histogramLength, partitionRange, shareBoundary, SPLIT_SIZE, subtractHistogram, type HistogramInput} from "./kernels.js";
import {decodeSplit, findBestSplit, type Split, type SplitRules} from "./histogram.ts";
import type {NodeOps, PartitionRows} from "./grow.ts";

const GEN = 0, PENDING = 1, KIND = 2, START = 3, END = 4, NFEATS = 5, STOP = 6, COL = 7, BIN = 8, MISSING_LEFT = 9, SLOT_A = 10, SLOT_B = 11, FAILED = 12, RESULT = 13;
const PARTITION = 2, ROOT = 3, CHILDREN = 4;
/** Below this many row-feature cells a node is done on the calling thread alone. */
const MIN_PARALLEL_CELLS = 15_000;
/** Below this many rows a node is partitioned on the calling thread alone. */
const MIN_PARALLEL_ROWS = 4_000;
/** Histogram slots in the shared arena at most (growth falls back to one thread beyond). */
const MAX_SLOTS = 258;

export interface TrainingThreads {
  ops: NodeOps;
  /** Histogram buffers to grow with (views of the shared arena). */
  pool: Float64Array[];
  close(): Promise<void>;
}

/** The single-threaded NodeOps. */
export function serialOps(input: HistogramInput, nBins: Int32Array, rules: SplitRules): NodeOps {
  const tmp = new Uint32Array(input.nRows);
  return {
    root(hist, start, end, feats, g, h) {
      gatherGradients(input, start, end);
      buildHistogram(hist, input, start, end, feats);
      return findBestSplit(hist, feats, nBins, g, h, rules);
    },
    children(small, parent, start, end, feats, gS, hS, gL, hL) {
      gatherGradients(input, start, end);
      buildHistogram(small, input, start, end, feats);
      subtractHistogram(parent, parent, small, feats);
      return [findBestSplit(small, feats, nBins, gS, hS, rules), findBestSplit(parent, feats, nBins, gL, hL, rules)];
    },
    partition(start, end, feature, bin, missingLeft) {
      const left = partitionRange(input.rows, tmp, input.bins, feature * input.nRows, bin, missingLeft ? 1 : 0, start, end);
      input.rows.set(tmp.subarray(start, end - left), start + left);
      return start + left;
    }
  };
}

/** `input`'s arrays must be views of SharedArrayBuffers. `slots`: histograms growth may hold at once. */
export async function startTrainingThreads(threads: number, input: HistogramInput, nBins: Int32Array, rules: SplitRules, slots: number): Promise<TrainingThreads> {
  const F = input.nFeatures;
  const parts = threads;
  const histSize = histogramLength(F);
  const nSlots = Math.min(slots, MAX_SLOTS);
  const control = new Int32Array(new SharedArrayBuffer((RESULT + parts) * 4));
  const params = new Float64Array(new SharedArrayBuffer(4 * 8));
  const results = new Float64Array(new SharedArrayBuffer(parts * 2 * SPLIT_SIZE * 8));
  const feats = new Int32Array(new SharedArrayBuffer(F * 4));
  const arena = new SharedArrayBuffer(nSlots * histSize * 8);
  const pool = Array.from({length: nSlots}, (_, i) => new Float64Array(arena, i * histSize * 8, histSize)).reverse();
  const tmp = new Uint32Array(new SharedArrayBuffer(input.nRows * 4));
  const workers = Array.from(
    {length: threads - 1},
    (_, i) =>
      new Worker(new URL("./trainingWorker.js", import.meta.url), {
        workerData: {
          control: control.buffer, params: params.buffer, results: results.buffer, feats: feats.buffer, arena, tmp: tmp.buffer,
          bins: input.bins.buffer, rows: input.rows.buffer, grad: input.grad.buffer, hess: input.hess.buffer,
          nFeatures: F, nRows: input.nRows, unitHessian: input.unitHessian, nBins, rules: {...rules}, index: i + 1, parts
        }
      })
  );
  let failure: Error | null = null;
  for (const w of workers) w.on("error", (e) => (failure = e));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once("online", resolve))));
  const serial = serialOps(input, nBins, rules);

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
    // Spin briefly before sleeping: the other shares usually end within microseconds of this one.
    for (let i = 0; i < 20_000 && Atomics.load(control, PENDING) !== 0; i++);
    for (let p = Atomics.load(control, PENDING); p !== 0; p = Atomics.load(control, PENDING)) {
      // A worker that died without finishing its share (not a thrown error: those set FAILED) is
      // only noticed here, since "exit" events cannot arrive while this thread waits.
      if (Atomics.wait(control, PENDING, p, 10_000) === "timed-out" && workers.some((w) => w.threadId === -1))
        throw new Error("gbdt: a training worker stopped unexpectedly");
    }
    if (control[FAILED] === 1) throw new Error("gbdt: a training worker failed (its error is printed above)");
  };
  const slotOf = (hist: Float64Array) => (hist.buffer === arena ? hist.byteOffset / (histSize * 8) : -1);
  /** The best of the threads' results for child c: higher gain, ties to the lower share. */
  const best = (c: number): Split | null => {
    let pick = -1;
    for (let p = 0; p < parts; p++) {
      const o = (p * 2 + c) * SPLIT_SIZE;
      if (results[o] !== -Infinity && (pick < 0 || results[o] > results[pick])) pick = o;
    }
    return pick < 0 ? null : decodeSplit(results, pick);
  };
  const parallel = (rows: number, active: Int32Array, ...hists: Float64Array[]) =>
    rows * active.length >= MIN_PARALLEL_CELLS && active.length >= 2 * parts && hists.every((h) => slotOf(h) >= 0);
  const share = (active: Int32Array) => {
    feats.set(active);
    control[NFEATS] = active.length;
    return shareBoundary(active.length, 1, parts);
  };

  const ops: NodeOps = {
    root(hist, start, end, active, g, h) {
      if (!parallel(end - start, active, hist)) return serial.root(hist, start, end, active, g, h);
      const to = share(active);
      control[SLOT_A] = slotOf(hist);
      params[0] = g;
      params[1] = h;
      run(ROOT, start, end, () => {
        gatherGradients(input, start, end);
        buildHistogram(hist, input, start, end, active, 0, to);
        bestSplitInto(results, 0, hist, active, 0, to, nBins, g, h, rules.lambda, rules.gamma, rules.minChildWeight);
      });
      return best(0);
    },
    children(small, parent, start, end, active, gS, hS, gL, hL) {
      if (!parallel(end - start, active, small, parent)) return serial.children(small, parent, start, end, active, gS, hS, gL, hL);
      const to = share(active);
      control[SLOT_A] = slotOf(small);
      control[SLOT_B] = slotOf(parent);
      params.set([gS, hS, gL, hL]);
      run(CHILDREN, start, end, () => {
        gatherGradients(input, start, end);
        buildHistogram(small, input, start, end, active, 0, to);
        subtractHistogram(parent, parent, small, active, 0, to);
        bestSplitInto(results, 0, small, active, 0, to, nBins, gS, hS, rules.lambda, rules.gamma, rules.minChildWeight);
        bestSplitInto(results, SPLIT_SIZE, parent, active, 0, to, nBins, gL, hL, rules.lambda, rules.gamma, rules.minChildWeight);
      });
      return [best(0), best(1)];
    },
    partition: ((start, end, feature, bin, missingLeft) => {
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
        const rightCount = chunk(p + 1) - chunk(p) - control[RESULT + p];
        rows.set(tmp.subarray(chunk(p), chunk(p) + rightCount), r);
        r += rightCount;
      }
      return l;
    }) satisfies PartitionRows
  };

  return {
    ops,
    pool,
    async close() {
      control[STOP] = 1;
      Atomics.add(control, GEN, 1);
      Atomics.notify(control, GEN);
      await Promise.all(workers.map((w) => new Promise((resolve) => (w.threadId === -1 ? resolve(undefined) : w.once("exit", resolve)))));
    }
  };
}
