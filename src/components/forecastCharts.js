// Charts and tables of the Forecast page (Plot and htl). Data shaping lives in forecastData.js.
// Time axes are UTC instants labelled in the site's local time; values sit at the middle of their hour.
import * as Plot from "npm:@observablehq/plot";
import {html} from "npm:htl";
import {HOUR_MS, MODEL_ORDER, REFERENCES, fmt, formatEnergy, localStamp, localTime, offsetLabel, pct, toCsv, trainingWeather, utcStamp, vintageLabel} from "./forecastData.js";

export const COLORS = {
  Forecast: "var(--theme-foreground-focus)",
  Measured: "currentColor",
  "Clear sky": "#9a9a9a",
  Persistence: "#8c6d31",
  "Smart persistence": "#e15759",
  Climatology: "#59a14f",
  "Prophet alone": "#b07aa1",
  up: "#2a9d8f",
  down: "#d1495b",
  clip: "#999",
  total: "var(--theme-foreground-focus)",
  forecastWeather: "#e0a100",
  observedWeather: "#4e79a7",
  noWeather: "#bbb",
  GHI: "#f28e2b",
  Cloud: "#8795a5",
  Temperature: "#d62728"
};
const MARGIN_LEFT = 60;
const MARGIN_RIGHT = 20;
const mid = (r) => new Date(+r.ts + HOUR_MS / 2);

/** Time axis in the site's zone: ticks at UTC hours, labelled with local clock time. */
function timeAxis(domain, zone, {axis = true} = {}) {
  // Every three hours from the day's first hour (local midnight, or 00:30 in a :30 zone).
  const ticks = [];
  for (let t = +domain[0]; t <= +domain[1]; t += 3 * HOUR_MS) ticks.push(new Date(t));
  return {
    type: "utc",
    domain,
    axis: axis ? "bottom" : null,
    grid: true,
    ticks,
    tickFormat: (d) => localTime(d, zone),
    label: axis ? `Local time, ${zone} (${offsetLabel(+domain[0], zone)})` : null,
    labelAnchor: "right",
    labelOffset: 30
  };
}

function hourTitle(r, zone) {
  return `${localStamp(+r.ts, zone)} local (${utcStamp(+r.ts)})`;
}

/**
 * Measured against forecast for one vintage's hours: 95% and 80% interval bands, the clear sky faint
 * dashed, the chosen reference forecasts dashed, the measured energy in black, and the selected
 * hour marked. `references` are names from REFERENCES.
 */
