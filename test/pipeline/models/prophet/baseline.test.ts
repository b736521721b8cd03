import {existsSync} from "node:fs";
import {beforeAll, describe, expect, it} from "vitest";
import {
  fitProphetBaseline,
  fitProphetBaselines,
  PROPHET_MODEL_FORMAT,
  ProphetBaseline,
  type ProphetFitInput
} from "../../../../pipeline/models/prophet/index.ts";
import {ensureProphet, prophetWasmPath} from "../../../../pipeline/models/prophet/init.ts";
import {prepareProphetFit} from "../../../../pipeline/models/prophet/baseline.ts";
import {legacyCanonicalPositions} from "../../../../pipeline/models/prophet/design.ts";
import {messages} from "../../../../pipeline/messages.ts";
import {maskedMae, SITE, sunUpAt, syntheticSite, type SyntheticSite} from "./data.ts";

const HOUR = 3_600_000;
const year = syntheticSite("2023-01-01T00:00:00Z", 365, 7);
/** The month after the fitted year: held out. */
const january = syntheticSite("2024-01-01T00:00:00Z", 31, 8);

function window(site: SyntheticSite, fromDay: number, days: number): SyntheticSite {
  const a = fromDay * 24;
  const b = a + days * 24;
  return {
    ds: site.ds.slice(a, b), y: site.y.slice(a, b), truth: site.truth.slice(a, b), clearSky: site.clearSky.slice(a, b),
    ghi: site.ghi.slice(a, b), sunUp: site.sunUp.slice(a, b)
  };
}

function hours(startIso: string, count: number): Float64Array {
  return Float64Array.from({length: count}, (_, i) => Date.parse(startIso) + i * HOUR);
}

const max = (values: ArrayLike<number>) => Math.max(...Array.from(values));
const daytimeMean = (site: SyntheticSite) => {
  let sum = 0, n = 0;
  for (let i = 0; i < site.truth.length; i++) if (site.sunUp[i]) (sum += site.truth[i]), n++;
  return sum / n;
};

describe("init", () => {
  it("loads the wasm from next to the package, without fetch, and only once", () => {
    expect(existsSync(prophetWasmPath())).toBe(true);
    expect(prophetWasmPath()).toMatch(/node_modules\/@bsull\/augurs\/prophet_bg\.wasm$/);
    ensureProphet();
    ensureProphet();
  });
});

