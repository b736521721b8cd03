// One synthetic site through the whole detector: injected faults are found with the right cause and
// severity; a cloudy day the observed weather explains, and the night, are not.
import {describe, expect, it} from "vitest";
import {detectSite, isAlarm, type AnomalyOptions} from "../../../pipeline/anomaly/detectSite.ts";
import {observedWeatherEnergy} from "../../../pipeline/anomaly/expected.ts";
import type {SiteHours} from "../../../pipeline/anomaly/siteHours.ts";
import {DEFAULT_ANOMALY} from "../../../pipeline/config.ts";
import {hourGeometry} from "../../../pipeline/forecast/hybrid.ts";
import {mulberry32} from "../../../pipeline/random.ts";

const HOUR = 3_600_000;
const START = Date.UTC(2026, 3, 1);
const DAYS = 50;
const meta = {lat: 40, lon: 0, capacityKw: 100, tilt: 30, azimuth: 180};

/**
 * 50 days at a site on the Greenwich meridian. Each day's sky (share of the clear-sky GHI) is seeded
 * noise; the plant makes 92 % of the performance model on the observed weather, ±3 %. The forecast
 * always expects the day before's sky. `fault(day, hour)` scales the production.
 */
function site(fault: (day: number, hour: number) => number = () => 1, sky: (day: number) => number | null = () => null): SiteHours {
  const random = mulberry32(7);
  const ts = Array.from({length: DAYS * 24}, (_, i) => START + i * HOUR);
  const g = hourGeometry(meta, ts);
  const skies = Array.from({length: DAYS}, (_, d) => sky(d) ?? 0.6 + 0.4 * random());
  const ghi = ts.map((_, i) => g.clearGhi[i] * skies[Math.floor(i / 24)]);
  const model = observedWeatherEnergy(meta, ts, {ghi, tempC: ts.map(() => 20), windMs: ts.map(() => 2)});
  const hours = ts.map((t, i) => {
    const d = Math.floor(i / 24);
    const forecastSky = skies[Math.max(0, d - 1)] / skies[d];
    const actual = 0.92 * model[i] * (1 + 0.03 * (2 * random() - 1)) * fault(d, new Date(t).getUTCHours());
    return {
      ts: t, actual_kwh: actual, stuck: false, clear_sky_kwh: g.clearKwh[i], forecast_kwh: 0.92 * model[i] * forecastSky, forecast_expected_kwh: 0.92 * model[i] * forecastSky,
      lower_80: NaN, upper_80: NaN, forecast_source: "backtest", ghi_obs: ghi[i], temp_c: 20, wind_ms: 2, cloud_cover_pct: 100 * (1 - skies[d])
    };
  });
  return {siteId: "test", timezone: "UTC", site: meta, hours, clearGhi: g.clearGhi};
}

const options: AnomalyOptions = {...DEFAULT_ANOMALY};
const dayOf = (ts: number) => Math.floor((ts - START) / (24 * HOUR));

describe("detectSite", () => {
  it("finds a two-day outage and a week of a lost string (a third of the output) as system losses, and nothing else", () => {
    const d = detectSite(site((day) => (day === 38 || day === 39 ? 0 : day >= 42 && day < 49 ? 2 / 3 : 1)), options);
    const alarms = d.events.filter(isAlarm);
    expect(alarms.length).toBeGreaterThanOrEqual(2);
    expect(alarms.every((e) => (dayOf(e.start_ts) >= 38 && dayOf(e.start_ts) <= 39) || (dayOf(e.start_ts) >= 42 && dayOf(e.start_ts) < 49))).toBe(true);
    const outage = alarms.find((e) => dayOf(e.start_ts) === 38)!;
    expect(outage).toMatchObject({severity: "high", cause: "system", direction: "under"});
    expect(outage.loss_share).toBeGreaterThan(0.95);
    expect(dayOf(outage.end_ts - 1)).toBe(39); // one event across the night between
    const string = alarms.find((e) => dayOf(e.start_ts) === 42)!;
    expect(string.cause).toBe("system");
    expect(string.loss_share).toBeGreaterThan(0.25);
    expect(string.loss_share).toBeLessThan(0.4);
  });

  it("nothing is flagged at night, and a dark day the observed weather explains is no alarm", () => {
    const d = detectSite(site(undefined, (day) => (day === 40 ? 0.15 : null)), options);
    expect(d.hours.filter((h) => h.is_anomaly && h.clear_sky_kwh < 0.05 * 100)).toEqual([]);
    expect(d.events.filter(isAlarm)).toEqual([]);
  });

  it("against the forecast, the same dark day is flagged, and its cause is the weather", () => {
    const d = detectSite(site(undefined, (day) => (day === 40 ? 0.15 : null)), {...options, expected: "forecast"});
    const dark = d.events.filter((e) => dayOf(e.start_ts) === 40 && e.direction === "under");
    expect(dark.length).toBeGreaterThan(0);
    expect(dark.every((e) => e.cause === "weather" && !isAlarm(e))).toBe(true);
  });

  it("the threshold changes the flags: a 15 % loss for a week is flagged at 2.5 and not at 8", () => {
    const faulty = site((day) => (day >= 40 && day < 47 ? 0.85 : 1));
    const flagged = (threshold: number) => detectSite(faulty, {...options, threshold}).hours.filter((h) => h.is_anomaly && dayOf(h.ts) >= 40 && dayOf(h.ts) < 47).length;
    expect(flagged(2.5)).toBeGreaterThan(10);
    expect(flagged(8)).toBe(0);
  });
});