export function forecastChart(rows, {width, zone, domain, references = [], selectedHour = null, capacity, height = 320} = {}) {
  const refs = REFERENCES.filter((r) => references.includes(r.name));
  const names = ["Forecast", "Measured", "Clear sky", ...refs.map((r) => r.name)];
  const measured = rows.filter((r) => r.actual_kwh != null);
  const selected = rows.filter((r) => +r.ts === selectedHour);
  const max = Math.max(1, ...rows.flatMap((r) => [r.upper_95, r.actual_kwh, r.clear_sky_kwh, ...refs.map((x) => r[x.column])]).filter((v) => v != null && Number.isFinite(v)));
  return Plot.plot({
    width,
    height,
    marginLeft: MARGIN_LEFT,
    marginRight: MARGIN_RIGHT,
    marginBottom: 42,
    x: timeAxis(domain, zone),
    y: {grid: true, label: "Energy per hour (kWh)", domain: [0, max], nice: true},
    color: {domain: names, range: names.map((n) => COLORS[n]), legend: true},
    marks: [
      capacity ? Plot.ruleY([capacity], {stroke: "currentColor", strokeDasharray: "4 3", strokeOpacity: 0.3}) : null,
      Plot.areaY(rows, {x: mid, y1: "lower_95", y2: "upper_95", fill: COLORS.Forecast, fillOpacity: 0.12, className: "forecast-band95"}),
      Plot.areaY(rows, {x: mid, y1: "lower_80", y2: "upper_80", fill: COLORS.Forecast, fillOpacity: 0.25, className: "forecast-band80"}),
      Plot.lineY(rows, {x: mid, y: "clear_sky_kwh", stroke: () => "Clear sky", strokeDasharray: "3 3", strokeOpacity: 0.6, strokeWidth: 1}),
      ...refs.map((ref) => Plot.lineY(rows, {x: mid, y: ref.column, stroke: () => ref.name, strokeDasharray: "5 3", strokeWidth: 1.3, className: "forecast-reference"})),
      Plot.lineY(rows, {x: mid, y: "forecast_kwh", stroke: () => "Forecast", strokeWidth: 2.2, className: "forecast-line"}),
      Plot.lineY(measured, {x: mid, y: "actual_kwh", stroke: () => "Measured", strokeWidth: 1.2, className: "forecast-actual"}),
      Plot.dot(measured, {x: mid, y: "actual_kwh", fill: "currentColor", r: 2}),
      Plot.ruleX(selected, {x: mid, stroke: "#e0a100", strokeWidth: 2, strokeOpacity: 0.8}),
      Plot.ruleY([0]),
      Plot.tip(
        rows,
        Plot.pointerX({
          x: mid,
          y: "forecast_kwh",
          title: (r) =>
            [
              hourTitle(r, zone),
              `forecast ${fmt(r.forecast_kwh, 2)} kWh (80%: ${fmt(r.lower_80, 2)}–${fmt(r.upper_80, 2)}, 95%: ${fmt(r.lower_95, 2)}–${fmt(r.upper_95, 2)})`,
              `measured ${r.actual_kwh == null ? "not known yet" : `${fmt(r.actual_kwh, 2)} kWh`}`,
              `clear sky ${fmt(r.clear_sky_kwh, 2)} kWh`,
              ...refs.map((x) => `${x.name.toLowerCase()} ${fmt(r[x.column], 2)} kWh`),
              `horizon ${r.horizon_h} h · weather: ${r.weather_kind ?? "none"}`,
              r.sun_up ? "click to explain this hour" : "sun down"
            ].join("\n")
        })
      )
    ]
  });
}

/**
 * Prophet's baseline and the GBDT's correction (bars, signed) that add up to the forecast (before
 * clipping), for the same hours.
 */
export function componentsChart(rows, {width, zone, domain, selectedHour = null, height = 330} = {}) {
  const names = ["Prophet baseline", "GBDT correction +", "GBDT correction −", "Forecast"];
  const selected = rows.filter((r) => +r.ts === selectedHour);
  return Plot.plot({
    width,
    height,
    marginLeft: MARGIN_LEFT,
    marginRight: MARGIN_RIGHT,
    marginBottom: 42,
    x: timeAxis(domain, zone),
    y: {grid: true, label: "kWh per hour", nice: true},
    color: {domain: names, range: ["#b07aa1", COLORS.up, COLORS.down, COLORS.Forecast], legend: true},
    marks: [
      Plot.rectY(rows, {
        x1: (r) => new Date(+r.ts + HOUR_MS * 0.12),
        x2: (r) => new Date(+r.ts + HOUR_MS * 0.88),
        y: "correction_kwh",
        fill: (r) => (r.correction_kwh >= 0 ? "GBDT correction +" : "GBDT correction −"),
        fillOpacity: 0.75,
        className: "forecast-correction"
      }),
      Plot.lineY(rows, {x: mid, y: "baseline_kwh", stroke: () => "Prophet baseline", strokeWidth: 1.6, strokeDasharray: "5 3", className: "forecast-baseline"}),
      Plot.lineY(rows, {x: mid, y: "forecast_kwh", stroke: () => "Forecast", strokeWidth: 2}),
      Plot.ruleX(selected, {x: mid, stroke: "#e0a100", strokeWidth: 2, strokeOpacity: 0.8}),
      Plot.ruleY([0]),
      Plot.tip(
        rows,
        Plot.pointerX({
          x: mid,
          y: "forecast_kwh",
          title: (r) => [hourTitle(r, zone), `baseline ${fmt(r.baseline_kwh, 2)} kWh`, `correction ${signed(r.correction_kwh)} kWh`, `forecast ${fmt(r.forecast_kwh, 2)} kWh`].join("\n")
        })
      )
    ]
  });
}

/**
 * The day in sums: Prophet's baseline, the GBDT correction and clipping adding up to the forecast,
 * the measured energy, and the error of Prophet alone against the hybrid over the day's hours.
 */
