// What every weather provider's parser produces: one row per site and UTC hour, already in the
// units and time convention of the weather_hourly table (see fromFile.ts WEATHER_COLUMNS).

export type WeatherProvider = "demo" | "file" | "open-meteo" | "openweathermap" | "noaa-isd";

export interface WeatherRow {
  site_id: string;
  /** UTC start of the hour the values describe, ISO 8601 with Z: "2025-06-01T09:00:00Z". */
  ts: string;
  /** Which provider and product, e.g. "open-meteo/forecast", "open-meteo/archive", "noaa-isd". */
  source: string;
  /** "observed" (measurements, reanalysis) or "forecast" (a model run's prediction). */
  kind: "observed" | "forecast";
  /** For forecasts: UTC time the forecast was issued (ISO 8601 with Z), when known; else null. */
  issued_at: string | null;
  /** Global horizontal irradiance, mean over the hour, W/m². */
  ghi_wm2: number | null;
  /** Direct normal irradiance, mean over the hour, W/m². */
  dni_wm2: number | null;
  /** Diffuse horizontal irradiance, mean over the hour, W/m². */
  dhi_wm2: number | null;
  /** Air temperature at 2 m, °C (mean over the hour where the provider gives instants). */
  temp_c: number | null;
  /** Total cloud cover, % (0-100). */
  cloud_cover_pct: number | null;
  /** Wind speed at 10 m, m/s. */
  wind_ms: number | null;
  /** Relative humidity at 2 m, %. */
  humidity_pct: number | null;
  /** Precipitation over the hour, mm. */
  precip_mm: number | null;
}

export interface WeatherSite {
  id: string;
  lat: number;
  lon: number;
}
