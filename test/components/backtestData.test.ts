// The Backtest page's pure helpers (src/components/backtestData.js) in Node, on small hand-made
// rows: picking the fleet's pooled figures, the per-window and per-band rows, coverage against
// nominal, the drift histograms (bin bounds, malformed JSON), drift ordering, the retraining
// decision, the registry reasons, the model selection, and empty tables.
import {describe, expect, it} from "vitest";
import * as bd from "../../src/components/backtestData.js";
import type {HourRow, MetricRow, WindowRow} from "../../src/components/backtestData.js";

const d = (iso: string) => new Date(`${iso}T00:00:00Z`);

function metric(o: Partial<MetricRow>): MetricRow {
  return {window: 0, site_id: "fleet", horizon: "all", model: "hybrid", n: 100, nrmse_pct: 10, period_start: d("2025-07-06"), period_end: d("2025-09-04"), forecast_weather_share: 1, ...o};
}

const windows: WindowRow[] = [
  {window: 2, origin: d("2025-08-05"), train_start: d("2024-07-01"), train_end: d("2025-08-05"), test_start: d("2025-08-05"), test_end: d("2025-09-04"), mode: "expanding", sites: 3, transfer_sites: 1},
  {window: 1, origin: d("2025-07-06"), train_start: d("2024-07-01"), train_end: d("2025-07-06"), test_start: d("2025-07-06"), test_end: d("2025-08-05"), mode: "expanding", sites: 2, transfer_sites: 0}
];

const metrics: MetricRow[] = [
  metric({model: "smart persistence", nrmse_pct: 18, skill_rmse: 0}),
  metric({model: "hybrid", nrmse_pct: 11.2, skill_rmse: 0.38, coverage80: 0.78, coverage95: 0.94, width80_pct: 27, width95_pct: 44, forecast_weather_share: 0.97}),
  metric({model: "persistence", nrmse_pct: 19.4, skill_rmse: -0.07}),
  metric({horizon: "25–48 h", model: "hybrid", nrmse_pct: 11.3}),
  metric({horizon: "1–24 h", model: "hybrid", nrmse_pct: 11.1}),
  metric({horizon: "1–24 h", model: "persistence", nrmse_pct: 18.6}),
  metric({window: 1, model: "hybrid", nrmse_pct: 11.85, coverage80: 0.75, coverage95: 0.92, width80_pct: 26}),
  metric({window: 2, model: "hybrid", nrmse_pct: 13.2, coverage80: 0.79, coverage95: 0.95}),
  metric({window: 2, model: "persistence", nrmse_pct: 21.6}),
  metric({window: 2, site_id: "de", model: "hybrid", nrmse_pct: 30}), // a site's window row: not fleet, not pooled
  metric({site_id: "de", model: "hybrid", nrmse_pct: 11.4, coverage80: 0.77, coverage95: 0.94, rmse_kwh: 3.4}),
  metric({site_id: "au", model: "persistence", nrmse_pct: 22}),
  metric({site_id: "au", model: "hybrid", nrmse_pct: 12, coverage80: 0.8, coverage95: null})
];