export function dayPartsTable(p) {
  const row = (label, value, note = "") => html`<tr><td>${label}</td>${num(value)}<td class="muted">${note}</td></tr>`;
  return html`<table class="forecast-table forecast-parts" data-testid="forecast-day-parts">
    <tbody>
      ${row("Prophet baseline", formatEnergy(p.baseline), p.prophetScore ? `alone: RMSE ${fmt(p.prophetScore.rmse, 2)} kWh per daytime hour` : "")}
      ${row("+ GBDT correction", `${p.correction >= 0 ? "+" : "−"}${formatEnergy(Math.abs(p.correction))}`)}
      ${Math.abs(p.clip) >= 0.05 ? row("+ clipping to [0, capacity]", `${p.clip >= 0 ? "+" : "−"}${formatEnergy(Math.abs(p.clip))}`) : ""}
      ${row(html`<strong>= forecast</strong>`, html`<strong>${formatEnergy(p.forecast)}</strong>`, p.hybridScore ? `RMSE ${fmt(p.hybridScore.rmse, 2)} kWh per daytime hour` : "")}
      ${row("measured", p.actual == null ? "not yet" : formatEnergy(p.actual))}
    </tbody>
  </table>`;
}

/** Every vintage covering the day on one chart (the chosen one thicker), with the measured values. */
export function vintageChart(vintages, {width, zone, domain, selectedKey, height = 300} = {}) {
  const label = (v) => vintageShort(v, zone);
  const labels = vintages.map(label);
  const rows = vintages.flatMap((v) => v.rows.map((r) => ({...r, vintage: label(v), chosen: v.key === selectedKey})));
  const measured = new Map();
  for (const v of vintages) for (const r of v.rows) if (r.actual_kwh != null) measured.set(+r.ts, r);
  const palette = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"];
  return Plot.plot({
    width,
    height,
    marginLeft: MARGIN_LEFT,
    marginRight: MARGIN_RIGHT,
    marginBottom: 42,
    x: timeAxis(domain, zone),
    y: {grid: true, label: "Energy per hour (kWh)", nice: true},
    color: {domain: labels, range: labels.map((_, i) => palette[i % palette.length]), legend: true},
    marks: [
      Plot.lineY(rows, {x: mid, y: "forecast_kwh", z: "vintage", stroke: "vintage", strokeWidth: 1.3, strokeOpacity: 0.85, className: "forecast-vintage"}),
      // The chosen vintage on top, thicker, with its points.
      Plot.lineY(rows.filter((r) => r.chosen), {x: mid, y: "forecast_kwh", stroke: "vintage", strokeWidth: 3, className: "forecast-vintage-chosen"}),
      Plot.dot(rows.filter((r) => r.chosen && r.sun_up), {x: mid, y: "forecast_kwh", fill: "vintage", r: 2.5}),
      Plot.dot([...measured.values()], {x: mid, y: "actual_kwh", fill: "currentColor", r: 2.2, title: (r) => `${hourTitle(r, zone)}\nmeasured ${fmt(r.actual_kwh, 2)} kWh`}),
      Plot.ruleY([0]),
      Plot.tip(rows, Plot.pointer({x: mid, y: "forecast_kwh", title: (r) => `${r.vintage}\n${hourTitle(r, zone)}\nforecast ${fmt(r.forecast_kwh, 2)} kWh · horizon ${r.horizon_h} h${r.actual_kwh != null ? `\nmeasured ${fmt(r.actual_kwh, 2)} kWh` : ""}`}))
    ]
  });
}

function vintageShort(v, zone) {
  return `${localStamp(+v.issued_at, zone)} · ${String(v.model_version).slice(0, 8)} · h${v.horizon[0]}–${v.horizon[1]}`;
}

