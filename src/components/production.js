import * as Plot from "npm:@observablehq/plot";
import * as d3 from "npm:d3";

/** Rows of an Arrow table as plain objects, timestamps as Dates (Arrow gives epoch milliseconds). */
export function rows(table, timeColumns = ["ts"]) {
  return Array.from(table, (row) => {
    const o = row.toJSON();
    for (const c of timeColumns) if (o[c] != null) o[c] = new Date(Number(o[c]));
    return o;
  });
}

/** Daily energy (MWh) per site from hourly rows; missing hours stay out of the sum and are counted. */
export function dailyEnergy(hourly) {
  return d3
    .flatRollup(
      hourly,
      (v) => ({
        energy_mwh: d3.sum(v, (d) => d.energy_kwh) / 1000,
        hours_missing: v.filter((d) => d.quality === "missing").length
      }),
      (d) => d.site_id,
      (d) => d3.utcDay.floor(d.ts).getTime()
    )
    .map(([site_id, day, v]) => ({site_id, day: new Date(day), ...v}));
}

/**
 * Daily energy over time with a 7-day mean. One site: MWh. Several sites: specific yield (kWh per
 * kW of capacity), so a 30 kW roof and a 5 MW plant can be compared on one axis.
 */
export function dailyEnergyChart(daily, {width, sites, height = 320} = {}) {
  const one = new Set(daily.map((d) => d.site_id)).size === 1;
  const names = new Map(sites.map((s) => [s.site_id, s.name]));
  const capacity = new Map(sites.map((s) => [s.site_id, s.capacity_kw]));
  const y = one ? (d) => d.energy_mwh : (d) => (d.energy_mwh * 1000) / capacity.get(d.site_id);
  const unit = one ? "MWh" : "kWh/kW";
  return Plot.plot({
    width,
    height,
    marginLeft: 50,
    y: {grid: true, label: one ? "Energy per day (MWh)" : "Specific yield per day (kWh per kW)"},
    x: {label: null},
    color: one ? undefined : {legend: true, tickFormat: (id) => names.get(id) ?? id},
    marks: [
      one ? Plot.areaY(daily, {x: "day", y, fill: "var(--theme-foreground-focus)", fillOpacity: 0.15}) : null,
      Plot.lineY(
        daily,
        Plot.windowY({k: 7, reduce: "mean", anchor: "middle"}, {x: "day", y, stroke: one ? "var(--theme-foreground-focus)" : "site_id", z: "site_id", strokeWidth: 1.5})
      ),
      Plot.ruleY([0]),
      Plot.tip(daily, Plot.pointerX({x: "day", y, title: (d) => `${names.get(d.site_id) ?? d.site_id}\n${d.day.toISOString().slice(0, 10)}\n${y(d).toFixed(2)} ${unit}${d.hours_missing ? `\n${d.hours_missing} h missing` : ""}`}))
    ]
  });
}

/** Hourly energy with quality flags for one site over a short range. */
export function hourlyChart(hourly, {width, capacity, height = 260} = {}) {
  const flagged = hourly.filter((d) => d.quality !== "ok");
  return Plot.plot({
    width,
    height,
    marginLeft: 50,
    y: {grid: true, label: "Energy per hour (kWh)", domain: [0, Math.max(capacity ?? 0, d3.max(hourly, (d) => d.energy_kwh) ?? 0)]},
    x: {label: null},
    color: {legend: true, domain: ["filled", "outlier", "missing"], range: ["#e0a100", "#d62728", "#999"]},
    marks: [
      capacity ? Plot.ruleY([capacity], {stroke: "currentColor", strokeDasharray: "4 3", strokeOpacity: 0.5}) : null,
      Plot.areaY(hourly, {x: "ts", y: "energy_kwh", fill: "var(--theme-foreground-focus)", fillOpacity: 0.2, curve: "step-after"}),
      Plot.lineY(hourly, {x: "ts", y: "energy_kwh", stroke: "var(--theme-foreground-focus)", curve: "step-after"}),
      Plot.tickX(flagged, {x: "ts", stroke: "quality", strokeWidth: 2, insetTop: 0}),
      Plot.tip(hourly, Plot.pointerX({x: "ts", y: "energy_kwh", title: (d) => `${d.ts.toISOString().slice(0, 16).replace("T", " ")} UTC\n${d.energy_kwh == null ? "no data" : `${d.energy_kwh.toFixed(1)} kWh`}\n${d.n_samples} readings · ${d.quality}`}))
    ]
  });
}

/** Share of hours with data per site and day: a coverage heatmap (site × day). */
export function coverageHeatmap(hourly, {width, sites, height} = {}) {
  const names = new Map(sites.map((s) => [s.site_id, s.name]));
  const days = d3
    .flatRollup(hourly, (v) => v.filter((d) => d.quality !== "missing").length / v.length, (d) => d.site_id, (d) => d3.utcDay.floor(d.ts).getTime())
    .map(([site_id, day, coverage]) => ({site_id, day: new Date(day), coverage}));
  const ids = [...new Set(days.map((d) => d.site_id))];
  return Plot.plot({
    width,
    height: height ?? 40 + ids.length * 22,
    marginLeft: 190,
    x: {label: null},
    y: {label: null, domain: ids, tickFormat: (id) => names.get(id) ?? id},
    color: {type: "linear", domain: [0, 1], range: ["#d62728", "#f5f5f5"], legend: true, label: "Share of hours with data", percent: true},
    marks: [
      Plot.barX(days, {x1: "day", x2: (d) => d3.utcDay.offset(d.day, 1), y: "site_id", fill: "coverage", inset: 0}),
      Plot.tip(days, Plot.pointer({x: "day", y: "site_id", title: (d) => `${names.get(d.site_id)}\n${d.day.toISOString().slice(0, 10)}\n${Math.round(d.coverage * 100)}% of hours with data`}))
    ]
  });
}
