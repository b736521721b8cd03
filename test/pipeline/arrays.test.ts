import {describe, expect, it} from "vitest";
import {pushAll} from "../../pipeline/arrays.ts";

describe("pushAll", () => {
  it("appends more items than a spread call can pass (a 100-site backtest origin: 144,000 rows)", () => {
    const items = Array.from({length: 300_000}, (_, i) => i);
    expect(() => [0].push(...items)).toThrow(RangeError); // what it replaces
    const target = [-1];
    expect(pushAll(target, items)).toBe(target);
    expect(target.length).toBe(300_001);
    expect(target[0]).toBe(-1);
    expect(target[300_000]).toBe(299_999);
  });
});
