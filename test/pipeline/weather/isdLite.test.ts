// NOAA ISD-Lite parsing: hand-checked lines of the made-up station 990001-99999 (fixture), rejects,
// line endings, and the sky-code and humidity conversions.
import {readFileSync} from "node:fs";
import {gunzipSync, gzipSync} from "node:zlib";
import {describe, expect, it} from "vitest";
import {parseIsdLite, relativeHumidity, skyCodeToCloudCover} from "../../../pipeline/weather/isdLite.ts";
import type {WeatherRow} from "../../../pipeline/weather/types.ts";

const fixture = readFileSync(new URL("../../fixtures/weather/isd-lite/990001-99999-2024.txt", import.meta.url), "utf8");
const fixtureLines = fixture.split("\n");

/** Build one 61-character ISD-Lite line from its twelve integers. */
function isdLine(...v: number[]): string {
  const [year, month, day, hour, ...rest] = v;
  return `${year}${[month, day, hour].map((n) => ` ${String(n).padStart(2, "0")}`).join("")}${rest.map((n) => String(n).padStart(6)).join("")}`;
}

const rowAt = (rows: WeatherRow[], ts: string) => {
  const row = rows.find((r) => r.ts === ts);
  if (!row) throw new Error(`no row for ${ts}`);
  return row;
};

describe("parseIsdLite on the 48-hour fixture", () => {
  const {rows, rejects} = parseIsdLite(fixture, "site-x");

  it("keeps every valid line and rejects the wrong-length and non-numeric lines with their line numbers", () => {
    expect(fixtureLines.filter((l) => l !== "")).toHaveLength(48);
    expect(rows).toHaveLength(46);
    expect(rejects).toEqual([
      {line: 20, reason: "line has 55 characters; ISD-Lite lines have 61 (12 fixed-width fields)", raw: "2024 06 14 19   203   124 10112   295    25     1     0"},
      {
        line: 30,
        reason: 'air temperature (columns 14-19) is "   12A"; expected a whole number (-9999 when missing)',
        raw: "2024 06 15 05   12A   112 10092   345    25     8     0 -9999"
      }
    ]);
    // The hours around the rejects are still there.
    expect(rows.map((r) => r.ts)).toContain("2024-06-14T17:00:00Z"); // line 19 (hour 18)
    expect(rows.map((r) => r.ts)).toContain("2024-06-14T19:00:00Z"); // line 21 (hour 20)
    expect(rows.map((r) => r.ts)).not.toContain("2024-06-14T18:00:00Z"); // line 20 (hour 19) rejected
  });

  it("parses line 15 exactly: 231 → 23.1 °C, 46 → 4.6 m/s, sky 4 → 50 %, 25 → 2.5 mm, RH from T/Td", () => {
    // 2024 06 14 14   231   150 10122   270    46     4    25 -9999
    expect(rowAt(rows, "2024-06-14T13:00:00Z")).toEqual({
      site_id: "site-x",
      ts: "2024-06-14T13:00:00Z", // observation at 14:00 UTC describes 13:00-14:00
      source: "noaa-isd",
      kind: "observed",
      issued_at: null,
      ghi_wm2: null,
      dni_wm2: null,
      dhi_wm2: null,
      temp_c: 23.1,
      cloud_cover_pct: 50,
      wind_ms: 4.6,
      humidity_pct: 60.3, // Magnus (17.625, 243.04): 100·exp(17.625·15/258.04 − 17.625·23.1/266.14) = 60.34
      precip_mm: 2.5
    });
  });

  it("maps a trace of precipitation (-1) to 0 mm and sky code 8 to 100 %", () => {
    // 2024 06 14 15   230   128 10120   275    44     8    -1 -9999
    const row = rowAt(rows, "2024-06-14T14:00:00Z");
    expect(row.precip_mm).toBe(0);
    expect(row.cloud_cover_pct).toBe(100);
    expect(row.temp_c).toBe(23);
  });

  it("turns -9999 into null, and humidity is null without a dew point; uses the 1-hour, not the 6-hour, precipitation", () => {
    // 2024 06 14 17   223 -9999 -9999 -9999 -9999 -9999     0    31
    const row = rowAt(rows, "2024-06-14T16:00:00Z");
    expect(row.temp_c).toBe(22.3);
    expect(row.humidity_pct).toBeNull();
    expect(row.wind_ms).toBeNull();
    expect(row.cloud_cover_pct).toBeNull();
    expect(row.precip_mm).toBe(0);
  });

  it("caps humidity at 100 % when the dew point is above the temperature", () => {
    // 2024 06 14 02   122   123 ...
    expect(rowAt(rows, "2024-06-14T01:00:00Z").humidity_pct).toBe(100);
  });

  it("maps sky 9 (obscured) to null, 15 (broken) to 87.5 %, and keeps calm wind as 0 m/s", () => {
    expect(rowAt(rows, "2024-06-15T11:00:00Z").cloud_cover_pct).toBeNull(); // line 37, code 9
    expect(rowAt(rows, "2024-06-15T12:00:00Z").cloud_cover_pct).toBe(87.5); // line 38, code 15
    expect(rowAt(rows, "2024-06-15T13:00:00Z").wind_ms).toBe(0); // line 39, calm
    expect(rowAt(rows, "2024-06-14T12:00:00Z").humidity_pct).toBe(57.5); // line 14: T 22.3, Td 13.5
  });

  it("assigns each observation hour to the interval ending at it (first line: 00 UTC → previous day 23:00)", () => {
    expect(rows[0].ts).toBe("2024-06-13T23:00:00Z");
    expect(rows.at(-1)?.ts).toBe("2024-06-15T22:00:00Z");
    expect(new Set(rows.map((r) => r.ts)).size).toBe(rows.length);
  });

  it("uses the source argument", () => {
    expect(parseIsdLite(fixture, "s", "noaa-isd/990001-99999").rows[0].source).toBe("noaa-isd/990001-99999");
  });
});