describe("backtest metrics", () => {
  it("headlines the fleet's pooled hybrid and smart persistence, the origins and the period", () => {
    const s = bd.backtestSummary(windows, metrics)!;
    expect(s.origins).toBe(2);
    expect(s.firstOrigin.toISOString()).toBe("2025-07-06T00:00:00.000Z");
    expect(s.lastTestEnd.toISOString()).toBe("2025-09-04T00:00:00.000Z");
    expect(s.modes).toEqual(["expanding"]);
    expect(s.sites).toBe(3);
    expect(s.transferSites).toBe(1);
    expect(s.testDays).toEqual([30, 30]);
    expect(s.hybrid?.nrmse_pct).toBe(11.2);
    expect(s.hybrid?.horizon).toBe("all");
    expect(s.smart?.nrmse_pct).toBe(18);
    expect(s.hours).toBe(100);
    // The weather share ranges over every pooled row, not just the hybrid's.
    expect([s.shareMin, s.shareMax]).toEqual([0.97, 1]);
    expect(bd.shareRange(s.shareMin, s.shareMax)).toBe("97–100%");
    expect(bd.shareRange(1, 1)).toBe("100%");
    expect(bd.shareRange(null, 1)).toBe("–");
  });

  it("has no headline and no rows for an empty backtest", () => {
    expect(bd.backtestSummary([], [])).toBeNull();
    expect(bd.backtestSummary([], metrics)).toBeNull();
    expect(bd.errorOverTime([], [])).toEqual([]);
    expect(bd.errorByHorizon([])).toEqual([]);
    expect(bd.errorBySite([])).toEqual([]);
    expect(bd.coverageRows([], [])).toEqual([]);
    expect(bd.hourTable([])).toEqual([]);
    expect(bd.skillRows([], [])).toEqual([]);
  });

  it("picks fleet rows of one window and band in model order", () => {
    expect(bd.metricsFor(metrics).map((r) => r.model)).toEqual(["persistence", "smart persistence", "hybrid"]);
    expect(bd.metricsFor(metrics, {window: 2}).map((r) => r.model)).toEqual(["persistence", "hybrid"]);
    expect(bd.metricsFor(metrics, {site: "au"}).map((r) => r.nrmse_pct)).toEqual([22, 12]);
  });

  it("lines up the fleet error per window with its origin, and the horizon bands", () => {
    const over = bd.errorOverTime(metrics, windows);
    expect(over.map((r) => [r.window, r.model, r.nrmse_pct])).toEqual([
      [1, "hybrid", 11.85],
      [2, "persistence", 21.6],
      [2, "hybrid", 13.2]
    ]);
    expect(over[0].origin.toISOString().slice(0, 10)).toBe("2025-07-06");
    // A window with no backtest_windows row falls back to its period start.
    expect(bd.errorOverTime([metric({window: 7, nrmse_pct: 9})], [])[0].origin.toISOString().slice(0, 10)).toBe("2025-07-06");
    expect(bd.errorByHorizon(metrics).map((r) => `${r.model} ${r.horizon}`)).toEqual(["persistence 1–24 h", "hybrid 1–24 h", "hybrid 25–48 h"]);
  });

  it("lists sites by name, pooled over windows, never the fleet", () => {
    const rows = bd.errorBySite(metrics, new Map([["de", "Freiburg"], ["au", "Sydney"]]));
    expect(rows.map((r) => `${r.name}:${r.model}`)).toEqual(["Freiburg:hybrid", "Sydney:persistence", "Sydney:hybrid"]);
    expect(rows.every((r) => r.window === 0)).toBe(true);
  });

  it("derives the fleet bias from the hour table only when it covers the same hours", () => {
    const hours: HourRow[] = [
      {hour_local: 11, model: "hybrid", n: 60, nrmse_pct: 15, bias_pct: -1},
      {hour_local: 12, model: "hybrid", n: 40, nrmse_pct: 16, bias_pct: 0.5},
      {hour_local: 12, model: "persistence", n: 70, nrmse_pct: 29, bias_pct: 2}
    ];
    const rows = bd.skillRows(metrics, hours);
    expect(rows.find((r) => r.model === "hybrid")!.bias_pct).toBeCloseTo(-0.4, 10); // (60·−1 + 40·0.5) / 100
    expect(rows.find((r) => r.model === "persistence")!.bias_pct).toBeNull(); // 70 hours against 100 scored
    expect(rows.find((r) => r.model === "smart persistence")!.bias_pct).toBeNull();
    const table = bd.hourTable(bd.errorByHour([...hours].reverse()));
    expect(table.map((r) => r.hour_local)).toEqual([11, 12]);
    expect(table[1]).toMatchObject({hour_local: 12, n: 40, hybrid: 16, persistence: 29});
  });

  it("sets realised coverage against nominal per window and per site", () => {
    const rows = bd.coverageRows(metrics, windows, new Map([["de", "Freiburg"], ["au", "Sydney"]]));
    const w = rows.filter((r) => r.scope === "window");
    expect(w.map((r) => [r.window, r.nominal, r.realised])).toEqual([
      [1, 0.8, 0.75],
      [1, 0.95, 0.92],
      [2, 0.8, 0.79],
      [2, 0.95, 0.95]
    ]);
    expect(w[0].gap).toBeCloseTo(-0.05, 10);
    expect(w[0].width_pct).toBe(26);
    expect(w[0].origin?.toISOString().slice(0, 10)).toBe("2025-07-06");
    // Sites by name; a missing 95% coverage is left out, not shown as 0.
    const s = rows.filter((r) => r.scope === "site");
    expect(s.map((r) => `${r.name} ${r.level}`)).toEqual(["Freiburg 0.8", "Freiburg 0.95", "Sydney 0.8"]);
  });
});

