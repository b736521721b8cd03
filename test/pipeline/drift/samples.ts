// Seeded normal samples for the drift tests: the statistical assertions are then fixed facts, not
// tests that fail one run in a hundred.
import {mulberry32} from "../../../pipeline/random.ts";

/** n draws of N(mean, sd) by Box–Muller (both values of each pair used). */
export function normals(n: number, mean: number, sd: number, seed: number): number[] {
  const random = mulberry32(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - random(); // (0, 1]: log(0) never happens
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    out.push(mean + sd * r * Math.cos(2 * Math.PI * v));
    if (out.length < n) out.push(mean + sd * r * Math.sin(2 * Math.PI * v));
  }
  return out;
}
