// The snapshot's hive partitions (pipeline/snapshot/partitions.ts) as files of the site: one per
// table, site and UTC year at /data/parts/<table>/<site>/<year>.parquet. `npm run build` and
// `npm run dev` link them into src/data/parts/ (git-ignored) after the pipeline (`linkPartitions`),
// and `dynamicPaths` in observablehq.config.ts lists them (`partitionRoutes`), so Framework copies
// them as static files. A loader per file would cost a process each (about a second here: 20 minutes
// for the 1,200 files of 100 sites × 4 tables × 3 years). Pages find them in the manifest and fetch only
// the sites and years they show (src/components/partitions.js builds the same path).
import {copyFile, link, mkdir, rm} from "node:fs/promises";
import {dirname, join} from "node:path";
import type {Manifest} from "../pipeline/snapshot/manifest.ts";
import {currentManifest} from "../pipeline/snapshot/read.ts";
import {dataDirPath} from "../pipeline/snapshot/paths.ts";

export const partitionRoute = (table: string, site: string, year: number) => `/data/parts/${table}/${site}/${year}.parquet`;

/** Every partition file of the current snapshot as a route; none before the first run. */
export async function partitionRoutes(dataDir = dataDirPath()): Promise<string[]> {
  const manifest = await currentManifest(dataDir).catch(() => null);
  return routesOf(manifest);
}

function routesOf(manifest: Manifest | null): string[] {
  return Object.entries(manifest?.partitions ?? {}).flatMap(([table, p]) => p.files.map((f) => partitionRoute(table, f.site_id, f.year)));
}

/**
 * Makes `srcRoot`/data/parts hold exactly the snapshot's partitions at their routes: hard links
 * (no copy) when the data dir is on the same file system, copies otherwise. Returns the routes.
 */
export async function linkPartitions(snapshotDir: string, manifest: Manifest, srcRoot: string): Promise<string[]> {
  const target = join(srcRoot, "data", "parts");
  await rm(target, {recursive: true, force: true});
  for (const [table, p] of Object.entries(manifest.partitions ?? {})) {
    for (const f of p.files) {
      const to = join(srcRoot, partitionRoute(table, f.site_id, f.year));
      await mkdir(dirname(to), {recursive: true});
      const from = join(snapshotDir, f.path);
      await link(from, to).catch(() => copyFile(from, to));
    }
  }
  return routesOf(manifest);
}
