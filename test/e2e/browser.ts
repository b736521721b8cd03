// Headless Debian Chromium through playwright-core, with the flags this machine needs offline.
import {spawnSync} from "node:child_process";
import {existsSync} from "node:fs";
import {join} from "node:path";
import {projectRoot} from "../../scripts/framework.ts";
import {chromium, type Browser, type Page} from "playwright-core";
import {mkdir} from "node:fs/promises";
import {afterAll, beforeAll} from "vitest";
import {serveStatic, type StaticServer} from "../../scripts/staticServer.ts";

export const CHROMIUM_PATH = process.env.SUNLINE_CHROMIUM ?? "/usr/bin/chromium";

export function chromiumMissingReason(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set SUNLINE_CHROMIUM)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      // Without these Chromium keeps dialling Google services, which a closed network refuses.
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  });
}

/** Console errors, uncaught exceptions, failed requests and any request that leaves loopback. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on("request", (req) => {
    const url = new URL(req.url());
    // A blob: URL (DuckDB-WASM starts its worker from one) lives at the page's origin: check that origin.
    const host = url.protocol === "blob:" ? new URL(url.pathname).hostname : url.hostname;
    if (!["127.0.0.1", "localhost"].includes(host) && url.protocol !== "data:") problems.push(`outside request: ${req.url()}`);
  });
  return problems;
}

/**
 * The built site's folder, building it first on a fresh checkout (so the tests check the real
 * artefact). `page` (e.g. "weather.html") must exist afterwards, or the page is not configured.
 */
export function ensureBuiltSite(page = "index.html"): string {
  const dist = join(projectRoot, "dist");
  if (!existsSync(join(dist, page))) {
    const build = spawnSync("npm", ["run", "build"], {cwd: projectRoot, stdio: "inherit"});
    if (build.status !== 0) throw new Error("npm run build failed; see its output above");
    if (!existsSync(join(dist, page))) throw new Error(`dist/${page} is missing: is its page listed in observablehq.config.ts pages?`);
  }
  return dist;
}

/** Where the page tests put their screenshots. */
export const SCREENSHOTS = join(projectRoot, "test-results", "e2e");
/** The built site. */
export const DIST = join(projectRoot, "dist");

export interface BuiltSite {
  server: StaticServer;
  browser: Browser;
}

/**
 * For a describe block: before its tests, the built site (built first on a fresh checkout; `page`
 * must be in it) served on 127.0.0.1 and Chromium launched; after them, both closed. The fields
 * are set once the block's first beforeAll has run.
 */
export function useBuiltSite(page: string): BuiltSite {
  const site = {} as BuiltSite;
  beforeAll(async () => {
    ensureBuiltSite(page);
    await mkdir(SCREENSHOTS, {recursive: true});
    site.server = await serveStatic(DIST);
    site.browser = await launchChromium();
  });
  afterAll(async () => {
    await site.browser?.close();
    await site.server?.close();
  });
  return site;
}

/** A request a page makes on purpose and expects to fail with this status (the Ask page probing an absent /api). */
export interface ExpectedFailure {
  path: string;
  status: number;
}

/**
 * watchPage, except Chromium's console line "Failed to load resource: … status of N" for the given
 * URL paths and statuses, which the page asked for knowing they may fail. Those requests are listed
 * in `expected` (URLs), so a test can check they happened; any other problem stays in `problems`.
 */
export function watchPageExpecting(page: Page, failures: readonly ExpectedFailure[]): {problems: string[]; expected: string[]} {
  const problems = watchPage(page);
  const expected: string[] = [];
  // Registered after watchPage's own listener, so it runs second and takes back the line just added.
  page.on("console", (msg) => {
    const status = Number(/^Failed to load resource: the server responded with a status of (\d+)/.exec(msg.text())?.[1]);
    const url = msg.location().url;
    if (msg.type() !== "error" || !status || !url) return;
    if (!failures.some((f) => f.status === status && new URL(url).pathname === f.path)) return;
    const at = problems.lastIndexOf(`console: ${msg.text()}`);
    if (at >= 0) problems.splice(at, 1);
    expected.push(url);
  });
  return {problems, expected};
}
