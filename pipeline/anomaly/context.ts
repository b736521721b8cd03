// Weather context of an event: was it cloudier than forecast (the weather explains the shortfall),
// or did the system make less of the sunshine it got (a fault)? The test is the site's performance
// index, measured energy over what the observed irradiance would give:
//   PI = Σ actual / Σ (clear-sky energy × observed GHI / clear-sky GHI)
// over the event's hours, relative to the same index over the site's unflagged hours of the
// `baselineDays` before the event (a site's own losses, shading and the clear-sky model's bias
// cancel out). A cloudy day keeps its PI near 1 however little it produced; an outage has PI 0, a
// lost string of three about 0.67, a curtailed noon hour the cap's share.
import {MS_PER_DAY} from "../math.ts";
import type {AnomalyEvent, ScoredHour} from "./detect.ts";
import type {SiteResiduals} from "./residuals.ts";

/** Hours below this clear-sky GHI (W/m²) do not count: at low sun the transposition ratio is noisy. */
const MIN_CLEAR_GHI = 100;

export interface EventContext {
  /** Σ observed GHI / Σ clear-sky GHI over the event's hours: 1 clear, near 0 overcast. */
  irradiance_csi: number | null;
  /** Σ actual / Σ clear-sky energy over the event's hours. */
  production_csi: number | null;
  cloud_cover_pct: number | null;
  /** The event's performance index relative to the site's recent one (1 = as usual). */
  performance: number | null;
  /** "system" when performance is under the configured bound, "weather" when the weather explains it, "unknown" without observed weather. */
  cause: "system" | "weather" | "unknown";
}

export function eventContext(site: SiteResiduals, scored: readonly ScoredHour[], event: AnomalyEvent, o: {baselineDays: number; systemBelow: number}): EventContext {
  const pi = (idx: Iterable<number>) => {
    let a = 0, e = 0;
    for (const i of idx) {
      const h = site.hours[i];
      const cg = site.clearGhi[i];
      if (!(cg >= MIN_CLEAR_GHI) || !Number.isFinite(h.ghi_obs) || !Number.isFinite(h.actual_kwh)) continue;
      a += h.actual_kwh;
      e += (h.clear_sky_kwh * h.ghi_obs) / cg;
    }
    return e > 0 ? a / e : NaN;
  };
  const members = event.members;
  let ghi = 0, clear = 0, act = 0, clearKwh = 0, cloud = 0, nCloud = 0;
  for (const i of members) {
    const h = site.hours[i];
    if (Number.isFinite(h.ghi_obs)) (ghi += h.ghi_obs), (clear += site.clearGhi[i]);
    act += h.actual_kwh;
    clearKwh += h.clear_sky_kwh;
    if (Number.isFinite(h.cloud_cover_pct)) (cloud += h.cloud_cover_pct), nCloud++;
  }
  const from = event.start - o.baselineDays * MS_PER_DAY;
  const reference: number[] = [];
  for (let i = 0; i < scored.length && scored[i].ts < event.start; i++) {
    if (scored[i].ts >= from && Number.isFinite(scored[i].residual) && !scored[i].flagged) reference.push(i);
  }
  const ratio = pi(members) / pi(reference);
  const performance = Number.isFinite(ratio) ? ratio : null;
  return {
    irradiance_csi: clear > 0 ? ghi / clear : null,
    production_csi: clearKwh > 0 ? act / clearKwh : null,
    cloud_cover_pct: nCloud ? cloud / nCloud : null,
    performance,
    cause: performance === null ? "unknown" : performance < o.systemBelow ? "system" : "weather"
  };
}
