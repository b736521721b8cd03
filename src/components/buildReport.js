// "About this build": the run report of the snapshot's manifest (pipeline/run/report.ts) as tables
// and a chart. Pure functions of the manifest, so the page stays a thin shell.
import * as Plot from "npm:@observablehq/plot";

/** Stage lines of the run that wrote the snapshot, with the snapshot stage's own time when known. */
export function stageRows(manifest) {
  return (manifest.run?.stages ?? []).map((s) => ({
    stage: s.stage,
    what: s.title,
    after: s.depends_on.join(", ") || "—",
    status: s.status,
    seconds: s.seconds,
    rows_in: s.rows_in,
    rows_out: s.rows_out,
    cache: s.cache_hits + s.cache_misses === 0 ? "—" : `${s.cache_hits}/${s.cache_hits + s.cache_misses}`,
    retries: s.retries,
    note: s.note ?? ""
  }));
}

export const STATUS_COLORS = {ran: "#4269d0", cached: "#3ca951", "partly cached": "#97bbf5", skipped: "#bbbbbb", failed: "#ff725c"};

/** Seconds per stage, coloured by whether it ran or came from a cache. */
export function stageTimeChart(rows, {width}) {
  const statuses = Object.keys(STATUS_COLORS).filter((s) => rows.some((r) => r.status === s));
  return Plot.plot({
    width,
    height: 28 * rows.length + 40,
    marginLeft: 110,
    marginRight: 50,
    x: {label: "seconds", grid: true},
    y: {label: null, domain: rows.map((r) => r.stage)},
    color: {domain: statuses, range: statuses.map((s) => STATUS_COLORS[s]), legend: true},
    marks: [
      Plot.barX(rows, {y: "stage", x: "seconds", fill: "status", tip: {format: {y: true, x: (d) => `${d} s`}}, title: (d) => `${d.stage}: ${d.status}, ${d.seconds} s\n${d.what}`}),
      Plot.text(rows, {y: "stage", x: "seconds", text: (d) => `${d.seconds} s`, dx: 4, textAnchor: "start"}),
      Plot.ruleX([0])
    ]
  });
}

/** The runs before this snapshot (newest first), this one on top. */
export function runRows(manifest) {
  const runs = [manifest.run, ...(manifest.recent_runs ?? [])].filter(Boolean);
  return runs.map((r) => ({
    started: new Date(r.started_at),
    status: r.status,
    seconds: r.seconds,
    snapshot: r.snapshot_id ?? "—",
    changes: describeChanges(r.changes),
    error: r.error?.message ?? ""
  }));
}

export function describeChanges(c) {
  if (!c) return "";
  const parts = [];
  if (c.added.length) parts.push(`${c.added.length} added`);
  if (c.changed.length) parts.push(`${c.changed.length} changed`);
  if (c.removed.length) parts.push(`${c.removed.length} removed`);
  return parts.join(", ") || "none";
}

export function tableRows(manifest) {
  return Object.entries(manifest.tables).map(([name, t]) => ({table: name, rows: t.rows, mb: t.bytes / 1e6, from: t.min_ts ?? "", to: t.max_ts ?? ""}));
}

/** A merged snapshot's shards (`sunline merge`): each shard's snapshot and sites; empty otherwise. */
export function shardRows(manifest) {
  return (manifest.merged_from ?? []).map((s) => ({
    shard: `${s.index} of ${s.count}`,
    sites: s.sites.length,
    site_ids: s.sites.join(", "),
    snapshot: s.snapshot_id,
    created: new Date(s.created_at),
    data_dir: s.data_dir
  }));
}