/** The vintages as a table: issue time, run, model version, horizons, energy and error against the measured values. */
export function vintageTable(vintages, {zone, selectedKey} = {}) {
  return html`<table class="forecast-table" data-testid="forecast-vintage-table">
    <thead><tr><th>Issued (local)</th><th>Run</th><th>Model</th><th>Version</th><th class="num">Horizon</th><th class="num">Forecast</th><th class="num">Measured</th><th class="num">RMSE</th><th class="num">MAE</th><th class="num">Bias</th></tr></thead>
    <tbody>${vintages.map(
      (v) => html`<tr class=${v.key === selectedKey ? "forecast-chosen" : ""}>
        <td title=${utcStamp(+v.issued_at)}>${localStamp(+v.issued_at, zone)}</td>
        <td>${v.run}</td><td>${v.model}</td><td><code>${String(v.model_version).slice(0, 12)}</code></td>
        <td class="num">${v.horizon[0]}–${v.horizon[1]} h</td>
        <td class="num">${formatEnergy(v.forecast_kwh)}</td>
        <td class="num">${v.actual_kwh == null ? "not yet" : `${formatEnergy(v.actual_kwh)}${v.actualHours < v.hours ? ` (${v.actualHours} h)` : ""}`}</td>
        <td class="num">${v.score ? `${fmt(v.score.rmse, 2)} kWh` : "–"}</td>
        <td class="num">${v.score ? `${fmt(v.score.mae, 2)} kWh` : "–"}</td>
        <td class="num">${v.score ? `${signed(v.score.bias)} kWh` : "–"}</td>
      </tr>`
    )}</tbody>
  </table>`;
}

/** The hour's largest TreeSHAP contributions to the GBDT correction and the rest of it, signed kWh. */
export function contributionsChart(d, {width, height} = {}) {
  if (!d.top.length) return html`<p class="muted" data-testid="forecast-no-contributions">No contributions stored for this hour: the pipeline keeps them for daytime hours of the most recent issues only (<code>forecast.explain_days</code>). The decomposition below still holds.</p>`;
  const bars = [...d.top.map((c) => ({label: c.feature, kwh: c.kwh, kind: "top"})), {label: "other features + mean", kwh: d.rest, kind: "rest"}];
  const extent = Math.max(...bars.map((b) => Math.abs(b.kwh)), 1e-6);
  return Plot.plot({
    width,
    height: height ?? 40 + bars.length * 30,
    marginLeft: 150,
    marginRight: 20,
    x: {label: "Contribution to the correction (kWh)", domain: [-extent * 1.5, extent * 1.5], grid: true},
    y: {label: null, domain: bars.map((b) => b.label)},
    marks: [
      Plot.barX(bars, {x: "kwh", y: "label", fill: (b) => (b.kwh >= 0 ? COLORS.up : COLORS.down), fillOpacity: (b) => (b.kind === "rest" ? 0.45 : 0.85), className: "forecast-contribution"}),
      // dx and textAnchor are constants in Plot, so positive and negative labels are two marks.
      Plot.text(bars.filter((b) => b.kwh >= 0), {x: "kwh", y: "label", text: (b) => signed(b.kwh), dx: 4, textAnchor: "start", fontSize: 11}),
      Plot.text(bars.filter((b) => b.kwh < 0), {x: "kwh", y: "label", text: (b) => signed(b.kwh), dx: -4, textAnchor: "end", fontSize: 11}),
      Plot.ruleX([0])
    ]
  });
}

/** Baseline → + each contribution → + the rest → clipping → forecast, as a waterfall; the measured value as a dashed line. */
export function waterfallChart(steps, {width, actual = null, height = 260} = {}) {
  const labels = steps.map((s, i) => `${i + 1}. ${s.label}`);
  const data = steps.map((s, i) => ({...s, key: labels[i]}));
  return Plot.plot({
    width,
    height,
    marginLeft: 56,
    marginBottom: 80,
    x: {domain: labels, label: null, tickRotate: -28, tickFormat: (k) => k.replace(/^\d+\. /, "")},
    y: {grid: true, label: "kWh", nice: true},
    marks: [
      Plot.barY(data, {x: "key", y1: "from", y2: "to", fill: (s) => (s.kind === "total" ? COLORS.total : s.kind === "clip" ? COLORS.clip : s.kind === "up" ? COLORS.up : COLORS.down), fillOpacity: (s) => (s.kind === "total" ? 0.55 : 0.85), className: "forecast-step"}),
      Plot.text(data, {x: "key", y: (s) => Math.max(s.from, s.to), text: (s) => (s.kind === "total" ? fmt(s.to, 2) : signed(s.delta)), dy: -6, fontSize: 10}),
      actual != null ? Plot.ruleY([actual], {stroke: "currentColor", strokeDasharray: "4 3"}) : null,
      Plot.ruleY([0])
    ]
  });
}

