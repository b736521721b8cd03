// The Anomalies page, built from the demo snapshot, in real Chromium: the headline figures and the
// evaluation against the injected faults, the events table with its filters, the selected event's
// chart (measured, expected, forecast band, flagged hours, weather), the sensitivity slider
// re-flagging from the stored z-scores, the weekly top alarms and the energy lost per site. Figures
// on the page are checked against the built Parquet files, read with DuckDB. Nothing may leave
// 127.0.0.1 and no console errors.
import {DuckDBInstance} from "@duckdb/node-api";
import {readFileSync} from "node:fs";
import {readdir} from "node:fs/promises";
import {join} from "node:path";
import type {Page} from "playwright-core";
import {beforeAll, describe, expect, it} from "vitest";
import {chromiumMissingReason, DIST, SCREENSHOTS, useBuiltSite, watchPage} from "./browser.ts";

const missing = chromiumMissingReason();
if (missing) console.warn(`skipping the Anomalies page test: ${missing}`);

type Row = Record<string, unknown>;
const DATA = join(DIST, "_file", "data");
const fileOf = (files: string[], table: string) => join(DATA, files.find((f) => f.startsWith(`${table}.`) && f.endsWith(".parquet"))!);

describe.skipIf(missing !== null)("Anomalies page in Chromium", () => {
  const site = useBuiltSite("anomalies.html");
  let manifest: {snapshot_id: string; anomaly?: {flagged_hours: number; options: {threshold: number}}};
  const q: {events: Row[]; evaluation: Row[]; flaggedAt: (t: number) => Promise<number>} = {events: [], evaluation: [], flaggedAt: async () => 0};

  beforeAll(async () => {
    const files = await readdir(DATA);
    manifest = JSON.parse(readFileSync(join(DATA, files.find((f) => /^manifest\.[0-9a-f]+\.json$/.test(f))!), "utf8"));
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Row[];
    q.events = await rows(`SELECT * FROM read_parquet('${fileOf(files, "anomaly_events")}')`);
    q.evaluation = await rows(`SELECT * FROM read_parquet('${fileOf(files, "anomaly_evaluation")}')`);
    const hours = fileOf(files, "anomalies");
    q.flaggedAt = async (t) => Number((await rows(`SELECT count(*) AS n FROM read_parquet('${hours}') WHERE abs(z) > ${t}`))[0].n);
  });

  const card = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
  const alarms = () => q.events.filter((e) => e.direction === "under" && e.severity !== "low");

  async function open(): Promise<{page: Page; problems: string[]}> {
    const page = await site.browser.newPage({viewport: {width: 1400, height: 900}});
    const problems = watchPage(page);
    await page.goto(`${site.server.url}/anomalies`, {waitUntil: "load"});
    await card(page, "anomaly-detail").locator("svg").first().waitFor({timeout: 30_000});
    return {page, problems};
  }

  it("headlines the alarms and the score against the injected faults, with the method and period", async () => {
    const {page, problems} = await open();
    expect(alarms().length).toBeGreaterThan(0);
    expect(await card(page, "anomaly-alarms").innerText()).toBe(alarms().length.toLocaleString("en-US"));
    const all = q.evaluation.find((r) => r.fault === "all")!;
    expect(await card(page, "anomaly-precision").innerText()).toBe(`precision ${(all.precision as number).toFixed(2)}`);
    expect(await card(page, "anomaly-recall").innerText()).toBe(`recall ${(all.recall as number).toFixed(2)}`);
    expect(await card(page, "anomaly-flagged").innerText()).toBe(manifest.anomaly!.flagged_hours.toLocaleString("en-US"));
    const context = await card(page, "anomaly-context").innerText();
    expect(context).toMatch(/performance model run on the observed weather/);
    expect(context).toMatch(/Scored against \d+ labelled faults of the demo fleet over the daytime hours \d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d/);
    expect(await card(page, "anomaly-evaluation").locator("tbody tr").count()).toBe(q.evaluation.length);
    expect(await card(page, "anomaly-evaluation").locator('tr[data-fault="outage"]').innerText()).toContain(String(q.evaluation.find((r) => r.fault === "outage")!.found));
    expect(await card(page, "freshness").innerText()).toContain(manifest.snapshot_id);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("lists the alarms, filters by site and severity, and shows the selected event with its weather", async () => {
    const {page, problems} = await open();
    const heading = card(page, "anomaly-events").locator("h2");
    expect(await heading.innerText()).toMatch(new RegExp(`^${alarms().length} events`));
    // The largest alarm is selected at first: its chart has measured, expected and forecast lines,
    // red dots on its flagged hours, and the GHI panel.
    const detail = card(page, "anomaly-detail");
    for (const cls of ["anomaly-actual-line", "anomaly-expected-line", "anomaly-ghi-line"]) expect(await detail.locator(`g.${cls} path`).count(), cls).toBeGreaterThan(0);
    expect(await detail.locator("g.anomaly-flag-dot circle").count()).toBeGreaterThan(0);
    const biggest = alarms().sort((a, b) => (b.energy_gap_kwh as number) - (a.energy_gap_kwh as number))[0];
    expect(await card(page, "anomaly-detail-text").innerText()).toContain(`over ${biggest.hours} flagged hours`);
    await page.screenshot({path: join(SCREENSHOTS, "anomalies-page.png"), fullPage: true});

    // Filter to one site, then add the low events.
    const siteId = String(biggest.site_id);
    const select = card(page, "anomaly-filters").locator("select");
    await select.selectOption((await select.locator("option", {hasText: `(${siteId})`}).getAttribute("value"))!);
    const ofSite = alarms().filter((e) => e.site_id === siteId).length;
    await expect.poll(() => heading.innerText()).toMatch(new RegExp(`^${ofSite} events`));
    await card(page, "anomaly-filters").getByLabel("low").check();
    const all = q.events.filter((e) => e.site_id === siteId).length;
    await expect.poll(() => heading.innerText()).toMatch(new RegExp(`^${all} events`));
    // Picking another row shows that event.
    const row = card(page, "anomaly-events").locator("tbody tr").nth(1);
    await row.locator("input").check();
    const hoursCell = await row.locator("td").nth(4).innerText();
    await expect.poll(() => card(page, "anomaly-detail-text").innerText()).toContain(`over ${hoursCell.trim()} flagged hours`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("the sensitivity slider re-flags from the stored z-scores", async () => {
    const {page, problems} = await open();
    const text = card(page, "anomaly-sensitivity-text");
    const configured = manifest.anomaly!.options.threshold;
    expect(await text.innerText()).toContain(`${(await q.flaggedAt(configured)).toLocaleString("en-US")} hours flagged`);
    const dotsBefore = await card(page, "anomaly-detail").locator("g.anomaly-flag-dot circle").count();
    const slider = card(page, "anomaly-sensitivity").locator('input[type="number"]');
    await slider.fill("6");
    await slider.press("Enter");
    await expect.poll(() => text.innerText()).toContain(`At |z| > 6.0: ${(await q.flaggedAt(6)).toLocaleString("en-US")} hours flagged`);
    expect(await card(page, "anomaly-detail").locator("g.anomaly-flag-dot circle").count()).toBeLessThanOrEqual(dotsBefore);
    const siteRows = card(page, "anomaly-sensitivity").locator("tbody tr");
    expect(await siteRows.count()).toBeGreaterThan(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows the top alarms per week and the energy lost per site", async () => {
    const {page, problems} = await open();
    expect(await card(page, "anomaly-weekly").locator("tbody tr").count()).toBeGreaterThan(0);
    const sitesWithAlarms = new Set(alarms().map((e) => e.site_id)).size;
    expect(await card(page, "anomaly-loss-by-site").locator("g.anomaly-loss-bar rect").count()).toBe(2 * sitesWithAlarms);
    await card(page, "anomaly-weekly").scrollIntoViewIfNeeded();
    await page.screenshot({path: join(SCREENSHOTS, "anomalies-weekly.png"), fullPage: false});
    expect(problems).toEqual([]);
    await page.close();
  });
});
