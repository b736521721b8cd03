// The demo's archived day-ahead forecasts: issue times, coverage past the end, night, determinism,
// error statistics against the observed weather, and that adding them changed no observed byte.
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {mkdtemp, readFile, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {DEMO_SITES, generateDemoFleet, type DemoOutput} from "../../../pipeline/demo/index.ts";
import {getSiteModel} from "../../../pipeline/demo/sites.ts";
import {hourlyWeather, simulateSite, type HourlyWeather} from "../../../pipeline/demo/simulate.ts";
import {simulateWeatherProcesses} from "../../../pipeline/demo/weatherProcess.ts";
import {FORECAST_EXTRA_DAYS, forecastIssuedAt, forecastWeather} from "../../../pipeline/demo/weatherForecast.ts";
import {WeatherCsvWriter} from "../../../pipeline/demo/writeFiles.ts";

const SEED = 20240701;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const site = (id: string) => DEMO_SITES.find((s) => s.id === id)!;

/** Daytime (observed GHI > 0) error statistics of a forecast against the observed hours. */
function ghiStats(obs: HourlyWeather, f: HourlyWeather) {
  let n = 0, so = 0, sf = 0, se2 = 0, pe2 = 0, lagPairs = 0, lagSum = 0;
  let prev: number | null = null;
  for (let k = 0; k < obs.hours; k++) {
    if (!(obs.ghi[k] > 0)) {
      prev = null;
      continue;
    }
    const e = f.ghi[k] - obs.ghi[k];
    n++;
    so += obs.ghi[k];
    sf += f.ghi[k];
    se2 += e * e;
    // 48 h persistence, the naive forecast any NWP must beat at this horizon.
    if (k >= 48) pe2 += (obs.ghi[k - 48] - obs.ghi[k]) ** 2;
    if (prev !== null) {
      lagSum += e * prev;
      lagPairs++;
    }
    prev = e;
  }
  const mean = so / n;
  return {rrmse: Math.sqrt(se2 / n) / mean, bias: (sf - so) / so, skillVsPersistence: 1 - Math.sqrt(se2 / pe2), lag1: lagSum / lagPairs / (se2 / n)};
}

function tempErrorStats(obs: HourlyWeather, f: HourlyWeather) {
  let s = 0, s2 = 0;
  for (let k = 0; k < obs.hours; k++) {
    const d = f.tempC[k] - obs.tempC[k];
    s += d;
    s2 += d * d;
  }
  const mean = s / obs.hours;
  return {mean, sd: Math.sqrt(s2 / obs.hours - mean * mean)};
}

describe("forecastIssuedAt", () => {
  it("is 00:00 UTC two days before the target's UTC day: horizons 48 to 71 h", () => {
    expect(new Date(forecastIssuedAt(Date.parse("2025-03-10T00:00:00Z"))).toISOString()).toBe("2025-03-08T00:00:00.000Z");
    expect(new Date(forecastIssuedAt(Date.parse("2025-03-10T23:00:00Z"))).toISOString()).toBe("2025-03-08T00:00:00.000Z");
    expect(new Date(forecastIssuedAt(Date.parse("2025-03-01T05:00:00Z"))).toISOString()).toBe("2025-02-27T00:00:00.000Z");
  });
});

describe("forecastWeather on a site-year", () => {
  const start = Date.parse("2024-07-01T00:00:00Z");
  const end = Date.parse("2025-07-01T00:00:00Z");
  const cases = [
    // A cloudy temperate site: day-ahead NWP misses a lot here.
    {id: "de-freiburg", rrmse: [0.3, 0.45]},
    // A desert: mostly clear skies, small relative errors.
    {id: "us-phoenix", rrmse: [0.1, 0.22]}
  ] as const;
  const runs = cases.map(({id, rrmse}) => {
    const sim = simulateSite(site(id), SEED, start, end);
    return {id, rrmse, sim, obs: hourlyWeather(sim), f: forecastWeather(site(id), SEED, start, end)};
  });

  it("has one row per hour of the span plus three days, in order", () => {
    for (const {obs, f} of runs) {
      expect(f.startMs).toBe(start);
      expect(f.hours).toBe(obs.hours + 24 * FORECAST_EXTRA_DAYS);
    }
  });

  it("has day-ahead GHI errors: RMSE a realistic share of mean daytime GHI, unbiased, correlated in time, better than persistence", () => {
    for (const {id, rrmse, obs, f} of runs) {
      const s = ghiStats(obs, f);
      // Perfect foresight would give 0; a forecast of pure noise would neither be unbiased nor beat persistence.
      expect(s.rrmse, id).toBeGreaterThan(rrmse[0]);
      expect(s.rrmse, id).toBeLessThan(rrmse[1]);
      expect(Math.abs(s.bias), id).toBeLessThan(0.03);
      expect(s.skillVsPersistence, id).toBeGreaterThan(0.25);
      expect(s.skillVsPersistence, id).toBeLessThan(0.7);
      // Errors persist from hour to hour, as a model's misplaced cloud does.
      expect(s.lag1, id).toBeGreaterThan(0.5);
    }
  });

  it("has temperature errors of about 1.5-2 °C and no bias; wind errors of a realistic size; about the observed rain", () => {
    for (const {id, obs, f} of runs) {
      const t = tempErrorStats(obs, f);
      expect(t.sd, id).toBeGreaterThan(1.3);
      expect(t.sd, id).toBeLessThan(2.1);
      expect(Math.abs(t.mean), id).toBeLessThan(0.3);
      let e2 = 0, w = 0, wf = 0;
      const bad: number[] = [];
      for (let k = 0; k < obs.hours; k++) {
        e2 += (f.windMs[k] - obs.windMs[k]) ** 2;
        w += obs.windMs[k];
        wf += f.windMs[k];
        if (!(f.windMs[k] >= 0 && f.humidityPct[k] >= 3 && f.humidityPct[k] <= 100 && f.precipMm[k] >= 0)) bad.push(k);
      }
      expect(bad, id).toEqual([]);
      expect(Math.sqrt(e2 / obs.hours) / (w / obs.hours), id).toBeGreaterThan(0.15);
      expect(Math.sqrt(e2 / obs.hours) / (w / obs.hours), id).toBeLessThan(0.5);
      expect(Math.abs(wf / w - 1), id).toBeLessThan(0.05);
      // Rain: the model's smeared expectation adds up to about the observed total.
      const rain = (x: HourlyWeather) => x.precipMm.subarray(0, obs.hours).reduce((a, b) => a + b, 0);
      expect(rain(f) / rain(obs), id).toBeGreaterThan(0.7);
      expect(rain(f) / rain(obs), id).toBeLessThan(1.3);
    }
  });

  it("is zero exactly in the observed night hours and never negative; DNI and DHI close on GHI", () => {
    for (const {id, sim, obs, f} of runs) {
      const negative: number[] = [], nightMismatch: number[] = [];
      let nights = 0;
      for (let k = 0; k < f.hours; k++) {
        if (!(f.ghi[k] >= 0 && f.dni[k] >= 0 && f.dhi[k] >= 0) || (f.ghi[k] === 0 && f.dni[k] + f.dhi[k] !== 0)) negative.push(k);
        if (k < obs.hours && (f.ghi[k] === 0) !== (obs.ghi[k] === 0)) nightMismatch.push(k);
        if (f.ghi[k] === 0) nights++;
      }
      expect(negative, id).toEqual([]);
      expect(nightMismatch, id).toEqual([]);
      expect(nights).toBeGreaterThan(f.hours / 4);
      // Forecast GHI is the clear sky times the index its cloud cover implies (Kasten–Czeplak):
      // cloud cover and irradiance tell the same story.
      let checked = 0;
      const inconsistent: number[] = [];
      for (let k = 0; k < obs.hours; k++) {
        let clear = 0;
        for (let q = 4 * k; q < 4 * k + 4; q++) clear += sim.clearSkyGhi[q] / 4;
        if (clear < 300) continue;
        const kc = 1 - 0.75 * Math.pow(f.cloudPct[k] / 100, 3.4);
        if (Math.abs(f.ghi[k] / clear - kc * 0.9955) > 0.01) inconsistent.push(k);
        checked++;
      }
      expect(inconsistent, id).toEqual([]);
      expect(checked).toBeGreaterThan(1000);
    }
  });

  it("continues the observed weather past the end without changing it", () => {
    // The forecast's truth is the simulation run longer; its first part must be the observed weather.
    const {sim} = runs[0];
    const model = getSiteModel(sim.site.id);
    const longer = simulateWeatherProcesses(model.climate, sim.site.lon, start, sim.n + 4 * 24 * FORECAST_EXTRA_DAYS, SEED, sim.site.id);
    for (const key of ["cloud", "clearSkyIndex", "tempC", "windMs", "humidityPct", "precipMm"] as const) {
      expect(Buffer.from(longer[key].buffer, 0, sim.n * 8).equals(Buffer.from(sim.weather[key].buffer, 0, sim.n * 8)), key).toBe(true);
    }
  });
});

describe("forecastWeather determinism", () => {
  const start = Date.parse("2025-01-10T00:00:00Z");
  const end = Date.parse("2025-01-20T00:00:00Z");
  it("is identical for the same seed and different for another", () => {
    const a = forecastWeather(site("au-sydney"), SEED, start, end);
    const b = forecastWeather(site("au-sydney"), SEED, start, end);
    const c = forecastWeather(site("au-sydney"), SEED + 1, start, end);
    for (const key of ["ghi", "dni", "dhi", "tempC", "cloudPct", "windMs", "humidityPct", "precipMm"] as const) {
      expect(Array.from(a[key])).toEqual(Array.from(b[key]));
    }
    expect(Array.from(a.ghi)).not.toEqual(Array.from(c.ghi));
  });
});

describe("the generated forecast file", () => {
  const span = {start: "2025-03-28T00:00:00Z", end: "2025-04-08T00:00:00Z"};
  const sites = ["de-freiburg", "au-sydney"];
  let root: string;
  let out: DemoOutput, again: DemoOutput;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "sunline-forecast-test-"));
    out = await generateDemoFleet(join(root, "a"), {seed: SEED, ...span, sites});
    again = await generateDemoFleet(join(root, "b"), {seed: SEED, ...span, sites});
  });
  afterAll(async () => {
    if (root) await rm(root, {recursive: true, force: true});
  });

  it("is listed in the manifest, byte-identical for the same options, one issue per hour at 00:00 UTC ≥ 48 h before", async () => {
    const manifest = JSON.parse(await readFile(out.manifestPath, "utf8"));
    expect(manifest.files.weather_forecast).toBe("weather/demo_weather_forecast.csv");
    expect(join(root, "a", manifest.files.weather_forecast)).toBe(out.weatherForecastPath);
    expect(manifest.weather_forecast.end_utc).toBe("2025-04-11T00:00:00Z");
    const bytes = await readFile(out.weatherForecastPath);
    expect(bytes.equals(await readFile(again.weatherForecastPath))).toBe(true);

    const [header, ...lines] = bytes.toString("utf8").trim().split("\n");
    expect(header).toBe("site_id,ts,issued_at,ghi_wm2,dni_wm2,dhi_wm2,temp_c,cloud_cover_pct,wind_ms,humidity_pct,precip_mm");
    const hours = (Date.parse(span.end) - Date.parse(span.start)) / HOUR + 24 * FORECAST_EXTRA_DAYS;
    expect(lines.length).toBe(sites.length * hours);
    const seen = new Set<string>();
    for (const line of lines) {
      const f = line.split(",");
      expect(f.length).toBe(11);
      expect(f[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
      expect(f[2]).toMatch(/^\d{4}-\d\d-\d\dT00:00:00Z$/);
      const ts = Date.parse(f[1]);
      const issued = Date.parse(f[2]);
      expect(issued % DAY).toBe(0);
      expect(ts - issued).toBeGreaterThanOrEqual(48 * HOUR);
      expect(ts - issued).toBeLessThan(72 * HOUR);
      for (const v of f.slice(3)) expect(Number.isFinite(Number(v))).toBe(true);
      for (const v of f.slice(3, 6)) expect(Number(v)).toBeGreaterThanOrEqual(0);
      const key = `${f[0]}|${f[1]}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
    expect(lines.at(-1)!.startsWith("au-sydney,2025-04-10T23:00:00Z,2025-04-08T00:00:00Z,")).toBe(true);
  });

  it("leaves the observed weather as it would be without forecasts", async () => {
    // The observed file must be what the simulation alone writes: forecasts draw on their own streams.
    const alone = join(root, "observed-alone.csv");
    const w = new WeatherCsvWriter(alone);
    for (const id of sites) await w.append(hourlyWeather(simulateSite(site(id), SEED, Date.parse(span.start), Date.parse(span.end))));
    await w.close();
    expect((await readFile(out.weatherPath)).equals(await readFile(alone))).toBe(true);
  });
});