/**
 * Weather for the vintage's hours, as panels under the forecast: which weather each hour used
 * (forecast known at issue time, observed, or none), then GHI, cloud cover and temperature, the
 * used weather solid and the observed weather of the same hour dashed for comparison.
 */
export function weatherPanels(hours, {width, zone, domain} = {}) {
  const kindName = (h) => (h.kind === "forecast" ? "weather forecast" : h.kind === "observed" ? "observed weather" : "no weather");
  const kindDomain = ["weather forecast", "observed weather", "no weather"];
  const frame = (height, axis, y) => ({
    width,
    height: height + (axis ? 42 : 0),
    marginLeft: MARGIN_LEFT,
    marginRight: MARGIN_RIGHT,
    marginTop: 18,
    marginBottom: axis ? 42 : 6,
    x: timeAxis(domain, zone, {axis}),
    y
  });
  const tip = (unit, used, obs) =>
    Plot.tip(hours, Plot.pointerX({x: "mid", y: (h) => h[used] ?? h[obs], title: (h) => [hourTitle(h, zone), `${kindName(h)}${h.issued_at ? ` issued ${utcStamp(+h.issued_at)}` : ""}${h.kind && !h.found ? " (row not in weather_hourly)" : ""}`, `used: ${fmt(h[used], 1)} ${unit}`, `observed: ${fmt(h[obs], 1)} ${unit}`].join("\n")}));
  const used = (y, color, extra = {}) => Plot.lineY(hours, {x: "mid", y, stroke: color, strokeWidth: 1.8, ...extra});
  const observed = (y, color) => Plot.lineY(hours, {x: "mid", y, stroke: color, strokeWidth: 1.2, strokeDasharray: "3 3", strokeOpacity: 0.8, className: "forecast-weather-observed"});
  const kinds = Plot.plot({
    ...frame(34, false, {axis: null, domain: [0, 1]}),
    marginTop: 4,
    color: {domain: kindDomain, range: [COLORS.forecastWeather, COLORS.observedWeather, COLORS.noWeather], legend: true},
    marks: [
      Plot.rectY(hours, {x1: "ts", x2: (h) => new Date(+h.ts + HOUR_MS), y1: 0, y2: 1, fill: kindName, inset: 0.5, title: (h) => `${hourTitle(h, zone)}\n${kindName(h)}${h.issued_at ? `, issued ${utcStamp(+h.issued_at)}` : ""}`, className: "forecast-weather-kind"})
    ]
  });
  const ghi = Plot.plot({
    ...frame(120, false, {grid: true, label: "GHI (W/m²)", nice: true}),
    marks: [observed("obs_ghi", COLORS.GHI), used("ghi", COLORS.GHI), Plot.ruleY([0]), tip("W/m²", "ghi", "obs_ghi")]
  });
  const cloud = Plot.plot({
    ...frame(80, false, {grid: true, label: "Cloud cover (%)", domain: [0, 100], ticks: [0, 50, 100]}),
    marks: [Plot.areaY(hours, {x: "mid", y: "cloud", fill: COLORS.Cloud, fillOpacity: 0.35}), observed("obs_cloud", COLORS.Cloud), used("cloud", COLORS.Cloud), Plot.ruleY([0]), tip("%", "cloud", "obs_cloud")]
  });
  const temp = Plot.plot({
    ...frame(90, true, {grid: true, label: "Temperature (°C)", nice: true}),
    marks: [observed("obs_temp", COLORS.Temperature), used("temp", COLORS.Temperature), tip("°C", "temp", "obs_temp")]
  });
  return html`<div class="forecast-weather-panels">
    <div class="forecast-panel" data-panel="kind">${kinds}</div>
    <div class="forecast-panel" data-panel="ghi">${ghi}</div>
    <div class="forecast-panel" data-panel="cloud">${cloud}</div>
    <div class="forecast-panel" data-panel="temperature">${temp}</div>
  </div>`;
}

