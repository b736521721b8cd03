// Site shards: one fleet run as n independent jobs, each with the sites assigned to it, for a fleet
// that outgrows one machine (`sunline run --shard 2/4`, or SUNLINE_SHARD=2/4 from a scheduler's job
// index). A site's shard is a hash of its id, so it stays put as sites are added or removed and
// every job agrees without talking to the others. Each shard is a whole run of its sites: its own
// data dir, snapshot, stage cache and fleet models (the fleet GBDT becomes one model per shard).
import {messages, SunlineError} from "../messages.ts";
import type {ResolvedInputs} from "../inputs.ts";
import {sha256} from "../snapshot/hash.ts";

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** "2/4" → {index: 2, count: 4}; anything else is an error naming the value. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(index >= 1 && index <= count)) throw new SunlineError(messages.badShard(text));
  return {index, count};
}

/** The shard (1…count) a site belongs to: its id's SHA-256, first 32 bits, modulo count. */
export function siteShard(siteId: string, count: number): number {
  return (parseInt(sha256(siteId).slice(0, 8), 16) % count) + 1;
}

export function inShard(siteId: string, shard: Shard | null): boolean {
  return !shard || siteShard(siteId, shard.count) === shard.index;
}

/**
 * The run's inputs cut to one shard: its sites, and the production files that can hold rows of
 * them. A file mapped to one site (`site_id`) of another shard is never read; a file with a site
 * column is read by every shard, which knows the other shards' sites (`shard.otherSites`) so their
 * rows are set aside, not rejected.
 */
export function shardInputs(inputs: ResolvedInputs, shard: Shard | null): ResolvedInputs {
  if (!shard) return inputs;
  const sites = inputs.sites.filter((s) => inShard(s.id, shard));
  const otherSites = inputs.sites.filter((s) => !sites.includes(s)).map((s) => s.id);
  if (sites.length === 0) throw new SunlineError(messages.emptyShard(shard.index, shard.count, inputs.sites.length));
  const production = inputs.production.filter((p) => p.source.site_id === undefined || inShard(p.source.site_id, shard));
  const dropped = new Set(inputs.production.filter((p) => !production.includes(p)).map((p) => p.label));
  return {
    ...inputs,
    sites,
    production,
    files: inputs.files.filter((f) => !dropped.has(f.path)),
    shard: {...shard, otherSites}
  };
}
