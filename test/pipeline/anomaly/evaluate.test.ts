// Scoring alarms against fault labels: what counts as a true alarm, a found label, an unobservable one.
import {describe, expect, it} from "vitest";
import type {AnomalyEventRow} from "../../../pipeline/anomaly/detectSite.ts";
import {evaluateAlarms, type FaultLabel} from "../../../pipeline/anomaly/evaluate.ts";

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const at = (h: number) => T0 + h * H;

function event(site: string, startH: number, hours: number, severity: AnomalyEventRow["severity"], alarmH = startH + 1): AnomalyEventRow {
  return {
    event_id: `${site}@${startH}`, site_id: site, start_ts: at(startH), end_ts: at(startH + hours), hours, direction: "under", energy_gap_kwh: 10, max_abs_z: 5,
    alarm_ts: severity === "low" ? null : at(alarmH), actual_kwh: 0, expected_kwh: 10, loss_share: 1, forecast_kwh: null, irradiance_csi: 1, production_csi: 0,
    cloud_cover_pct: 0, performance: 0, cause: "system", severity
  };
}
const label = (site: string, fault: string, startH: number, endH: number): FaultLabel => ({site_id: site, fault, start_ts: at(startH), end_ts: at(endH)});
// Judged hours: every hour 0–999 at both sites except a's hours 500–520 (the logger was down).
const judged = new Map(["a", "b"].map((s) => [s, Float64Array.from({length: 1000}, (_, h) => at(h)).filter((t) => s !== "a" || t < at(500) || t >= at(520))]));

describe("evaluateAlarms", () => {
  const labels = [
    label("a", "outage", 100, 110), // found, 2 h after its start
    label("a", "partial_outage", 200, 300), // missed
    label("a", "outage", 505, 515), // no data while it lasted: unobservable
    label("b", "curtailment", 100, 200), // found by the second of two alarms
    label("b", "soiling", 300, 600) // scored apart
  ];
  const events = [
    event("a", 101, 8, "high"), // true
    event("b", 120, 3, "medium", 150), // true
    event("b", 130, 3, "medium", 160), // true
    event("b", 400, 4, "medium"), // false, on soiling
    event("b", 700, 4, "medium"), // false
    event("a", 250, 1, "low") // not an alarm, even inside a label
  ];
  const e = evaluateAlarms(events, labels, judged);

  it("precision over alarms; soiling does not make an alarm true", () => {
    expect(e).toMatchObject({alarms: 5, true_alarms: 3, false_alarms: 2, false_alarms_on_soiling: 1});
    expect(e.precision).toBeCloseTo(0.6, 12);
  });

  it("recall over observable labels; the unobservable one is counted apart", () => {
    expect(e).toMatchObject({labels: 4, observable: 3, found: 2});
    expect(e.recall).toBeCloseTo(2 / 3, 12);
    expect(e.by_type.outage).toMatchObject({labels: 2, observable: 1, found: 1, recall: 1});
    expect(e.by_type.partial_outage).toMatchObject({found: 0, recall: 0});
    expect(e.by_type.soiling).toMatchObject({labels: 1, found: 1, f1: null});
  });

  it("time to detect runs from the label's start to the first alarm's alarm hour", () => {
    expect(e.by_type.outage.median_ttd_h).toBe(2);
    expect(e.by_type.curtailment.median_ttd_h).toBe(50);
  });
});
