// The `sunline forecast` printout, read back from a written snapshot: the next issue per site and
// the evaluation window's accuracy, each figure with the data, period and weather it rests on.
import {join} from "node:path";
import {queryRows, sqlString, withConnection} from "../db.ts";

// This run's live rows are found by the snapshot id, not by max(issued_in): DuckDB
// answers max() of a Parquet string column from the row-group statistics, which hold a truncated
// prefix ("20261121" for "20261121T221713Z-0f6b9e2f"), so that query matched nothing.
export async function formatForecastSummary(snapshotDir: string, snapshotId: string): Promise<string> {
  const file = (t: string) => sqlString(join(snapshotDir, `${t}.parquet`));
  return withConnection(async (conn) => {
    await conn.run("SET TimeZone = 'UTC'");
    const live = await queryRows<{site_id: string; issued_at: string; from_ts: string; to_ts: string; kwh: number; lo: number; hi: number; model: string; version: string; forecast_weather: number; hours: number}>(conn, `
      SELECT site_id, strftime(issued_at, '%Y-%m-%d %H:%M') AS issued_at, strftime(min(ts), '%Y-%m-%d %H:%M') AS from_ts, strftime(max(ts) + INTERVAL 1 HOUR, '%Y-%m-%d %H:%M') AS to_ts,
        sum(forecast_kwh) AS kwh, sum(lower_80) AS lo, sum(upper_80) AS hi, any_value(model) AS model, any_value(model_version) AS version,
        count(*) FILTER (WHERE weather_kind = 'forecast' AND sun_up)::DOUBLE AS forecast_weather, count(*) FILTER (WHERE sun_up)::DOUBLE AS hours
      FROM read_parquet(${file("forecasts")}) WHERE run = 'live' AND issued_in = ${sqlString(snapshotId)}
      GROUP BY site_id, issued_at ORDER BY site_id`);
    const acc = await queryRows<{model: string; n: number; nrmse_pct: number; nmae_pct: number; skill_rmse: number | null; coverage80: number | null; coverage95: number | null; p0: string; p1: string; fw: number}>(conn, `
      SELECT model, n::DOUBLE AS n, nrmse_pct, nmae_pct, skill_rmse, coverage80, coverage95, strftime(period_start, '%Y-%m-%d') AS p0, strftime(period_end, '%Y-%m-%d') AS p1, forecast_weather_share AS fw
      FROM read_parquet(${file("forecast_accuracy")}) WHERE site_id = 'fleet' AND horizon = 'all' ORDER BY nrmse_pct DESC`);
    const lines: string[] = [];
    if (live.length === 0) lines.push("No forecast in this snapshot (forecast.enabled is false, or no site has data).");
    else {
      lines.push(`Next forecast per site (hybrid unless noted; energy over the issue's ${live[0].from_ts} → … hours, kWh, 80 % range):`);
      for (const r of live) {
        const weather = r.hours > 0 ? `${Math.round((100 * r.forecast_weather) / r.hours)} % of daytime hours on a weather forecast` : "no daytime hours";
        lines.push(`  ${r.site_id.padEnd(16)} ${r.kwh.toFixed(0).padStart(8)} kWh  [${r.lo.toFixed(0)}, ${r.hi.toFixed(0)}]  issued ${r.issued_at} UTC for ${r.from_ts} → ${r.to_ts} UTC, ${r.model} ${r.version}, ${weather}`);
      }
    }
    if (acc.length) {
      const a = acc[0];
      lines.push("", `Accuracy on the evaluation window ${a.p0} → ${a.p1} (fleet, daytime hours, out of sample; ${Math.round(100 * a.fw)} % of hours used a weather forecast known at issue time, the rest observed weather):`);
      lines.push(`  ${"model".padEnd(18)} ${"nRMSE %".padStart(8)} ${"nMAE %".padStart(7)} ${"skill".padStart(6)} ${"cov80".padStart(6)} ${"cov95".padStart(6)}`);
      const f = (x: number | null, d = 2) => (x === null ? "" : x.toFixed(d));
      for (const r of acc) lines.push(`  ${r.model.padEnd(18)} ${f(r.nrmse_pct).padStart(8)} ${f(r.nmae_pct).padStart(7)} ${f(r.skill_rmse).padStart(6)} ${f(r.coverage80).padStart(6)} ${f(r.coverage95).padStart(6)}`);
      lines.push("  skill: 1 − RMSE / RMSE of smart persistence on the same hours; cov: share of actuals inside the 80 % / 95 % intervals.");
    }
    return `${lines.join("\n")}\n`;
  });
}
