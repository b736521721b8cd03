// The Backtest page, built from the demo snapshot, in real Chromium: the walk-forward headline with
// its data / period / weather statement, the error charts (over time, by horizon, site and hour),
// the skill table, interval coverage, the drift table with a distribution on demand, the
// retraining decision and history, the registry, and model selection (empty on the demo). The
// numbers on the page are checked against the built Parquet files, read with DuckDB. Nothing may
// leave 127.0.0.1 and no console errors.
import {DuckDBInstance} from "@duckdb/node-api";
import {readFileSync} from "node:fs";
import {mkdtemp, readdir} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {Locator, Page} from "playwright-core";
import {beforeAll, describe, expect, it} from "vitest";
import {chromiumMissingReason, DIST, SCREENSHOTS, useBuiltSite, watchPage} from "./browser.ts";

const missing = chromiumMissingReason();
if (missing) console.warn(`skipping the Backtest page test: ${missing}`);

type Row = Record<string, unknown>;

interface Manifest {
  snapshot_id: string;
  project?: string;
  backtest?: {enabled: boolean; reused: boolean; windows: number; seconds: number; note: string | null};
  forecast?: {retraining?: {decision: string; reasons: string[]; model_age_days: number | null; rmse_ratio: number | null; critical_drift: string[]}};
}

const DATA = join(DIST, "_file", "data");
const fileOf = (files: string[], table: string) => files.find((f) => f.startsWith(`${table}.`) && f.endsWith(".parquet"))!;
const fixed = (x: number, digits: number) => x.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});

