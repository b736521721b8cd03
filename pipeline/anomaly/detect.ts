// Anomaly detection on one site's hourly residuals: a rolling z-score, flags, and events.
//
// The residual is (actual − expected) / clear-sky energy of the hour: as a share of what a clear
// sky would give, a dawn hour and a noon hour are on one scale (in kWh, noon errors would swamp the
// dawn ones and every dawn outage would hide). Only daytime hours with a clear sky of at least
// MIN_CLEAR_SHARE of capacity are judged; the night tells nothing.
//
// The z-score compares each hour with the trailing `windowH` hours before it (default 7 days), using
// only hours that were not flagged themselves: a five-day outage must not become the normal that
// its own third day is measured against. "mean" uses mean and standard deviation; "median" the
// median and 1.4826 × MAD, which a few wild hours cannot drag.
import {medianSorted, MS_PER_HOUR} from "../math.ts";

/** Hours whose clear-sky energy is under this share of capacity are not judged (dawn, dusk, night). */
export const MIN_CLEAR_SHARE = 0.05;
/** A spread below this (share of clear sky) is taken as this: a run of perfect forecasts must not make every small miss "anomalous". */
const MIN_SCALE = 0.03;

export interface ResidualHour {
  ts: number;
  actual_kwh: number;
  /** The out-of-sample expectation for the hour (kWh). */
  expected_kwh: number;
  clear_sky_kwh: number;
}

export interface DetectOptions {
  capacityKw: number;
  /** Trailing window of the reference statistics, hours (of time, not of judged hours). */
  windowH: number;
  /** |z| above this flags the hour. */
  threshold: number;
  method: "mean" | "median";
  /** Judged hours needed in the window before an hour gets a z-score. */
  minReferenceHours: number;
}

export interface ScoredHour {
  ts: number;
  /** (actual − expected) / clear-sky energy; NaN when the hour is not judged. */
  residual: number;
  z: number;
  flagged: boolean;
}

export function scoreResiduals(hours: readonly ResidualHour[], o: DetectOptions): ScoredHour[] {
  const out: ScoredHour[] = [];
  // The reference: judged, unflagged hours of the trailing window (ts and residual), oldest first.
  const refTs: number[] = [];
  const refR: number[] = [];
  let head = 0;
  let sum = 0, sumSq = 0;
  let reference: {center: number; scale: number} | null = null;
  const windowMs = o.windowH * MS_PER_HOUR;
  for (const h of hours) {
    const judged = Number.isFinite(h.actual_kwh) && Number.isFinite(h.expected_kwh) && h.clear_sky_kwh >= MIN_CLEAR_SHARE * o.capacityKw;
    if (!judged) {
      out.push({ts: h.ts, residual: NaN, z: NaN, flagged: false});
      continue;
    }
    const r = (h.actual_kwh - h.expected_kwh) / h.clear_sky_kwh;
    while (head < refTs.length && refTs[head] <= h.ts - windowMs) {
      sum -= refR[head];
      sumSq -= refR[head] ** 2;
      head++;
    }
    const n = refTs.length - head;
    // Too few unflagged hours in the window (a fault longer than it): the last reference stands.
    if (n >= o.minReferenceHours) reference = o.method === "mean" ? meanSd(sum, sumSq, n) : medianMad(refR.slice(head));
    const z = reference ? (r - reference.center) / Math.max(reference.scale, MIN_SCALE) : NaN;
    const flagged = Math.abs(z) > o.threshold;
    out.push({ts: h.ts, residual: r, z, flagged});
    if (!flagged) {
      refTs.push(h.ts);
      refR.push(r);
      sum += r;
      sumSq += r * r;
    }
    // Drop what left the window now and then, so the arrays stay the window's size.
    if (head > 4096) {
      refTs.splice(0, head);
      refR.splice(0, head);
      head = 0;
    }
  }
  return out;
}

function meanSd(sum: number, sumSq: number, n: number) {
  const center = sum / n;
  return {center, scale: Math.sqrt(Math.max(0, (sumSq - n * center * center) / Math.max(1, n - 1)))};
}

function medianMad(values: number[]) {
  const sorted = Float64Array.from(values).sort();
  const center = medianSorted(sorted);
  const dev = Float64Array.from(sorted, (v) => Math.abs(v - center)).sort();
  return {center, scale: 1.4826 * medianSorted(dev)};
}

export interface AnomalyEvent {
  start: number;
  /** One past the last flagged hour. */
  end: number;
  /** Flagged hours in the event. */
  hours: number;
  /** "under": less energy than expected (a loss); "over": more. */
  direction: "under" | "over";
  max_abs_z: number;
  /** Σ (expected − actual) over the flagged hours (kWh; positive = energy lost). */
  energy_gap_kwh: number;
  /** Indexes (into the scored hours) of the flagged hours. */
  members: number[];
}

/**
 * Groups flagged hours of one direction into events: a flagged hour joins the open event when at
 * most `gapH` judged, unflagged hours lie between them (night hours are not judged, so an outage
 * over several days stays one event).
 */
export function groupEvents(scored: readonly ScoredHour[], hours: readonly ResidualHour[], gapH: number): AnomalyEvent[] {
  const events: AnomalyEvent[] = [];
  const open = new Map<"under" | "over", {event: AnomalyEvent; gap: number}>();
  const close = (dir: "under" | "over") => {
    const o = open.get(dir);
    if (o) events.push(o.event);
    open.delete(dir);
  };
  scored.forEach((s, i) => {
    if (!Number.isFinite(s.residual)) return;
    if (!s.flagged) {
      for (const [dir, o] of open) if (++o.gap > gapH) close(dir);
      return;
    }
    const dir = s.residual < 0 ? "under" : "over";
    // An hour of the other direction ends nothing by itself, but counts as a gap for it.
    const other = open.get(dir === "under" ? "over" : "under");
    if (other && ++other.gap > gapH) close(dir === "under" ? "over" : "under");
    const gap = hours[i].expected_kwh - hours[i].actual_kwh;
    const o = open.get(dir);
    if (o) {
      o.gap = 0;
      Object.assign(o.event, {end: s.ts + MS_PER_HOUR, hours: o.event.hours + 1, max_abs_z: Math.max(o.event.max_abs_z, Math.abs(s.z)), energy_gap_kwh: o.event.energy_gap_kwh + gap});
      o.event.members.push(i);
    } else {
      open.set(dir, {gap: 0, event: {start: s.ts, end: s.ts + MS_PER_HOUR, hours: 1, direction: dir, max_abs_z: Math.abs(s.z), energy_gap_kwh: gap, members: [i]}});
    }
  });
  close("under");
  close("over");
  return events.sort((a, b) => a.start - b.start);
}
