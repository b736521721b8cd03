// The project config: a typed, validated object (zod). `sunline.config.ts` at the project root is
// the demo fleet; users point --config / SUNLINE_CONFIG at their own file.
import {existsSync} from "node:fs";
import {dirname, isAbsolute, resolve} from "node:path";
import {pathToFileURL} from "node:url";
import {z} from "zod";
import {DEFAULT_DRIFT_THRESHOLDS} from "./drift/status.ts";
import {messages, SunlineError} from "./messages.ts";

/** Drift settings and the retraining rule when the config leaves them out (see the schema below). */
export const DEFAULT_DRIFT = {
  recent_days: 30,
  min_reference_values: 500,
  thresholds: DEFAULT_DRIFT_THRESHOLDS
};
export const DEFAULT_RETRAIN = {rmse_ratio: 1.5, max_age_days: 90, on_critical_drift: true};
export const DEFAULT_ANOMALY = {
  expected: "observed_weather" as "observed_weather" | "forecast", method: "mean" as "mean" | "median", window_h: 168, threshold: 2.5, gap_h: 3, profile_days: 30,
  min_hours: 3, min_loss_share: 0.05, high_loss_share: 0.5
};

/** A drift statistic's thresholds: "warning" from `warning` up, "critical" from `critical` up. */
const driftBand = z
  .object({warning: z.number().nonnegative(), critical: z.number().nonnegative()})
  .refine((b) => b.warning <= b.critical, {message: "expected warning ≤ critical"});

const ianaZone = z.string().refine(isValidTimeZone, {message: "expected an IANA time zone such as \"Europe/Berlin\""});
const isoInstant = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/.test(s) && !Number.isNaN(Date.parse(s)), {
  message: "expected an ISO UTC instant such as \"2026-07-01T00:00:00Z\""
});

const isoDate = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), {
  message: "expected a date such as \"2026-07-01\""
});

/** A weather source: network providers and files, listed in order of precedence. */
export const weatherProviderSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("open-meteo"),
    /** archive: ERA5 reanalysis (observed); historical-forecast: archived model runs; forecast: the latest run. */
    products: z.array(z.enum(["archive", "historical-forecast", "forecast"])).min(1).default(["archive", "forecast"]),
    /** A self-hosted Open-Meteo (all endpoints on one host); SUNLINE_OPEN_METEO_URL overrides it. */
    base_url: z.string().url().optional(),
    /** Hourly variables to ask for (default: all eight Sunline uses). */
    variables: z.array(z.string()).optional()
  }),
  z.object({
    type: z.literal("openweathermap"),
    /** onecall: the 48-hour forecast; timemachine: observed hours of the period, one call per site and hour (slow and billed per call). */
    products: z.array(z.enum(["onecall", "timemachine"])).min(1).default(["onecall"]),
    /** SUNLINE_OWM_URL overrides it. */
    base_url: z.string().url().optional(),
    /** Environment variable holding the API key (never written to config, logs or snapshots). */
    api_key_env: z.string().default("OPENWEATHERMAP_API_KEY")
  }),
  z.object({
    type: z.literal("noaa-isd"),
    /** The site this station's observations stand for. */
    site: z.string(),
    /** An ISD-Lite file (plain or .gz), relative to the config, or a URL to one. */
    path: z.string().optional(),
    url: z.string().url().optional()
  })
]);

/** Marks issues whose message already names the field (cross-field checks). */
const PREFORMATTED = {preformatted: true};

export const siteSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "expected a site id of letters, digits, '-', '_' or '.'"),
  name: z.string().min(1),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  timezone: ianaZone,
  /** AC (inverter/export) capacity in kW: bounds checks and normalisation use it. */
  capacity_kw: z.number().positive(),
  /** Panel tilt from horizontal, degrees. */
  tilt: z.number().min(0).max(90),
  /** Panel azimuth, degrees clockwise from north (180 = facing south). */
  azimuth: z.number().min(0).max(360)
});

/** A column by header name, or by 1-based position for files whose header leaves it unnamed. */
const columnRef = z.union([z.string().min(1), z.number().int().min(1)]);

