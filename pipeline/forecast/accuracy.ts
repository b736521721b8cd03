// Scores issued forecasts against what happened: every model side by side (the three reference
// forecasts, Prophet alone, the hybrid) per site and for the fleet, per horizon band, over daytime
// hours (sun up during the hour) with a measured value. Fleet figures are computed on
// capacity-normalised values so that large sites do not drown small ones.
import {evaluate, mae, mape, rmse, bias, skill, coverage, intervalWidth, pinballAt} from "./metrics.ts";
import type {ForecastRow} from "./issue.ts";

export interface AccuracyRow {
  site_id: string;
  horizon: string;
  model: string;
  n: number;
  rmse_kwh: number | null;
  mae_kwh: number | null;
  bias_kwh: number | null;
  nrmse_pct: number;
  nmae_pct: number;
  /** 1 − RMSE / RMSE of smart persistence on the same hours. */
  skill_rmse: number | null;
  /** MAPE (%) over hours whose actual is at least 5 % of capacity. */
  mape_pct: number | null;
  coverage80: number | null;
  coverage95: number | null;
  width80_pct: number | null;
  width95_pct: number | null;
  /** Mean pinball loss of the 80 % band's ends as the 10 % and 90 % quantiles (% of capacity): lower is better, rewards sharp and calibrated. */
  pinball80_pct: number | null;
  period_start: number;
  period_end: number;
  /** Share of the scored hours whose weather was a forecast known at issue time (the rest: observed, an upper bound). */
  forecast_weather_share: number;
}

export const HORIZON_BANDS: readonly {name: string; test: (h: number) => boolean}[] = [
  {name: "all", test: () => true},
  {name: "1–24 h", test: (h) => h <= 24},
  {name: "25–48 h", test: (h) => h > 24 && h <= 48}
];

/**
 * Which column holds each model's prediction, on a row and (`sql`) in a table with FORECAST_COLUMNS
 * (forecasts, backtest_predictions). Prophet alone is the hybrid's baseline component.
 */
export const SCORED_MODELS: readonly {name: string; value: (r: ForecastRow) => number; sql: string}[] = [
  {name: "persistence", value: (r) => r.persistence_kwh, sql: "persistence_kwh"},
  {name: "smart persistence", value: (r) => r.smart_persistence_kwh, sql: "smart_persistence_kwh"},
  {name: "climatology", value: (r) => r.climatology_kwh, sql: "climatology_kwh"},
  {name: "prophet", value: (r) => (r.model === "hybrid" ? r.baseline_kwh : NaN), sql: "CASE WHEN model = 'hybrid' THEN baseline_kwh END"},
  {name: "hybrid", value: (r) => r.forecast_kwh, sql: "forecast_kwh"}
];

/**
 * The hours a score is computed on, as columns: daytime hours with a measured value, their actual,
 * each scored model's prediction (SCORED_MODELS order) and the hybrid's interval bounds. Built once
 * from the rows; the backtest keeps these per origin instead of the rows themselves.
 */
export interface ScoringColumns {
  siteId: string[];
  ts: Float64Array;
  horizon: Float64Array;
  actual: Float64Array;
  predictions: Float64Array[];
  lower80: Float64Array;
  upper80: Float64Array;
  lower95: Float64Array;
  upper95: Float64Array;
  /** 1 where the hour's weather was a forecast known at issue time. */
  forecastWeather: Uint8Array;
}

export function scoringColumns(rows: readonly ForecastRow[], actualOf: (r: ForecastRow) => number): ScoringColumns {
  const scored: ForecastRow[] = [];
  const actual: number[] = [];
  for (const r of rows) {
    if (!r.sun_up) continue;
    const a = actualOf(r);
    if (!Number.isFinite(a)) continue;
    scored.push(r);
    actual.push(a);
  }
  const column = (value: (r: ForecastRow) => number) => Float64Array.from(scored, value);
  return {
    siteId: scored.map((r) => r.site_id),
    ts: column((r) => r.ts),
    horizon: column((r) => r.horizon_h),
    actual: Float64Array.from(actual),
    predictions: SCORED_MODELS.map((m) => column(m.value)),
    lower80: column((r) => r.lower_80), upper80: column((r) => r.upper_80), lower95: column((r) => r.lower_95), upper95: column((r) => r.upper_95),
    forecastWeather: Uint8Array.from(scored, (r) => (r.weather_kind === "forecast" ? 1 : 0))
  };
}

