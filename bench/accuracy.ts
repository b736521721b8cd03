// Day-ahead accuracy of the hybrid model (pipeline/forecast/hybrid.ts) on real data: NREL PVDAQ system 50
// (SERF East, Golden CO), against persistence, smart persistence and Prophet alone. Prints JSON lines, the
// summary last. Needs ../shared/data/pvdaq-system50/ (skips with a one-line reason without it).
//
//   npm run bench -- accuracy
//
// Protocol:
// - Data: 15-min AC power (`ac_power_2`, decided to be W from the data: see the `data` line) → hourly
//   energy kWh = mean of the hour's quarter-hour powers / 1000, an hour kept when >= 3 of its 4 values are
//   present, negatives clipped to 0. Hour = interval start, UTC (DuckDB, TimeZone UTC). PSM3 30-min
//   weather → hourly mean of the two stamps in [h, h+1).
// - Capacity = 99.9th percentile of hourly energy over the TRAINING period (kWh per hour).
// - Train 2011-04-15 → 2012-12-31 (the hybrid fits on its first 80 % and calibrates the conformal
//   intervals on the last 20 %, out of sample, no refit), test 2013-01-01 → 2013-12-31.
// - Day-ahead: one issue per day at 00:00 America/Denver for that local day's 24 (23/25) hours; history is
//   every hour that has ENDED by the issue time (`knownAt`), i.e. up to 23:00–24:00 of the day before.
// - Metrics over daytime test hours (sun up during the hour) with a measured value: RMSE, MAE (kWh),
//   nMAE (% of capacity), RMSE skill vs smart persistence (fraction), coverage of the 80 % / 95 % intervals.
// - with_weather: PSM3 satellite GHI and air temperature of the target hour used AS IF they were a
//   forecast: an UPPER BOUND on what a real weather forecast would give. without_weather: clear sky only.
import {existsSync} from "node:fs";
import {queryRows, sqlString, withConnection} from "../pipeline/db.ts";
import {fitHybrid, hourGeometry, type HybridSite} from "../pipeline/forecast/hybrid.ts";
import {persistence, smartPersistence} from "../pipeline/forecast/baselines.ts";
import {HOUR_MS} from "../pipeline/forecast/series.ts";

const DIR = new URL("../../shared/data/pvdaq-system50/", import.meta.url).pathname;
const POWER = `${DIR}system_50_ac_power_2_full_DST.parquet`;
const WEATHER = `${DIR}system_50_ac_power_2_full_DST_psm3.parquet`;
const TZ = "America/Denver";
const TRAIN_START = Date.UTC(2011, 3, 15, 6);
const TEST_START = Date.UTC(2013, 0, 1, 7); // 00:00 MST
const TEST_END = Date.UTC(2014, 0, 1, 7);

const out = (o: unknown) => console.log(JSON.stringify(o));
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

if (!existsSync(POWER) || !existsSync(WEATHER)) {
  out({bench: "accuracy", skipped: `PVDAQ system 50 data not found at ${DIR} (see ../shared/data/README.md)`});
  process.exit(0);
}
const started = performance.now();

const {power, weather, maxW} = await withConnection(async (conn) => {
  const power = await queryRows<{ts: number; w: number | null; n: number}>(conn, `
    SELECT epoch_ms(date_trunc('hour', measured_on)) AS ts, avg(ac_power_2) AS w, count(ac_power_2) AS n
    FROM read_parquet(${sqlString(POWER)}) GROUP BY 1 ORDER BY 1`);
  const weather = await queryRows<{ts: number; ghi: number; temp_air: number; ghi_clear: number}>(conn, `
    SELECT epoch_ms(date_trunc('hour', "index")) AS ts, avg(ghi) AS ghi, avg(temp_air) AS temp_air, avg(ghi_clear) AS ghi_clear
    FROM read_parquet(${sqlString(WEATHER)}) GROUP BY 1 ORDER BY 1`);
  const [{m}] = await queryRows<{m: number}>(conn, `SELECT max(ac_power_2) AS m FROM read_parquet(${sqlString(POWER)})`);
  return {power, weather, maxW: m};
});

// W or kW? A peak of thousands in "kW" would be a multi-MW plant with a tiny daily yield per kW; read as W
// the peak is a few kW and the daily energy per peak-kW is a normal 4-7 kWh/kW.
const unitIsW = maxW > 100;
const toKwh = unitIsW ? 1 / 1000 : 1;

