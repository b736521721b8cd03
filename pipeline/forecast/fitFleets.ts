// Which model forecasts which site at a training cutoff, fitted: the one place that decides it, for
// the forecast stage (evaluation and live fits) and the backtest (one fit per origin).
//   hybrid          sites with at least `new_site_days` of history before the cutoff: Prophet per site
//                   + the fleet GBDT on their pooled residuals
//   fleet-transfer  every usable site trains it; it forecasts the newer sites, and any site whose
//                   Prophet fit failed
// Sites with under 2 days of history before the cutoff are skipped. A fleet that cannot be fitted
// at all is skipped with its reason, not thrown: the rest of the run still publishes.
import type {SunlineConfig} from "../config.ts";
import type {FleetData, SiteSeries} from "./fleetData.ts";
import {DEFAULT_HYBRID_GBDT, finishHybridFleet, startHybridFleet, type HybridFleet, type StartedFleet} from "./hybrid.ts";
import type {ConformalCalibration} from "./intervals.ts";
import {DAY_MS} from "./series.ts";
import {localIssueTimes} from "../timezone.ts";

type ForecastConfig = SunlineConfig["forecast"];
export type FleetKind = "hybrid" | "fleet-transfer";

export interface FittedFleet {
  kind: FleetKind;
  fleet: HybridFleet;
  /** Sites the fleet was fitted on. */
  sites: SiteSeries[];
  /** Sites this fleet forecasts. */
  issueFor: SiteSeries[];
}

export interface FitFleetsOptions {
  /** Says which fit a message is about, e.g. "evaluation" or "backtest 2026-05-02". */
  label: string;
  /**
   * Intervals from elsewhere (e.g. recent out-of-sample errors) for a kind, or null: with one, the
   * fit keeps no calibration slice and uses it instead.
   */
  calibrationFor?: (kind: FleetKind) => ConformalCalibration | null;
  /** A site that gets no forecast from a fleet, and why. */
  skip: (siteId: string, reason: string) => void;
  log: (message: string) => void;
}

/** The fleets of one fit, yielded in turn; the first one's Prophet fits are under way from the start. */
export interface FleetFits extends AsyncIterable<FittedFleet> {
  /**
   * Settles when the first fleet's Prophet fits are done (or could not start): the moment a caller
   * with another fit to do can start it, so that its Prophet fits run on the worker threads while
   * this thread trains the GBDT and issues with this one.
   */
  baselinesDone: Promise<void>;
}

/**
 * Fits the hybrid fleet, then the fleet-transfer one, each yielded when ready (the caller issues
 * with it and frees it before the next is fitted). The transfer fleet's `issueFor` grows with the
 * sites whose Prophet fit failed in the hybrid one. The hybrid fleet's Prophet fits start at once.
 */
export function fitFleets(data: FleetData, trainEnd: number, cfg: ForecastConfig, o: FitFleetsOptions): FleetFits {
  const {plan, tooShort} = planFleets(data, trainEnd, cfg);
  for (const s of tooShort) o.skip(s.meta.id, `${o.label}: under 2 days of history before ${new Date(trainEnd).toISOString()}`);
  const start = (fit: FleetPlan) => {
    const given = o.calibrationFor?.(fit.kind) ?? null;
    try {
      return {given, started: startFleet(fit.kind, fit.sites, trainEnd, data, cfg, given ? 0 : undefined)};
    } catch (error) {
      return {given, error};
    }
  };
  const first = plan.find((p) => p.issueFor.length > 0);
  const firstStart = first && start(first);
  return {
    baselinesDone: firstStart?.started?.baselinesDone ?? Promise.resolve(),
    [Symbol.asyncIterator]: () => fleets(plan, (fit) => (fit === first ? firstStart! : start(fit)), o)
  };
}

