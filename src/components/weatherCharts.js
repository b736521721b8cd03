import * as Plot from "npm:@observablehq/plot";
import {html} from "npm:htl";

/** The overlay's series, in toggle order, with their colours. */
export const SERIES = ["Production", "GHI", "DNI", "DHI", "Clear-sky GHI", "Cloud cover", "Temperature", "Open-Meteo lookup"];

const COLORS = {
  Production: "var(--theme-foreground-focus)",
  GHI: "#f28e2b",
  DNI: "#e15759",
  DHI: "#4e9f9a",
  "Clear-sky GHI": "#6b6b6b",
  "Open-Meteo GHI": "#8e44ad",
  Temperature: "#d62728",
  "Cloud cover": "#8795a5",
  lookup: "#8e44ad"
};
const FORECAST_FILL = "#e0a100";
const STALE_FILL = "#d62728";
const MARGIN_LEFT = 58;
const MARGIN_RIGHT = 16;

/**
 * Production and weather for one site, hour by hour, as small multiples sharing the time axis
 * (production, irradiance, cloud cover, temperature: four units, so four y axes rather than two
 * crowded ones). Values sit at the middle of their UTC hour. `series` is the set of toggled names
 * (see SERIES); a panel is left out when none of its series is on. `spans` are forecast hours,
 * shaded amber; `staleSpans` are days the manifest reports stale or failed weather for, shaded red;
 * lookup values (Open-Meteo) are drawn dotted in purple.
 */
export function weatherOverlay(hours, {width, series, domain, capacity, spans = [], staleSpans = [], zone = "UTC"} = {}) {
  spans = [...spans.map((d) => ({...d, fill: FORECAST_FILL, label: "forecast hours"})), ...staleSpans.map((d) => ({...d, fill: STALE_FILL, label: `${d.source} ${d.status}`}))];
  const on = (name) => series.includes(name);
  const lookupOn = on("Open-Meteo lookup") && hours.some((d) => d.lookup);
  const irradiance = ["GHI", "DNI", "DHI", "Clear-sky GHI"].filter(on);
  if (lookupOn) irradiance.push("Open-Meteo GHI");
  const panels = [];
  if (on("Production")) panels.push(["production", (axis) => productionPanel(hours, {width, domain, capacity, spans, zone, axis})]);
  if (irradiance.length) panels.push(["irradiance", (axis) => irradiancePanel(hours, {width, domain, names: irradiance, spans, zone, axis})]);
  if (on("Cloud cover") || lookupOn) panels.push(["cloud", (axis) => cloudPanel(hours, {width, domain, own: on("Cloud cover"), lookup: lookupOn, spans, zone, axis})]);
  if (on("Temperature") || lookupOn) panels.push(["temperature", (axis) => temperaturePanel(hours, {width, domain, own: on("Temperature"), lookup: lookupOn, spans, zone, axis})]);
  if (!panels.length) return html`<p class="muted">Every series is switched off: tick one above.</p>`;
  return html`<div class="weather-panels">${panels.map(([name, draw], i) => html`<div class="weather-panel" data-panel=${name}>${draw(i === panels.length - 1)}</div>`)}</div>`;
}

function frame({width, domain, axis, height, y}) {
  return {
    width,
    height: height + (axis ? 28 : 0),
    marginLeft: MARGIN_LEFT,
    marginRight: MARGIN_RIGHT,
    marginTop: 18,
    marginBottom: axis ? 30 : 6,
    x: {type: "utc", domain, axis: axis ? "bottom" : null, label: null, grid: true},
    y: {grid: true, ...y}
  };
}

function spanMarks(spans) {
  return spans.length
    ? Plot.rectX(spans, {x1: "start", x2: "end", fill: (d) => d.fill, fillOpacity: 0.1, title: (d) => `${d.label}\n${utc(d.start)} – ${utc(d.end)} UTC`, className: "weather-span"})
    : null;
}

