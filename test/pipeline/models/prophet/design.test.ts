// design.ts writes out Prophet's model instead of calling augurs' Prophet. augurs itself is the
// oracle here: for the same rows and settings it must set Stan the same problem (up to the order of
// the feature columns), and from the same optimum it must predict the same trend, components and yhat.
import {describe, expect, it} from "vitest";
import {designMatrix, prophetComponents, prophetProblem, REGRESSOR_PRIOR_SCALE, type DesignSettings, type StanData} from "../../../../pipeline/models/prophet/design.ts";
import {stanDataJson} from "../../../../pipeline/models/prophet/stanJson.js";
import {ensureProphet, optimizer, Prophet} from "../../../../pipeline/models/prophet/init.ts";
import {syntheticSite} from "./data.ts";

const HOUR = 3_600_000;
const BASE: DesignSettings = {dailyOrder: 8, yearlyOrder: 0, nChangepoints: 25, changepointPriorScale: 0.05, seasonalityPriorScale: 10, seasonalityMode: "additive"};

interface Case {
  name: string;
  ds: number[];
  y: number[];
  regressors: Record<string, number[]>;
  settings: DesignSettings;
  /** Stamps to predict, with their regressors. */
  future: {ds: number[]; regressors: Record<string, number[]>};
  /** An optimum to predict from, where Stan has nothing to fit (two rows fit exactly; its line search fails). */
  optimum?: {k: number; m: number; delta: Float64Array; beta: Float64Array};
}

const spring = syntheticSite("2024-03-01T00:00:00Z", 40, 5);
const later = syntheticSite("2024-04-10T00:00:00Z", 5, 6);
const standardise = (v: ArrayLike<number>) => Array.from(v, (x) => (x - 200) / 250);
const cases: Case[] = [
  {
    name: "40 days, daily cycle, two regressors, additive",
    ds: Array.from(spring.ds), y: Array.from(spring.y), regressors: {clear_ghi: standardise(spring.clearSky), ghi: standardise(spring.ghi)}, settings: BASE,
    future: {ds: Array.from(later.ds), regressors: {clear_ghi: standardise(later.clearSky), ghi: standardise(later.ghi)}}
  },
  {
    name: "daytime rows only (gaps), yearly cycle forced, multiplicative",
    ...(() => {
      const keep = Array.from(spring.ds.keys()).filter((i) => spring.sunUp[i]);
      return {ds: keep.map((i) => spring.ds[i]), y: keep.map((i) => spring.y[i] + 1), regressors: {ghi: keep.map((i) => standardise([spring.ghi[i]])[0])}};
    })(),
    settings: {...BASE, yearlyOrder: 3, seasonalityMode: "multiplicative", seasonalityPriorScale: 4, nChangepoints: 7, changepointPriorScale: 0.3},
    future: {ds: Array.from(later.ds), regressors: {ghi: standardise(later.ghi)}}
  },
  {
    name: "37 rows, odd changepoint spacing, no regressors",
    ds: Array.from({length: 37}, (_, i) => Date.UTC(2025, 5, 1) + i * HOUR), y: Array.from({length: 37}, (_, i) => 3 + Math.sin(i / 4) + i / 50), regressors: {},
    settings: {...BASE, dailyOrder: 3, nChangepoints: 5},
    future: {ds: Array.from({length: 30}, (_, i) => Date.UTC(2025, 5, 2) + i * HOUR), regressors: {}}
  },
  {
    name: "two rows, no features at all: a dummy column and a dummy changepoint",
    ds: [Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1, 1)], y: [1, 2], regressors: {}, settings: {...BASE, dailyOrder: 0},
    future: {ds: [Date.UTC(2025, 0, 1, 5), Date.UTC(2025, 0, 2)], regressors: {}},
    optimum: {k: 0.4, m: 0.5, delta: Float64Array.of(0.1), beta: Float64Array.of(0.7)}
  }
];

interface AugursStan {
  T: number; S: number; K: number; tau: number; trend_indicator: number;
  y: number[]; t: number[]; cap: number[]; t_change: number[]; X: number[][]; sigmas: number[]; s_a: number[]; s_m: number[];
}

/** For each of augurs' columns, the design column with the same values (within `tol`). */
function matchColumns(theirs: AugursStan, ours: StanData, tol: number): number[] {
  const used = new Set<number>();
  return Array.from({length: theirs.K}, (_, j) => {
    for (let c = 0; c < ours.K; c++) {
      if (used.has(c)) continue;
      if (theirs.X.every((row, i) => Math.abs(row[j] - ours.X[i * ours.K + c]) <= tol)) {
        used.add(c);
        return c;
      }
    }
    throw new Error(`augurs column ${j} has no match`);
  });
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThanOrEqual(tol);
};