async function* fleets(plan: FleetPlan[], start: (fit: FleetPlan) => {given: ConformalCalibration | null; started?: StartedFleet; error?: unknown}, o: FitFleetsOptions): AsyncGenerator<FittedFleet> {
  const transfer = plan.find((p) => p.kind === "fleet-transfer")!;
  for (const fit of plan) {
    if (fit.issueFor.length === 0) continue;
    const {given, started, error} = start(fit);
    let fleet: HybridFleet;
    try {
      if (!started) throw error;
      fleet = await finishHybridFleet(started);
    } catch (error) {
      // Too little data to fit (e.g. a fleet a few days old) is not a failed run.
      const reason = error instanceof Error ? error.message : String(error);
      o.log(`forecast: ${o.label} ${fit.kind} not fitted: ${reason}`);
      for (const s of fit.issueFor) o.skip(s.meta.id, `${o.label} ${fit.kind}: ${reason}`);
      continue;
    }
    if (given) {
      for (const m of fleet.models.values()) m.calibration = given;
      fleet.calibration = given;
    }
    for (const f of fleet.failed) {
      // Prophet could not be fitted for this site: the fleet-transfer model forecasts it instead.
      o.log(`forecast: ${o.label}: site ${f.id}: ${f.reason}; forecast by the fleet-transfer model instead`);
      o.skip(f.id, `${o.label} hybrid: ${f.reason}`);
      transfer.issueFor.push(fit.sites.find((s) => s.meta.id === f.id)!);
    }
    yield {
      kind: fit.kind, fleet,
      sites: fit.sites.filter((s) => fleet.models.has(s.meta.id)),
      issueFor: fit.issueFor.filter((s) => fleet.models.has(s.meta.id))
    };
  }
}

export interface FleetPlan {
  kind: FleetKind;
  /** Sites the fleet is fitted on. */
  sites: SiteSeries[];
  /** Sites it forecasts (before any Prophet fit fails). */
  issueFor: SiteSeries[];
}

/**
 * Which fleets a fit at `trainEnd` makes, before fitting anything: the hybrid for sites with
 * `new_site_days` of history, the fleet-transfer one (always planned, often forecasting no site)
 * for the newer ones; sites with under 2 days are left out.
 */
export function planFleets(data: FleetData, trainEnd: number, cfg: ForecastConfig): {plan: FleetPlan[]; tooShort: SiteSeries[]} {
  const history = (s: SiteSeries) => (trainEnd - s.firstKnown) / DAY_MS;
  const usable = data.sites.filter((s) => history(s) >= 2);
  const established = usable.filter((s) => history(s) >= cfg.new_site_days);
  const plan: FleetPlan[] = [];
  if (established.length) plan.push({kind: "hybrid", sites: established, issueFor: established});
  plan.push({kind: "fleet-transfer", sites: usable, issueFor: usable.filter((s) => history(s) < cfg.new_site_days)});
  return {plan, tooShort: data.sites.filter((s) => history(s) < 2)};
}

/** The parameters a fleet of this kind is fitted with (the registry stores them). */
export function fitParams(kind: FleetKind, cfg: ForecastConfig): Record<string, unknown> {
  return {baseline: kind === "hybrid" ? "prophet" : "none", prophet: kind === "hybrid" ? cfg.prophet : {}, gbdt: {...DEFAULT_HYBRID_GBDT, ...cfg.gbdt}, issue_hour_local: cfg.issue_hour_local};
}

function startFleet(kind: FleetKind, sites: readonly SiteSeries[], trainEnd: number, data: FleetData, cfg: ForecastConfig, calibrationFraction?: number): StartedFleet {
  return startHybridFleet(
    sites.map((s) => ({id: s.meta.id, site: s.meta, series: s, issueTimeOf: localIssueTimes(s.meta.timezone, cfg.issue_hour_local)})),
    {trainEnd, baseline: kind === "hybrid" ? "prophet" : "none", prophet: cfg.prophet, gbdt: cfg.gbdt, prophetWeather: data.weatherNames.includes("ghi") ? ["ghi"] : [], calibrationFraction, horizonH: cfg.horizon_h}
  );
}
