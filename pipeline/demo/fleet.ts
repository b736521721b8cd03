// A demo fleet of any size: the eight built-in sites first, unchanged, then sites derived from them
// in turn (Freiburg, Seville, …, Chennai, Freiburg again, …). A derived site keeps its parent's
// climate, timezone, logger format and physical model (siteModelOf: SITE_MODELS[parent_id]) and gets its own
// location a few tens of kilometres away, capacity, tilt and azimuth, drawn from a stream of the
// demo's seeded generator keyed by its id, so site k is the same whatever the fleet size. Its id
// and every other stream (weather, faults, logger quirks) are its own, so its data differ from
// its parent's like a neighbouring plant's would (the weather is not spatially correlated).

import {createRng} from "./random.ts";
import {DEMO_SITES, type DemoSite} from "./sites.ts";

/** Largest fleet scaledDemoSites builds (ids stay 3-digit: up to 999 derived per built-in site). */
export const MAX_DEMO_SITES = DEMO_SITES.length * 1000;

/** How far a derived site may move from its parent, degrees of latitude / longitude. */
const MAX_SHIFT_DEG = 0.4;

/**
 * The first `count` sites of the scaled demo fleet for `seed`. Up to 8 these are the built-in
 * DEMO_SITES (the same objects); beyond, site k (0-based) derives from DEMO_SITES[k % 8] as
 * `<parent id>-<NNN>` with NNN = floor(k / 8), e.g. de-freiburg-001 is site 8.
 */
export function scaledDemoSites(count: number, seed: number): DemoSite[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_DEMO_SITES)
    throw new Error(`Demo site count must be an integer from 1 to ${MAX_DEMO_SITES}, got ${count}`);
  if (!Number.isInteger(seed)) throw new Error(`Demo seed must be an integer, got ${seed}`);
  const sites: DemoSite[] = DEMO_SITES.slice(0, count);
  for (let k = DEMO_SITES.length; k < count; k++) sites.push(derivedSite(DEMO_SITES[k % DEMO_SITES.length], Math.floor(k / DEMO_SITES.length), seed));
  return sites;
}

function derivedSite(parent: DemoSite, ordinal: number, seed: number): DemoSite {
  const id = `${parent.id}-${String(ordinal).padStart(3, "0")}`;
  const rng = createRng(seed, "fleet", id);
  const lat = round(parent.lat + rng.uniform(-MAX_SHIFT_DEG, MAX_SHIFT_DEG), 3);
  const lon = round(parent.lon + rng.uniform(-MAX_SHIFT_DEG, MAX_SHIFT_DEG), 3);
  // Capacity between half and twice the parent's (log-uniform), at the parent's DC/AC ratio.
  const scale = Math.exp(rng.uniform(Math.log(0.5), Math.log(2)));
  const capacity_kw = roundCapacity(parent.capacity_kw * scale);
  const dc_capacity_kw = round(capacity_kw * (parent.dc_capacity_kw / parent.capacity_kw), 1);
  const tilt = Math.min(60, Math.max(0, Math.round(parent.tilt + rng.uniform(-5, 5))));
  const azimuth = (Math.round(parent.azimuth + rng.uniform(-15, 15)) + 360) % 360;
  const [place, kind] = splitName(parent.name);
  return Object.freeze({
    ...parent,
    id,
    name: `${place} ${String(ordinal).padStart(3, "0")}${kind}`,
    lat,
    lon,
    capacity_kw,
    dc_capacity_kw,
    tilt,
    azimuth,
    parent_id: parent.id
  });
}

/** "Seville (ground mount)" -> ["Seville", " (ground mount)"]. */
function splitName(name: string): [string, string] {
  const at = name.indexOf(" (");
  return at < 0 ? [name, ""] : [name.slice(0, at), name.slice(at)];
}

function round(x: number, digits: number): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

/** Two significant figures, at least 1 kW: 37.4 -> 37, 1234 -> 1200. */
function roundCapacity(kw: number): number {
  const step = 10 ** Math.max(0, Math.floor(Math.log10(kw)) - 1);
  return Math.max(1, Math.round(kw / step) * step);
}
