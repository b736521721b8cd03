// The Import page in real Chromium against the built site: a CSV picked in the browser is read
// client-side, its detection, quality checks and config snippet show, overrides recompute the
// checks, and nothing leaves the machine.
import {readFileSync} from "node:fs";
import {join} from "node:path";
import type {BrowserContext, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {projectRoot} from "../../scripts/framework.ts";
import * as importer from "../../src/components/importer.js";
import {chromiumMissingReason, SCREENSHOTS, useBuiltSite, watchPage} from "./browser.ts";

const fixture = join(projectRoot, "test", "fixtures", "import", "sample.csv");
const missing = chromiumMissingReason();
if (missing) console.warn(`skipping the Import page test: ${missing}`);

describe.skipIf(missing !== null)("Import page in Chromium", () => {
  const site = useBuiltSite("import.html");
  let context: BrowserContext;

  beforeAll(async () => {
    // A fixed zone: it is the default for naive stamps and the site's zone in the snippet.
    context = await site.browser.newContext({viewport: {width: 1280, height: 900}, timezoneId: "America/Denver"});
    await context.grantPermissions(["clipboard-read", "clipboard-write"], {origin: site.server.url});
  });

  afterAll(async () => {
    await context?.close();
  });

  const card = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
  const check = (page: Page, name: string) => page.locator(`[data-testid="import-quality"] tr[data-check="${name}"] td.num`).innerText();

  it("shows the built-in example until a file is picked", async () => {
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto(`${site.server.url}/import`, {waitUntil: "load"});
    await card(page, "import-chart").locator("svg").first().waitFor({timeout: 30_000});
    await expect.poll(() => card(page, "import-example").innerText()).toContain("built-in example");
    expect(await card(page, "fact-delimiter").innerText()).toContain("semicolon");
    expect(await card(page, "fact-zone").innerText()).toContain("naive local time");
    expect(await card(page, "fact-zone").innerText()).toContain("America/Denver");
    expect(await card(page, "import-snippet").innerText()).toContain('format: "%d.%m.%Y %H:%M"');
    await page.screenshot({path: join(SCREENSHOTS, "import-example.png"), fullPage: true});
    expect(problems).toEqual([]);
    await page.close();
  });

  it("reads a picked CSV in the browser: detection, quality counts, snippet, overrides", async () => {
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto(`${site.server.url}/import`, {waitUntil: "load"});
    await card(page, "import-detection").waitFor({timeout: 30_000});
    await page.locator('[data-testid="import-pick"] input[type="file"]').setInputFiles(fixture);

    // Detection card.
    await expect.poll(() => card(page, "import-detection").locator("h3").first().innerText(), {timeout: 15_000}).toContain("sample.csv");
    expect(await card(page, "import-example").count()).toBe(0);
    expect(await card(page, "fact-delimiter").innerText()).toContain("comma");
    expect(await card(page, "fact-header").innerText()).toMatch(/line 3, 4 columns[\s\S]*1 preamble · 1 comment · 0 blank/);
    expect(await card(page, "fact-timestamp").innerText()).toContain("Timestamp as ISO 8601");
    expect(await card(page, "fact-zone").innerText()).toContain("carry a UTC offset (-07:00)");
    expect(await card(page, "fact-interval").innerText()).toContain("every 15 min");
    expect(await card(page, "fact-value").innerText()).toMatch(/AC Power \(kW\): power, kW/);

    // Quality counts on the whole file (the fixture's faults, see its generator notes in the test below).
    expect(await check(page, "rows_read")).toBe("183");
    expect(await check(page, "rejected_lines")).toBe("2");
    expect(await check(page, "preamble_lines")).toBe("1");
    expect(await check(page, "duplicate_rows")).toBe("1");
    expect(await check(page, "negative_values_zeroed")).toBe("70");
    expect(await check(page, "outlier_samples")).toBe("1");
    expect(await check(page, "stuck_runs")).toBe("1");
    expect(await check(page, "hours_missing")).toBe("3");
    expect(await check(page, "coverage_pct")).toBe("93.75");
    const rejects = await card(page, "import-rejects").innerText();
    expect(rejects).toContain('not a number: "n/a"');
    expect(rejects).toContain("expected 4 fields, found 1");
    expect(await card(page, "import-chart").locator("svg").count()).toBeGreaterThan(0);
    expect(await card(page, "import-preview").locator("table").count()).toBeGreaterThan(0);

    // The snippet, and the copy button putting exactly it on the clipboard.
    const snippet = await card(page, "import-snippet").locator("pre").innerText();
    expect(snippet).toContain('path: "data/sample.csv", site_id: "sample"');
    expect(snippet).toContain('timestamp: {column: "Timestamp"}');
    expect(snippet).toContain('value: {column: "AC Power (kW)", unit: "kW"}');
    expect(snippet).toMatch(/timezone: "America\/Denver",\s+capacity_kw: 30,/);
    await card(page, "import-snippet").locator('[data-testid="copy-snippet"]').click();
    await expect.poll(() => card(page, "import-snippet").locator('[data-testid="copy-snippet"]').innerText()).toContain("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(snippet.trim());
    await page.screenshot({path: join(SCREENSHOTS, "import.png"), fullPage: true});

    // Overrides recompute: a 10 kW capacity makes more readings outliers, as the importer says.
    const table = importer.parseDelimited(readFileSync(fixture, "utf8"));
    const samples = importer.readSamples(table, {timestampColumn: 0, valueColumn: 1}).samples;
    const expected = importer.qualityChecks(samples, {capacityKw: 10, unit: "kW"}).outliers;
    expect(expected).toBeGreaterThan(1);
    await page.getByLabel("Capacity, kW AC").fill("10");
    await expect.poll(() => check(page, "outlier_samples")).toBe(String(expected));
    expect(await card(page, "import-snippet").locator("pre").innerText()).toContain("capacity_kw: 10,");
    // The counter column with interval-end stamps: the snippet says so.
    await page.getByLabel("Production", {exact: true}).selectOption({label: "Energy Total (kWh) (counter)"});
    await expect.poll(() => card(page, "import-snippet").locator("pre").innerText()).toContain('value: {column: "Energy Total (kWh)", unit: "kWh", kind: "counter"}');
    expect(await card(page, "import-snippet").locator("pre").innerText()).toContain('interval: "end"');
    expect(problems).toEqual([]);
    await page.close();
  });
});
