// The `drift` table of a run: for every site, how far its recent inputs moved from the data the
// model in use was trained on, and whether its recent forecast error is out of line with the
// backtest's.
//
//   input drift  daytime hours (sun up) of each model weather variable and of production (share of
//                capacity), recent window (the last `recent_days` before the end of the data) against
//                the reference: the same season (±7 days around the recent window's dates) of
//                earlier years inside the training period; when that holds too few values, the whole
//                training period, and the row says so. Same season, because a June window against a
//                whole year "drifts" every summer.
//   error drift  RMSE (share of capacity, daytime hours) of recent forecasts against the backtest's
//                before the recent window, over the same months of the year (all months when the
//                backtest has too few hours there). Per site and for the fleet.
import {MS_PER_DAY as DAY_MS} from "../math.ts";
import {compareDistributions, statusOf, worstStatus, type DriftStatus, type DriftThresholds} from "./status.ts";
import {quantileEdges} from "./distance.ts";

const YEAR_MS = 365 * DAY_MS;
/** Days either side of the recent window's dates that count as "the same season". */
const SEASON_MARGIN_DAYS = 7;
/** Backtest hours needed in the recent window's months before all months are used instead. */
const MIN_REFERENCE_ERROR_HOURS = 200;
/** Recent forecast hours (daytime, with an outcome) needed for an error-drift status. */
const MIN_RECENT_ERROR_HOURS = 50;
/** Bins of the histograms stored for the page (quantile bins of the reference). */
const HISTOGRAM_BINS = 12;

/** One site's hourly series, as the forecast stage holds it. */
export interface DriftSeries {
  siteId: string;
  capacityKw: number;
  ts: ArrayLike<number>;
  energy: ArrayLike<number>;
  sunUp: ArrayLike<number>;
  weather: Record<string, ArrayLike<number>>;
}

/** A scored forecast hour: recent ones (this run) or the backtest's, aggregated per month. */
export interface ErrorHour {
  site_id: string;
  ts: number;
  forecast_kwh: number;
  actual_kwh: number;
}

/** Backtest squared error per site and calendar month (1–12): capacity-normalised, daytime hours. */
export interface ReferenceErrors {
  site_id: string;
  month: number;
  n: number;
  sum_sq: number;
}

export interface DriftRow {
  site_id: string;
  kind: "weather" | "production" | "error";
  variable: string;
  recent_start: number;
  recent_end: number;
  reference_start: number;
  reference_end: number;
  /** Which reference was used, in words. */
  reference: string;
  n_reference: number;
  n_recent: number;
  psi: number | null;
  ks: number | null;
  ks_p: number | null;
  wasserstein: number | null;
  wasserstein_sd: number | null;
  mean_reference: number | null;
  mean_recent: number | null;
  /** Error drift: RMSE in % of capacity, recent and backtest, and their ratio. */
  rmse_recent_pct: number | null;
  rmse_reference_pct: number | null;
  rmse_ratio: number | null;
  status: DriftStatus;
  /** JSON {edges, reference, recent}: shares per quantile bin of the reference, for the page. */
  histogram: string | null;
}

export interface MeasureDriftOptions {
  series: readonly DriftSeries[];
  /** End of the data (exclusive); the recent window is the `recentDays` before it. */
  asOf: number;
  recentDays: number;
  /** The training period of the model in use (reference for input drift). */
  trainStart: number;
  trainEnd: number;
  minReferenceValues: number;
  thresholds: DriftThresholds;
  /** Recent scored forecasts, and what they are (e.g. "evaluation re-forecasts"). */
  recentErrors: readonly ErrorHour[];
  errorSource: string;
  reference: readonly ReferenceErrors[];
}

