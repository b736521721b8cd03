// Data shaping for the Anomalies page: filters, the client-side re-flagging behind the sensitivity
// slider, weekly top alarms and energy lost per site. Plain functions of rows (no Plot, no DOM), so
// they are tested in Node (test/components/anomalyData.test.ts).

export const HOUR_MS = 3_600_000;
export const SEVERITIES = ["high", "medium", "low"];

/** An alarm: a loss of medium or high severity (the pipeline's isAlarm). */
export const isAlarm = (e) => e.direction === "under" && e.severity !== "low";

/**
 * Events that pass the page's filters: a site ("all" for every one), severities, and a period
 * (events overlapping [from, to), Dates or null for open ends).
 */
export function filterEvents(events, {site = "all", severities = SEVERITIES, from = null, to = null, lossesOnly = false} = {}) {
  return events.filter(
    (e) =>
      (site === "all" || e.site_id === site) &&
      severities.includes(e.severity) &&
      (!lossesOnly || e.direction === "under") &&
      (from == null || +e.end_ts > +from) &&
      (to == null || +e.start_ts < +to)
  );
}

/** One site's hours around an event: `padH` hours either side (the context an operator wants). */
export function eventWindow(hours, event, padH = 36) {
  if (!event) return [];
  const from = +event.start_ts - padH * HOUR_MS;
  const to = +event.end_ts + padH * HOUR_MS;
  return hours.filter((h) => h.site_id === event.site_id && +h.ts >= from && +h.ts < to);
}

/**
 * Re-flags the stored z-scores at another threshold and groups the flags as the pipeline does: per
 * site and direction, a flagged hour joins the open event when at most `gapH` judged, unflagged hours
 * lie between (night hours have no z and do not count). The rolling reference stays the one computed
 * at the configured threshold: this shows what a stricter or looser cut would flag, not a rerun.
 * `hours` sorted by site, then time. Returns the flagged hours' count and the events.
 */
export function reflag(hours, threshold, gapH) {
  const events = [];
  let flagged = 0;
  let site = null;
  let open = {};
  const close = (dir) => {
    if (open[dir]) events.push(open[dir].event);
    delete open[dir];
  };
  for (const h of hours) {
    if (h.site_id !== site) {
      close("under");
      close("over");
      site = h.site_id;
    }
    if (h.z == null || !Number.isFinite(h.z)) continue;
    if (!(Math.abs(h.z) > threshold)) {
      for (const dir of Object.keys(open)) if (++open[dir].gap > gapH) close(dir);
      continue;
    }
    flagged++;
    const dir = h.z < 0 ? "under" : "over";
    const other = dir === "under" ? "over" : "under";
    if (open[other] && ++open[other].gap > gapH) close(other);
    const lost = (h.expected_kwh ?? 0) - (h.actual_kwh ?? 0);
    if (open[dir]) {
      const e = open[dir].event;
      open[dir].gap = 0;
      e.end_ts = new Date(+h.ts + HOUR_MS);
      e.hours++;
      e.energy_gap_kwh += lost;
      e.max_abs_z = Math.max(e.max_abs_z, Math.abs(h.z));
    } else {
      open[dir] = {gap: 0, event: {site_id: h.site_id, start_ts: new Date(+h.ts), end_ts: new Date(+h.ts + HOUR_MS), hours: 1, direction: dir, energy_gap_kwh: lost, max_abs_z: Math.abs(h.z)}};
    }
  }
  close("under");
  close("over");
  return {flagged, events: events.sort((a, b) => a.start_ts - b.start_ts)};
}

/** Flagged hours per site at a threshold (for the slider's table), sites in the given order. */
export function flaggedBySite(hours, threshold, siteIds) {
  const counts = new Map(siteIds.map((s) => [s, 0]));
  for (const h of hours) if (h.z != null && Math.abs(h.z) > threshold) counts.set(h.site_id, (counts.get(h.site_id) ?? 0) + 1);
  return [...counts].map(([site_id, flagged]) => ({site_id, flagged}));
}

/** Monday 00:00 UTC of the week holding `d`. */
export function weekStart(d) {
  const t = new Date(+d);
  const day = (t.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() - day));
}

/** The `n` alarms that lost the most energy in each week (by start), newest week first. */
export function topPerWeek(events, n = 3) {
  const weeks = new Map();
  for (const e of events.filter(isAlarm)) {
    const key = +weekStart(e.start_ts);
    if (!weeks.has(key)) weeks.set(key, []);
    weeks.get(key).push(e);
  }
  return [...weeks]
    .sort((a, b) => b[0] - a[0])
    .flatMap(([week, list]) => list.sort((a, b) => b.energy_gap_kwh - a.energy_gap_kwh).slice(0, n).map((e, i) => ({week: new Date(week), rank: i + 1, ...e})));
}

/** Energy lost in alarms per site and severity (kWh), and each site's total, largest first. */
export function lossBySite(events) {
  const rows = new Map();
  for (const e of events.filter(isAlarm)) {
    const r = rows.get(e.site_id) ?? {site_id: e.site_id, high: 0, medium: 0, total: 0, alarms: 0, expected_kwh: 0};
    r[e.severity] += e.energy_gap_kwh;
    r.total += e.energy_gap_kwh;
    r.expected_kwh += e.expected_kwh ?? 0;
    r.alarms++;
    rows.set(e.site_id, r);
  }
  return [...rows.values()].sort((a, b) => b.total - a.total);
}

/** The evaluation table's rows in reading order: overall first, then the fault types, soiling last. */
export function evaluationRows(rows) {
  const rank = (f) => (f === "all" ? 0 : f === "soiling" ? 2 : 1);
  return [...rows].sort((a, b) => rank(a.fault) - rank(b.fault) || a.fault.localeCompare(b.fault));
}
