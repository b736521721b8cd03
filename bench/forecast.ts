// The forecast stage on the demo fleet (8 sites × 2 years, hourly): a full pipeline run in a fresh
// data dir (demo files are generated there too), then the stage's own timing from the manifest.
// Prints one line per stage and the summary last:
//   {"bench":"forecast","sites":…,"seconds":…,"stage_seconds":{…},"run_seconds":…,"peak_rss_mb":…,"accuracy":{…}}
// "seconds" is the forecast stage alone (fits, issues, registry, scoring, transfer curve); the target is ≤ 60 s.
import {mkdtemp, readFile, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {projectRoot} from "../scripts/framework.ts";
import {queryRows, sqlString, withConnection} from "../pipeline/db.ts";
import {runPipeline} from "../pipeline/run/index.ts";

const dataDir = await mkdtemp(join(tmpdir(), "sunline-bench-forecast-"));
let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
try {
  const started = performance.now();
  const result = await runPipeline({config: join(projectRoot, "sunline.config.ts"), dataDir, force: true, log: () => {}});
  const runSeconds = (performance.now() - started) / 1000;
  clearInterval(sample);
  const manifest = JSON.parse(await readFile(join(result.snapshotDir, "manifest.json"), "utf8"));
  const f = manifest.forecast;
  for (const [stage, seconds] of Object.entries(f.stage_seconds)) console.log(JSON.stringify({bench: "forecast", stage, seconds}));
  const accuracy = await withConnection((conn) =>
    queryRows<{model: string; nrmse_pct: number; skill_rmse: number | null; coverage80: number | null; coverage95: number | null; n: number}>(conn, `
      SELECT model, round(nrmse_pct, 2) AS nrmse_pct, round(skill_rmse, 3) AS skill_rmse, round(coverage80, 3) AS coverage80, round(coverage95, 3) AS coverage95, n::DOUBLE AS n
      FROM read_parquet(${sqlString(join(result.snapshotDir, "forecast_accuracy.parquet"))}) WHERE site_id = 'fleet' AND horizon = 'all'`)
  );
  console.log(JSON.stringify({
    bench: "forecast", sites: manifest.tables.sites.rows, evaluation: f.evaluation, weather: `training: ${f.training_weather}; issues: weather forecast known at issue time where archived`,
    seconds: f.seconds, stage_seconds: f.stage_seconds, run_seconds: Math.round(runSeconds * 10) / 10, peak_rss_mb: Math.round(peak / 1e6),
    accuracy: Object.fromEntries(accuracy.map((a) => [a.model, a]))
  }));
} finally {
  clearInterval(sample);
  await rm(dataDir, {recursive: true, force: true});
}
