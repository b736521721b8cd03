// Loading the demo's observed weather and archived forecasts into weather_hourly: kinds, issue times,
// which rows a forecast issued at s may use, and the whole run (inputs hashed, snapshot table).
import {appendFile, readdir, readFile} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {queryRows, withConnection} from "../../../pipeline/db.ts";
import {generateDemoFleet} from "../../../pipeline/demo/index.ts";
import {chosenWeatherSql} from "../../../pipeline/features/weather.ts";
import {runPipeline} from "../../../pipeline/run/index.ts";
import {createWeatherTable, loadWeatherFile, loadWeatherForecastFile} from "../../../pipeline/weather/fromFile.ts";
import {readParquet, tinyConfig, withTempDir} from "../../helpers.ts";

const SEED = 20240701;
const START = "2025-05-01T00:00:00Z";
const END = "2025-05-07T00:00:00Z";
const HOURS = 6 * 24;

describe("loadWeatherForecastFile", () => {
  it("inserts kind 'forecast' rows with their issue time, for the wanted sites only", async () => {
    await withTempDir(async (dir) => {
      const out = await generateDemoFleet(dir, {seed: SEED, start: START, end: END, sites: ["de-freiburg", "es-seville"]});
      await withConnection(async (conn) => {
        await createWeatherTable(conn);
        expect(await loadWeatherFile(conn, out.weatherPath, "demo", ["de-freiburg"])).toBe(HOURS);
        expect(await loadWeatherForecastFile(conn, out.weatherForecastPath, "demo", ["de-freiburg"])).toBe(HOURS + 72);
        const kinds = await queryRows<{kind: string; source: string; n: number; dated: number; first: string; last: string}>(
          conn,
          `SELECT kind, source, count(*)::INTEGER AS n, count(issued_at)::INTEGER AS dated, strftime(min(ts), '%Y-%m-%dT%H') AS first, strftime(max(ts), '%Y-%m-%dT%H') AS last
           FROM weather_hourly GROUP BY ALL ORDER BY kind`
        );
        expect(kinds).toEqual([
          {kind: "forecast", source: "demo", n: HOURS + 72, dated: HOURS + 72, first: "2025-05-01T00", last: "2025-05-09T23"},
          {kind: "observed", source: "demo", n: HOURS, dated: 0, first: "2025-05-01T00", last: "2025-05-06T23"}
        ]);
        const [issue] = await queryRows<{sites: number; off_midnight: number; min_h: number; max_h: number}>(
          conn,
          `SELECT count(DISTINCT site_id)::INTEGER AS sites, count(*) FILTER (WHERE issued_at <> date_trunc('day', issued_at))::INTEGER AS off_midnight,
             min(date_diff('hour', issued_at, ts))::INTEGER AS min_h, max(date_diff('hour', issued_at, ts))::INTEGER AS max_h
           FROM weather_hourly WHERE kind = 'forecast'`
        );
        expect(issue).toEqual({sites: 1, off_midnight: 0, min_h: 48, max_h: 71});
        // The stamps are the file's UTC stamps, whatever the machine's zone.
        const [row] = await queryRows<{ts: string; issued_at: string}>(
          conn,
          `SELECT strftime(ts, '%Y-%m-%dT%H:%M') AS ts, strftime(issued_at, '%Y-%m-%dT%H:%M') AS issued_at FROM weather_hourly WHERE kind = 'forecast' ORDER BY ts LIMIT 1`
        );
        expect(row).toEqual({ts: "2025-05-01T00:00", issued_at: "2025-04-29T00:00"});
      });
    });
  });

  it("gives a forecast issued at s the archived forecast for every hour before s + 72 h, and nothing issued later", async () => {
    await withTempDir(async (dir) => {
      const out = await generateDemoFleet(dir, {seed: SEED, start: START, end: END, sites: ["de-freiburg"]});
      await withConnection(async (conn) => {
        await createWeatherTable(conn);
        await loadWeatherFile(conn, out.weatherPath, "demo", ["de-freiburg"]);
        await loadWeatherForecastFile(conn, out.weatherForecastPath, "demo", ["de-freiburg"]);
        // Issues at 00:00 and 10:30 on May 3rd, every hour from then to the end of the observed period.
        await conn.run(`CREATE TABLE targets AS
          SELECT 'de-freiburg' AS site_id, s.issued_at, t.ts
          FROM (VALUES (TIMESTAMP '2025-05-03 00:00'), (TIMESTAMP '2025-05-03 10:30')) s(issued_at),
               generate_series(TIMESTAMP '2025-05-03 00:00', TIMESTAMP '2025-05-06 23:00', INTERVAL 1 HOUR) t(ts)
          WHERE t.ts >= s.issued_at`);
        const rows = await queryRows<{issued_at: string; kind: string; n: number; first: string; last: string; leak: number}>(
          conn,
          `SELECT strftime(issued_at, '%d %H:%M') AS issued_at, weather_kind AS kind, count(*)::INTEGER AS n,
             strftime(min(ts), '%d %H') AS first, strftime(max(ts), '%d %H') AS last,
             count(*) FILTER (WHERE weather_issued_at > issued_at)::INTEGER AS leak
           FROM (${chosenWeatherSql("targets", "forecast-if-available")}) GROUP BY ALL ORDER BY 1, 2`
        );
        // The vintage for May 5th was issued on May 3rd at 00:00; May 6th's only on May 4th.
        expect(rows).toEqual([
          {issued_at: "03 00:00", kind: "forecast", n: 72, first: "03 00", last: "05 23", leak: 0},
          {issued_at: "03 00:00", kind: "observed", n: 24, first: "06 00", last: "06 23", leak: 0},
          {issued_at: "03 10:30", kind: "forecast", n: 61, first: "03 11", last: "05 23", leak: 0},
          {issued_at: "03 10:30", kind: "observed", n: 24, first: "06 00", last: "06 23", leak: 0}
        ]);
      });
    });
  });
});

