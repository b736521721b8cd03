// Site shards: each shard's run keeps exactly its sites, never reads a per-site file of another
// shard, sets other shards' rows in a shared file aside rather than rejecting them, and the shards'
// per-site tables add up to what one run of the whole fleet writes.
import {readFile, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {parseConfig, type LoadedConfig} from "../../../pipeline/config.ts";
import {queryRows, sqlString, withConnection} from "../../../pipeline/db.ts";
import {runPipeline} from "../../../pipeline/run/index.ts";
import {inShard, parseShard, siteShard} from "../../../pipeline/run/shard.ts";
import {readManifest} from "../../../pipeline/snapshot/read.ts";
import {fixturesDir, readParquet, withTempDir} from "../../helpers.ts";

const quiet = () => {};
const now = () => new Date("2026-01-01T00:00:00Z");

describe("parseShard and siteShard", () => {
  it("reads i/n and names a bad value", () => {
    expect(parseShard("2/4")).toEqual({index: 2, count: 4});
    expect(parseShard(" 1 / 1 ")).toEqual({index: 1, count: 1});
    for (const bad of ["0/4", "5/4", "2", "a/b", "2/4/8", "-1/2", ""]) expect(() => parseShard(bad)).toThrow(`got "${bad}"`);
  });

  it("assigns every site to one shard, the same one every time", () => {
    const ids = Array.from({length: 400}, (_, i) => `site-${i}`);
    const counts = new Array(4).fill(0);
    for (const id of ids) {
      const s = siteShard(id, 4);
      expect(s).toBe(siteShard(id, 4));
      counts[s - 1]++;
      expect([1, 2, 3, 4].filter((i) => inShard(id, {index: i, count: 4}))).toEqual([s]);
    }
    // A hash spreads 400 sites roughly evenly (each shard within 100 ± 30).
    for (const c of counts) expect(Math.abs(c - 100)).toBeLessThan(30);
  });
});

// The tiny fixture's day of 15-minute readings, for four sites. site-a and site-b hash to shard 1
// of 2, site-c and site-d to shard 2 (asserted below, so a change of hash shows here first).
const SITES = ["site-a", "site-b", "site-c", "site-d"];

async function writeProject(dir: string): Promise<LoadedConfig> {
  const lines = (await readFile(join(fixturesDir, "tiny", "site-a.csv"), "utf8")).trimEnd().split("\n");
  const good = lines.slice(1).filter((l) => /^[\d-]+ [\d:]+,-?[\d.]+$/.test(l));
  const scale = {"site-a": 1, "site-c": 0.5, "site-d": 2} as Record<string, number>;
  // One export with a site column holding three sites (one bad value for site-c), a site the config
  // does not know and a row without a site; site-b has a file of its own.
  const shared = ["timestamp,site,ac_power_w"];
  for (const site of ["site-a", "site-c", "site-d"]) for (const l of good) shared.push(`${l.split(",")[0]},${site},${Number(l.split(",")[1]) * scale[site]}`);
  shared.push("2025-06-10 12:00:00,site-c,oops", "2025-06-10 12:00:00,site-x,1000", "2025-06-10 12:00:00,,1000");
  await writeFile(join(dir, "fleet.csv"), shared.join("\n") + "\n");
  await writeFile(join(dir, "site-b.csv"), ["timestamp,ac_power_w", ...good.map((l) => `${l.split(",")[0]},${Number(l.split(",")[1]) * 0.8}`)].join("\n") + "\n");
  const timestamp = {column: "timestamp", timezone: "Europe/Berlin"};
  return parseConfig(
    {
      name: "shards",
      sites: SITES.map((id) => ({id, name: id, lat: 52.52, lon: 13.4, timezone: "Europe/Berlin", capacity_kw: 10, tilt: 30, azimuth: 180})),
      production: [
        {path: "fleet.csv", site_column: "site", timestamp, value: {column: "ac_power_w", unit: "W"}},
        {path: "site-b.csv", site_id: "site-b", timestamp, value: {column: "ac_power_w", unit: "W"}}
      ],
      weather: {provider: "none"}
    },
    "<shards>",
    dir
  );
}

const lines = async (snapshotDir: string, table: string, select = "*") =>
  (await readParquet(join(snapshotDir, `${table}.parquet`), select)).map((r) => JSON.stringify(r)).sort();

describe("runPipeline --shard", () => {
  it("runs each shard's sites alone, and the shards add up to the whole fleet", {timeout: 120_000}, async () => {
    await withTempDir(async (dir) => {
      const config = await writeProject(dir);
      expect(SITES.map((s) => siteShard(s, 2))).toEqual([1, 1, 2, 2]);
      const whole = await runPipeline({config, dataDir: join(dir, "whole"), log: quiet, now});
      const one = await runPipeline({config, dataDir: join(dir, "shards", "one"), log: quiet, now, shard: {index: 1, count: 2}});
      // The environment is how a scheduler's job index reaches a run (and the loaders' runs).
      const two = await runPipeline({config, dataDir: join(dir, "shards", "two"), log: quiet, now, env: {SUNLINE_SHARD: "2/2"}});

      const sitesOf = async (snapshotDir: string) => (await readParquet<{site_id: string}>(join(snapshotDir, "production_hourly.parquet"), "DISTINCT site_id")).map((r) => r.site_id).sort();
      expect(await sitesOf(whole.snapshotDir)).toEqual(SITES);
      expect(await sitesOf(one.snapshotDir)).toEqual(["site-a", "site-b"]);
      expect(await sitesOf(two.snapshotDir)).toEqual(["site-c", "site-d"]);

      const m1 = await readManifest(one.snapshotDir);
      const m2 = await readManifest(two.snapshotDir);
      expect(m1.shard).toEqual({index: 1, count: 2, sites: ["site-a", "site-b"]});
      expect(m2.shard).toEqual({index: 2, count: 2, sites: ["site-c", "site-d"]});
      expect((await readManifest(whole.snapshotDir)).shard).toBeUndefined();
      // Shard 2 has no site of site-b.csv, so it never reads (or hashes) it.
      expect(m1.inputs.map((f) => f.path).sort()).toEqual(["fleet.csv", "site-b.csv"]);
      expect(m2.inputs.map((f) => f.path)).toEqual(["fleet.csv"]);

      // Per-site tables: the shards' rows together are the whole run's, none twice.
      for (const table of ["sites", "production_hourly", "quality_events", "data_quality"]) {
        const union = [...(await lines(one.snapshotDir, table)), ...(await lines(two.snapshotDir, table))].sort();
        expect(union, table).toEqual(await lines(whole.snapshotDir, table));
      }
      // The partitioned tables of all shards read as one, by a glob over their current snapshots.
      const parts = join(dir, "shards", "*", "snapshots", "current", "parts", "production_hourly", "*", "*", "*.parquet");
      const together = await withConnection((conn) =>
        queryRows(conn, `SELECT * EXCLUDE (year) FROM read_parquet(${sqlString(parts)}, hive_partitioning = true) ORDER BY site_id, ts`)
      );
      const wholeRows = await readParquet(join(whole.snapshotDir, "production_hourly.parquet"), "*", "true ORDER BY site_id, ts");
      expect(together.map((r) => JSON.stringify(r, Object.keys(wholeRows[0])))).toEqual(wholeRows.map((r) => JSON.stringify(r, Object.keys(wholeRows[0]))));

      // Rejects: site-c's bad value in its shard; the rows that name no known site in shard 1 only;
      // the other shard's rows in fleet.csv are not rejects anywhere. fleet.csv has a header and 3 × 97
      // readings, then the three odd lines 293–295.
      const rejects = (d: string) => lines(d, "rejects", "site_id, line, reason");
      expect(await rejects(one.snapshotDir)).toEqual([
        JSON.stringify({site_id: null, line: 294, reason: 'unknown site "site-x" (not among the sites in the config)'}),
        JSON.stringify({site_id: null, line: 295, reason: "missing site"})
      ]);
      expect(await rejects(two.snapshotDir)).toEqual([JSON.stringify({site_id: "site-c", line: 293, reason: 'not a number: "oops"'})]);
      expect([...(await rejects(one.snapshotDir)), ...(await rejects(two.snapshotDir))].sort()).toEqual(await rejects(whole.snapshotDir));

      // A shard is part of what a run is: the same data dir run as another shard is not "unchanged".
      const again = await runPipeline({config, dataDir: join(dir, "shards", "one"), log: quiet, now, shard: {index: 1, count: 2}});
      expect(again.skipped).toBe(true);
      const other = await runPipeline({config, dataDir: join(dir, "shards", "one"), log: quiet, now, shard: {index: 2, count: 2}});
      expect(other.skipped).toBe(false);
    });
  });

  it("stops on a shard with none of the sites", async () => {
    await withTempDir(async (dir) => {
      const config = await writeProject(dir);
      // 4 sites over 50 shards: most shards are empty; find one.
      const empty = Array.from({length: 50}, (_, i) => i + 1).find((i) => SITES.every((s) => siteShard(s, 50) !== i))!;
      await expect(runPipeline({config, dataDir: join(dir, "d"), log: quiet, now, shard: {index: empty, count: 50}})).rejects.toThrow(
        `shard ${empty}/50 has none of the config's 4 sites`
      );
    });
  });
});
