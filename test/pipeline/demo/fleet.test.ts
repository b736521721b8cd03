import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {mkdtemp, readFile, readdir, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {DEMO_SITES, MAX_DEMO_SITES, generateDemoFleet, scaledDemoSites, type DemoManifest} from "../../../pipeline/demo/index.ts";
import {SITE_MODELS, siteModelOf} from "../../../pipeline/demo/sites.ts";
import {parseConfig} from "../../../pipeline/config.ts";

const SEED = 20240701;

describe("scaledDemoSites", () => {
  it("gives exactly the requested number of sites, with unique ids and names", () => {
    for (const n of [1, 5, 8, 9, 17, 100, 250]) {
      const sites = scaledDemoSites(n, SEED);
      expect(sites).toHaveLength(n);
      expect(new Set(sites.map((s) => s.id)).size).toBe(n);
      expect(new Set(sites.map((s) => s.name)).size).toBe(n);
    }
  });

  it("starts with the 8 built-in sites, unchanged (the same objects)", () => {
    const sites = scaledDemoSites(100, SEED);
    expect(sites.slice(0, DEMO_SITES.length)).toEqual([...DEMO_SITES]);
    sites.slice(0, DEMO_SITES.length).forEach((s, i) => expect(s).toBe(DEMO_SITES[i]));
    expect(scaledDemoSites(3, SEED)).toEqual(DEMO_SITES.slice(0, 3));
    for (const s of DEMO_SITES) expect(s).not.toHaveProperty("parent_id");
  });

  it("is deterministic: same seed, same sites; a smaller fleet is a prefix of a larger one", () => {
    const a = scaledDemoSites(100, SEED);
    expect(scaledDemoSites(100, SEED)).toEqual(a);
    expect(scaledDemoSites(40, SEED)).toEqual(a.slice(0, 40));
    const other = scaledDemoSites(100, SEED + 1);
    expect(other.slice(0, 8)).toEqual(a.slice(0, 8));
    expect(other.slice(8).map((s) => [s.lat, s.lon, s.capacity_kw])).not.toEqual(a.slice(8).map((s) => [s.lat, s.lon, s.capacity_kw]));
  });

  it("derives each extra site from a built-in parent: same zone, climate, format and model, nearby, similar plant", () => {
    const sites = scaledDemoSites(100, SEED);
    sites.slice(8).forEach((site, j) => {
      const parent = DEMO_SITES[j % DEMO_SITES.length];
      expect(site.parent_id).toBe(parent.id);
      expect(site.id).toBe(`${parent.id}-${String(Math.floor((j + 8) / 8)).padStart(3, "0")}`);
      expect(site.id).toMatch(/^[a-z0-9-]+$/);
      for (const key of ["timezone", "climate", "unit", "delimiter", "timestamp_column", "power_column"] as const) expect(site[key]).toBe(parent[key]);
      expect(siteModelOf(site)).toBe(SITE_MODELS[parent.id]);
      expect(Math.abs(site.lat - parent.lat)).toBeLessThanOrEqual(0.4);
      expect(Math.abs(site.lon - parent.lon)).toBeLessThanOrEqual(0.4);
      expect(site.capacity_kw / parent.capacity_kw).toBeGreaterThanOrEqual(0.45);
      expect(site.capacity_kw / parent.capacity_kw).toBeLessThanOrEqual(2.1);
      expect(site.dc_capacity_kw / site.capacity_kw).toBeCloseTo(parent.dc_capacity_kw / parent.capacity_kw, 2);
      expect(Math.abs(site.tilt - parent.tilt)).toBeLessThanOrEqual(5);
      const dAz = Math.abs(((site.azimuth - parent.azimuth + 540) % 360) - 180);
      expect(dAz).toBeLessThanOrEqual(15);
      expect(site.azimuth).toBeGreaterThanOrEqual(0);
      expect(site.azimuth).toBeLessThan(360);
    });
  });

  it("rejects counts out of range", () => {
    expect(() => scaledDemoSites(0, SEED)).toThrow(/count/);
    expect(() => scaledDemoSites(2.5, SEED)).toThrow(/count/);
    expect(() => scaledDemoSites(MAX_DEMO_SITES + 1, SEED)).toThrow(/count/);
    expect(scaledDemoSites(MAX_DEMO_SITES, SEED).at(-1)!.id).toBe("in-chennai-999");
  });

  it("config: demo.count is optional and absent by default, so the default config is unchanged", () => {
    expect(parseConfig({demo: {}}).config.demo).not.toHaveProperty("count");
    expect(parseConfig({demo: {count: 100}}).config.demo!.count).toBe(100);
    expect(() => parseConfig({demo: {count: 0}})).toThrow();
  });
});

describe("generateDemoFleet with count", () => {
  const span = {start: "2025-06-01T00:00:00Z", end: "2025-06-04T00:00:00Z"}; // 3 days
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "sunline-demo-fleet-test-"));
    await generateDemoFleet(join(root, "default"), {seed: SEED, ...span});
    await generateDemoFleet(join(root, "n11"), {seed: SEED, ...span, count: 11});
    await generateDemoFleet(join(root, "n11-again"), {seed: SEED, ...span, count: 11});
  });
  afterAll(async () => {
    if (root) await rm(root, {recursive: true, force: true});
  });

  it("writes one production file per site; the built-in sites' files are byte-identical to the default demo's", async () => {
    const files = (await readdir(join(root, "n11", "production"))).sort();
    const sites = scaledDemoSites(11, SEED);
    expect(files).toEqual(sites.map((s) => `${s.id}.csv`).sort());
    for (const s of DEMO_SITES) {
      expect(await readFile(join(root, "n11", "production", `${s.id}.csv`))).toEqual(await readFile(join(root, "default", "production", `${s.id}.csv`)));
    }
    // A derived site's data is its own, not a copy of its parent's.
    const child = await readFile(join(root, "n11", "production", "de-freiburg-001.csv"), "utf8");
    const parent = await readFile(join(root, "n11", "production", "de-freiburg.csv"), "utf8");
    expect(child.split("\n")[0]).toBe(parent.split("\n")[0]); // same logger format
    expect(child).not.toBe(parent);
  });

  it("is deterministic and lists every site in the manifest and the weather files", async () => {
    for (const f of ["demo-manifest.json", "labels.csv", "weather/demo_weather.csv", "weather/demo_weather_forecast.csv", "production/us-phoenix-001.csv"])
      expect(await readFile(join(root, "n11-again", f))).toEqual(await readFile(join(root, "n11", f)));
    const manifest = JSON.parse(await readFile(join(root, "n11", "demo-manifest.json"), "utf8")) as DemoManifest;
    expect(manifest.sites.map((s) => s.id)).toEqual(scaledDemoSites(11, SEED).map((s) => s.id));
    expect(manifest.sites[8].parent_id).toBe("de-freiburg");
    const weather = await readFile(join(root, "n11", "weather", "demo_weather.csv"), "utf8");
    const weatherSites = new Set(weather.trim().split("\n").slice(1).map((l) => l.split(",")[0]));
    expect(weatherSites.size).toBe(11);
  });

  it("accepts a subset of a scaled fleet's ids and rejects unknown ones", async () => {
    const out = await generateDemoFleet(join(root, "subset"), {seed: SEED, ...span, count: 20, sites: ["es-seville-001", "de-freiburg"]});
    expect(out.productionFiles.map((f) => f.site_id)).toEqual(["de-freiburg", "es-seville-001"]);
    await expect(generateDemoFleet(join(root, "bad"), {seed: SEED, ...span, sites: ["es-seville-001"]})).rejects.toThrow(/Unknown demo site/);
  });
});
