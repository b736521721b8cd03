// The weather agent end to end over loopback HTTP: a fake Open-Meteo (real response format) and
// the recorded real responses, provider faults, the cache, offline mode and precedence.
import {existsSync, readdirSync, readFileSync} from "node:fs";
import {createServer} from "node:http";
import type {AddressInfo} from "node:net";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {weatherProviderSchema, type WeatherProviderConfig} from "../../../pipeline/config.ts";
import {collectWeather, mergeByPrecedence} from "../../../pipeline/weather/collect.ts";
import {WeatherHttp} from "../../../pipeline/weather/http.ts";
import type {WeatherRow} from "../../../pipeline/weather/types.ts";
import {runPipeline} from "../../../pipeline/run/index.ts";
import {readParquet, tinyConfig, withTempDir} from "../../helpers.ts";
import {startOpenMeteoServer, type OpenMeteoServer} from "./openMeteoServer.ts";

const recordedFile = join(import.meta.dirname, "..", "..", "..", "..", "shared", "data", "open-meteo", "test_get_historical_forecasts.json");
const noRecording = existsSync(recordedFile) ? null : `no recorded Open-Meteo responses at ${recordedFile}`;

const NOW = new Date("2025-06-10T12:00:00Z");
const SITES = [
  {id: "a", lat: 52.52, lon: 13.4},
  {id: "b", lat: 48.14, lon: 11.58}
];
// The fake answers every variable Sunline asks for.
const openMeteo = (extra: Record<string, unknown> = {}): WeatherProviderConfig => weatherProviderSchema.parse({type: "open-meteo", products: ["archive"], ...extra});

let server: OpenMeteoServer;
beforeAll(async () => void (server = await startOpenMeteoServer()));
afterAll(() => server.close());

/** A client that does not really wait between retries, with a clock at `now`. */
function client(cacheDir: string, now = NOW, offline = false) {
  const delays: number[] = [];
  const http = new WeatherHttp({
    cacheDir,
    offline,
    policy: {retries: 2, timeoutMs: 2000},
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    now: () => now.getTime(),
    log: () => {}
  });
  return {http, delays};
}

const collect = (http: WeatherHttp, providers: WeatherProviderConfig[], now = NOW, range = {start: "2025-06-05", end: "2025-06-06"}) =>
  collectWeather({sites: SITES, providers, ...range, forecastDays: 2, http, baseDir: ".", now, env: {SUNLINE_OPEN_METEO_URL: server.url}});

