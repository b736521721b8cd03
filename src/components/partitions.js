// The snapshot's per-site, per-year partitions (pipeline/snapshot/partitions.ts), as pages read
// them: the manifest lists the files; a page asks for one site and a period and fetches only the
// site-years that period touches (at 100 sites, about 1 % of the table per site-year). Built by the
// build at data/parts/<table>/<site>/<year>.parquet (scripts/partitions.ts makes the same path).
//
// The page hands in its FileAttachment: Framework's build requires FileAttachment() calls in a page
// or component to have a literal name, so that it can find the file, while these files are found
// by the manifest and built through `dynamicPaths`. Given a name and a path, FileAttachment registers
// the file and reads its Parquet as for any other. (It also keeps this module free of Framework
// imports, so that its tests run in Node.)

const DAY_MS = 86_400_000;

/** Where the build puts a partition, relative to the site root. */
export function partitionPath(table, siteId, year) {
  return `data/parts/${table}/${siteId}/${year}.parquet`;
}

/**
 * The partition files of `table` for one site whose rows can fall within [from, to] (Dates or epoch
 * ms; null = unbounded), oldest first. Empty when the snapshot has no partitions for the table.
 */
export function partitionsFor(manifest, table, siteId, from = null, to = null) {
  const lo = from == null ? -Infinity : +new Date(from);
  const hi = to == null ? Infinity : +new Date(to);
  return (manifest?.partitions?.[table]?.files ?? [])
    .filter((f) => f.site_id === siteId && Date.parse(f.max_ts) >= lo && Date.parse(f.min_ts) <= hi)
    .sort((a, b) => a.year - b.year)
    .map((f) => ({...f, url: partitionPath(table, f.site_id, f.year)}));
}

// One fetch per file per page view: changing the period back and forth reuses what was read.
const loaded = new Map();

/**
 * One site's rows of `table` for [from, to] as a single Arrow table (whole site-years: filter the
 * period afterwards), or null when no partition covers it. A day of margin either side keeps hours
 * near midnight UTC at a year boundary.
 */
export async function loadPartitions(FileAttachment, manifest, table, siteId, from = null, to = null) {
  const attach = FileAttachment;
  const parts = partitionsFor(manifest, table, siteId, from == null ? null : +new Date(from) - DAY_MS, to == null ? null : +new Date(to) + DAY_MS);
  const tables = await Promise.all(
    parts.map((p) => {
      if (!loaded.has(p.url)) {
        const file = attach({name: p.url, path: `./${p.url}`, mimeType: "application/vnd.apache.parquet", size: p.bytes, lastModified: Date.parse(manifest.created_at)});
        loaded.set(p.url, file.parquet().catch((error) => (loaded.delete(p.url), Promise.reject(error))));
      }
      return loaded.get(p.url);
    })
  );
  if (tables.length === 0) return null;
  return tables.length === 1 ? tables[0] : tables[0].concat(...tables.slice(1));
}

/** Every row number of an Arrow table (for readers that take a list of rows). */
export function allRows(table) {
  return table ? Array.from({length: table.numRows}, (_, i) => i) : [];
}
