// The built site in real Chromium: every page in observablehq.config.ts loads from dist/ over
// loopback with no console errors and no request leaving the machine, and its charts render.
import {readFile} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import frameworkConfig from "../../observablehq.config.ts";
import {chromiumMissingReason, DIST, SCREENSHOTS, useBuiltSite, watchPage, watchPageExpecting, type ExpectedFailure} from "./browser.ts";

const missing = chromiumMissingReason();
if (missing) console.warn(`skipping the page tests: ${missing}`);

/**
 * What each page must show: cards (by data-testid) that must contain a chart or a table; and the
 * requests it makes knowing they fail here (the static server has no /api).
 */
const EXPECTED: Record<string, {charts: string[]; tables: string[]; failing?: ExpectedFailure[]}> = {
  "/": {charts: ["daily-chart", "hourly-chart"], tables: []},
  "/forecast": {charts: ["forecast-chart", "forecast-components", "forecast-vintages", "forecast-transfer"], tables: ["forecast-tomorrow-sites", "forecast-accuracy", "forecast-registry"]},
  "/backtest": {charts: ["backtest-over-time", "backtest-by-horizon", "backtest-by-site", "backtest-by-hour", "backtest-coverage", "backtest-drift-histogram"], tables: ["backtest-skill", "backtest-drift", "backtest-retraining-history", "backtest-registry"]},
  "/anomalies": {charts: ["anomaly-detail", "anomaly-loss-by-site"], tables: ["anomaly-evaluation", "anomaly-events", "anomaly-sensitivity", "anomaly-weekly"]},
  // Without the endpoint the Ask page says so and opens its Raw SQL tab, which runs its default query.
  "/ask": {charts: [], tables: ["ask-sql-result"], failing: [{path: "/api/health", status: 404}]},
  "/data-quality": {charts: ["coverage-heatmap", "quality-timeline", "rejects-chart"], tables: ["quality-summary", "stuck-runs", "rejects-table"]},
  "/about-data": {charts: ["site-hourly"], tables: ["quality-checks", "rejects"]},
  "/weather": {charts: ["weather-overlay", "weather-scatter"], tables: ["weather-provenance"]},
  "/import": {charts: ["import-chart"], tables: ["import-preview", "import-quality"]},
  "/about-build": {charts: ["build-stages-chart"], tables: ["build-stages", "build-runs", "build-tables"]}
};

describe.skipIf(missing !== null)("built site in Chromium", () => {
  const site = useBuiltSite("index.html");

  it("lists a test expectation for every page in the config", () => {
    expect(frameworkConfig.pages.map((p) => p.path).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const {name, path} of frameworkConfig.pages) {
    it(`renders ${name} (${path}) with its charts and no errors`, async () => {
      const page = await site.browser.newPage({viewport: {width: 1280, height: 900}});
      const expected = EXPECTED[path];
      const {problems} = watchPageExpecting(page, expected.failing ?? []);
      await page.goto(`${site.server.url}${path}`, {waitUntil: "load"});
      for (const id of expected.charts) await page.locator(`[data-testid="${id}"] svg`).first().waitFor({timeout: 30_000});
      for (const id of expected.tables) await page.locator(`[data-testid="${id}"] table`).first().waitFor({timeout: 30_000});
      await page.locator('[data-testid="freshness"]').waitFor();
      const manifest = JSON.parse(await readFile(join(DIST, "_file", "data", await manifestName()), "utf8")) as {snapshot_id: string};
      expect(await page.locator('[data-testid="freshness"]').innerText()).toContain(manifest.snapshot_id);
      await page.screenshot({path: join(SCREENSHOTS, `${path === "/" ? "index" : path.slice(1)}.png`), fullPage: true});
      expect(problems).toEqual([]);
      await page.close();
    });
  }

  it("redraws the production chart for the site picked on the overview", async () => {
    const page = await site.browser.newPage({viewport: {width: 1280, height: 900}});
    const problems = watchPage(page);
    await page.goto(`${site.server.url}/`, {waitUntil: "load"});
    const chart = page.locator('[data-testid="daily-chart"]');
    await chart.locator("svg").first().waitFor();
    expect(await chart.locator("h2").innerText()).toContain("every site");
    const select = page.locator("form select").first();
    const option = await select.locator("option").nth(2).innerText();
    await select.selectOption({index: 2});
    const siteName = option.replace(/ \(.*$/, "");
    await expect.poll(() => chart.locator("h2").innerText()).toContain(siteName);
    await expect.poll(() => page.locator('[data-testid="hourly-chart"] h2').innerText()).toContain(siteName);
    await page.screenshot({path: join(SCREENSHOTS, "index-site.png"), fullPage: false});
    expect(problems).toEqual([]);
    await page.close();
  });
});


/** Framework content-hashes file names: dist/_file/data/manifest.<hash>.json. */
async function manifestName(): Promise<string> {
  const {readdir} = await import("node:fs/promises");
  const name = (await readdir(join(DIST, "_file", "data"))).find((f) => /^manifest\.[0-9a-f]+\.json$/.test(f));
  if (!name) throw new Error("dist/_file/data has no manifest json");
  return name;
}
