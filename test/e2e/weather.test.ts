// The Weather page: its pure helpers in Node (Open-Meteo parsing and time shift, form checks, the
// clear-sky model, stale notices), then the built page in real Chromium: the charts render, the
// site and series controls redraw them, the Open-Meteo lookup goes out only on submit and only to
// an intercepted route (the recorded real answer when ../shared/data is there, a small inline answer
// in the same format otherwise), its overlay and config entry show, errors show in the page, the
// stale badge names site and period, and nothing else leaves 127.0.0.1.
import {existsSync, readFileSync} from "node:fs";
import {readdir} from "node:fs/promises";
import {join} from "node:path";
import type {Page, Route} from "playwright-core";
import {describe, expect, it} from "vitest";
import {projectRoot} from "../../scripts/framework.ts";
import {clearSkyGhi, clearSkyHourMean, solarPosition} from "../../src/components/weatherClearSky.js";
import {forecastSpans, joinHours, pickWeather, provenance, staleNotices} from "../../src/components/weatherData.js";
import {chooseEndpoint, configSnippet, lookupUrl, parseOpenMeteo, validateLookup} from "../../src/components/weatherLookup.js";
import {chromiumMissingReason, DIST, SCREENSHOTS, useBuiltSite, watchPage} from "./browser.ts";

const recordedPath = join(projectRoot, "..", "shared", "data", "open-meteo", "test_get_historical_forecast.json");
const recorded = existsSync(recordedPath) ? (JSON.parse(readFileSync(recordedPath, "utf8")) as OpenMeteoBody) : null;
const noRecording = `no recorded Open-Meteo answer at ${recordedPath} (../shared/data is absent)`;
if (!recorded) console.warn(`skipping the recorded-answer checks: ${noRecording}`);
const missing = chromiumMissingReason();
if (missing) console.warn(`skipping the Weather page test: ${missing}`);

const HOUR = 3_600_000;

interface OpenMeteoBody {
  latitude: number;
  longitude: number;
  utc_offset_seconds: number;
  timezone: string;
  elevation: number;
  hourly_units: Record<string, string>;
  /** "time" holds stamps; every other key an hourly variable's values. */
  hourly: {time: string[]; [variable: string]: (number | null)[] | string[]};
}

/** One hourly variable's values. */
function values(body: OpenMeteoBody, name: string): (number | null)[] {
  return body.hourly[name] as (number | null)[];
}

/** An answer in Open-Meteo's real shape (GMT, iso8601, km/h wind) for UTC days start..endDate inclusive. */
function inlineBody(lat: number, lon: number, start: string, endDate: string): OpenMeteoBody {
  const time: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t < Date.parse(`${endDate}T00:00:00Z`) + 24 * HOUR; t += HOUR) time.push(new Date(t).toISOString().slice(0, 16));
  const hour = (s: string) => Number(s.slice(11, 13));
  // A made-up but plausible day: radiation from 06:00 to 18:00 stamps (preceding-hour means).
  const sun = (s: string) => Math.max(0, Math.round(700 * Math.sin(((hour(s) - 6) / 12) * Math.PI)));
  return {
    latitude: Math.round(lat * 100) / 100,
    longitude: Math.round(lon * 100) / 100,
    utc_offset_seconds: 0,
    timezone: "GMT",
    elevation: 278,
    hourly_units: {time: "iso8601", shortwave_radiation: "W/m²", direct_normal_irradiance: "W/m²", diffuse_radiation: "W/m²", temperature_2m: "°C", cloud_cover: "%", wind_speed_10m: "km/h"},
    hourly: {
      time,
      shortwave_radiation: time.map(sun),
      direct_normal_irradiance: time.map((s) => Math.round(sun(s) * 1.1)),
      diffuse_radiation: time.map((s) => Math.round(sun(s) * 0.2)),
      temperature_2m: time.map((s) => 15 + hour(s) / 2),
      cloud_cover: time.map((s) => (hour(s) * 7) % 100),
      wind_speed_10m: time.map(() => 18)
    }
  };
}