describe("drift", () => {
  const hist = JSON.stringify({edges: [0.5, 1, 2], min: 0, max: 3, reference: [0.25, 0.25, 0.25, 0.25], recent: [0.1, 0.2, 0.3, 0.4]});

  it("reads a histogram's bins: the first from min, the last to max", () => {
    const h = bd.parseHistogram(hist)!;
    expect(h.bins).toHaveLength(4);
    expect(h.bins.map((b) => [b.lo, b.hi])).toEqual([
      [0, 0.5],
      [0.5, 1],
      [1, 2],
      [2, 3]
    ]);
    expect(h.bins[3]).toMatchObject({reference: 0.25, recent: 0.4});
    expect(bd.parseHistogram(JSON.parse(hist))?.bins).toHaveLength(4); // already parsed
  });

  it("rejects missing, malformed and inconsistent histograms", () => {
    expect(bd.parseHistogram(null)).toBeNull();
    expect(bd.parseHistogram("")).toBeNull();
    expect(bd.parseHistogram("{not json")).toBeNull();
    expect(bd.parseHistogram(JSON.stringify({edges: [1, 2], reference: [0.5, 0.5], recent: [0.3, 0.3, 0.4]}))).toBeNull(); // 2 edges need 3 shares
    expect(bd.parseHistogram(JSON.stringify({edges: [1], reference: [0.5, 0.5]}))).toBeNull();
  });

  it("labels bins with enough decimals to tell the bounds apart", () => {
    expect(bd.binLabel({k: 1, lo: 0.05, hi: 0.1, reference: 0, recent: 0}, 2)).toBe("0.05–0.10");
    expect(bd.binLabel({k: 0, lo: 0, hi: 0.0031, reference: 0, recent: 0}, 2)).toBe("0.000–0.003");
    expect(bd.binLabel({k: 0, lo: 0, hi: 0, reference: 0, recent: 0}, 0)).toBe("≤ 0");
    expect(bd.binLabel({k: 3, lo: 5, hi: 5, reference: 0, recent: 0}, 0)).toBe("= 5");
  });

  it("orders rows critical first, errors before inputs, and counts statuses", () => {
    const rows = bd.driftRows(
      [
        {site_id: "de", kind: "weather", variable: "ghi", status: "ok", histogram: hist},
        {site_id: "fleet", kind: "error", variable: "rmse", status: "warning", histogram: null},
        {site_id: "au", kind: "weather", variable: "temp_c", status: "critical", histogram: "broken"},
        {site_id: "de", kind: "production", variable: "energy_per_capacity", status: "critical", histogram: hist, recent_start: d("2026-06-01"), recent_end: d("2026-07-01")},
        {site_id: "au", kind: "weather", variable: "ghi", status: "warning", histogram: hist}
      ],
      new Map([["de", "Freiburg"], ["au", "Sydney"]])
    );
    expect(rows.map((r) => r.key)).toEqual(["de|production|energy_per_capacity", "au|weather|temp_c", "fleet|error|rmse", "au|weather|ghi", "de|weather|ghi"]);
    expect(rows[2].name).toBe("Fleet");
    expect(rows[1].hist).toBeNull(); // broken JSON: no chart, but the row stays
    expect(bd.defaultDriftRow(rows)?.key).toBe("de|production|energy_per_capacity");
    const o = bd.driftOverview(rows);
    expect(o.counts).toEqual({critical: 2, warning: 2, ok: 1});
    expect(o.worst).toBe("critical");
    expect(o.errorRows).toBe(1);
    expect(o.recentStart?.toISOString().slice(0, 10)).toBe("2026-06-01");
    expect(bd.driftOverview([])).toMatchObject({rows: 0, worst: null, recentStart: null});
    expect(bd.defaultDriftRow(bd.driftRows([{site_id: "fleet", kind: "error", variable: "rmse", status: "ok"}]))).toBeNull();
  });
});

