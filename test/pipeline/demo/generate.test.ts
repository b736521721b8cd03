import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {mkdtemp, readFile, rm} from "node:fs/promises";
import {existsSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {DEMO_GENERATOR_VERSION, DEMO_SITES, generateDemoFleet, type DemoOutput, type DemoSite} from "../../../pipeline/demo/index.ts";
import {hourlyWeather, simulateSite} from "../../../pipeline/demo/simulate.ts";
import {ZoneOffsets, formatNaive} from "../../../pipeline/demo/timezone.ts";
import {solarPosition} from "../../../pipeline/solar/solarPosition.ts";

const SEED = 20240701;
// Span A: Berlin/Madrid spring forward (Mar 30), Santiago (Apr 5/6) and Sydney (Apr 6) fall back.
const A = {start: "2025-03-28T00:00:00Z", end: "2025-04-08T00:00:00Z"};
// Span B: Sydney spring forward (Oct 5), Berlin fall back (Oct 26), Denver fall back (Nov 2); > 30 days.
const B = {start: "2025-10-01T00:00:00Z", end: "2025-11-05T00:00:00Z"};
const Q = 15 * 60_000;

let root: string;
let outA: DemoOutput, outA2: DemoOutput, outA3: DemoOutput, outB: DemoOutput;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sunline-demo-test-"));
  outA = await generateDemoFleet(join(root, "a"), {seed: SEED, ...A});
  outA2 = await generateDemoFleet(join(root, "a2"), {seed: SEED, ...A});
  outA3 = await generateDemoFleet(join(root, "a3"), {seed: SEED + 1, ...A, sites: ["us-phoenix", "de-freiburg"]});
  outB = await generateDemoFleet(join(root, "b"), {seed: SEED, ...B});
});

afterAll(async () => {
  if (root) await rm(root, {recursive: true, force: true});
});

interface Parsed {
  header: string;
  /** All data lines, in file order. */
  lines: string[];
  /** Well-formed rows (second copies of exact duplicates skipped). */
  rows: {ts: string; value: number}[];
  malformed: string[];
  duplicates: number;
}

async function parseProduction(out: DemoOutput, site: DemoSite): Promise<Parsed> {
  const path = out.productionFiles.find((f) => f.site_id === site.id)!.path;
  const text = await readFile(path, "utf8");
  expect(text.endsWith("\n")).toBe(true);
  const [header, ...lines] = text.slice(0, -1).split("\n");
  const d = site.delimiter;
  const valid = new RegExp(`^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d)${d}(-?\\d+(?:\\.\\d+)?)$`);
  const rows: Parsed["rows"] = [];
  const malformed: string[] = [];
  let duplicates = 0;
  lines.forEach((line, i) => {
    if (i > 0 && line === lines[i - 1]) {
      duplicates++;
      return;
    }
    const m = valid.exec(line);
    if (m) rows.push({ts: m[1], value: Number(m[2])});
    else malformed.push(line);
  });
  return {header, lines, rows, malformed, duplicates};
}

async function manifestOf(out: DemoOutput) {
  return JSON.parse(await readFile(out.manifestPath, "utf8"));
}

function siteById(id: string): DemoSite {
  return DEMO_SITES.find((s) => s.id === id)!;
}

/** Local timestamps that occur more than once among well-formed rows. */
function repeated(rows: Parsed["rows"]): string[] {
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(r.ts, (seen.get(r.ts) ?? 0) + 1);
  return [...seen].filter(([, c]) => c > 1).map(([ts]) => ts).sort();
}

function corr(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2; }
  return sab / Math.sqrt(saa * sbb);
}

