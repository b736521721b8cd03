// Injected faults with ground-truth labels: full outages, partial outages (a failed string),
// export-limit curtailment and gradual soiling with rain/scheduled cleaning. The physics layer applies
// the returned per-interval effects; the labels are written to labels.csv.

import {createRng, type Rng} from "./random.ts";
import {MS_PER_DAY, MS_PER_HOUR, MS_PER_INTERVAL, mod} from "../math.ts";

export type FaultType = "outage" | "partial_outage" | "soiling" | "curtailment";
export const FAULT_TYPES: readonly FaultType[] = ["outage", "partial_outage", "soiling", "curtailment"];

export interface FaultLabel {
  site_id: string;
  fault: FaultType;
  /** Interval-aligned UTC start (inclusive) and end (exclusive), ms since epoch. */
  startMs: number;
  endMs: number;
  /**
   * outage: 1 (all output lost); partial_outage: DC fraction lost (1/n_strings);
   * soiling: loss fraction reached at the end of the episode; curtailment: export limit as a
   * fraction of AC capacity.
   */
  magnitude: number;
  description: string;
}

export interface DiscreteFaultRecipe {
  type: "outage" | "partial_outage" | "curtailment";
  /** Expected events per year (stochastically rounded for the span). */
  perYear: number;
  minDays: number;
  maxDays: number;
  /** curtailment only: export limit range as a fraction of AC capacity. */
  limitFraction?: readonly [number, number];
}

export interface SoilingRecipe {
  /** Loss growth range, fraction per day (0.001 = 0.1 %/day). */
  ratePerDay: readonly [number, number];
  /** A UTC day with at least this much rain washes the modules. */
  rainCleaningMm: number;
  /** Mean days between scheduled cleanings (jittered ±20 %). */
  scheduledCleaningDays: number;
  maxLoss: number;
}

export interface FaultModel {
  /** The first discrete recipe is guaranteed at least one event, so every site has a labelled fault. */
  discrete: readonly DiscreteFaultRecipe[];
  soiling?: SoilingRecipe;
  nStrings: number;
}

export interface FaultEffects {
  /** Multiplier on DC power (soiling × string loss), 1 = healthy. */
  dcFactor: Float64Array;
  /** Export limit as a fraction of AC capacity, 1 = no limit. */
  acLimitFraction: Float64Array;
  /** 1 where the plant is fully down. */
  outage: Uint8Array;
  labels: FaultLabel[];
}

const INTERVALS_PER_DAY = MS_PER_DAY / MS_PER_INTERVAL;
/** Soiling episodes whose final loss stays below this are not labelled (indistinguishable from noise). */
export const SOILING_LABEL_MIN_LOSS = 0.01;

export function planFaults(
  siteId: string,
  lonDeg: number,
  model: FaultModel,
  startMs: number,
  n: number,
  precipMm: Float64Array,
  seed: number
): FaultEffects {
  const dcFactor = new Float64Array(n).fill(1);
  const acLimitFraction = new Float64Array(n).fill(1);
  const outage = new Uint8Array(n);
  const labels: FaultLabel[] = [];

  if (model.soiling) {
    labels.push(...simulateSoiling(siteId, model.soiling, startMs, n, precipMm, dcFactor, createRng(seed, siteId, "faults", "soiling")));
  }

  const rng = createRng(seed, siteId, "faults", "discrete");
  const taken: [number, number][] = [];
  const spanDays = n / INTERVALS_PER_DAY;
  const years = spanDays / 365.25;
  // Keep events apart so each label describes one isolated condition.
  const buffer = Math.max(4, Math.min(INTERVALS_PER_DAY, Math.floor(n / 20)));

  model.discrete.forEach((recipe, index) => {
    let count = Math.floor(recipe.perYear * years + rng.next());
    if (index === 0) count = Math.max(1, count);
    for (let k = 0; k < count; k++) {
      const placed = placeEvent(recipe, rng, lonDeg, startMs, n, spanDays, taken, buffer);
      if (!placed) continue;
      const [q0, q1] = placed;
      taken.push(placed);
      const days = (q1 - q0) / INTERVALS_PER_DAY;
      const duration = days >= 1 ? `${days.toFixed(1)} days` : `${(days * 24).toFixed(1)} h`;
      let magnitude: number;
      let description: string;
      if (recipe.type === "outage") {
        magnitude = 1;
        description = `inverter/grid outage: zero output for ${duration}`;
        for (let q = q0; q < q1; q++) outage[q] = 1;
      } else if (recipe.type === "partial_outage") {
        magnitude = round(1 / model.nStrings, 4);
        description = `string failure: 1 of ${model.nStrings} strings offline for ${duration}`;
        for (let q = q0; q < q1; q++) dcFactor[q] *= 1 - 1 / model.nStrings;
      } else {
        const [lo, hi] = recipe.limitFraction ?? [0.7, 0.7];
        magnitude = round(rng.uniform(lo, hi), 2);
        description = `export limit at ${Math.round(magnitude * 100)}% of AC capacity for ${duration}`;
        for (let q = q0; q < q1; q++) acLimitFraction[q] = Math.min(acLimitFraction[q], magnitude);
      }
      labels.push({
        site_id: siteId,
        fault: recipe.type,
        startMs: startMs + q0 * MS_PER_INTERVAL,
        endMs: startMs + q1 * MS_PER_INTERVAL,
        magnitude,
        description
      });
    }
  });

  labels.sort((a, b) => a.startMs - b.startMs || a.fault.localeCompare(b.fault));
  return {dcFactor, acLimitFraction, outage, labels};
}