describe.skipIf(missing !== null)("Backtest page in Chromium", () => {
  const site = useBuiltSite("backtest.html");
  let manifest: Manifest;
  let files: string[];
  const tables: Record<string, Row[]> = {};

  beforeAll(async () => {
    files = await readdir(DATA);
    const name = files.find((f) => /^manifest\.[0-9a-f]+\.json$/.test(f))!;
    manifest = JSON.parse(readFileSync(join(DATA, name), "utf8"));
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    for (const table of ["backtest_windows", "backtest_metrics", "backtest_by_hour", "drift", "retraining", "model_registry", "model_selection"]) {
      const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet('${join(DATA, fileOf(files, table))}')`);
      tables[table] = reader.getRowObjectsJson() as Row[];
    }
    conn.closeSync();
  });

  const card = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
  const plots = (scope: Locator) => scope.locator("figure > svg, div > svg[class^='plot-']");
  const fleet = (window: number, horizon: string, model: string) =>
    tables.backtest_metrics.find((r) => r.window === window && r.site_id === "fleet" && r.horizon === horizon && r.model === model)!;

  async function open(): Promise<{page: Page; problems: string[]}> {
    const page = await site.browser.newPage({viewport: {width: 1400, height: 900}});
    const problems = watchPage(page);
    await page.goto(`${site.server.url}/backtest`, {waitUntil: "load"});
    await plots(card(page, "backtest-over-time")).first().waitFor({timeout: 30_000});
    return {page, problems};
  }

  it("headlines the walk-forward backtest with the figures of backtest_metrics and says on what data", async () => {
    expect(manifest.backtest?.enabled).toBe(true);
    expect(tables.backtest_windows.length).toBeGreaterThan(1);
    const {page, problems} = await open();
    expect(await card(page, "backtest-disabled").count()).toBe(0);
    const hybrid = fleet(0, "all", "hybrid");
    expect(await card(page, "backtest-nrmse").innerText()).toBe(`${fixed(hybrid.nrmse_pct as number, 2)}%`);
    expect(await card(page, "backtest-skill-kpi").innerText()).toBe(fixed(hybrid.skill_rmse as number, 2));
    expect(await card(page, "backtest-coverage80").innerText()).toContain(`${((hybrid.coverage80 as number) * 100).toFixed(1)}%`);
    expect(await card(page, "backtest-coverage95").innerText()).toContain(`${((hybrid.coverage95 as number) * 100).toFixed(1)}%`);
    const windows = tables.backtest_windows;
    expect(await card(page, "backtest-origins").innerText()).toBe(`${windows.length} origins`);
    const origins = windows.map((w) => String(w.origin).slice(0, 10)).sort();
    const ends = windows.map((w) => String(w.test_end).slice(0, 10)).sort();
    expect(await card(page, "backtest-period").innerText()).toContain(`${origins[0]} → ${ends.at(-1)}`);
    expect(await card(page, "backtest-period").innerText()).toContain(String(windows[0].mode));
    expect(await card(page, "backtest-run").innerText()).toMatch(manifest.backtest!.reused ? /reused from an earlier run/ : /computed in [\d.]+ s/);

    const context = await card(page, "backtest-context").innerText();
    expect(context).toContain(manifest.project ?? "");
    expect(context).toMatch(/daytime hours only, out of sample: each of the \d+ windows was refitted only on data before its origin/);
    expect(context).toMatch(/Period: scored hours \d{4}-\d\d-\d\d \d\d:\d\d UTC – \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const share = hybrid.forecast_weather_share as number;
    expect(context).toContain(`${Math.round(share * 1000) / 10}% of the scored hours used an archived weather forecast known at issue time`);
    expect(await card(page, "freshness").innerText()).toContain(manifest.snapshot_id);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("charts the error over time, by horizon, by site and by hour, with every model", async () => {
    const {page, problems} = await open();
    const models = [...new Set(tables.backtest_metrics.map((r) => r.model))];
    expect(await card(page, "backtest-over-time").locator("g.backtest-time-line path").count()).toBe(models.length);
    const bars = tables.backtest_metrics.filter((r) => r.window === 0 && r.site_id === "fleet" && r.horizon !== "all");
    expect(await card(page, "backtest-by-horizon").locator("g.backtest-horizon-bar rect").count()).toBe(bars.length);
    const horizon = card(page, "backtest-horizon-table");
    const h1 = fleet(0, "1–24 h", "hybrid").nrmse_pct as number;
    const h2 = fleet(0, "25–48 h", "hybrid").nrmse_pct as number;
    expect(await horizon.locator('tr[data-model="hybrid"]').innerText()).toMatch(new RegExp(`${fixed(h1, 2)}%\\s+${fixed(h2, 2)}%`));
    const perSite = tables.backtest_metrics.filter((r) => r.window === 0 && r.site_id !== "fleet" && r.horizon === "all");
    expect(await card(page, "backtest-by-site").locator("g.backtest-site-dot circle").count()).toBe(perSite.length);
    const sites = new Set(perSite.map((r) => r.site_id)).size;
    expect(await card(page, "backtest-by-site-table").locator("tbody tr").count()).toBe(sites);
    const hours = new Set(tables.backtest_by_hour.map((r) => r.hour_local));
    expect(await card(page, "backtest-hour-table").locator("tbody tr").count()).toBe(hours.size);
    expect(await card(page, "backtest-by-hour").locator("g.backtest-hour-line path").count()).toBe(new Set(tables.backtest_by_hour.map((r) => r.model)).size);
    const noon = tables.backtest_by_hour.find((r) => r.hour_local === 12 && r.model === "hybrid")!;
    const noonRow = card(page, "backtest-hour-table").locator("tbody tr", {hasText: "12:00"});
    expect(await noonRow.innerText()).toContain(fixed(noon.nrmse_pct as number, 1));
    for (const id of ["backtest-over-time", "backtest-by-horizon", "backtest-by-site", "backtest-by-hour"]) {
      const box = await plots(card(page, id)).first().boundingBox();
      expect(box && box.width > 250 && box.height > 100, id).toBe(true);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it("scores every model against the baselines and shows coverage nominal against realised", async () => {
    const {page, problems} = await open();
    const table = card(page, "backtest-skill-table");
    const rows = tables.backtest_metrics.filter((r) => r.window === 0 && r.site_id === "fleet" && r.horizon === "all");
    expect(await table.locator("tbody tr").count()).toBe(rows.length);
    for (const r of rows) {
      const cells = await table.locator(`tr[data-model="${r.model}"] td`).allInnerTexts();
      expect(cells[2], `${r.model} nRMSE`).toBe(`${fixed(r.nrmse_pct as number, 2)}%`);
      expect(cells[3], `${r.model} nMAE`).toBe(`${fixed(r.nmae_pct as number, 2)}%`);
      expect(cells[4], `${r.model} MAPE`).toBe(`${fixed(r.mape_pct as number, 1)}%`);
      expect(cells[5], `${r.model} bias`).toMatch(/^[+−][\d.]+%$/);
      if (r.model !== "smart persistence") expect(cells[6], `${r.model} skill`).toBe(`${(r.skill_rmse as number) >= 0 ? "+" : "−"}${fixed(Math.abs(r.skill_rmse as number), 2)}`);
    }
    expect(await table.locator('tr[data-model="hybrid"] td').nth(7).innerText()).toBe(`${fixed(fleet(0, "all", "hybrid").pinball80_pct as number, 2)}%`);
    expect(await card(page, "backtest-skill").innerText()).toMatch(/weather forecast known at issue time/);

    // One dot per window and level, one per site and level.
    const perWindow = tables.backtest_metrics.filter((r) => r.model === "hybrid" && r.site_id === "fleet" && r.horizon === "all" && (r.window as number) > 0);
    expect(await card(page, "backtest-coverage").locator("g.backtest-coverage-dot circle").count()).toBe(perWindow.length * 2);
    const perSite = tables.backtest_metrics.filter((r) => r.model === "hybrid" && r.site_id !== "fleet" && r.horizon === "all" && r.window === 0);
    expect(await card(page, "backtest-coverage").locator("g.backtest-coverage-site-dot circle").count()).toBe(perSite.length * 2);
    await card(page, "backtest-coverage").locator("summary").click();
    const coverage = card(page, "backtest-coverage-table");
    expect(await coverage.locator("tbody tr").count()).toBe(perWindow.length + perSite.length);
    const first = perWindow.sort((a, b) => (a.window as number) - (b.window as number))[0];
    expect(await coverage.locator("tbody tr").first().innerText()).toContain(`${((first.coverage80 as number) * 100).toFixed(1)}%`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("lists every drift check and shows a row's distributions on demand", async () => {
    const {page, problems} = await open();
    const drift = card(page, "backtest-drift-table");
    await drift.waitFor();
    expect(await drift.locator("tbody tr").count()).toBe(tables.drift.length);
    for (const status of ["ok", "warning", "critical"]) {
      expect(await drift.locator(`tbody [data-status="${status}"]`).count(), status).toBe(tables.drift.filter((r) => r.status === status).length);
    }
    // Error rows say recent against backtest RMSE and the ratio.
    const errors = tables.drift.filter((r) => r.kind === "error");
    expect(await drift.locator('tr[data-kind="error"]').count()).toBe(errors.length);
    const fleetError = errors.find((r) => r.site_id === "fleet");
    if (fleetError) {
      const text = await drift.locator('tr[data-key="fleet|error|rmse"]').innerText();
      expect(text).toContain(`RMSE recent ${fixed(fleetError.rmse_recent_pct as number, 2)}% vs backtest ${fixed(fleetError.rmse_reference_pct as number, 2)}%`);
      expect(text).toContain(`ratio ${fixed(fleetError.rmse_ratio as number, 2)}`);
    }

    // Pick a row other than the one shown by default: its histogram replaces the chart.
    const withHistogram = tables.drift.filter((r) => r.histogram != null);
    expect(withHistogram.length).toBeGreaterThan(1);
    const histogram = card(page, "backtest-drift-histogram");
    await histogram.locator("g.backtest-histogram-bar rect").first().waitFor();
    const before = await histogram.locator("h2").innerText();
    const target = withHistogram.find((r) => r.kind === "weather" && r.status === "ok") ?? withHistogram.at(-1)!;
    const row = drift.locator(`tr[data-key="${target.site_id}|${target.kind}|${target.variable}"]`);
    await row.getByRole("button").click();
    await expect.poll(() => histogram.locator("h2").innerText()).not.toBe(before);
    expect(await row.getAttribute("class")).toContain("forecast-chosen");
    const bins = (JSON.parse(target.histogram as string).edges as number[]).length + 1;
    expect(await histogram.locator("g.backtest-histogram-bar rect").count()).toBe(bins * 2);
    expect(await histogram.innerText()).toContain(`PSI ${fixed(target.psi as number, 3)}`);
    const box = await plots(histogram).first().boundingBox();
    expect(box && box.width > 300 && box.height > 150).toBe(true);
    await histogram.scrollIntoViewIfNeeded();
    await page.screenshot({path: join(SCREENSHOTS, "backtest-drift-histogram.png"), fullPage: false});
    // A click on the row itself (not its button) works too.
    const other = withHistogram.find((r) => r !== target)!;
    await drift.locator(`tr[data-key="${other.site_id}|${other.kind}|${other.variable}"] td`).first().click();
    await expect.poll(() => histogram.innerText()).toContain(`PSI ${fixed(other.psi as number, 3)}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows the latest retraining decision, every decision, the registry and the model selection", async () => {
    const {page, problems} = await open();
    const latest = manifest.forecast!.retraining!;
    const retraining = card(page, "backtest-retraining");
    expect(await retraining.locator(`[data-decision="${latest.decision}"]`).count()).toBe(1);
    const reasons = await card(page, "backtest-retraining-reasons").locator("li").allInnerTexts();
    expect(reasons).toEqual(latest.reasons);
    expect(await retraining.innerText()).toMatch(new RegExp(`Inputs in critical drift\\s+${latest.critical_drift.length}`));
    if (latest.model_age_days != null) expect(await retraining.innerText()).toContain(`${latest.model_age_days} days`);
    expect(await card(page, "backtest-retraining-table").locator("tbody tr").count()).toBe(tables.retraining.length);

    const registry = card(page, "backtest-registry-table");
    expect(await registry.locator("tbody tr").count()).toBe(tables.model_registry.length);
    const inUse = tables.model_registry.filter((r) => r.in_use === true);
    expect(await registry.locator("tbody tr", {hasText: "in use"}).count()).toBe(inUse.length);
    for (const r of inUse.filter((x) => x.reason)) {
      expect(await registry.locator(`tr[data-version="${r.version}"]`).innerText()).toContain(String(r.reason).split("; ")[0]);
    }

    const selection = card(page, "backtest-selection");
    if (tables.model_selection.length === 0) {
      expect(await card(page, "backtest-selection-empty").innerText()).toContain("No model selection yet: npx sunline select scores a small grid of Prophet and GBDT settings");
    } else {
      expect(await selection.locator("tbody tr").count()).toBe(tables.model_selection.length);
      expect(await selection.locator('tr[data-chosen="true"]').count()).toBe(tables.model_selection.filter((r) => r.chosen === true).length);
    }
    await page.evaluate(() => window.scrollTo(0, 0)); // the sidebar is fixed: a full-page shot wants the top
    await page.screenshot({path: join(SCREENSHOTS, "backtest-page.png"), fullPage: true});
    expect(problems).toEqual([]);
    await page.close();
  });

  it("says why there is no backtest and still shows drift and retraining, and lists selection candidates", async () => {
    // Empty copies of the backtest tables (same schema, no rows), as a run with too little history writes them,
    // and a made-up model selection to check the candidates table.
    const tmp = await mkdtemp(join(tmpdir(), "sunline-backtest-"));
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    const replaced = new Map<string, Buffer>();
    for (const table of ["backtest_windows", "backtest_metrics", "backtest_by_hour"]) {
      const out = join(tmp, `${table}.parquet`);
      await conn.run(`COPY (SELECT * FROM read_parquet('${join(DATA, fileOf(files, table))}') LIMIT 0) TO '${out}' (FORMAT parquet)`);
      replaced.set(fileOf(files, table), readFileSync(out));
    }
    const selectionOut = join(tmp, "model_selection.parquet");
    await conn.run(`COPY (
      SELECT created_at::TIMESTAMP AS created_at, stage, label, prophet, gbdt, windows::INTEGER AS windows, n::INTEGER AS n, nrmse_pct::DOUBLE AS nrmse_pct,
        skill_rmse::DOUBLE AS skill_rmse, coverage80::DOUBLE AS coverage80, seconds::DOUBLE AS seconds, chosen::BOOLEAN AS chosen,
        TIMESTAMP '2026-05-02 00:00:00' AS period_start, TIMESTAMP '2026-07-01 00:00:00' AS period_end
      FROM (VALUES
        ('2026-07-01', 'prophet', 'default', '{}', '{}', 2, 12000, 10.9, 0.39, 0.79, 30.0, false),
        ('2026-07-01', 'prophet', 'changepoints 0.5', '{"changepointPriorScale":0.5}', '{}', 2, 12000, 10.7, 0.41, 0.80, 31.0, true),
        ('2026-07-01', 'gbdt', 'depth 4', '{"changepointPriorScale":0.5}', '{"maxDepth":4}', 2, 12000, 10.8, 0.40, 0.78, 20.0, false)
      ) v(created_at, stage, label, prophet, gbdt, windows, n, nrmse_pct, skill_rmse, coverage80, seconds, chosen)
    ) TO '${selectionOut}' (FORMAT parquet)`);
    replaced.set(fileOf(files, "model_selection"), readFileSync(selectionOut));
    conn.closeSync();
    const real = JSON.parse(readFileSync(join(DATA, files.find((f) => /^manifest\.[0-9a-f]+\.json$/.test(f))!), "utf8"));
    const note = "too little history: the first origin needs 90 days of training data";
    const body = {...real, backtest: {...real.backtest, windows: 0, predictions: 0, key: null, note}};

    const page = await site.browser.newPage({viewport: {width: 1400, height: 900}});
    const problems = watchPage(page);
    await page.route("**/_file/data/*.parquet", (route) => {
      const file = new URL(route.request().url()).pathname.split("/").pop()!;
      return replaced.has(file) ? route.fulfill({body: replaced.get(file)!, contentType: "application/octet-stream"}) : route.continue();
    });
    await page.route("**/_file/data/manifest.*.json", (route) => route.fulfill({contentType: "application/json", body: JSON.stringify(body)}));
    await page.goto(`${site.server.url}/backtest`, {waitUntil: "load"});
    await card(page, "backtest-disabled").waitFor({timeout: 30_000});
    expect(await card(page, "backtest-disabled").innerText()).toContain(note);
    await expect.poll(() => card(page, "backtest-summary").isVisible()).toBe(false);
    expect(await card(page, "backtest-over-time").isVisible()).toBe(false);
    await card(page, "backtest-drift-table").waitFor();
    expect(await card(page, "backtest-drift-table").locator("tbody tr").count()).toBe(tables.drift.length);
    expect(await card(page, "backtest-retraining").isVisible()).toBe(true);
    const selection = card(page, "backtest-selection-table");
    await selection.waitFor();
    expect(await selection.locator("tbody tr").count()).toBe(3);
    expect(await selection.locator('tr[data-chosen="true"]').innerText()).toContain("changepoints 0.5");
    expect(await selection.locator("tbody tr").first().innerText()).toContain("changepoints 0.5"); // best nRMSE first within a stage
    await page.screenshot({path: join(SCREENSHOTS, "backtest-empty.png"), fullPage: false});
    expect(problems).toEqual([]);
    await page.close();
  });
});
