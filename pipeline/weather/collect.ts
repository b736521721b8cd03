// The weather agent: asks every configured provider for the sites and period, through one HTTP
// client (retries, Retry-After, concurrency limit, on-disk cache), normalises what comes back to
// WeatherRow, applies provider precedence, and says per provider what went right or wrong. A
// provider that fails for good never fails the run: its cached copy is used and marked stale, or
// its sites and period are reported as missing.
import {readFile} from "node:fs/promises";
import {resolve} from "node:path";
import {gunzipSync} from "node:zlib";
import type {WeatherProviderConfig} from "../config.ts";
import {messages, SunlineError} from "../messages.ts";
import type {WeatherHttp} from "./http.ts";
import {parseIsdLite} from "./isdLite.ts";
import {describeRequest, openMeteoRequests, parseOpenMeteo, type OpenMeteoEndpoint, type OpenMeteoVariable} from "./openMeteo.ts";
import {parseOpenWeatherMap} from "./openWeatherMap.ts";
import type {WeatherRow, WeatherSite} from "./types.ts";
import {pushAll} from "../arrays.ts";

export interface ProviderStatus {
  /** Provider and product, e.g. "open-meteo/archive". */
  source: string;
  /** ok: fresh data; stale: served from the cache after failures (or offline); failed: nothing for some sites/periods; skipped: not asked. */
  status: "ok" | "stale" | "failed" | "skipped";
  sites: string[];
  /** UTC dates (inclusive) asked for. */
  start: string;
  end: string;
  rows: number;
  requests: number;
  /** Requests answered from the cache. */
  cached: number;
  /** Latest download time among the answers, ISO UTC (null when nothing came). */
  fetched_at: string | null;
  /** Requests that failed for good. */
  failures: number;
  /** What went wrong, naming site and period (the first few failures); empty when ok. */
  detail: string;
}

export interface CollectOptions {
  sites: readonly WeatherSite[];
  providers: readonly WeatherProviderConfig[];
  /** Observed period, UTC dates inclusive. */
  start: string;
  end: string;
  forecastDays: number;
  http: WeatherHttp;
  /** Where relative provider paths live (the config's folder). */
  baseDir: string;
  now: Date;
  env?: Record<string, string | undefined>;
  log?: (message: string) => void;
}

export interface CollectedWeather {
  rows: WeatherRow[];
  status: ProviderStatus[];
}

/** One hour of forecast cache: Open-Meteo and OWM update their runs every 1-6 h. */
const FORECAST_TTL_MS = 3_600_000;
/** Failures spelled out in a status's detail. */
const MAX_DETAILED_FAILURES = 3;
/** ISD-Lite files of the current year grow every day. */
const ISD_TTL_MS = 6 * 3_600_000;

export async function collectWeather(options: CollectOptions): Promise<CollectedWeather> {
  const log = options.log ?? (() => {});
  const env = options.env ?? process.env;
  const rows: WeatherRow[] = [];
  const status: ProviderStatus[] = [];
  for (const provider of options.providers) {
    const got =
      provider.type === "open-meteo"
        ? await fromOpenMeteo(provider, options, env)
        : provider.type === "openweathermap"
          ? await fromOpenWeatherMap(provider, options, env)
          : await fromIsd(provider, options);
    for (const g of got) {
      pushAll(rows, g.rows);
      status.push(g.status);
      log(`weather: ${g.status.source}: ${g.status.status}, ${g.status.rows} rows${g.status.detail ? ` (${g.status.detail})` : ""}`);
    }
  }
  return {rows: mergeByPrecedence(rows), status};
}

interface ProviderResult {
  rows: WeatherRow[];
  status: ProviderStatus;
}

function newStatus(source: string, sites: readonly WeatherSite[], start: string, end: string): ProviderStatus {
  return {source, status: "ok", sites: sites.map((s) => s.id), start, end, rows: 0, requests: 0, cached: 0, fetched_at: null, failures: 0, detail: ""};
}

