// Accuracy versus history: how good is a site's forecast after d days of data? One demo site (or
// the configured one) is cut to its last d days before the evaluation window, for each d, and two
// forecasts of the same evaluation issues are scored:
//   own             Prophet + GBDT fitted on the site's d days alone (what a new site gets without a fleet)
//   fleet-transfer  the fleet GBDT without a baseline, trained on the OTHER sites only, applied to
//                   this site through its capacity and clear-sky-relative features (needs no history
//                   of its own beyond the last week, for the recent clear-sky index)
// Where "own" overtakes "fleet-transfer" is where `new_site_days` should sit.
import type {SunlineConfig} from "../config.ts";
import {localIssueTimes} from "../timezone.ts";
import {scoreForecasts} from "./accuracy.ts";
import type {FleetData, SiteSeries, TargetWeather} from "./fleetData.ts";
import {fitHybridFleet, transferModelFor, type HourGeometry, type HybridModel} from "./hybrid.ts";
import {issueForecasts} from "./issue.ts";
import {DAY_MS, HOUR_MS} from "./series.ts";

export interface TransferCurveRow {
  site_id: string;
  history_days: number;
  model: "own" | "fleet-transfer";
  n: number;
  rmse_kwh: number;
  nmae_pct: number;
  skill_rmse: number;
}

export interface TransferCurveOptions {
  config: SunlineConfig["forecast"];
  evalStart: number;
  asOf: number;
  evalIssues: Map<string, number[]>;
  weather: Map<string, TargetWeather>;
  geometry: Map<string, HourGeometry>;
  snapshotId: string;
  log: (m: string) => void;
}

export async function transferCurve(data: FleetData, o: TransferCurveOptions): Promise<TransferCurveRow[]> {
  const cfg = o.config;
  const longest = Math.max(...cfg.transfer_curve.history_days);
  const site = cfg.transfer_curve.site
    ? data.sites.find((s) => s.meta.id === cfg.transfer_curve.site)
    : data.sites.find((s) => (o.evalStart - s.firstKnown) / DAY_MS >= longest);
  if (!site) {
    o.log(`forecast: accuracy-versus-history curve skipped: ${cfg.transfer_curve.site ? `no site "${cfg.transfer_curve.site}"` : `no site has ${longest} days of history before the evaluation window`}`);
    return [];
  }
  const others = data.sites.filter((s) => s !== site && (o.evalStart - s.firstKnown) / DAY_MS >= 2);
  const issueTimeOf = localIssueTimes(site.meta.timezone, cfg.issue_hour_local);
  const prophetWeather = data.weatherNames.includes("ghi") ? ["ghi"] : [];
  const out: TransferCurveRow[] = [];
  const score = (model: HybridModel, series: SiteSeries) =>
    scoreForecasts(
      issueForecasts({
        model, modelKind: "hybrid", modelVersion: "curve", run: "evaluation", series, geometry: o.geometry.get(site.meta.id)!, issues: o.evalIssues.get(site.meta.id) ?? [],
        horizon: cfg.horizon_h, weather: o.weather, topContributions: 0, snapshotId: o.snapshotId
      }),
      (r) => site.energy[(r.ts - site.ts[0]) / HOUR_MS],
      () => site.meta.capacityKw
    ).find((a) => a.site_id === site.meta.id && a.horizon === "all" && a.model === "hybrid");

  let transfer: ReturnType<typeof score> | undefined;
  if (others.length) {
    const fleet = await fitHybridFleet(
      others.map((s) => ({id: s.meta.id, site: s.meta, series: s, issueTimeOf: localIssueTimes(s.meta.timezone, cfg.issue_hour_local)})),
      // No calibration slice: the curve scores point forecasts only.
      {trainEnd: o.evalStart, baseline: "none", gbdt: cfg.gbdt, calibrationFraction: 0}
    );
    transfer = score(transferModelFor(fleet, site.meta, issueTimeOf), site);
  }
  // The short fits are independent: two at a time (Prophet runs in a worker, so both cores work).
  const lengths = [...cfg.transfer_curve.history_days].sort((a, b) => a - b);
  const ownScores = await mapConcurrent(lengths, 2, async (days) => {
    // The site as if it had started `days` days before the evaluation window (the window itself stays measured for scoring).
    const cutFrom = o.evalStart - days * DAY_MS;
    const energy = site.energy.map((e, i) => (site.ts[i] < cutFrom ? NaN : e));
    const cut: SiteSeries = {...site, energy, firstKnown: Math.max(site.firstKnown, cutFrom)};
    try {
      const own = await fitHybridFleet([{id: site.meta.id, site: site.meta, series: cut, issueTimeOf}], {trainEnd: o.evalStart, prophet: cfg.prophet, gbdt: cfg.gbdt, prophetWeather, threads: 1});
      const r = score(own.models.get(site.meta.id)!, cut);
      own.free();
      return r;
    } catch (error) {
      o.log(`forecast: accuracy-versus-history: ${days} days: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  });
  lengths.forEach((days, k) => {
    const r = ownScores[k];
    if (r) out.push({site_id: site.meta.id, history_days: days, model: "own", n: r.n, rmse_kwh: r.rmse_kwh ?? NaN, nmae_pct: r.nmae_pct, skill_rmse: r.skill_rmse ?? NaN});
    if (transfer) out.push({site_id: site.meta.id, history_days: days, model: "fleet-transfer", n: transfer.n, rmse_kwh: transfer.rmse_kwh ?? NaN, nmae_pct: transfer.nmae_pct, skill_rmse: transfer.skill_rmse ?? NaN});
  });
  return out;
}

/** `fn` over `items`, at most `limit` at a time, results in input order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      results[k] = await fn(items[k]);
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
  return results;
}
