// Issuing forecasts: for each issue time s of a site, the model's forecast of the `horizon` hours
// from s, with its components, intervals, largest contributions, the three reference forecasts
// for the same hours, and which weather it used. Everything here reads only what was known at s:
// the model and the references cut the history with `knownAt`, and the weather comes from
// `targetWeather` (forecast vintages issued at or before s, else observed, labelled per row).
import {referenceForecaster} from "./baselines.ts";
import type {TargetWeather} from "./fleetData.ts";
import {requestKey, type SiteSeries} from "./fleetData.ts";
import type {HourGeometry, HybridModel} from "./hybrid.ts";
import {DAY_MS, HOUR_MS} from "./series.ts";

export interface ForecastRow {
  site_id: string;
  issued_at: number;
  ts: number;
  horizon_h: number;
  /** "evaluation": out of sample inside the evaluation window; "live": the latest issue, past the data. */
  run: "evaluation" | "live" | "backtest";
  model: "hybrid" | "fleet-transfer";
  model_version: string;
  forecast_kwh: number;
  baseline_kwh: number;
  correction_kwh: number;
  lower_80: number;
  upper_80: number;
  lower_95: number;
  upper_95: number;
  persistence_kwh: number;
  smart_persistence_kwh: number;
  climatology_kwh: number;
  clear_sky_kwh: number;
  sun_up: boolean;
  weather_kind: string | null;
  weather_source: string | null;
  weather_issued_at: number | null;
  /** Snapshot (run) that issued the row. */
  issued_in: string;
  contributions: {feature: string; kwh: number}[];
}

/** Target hours of one issue: `horizon` whole hours from the first hour starting at or after s (an issue at :30 skips the hour in progress). */
export function targetHours(issuedAt: number, horizon: number): Float64Array {
  const first = Math.ceil(issuedAt / HOUR_MS) * HOUR_MS;
  return Float64Array.from({length: horizon}, (_, k) => first + k * HOUR_MS);
}

export interface IssueOptions {
  model: HybridModel;
  modelKind: ForecastRow["model"];
  modelVersion: string;
  run: ForecastRow["run"];
  series: SiteSeries;
  /** Geometry of every hour of `series` (clear sky for smart persistence). */
  geometry: HourGeometry;
  issues: readonly number[];
  horizon: number;
  weather: Map<string, TargetWeather>;
  topContributions: number;
  /** Contributions only for issues at or after this instant (TreeSHAP costs ~0.8 ms per daytime hour of a 300-tree model). */
  explainFrom?: number;
  snapshotId: string;
}

export function issueForecasts(o: IssueOptions): ForecastRow[] {
  const {series, geometry} = o;
  const id = series.meta.id;
  // One pass over the history for all issues (in ascending order), not one per issue.
  const references = referenceForecaster({ts: series.ts, energy: series.energy, clearSky: geometry.clearKwh});
  const rows: ForecastRow[] = [];
  for (const s of o.issues) {
    const ts = targetHours(s, o.horizon);
    const w = o.weather.get(requestKey(id, s));
    // The model only needs the last week before s (its recent clear-sky index); slicing keeps the per-issue geometry cheap.
    const from = Math.max(0, Math.floor((s - 8 * DAY_MS - series.ts[0]) / HOUR_MS));
    const to = Math.max(from, Math.min(series.ts.length, Math.ceil((s - series.ts[0]) / HOUR_MS)));
    const f = o.model.predict({
      ts, weather: w?.values, issueTime: s, topContributions: s >= (o.explainFrom ?? -Infinity) ? o.topContributions : 0,
      history: {ts: series.ts.subarray(from, to), energy: series.energy.subarray(from, to)}
    });
    const {persistence: pers, smartPersistence: smart, climatology: clim} = references({ts, clearSky: f.clearSky_kwh}, s);
    const iv80 = f.intervals.find((iv) => iv.level === 0.8);
    const iv95 = f.intervals.find((iv) => iv.level === 0.95);
    for (let k = 0; k < ts.length; k++) {
      rows.push({
        site_id: id, issued_at: s, ts: ts[k], horizon_h: f.horizonH[k], run: o.run, model: o.modelKind, model_version: o.modelVersion,
        forecast_kwh: f.prediction[k], baseline_kwh: f.baseline_kwh[k], correction_kwh: f.correction_kwh[k],
        lower_80: iv80?.lower[k] ?? NaN, upper_80: iv80?.upper[k] ?? NaN, lower_95: iv95?.lower[k] ?? NaN, upper_95: iv95?.upper[k] ?? NaN,
        persistence_kwh: pers[k], smart_persistence_kwh: smart[k], climatology_kwh: clim[k], clear_sky_kwh: f.clearSky_kwh[k],
        sun_up: f.sunUp[k] === 1,
        weather_kind: w?.kind[k] ?? null, weather_source: w?.source[k] ?? null, weather_issued_at: w?.issuedAt[k] ?? null,
        issued_in: o.snapshotId,
        contributions: f.contributions?.[k] ?? []
      });
    }
  }
  return rows;
}