describe("generateDemoFleet files", () => {
  it("writes one production CSV per site with the site's header, plus weather, labels and manifest", async () => {
    expect(outA.productionFiles.map((f) => f.site_id)).toEqual(DEMO_SITES.map((s) => s.id));
    for (const p of [outA.weatherPath, outA.labelsPath, outA.manifestPath]) expect(existsSync(p)).toBe(true);
    expect(DEMO_SITES.length).toBeGreaterThanOrEqual(8);
    expect(new Set(DEMO_SITES.map((s) => s.timestamp_column)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(DEMO_SITES.map((s) => s.delimiter))).toEqual(new Set([",", ";"]));
    expect(new Set(DEMO_SITES.map((s) => s.unit))).toEqual(new Set(["W", "kW"]));
    for (const site of DEMO_SITES) {
      const p = await parseProduction(outA, site);
      expect(p.header).toBe(`${site.timestamp_column}${site.delimiter}${site.power_column}`);
      expect(p.rows.length).toBeGreaterThan(900);
    }
    const m = await manifestOf(outA);
    expect(m.generator_version).toBe(DEMO_GENERATOR_VERSION);
    expect(m.seed).toBe(SEED);
    expect(m.start_utc).toBe("2025-03-28T00:00:00Z");
    expect(m.sites.map((s: {id: string}) => s.id)).toEqual(DEMO_SITES.map((s) => s.id));
  });

  it("is byte-identical for the same seed and options, and differs for another seed", async () => {
    const pairs: [string, string][] = [
      [outA.weatherPath, outA2.weatherPath], [outA.labelsPath, outA2.labelsPath], [outA.manifestPath, outA2.manifestPath],
      ...outA.productionFiles.map((f, i): [string, string] => [f.path, outA2.productionFiles[i].path])
    ];
    for (const [x, y] of pairs) expect((await readFile(x)).equals(await readFile(y))).toBe(true);
    for (const f of outA3.productionFiles) {
      const same = outA.productionFiles.find((g) => g.site_id === f.site_id)!;
      expect((await readFile(f.path)).equals(await readFile(same.path))).toBe(false);
    }
    expect(outA3.productionFiles.map((f) => f.site_id)).toEqual(["de-freiburg", "us-phoenix"]);
  });

  it("writes local wall-clock time: spring-forward hour absent, fall-back hour twice in order", async () => {
    const freiburgA = await parseProduction(outA, siteById("de-freiburg"));
    const ts = freiburgA.rows.map((r) => r.ts);
    expect(ts.some((t) => t.startsWith("2025-03-30 02:"))).toBe(false);
    const i = ts.indexOf("2025-03-30 01:45:00");
    expect(ts[i + 1]).toBe("2025-03-30 03:00:00");
    expect(repeated(freiburgA.rows)).toEqual([]);

    const sydneyA = await parseProduction(outA, siteById("au-sydney"));
    expect(repeated(sydneyA.rows)).toEqual(["2025-04-06 02:00:00", "2025-04-06 02:15:00", "2025-04-06 02:30:00", "2025-04-06 02:45:00"]);
    const s = sydneyA.rows.map((r) => r.ts);
    const j = s.indexOf("2025-04-06 02:00:00");
    expect(s.slice(j, j + 9)).toEqual([
      "2025-04-06 02:00:00", "2025-04-06 02:15:00", "2025-04-06 02:30:00", "2025-04-06 02:45:00",
      "2025-04-06 02:00:00", "2025-04-06 02:15:00", "2025-04-06 02:30:00", "2025-04-06 02:45:00", "2025-04-06 03:00:00"
    ]);
    const santiagoA = await parseProduction(outA, siteById("cl-santiago"));
    expect(repeated(santiagoA.rows)).toEqual(["2025-04-05 23:00:00", "2025-04-05 23:15:00", "2025-04-05 23:30:00", "2025-04-05 23:45:00"]);

    const sydneyB = await parseProduction(outB, siteById("au-sydney"));
    expect(sydneyB.rows.some((r) => r.ts.startsWith("2025-10-05 02:"))).toBe(false);
    expect(sydneyB.rows.some((r) => r.ts === "2025-10-05 03:00:00")).toBe(true);
    expect(repeated((await parseProduction(outB, siteById("de-freiburg"))).rows)).toEqual(
      ["2025-10-26 02:00:00", "2025-10-26 02:15:00", "2025-10-26 02:30:00", "2025-10-26 02:45:00"]);
    expect(repeated((await parseProduction(outB, siteById("us-denver"))).rows)).toEqual(
      ["2025-11-02 01:00:00", "2025-11-02 01:15:00", "2025-11-02 01:30:00", "2025-11-02 01:45:00"]);
    for (const id of ["us-phoenix", "in-chennai", "za-cape-town"]) {
      expect(repeated((await parseProduction(outB, siteById(id))).rows)).toEqual([]);
    }
    const m = await manifestOf(outB);
    const dst = Object.fromEntries(m.sites.map((x: {id: string; quirks: {dst_repeated_rows: number}}) => [x.id, x.quirks.dst_repeated_rows]));
    expect(dst).toMatchObject({"de-freiburg": 4, "us-denver": 4, "au-sydney": 0, "us-phoenix": 0});
  });

  it("labels every site with at least one well-formed fault inside the span", async () => {
    for (const [out, span] of [[outA, A], [outB, B]] as const) {
      const [header, ...rows] = (await readFile(out.labelsPath, "utf8")).trim().split("\n");
      expect(header).toBe("site_id,fault,start_utc,end_utc,magnitude,description");
      const perSite = new Map<string, Set<string>>();
      for (const row of rows) {
        const f = row.split(",");
        expect(f.length).toBe(6);
        const [siteId, fault, s, e, mag] = f;
        expect(["outage", "partial_outage", "soiling", "curtailment"]).toContain(fault);
        expect(s).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(e).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(Date.parse(s)).toBeLessThan(Date.parse(e));
        expect(Date.parse(s)).toBeGreaterThanOrEqual(Date.parse(span.start));
        expect(Date.parse(e)).toBeLessThanOrEqual(Date.parse(span.end));
        expect(Number(mag)).toBeGreaterThan(0);
        expect(Number(mag)).toBeLessThanOrEqual(1);
        if (!perSite.has(siteId)) perSite.set(siteId, new Set());
        perSite.get(siteId)!.add(fault);
      }
      expect([...perSite.keys()].sort()).toEqual(DEMO_SITES.map((s) => s.id).sort());
      // Fault types are spread across the fleet.
      expect(new Set([...perSite.values()].flatMap((x) => [...x])).size).toBeGreaterThanOrEqual(3);
    }
  });

  it("records quirk counts that match what is in the files", async () => {
    const m = await manifestOf(outB);
    let totals = {malformed: 0, duplicates: 0, spikes: 0, stuck: 0, gaps: 0, negative: 0, longGaps: 0};
    for (const site of DEMO_SITES) {
      const entry = m.sites.find((x: {id: string}) => x.id === site.id);
      const q = entry.quirks;
      const p = await parseProduction(outB, site);
      const scale = site.unit === "W" ? 1000 : 1;
      expect(p.lines.length).toBe(entry.data_lines);
      expect(entry.data_lines).toBe(entry.rows_expected - q.gap_rows_removed + q.duplicates);
      expect(p.malformed.length).toBe(q.malformed_lines);
      expect(p.duplicates).toBe(q.duplicates);
      expect(p.rows.filter((r) => r.value > site.capacity_kw * scale * 1.0001).length).toBe(q.spikes);
      expect(p.rows.filter((r) => r.value < 0).length).toBe(q.negative_night_samples);
      // Stuck runs: ≥ 6 identical positive readings in a row (meter noise makes this impossible otherwise).
      let runs = 0, len = 1;
      for (let i = 1; i <= p.rows.length; i++) {
        if (i < p.rows.length && p.rows[i].value > 0 && p.rows[i].value === p.rows[i - 1].value) len++;
        else { if (len >= 6) runs++; len = 1; }
      }
      expect(runs).toBe(q.stuck_runs);
      const events = entry.quirk_events as {type: string; rows: number}[];
      expect(events.filter((e) => e.type === "spike").length).toBe(q.spikes);
      expect(events.filter((e) => e.type === "gap").reduce((s, e) => s + e.rows, 0)).toBe(q.gap_rows_removed);
      totals = {
        malformed: totals.malformed + q.malformed_lines, duplicates: totals.duplicates + q.duplicates, spikes: totals.spikes + q.spikes,
        stuck: totals.stuck + q.stuck_runs, gaps: totals.gaps + q.gaps, negative: totals.negative + q.negative_night_samples,
        longGaps: totals.longGaps + q.long_gaps
      };
    }
    // Every quirk type is present somewhere in the fleet, in modest numbers.
    for (const v of Object.values(totals)) expect(v).toBeGreaterThan(0);
    expect(totals.malformed).toBeLessThan(60);
  });

  it("writes zero (or the injected small negative draw) whenever the sun is down", async () => {
    // Fixed-offset zones, so the test can convert local time without the generator's own helpers.
    for (const [id, offsetMin] of [["us-phoenix", -420], ["in-chennai", 330]] as const) {
      const site = siteById(id);
      const p = await parseProduction(outB, site);
      const scale = site.unit === "W" ? 1000 : 1;
      let night = 0, negative = 0, day = 0;
      for (const r of p.rows) {
        const t = Date.parse(`${r.ts.replace(" ", "T")}Z`) - offsetMin * 60_000;
        const down = [t, t + Q].every((x) => solarPosition(x, site.lat, site.lon).elevation < -1);
        if (down) {
          night++;
          expect(r.value).toBeLessThanOrEqual(0);
        } else if (r.value > 0) day++;
        if (r.value < 0) {
          // Self-consumption only ever appears with the sun below the horizon, and is small.
          negative++;
          expect(solarPosition(t + Q / 2, site.lat, site.lon).elevation).toBeLessThan(0);
          expect(r.value).toBeGreaterThanOrEqual(-0.3 * scale);
        }
      }
      expect(night).toBeGreaterThan(1000);
      expect(day).toBeGreaterThan(1000);
      const m = await manifestOf(outB);
      const q = m.sites.find((x: {id: string}) => x.id === id).quirks;
      expect(negative).toBe(q.negative_night_samples);
    }
  });

  it("stays within AC capacity apart from spikes; W sites read ~1000× their kW power", async () => {
    const m = await manifestOf(outB);
    for (const site of DEMO_SITES) {
      const p = await parseProduction(outB, site);
      const scale = site.unit === "W" ? 1000 : 1;
      const cap = site.capacity_kw * scale;
      const normal = p.rows.map((r) => r.value).filter((v) => v <= cap * 1.0001);
      expect(p.rows.length - normal.length).toBe(m.sites.find((x: {id: string}) => x.id === site.id).quirks.spikes);
      const max = Math.max(...normal);
      expect(max).toBeLessThanOrEqual(cap);
      expect(max).toBeGreaterThan(0.4 * cap);
    }
    // Direct check against the simulated kW truth for a W site and a kW site.
    for (const [id, factor] of [["es-seville", 1000], ["us-phoenix", 1]] as const) {
      const site = siteById(id);
      const startMs = Date.parse(A.start);
      const sim = simulateSite(site, SEED, startMs, Date.parse(A.end));
      const offsets = new ZoneOffsets(site.timezone, startMs, Date.parse(A.end)).offsetsForGrid(startMs, sim.n);
      const byTs = new Map<string, number>();
      for (let q = 0; q < sim.n; q++) byTs.set(formatNaive(startMs + q * Q + offsets[q]), sim.acKw[q]);
      const ratios: number[] = [];
      for (const r of (await parseProduction(outA, site)).rows) {
        const truth = byTs.get(r.ts)!;
        if (truth > 0.1 * site.capacity_kw) ratios.push(r.value / truth);
      }
      ratios.sort((x, y) => x - y);
      expect(ratios.length).toBeGreaterThan(100);
      expect(ratios[Math.floor(ratios.length / 2)] / factor).toBeCloseTo(1, 2);
    }
  });

  it("writes hourly UTC weather that explains production", async () => {
    const text = await readFile(outB.weatherPath, "utf8");
    const [header, ...lines] = text.trim().split("\n");
    expect(header).toBe("site_id,ts,ghi_wm2,dni_wm2,dhi_wm2,temp_c,cloud_cover_pct,wind_ms,humidity_pct,precip_mm");
    const hours = (Date.parse(B.end) - Date.parse(B.start)) / 3_600_000;
    expect(lines.length).toBe(DEMO_SITES.length * hours);
    const phoenixWeather = new Map<number, number>();
    for (const line of lines) {
      const f = line.split(",");
      expect(f.length).toBe(10);
      expect(f[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
      for (const v of f.slice(2)) expect(Number.isFinite(Number(v))).toBe(true);
      if (f[0] === "us-phoenix") phoenixWeather.set(Date.parse(f[1]), Number(f[2]));
    }
    // Weather values are the hourly means of the simulated series (to the written precision).
    const site = siteById("us-phoenix");
    const sim = simulateSite(site, SEED, Date.parse(B.start), Date.parse(B.end));
    const h = hourlyWeather(sim);
    for (let k = 0; k < h.hours; k++) {
      expect(Math.abs(phoenixWeather.get(h.startMs + k * 3_600_000)! - h.ghi[k])).toBeLessThanOrEqual(0.05 + 1e-9);
      let cs = 0;
      for (let q = 4 * k; q < 4 * k + 4; q++) cs += sim.clearSkyGhi[q] / 4;
      expect(phoenixWeather.get(h.startMs + k * 3_600_000)!).toBeLessThanOrEqual(cs * 1.15 + 0.05);
    }
    // Hourly mean production from the CSV (UTC−7, no DST) against the weather file's GHI.
    const labels = (await readFile(outB.labelsPath, "utf8")).trim().split("\n").slice(1).map((l) => l.split(","))
      .filter((f) => f[0] === "us-phoenix" && f[1] !== "soiling").map((f) => [Date.parse(f[2]), Date.parse(f[3])]);
    const sums = new Map<number, {s: number; c: number}>();
    for (const r of (await parseProduction(outB, site)).rows) {
      if (r.value > site.capacity_kw) continue; // spikes
      const t = Date.parse(`${r.ts.replace(" ", "T")}Z`) + 7 * 3_600_000;
      const hour = Math.floor(t / 3_600_000) * 3_600_000;
      const e = sums.get(hour) ?? {s: 0, c: 0};
      e.s += r.value;
      e.c++;
      sums.set(hour, e);
    }
    const power: number[] = [], ghi: number[] = [];
    for (const [hour, {s, c}] of sums) {
      if (c < 4 || labels.some(([a, b]) => hour + 3_600_000 > a && hour < b)) continue;
      const g = phoenixWeather.get(hour);
      if (g === undefined || g <= 0) continue;
      power.push(s / c);
      ghi.push(g);
    }
    expect(power.length).toBeGreaterThan(200);
    expect(corr(power, ghi)).toBeGreaterThan(0.8);
  });

  it("rejects bad options", async () => {
    await expect(generateDemoFleet(join(root, "bad"), {sites: ["xx-nowhere"], ...A})).rejects.toThrow(/Unknown demo site/);
    await expect(generateDemoFleet(join(root, "bad"), {start: "2025-01-01T00:30:00Z", end: "2025-01-02T00:00:00Z"})).rejects.toThrow(/whole UTC hour/);
    await expect(generateDemoFleet(join(root, "bad"), {start: "2025-01-02T00:00:00Z", end: "2025-01-01T00:00:00Z"})).rejects.toThrow(/after start/);
  });
});
