import * as Plot from "npm:@observablehq/plot";
import * as d3 from "npm:d3";

const KIND_COLORS = {domain: ["gap", "stuck", "outlier", "unusual"], range: ["#999", "#9467bd", "#d62728", "#e0a100"]};

/** Where the problems are in time: one lane per site, a mark per gap, stuck run or outlier hour. */
export function qualityTimeline(events, {width, sites, height} = {}) {
  const names = new Map(sites.map((s) => [s.site_id, s.name]));
  const ids = sites.map((s) => s.site_id);
  return Plot.plot({
    width,
    height: height ?? 50 + ids.length * 26,
    marginLeft: 190,
    x: {label: null},
    y: {label: null, domain: ids, tickFormat: (id) => names.get(id) ?? id},
    color: {...KIND_COLORS, legend: true},
    marks: [
      Plot.ruleY(ids, {stroke: "currentColor", strokeOpacity: 0.1}),
      // Gaps and stuck runs have a length; outlier hours are points in time.
      Plot.barX(events.filter((d) => d.kind === "gap" || d.kind === "stuck"), {x1: "start_ts", x2: "end_ts", y: "site_id", fill: "kind", insetTop: 4, insetBottom: 4}),
      Plot.tickX(events.filter((d) => d.kind === "gap" || d.kind === "stuck"), {x: "start_ts", y: "site_id", stroke: "kind", strokeWidth: 2}),
      Plot.dot(events.filter((d) => d.kind === "outlier" || d.kind === "unusual"), {x: "start_ts", y: "site_id", fill: "kind", r: 2.5, fillOpacity: 0.7}),
      Plot.tip(events, Plot.pointer({x: "start_ts", y: "site_id", title: (d) => `${names.get(d.site_id)}\n${d.kind}: ${d.start_ts.toISOString().slice(0, 16).replace("T", " ")} UTC${d.hours ? ` · ${d.hours} h` : ""}\n${d.detail}`}))
    ]
  });
}

/** Rejected lines by reason (bad values abstracted) and file. */
export function rejectsChart(rejects, {width} = {}) {
  const rows = d3
    .flatRollup(rejects, (v) => v.length, (d) => reasonKind(d.reason), (d) => d.source)
    .map(([reason, source, count]) => ({reason, source, count}));
  return Plot.plot({
    width,
    height: 40 + new Set(rows.map((d) => d.reason)).size * 28,
    marginLeft: 230,
    x: {label: "Rejected lines", grid: true},
    y: {label: null},
    color: {legend: rows.length > 0, scheme: "tableau10"},
    marks: [Plot.barX(rows, {x: "count", y: "reason", fill: "source", sort: {y: "-x"}, tip: true}), Plot.ruleX([0])]
  });
}

/** "not a number: \"abc\"" → "not a number": group reasons by their kind, not the bad value. */
export function reasonKind(reason) {
  return reason.replace(/:? ?".*"/, "").replace(/^expected \d+ fields, found \d+$/, "wrong number of fields").trim();
}
