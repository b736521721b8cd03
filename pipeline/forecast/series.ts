// Shared conventions for the forecast functions: hours as UTC milliseconds marking the start of the
// hour, values in typed or plain arrays where NaN, ±Infinity, null or undefined mean "missing", and
// the rule that decides which hours are known at an issue time.
import {messages, SunlineError} from "../messages.ts";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** An hourly value array: `Float64Array`, `number[]` or `(number | null)[]`. */
export type Values = ArrayLike<number | null | undefined>;

/** True when `v` is a usable number (not missing). */
export function isKnown(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/**
 * The hour starting at `ts` is known at `issueTime` once it has ended: `ts + 1 h <= issueTime`.
 * Hours are stamped at their start, so the hour starting at the issue time itself, and the
 * hour in progress at it, are still in the future.
 */
export function knownAt(ts: number, issueTime: number): boolean {
  return ts + HOUR_MS <= issueTime;
}

/** Throws unless `ts` is finite and on a whole UTC hour; `what` names the array for the message. */
export function checkHours(what: string, ts: ArrayLike<number>, ascending: boolean): void {
  let previous = -Infinity;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (!Number.isFinite(t) || t % HOUR_MS !== 0) throw new SunlineError(messages.forecastNotHour(what, i, t));
    if (ascending && t <= previous) throw new SunlineError(messages.forecastNotAscending(what, i, previous, t));
    previous = t;
  }
}

/** Throws unless `values` has `expected` entries (one per hour of `against`). */
export function checkLength(what: string, values: {length: number} | undefined, expected: number, against: string): void {
  if (values !== undefined && values.length !== expected) {
    throw new SunlineError(messages.forecastLengthMismatch(what, values.length, expected, against));
  }
}

export function checkIssueTime(issueTime: number): void {
  if (!Number.isFinite(issueTime)) throw new SunlineError(messages.forecastBadIssueTime(issueTime));
}
