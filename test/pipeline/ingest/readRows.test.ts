import {describe, expect, it} from "vitest";
import {ingestCsv, ingestCsv as ingestCsvAt} from "./ingestCsv.ts";

describe("ingestProductionFile: local time with daylight saving", () => {
  const source = {timestamp: {column: "timestamp", timezone: "Europe/Berlin"}, value: {column: "p", unit: "kW"}};

  it("gives the repeated fall-back hour its two instants in file order", async () => {
    const {samples, counts} = await ingestCsv(
      ["timestamp,p", "2025-10-26 01:45:00,0", "2025-10-26 02:00:00,1", "2025-10-26 02:15:00,2", "2025-10-26 02:00:00,3", "2025-10-26 02:15:00,4", "2025-10-26 03:00:00,5"].join("\n"),
      source
    );
    expect(samples.map((s) => [s.ts, s.value])).toEqual([
      ["2025-10-25T23:45Z", 0],
      ["2025-10-26T00:00Z", 1],
      ["2025-10-26T00:15Z", 2],
      ["2025-10-26T01:00Z", 3],
      ["2025-10-26T01:15Z", 4],
      ["2025-10-26T02:00Z", 5]
    ]);
    expect(counts.dst_repeated_hour_rows).toBe(4);
  });

  it("rejects a local time the spring-forward jump skips, naming the zone", async () => {
    const {samples, rejects} = await ingestCsv(["timestamp,p", "2025-03-30 01:45:00,1", "2025-03-30 02:30:00,2", "2025-03-30 03:00:00,3"].join("\n"), source);
    expect(samples.map((s) => s.ts)).toEqual(["2025-03-30T00:45Z", "2025-03-30T01:00Z"]);
    expect(rejects).toEqual([
      {line: 3, reason: "local time 2025-03-30 02:30:00 does not exist in Europe/Berlin (clocks jump forward then)", raw: "2025-03-30 02:30:00,2"}
    ]);
  });

  it("takes stamps with an offset as they are, whatever the zone setting", async () => {
    const {samples} = await ingestCsv(["timestamp,p", "2016-07-01 00:00:00-07:00,1", "2016-07-01T09:15:00Z,2", "2016-07-01 12:00:00+0530,3"].join("\n"), source);
    expect(samples.map((s) => s.ts)).toEqual(["2016-07-01T07:00Z", "2016-07-01T09:15Z", "2016-07-01T06:30Z"]);
  });

  it("handles southern-hemisphere DST (Sydney falls back in April)", async () => {
    const {samples} = await ingestCsv(
      ["timestamp,p", "2025-04-06 02:30:00,1", "2025-04-06 02:30:00,2"].join("\n"),
      {timestamp: {column: "timestamp", timezone: "Australia/Sydney"}, value: {column: "p", unit: "kW"}}
    );
    // AEDT (UTC+11) first, then AEST (UTC+10).
    expect(samples.map((s) => s.ts)).toEqual(["2025-04-05T15:30Z", "2025-04-05T16:30Z"]);
  });
});

describe("ingestProductionFile: quoted fields on the line-by-line path", () => {
  it("keeps a delimiter and doubled quotes inside a quoted field", async () => {
    // The comment line after the header sends the file down the exact path.
    const {samples, rejects} = await ingestCsv(
      ['timestamp,note,p', '# logger restarted', '2025-06-01 10:00:00,"fan, left",1.5', '2025-06-01 10:15:00,"say ""hi"", then go",2', '2025-06-01 10:30:00,plain,2.5'].join("\n"),
      {timestamp: {column: "timestamp", timezone: "UTC"}, value: {column: "p", unit: "kW"}}
    );
    expect(rejects).toEqual([]);
    expect(samples.map((r) => [r.line, r.value])).toEqual([[3, 1.5], [4, 2], [5, 2.5]]);
  });

  it("does not let a quote that is never closed swallow the rest of the line", async () => {
    const {rejects, samples} = await ingestCsv(['timestamp,note,p', '# x', '2025-06-01 10:00:00,"open, 1.5'].join("\n"), {
      timestamp: {column: "timestamp", timezone: "UTC"},
      value: {column: "p", unit: "kW"}
    });
    expect(rejects).toEqual([]);
    expect(samples.map((r) => [r.line, r.value])).toEqual([[3, 1.5]]);
  });
});

describe("ingestProductionFile: stamps far apart", () => {
  it("converts local time when a garbage year sits among real stamps (zone offsets from the days present)", async () => {
    const {samples} = await ingestCsv(["timestamp,p", "2025-07-01 12:00:00,1", "0001-01-01 00:00:00,2", "2025-12-01 12:00:00,3"].join("\n"), {
      timestamp: {column: "timestamp", timezone: "Europe/Berlin"},
      value: {column: "p", unit: "kW"}
    });
    expect(samples.filter((r) => r.value !== 2).map((r) => r.ts)).toEqual(["2025-07-01T10:00Z", "2025-12-01T11:00Z"]);
  });
});