describe("Prophet baseline on a synthetic year of hourly PV (no regressors)", () => {
  let model: ProphetBaseline;
  beforeAll(() => {
    model = fitProphetBaseline({ds: year.ds, y: year.y, capacityKw: SITE.capacityKw, sunUp: year.sunUp});
  });

  it("fits a year of hours, leaving the night rows out", () => {
    const daytime = year.sunUp.filter(Boolean).length;
    expect(model.fitInfo).toMatchObject({rows: 8760, fittedRows: daytime, nightRows: "drop"});
    expect(daytime).toBeGreaterThan(4000);
    expect(daytime).toBeLessThan(5000);
  });

  it("fits daytime close to the truth, far better than an hour-of-day average", () => {
    const fitted = model.predict({ds: year.ds, sunUp: year.sunUp});
    const mae = maskedMae(fitted.yhat, year.truth, year.sunUp);
    // Hour-of-day climatology: what a model without a yearly cycle can do at best.
    const sum = new Float64Array(24), count = new Float64Array(24);
    year.ds.forEach((t, i) => ((sum[new Date(t).getUTCHours()] += year.y[i]), count[new Date(t).getUTCHours()]++));
    const climatology = Float64Array.from(year.ds, (t) => sum[new Date(t).getUTCHours()] / count[new Date(t).getUTCHours()]);
    const climatologyMae = maskedMae(climatology, year.truth, year.sunUp);
    expect(mae).toBeLessThan(0.1 * daytimeMean(year)); // measured 1.5 kWh against a mean of ~24 kWh
    expect(mae).toBeLessThan(0.4 * climatologyMae);
  });

  it("forecasts every night hour as exactly 0, bounds included, and daytime hours above 0", () => {
    for (const site of [year, january]) {
      const forecast = model.predict({ds: site.ds, sunUp: site.sunUp});
      let positive = 0, day = 0, night = 0;
      const nonZeroAtNight: number[] = [];
      for (let i = 0; i < site.ds.length; i++) {
        if (site.sunUp[i]) {
          day++;
          if (forecast.yhat[i] > 0) positive++;
        } else {
          night++;
          if (!(forecast.yhat[i] === 0 && forecast.lower[i] === 0 && forecast.upper[i] === 0)) nonZeroAtNight.push(i);
        }
      }
      expect(nonZeroAtNight).toEqual([]);
      expect(night).toBeGreaterThan(0.3 * site.ds.length);
      expect(positive / day).toBeGreaterThan(0.9);
    }
  });

  it("has a yearly cycle: the January forecast peaks well below the July one", () => {
    const jan = hours("2024-01-15T00:00:00Z", 24);
    const jul = hours("2024-07-15T00:00:00Z", 24);
    const janForecast = model.predict({ds: jan, sunUp: sunUpAt});
    const julForecast = model.predict({ds: jul, sunUp: sunUpAt});
    // Truth: the clear-sky peak in mid-January is ~40% of mid-July's at 48°N.
    expect(max(janForecast.yhat)).toBeLessThan(0.6 * max(julForecast.yhat));
    expect(max(julForecast.yhat)).toBeGreaterThan(40);
    expect(janForecast.yearly[12]).toBeLessThan(julForecast.yearly[12] - 10);
  });

  it("gives intervals around the point that cover about intervalWidth of the daytime hours fitted", () => {
    const fitted = model.predict({ds: year.ds, sunUp: year.sunUp});
    let covered = 0, day = 0, misordered = 0;
    for (let i = 0; i < year.ds.length; i++) {
      if (!(fitted.lower[i] <= fitted.yhat[i] && fitted.yhat[i] <= fitted.upper[i])) misordered++;
      if (!year.sunUp[i]) continue;
      day++;
      if (year.y[i] >= fitted.lower[i] && year.y[i] <= fitted.upper[i]) covered++;
    }
    expect(misordered).toBe(0);
    expect(covered / day).toBeGreaterThan(0.77);
    expect(covered / day).toBeLessThan(0.85);
    // and they are not degenerate
    expect(maskedMae(fitted.upper, fitted.lower, year.sunUp)).toBeGreaterThan(2);
  });

  it("fits daytime much better with the night rows dropped than with their zeros kept", () => {
    const keep = fitProphetBaseline({ds: year.ds, y: year.y, capacityKw: SITE.capacityKw, sunUp: year.sunUp, params: {nightRows: "keep"}});
    expect(keep.fitInfo.fittedRows).toBe(8760);
    const dropMae = maskedMae(model.predict({ds: year.ds, sunUp: year.sunUp}).yhat, year.truth, year.sunUp);
    const keepMae = maskedMae(keep.predict({ds: year.ds, sunUp: year.sunUp}).yhat, year.truth, year.sunUp);
    console.info(`prophet: daytime MAE without regressors, nights dropped ${dropMae.toFixed(2)} vs kept ${keepMae.toFixed(2)} kWh`);
    expect(dropMae).toBeLessThan(0.5 * keepMae); // measured 1.5 vs 5.3
    keep.free();
  });
});

