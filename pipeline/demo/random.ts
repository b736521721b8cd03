// Seeded pseudo-random numbers for the demo fleet.
// Every stochastic process draws from its own stream derived from (seed, site, stream name), so
// changing one process, or generating a subset of sites, never shifts the numbers of another.

/** FNV-1a (32-bit) string hash; only used to turn stream names into seed material. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One step of a 32-bit SplitMix-style mixer: spreads consecutive seeds over the state space. */
function mix32(x: number): number {
  let z = x | 0;
  z ^= z >>> 16;
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  z ^= z >>> 15;
  return z >>> 0;
}

/** Combine a numeric seed with any number of string keys into a 32-bit seed. */
export function deriveSeed(seed: number, ...keys: readonly string[]): number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  for (const key of keys) h = mix32(h ^ hashString(key));
  return h;
}

/** xoshiro128** generator (Blackman & Vigna), seeded through the mixer above. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return mix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // The all-zero state is a fixed point of xoshiro; practically unreachable, but cheap to rule out.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal via the Box–Muller transform (the second variate is cached). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u1 = this.next();
    while (u1 <= 0) u1 = this.next(); // log(0) guard
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    this.hasSpare = true;
    return r * Math.cos(theta);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Convenience: an independent generator for (seed, ...keys). */
export function createRng(seed: number, ...keys: readonly string[]): Rng {
  return new Rng(deriveSeed(seed, ...keys));
}

/**
 * Fill `out` with a stationary AR(1) series of unit variance and e-folding time `tau` (in steps).
 * Starting from the stationary distribution avoids a burn-in artefact at the span start.
 */
export function ar1Series(rng: Rng, length: number, tau: number, out = new Float64Array(length)): Float64Array {
  const phi = Math.exp(-1 / tau);
  const innovation = Math.sqrt(1 - phi * phi);
  let x = rng.normal();
  for (let i = 0; i < length; i++) {
    if (i > 0) x = phi * x + innovation * rng.normal();
    out[i] = x;
  }
  return out;
}