/** Record one answer (or failure) in a status. */
function note(s: ProviderStatus, outcome: {rows?: number; fromCache?: boolean; stale?: boolean; fetchedAt?: string; error?: string}): void {
  s.requests++;
  if (outcome.fromCache) s.cached++;
  s.rows += outcome.rows ?? 0;
  if (outcome.fetchedAt && (!s.fetched_at || outcome.fetchedAt > s.fetched_at)) s.fetched_at = outcome.fetchedAt;
  if (outcome.error) {
    s.status = "failed";
    s.failures++;
    // The first few failures in full; hundreds of hourly calls failing the same way say no more.
    if (s.failures <= MAX_DETAILED_FAILURES) s.detail = [s.detail, outcome.error].filter(Boolean).join("; ");
    else s.detail = s.detail.replace(/ \(and \d+ more failed requests\)$/, "") + ` (and ${s.failures - MAX_DETAILED_FAILURES} more failed requests)`;
  } else if (outcome.stale && s.status === "ok") s.status = "stale";
}

async function fromOpenMeteo(provider: Extract<WeatherProviderConfig, {type: "open-meteo"}>, o: CollectOptions, env: CollectOptions["env"] & object): Promise<ProviderResult[]> {
  const baseUrl = env.SUNLINE_OPEN_METEO_URL || provider.base_url;
  const today = o.now.toISOString().slice(0, 10);
  const results: ProviderResult[] = [];
  for (const product of provider.products) {
    // Observed products cover the configured period (up to yesterday); the forecast covers the
    // last day and the days ahead, issued now.
    const [start, end] = product === "forecast" ? [addDays(today, -1), addDays(today, o.forecastDays)] : [o.start, minDate(o.end, addDays(today, -1))];
    const s = newStatus(`open-meteo/${product}`, o.sites, start, end);
    const rows: WeatherRow[] = [];
    if (end < start) {
      s.status = "skipped";
      s.detail = messages.weatherNothingToAsk(start, end);
      results.push({rows, status: s});
      continue;
    }
    const requests = openMeteoRequests({
      endpoint: product as OpenMeteoEndpoint,
      sites: o.sites,
      start,
      end,
      baseUrl,
      now: o.now,
      variables: provider.variables as OpenMeteoVariable[] | undefined
    });
    for (const request of requests) {
      try {
        const answer = await o.http.getJson(request.url, {cache: request.cacheForever ? "forever" : FORECAST_TTL_MS});
        const parsed = parseOpenMeteo(answer.body, request, product === "forecast" ? answer.fetchedAt : null);
        pushAll(rows, parsed);
        note(s, {rows: parsed.length, fromCache: answer.fromCache, stale: answer.stale, fetchedAt: answer.fetchedAt});
      } catch (error) {
        if (!(error instanceof SunlineError)) throw error;
        note(s, {error: `${describeRequest(request)}: ${error.message}`});
      }
    }
    results.push({rows, status: s});
  }
  return results;
}

async function fromOpenWeatherMap(provider: Extract<WeatherProviderConfig, {type: "openweathermap"}>, o: CollectOptions, env: CollectOptions["env"] & object): Promise<ProviderResult[]> {
  const base = (env.SUNLINE_OWM_URL || provider.base_url || "https://api.openweathermap.org").replace(/\/+$/, "");
  const today = o.now.toISOString().slice(0, 10);
  const key = env[provider.api_key_env];
  const results: ProviderResult[] = [];
  for (const product of provider.products) {
    const [start, end] = product === "onecall" ? [today, addDays(today, 2)] : [o.start, minDate(o.end, addDays(today, -1))];
    const s = newStatus(`openweathermap/${product}`, o.sites, start, end);
    const rows: WeatherRow[] = [];
    results.push({rows, status: s});
    if (!key) {
      s.status = "skipped";
      s.detail = messages.weatherNoApiKey(provider.api_key_env);
      continue;
    }
    const query = (site: WeatherSite) => `lat=${site.lat}&lon=${site.lon}&units=metric&appid=${encodeURIComponent(key)}`;
    // onecall: one forecast per site, cached an hour. timemachine: one call per site and past
    // hour; those hours never change, so each answer is cached for good.
    const calls: {site: WeatherSite; url: string; what: string}[] = [];
    for (const site of o.sites) {
      if (product === "onecall") calls.push({site, url: `${base}/data/3.0/onecall?${query(site)}&exclude=current,minutely,daily,alerts`, what: site.id});
      else
        for (let t = Date.parse(`${start}T00:00:00Z`); t < Date.parse(`${end}T00:00:00Z`) + 86_400_000; t += 3_600_000)
          calls.push({site, url: `${base}/data/3.0/onecall/timemachine?${query(site)}&dt=${t / 1000}`, what: `${site.id} ${new Date(t).toISOString().slice(0, 13)}h`});
    }
    await Promise.all(
      calls.map(async ({site, url, what}) => {
        try {
          const answer = await o.http.getJson(url, {cache: product === "onecall" ? FORECAST_TTL_MS : "forever", secretParams: ["appid"]});
          const parsed = parseOpenWeatherMap(answer.body, site.id, {issuedAt: product === "onecall" ? answer.fetchedAt : null, units: "metric"});
          pushAll(rows, parsed);
          note(s, {rows: parsed.length, fromCache: answer.fromCache, stale: answer.stale, fetchedAt: answer.fetchedAt});
        } catch (error) {
          if (!(error instanceof SunlineError)) throw error;
          note(s, {error: `${what}: ${error.message}`});
        }
      })
    );
    // Calls finish in any order; rows are sorted when merged.
  }
  return results;
}

