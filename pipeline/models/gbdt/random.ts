// A small seeded generator (mulberry32): every random choice in training comes from it, so a seed
// fixes the model bit for bit.

export type Random = () => number;

export function seededRandom(seed: number): Random {
  let a = (seed ^ 0x9e3779b9) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `k` distinct indices out of 0..n-1, ascending (partial Fisher-Yates). */
export function sampleIndices(n: number, k: number, random: Random): Uint32Array {
  if (k >= n) return Uint32Array.from({length: n}, (_, i) => i);
  const pool = Uint32Array.from({length: n}, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.subarray(0, k).sort();
}
