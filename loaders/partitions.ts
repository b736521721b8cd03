// The snapshot's hive partitions (pipeline/snapshot/partitions.ts) as Framework routes: one file per
// table, site and UTC year at /data/parts/<table>/<site>/<year>.parquet, built by the parameterized
// loader src/data/parts/[table]/[site]/[year].parquet.ts and listed for the build by `partitionRoutes`
// (observablehq.config.ts `dynamicPaths`). Pages find them in the manifest and fetch only the sites and
// years they show (src/components/partitions.js builds the same path).
import {createReadStream} from "node:fs";
import {join} from "node:path";
import {pipeline} from "node:stream/promises";
import {messages, SunlineError} from "../pipeline/messages.ts";
import {currentManifest, readManifest} from "../pipeline/snapshot/read.ts";
import {dataDirPath} from "../pipeline/snapshot/paths.ts";
import {ensureSnapshot} from "./snapshotTable.ts";

export const partitionRoute = (table: string, site: string, year: number) => `/data/parts/${table}/${site}/${year}.parquet`;

/** Every partition file of the current snapshot as a route; none before the first run. */
export async function partitionRoutes(dataDir = dataDirPath()): Promise<string[]> {
  const manifest = await currentManifest(dataDir).catch(() => null);
  return Object.entries(manifest?.partitions ?? {}).flatMap(([table, p]) => p.files.map((f) => partitionRoute(table, f.site_id, f.year)));
}

/** Stream one partition file of the current snapshot. */
export async function emitPartition(table: string, site: string, year: number, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const {snapshotDir} = await ensureSnapshot();
  const manifest = await readManifest(snapshotDir);
  const file = manifest.partitions?.[table]?.files.find((f) => f.site_id === site && f.year === year);
  if (!file) throw new SunlineError(messages.partitionNotFound(table, site, year, Object.keys(manifest.partitions ?? {})));
  await pipeline(createReadStream(join(snapshotDir, file.path)), out, {end: out !== process.stdout});
}
