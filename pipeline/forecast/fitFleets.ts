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
import type {ProphetStart} from "../models/prophet/index.ts";
import {DAY_MS, HOUR_MS} from "./series.ts";
import {createHash} from "node:crypto";
import {sha256, stableStringify} from "../snapshot/hash.ts";
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
  /**
   * calibrationFor will give intervals but cannot yet (they come from forecasts still being issued):
   * the first fleet's Prophet fits start at once on every training hour, as with intervals given, and
   * calibrationFor is asked only when that fleet is reached. Should it then give none, the fleet is
   * started again with its own calibration slice (the same fit as without this option, later).
   */
  calibrationPending?: boolean;
  /** A site that gets no forecast from a fleet, and why. */
  skip: (siteId: string, reason: string) => void;
  log: (message: string) => void;
  /**
   * Keep this fit's fleets once the caller is done with them (its free() leaves them be), for the next
   * fitFleets call with the same data before the cutoff, cutoff and settings to take instead of
   * fitting again: the backtest's last origin is the forecast stage's evaluation fit when their
   * cutoffs agree. One fit is kept at a time, until the next fitFleets call takes or drops it.
   */
  keep?: boolean;
  /**
   * Per site: an earlier fit's Prophet optimum for this fit's Stan to start from (a warm start;
   * see ProphetFitInput.start), e.g. the previous backtest origin's. It must come from a fit at an
   * earlier cutoff, so that this fit still sees nothing after its own. Part of the fit's identity
   * for `keep`: the optimum lands within Stan's tolerance of a cold start's, not on it.
   */
  prophetStarts?: ReadonlyMap<string, ProphetStart>;
}

/** The fleets of one fit, yielded in turn; the first one's Prophet fits are under way from the start. */
export interface FleetFits extends AsyncIterable<FittedFleet> {
  /**
   * Settles when the first fleet's Prophet fits are done (or could not start): the moment a caller
   * with another fit to do can start it, so that its Prophet fits run on the worker threads while
   * this thread trains the GBDT and issues with this one.
   */
  baselinesDone: Promise<void>;
  /** Once baselinesDone: the hybrid fleet's Prophet fits, per site, as start points for a later fit (FitFleetsOptions.prophetStarts). */
  prophetStarts: Promise<Map<string, ProphetStart>>;
}

/**
 * Fits the hybrid fleet, then the fleet-transfer one, each yielded when ready (the caller issues
 * with it and frees it before the next is fitted). The transfer fleet's `issueFor` grows with the
 * sites whose Prophet fit failed in the hybrid one. The hybrid fleet's Prophet fits start at once.
 */
export function fitFleets(data: FleetData, trainEnd: number, cfg: ForecastConfig, o: FitFleetsOptions): FleetFits {
  const calibrations = new Map<FleetKind, ConformalCalibration | null>();
  const given = (kind: FleetKind) => {
    if (!calibrations.has(kind)) calibrations.set(kind, o.calibrationFor?.(kind) ?? null);
    return calibrations.get(kind)!;
  };
  const pending = o.calibrationPending === true;
  const reusable = !pending && !given("hybrid") && !given("fleet-transfer");
  const key = reusable && (o.keep || kept) ? fitKey(data, trainEnd, cfg, o.prophetStarts) : null;
  if (kept) {
    // A kept fit serves the next fit of the same inputs only: any other drops it (and its memory).
    const reuse = kept;
    kept = null;
    if (reuse.key === key) return reuseFits(reuse, data, o);
    reuse.fits.forEach((f) => f.fleet.free());
  }
  // Messages name the fit by the caller's label; a kept fit says them again under its reuser's.
  const events: FitEvent[] = [];
  const say = (event: FitEvent) => {
    events.push(event);
    emit(event, o);
  };
  const {plan, tooShort} = planFleets(data, trainEnd, cfg);
  for (const s of tooShort) say({siteId: s.meta.id, skip: (label) => `${label}: under 2 days of history before ${new Date(trainEnd).toISOString()}`});
  // `assumeGiven`: start as if calibrationFor gave intervals (no calibration slice), before asking it.
  const start = (fit: FleetPlan, assumeGiven = false): FleetStart => {
    const calibration = assumeGiven ? null : given(fit.kind);
    try {
      return {given: calibration, started: startFleet(fit.kind, fit.sites, trainEnd, data, cfg, assumeGiven || calibration ? 0 : undefined, o.prophetStarts)};
    } catch (error) {
      return {given: calibration, error};
    }
  };
  const first = plan.find((p) => p.issueFor.length > 0);
  const firstStart = first && start(first, pending);
  const startOf = (fit: FleetPlan): FleetStart => {
    if (fit !== first) return start(fit);
    if (!pending) return firstStart!;
    const calibration = given(fit.kind);
    if (calibration) return {...firstStart!, given: calibration};
    say({log: (label) => `forecast: ${label} ${fit.kind}: the intervals expected from elsewhere did not come; fitting again with a calibration slice of its own`});
    return start(fit);
  };
  const keep = o.keep && key !== null ? {key, fits: [] as FittedFleet[], events} : null;
  return {
    baselinesDone: firstStart?.started?.baselinesDone ?? Promise.resolve(),
    prophetStarts: (first?.kind === "hybrid" && firstStart?.started?.prophetStarts) || Promise.resolve(new Map()),
    [Symbol.asyncIterator]: () => fleets(plan, startOf, say, keep)
  };
}

/** A fleet's fit under way (or why it could not start), with the intervals given to it from elsewhere. */
interface FleetStart {
  given: ConformalCalibration | null;
  started?: StartedFleet;
  error?: unknown;
}