describe("collectWeather: Open-Meteo over loopback", () => {
  it("collects two sites, shifts radiation to interval start, converts units, and reuses its cache", async () => {
    await withTempDir(async (dir) => {
      server.behaviour = "answer";
      const {http} = client(dir);
      const hitsBefore = server.hits;
      const first = await collect(http, [openMeteo()]);
      expect(first.status).toMatchObject([{source: "open-meteo/archive", status: "ok", sites: ["a", "b"], start: "2025-06-05", end: "2025-06-06", rows: 96, requests: 1, cached: 0}]);
      expect(first.rows).toHaveLength(96);
      // Radiation stamped 12:00 (the mean of 11:00-12:00) lands on the row that starts at 11:00.
      const row = first.rows.find((r) => r.site_id === "b" && r.ts === "2025-06-05T11:00:00Z")!;
      expect(row.ghi_wm2).toBe(Math.round(800 * Math.sin((6 / 12) * Math.PI)) + 1);
      expect(row.wind_ms).toBeCloseTo(10, 9);
      expect(row).toMatchObject({kind: "observed", issued_at: null, source: "open-meteo/archive"});
      expect(server.hits - hitsBefore).toBe(1);

      const again = await collect(http, [openMeteo()]);
      expect(again.status[0]).toMatchObject({status: "ok", cached: 1});
      expect(server.hits - hitsBefore).toBe(1);
      expect(again.rows).toEqual(first.rows);
      await http.close();
    });
  });

  it("keeps the run going when the provider fails for good: cached copy marked stale, else failed with site and period", async () => {
    await withTempDir(async (dir) => {
      server.behaviour = "answer";
      const warm = client(dir);
      // Recent days (not final yet): cached for an hour only.
      const recent = {start: "2025-06-08", end: "2025-06-09"};
      await collect(warm.http, [openMeteo()], NOW, recent);
      await warm.http.close();

      server.behaviour = "500";
      const later = new Date(NOW.getTime() + 2 * 3_600_000);
      const {http, delays} = client(dir, later);
      const stale = await collect(http, [openMeteo()], later, recent);
      expect(stale.status[0]).toMatchObject({status: "stale", rows: 96});
      expect(stale.rows).toHaveLength(96);
      expect(delays).toHaveLength(2); // two retries before the fallback

      const fresh = await collect(http, [openMeteo()], later, {start: "2025-05-01", end: "2025-05-02"});
      expect(fresh.status[0].status).toBe("failed");
      expect(fresh.status[0].detail).toContain("a, b");
      expect(fresh.status[0].detail).toContain("2025-05-01");
      expect(fresh.status[0].detail).toContain("500");
      expect(fresh.rows).toEqual([]);
      await http.close();
      server.behaviour = "answer";
    });
  });

  it("offline: answers from the cache, and says so when there is none", async () => {
    await withTempDir(async (dir) => {
      server.behaviour = "answer";
      const online = client(dir);
      await collect(online.http, [openMeteo()]);
      await online.http.close();
      const hits = server.hits;
      const {http} = client(dir, NOW, true);
      const cached = await collect(http, [openMeteo()]);
      expect(cached.status[0]).toMatchObject({rows: 96, cached: 1});
      const missing = await collect(http, [openMeteo()], NOW, {start: "2025-04-01", end: "2025-04-01"});
      expect(missing.status[0].status).toBe("failed");
      expect(missing.status[0].detail).toMatch(/offline/i);
      expect(server.hits).toBe(hits);
      await http.close();
    });
  });

  it("skips OpenWeatherMap without a key, naming the variable, and keeps the other providers' rows", async () => {
    await withTempDir(async (dir) => {
      const {http} = client(dir);
      const out = await collect(http, [openMeteo(), weatherProviderSchema.parse({type: "openweathermap"})]);
      expect(out.status.map((s) => [s.source, s.status])).toEqual([
        ["open-meteo/archive", "ok"],
        ["openweathermap/onecall", "skipped"]
      ]);
      expect(out.status[1].detail).toContain("OPENWEATHERMAP_API_KEY");
      expect(out.rows).toHaveLength(96);
      await http.close();
    });
  });

  it.skipIf(noRecording)("replays the recorded multi-site historical forecast", async () => {
    await withTempDir(async (dir) => {
      server.behaviour = {recorded: JSON.parse(readFileSync(recordedFile, "utf8"))};
      const {http} = client(dir);
      const recordedSites = [
        {id: "s1", lat: 48.66, lon: 9.0},
        {id: "s2", lat: 48.92, lon: 11.4},
        {id: "s3", lat: 52.5, lon: 13.42}
      ];
      const provider = weatherProviderSchema.parse({
        type: "open-meteo",
        products: ["historical-forecast"],
        // The recording has no relative_humidity_2m.
        variables: ["shortwave_radiation", "direct_normal_irradiance", "diffuse_radiation", "temperature_2m", "cloud_cover", "wind_speed_10m", "precipitation"]
      });
      const out = await collectWeather({
        sites: recordedSites, providers: [provider], start: "2023-01-01", end: "2023-01-05", forecastDays: 1, http, baseDir: ".", now: NOW,
        env: {SUNLINE_OPEN_METEO_URL: server.url}
      });
      expect(out.status[0]).toMatchObject({source: "open-meteo/historical-forecast", status: "ok", rows: 3 * 5 * 24});
      expect(new Set(out.rows.map((r) => r.site_id))).toEqual(new Set(["s1", "s2", "s3"]));
      expect(out.rows.every((r) => r.kind === "forecast" && r.humidity_pct === null)).toBe(true);
      await http.close();
      server.behaviour = "answer";
    });
  });
});

