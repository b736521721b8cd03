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
  // Columns, read from the row objects once: the groups below gather from them by index.
  const column = (value: (r: ForecastRow) => number) => Float64Array.from(scored, value);
  const capacities = new Map<string, number>();
  const capacity = column((r) => capacities.get(r.site_id) ?? capacities.set(r.site_id, capacityOf(r.site_id)).get(r.site_id)!);
  const actual = column(actualOf);
  const predictions = SCORED_MODELS.map((m) => column(m.value));
  const reference = predictions[SCORED_MODELS.findIndex((m) => m.name === "smart persistence")];
  const bounds = {lower80: column((r) => r.lower_80), upper80: column((r) => r.upper_80), lower95: column((r) => r.lower_95), upper95: column((r) => r.upper_95)};
  const horizon = column((r) => r.horizon_h);
  const ts = column((r) => r.ts);
  const forecastWeather = Uint8Array.from(scored, (r) => (r.weather_kind === "forecast" ? 1 : 0));
  // Grouped once: filtering the rows per site would cost sites × rows, which grows with the fleet squared.
  const bySite = new Map<string, number[]>();
  scored.forEach((r, i) => (bySite.get(r.site_id) ?? bySite.set(r.site_id, []).get(r.site_id)!).push(i));
  const sites = [...bySite.keys()].sort();
  const everyRow = Array.from(scored.keys());
  const out: AccuracyRow[] = [];
  for (const site of [...sites, "fleet"]) {
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