describe("ingestProductionFile: column mapping", () => {
  it("finds an unnamed column by position and parses a custom stamp format", async () => {
    const {samples} = await ingestCsv([",power", "1/2/2022 0:15,2.5", "12/31/2022 23:45,1"].join("\n"), {
      timestamp: {column: 1, format: "%m/%d/%Y %H:%M"},
      value: {column: "power", unit: "kW"}
    });
    expect(samples).toEqual([
      {line: 2, ts: "2022-01-02T00:15Z", value: 2.5},
      {line: 3, ts: "2022-12-31T23:45Z", value: 1}
    ]);
  });
});

describe("ingestProductionFile: files without a header", () => {
  it("reads columns by position from the first line on", async () => {
    const {samples, rejects} = await ingestCsv(["2025-01-01 10:00:00;3,5;ok", "2025-01-01 10:15:00;4;ok", "# note", "2025-01-01 10:30:00;x;ok"].join("\n"), {
      header: false,
      timestamp: {column: 1},
      value: {column: 2, unit: "kW"}
    });
    expect(samples.map((s) => [s.line, s.value])).toEqual([
      [1, 3.5],
      [2, 4]
    ]);
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([[4, 'not a number: "x"']]);
  });
});

describe.each([
  ["in memory", false],
  ["in a work database file (a run's connection, with a temp directory)", true]
])("ingestProductionFile: fast path, typed rows %s", (_where, tempDirectory) => {
  const ingestCsv = async (...args: Parameters<typeof ingestCsvAt>) => {
    const out = await ingestCsvAt(args[0], args[1], args[2], {tempDirectory});
    // The work database was made (the folder exists) and, with the file's other working tables, detached and deleted.
    if (tempDirectory && out.path === "fast") expect(out.leftInTemp).toEqual([]);
    return out;
  };
  const lines = ["# exported by logger 7", "timestamp;site;p;status", ...Array.from({length: 300}, (_, i) => {
    const t = new Date(Date.UTC(2025, 9, 25, 22, 0) + i * 15 * 60_000).toISOString().slice(0, 19).replace("T", " ");
    return `${t};x;${(i % 37) * 0.25};"ok"`;
  })];
  const source = {timestamp: {column: "timestamp", timezone: "Europe/Berlin"}, value: {column: "p", unit: "kW"}};

  it("takes a clean file in one typed read and gives exactly what the line-by-line path gives", async () => {
    const fast = await ingestCsv(lines.join("\n") + "\n", source);
    // A comment line after the header makes the typed read's row count disagree with the file's lines.
    const exact = await ingestCsv([...lines, "# end"].join("\n") + "\n", source);
    expect(fast.path).toBe("fast");
    expect(exact.path).toBe("exact");
    expect(fast.samples).toEqual(exact.samples);
    expect(fast.samples).toHaveLength(300);
    expect(fast.samples[0]).toEqual({line: 3, ts: "2025-10-25T20:00Z", value: 0}); // 22:00 CEST
    expect(fast.counts).toMatchObject({comment_lines: 1, preamble_lines: 0, blank_lines: 0, dst_repeated_hour_rows: exact.counts.dst_repeated_hour_rows});
    expect(fast.counts.dst_repeated_hour_rows).toBeGreaterThan(0);
  });

  it("numbers lines exactly when DuckDB reads a big file in parallel", async () => {
    // ~25 MB: several of DuckDB's CSV buffers, so both threads read parts of the file at once.
    const n = 600_000;
    const rows = Array.from({length: n}, (_, i) => {
      const t = new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString().slice(0, 19).replace("T", " ");
      return `${t};x;${i};padding-to-make-the-line-longer`;
    });
    const out = await ingestCsv(["timestamp;site;p;note", ...rows].join("\n") + "\n", {...source, timestamp: {column: "timestamp", timezone: "UTC"}});
    expect(out.path).toBe("fast");
    expect(out.samples).toHaveLength(n);
    // The value written on each line is its row index: line = index + 2 (header on line 1).
    expect(out.samples.filter((r) => r.line !== r.value + 2)).toEqual([]);
  });

  it("falls back to the exact path, with every reject explained, when a line is bad", async () => {
    const bad = [...lines.slice(0, 100), "2025-10-26 10:00:00;x;oops;ok", ...lines.slice(100)];
    const out = await ingestCsv(bad.join("\n") + "\n", source);
    expect(out.path).toBe("exact");
    expect(out.rejects).toEqual([{line: 101, reason: 'not a number: "oops"', raw: "2025-10-26 10:00:00;x;oops;ok"}]);
    expect(out.samples).toHaveLength(300);
  });
});
