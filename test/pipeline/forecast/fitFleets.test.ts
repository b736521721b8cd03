// fitFleets' kept fit: the backtest's last origin hands its fleets to the forecast stage's
// evaluation fit when everything a fit depends on is the same, and only then. And a fit started
// before its intervals exist (calibrationPending), as the forecast stage's early live fit.
import {describe, expect, it} from "vitest";
import {withConnection} from "../../../pipeline/db.ts";
import {loadFleetData, type FleetData} from "../../../pipeline/forecast/fleetData.ts";
import {fitFleets, type FitFleetsOptions, type FittedFleet} from "../../../pipeline/forecast/fitFleets.ts";
import {config, DAY, END, fleetTables} from "../backtest/fleet.ts";

const cfg = config.forecast;
const cutoff = END - 10 * DAY;

async function fleetData(): Promise<FleetData> {
  return withConnection(async (conn) => {
    await fleetTables(conn);
    return loadFleetData(conn);
  });
}

async function fit(data: FleetData, trainEnd: number, o: Partial<FitFleetsOptions> = {}): Promise<{fits: FittedFleet[]; logs: string[]; skips: string[]}> {
  const logs: string[] = [];
  const skips: string[] = [];
  const fits: FittedFleet[] = [];
  for await (const f of fitFleets(data, trainEnd, cfg, {label: "test", log: (m) => logs.push(m), skip: (id, why) => skips.push(`${id}: ${why}`), ...o})) fits.push(f);
  return {fits, logs, skips};
}

const reused = (logs: string[]) => logs.some((m) => m.includes("reusing"));

describe("fitFleets keep", () => {
  it("hands a kept fit to the next call with the same data, cutoff and settings, under the new label, once", async () => {
    const data = await fleetData();
    const first = await fit(data, cutoff, {keep: true, label: "backtest window 2"});
    expect(reused(first.logs)).toBe(false);
    // The keeper's free() leaves the kept fleet usable.
    first.fits.forEach((f) => f.fleet.free());

    const again = await fleetData();
    const second = await fit(again, cutoff, {label: "evaluation"});
    expect(reused(second.logs)).toBe(true);
    expect(second.fits.map((f) => f.fleet.gbdt)).toEqual(first.fits.map((f) => f.fleet.gbdt));
    expect(second.fits[0].fleet.gbdt).toBe(first.fits[0].fleet.gbdt);
    // The sites are the caller's own series objects.
    expect(second.fits[0].issueFor.every((s) => again.sites.includes(s))).toBe(true);
    const model = second.fits[0].fleet.models.values().next().value!;
    const site = second.fits[0].issueFor[0];
    expect(() => model.predict({ts: [cutoff + 12 * 3_600_000], history: site, issueTime: cutoff})).not.toThrow();
    expect(second.skips.every((s) => !s.includes("backtest"))).toBe(true);

    // Taken once: the next call fits.
    const third = await fit(again, cutoff, {label: "evaluation"});
    expect(reused(third.logs)).toBe(false);
  }, 120_000);

  it("fits anew when the cutoff, the data before it or the calibration differ", async () => {
    const data = await fleetData();
    await fit(data, cutoff, {keep: true});
    expect(reused((await fit(data, cutoff - DAY, {keep: true})).logs)).toBe(false);

    const changed = await fleetData();
    const site = changed.sites[0];
    const i = site.energy.findIndex((e, k) => Number.isFinite(e) && e > 0 && site.ts[k] < cutoff - 5 * DAY);
    site.energy[i] += 1;
    expect(reused((await fit(changed, cutoff - DAY)).logs)).toBe(false);

    await fit(data, cutoff, {keep: true});
    const calibration = (await fit(data, cutoff)).fits[0].fleet.calibration;
    await fit(data, cutoff, {keep: true});
    expect(reused((await fit(data, cutoff, {calibrationFor: () => calibration})).logs)).toBe(false);
    // That call dropped the kept fit: nothing is left to reuse.
    expect(reused((await fit(data, cutoff)).logs)).toBe(false);
  }, 120_000);
});

describe("fitFleets prophetStarts", () => {
  it("gives each hybrid site's Prophet fit as a start point once the baselines are done, and a warm-started fit is not a cold one's keep", async () => {
    const data = await fleetData();
    const earlier = fitFleets(data, cutoff - 20 * DAY, cfg, {label: "origin 1", log: () => {}, skip: () => {}});
    await earlier.baselinesDone;
    const starts = await earlier.prophetStarts;
    for await (const f of earlier) {
      if (f.kind === "hybrid") expect([...starts.keys()].sort()).toEqual(f.sites.map((s) => s.meta.id).sort());
      f.fleet.free();
    }
    expect(starts.size).toBeGreaterThan(0);

    const warm = await fit(data, cutoff, {keep: true, prophetStarts: starts});
    const site = warm.fits[0].issueFor[0];
    const ts = Array.from({length: 48}, (_, h) => cutoff + h * 3_600_000);
    const forecast = (f: FittedFleet) => f.fleet.models.get(site.meta.id)!.predict({ts, history: site, issueTime: cutoff}).baseline_kwh;
    const warmForecast = forecast(warm.fits[0]);
    // A cold fit of the same data does not take the warm-started one (it drops it)…
    const cold = await fit(data, cutoff, {keep: true});
    expect(reused(cold.logs)).toBe(false);
    // …and lands near, not on, its baselines.
    expect(forecast(cold.fits[0])).not.toEqual(warmForecast);
    // A kept cold fit still serves the next cold one, and hands its starts on too.
    const again = fitFleets(data, cutoff, cfg, {label: "evaluation", log: () => {}, skip: () => {}});
    expect([...(await again.prophetStarts).keys()].sort()).toEqual([...starts.keys()].sort());
    for await (const f of again) expect(forecast(f)).toEqual(forecast(cold.fits[0]));
  }, 120_000);
});

describe("fitFleets calibrationPending", () => {
  it("starts before the intervals exist, asks for them when the fleet is reached, and ends as the fit given them from the start", async () => {
    const data = await fleetData();
    const calibration = (await fit(data, cutoff)).fits[0].fleet.calibration;
    const given = await fit(data, cutoff, {calibrationFor: () => calibration});

    let asked = 0;
    const logs: string[] = [];
    const fits = fitFleets(data, cutoff, cfg, {
      label: "live", log: (m) => logs.push(m), skip: () => {}, calibrationPending: true, calibrationFor: () => (asked++, calibration)
    });
    await fits.baselinesDone;
    // The Prophet fits are done and nobody has asked for the intervals yet.
    expect(asked).toBe(0);
    const pending: FittedFleet[] = [];
    for await (const f of fits) pending.push(f);
    expect(asked).toBeGreaterThan(0);
    expect(pending.map((f) => f.kind)).toEqual(given.fits.map((f) => f.kind));
    expect(pending[0].fleet.gbdt).toEqual(given.fits[0].fleet.gbdt);
    expect(pending[0].fleet.calibration).toBe(calibration);
    expect(logs.some((m) => m.includes("did not come"))).toBe(false);
  }, 120_000);

  it("fits again with its own calibration slice when no intervals come", async () => {
    const data = await fleetData();
    const plain = await fit(data, cutoff);
    const pending = await fit(data, cutoff, {calibrationPending: true, calibrationFor: () => null});
    expect(pending.logs.some((m) => m.includes("did not come"))).toBe(true);
    expect(pending.fits[0].fleet.gbdt).toEqual(plain.fits[0].fleet.gbdt);
    expect(pending.fits[0].fleet.calibration).toEqual(plain.fits[0].fleet.calibration);
  }, 120_000);
});
