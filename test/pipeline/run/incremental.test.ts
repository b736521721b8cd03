// Incremental refresh gives the snapshot a full rebuild gives: a new raw file for one site is parsed
// alone (the others come from bronze), only that site is re-cleaned (the others from the per-site
// stage cache), and every table that depends on the data alone is identical to a rebuild from scratch
// in an empty data dir. Tables that record the run history (the model registry and what the forecast
// stage carries over from earlier snapshots) differ by design and are compared on this run's rows.
import {mkdir, readFile, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {parseConfig} from "../../../pipeline/config.ts";
import {queryRows, sqlString, withConnection} from "../../../pipeline/db.ts";
import {DEMO_SITES, generateDemoFleet} from "../../../pipeline/demo/index.ts";
import {runPipeline, SNAPSHOT_TABLES} from "../../../pipeline/run/index.ts";
import {readManifest} from "../../../pipeline/snapshot/read.ts";
import {withTempDir} from "../../helpers.ts";

const SITES = ["de-freiburg", "es-seville"];
const quiet = () => {};

/** Table rows as sorted JSON lines, without the columns that stamp the run that wrote them or time it. */
async function tableLines(snapshotDir: string, table: string, where = "true"): Promise<string[]> {
  return withConnection(async (conn) => {
    const path = sqlString(join(snapshotDir, `${table}.parquet`));
    const columns = (await queryRows<{name: string}>(conn, `SELECT name FROM parquet_schema(${path}) WHERE name <> 'schema' AND num_children IS NULL`)).map((c) => c.name);
    // Stamps of the run (ids, clocks) and its measured timings.
    const stamps = columns.filter((c) => ["snapshot_id", "issued_in", "created_at", "decided_at", "trained_at", "ingested_at"].includes(c) || c.endsWith("_seconds"));
    const rows = await queryRows(conn, `SELECT * ${stamps.length ? `EXCLUDE (${stamps.map((c) => `"${c}"`).join(", ")})` : ""} FROM read_parquet(${path}) WHERE ${where}`);
    return rows.map((r) => JSON.stringify(r)).sort();
  });
}

describe("incremental refresh", () => {
  it("recomputes only what a new file touches, and ends with the snapshot a full rebuild writes", {timeout: 300_000}, async () => {
    await withTempDir(async (dir) => {
      const raw = join(dir, "raw");
      // Weather runs three days past the production data, so the live issue has weather to use.
      await generateDemoFleet(raw, {sites: SITES, start: "2025-03-01T00:00:00Z", end: "2025-05-19T00:00:00Z"});
      const production = async (site: string) =>
        (await readFile(join(raw, "production", `${site}.csv`), "utf8")).trimEnd().split("\n").filter((line, i) => i === 0 || line.slice(0, 10) < "2025-05-16");
      const project = join(dir, "project");
      await mkdir(join(project, "production"), {recursive: true});
      await writeFile(join(project, "production", "de-freiburg.csv"), (await production("de-freiburg")).join("\n") + "\n");
      // Seville's logger export arrives in two files; the second lands between the runs.
      const seville = await production("es-seville");
      const cut = Math.floor(seville.length * 0.85);
      await writeFile(join(project, "production", "es-seville-1.csv"), seville.slice(0, cut).join("\n") + "\n");
      const second = [seville[0], ...seville.slice(cut)].join("\n") + "\n";

      const meta = DEMO_SITES.filter((s) => SITES.includes(s.id));
      const config = parseConfig({
        name: "incremental",
        sites: meta.map(({id, name, lat, lon, timezone, capacity_kw, tilt, azimuth}) => ({id, name, lat, lon, timezone, capacity_kw, tilt, azimuth})),
        production: meta.map((s) => ({
          path: `production/${s.id}*.csv`, site_id: s.id, delimiter: s.delimiter,
          timestamp: {column: s.timestamp_column, timezone: s.timezone}, value: {column: s.power_column, unit: s.unit}
        })),
        weather: {provider: "none", path: join(raw, "weather", "demo_weather.csv")},
        forecast: {evaluation_days: 7, transfer_curve: {enabled: false}},
        backtest: {origins: 1, min_train_days: 45, test_days: 14, step_days: 14}
      }, "<incremental>", project);

      const incremental = join(dir, "data-incremental");
      await runPipeline({config, dataDir: incremental, log: quiet, now: () => new Date("2026-01-01T00:00:00Z")});
      await writeFile(join(project, "production", "es-seville-2.csv"), second);
      const now = () => new Date("2026-01-02T00:00:00Z");
      const inc = await runPipeline({config, dataDir: incremental, log: quiet, now});
      const full = await runPipeline({config, dataDir: join(dir, "data-full"), log: quiet, now});

      const stages = Object.fromEntries((await readManifest(inc.snapshotDir)).run!.stages.map((s) => [s.stage, s]));
      expect(stages.ingest).toMatchObject({status: "partly cached", cache_hits: 2, cache_misses: 1});
      expect(stages.clean).toMatchObject({status: "partly cached", cache_hits: 1, cache_misses: 1, note: "1 of 2 sites recomputed"});
      expect((await readManifest(inc.snapshotDir)).run!.changes).toEqual({added: ["production/es-seville-2.csv"], removed: [], changed: []});
      expect(inc.snapshotId).toBe(full.snapshotId);

      // Run history by design: the registry, the retraining decision and drift against the model in
      // use, and the live issue (with its explanations), which the model in use makes — after the
      // first run that is the registered model the retraining policy keeps, not a fresh fit.
      const history = new Set(["model_registry", "retraining", "drift", "forecast_contributions"]);
      for (const {name} of SNAPSHOT_TABLES) {
        if (history.has(name)) continue;
        // The forecast stage also carries earlier snapshots' issues forward; this run's evaluation issues are compared.
        const where = name === "forecasts" ? `issued_in = ${sqlString(inc.snapshotId)} AND run <> 'live'` : "true";
        const a = await tableLines(inc.snapshotDir, name, where);
        const b = await tableLines(full.snapshotDir, name, where);
        expect(a.length, name).toBe(b.length);
        expect(a, name).toEqual(b);
      }
    });
  });
});
