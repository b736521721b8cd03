// Real PVDAQ files no one on the project wrote (../shared/data). Hourly totals must match an
// independent DuckDB query on the raw file that uses DuckDB's own CSV sniffer and time-zone rules.
import {existsSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {parseConfig, type SunlineConfigInput} from "../../../pipeline/config.ts";
import {queryRows, withConnection} from "../../../pipeline/db.ts";
import {runPipeline} from "../../../pipeline/run/index.ts";
import {readParquet, withTempDir} from "../../helpers.ts";

const shared = join(import.meta.dirname, "..", "..", "..", "..", "shared", "data");
const missing = existsSync(shared) ? null : `no real data at ${shared} (the team's shared/data folder)`;
if (missing) console.warn(`skipping the real-file ingest tests: ${missing}`);

interface Case {
  name: string;
  file: string;
  capacity_kw: number;
  timezone: string;
  source: Record<string, unknown>;
  /** SQL over `raw` giving (ts_utc TIMESTAMP, power_kw DOUBLE) per reading, written independently. */
  independent: string;
  rejects: number;
}

const CASES: Case[] = [
  {
    name: "SERF East CSV with -07:00 offsets (W)",
    file: "pvdaq-system50/serf_east_15min_ac_power.csv",
    capacity_kw: 5,
    timezone: "America/Denver",
    source: {timestamp: {column: "measured_on"}, value: {column: "ac_power", unit: "W"}},
    independent: `SELECT CAST(measured_on AT TIME ZONE 'UTC' AS TIMESTAMP) AS ts_utc, ac_power / 1000 AS power_kw FROM read_csv($file)`,
    rejects: 0
  },
  {
    name: "PVDAQ system 50 Parquet, timestamptz, nulls (W)",
    file: "pvdaq-system50/system_50_ac_power_2_full_DST.parquet",
    capacity_kw: 5,
    timezone: "America/Denver",
    source: {format: "parquet", timestamp: {column: "measured_on"}, value: {column: "ac_power_2", unit: "W"}},
    independent: `SELECT CAST(measured_on AT TIME ZONE 'UTC' AS TIMESTAMP) AS ts_utc, ac_power_2 / 1000 AS power_kw FROM read_parquet($file) WHERE ac_power_2 IS NOT NULL`,
    rejects: 2904
  },
  {
    name: "NREL RSF II: unnamed local M/D/YYYY H:MM column (kW)",
    file: "pvdaq-small/nrel_RSF_II.csv",
    capacity_kw: 250,
    timezone: "America/Denver",
    source: {timestamp: {column: 1, timezone: "America/Denver", format: "%m/%d/%Y %H:%M"}, value: {column: "ac_power_kw_1137", unit: "kW"}},
    independent: `SELECT CAST(timezone('America/Denver', strptime(column00, '%m/%d/%Y %H:%M')) AS TIMESTAMP) AS ts_utc, ac_power_kw_1137 AS power_kw
                  FROM read_csv($file, all_varchar = false, types = {'column00': 'VARCHAR'})`,
    rejects: 0
  },
  {
    name: "SERF West: unnamed local stamps at :01 and :16 (W)",
    file: "pvdaq-small/serf_west_15min.csv",
    capacity_kw: 5,
    timezone: "America/Denver",
    source: {timestamp: {column: 1, timezone: "America/Denver"}, value: {column: "ac_power__773", unit: "W"}},
    independent: `SELECT CAST(timezone('America/Denver', column00) AS TIMESTAMP) AS ts_utc, ac_power__773 / 1000 AS power_kw FROM read_csv($file)`,
    rejects: 0
  }
];

describe.skipIf(missing !== null)("ingest of real PVDAQ files", () => {
  for (const c of CASES) {
    it(`${c.name}: hourly kWh match an independent query`, async () => {
      await withTempDir(async (dataDir) => {
        const file = join(shared, c.file);
        const input: SunlineConfigInput = {
          name: c.name,
          sites: [{id: "pvdaq", name: "PVDAQ", lat: 39.74, lon: -105.18, timezone: c.timezone, capacity_kw: c.capacity_kw, tilt: 45, azimuth: 158}],
          production: [{path: file, site_id: "pvdaq", ...c.source}] as SunlineConfigInput["production"],
          weather: {provider: "none"}
        };
        const result = await runPipeline({config: parseConfig(input), dataDir, log: () => {}});
        const ours = await readParquet<{ts: string; energy_kwh: number; n_samples: number}>(
          join(result.snapshotDir, "production_hourly.parquet"),
          "strftime(ts, '%Y-%m-%d %H:%M') AS ts, energy_kwh, n_samples",
          // Hours with readings; interpolated short gaps (no readings) are checked below.
          "n_samples > 0"
        );
        // Independent: the same physical rule (negative readings count as 0; mean power over the
        // hour's readings times one hour), from DuckDB's own parsing of the file.
        const theirs = await withConnection((conn) =>
          queryRows<{ts: string; energy_kwh: number; n: number}>(
            conn,
            `WITH raw AS (${c.independent}),
             uniq AS (SELECT DISTINCT ON (ts_utc) ts_utc, power_kw FROM raw)
             SELECT strftime(date_trunc('hour', ts_utc), '%Y-%m-%d %H:%M') AS ts, avg(greatest(power_kw, 0)) AS energy_kwh, count(*) AS n
             FROM uniq GROUP BY 1 ORDER BY 1`,
            {file}
          )
        );
        expect(ours.length).toBe(theirs.length);
        expect(ours.length).toBeGreaterThan(100);
        const byHour = new Map(theirs.map((r) => [r.ts, r]));
        let worst = 0;
        for (const row of ours) {
          const other = byHour.get(row.ts);
          expect(other, `hour ${row.ts} missing from the independent query`).toBeDefined();
          expect(row.n_samples).toBe(other!.n);
          worst = Math.max(worst, Math.abs(row.energy_kwh - other!.energy_kwh));
        }
        expect(worst).toBeLessThan(1e-6);
        const [interpolated] = await readParquet<{n: number; bad: number}>(
          join(result.snapshotDir, "production_hourly.parquet"),
          "count(*) AS n, count(*) FILTER (WHERE quality <> 'filled') AS bad",
          "n_samples = 0 AND energy_kwh IS NOT NULL"
        );
        expect(interpolated.bad).toBe(0);
        const [rejects] = await readParquet<{n: number}>(join(result.snapshotDir, "rejects.parquet"), "count(*) AS n");
        expect(rejects.n).toBe(c.rejects);
      });
    });
  }
});