describe("a demo run", () => {
  it("loads the archived forecasts into weather_hourly and hashes their file into the inputs", async () => {
    await withTempDir(async (dataDir) => {
      const config = tinyConfig({
        production: [],
        demo: {seed: SEED, start: START, end: END, sites: ["us-phoenix"]},
        weather: {provider: "demo", providers: [], forecast_days: 3}
      });
      const logs: string[] = [];
      const first = await runPipeline({config, dataDir, log: (m) => logs.push(m), now: () => new Date("2026-01-01T00:00:00Z")});
      expect(logs).toContain(`weather: ${HOURS} hourly rows from demo`);
      expect(logs).toContain(`weather: ${HOURS + 72} hourly forecast rows (archived day-ahead vintages) from demo`);
      const kinds = await readParquet<{site_id: string; kind: string; n: number}>(
        join(first.snapshotDir, "weather_hourly.parquet"), "site_id, kind, count(*)::INTEGER AS n", "true GROUP BY ALL ORDER BY ALL"
      );
      expect(kinds).toEqual([
        {site_id: "us-phoenix", kind: "forecast", n: HOURS + 72},
        {site_id: "us-phoenix", kind: "observed", n: HOURS}
      ]);
      const manifest = JSON.parse(await readFile(join(first.snapshotDir, "manifest.json"), "utf8"));
      const file = manifest.inputs.find((f: {path: string}) => f.path === "demo/weather/demo_weather_forecast.csv");
      expect(file).toMatchObject({role: "weather"});
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);

      // Unchanged inputs reuse the snapshot; another forecast vintage in the file does not.
      const again = await runPipeline({config, dataDir, log: () => {}, now: () => new Date("2026-01-01T00:01:00Z")});
      expect(again.skipped).toBe(true);
      const generated = (await readdir(dataDir, {recursive: true})).filter((f) => f.endsWith("demo_weather_forecast.csv"));
      expect(generated).toHaveLength(1);
      await appendFile(join(dataDir, generated[0]), "us-phoenix,2025-05-07T00:00:00Z,2025-05-06T00:00:00Z,0,0,0,20,0,1,30,0\n");
      const third = await runPipeline({config, dataDir, log: () => {}, now: () => new Date("2026-01-01T00:02:00Z")});
      expect(third.skipped).toBe(false);
      expect(third.cacheKey).not.toBe(first.cacheKey);
    });
  });
});
