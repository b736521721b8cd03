// Solar features against values worked out by hand (the sums are in the comments).
import {describe, expect, it} from "vitest";
import {withConnection} from "../../../pipeline/db.ts";
import {buildFeatures, solarHour} from "../../../pipeline/features/index.ts";
import {hourGeometry} from "../../../pipeline/forecast/hybrid.ts";
import {createInputTables, featureRows, type Row, type TestSite} from "./fixture.ts";

// On the equator, flat, 10 kW. At lon −5.625° solar noon on 2025-03-20 is 12:00 − 4 min/° × (−5.625°)
// − EoT (−7.5 min) = 12:30 UTC: the middle of the 12:00 UTC hour.
const EQUATOR: TestSite = {site_id: "equator", lat: 0, lon: -5.625, timezone: "UTC", capacity_kw: 10, tilt: 0, azimuth: 180};
const FREIBURG: TestSite = {site_id: "freiburg", lat: 47.999, lon: 7.842, timezone: "Europe/Berlin", capacity_kw: 30, tilt: 35, azimuth: 170};

async function day(site: TestSite, date: string): Promise<Map<number, Row>> {
  return withConnection(async (conn) => {
    await createInputTables(conn, [site]);
    const targets = Array.from({length: 24}, (_, h) => `${date}T${String(h).padStart(2, "0")}:00:00Z`);
    await buildFeatures(conn, {issues: [{site_id: site.site_id, issued_at: `${date}T00:00:00Z`, targets}]});
    return new Map((await featureRows(conn)).map((r) => [r.hour_utc as number, r]));
  });
}