export function measureDrift(o: MeasureDriftOptions): DriftRow[] {
  const recentStart = o.asOf - o.recentDays * DAY_MS;
  const rows: DriftRow[] = [];
  for (const s of o.series) {
    const variables: [DriftRow["kind"], string, ArrayLike<number>, number][] = [
      ...Object.entries(s.weather).map(([name, v]): [DriftRow["kind"], string, ArrayLike<number>, number] => ["weather", name, v, 1]),
      ["production", "energy_per_capacity", s.energy, 1 / s.capacityKw]
    ];
    for (const [kind, variable, values, scale] of variables) {
      const {reference, recent, note, start, end} = samples(s, values, scale, recentStart, o);
      const base = {site_id: s.siteId, kind, variable, recent_start: recentStart, recent_end: o.asOf, reference_start: start, reference_end: end, reference: note};
      if (recent.length === 0 || reference.length < 2) {
        rows.push({...base, ...noStatistics(reference.length, recent.length), status: "warning", histogram: null,
          reference: `${note}; too few values to compare (${reference.length} reference, ${recent.length} recent)`});
        continue;
      }
      const d = compareDistributions(variable, reference, recent, o.thresholds);
      rows.push({
        ...base, n_reference: d.n_reference, n_recent: d.n_recent, psi: fin(d.psi), ks: fin(d.ks), ks_p: fin(d.ks_p), wasserstein: fin(d.wasserstein),
        wasserstein_sd: fin(d.wasserstein_sd), mean_reference: fin(d.mean_reference), mean_recent: fin(d.mean_recent),
        rmse_recent_pct: null, rmse_reference_pct: null, rmse_ratio: null, status: d.status, histogram: histogram(reference, recent)
      });
    }
  }
  rows.push(...errorDriftRows(o, recentStart));
  return rows;
}

/** Daytime values of one variable: recent window, and the reference (same season, else whole training period). */
function samples(s: DriftSeries, values: ArrayLike<number>, scale: number, recentStart: number, o: MeasureDriftOptions) {
  const recent: number[] = [];
  const season: number[] = [];
  const whole: number[] = [];
  // Same season: the recent window's dates shifted back by whole years, widened by the margin.
  const windows: [number, number][] = [];
  for (let k = 1; o.asOf - k * YEAR_MS > o.trainStart - YEAR_MS; k++) {
    windows.push([recentStart - k * YEAR_MS - SEASON_MARGIN_DAYS * DAY_MS, o.asOf - k * YEAR_MS + SEASON_MARGIN_DAYS * DAY_MS]);
  }
  let seasonStart = Infinity, seasonEnd = -Infinity;
  for (let i = 0; i < s.ts.length; i++) {
    const t = s.ts[i];
    const v = values[i] * scale;
    if (s.sunUp[i] !== 1 || !Number.isFinite(v)) continue;
    if (t >= recentStart && t < o.asOf) recent.push(v);
    else if (t >= o.trainStart && t < o.trainEnd && t < recentStart) {
      whole.push(v);
      if (windows.some(([a, b]) => t >= a && t < b)) {
        season.push(v);
        seasonStart = Math.min(seasonStart, t);
        seasonEnd = Math.max(seasonEnd, t + 3_600_000);
      }
    }
  }
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if (season.length >= o.minReferenceValues) {
    return {recent, reference: season, start: seasonStart, end: seasonEnd, note: `same season of the training data (±${SEASON_MARGIN_DAYS} days, ${day(seasonStart)} → ${day(seasonEnd)})`};
  }
  return {
    recent, reference: whole, start: o.trainStart, end: Math.min(o.trainEnd, recentStart),
    note: `whole training period ${day(o.trainStart)} → ${day(Math.min(o.trainEnd, recentStart))} (the same season holds ${season.length} values, under ${o.minReferenceValues})`
  };
}

