// A small seeded fleet for the backtest tests, in real DuckDB: two sites of 100 days with observed
// GHI and an archived day-ahead forecast of it, and hooks to tamper with the data after an instant.
import {DuckDBTimestampValue, type DuckDBConnection} from "@duckdb/node-api";
import {parseConfig} from "../../../pipeline/config.ts";
import {syntheticSite} from "../models/prophet/data.ts";

export const DAY = 86_400_000;
const DAYS = 100;
const START = Date.parse("2024-04-01T00:00:00Z");
export const END = START + DAYS * DAY;
export const SITES = [
  {id: "a", tz: "Europe/Berlin", cap: 70, seed: 1},
  {id: "b", tz: "UTC", cap: 90, seed: 3}
];
export const config = parseConfig({
  name: "t", sites: SITES.map((s) => ({id: s.id, name: s.id, lat: 48.14, lon: 11.58, timezone: s.tz, capacity_kw: s.cap, tilt: 30, azimuth: 180})),
  forecast: {new_site_days: 30, prophet: {yearlyOrder: 0, nChangepoints: 0}, gbdt: {rounds: 30, threads: 1}},
  backtest: {origins: 2, step_days: 10, test_days: 10, min_train_days: 60}
}).config;

export interface Tamper {
  /** Production at or after this instant is tripled. */
  productionAfter?: number;
  /** Weather forecasts issued after this instant get their GHI reversed in time (same values, wrong hours). */
  forecastsAfter?: number;
}

/** sites, production_hourly and weather_hourly: observed GHI, and a day-ahead forecast of it issued 00:00 UTC the day before. */
export async function fleetTables(conn: DuckDBConnection, tamper: Tamper = {}): Promise<void> {
  await conn.run("CREATE OR REPLACE TABLE sites (site_id VARCHAR, name VARCHAR, lat DOUBLE, lon DOUBLE, timezone VARCHAR, capacity_kw DOUBLE, tilt DOUBLE, azimuth DOUBLE)");
  await conn.run("CREATE OR REPLACE TABLE production_hourly (site_id VARCHAR, ts TIMESTAMP, energy_kwh DOUBLE, n_samples INTEGER, quality VARCHAR)");
  await conn.run(`CREATE OR REPLACE TABLE weather_hourly (site_id VARCHAR, ts TIMESTAMP, source VARCHAR, kind VARCHAR, issued_at TIMESTAMP,
    ghi_wm2 DOUBLE, dni_wm2 DOUBLE, dhi_wm2 DOUBLE, temp_c DOUBLE, cloud_cover_pct DOUBLE, wind_ms DOUBLE, humidity_pct DOUBLE, precip_mm DOUBLE)`);
  const stamp = (ms: number) => new DuckDBTimestampValue(BigInt(ms) * 1000n);
  for (const s of SITES) {
    await conn.run("INSERT INTO sites VALUES ($1, $1, 48.14, 11.58, $2, $3, 30, 180)", [s.id, s.tz, s.cap]);
    const d = syntheticSite(new Date(START).toISOString(), DAYS, s.seed);
    const prod = await conn.createAppender("production_hourly");
    const wx = await conn.createAppender("weather_hourly");
    const n = d.ds.length;
    for (let i = 0; i < n; i++) {
      const t = d.ds[i];
      const e = Math.min(s.cap, (d.y[i] * s.cap) / 100) * (tamper.productionAfter !== undefined && t >= tamper.productionAfter ? 3 : 1);
      prod.appendVarchar(s.id);
      prod.appendTimestamp(stamp(t));
      prod.appendDouble(e);
      prod.appendInteger(4);
      prod.appendVarchar("ok");
      prod.endRow();
      const issued = Math.floor(t / DAY) * DAY - DAY;
      const scrambled = tamper.forecastsAfter !== undefined && issued > tamper.forecastsAfter;
      for (const [kind, issuedAt, ghi] of [["observed", null, d.ghi[i]], ["forecast", issued, scrambled ? d.ghi[n - 1 - i] : d.ghi[i] * 0.9]] as const) {
        wx.appendVarchar(s.id);
        wx.appendTimestamp(stamp(t));
        wx.appendVarchar("test");
        wx.appendVarchar(kind);
        if (issuedAt === null) wx.appendNull();
        else wx.appendTimestamp(stamp(issuedAt));
        wx.appendDouble(ghi);
        for (let k = 0; k < 7; k++) wx.appendNull();
        wx.endRow();
      }
    }
    prod.closeSync();
    wx.closeSync();
  }
}