describe("parseIsdLite line endings and wrapping", () => {
  const lf = parseIsdLite(fixture, "site-x");

  it("gives the same rows and rejects for CRLF input, with raw lines free of \\r", () => {
    const crlf = parseIsdLite(fixture.replace(/\n/g, "\r\n"), "site-x");
    expect(fixture).not.toContain("\r");
    expect(crlf.rows).toEqual(lf.rows);
    expect(crlf.rejects).toEqual(lf.rejects);
  });

  it("accepts gunzipped text, a BOM, no trailing newline and blank lines", () => {
    expect(parseIsdLite(gunzipSync(gzipSync(fixture)).toString("utf8"), "site-x")).toEqual(lf);
    const text = `\uFEFF${isdLine(2024, 6, 1, 10, 150, 100, 10150, 180, 20, 2, 0, -9999)}\n\n   \n${isdLine(2024, 6, 1, 11, 160, 100, 10150, 180, 20, 2, 0, -9999)}`;
    const {rows, rejects} = parseIsdLite(text, "s");
    expect(rejects).toEqual([]);
    expect(rows.map((r) => [r.ts, r.temp_c])).toEqual([
      ["2024-06-01T09:00:00Z", 15],
      ["2024-06-01T10:00:00Z", 16]
    ]);
  });

  it("numbers lines from 1 counting blank lines", () => {
    const text = ["", isdLine(2024, 6, 1, 10, 150, 100, 10150, 180, 20, 2, 0, -9999), "", "garbage"].join("\r\n");
    expect(parseIsdLite(text, "s").rejects).toEqual([{line: 4, reason: "line has 7 characters; ISD-Lite lines have 61 (12 fixed-width fields)", raw: "garbage"}]);
  });
});

