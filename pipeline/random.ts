// A small seeded generator (mulberry32) for the pipeline and the tests: every random choice in
// GBDT training comes from it, so a seed fixes a model bit for bit. (The demo generator has its
// own streams, demo/random.ts.)

export type Random = () => number;

/** mulberry32 from a 32-bit state: uniform numbers in [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** mulberry32 with the seed mixed first, so that seeds 0, 1, 2 … start far apart. */
export function seededRandom(seed: number): Random {
  return mulberry32(seed ^ 0x9e3779b9);
}

/** `k` distinct indices out of 0..n-1, ascending (partial Fisher-Yates). */
export function sampleIndices(n: number, k: number, random: Random): Uint32Array {
  const pool = new Uint32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  if (k >= n) return pool;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  // The chosen k in ascending order by marking them, O(n): the GBDT draws a sample every round, and
  // sorting it cost more than the draw.
  const chosen = new Uint8Array(n);
  for (let i = 0; i < k; i++) chosen[pool[i]] = 1;
  const out = new Uint32Array(k);
  for (let i = 0, o = 0; i < n; i++) if (chosen[i] === 1) out[o++] = i;
  return out;
}
