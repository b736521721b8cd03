// Prophet fits on worker threads give bit for bit the model of a fit on the calling thread, whatever
// order augurs gives the columns in, and a failed fit comes back as an Error in its place.
import {describe, expect, it} from "vitest";
import {fitProphetBaseline, fitProphetBaselines} from "../../../../pipeline/models/prophet/index.ts";
import {SITE, syntheticSite} from "./data.ts";

const spring = syntheticSite("2024-03-01T00:00:00Z", 40, 5);
const next = syntheticSite("2024-04-10T00:00:00Z", 3, 6);
const inputs = [1, 2, 3].map((k) => ({
  ds: spring.ds, y: spring.y.map((y) => y * k * 0.5), capacityKw: SITE.capacityKw * 2, regressors: {clearSky: spring.clearSky, ghi: spring.ghi}, sunUp: spring.sunUp,
  params: {yearlyOrder: 0}
}));

describe("fitProphetBaselines", () => {
  it("matches fitProphetBaseline exactly, with two threads", async () => {
    const parallel = await fitProphetBaselines(inputs, {threads: 2});
    inputs.forEach((input, k) => {
      const serial = fitProphetBaseline(input);
      const p = parallel[k];
      if (p instanceof Error) throw p;
      const predict = {ds: next.ds, regressors: {clearSky: next.clearSky, ghi: next.ghi}, sunUp: next.sunUp};
      expect(Array.from(p.predict(predict).yhat)).toEqual(Array.from(serial.predict(predict).yhat));
      serial.free();
      p.free();
    });
  }, 60_000);

  it("returns the Error of a fit that cannot be made in its slot and fits the others", async () => {
    const bad = {...inputs[0], y: inputs[0].y.map(() => NaN)};
    const out = await fitProphetBaselines([inputs[0], bad], {threads: 2});
    expect(out[0]).not.toBeInstanceOf(Error);
    expect(out[1]).toBeInstanceOf(Error);
    expect((out[1] as Error).message).toMatch(/y/);
  }, 60_000);
});
