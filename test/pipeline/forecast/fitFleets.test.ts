// fitFleets' kept fit: the backtest's last origin hands its fleets to the forecast stage's
// evaluation fit when everything a fit depends on is the same, and only then.
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