/** What a fit said: a log line, or a site skipped (with its log line), as a function of the fit's label. */
interface FitEvent {
  siteId?: string;
  log?: (label: string) => string;
  skip?: (label: string) => string;
}

function emit(event: FitEvent, o: FitFleetsOptions): void {
  if (event.log) o.log(event.log(o.label));
  if (event.siteId !== undefined && event.skip) o.skip(event.siteId, event.skip(o.label));
}

interface KeptFit {
  key: string;
  fits: FittedFleet[];
  events: FitEvent[];
}

/** The fit kept for reuse (see FitFleetsOptions.keep). */
let kept: KeptFit | null = null;

function reuseFits(reuse: KeptFit, data: FleetData, o: FitFleetsOptions): FleetFits {
  for (const event of reuse.events) emit(event, o);
  // The same sites in the caller's own series objects (same content: the key says so).
  const mine = (sites: SiteSeries[]) => sites.map((s) => data.sites.find((x) => x.meta.id === s.meta.id)!);
  const fits = reuse.fits.map((f) => ({...f, sites: mine(f.sites), issueFor: mine(f.issueFor)}));
  o.log(`forecast: ${o.label}: same data, cutoff and settings as a fit already made; reusing its ${fits.map((f) => f.kind).join(" and ")} fleet`);
  const starts = new Map<string, ProphetStart>();
  for (const f of fits) if (f.kind === "hybrid") for (const [id, m] of f.fleet.models) if (m.prophet) starts.set(id, m.prophet.startPoint());
  return {
    baselinesDone: Promise.resolve(),
    prophetStarts: Promise.resolve(starts),
    [Symbol.asyncIterator]: async function* () {
      yield* fits;
    }
  };
}

async function* fleets(
  plan: FleetPlan[],
  start: (fit: FleetPlan) => FleetStart,
  say: (event: FitEvent) => void,
  keep: KeptFit | null
): AsyncGenerator<FittedFleet> {
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
      say({log: (label) => `forecast: ${label} ${fit.kind} not fitted: ${reason}`});
      for (const s of fit.issueFor) say({siteId: s.meta.id, skip: (label) => `${label} ${fit.kind}: ${reason}`});
      continue;
    }
    if (given) {
      for (const m of fleet.models.values()) m.calibration = given;
      fleet.calibration = given;
    }
    for (const f of fleet.failed) {
      // Prophet could not be fitted for this site: the fleet-transfer model forecasts it instead.
      say({
        siteId: f.id,
        log: (label) => `forecast: ${label}: site ${f.id}: ${f.reason}; forecast by the fleet-transfer model instead`,
        skip: (label) => `${label} hybrid: ${f.reason}`
      });
      transfer.issueFor.push(fit.sites.find((s) => s.meta.id === f.id)!);
    }
    const fitted: FittedFleet = {
      kind: fit.kind, fleet,
      sites: fit.sites.filter((s) => fleet.models.has(s.meta.id)),
      issueFor: fit.issueFor.filter((s) => fleet.models.has(s.meta.id))
    };
    if (!keep) {
      yield fitted;
      continue;
    }
    keep.fits.push(fitted);
    // The kept fleet outlives this caller: its free() is the reuser's to call.
    yield {...fitted, fleet: {...fleet, free: () => {}}};
  }
  if (keep) kept = keep;
}

/**
 * Everything a fit depends on: the cutoff, the settings, and every site's metadata, energy and
 * weather before the cutoff (dataHash).
 */
function fitKey(data: FleetData, trainEnd: number, cfg: ForecastConfig, starts: ReadonlyMap<string, ProphetStart> | undefined): string {
  const start = starts?.size ? sha256(stableStringify([...starts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, s]) => [id, s.optimum]))) : null;
  return sha256(stableStringify({trainEnd, cfg, weather: data.weatherNames, data: dataHash(data.sites, trainEnd, data), start}));
}

/** Hash of exactly the training data a fit sees: every site's hours before trainEnd, energy and weather. */
export function dataHash(sites: readonly SiteSeries[], trainEnd: number, data: FleetData): string {
  const h = createHash("sha256");
  for (const s of sites) {
    const n = Math.max(0, Math.min(s.ts.length, Math.ceil((trainEnd - s.ts[0]) / HOUR_MS)));
    h.update(`${s.meta.id}|${JSON.stringify(s.meta)}|${s.ts[0]}|${n}|`);
    h.update(new Uint8Array(s.energy.buffer, s.energy.byteOffset, n * 8));
    for (const w of data.weatherNames) h.update(new Uint8Array(s.weather[w].buffer, s.weather[w].byteOffset, n * 8));
  }
  return h.digest("hex").slice(0, 16);
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

function startFleet(
  kind: FleetKind,
  sites: readonly SiteSeries[],
  trainEnd: number,
  data: FleetData,
  cfg: ForecastConfig,
  calibrationFraction: number | undefined,
  prophetStarts: ReadonlyMap<string, ProphetStart> | undefined
): StartedFleet {
  return startHybridFleet(
    sites.map((s) => ({id: s.meta.id, site: s.meta, series: s, issueTimeOf: localIssueTimes(s.meta.timezone, cfg.issue_hour_local)})),
    {trainEnd, baseline: kind === "hybrid" ? "prophet" : "none", prophet: cfg.prophet, gbdt: cfg.gbdt, prophetWeather: data.weatherNames.includes("ghi") ? ["ghi"] : [], calibrationFraction, horizonH: cfg.horizon_h, prophetStarts}
  );
}
