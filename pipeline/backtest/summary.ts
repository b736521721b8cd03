// The `sunline backtest` printout: every model over all windows (fleet, daytime hours), then the
// hybrid's error per window, each figure with the data and period it rests on.
import type {BacktestResult} from "./run.ts";

/** What the printout needs: a run's result, or windows and metrics read back from a snapshot. */
export type BacktestRecord = Pick<BacktestResult, "windows" | "metrics"> & Partial<Pick<BacktestResult, "skipped" | "seconds">>;

export function formatBacktestSummary(r: BacktestRecord): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const f = (x: number | null, d = 2) => (x === null || !Number.isFinite(x) ? "" : x.toFixed(d));
  const lines: string[] = [];
  if (r.windows.length === 0) return "No backtest: no site has data.\n";
  const first = r.windows[0], last = r.windows[r.windows.length - 1];
  const all = r.metrics.filter((m) => m.window === 0 && m.site_id === "fleet" && m.horizon === "all").sort((a, b) => b.nrmse_pct - a.nrmse_pct);
  const share = all[0]?.forecast_weather_share ?? 0;
  lines.push(
    `Walk-forward backtest: ${r.windows.length} origins (${first.mode}), ${day(first.origin)} → ${day(last.origin)}, each refitted on the data before it and issuing daily until ${day(last.testEnd)};`,
    `fleet, daytime hours, out of sample; ${Math.round(100 * share)} % of hours used a weather forecast known at issue time, the rest observed weather.`,
    `  ${"model".padEnd(18)} ${"hours".padStart(7)} ${"nRMSE %".padStart(8)} ${"nMAE %".padStart(7)} ${"MAPE %".padStart(7)} ${"skill".padStart(6)} ${"cov80".padStart(6)} ${"cov95".padStart(6)}`
  );
  for (const m of all) lines.push(`  ${m.model.padEnd(18)} ${String(m.n).padStart(7)} ${f(m.nrmse_pct).padStart(8)} ${f(m.nmae_pct).padStart(7)} ${f(m.mape_pct, 1).padStart(7)} ${f(m.skill_rmse).padStart(6)} ${f(m.coverage80).padStart(6)} ${f(m.coverage95).padStart(6)}`);
  lines.push("", "Hybrid per window (fleet nRMSE %, skill vs smart persistence, 80 % coverage):");
  for (const w of r.windows) {
    const m = r.metrics.find((x) => x.window === w.window && x.site_id === "fleet" && x.horizon === "all" && x.model === "hybrid");
    lines.push(`  ${String(w.window).padStart(2)}  origin ${day(w.origin)}  ${f(m?.nrmse_pct ?? null).padStart(6)} %  skill ${f(m?.skill_rmse ?? null).padStart(5)}  cov80 ${f(m?.coverage80 ?? null).padStart(4)}  (${w.sites} sites, fit ${w.fit_seconds} s, issue ${w.issue_seconds} s)`);
  }
  if (r.skipped?.length) lines.push("", `Skipped: ${r.skipped.map((s) => `window ${s.window} ${s.site_id}: ${s.reason}`).join("; ")}`);
  lines.push(`  skill: 1 − RMSE / RMSE of smart persistence on the same hours; MAPE over hours above 5 % of capacity.${r.seconds ? ` Computed in ${r.seconds} s.` : ""}`);
  return `${lines.join("\n")}\n`;
}
