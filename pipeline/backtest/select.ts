// Model selection: a small grid of Prophet and GBDT settings, each scored by the walk-forward
// backtest (refitted at each origin, out of sample) on the most recent windows, the same way the
// backtest scores the hybrid: fleet RMSE on daytime hours, % of capacity. A full factorial grid would
// cost hours on two cores, so the search goes one coordinate at a time: the Prophet settings with
// the default GBDT, then the GBDT settings on the best Prophet.
//
// The chosen settings and every candidate's score go to the registry folder (selection.json);
// runs then fit with them (config settings the user wrote take precedence), and the change of
// recipe makes the next run refit the live model, with the reason recorded.
import type {DuckDBConnection} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {mkdir, readFile, rename, writeFile} from "node:fs/promises";
import {join} from "node:path";
import type {SunlineConfig} from "../config.ts";
import {createTableFromObjects} from "../db.ts";
import {registryDir} from "../registry/index.ts";
import {runBacktest} from "./run.ts";

type Params = Record<string, unknown>;

/** Most recent backtest windows a selection scores on (fewer when the backtest has fewer origins). */
export const SELECT_WINDOWS = 2;

export interface Candidate {
  /** "prophet" or "gbdt": which coordinate the candidate varies. */
  stage: "prophet" | "gbdt";
  label: string;
  prophet: Params;
  gbdt: Params;
}

export interface CandidateScore extends Candidate {
  windows: number;
  /** Daytime hours scored (fleet). */
  n: number;
  nrmse_pct: number;
  skill_rmse: number | null;
  coverage80: number | null;
  seconds: number;
  chosen: boolean;
}

export interface Selection {
  created_at: string;
  snapshot_id: string;
  /** Test periods scored: first and last instant (ISO). */
  period: [string, string];
  windows: number;
  chosen: {prophet: Params; gbdt: Params};
  candidates: CandidateScore[];
  seconds: number;
}

/** The grid: each Prophet variation alone, then each GBDT variation on the best Prophet. */
export const PROPHET_GRID: readonly {label: string; params: Params}[] = [
  {label: "defaults", params: {}},
  {label: "changepoint prior 0.01", params: {changepointPriorScale: 0.01}},
  {label: "changepoint prior 0.5", params: {changepointPriorScale: 0.5}},
  {label: "seasonality prior 1", params: {seasonalityPriorScale: 1}},
  {label: "multiplicative seasonality", params: {seasonalityMode: "multiplicative"}}
];
export const GBDT_GRID: readonly {label: string; params: Params}[] = [
  {label: "depth 4", params: {maxDepth: 4}},
  {label: "depth 8", params: {maxDepth: 8}},
  {label: "learning rate 0.1, 150 rounds", params: {learningRate: 0.1, rounds: 150}},
  {label: "600 rounds", params: {rounds: 600}}
];

export interface SelectOptions {
  config: SunlineConfig;
  snapshotId: string;
  /** Most recent backtest windows to score on. */
  windows: number;
  log: (message: string) => void;
  progress?: (done: number, total: number, label: string) => void;
  now: Date;
  /** Override the grids (tests). */
  prophetGrid?: readonly {label: string; params: Params}[];
  gbdtGrid?: readonly {label: string; params: Params}[];
}

/** Scores the grid on the connection's `sites`, `production_hourly` and `weather_hourly`. */
export async function selectModel(conn: DuckDBConnection, o: SelectOptions): Promise<Selection> {
  const started = performance.now();
  const base = o.config.forecast;
  const prophetGrid = o.prophetGrid ?? PROPHET_GRID;
  const gbdtGrid = o.gbdtGrid ?? GBDT_GRID;
  const total = prophetGrid.length + gbdtGrid.length;
  const scores: CandidateScore[] = [];
  let period: [number, number] = [Infinity, -Infinity];

  const score = async (c: Candidate): Promise<CandidateScore> => {
    const t = performance.now();
    // The config's own settings win over the grid's: a user who pinned a value keeps it.
    const config: SunlineConfig = {
      ...o.config,
      forecast: {...base, prophet: {...c.prophet, ...base.prophet}, gbdt: {...c.gbdt, ...base.gbdt}, transfer_curve: {...base.transfer_curve, enabled: false}},
      backtest: {...o.config.backtest, origins: o.windows}
    };
    const r = await runBacktest(conn, {config, log: o.log});
    const fleet = r.metrics.find((m) => m.window === 0 && m.site_id === "fleet" && m.horizon === "all" && m.model === "hybrid");
    for (const w of r.windows) period = [Math.min(period[0], w.testStart), Math.max(period[1], w.testEnd)];
    const s: CandidateScore = {
      ...c, windows: r.windows.length, n: fleet?.n ?? 0, nrmse_pct: fleet?.nrmse_pct ?? NaN, skill_rmse: fleet?.skill_rmse ?? null, coverage80: fleet?.coverage80 ?? null,
      seconds: Math.round((performance.now() - t) / 100) / 10, chosen: false
    };
    scores.push(s);
    o.progress?.(scores.length, total, `${c.stage} ${c.label}: nRMSE ${s.nrmse_pct.toFixed(2)} %`);
    return s;
  };
  const best = (xs: CandidateScore[]) => xs.reduce((a, b) => (b.nrmse_pct < a.nrmse_pct ? b : a));

  const prophetScores: CandidateScore[] = [];
  for (const p of prophetGrid) prophetScores.push(await score({stage: "prophet", label: p.label, prophet: p.params, gbdt: {}}));
  const bestProphet = best(prophetScores);
  // The GBDT coordinate starts from the best Prophet with the default GBDT (already scored).
  const gbdtScores: CandidateScore[] = [bestProphet];
  for (const g of gbdtGrid) gbdtScores.push(await score({stage: "gbdt", label: g.label, prophet: bestProphet.prophet, gbdt: g.params}));
  const winner = best(gbdtScores);
  winner.chosen = true;
  return {
    created_at: o.now.toISOString(), snapshot_id: o.snapshotId, period: [new Date(period[0]).toISOString(), new Date(period[1]).toISOString()],
    windows: o.windows, chosen: {prophet: winner.prophet, gbdt: winner.gbdt}, candidates: scores, seconds: Math.round((performance.now() - started) / 100) / 10
  };
}