describe("with clear-sky GHI as a regressor", () => {
  const fit = (nightRows: "auto" | "drop") =>
    fitProphetBaseline({ds: year.ds, y: year.y, capacityKw: SITE.capacityKw, sunUp: year.sunUp, regressors: {clearSky: year.clearSky}, params: {nightRows}});
  const score = (model: ProphetBaseline) => {
    const regressors = (site: SyntheticSite) => (model.regressorNames.length > 0 ? {clearSky: site.clearSky} : undefined);
    return {
      fitted: maskedMae(model.predict({ds: year.ds, sunUp: year.sunUp, regressors: regressors(year)}).yhat, year.truth, year.sunUp),
      heldOut: maskedMae(model.predict({ds: january.ds, sunUp: january.sunUp, regressors: regressors(january)}).yhat, january.truth, january.sunUp)
    };
  };
  let withGhi: ProphetBaseline;
  let blind: ProphetBaseline;
  beforeAll(() => {
    withGhi = fit("auto");
    blind = fitProphetBaseline({ds: year.ds, y: year.y, capacityKw: SITE.capacityKw, sunUp: year.sunUp});
  });

  it("improves the daytime fit and the next month's forecast measurably", () => {
    expect(withGhi.fitInfo.nightRows).toBe("keep");
    expect(withGhi.regressorNames).toEqual(["clearSky"]);
    const a = score(withGhi);
    const b = score(blind);
    console.info(`prophet: daytime MAE fitted / held-out January: clear-sky regressor ${a.fitted.toFixed(2)} / ${a.heldOut.toFixed(2)}, none ${b.fitted.toFixed(2)} / ${b.heldOut.toFixed(2)} kWh (fit ${withGhi.fitInfo.fitMs.toFixed(0)} ms)`);
    expect(a.fitted).toBeLessThan(0.85 * b.fitted);
    expect(a.heldOut).toBeLessThan(0.5 * b.heldOut);
  });

  it("does better keeping the night rows (\"auto\") than dropping them, once the regressor is there", () => {
    const dropped = fit("drop");
    expect(dropped.fitInfo.nightRows).toBe("drop");
    const keep = score(withGhi);
    const drop = score(dropped);
    console.info(`prophet: daytime MAE fitted / held-out with the regressor: nights kept ${keep.fitted.toFixed(2)} / ${keep.heldOut.toFixed(2)}, dropped ${drop.fitted.toFixed(2)} / ${drop.heldOut.toFixed(2)} kWh`);
    expect(keep.fitted).toBeLessThan(drop.fitted);
    expect(keep.heldOut).toBeLessThan(0.7 * drop.heldOut);
    dropped.free();
  });

  it("needs exactly the fitted regressors at predict time", () => {
    const ds = january.ds.slice(0, 24);
    const sunUp = january.sunUp.slice(0, 24);
    expect(() => withGhi.predict({ds, sunUp})).toThrow(messages.prophetRegressorNames(["clearSky"], [], ["clearSky"]));
    expect(() => withGhi.predict({ds, sunUp, regressors: {clearSky: january.clearSky.slice(0, 24), ghi: january.ghi.slice(0, 24)}}))
      .toThrow(messages.prophetRegressorNames([], ["ghi"], ["clearSky"]));
    expect(() => withGhi.predict({ds, sunUp, regressors: {clearSky: january.clearSky.slice(0, 23)}}))
      .toThrow(messages.prophetLengthMismatch("predict", `regressor "clearSky"`, 23, 24));
  });
});