describe("solar features", () => {
  it("on the equator at the March equinox: the sun overhead at mid-hour of solar noon, east and west at ±3 h", async () => {
    const rows = await day(EQUATOR, "2025-03-20");
    const noon = rows.get(12)!;
    // Declination at 12:30 UTC is +0.06° (equinox at 09:01 UTC), so the zenith is that, not the 7.5° of the hour's start.
    expect(noon.solar_zenith_deg).toBeLessThan(0.5);
    // 1361 W/m² / d², d = 0.9960 AU on 20 March → 1372 W/m².
    expect(noon.extraterrestrial_wm2 as number).toBeCloseTo(1372, -0.5);
    // Ineichen–Perez at sea level, TL 3, air mass ≈ 1: 0.868 × 1372 × exp(−0.0387 × 3) = 1060 W/m² overhead;
    // the hour's mean over hour angles ±7.5° is 0.3% lower: ≈ 1057 W/m².
    expect(Math.abs((noon.clear_sky_ghi_wm2 as number) - 1057)).toBeLessThan(3);
    // Every sub-sample is above 1000 W/m² on the (flat) modules: the 10 kW proxy is clipped at capacity.
    expect(noon.clear_sky_energy_kwh).toBe(10);

    const morning = rows.get(9)!; // mid-hour 09:30, three hours before solar noon: hour angle −45°
    expect(Math.abs((morning.solar_zenith_deg as number) - 45)).toBeLessThan(0.3);
    expect(Math.abs((morning.solar_azimuth_deg as number) - 90)).toBeLessThan(0.5);
    expect(Math.abs((rows.get(15)!.solar_azimuth_deg as number) - 270)).toBeLessThan(0.5);
    // 0.868 × 1372 × cos 45° × exp(−0.1161 × 1.414) ≈ 715 W/m².
    expect(Math.abs((morning.clear_sky_ghi_wm2 as number) - 715)).toBeLessThan(10);
    // Unclipped, flat: capacity × GHI / 1000 over one hour.
    expect(morning.clear_sky_energy_kwh as number).toBeCloseTo((10 * (morning.clear_sky_ghi_wm2 as number)) / 1000, 9);
  });

  it("flat modules see the horizontal clear sky (Hay–Davies with tilt 0 is GHI), every hour", async () => {
    // Exact but for a few mW/m² at zenith 86.3°–87°, where Erbs floors cos z at 0.065 and Hay–Davies does not.
    for (const row of (await day(EQUATOR, "2025-03-20")).values())
      expect(row.clear_sky_poa_wm2 as number).toBeCloseTo(row.clear_sky_ghi_wm2 as number, 2);
  });

  it("at night everything clear-sky is 0 and the sun is below the horizon", async () => {
    const rows = await day(EQUATOR, "2025-03-20");
    for (const h of [0, 1, 2, 3, 4, 20, 21, 22, 23]) {
      const row = rows.get(h)!;
      expect(row.solar_zenith_deg as number, `hour ${h}`).toBeGreaterThan(90);
      expect([row.clear_sky_ghi_wm2, row.clear_sky_poa_wm2, row.clear_sky_energy_kwh], `hour ${h}`).toEqual([0, 0, 0]);
    }
    expect(rows.get(0)!.solar_zenith_deg as number).toBeGreaterThan(170); // mid-hour 00:30 is 12 h from noon
  });

  it("the forecaster's hour geometry has the same clear sky as the features (one definition, pipeline/solar)", () => {
    const site = {lat: 47.999, lon: 7.842, tilt: 35, azimuth: 170, capacity_kw: 30};
    const day = Array.from({length: 24}, (_, h) => Date.parse("2026-06-10T00:00:00Z") + h * 3_600_000);
    const geo = hourGeometry({lat: site.lat, lon: site.lon, tilt: site.tilt, azimuth: site.azimuth, capacityKw: site.capacity_kw}, day);
    day.forEach((t, h) => {
      const features = solarHour(site, t);
      expect(geo.clearGhi[h]).toBeCloseTo(features.clearSkyGhi, 0);
      expect(geo.clearPoa[h]).toBeCloseTo(features.clearSkyPoa, 0);
    });
    // Freiburg, 20:00–21:00 local in June: the sun is behind the south-facing plane, yet the sky's
    // diffuse light reaches it. A fixed 15 % diffuse share gave this hour a fifth of its clear sky.
    const evening = 18;
    expect(geo.cosIncidence[evening]).toBeLessThan(0.1);
    expect(geo.clearPoa[evening]).toBeGreaterThan(0.3 * geo.clearGhi[evening]);
  });

  it("the clear sky is the hour's mean: the hour of sunset has some, though the mid-hour sun has set", () => {
    // Sunset on the equator at the equinox is about 18:34 UTC here (6 h after noon plus refraction).
    const sunsetHour = solarHour(EQUATOR, Date.parse("2025-03-20T18:00:00Z"));
    expect(sunsetHour.zenith).toBeGreaterThan(90);
    expect(sunsetHour.clearSkyGhi).toBeGreaterThan(0);
    expect(solarHour(EQUATOR, Date.parse("2025-03-20T19:00:00Z")).clearSkyGhi).toBe(0);
  });

  it("Freiburg at solar noon on the June solstice: zenith = latitude − 23.44°, due south", async () => {
    // Solar noon = 12:00 − 4 × 7.842 min − EoT (−1.7 min) = 11:30 UTC, the middle of the 11:00 hour.
    const noon = (await day(FREIBURG, "2025-06-21")).get(11)!;
    expect(Math.abs((noon.solar_zenith_deg as number) - (47.999 - 23.44))).toBeLessThan(0.1);
    expect(Math.abs((noon.solar_azimuth_deg as number) - 180)).toBeLessThan(1);
    // Tilted 35° toward the sun, the modules get more than the horizontal.
    expect(noon.clear_sky_poa_wm2 as number).toBeGreaterThan(noon.clear_sky_ghi_wm2 as number);
  });

  it("extraterrestrial irradiance: 1361 / d², highest at perihelion, lowest at aphelion", () => {
    // d = 0.98333 AU on 4 January 2025, 1.01664 AU on 3 July 2025.
    expect(solarHour(EQUATOR, Date.parse("2025-01-04T12:00:00Z")).extraterrestrialNormal).toBeCloseTo(1361 / 0.98333 ** 2, 0);
    expect(solarHour(EQUATOR, Date.parse("2025-07-03T12:00:00Z")).extraterrestrialNormal).toBeCloseTo(1361 / 1.01664 ** 2, 0);
  });
});