const start = TRAIN_START;
const end = TEST_END;
const n = (end - start) / HOUR_MS;
const ts = Float64Array.from({length: n}, (_, i) => start + i * HOUR_MS);
const energy = new Float64Array(n).fill(NaN);
const ghi = new Float64Array(n).fill(NaN);
const temp = new Float64Array(n).fill(NaN);
for (const r of power) {
  const i = (Number(r.ts) - start) / HOUR_MS;
  if (i >= 0 && i < n && r.w !== null && r.n >= 3) energy[i] = Math.max(0, r.w * toKwh);
}
for (const r of weather) {
  const i = (Number(r.ts) - start) / HOUR_MS;
  if (i >= 0 && i < n) {
    ghi[i] = r.ghi;
    temp[i] = r.temp_air;
  }
}
const trainVals = Array.from(energy.subarray(0, (TEST_START - start) / HOUR_MS)).filter(Number.isFinite).sort((a, b) => a - b);
const capacity = trainVals[Math.min(trainVals.length - 1, Math.floor(0.999 * trainVals.length))];
const dailyPeak = (() => {
  const days = new Map<number, number>();
  energy.forEach((e, i) => Number.isFinite(e) && days.set(Math.floor(ts[i] / 86_400_000), (days.get(Math.floor(ts[i] / 86_400_000)) ?? 0) + e));
  const v = [...days.values()].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
})();
out({bench: "accuracy", step: "data", unit: unitIsW ? "W" : "kW", max_raw: maxW, hours: n, hours_with_energy: energy.filter(Number.isFinite).length,
  capacity_kwh_per_h: round(capacity, 3), capacity_rule: "p99.9 of hourly energy, training period", median_daily_kwh: round(dailyPeak, 2),
  median_daily_kwh_per_capacity: round(dailyPeak / capacity, 2)});

const site: HybridSite = {lat: 39.7406, lon: -105.1775, capacityKw: capacity, tilt: 45, azimuth: 158, altitudeM: 1800, linkeTurbidity: 3};