describe("prophetProblem and prophetComponents against augurs' Prophet", () => {
  for (const c of cases) {
    it(c.name, () => {
      const ours = prophetProblem({ds: c.ds, y: c.y, regressors: c.regressors}, c.settings);
      const optimum = c.optimum ?? (optimizer.optimize(ours.init, stanDataJson(ours.data), {seed: 1, tolRelGrad: 1e9}) as {params: {k: number; m: number; delta: Float64Array; beta: Float64Array}}).params;

      ensureProphet();
      let theirs: AugursStan | null = null;
      let theirInit: {k: number; m: number; delta: ArrayLike<number>; beta: ArrayLike<number>} | null = null;
      let perm: number[] = [];
      const order = (n: number) => (n === 0 ? {type: "manual" as const, enabled: false} : {type: "fourier" as const, order: n});
      const prophet = new Prophet({
        optimizer: {
          optimize(init, dataJson) {
            theirInit = init;
            theirs = JSON.parse(dataJson) as AugursStan;
            perm = theirs.K === 1 && ours.data.K === 1 ? [0] : matchColumns(theirs, ours.data, 1e-9);
            const p = {k: optimum.k, m: optimum.m, sigmaObs: 1, delta: Float64Array.from(optimum.delta), beta: Float64Array.from(perm, (c) => optimum.beta[c]), trend: new Float64Array(theirs.T)};
            return {logs: {debug: "", info: "", warn: "", error: "", fatal: ""}, params: p};
          }
        },
        growth: "linear", nChangepoints: c.settings.nChangepoints, changepointPriorScale: c.settings.changepointPriorScale,
        seasonalityPriorScale: c.settings.seasonalityPriorScale, seasonalityMode: c.settings.seasonalityMode,
        dailySeasonality: order(c.settings.dailyOrder), yearlySeasonality: order(c.settings.yearlyOrder), weeklySeasonality: {type: "manual", enabled: false},
        uncertaintySamples: 0
      });
      for (const name of Object.keys(c.regressors)) prophet.addRegressor(name, {mode: c.settings.seasonalityMode, standardize: "no"});
      try {
        const x = new Map(Object.entries(c.regressors));
        prophet.fit({ds: c.ds.map((t) => t / 1000), y: c.y, x}, {seed: 1});
        const a = theirs as unknown as AugursStan;
        const d = ours.data;
        // The same problem.
        expect([d.T, d.S, d.K, d.tau, d.trend_indicator]).toEqual([a.T, a.S, a.K, a.tau, a.trend_indicator]);
        close(d.y, a.y, 1e-15);
        close(d.t, a.t, 1e-15);
        close(d.t_change, a.t_change, 1e-15);
        close(d.cap, a.cap, 0);
        expect(perm.map((col) => d.sigmas[col])).toEqual(a.sigmas);
        expect(perm.map((col) => d.s_a[col])).toEqual(a.s_a);
        expect(perm.map((col) => d.s_m[col])).toEqual(a.s_m);
        const init = theirInit as unknown as {k: number; m: number; delta: ArrayLike<number>; beta: ArrayLike<number>};
        close([ours.init.k, ours.init.m], [init.k, init.m], 1e-12);
        expect([ours.init.delta.length, ours.init.beta.length]).toEqual([init.delta.length, init.beta.length]);
        if (Object.keys(c.regressors).length > 0) expect(d.sigmas).toContain(REGRESSOR_PRIOR_SCALE);

        // The same forecast from the same optimum.
        const future = prophet.predict({ds: c.future.ds.map((t) => t / 1000), x: new Map(Object.entries(c.future.regressors))});
        const mine = prophetComponents(ours.design, optimum, c.future.ds, c.future.regressors);
        const scale = ours.design.yScale;
        const tol = 1e-9 * Math.max(1, scale);
        close(mine.trend, future.trend.point, tol);
        for (const name of ["daily", "yearly"]) {
          const them = future.seasonalities.get(name);
          if (them) close(mine.groups.get(name)!, them.point, tol);
          else expect(mine.groups.has(name)).toBe(false);
        }
        for (const name of Object.keys(c.regressors)) close(mine.groups.get(name)!, future.regressors.get(name)!.point, tol);
        const sum = new Float64Array(c.future.ds.length);
        for (const g of mine.groups.values()) g.forEach((v, i) => (sum[i] += v));
        const yhat = Array.from(mine.trend, (t, i) => (c.settings.seasonalityMode === "multiplicative" ? t * (1 + sum[i]) : t + sum[i]));
        close(yhat, future.yhat.point, tol);
        // Nothing above is trivially zero.
        expect(Math.max(...yhat.map(Math.abs))).toBeGreaterThan(0);
      } finally {
        prophet.free();
      }
    });
  }

  it("writes features for any stamps, identical for the fitted ones", () => {
    const c = cases[0];
    const {design, data} = prophetProblem({ds: c.ds, y: c.y, regressors: c.regressors}, c.settings);
    expect(Array.from(designMatrix(design, c.ds, c.regressors))).toEqual(Array.from(data.X));
    expect(design.columns.map((col) => col.group).filter((g, i, all) => all.indexOf(g) === i)).toEqual(["daily", "clear_ghi", "ghi"]);
  });
});