/** Accuracy against history length: the site's own Prophet+GBDT and the fleet model, nMAE (% of capacity). */
export function transferChart(summary, {width, newSiteDays = null, height = 300, names = new Map()} = {}) {
  const rows = summary.rows.filter((r) => r.nmae_pct != null);
  const many = summary.sites.length > 1;
  const label = (r) => (r.model === "own" ? "own (Prophet + GBDT, this site only)" : "fleet-transfer (fleet GBDT, other sites)");
  // History lengths roughly double, so equal spacing (a point scale) reads like a log axis and labels every length.
  const days = [...new Set([...summary.days, ...(newSiteDays != null ? [newSiteDays] : [])])].sort((a, b) => a - b);
  return Plot.plot({
    width,
    height,
    marginLeft: MARGIN_LEFT,
    marginRight: MARGIN_RIGHT,
    x: {type: "point", domain: days, label: "Days of the site's own history before the evaluation window", grid: true, inset: 20},
    y: {grid: true, label: "nMAE (% of capacity), lower is better", nice: true, zero: true},
    color: {legend: true, domain: ["own (Prophet + GBDT, this site only)", "fleet-transfer (fleet GBDT, other sites)"], range: ["#4269d0", "#ff725c"]},
    marks: [
      newSiteDays != null ? Plot.ruleX([newSiteDays], {stroke: "currentColor", strokeDasharray: "4 3", strokeOpacity: 0.6}) : null,
      newSiteDays != null ? Plot.text([newSiteDays], {x: (d) => d, frameAnchor: "top", text: (d) => `new_site_days = ${d}`, dy: 6, dx: 4, textAnchor: "start", fontSize: 11}) : null,
      Plot.lineY(rows, {x: "history_days", y: "nmae_pct", stroke: label, z: (r) => `${r.site_id}|${r.model}`, strokeWidth: 2, className: "forecast-transfer-line"}),
      Plot.dot(rows, {x: "history_days", y: "nmae_pct", fill: label, r: 3.5}),
      Plot.tip(rows, Plot.pointer({x: "history_days", y: "nmae_pct", title: (r) => `${many ? `${names.get(r.site_id) ?? r.site_id}\n` : ""}${label(r)}\n${r.history_days} days of history\nnMAE ${fmt(r.nmae_pct, 1)}% · RMSE ${fmt(r.rmse_kwh, 1)} kWh\nskill vs smart persistence ${fmt(r.skill_rmse, 2)} · ${r.n} hours`}))
    ]
  });
}

const num = (v) => html`<td class="num">${v}</td>`;

/** The live issue per site: the next local day's energy with the summed 80% bounds, issue time, model and weather. */
export function tomorrowTable(t) {
  return html`<table class="forecast-table" data-testid="forecast-tomorrow-table">
    <thead><tr><th>Site</th><th>Local day</th><th class="num">Forecast</th><th class="num">80% range</th><th>Issued (local)</th><th>Model</th><th>Weather used</th></tr></thead>
    <tbody>${t.sites.map(
      (s) => html`<tr>
        <td>${s.name}</td>
        <td>${s.day}${s.complete ? "" : html` <span class="pill pill--warn" title="the live issue covers only part of this day">${s.hours} h</span>`}</td>
        ${num(formatEnergy(s.forecast_kwh))}
        ${num(`${formatEnergy(s.lower_80)} – ${formatEnergy(s.upper_80)}`)}
        <td title=${utcStamp(+s.issued_at)}>${localStamp(+s.issued_at, s.timezone)}</td>
        <td>${s.model} <code>${String(s.model_version).slice(0, 8)}</code></td>
        <td>${weatherText(s.weather)}</td>
      </tr>`
    )}</tbody>
    <tfoot><tr><th>Fleet (${t.fleet.sites} sites)</th><th>${t.fleet.days.join(", ")}</th>${num(html`<strong>${formatEnergy(t.fleet.forecast_kwh)}</strong>`)}${num(`${formatEnergy(t.fleet.lower_80)} – ${formatEnergy(t.fleet.upper_80)}`)}<th colspan="3"></th></tr></tfoot>
  </table>`;
}

