// What a real data logger does to a clean power series: meter noise, missing rows (short and
// multi-day gaps), duplicated rows, malformed lines, stuck values, spikes and night-time
// self-consumption recorded as small negative power. Everything is seeded and counted so ingest
// tests can check each quirk was caught.

import {createRng, type Rng} from "./random.ts";
import {MS_PER_INTERVAL, solarHour} from "../math.ts";
import {formatIsoUtc, formatNaive} from "./timezone.ts";
import type {SiteSimulation} from "./simulate.ts";
import type {SiteModel} from "./sites.ts";

export const ROW_KEEP = 0;
export const ROW_DROP = 1;
export const ROW_DUPLICATE = 2;
export const ROW_MALFORMED = 3;

export type MalformedKind = "non_numeric" | "truncated" | "extra_field";
export type QuirkType = "gap" | "duplicate" | "malformed" | "stuck" | "spike" | "negative_night";

export interface QuirkEvent {
  type: QuirkType;
  /** Interval-aligned UTC range [start, end). */
  start_utc: string;
  end_utc: string;
  /** Local wall-clock text of the first affected row, as it appears (or would appear) in the file. */
  start_local: string;
  /** Rows (intervals) affected. */
  rows: number;
  detail?: string;
}

export interface QuirkCounts {
  /** Gap events, short and long, and the rows they removed. */
  gaps: number;
  long_gaps: number;
  gap_rows_removed: number;
  /** Extra, byte-identical copies of a row written right after it. */
  duplicates: number;
  malformed_lines: number;
  stuck_runs: number;
  /** Rows inside stuck runs (all carry the run's first value). */
  stuck_rows: number;
  spikes: number;
  /** Intervals written with a negative night value (a duplicated row counts once). */
  negative_night_samples: number;
  /** Second-pass rows of DST fall-back hours (same local text as the first pass; not quirks). */
  dst_repeated_rows: number;
}

export interface MalformedRow {
  kind: MalformedKind;
  /** non_numeric: the garbage token; truncated: characters kept; extra_field: the extra token. */
  token: string;
  keep: number;
}

export interface LoggerRecord {
  /** Value the logger reports, in kW (converted to the site's unit when written). */
  valuesKw: Float64Array;
  /** ROW_KEEP / ROW_DROP / ROW_DUPLICATE / ROW_MALFORMED per interval. */
  action: Uint8Array;
  malformed: Map<number, MalformedRow>;
  events: QuirkEvent[];
  counts: QuirkCounts;
}

/** Relative meter noise (1σ); keeps clipped plateaus from being byte-identical runs. */
const METER_NOISE = 0.0015;
/** Rows kept free of quirks around each UTC-offset change so DST behaviour stays testable. */
const DST_GUARD_ROWS = 12;

