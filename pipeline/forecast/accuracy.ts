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

/** Which column holds each model's prediction. Prophet alone is the hybrid's baseline component. */
export const SCORED_MODELS: readonly {name: string; value: (r: ForecastRow) => number}[] = [
  {name: "persistence", value: (r) => r.persistence_kwh},
  {name: "smart persistence", value: (r) => r.smart_persistence_kwh},
  {name: "climatology", value: (r) => r.climatology_kwh},
  {name: "prophet", value: (r) => (r.model === "hybrid" ? r.baseline_kwh : NaN)},
  {name: "hybrid", value: (r) => r.forecast_kwh}
];

export function scoreForecasts(rows: readonly ForecastRow[], actualOf: (r: ForecastRow) => number, capacityOf: (siteId: string) => number): AccuracyRow[] {
  const scored = rows.filter((r) => r.sun_up && Number.isFinite(actualOf(r)));
  const out: AccuracyRow[] = [];
  // Grouped once: filtering the rows per site would cost sites × rows, which grows with the fleet squared.
  const bySite = new Map<string, ForecastRow[]>();
  for (const r of scored) (bySite.get(r.site_id) ?? bySite.set(r.site_id, []).get(r.site_id)!).push(r);
  const sites = [...bySite.keys()].sort();
  for (const site of [...sites, "fleet"]) {
    const ofSite = site === "fleet" ? scored : bySite.get(site)!;
    for (const band of HORIZON_BANDS) {
      const group = ofSite.filter((r) => band.test(r.horizon_h));
      if (group.length === 0) continue;
      // Per-row scale: kWh for one site, share of capacity for the fleet.
      const scale = (r: ForecastRow) => (site === "fleet" ? 1 / capacityOf(r.site_id) : 1);
      const cap = site === "fleet" ? 1 : capacityOf(site);
      const actual = group.map((r) => actualOf(r) * scale(r));
      const reference = group.map((r) => r.smart_persistence_kwh * scale(r));
      const forecastWeather = group.filter((r) => r.weather_kind === "forecast").length / group.length;
      for (const m of SCORED_MODELS) {
        const predicted = group.map((r) => m.value(r) * scale(r));
        const isHybrid = m.name === "hybrid";
        const e = evaluate({rmse, mae, bias, skill, mape}, actual, predicted, {reference, capacity: cap});
        if (e.n === 0) continue;
        const c80 = isHybrid ? evaluate({coverage, intervalWidth}, actual, predicted, {lower: group.map((r) => r.lower_80 * scale(r)), upper: group.map((r) => r.upper_80 * scale(r))}) : null;
        const c95 = isHybrid ? evaluate({coverage, intervalWidth}, actual, predicted, {lower: group.map((r) => r.lower_95 * scale(r)), upper: group.map((r) => r.upper_95 * scale(r))}) : null;
        const pinball80 = isHybrid
          ? (pinballAt(0.1)(actual, group.map((r) => r.lower_80 * scale(r))) + pinballAt(0.9)(actual, group.map((r) => r.upper_80 * scale(r)))) / 2
          : NaN;
        const kwh = (x: number) => (site === "fleet" ? null : x);
        out.push({
          site_id: site, horizon: band.name, model: m.name, n: e.n,
          rmse_kwh: kwh(e.rmse), mae_kwh: kwh(e.mae), bias_kwh: kwh(e.bias),
          nrmse_pct: (100 * e.rmse) / cap, nmae_pct: (100 * e.mae) / cap,
          skill_rmse: m.name === "smart persistence" ? 0 : finite(e.skill),
          mape_pct: finite(e.mape),
          coverage80: c80 ? finite(c80.coverage) : null, coverage95: c95 ? finite(c95.coverage) : null,
          width80_pct: c80 ? (100 * c80.intervalWidth) / cap : null, width95_pct: c95 ? (100 * c95.intervalWidth) / cap : null,
          pinball80_pct: finite((100 * pinball80) / cap),
          period_start: group.reduce((a, r) => Math.min(a, r.ts), Infinity), period_end: group.reduce((a, r) => Math.max(a, r.ts), -Infinity) + 3_600_000,
          forecast_weather_share: forecastWeather
        });
      }
    }
  }
  return out;
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);