export const productionSourceSchema = z.object({
  /** File path or glob, relative to the config file's folder. */
  path: z.string().min(1),
  format: z.enum(["csv", "parquet"]).default("csv"),
  /** The site every row belongs to (files holding one site). */
  site_id: z.string().optional(),
  /** Or: the column naming each row's site (files holding several sites). */
  site_column: columnRef.optional(),
  /** Field separator; "auto" picks whichever of , ; tab | splits the header into the most fields. */
  delimiter: z.union([z.literal("auto"), z.string().length(1)]).default("auto"),
  /** Text encoding; "auto" reads UTF-8 and falls back to Latin-1 (counted) when the file is not UTF-8. */
  encoding: z.enum(["auto", "utf-8", "latin-1"]).default("auto"),
  /** Whether the file has a header line; without one, columns are named by 1-based position. */
  header: z.boolean().default(true),
  /** Lines starting with this are comments; "" for none. */
  comment: z.string().default("#"),
  /** Decimal mark of the values; "auto" accepts a decimal comma when the delimiter is not a comma. */
  decimal: z.enum(["auto", ".", ","]).default("auto"),
  timestamp: z.object({
    column: columnRef,
    /** IANA zone of naive (offset-less) timestamps; stamps carrying an offset are taken as they are. */
    timezone: ianaZone.default("UTC"),
    /** A separate time-of-day column, for files that split date and time. */
    time_column: columnRef.optional(),
    /** strptime format, or several tried in order; by default DuckDB's ISO-8601 parsing. */
    format: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional()
  }),
  value: z.object({
    column: columnRef,
    unit: z.enum(["W", "kW", "MW", "Wh", "kWh"]),
    /**
     * For energy units: "interval" = energy of each interval; "counter" = a cumulative meter or
     * daily-yield register, differenced per site (a drop is a counter reset, counted).
     */
    kind: z.enum(["interval", "counter"]).default("interval")
  }),
  /** Whether a stamp marks the start or the end of its interval. */
  interval: z.enum(["start", "end"]).default("start")
});