function productionPanel(hours, {width, domain, capacity, spans, zone, axis}) {
  const max = Math.max(capacity ?? 0, ...hours.map((d) => d.energy_kwh ?? 0));
  return Plot.plot({
    ...frame({width, domain, axis, height: 150, y: {label: "Production (kWh per hour)", domain: [0, max || 1], nice: true}}),
    marks: [
      spanMarks(spans),
      capacity ? Plot.ruleY([capacity], {stroke: "currentColor", strokeDasharray: "4 3", strokeOpacity: 0.45}) : null,
      Plot.areaY(hours, {x: "mid", y: "energy_kwh", fill: COLORS.Production, fillOpacity: 0.18}),
      Plot.lineY(hours, {x: "mid", y: "energy_kwh", stroke: COLORS.Production, strokeWidth: 1.4}),
      Plot.ruleY([0]),
      Plot.tip(hours, Plot.pointerX({x: "mid", y: "energy_kwh", title: (d) => [when(d, zone), d.energy_kwh == null ? "no production data" : `${fmt(d.energy_kwh, 1)} kWh (${d.quality})`].join("\n")}))
    ]
  });
}

function irradiancePanel(hours, {width, domain, names, spans, zone, axis}) {
  const has = (n) => names.includes(n);
  const line = (name, y, extra = {}) => Plot.lineY(hours, {x: "mid", y, stroke: () => name, strokeWidth: 1.3, ...extra});
  return Plot.plot({
    ...frame({width, domain, axis, height: 210, y: {label: "Irradiance (W/m²)", nice: true}}),
    color: {domain: names, range: names.map((n) => COLORS[n]), legend: true},
    marks: [
      spanMarks(spans),
      // How far below clear sky each hour is: the band between measured GHI and the clear sky.
      has("GHI") && has("Clear-sky GHI") ? Plot.areaY(hours, {x: "mid", y1: "ghi", y2: "clear", fill: COLORS["Clear-sky GHI"], fillOpacity: 0.12}) : null,
      has("DHI") ? line("DHI", "dhi") : null,
      has("DNI") ? line("DNI", "dni") : null,
      has("GHI") ? line("GHI", "ghi", {strokeWidth: 1.8}) : null,
      has("Clear-sky GHI") ? line("Clear-sky GHI", "clear", {strokeDasharray: "5 3", strokeWidth: 1.2}) : null,
      has("Open-Meteo GHI") ? line("Open-Meteo GHI", "lookup_ghi", {strokeDasharray: "2 2", strokeWidth: 1.8, className: "weather-lookup"}) : null,
      Plot.ruleY([0]),
      Plot.tip(hours, Plot.pointerX({x: "mid", y: (d) => d.ghi ?? d.lookup_ghi ?? d.clear, title: (d) => irradianceTip(d, names, zone)}))
    ]
  });
}

function irradianceTip(d, names, zone) {
  const lines = [when(d, zone)];
  if (names.includes("GHI")) lines.push(`GHI ${fmt(d.ghi)} W/m²${d.kt != null ? ` · ${Math.round(d.kt * 100)}% of clear sky` : ""}`);
  if (names.includes("Clear-sky GHI")) lines.push(`clear sky ${fmt(d.clear)} W/m²`);
  if (names.includes("DNI")) lines.push(`DNI ${fmt(d.dni)} W/m²`);
  if (names.includes("DHI")) lines.push(`DHI ${fmt(d.dhi)} W/m²`);
  if (names.includes("Open-Meteo GHI")) lines.push(`Open-Meteo GHI ${fmt(d.lookup_ghi)} W/m²`);
  lines.push(d.source ? `${d.source} · ${d.kind}${d.issued_at ? ` (issued ${utc(d.issued_at)} UTC)` : ""}` : "no weather in the snapshot");
  return lines.join("\n");
}

function cloudPanel(hours, {width, domain, own, lookup, spans, zone, axis}) {
  return Plot.plot({
    ...frame({width, domain, axis, height: 90, y: {label: "Cloud cover (%)", domain: [0, 100], ticks: [0, 50, 100]}}),
    marks: [
      spanMarks(spans),
      own ? Plot.areaY(hours, {x: "mid", y: "cloud", fill: COLORS["Cloud cover"], fillOpacity: 0.45, curve: "step"}) : null,
      lookup ? Plot.lineY(hours, {x: "mid", y: "lookup_cloud", stroke: COLORS.lookup, strokeDasharray: "2 2", strokeWidth: 1.5, className: "weather-lookup"}) : null,
      Plot.ruleY([0]),
      Plot.tip(hours, Plot.pointerX({x: "mid", y: (d) => (own ? d.cloud : null) ?? d.lookup_cloud, title: (d) => [when(d, zone), own ? `cloud cover ${fmt(d.cloud)}%` : null, lookup ? `Open-Meteo ${fmt(d.lookup_cloud)}%` : null].filter(Boolean).join("\n")}))
    ]
  });
}

