// The Forecast page's pure helpers (src/components/forecastData.js) in Node: local days in a site's
// zone (DST and half-hour offsets), the live issue's next day and fleet total, vintages and their
// scores, one hour's decomposition, the weather a vintage used, the accuracy shaping and the CSV.
import {describe, expect, it} from "vitest";
import * as fd from "../../src/components/forecastData.js";
import {siteIndex} from "../../src/components/weatherData.js";
import type {AccuracyRow, ContributionRow, ForecastRow, TransferRow, WeatherRow} from "../../src/components/forecastData.js";

const H = 3_600_000;
const t = (iso: string) => new Date(iso);

/** One issue's rows: `hours` hours from the first whole hour at or after `issued`, sun up 06–18 UTC. */
function issue(site: string, issued: string, o: Partial<ForecastRow> & {hours?: number; value?: (ts: number) => number; actual?: (ts: number) => number | null} = {}): ForecastRow[] {
  const {hours = 48, value = () => 10, actual = () => null, ...rest} = o;
  const s = Date.parse(issued);
  const first = Math.ceil(s / H) * H;
  return Array.from({length: hours}, (_, k) => {
    const ts = first + k * H;
    const hour = new Date(ts).getUTCHours();
    const sun = hour >= 6 && hour < 18;
    const f = sun ? value(ts) : 0;
    return {
      site_id: site, issued_at: new Date(s), ts: new Date(ts), horizon_h: Math.ceil((ts + H - s) / H), run: "evaluation", model: "hybrid", model_version: "v1",
      forecast_kwh: f, baseline_kwh: f, correction_kwh: 0, lower_80: f * 0.8, upper_80: f * 1.2, lower_95: f * 0.6, upper_95: f * 1.4,
      persistence_kwh: f, smart_persistence_kwh: f, climatology_kwh: f, clear_sky_kwh: f * 1.5, sun_up: sun,
      weather_kind: "forecast", weather_source: "demo", weather_issued_at: new Date(s - 24 * H), issued_in: "snap", actual_kwh: actual(ts), ...rest
    };
  });
}

describe("local days in a site's zone", () => {
  it("finds local midnight and the day's UTC hours, through DST changes and half-hour zones", () => {
    expect(new Date(fd.localMidnight("2026-07-02", "Europe/Berlin")).toISOString()).toBe("2026-07-01T22:00:00.000Z");
    expect(new Date(fd.localMidnight("2026-07-01", "America/Denver")).toISOString()).toBe("2026-07-01T06:00:00.000Z");
    expect(fd.dayWindow("2026-03-29", "Europe/Berlin").hours).toBe(23); // spring forward
    expect(fd.dayWindow("2026-10-25", "Europe/Berlin").hours).toBe(25); // fall back
    // India is UTC+05:30: local midnight is 18:30 UTC, and the day's whole hours start at 19:00 UTC.
    const chennai = fd.dayWindow("2026-07-02", "Asia/Kolkata");
    expect(new Date(chennai.start).toISOString()).toBe("2026-07-01T19:00:00.000Z");
    expect(chennai.hours).toBe(24);
    expect(fd.dayOfHour(Date.parse("2026-07-01T18:00:00Z"), "Asia/Kolkata")).toBe("2026-07-01");
    expect(fd.dayOfHour(Date.parse("2026-07-01T19:00:00Z"), "Asia/Kolkata")).toBe("2026-07-02");
    expect(fd.offsetLabel(Date.parse("2026-07-01T00:00:00Z"), "Asia/Kolkata")).toBe("UTC+05:30");
    expect(fd.offsetLabel(Date.parse("2026-07-01T00:00:00Z"), "America/Denver")).toBe("UTC−06:00");
    expect(fd.localStamp(Date.parse("2026-07-01T22:00:00Z"), "Europe/Berlin")).toBe("2026-07-02 00:00");
  });

  it("an issue at local midnight forecasts that day first; a later issue the next one", () => {
    expect(fd.nextLocalDay(Date.parse("2026-07-01T22:00:00Z"), "Europe/Berlin")).toBe("2026-07-02");
    expect(fd.nextLocalDay(Date.parse("2026-07-01T08:00:00Z"), "Europe/Berlin")).toBe("2026-07-02");
    expect(fd.nextLocalDay(Date.parse("2026-07-01T18:30:00Z"), "Asia/Kolkata")).toBe("2026-07-02");
    expect(fd.addDays("2026-12-31", 1)).toBe("2027-01-01");
  });
});