describe("warm start from an earlier fit of the same site (ProphetFitInput.start)", () => {
  // Two cutoffs a month apart, as two backtest origins: 200 and 230 days of the synthetic year.
  const input = (days: number): ProphetFitInput => {
    const w = window(year, 0, days);
    return {ds: w.ds, y: w.y, capacityKw: SITE.capacityKw, sunUp: w.sunUp, regressors: {clearSky: w.clearSky, ghi: w.ghi}};
  };
  const next = window(year, 230, 30);
  const predictNext = (model: ProphetBaseline) => model.predict({ds: next.ds, sunUp: next.sunUp, regressors: {clearSky: next.clearSky, ghi: next.ghi}});
  let earlier: ProphetBaseline;
  beforeAll(() => {
    earlier = fitProphetBaseline(input(200));
  });

  it("starts Stan on the earlier fit's forecast: same trend, seasonality and regressor effects at the new changepoints", () => {
    const fit = prepareProphetFit({...input(230), start: earlier.startPoint()});
    const cold = prepareProphetFit(input(230));
    expect(fit.problem.init).not.toEqual(cold.problem.init);
    // The start itself as a model: its forecast at the knots of its trend equals the earlier model's.
    const started = fit.finish({params: fit.problem.init});
    const {design} = started.startPoint();
    const knots = [0, ...design.changepointsT, 1].map((t) => Math.round(design.startS + t * design.tScale) * 1000);
    const at = input(230);
    const idx = knots.map((ms) => Array.prototype.indexOf.call(at.ds, ms) as number);
    expect(idx.every((i) => i >= 0)).toBe(true);
    const rows = (model: ProphetBaseline) => {
      const f = model.predict({ds: idx.map((i) => at.ds[i]), sunUp: idx.map(() => true), regressors: {clearSky: idx.map((i) => at.regressors!.clearSky[i]), ghi: idx.map((i) => at.regressors!.ghi[i])}});
      return Array.from(f.trend, (t, k) => t + f.daily[k] + f.yearly[k] + f.regressors.clearSky[k] + f.regressors.ghi[k]);
    };
    const a = rows(earlier), b = rows(started);
    for (let k = 0; k < a.length; k++) expect(b[k]).toBeCloseTo(a[k], 6);
  });

  it("ends where a cold start does, within Stan's tolerance, and is as deterministic", () => {
    const start = earlier.startPoint();
    const warm = fitProphetBaseline({...input(230), start});
    const cold = fitProphetBaseline(input(230));
    const w = predictNext(warm).yhat, c = predictNext(cold).yhat;
    let diff = 0;
    for (let i = 0; i < w.length; i++) diff += Math.abs(w[i] - c[i]);
    const meanDiff = diff / w.length;
    const maeWarm = maskedMae(w, next.truth, next.sunUp), maeCold = maskedMae(c, next.truth, next.sunUp);
    console.info(`prophet: warm vs cold start, next month: mean |difference| ${meanDiff.toFixed(3)} kWh; daytime MAE ${maeWarm.toFixed(3)} vs ${maeCold.toFixed(3)} kWh`);
    expect(meanDiff).toBeLessThan(0.005 * SITE.capacityKw);
    expect(Math.abs(maeWarm - maeCold)).toBeLessThan(0.05 * maeCold);
    expect(predictNext(fitProphetBaseline({...input(230), start})).yhat).toEqual(w);
  });

  it("falls back to Prophet's own start when Stan fails from the carried one, here and on the workers", async () => {
    // A start point 1e8 times too large: Stan traps from it (measured), and only the cold start fits.
    const p = earlier.startPoint();
    const absurd = {...p, optimum: {...p.optimum, k: p.optimum.k * 1e8, m: p.optimum.m * 1e8, sigmaObs: p.optimum.sigmaObs * 1e8, beta: p.optimum.beta.map((b) => b * 1e8)}};
    const cold = predictNext(fitProphetBaseline(input(230))).yhat;
    expect(predictNext(fitProphetBaseline({...input(230), start: absurd})).yhat).toEqual(cold);
    const [onWorker] = await fitProphetBaselines([{...input(230), start: absurd}], {threads: 1});
    expect(onWorker).toBeInstanceOf(ProphetBaseline);
    expect(predictNext(onWorker as ProphetBaseline).yhat).toEqual(cold);
  });

  it("starts cold when the earlier fit's mode differs", () => {
    const other = fitProphetBaseline({...input(200), params: {seasonalityMode: "multiplicative"}});
    const fit = prepareProphetFit({...input(230), start: other.startPoint()});
    expect(fit.problem.init).toEqual(prepareProphetFit(input(230)).problem.init);
  });
});

