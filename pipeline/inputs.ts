// Turns a config into concrete inputs: sites, production files, weather and (demo) fault labels.
// With `demo` set, the demo fleet is generated once per generator version and options, under the data dir.
import {existsSync} from "node:fs";
import {mkdir, rename, rm, stat} from "node:fs/promises";
import {isAbsolute, join, relative, resolve} from "node:path";
import {productionSourceSchema, type LoadedConfig, type ProductionSource, type SiteConfig} from "./config.ts";
import {messages, SunlineError} from "./messages.ts";
import {collectedWeatherPath} from "./weather/prepare.ts";
import {sha256, sha256File, stableStringify} from "./snapshot/hash.ts";
import type {InputFile} from "./snapshot/manifest.ts";
import {demoDir} from "./snapshot/paths.ts";

export interface ProductionInput {
  source: ProductionSource;
  /** Absolute file path. */
  file: string;
  /** How the file is named in rejects, messages and the manifest (relative where possible). */
  label: string;
  /** Content hash, once inputs are hashed. */
  sha256?: string;
}

export interface ResolvedInputs {
  sites: SiteConfig[];
  production: ProductionInput[];
  /** `forecastPath`: archived forecasts beside the observed file (the demo's), loaded as kind 'forecast'. */
  weather: {path: string; source: string; forecastPath?: string} | null;
  labelsPath: string | null;
  files: InputFile[];
  /** Set when the run is one shard of the fleet (run/shard.ts): the config's sites in the other shards. */
  shard?: {index: number; count: number; otherSites: string[]};
}

export async function resolveInputs(
  loaded: LoadedConfig,
  dataDir: string,
  log: (msg: string) => void,
  glob: (pattern: string) => Promise<string[]>,
  {hashFiles = true}: {hashFiles?: boolean} = {}
): Promise<ResolvedInputs> {
  const {config, baseDir} = loaded;
  const sites: SiteConfig[] = [...config.sites];
  const production: ProductionInput[] = [];
  let weather: ResolvedInputs["weather"] = null;
  let labelsPath: string | null = null;
  const labelOf = (file: string) => {
    const rel = relative(baseDir, file);
    return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
  };

  if (config.demo) {
    const demo = config.demo;
    // Loaded only for demo projects: a user's own project never needs the generator.
    const {DEMO_GENERATOR_VERSION, DEMO_SITES, generateDemoFleet, scaledDemoSites} = await import("./demo/index.ts");
    const fleet = demo.count === undefined ? DEMO_SITES : scaledDemoSites(demo.count, demo.seed);
    const wanted = fleet.filter((s) => !demo.sites || demo.sites.includes(s.id));
    const key = sha256(stableStringify({version: DEMO_GENERATOR_VERSION, ...demo})).slice(0, 12);
    const dir = join(demoDir(dataDir), key);
    if (!existsSync(join(dir, "demo-manifest.json"))) {
      const started = Date.now();
      log(`demo: generating ${wanted.length} sites, ${demo.start} to ${demo.end} (seed ${demo.seed})...`);
      const temp = `${dir}.tmp-${process.pid}`;
      await rm(temp, {recursive: true, force: true});
      await mkdir(temp, {recursive: true});
      await generateDemoFleet(temp, {seed: demo.seed, start: demo.start, end: demo.end, count: demo.count, sites: wanted.map((s) => s.id)});
      await rm(dir, {recursive: true, force: true});
      await rename(temp, dir);
      log(`demo: generated in ${((Date.now() - started) / 1000).toFixed(1)} s → ${dir}`);
    }
    for (const site of wanted) {
      if (!sites.some((s) => s.id === site.id)) {
        const {id, name, lat, lon, timezone, capacity_kw, tilt, azimuth} = site;
        sites.push({id, name, lat, lon, timezone, capacity_kw, tilt, azimuth});
      }
      const file = join(dir, "production", `${site.id}.csv`);
      production.push({
        file,
        label: `demo/production/${site.id}.csv`,
        source: productionSourceSchema.parse({
          path: file,
          site_id: site.id,
          delimiter: site.delimiter,
          timestamp: {column: site.timestamp_column, timezone: site.timezone},
          value: {column: site.power_column, unit: site.unit}
        })
      });
    }
    if (config.weather.provider === "demo") {
      weather = {path: join(dir, "weather", "demo_weather.csv"), source: "demo", forecastPath: join(dir, "weather", "demo_weather_forecast.csv")};
    }
    labelsPath = join(dir, "labels.csv");
  }

  for (const source of config.production) {
    const pattern = isAbsolute(source.path) ? source.path : resolve(baseDir, source.path);
    const files = (await glob(pattern)).sort();
    if (files.length === 0) throw new SunlineError(messages.noInputFiles(source.path));
    for (const file of files) production.push({file, label: labelOf(file), source});
  }
  if (config.weather.path) weather = {path: resolve(baseDir, config.weather.path), source: "file"};
  // Network providers: what the weather agent collected before the run (weather/prepare.ts).
  if (config.weather.providers.length && existsSync(collectedWeatherPath(dataDir))) weather = {path: collectedWeatherPath(dataDir), source: "collected"};

  const files: InputFile[] = [];
  if (!hashFiles) return {sites, production, weather, labelsPath, files};
  const add = async (path: string, label: string, role: InputFile["role"]) =>
    files.push({path: label, sha256: await sha256File(path), bytes: (await stat(path)).size, role});
  for (const p of production) {
    await add(p.file, p.label, "production");
    p.sha256 = files.at(-1)!.sha256;
  }
  const weatherLabel = weather?.source === "demo" ? "demo/weather/demo_weather.csv" : weather?.source === "collected" ? "weather/collected.csv" : weather ? labelOf(weather.path) : "";
  if (weather) await add(weather.path, weatherLabel, "weather");
  // Hashed too: new forecast vintages change the weather the forecasts may use, so they invalidate the cache.
  if (weather?.forecastPath) await add(weather.forecastPath, weather.source === "demo" ? "demo/weather/demo_weather_forecast.csv" : labelOf(weather.forecastPath), "weather");
  if (labelsPath) await add(labelsPath, "demo/labels.csv", "labels");
  return {sites, production, weather, labelsPath, files};
}
