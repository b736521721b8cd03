// Serialising the demo fleet: production CSVs as loggers write them, the hourly weather file and its
// archived forecasts, the fault labels and the manifest. Output is a pure function of the inputs
// (no clock, no locale).

import {createWriteStream, type WriteStream} from "node:fs";
import {once} from "node:events";
import {finished} from "node:stream/promises";
import type {DemoSite} from "./sites.ts";
import type {HourlyWeather, SiteSimulation} from "./simulate.ts";
import type {FaultLabel} from "./faults.ts";
import {ROW_DROP, ROW_DUPLICATE, ROW_MALFORMED, type LoggerRecord} from "./loggerQuirks.ts";
import {formatIsoUtc, formatNaive} from "./timezone.ts";
import {MS_PER_HOUR, MS_PER_INTERVAL} from "../math.ts";

/** Collects lines into ~64 KB chunks before handing them to the stream, honouring back-pressure. */
export class BufferedWriter {
  private readonly stream: WriteStream;
  private parts: string[] = [];
  private size = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path, {encoding: "utf8"});
  }

  /** Queue a line (a newline is appended); true when the buffer should be flushed. */
  line(text: string): boolean {
    this.parts.push(text, "\n");
    this.size += text.length + 1;
    return this.size >= 65536;
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join("");
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, "drain");
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
  }
}

/** Fixed-decimal text without the "-0.00" artefact of rounding tiny negatives. */
export function fixed(x: number, decimals: number): string {
  const s = x.toFixed(decimals);
  return s.charCodeAt(0) === 45 && Number(s) === 0 ? s.slice(1) : s;
}

/** Power in the site's unit with its logger's precision. */
export function formatPower(kw: number, site: DemoSite, decimals: number): string {
  return fixed(site.unit === "W" ? kw * 1000 : kw, decimals);
}

export interface ProductionWriteResult {
  /** Data lines written (header excluded): valid rows, duplicates and malformed lines. */
  dataLines: number;
}

export async function writeProductionCsv(
  path: string,
  sim: SiteSimulation,
  record: LoggerRecord,
  localOffsetMs: Int32Array,
  decimals: number
): Promise<ProductionWriteResult> {
  const {site, startMs, n} = sim;
  const d = site.delimiter;
  const w = new BufferedWriter(path);
  w.line(`${site.timestamp_column}${d}${site.power_column}`);
  let dataLines = 0;
  for (let q = 0; q < n; q++) {
    const act = record.action[q];
    if (act === ROW_DROP) continue;
    const ts = formatNaive(startMs + q * MS_PER_INTERVAL + localOffsetMs[q]);
    const value = formatPower(record.valuesKw[q], site, decimals);
    let text = `${ts}${d}${value}`;
    if (act === ROW_MALFORMED) {
      const bad = record.malformed.get(q)!;
      if (bad.kind === "non_numeric") text = `${ts}${d}${bad.token}`;
      else if (bad.kind === "truncated") text = text.slice(0, bad.keep);
      else text = `${text}${d}${bad.token}`;
    }
    let flush = w.line(text);
    dataLines++;
    if (act === ROW_DUPLICATE) {
      flush = w.line(text);
      dataLines++;
    }
    if (flush) await w.flush();
  }
  await w.close();
  return {dataLines};
}

export const WEATHER_COLUMNS = [
  "site_id", "ts", "ghi_wm2", "dni_wm2", "dhi_wm2", "temp_c", "cloud_cover_pct", "wind_ms", "humidity_pct", "precip_mm"
] as const;

export class WeatherCsvWriter {
  private readonly w: BufferedWriter;

  constructor(path: string) {
    this.w = new BufferedWriter(path);
    this.w.line(WEATHER_COLUMNS.join(","));
  }

  async append(h: HourlyWeather): Promise<void> {
    for (let k = 0; k < h.hours; k++) {
      const line = [h.site_id, formatIsoUtc(h.startMs + k * MS_PER_HOUR), weatherValues(h, k)].join(",");
      if (this.w.line(line)) await this.w.flush();
    }
  }

  close(): Promise<void> {
    return this.w.close();
  }
}

/** The eight weather values of hour k, comma-joined, with the precision of the observed file. */
function weatherValues(h: HourlyWeather, k: number): string {
  return [
    fixed(h.ghi[k], 1),
    fixed(h.dni[k], 1),
    fixed(h.dhi[k], 1),
    fixed(h.tempC[k], 1),
    fixed(h.cloudPct[k], 0),
    fixed(h.windMs[k], 1),
    fixed(h.humidityPct[k], 0),
    fixed(h.precipMm[k], 1)
  ].join(",");
}

export const WEATHER_FORECAST_COLUMNS = ["site_id", "ts", "issued_at", ...WEATHER_COLUMNS.slice(2)] as const;

/** Archived forecasts: the observed file's columns plus each row's issue time (weatherForecast.ts). */
export class WeatherForecastCsvWriter {
  private readonly w: BufferedWriter;

  constructor(path: string) {
    this.w = new BufferedWriter(path);
    this.w.line(WEATHER_FORECAST_COLUMNS.join(","));
  }

  async append(h: HourlyWeather, issuedAt: (tsMs: number) => number): Promise<void> {
    for (let k = 0; k < h.hours; k++) {
      const ts = h.startMs + k * MS_PER_HOUR;
      const line = [h.site_id, formatIsoUtc(ts), formatIsoUtc(issuedAt(ts)), weatherValues(h, k)].join(",");
      if (this.w.line(line)) await this.w.flush();
    }
  }

  close(): Promise<void> {
    return this.w.close();
  }
}

/** RFC 4180 field quoting, only when needed. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const LABEL_COLUMNS = ["site_id", "fault", "start_utc", "end_utc", "magnitude", "description"] as const;

export async function writeLabelsCsv(path: string, labels: readonly FaultLabel[]): Promise<void> {
  const w = new BufferedWriter(path);
  w.line(LABEL_COLUMNS.join(","));
  for (const l of labels) {
    w.line([l.site_id, l.fault, formatIsoUtc(l.startMs), formatIsoUtc(l.endMs), String(l.magnitude), csvField(l.description)].join(","));
  }
  await w.close();
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  const w = new BufferedWriter(path);
  w.line(JSON.stringify(value, null, 2));
  await w.close();
}