/** Pick a non-overlapping [q0, q1) for one event, or null after repeated failures. */
function placeEvent(
  recipe: DiscreteFaultRecipe,
  rng: Rng,
  lonDeg: number,
  startMs: number,
  n: number,
  spanDays: number,
  taken: readonly [number, number][],
  buffer: number
): [number, number] | null {
  for (let attempt = 0; attempt < 200; attempt++) {
    // Short spans (tests) shrink events so they still fit.
    const days = Math.min(rng.uniform(recipe.minDays, recipe.maxDays), 0.35 * spanDays);
    const len = Math.max(4, Math.round(days * INTERVALS_PER_DAY));
    if (len >= n) return null;
    let q0: number;
    if (days < 1) {
      // Sub-day events start in the morning (local solar time) so they actually cost energy.
      const day = rng.int(0, Math.max(0, Math.floor(spanDays) - 1));
      const solarStart = rng.uniform(6.5, 12);
      const dayStart = Math.floor((startMs + day * MS_PER_DAY) / MS_PER_DAY) * MS_PER_DAY;
      const t = dayStart + mod(solarStart - lonDeg / 15, 24) * MS_PER_HOUR;
      q0 = Math.round((t - startMs) / MS_PER_INTERVAL);
    } else {
      q0 = rng.int(0, Math.floor((n - len) / 4)) * 4; // hour-aligned
    }
    const q1 = q0 + len;
    if (q0 < 0 || q1 > n) continue;
    if (taken.some(([a, b]) => q0 < b + buffer && q1 > a - buffer)) continue;
    return [q0, q1];
  }
  return null;
}

/**
 * Soiling accumulates linearly from the span start and is reset by a rainy UTC day or by a
 * (jittered) scheduled cleaning; every episode between cleanings becomes one label.
 */
function simulateSoiling(
  siteId: string,
  recipe: SoilingRecipe,
  startMs: number,
  n: number,
  precipMm: Float64Array,
  dcFactor: Float64Array,
  rng: Rng
): FaultLabel[] {
  const labels: FaultLabel[] = [];
  const nextSchedule = () => recipe.scheduledCleaningDays * rng.uniform(0.8, 1.2) * MS_PER_DAY;
  let episodeStart = 0;
  let rate = rng.uniform(recipe.ratePerDay[0], recipe.ratePerDay[1]);
  let scheduledAt = startMs + nextSchedule();
  let dayRain = 0;
  let lastLoss = 0;
  const close = (q: number, how: string) => {
    // Sub-threshold episodes (typically between rains in the wet season) are simulated but not labelled.
    if (lastLoss < SOILING_LABEL_MIN_LOSS) return;
    labels.push({
      site_id: siteId,
      fault: "soiling",
      startMs: startMs + episodeStart * MS_PER_INTERVAL,
      endMs: startMs + q * MS_PER_INTERVAL,
      magnitude: round(lastLoss, 4),
      description: `soiling ${(rate * 100).toFixed(2)}%/day; ${how}`
    });
  };
  for (let q = 0; q < n; q++) {
    const t = startMs + q * MS_PER_INTERVAL;
    if (q > 0 && t % MS_PER_DAY === 0) {
      // Cleaning happens at the UTC day boundary after the rain / at the scheduled day.
      let how: string | null = null;
      if (dayRain >= recipe.rainCleaningMm) how = `washed by rain (${dayRain.toFixed(1)} mm/day)`;
      else if (t >= scheduledAt) how = "ended by scheduled cleaning";
      if (how) {
        close(q, how);
        episodeStart = q;
        rate = rng.uniform(recipe.ratePerDay[0], recipe.ratePerDay[1]);
        scheduledAt = t + nextSchedule();
      }
      dayRain = 0;
    }
    dayRain += precipMm[q];
    const ageDays = ((q - episodeStart + 0.5) * MS_PER_INTERVAL) / MS_PER_DAY;
    lastLoss = Math.min(recipe.maxLoss, rate * ageDays);
    dcFactor[q] *= 1 - lastLoss;
  }
  close(n, "still soiled at span end");
  return labels;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