// Local midnight (America/Denver) of the local day containing ts.
const fmt = new Intl.DateTimeFormat("en-US", {timeZone: TZ, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"});
const offsetAt = (t: number) => {
  const p = Object.fromEntries(fmt.formatToParts(t).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute) - t;
};
const midnightCache = new Map<number, number>();
const issueTimeOf = (t: number): number => {
  const off = offsetAt(t);
  const local = new Date(t + off);
  const dayUtc = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  let m = midnightCache.get(dayUtc);
  if (m === undefined) {
    m = dayUtc - offsetAt(dayUtc - off);
    midnightCache.set(dayUtc, m);
  }
  return m;
};

const testIdx: number[] = [];
for (let i = 0; i < n; i++) if (ts[i] >= TEST_START && ts[i] < TEST_END) testIdx.push(i);
const testTs = Float64Array.from(testIdx, (i) => ts[i]);
const actual = Float64Array.from(testIdx, (i) => energy[i]);
const geoAll = hourGeometry(site, ts);
const geoTest = hourGeometry(site, testTs);
const history = {ts, energy, clearSky: geoAll.clearKwh};

// Reference forecasts, day by day.
const persist = new Float64Array(testTs.length).fill(NaN);
const smart = new Float64Array(testTs.length).fill(NaN);
{
  let j = 0;
  while (j < testTs.length) {
    const issue = issueTimeOf(testTs[j]);
    let k = j;
    while (k < testTs.length && issueTimeOf(testTs[k]) === issue) k++;
    const targets = {ts: testTs.subarray(j, k), clearSky: geoTest.clearKwh.subarray(j, k)};
    persist.set(persistence(history, targets, issue), j);
    smart.set(smartPersistence(history, targets, issue), j);
    j = k;
  }
}

interface Scores {rmse: number; mae: number; nmae: number; skill_rmse: number; n: number}
const mask = Uint8Array.from(testIdx, (_, j) => (geoTest.sunUp[j] && Number.isFinite(actual[j]) && Number.isFinite(smart[j]) && Number.isFinite(persist[j]) ? 1 : 0));
function score(pred: ArrayLike<number>): Omit<Scores, "skill_rmse"> {
  let se = 0, ae = 0, c = 0;
  for (let j = 0; j < pred.length; j++) {
    if (!mask[j]) continue;
    const e = (pred[j] - actual[j]);
    se += e * e;
    ae += Math.abs(e);
    c++;
  }
  return {rmse: Math.sqrt(se / c), mae: ae / c, nmae: (100 * ae) / c / capacity, n: c};
}
const smartRmse = score(smart).rmse;
const withSkill = (s: Omit<Scores, "skill_rmse">): Scores => ({...s, skill_rmse: 1 - s.rmse / smartRmse});
const fmtScores = (s: Scores) => ({rmse: round(s.rmse), mae: round(s.mae), nmae: round(s.nmae, 2), skill_rmse: round(s.skill_rmse), n: s.n});
for (const [model, pred] of [["persistence", persist], ["smart_persistence", smart]] as const) {
  out({bench: "accuracy", variant: "both", model, ...fmtScores(withSkill(score(pred)))});
}

const summary: Record<string, {skill_rmse: number; coverage80: number; coverage95: number; nmae: number; prophet_skill_rmse: number}> = {};
for (const variant of ["with_weather", "without_weather"] as const) {
  const t0 = performance.now();
  const w = variant === "with_weather" ? {ghi, temp_air: temp} : undefined;
  const model = await fitHybrid(site, {ts, energy, weather: w}, {trainEnd: TEST_START, issueTimeOf});
  const fitS = (performance.now() - t0) / 1000;
  const f = model.predict({ts: testTs, weather: w && {ghi: Float64Array.from(testIdx, (i) => ghi[i]), temp_air: Float64Array.from(testIdx, (i) => temp[i])}, history: {ts, energy}, topContributions: 3});
  const prophetScores = withSkill(score(f.baseline_kwh));
  const hybridScores = withSkill(score(f.prediction));
  const coverage = f.intervals.map((iv) => {
    let c = 0, inside = 0, width = 0;
    for (let j = 0; j < testTs.length; j++) {
      if (!mask[j]) continue;
      c++;
      if (actual[j] >= iv.lower[j] && actual[j] <= iv.upper[j]) inside++;
      width += iv.upper[j] - iv.lower[j];
    }
    return {level: iv.level, coverage: inside / c, mean_width_pct_capacity: (100 * width) / c / capacity};
  });
  // Mean |SHAP| share of the correction's top features over the test daytime hours.
  const shap = new Map<string, number>();
  f.contributions?.forEach((row) => row.forEach(({feature, kwh}) => shap.set(feature, (shap.get(feature) ?? 0) + Math.abs(kwh))));
  const topShap = [...shap.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k]) => k);
  const label = variant === "with_weather" ? "UPPER BOUND: PSM3 satellite weather of the target hour used as if it were a forecast" : "no weather: calendar, clear sky and lags only";
  out({bench: "accuracy", variant, label, model: "prophet", ...fmtScores(prophetScores)});
  out({bench: "accuracy", variant, label, model: "hybrid", ...fmtScores(hybridScores),
    coverage80: round(coverage.find((c) => c.level === 0.8)!.coverage), coverage95: round(coverage.find((c) => c.level === 0.95)!.coverage),
    width80_pct_capacity: round(coverage.find((c) => c.level === 0.8)!.mean_width_pct_capacity, 1),
    width95_pct_capacity: round(coverage.find((c) => c.level === 0.95)!.mean_width_pct_capacity, 1),
    fit: {...model.fitInfo, fitSlice: model.fitInfo.fitSlice.map((t) => new Date(t).toISOString()), calibrationSlice: model.fitInfo.calibrationSlice?.map((t) => new Date(t).toISOString()),
      prophetMs: Math.round(model.fitInfo.prophetMs), gbdtMs: Math.round(model.fitInfo.gbdtMs)},
    top_shap_features: topShap, fit_and_predict_s: round((performance.now() - t0) / 1000, 1), fit_s: round(fitS, 1)});
  summary[variant] = {
    skill_rmse: round(hybridScores.skill_rmse), coverage80: round(coverage.find((c) => c.level === 0.8)!.coverage),
    coverage95: round(coverage.find((c) => c.level === 0.95)!.coverage), nmae: round(hybridScores.nmae, 2), prophet_skill_rmse: round(prophetScores.skill_rmse)
  };
  model.free();
}

const beats = summary.with_weather.skill_rmse > summary.with_weather.prophet_skill_rmse && summary.without_weather.skill_rmse > summary.without_weather.prophet_skill_rmse;
const pick = (s: (typeof summary)[string]) => ({skill_rmse: s.skill_rmse, coverage80: s.coverage80, coverage95: s.coverage95, nmae: s.nmae});
process.stderr.write(`bench accuracy: ${round((performance.now() - started) / 1000, 1)} s; targets: hybrid+weather skill >= 0.25 (${summary.with_weather.skill_rmse}), ` +
  `beats Prophet (${beats}), coverage80 in [0.75, 0.85], coverage95 in [0.92, 0.97]\n`);
out({bench: "accuracy", dataset: "pvdaq-50", with_weather: pick(summary.with_weather), without_weather: pick(summary.without_weather), hybrid_beats_prophet: beats});