export const configSchema = z
  .object({
    name: z.string().default("Sunline"),
    /** Generate the built-in demo fleet and use it as sites, production and weather. */
    demo: z
      .object({
        seed: z.number().int().default(20240701),
        start: isoInstant.default("2024-07-01T00:00:00Z"),
        end: isoInstant.default("2026-07-01T00:00:00Z"),
        /** Fleet size: the 8 built-in sites, then sites derived from them (pipeline/demo/fleet.ts); absent = the 8. */
        count: z.number().int().min(1).max(8000).optional(),
        /** Subset of the fleet's site ids, default all. */
        sites: z.array(z.string()).optional()
      })
      .optional(),
    sites: z.array(siteSchema).default([]),
    production: z.array(productionSourceSchema).default([]),
    weather: z
      .object({
        provider: z.enum(["demo", "none"]).default("demo"),
        /** Demo/recorded weather file (CSV with site_id, ts and the weather_hourly columns). */
        path: z.string().optional(),
        /** Providers to collect from, first = highest precedence for observed hours (pipeline/weather/collect.ts). */
        providers: z.array(weatherProviderSchema).default([]),
        /** First and last UTC date of observed weather to collect (default: the 90 days before today). */
        start: isoDate.optional(),
        end: isoDate.optional(),
        /** Days ahead the forecast products cover. */
        forecast_days: z.number().int().min(1).max(16).default(3)
      })
      .default({provider: "demo", providers: [], forecast_days: 3}),
    clean: z
      .object({
        /** Hourly energy above this multiple of capacity is an outlier. */
        max_capacity_factor: z.number().positive().default(1.2),
        /** Identical non-zero daytime samples in a row that count as a stuck run. */
        stuck_min_samples: z.number().int().min(2).default(4),
        /** Gaps of at most this many missing hours are interpolated (flagged filled). */
        max_gap_h: z.number().int().min(0).default(2),
        /** An hour beyond this many interquartile ranges of its hour-of-day and month is an outlier. */
        outlier_iqr_k: z.number().positive().default(3)
      })
      .default({max_capacity_factor: 1.2, stuck_min_samples: 4, max_gap_h: 2, outlier_iqr_k: 3}),
    /**
     * DuckDB resources for a run: the memory limit bounds DuckDB's memory, spilling to the data dir
     * beyond it. 1GB by default: on a 1 GB, 21M-row export it kept the whole process under 1.8 GB
     * at no measured cost in time (see bench/ingest.ts); raise it for very large fleets.
     */
    duckdb: z
      .object({
        memory_limit: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, "expected a size such as \"2GB\"").default("1GB"),
        threads: z.number().int().positive().optional()
      })
      .default({memory_limit: "1GB"}),
    forecast: z
      .object({
        /** Run the forecast stage at all (it needs about a week of history per site). */
        enabled: z.boolean().default(true),
        resolution: z.literal("1h").default("1h"),
        /** Hours covered by each issue. */
        horizon_h: z.number().int().min(1).max(168).default(48),
        /** Site-local hour of day at which forecasts are issued (0 = local midnight). */
        issue_hour_local: z.number().int().min(0).max(23).default(0),
        /**
         * Days before the end of the data that are forecast again, one issue a day, by a model fitted
         * only on the data before them: the out-of-sample record the forecast page scores.
         */
        evaluation_days: z.number().int().min(1).max(366).default(30),
        /** A site with fewer days of history than this is forecast by the fleet-wide transfer model. */
        new_site_days: z.number().int().min(1).default(60),
        /** Largest TreeSHAP contributions stored per forecast hour. */
        top_contributions: z.number().int().min(0).max(20).default(5),
        /** Days before the end of the data whose issues get contributions (the live issue always does). */
        explain_days: z.number().int().min(0).default(7),
        /** Accuracy-versus-history curve: one site's history cut to each length, own model vs fleet transfer. */
        transfer_curve: z
          .object({
            enabled: z.boolean().default(true),
            /** Site to hold out (default: the first site with a full history). */
            site: z.string().optional(),
            history_days: z.array(z.number().int().positive()).min(1).default([7, 14, 30, 60, 120, 240])
          })
          .default({enabled: true, history_days: [7, 14, 30, 60, 120, 240]}),
        prophet: z.record(z.string(), z.unknown()).default({}),
        gbdt: z.record(z.string(), z.unknown()).default({})
      })
      .default({
        enabled: true, resolution: "1h", horizon_h: 48, issue_hour_local: 0, evaluation_days: 30, new_site_days: 60, top_contributions: 5, explain_days: 7,
        transfer_curve: {enabled: true, history_days: [7, 14, 30, 60, 120, 240]}, prophet: {}, gbdt: {}
      }),
    backtest: z
      .object({
        /** Run the backtest in every pipeline run (reused while the data, config and code it rests on are unchanged). */
        enabled: z.boolean().default(true),
        /** Walk-forward origins, the most recent ones (each refits every model on the data before it). */
        origins: z.number().int().min(1).max(120).default(12),
        /** Days between origins, and days of daily issues after each. */
        step_days: z.number().int().min(1).default(30),
        test_days: z.number().int().min(1).default(30),
        /** "expanding": train on everything before the origin; "sliding": only the last train_days. */
        mode: z.enum(["expanding", "sliding"]).default("expanding"),
        train_days: z.number().int().min(2).default(365),
        /** No origin with less history than this before it (the first fits need something to learn). */
        min_train_days: z.number().int().min(2).default(90)
      })
      .default({enabled: true, origins: 12, step_days: 30, test_days: 30, mode: "expanding", train_days: 365, min_train_days: 90}),
    /** Input and error drift of the model in use (pipeline/drift): recent window against the training data. */
    drift: z
      .object({
        /** Days before the end of the data that make the recent window. */
        recent_days: z.number().int().min(1).max(366).default(30),
        /** Reference values needed from the same season of the training data before the whole training period is used instead. */
        min_reference_values: z.number().int().min(10).default(500),
        thresholds: z
          .object({
            psi: driftBand.default({warning: 0.1, critical: 0.25}),
            ks: driftBand.default({warning: 0.1, critical: 0.2}),
            wasserstein_sd: driftBand.default({warning: 0.1, critical: 0.25}),
            rmse_ratio: driftBand.default({warning: 1.2, critical: 1.5})
          })
          .default(DEFAULT_DRIFT.thresholds)
      })
      .default(DEFAULT_DRIFT),
    /** When the live model is refitted; otherwise the model in use keeps issuing (pipeline/retrain). */
    retrain: z
      .object({
        /** Refit when the recent RMSE is at least this multiple of the backtest RMSE of the same months. */
        rmse_ratio: z.number().positive().default(1.5),
        /** Refit when the model in use was trained on data ending this many days before the end of the data. */
        max_age_days: z.number().positive().default(90),
        /** Refit when any input of any site drifted to "critical" over a recent window the model in use has not seen. */
        on_critical_drift: z.boolean().default(true)
      })
      .default(DEFAULT_RETRAIN),
    /** Anomaly detection (pipeline/anomaly): what a site is judged against, the z-score, events and alarms. */
    anomaly: z
      .object({
        /** "observed_weather": a performance model on the observed weather × the site's own level; "forecast": the out-of-sample forecast. */
        expected: z.enum(["observed_weather", "forecast"]).default(DEFAULT_ANOMALY.expected),
        /** "mean": rolling mean and standard deviation; "median": median and 1.4826 × MAD. */
        method: z.enum(["mean", "median"]).default(DEFAULT_ANOMALY.method),
        /** Trailing window of the reference statistics, hours. */
        window_h: z.number().int().positive().default(DEFAULT_ANOMALY.window_h),
        /** |z| above this flags an hour. */
        threshold: z.number().positive().default(DEFAULT_ANOMALY.threshold),
        /** Judged, unflagged hours allowed inside one event. */
        gap_h: z.number().int().nonnegative().default(DEFAULT_ANOMALY.gap_h),
        /** Days of history behind the site's level per hour of day. */
        profile_days: z.number().int().positive().default(DEFAULT_ANOMALY.profile_days),
        /** Flagged hours that make a loss an alarm (medium severity). */
        min_hours: z.number().int().positive().default(DEFAULT_ANOMALY.min_hours),
        /** Share of the expected energy a loss must reach to count as the system's and alarm. */
        min_loss_share: z.number().min(0).max(1).default(DEFAULT_ANOMALY.min_loss_share),
        /** Share of the expected energy lost that makes an alarm high severity at once. */
        high_loss_share: z.number().min(0).max(1).default(DEFAULT_ANOMALY.high_loss_share)
      })
      .default(DEFAULT_ANOMALY)
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.sites.forEach((site, i) => {
      if (seen.has(site.id)) ctx.addIssue({code: "custom", path: ["sites", i, "id"], message: messages.duplicateSite(site.id), params: PREFORMATTED});
      seen.add(site.id);
    });
    config.production.forEach((source, i) => {
      if (source.site_id === undefined && source.site_column === undefined)
        ctx.addIssue({code: "custom", path: ["production", i], message: messages.sourceNeedsSiteConfig(`production[${i}]`), params: PREFORMATTED});
      if (!source.header)
        for (const [field, ref] of [["timestamp.column", source.timestamp.column], ["value.column", source.value.column], ["site_column", source.site_column], ["timestamp.time_column", source.timestamp.time_column]] as const)
          if (typeof ref === "string")
            ctx.addIssue({code: "custom", path: ["production", i], message: messages.headerlessNeedsPositions(`production[${i}].${field}`, ref), params: PREFORMATTED});
      if (source.value.kind === "counter" && !source.value.unit.endsWith("h"))
        ctx.addIssue({code: "custom", path: ["production", i, "value", "kind"], message: messages.counterNeedsEnergy(`production[${i}].value`, source.value.unit), params: PREFORMATTED});
      if (source.site_id !== undefined && !seen.has(source.site_id) && !config.demo)
        ctx.addIssue({code: "custom", path: ["production", i, "site_id"], message: messages.unknownSite(`production[${i}].site_id`, source.site_id, [...seen]), params: PREFORMATTED});
    });
  });