describe("the live issue: tomorrow per site and for the fleet", () => {
  const sites = [
    {site_id: "de", name: "Freiburg", timezone: "Europe/Berlin", capacity_kw: 30},
    {site_id: "in", name: "Chennai", timezone: "Asia/Kolkata", capacity_kw: 1500},
    {site_id: "none", name: "No live issue", timezone: "UTC", capacity_kw: 5}
  ];
  const rows = [
    ...issue("de", "2026-06-30T22:00:00Z"), // an evaluation issue: ignored
    ...issue("de", "2026-07-01T22:00:00Z", {run: "live", model_version: "v2"}),
    ...issue("in", "2026-07-01T18:30:00Z", {run: "live", model_version: "v2", value: () => 100}).map((r, k) => (k < 3 ? {...r, weather_kind: "observed" as const, weather_issued_at: null} : r))
  ];

  it("sums the next local day's hours, with the hourly bounds, and says which weather they used", () => {
    const {sites: out, fleet, missing} = fd.tomorrow(rows, sites);
    expect(missing).toEqual(["none"]);
    const de = out.find((s) => s.site_id === "de")!;
    expect(de.day).toBe("2026-07-02");
    expect(de.hours).toBe(24);
    expect(de.complete).toBe(true);
    expect(de.model_version).toBe("v2");
    expect(de.forecast_kwh).toBe(12 * 10); // the 06–18 UTC hours of the local day
    expect([de.lower_80, de.upper_80]).toEqual([96, 144]);
    expect(de.weather).toMatchObject({forecastHours: 24, observedHours: 0, sources: ["demo"]});
    expect(de.weather.issuedFrom!.toISOString()).toBe("2026-06-30T22:00:00.000Z");
    const chennai = out.find((s) => s.site_id === "in")!;
    expect(chennai.day).toBe("2026-07-02");
    expect(chennai.weather).toMatchObject({forecastHours: 21, observedHours: 3});
    expect(fleet.forecast_kwh).toBe(de.forecast_kwh + chennai.forecast_kwh);
    expect(fleet.days).toEqual(["2026-07-02"]);
    expect(fleet.weather.observedHours).toBe(3);
    expect(fleet.issued_from!.toISOString()).toBe("2026-07-01T18:30:00.000Z");
  });

  it("is empty without live rows", () => {
    expect(fd.tomorrow(issue("de", "2026-06-30T22:00:00Z"), sites)).toMatchObject({sites: [], fleet: {sites: 0, forecast_kwh: 0}});
  });
});

describe("vintages of a day", () => {
  const actual = (ts: number) => (new Date(ts).getUTCHours() >= 6 && new Date(ts).getUTCHours() < 18 ? 12 : 0);
  const rows = [
    ...issue("de", "2026-06-28T22:00:00Z", {value: () => 8, actual}),
    ...issue("de", "2026-06-29T22:00:00Z", {value: () => 10, actual}),
    ...issue("de", "2026-06-29T22:00:00Z", {value: () => 11, actual, model_version: "v0"})
  ];
  const win = fd.dayWindow("2026-06-30", "Europe/Berlin");

  it("lists every issue × version covering the day, newest first, scored on daytime hours", () => {
    const v = fd.vintagesFor(rows, win);
    expect(v.map((x) => [x.issued_at.toISOString(), x.model_version, x.horizon])).toEqual([
      ["2026-06-29T22:00:00.000Z", "v0", [1, 24]],
      ["2026-06-29T22:00:00.000Z", "v1", [1, 24]],
      ["2026-06-28T22:00:00.000Z", "v1", [25, 48]]
    ]);
    expect(v.every((x) => x.hours === 24)).toBe(true);
    expect(v[1].score).toEqual({n: 12, rmse: 2, mae: 2, bias: -2});
    expect(v[2].score!.rmse).toBeCloseTo(4, 12);
    expect(v[1].actual_kwh).toBe(144);
    expect(fd.vintageLabel(v[1], "Europe/Berlin")).toBe("issued 2026-06-30 00:00 · evaluation · hybrid v1 · h 1–24");
    expect(fd.defaultHour(v[1].rows)).toBe(Date.parse("2026-06-30T06:00:00Z"));
  });

  it("scores nothing when no hour has a measured value", () => {
    expect(fd.vintagesFor(issue("de", "2026-07-01T22:00:00Z", {run: "live"}), fd.dayWindow("2026-07-02", "Europe/Berlin"))[0].score).toBeNull();
    expect(fd.vintagesFor(rows, fd.dayWindow("2027-01-01", "Europe/Berlin"))).toEqual([]);
  });
});

