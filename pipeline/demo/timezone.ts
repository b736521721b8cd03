// UTC → local wall-clock conversion for the logger files. Intl is only consulted about once per day
// (plus a binary search at each transition), never per row, so the 560k-row fleet stays fast.

import {MS_PER_DAY, MS_PER_INTERVAL} from "../math.ts";

export {utcOffsetMs} from "../timezone.ts";
import {utcOffsetMs} from "../timezone.ts";

export interface OffsetTransition {
  /** First UTC instant (interval-aligned) at which `offsetMs` applies. */
  atMs: number;
  offsetMs: number;
}

/**
 * Piecewise-constant offset table over [startMs, endMs). Assumes at most one transition per day and
 * transitions on 15-minute boundaries, true of every real zone in use today.
 */
export class ZoneOffsets {
  readonly transitions: OffsetTransition[] = [];

  constructor(readonly timeZone: string, startMs: number, endMs: number) {
    const first = Math.floor(startMs / MS_PER_INTERVAL) * MS_PER_INTERVAL;
    let offset = utcOffsetMs(timeZone, first);
    this.transitions.push({atMs: first, offsetMs: offset});
    for (let day = first; day < endMs; day += MS_PER_DAY) {
      const next = Math.min(day + MS_PER_DAY, endMs + MS_PER_INTERVAL);
      const nextOffset = utcOffsetMs(timeZone, next);
      if (nextOffset === offset) continue;
      // Binary search (in 15-min steps) for the first instant with the new offset.
      let lo = day; // old offset
      let hi = next; // new offset
      while (hi - lo > MS_PER_INTERVAL) {
        const mid = lo + Math.floor((hi - lo) / 2 / MS_PER_INTERVAL) * MS_PER_INTERVAL;
        if (utcOffsetMs(timeZone, mid) === offset) lo = mid;
        else hi = mid;
      }
      this.transitions.push({atMs: hi, offsetMs: nextOffset});
      offset = nextOffset;
    }
  }

  offsetAt(utcMs: number): number {
    const tr = this.transitions;
    let i = tr.length - 1;
    while (i > 0 && tr[i].atMs > utcMs) i--;
    return tr[i].offsetMs;
  }

  /** Offsets for a regular interval grid, in one pass. */
  offsetsForGrid(startMs: number, n: number): Int32Array {
    const out = new Int32Array(n);
    const tr = this.transitions;
    let i = 0;
    for (let q = 0; q < n; q++) {
      const t = startMs + q * MS_PER_INTERVAL;
      while (i + 1 < tr.length && tr[i + 1].atMs <= t) i++;
      out[q] = tr[i].offsetMs;
    }
    return out;
  }
}

/** `YYYY-MM-DD HH:MM:SS` for a naive local time expressed as "ms since epoch in local wall clock". */
export function formatNaive(localMs: number): string {
  const iso = new Date(localMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** `YYYY-MM-DDTHH:MM:SSZ`. */
export function formatIsoUtc(utcMs: number): string {
  return `${new Date(utcMs).toISOString().slice(0, 19)}Z`;
}
