// One site through the detector: the expectation, the rolling z-score, events and their context.
// A plain function of the site's hours and the options, so the stage, the bench and the tests run
// the same thing.
import {MS_PER_HOUR} from "../math.ts";
import {alarmMember, eventContext, type Cause, type EventContext, type Severity} from "./context.ts";
import {groupEvents, scoreResiduals} from "./detect.ts";
import {observedWeatherEnergy, profileExpectation} from "./expected.ts";
import type {SiteHours} from "./siteHours.ts";

export interface AnomalyOptions {
  /** What the site is measured against: the observed-weather performance model, or the out-of-sample forecast. */
  expected: "observed_weather" | "forecast";
  method: "mean" | "median";
  window_h: number;
  threshold: number;
  /** Judged, unflagged hours allowed inside one event. */
  gap_h: number;
  /** Days of the site's level per hour of day (observed-weather expectation). */
  profile_days: number;
  /** Flagged hours that make a loss a medium-severity alarm. */
  min_hours: number;
  /** Share of the expected energy a loss must reach to be the system's and an alarm. */
  min_loss_share: number;
  /** Share of the expected energy lost that makes an alarm high severity at once. */
  high_loss_share: number;
}

/** Judged hours a window must hold before hours get a z-score. */
const MIN_REFERENCE_HOURS = 24;

export interface AnomalyHour {
  site_id: string;
  ts: number;
  actual_kwh: number;
  expected_kwh: number;
  forecast_kwh: number;
  lower_80: number;
  upper_80: number;
  forecast_source: string;
  residual_kwh: number;
  /** Residual as a share of the hour's clear-sky energy: what the z-score is taken of. */
  residual_share: number;
  z: number;
  is_anomaly: boolean;
  event_id: string | null;
  clear_sky_kwh: number;
  ghi_obs: number;
  clear_ghi: number;
  cloud_cover_pct: number;
  stuck: boolean;
}

export interface AnomalyEventRow extends EventContext {
  event_id: string;
  site_id: string;
  start_ts: number;
  end_ts: number;
  hours: number;
  direction: "under" | "over";
  energy_gap_kwh: number;
  max_abs_z: number;
  /** When the event became an alarm (end of that flagged hour); null for low severity. */
  alarm_ts: number | null;
}

export interface SiteDetection {
  hours: AnomalyHour[];
  events: AnomalyEventRow[];
  /** Daytime hours with a z-score. */
  judged: number;
  /** Daytime hours not judged because the logger was stuck. */
  stuck: number;
}

export function detectSite(site: SiteHours, o: AnomalyOptions): SiteDetection {
  const n = site.hours.length;
  const ts = site.hours.map((h) => h.ts);
  const actual = site.hours.map((h) => h.actual_kwh);
  const model = observedWeatherEnergy(site.site, ts, {
    ghi: site.hours.map((h) => h.ghi_obs),
    tempC: site.hours.map((h) => h.temp_c),
    windMs: site.hours.map((h) => h.wind_ms)
  });
  const observed = profileExpectation(ts, actual, model, site.site.capacityKw, o.profile_days);
  const expected = o.expected === "observed_weather" ? observed : Float64Array.from(site.hours, (h) => h.forecast_expected_kwh);
  const input = site.hours.map((h, i) => ({ts: h.ts, actual_kwh: h.actual_kwh, expected_kwh: expected[i], clear_sky_kwh: h.clear_sky_kwh}));
  const scored = scoreResiduals(input, {capacityKw: site.site.capacityKw, windowH: o.window_h, threshold: o.threshold, method: o.method, minReferenceHours: MIN_REFERENCE_HOURS});
  const eventOf = new Array<string | null>(n).fill(null);
  const events: AnomalyEventRow[] = groupEvents(scored, input, o.gap_h).map((e) => {
    const context = eventContext(site, e, expected, observed, {minHours: o.min_hours, minLossShare: o.min_loss_share, highLossShare: o.high_loss_share});
    const id = eventId(site.siteId, e.start);
    for (const i of e.members) eventOf[i] = id;
    const member = alarmMember(e, context.severity, o.min_hours);
    return {
      event_id: id, site_id: site.siteId, start_ts: e.start, end_ts: e.end, hours: e.hours, direction: e.direction,
      energy_gap_kwh: e.energy_gap_kwh, max_abs_z: e.max_abs_z, alarm_ts: member < 0 ? null : ts[e.members[member]] + MS_PER_HOUR, ...context
    };
  });
  const hours: AnomalyHour[] = [];
  let judged = 0, stuck = 0;
  site.hours.forEach((h, i) => {
    if (!(h.clear_sky_kwh > 0)) return; // the night: nothing to judge or draw
    const s = scored[i];
    if (Number.isFinite(s.z)) judged++;
    if (h.stuck) stuck++;
    hours.push({
      site_id: site.siteId, ts: h.ts, actual_kwh: h.actual_kwh, expected_kwh: expected[i], forecast_kwh: h.forecast_kwh, lower_80: h.lower_80, upper_80: h.upper_80,
      forecast_source: h.forecast_source, residual_kwh: h.actual_kwh - expected[i], residual_share: s.residual, z: s.z, is_anomaly: s.flagged, event_id: eventOf[i],
      clear_sky_kwh: h.clear_sky_kwh, ghi_obs: h.ghi_obs, clear_ghi: site.clearGhi[i], cloud_cover_pct: h.cloud_cover_pct, stuck: h.stuck
    });
  });
  return {hours, events, judged, stuck};
}

/** Stable, readable event ids: site and the UTC start hour. */
export function eventId(siteId: string, startMs: number): string {
  return `${siteId}@${new Date(startMs).toISOString().slice(0, 13)}`;
}

export const isAlarm = (e: {direction: string; severity: Severity; cause: Cause}) => e.direction === "under" && e.severity !== "low";
