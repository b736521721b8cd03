import {describe, expect, it} from "vitest";
import {decideRetraining, type RetrainInputs} from "../../../pipeline/retrain/decide.ts";

const DAY = 86_400_000;
const asOf = Date.UTC(2026, 6, 1);
const policy = {rmse_ratio: 1.5, max_age_days: 90, on_critical_drift: true};
const healthy: RetrainInputs = {
  inUse: [
    {version: "h1", kind: "hybrid", trainEnd: asOf - 40 * DAY, issueFor: ["a", "b"], recipe: "r-h"},
    {version: "t1", kind: "fleet-transfer", trainEnd: asOf - 40 * DAY, issueFor: ["c"], recipe: "r-t"}
  ],
  wanted: [
    {kind: "hybrid", issueFor: ["a", "b"], recipe: "r-h"},
    {kind: "fleet-transfer", issueFor: ["c"], recipe: "r-t"}
  ],
  asOf, recentStart: asOf - 30 * DAY, rmseRatio: 1.1, criticalDrift: [], policy
};

describe("decideRetraining", () => {
  it("keeps a young, accurate model whose inputs did not drift, and says why it may", () => {
    const d = decideRetraining(healthy);
    expect(d.retrain).toBe(false);
    expect(d.model_age_days).toBe(40);
    expect(d.reasons).toEqual(["model age 40 days < 90", "recent error 1.1× the backtest's (< 1.5×)", "no critical input drift"]);
    expect(d.in_use).toEqual(["h1", "t1"]);
  });

  it("refits when there is no model in use", () => {
    expect(decideRetraining({...healthy, inUse: []})).toMatchObject({retrain: true, reasons: ["no model in use yet"], model_age_days: null});
  });

  it("refits on age, error and critical drift, naming each with its figure", () => {
    expect(decideRetraining({...healthy, asOf: asOf + 50 * DAY, recentStart: asOf + 20 * DAY}).reasons).toEqual(["model age 90 days ≥ 90"]);
    expect(decideRetraining({...healthy, rmseRatio: 1.62}).reasons).toEqual(["recent error 1.62× the backtest's for the same months (≥ 1.5×)"]);
    const drift = decideRetraining({...healthy, criticalDrift: ["a ghi", "b temp_c"]});
    expect(drift).toMatchObject({retrain: true, reasons: ["critical input drift: a ghi, b temp_c"], critical_drift: ["a ghi", "b temp_c"]});
    expect(decideRetraining({...healthy, criticalDrift: ["a ghi"], policy: {...policy, on_critical_drift: false}}).retrain).toBe(false);
  });

  it("judges input drift only once the model in use has seen none of the recent window", () => {
    // Trained 10 days ago: it learned from two thirds of the drifted window already.
    const young = {...healthy, inUse: healthy.inUse.map((m) => ({...m, trainEnd: asOf - 10 * DAY})), criticalDrift: ["a ghi"]};
    const d = decideRetraining(young);
    expect(d.retrain).toBe(false);
    expect(d.reasons).toContain("input drift not judged: the model in use was trained on part of the recent window (critical: 1)");
  });

  it("an error ratio that could not be measured is no reason to refit, and is reported as such", () => {
    const d = decideRetraining({...healthy, rmseRatio: null});
    expect(d.retrain).toBe(false);
    expect(d.reasons).toContain("recent error not measurable");
  });

  it("refits when the fleet changes: a new site, a site gone, a site graduating to its own model", () => {
    expect(decideRetraining({...healthy, wanted: [{kind: "hybrid", issueFor: ["a", "b", "d"], recipe: "r-h"}, healthy.wanted[1]]}).reasons)
      .toEqual(["new sites to forecast: d"]);
    expect(decideRetraining({...healthy, wanted: [{kind: "hybrid", issueFor: ["a"], recipe: "r-h"}, healthy.wanted[1]]}).reasons).toEqual(["sites no longer in the data: b"]);
    expect(decideRetraining({...healthy, wanted: [{kind: "hybrid", issueFor: ["a", "b", "c"], recipe: "r-h"}]}).reasons).toEqual(["sites changing model: c (fleet-transfer → hybrid)"]);
  });

  it("refits when the recipe (parameters, features, code) changed", () => {
    const d = decideRetraining({...healthy, wanted: [{kind: "hybrid", issueFor: ["a", "b"], recipe: "r-h2"}, healthy.wanted[1]]});
    expect(d.reasons).toEqual(["parameters, features or code changed (hybrid)"]);
  });

  it("lists every reason that applies", () => {
    const d = decideRetraining({...healthy, asOf: asOf + 60 * DAY, recentStart: asOf + 30 * DAY, rmseRatio: 2, criticalDrift: ["a ghi"]});
    expect(d.reasons).toHaveLength(3);
  });
});
