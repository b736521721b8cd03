// OpenWeatherMap One Call 3.0 parsing: onecall (forecast) and timemachine (observed) bodies in the
// three unit systems (fixtures describe the same weather in kelvin, °C and °F), time stamps, and
// error bodies — whose messages must never contain the API key.
import {readFileSync} from "node:fs";
import {describe, expect, it} from "vitest";
import {SunlineError} from "../../../pipeline/messages.ts";
import {parseOpenWeatherMap, redact, type OwmUnits} from "../../../pipeline/weather/openWeatherMap.ts";

const load = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/weather/openweathermap/${name}.json`, import.meta.url), "utf8"));

const UNITS: OwmUnits[] = ["standard", "metric", "imperial"];
const ISSUED = "2024-03-14T12:47:11.000Z";
const KEY = "0123456789abcdef0123456789abcdef";

/** The message of the SunlineError that fn throws (fails the test if it throws something else). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SunlineError);
    return (error as Error).message;
  }
  throw new Error("expected a SunlineError, nothing was thrown");
}

describe("parseOpenWeatherMap: /data/3.0/onecall (hourly forecast)", () => {
  const expected = [
    // dt 13:00 UTC (1710421200) → interval 12:00-13:00
    {ts: "2024-03-14T12:00:00Z", temp_c: 8.1, wind_ms: 4.6, cloud_cover_pct: 40, humidity_pct: 60, precip_mm: 0},
    {ts: "2024-03-14T13:00:00Z", temp_c: 4.4, wind_ms: 6.2, cloud_cover_pct: 90, humidity_pct: 81, precip_mm: 0.45},
    {ts: "2024-03-14T14:00:00Z", temp_c: 0.5, wind_ms: 3.1, cloud_cover_pct: 100, humidity_pct: 95, precip_mm: 0.9}, // rain 0.6 + snow 0.3
    {ts: "2024-03-14T15:00:00Z", temp_c: -2.35, wind_ms: 0, cloud_cover_pct: 75, humidity_pct: 88, precip_mm: 1.25} // snow only
  ];

  it.each(UNITS)("converts the %s body to °C and m/s", (units) => {
    const rows = parseOpenWeatherMap(load(`onecall-${units}`), "site-z", {issuedAt: ISSUED, units});
    expect(rows.map(({ts, temp_c, wind_ms, cloud_cover_pct, humidity_pct, precip_mm}) => ({ts, temp_c, wind_ms, cloud_cover_pct, humidity_pct, precip_mm}))).toEqual(
      expected
    );
    for (const row of rows) {
      expect(row).toMatchObject({
        site_id: "site-z",
        source: "openweathermap/onecall",
        kind: "forecast",
        issued_at: "2024-03-14T12:47:11Z",
        ghi_wm2: null,
        dni_wm2: null,
        dhi_wm2: null
      });
    }
  });

  it("reads the raw values as kelvin, °C or °F / mph according to units", () => {
    const first = (units: OwmUnits) => (load(`onecall-${units}`) as {hourly: {temp: number; wind_speed: number}[]}).hourly[0];
    expect(first("standard")).toMatchObject({temp: 281.25, wind_speed: 4.6});
    expect(first("metric")).toMatchObject({temp: 8.1, wind_speed: 4.6});
    expect(first("imperial")).toMatchObject({temp: 46.58, wind_speed: 10.29});
    // Reading a body with the wrong units gives visibly wrong temperatures: the option matters.
    expect(parseOpenWeatherMap(load("onecall-metric"), "s", {units: "standard"})[0].temp_c).toBe(-265.05);
    expect(parseOpenWeatherMap(load("onecall-imperial"), "s", {units: "metric"})[0].wind_ms).toBe(10.29);
  });

  it("uses the exact conversion factors (1 mph = 0.44704 m/s, °C = (°F − 32)·5/9, °C = K − 273.15)", () => {
    const one = (entry: object, units: OwmUnits) => parseOpenWeatherMap({hourly: [{dt: 3600, ...entry}]}, "s", {units})[0];
    expect(one({temp: 212, wind_speed: 1000}, "imperial")).toMatchObject({temp_c: 100, wind_ms: 447.04});
    expect(one({temp: -40, wind_speed: 1}, "imperial")).toMatchObject({temp_c: -40, wind_ms: 0.45});
    expect(one({temp: 0, wind_speed: 1000}, "standard")).toMatchObject({temp_c: -273.15, wind_ms: 1000});
    expect(one({temp: 0, wind_speed: 1000}, "metric")).toMatchObject({temp_c: 0, wind_ms: 1000});
  });

  it("defaults to standard units (kelvin) and a null issued_at", () => {
    const rows = parseOpenWeatherMap(load("onecall-standard"), "s");
    expect(rows[0].temp_c).toBe(8.1);
    expect(rows[0].issued_at).toBeNull();
  });

  it("accepts issuedAt as a Date and drops milliseconds", () => {
    const rows = parseOpenWeatherMap(load("onecall-metric"), "s", {issuedAt: new Date(Date.UTC(2024, 2, 14, 12, 47, 11, 250)), units: "metric"});
    expect(rows[0].issued_at).toBe("2024-03-14T12:47:11Z");
  });
});

describe("parseOpenWeatherMap: /data/3.0/onecall/timemachine (observed)", () => {
  it.each(UNITS)("parses the %s body as one observed hour", (units) => {
    const rows = parseOpenWeatherMap(load(`timemachine-${units}`), "site-z", {issuedAt: ISSUED, units});
    expect(rows).toEqual([
      {
        site_id: "site-z",
        ts: "2024-06-14T13:00:00Z", // dt 1718373600 = 14:00 UTC
        source: "openweathermap/timemachine",
        kind: "observed",
        issued_at: null, // an observation has no issue time, whatever issuedAt says
        ghi_wm2: null,
        dni_wm2: null,
        dhi_wm2: null,
        temp_c: 23.1, // 296.25 K, 23.1 °C, 73.58 °F
        cloud_cover_pct: 75,
        wind_ms: 4.6, // 10.29 mph in imperial
        humidity_pct: 60,
        precip_mm: 0.25
      }
    ]);
  });

  it("puts an instant inside an hour into that hour, and an instant on the hour into the hour ending there", () => {
    const at = (dt: number) => parseOpenWeatherMap({data: [{dt, temp: 20}]}, "s", {units: "metric"})[0].ts;
    const t14 = Date.UTC(2024, 5, 14, 14) / 1000;
    expect(at(t14)).toBe("2024-06-14T13:00:00Z");
    expect(at(t14 + 1)).toBe("2024-06-14T14:00:00Z");
    expect(at(t14 + 23 * 60)).toBe("2024-06-14T14:00:00Z");
    expect(at(t14 + 3599)).toBe("2024-06-14T14:00:00Z");
    expect(at(0)).toBe("1969-12-31T23:00:00Z");
  });

  it("makes absent fields null and absent rain/snow 0 mm", () => {
    const [row] = parseOpenWeatherMap({data: [{dt: 1718373600}]}, "s");
    expect(row).toMatchObject({temp_c: null, wind_ms: null, cloud_cover_pct: null, humidity_pct: null, precip_mm: 0});
    expect(parseOpenWeatherMap({data: [{dt: 1718373600, rain: {}}]}, "s")[0].precip_mm).toBe(0);
    expect(parseOpenWeatherMap({data: [{dt: 1718373600, rain: {"1h": 0.1}, snow: {"1h": 0.2}}]}, "s")[0].precip_mm).toBe(0.3);
  });

  it("returns no rows for an empty array", () => {
    expect(parseOpenWeatherMap({data: []}, "s")).toEqual([]);
  });
});

describe("parseOpenWeatherMap errors", () => {
  it("reports an OpenWeatherMap error body with a hint", () => {
    expect(errorOf(() => parseOpenWeatherMap(load("error-401"), "s"))).toBe(
      'OpenWeatherMap answered with error 401: "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info." ' +
        '(check the API key, and that it has the One Call 3.0 "One Call by Call" subscription; new keys take up to 2 hours to activate)'
    );
    expect(errorOf(() => parseOpenWeatherMap({cod: "429", message: "Your account is temporary blocked due to exceeding of requests limitation"}, "s"))).toBe(
      `OpenWeatherMap answered with error 429: "Your account is temporary blocked due to exceeding of requests limitation" (too many calls: the key's per-minute or daily call limit is used up)`
    );
    expect(errorOf(() => parseOpenWeatherMap({cod: 400, message: "wrong latitude", parameters: ["lat"]}, "s"))).toBe(
      'OpenWeatherMap answered with error 400: "wrong latitude"'
    );
  });

  it("never puts an API key from the body into a message", () => {
    const messages = [
      errorOf(() => parseOpenWeatherMap({cod: 401, message: `Invalid API key ${KEY}. Please see the FAQ.`}, "s")),
      errorOf(() => parseOpenWeatherMap({cod: 401, message: `request https://api.openweathermap.org/data/3.0/onecall?lat=1&appid=my-secret-key&lon=2 failed`}, "s")),
      // A long wrong-typed value: the key must be removed before the value is shortened, or a fragment survives.
      errorOf(() => parseOpenWeatherMap({hourly: [{dt: 1, temp: `${"x".repeat(60)}${KEY}`}]}, "s")),
      errorOf(() => parseOpenWeatherMap({data: [{dt: `appid=${KEY}`}]}, "s")),
      errorOf(() => parseOpenWeatherMap({[KEY]: 1}, "s")),
      errorOf(() => parseOpenWeatherMap({cod: KEY}, "s"))
    ];
    for (const message of messages) {
      expect(message).not.toContain(KEY.slice(0, 12));
      expect(message).not.toContain(KEY.slice(-12));
      expect(message).not.toContain("my-secret-key");
      expect(message).toContain("[redacted]");
    }
    expect(messages[0]).toBe('OpenWeatherMap answered with error 401: "Invalid API key [redacted]. Please see the FAQ." (check the API key, and that it has the One Call 3.0 "One Call by Call" subscription; new keys take up to 2 hours to activate)');
  });

  it("redacts 32-hex keys and appid parameters but leaves other text alone", () => {
    expect(redact(`a ${KEY.toUpperCase()} b`)).toBe("a [redacted] b");
    expect(redact("?appid=abc&lat=1")).toBe("?appid=[redacted]&lat=1");
    expect(redact(`${KEY}0`)).toBe(`${KEY}0`); // 33 hex digits: not a key
    expect(redact("wrong latitude")).toBe("wrong latitude");
  });

  it("rejects a body without the expected array", () => {
    expect(errorOf(() => parseOpenWeatherMap({lat: 47, lon: 8, timezone: "Europe/Zurich", current: {dt: 1}}, "s"))).toBe(
      'OpenWeatherMap: the body has neither "hourly" (/data/3.0/onecall) nor "data" (/data/3.0/onecall/timemachine); its keys are "lat", "lon", "timezone", "current" (was hourly excluded with exclude=hourly?)'
    );
    expect(errorOf(() => parseOpenWeatherMap({}, "s"))).toBe(
      'OpenWeatherMap: the body has neither "hourly" (/data/3.0/onecall) nor "data" (/data/3.0/onecall/timemachine); its keys are none'
    );
    expect(errorOf(() => parseOpenWeatherMap({cod: 200}, "s"))).toContain('neither "hourly"');
  });

  it("rejects bodies that are not objects", () => {
    expect(errorOf(() => parseOpenWeatherMap(null, "s"))).toBe("OpenWeatherMap: expected a One Call 3.0 JSON object; got null");
    expect(errorOf(() => parseOpenWeatherMap([], "s"))).toBe("OpenWeatherMap: expected a One Call 3.0 JSON object; got an array");
    expect(errorOf(() => parseOpenWeatherMap(`{"hourly": []}`, "s"))).toBe(
      "OpenWeatherMap: expected a One Call 3.0 JSON object; got a string (parse the JSON first)"
    );
    expect(errorOf(() => parseOpenWeatherMap(undefined, "s"))).toBe("OpenWeatherMap: expected a One Call 3.0 JSON object; got nothing");
  });

  it.each([
    [{hourly: {dt: 1}}, 'OpenWeatherMap: hourly should be an array; got {"dt":1}'],
    [{data: [{dt: 1}, 5]}, "OpenWeatherMap: data[1] should be an object; got 5"],
    [{hourly: [{dt: 1}, {temp: 280}]}, "OpenWeatherMap: hourly[1].dt should be unix seconds (a whole number); got nothing (the field is missing)"],
    [{hourly: [{dt: "1710421200"}]}, 'OpenWeatherMap: hourly[0].dt should be unix seconds (a whole number); got "1710421200"'],
    [{hourly: [{dt: 1.5}]}, "OpenWeatherMap: hourly[0].dt should be unix seconds (a whole number); got 1.5"],
    [{hourly: [{dt: 1, temp: "281.25"}]}, 'OpenWeatherMap: hourly[0].temp should be a number; got "281.25"'],
    [{hourly: [{dt: 1, humidity: true}]}, "OpenWeatherMap: hourly[0].humidity should be a number; got true"],
    [{data: [{dt: 1, clouds: [40]}]}, "OpenWeatherMap: data[0].clouds should be a number; got [40]"],
    [{data: [{dt: 1, wind_speed: {value: 3}}]}, 'OpenWeatherMap: data[0].wind_speed should be a number; got {"value":3}'],
    [{data: [{dt: 1, rain: 0.5}]}, 'OpenWeatherMap: data[0].rain should be an object like {"1h": 0.5}; got 0.5'],
    [{data: [{dt: 1, snow: {"1h": "0.2"}}]}, 'OpenWeatherMap: data[0].snow["1h"] should be a number of millimetres, 0 or more; got "0.2"'],
    [{data: [{dt: 1, rain: {"1h": -1}}]}, 'OpenWeatherMap: data[0].rain["1h"] should be a number of millimetres, 0 or more; got -1']
  ])("rejects wrong types: %j", (body, message) => {
    expect(errorOf(() => parseOpenWeatherMap(body, "s"))).toBe(message);
  });

  it("rejects unknown units and an unreadable issuedAt", () => {
    expect(errorOf(() => parseOpenWeatherMap({data: []}, "s", {units: "kelvin" as OwmUnits}))).toBe(
      'OpenWeatherMap: units is "kelvin"; expected one of standard, metric, imperial'
    );
    expect(errorOf(() => parseOpenWeatherMap({hourly: []}, "s", {issuedAt: "yesterday"}))).toBe(
      'OpenWeatherMap: issuedAt is "yesterday"; expected an ISO 8601 time or a Date'
    );
  });
});