export type SunlineConfigInput = z.input<typeof configSchema>;
export type SunlineConfig = z.output<typeof configSchema>;
export type SiteConfig = z.output<typeof siteSchema>;
export type ProductionSource = z.output<typeof productionSourceSchema>;
export type WeatherProviderConfig = z.output<typeof weatherProviderSchema>;

/** Identity helper that gives config files type checking and completion. */
export function defineConfig(config: SunlineConfigInput): SunlineConfigInput {
  return config;
}

export interface LoadedConfig {
  config: SunlineConfig;
  /** Absolute path of the config file ("<inline>" for configs passed as objects). */
  path: string;
  /** Folder that relative paths in the config are resolved against. */
  baseDir: string;
}

/** Validate a config object; errors name each field path, the bad value and what is expected. */
export function parseConfig(input: unknown, path = "<inline>", baseDir = process.cwd()): LoadedConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const field = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
      if (issue.code === "custom" && issue.params?.preformatted) return issue.message;
      return messages.configIssue(field, valueAt(input, issue.path), issue.message);
    });
    throw new SunlineError(messages.configInvalid(path, issues));
  }
  return {config: result.data, path, baseDir};
}

/** The config file to use: explicit argument, then SUNLINE_CONFIG, then ./sunline.config.ts. */
export function configPath(explicit?: string, cwd = process.cwd()): string {
  const chosen = explicit || process.env.SUNLINE_CONFIG || "sunline.config.ts";
  return isAbsolute(chosen) ? chosen : resolve(cwd, chosen);
}

/** Load and validate a config file (.ts via tsx, .js/.mjs, or .json). */
export async function loadConfig(explicit?: string, cwd = process.cwd()): Promise<LoadedConfig> {
  const path = configPath(explicit, cwd);
  if (!existsSync(path)) throw new SunlineError(messages.configNotFound(path));
  let input: unknown;
  if (path.endsWith(".json")) {
    const {readFile} = await import("node:fs/promises");
    input = JSON.parse(await readFile(path, "utf8"));
  } else {
    const mod = (await import(pathToFileURL(path).href)) as {default?: unknown};
    if (mod.default === undefined) throw new SunlineError(messages.configNoDefault(path));
    input = mod.default;
  }
  return parseConfig(input, path, dirname(path));
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", {timeZone: zone});
    return true;
  } catch {
    return false;
  }
}
