// What an event means: its weather, how much of the expected energy it lost, whether the weather
// explains it, and how bad it is.
//
// The cause is judged against the observed-weather expectation (expected.ts) whatever the detector
// compared with: an event whose production stayed within `minLossShare` of what the weather that
// actually came would give is the weather's doing (the forecast missed a cloudy day); one below it is
// the system's. Without observed weather over the event, "unknown".
//
// Severity, for losses the system caused:
// - high: at least `highLossShare` of the expected energy lost (an outage, however short);
// - medium: at least `minHours` flagged hours;
// - low: everything else (a flagged hour or two, gains, the weather's events). Medium and high are
//   the alarms: what an operator should look at, and what the evaluation scores.
import type {AnomalyEvent} from "./detect.ts";
import type {SiteHours} from "./siteHours.ts";

/** Hours below this clear-sky GHI (W/m²) do not count towards the irradiance index: at low sun it is noisy. */
const MIN_CLEAR_GHI = 100;

export type Severity = "low" | "medium" | "high";
export type Cause = "system" | "weather" | "unknown";

export interface SeverityOptions {
  minHours: number;
  minLossShare: number;
  highLossShare: number;
}

export interface EventContext {
  /** Σ actual, Σ of the detector's expectation over the event's flagged hours (kWh). */
  actual_kwh: number;
  expected_kwh: number;
  /** 1 − actual / expected: the share of the expected energy lost (negative for gains). */
  loss_share: number;
  /** Σ forecast over the flagged hours that have one (kWh); null when none has. */
  forecast_kwh: number | null;
  /** Σ observed GHI / Σ clear-sky GHI over the flagged hours: 1 clear, near 0 overcast. */
  irradiance_csi: number | null;
  /** Σ actual / Σ clear-sky energy over the flagged hours. */
  production_csi: number | null;
  cloud_cover_pct: number | null;
  /** Σ actual / Σ observed-weather expectation: 1 = the site made what the weather allowed. */
  performance: number | null;
  cause: Cause;
  severity: Severity;
}

export function eventContext(site: SiteHours, event: AnomalyEvent, expected: ArrayLike<number>, observedExpected: ArrayLike<number>, o: SeverityOptions): EventContext {
  let actual = 0, exp = 0, fc = 0, nFc = 0, ghi = 0, clearGhi = 0, clearKwh = 0, cloud = 0, nCloud = 0, obsActual = 0, obsExp = 0;
  for (const i of event.members) {
    const h = site.hours[i];
    actual += h.actual_kwh;
    exp += expected[i];
    clearKwh += h.clear_sky_kwh;
    if (Number.isFinite(h.forecast_kwh)) (fc += h.forecast_kwh), nFc++;
    if (Number.isFinite(h.ghi_obs) && site.clearGhi[i] >= MIN_CLEAR_GHI) (ghi += h.ghi_obs), (clearGhi += site.clearGhi[i]);
    if (Number.isFinite(h.cloud_cover_pct)) (cloud += h.cloud_cover_pct), nCloud++;
    if (Number.isFinite(observedExpected[i])) (obsActual += h.actual_kwh), (obsExp += observedExpected[i]);
  }
  const performance = obsExp > 0 ? obsActual / obsExp : null;
  const lost = performance === null ? null : 1 - performance;
  const cause: Cause =
    lost === null ? "unknown" : (event.direction === "under" ? lost >= o.minLossShare : -lost >= o.minLossShare) ? "system" : "weather";
  const lossShare = exp > 0 ? 1 - actual / exp : 0;
  let severity: Severity = "low";
  if (event.direction === "under" && cause !== "weather" && lossShare >= o.minLossShare) {
    if (lossShare >= o.highLossShare) severity = "high";
    else if (event.hours >= o.minHours) severity = "medium";
  }
  return {
    actual_kwh: actual,
    expected_kwh: exp,
    loss_share: lossShare,
    forecast_kwh: nFc ? fc : null,
    irradiance_csi: clearGhi > 0 ? ghi / clearGhi : null,
    production_csi: clearKwh > 0 ? actual / clearKwh : null,
    cloud_cover_pct: nCloud ? cloud / nCloud : null,
    performance,
    cause,
    severity
  };
}

/** The member (index into `event.members`) whose hour made the event an alarm; -1 for low severity. */
export function alarmMember(event: AnomalyEvent, severity: Severity, minHours: number): number {
  if (severity === "low") return -1;
  return severity === "high" ? 0 : Math.min(event.members.length, minHours) - 1;
}