export function applyLoggerQuirks(sim: SiteSimulation, model: SiteModel, localOffsetMs: Int32Array, seed: number): LoggerRecord {
  const {n, startMs, site} = sim;
  const cap = site.capacity_kw;
  const years = n / (96 * 365.25);
  const stream = (name: string): Rng => createRng(seed, site.id, "logger", name);
  const count = (rng: Rng, perYear: number, min: number) => Math.max(min, Math.floor(perYear * years + rng.next()));

  // Meter noise. At the inverter limit the reading wobbles just below it, never above.
  const values = new Float64Array(n);
  const noise = stream("meter");
  for (let q = 0; q < n; q++) {
    const truth = sim.acKw[q];
    if (!(truth > 0)) continue;
    const ceiling = cap * sim.faults.acLimitFraction[q];
    let v = truth * (1 + METER_NOISE * noise.normal());
    if (v > ceiling) v = ceiling * (1 - 0.0004 * Math.abs(noise.normal()));
    values[q] = v;
  }

  // Protect rows near DST changes; count fall-back repeats.
  const localMs = (q: number) => startMs + q * MS_PER_INTERVAL + localOffsetMs[q];
  const isProtected = new Uint8Array(n);
  let dstRepeated = 0;
  for (let q = 1; q < n; q++) {
    if (localOffsetMs[q] === localOffsetMs[q - 1]) continue;
    for (let k = Math.max(0, q - DST_GUARD_ROWS); k < Math.min(n, q + DST_GUARD_ROWS); k++) isProtected[k] = 1;
    const back = localMs(q - 1) + MS_PER_INTERVAL - localMs(q);
    if (back > 0) dstRepeated += Math.min(back / MS_PER_INTERVAL, n - q);
  }

  const action = new Uint8Array(n);
  const used = new Uint8Array(n);
  const malformed = new Map<number, MalformedRow>();
  const events: QuirkEvent[] = [];
  const free = (q: number) => q >= 0 && q < n && used[q] === 0 && isProtected[q] === 0;
  const event = (type: QuirkType, q0: number, rows: number, detail?: string) => {
    events.push({
      type,
      start_utc: formatIsoUtc(startMs + q0 * MS_PER_INTERVAL),
      end_utc: formatIsoUtc(startMs + (q0 + rows) * MS_PER_INTERVAL),
      start_local: formatNaive(localMs(q0)),
      rows,
      ...(detail === undefined ? {} : {detail})
    });
  };
  /** Random free row satisfying `ok`, or -1. */
  const pickRow = (rng: Rng, ok: (q: number) => boolean): number => {
    for (let i = 0; i < 2000; i++) {
      const q = rng.int(0, n - 1);
      if (free(q) && ok(q)) return q;
    }
    return -1;
  };
  const isDay = (q: number) => sim.sunUp[q] === 1 && sim.acKw[q] > 0;

  const counts: QuirkCounts = {
    gaps: 0, long_gaps: 0, gap_rows_removed: 0, duplicates: 0, malformed_lines: 0, stuck_runs: 0, stuck_rows: 0,
    spikes: 0, negative_night_samples: 0, dst_repeated_rows: dstRepeated
  };

  // Gaps: multi-day logger outages first (they need the most room), then short dropouts.
  const gapRng = stream("gaps");
  /** Drops `len` consecutive free rows (with a kept row either side); returns the start or -1. */
  const placeGap = (len: number): number => {
    if (len + 2 >= n) return -1;
    for (let i = 0; i < 500; i++) {
      const q0 = gapRng.int(1, n - len - 1);
      let ok = true;
      for (let q = q0 - 1; q <= q0 + len && ok; q++) ok = free(q);
      if (!ok) continue;
      for (let q = q0; q < q0 + len; q++) {
        used[q] = 1;
        action[q] = ROW_DROP;
      }
      counts.gaps++;
      counts.gap_rows_removed += len;
      return q0;
    }
    return -1;
  };
  if (n >= 30 * 96) {
    const longGaps = count(gapRng, 0.65, 1);
    for (let k = 0; k < longGaps; k++) {
      const len = Math.min(Math.round(gapRng.uniform(2, 6) * 96), Math.floor(n / 10));
      const q0 = placeGap(len);
      if (q0 >= 0) {
        counts.long_gaps++;
        event("gap", q0, len, "multi-day logger outage");
      }
    }
  }
  const shortGaps = count(gapRng, 8, 1);
  for (let k = 0; k < shortGaps; k++) {
    const len = gapRng.int(1, 12);
    const q0 = placeGap(len);
    if (q0 >= 0) event("gap", q0, len, "short dropout");
  }

  // Stuck values: the logger repeats one daytime reading for a couple of hours.
  const stuckRng = stream("stuck");
  const stuckRuns = count(stuckRng, 3, 1);
  for (let k = 0; k < stuckRuns; k++) {
    for (let attempt = 0; attempt < 300; attempt++) {
      const q0 = pickRow(stuckRng, (q) => isDay(q) && sim.acKw[q] > 0.1 * cap && inHours(startMs, q, site.lon, 8, 12.5));
      if (q0 < 0) break;
      const target = stuckRng.int(8, 20);
      let len = 1;
      while (len < target && free(q0 + len) && isDay(q0 + len)) len++;
      if (len < 6) continue;
      for (let q = q0; q < q0 + len; q++) {
        used[q] = 1;
        values[q] = values[q0];
      }
      counts.stuck_runs++;
      counts.stuck_rows += len;
      event("stuck", q0, len, `value repeated ${len} times`);
      break;
    }
  }

  // Spikes: one sample multiplied 5–10×, taken from a reading above a quarter of capacity so the
  // spike is physically impossible (above the AC rating) and therefore detectable.
  const spikeRng = stream("spikes");
  const spikes = count(spikeRng, 4, 1);
  for (let k = 0; k < spikes; k++) {
    const q = pickRow(spikeRng, (x) => isDay(x) && values[x] > 0.25 * cap);
    if (q < 0) continue;
    const factor = spikeRng.uniform(5, 10);
    values[q] *= factor;
    used[q] = 1;
    counts.spikes++;
    event("spike", q, 1, `x${factor.toFixed(2)}`);
  }

  // Exact duplicates of single rows.
  const dupRng = stream("duplicates");
  const duplicates = count(dupRng, 12, 1);
  for (let k = 0; k < duplicates; k++) {
    const q = pickRow(dupRng, () => true);
    if (q < 0) continue;
    used[q] = 1;
    action[q] = ROW_DUPLICATE;
    counts.duplicates++;
    event("duplicate", q, 1);
  }

  // Malformed lines, one of each kind at least.
  const badRng = stream("malformed");
  const kinds: MalformedKind[] = ["non_numeric", "truncated", "extra_field"];
  const malformedLines = count(badRng, 3, 3);
  for (let k = 0; k < malformedLines; k++) {
    const q = pickRow(badRng, () => true);
    if (q < 0) continue;
    const kind = kinds[k % kinds.length];
    const row: MalformedRow =
      kind === "non_numeric" ? {kind, token: badRng.pick(["abc", "ERR", "#VALUE!", "--"]), keep: 0}
      : kind === "truncated" ? {kind, token: "", keep: badRng.int(11, 18)}
      : {kind, token: badRng.pick(["1", "OK", "0", "E07"]), keep: 0};
    used[q] = 1;
    action[q] = ROW_MALFORMED;
    malformed.set(q, row);
    counts.malformed_lines++;
    event("malformed", q, 1, kind);
  }

  // Night self-consumption: in episodes of days to weeks the meter records small imports.
  if (model.negativeNight) {
    const negRng = stream("negative-night");
    const episodes = count(negRng, 2, 1);
    for (let k = 0; k < episodes; k++) {
      const len = Math.min(Math.round(negRng.uniform(5, 30) * 96), n);
      const q0 = negRng.int(0, n - len);
      const level = negRng.uniform(0.03, 0.25);
      let rows = 0;
      for (let q = q0; q < q0 + len; q++) {
        if (sim.sunUp[q] || sim.acKw[q] !== 0 || sim.faults.outage[q] || isProtected[q] || used[q]) continue;
        values[q] = -Math.min(0.3, Math.max(0.01, level * negRng.uniform(0.8, 1.2)));
        if (action[q] === ROW_KEEP || action[q] === ROW_DUPLICATE) rows++;
      }
      counts.negative_night_samples += rows;
      event("negative_night", q0, len, `${rows} night rows at about -${level.toFixed(2)} kW`);
    }
  }

  events.sort((a, b) => (a.start_utc < b.start_utc ? -1 : a.start_utc > b.start_utc ? 1 : a.type.localeCompare(b.type)));
  return {valuesKw: values, action, malformed, events, counts};
}

function inHours(startMs: number, q: number, lon: number, from: number, to: number): boolean {
  const h = solarHour(startMs + q * MS_PER_INTERVAL, lon);
  return h >= from && h <= to;
}