describe("one hour taken apart", () => {
  const row = issue("de", "2026-06-29T22:00:00Z", {hours: 1})[0];
  const c = (rank: number, feature: string, kwh: number): ContributionRow => ({site_id: "de", issued_at: row.issued_at, ts: row.ts, model_version: "v1", rank, feature, contribution_kwh: kwh});

  it("baseline + contributions + rest = forecast, in waterfall steps that join up", () => {
    const d = fd.decompose({...row, baseline_kwh: 10, correction_kwh: -3, forecast_kwh: 7, actual_kwh: 6.5}, [c(1, "ghi", -2), c(2, "temp_c", -0.5)]);
    expect(d).toMatchObject({baseline: 10, correction: -3, rest: -0.5, clip: 0, forecast: 7, actual: 6.5});
    const steps = fd.waterfall(d);
    expect(steps.map((s) => s.label)).toEqual(["Prophet baseline", "ghi", "temp_c", "other features + mean", "Forecast"]);
    for (let i = 1; i < steps.length - 1; i++) expect(steps[i].from).toBeCloseTo(steps[i - 1].to, 12);
    expect(steps.at(-2)!.to).toBeCloseTo(7, 12);
  });

  it("shows what clipping at zero changed", () => {
    const d = fd.decompose({...row, baseline_kwh: 1, correction_kwh: -2, forecast_kwh: 0}, []);
    expect(d.clip).toBe(1);
    expect(fd.waterfall(d).map((s) => s.kind)).toEqual(["total", "down", "clip", "total"]);
  });

  it("indexes contributions per vintage hour, by rank", () => {
    const index = fd.contributionIndex([c(2, "b", 1), c(1, "a", 2)]);
    expect(index.get(fd.contributionKey("de", row.issued_at, "v1", row.ts))!.map((r) => r.feature)).toEqual(["a", "b"]);
  });
});

describe("the weather a vintage used", () => {
  it("finds the forecast row with the vintage's issue time, or the observed row, and the observed one beside it", () => {
    const rows = issue("de", "2026-06-29T22:00:00Z", {hours: 3});
    rows[2] = {...rows[2], weather_kind: "observed", weather_issued_at: null};
    const w = (ts: Date, kind: "observed" | "forecast", issued: string | null, ghi: number): WeatherRow => ({ts, source: "demo", kind, issued_at: issued ? t(issued) : null, ghi_wm2: ghi, cloud_cover_pct: 50, temp_c: 20});
    const weather = [
      w(rows[0].ts, "forecast", "2026-06-28T22:00:00Z", 100), // the one the vintage used
      w(rows[0].ts, "forecast", "2026-06-29T00:00:00Z", 999), // a later forecast it could not know
      w(rows[0].ts, "observed", null, 120),
      w(rows[2].ts, "observed", null, 300)
    ];
    const hours = fd.weatherUsed(rows, weather);
    expect(hours.map((h) => [h.kind, h.found, h.ghi, h.obs_ghi])).toEqual([
      ["forecast", true, 100, 120],
      ["forecast", false, null, null],
      ["observed", true, 300, 300]
    ]);
  });
});

