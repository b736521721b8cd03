import {html} from "npm:htl";

/**
 * The provenance badge every page carries: which snapshot, when it was built, from what, and
 * whether any input is stale. `manifest` is the snapshot's manifest.json.
 */
export function freshnessBadge(manifest, {now = new Date()} = {}) {
  const created = new Date(manifest.created_at);
  const stale = Object.entries(manifest.stale ?? {}).filter(([, v]) => v).map(([k]) => k);
  const inputsMb = manifest.inputs.reduce((sum, f) => sum + f.bytes, 0) / 1e6;
  const title = [
    `snapshot ${manifest.snapshot_id}`,
    `config ${manifest.config_path} (${manifest.config_hash})`,
    `code ${manifest.code_version}`,
    `${manifest.inputs.length} input files, ${inputsMb.toFixed(1)} MB`,
    `weather: ${manifest.weather.source}`
  ].join("\n");
  return html`<div class="freshness ${stale.length ? "freshness--stale" : ""}" title=${title} data-testid="freshness">
    <span class="freshness__dot"></span>
    <span>Data as of <strong>${formatDate(created)}</strong> (${ago(created, now)})</span>
    <span class="muted">· snapshot <code>${manifest.snapshot_id}</code> · ${manifest.inputs.length} inputs · weather: ${manifest.weather.source}${stale.length ? html` · <strong>stale: ${stale.join(", ")}</strong>` : ""}</span>
  </div>`;
}

function formatDate(date) {
  return date.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

function ago(date, now) {
  const minutes = Math.round((now - date) / 60000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}
