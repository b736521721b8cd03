// The Import page's logic (src/components/importer.js) in Node: parsing, detection, the pipeline's
// reject reasons and cleaning rules, and the config snippet. Expectations for the bad-input corpus
// are the pipeline's own (test/pipeline/ingest/badInput.test.ts): the page must say what a run does.
import {existsSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import * as imp from "../../src/components/importer.js";

const fixtures = join(import.meta.dirname, "..", "fixtures");
const shared = join(import.meta.dirname, "..", "..", "..", "shared", "data");
const sharedMissing = existsSync(shared) ? null : `no real data at ${shared} (the team's shared/data folder)`;
if (sharedMissing) console.warn(`skipping the importer's real-file tests: ${sharedMissing}`);

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";

/** Parse, detect, then read with the detected settings (overridable). */
function readWith(text: string, overrides: Partial<imp.Settings> = {}) {
  const table = imp.parseDelimited(text);
  const detection = imp.detectColumns(table);
  const settings = {
    timestampColumn: detection.timestamp?.index ?? 0,
    timeColumn: detection.timestamp?.timeIndex ?? null,
    format: detection.timestamp?.format ?? null,
    valueColumn: detection.value?.index ?? 1,
    unit: detection.unit,
    kind: detection.kind,
    timezone: "UTC",
    ...overrides
  };
  return {table, detection, settings, ...imp.readSamples(table, settings)};
}

describe("parsing: delimiters, decimal commas, preamble, BOM, quotes", () => {
  it("finds ; with decimal commas, and reads 1.234,5 as 1234.5", () => {
    const {table, detection, samples} = readWith("timestamp;p\n2025-01-01 10:00:00;1,5\n2025-01-01 10:15:00;2,25\n2025-01-01 10:30:00;1.234,5\n");
    expect(table.delimiter).toBe(";");
    expect(detection.decimalComma).toBe(true);
    expect(detection.decimalExample).toBe("1,5");
    expect(samples.map((s) => s.value)).toEqual([1.5, 2.25, 1234.5]);
  });

  it("finds tab and | delimiters, and , with decimal points", () => {
    expect(imp.parseDelimited("ts\tp\n2025-01-01 10:00\t1.5\n2025-01-01 10:15\t2\n").delimiter).toBe("\t");
    expect(imp.parseDelimited("ts|p|q\n2025-01-01 10:00|1.5|3\n2025-01-01 10:15|2|4\n").delimiter).toBe("|");
    const comma = imp.parseDelimited("ts,p\n2025-01-01 10:00,1.5\n2025-01-01 10:15,2.5\n");
    expect([comma.delimiter, comma.delimiterName]).toEqual([",", "comma"]);
  });

  it("a ; file whose header holds a comma is still ; (decided on the data lines)", () => {
    const table = imp.parseDelimited("Zeit;Leistung (W, AC)\n01.06.2025 10:00;1,5\n01.06.2025 10:15;2,5\n01.06.2025 10:30;3\n");
    expect(table.delimiter).toBe(";");
    expect(table.columns).toEqual(["Zeit", "Leistung (W, AC)"]);
  });

  it("skips a BOM, a preamble with the delimiter in it, comment and blank lines; strips quotes", () => {
    const text = '\uFEFFSite: Depot roof,Logger 2,export\n# a comment\n\n"Timestamp","AC Power (kW)"\n"2025-06-14 10:00","1.5"\n"2025-06-14 10:15","2.0"\n';
    const {table, samples} = readWith(text);
    expect(table.bom).toBe(true);
    expect(table.headerLine).toBe(4);
    expect(table.counts).toEqual({blank: 1, comment: 1, preamble: 1});
    expect(table.columns).toEqual(["Timestamp", "AC Power (kW)"]);
    expect(samples).toEqual([
      {line: 5, ts: Date.UTC(2025, 5, 14, 10, 0), value: 1.5},
      {line: 6, ts: Date.UTC(2025, 5, 14, 10, 15), value: 2}
    ]);
  });

  it("a quoted field holding the delimiter is one field, as in the pipeline", () => {
    const {table, rejects} = readWith('ts,p,note\n2025-01-01 10:00,1,"ok"\n2025-01-01 10:15,2,"cloudy, cold"\n');
    expect(table.warnings).toEqual([]);
    expect(table.rows[1].fields).toEqual(["2025-01-01 10:15", "2", "cloudy, cold"]);
    expect(rejects).toEqual([]);
  });

  it("a file without a header: the first line is taken as one, as the pipeline does, with a warning", () => {
    const table = imp.parseDelimited("2025-01-01 10:00,1\n2025-01-01 10:15,2\n2025-01-01 10:30,3\n");
    expect(table.hasHeader).toBe(false);
    expect(table.rows.map((r) => r.line)).toEqual([2, 3]);
    expect(table.warnings[0]).toMatch(/^No header line/);
  });

  it("decodes Latin-1 when the bytes are not UTF-8", () => {
    const bytes = readFileSync(join(fixtures, "bad", "latin1.csv"));
    const {text, encoding} = imp.decodeBytes(bytes);
    expect(encoding).toBe("latin-1");
    expect(text).toContain("12 °C");
    expect(imp.decodeBytes(new TextEncoder().encode("a,b\n1,2\n")).encoding).toBe("utf-8");
  });
});

describe("the pipeline's bad-input corpus: same rows and reject reasons", () => {
  const bad = (name: string) => imp.decodeBytes(readFileSync(join(fixtures, "bad", name))).text;
  const byName = {timestampColumn: 0, valueColumn: 1, format: null};

  it("truncated, garbage numbers, repeated header, long line", () => {
    const truncated = readWith(bad("truncated.csv"), byName);
    expect(truncated.samples.map((s) => s.value)).toEqual([1.5, 2.5]);
    expect(truncated.rejects).toEqual([{line: 4, reason: "expected 2 fields, found 1", raw: "2025-01-01 10:30:0"}]);

    const garbage = readWith(bad("garbage_numbers.csv"), byName);
    expect(garbage.table.headerLine).toBe(1);
    expect(garbage.samples.map((s) => [s.line, utc(s.ts), s.value])).toEqual([
      [8, "2025-01-01T11:30Z", 4.25],
      [9, "2025-01-01T11:45Z", 3.5]
    ]);
    expect(garbage.rejects.map((r) => [r.line, r.reason])).toEqual([
      [2, 'not a number: "abc"'],
      [3, "missing value"],
      [4, 'not a finite number: "NaN"'],
      [5, 'not a finite number: "inf"'],
      [6, "expected 2 fields, found 3"],
      [7, 'not a number: "--"']
    ]);

    const midfile = readWith(bad("header_midfile.csv"), byName);
    expect(midfile.rejects).toEqual([{line: 4, reason: "repeated header line", raw: "timestamp,p"}]);

    const long = readWith(bad("long_line.csv"), byName);
    expect(long.rejects[0].raw).toHaveLength(10_000);
    expect(long.rejects[0].reason).toBe(`not a number: "${"x".repeat(40)}…"`);
  });

  it("wrong delimiter, preamble/BOM/quotes, mixed formats with a configured format", () => {
    expect(readWith(bad("wrong_delimiter.csv"), byName).samples.map((s) => s.value)).toEqual([1.5, 2.25, 3]);
    const preamble = readWith(bad("preamble_bom_quoted.csv"), byName);
    expect(preamble.samples.map((s) => [s.line, utc(s.ts), s.value])).toEqual([
      [5, "2025-01-01T10:00Z", 1.5],
      [6, "2025-01-01T10:15Z", 2]
    ]);
    expect(preamble.table.counts).toEqual({preamble: 1, comment: 1, blank: 1});
    const mixed = readWith(bad("mixed_formats.csv"), {...byName, format: "%d/%m/%Y %H:%M"});
    expect(mixed.samples.map((s) => [utc(s.ts), s.value])).toEqual([
      ["2025-01-01T10:00Z", 1],
      ["2025-01-01T10:15Z", 2],
      ["2025-01-01T10:30Z", 3]
    ]);
    expect(mixed.rejects.map((r) => [r.line, r.reason])).toEqual([[5, 'unparseable timestamp "yesterday 10:45"']]);
  });

  it("non-monotonic and huge values through cleaning: the pipeline's data_quality counts", () => {
    const nm = readWith(bad("non_monotonic.csv"), {...byName, unit: "kW"});
    const nq = imp.qualityChecks(nm.samples, {capacityKw: 10, unit: "kW"});
    expect([nq.duplicates, nq.conflicting]).toEqual([1, 1]);
    expect(nq.hourly.map((h) => [utc(h.ts.getTime()), h.energy_kwh, h.n_samples, h.quality])).toEqual([["2025-01-01T10:00Z", (3 + 1 + 2 + 4) / 4, 4, "ok"]]);

    const huge = readWith(bad("huge_values.csv"), {...byName, unit: "kW"});
    expect(huge.rejects.length).toBe(1);
    const hq = imp.qualityChecks(huge.samples, {capacityKw: 10, unit: "kW"});
    expect(hq.outliers).toBe(2);
    expect(hq.intervalMin).toBe(30); // the first most common step, as DuckDB's mode() picks it
    expect(hq.hourly.map((h) => [h.energy_kwh, h.n_samples, h.quality])).toEqual([[2, 1, "outlier"]]);
  });
});

describe("time stamps: formats, offsets, time zones", () => {
  it("detects ISO, day-first and month-first formats; day/month order from the steps", () => {
    expect(imp.detectTimestampFormat(["2025-06-14 10:00:00", "2025-06-14 10:15:00"]).format).toBeNull();
    expect(imp.detectTimestampFormat(["14.06.2025 10:00", "14.06.2025 10:15"]).format).toBe("%d.%m.%Y %H:%M");
    expect(imp.detectTimestampFormat(["13/06/2025 23:45", "14/06/2025 00:00"]).format).toBe("%d/%m/%Y %H:%M");
    expect(imp.detectTimestampFormat(["1/2/2022 1:15 PM", "1/2/2022 1:30 PM"]).format).toBe("%m/%d/%Y %I:%M %p");
    // No day above 12, but the steps settle it: 1/2 → 1/3 is a day under M/D and a month under D/M.
    const days = ["1/2/2022 23:30", "1/2/2022 23:45", "1/3/2022 0:00", "1/3/2022 0:15"];
    expect(imp.detectTimestampFormat(days)).toMatchObject({format: "%m/%d/%Y %H:%M", ambiguous: false});
    const oneDay = imp.detectTimestampFormat(["1/2/2022 10:00", "1/2/2022 10:15"]);
    expect(oneDay).toMatchObject({format: "%m/%d/%Y %H:%M", ambiguous: true});
    expect(oneDay.note).toContain("month first");
  });

  it("naive local stamps vs stamps with an offset", () => {
    const naive = imp.detectTimestampFormat(["2025-06-14 12:00", "2025-06-14 12:15"]);
    const offset = imp.detectTimestampFormat(["2025-06-14T12:00:00+02:00", "2025-06-14T12:15:00+02:00", "2025-10-27T12:00:00+01:00"]);
    const zulu = imp.detectTimestampFormat(["2025-06-14T10:00:00Z", "2025-06-14T10:15:00Z"]);
    const mixed = imp.detectTimestampFormat(["2025-06-14 12:00", "2025-06-14T12:15:00+02:00"]);
    expect([naive.stamps, offset.stamps, zulu.stamps, mixed.stamps]).toEqual(["naive", "offset", "offset", "mixed"]);
    expect(offset.offsets).toEqual(["+01:00", "+02:00"]);
    const text = "ts,p\n2025-06-14 12:00,1\n2025-06-14T12:15:00+02:00,2\n2025-06-14T12:30:00Z,3\n";
    const read = readWith(text, {timezone: "Europe/Berlin"});
    expect(read.samples.map((s) => utc(s.ts))).toEqual(["2025-06-14T10:00Z", "2025-06-14T10:15Z", "2025-06-14T12:30Z"]);
    expect(read.detection.warnings[0]).toContain("Some stamps carry a UTC offset");
  });

  it("daylight saving time as the pipeline does it: skipped times rejected, the repeated hour by file order", () => {
    const text = [
      "ts,p",
      "2025-03-30 01:45,1",
      "2025-03-30 02:15,2", // does not exist in Berlin
      "2025-03-30 03:00,3",
      "2025-10-26 02:00,4", // first pass: CEST
      "2025-10-26 02:00,5" // second pass: CET
    ].join("\n");
    const read = readWith(text, {timezone: "Europe/Berlin"});
    expect(read.rejects).toEqual([{line: 3, reason: "local time 2025-03-30 02:15 does not exist in Europe/Berlin (clocks jump forward then)", raw: "2025-03-30 02:15,2"}]);
    expect(read.samples.map((s) => utc(s.ts))).toEqual(["2025-03-30T00:45Z", "2025-03-30T01:00Z", "2025-10-26T00:00Z", "2025-10-26T01:00Z"]);
    expect(read.dstRepeated).toBe(2);
  });

  it("a date column with a time column beside it is joined, as time_column does", () => {
    const {detection, samples, settings} = readWith("Datum;Uhrzeit;P [W]\n14.06.2025;10:00;1500\n14.06.2025;10:15;1600\n15.06.2025;10:00;1700\n");
    expect(detection.timestamp).toMatchObject({index: 0, timeIndex: 1, format: "%d.%m.%Y %H:%M"});
    expect(samples.map((s) => utc(s.ts))).toEqual(["2025-06-14T10:00Z", "2025-06-14T10:15Z", "2025-06-15T10:00Z"]);
    expect(settings.valueColumn).toBe(2);
  });
});

describe("columns: power or energy, and the unit", () => {
  const day = (f: (q: number) => string) => Array.from({length: 96}, (_, q) => `2025-06-14 ${String(Math.floor(q / 4)).padStart(2, "0")}:${String((q % 4) * 15).padStart(2, "0")},${f(q)}`);
  const bell = (q: number, peak: number) => Math.max(0, Math.sin((Math.PI * (q / 4 - 6)) / 13)) * peak;

  it("W from the name, kW from the name, W from the magnitude, kW from the magnitude", () => {
    const text = ["time,P_AC [W],ac_power_kw_1137,ac_power,power_out", ...day((q) => [bell(q, 4800), bell(q, 210), bell(q, 5400), bell(q, 7.5)].map((v) => v.toFixed(2)).join(","))].join("\n");
    const {detection} = readWith(text);
    expect(detection.columns.map((c) => [c.name, c.kind, c.unit, c.unitFrom])).toEqual([
      ["P_AC [W]", "power", "W", "name"],
      ["ac_power_kw_1137", "power", "kW", "name"],
      ["ac_power", "power", "W", "magnitude"],
      ["power_out", "power", "kW", "magnitude"]
    ]);
    expect(detection.value?.name).toBe("P_AC [W]");
  });

  it("an only-growing kWh column is a cumulative counter; an up-and-down one is energy per interval", () => {
    let total = 15_000;
    const text = ["Timestamp,Energy Total (kWh),Yield (kWh),Irradiance (W/m2),T_mod [°C]", ...day((q) => [(total += bell(q, 5) / 4), bell(q, 5) / 4, bell(q, 950), 20 + bell(q, 25)].map((v) => v.toFixed(3)).join(","))].join("\n");
    const {detection} = readWith(text);
    expect(detection.columns.map((c) => [c.name, c.kind, c.unit])).toEqual([
      ["Energy Total (kWh)", "counter", "kWh"],
      ["Yield (kWh)", "energy", "kWh"],
      ["Irradiance (W/m2)", "other", null],
      ["T_mod [°C]", "other", null]
    ]);
    expect(detection.value?.name).toBe("Yield (kWh)");
    expect(imp.suggestInterval(detection, "counter").interval).toBe("end");
  });

  it("prefers a power column over a counter; name tokens split camel case but keep kW/kWh whole", () => {
    expect(imp.nameTokens("PacW")).toEqual(["pac", "w"]);
    expect(imp.nameTokens("PAC_kW")).toEqual(["pac", "kw"]);
    expect(imp.nameTokens("totalKWh")).toEqual(["total", "kwh"]);
    expect(imp.nameTokens("inv2_ac_power_w__1047")).toEqual(["inv", "2", "ac", "power", "w", "1047"]);
    const {detection} = readWith(imp.exampleCsv());
    expect(detection.value).toMatchObject({name: "P_AC [W]", kind: "power", unit: "W"});
    expect(detection.columns.find((c) => c.name === "E_total [kWh]")?.kind).toBe("counter");
  });
});

describe("quality checks: the pipeline's cleaning rules", () => {
  // 10 kW site, 15-minute data, hour by hour:
  // 10:00 four readings with a duplicate and a conflicting duplicate; 11:00 a stuck run of 4 × 5 kW;
  // 12:00 one reading above 1.2 × capacity (left out); 13:00 and 14:00 empty (interpolated); 15:00 two readings
  // (filled) and a negative; 16:00–18:00 empty (left missing); 19:00 one reading.
  const text = [
    "ts,p_kw",
    "2025-06-14 10:00,1",
    "2025-06-14 10:15,2",
    "2025-06-14 10:15,2",
    "2025-06-14 10:15,9",
    "2025-06-14 10:30,3",
    "2025-06-14 10:45,4",
    "2025-06-14 11:00,5",
    "2025-06-14 11:15,5",
    "2025-06-14 11:30,5",
    "2025-06-14 11:45,5",
    "2025-06-14 12:00,6",
    "2025-06-14 12:15,99",
    "2025-06-14 12:30,6",
    "2025-06-14 12:45,6",
    "2025-06-14 15:00,-0.5",
    "2025-06-14 15:30,4",
    "2025-06-14 19:00,2"
  ].join("\n");

  it("counts duplicates, negatives, outliers, stuck runs, gaps; hourly energy and quality", () => {
    const read = readWith(text, {unit: "kW"});
    const q = imp.qualityChecks(read.samples, {capacityKw: 10, unit: "kW"});
    expect(q).toMatchObject({intervalMin: 15, duplicates: 1, conflicting: 1, negative: 1, outliers: 1, stuckSamples: 4, interpolated: 2, coveragePct: 70});
    expect(q.duplicateLines).toEqual([4, 5]);
    expect(q.outlierLines).toEqual([13]);
    expect(q.stuckRuns).toEqual([{startTs: Date.UTC(2025, 5, 14, 11), line: 8, n: 4, valueKw: 5}]);
    expect(q.hourly.map((h) => [h.ts.getUTCHours(), h.energy_kwh, h.n_samples, h.quality])).toEqual([
      [10, 2.5, 4, "ok"],
      [11, 5, 4, "ok"],
      [12, 6, 3, "outlier"],
      [13, 4.666667, 0, "filled"], // 6 kWh at 12:00 to 2 kWh at 15:00, linearly
      [14, 3.333333, 0, "filled"],
      [15, 2, 2, "filled"],
      [16, null, 0, "missing"],
      [17, null, 0, "missing"],
      [18, null, 0, "missing"],
      [19, 2, 1, "filled"]
    ]);
    expect(q.hours).toEqual({ok: 2, filled: 4, outlier: 1, missing: 3});
    expect(q.gaps).toEqual([
      {from: Date.UTC(2025, 5, 14, 16), to: Date.UTC(2025, 5, 14, 19), hours: 3, interpolated: false},
      {from: Date.UTC(2025, 5, 14, 13), to: Date.UTC(2025, 5, 14, 15), hours: 2, interpolated: true}
    ]);
    const checks = imp.analyze(read.table, {...read.settings, unit: "kW", capacityKw: 10}).checks;
    const status = Object.fromEntries(checks.map((c) => [c.check, [c.value, c.status]]));
    expect(status).toMatchObject({
      rows_read: [17, "info"],
      rejected_lines: [0, "ok"],
      duplicate_rows: [1, "info"],
      conflicting_duplicates: [1, "warn"],
      outlier_samples: [1, "warn"],
      stuck_runs: [1, "warn"],
      hours_missing: [3, "warn"],
      hours_interpolated: [2, "info"],
      coverage_pct: [70, "fail"]
    });
  });

  it("interval-end stamps move back one interval; W and Wh convert to kW", () => {
    const read = readWith("ts,e_wh\n2025-06-14 10:15,250\n2025-06-14 10:30,500\n2025-06-14 10:45,750\n2025-06-14 11:00,1000\n", {unit: "Wh", kind: "energy"});
    const q = imp.qualityChecks(read.samples, {capacityKw: 10, unit: "Wh", interval: "end"});
    expect(q.hourly.map((h) => [utc(h.ts.getTime()), h.energy_kwh, h.quality])).toEqual([["2025-06-14T10:00Z", 2.5, "ok"]]);
  });

  it("a daily-yield counter: differenced, the midnight drop is a reset (the pipeline's counter rule)", () => {
    const file = readFileSync(join(fixtures, "sources", "daily_yield_counter.csv"), "utf8");
    const read = readWith(file, {unit: "kWh", kind: "counter"});
    const q = imp.qualityChecks(read.samples, {capacityKw: 10, unit: "kWh", kind: "counter", interval: "end"});
    expect(q.counterResets).toBe(1);
    // 23:00 has nothing before it; then 0.5, 0.5, 0.25 kWh and after the reset 0.25, 0.5 kWh.
    expect(q.hourly.map((h) => [utc(h.ts.getTime()), h.energy_kwh, h.n_samples, h.quality])).toEqual([
      ["2025-01-01T23:00Z", ((0.5 + 0.5 + 0.25 + 0.25) * 4) / 4, 4, "ok"],
      ["2025-01-02T00:00Z", 0.5 * 4, 1, "filled"]
    ]);
  });

  it("a capacity guess ignores spikes and rounds up", () => {
    expect(imp.niceCeil(4.8)).toBe(5);
    expect(imp.niceCeil(207.5)).toBe(250);
    expect(imp.niceCeil(0.0123)).toBe(0.015);
    const samples = [0.5, 3.9, 4.1, 4.6, 4.8, 4.7, 4.2, 48].map((value, i) => ({line: i + 2, ts: i * 900_000, value}));
    expect(imp.estimateCapacityKw(samples, {unit: "kW", intervalMin: 15})).toBe(5);
  });
});

describe("the config snippet", () => {
  it("prints a production entry and a sites skeleton", () => {
    const {table, detection} = readWith("Site: roof\n\"Zeit\";\"P_AC [W]\"\n14.06.2025 10:00;1500\n14.06.2025 10:15;1600\n14.06.2025 10:30;1700\n");
    expect(detection.timestamp?.stamps).toBe("naive");
    const snippet = imp.configSnippet(table, {
      fileName: "Roof Süd 2025.csv",
      timestampColumn: 0,
      format: detection.timestamp!.format,
      valueColumn: 1,
      unit: "W",
      kind: "power",
      timezone: "Europe/Berlin",
      interval: "start",
      capacityKw: 2.5
    });
    expect(snippet.text).toBe(
      [
        "// sunline.config.ts: add the site to `sites` and the file to `production`;",
        "// copy Roof Süd 2025.csv to data/ beside the config (paths are relative to it).",
        "sites: [",
        '  {id: "roof-s-d-2025", name: "Roof Süd 2025", timezone: "Europe/Berlin",',
        "   capacity_kw: 2.5, tilt: 20, azimuth: 180,   // TODO: AC kW, panel tilt, azimuth (180 = south)",
        "   lat: NaN, lon: NaN}   // TODO: coordinates (NaN fails validation until set)",
        "],",
        "production: [",
        '  {path: "data/Roof Süd 2025.csv", site_id: "roof-s-d-2025", delimiter: ";",',
        '   timestamp: {column: "Zeit", timezone: "Europe/Berlin", format: "%d.%m.%Y %H:%M"},',
        '   value: {column: "P_AC [W]", unit: "W"},',
        '   interval: "start"}   // each stamp marks the start of its interval',
        "]"
      ].join("\n")
    );
    expect(snippet.notes).toEqual([]);
  });

  it("offset stamps need no zone; a counter says kind: counter; an unnamed stamp column behind a preamble is flagged", () => {
    const offset = readWith('ts,"E total [kWh]"\n2025-06-14T10:00:00-07:00,1\n2025-06-14T10:15:00-07:00,2\n');
    const snippet = imp.configSnippet(offset.table, {...offset.settings, fileName: "a.csv", siteId: "roof", unit: "kWh", kind: "counter", interval: "end", capacityKw: 5, stampsWithOffset: true});
    expect(snippet.text).toContain('timestamp: {column: "ts"},   // stamps carry their UTC offset');
    expect(snippet.text).toContain('value: {column: "E total [kWh]", unit: "kWh", kind: "counter"},');
    expect(snippet.source).toEqual({path: "data/a.csv", site_id: "roof", timestamp: {column: "ts"}, value: {column: "E total [kWh]", unit: "kWh", kind: "counter"}, interval: "end"});

    const unnamed = readWith("Export of roof 1\n,p\n2025-06-14 10:00,1\n2025-06-14 10:15,2\n");
    expect(imp.columnRef(unnamed.table, 0)).toBe(1);
    const flagged = imp.configSnippet(unnamed.table, {...unnamed.settings, fileName: "b.csv", capacityKw: 5});
    expect(flagged.notes[0]).toContain("the pipeline reads line 1 as the header");
  });
});

describe("the Import page's fixture and the built-in example", () => {
  it("test/fixtures/import/sample.csv: the counts the page test checks", () => {
    const read = readWith(readFileSync(join(fixtures, "import", "sample.csv"), "utf8"));
    expect(read.table).toMatchObject({delimiter: ",", headerLine: 3, counts: {preamble: 1, comment: 1, blank: 0}});
    expect(read.detection.timestamp).toMatchObject({index: 0, format: null, stamps: "offset", offsets: ["-07:00"]});
    expect(read.detection).toMatchObject({intervalMin: 15, unit: "kW", kind: "power"});
    expect(read.detection.value?.name).toBe("AC Power (kW)");
    const capacityKw = imp.estimateCapacityKw(read.samples, {unit: "kW", intervalMin: 15});
    expect(capacityKw).toBe(30);
    const result = imp.analyze(read.table, {...read.settings, capacityKw});
    const value = Object.fromEntries(result.checks.map((c) => [c.check, c.value]));
    expect(value).toMatchObject({rows_read: 183, rejected_lines: 2, duplicate_rows: 1, negative_values_zeroed: 70, outlier_samples: 1, stuck_runs: 1, hours_missing: 3, coverage_pct: 93.75});
    expect(result.rejects.map((r) => [r.line, r.reason])).toEqual([
      [50, 'not a number: "n/a"'],
      [133, "expected 4 fields, found 1"]
    ]);
  });

  it("the example is deterministic and exercises the quirks", () => {
    expect(imp.exampleCsv()).toBe(imp.exampleCsv());
    const read = readWith(imp.exampleCsv(), {timezone: "Europe/Berlin"});
    expect(read.table).toMatchObject({delimiter: ";", headerLine: 3, counts: {preamble: 1, comment: 1, blank: 0}});
    expect(read.detection.timestamp).toMatchObject({format: "%d.%m.%Y %H:%M", stamps: "naive"});
    expect(read.rejects.map((r) => r.reason)).toEqual(["expected 4 fields, found 1", 'not a number: "n/a"']);
  });
});

describe.skipIf(sharedMissing !== null)("real PVDAQ files (../shared/data)", () => {
  const file = (path: string) => readFileSync(join(shared, path), "utf8");

  it("NREL RSF II: unnamed first column 1/2/2022 0:00 (M/D/Y), ac_power_kw_1137 in kW", () => {
    const read = readWith(file("pvdaq-small/nrel_RSF_II.csv"), {timezone: "America/Denver"});
    expect(read.table.columns[0]).toBe("");
    expect(read.detection.timestamp).toMatchObject({index: 0, format: "%m/%d/%Y %H:%M", stamps: "naive", share: 1});
    expect(read.detection.value).toMatchObject({name: "ac_power_kw_1137", kind: "power", unit: "kW", unitFrom: "name"});
    expect(read.detection.intervalMin).toBe(15);
    expect([read.samples.length, read.rejects.length]).toEqual([480, 0]);
    // The same source the pipeline's real-file test configures by hand.
    const snippet = imp.configSnippet(read.table, {...read.settings, fileName: "nrel_RSF_II.csv", capacityKw: 250});
    expect(snippet.source).toMatchObject({timestamp: {column: 1, timezone: "America/Denver", format: "%m/%d/%Y %H:%M"}, value: {column: "ac_power_kw_1137", unit: "kW"}});
    // January in Denver is UTC-7: hourly energy against a hand computation from the raw lines.
    const q = imp.qualityChecks(read.samples, {capacityKw: 250, unit: "kW"});
    const byHour = new Map<string, number[]>();
    for (const line of file("pvdaq-small/nrel_RSF_II.csv").split("\n").slice(1)) {
      const [stamp, kw] = line.split(",");
      if (!stamp) continue;
      const [m, d, y, h] = stamp.split(/[/ :]/).map(Number);
      const key = utc(Date.UTC(y, m - 1, d, h + 7));
      byHour.set(key, [...(byHour.get(key) ?? []), Math.max(0, Number(kw))]);
    }
    expect(q.hourly).toHaveLength(byHour.size);
    for (const h of q.hourly) {
      const values = byHour.get(utc(h.ts.getTime()))!;
      expect(h.energy_kwh).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 5);
    }
  });

  it("SERF East: -07:00 offsets, ac_power in W decided from the magnitude", () => {
    const read = readWith(file("pvdaq-system50/serf_east_15min_ac_power.csv"));
    expect(read.detection.timestamp).toMatchObject({index: 0, format: null, stamps: "offset", offsets: ["-07:00"]});
    expect(read.detection.value).toMatchObject({name: "ac_power", kind: "power", unit: "W", unitFrom: "magnitude"});
    expect(read.detection.intervalMin).toBe(15);
    expect(read.table.counts.blank).toBe(2);
    expect(read.samples[0]).toEqual({line: 2, ts: Date.UTC(2016, 6, 1, 7), value: -2.8601});
    const capacityKw = imp.estimateCapacityKw(read.samples, {unit: "W", intervalMin: 15});
    expect(capacityKw).toBe(6); // peaks of 5.4 kW, rounded up
    const q = imp.qualityChecks(read.samples, {capacityKw, unit: "W"});
    expect(q).toMatchObject({duplicates: 0, outliers: 0, coveragePct: 100});
    expect(q.negative).toBeGreaterThan(4000); // the night readings are slightly negative
    const snippet = imp.configSnippet(read.table, {...read.settings, fileName: "serf_east.csv", capacityKw, stampsWithOffset: true});
    expect(snippet.source).toMatchObject({timestamp: {column: "measured_on"}, value: {column: "ac_power", unit: "W"}});
  });
});
