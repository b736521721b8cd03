// Time-zone offsets from Intl, shared by the demo writer and the forecast's local issue times.
// Intl is slow (microseconds per call): offsets are cached per zone and instant, issue times per day.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** UTC offset (local − UTC, ms) of an IANA zone at an instant, straight from Intl (slow; cache it). */
export function utcOffsetMs(timeZone: string, utcMs: number): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return local - Math.floor(utcMs / 1000) * 1000;
}


/**
 * Offsets already asked for, per zone and instant: every fit, calibration and issue (and every
 * backtest origin) asks for the same target hours again, and Intl formatting is the slow part.
 * Keyed by the exact instant, so a zone whose clock changes off the hour is still exact.
 */
const offsetCache = new Map<string, Map<number, number>>();
/** Instants kept per zone before its cache starts over (about 114 years of hours). */
const MAX_CACHED_OFFSETS = 1_000_000;

function cachedOffsetMs(timeZone: string, utcMs: number): number {
  let zone = offsetCache.get(timeZone);
  if (!zone) offsetCache.set(timeZone, (zone = new Map()));
  let offset = zone.get(utcMs);
  if (offset === undefined) {
    if (zone.size >= MAX_CACHED_OFFSETS) zone.clear();
    zone.set(utcMs, (offset = utcOffsetMs(timeZone, utcMs)));
  }
  return offset;
}

/**
 * `issueTimeOf(t)`: the latest instant at or before `t` when the site's wall clock reads
 * `hourLocal`:00, e.g. local midnight before each target hour. Cached per local day.
 */
export function localIssueTimes(timeZone: string, hourLocal = 0): (utcMs: number) => number {
  const cache = new Map<number, number>();
  const at = (localDayUtc: number) => {
    let v = cache.get(localDayUtc);
    if (v === undefined) {
      const wall = localDayUtc + hourLocal * 3_600_000;
      // Two passes settle the offset on days with a clock change.
      v = wall - cachedOffsetMs(timeZone, wall - cachedOffsetMs(timeZone, wall));
      cache.set(localDayUtc, v);
    }
    return v;
  };
  return (utcMs: number) => {
    const local = utcMs + cachedOffsetMs(timeZone, utcMs);
    const day = Math.floor(local / 86_400_000) * 86_400_000;
    const today = at(day);
    return today <= utcMs ? today : at(day - 86_400_000);
  };
}

/** Every issue time (site-local `hourLocal`:00) in [fromMs, toMs), ascending. */
export function localIssuesBetween(timeZone: string, hourLocal: number, fromMs: number, toMs: number): number[] {
  const issueTimeOf = localIssueTimes(timeZone, hourLocal);
  const out: number[] = [];
  // Step a day past each issue and snap back: robust to 23 h and 25 h days.
  let s = issueTimeOf(fromMs);
  if (s < fromMs) s = issueTimeOf(s + 30 * 3_600_000);
  while (s < toMs) {
    if (s >= fromMs) out.push(s);
    const next = issueTimeOf(s + 30 * 3_600_000);
    s = next > s ? next : issueTimeOf(s + 54 * 3_600_000);
  }
  return out;
}
