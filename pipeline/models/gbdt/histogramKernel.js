// The hot loop of training, in plain JavaScript so that worker threads (histogramWorker.js) can
// load it in any runtime, with or without a TypeScript loader. Types: histogramKernel.d.ts.

/** Doubles per feature: 256 bin codes × (gradient, hessian). */
export const FEATURE_STRIDE = 512;

/**
 * Sum the node's rows into hist for feats[featFrom..featTo) (those features' slots are zeroed
 * first; others are untouched). `gs`/`hs` hold the node's gradients and hessians already gathered
 * in row order (gs[i] belongs to rows[start + i]), so each pass reads them sequentially.
 * Four features share a pass over the rows: their updates are independent, which lets the CPU
 * overlap them (measured 1.6 ns per row and feature against 2.9 ns one feature at a time).
 * Each slot is summed by one caller in row order, so splitting the features across threads gives
 * bit-identical histograms.
 */
export function buildHistogram(hist, input, start, end, feats, featFrom = 0, featTo = feats.length) {
  for (let j = featFrom; j < featTo; j++) hist.fill(0, feats[j] * FEATURE_STRIDE, (feats[j] + 1) * FEATURE_STRIDE);
  let j = featFrom;
  for (; j + 3 < featTo; j += 4) sumFour(hist, input, start, end, feats[j], feats[j + 1], feats[j + 2], feats[j + 3]);
  if (j + 1 < featTo) {
    sumTwo(hist, input, start, end, feats[j], feats[j + 1]);
    j += 2;
  }
  if (j < featTo) sumOne(hist, input, start, end, feats[j]);
}

function sumFour(hist, input, start, end, f0, f1, f2, f3) {
  const {bins, nRows: n, rows, gs, hs, unitHessian} = input;
  const m = end - start;
  const c0 = f0 * n, c1 = f1 * n, c2 = f2 * n, c3 = f3 * n;
  const o0 = f0 * FEATURE_STRIDE, o1 = f1 * FEATURE_STRIDE, o2 = f2 * FEATURE_STRIDE, o3 = f3 * FEATURE_STRIDE;
  const all = m === n; // the root: every row, in order, no index lookups
  let k;
  if (unitHessian) {
    // Every hessian is 1 (squared, absolute, quantile loss): count rows instead of loading hs.
    for (let i = 0; i < m; i++) {
      const r = all ? i : rows[start + i];
      const g = gs[i];
      k = o0 + (bins[c0 + r] << 1); hist[k] += g; hist[k + 1]++;
      k = o1 + (bins[c1 + r] << 1); hist[k] += g; hist[k + 1]++;
      k = o2 + (bins[c2 + r] << 1); hist[k] += g; hist[k + 1]++;
      k = o3 + (bins[c3 + r] << 1); hist[k] += g; hist[k + 1]++;
    }
  } else {
    for (let i = 0; i < m; i++) {
      const r = all ? i : rows[start + i];
      const g = gs[i];
      const h = hs[i];
      k = o0 + (bins[c0 + r] << 1); hist[k] += g; hist[k + 1] += h;
      k = o1 + (bins[c1 + r] << 1); hist[k] += g; hist[k + 1] += h;
      k = o2 + (bins[c2 + r] << 1); hist[k] += g; hist[k + 1] += h;
      k = o3 + (bins[c3 + r] << 1); hist[k] += g; hist[k + 1] += h;
    }
  }
}

function sumTwo(hist, input, start, end, f0, f1) {
  const {bins, nRows: n, rows, gs, hs, unitHessian} = input;
  const m = end - start;
  const c0 = f0 * n, c1 = f1 * n;
  const o0 = f0 * FEATURE_STRIDE, o1 = f1 * FEATURE_STRIDE;
  const all = m === n;
  let k;
  for (let i = 0; i < m; i++) {
    const r = all ? i : rows[start + i];
    const g = gs[i];
    const h = unitHessian ? 1 : hs[i];
    k = o0 + (bins[c0 + r] << 1); hist[k] += g; hist[k + 1] += h;
    k = o1 + (bins[c1 + r] << 1); hist[k] += g; hist[k + 1] += h;
  }
}

function sumOne(hist, input, start, end, f) {
  const {bins, nRows: n, rows, gs, hs, unitHessian} = input;
  const m = end - start;
  const c = f * n;
  const o = f * FEATURE_STRIDE;
  const all = m === n;
  for (let i = 0; i < m; i++) {
    const k = o + (bins[c + (all ? i : rows[start + i])] << 1);
    hist[k] += gs[i];
    hist[k + 1] += unitHessian ? 1 : hs[i];
  }
}

/** Gather the node's gradients and hessians into gs/hs (see buildHistogram). */
export function gatherGradients(input, start, end) {
  const {rows, grad, hess, gs, hs} = input;
  if (input.unitHessian) for (let i = start; i < end; i++) gs[i - start] = grad[rows[i]];
  else
    for (let i = start; i < end; i++) {
      const r = rows[i];
      gs[i - start] = grad[r];
      hs[i - start] = hess[r];
    }
}

/**
 * Where thread `index`'s share of `nf` active features starts (parts threads): on a multiple of
 * four, since the kernel sums four features per pass and a leftover one or two costs nearly as
 * much as four.
 */
export function shareBoundary(nf, index, parts) {
  if (index >= parts) return nf;
  return Math.min(nf, Math.round((nf * index) / parts / 4) * 4);
}

/**
 * Partition rows[from..to) by a split on column `col` (bins[col + row] <= bin goes left; a
 * missing bin goes left when missingLeft is 1): left rows are compacted in place from `from`,
 * right rows written to tmp from `from`, both in their original order. Returns the left count.
 * Branch-free (each row is written to both sides and only one cursor moves): left or right is a
 * coin flip the CPU cannot predict, and this ran 3.5x faster than an if/else.
 */
export function partitionRange(rows, tmp, bins, col, bin, missingLeft, from, to) {
  let l = from;
  let r = from;
  for (let i = from; i < to; i++) {
    const row = rows[i];
    const b = bins[col + row];
    // b <= bin as 0/1; the missing code (255) is never <= bin, and then missingLeft decides.
    const isMissing = ((254 - b) >> 31) & 1;
    const left = (((b - bin - 1) >> 31) & 1) | (isMissing & missingLeft);
    rows[l] = row;
    tmp[r] = row;
    l += left;
    r += 1 - left;
  }
  return l - from;
}
