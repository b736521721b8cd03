// The manifest blocks of a merged snapshot (merge.ts), combined from the shards' manifests. Pure
// functions of the manifests. The shards ran side by side, so counts add up and times are the
// longest shard's: the merged fleet waited for that one.
import type {AnomalyStageSummary} from "../anomaly/index.ts";
import type {BacktestStageSummary} from "../backtest/stage.ts";
import {worstStatus, type DriftStatus} from "../drift/status.ts";
import type {ForecastStageSummary} from "../forecast/stage.ts";
import {sha256} from "../snapshot/hash.ts";
import type {InputFile, Manifest} from "../snapshot/manifest.ts";

/** A shard's label in merged blocks, e.g. "shard 2/4". */
export const shardLabel = (m: Manifest) => `shard ${m.shard!.index}/${m.shard!.count}`;

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const max = (xs: readonly number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
const maxString = (xs: readonly (string | null | undefined)[]) => xs.filter((x): x is string => !!x).sort().at(-1) ?? null;
const minString = (xs: readonly (string | null | undefined)[]) => xs.filter((x): x is string => !!x).sort()[0] ?? null;
const unique = <T>(xs: readonly T[]) => [...new Set(xs)];

/** Per-stage seconds: the longest shard's for each stage. */
function maxSeconds(list: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of list) for (const [k, v] of Object.entries(r)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

/** Input files of all shards, each once (a shared file is an input of every shard). */
export function mergeInputs(shards: readonly Manifest[]): InputFile[] {
  const seen = new Map<string, InputFile>();
  for (const m of shards) for (const f of m.inputs) if (!seen.has(`${f.path}\0${f.sha256}`)) seen.set(`${f.path}\0${f.sha256}`, f);
  return [...seen.values()];
}

export function mergeWeather(shards: readonly Manifest[]): Manifest["weather"] {
  const sources = unique(shards.flatMap((m) => m.weather.source.split(", ")).filter((s) => s && s !== "none"));
  return {source: sources.join(", ") || "none", fetched_at: maxString(shards.map((m) => m.weather.fetched_at)), stale: shards.some((m) => m.weather.stale)};
}

export function mergeForecast(shards: readonly Manifest[]): ForecastStageSummary | undefined {
  const list = shards.filter((m) => m.forecast).map((m) => ({label: shardLabel(m), f: m.forecast!}));
  if (!list.length) return undefined;
  const fs = list.map((x) => x.f);
  const evaluations = fs.map((f) => f.evaluation).filter((e): e is NonNullable<typeof e> => e !== null);
  const decisions = list.filter((x) => x.f.retraining);
  const weather = unique(fs.map((f) => f.training_weather));
  const drift = fs.map((f) => f.drift_status).filter((s): s is DriftStatus => s === "ok" || s === "warning" || s === "critical");
  return {
    enabled: fs.some((f) => f.enabled),
    as_of: maxString(fs.map((f) => f.as_of)),
    // Each shard issues on the same days over its own sites.
    evaluation: evaluations.length
      ? {start: minString(evaluations.map((e) => e.start))!, end: maxString(evaluations.map((e) => e.end))!, issues: max(evaluations.map((e) => e.issues))}
      : null,
    live_issued_at: maxString(fs.map((f) => f.live_issued_at)),
    models: fs.flatMap((f) => f.models),
    rows: sum(fs.map((f) => f.rows)),
    carried_over_rows: sum(fs.map((f) => f.carried_over_rows)),
    training_weather: weather.length === 1 ? weather[0] : list.map((x) => `${x.label}: ${x.f.training_weather}`).join("; "),
    weather_variables: unique(fs.flatMap((f) => f.weather_variables)),
    seconds: max(fs.map((f) => f.seconds)),
    stage_seconds: maxSeconds(fs.map((f) => f.stage_seconds)),
    skipped_sites: fs.flatMap((f) => f.skipped_sites),
    new_site_days: fs[0].new_site_days,
    // Each shard decided for its own models: the merged block says whether any refitted, and why, by shard.
    retraining: decisions.length
      ? {
          decision: decisions.some((x) => x.f.retraining!.decision === "retrain") ? "retrain" : "keep",
          reasons: decisions.flatMap((x) => x.f.retraining!.reasons.map((r) => `${x.label}: ${r}`)),
          model_age_days: decisions.some((x) => x.f.retraining!.model_age_days !== null) ? max(decisions.map((x) => x.f.retraining!.model_age_days ?? 0)) : null,
          rmse_ratio: decisions.some((x) => x.f.retraining!.rmse_ratio !== null) ? max(decisions.map((x) => x.f.retraining!.rmse_ratio ?? 0)) : null,
          critical_drift: unique(decisions.flatMap((x) => x.f.retraining!.critical_drift))
        }
      : null,
    drift_status: drift.length ? worstStatus(drift) : null
  };
}

export function mergeBacktest(shards: readonly Manifest[]): BacktestStageSummary | undefined {
  const bs = shards.map((m) => m.backtest).filter((b): b is BacktestStageSummary => !!b);
  if (!bs.length) return undefined;
  const keys = bs.map((b) => b.key);
  return {
    enabled: bs.some((b) => b.enabled),
    // The shards' keys together identify what the merged backtest rests on.
    key: keys.every((k) => k === null) ? null : sha256(keys.map((k) => k ?? "-").join("\n")).slice(0, 16),
    reused: bs.every((b) => b.reused),
    windows: max(bs.map((b) => b.windows)),
    predictions: sum(bs.map((b) => b.predictions)),
    seconds: max(bs.map((b) => b.seconds)),
    stage_seconds: maxSeconds(bs.map((b) => b.stage_seconds)),
    skipped: bs.flatMap((b) => b.skipped),
    note: bs.every((b) => b.windows === 0) ? (bs.find((b) => b.note)?.note ?? null) : null
  };
}

/** `evaluation`: the fleet-wide score recomputed from the merged tables (merge.ts), not any shard's. */
export function mergeAnomaly(shards: readonly Manifest[], evaluation: AnomalyStageSummary["evaluation"]): AnomalyStageSummary | undefined {
  const as = shards.map((m) => m.anomaly).filter((a): a is AnomalyStageSummary => !!a);
  if (!as.length) return undefined;
  const total = (get: (a: AnomalyStageSummary) => number) => sum(as.map(get));
  return {
    options: as[0].options,
    sites: total((a) => a.sites),
    judged_hours: total((a) => a.judged_hours),
    stuck_hours: total((a) => a.stuck_hours),
    flagged_hours: total((a) => a.flagged_hours),
    events: total((a) => a.events),
    alarms: {medium: total((a) => a.alarms.medium), high: total((a) => a.alarms.high)},
    evaluation,
    seconds: max(as.map((a) => a.seconds))
  };
}