const selectionPath = (dataDir: string) => join(registryDir(dataDir), "selection.json");

export async function saveSelection(dataDir: string, s: Selection): Promise<string> {
  await mkdir(registryDir(dataDir), {recursive: true});
  const path = selectionPath(dataDir);
  await writeFile(`${path}.tmp`, `${JSON.stringify(s, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
  return path;
}

export async function readSelection(dataDir: string): Promise<Selection | null> {
  const path = selectionPath(dataDir);
  return existsSync(path) ? (JSON.parse(await readFile(path, "utf8")) as Selection) : null;
}

/** The forecast settings a run fits with: the selection's chosen ones under the config's own. */
export function withSelection(forecast: SunlineConfig["forecast"], s: Selection | null): SunlineConfig["forecast"] {
  if (!s) return forecast;
  return {...forecast, prophet: {...s.chosen.prophet, ...forecast.prophet}, gbdt: {...s.chosen.gbdt, ...forecast.gbdt}};
}

/** `model_selection`: the last selection's candidates (empty before any). */
export async function createSelectionTable(conn: DuckDBConnection, s: Selection | null): Promise<void> {
  const rows = (s?.candidates ?? []).map((c) => ({
    ...c, prophet: JSON.stringify(c.prophet), gbdt: JSON.stringify(c.gbdt), created_at: Date.parse(s!.created_at),
    period_start: Date.parse(s!.period[0]), period_end: Date.parse(s!.period[1])
  }));
  await createTableFromObjects(conn, "model_selection", [
    ["created_at", "TIMESTAMP"], ["stage", "VARCHAR"], ["label", "VARCHAR"], ["prophet", "VARCHAR"], ["gbdt", "VARCHAR"], ["windows", "INTEGER"], ["n", "INTEGER"],
    ["nrmse_pct", "DOUBLE"], ["skill_rmse", "DOUBLE"], ["coverage80", "DOUBLE"], ["seconds", "DOUBLE"], ["chosen", "BOOLEAN"], ["period_start", "TIMESTAMP"], ["period_end", "TIMESTAMP"]
  ], rows);
}

/** The `sunline select` printout: every candidate's score, the chosen one marked. */
export function formatSelection(s: Selection): string {
  const lines = [
    `Model selection: ${s.candidates.length} candidates, each refitted at the ${s.windows} most recent backtest origins and scored out of sample on`,
    `${s.period[0].slice(0, 10)} → ${s.period[1].slice(0, 10)} (fleet, daytime hours, weather as known at issue time where archived), one setting at a time:`,
    `    ${"stage".padEnd(8)} ${"candidate".padEnd(30)} ${"hours".padStart(6)} ${"nRMSE %".padStart(8)} ${"skill".padStart(6)} ${"cov80".padStart(6)} ${"s".padStart(5)}`
  ];
  const f = (x: number | null, d: number) => (x === null || !Number.isFinite(x) ? "" : x.toFixed(d));
  for (const c of s.candidates) {
    lines.push(`${c.chosen ? " ✓ " : "   "} ${c.stage.padEnd(8)} ${c.label.padEnd(30)} ${String(c.n).padStart(6)} ${f(c.nrmse_pct, 2).padStart(8)} ${f(c.skill_rmse, 3).padStart(6)} ${f(c.coverage80, 2).padStart(6)} ${f(c.seconds, 0).padStart(5)}`);
  }
  lines.push(`Chosen: prophet ${JSON.stringify(s.chosen.prophet)}, gbdt ${JSON.stringify(s.chosen.gbdt)} (${s.seconds} s).`);
  return `${lines.join("\n")}\n`;
}