describe("clipping, determinism and saving", () => {
  // Two months of spring with two regressors: short enough to fit in ~0.1 s, and with several
  // seasonalities and regressors whose order augurs would otherwise vary from fit to fit.
  const spring = window(year, 60, 60);
  const input: ProphetFitInput = {
    ds: spring.ds, y: spring.y, capacityKw: SITE.capacityKw, sunUp: spring.sunUp,
    regressors: {ghi: spring.ghi, clearSky: spring.clearSky}
  };
  const next = window(year, 120, 3);
  const predictInput = {ds: next.ds, sunUp: next.sunUp, regressors: {ghi: next.ghi, clearSky: next.clearSky}};

  it("never forecasts above capacity, and clips there when the fit would", () => {
    const june = window(year, 151, 30);
    const capacityKw = 30; // well below the site's midday output, so clipping has to happen
    const model = fitProphetBaseline({ds: june.ds, y: june.y, capacityKw, sunUp: june.sunUp});
    const forecast = model.predict({ds: june.ds, sunUp: june.sunUp});
    for (const series of [forecast.yhat, forecast.lower, forecast.upper]) {
      expect(series.filter((v) => !(v >= 0 && v <= capacityKw)).length).toBe(0);
    }
    expect(forecast.yhat.filter((v) => v === capacityKw).length).toBeGreaterThan(100);
    // the unclipped components show what was cut
    expect(max(Float64Array.from(forecast.trend, (t, i) => t + forecast.daily[i] + forecast.yearly[i]))).toBeGreaterThan(capacityKw);
    model.free();
  });

  it("gives identical forecasts, bit for bit, from repeated fits of the same data", () => {
    const forecasts = [0, 1, 2].map(() => {
      const model = fitProphetBaseline(input);
      const forecast = model.predict(predictInput);
      model.free();
      return forecast;
    });
    for (const other of forecasts.slice(1)) {
      for (const key of ["yhat", "lower", "upper", "trend", "daily", "yearly"] as const) {
        expect(Array.from(other[key])).toEqual(Array.from(forecasts[0][key]));
      }
      expect(Array.from(other.regressors.ghi)).toEqual(Array.from(forecasts[0].regressors.ghi));
    }
  });

  it("saves as JSON (with Stan's optimum) and restores the identical model, also from version-1 (no optimum) and version-2 (old column order) files", () => {
    const model = fitProphetBaseline(input);
    const json = JSON.parse(JSON.stringify(model));
    expect(json).toMatchObject({format: PROPHET_MODEL_FORMAT, version: 3, capacityKw: SITE.capacityKw, params: {nightRows: "auto", dailyOrder: 8}});
    expect(json.optimum.beta.length).toBeGreaterThan(0);
    const v1 = ProphetBaseline.fromJSON({...json, version: 1, optimum: undefined});
    expect(Array.from(v1.predict(predictInput).yhat)).toEqual(Array.from(model.predict(predictInput).yhat));
    expect(json.ds.length).toBe(spring.ds.length); // with regressors, "auto" keeps the night rows
    const restored = ProphetBaseline.fromJSON(json);
    const a = model.predict(predictInput);
    const b = restored.predict(predictInput);
    expect(Array.from(b.yhat)).toEqual(Array.from(a.yhat));
    expect(Array.from(b.upper)).toEqual(Array.from(a.upper));
    expect(restored.regressorNames).toEqual(["clearSky", "ghi"]);
    // Version 2 kept the coefficients sorted by the columns' values; the same model comes back.
    const position = legacyCanonicalPositions(prepareProphetFit(input).problem.data);
    expect(position).not.toEqual(position.map((_, j) => j));
    const legacyBeta: number[] = [];
    position.forEach((p, j) => (legacyBeta[p] = json.optimum.beta[j]));
    const v2 = ProphetBaseline.fromJSON({...json, version: 2, optimum: {...json.optimum, beta: legacyBeta}});
    expect(Array.from(v2.predict(predictInput).yhat)).toEqual(Array.from(a.yhat));

    const dropped = fitProphetBaseline({...input, regressors: undefined});
    const restoredDropped = ProphetBaseline.fromJSON(JSON.parse(JSON.stringify(dropped)));
    expect(restoredDropped.fitInfo.fittedRows).toBe(dropped.fitInfo.fittedRows);
    expect(Array.from(restoredDropped.predict({ds: next.ds, sunUp: next.sunUp}).yhat)).toEqual(Array.from(dropped.predict({ds: next.ds, sunUp: next.sunUp}).yhat));

    expect(() => ProphetBaseline.fromJSON({...json, version: 4})).toThrow(messages.prophetBadModelJson({format: PROPHET_MODEL_FORMAT, version: 4}));
    model.free();
    expect(() => model.predict(predictInput)).toThrow(messages.prophetFreed());
    for (const m of [restored, dropped, restoredDropped]) m.free();
  });

  it("returns empty arrays for an empty forecast window", () => {
    const model = fitProphetBaseline({...input, regressors: undefined});
    const forecast = model.predict({ds: [], sunUp: []});
    expect(forecast.yhat.length).toBe(0);
    model.free();
  });
});

