// Charts and tables of the Anomalies page (Plot and htl). Data shaping lives in anomalyData.js.
import * as Plot from "npm:@observablehq/plot";
import {html} from "npm:htl";
import {fmt, formatEnergy, utcStamp} from "./forecastData.js";

export const SEVERITY_COLORS = {high: "#d62728", medium: "#ff9f1c", low: "#9aa0a6"};

/** A severity as a coloured pill. */
export function severityPill(s) {
  return html`<span class="anomaly-pill" style=${`background:${SEVERITY_COLORS[s] ?? "#ccc"}`}>${s}</span>`;
}

/** A share as a signed percentage ("28%" lost). */
export const lossPct = (x) => (x == null || !Number.isFinite(x) ? "–" : `${Math.round(100 * x)}%`);

/**
 * One event in context: measured vs the detector's expectation and the forecast with its 80 % band
 * (top), the hours flagged at the slider's threshold as red dots and the event's span shaded; the
 * observed GHI against the clear-sky GHI below, so a dark day shows as weather and a dark plant as
 * a fault.
 */
export function eventChart(hours, event, {width, threshold, names}) {
  const span = [{x1: event.start_ts, x2: event.end_ts}];
  const flagged = hours.filter((h) => h.z != null && Math.abs(h.z) > threshold);
  const energy = Plot.plot({
    width,
    height: 300,
    marginLeft: 60,
    x: {type: "utc", label: null},
    y: {label: "kWh per hour", grid: true},
    color: {legend: true, domain: ["Measured", "Expected (observed weather)", "Forecast (80% band)"], range: ["#222", "#4269d0", "#efb118"]},
    marks: [
      Plot.rectX(span, {x1: "x1", x2: "x2", fill: SEVERITY_COLORS[event.severity] ?? "#ccc", fillOpacity: 0.12}),
      Plot.areaY(hours.filter((h) => h.lower_80 != null), {x: "ts", y1: "lower_80", y2: "upper_80", fill: "#efb118", fillOpacity: 0.2, curve: "step-after"}),
      Plot.lineY(hours, {x: "ts", y: "forecast_kwh", stroke: () => "Forecast (80% band)", curve: "step-after", strokeDasharray: "4 3", className: "anomaly-forecast-line"}),
      Plot.lineY(hours, {x: "ts", y: "expected_kwh", stroke: () => "Expected (observed weather)", curve: "step-after", className: "anomaly-expected-line"}),
      Plot.lineY(hours, {x: "ts", y: "actual_kwh", stroke: () => "Measured", curve: "step-after", strokeWidth: 1.6, className: "anomaly-actual-line"}),
      Plot.dot(flagged, {x: (h) => new Date(+h.ts + 1_800_000), y: "actual_kwh", fill: "#d62728", r: 3.5, className: "anomaly-flag-dot",
        title: (h) => `${utcStamp(h.ts)}\nmeasured ${formatEnergy(h.actual_kwh)}, expected ${formatEnergy(h.expected_kwh)}\nz = ${fmt(h.z, 1)}`}),
      Plot.ruleY([0])
    ]
  });
  const weather = Plot.plot({
    width,
    height: 170,
    marginLeft: 60,
    x: {type: "utc", label: null},
    y: {label: "W/m²", grid: true},
    color: {legend: true, domain: ["Clear-sky GHI", "Observed GHI"], range: ["#bbb", "#e15759"]},
    marks: [
      Plot.rectX(span, {x1: "x1", x2: "x2", fill: SEVERITY_COLORS[event.severity] ?? "#ccc", fillOpacity: 0.12}),
      Plot.areaY(hours, {x: "ts", y: "clear_ghi", fill: "#ddd", curve: "step-after"}),
      Plot.lineY(hours, {x: "ts", y: "ghi_obs", stroke: () => "Observed GHI", curve: "step-after", className: "anomaly-ghi-line"}),
      Plot.lineY(hours, {x: "ts", y: "clear_ghi", stroke: () => "Clear-sky GHI", curve: "step-after", strokeOpacity: 0.6}),
      Plot.ruleY([0])
    ]
  });
  return html`<div><h3>${names.get(event.site_id) ?? event.site_id}: ${utcStamp(event.start_ts)} → ${utcStamp(event.end_ts)} UTC</h3>${energy}<h3>Weather over the same hours</h3>${weather}</div>`;
}

/** Energy lost in alarms per site, stacked by severity. */
export function lossBySiteChart(rows, {width, names}) {
  const data = rows.flatMap((r) => ["high", "medium"].map((severity) => ({site: names.get(r.site_id) ?? r.site_id, severity, mwh: r[severity] / 1000})));
  return Plot.plot({
    width,
    height: Math.max(140, 34 * rows.length + 40),
    marginLeft: 200,
    x: {label: "MWh lost in alarms", grid: true},
    y: {label: null, domain: rows.map((r) => names.get(r.site_id) ?? r.site_id)},
    color: {legend: true, domain: ["high", "medium"], range: [SEVERITY_COLORS.high, SEVERITY_COLORS.medium]},
    marks: [Plot.barX(data, {x: "mwh", y: "site", fill: "severity", className: "anomaly-loss-bar", tip: true}), Plot.ruleX([0])]
  });
}

/** Flagged hours per site: at the configured threshold and at the slider's. */
export function sensitivityTable(rows, {names, threshold, configured}) {
  return html`<table class="anomaly-table"><thead><tr><th>Site</th><th class="num">|z| > ${fmt(configured, 1)} (configured)</th><th class="num">|z| > ${fmt(threshold, 1)}</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr data-site=${r.site_id}><td>${names.get(r.site_id) ?? r.site_id}</td><td class="num">${r.configured.toLocaleString("en-US")}</td><td class="num">${r.flagged.toLocaleString("en-US")}</td></tr>`)}</tbody></table>`;
}

/** The evaluation against fault labels, one row per fault type. */
export function evaluationTable(rows) {
  const name = {all: "All faults (outage, partial, curtailment)", outage: "Outage", partial_outage: "Partial outage", curtailment: "Curtailment", soiling: "Soiling (scored apart)"};
  const n = (x, d = 2) => (x == null ? "–" : fmt(x, d));
  return html`<table class="anomaly-table"><thead><tr><th>Fault</th><th class="num">Labels</th><th class="num">With data</th><th class="num">Found</th><th class="num">Recall</th><th class="num">Precision</th><th class="num">F1</th><th class="num">Time to detect (median / max)</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr data-fault=${r.fault}><td>${name[r.fault] ?? r.fault}</td><td class="num">${r.labels}</td><td class="num">${r.observable}</td><td class="num">${r.found}</td>
      <td class="num">${n(r.recall)}</td><td class="num">${n(r.precision)}</td><td class="num">${n(r.f1)}</td>
      <td class="num">${r.median_ttd_h == null ? "–" : `${fmt(r.median_ttd_h, 0)} h / ${fmt(r.max_ttd_h, 0)} h`}</td></tr>`)}</tbody></table>`;
}
