// Before a run: collect weather from the configured providers into <data dir>/weather/, as a CSV
// the run then reads like any input. Its content hash is part of the run's cache key, so new
// forecasts make a new snapshot and unchanged weather lets the run be skipped.
//   weather/collected.csv   every row (sorted, deterministic for the same answers)
//   weather/status.json     per provider: ok / stale / failed / skipped, sites, period, detail
//   weather/cache/          raw responses (http.ts)
import {mkdir, readFile, rename, writeFile} from "node:fs/promises";
import {join} from "node:path";
import type {LoadedConfig} from "../config.ts";
import {collectWeather, type ProviderStatus} from "./collect.ts";
import {WeatherHttp} from "./http.ts";
import type {WeatherRow, WeatherSite} from "./types.ts";
import {WEATHER_COLUMNS} from "./fromFile.ts";

/** Days of observed weather collected when the config gives no period. */
const DEFAULT_DAYS = 90;

export interface PrepareOptions {
  offline?: boolean;
  now?: Date;
  log?: (message: string) => void;
  env?: Record<string, string | undefined>;
}

export interface PreparedWeather {
  path: string;
  status: ProviderStatus[];
}

export function collectedWeatherPath(dataDir: string): string {
  return join(dataDir, "weather", "collected.csv");
}

/** Collect and write; null when the config has no providers. */
export async function prepareWeather(loaded: LoadedConfig, dataDir: string, sites: readonly WeatherSite[], options: PrepareOptions = {}): Promise<PreparedWeather | null> {
  const weather = loaded.config.weather;
  if (weather.providers.length === 0) return null;
  const now = options.now ?? new Date();
  const env = options.env ?? process.env;
  const today = now.toISOString().slice(0, 10);
  const dayBefore = (days: number) => new Date(Date.parse(`${today}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
  const dir = join(dataDir, "weather");
  await mkdir(dir, {recursive: true});
  const http = new WeatherHttp({cacheDir: join(dir, "cache"), offline: options.offline ?? env.SUNLINE_OFFLINE === "1", log: options.log});
  try {
    const {rows, status} = await collectWeather({
      sites,
      providers: weather.providers,
      start: weather.start ?? dayBefore(DEFAULT_DAYS),
      end: weather.end ?? dayBefore(1),
      forecastDays: weather.forecast_days,
      http,
      baseDir: loaded.baseDir,
      now,
      env,
      log: options.log
    });
    const path = collectedWeatherPath(dataDir);
    await writeAtomic(path, toCsv(rows));
    await writeAtomic(join(dir, "status.json"), JSON.stringify(status, null, 2) + "\n");
    return {path, status};
  } finally {
    await http.close();
  }
}

/** The status written by the last prepareWeather, if any. */
export async function readWeatherStatus(dataDir: string): Promise<ProviderStatus[] | null> {
  try {
    return JSON.parse(await readFile(join(dataDir, "weather", "status.json"), "utf8")) as ProviderStatus[];
  } catch {
    return null;
  }
}

export const COLLECTED_COLUMNS = ["site_id", "ts", "source", "kind", "issued_at", ...WEATHER_COLUMNS] as const;

function toCsv(rows: readonly WeatherRow[]): string {
  const cell = (v: unknown) => (v === null || v === undefined ? "" : String(v));
  const lines = rows.map((r) => COLLECTED_COLUMNS.map((c) => cell(r[c as keyof WeatherRow])).join(","));
  return [COLLECTED_COLUMNS.join(","), ...lines].join("\n") + "\n";
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp-${process.pid}`, text);
  await rename(`${path}.tmp-${process.pid}`, path);
}