describe("collectWeather: OpenWeatherMap over loopback", () => {
  it("asks onecall and timemachine with the key from the environment, and the key reaches no row, status or cache file", async () => {
    const secret = "0123456789abcdef0123456789abcdef";
    const seen: string[] = [];
    const owm = createServer((req, res) => {
      const q = new URL(req.url ?? "/", "http://x").searchParams;
      seen.push(req.url ?? "");
      if (q.get("appid") !== secret) return void res.writeHead(401, {"content-type": "application/json"}).end('{"cod":401,"message":"Invalid API key"}');
      const entry = (dt: number) => ({dt, temp: 20, humidity: 50, clouds: 40, wind_speed: 3});
      const body = req.url!.includes("/timemachine")
        ? {lat: 1, lon: 2, timezone: "UTC", timezone_offset: 0, data: [entry(Number(q.get("dt")))]}
        : {lat: 1, lon: 2, timezone: "UTC", timezone_offset: 0, hourly: Array.from({length: 48}, (_, i) => entry(Date.parse("2025-06-10T13:00:00Z") / 1000 + i * 3600))};
      res.writeHead(200, {"content-type": "application/json"}).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => owm.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(owm.address() as AddressInfo).port}`;
    await withTempDir(async (dir) => {
      const {http} = client(dir);
      const out = await collectWeather({
        sites: SITES, providers: [weatherProviderSchema.parse({type: "openweathermap", products: ["onecall", "timemachine"]})],
        start: "2025-06-05", end: "2025-06-05", forecastDays: 2, http, baseDir: ".", now: NOW,
        env: {SUNLINE_OWM_URL: url, OPENWEATHERMAP_API_KEY: secret}
      });
      expect(out.status.map((s) => [s.source, s.status, s.requests, s.rows])).toEqual([
        ["openweathermap/onecall", "ok", 2, 96],
        ["openweathermap/timemachine", "ok", 48, 48]
      ]);
      const observed = out.rows.filter((r) => r.kind === "observed");
      expect(observed).toHaveLength(48);
      expect(observed.every((r) => r.temp_c === 20 && r.issued_at === null && r.ts.startsWith("2025-06-0"))).toBe(true);
      expect(seen.every((u) => u.includes(`appid=${secret}`))).toBe(true);
      const stored = [JSON.stringify(out), ...readdirSync(join(dir)).map((f) => readFileSync(join(dir, f), "utf8"))].join("\n");
      expect(stored).not.toContain(secret);
      await http.close();
    });
    await new Promise<void>((r) => owm.close(() => r()));
  });
});

describe("mergeByPrecedence", () => {
  const row = (over: Partial<WeatherRow>): WeatherRow => ({
    site_id: "a", ts: "2025-06-01T10:00:00Z", source: "x", kind: "observed", issued_at: null,
    ghi_wm2: 1, dni_wm2: null, dhi_wm2: null, temp_c: 1, cloud_cover_pct: null, wind_ms: null, humidity_pct: null, precip_mm: null, ...over
  });

  it("keeps the first provider's observed hour, unless it is empty, and every forecast vintage", () => {
    const merged = mergeByPrecedence([
      row({source: "first", ghi_wm2: 100}),
      row({source: "second", ghi_wm2: 200}),
      row({source: "first", ts: "2025-06-01T11:00:00Z", ghi_wm2: null, temp_c: null}),
      row({source: "second", ts: "2025-06-01T11:00:00Z", ghi_wm2: 300}),
      row({source: "fc", kind: "forecast", issued_at: "2025-05-31T00:00:00Z", ghi_wm2: 1}),
      row({source: "fc", kind: "forecast", issued_at: "2025-05-31T06:00:00Z", ghi_wm2: 2})
    ]);
    expect(merged.map((r) => [r.ts.slice(11, 13), r.kind, r.source, r.ghi_wm2])).toEqual([
      ["10", "forecast", "fc", 1],
      ["10", "forecast", "fc", 2],
      ["10", "observed", "first", 100],
      ["11", "observed", "second", 300]
    ]);
  });
});

describe("runPipeline with a weather provider", () => {
  it("collects before the run, loads weather_hourly, records provider status, and skips when weather is unchanged", async () => {
    await withTempDir(async (dataDir) => {
      server.behaviour = "answer";
      const config = tinyConfig({weather: {provider: "none", providers: [{type: "open-meteo", products: ["archive"]}], start: "2025-06-09", end: "2025-06-10"}});
      const options = {config, dataDir, log: () => {}, env: {SUNLINE_OPEN_METEO_URL: server.url}, now: () => new Date("2025-06-30T00:00:00Z")};
      const first = await runPipeline(options);
      const weather = await readParquet<{source: string; kind: string; n: number}>(
        join(first.snapshotDir, "weather_hourly.parquet"),
        "source, kind, count(*)::INTEGER AS n",
        "true GROUP BY ALL"
      );
      expect(weather).toEqual([{source: "open-meteo/archive", kind: "observed", n: 48}]);
      const manifest = JSON.parse(readFileSync(join(first.snapshotDir, "manifest.json"), "utf8"));
      expect(manifest.weather).toMatchObject({source: "open-meteo/archive", stale: false, providers: [{source: "open-meteo/archive", status: "ok", rows: 48}]});
      expect(manifest.inputs.map((i: {path: string}) => i.path)).toContain("weather/collected.csv");

      // The period is final, so the second run asks nothing and finds the same inputs.
      const hits = server.hits;
      const second = await runPipeline(options);
      expect(second.skipped).toBe(true);
      expect(server.hits).toBe(hits);
    });
  });
});
