// Scoring the detector's alarms against ground-truth fault labels (the demo fleet's injected faults),
// at event level.
// - An alarm (a medium or high loss, detectSite.isAlarm) is true when it overlaps a labelled outage,
//   partial outage or curtailment at its site, false otherwise: also when it only overlaps soiling,
//   which covers much of the demo's time, so counting it would flatter precision.
// - A label is found when an alarm overlaps it. Labels with no judged hour (the logger recorded
//   nothing while the fault lasted) cannot be found by any detector: counted as unobservable and
//   left out of recall.
// - Time to detect: from the label's start to the end of the hour that made the first overlapping
//   alarm an alarm, in hours, night included (a fault starting at dusk is found the next morning).
// - Soiling is scored apart (recall only): a slow loss that the site's own rolling level absorbs by
//   design; the detector finds the steep ends of it at best.
import {medianSorted} from "../math.ts";
import {isAlarm, type AnomalyEventRow} from "./detectSite.ts";

export interface FaultLabel {
  site_id: string;
  fault: string;
  start_ts: number;
  end_ts: number;
}

export interface TypeScore {
  labels: number;
  /** Labels with at least one judged hour inside. */
  observable: number;
  found: number;
  recall: number | null;
  /** F1 with the overall precision (a false alarm has no fault type). */
  f1: number | null;
  median_ttd_h: number | null;
  max_ttd_h: number | null;
}

export interface Evaluation {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  alarms: number;
  true_alarms: number;
  false_alarms: number;
  /** False alarms that overlap a soiling episode (the plant did lose energy; the label is gradual). */
  false_alarms_on_soiling: number;
  labels: number;
  observable: number;
  found: number;
  by_type: Record<string, TypeScore>;
  period: {start: number; end: number} | null;
}

const SCORED_APART = "soiling";

export function evaluateAlarms(events: readonly AnomalyEventRow[], labels: readonly FaultLabel[], judgedHours: ReadonlyMap<string, Float64Array>): Evaluation {
  const alarms = events.filter(isAlarm);
  const overlaps = (e: AnomalyEventRow, l: FaultLabel) => e.site_id === l.site_id && e.start_ts < l.end_ts && e.end_ts > l.start_ts;
  const observable = (l: FaultLabel) => {
    const ts = judgedHours.get(l.site_id);
    if (!ts) return false;
    const i = lowerBound(ts, l.start_ts - 3_600_000 + 1);
    return i < ts.length && ts[i] < l.end_ts;
  };
  const hard = labels.filter((l) => l.fault !== SCORED_APART);
  const soiling = labels.filter((l) => l.fault === SCORED_APART);
  const trueAlarms = alarms.filter((e) => hard.some((l) => overlaps(e, l)));
  const falseAlarms = alarms.filter((e) => !hard.some((l) => overlaps(e, l)));
  const precision = alarms.length ? trueAlarms.length / alarms.length : null;
  const byType: Record<string, TypeScore> = {};
  let nObservable = 0, nFound = 0;
  for (const type of [...new Set(labels.map((l) => l.fault))].sort()) {
    const ofType = labels.filter((l) => l.fault === type);
    const seen = ofType.filter(observable);
    const ttd: number[] = [];
    for (const l of seen) {
      const first = alarms.filter((e) => overlaps(e, l)).sort((a, b) => a.alarm_ts! - b.alarm_ts!)[0];
      if (first) ttd.push(Math.max(0, (first.alarm_ts! - l.start_ts) / 3_600_000));
    }
    const recall = seen.length ? ttd.length / seen.length : null;
    byType[type] = {
      labels: ofType.length, observable: seen.length, found: ttd.length, recall, f1: f1(type === SCORED_APART ? null : precision, recall),
      median_ttd_h: ttd.length ? medianSorted(Float64Array.from(ttd).sort()) : null, max_ttd_h: ttd.length ? Math.max(...ttd) : null
    };
    if (type !== SCORED_APART) (nObservable += seen.length), (nFound += ttd.length);
  }
  const recall = nObservable ? nFound / nObservable : null;
  const spans = [...judgedHours.values()].filter((t) => t.length);
  return {
    precision, recall, f1: f1(precision, recall), alarms: alarms.length, true_alarms: trueAlarms.length, false_alarms: falseAlarms.length,
    false_alarms_on_soiling: falseAlarms.filter((e) => soiling.some((l) => overlaps(e, l))).length,
    labels: hard.length, observable: nObservable, found: nFound, by_type: byType,
    period: spans.length ? {start: Math.min(...spans.map((t) => t[0])), end: Math.max(...spans.map((t) => t[t.length - 1])) + 3_600_000} : null
  };
}

function f1(p: number | null, r: number | null): number | null {
  return p === null || r === null ? null : p + r > 0 ? (2 * p * r) / (p + r) : 0;
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