describe("bad input", () => {
  const day = window(year, 170, 3);
  const base: ProphetFitInput = {ds: day.ds, y: day.y, capacityKw: 10, sunUp: day.sunUp};
  const fitThrows = (patch: Partial<ProphetFitInput>, message: string) =>
    expect(() => fitProphetBaseline({...base, ...patch})).toThrow(message);

  it("says which series is too short or too long", () => {
    fitThrows({y: day.y.slice(1)}, messages.prophetLengthMismatch("fit", "y", 71, 72));
    fitThrows({sunUp: day.sunUp.slice(2)}, messages.prophetLengthMismatch("fit", "sunUp", 70, 72));
    fitThrows({regressors: {ghi: day.ghi.slice(0, 10)}}, messages.prophetLengthMismatch("fit", `regressor "ghi"`, 10, 72));
    fitThrows({y: undefined as never}, messages.prophetNotSeries("fit", "y", undefined));
  });

  it("names the first NaN or infinite value with its stamp", () => {
    const y = Float64Array.from(day.y);
    y[5] = NaN;
    fitThrows({y}, messages.prophetBadValue("fit", "y", 5, NaN, day.ds[5]));
    expect(messages.prophetBadValue("fit", "y", 5, NaN, day.ds[5])).toContain("y value #6 (2023-06-20T05:00:00.000Z) is NaN");
    const ghi = Float64Array.from(day.ghi);
    ghi[7] = Infinity;
    fitThrows({regressors: {ghi}}, messages.prophetBadValue("fit", `regressor "ghi"`, 7, Infinity, day.ds[7]));
  });

  it("refuses empty or too short input", () => {
    fitThrows({ds: [], y: [], sunUp: []}, messages.prophetTooFewRows("fit input", 0));
    fitThrows({ds: day.ds.slice(0, 1), y: day.y.slice(0, 1), sunUp: [true]}, messages.prophetTooFewRows("fit input", 1));
    fitThrows({sunUp: day.sunUp.map(() => false)}, messages.prophetTooFewRows("fit input after leaving out night hours", 0));
  });

  it("refuses stamps in seconds, out of order or with fractions of a second", () => {
    fitThrows({ds: Array.from(day.ds, (t) => t / 1000)}, messages.prophetStampsInSeconds("fit", 0, day.ds[0] / 1000));
    const swapped = Float64Array.from(day.ds);
    [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
    fitThrows({ds: swapped}, messages.prophetStampsNotIncreasing("fit", 4, swapped[3], swapped[4]));
    const fractional = Float64Array.from(day.ds);
    fractional[2] += 500;
    fitThrows({ds: fractional}, messages.prophetStampNotWholeSecond("fit", 2, fractional[2]));
  });

  it("checks capacity and parameters", () => {
    fitThrows({capacityKw: 0}, messages.prophetBadCapacity(0));
    fitThrows({capacityKw: NaN}, messages.prophetBadCapacity(NaN));
    fitThrows({params: {dailyOrder: 2.5}}, messages.prophetBadParam("dailyOrder", 2.5, "a whole number from 0 to 100"));
    fitThrows({params: {intervalWidth: 1}}, messages.prophetBadParam("intervalWidth", 1, "a number strictly between 0 and 1"));
    fitThrows({params: {seasonalityMode: "both" as never}}, messages.prophetBadParam("seasonalityMode", "both", `"additive" or "multiplicative"`));
    fitThrows({params: {tolRelGrad: 0}}, messages.prophetBadParam("tolRelGrad", 0, "a finite number above 0"));
    fitThrows({params: {dailyorder: 4} as never}, messages.prophetBadParam("dailyorder", 4, "one of changepointPriorScale, seasonalityPriorScale, seasonalityMode, dailyOrder, yearlyOrder, nChangepoints, intervalWidth, nightRows, tolRelGrad"));
  });
});
