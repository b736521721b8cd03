// Sites and dates in questions: names, ids and near misses; days absolute and relative to the
// snapshot's as-of day (never the clock).
import {describe, expect, it} from "vitest";
import {editDistance, resolveEntities, type SnapshotContext} from "../../../pipeline/query/resolve.ts";

const sites = [
  ["au-sydney", "Sydney (commercial rooftop)"],
  ["de-freiburg", "Freiburg im Breisgau (rooftop)"],
  ["es-seville", "Seville (ground mount)"],
  ["us-phoenix", "Phoenix (ground mount)"],
  ["za-cape-town", "Cape Town (carport)"]
].map(([site_id, name]) => ({site_id, name, timezone: "UTC", capacity_kw: 100}));
const ctx: SnapshotContext = {snapshotId: "s", today: "2026-07-01", lastDay: "2026-06-30", firstDay: "2024-07-01", sites};
const resolve = (q: string) => {
  const e = resolveEntities(q, ctx);
  return {sites: e.sites.map((s) => s.site_id), unknown: e.unknownSite, period: e.period && [e.period.start, e.period.end], fleet: e.fleet};
};

describe("resolveEntities: sites", () => {
  it("finds sites by id, name, short name and near misses", () => {
    expect(resolve("output at es-seville").sites).toEqual(["es-seville"]);
    expect(resolve("Why was Seville low?").sites).toEqual(["es-seville"]);
    expect(resolve("Sevile yesterday").sites).toEqual(["es-seville"]);
    expect(resolve("pheonix and freiburg").sites).toEqual(["de-freiburg", "us-phoenix"]);
    expect(resolve("Cape Town last week").sites).toEqual(["za-cape-town"]);
    expect(resolve("Freiburg im Breisgau").sites).toEqual(["de-freiburg"]);
  });
  it("does not take ordinary words for sites", () => {
    expect(resolve("Show anomaly spikes this week across the fleet").sites).toEqual([]);
    expect(resolve("Which sites have the worst forecast error?").sites).toEqual([]);
  });
  it("reports a site it does not know, as written", () => {
    expect(resolve("predicted vs actual at site CA-02").unknown).toBe("CA-02");
    expect(resolve("Why was output low at site X?").unknown).toBe("X");
    expect(resolve("best accuracy by site in June").unknown).toBeNull();
  });
  it("sees the fleet", () => {
    expect(resolve("energy for every site").fleet).toBe(true);
    expect(resolve("energy at Seville").fleet).toBe(false);
  });
  it("measures edits with transpositions", () => {
    expect(editDistance("phoenix", "pheonix")).toBe(1);
    expect(editDistance("seville", "sevile")).toBe(1);
    expect(editDistance("denver", "dover")).toBe(2);
  });
});

describe("resolveEntities: periods (today = 2026-07-01, a Wednesday)", () => {
  it.each([
    ["on May 12", ["2026-05-12", "2026-05-12"]],
    ["on 12 May 2025", ["2025-05-12", "2025-05-12"]],
    ["on 2026-02-03", ["2026-02-03", "2026-02-03"]],
    ["on July 15", ["2025-07-15", "2025-07-15"]], // no year: the latest one not after today
    ["yesterday", ["2026-06-30", "2026-06-30"]],
    ["the day before yesterday", ["2026-06-29", "2026-06-29"]],
    ["tomorrow", ["2026-07-02", "2026-07-02"]],
    ["3 days ago", ["2026-06-28", "2026-06-28"]],
    ["the last 7 days", ["2026-06-24", "2026-06-30"]],
    ["the past week", ["2026-06-24", "2026-06-30"]],
    ["this week", ["2026-06-29", "2026-06-30"]],
    ["last week", ["2026-06-22", "2026-06-28"]],
    ["this month", ["2026-06-01", "2026-06-30"]],
    ["last month", ["2026-05-01", "2026-05-31"]],
    ["in March", ["2026-03-01", "2026-03-31"]],
    ["in December", ["2025-12-01", "2025-12-31"]],
    ["in January 2026", ["2026-01-01", "2026-01-31"]],
    ["between May 7 and May 1", ["2026-05-01", "2026-05-07"]],
    ["from 2026-04-01 to 2026-04-07", ["2026-04-01", "2026-04-07"]]
  ])("%s", (text, expected) => {
    expect(resolve(`production ${text}`).period).toEqual(expected);
  });
  it("finds no period where there is none, and rejects impossible days", () => {
    expect(resolve("Which sites have the worst forecast error?").period).toBeNull();
    expect(resolve("on February 30").period).toBeNull();
  });
});
