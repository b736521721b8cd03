// Weather context: an outage on a sunny day is the system's doing, a dark day the forecast missed is the weather's.
import {describe, expect, it} from "vitest";
import {eventContext} from "../../../pipeline/anomaly/context.ts";
import {groupEvents, scoreResiduals} from "../../../pipeline/anomaly/detect.ts";
import type {SiteResiduals} from "../../../pipeline/anomaly/residuals.ts";

const HOUR = 3_600_000;
const START = Date.UTC(2026, 5, 1);

/** 20 days, 06–18 UTC daylight; day 12 is either an outage under clear sky or an overcast day forecast as clear. */
function site(day12: "outage" | "overcast"): SiteResiduals {
  const hours: SiteResiduals["hours"] = [];
  const clearGhi: number[] = [];
  for (let d = 0; d < 20; d++) {
    for (let h = 0; h < 24; h++) {
      const shape = h >= 6 && h < 18 ? Math.sin((Math.PI * (h - 5.5)) / 12) : 0;
      const cg = 900 * shape;
      const clearKwh = 100 * shape;
      const sky = d === 12 && day12 === "overcast" ? 0.2 : 0.9;
      const ghi = cg * sky;
      const actual = d === 12 && day12 === "outage" ? 0 : 0.95 * clearKwh * sky * (1 + 0.02 * Math.sin(d * 24 + h));
      hours.push({
        ts: START + (d * 24 + h) * HOUR, actual_kwh: actual, expected_kwh: 0.95 * clearKwh * 0.9, clear_sky_kwh: clearKwh, forecast_kwh: 0,
        lower_80: null, upper_80: null, source: "backtest", model: "hybrid", ghi_obs: ghi, cloud_cover_pct: sky > 0.5 ? 10 : 95
      });
      clearGhi.push(cg);
    }
  }
  return {siteId: "a", capacityKw: 100, site: {lat: 0, lon: 0, capacityKw: 100}, hours, clearGhi: Float64Array.from(clearGhi)};
}

describe("eventContext", () => {
  for (const [kind, cause] of [["outage", "system"], ["overcast", "weather"]] as const) {
    it(`${kind}: flagged, and the cause is the ${cause}`, () => {
      const s = site(kind);
      const scored = scoreResiduals(s.hours, {capacityKw: 100, windowH: 168, threshold: 2.5, method: "mean", minReferenceHours: 24});
      const events = groupEvents(scored, s.hours, 2);
      expect(events).toHaveLength(1);
      const c = eventContext(s, scored, events[0], {baselineDays: 30, systemBelow: 0.7});
      expect(c.cause).toBe(cause);
      if (kind === "outage") expect(c).toMatchObject({performance: 0, production_csi: 0});
      else {
        expect(c.irradiance_csi!).toBeCloseTo(0.2, 6);
        expect(c.performance!).toBeCloseTo(1, 1);
        expect(c.cloud_cover_pct).toBe(95);
      }
    });
  }
});