function temperaturePanel(hours, {width, domain, own, lookup, spans, zone, axis}) {
  return Plot.plot({
    ...frame({width, domain, axis, height: 110, y: {label: "Temperature (°C)", nice: true}}),
    marks: [
      spanMarks(spans),
      own ? Plot.lineY(hours, {x: "mid", y: "temp", stroke: COLORS.Temperature, strokeWidth: 1.4}) : null,
      lookup ? Plot.lineY(hours, {x: "mid", y: "lookup_temp", stroke: COLORS.lookup, strokeDasharray: "2 2", strokeWidth: 1.5, className: "weather-lookup"}) : null,
      Plot.tip(hours, Plot.pointerX({x: "mid", y: (d) => (own ? d.temp : null) ?? d.lookup_temp, title: (d) => [when(d, zone), own ? `${fmt(d.temp, 1)} °C` : null, lookup ? `Open-Meteo ${fmt(d.lookup_temp, 1)} °C` : null].filter(Boolean).join("\n")}))
    ]
  });
}

/**
 * Hourly production against GHI, each dot coloured by air temperature: hot hours sit below cool
 * ones at the same irradiance (cells lose about 0.3–0.5% per °C). Night hours (GHI 0) are left out.
 */
export function productionVsGhi(hours, {width, capacity, height = 320, zone = "UTC"} = {}) {
  const points = hours.filter((d) => d.ghi > 0 && d.energy_kwh != null);
  if (!points.length) return html`<p class="muted">No daylight hour in this period has both GHI and production.</p>`;
  return Plot.plot({
    width,
    height,
    marginLeft: MARGIN_LEFT,
    grid: true,
    x: {label: "GHI (W/m²)", nice: true},
    y: {label: "Production (kWh per hour)", nice: true, domain: [0, Math.max(capacity ?? 0, ...points.map((d) => d.energy_kwh))]},
    color: {type: "linear", scheme: "RdYlBu", reverse: true, legend: true, label: "Air temperature (°C)"},
    marks: [
      capacity ? Plot.ruleY([capacity], {stroke: "currentColor", strokeDasharray: "4 3", strokeOpacity: 0.45}) : null,
      Plot.dot(points, {x: "ghi", y: "energy_kwh", fill: "temp", r: 2.6, fillOpacity: 0.8, stroke: "none"}),
      Plot.ruleY([0]),
      Plot.ruleX([0]),
      Plot.tip(points, Plot.pointer({x: "ghi", y: "energy_kwh", title: (d) => [when(d, zone), `${fmt(d.energy_kwh, 1)} kWh`, `GHI ${fmt(d.ghi)} W/m²`, `${fmt(d.temp, 1)} °C`].join("\n")}))
    ]
  });
}

/** "2026-06-30 09:00–10:00 UTC (11:00 local)" for an hour row. */
function when(d, zone) {
  const end = new Date(+d.ts + 3_600_000);
  const local = zone && zone !== "UTC" ? ` (${localTime(d.ts, zone)} local)` : "";
  return `${utc(d.ts)}–${end.toISOString().slice(11, 16)} UTC${local}`;
}

const localFormats = new Map();
function localTime(date, zone) {
  let f = localFormats.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-GB", {timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
    } catch {
      f = null;
    }
    localFormats.set(zone, f);
  }
  return f ? f.format(date) : "?";
}

function utc(date) {
  return new Date(date).toISOString().slice(0, 16).replace("T", " ");
}

// Tip titles are computed for every hour up front (two years = 17,520 per panel): number.toLocaleString
// builds a formatter per call and made a two-year period take seconds, so formatters are reused.
const numberFormats = [0, 1].map((digits) => new Intl.NumberFormat("en-US", {maximumFractionDigits: digits, minimumFractionDigits: digits}));
function fmt(x, digits = 0) {
  return x == null || Number.isNaN(x) ? "–" : numberFormats[digits].format(x);
}
