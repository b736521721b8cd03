import {describe, expect, it} from "vitest";
import {sampleIndices, seededRandom} from "../../pipeline/random.ts";

describe("sampleIndices", () => {
  it("draws k distinct indices, ascending, as a partial Fisher-Yates shuffle then a sort would", () => {
    for (const [n, k] of [[10, 3], [1000, 999], [50_000, 40_000], [7, 0]]) {
      const got = sampleIndices(n, k, seededRandom(n + k));
      // The definition, written out the slow way.
      const random = seededRandom(n + k);
      const pool = Array.from({length: n}, (_, i) => i);
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(random() * (n - i));
        [pool[i], pool[j]] = [pool[j], pool[i]];
      }
      expect(Array.from(got)).toEqual(pool.slice(0, k).sort((a, b) => a - b));
    }
  });

  it("returns every index when k >= n", () => {
    expect(Array.from(sampleIndices(4, 9, seededRandom(1)))).toEqual([0, 1, 2, 3]);
  });
});
