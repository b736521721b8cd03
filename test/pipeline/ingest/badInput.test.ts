// The bad-input corpus (test/fixtures/bad): no crash, exact reject and data-quality counts, and
// the valid rows come through with their values unchanged.
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {runPipeline} from "../../../pipeline/run/index.ts";
import {fixturesDir, readParquet, tinyConfig, withTempDir} from "../../helpers.ts";
import {ingestCsv} from "./ingestCsv.ts";

const bad = (name: string) => ({fixture: join(fixturesDir, "bad", name)});
const source = {timestamp: {column: "timestamp"}, value: {column: "p", unit: "kW"}};

describe("bad-input corpus: ingest", () => {
  it("truncated.csv: the cut line is a reject, the rest goes through", async () => {
    const out = await ingestCsv(bad("truncated.csv"), source);
    expect(out.samples.map((s) => s.value)).toEqual([1.5, 2.5]);
    expect(out.rejects).toEqual([{line: 4, reason: "expected 2 fields, found 1", raw: "2025-01-01 10:30:0"}]);
  });

  it("wrong_delimiter.csv: found by sniffing, decimal commas read", async () => {
    const out = await ingestCsv(bad("wrong_delimiter.csv"), source);
    expect(out.samples.map((s) => s.value)).toEqual([1.5, 2.25, 3]);
    expect(out.rejects).toEqual([]);
  });

  it("wrong_delimiter.csv with the config insisting on ',': one clear error naming the columns", async () => {
    const out = await ingestCsv(bad("wrong_delimiter.csv"), {...source, delimiter: ","});
    expect(out.error).toBe('in.csv: column "timestamp" not found in the header (columns: timestamp;p); fix the column mapping in the config');
    expect(out.samples).toEqual([]);
  });

  it("garbage_numbers.csv: every bad value has its own reason", async () => {
    const out = await ingestCsv(bad("garbage_numbers.csv"), source);
    expect(out.samples).toEqual([
      {line: 8, ts: "2025-01-01T11:30Z", value: 4.25},
      {line: 9, ts: "2025-01-01T11:45Z", value: 3.5}
    ]);
    expect(out.rejects.map((r) => [r.line, r.reason])).toEqual([
      [2, 'not a number: "abc"'],
      [3, "missing value"],
      [4, 'not a finite number: "NaN"'],
      [5, 'not a finite number: "inf"'],
      [6, "expected 2 fields, found 3"],
      [7, 'not a number: "--"']
    ]);
  });

  it("empty.csv: a clear error, no rows", async () => {
    const out = await ingestCsv(bad("empty.csv"), source);
    expect(out.error).toBe("in.csv: the file has no lines with content (empty, or only blank and comment lines)");
    expect(out.samples).toEqual([]);
  });

  it("header_only.csv: nothing to take, nothing rejected", async () => {
    const out = await ingestCsv(bad("header_only.csv"), source);
    expect(out.error).toBeNull();
    expect(out.samples).toEqual([]);
    expect(out.rejects).toEqual([]);
  });

  it("header_midfile.csv: the repeated header is named as such", async () => {
    const out = await ingestCsv(bad("header_midfile.csv"), source);
    expect(out.samples.map((s) => s.value)).toEqual([1, 2, 3]);
    expect(out.rejects).toEqual([{line: 4, reason: "repeated header line", raw: "timestamp,p"}]);
  });

  it("mixed_formats.csv: configured formats, then ISO; prose is a reject", async () => {
    const out = await ingestCsv(bad("mixed_formats.csv"), {...source, timestamp: {column: "timestamp", format: "%d/%m/%Y %H:%M"}});
    expect(out.samples.map((s) => [s.ts, s.value])).toEqual([
      ["2025-01-01T10:00Z", 1],
      ["2025-01-01T10:15Z", 2],
      ["2025-01-01T10:30Z", 3]
    ]);
    expect(out.rejects.map((r) => [r.line, r.reason])).toEqual([[5, 'unparseable timestamp "yesterday 10:45"']]);
  });

  it("latin1.csv: read as Latin-1 (counted), the raw text of a reject keeps its characters", async () => {
    const out = await ingestCsv(bad("latin1.csv"), source);
    expect(out.counts.read_as_latin1).toBe(1);
    expect(out.samples.map((s) => s.value)).toEqual([1.5, 2.5]);
    expect(out.rejects).toEqual([{line: 4, reason: 'not a number: "n/a"', raw: "2025-01-01 10:30:00,n/a,15 °C"}]);
  });

  it("long_line.csv: a 10,000-character line is kept whole in rejects, its reason stays short", async () => {
    const out = await ingestCsv(bad("long_line.csv"), source);
    expect(out.samples.map((s) => s.value)).toEqual([1, 2]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0].raw).toHaveLength(10_000);
    expect(out.rejects[0].reason).toBe(`not a number: "${"x".repeat(40)}…"`);
  });

  it("preamble_bom_quoted.csv: preamble, comment and blank lines are counted, quotes removed", async () => {
    const out = await ingestCsv(bad("preamble_bom_quoted.csv"), source);
    expect(out.samples).toEqual([
      {line: 5, ts: "2025-01-01T10:00Z", value: 1.5},
      {line: 6, ts: "2025-01-01T10:15Z", value: 2}
    ]);
    expect(out.counts).toMatchObject({preamble_lines: 1, comment_lines: 1, blank_lines: 1});
    expect(out.rejects).toEqual([]);
  });
});