/** Recent RMSE against the backtest's in the same months, per site and fleet-wide. */
function errorDriftRows(o: MeasureDriftOptions, recentStart: number): DriftRow[] {
  const capacity = new Map(o.series.map((s) => [s.siteId, s.capacityKw]));
  const recent = o.recentErrors.filter((r) => r.ts >= recentStart && r.ts < o.asOf && Number.isFinite(r.actual_kwh) && Number.isFinite(r.forecast_kwh) && capacity.has(r.site_id));
  const months = new Set(recent.map((r) => new Date(r.ts).getUTCMonth() + 1));
  if (months.size === 0) for (let t = recentStart; t < o.asOf; t += DAY_MS) months.add(new Date(t).getUTCMonth() + 1);
  const out: DriftRow[] = [];
  for (const site of [...o.series.map((s) => s.siteId), "fleet"]) {
    const mine = recent.filter((r) => site === "fleet" || r.site_id === site);
    const ref = o.reference.filter((r) => site === "fleet" || r.site_id === site);
    const sameMonths = ref.filter((r) => months.has(r.month));
    const useSame = sum(sameMonths, (r) => r.n) >= MIN_REFERENCE_ERROR_HOURS;
    const refRows = useSame ? sameMonths : ref;
    const nRef = sum(refRows, (r) => r.n);
    const rmseRef = nRef > 0 ? 100 * Math.sqrt(sum(refRows, (r) => r.sum_sq) / nRef) : NaN;
    const rmseRecent = mine.length > 0 ? 100 * Math.sqrt(sum(mine, (r) => ((r.forecast_kwh - r.actual_kwh) / capacity.get(r.site_id)!) ** 2) / mine.length) : NaN;
    const ratio = rmseRef > 0 && mine.length >= MIN_RECENT_ERROR_HOURS ? rmseRecent / rmseRef : NaN;
    const monthNames = [...months].sort((a, b) => a - b).map((m) => MONTHS[m - 1]).join(", ");
    const reference = nRef === 0
      ? "no backtest hours to compare with"
      : `backtest before the recent window, ${useSame ? `same months (${monthNames})` : `all months (under ${MIN_REFERENCE_ERROR_HOURS} backtest hours in ${monthNames})`}, ${nRef} hours; recent: ${o.errorSource}`;
    out.push({
      site_id: site, kind: "error", variable: "rmse", recent_start: recentStart, recent_end: o.asOf, reference_start: NaN, reference_end: NaN, reference,
      ...noStatistics(nRef, mine.length),
      rmse_recent_pct: fin(rmseRecent), rmse_reference_pct: fin(rmseRef), rmse_ratio: fin(ratio),
      // Too few recent hours to judge reads "warning" (statusOf on NaN): a silent site is worth a look.
      status: statusOf(ratio, o.thresholds.rmse_ratio), histogram: null
    });
  }
  return out;
}

/** The worst status per site over its input rows, and the critical (site, variable) pairs. */
export function driftVerdict(rows: readonly DriftRow[]): {status: DriftStatus; critical: string[]} {
  const inputs = rows.filter((r) => r.kind !== "error");
  return {status: worstStatus(inputs.map((r) => r.status)), critical: inputs.filter((r) => r.status === "critical").map((r) => `${r.site_id} ${r.variable}`)};
}

function histogram(reference: readonly number[], recent: readonly number[]): string {
  const sorted = Float64Array.from(reference).sort();
  const edges = [...new Set(quantileEdges(sorted, HISTOGRAM_BINS))];
  const shares = (values: readonly number[]) => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const v of values) {
      let k = 0;
      while (k < edges.length && v > edges[k]) k++;
      counts[k]++;
    }
    return counts.map((c) => Math.round((1e4 * c) / values.length) / 1e4);
  };
  return JSON.stringify({edges: edges.map((e) => Math.round(e * 1e4) / 1e4), min: Math.min(sorted[0], ...recent), max: Math.max(sorted[sorted.length - 1], ...recent), reference: shares(reference), recent: shares(recent)});
}

function noStatistics(nReference: number, nRecent: number) {
  return {
    n_reference: nReference, n_recent: nRecent, psi: null, ks: null, ks_p: null, wasserstein: null, wasserstein_sd: null, mean_reference: null, mean_recent: null,
    rmse_recent_pct: null, rmse_reference_pct: null, rmse_ratio: null
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const fin = (x: number) => (Number.isFinite(x) ? x : null);
const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