/** "24 h on the weather forecast issued 2026-06-29 00:00 UTC" and any observed or missing hours. */
export function weatherText(w) {
  const parts = [];
  if (w.forecastHours) parts.push(`${w.forecastHours} h forecast issued ${w.issuedFrom && w.issuedTo && +w.issuedFrom !== +w.issuedTo ? `${utcStamp(+w.issuedFrom)} – ${utcStamp(+w.issuedTo)}` : w.issuedFrom ? utcStamp(+w.issuedFrom) : "at an unknown time"}`);
  if (w.observedHours) parts.push(`${w.observedHours} h observed (optimistic)`);
  if (w.noneHours) parts.push(`${w.noneHours} h without weather`);
  return parts.join(" · ") || "–";
}

/** All models side by side for one scope and horizon: errors, skill against smart persistence, interval coverage. */
export function accuracyTable(rows, {capacity = null} = {}) {
  const kwh = rows.some((r) => r.rmse_kwh != null);
  return html`<table class="forecast-table" data-testid="forecast-accuracy-table">
    <thead><tr><th>Model</th><th class="num">Hours</th>${kwh ? html`<th class="num">RMSE</th><th class="num">MAE</th><th class="num">Bias</th>` : ""}<th class="num">nRMSE</th><th class="num">nMAE</th><th class="num" title="1 − RMSE / RMSE of smart persistence on the same hours">Skill vs smart persistence</th><th class="num" title="share of measured values inside the 80% interval">Coverage 80%</th><th class="num" title="share of measured values inside the 95% interval">Coverage 95%</th><th class="num" title="mean width of the 80% interval, % of capacity">80% width</th></tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr class=${r.model === "hybrid" ? "forecast-chosen" : ""} data-model=${r.model}>
        <td>${modelName(r.model)}</td>
        ${num(r.n?.toLocaleString("en-US") ?? "–")}
        ${kwh ? html`${num(`${fmt(r.rmse_kwh, capacity && capacity >= 1000 ? 0 : 2)} kWh`)}${num(`${fmt(r.mae_kwh, capacity && capacity >= 1000 ? 0 : 2)} kWh`)}${num(`${signed(r.bias_kwh, capacity && capacity >= 1000 ? 0 : 2)} kWh`)}` : ""}
        ${num(`${fmt(r.nrmse_pct, 1)}%`)}
        ${num(`${fmt(r.nmae_pct, 1)}%`)}
        ${num(r.model === "smart persistence" ? "0 (reference)" : skillText(r.skill_rmse))}
        ${num(coverageCell(r.coverage80, 0.8))}
        ${num(coverageCell(r.coverage95, 0.95))}
        ${num(r.width80_pct == null ? "–" : `${fmt(r.width80_pct, 1)}%`)}
      </tr>`
    )}</tbody>
  </table>`;
}

/** Every scope (fleet, then sites) with every model's nRMSE side by side, the hybrid's skill and coverage. */
export function accuracyOverviewTable(rows) {
  return html`<div class="forecast-scroll"><table class="forecast-table" data-testid="forecast-accuracy-overview">
    <thead>
      <tr><th rowspan="2">Scope</th><th class="num" rowspan="2">Hours</th><th colspan=${MODEL_ORDER.length} class="forecast-group">nRMSE, % of capacity (best in bold)</th><th colspan="3" class="forecast-group">Hybrid</th></tr>
      <tr>${MODEL_ORDER.map((m) => html`<th class="num" title=${modelName(m)}>${shortName(m)}</th>`)}<th class="num">Skill</th><th class="num">Cov. 80%</th><th class="num">Cov. 95%</th></tr>
    </thead>
    <tbody>${rows.map(
      (r) => html`<tr class=${r.site_id === "fleet" ? "forecast-fleet" : ""}>
        <td>${r.name}</td>${num(r.n?.toLocaleString("en-US") ?? "–")}
        ${MODEL_ORDER.map((m) => num(r[m] == null ? "–" : r.best === m ? html`<strong>${fmt(r[m], 1)}</strong>` : fmt(r[m], 1)))}
        ${num(skillText(r.skill))}${num(coverageCell(r.coverage80, 0.8))}${num(coverageCell(r.coverage95, 0.95))}
      </tr>`
    )}</tbody>
  </table></div>`;
}

/** Realised coverage against its nominal level; flagged when more than 5 points short. */
function coverageCell(x, nominal) {
  if (x == null) return "–";
  const short = x < nominal - 0.05;
  return html`<span class=${short ? "forecast-short" : ""} title=${`nominal ${pct(nominal)}, realised ${pct(x, 1)}`}>${pct(x)}${short ? " ▼" : ""}</span>`;
}

function skillText(x) {
  if (x == null) return "–";
  return html`<span class=${x < 0 ? "forecast-short" : ""}>${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(0)}%</span>`;
}

function shortName(m) {
  return {persistence: "Persistence", "smart persistence": "Smart pers.", climatology: "Climatology", prophet: "Prophet", hybrid: "Hybrid"}[m] ?? m;
}

export function modelName(m) {
  return {persistence: "Persistence", "smart persistence": "Smart persistence", climatology: "Climatology", prophet: "Prophet alone", hybrid: "Hybrid (Prophet + GBDT)"}[m] ?? m;
}

/** The model registry: versions, purpose, training window and weather, headline metrics, whether in use. */
export function registryTable(rows) {
  const day = (d) => (d ? new Date(+d).toISOString().slice(0, 10) : "–");
  return html`<div class="forecast-scroll"><table class="forecast-table" data-testid="forecast-registry-table">
    <thead><tr><th>Version</th><th>Kind</th><th>Purpose</th><th>Created (UTC)</th><th>Training window</th><th>Weather</th><th class="num">Sites · features</th><th class="num">Skill</th><th class="num">Cov. 80 / 95%</th><th>In use</th></tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr class=${r.in_use ? "" : "muted"}>
        <td><code title=${`${r.version}\ndata ${r.data_hash} · code ${r.code_version}`}>${String(r.version).slice(0, 12)}</code></td>
        <td>${r.kind}</td><td>${r.purpose}</td>
        <td class="nowrap" title=${`snapshot ${r.snapshot_id}`}>${r.created_at ? utcStamp(+r.created_at).slice(0, 16) : "–"}</td>
        <td class="nowrap">${day(r.train_start)} → ${day(r.train_end)}</td>
        <td title=${`trained on: ${r.training_weather ?? "unknown"}`}>${trainingWeather(r.training_weather).short}</td>
        ${num(html`<span title=${Array.isArray(r.sites) ? r.sites.join(", ") : r.sites ?? ""}>${r.n_sites ?? "–"}</span> · ${featureCount(r.features)}`)}
        ${num(skillText(r.skill_rmse))}
        ${num(r.coverage80 == null ? "–" : html`${coverageCell(r.coverage80, 0.8)} / ${coverageCell(r.coverage95, 0.95)}`)}
        <td>${r.in_use ? html`<span class="pill pill--ok">in use</span>` : html`<span class="pill pill--info">kept</span>`}</td>
      </tr>`
    )}</tbody>
  </table></div>`;
}

function featureCount(f) {
  if (f == null) return "–";
  const list = Array.isArray(f) ? f : String(f).split(",").map((s) => s.trim()).filter(Boolean);
  return html`<span title=${list.join(", ")}>${list.length}</span>`;
}

/**
 * A button that writes `rows()` as CSV into a Blob and downloads it as `filename` through a
 * temporary object-URL link; nothing goes over the network. The link stays for a second try.
 */
export function exportButton(rows, {filename, label = "Download CSV", columns} = {}) {
  const link = html`<a class="forecast-download-link" hidden data-testid="forecast-export-link">${filename}</a>`;
  const button = html`<button type="button" class="forecast-button" data-testid="forecast-export">${label}</button>`;
  let url = null;
  button.onclick = () => {
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(new Blob([toCsv(rows(), columns)], {type: "text/csv;charset=utf-8"}));
    link.href = url;
    link.download = filename;
    link.hidden = false;
    link.click();
  };
  return html`<span class="forecast-export">${button}${link}</span>`;
}

export {vintageLabel};

function signed(x, digits = 2) {
  if (x == null || !Number.isFinite(x)) return "–";
  return `${x >= 0 ? "+" : "−"}${fmt(Math.abs(x), digits)}`;
}