describe("Weather page logic (Node)", () => {
  it("parseOpenMeteo moves radiation back one hour and averages the instants around each hour", () => {
    const body = inlineBody(48, 7.8, "2026-06-01", "2026-06-02");
    const {rows, latitude, elevation} = parseOpenMeteo(body, {start: "2026-06-01", end: "2026-06-01"});
    expect(rows).toHaveLength(24);
    expect([latitude, elevation]).toEqual([48, 278]);
    const at = (iso: string) => body.hourly.time.indexOf(iso);
    const nine = rows.find((r) => r.ts.toISOString() === "2026-06-01T09:00:00.000Z")!;
    expect(nine.ghi_wm2).toBe(values(body, "shortwave_radiation")[at("2026-06-01T10:00")]); // the 10:00 stamp covers 09:00-10:00
    expect(nine.temp_c).toBeCloseTo((values(body, "temperature_2m")[at("2026-06-01T09:00")]! + values(body, "temperature_2m")[at("2026-06-01T10:00")]!) / 2, 9);
    expect(nine.wind_ms).toBeCloseTo(18 / 3.6, 9); // km/h → m/s
    // The last hour needs the next day's 00:00 stamp, which the extra requested day supplies.
    expect(rows.at(-1)!.ts.toISOString()).toBe("2026-06-01T23:00:00.000Z");
    expect(rows.at(-1)!.ghi_wm2).toBe(values(body, "shortwave_radiation")[at("2026-06-02T00:00")]);
  });

  it.skipIf(!recorded)("parseOpenMeteo reads the recorded real answer (Berlin, 2023-01-01 to 2023-01-10)", () => {
    const body = recorded!;
    const {rows, latitude, longitude} = parseOpenMeteo(body, {start: "2023-01-01", end: "2023-01-09"});
    expect(rows).toHaveLength(9 * 24);
    expect([latitude, longitude]).toEqual([body.latitude, body.longitude]);
    const i = body.hourly.time.indexOf("2023-01-01T10:00");
    const nine = rows.find((r) => r.ts.toISOString() === "2023-01-01T09:00:00.000Z")!;
    expect(nine.ghi_wm2).toBe(values(body, "shortwave_radiation")[i]);
    expect(nine.dni_wm2).toBe(values(body, "direct_normal_irradiance")[i]);
    expect(nine.dhi_wm2).toBe(values(body, "diffuse_radiation")[i]);
    expect(nine.temp_c).toBeCloseTo((values(body, "temperature_2m")[i - 1]! + values(body, "temperature_2m")[i]!) / 2, 9);
    expect(nine.wind_ms).toBeCloseTo((values(body, "wind_speed_10m")[i - 1]! + values(body, "wind_speed_10m")[i]!) / 2 / 3.6, 9);
    // Asking for the whole recording: its last hour lacks the next stamp, so radiation is null there.
    const all = parseOpenMeteo(body, {start: "2023-01-01", end: "2023-01-10"}).rows;
    expect(all).toHaveLength(240);
    expect(all.at(-1)!.ghi_wm2).toBeNull();
    expect(all.at(-1)!.temp_c).toBe(values(body, "temperature_2m").at(-1));
  });

  it("parseOpenMeteo rejects an error body, a missing variable and an unknown unit, naming them", () => {
    const period = {start: "2026-06-01", end: "2026-06-01"};
    expect(() => parseOpenMeteo({error: true, reason: "Latitude must be in range of -90 to 90°."}, period)).toThrow(/Latitude must be in range/);
    const noCloud = inlineBody(0, 0, "2026-06-01", "2026-06-02");
    delete (noCloud.hourly as Record<string, unknown>).cloud_cover;
    expect(() => parseOpenMeteo(noCloud, period)).toThrow(/"cloud_cover" is missing/);
    const fahrenheit = inlineBody(0, 0, "2026-06-01", "2026-06-02");
    fahrenheit.hourly_units.temperature_2m = "K";
    expect(() => parseOpenMeteo(fahrenheit, period)).toThrow(/Unknown unit "K" for "temperature_2m"/);
  });

  it("validateLookup checks the fields and picks the endpoint; lookupUrl asks for one extra day", () => {
    const now = new Date("2026-11-21T12:00:00Z");
    expect(chooseEndpoint("2023-01-01", "2023-01-09", now)).toBe("archive");
    expect(chooseEndpoint("2026-11-10", "2026-11-19", now)).toBe("forecast");
    expect(validateLookup({lat: "95", lon: "0", start: "2026-01-01", end: "2026-01-02"}, {now}).error).toMatch(/Latitude "95"/);
    expect(validateLookup({lat: "1", lon: "2", start: "2026-01-05", end: "2026-01-02"}, {now}).error).toMatch(/before From/);
    expect(validateLookup({lat: "1", lon: "2", start: "2026-11-20", end: "2026-12-31"}, {now}).error).toMatch(/16 days ahead/);
    expect(validateLookup({lat: "1", lon: "2", start: "2026-01-01", end: "2026-01-02", baseUrl: "ftp://x"}, {now}).error).toMatch(/not an http\(s\) address/);
    const {request} = validateLookup({lat: "52.52", lon: "13,42", start: "2023-01-01", end: "2023-01-09", baseUrl: "http://127.0.0.1:8080/"}, {now});
    expect(request).toEqual({lat: 52.52, lon: 13.42, start: "2023-01-01", end: "2023-01-09", endpoint: "archive", auto: true, baseUrl: "http://127.0.0.1:8080"});
    expect(lookupUrl({...request!, baseUrl: ""})).toBe(
      "https://archive-api.open-meteo.com/v1/archive?latitude=52.52&longitude=13.42&start_date=2023-01-01&end_date=2023-01-10" +
        "&hourly=shortwave_radiation,direct_normal_irradiance,diffuse_radiation,temperature_2m,cloud_cover,wind_speed_10m&timezone=GMT"
    );
  });

  it("configSnippet writes a site and an open-meteo provider; a known site lends its own values", () => {
    const freiburg = {site_id: "de-freiburg", name: "Freiburg", lat: 47.999, lon: 7.842, timezone: "Europe/Berlin", capacity_kw: 30, tilt: 35, azimuth: 170};
    const near = configSnippet({lat: 48.5, lon: 8.1, sites: [freiburg]});
    expect(near.text).toContain('lat: 48.5, lon: 8.1, timezone: "Europe/Berlin"');
    expect(near.text).toContain('providers: [{type: "open-meteo"}]');
    expect(near.site.id).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
    const far = configSnippet({lat: -33.9, lon: 18.4, baseUrl: "http://127.0.0.1:8080", sites: [freiburg]});
    expect(far.text).toContain('timezone: "Etc/GMT-1"');
    expect(far.text).toContain('base_url: "http://127.0.0.1:8080"');
    expect(far.site.azimuth).toBe(0); // facing the equator
    expect(configSnippet({lat: 47.999, lon: 7.842, sites: [freiburg]}).site).toMatchObject({id: "de-freiburg", capacity_kw: 30, tilt: 35});
  });

  it("the clear sky follows the sun: ~1,060 W/m² overhead, 0 at night, a partial hour at sunrise", () => {
    const equinoxNoon = Date.UTC(2025, 2, 20, 12, 7);
    expect(solarPosition(equinoxNoon, 0, 0).zenith).toBeLessThan(0.5);
    expect(clearSkyGhi(equinoxNoon, 0, 0)).toBeGreaterThan(1040);
    expect(clearSkyGhi(equinoxNoon, 0, 0)).toBeLessThan(1080);
    expect(clearSkyGhi(Date.UTC(2025, 2, 20, 0), 0, 0)).toBe(0);
    // Freiburg, midsummer: solar noon near 11:25 UTC, clear-sky noon GHI ≈ 900 W/m² with TL 3.
    const noon = clearSkyHourMean(Date.UTC(2025, 5, 21, 11), 48, 7.84);
    expect(noon).toBeGreaterThan(850);
    expect(noon).toBeLessThan(950);
    // Thinner air at altitude: a higher clear sky.
    expect(clearSkyHourMean(Date.UTC(2025, 5, 21, 11), 48, 7.84, {elevation: 1600})).toBeGreaterThan(noon * 1.04);
    // Sunrise around 03:20 UTC: the 03:00 hour gets a small partial mean, 02:00 none.
    expect(clearSkyHourMean(Date.UTC(2025, 5, 21, 2), 48, 7.84)).toBe(0);
    expect(clearSkyHourMean(Date.UTC(2025, 5, 21, 3), 48, 7.84)).toBeGreaterThan(0);
    expect(clearSkyHourMean(Date.UTC(2025, 5, 21, 3), 48, 7.84)).toBeLessThan(60);
  });

  it("weather rows: observed beats forecast, the latest forecast beats older ones, and provenance counts them", () => {
    const ts = new Date("2026-06-30T10:00:00Z");
    const row = (source: string, kind: "observed" | "forecast", issued: string | null, ghi: number) => ({ts, source, kind, issued_at: issued ? new Date(issued) : null, ghi_wm2: ghi});
    const old = row("open-meteo/forecast", "forecast", "2026-06-29T00:00:00Z", 1);
    const fresh = row("open-meteo/forecast", "forecast", "2026-06-30T00:00:00Z", 2);
    const {byHour, hidden} = pickWeather([old, fresh]);
    expect(byHour.get(+ts)!.ghi_wm2).toBe(2);
    const observed = row("open-meteo/archive", "observed", null, 3);
    expect(pickWeather([fresh, observed, old]).byHour.get(+ts)!.ghi_wm2).toBe(3);
    const hours = joinHours({start: new Date("2026-06-30T09:00:00Z"), end: new Date("2026-06-30T12:00:00Z"), weather: byHour});
    expect(provenance(hours, hidden)).toMatchObject({total: 3, missing: 2, hidden: 1, sources: [{source: "open-meteo/forecast", kind: "forecast", hours: 1}]});
    expect(forecastSpans(hours)).toEqual([{start: ts, end: new Date(+ts + HOUR)}]);
  });

  it("staleNotices reads per-provider reports and the older global flag", () => {
    const start = new Date("2026-06-17T00:00:00Z");
    const end = new Date("2026-07-01T00:00:00Z");
    const siteNames = new Map([["de-freiburg", "Freiburg"], ["es-seville", "Seville"]]);
    const report = {
      weather: {
        source: "open-meteo",
        fetched_at: "2026-06-30T06:00:00Z",
        stale: true,
        providers: [
          {source: "open-meteo/archive", status: "ok" as const, sites: ["de-freiburg"], start: "2026-04-01", end: "2026-06-30"},
          {source: "open-meteo/forecast", status: "stale" as const, sites: ["de-freiburg"], start: "2026-06-29", end: "2026-07-02", detail: "HTTP 503; cached copy used"},
          {source: "noaa-isd", status: "failed" as const, sites: ["es-seville"], start: "2026-04-01", end: "2026-06-30", detail: "no file"}
        ]
      }
    };
    const notices = staleNotices(report, {siteId: "de-freiburg", start, end, siteNames});
    expect(notices.map((n) => [n.source, n.sites.join(), n.affectsShown])).toEqual([
      ["open-meteo/forecast", "Freiburg", true],
      ["noaa-isd", "Seville", false]
    ]);
    const legacy = staleNotices({weather: {source: "demo", fetched_at: null, stale: true}, stale: {weather: true}}, {siteId: "de-freiburg", start, end});
    expect(legacy).toHaveLength(1);
    expect(legacy[0]).toMatchObject({source: "demo", affectsShown: true, sites: []});
    expect(staleNotices({weather: {source: "demo", fetched_at: null, stale: false}}, {siteId: "x"})).toEqual([]);
  });
});

