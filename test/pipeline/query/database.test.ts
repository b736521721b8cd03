// The snapshot database behind the guard: even SQL that never passed the guard cannot read files,
// loosen the settings or run long; results are capped and converted to plain JSON cells.
import {existsSync} from "node:fs";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {openSnapshotDatabase, type SnapshotDatabase} from "../../../pipeline/query/database.ts";
import {currentSnapshotDir} from "../../../pipeline/snapshot/read.ts";
import {projectRoot} from "../../../scripts/framework.ts";

const snapshotDir = await currentSnapshotDir(join(projectRoot, ".sunline"));
const missing = snapshotDir && existsSync(join(snapshotDir, "backtest_predictions.parquet")) ? null : "no demo snapshot in .sunline (run `npm run build` first)";
if (missing) console.warn(`skipping the query database tests: ${missing}`);

describe.skipIf(missing !== null)("snapshot database (no guard in front)", () => {
  let db: SnapshotDatabase;
  beforeAll(async () => {
    db = await openSnapshotDatabase(snapshotDir!, {memoryLimit: "512MB", timeoutMs: 5000, threads: 2});
  });
  afterAll(() => db?.close());

  it("offers the snapshot tables and the derived views", () => {
    for (const t of ["sites", "production_hourly", "forecasts", "anomaly_events", "production_daily", "day_ahead"]) expect(db.tables).toContain(t);
    expect(db.skipped).toEqual([]);
    expect(db.schema.day_ahead.map((c) => c.name)).toEqual(["site_id", "day", "ts", "issued_at", "forecast_kwh", "actual_kwh", "lower_80", "upper_80", "source"]);
  });

  it("refuses files outside the snapshot, URLs and extensions at the database itself", async () => {
    await expect(db.execute("SELECT * FROM read_csv('/etc/passwd')")).rejects.toThrow(/Permission Error/);
    await expect(db.execute("SELECT * FROM read_text('/etc/hostname')")).rejects.toThrow(/Permission Error/);
    await expect(db.execute("SELECT * FROM read_parquet('https://example.com/x.parquet')")).rejects.toThrow(/Permission Error|disabled|httpfs/i);
  });

  it("runs with external access off and the configuration locked", async () => {
    const r = await db.execute("SELECT current_setting('lock_configuration'), current_setting('enable_external_access'), current_setting('autoload_known_extensions')");
    expect(r.rows).toEqual([[true, false, false]]);
  });

  it("stops a query that runs past the timeout", async () => {
    await expect(db.execute("SELECT count(*) FROM backtest_predictions a, backtest_predictions b WHERE a.forecast_kwh + b.forecast_kwh < 0", {timeoutMs: 300})).rejects.toThrow(
      "the query ran longer than 0.3 s and was stopped"
    );
    // The database still answers afterwards.
    await expect(db.execute("SELECT count(*) AS n FROM sites")).resolves.toMatchObject({rows: [[8]]});
  });

  it("caps results at the row limit, keeping the query's order", async () => {
    const all = await db.execute("SELECT ts FROM production_hourly ORDER BY ts DESC", {maxRows: 1000});
    expect(all.rows).toHaveLength(1000);
    expect(all.truncated).toBe(true);
    const stamps = all.rows.map((r) => String(r[0]));
    expect([...stamps].sort().reverse()).toEqual(stamps);
    const few = await db.execute("SELECT site_id FROM sites");
    expect(few.truncated).toBe(false);
  });

  it("returns plain JSON cells: numbers for BIGINT, ISO UTC stamps, dates", async () => {
    const r = await db.execute("SELECT count(*) AS n, TIMESTAMP '2026-06-30 12:00:00' AS ts, DATE '2026-06-30' AS day, 1.5::DECIMAL(4,1) AS d, 'x' AS s, NULL AS nothing, 'NaN'::DOUBLE AS nan");
    expect(r.columns.map((c) => c.type).slice(0, 5)).toEqual(["BIGINT", "TIMESTAMP", "DATE", "DECIMAL(4,1)", "VARCHAR"]);
    expect(r.rows).toEqual([[1, "2026-06-30T12:00:00Z", "2026-06-30", 1.5, "x", null, null]]);
  });
});