async function fromIsd(provider: Extract<WeatherProviderConfig, {type: "noaa-isd"}>, o: CollectOptions): Promise<ProviderResult[]> {
  const site = o.sites.find((x) => x.id === provider.site);
  const s = newStatus("noaa-isd", site ? [site] : [], o.start, o.end);
  if (!site) {
    s.status = "skipped";
    s.detail = messages.weatherUnknownSite(provider.site);
    return [{rows: [], status: s}];
  }
  try {
    let text: string;
    let answer: {fromCache: boolean; stale: boolean; fetchedAt: string} | null = null;
    if (provider.url) {
      const got = await o.http.getText(provider.url, {cache: ISD_TTL_MS});
      text = got.body;
      answer = got;
    } else if (provider.path) {
      const bytes = await readFile(resolve(o.baseDir, provider.path));
      text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8");
    } else throw new SunlineError(messages.weatherIsdNoSource(provider.site));
    const parsed = parseIsdLite(text, site.id);
    // Only the configured period: a station file holds a whole year.
    const rows = parsed.rows.filter((r) => r.ts.slice(0, 10) >= o.start && r.ts.slice(0, 10) <= o.end);
    note(s, {rows: rows.length, fromCache: answer?.fromCache, stale: answer?.stale, fetchedAt: answer?.fetchedAt});
    if (parsed.rejects.length) s.detail = messages.weatherIsdRejects(parsed.rejects.length, parsed.rejects[0].line, parsed.rejects[0].reason);
    return [{rows, status: s}];
  } catch (error) {
    if (!(error instanceof SunlineError) && (error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    note(s, {error: `${site.id}: ${(error as Error).message}`});
    return [{rows: [], status: s}];
  }
}

/**
 * Provider precedence: for observed weather, each site and hour keeps the row of the first
 * provider in the config's list that has it (rows arrive in that order), a row with values
 * winning over an all-empty one. Forecasts are kept per source and issue time, so every vintage
 * stays available for honest backtests.
 */
export function mergeByPrecedence(rows: readonly WeatherRow[]): WeatherRow[] {
  const kept = new Map<string, WeatherRow>();
  for (const row of rows) {
    const key = row.kind === "observed" ? `${row.site_id}|${row.ts}|observed` : `${row.site_id}|${row.ts}|forecast|${row.source}|${row.issued_at ?? ""}`;
    const have = kept.get(key);
    if (!have || (isEmpty(have) && !isEmpty(row))) kept.set(key, row);
  }
  return [...kept.values()].sort((a, b) => a.site_id.localeCompare(b.site_id) || a.ts.localeCompare(b.ts) || a.source.localeCompare(b.source) || (a.issued_at ?? "").localeCompare(b.issued_at ?? ""));
}

function isEmpty(row: WeatherRow): boolean {
  return row.ghi_wm2 === null && row.temp_c === null && row.cloud_cover_pct === null && row.wind_ms === null;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function minDate(a: string, b: string): string {
  return a < b ? a : b;
}

/** The `sunline weather` summary: one line per provider product, then what went wrong. */
export function formatWeatherStatus(status: readonly ProviderStatus[]): string {
  const lines = status.map(
    (s) =>
      `${s.source.padEnd(32)} ${s.status.padEnd(7)} ${String(s.rows).padStart(7)} rows  ${s.sites.length} site(s)  ${s.start} → ${s.end}  ` +
      `${s.requests} request(s), ${s.cached} from cache${s.fetched_at ? `, newest ${s.fetched_at}` : ""}`
  );
  const problems = status.filter((s) => s.detail).map((s) => `  ${s.source}: ${s.detail}`);
  return [...lines, ...(problems.length ? ["", "notes:", ...problems] : [])].join("\n") + "\n";
}
