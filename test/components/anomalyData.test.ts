// The Anomalies page's data shaping: filters, the slider's re-flagging, weekly top alarms, loss per site.
import {describe, expect, it} from "vitest";
import {eventWindow, filterEvents, flaggedBySite, lossBySite, reflag, topPerWeek, weekStart, type EventRow, type HourRow} from "../../src/components/anomalyData.js";

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 2); // a Monday
const ev = (site: string, startH: number, hours: number, severity: EventRow["severity"], gap: number, direction: EventRow["direction"] = "under"): EventRow => ({
  site_id: site, start_ts: new Date(T0 + startH * H), end_ts: new Date(T0 + (startH + hours) * H), hours, direction, severity, energy_gap_kwh: gap, expected_kwh: 2 * gap
});

describe("filterEvents", () => {
  const events = [ev("a", 10, 3, "high", 100), ev("b", 30, 4, "medium", 50), ev("a", 200, 1, "low", 5)];
  it("by site, severity and period (events overlapping it)", () => {
    expect(filterEvents(events, {site: "a", severities: ["high", "medium", "low"]})).toHaveLength(2);
    expect(filterEvents(events, {severities: ["high", "medium"]})).toHaveLength(2);
    expect(filterEvents(events, {from: new Date(T0 + 12 * H), to: new Date(T0 + 31 * H)}).map((e) => e.site_id)).toEqual(["a", "b"]);
    expect(filterEvents(events, {from: new Date(T0 + 13 * H), to: new Date(T0 + 30 * H)})).toEqual([]);
  });
});

describe("reflag", () => {
  // Site a: 10 daytime hours a day for 3 days, z = −5 on day 1 hours 2–5, z = −3 on day 2 hour 3; nights have no z.
  const hours: HourRow[] = [];
  for (let d = 0; d < 3; d++)
    for (let h = 0; h < 24; h++) {
      const day = h >= 7 && h < 17;
      const z = !day ? null : d === 1 && h >= 9 && h < 13 ? -5 : d === 2 && h === 10 ? -3 : 0.5;
      hours.push({site_id: "a", ts: new Date(T0 + (d * 24 + h) * H), z, actual_kwh: z !== null && z < -2 ? 0 : 10, expected_kwh: 10});
    }
  it("a higher threshold flags fewer hours and events; the count and energy follow the stored z", () => {
    const loose = reflag(hours, 2.5, 3);
    expect(loose.flagged).toBe(5);
    expect(loose.events).toHaveLength(2);
    expect(loose.events[0]).toMatchObject({hours: 4, direction: "under", energy_gap_kwh: 40, max_abs_z: 5});
    const strict = reflag(hours, 4, 3);
    expect(strict.flagged).toBe(4);
    expect(strict.events).toHaveLength(1);
    expect(reflag(hours, 6, 3)).toEqual({flagged: 0, events: []});
  });
  it("the gap tolerance joins flags across the night (nights have no z) and splits beyond it", () => {
    expect(reflag(hours, 2.5, 20).events).toHaveLength(1);
    expect(flaggedBySite(hours, 2.5, ["a", "b"])).toEqual([{site_id: "a", flagged: 5}, {site_id: "b", flagged: 0}]);
  });
  it("eventWindow: the event's site, padded either side", () => {
    const e = ev("a", 33, 4, "high", 40);
    const w = eventWindow(hours, e, 2);
    expect(w).toHaveLength(8);
    expect(+w[0].ts).toBe(T0 + 31 * H);
  });
});

describe("weekly top and loss per site", () => {
  const events = [ev("a", 10, 3, "high", 100), ev("b", 30, 4, "medium", 50), ev("c", 40, 4, "medium", 70), ev("a", 50, 4, "medium", 10), ev("a", 24 * 8, 3, "high", 20), ev("b", 60, 1, "low", 500), ev("b", 70, 5, "medium", 900, "over")];
  it("three largest alarms per week, newest week first; low events and gains are not alarms", () => {
    const top = topPerWeek(events, 3);
    expect(top.map((e) => [e.rank, e.site_id, e.energy_gap_kwh])).toEqual([[1, "a", 20], [1, "a", 100], [2, "c", 70], [3, "b", 50]]);
    expect(+top[0].week).toBe(T0 + 7 * 24 * H);
    expect(+weekStart(new Date(T0 + 6 * 24 * H + 5 * H))).toBe(T0);
  });
  it("energy lost per site by severity, largest first", () => {
    expect(lossBySite(events).map((r) => [r.site_id, r.high, r.medium, r.total, r.alarms])).toEqual([["a", 120, 10, 130, 3], ["c", 0, 70, 70, 1], ["b", 0, 50, 50, 1]]);
  });
});