describe("accuracy, transfer curve, registry", () => {
  const base = {n: 100, rmse_kwh: null, mae_kwh: null, bias_kwh: null, nmae_pct: 5, coverage80: null, coverage95: null, width80_pct: null, period_start: t("2026-06-01T10:00:00Z"), period_end: t("2026-07-01T00:00:00Z"), forecast_weather_share: 1, model_version: "v1"};
  const acc: AccuracyRow[] = [];
  for (const site of ["fleet", "de"])
    for (const [model, nrmse] of [["hybrid", 10], ["persistence", 20], ["smart persistence", 15], ["prophet", 22], ["climatology", 16]] as const)
      acc.push({...base, site_id: site, horizon: "all", model, nrmse_pct: nrmse, skill_rmse: model === "hybrid" ? 0.33 : 0, coverage80: model === "hybrid" ? 0.41 : null, forecast_weather_share: site === "de" ? 0.75 : 1});

  it("orders the models references first, pivots them side by side and states the period and weather share", () => {
    expect(fd.accuracyFor(acc, {site: "de"}).map((r) => r.model)).toEqual(fd.MODEL_ORDER);
    const overview = fd.accuracyOverview(acc, {names: new Map([["de", "Freiburg"]])});
    expect(overview.map((r) => r.name)).toEqual(["Fleet (capacity-weighted)", "Freiburg"]);
    expect(overview[1]).toMatchObject({hybrid: 10, persistence: 20, best: "hybrid", skill: 0.33, coverage80: 0.41});
    expect(fd.accuracyContext(acc)).toMatchObject({shareMin: 0.75, shareMax: 1, sites: 1, versions: ["v1"], hours: 100});
    expect(fd.accuracyContext([])).toBeNull();
  });

  it("finds the history from which the site's own model keeps beating the fleet model", () => {
    const curve: TransferRow[] = [7, 30, 60, 120].flatMap((d) => [
      {site_id: "au", history_days: d, model: "fleet-transfer" as const, n: 10, rmse_kwh: 1, nmae_pct: 6, skill_rmse: 0.4},
      {site_id: "au", history_days: d, model: "own" as const, n: 10, rmse_kwh: 1, nmae_pct: {7: 18, 30: 5, 60: 7, 120: 5.5}[d]!, skill_rmse: 0.4}
    ]);
    const s = fd.transferSummary(curve);
    expect(s.winners.map((w) => w.better)).toEqual(["fleet-transfer", "own", "fleet-transfer", "own"]);
    expect(s.ownWinsFrom).toBe(120);
    expect(s.rows[0]).toMatchObject({model: "fleet-transfer", history_days: 7});
  });

  it("reads what weather the models were trained on", () => {
    expect(fd.trainingWeather("observed")).toEqual({kind: "observed", forecastShare: 0, short: "observed"});
    expect(fd.trainingWeather("forecast where archived (97.5 % of hours), observed otherwise")).toMatchObject({kind: "mixed", forecastShare: 0.975, short: "forecast 97.5%, observed 2.5%"});
    expect(fd.trainingWeather("forecast where archived (100.0 % of hours), observed otherwise").kind).toBe("forecast");
    expect(fd.trainingWeather("none").kind).toBe("none");
    expect(fd.trainingWeather(undefined).kind).toBe("unknown");
  });

  it("parses the registry's JSON text", () => {
    const rows = fd.registryRows([
      {version: "a", purpose: "evaluation", created_at: t("2026-01-01"), params: '{"gbdt":{"rounds":300}}', metrics: "not json", in_use: true},
      {version: "b", purpose: "live", created_at: t("2026-02-01"), params: null, metrics: "{}", in_use: false}
    ]);
    expect(rows.map((r) => r.version)).toEqual(["b", "a"]);
    expect(rows[1].params).toEqual({gbdt: {rounds: 300}});
    expect(rows[1].metrics).toBe("not json");
  });
});

describe("reading and exporting", () => {
  it("reads an Arrow-like table: BigInts become numbers, epoch ms Dates, missing columns null", () => {
    const columns: Record<string, unknown[]> = {site_id: ["a", "b"], ts: [1_700_000_000_000, 1_700_003_600_000n], n: [1n, 2n], x: [null, 1.5]};
    const table = {
      numRows: 2,
      schema: {fields: Object.keys(columns).map((name) => ({name}))},
      getChild: (name: string) => (columns[name] ? {length: 2, get: (i: number) => columns[name][i]} : null)
    };
    const rows = fd.readTable(table, {timeColumns: ["ts"]});
    expect(rows[1]).toEqual({site_id: "b", ts: new Date(1_700_003_600_000), n: 2, x: 1.5});
    expect(fd.readTable(table, {columns: ["site_id", "gone"]})[0]).toEqual({site_id: "a", gone: null});
    expect(fd.readTable(null)).toEqual([]);
    expect([...siteIndex(table)]).toEqual([["a", [0]], ["b", [1]]]);
  });

  it("writes CSV with a header, ISO times, empty nulls and quoted fields", () => {
    const rows = issue("de", "2026-06-29T22:00:00Z", {hours: 2});
    const csv = fd.toCsv(rows);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe(fd.FORECAST_COLUMNS.join(","));
    expect(lines).toHaveLength(3);
    expect(lines[1].startsWith("de,2026-06-29T22:00:00.000Z,2026-06-29T22:00:00.000Z,1,evaluation,hybrid,v1,0,")).toBe(true);
    expect(lines[1].endsWith(",snap,")).toBe(true); // actual_kwh null → empty
    expect(fd.toCsv([{a: 'say "hi", ok', b: "x\ny"}], ["a", "b"])).toBe('a,b\r\n"say ""hi"", ok","x\ny"\r\n');
    expect(fd.exportName("de", "2026-06-30", t("2026-06-29T22:00:00Z"))).toBe("sunline-forecast-de-2026-06-30-issued-20260629T2200Z.csv");
  });

  it("formats energy and shares", () => {
    expect(fd.formatEnergy(12.345)).toBe("12.3 kWh");
    expect(fd.formatEnergy(1234.5)).toBe("1,235 kWh");
    expect(fd.formatEnergy(25_400)).toBe("25.4 MWh");
    expect(fd.formatEnergy(null)).toBe("–");
    expect(fd.pct(0.4058)).toBe("41%");
  });
});