describe("parseIsdLite rejects", () => {
  const ok = isdLine(2024, 1, 1, 0, -25, -61, 10200, 90, 31, 3, -9999, -9999);

  it("parses negative temperatures and crosses the year boundary backwards", () => {
    const {rows} = parseIsdLite(ok, "s");
    expect(rows[0]).toMatchObject({ts: "2023-12-31T23:00:00Z", temp_c: -2.5, wind_ms: 3.1, cloud_cover_pct: 37.5, precip_mm: null, humidity_pct: 76.3});
  });

  it.each([
    [isdLine(2023, 2, 29, 12, 100, 50, 10100, 0, 0, 0, 0, 0), "day is 29; expected 1-28 for 2023-02"],
    [isdLine(2024, 4, 31, 12, 100, 50, 10100, 0, 0, 0, 0, 0), "day is 31; expected 1-30 for 2024-04"],
    [isdLine(2024, 13, 1, 12, 100, 50, 10100, 0, 0, 0, 0, 0), "month is 13; expected 1-12"],
    [isdLine(2024, 0, 1, 12, 100, 50, 10100, 0, 0, 0, 0, 0), "month is 0; expected 1-12"],
    [isdLine(2024, 6, 1, 24, 100, 50, 10100, 0, 0, 0, 0, 0), "hour is 24; expected 0-23 (UTC)"],
    [isdLine(2024, 6, 1, 12, 100, 50, 10100, 0, -12, 0, 0, 0), "wind speed is -12; expected 0 or more (m/s ×10) or -9999 (missing)"],
    [isdLine(2024, 6, 1, 12, 100, 50, 10100, 0, 12, 0, -5, 0), "1-hour precipitation is -5; expected 0 or more (mm ×10), -1 (trace) or -9999 (missing)"],
    [isdLine(2024, 6, 1, 12, 999, 50, 10100, 0, 12, 0, 0, 0), "air temperature is 999; expected -900…600 (-90…+60 °C ×10) or -9999 (missing)"],
    [isdLine(2024, 6, 1, 12, 100, 50, 10100, 0, 12, 0, 0, 0).replace("2024", "  24"), "year is 24; expected a four-digit year, 1900-2100"],
    [isdLine(2024, 6, 1, 12, 100, 50, 10100, 0, 12, 0, 0, 0).replace(" 10100", "  1.01"), 'sea-level pressure (columns 26-31) is "  1.01"; expected a whole number (-9999 when missing)'],
    [isdLine(2024, 6, 1, 12, 100, 50, 10100, 0, 12, 0, 0, 0).replace(/ {5}0$/, "      "), 'line has 55 characters; ISD-Lite lines have 61 (12 fixed-width fields)'],
    [isdLine(2024, 6, 1, 12, 100, 50, 10100, 0, 12, 0, 0, 0).replace(/^2024 06/, "2024 O6"), 'month (columns 5-7) is " O6"; expected a whole number (-9999 when missing)'],
    [isdLine(2024, 6, 1, 12, 100, 50, 10100, 0, 12, 0, 0, 0).replace("    12", "  1 2 "), 'wind speed (columns 38-43) is "  1 2 "; expected a whole number (-9999 when missing)']
  ])("rejects %j: %s", (line, reason) => {
    const {rows, rejects} = parseIsdLite(`${ok}\n${line}\n`, "s");
    expect(rejects).toEqual([{line: 2, reason, raw: line}]);
    expect(rows).toHaveLength(1);
  });

  it("rejects a second line for the same hour and keeps the first", () => {
    const again = isdLine(2024, 1, 1, 0, 40, -61, 10200, 90, 31, 3, -9999, -9999);
    const {rows, rejects} = parseIsdLite([ok, again].join("\n"), "s");
    expect(rows.map((r) => r.temp_c)).toEqual([-2.5]);
    expect(rejects).toEqual([{line: 2, reason: "a second line for 2024-01-01 00:00 UTC (the first, on line 1, is kept)", raw: again}]);
  });

  it("returns nothing for empty text", () => {
    expect(parseIsdLite("", "s")).toEqual({rows: [], rejects: []});
    expect(parseIsdLite("\r\n\n", "s")).toEqual({rows: [], rejects: []});
  });
});

describe("ISD-Lite conversions", () => {
  it("maps every documented sky code to cloud cover %", () => {
    const table = Array.from({length: 21}, (_, code) => skyCodeToCloudCover(code));
    expect(table).toEqual([0, 12.5, 25, 37.5, 50, 62.5, 75, 87.5, 100, null, null, 50, 50, 50, 87.5, 87.5, 87.5, 100, 100, 100, null]);
    expect(skyCodeToCloudCover(-9999)).toBeNull();
    expect(skyCodeToCloudCover(99)).toBeNull();
  });

  it("computes relative humidity with the Magnus formula", () => {
    expect(relativeHumidity(23.1, 15.0)).toBe(60.3);
    expect(relativeHumidity(20, 20)).toBe(100);
    expect(relativeHumidity(-2.5, -6.1)).toBe(76.3); // 76.29
    expect(relativeHumidity(30, 10)).toBe(28.9); // 28.94
  });
});
