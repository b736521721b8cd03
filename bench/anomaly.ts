// Anomaly detection on the demo fleet, scored against its injected faults (pipeline/anomaly/evaluate.ts).
// Uses the current snapshot of the project's data dir (after `npm run build`); without one, runs the
// pipeline in a fresh data dir first (minutes: the backtest is part of it).
// One line per setting compared (the configured detector, the robust variant, judging against the
// forecast instead of the observed weather), the configured one last:
//   {"bench":"anomaly","precision":…,"recall":…,"f1":…,"by_type":{…},…}
// Targets: precision ≥ 0.8 and recall ≥ 0.9 over outages, partial outages and curtailment.
import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {projectRoot} from "../scripts/framework.ts";
import {detectAnomalies, type AnomalyOptions} from "../pipeline/anomaly/index.ts";
import {loadConfig} from "../pipeline/config.ts";
import {sqlString, withConnection} from "../pipeline/db.ts";
import {runPipeline} from "../pipeline/run/index.ts";
import {dataDirPath} from "../pipeline/snapshot/paths.ts";
import {currentSnapshotDir} from "../pipeline/snapshot/read.ts";

const TABLES = ["sites", "production_hourly", "weather_hourly", "quality_events", "fault_labels", "forecasts", "backtest_predictions"];

const loaded = await loadConfig(join(projectRoot, "sunline.config.ts"));
let snapshotDir = await currentSnapshotDir(dataDirPath(undefined, projectRoot));
let tmp: string | null = null;
if (!snapshotDir) {
  tmp = await mkdtemp(join(tmpdir(), "sunline-bench-anomaly-"));
  snapshotDir = (await runPipeline({config: loaded, dataDir: tmp, log: () => {}})).snapshotDir;
}
try {
  const configured = loaded.config.anomaly;
  const settings: [string, AnomalyOptions][] = [
    ["robust (median/MAD)", {...configured, method: configured.method === "mean" ? "median" : "mean"}],
    ["against the forecast", {...configured, expected: configured.expected === "forecast" ? "observed_weather" : "forecast"}],
    ["configured", configured]
  ];
  await withConnection(async (conn) => {
    for (const t of TABLES) await conn.run(`CREATE TABLE ${t} AS SELECT * FROM read_parquet(${sqlString(join(snapshotDir!, `${t}.parquet`))})`);
    for (const [name, options] of settings) {
      const t0 = performance.now();
      const r = await detectAnomalies(conn, options);
      const seconds = (performance.now() - t0) / 1000;
      const e = r.evaluation;
      if (!e) throw new Error("bench anomaly: the snapshot has no fault labels");
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
      console.log(JSON.stringify({
        bench: "anomaly", setting: name, precision: round(e.precision), recall: round(e.recall), f1: round(e.f1),
        by_type: Object.fromEntries(Object.entries(e.by_type).map(([k, v]) => [k, {labels: v.labels, observable: v.observable, found: v.found, recall: round(v.recall),
          f1: round(v.f1), median_ttd_h: round(v.median_ttd_h, 1), max_ttd_h: round(v.max_ttd_h, 1)}])),
        alarms: e.alarms, false_alarms: e.false_alarms, false_alarms_on_soiling: e.false_alarms_on_soiling, judged_hours: r.summary.judged_hours, seconds: round(seconds, 1),
        options,
        data: `demo fleet, ${r.summary.sites} sites, daytime hours ${e.period ? `${day(e.period.start)} → ${day(e.period.end)}` : ""}, judged against ${options.expected === "forecast" ? "the out-of-sample forecast (backtest and issued; weather forecast known at issue)" : "observed weather"}; event-level, soiling scored apart`
      }));
    }
  });
} finally {
  if (tmp) await rm(tmp, {recursive: true, force: true});
}

function round(x: number | null, d = 3): number | null {
  return x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d;
}
