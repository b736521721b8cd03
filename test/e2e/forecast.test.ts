// The Forecast page, built from the demo snapshot, in real Chromium: tomorrow's live issue per site
// with the honesty line about weather, the forecast / components / vintage / transfer charts, the
// site, day and vintage selectors redrawing them, the weather overlay, an hour's explanation (from
// its select and from a click on the chart), the accuracy tables with every model, the registry, and
// the CSV export (a Blob download, no network). Nothing may leave 127.0.0.1 and no console errors.
import {DuckDBInstance} from "@duckdb/node-api";
import {readFileSync} from "node:fs";
import {mkdtemp, readdir} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {Locator, Page} from "playwright-core";
import {beforeAll, describe, expect, it} from "vitest";
import {FORECAST_COLUMNS, MODEL_ORDER} from "../../src/components/forecastData.js";
import {chromiumMissingReason, DIST, SCREENSHOTS, useBuiltSite, watchPage} from "./browser.ts";

const missing = chromiumMissingReason();
if (missing) console.warn(`skipping the Forecast page test: ${missing}`);

interface Manifest {
  snapshot_id: string;
  project?: string;
  forecast?: {enabled: boolean; evaluation: {start: string; end: string} | null; live_issued_at: string | null; training_weather?: string};
}

describe.skipIf(missing !== null)("Forecast page in Chromium", () => {
  const site = useBuiltSite("forecast.html");
  let manifest: Manifest;

  beforeAll(async () => {
    const name = (await readdir(join(DIST, "_file", "data"))).find((f) => /^manifest\.[0-9a-f]+\.json$/.test(f))!;
    manifest = JSON.parse(readFileSync(join(DIST, "_file", "data", name), "utf8"));
  });


  const card = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
  /** The plot itself (not a legend's swatch): Plot puts legends and the plot's svg side by side in a figure. */
  const plots = (scope: Locator) => scope.locator("figure > svg, div > svg[class^='plot-']");
  const siteSelect = (page: Page) => card(page, "forecast-controls").locator("select").first();
  const vintageSelect = (page: Page) => card(page, "forecast-controls").locator("select").nth(1);
  const hourSelect = (page: Page) => card(page, "forecast-explain").locator("select").first();
  const heading = (page: Page) => card(page, "forecast-chart").locator("h2").innerText();

  async function open(): Promise<{page: Page; problems: string[]}> {
    const page = await site.browser.newPage({viewport: {width: 1280, height: 900}, acceptDownloads: true});
    const problems = watchPage(page);
    await page.goto(`${site.server.url}/forecast`, {waitUntil: "load"});
    await plots(card(page, "forecast-chart")).first().waitFor({timeout: 30_000});
    return {page, problems};
  }

  /** A day inside the evaluation window, where forecasts have measured values (local date of a mid-window day). */
  const evaluationDay = () => new Date(Date.parse(manifest.forecast!.evaluation!.start) + 14 * 86_400_000).toISOString().slice(0, 10);

  it("shows tomorrow per site and for the fleet, with the weather it used, and every chart", async () => {
    expect(manifest.forecast?.enabled).toBe(true);
    const {page, problems} = await open();
    expect(await card(page, "forecast-disabled").count()).toBe(0);
    const sites = await siteSelect(page).locator("option").count();
    expect(sites).toBeGreaterThan(1);
    const tomorrow = card(page, "forecast-tomorrow-table");
    expect(await tomorrow.locator("tbody tr").count()).toBe(sites);
    for (const cell of await tomorrow.locator("tbody tr td:nth-child(3)").allInnerTexts()) expect(cell).toMatch(/^[\d,.]+ (kWh|MWh)$/);
    expect(await tomorrow.locator("tfoot").innerText()).toMatch(/Fleet \(\d+ sites\)[\s\S]*[\d,.]+ (kWh|MWh)/);
    const honesty = await card(page, "forecast-honesty").innerText();
    const trained = manifest.forecast?.training_weather ?? "";
    expect(honesty).toMatch(trained === "observed" ? /trained on observed weather/ : /trained on archived weather forecasts/);
    expect(honesty).toMatch(/use the weather forecast issued \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(await card(page, "forecast-tomorrow").innerText()).toMatch(/Fleet, next local day\s+[\d,.]+ (kWh|MWh)/);

    // The default day is the first site's live day: one live vintage and the evaluation issue before it.
    expect(await card(page, "forecast-chart").locator("h3").innerText()).toContain("Live issue, no outcome yet");
    const chart = card(page, "forecast-chart");
    expect(await chart.locator("g.forecast-line path").count()).toBe(1);
    expect(await chart.locator("g.forecast-band80 path").count()).toBe(1);
    expect(await chart.locator("g.forecast-band95 path").count()).toBe(1);
    expect(await chart.locator("g.forecast-reference path").count()).toBe(1); // smart persistence, on by default
    expect(await card(page, "forecast-components").locator("g.forecast-correction rect").count()).toBeGreaterThan(5);
    expect(await card(page, "forecast-components").locator("g.forecast-baseline path").count()).toBe(1);
    expect(await card(page, "forecast-vintages").locator("g.forecast-vintage path").count()).toBeGreaterThanOrEqual(2);
    expect(await card(page, "forecast-vintage-table").locator("tbody tr").count()).toBeGreaterThanOrEqual(2);
    expect(await card(page, "forecast-contributions").locator("g.forecast-contribution rect").count()).toBeGreaterThanOrEqual(2);
    expect(await card(page, "forecast-explain").locator("g.forecast-step rect").count()).toBeGreaterThanOrEqual(3);
    expect(await card(page, "forecast-transfer").locator("g.forecast-transfer-line path").count()).toBeGreaterThanOrEqual(2);
    expect(await card(page, "forecast-registry-table").locator("tbody tr").count()).toBeGreaterThanOrEqual(1);
    for (const id of ["forecast-chart", "forecast-components", "forecast-vintages", "forecast-explain", "forecast-transfer"]) {
      const box = await plots(card(page, id)).first().boundingBox();
      expect(box && box.width > 200 && box.height > 100, id).toBe(true);
    }
    expect(await card(page, "freshness").innerText()).toContain(manifest.snapshot_id);
    await page.evaluate(() => window.scrollTo(0, 0)); // the sidebar is fixed: a full-page shot wants the top
    await page.screenshot({path: join(SCREENSHOTS, "forecast.png"), fullPage: true});
    expect(problems).toEqual([]);
    await page.close();
  });

  it("redraws for another site, another day and another vintage", async () => {
    const {page, problems} = await open();
    const chart = card(page, "forecast-chart");
    const option = await siteSelect(page).locator("option").nth(2).innerText();
    const name = option.replace(/ \([^)]*\)$/, "");
    await siteSelect(page).selectOption({index: 2});
    await expect.poll(() => heading(page)).toContain(name);
    await expect.poll(() => card(page, "forecast-vintages").locator("h3").innerText()).toContain(name);

    // A day in the evaluation window: measured values, and a score for each vintage.
    const day = evaluationDay();
    await card(page, "forecast-controls").locator('input[type="date"]').fill(day);
    await expect.poll(() => heading(page)).toContain(`${day} (local)`);
    expect(await chart.locator("h3").innerText()).toContain("Out-of-sample evaluation issue");
    await expect.poll(() => chart.locator("g.forecast-actual path").count()).toBe(1);
    const table = card(page, "forecast-vintage-table");
    expect(await table.locator("tbody tr").count()).toBeGreaterThanOrEqual(2);
    for (const rmse of await table.locator("tbody tr td:nth-child(8)").allInnerTexts()) expect(rmse).toMatch(/^[\d,.]+ kWh$/);

    // The oldest vintage (the previous midnight's issue, horizon 25–48 h) replaces the newest one on the chart.
    const vintages = await vintageSelect(page).locator("option").count();
    expect(vintages).toBeGreaterThanOrEqual(2);
    const before = await heading(page);
    await vintageSelect(page).selectOption({index: vintages - 1});
    await expect.poll(() => heading(page)).not.toBe(before);
    expect(await chart.locator("h3").innerText()).toMatch(/horizon 2[5-9]–\d+ h/);
    expect(await table.locator("tr.forecast-chosen td:nth-child(5)").innerText()).toMatch(/^2[5-9]–/);

    // References toggle on and off.
    await card(page, "forecast-controls").getByLabel("Climatology", {exact: true}).check();
    await expect.poll(() => chart.locator("g.forecast-reference path").count()).toBe(2);
    await card(page, "forecast-controls").getByLabel("Smart persistence", {exact: true}).uncheck();
    await card(page, "forecast-controls").getByLabel("Climatology", {exact: true}).uncheck();
    await expect.poll(() => chart.locator("g.forecast-reference").count()).toBe(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({path: join(SCREENSHOTS, "forecast-evaluation.png"), fullPage: true});
    expect(problems).toEqual([]);
    await page.close();
  });

  it("overlays the weather each hour used, marked forecast or observed", async () => {
    const {page, problems} = await open();
    await card(page, "forecast-controls").getByLabel("Overlay weather").check();
    const overlay = card(page, "forecast-weather");
    await overlay.locator("svg").first().waitFor({timeout: 30_000});
    for (const panel of ["kind", "ghi", "cloud", "temperature"]) expect(await overlay.locator(`[data-panel="${panel}"] svg`).count(), panel).toBeGreaterThanOrEqual(1);
    const hours = await card(page, "forecast-vintage-table").locator("tr.forecast-chosen td:nth-child(5)").innerText();
    const [from, to] = hours.replace(" h", "").split("–").map(Number);
    expect(await overlay.locator("g.forecast-weather-kind rect").count()).toBe(to - from + 1);
    expect(await overlay.locator('[data-panel="ghi"] g[aria-label="line"] path').count()).toBeGreaterThanOrEqual(1);
    expect(await overlay.innerText()).toContain("weather forecast");
    await overlay.scrollIntoViewIfNeeded();
    await page.screenshot({path: join(SCREENSHOTS, "forecast-weather.png"), fullPage: false});
    await card(page, "forecast-controls").getByLabel("Overlay weather").uncheck();
    await expect.poll(() => overlay.count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("explains the hour picked in the select or clicked on the chart", async () => {
    const {page, problems} = await open();
    const explain = card(page, "forecast-explain");
    const decomposition = card(page, "forecast-decomposition");
    expect(await decomposition.innerText()).toMatch(/baseline [\d.,]+ [+−] correction [\d.,]+.* = forecast [\d.,]+ kWh/);
    const options = await hourSelect(page).locator("option").count();
    expect(options).toBeGreaterThan(4);
    const first = await decomposition.innerText();
    await hourSelect(page).selectOption({index: 1});
    await expect.poll(() => decomposition.innerText()).not.toBe(first);
    expect(await card(page, "forecast-contributions").locator("g.forecast-contribution rect").count()).toBeGreaterThanOrEqual(1);
    expect(await explain.locator("g.forecast-step rect").count()).toBeGreaterThanOrEqual(3);

    // A click on the forecast chart picks the hour under the pointer.
    const svg = plots(card(page, "forecast-chart")).first();
    await svg.scrollIntoViewIfNeeded();
    const box = (await svg.boundingBox())!;
    const value = await hourSelect(page).inputValue();
    let changed = false;
    for (const fx of [0.42, 0.5, 0.58]) {
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * 0.5);
      await page.mouse.click(box.x + box.width * fx, box.y + box.height * 0.5);
      await page.waitForTimeout(250);
      if ((await hourSelect(page).inputValue()) !== value) {
        changed = true;
        break;
      }
    }
    expect(changed).toBe(true);
    await expect.poll(() => decomposition.innerText()).toMatch(/= forecast/);
    await explain.scrollIntoViewIfNeeded();
    await page.screenshot({path: join(SCREENSHOTS, "forecast-explain.png"), fullPage: false});
    expect(problems).toEqual([]);
    await page.close();
  });

  it("scores every model with numbers, says on what data, period and weather, and lists the registry", async () => {
    const {page, problems} = await open();
    const acc = card(page, "forecast-accuracy");
    const table = card(page, "forecast-accuracy-table");
    await table.waitFor();
    expect(await table.locator("tbody tr").count()).toBe(MODEL_ORDER.length);
    for (const model of MODEL_ORDER) {
      const cells = await table.locator(`tr[data-model="${model}"] td`).allInnerTexts();
      expect(cells.filter((c) => /\d/.test(c)).length, model).toBeGreaterThanOrEqual(4);
    }
    expect(await table.locator('tr[data-model="hybrid"] td').nth(5).innerText()).toMatch(/^\d+%/); // coverage 80%
    const context = await card(page, "forecast-accuracy-context").innerText();
    expect(context).toContain(manifest.project ?? "");
    expect(context).toMatch(/Period: \d{4}-\d\d-\d\d \d\d:\d\d UTC – \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(context).toMatch(/\d+% of the scored hours used a weather forecast known at issue time/);
    const sites = await siteSelect(page).locator("option").count();
    expect(await card(page, "forecast-accuracy-overview").locator("tbody tr").count()).toBe(sites + 1);

    // One site: kWh columns appear; the 25–48 h band changes the figures.
    await acc.locator("select").first().selectOption({index: 1});
    await expect.poll(() => table.locator("thead").innerText()).toContain("RMSE");
    expect(await table.locator('tr[data-model="hybrid"] td').nth(2).innerText()).toMatch(/[\d.]+ kWh/);
    const all = await table.locator("tbody").innerText();
    await acc.getByLabel("25–48 h").check();
    await expect.poll(() => table.locator("tbody").innerText()).not.toBe(all);

    expect(await card(page, "forecast-registry-table").innerText()).toMatch(/evaluation[\s\S]*in use/);
    expect(await card(page, "forecast-transfer").innerText()).toContain("new_site_days");
    await acc.scrollIntoViewIfNeeded();
    await page.screenshot({path: join(SCREENSHOTS, "forecast-accuracy.png"), fullPage: false});
    expect(problems).toEqual([]);
    await page.close();
  });

  it("says why there is nothing to show when the snapshot has no forecasts", async () => {
    // Empty copies of the five forecast tables (same schema, no rows), as a run that issued nothing writes them.
    const data = join(DIST, "_file", "data");
    const files = await readdir(data);
    const empty = new Map<string, Buffer>();
    const tmp = await mkdtemp(join(tmpdir(), "sunline-forecast-"));
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    for (const table of ["forecasts", "forecast_contributions", "forecast_accuracy", "model_registry", "transfer_curve"]) {
      const file = files.find((f) => f.startsWith(`${table}.`) && f.endsWith(".parquet"))!;
      const out = join(tmp, `${table}.parquet`);
      await conn.run(`COPY (SELECT * FROM read_parquet('${join(data, file)}') LIMIT 0) TO '${out}' (FORMAT parquet)`);
      empty.set(file, readFileSync(out));
    }
    conn.closeSync();
    const manifestFile = files.find((f) => /^manifest\.[0-9a-f]+\.json$/.test(f))!;
    const real = JSON.parse(readFileSync(join(data, manifestFile), "utf8"));
    const cases: [string, unknown, RegExp][] = [
      ["ran, issued nothing", {...real, forecast: {...real.forecast, skipped_sites: [{site_id: "x", reason: "evaluation: under 2 days of history"}]}}, /forecast stage ran but issued nothing: x \(evaluation: under 2 days/],
      ["switched off", {...real, forecast: {...real.forecast, enabled: false}}, /switched off in the config/],
      ["older snapshot", {...real, forecast: undefined}, /made before the pipeline had a forecast stage/]
    ];
    for (const [name, manifestBody, message] of cases) {
      const page = await site.browser.newPage({viewport: {width: 1280, height: 900}});
      const problems = watchPage(page);
      await page.route("**/_file/data/*.parquet", (route) => {
        const file = new URL(route.request().url()).pathname.split("/").pop()!;
        return empty.has(file) ? route.fulfill({body: empty.get(file)!, contentType: "application/octet-stream"}) : route.continue();
      });
      await page.route("**/_file/data/manifest.*.json", (route) => route.fulfill({contentType: "application/json", body: JSON.stringify(manifestBody)}));
      await page.goto(`${site.server.url}/forecast`, {waitUntil: "load"});
      await card(page, "forecast-disabled").waitFor({timeout: 30_000});
      expect(await card(page, "forecast-disabled").innerText(), name).toMatch(message);
      await expect.poll(() => card(page, "forecast-chart").isVisible()).toBe(false);
      await page.locator('[data-testid="freshness"]').waitFor();
      if (name === "ran, issued nothing") await page.screenshot({path: join(SCREENSHOTS, "forecast-empty.png"), fullPage: false});
      expect(problems, name).toEqual([]);
      await page.close();
    }
  });

  it("downloads the shown forecast rows as CSV without going over the network", async () => {
    const {page, problems} = await open();
    const hours = await card(page, "forecast-vintage-table").locator("tr.forecast-chosen td:nth-child(5)").innerText();
    const [from, to] = hours.replace(" h", "").split("–").map(Number);
    const [download] = await Promise.all([page.waitForEvent("download"), card(page, "forecast-export").click()]);
    expect(download.suggestedFilename()).toMatch(/^sunline-forecast-.+-\d{4}-\d\d-\d\d-issued-\d{8}T\d{4}Z\.csv$/);
    expect(download.url()).toMatch(/^blob:/);
    const text = readFileSync((await download.path())!, "utf8");
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toBe(FORECAST_COLUMNS.join(","));
    expect(lines).toHaveLength(1 + to - from + 1);
    const site = (await siteSelect(page).locator("option:checked").innerText()).match(/\(([^)]*)\)$/)![1];
    for (const line of lines.slice(1)) expect(line.startsWith(`${site},`)).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });
});