describe("retraining, registry and selection", () => {
  const history = bd.retrainingRows([
    {decided_at: d("2026-07-01"), decision: "keep", reasons: "model in use is fine", critical_drift: "", model_age_days: 3, rmse_ratio: 1.02},
    {decided_at: d("2026-07-08"), decision: "retrain", reasons: "model age 10 days ≥ 7; critical input drift: de ghi", critical_drift: "de ghi, au temp_c", model_age_days: 10, rmse_ratio: 1.1}
  ]);

  it("splits reasons and puts the newest decision first", () => {
    expect(history.map((r) => r.decision)).toEqual(["retrain", "keep"]);
    expect(history[0].reasonList).toEqual(["model age 10 days ≥ 7", "critical input drift: de ghi"]);
    expect(history[0].criticalList).toEqual(["de ghi", "au temp_c"]);
    expect(history[1].criticalList).toEqual([]);
  });

  it("takes the latest decision from the manifest, else from the table", () => {
    const m = bd.latestDecision({decision: "keep", reasons: ["nothing changed"], model_age_days: 2, rmse_ratio: 0.98, critical_drift: []}, history)!;
    expect(m).toMatchObject({source: "manifest", decision: "keep", reasons: ["nothing changed"], model_age_days: 2, critical_drift: []});
    const t = bd.latestDecision(undefined, history)!;
    expect(t).toMatchObject({source: "table", decision: "retrain", model_age_days: 10, rmse_ratio: 1.1});
    expect(t.reasons).toHaveLength(2);
    expect(bd.latestDecision(null, [])).toBeNull();
  });

  it("keeps registry reasons as a list, newest version first", () => {
    const rows = bd.registryHistory([
      {version: "a", purpose: "live", created_at: d("2026-07-01"), reason: null, in_use: false},
      {version: "b", purpose: "live", created_at: d("2026-07-08"), reason: "parameters changed; critical input drift: de ghi", in_use: true}
    ]);
    expect(rows.map((r) => r.version)).toEqual(["b", "a"]);
    expect(rows[0].reasonList).toEqual(["parameters changed", "critical input drift: de ghi"]);
    expect(rows[1].reasonList).toEqual([]);
  });

  it("orders selection candidates by stage, then by nRMSE, with settings parsed", () => {
    const rows = bd.selectionRows([
      {stage: "gbdt", label: "depth 4", prophet: "{}", gbdt: '{"maxDepth":4}', nrmse_pct: 10.5, chosen: false},
      {stage: "prophet", label: "default", prophet: "{}", gbdt: "{}", nrmse_pct: 10.9, chosen: false},
      {stage: "prophet", label: "cps 0.5", prophet: '{"changepointPriorScale":0.5}', gbdt: "{}", nrmse_pct: 10.7, chosen: "true"}
    ]);
    expect(rows.map((r) => r.label)).toEqual(["cps 0.5", "default", "depth 4"]);
    expect(rows[0].chosen).toBe(true);
    expect(bd.settingsText(rows[0].prophet)).toBe("changepointPriorScale=0.5");
    expect(bd.settingsText(rows[1].prophet)).toBe("defaults");
    expect(bd.settingsText(rows[2].gbdt)).toBe("maxDepth=4");
    expect(bd.selectionRows([])).toEqual([]);
  });
});