/** Parts one after the other, as one set of columns. */
export function concatScoringColumns(parts: readonly ScoringColumns[]): ScoringColumns {
  const n = parts.reduce((a, p) => a + p.ts.length, 0);
  const cat = <T extends Float64Array | Uint8Array>(make: (n: number) => T, get: (p: ScoringColumns) => T): T => {
    const out = make(n);
    let o = 0;
    for (const p of parts) {
      out.set(get(p), o);
      o += get(p).length;
    }
    return out;
  };
  const f64 = (get: (p: ScoringColumns) => Float64Array) => cat((k) => new Float64Array(k), get);
  return {
    siteId: parts.flatMap((p) => p.siteId),
    ts: f64((p) => p.ts), horizon: f64((p) => p.horizon), actual: f64((p) => p.actual),
    predictions: SCORED_MODELS.map((_, k) => f64((p) => p.predictions[k])),
    lower80: f64((p) => p.lower80), upper80: f64((p) => p.upper80), lower95: f64((p) => p.lower95), upper95: f64((p) => p.upper95),
    forecastWeather: cat((k) => new Uint8Array(k), (p) => p.forecastWeather)
  };
}

export function scoreForecasts(rows: readonly ForecastRow[], actualOf: (r: ForecastRow) => number, capacityOf: (siteId: string) => number): AccuracyRow[] {
  return scoreColumns(scoringColumns(rows, actualOf), capacityOf);
}

/** Accuracy rows per site and for the fleet; `scopes: "fleet"` computes the fleet's alone. */
export function scoreColumns(cols: ScoringColumns, capacityOf: (siteId: string) => number, scopes: "all" | "fleet" = "all"): AccuracyRow[] {
  const {siteId, actual, predictions, horizon, ts, forecastWeather} = cols;
  const capacities = new Map<string, number>();
  const capacity = Float64Array.from(siteId, (id) => capacities.get(id) ?? capacities.set(id, capacityOf(id)).get(id)!);
  const reference = predictions[SCORED_MODELS.findIndex((m) => m.name === "smart persistence")];
  const bounds = {lower80: cols.lower80, upper80: cols.upper80, lower95: cols.lower95, upper95: cols.upper95};
  // Grouped once: filtering the rows per site would cost sites × rows, which grows with the fleet squared.
  const bySite = new Map<string, number[]>();
  siteId.forEach((id, i) => (bySite.get(id) ?? bySite.set(id, []).get(id)!).push(i));
  const sites = [...bySite.keys()].sort();
  const everyRow = Array.from(siteId.keys());
  const out: AccuracyRow[] = [];
  for (const site of [...(scopes === "all" ? sites : []), "fleet"]) {
    const fleet = site === "fleet";
    const ofSite = fleet ? everyRow : bySite.get(site)!;
    for (const band of HORIZON_BANDS) {
      const group = ofSite.filter((i) => band.test(horizon[i]));
      if (group.length === 0) continue;
      // Per-row scale: kWh for one site, share of capacity for the fleet.
      const take = (values: Float64Array) => Float64Array.from(group, fleet ? (i) => values[i] * (1 / capacity[i]) : (i) => values[i]);
      const cap = fleet ? 1 : capacities.get(site)!;
      const a = take(actual);
      const ref = take(reference);
      let forecastHours = 0, first = Infinity, last = -Infinity;
      for (const i of group) {
        forecastHours += forecastWeather[i];
        if (ts[i] < first) first = ts[i];
        if (ts[i] > last) last = ts[i];
      }
      SCORED_MODELS.forEach((m, k) => {
        const predicted = take(predictions[k]);
        const isHybrid = m.name === "hybrid";
        const e = evaluate({rmse, mae, bias, skill, mape}, a, predicted, {reference: ref, capacity: cap});
        if (e.n === 0) return;
        const lower80 = isHybrid ? take(bounds.lower80) : null;
        const upper80 = isHybrid ? take(bounds.upper80) : null;
        const c80 = lower80 && upper80 ? evaluate({coverage, intervalWidth}, a, predicted, {lower: lower80, upper: upper80}) : null;
        const c95 = isHybrid ? evaluate({coverage, intervalWidth}, a, predicted, {lower: take(bounds.lower95), upper: take(bounds.upper95)}) : null;
        const pinball80 = lower80 && upper80 ? (pinballAt(0.1)(a, lower80) + pinballAt(0.9)(a, upper80)) / 2 : NaN;
        const kwh = (x: number) => (fleet ? null : x);
        out.push({
          site_id: site, horizon: band.name, model: m.name, n: e.n,
          rmse_kwh: kwh(e.rmse), mae_kwh: kwh(e.mae), bias_kwh: kwh(e.bias),
          nrmse_pct: (100 * e.rmse) / cap, nmae_pct: (100 * e.mae) / cap,
          skill_rmse: m.name === "smart persistence" ? 0 : finite(e.skill),
          mape_pct: finite(e.mape),
          coverage80: c80 ? finite(c80.coverage) : null, coverage95: c95 ? finite(c95.coverage) : null,
          width80_pct: c80 ? (100 * c80.intervalWidth) / cap : null, width95_pct: c95 ? (100 * c95.intervalWidth) / cap : null,
          pinball80_pct: finite((100 * pinball80) / cap),
          period_start: first, period_end: last + 3_600_000,
          forecast_weather_share: forecastHours / group.length
        });
      });
    }
  }
  return out;
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);