/** One site through the whole pipeline; file paths are relative to test/fixtures/bad. */
const runSite = (file: string, source: Record<string, unknown> = {timestamp: {column: "timestamp"}, value: {column: "p", unit: "kW"}}) =>
  withTempDir(async (dataDir) => {
    const config = tinyConfig({production: [{path: file, site_id: "site-a", ...source} as never]}, join(fixturesDir, "bad"));
    const result = await runPipeline({config, dataDir, log: () => {}});
    const hourly = await readParquet<{ts: string; energy_kwh: number; n_samples: number; quality: string}>(
      join(result.snapshotDir, "production_hourly.parquet"),
      "strftime(ts, '%Y-%m-%dT%H:%MZ') AS ts, energy_kwh, n_samples, quality"
    );
    const dq = Object.fromEntries(
      (await readParquet<{check: string; value: number}>(join(result.snapshotDir, "data_quality.parquet"), '"check", value')).map((r) => [r.check, r.value])
    );
    return {hourly, dq};
  });

describe("bad-input corpus: through cleaning", () => {
  it("non_monotonic.csv: sorted, the exact repeat and the conflicting one counted apart, first row wins", async () => {
    const {hourly, dq} = await runSite("non_monotonic.csv");
    expect(dq).toMatchObject({rows_read: 6, duplicate_rows: 1, conflicting_duplicates: 1, rejected_lines: 0});
    expect(hourly).toEqual([{ts: "2025-01-01T10:00Z", energy_kwh: (3 + 1 + 2 + 4) / 4, n_samples: 4, quality: "ok"}]);
  });

  it("huge_values.csv: 1e400 is a reject, 1e300 and 99,999,999 are outliers left out of the hour", async () => {
    const {hourly, dq} = await runSite("huge_values.csv");
    expect(dq).toMatchObject({rows_read: 4, rejected_lines: 1, outlier_samples: 2});
    expect(hourly).toEqual([{ts: "2025-01-01T10:00Z", energy_kwh: 2, n_samples: 1, quality: "outlier"}]);
  });
});

describe("cleaning: gaps", () => {
  it("interpolates a 2-hour gap (flagged filled), leaves a 3-hour gap missing, and lists both", async () => {
    await withTempDir(async (dataDir) => {
      const config = tinyConfig(
        {production: [{path: "hourly_gaps.csv", site_id: "site-a", timestamp: {column: "timestamp"}, value: {column: "p", unit: "kW"}}]},
        join(fixturesDir, "sources")
      );
      const result = await runPipeline({config, dataDir, log: () => {}});
      const hourly = await readParquet<{h: number; energy_kwh: number | null; quality: string}>(
        join(result.snapshotDir, "production_hourly.parquet"),
        "hour(ts) AS h, energy_kwh, quality"
      );
      expect(hourly.map((r) => [r.h, r.energy_kwh, r.quality])).toEqual([
        [0, 1, "ok"], [1, 2, "ok"], [2, 3, "ok"], [3, 4, "filled"], [4, 5, "filled"], [5, 6, "ok"], [6, 7, "ok"],
        [7, null, "missing"], [8, null, "missing"], [9, null, "missing"], [10, 11, "ok"], [11, 12, "ok"]
      ]);
      const events = await readParquet<{kind: string; start: string; hours: number; detail: string}>(
        join(result.snapshotDir, "quality_events.parquet"),
        "kind, strftime(start_ts, '%H:%M') AS start, hours, detail"
      );
      expect(events).toEqual([
        {kind: "gap", start: "03:00", hours: 2, detail: "interpolated"},
        {kind: "gap", start: "07:00", hours: 3, detail: "left missing"}
      ]);
    });
  });
});

describe("source shapes", () => {
  it("a daily-yield counter stamped at interval end: differenced, the midnight reset counted", async () => {
    const {hourly, dq} = await runSite(join("..", "sources", "daily_yield_counter.csv"), {
      timestamp: {column: "timestamp"},
      value: {column: "yield_kwh", unit: "kWh", kind: "counter"},
      interval: "end"
    });
    expect(dq).toMatchObject({counter_resets: 1});
    // 23:00-24:00 holds the rises 0.5, 0.5, 0.25 and 0.25 (the reset); 00:00 only its first quarter (scaled, flagged).
    expect(hourly).toEqual([
      {ts: "2025-01-01T23:00Z", energy_kwh: 1.5, n_samples: 4, quality: "ok"},
      {ts: "2025-01-02T00:00Z", energy_kwh: 2, n_samples: 1, quality: "filled"}
    ]);
  });

  it("a multi-site file with a site column; unknown sites are rejects", async () => {
    const out = await ingestCsv(["site;date;time;P", "a;2025-01-01;10:00;1", "b;2025-01-01;10:00;2", "zz;2025-01-01;10:00;3"].join("\n"), {
      site_id: undefined,
      site_column: "site",
      timestamp: {column: "date", time_column: "time"},
      value: {column: "P", unit: "kW"}
    });
    expect(out.error).toBeNull();
    expect(out.samples.map((s) => [s.line, s.ts, s.value])).toEqual([
      [2, "2025-01-01T10:00Z", 1],
      [3, "2025-01-01T10:00Z", 2]
    ]);
    expect(out.rejects).toEqual([{line: 4, reason: 'unknown site "zz" (not among the sites in the config)', raw: "zz;2025-01-01;10:00;3"}]);
  }, 20_000);
});