describe.skipIf(missing !== null)("Weather page in Chromium", () => {
  const site = useBuiltSite("weather.html");

  const card = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
  const series = (page: Page, name: string) => card(page, "weather-series").getByLabel(name, {exact: true});

  /** Open /weather and wait for both charts; `problems` collects console errors and outside requests. */
  async function open(): Promise<{page: Page; problems: string[]}> {
    const page = await site.browser.newPage({viewport: {width: 1280, height: 900}});
    const problems = watchPage(page);
    await page.goto(`${site.server.url}/weather`, {waitUntil: "load"});
    await card(page, "weather-overlay").locator("svg").first().waitFor({timeout: 30_000});
    await card(page, "weather-scatter").locator("svg").first().waitFor({timeout: 30_000});
    return {page, problems};
  }

  /** Answer requests matching `pattern` with `answer(url)`, with the CORS header Open-Meteo sends; returns the URLs asked. */
  async function intercept(page: Page, pattern: string | RegExp, answer: (url: URL) => {status?: number; body: unknown}): Promise<string[]> {
    const asked: string[] = [];
    await page.route(pattern, async (route: Route) => {
      asked.push(route.request().url());
      const {status = 200, body} = answer(new URL(route.request().url()));
      await route.fulfill({status, contentType: "application/json", headers: {"access-control-allow-origin": "*"}, body: JSON.stringify(body)});
    });
    return asked;
  }

  /** The page's problems, minus the outside requests we intercepted ourselves (and `allowed` messages). */
  function unexpected(problems: string[], intercepted: string[], allowed: RegExp[] = []): string[] {
    return problems.filter((p) => !intercepted.some((url) => p === `outside request: ${url}`) && !allowed.some((re) => re.test(p)));
  }

  async function submitLookup(page: Page, fields: {lat?: string; lon?: string; start?: string; end?: string; endpoint?: string; baseUrl?: string}): Promise<void> {
    const form = card(page, "lookup-form");
    if (fields.lat != null) await form.locator('input[name="lat"]').fill(fields.lat);
    if (fields.lon != null) await form.locator('input[name="lon"]').fill(fields.lon);
    if (fields.start != null) await form.locator('input[name="start"]').fill(fields.start);
    if (fields.end != null) await form.locator('input[name="end"]').fill(fields.end);
    if (fields.endpoint != null) await form.locator('select[name="endpoint"]').selectOption(fields.endpoint);
    if (fields.baseUrl != null) await form.locator('input[name="baseUrl"]').fill(fields.baseUrl);
    await card(page, "lookup-submit").click();
  }

  it("renders the overlay, scatter and provenance for the first site", async () => {
    const {page, problems} = await open();
    const overlay = card(page, "weather-overlay");
    for (const panel of ["production", "irradiance", "cloud", "temperature"]) {
      expect(await overlay.locator(`[data-panel="${panel}"] g[aria-label="y-axis tick"]`).count(), panel).toBe(1);
    }
    // Lines for production, GHI, DNI, DHI and the clear sky; dots in the scatter.
    expect(await overlay.locator('[data-panel="irradiance"] g[aria-label="line"]').count()).toBe(4);
    expect(await overlay.locator('[data-panel="irradiance"] g[aria-label="line"] path').count()).toBeGreaterThan(0);
    expect(await overlay.locator('[data-panel="production"] g[aria-label="line"] path').count()).toBeGreaterThan(0);
    expect(await card(page, "weather-scatter").locator('g[aria-label="dot"] circle').count()).toBeGreaterThan(50);
    const provenanceText = await card(page, "weather-provenance").innerText();
    expect(provenanceText).toMatch(/demo\s+observed\s+336/);
    expect(provenanceText).toContain("not stale");
    expect(await card(page, "weather-stale").count()).toBe(0);
    expect(await card(page, "lookup-status").innerText()).toContain("Nothing has been fetched");
    await page.screenshot({path: join(SCREENSHOTS, "weather.png"), fullPage: true});
    expect(problems).toEqual([]);
    await page.close();
  });

  it("fetches only the partitions (site × year) of the site and period it shows, never the whole tables", async () => {
    const page = await site.browser.newPage({viewport: {width: 1280, height: 900}});
    const problems = watchPage(page);
    const parquet: string[] = [];
    page.on("request", (r) => {
      if (/\.parquet$/.test(new URL(r.url()).pathname)) parquet.push(new URL(r.url()).pathname);
    });
    await page.goto(`${site.server.url}/weather`, {waitUntil: "load"});
    await card(page, "weather-overlay").locator("svg").first().waitFor({timeout: 30_000});
    const select = card(page, "weather-controls").locator("select").first();
    const idOf = async (index: number) => /\(([^)]+)\)$/.exec(await select.locator("option").nth(index).innerText())![1];
    const first = await idOf(0);
    // The default period is the last 14 days of the data, all in one UTC year.
    const year = (await card(page, "weather-controls").locator('input[type="date"]').first().inputValue()).slice(0, 4);
    expect(parquet.filter((p) => p.includes("/data/parts/")).sort()).toEqual([`/data/parts/production_hourly/${first}/${year}.parquet`, `/data/parts/weather_hourly/${first}/${year}.parquet`]);
    expect(parquet.filter((p) => /(weather|production)_hourly/.test(p) && !p.includes("/data/parts/"))).toEqual([]);
    // Another site: its own partitions, and still nothing else.
    const other = await idOf(2);
    await select.selectOption({index: 2});
    await expect.poll(() => parquet.filter((p) => p.includes(`/${other}/`)).length).toBe(2);
    expect(parquet.filter((p) => p.includes("/data/parts/") && !p.includes(`/${first}/`) && !p.includes(`/${other}/`))).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("redraws for another site and for the series toggled", async () => {
    const {page, problems} = await open();
    const overlay = card(page, "weather-overlay");
    const form = card(page, "lookup-form");
    const latBefore = await form.locator('input[name="lat"]').inputValue();
    const select = card(page, "weather-controls").locator("select").first();
    const option = await select.locator("option").nth(2).innerText();
    const siteName = option.replace(/ \([^)]*\)$/, "");
    await select.selectOption({index: 2});
    await expect.poll(() => overlay.locator("h2").innerText()).toContain(siteName);
    await expect.poll(() => card(page, "weather-provenance").locator("h3").innerText()).toContain(siteName);
    // The lookup form follows the site.
    expect(await form.locator('input[name="lat"]').inputValue()).not.toBe(latBefore);

    await series(page, "Temperature").uncheck();
    await expect.poll(() => overlay.locator('[data-panel="temperature"]').count()).toBe(0);
    await series(page, "DNI").uncheck();
    await expect.poll(() => overlay.locator('[data-panel="irradiance"] g[aria-label="line"]').count()).toBe(3);
    expect(await overlay.locator('[data-panel="irradiance"]').innerText()).not.toContain("DNI");
    await series(page, "Production").uncheck();
    await expect.poll(() => overlay.locator('[data-panel="production"]').count()).toBe(0);
    await series(page, "Temperature").check();
    await expect.poll(() => overlay.locator('[data-panel="temperature"] g[aria-label="y-axis tick"]').count()).toBe(1);
    await page.screenshot({path: join(SCREENSHOTS, "weather-toggled.png"), fullPage: false});
    expect(problems).toEqual([]);
    await page.close();
  });

  it.skipIf(!recorded)("looks up Open-Meteo on submit (recorded answer), overlays it and prints the config entry", async () => {
    const {page, problems} = await open();
    // Freiburg, when the fleet has it, is the demo site nearest the recording's Berlin.
    const freiburg = card(page, "weather-controls").locator("select option", {hasText: "de-freiburg"});
    if (await freiburg.count()) {
      const latBefore = await card(page, "lookup-form").locator('input[name="lat"]').inputValue();
      await card(page, "weather-controls").locator("select").first().selectOption({label: await freiburg.innerText()});
      await expect.poll(() => card(page, "weather-overlay").locator("h2").innerText()).toContain("Freiburg");
      await expect.poll(() => card(page, "lookup-form").locator('input[name="lat"]').inputValue()).not.toBe(latBefore);
    }
    const asked = await intercept(page, "https://archive-api.open-meteo.com/v1/archive?**", () => ({body: recorded}));
    // Typing alone fetches nothing.
    await card(page, "lookup-form").locator('input[name="lat"]').fill("52.52");
    await page.waitForTimeout(300);
    expect(asked).toEqual([]);
    await submitLookup(page, {lat: "52.52", lon: "13.42", start: "2023-01-01", end: "2023-01-09"});
    await expect.poll(() => card(page, "lookup-status").innerText(), {timeout: 15_000}).toContain("216 hours");
    expect(asked).toHaveLength(1);
    const url = new URL(asked[0]);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({latitude: "52.52", longitude: "13.42", start_date: "2023-01-01", end_date: "2023-01-10", timezone: "GMT"});
    expect(url.searchParams.get("hourly")!.split(",")).toEqual(["shortwave_radiation", "direct_normal_irradiance", "diffuse_radiation", "temperature_2m", "cloud_cover", "wind_speed_10m"]);

    // The charts moved to the looked-up period and carry the dotted overlay in three panels.
    const overlay = card(page, "weather-overlay");
    await expect.poll(() => overlay.locator("h3").innerText()).toContain("2023-01-01 → 2023-01-09");
    await expect.poll(() => overlay.locator("g.weather-lookup path").count()).toBe(3);
    expect(await overlay.locator('[data-panel="irradiance"]').innerText()).toContain("Open-Meteo GHI");
    expect(await overlay.locator("h3").innerText()).toMatch(/[\d,]+ km from this site/);
    const status = await card(page, "lookup-status").innerText();
    expect(status).toContain("open-meteo/archive (observed)");
    expect(status).toContain(`grid cell is at ${recorded!.latitude.toFixed(2)}, ${recorded!.longitude.toFixed(2)}`);
    const snippet = await card(page, "lookup-snippet").innerText();
    expect(snippet).toContain("lat: 52.52, lon: 13.42");
    expect(snippet).toContain('providers: [{type: "open-meteo"}]');
    await page.evaluate(() => window.scrollTo(0, 0)); // the sidebar is fixed: a full-page shot wants the top
    await page.screenshot({path: join(SCREENSHOTS, "weather-lookup.png"), fullPage: true});
    expect(unexpected(problems, asked)).toEqual([]);
    await page.close();
  });

  it("overlays an answer from a self-hosted server (inline answer in Open-Meteo's format) on the site's own data", async () => {
    const {page, problems} = await open();
    const base = "http://127.0.0.1:9/open-meteo";
    const asked = await intercept(page, `${base}/v1/**`, (url) => ({
      body: inlineBody(Number(url.searchParams.get("latitude")), Number(url.searchParams.get("longitude")), url.searchParams.get("start_date")!, url.searchParams.get("end_date")!)
    }));
    const lat = await card(page, "lookup-form").locator('input[name="lat"]').inputValue();
    const lon = await card(page, "lookup-form").locator('input[name="lon"]').inputValue();
    const h3Before = await card(page, "weather-overlay").locator("h3").innerText();
    // The form holds the chart's site and period; ask the forecast endpoint of our own server.
    await submitLookup(page, {endpoint: "forecast", baseUrl: `${base}/`});
    await expect.poll(() => card(page, "lookup-status").innerText(), {timeout: 15_000}).toContain("336 hours");
    expect(asked).toHaveLength(1);
    expect(asked[0].startsWith(`${base}/v1/forecast?latitude=${lat}&longitude=${lon}&`)).toBe(true);
    const overlay = card(page, "weather-overlay");
    await expect.poll(() => overlay.locator("g.weather-lookup path").count()).toBe(3);
    // Same period as before: the site's own production and weather are still drawn under the overlay.
    expect((await overlay.locator("h3").innerText()).split(" (UTC)")[0]).toBe(h3Before.split(" (UTC)")[0]);
    expect(await overlay.locator('[data-panel="production"] g[aria-label="line"] path').count()).toBeGreaterThan(0);
    expect(await card(page, "lookup-status").innerText()).toContain("open-meteo/forecast (forecast)");
    const snippet = await card(page, "lookup-snippet").innerText();
    expect(snippet).toContain(`lat: ${lat}, lon: ${lon}`);
    expect(snippet).toContain(`base_url: "${base}"`);
    expect(snippet).toContain("already in this snapshot");
    await page.evaluate(() => window.scrollTo(0, 0)); // the sidebar is fixed: a full-page shot wants the top
    await page.screenshot({path: join(SCREENSHOTS, "weather-lookup-site.png"), fullPage: true});
    // Switching the overlay off removes it.
    await series(page, "Open-Meteo lookup").uncheck();
    await expect.poll(() => overlay.locator("g.weather-lookup").count()).toBe(0);
    expect(unexpected(problems, asked)).toEqual([]);
    await page.close();
  });

  it("shows Open-Meteo's error and bad fields in the page, fetching nothing for the latter", async () => {
    const {page, problems} = await open();
    const reason = "Parameter 'start_date' is out of allowed range from 1940-01-01 to 2026-11-14";
    const asked = await intercept(page, "https://archive-api.open-meteo.com/v1/archive?**", () => ({status: 400, body: {error: true, reason}}));
    await submitLookup(page, {lat: "95"});
    await expect.poll(() => card(page, "lookup-form-error").innerText()).toContain('Latitude "95"');
    expect(await card(page, "lookup-status").innerText()).toContain("Nothing has been fetched");
    await submitLookup(page, {lat: "10", lon: "20", start: "1900-01-01", end: "1900-01-02"});
    await expect.poll(() => card(page, "lookup-status").innerText(), {timeout: 15_000}).toContain(reason);
    expect(await card(page, "lookup-status").innerText()).toContain("Lookup failed");
    expect(await card(page, "lookup-form-error").isHidden()).toBe(true);
    expect(await card(page, "lookup-snippet").count()).toBe(0);
    expect(asked).toHaveLength(1);
    // Chromium logs every 4xx answer to the console itself; that line is expected here.
    expect(unexpected(problems, asked, [/^console: Failed to load resource: the server responded with a status of 400/])).toEqual([]);
    await page.close();
  });

  it("warns with the site and period when the manifest reports stale weather, per provider or globally", async () => {
    const manifestFile = (await readdir(join(DIST, "_file", "data"))).find((f) => /^manifest\.[0-9a-f]+\.json$/.test(f))!;
    const manifest = JSON.parse(readFileSync(join(DIST, "_file", "data", manifestFile), "utf8"));
    const firstSite = async (page: Page) => (await card(page, "weather-controls").locator("select option").first().innerText()).replace(/ \([^)]*\)$/, "");
    const siteId = async (page: Page) => /\(([^)]*)\)$/.exec(await card(page, "weather-controls").locator("select option").first().innerText())![1];

    // Per provider: a stale forecast for the site shown first (its id read off the page), a failure elsewhere.
    let {page, problems} = await open();
    const id = await siteId(page);
    await page.route("**/_file/data/manifest.*.json", (route) =>
      route.fulfill({
        contentType: "application/json",
        body: JSON.stringify({
          ...manifest,
          stale: {weather: true},
          weather: {
            source: "open-meteo",
            fetched_at: "2026-06-30T06:00:00Z",
            stale: true,
            providers: [
              {source: "open-meteo/archive", status: "ok", sites: [id], start: "2026-04-01", end: "2026-06-25", rows: 2000, detail: ""},
              {source: "open-meteo/forecast", status: "stale", sites: [id], start: "2026-06-26", end: "2026-07-03", rows: 192, detail: "HTTP 503 after 3 attempts; cached copy from 2026-06-28 used"},
              {source: "noaa-isd", status: "failed", sites: ["elsewhere"], start: "2026-04-01", end: "2026-06-30", rows: 0, detail: "no such station file"}
            ]
          }
        })
      })
    );
    await page.reload({waitUntil: "load"});
    await card(page, "weather-overlay").locator("svg").first().waitFor({timeout: 30_000});
    const name = await firstSite(page);
    const banner = card(page, "weather-stale");
    await banner.waitFor();
    const text = await banner.innerText();
    expect(text).toContain("stale weather");
    expect(text).toContain("open-meteo/forecast stale");
    expect(text).toContain(name);
    expect(text).toContain("2026-06-26 → 2026-07-03");
    expect(text).toContain("HTTP 503");
    // The stale days inside the shown period are shaded in every panel.
    expect(await card(page, "weather-overlay").locator("g.weather-span rect").count()).toBe(4);
    expect(await card(page, "weather-overlay").locator("h3").innerText()).toContain("Red: days with stale or failed weather");
    const provenanceText = await card(page, "weather-provenance").innerText();
    expect(provenanceText).toContain("Stale or failed elsewhere");
    expect(provenanceText).toContain("noaa-isd failed");
    expect(problems).toEqual([]);
    await page.close();

    // Older snapshots: only the global flag, no providers.
    ({page, problems} = await open());
    await page.route("**/_file/data/manifest.*.json", (route) =>
      route.fulfill({contentType: "application/json", body: JSON.stringify({...manifest, stale: {weather: true}, weather: {source: "demo", fetched_at: null, stale: true}})})
    );
    await page.reload({waitUntil: "load"});
    await card(page, "weather-stale").waitFor({timeout: 30_000});
    const legacy = await card(page, "weather-stale").innerText();
    expect(legacy).toContain("demo stale");
    expect(legacy).toContain("all sites");
    expect(legacy).toContain("does not say which sites or hours");
    expect(await card(page, "weather-overlay").locator("g.weather-span").count()).toBe(0); // no dates: nothing to shade
    expect(problems).toEqual([]);
    await page.close();
  });
});
