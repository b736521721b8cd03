// Whether a run refits the live model or keeps issuing with the one in use. Refitting every run
// would make every forecast come from a different model, so a track record would never build up;
// never refitting would let a model decay. The rule: refit when there is a reason, and say which.
//
//   - no model in use yet
//   - the fleet changed: a site to forecast that no model in use covers, or one that now has enough
//     history for its own Prophet (it was on the fleet-transfer model)
//   - the model's parameters, features or code changed
//   - model age: its training data ends `max_age_days` or more before the end of the data
//   - error: recent RMSE at least `rmse_ratio` × the backtest RMSE of the same months (fleet-wide)
//   - critical drift of any input of any site (when `on_critical_drift`), judged only once the model
//     in use has seen none of the recent window: a model trained on those very hours has already
//     learned them, and its refit would change nothing (the statistics compare the recent window
//     with the data before it, so they would stay critical and refit it on every run)
// Otherwise the model in use is kept, and the decision records why (every input it looked at).
import {MS_PER_DAY as DAY_MS} from "../math.ts";

/** A live model in use (from the registry). */
export interface ModelInUse {
  version: string;
  kind: string;
  /** One past the last training hour (UTC ms). */
  trainEnd: number;
  /** Sites it forecasts. */
  issueFor: readonly string[];
  /** Hash of its parameters, features and code: equal to the wanted one when nothing changed. */
  recipe: string;
}

/** What a refit now would produce: which kind of model forecasts which sites, with which recipe. */
export interface WantedFleet {
  kind: string;
  issueFor: readonly string[];
  recipe: string;
}

export interface RetrainPolicy {
  rmse_ratio: number;
  max_age_days: number;
  on_critical_drift: boolean;
}

export interface RetrainInputs {
  inUse: readonly ModelInUse[];
  wanted: readonly WantedFleet[];
  /** End of the data (UTC ms). */
  asOf: number;
  /** Start of the recent window the drift statistics describe (UTC ms). */
  recentStart: number;
  /** Fleet recent RMSE / backtest RMSE of the same months; null when it could not be measured. */
  rmseRatio: number | null;
  /** "site variable" of every input whose drift is critical. */
  criticalDrift: readonly string[];
  policy: RetrainPolicy;
}

export interface RetrainDecision {
  retrain: boolean;
  /** Why it refits, or (when it keeps) why it may keep. */
  reasons: string[];
  /** Days from the end of the in-use model's training data to the end of the data (null: none in use). */
  model_age_days: number | null;
  rmse_ratio: number | null;
  critical_drift: string[];
  in_use: string[];
}

export function decideRetraining(i: RetrainInputs): RetrainDecision {
  const base = {
    model_age_days: i.inUse.length ? round1((i.asOf - Math.min(...i.inUse.map((m) => m.trainEnd))) / DAY_MS) : null,
    rmse_ratio: i.rmseRatio === null ? null : Math.round(i.rmseRatio * 1000) / 1000,
    critical_drift: [...i.criticalDrift],
    in_use: i.inUse.map((m) => m.version)
  };
  if (i.inUse.length === 0) return {...base, retrain: true, reasons: ["no model in use yet"]};
  const reasons: string[] = [];

  const covering = new Map<string, ModelInUse>();
  for (const m of i.inUse) for (const s of m.issueFor) covering.set(s, m);
  const wantedBy = new Map<string, WantedFleet>();
  for (const w of i.wanted) for (const s of w.issueFor) wantedBy.set(s, w);
  const added = [...wantedBy.keys()].filter((s) => !covering.has(s)).sort();
  const removed = [...covering.keys()].filter((s) => !wantedBy.has(s)).sort();
  const moved = [...wantedBy].filter(([s, w]) => covering.has(s) && covering.get(s)!.kind !== w.kind).map(([s, w]) => `${s} (${covering.get(s)!.kind} → ${w.kind})`).sort();
  if (added.length) reasons.push(`new sites to forecast: ${added.join(", ")}`);
  if (removed.length) reasons.push(`sites no longer in the data: ${removed.join(", ")}`);
  if (moved.length) reasons.push(`sites changing model: ${moved.join(", ")}`);
  const changed = i.wanted.filter((w) => i.inUse.some((m) => m.kind === w.kind && m.recipe !== w.recipe)).map((w) => w.kind);
  if (changed.length) reasons.push(`parameters, features or code changed (${changed.join(", ")})`);

  const age = base.model_age_days!;
  if (age >= i.policy.max_age_days) reasons.push(`model age ${age} days ≥ ${i.policy.max_age_days}`);
  if (i.rmseRatio !== null && i.rmseRatio >= i.policy.rmse_ratio) {
    reasons.push(`recent error ${base.rmse_ratio}× the backtest's for the same months (≥ ${i.policy.rmse_ratio}×)`);
  }
  const unseen = Math.max(...i.inUse.map((m) => m.trainEnd)) <= i.recentStart;
  if (i.policy.on_critical_drift && unseen && i.criticalDrift.length) {
    const shown = i.criticalDrift.slice(0, 5).join(", ");
    reasons.push(`critical input drift: ${shown}${i.criticalDrift.length > 5 ? ` and ${i.criticalDrift.length - 5} more` : ""}`);
  }
  if (reasons.length) return {...base, retrain: true, reasons};
  return {
    ...base, retrain: false,
    reasons: [
      `model age ${age} days < ${i.policy.max_age_days}`,
      i.rmseRatio === null ? "recent error not measurable" : `recent error ${base.rmse_ratio}× the backtest's (< ${i.policy.rmse_ratio}×)`,
      !i.policy.on_critical_drift
        ? "input drift not considered (retrain.on_critical_drift is false)"
        : !unseen
          ? `input drift not judged: the model in use was trained on part of the recent window${i.criticalDrift.length ? ` (critical: ${i.criticalDrift.length})` : ""}`
          : "no critical input drift"
    ]
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
