// Shared test helpers: temp folders, a tiny fixture project, reading snapshot tables with real DuckDB.
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {PassThrough} from "node:stream";
import {fileURLToPath} from "node:url";
import {vi} from "vitest";
import {parseConfig, type LoadedConfig, type SunlineConfigInput} from "../pipeline/config.ts";
import {queryRows, sqlString, withConnection} from "../pipeline/db.ts";

export const fixturesDir = fileURLToPath(new URL("./fixtures/", import.meta.url));

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "sunline-test-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}

/** One 10 kW site in Berlin with one day of hand-written 15-minute data (test/fixtures/tiny); paths relative to that folder. */
const TINY_PROJECT = {
  name: "tiny",
  sites: [{id: "site-a", name: "Site A", lat: 52.52, lon: 13.4, timezone: "Europe/Berlin", capacity_kw: 10, tilt: 30, azimuth: 180}],
  production: [
    {path: "site-a.csv", site_id: "site-a", timestamp: {column: "timestamp", timezone: "Europe/Berlin"}, value: {column: "ac_power_w", unit: "W"}}
  ],
  weather: {provider: "none"}
} satisfies SunlineConfigInput;

/** The tiny project, parsed. */
export function tinyConfig(overrides: Partial<SunlineConfigInput> = {}, baseDir = join(fixturesDir, "tiny")): LoadedConfig {
  return parseConfig({...TINY_PROJECT, ...overrides}, "<tiny>", baseDir);
}

/** Rows of a Parquet file, read with DuckDB. */
export async function readParquet<T = Record<string, unknown>>(path: string, select = "*", where = "true"): Promise<T[]> {
  return withConnection((conn) => queryRows<T>(conn, `SELECT ${select} FROM read_parquet(${sqlString(path)}) WHERE ${where}`));
}

/** The tiny project as the configured one (SUNLINE_CONFIG, SUNLINE_DATA_DIR under `dir`), as loaders and build scripts read it; returns the config path. */
export async function stubTinyProject(dir: string): Promise<string> {
  const config = await writeTinyConfigFile(dir);
  vi.stubEnv("SUNLINE_CONFIG", config);
  vi.stubEnv("SUNLINE_DATA_DIR", join(dir, "data"));
  return config;
}

async function writeTinyConfigFile(dir: string): Promise<string> {
  const config = join(dir, "tiny.config.ts");
  const production = TINY_PROJECT.production.map((p) => ({...p, path: join(fixturesDir, "tiny", p.path)}));
  await writeFile(config, `export default ${JSON.stringify({...TINY_PROJECT, production})};\n`);
  return config;
}

/** Everything `write` sends to a stream, as one Buffer (for loaders that stream to stdout). */
export async function collectStream(write: (out: PassThrough) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await write(out);
  return Buffer.concat(chunks);
}
