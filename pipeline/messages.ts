// Every user-facing message in one place, so wording stays consistent and tests can compare exactly.

export const messages = {
  configNotFound: (path: string) =>
    `config file not found: ${path} (set --config or SUNLINE_CONFIG to an existing sunline.config.ts)`,
  configNoDefault: (path: string) =>
    `config file ${path} has no default export (write \`export default defineConfig({...})\`)`,
  configInvalid: (path: string, issues: string[]) =>
    `invalid config ${path}:\n${issues.map((i) => `  - ${i}`).join("\n")}`,
  configIssue: (field: string, value: unknown, expected: string) =>
    `${field || "(root)"}: ${expected}; got ${formatValue(value)}`,
  unknownSite: (field: string, site: string, known: string[]) =>
    `${field}: unknown site "${site}" (known sites: ${known.join(", ") || "none"})`,
  duplicateSite: (site: string) => `sites: site id "${site}" is declared more than once`,
  noSourceForFile: (file: string, sources: string[]) =>
    `${file}: no production source in the config covers this file (sources: ${sources.join(", ") || "none"}); add one with its column mapping`,
  noInputFiles: (pattern: string) => `production source ${pattern} matched no files`,
  missingColumn: (file: string, column: string, available: string[]) =>
    `${file}: column "${column}" not found in the header (columns: ${available.map((c, i) => c || `#${i + 1} (unnamed)`).join(", ")}); fix the column mapping in the config`,
  emptyFile: (file: string) => `${file}: the file has no lines with content (empty, or only blank and comment lines)`,
  sourceNeedsSiteConfig: (field: string) => `${field}: set site_id (one site per file) or site_column (a column naming each row's site)`,
  headerlessNeedsPositions: (field: string, name: string) =>
    `${field}: the source has header: false, so columns are named by position (1, 2, …); got "${name}"`,
  counterNeedsEnergy: (field: string, unit: string) => `${field}.kind: "counter" needs an energy unit (Wh or kWh); got unit "${unit}"`,
  sourceNeedsSite: (file: string) =>
    `${file}: the source has no site_id and the file has no site column; set site_id on the source`,
  lockTimeout: (path: string, pid: number) =>
    `another Sunline run (pid ${pid}) holds ${path}; gave up waiting. Delete the file if that process is gone.`,
  snapshotMissing: (dir: string) => `no snapshot in ${dir}: run \`npx sunline run\` or \`npm run build\` first`,
  badShard: (text: string) => `--shard / SUNLINE_SHARD: expected i/n with 1 <= i <= n (e.g. 2/4: the second of four shards); got "${text}"`,
  mergeNoShards: () => "merge: name the shards' data dirs, e.g. `npx sunline merge shards/* --data-dir merged`",
  mergeNoSnapshot: (dir: string) => `merge: ${dir} has no snapshot (run its shard first: \`npx sunline run --shard i/n --data-dir ${dir}\`)`,
  mergeNotAShard: (dir: string, snapshotId: string) =>
    `merge: the snapshot ${snapshotId} in ${dir} is not a shard's (it was written without --shard / SUNLINE_SHARD)`,
  mergeShardSet: (problem: string, shards: string[]) => `merge: ${problem} (given: ${shards.join(", ")}); pass every shard of one run once`,
  mergeShardsDiffer: (what: string, values: string[]) =>
    `merge: the shards were built with different ${what} (${values.join(", ")}); run every shard with the same config and code, then merge`,
  mergeMissingTable: (dir: string, table: string) => `merge: ${dir} has no ${table}.parquet; rebuild that shard with this version of Sunline`,
  mergeWindowsDiffer: (window: number, values: string[]) =>
    `merge: backtest window ${window} differs between shards (${values.join("; ")}): their data end at different times; run every shard on the same data, then merge`,
  mergeIntoShard: (dir: string) => `merge: --data-dir ${dir} is one of the shards; write the merged snapshot to a data dir of its own`,
  mergedDataDir: (dir: string, shards: number) =>
    `pipeline: ${dir} holds a snapshot merged from ${shards} shards; \`npx sunline merge\` refreshes it (--force runs the whole fleet here instead)`,
  emptyShard: (index: number, count: number, sites: number) =>
    `shard ${index}/${count} has none of the config's ${sites} sites (sites are assigned by a hash of their id); use fewer shards`,
  unknownCommand: (cmd: string) => `unknown command "${cmd}". Run \`npx sunline --help\` for the list.`,

  // Gradient-boosted trees (pipeline/models/gbdt)
  gbdtEmpty: (what: string, rows: number, features: number) =>
    `gbdt: ${what} has ${rows} rows and ${features} features; training needs at least one of each`,
  gbdtLengthMismatch: (what: string, feature: string, length: number, expected: number) =>
    `gbdt: ${what} feature ${feature} has ${length} values but the target has ${expected}; every feature needs one value per row`,
  gbdtBadTarget: (what: string, row: number, value: number) =>
    `gbdt: ${what} target at row ${row} is ${value}; targets must be finite numbers (drop or fill such rows before training)`,
  gbdtFeatureCount: (expected: number, got: number) =>
    `gbdt: the model was trained on ${expected} features but was given ${got}; pass the same features, in the same order`,
  gbdtBadParam: (name: string, value: unknown, expected: string) => `gbdt: parameter ${name} is ${formatValue(value)}; expected ${expected}`,
  gbdtBadModel: (detail: string) => `gbdt: not a Sunline GBDT model (${detail})`,

  // Weather HTTP (pipeline/weather/http.ts). URLs here are always already redacted.
  weatherHttpFailed: (url: string, attempts: number, reason: string) =>
    `weather: GET ${url} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${reason}`,
  weatherHttpStatus: (status: number, contentType: string | null, snippet: string) =>
    `HTTP ${status} (content-type ${contentType ?? "none"}); the body starts ${snippet}`,
  weatherHttpNotJson: (status: number, contentType: string | null, snippet: string) =>
    `HTTP ${status} but the body is not JSON (content-type ${contentType ?? "none"}); it starts ${snippet}`,
  weatherHttpBadJson: (status: number, contentType: string | null, snippet: string) =>
    `HTTP ${status} with truncated or malformed JSON (content-type ${contentType ?? "none"}); it starts ${snippet}`,
  weatherHttpEmptyBody: (status: number, contentType: string | null) =>
    `HTTP ${status} with an empty body (content-type ${contentType ?? "none"}); expected JSON`,
  weatherHttpBadGzip: (status: number, contentType: string | null, detail: string) =>
    `HTTP ${status} with gzip data that does not decompress, probably cut short (content-type ${contentType ?? "none"}): ${detail}`,
  weatherHttpTimeout: (timeoutMs: number) => `no complete answer within ${timeoutMs} ms (timeout; policy.timeoutMs)`,
  weatherHttpNetwork: (detail: string) => `network error: ${detail}`,
  weatherHttpRetryAfterTooLong: (waitMs: number, capMs: number) =>
    `the server asks to wait ${Math.ceil(waitMs / 1000)} s before retrying, more than the ${Math.round(capMs / 1000)} s limit (policy.maxRetryAfterMs), so Sunline stopped instead of waiting`,
  weatherHttpRetrying: (url: string, reason: string, attempt: number, of: number, delayMs: number) =>
    `weather: GET ${url}: ${reason}; retry ${attempt} of ${of} in ${(delayMs / 1000).toFixed(1)} s`,
  weatherHttpStale: (url: string, reason: string, fetchedAt: string) =>
    `weather: GET ${url} failed (${reason}); using the cached copy fetched at ${fetchedAt} (stale)`,
  weatherHttpOfflineStale: (url: string, fetchedAt: string) =>
    `weather: offline: using the cached copy of ${url} fetched at ${fetchedAt}, older than the cache lifetime asked for (stale)`,
  weatherHttpOffline: (url: string, cacheDir: string) =>
    `weather: offline mode and GET ${url} is not in the cache (${cacheDir}); run once online to download it`,
  weatherHttpBadUrl: (url: string) => `weather: not an http(s) URL: ${url}`,
  weatherHttpBadOption: (name: string, value: unknown, expected: string) =>
    `weather: HTTP option ${name} is ${formatValue(value)}; expected ${expected}`,
  weatherHttpCacheUnreadable: (path: string, detail: string) =>
    `weather: ignoring unreadable cache file ${path} (${detail}); it will be downloaded again`,
  weatherHttpCacheWriteFailed: (path: string, detail: string) =>
    `weather: could not write cache file ${path} (${detail}); the download is used but will be repeated next time`,

  // NOAA ISD-Lite and OpenWeatherMap (pipeline/weather/isdLite.ts, openWeatherMap.ts).
  // ISD-Lite reasons describe one rejected line; the caller adds the file and line number.
  isdLineLength: (length: number, expected: number) =>
    `line has ${length} characters; ISD-Lite lines have ${expected} (12 fixed-width fields)`,
  isdNotNumber: (field: string, columns: string, text: string) =>
    `${field} (columns ${columns}) is ${JSON.stringify(text)}; expected a whole number (-9999 when missing)`,
  isdBadValue: (field: string, value: number, expected: string) => `${field} is ${value}; expected ${expected}`,
  isdDuplicateHour: (hour: string, firstLine: number) => `a second line for ${hour} (the first, on line ${firstLine}, is kept)`,
  // OpenWeatherMap values shown here are already stripped of anything that looks like an API key.
  owmNotObject: (got: string) => `OpenWeatherMap: expected a One Call 3.0 JSON object; got ${got}`,
  owmApiError: (cod: string, message: string | null) =>
    `OpenWeatherMap answered with error ${cod}${message ? `: ${JSON.stringify(message)}` : ""}${owmErrorHint(cod)}`,
  owmNoArray: (keys: string[]) =>
    `OpenWeatherMap: the body has neither "hourly" (/data/3.0/onecall) nor "data" (/data/3.0/onecall/timemachine); its keys are ${keys.map((k) => JSON.stringify(k)).join(", ") || "none"}${keys.length ? " (was hourly excluded with exclude=hourly?)" : ""}`,
  owmWrongType: (path: string, expected: string, got: string) => `OpenWeatherMap: ${path} should be ${expected}; got ${got}`,
  owmUnknownUnits: (got: string, known: readonly string[]) => `OpenWeatherMap: units is ${got}; expected one of ${known.join(", ")}`,
  owmBadIssuedAt: (got: string) => `OpenWeatherMap: issuedAt is ${got}; expected an ISO 8601 time or a Date`,

  // Open-Meteo (pipeline/weather/openMeteo.ts). `at` names the request and, where known, the site.
  openMeteoErrorBody: (at: string, reason: string) => `${at}: Open-Meteo answered with an error: ${reason}`,
  openMeteoNotJson: (at: string, got: string) => `${at}: expected Open-Meteo JSON (an object, or an array for several sites); got ${got}`,
  openMeteoSiteCount: (at: string, expected: number, got: string) =>
    `${at}: asked for ${expected} location${expected === 1 ? "" : "s"} but the answer is ${got}; the array must have one entry per site, in request order`,
  openMeteoLocationMismatch: (at: string, detail: string) => `${at}: the answer does not match the site at this position (${detail})`,
  openMeteoNoHourly: (at: string) => `${at}: the answer has no "hourly" object`,
  openMeteoMissingVariable: (at: string, variable: string, present: string[]) =>
    `${at}: hourly variable "${variable}" is missing from the answer (it has: ${present.join(", ") || "nothing"})`,
  openMeteoNotArray: (at: string, variable: string, got: unknown) => `${at}: hourly "${variable}" should be an array; got ${formatValue(got)}`,
  openMeteoLengthMismatch: (at: string, variable: string, length: number, times: number) =>
    `${at}: hourly "${variable}" has ${length} values but "time" has ${times}`,
  openMeteoNotNumber: (at: string, variable: string, index: number, time: string, got: unknown) =>
    `${at}: hourly "${variable}" value #${index + 1} (${time}) is ${formatValue(got)}; expected a number or null`,
  openMeteoUnknownUnit: (at: string, variable: string, unit: unknown, known: string[]) =>
    `${at}: unknown unit ${formatValue(unit)} for "${variable}" in hourly_units (understood: ${known.join(", ")})`,
  openMeteoBadTime: (at: string, index: number, got: unknown, why: string) =>
    `${at}: ${index >= 0 ? `time #${index + 1} is ${formatValue(got)}` : `${formatValue(got)}`}: ${why}`,
  openMeteoBadDate: (field: string, got: unknown) => `open-meteo: ${field} is ${formatValue(got)}; expected a date YYYY-MM-DD`,
  openMeteoBadRange: (start: string, end: string) => `open-meteo: end ${end} is before start ${start}`,
  openMeteoForecastWindow: (start: string, end: string, first: string, last: string) =>
    `open-meteo forecast: ${start}..${end} is outside what the forecast endpoint serves today (${first}..${last}); use "historical-forecast" or "archive" for older dates`,
  openMeteoBadSite: (id: string, why: string) => `open-meteo: site "${id}": ${why}`,
  openMeteoBadOption: (name: string, got: unknown, expected: string) => `open-meteo: ${name} is ${formatValue(got)}; expected ${expected}`,
  openMeteoBadBaseUrl: (url: string) =>
    `open-meteo: base URL ${formatValue(url)} is not an http(s) URL without query (e.g. https://api.open-meteo.com or http://127.0.0.1:8080)`,
  // Weather agent (pipeline/weather/collect.ts)
  weatherNothingToAsk: (start: string, end: string) => `nothing to ask for: the period ${start} to ${end} is empty (check weather.start / weather.end)`,
  weatherNoApiKey: (env: string) => `no API key: set ${env} in the environment to use OpenWeatherMap`,
  weatherUnknownSite: (site: string) => `noaa-isd provider names site "${site}", which is not among the sites in the config`,
  weatherIsdNoSource: (site: string) => `noaa-isd provider for site "${site}" needs a path or a url`,
  weatherIsdRejects: (n: number, line: number, reason: string) => `${n} ISD-Lite line(s) rejected, first: line ${line}: ${reason}`,
  weatherNoProviders: (config: string) => `no weather providers in ${config}: add weather.providers, e.g. [{type: "open-meteo"}]`,

  // Prophet (pipeline/models/prophet). `what` is "fit" or "predict".
  prophetNotSeries: (what: string, field: string, got: unknown) =>
    `prophet ${what}: ${field} should be an array (or typed array); got ${formatValue(got)}`,
  prophetTooFewRows: (what: string, rows: number) =>
    `prophet: the ${what} has ${rows} row${rows === 1 ? "" : "s"}; fitting needs at least 2 (and in practice a few weeks of hours)`,
  prophetLengthMismatch: (what: string, field: string, length: number, expected: number) =>
    `prophet ${what}: ${field} has ${length} values but ds has ${expected}; give one value per stamp`,
  prophetBadValue: (what: string, field: string, index: number, got: unknown, stamp: number | null) =>
    `prophet ${what}: ${field} value #${index + 1}${stamp !== null && Number.isFinite(stamp) ? ` (${new Date(stamp).toISOString()})` : ""} is ${Number.isNaN(got) ? "NaN" : typeof got === "number" ? String(got) : formatValue(got)}; expected a finite number (drop or fill missing hours first)`,
  prophetStampsInSeconds: (what: string, index: number, got: number) =>
    `prophet ${what}: ds value #${index + 1} is ${got}, which as milliseconds is before 1973; ds must be UTC milliseconds (multiply Unix seconds by 1000)`,
  prophetStampNotWholeSecond: (what: string, index: number, got: number) =>
    `prophet ${what}: ds value #${index + 1} (${got}) is not a whole number of seconds; Prophet works in whole Unix seconds`,
  prophetStampsNotIncreasing: (what: string, index: number, previous: number, got: number) =>
    `prophet ${what}: ds must be strictly increasing, but value #${index + 1} (${new Date(got).toISOString()}) is not after the one before it (${new Date(previous).toISOString()})`,
  prophetBadCapacity: (got: unknown) => `prophet: capacityKw is ${formatValue(got)}; expected a finite number above 0`,
  prophetBadParam: (name: string, got: unknown, expected: string) => `prophet: parameter ${name} is ${formatValue(got)}; expected ${expected}`,
  prophetRegressorNames: (missing: string[], unknown: string[], expected: string[]) =>
    `prophet predict: the regressors must be the ones the model was fitted with (${expected.join(", ") || "none"})` +
    `${missing.length > 0 ? `; missing: ${missing.join(", ")}` : ""}${unknown.length > 0 ? `; not in the model: ${unknown.join(", ")}` : ""}`,
  prophetFitFailed: (reason: string) => `prophet: the optimizer failed: ${reason}`,
  prophetFreed: () => `prophet: this model was freed; fit it again (or rebuild it with ProphetBaseline.fromJSON)`,
  prophetBadModelJson: (got: unknown) =>
    `prophet: not a saved Prophet baseline (expected format "sunline-prophet-baseline", version 1 or 2); got ${formatValue(got)}`,

  // Forecast baselines and intervals (pipeline/forecast: baselines.ts, intervals.ts, metrics.ts)
  forecastNotHour: (what: string, index: number, got: number) =>
    `${what}: value #${index + 1} is ${Number.isFinite(got) ? `${got} (${new Date(got).toISOString()})` : String(got)}; expected UTC milliseconds on a whole hour (the start of the hour)`,
  forecastNotAscending: (what: string, index: number, previous: number, got: number) =>
    `${what}: hours must be strictly increasing, but value #${index + 1} (${new Date(got).toISOString()}) is not after the one before it (${new Date(previous).toISOString()}); sort the series and drop repeated hours`,
  forecastLengthMismatch: (what: string, length: number, expected: number, against: string) =>
    `${what} has ${length} values but ${against} has ${expected}; give one value per hour (NaN or null where missing)`,
  forecastBadIssueTime: (got: unknown) =>
    `forecast: the issue time is ${typeof got === "number" ? String(got) : formatValue(got)}; expected UTC milliseconds (a finite number)`,
  forecastNeedsClearSky: (baseline: string, where: string) =>
    `${baseline}: ${where}.clearSky is missing; clear-sky-index persistence needs the clear-sky energy of the ${where === "history" ? "observed" : "target"} hours`,
  forecastBadOption: (what: string, name: string, got: unknown, expected: string) =>
    `${what}: ${name} is ${typeof got === "number" ? String(got) : formatValue(got)}; expected ${expected}`,
  conformalNoResiduals: (rows: number) =>
    `conformal calibration: none of the ${rows} rows has actual, predicted, clear sky, horizon and capacity all known; intervals need out-of-sample residuals`,
  metricNeedsContext: (metric: string, field: string, what: string) => `${metric}: context.${field} is missing; pass ${what}`,
  backtestBadOption: (name: string, got: number) => `backtest: ${name} is ${String(got)}; expected a positive number`,
  backtestNoOrigins: (firstData: string, end: string, minTrainDays: number, testDays: number) =>
    `backtest: no origin fits between the first data (${firstData}) and the end (${end}): each needs ${minTrainDays} days of history before it and ${testDays} days after; lower backtest.min_train_days or backtest.test_days`,

  // Query endpoint (pipeline/query/service.ts)
  apiNotFound: (path: string, routes: string[]) => `no endpoint at ${formatValue(path)}; the endpoints are ${routes.join(", ")}`,
  apiMethodNotAllowed: (method: string, route: string, allowed: readonly string[]) =>
    `${route} does not take ${method} requests; use ${allowed.join(" or ")}`,
  apiOriginNotAllowed: (origin: string | null) =>
    origin ? `cross-origin requests from ${formatValue(origin)} are not allowed (SUNLINE_API_ORIGIN names the one allowed origin)` : "this is not a CORS preflight request from an allowed origin",
  apiTokenRequired: "this endpoint needs a token: send the header Authorization: Bearer <SUNLINE_API_TOKEN>",
  apiBadToken: "the bearer token is not the one this endpoint expects (SUNLINE_API_TOKEN on the server)",
  apiRateLimited: (seconds: number) => `too many requests from this client; try again in ${seconds} s`,
  apiNotJson: (type: string | null) =>
    `send the question as JSON with the header Content-Type: application/json; got ${type ? formatValue(type) : "no Content-Type"}`,
  apiBodyTooLarge: (max: number) => `the request body is larger than ${max} bytes; send only {"question": "..."}`,
  apiBadJson: (detail: string) => `the request body is not valid JSON (${detail}); send {"question": "..."}`,
  apiQuestionMissing: (got: unknown) => `the body needs a "question" string, as in {"question": "..."}; got question: ${formatValue(got)}`,
  apiQuestionEmpty: "the question is empty; ask something about the snapshot, e.g. \"energy per site last week\"",
  apiQuestionTooLong: (length: number, max: number) => `the question has ${length} characters; ask in at most ${max}`,
  apiInternal: "the query endpoint failed unexpectedly; the details are in the server log",
  apiClientClosed: "the client closed the request before the answer was ready",
  apiUnavailable: (cause: string) => `the query engine is not available: ${cause}`,
  apiStartFailed: "it failed to start; the details are in the server log",
  apiNoSnapshot: "there is no snapshot to query yet; run `npx sunline run` or `npm run build` on the server first",
  apiClosed: "the query endpoint is shutting down",
  apiBadOrigin: (text: string) => `SUNLINE_API_ORIGIN is ${formatValue(text)}; expected an origin such as https://example.org (scheme, host and port only)`,
  apiBadRate: (text: string) => `SUNLINE_API_RATE is ${formatValue(text)}; expected requests/seconds, e.g. 30/60`,
  serveNoDist: (dir: string) => `no built site in ${dir}: run \`npm run build\` first`,
  serveBadPort: (text: string) => `the port is ${formatValue(text)}; expected a whole number from 0 to 65535 (--port N or PORT)`,

  // Query guard and engine (pipeline/query/)
  guardEmpty: () => "no SQL to check",
  guardTooLong: (chars: number, max: number) => `the SQL is ${chars} characters long; the limit is ${max}`,
  guardHidden: (cp: string, at: number) => `the SQL contains an invisible or control character (${cp}) at position ${at}; such characters can hide text from a reader`,
  guardParse: (detail: string) => `DuckDB could not parse the SQL: ${detail}`,
  guardRebuild: (detail: string) => `the checked SQL could not be rebuilt for running: ${detail}`,
  guardMultiple: (count: number) => `found ${count} statements; exactly one SELECT is allowed`,
  guardNotSelect: (keyword: string) => `${/^[AEIOU]/.test(keyword) ? "an" : "a"} ${keyword} statement is not allowed; only a single SELECT (CTEs allowed) runs`,
  guardFile: (name: string) => `reading the file or URL ${formatValue(name)} is not allowed; query the snapshot tables by name`,
  guardFileFunction: (fn: string) => `${fn}() reads files or URLs, which is not allowed; query the snapshot tables by name`,
  guardTableFunction: (fn: string) => `the table function ${fn}() is not allowed; query the snapshot tables by name`,
  guardSystem: (name: string) => `the system catalog ${formatValue(name)} is not allowed; the tables and their columns are in the schema`,
  guardUnknownTable: (name: string, known: string[]) => `${formatValue(name)} is not a snapshot table (tables: ${known.join(", ")})`,
  guardLookalike: (name: string, cp: string) => `the name ${formatValue(name)} contains the non-ASCII character ${cp}, a look-alike of a plain letter; names are ASCII`,
  guardFunction: (fn: string) => `the function ${fn}() is not allowed (it reads settings, files or state)`,
  guardClock: (fn: string) => `${fn}() reads the server's clock; use the snapshot's dates (the last day with data is given) instead`,
  guardDescribe: (kind: string) => `${kind} is not allowed; the tables and their columns are in the schema`,
  guardRecursive: () => "recursive CTEs are not allowed (they can run without bound)",
  guardParameter: () => "query parameters ($1, ?) are not allowed; write values into the SQL",
  guardExpensive: (fn: string, value: number, max: number) => `${fn}() with ${value} is too large (at most ${max})`,
  guardLimitTooLarge: (n: number, max: number) => `LIMIT ${n} is more than the maximum of ${max} rows`,
  guardLimitNotConstant: (max: number) => `LIMIT must be a whole number from 0 to ${max}`,
  guardLimitPercent: (max: number) => `LIMIT … PERCENT is not allowed; use LIMIT with at most ${max} rows`,
  queryUnknownSite: (name: string, known: string[]) => `I don't know a site called ${formatValue(name)}. The sites in this snapshot are: ${known.join(", ")}. Which one do you mean?`,
  queryNoIntent: (examples: string[]) => `I can't answer that from the snapshot without a language model. Questions I can answer offline look like: ${examples.map((e) => `"${e}"`).join("; ")}.`,
  queryOutOfRange: (start: string, end: string, first: string, last: string) => `The snapshot has data from ${first} to ${last}; ${start === end ? start : `${start} to ${end}`} is outside it. Which period do you mean?`,
  queryNoSnapshot: (dir: string) => `no snapshot to answer from in ${dir}: run \`npm run build\` (or \`npx sunline run\`) first`,
  queryModelFailed: (detail: string) => `the language model could not be reached or failed: ${detail}`,
  queryClarifyAfterRepair: (reason: string) => `I could not write a query that answers this reliably (${reason}). Could you name the site, the period and what to compare — e.g. "Compare predicted vs actual for the last 7 days at Phoenix"?`,
  queryModelClarifies: (question: string) => question,
  queryTimeout: (ms: number) => `the query ran longer than ${(ms / 1000).toFixed(1)} s and was stopped`,
  dagTableWrittenTwice: (table: string, first: string, second: string) => `pipeline DAG: table "${table}" is written by both stage "${first}" and stage "${second}"`,
  dagUnknownTable: (stage: string, table: string) => `pipeline DAG: stage "${stage}" reads table "${table}", which no stage writes`,
  dagUnknownStage: (stage: string, after: string) => `pipeline DAG: stage "${stage}" runs after "${after}", which is not a stage`,
  dagCycle: (stages: string[]) => `pipeline DAG: stages ${stages.map((s) => `"${s}"`).join(", ")} depend on each other in a cycle`,
  stageFailed: (stage: string, site: string | null, cause: string, attempts: number) =>
    `stage "${stage}" failed${site ? ` at site ${site}` : ""}${attempts > 1 ? ` after ${attempts} attempts` : ""}: ${cause}`,
  stageRetry: (stage: string, attempt: number, waitS: number, cause: string) => `${stage}: transient failure (${cause}); retry ${attempt} in ${waitS} s`,
  noRuns: (dataDir: string) => `no runs recorded in ${dataDir} yet: run \`npx sunline run\` or \`npm run build\``,
} as const;

export function formatValue(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

function owmErrorHint(cod: string): string {
  if (cod === "401") return " (check the API key, and that it has the One Call 3.0 \"One Call by Call\" subscription; new keys take up to 2 hours to activate)";
  if (cod === "429") return " (too many calls: the key's per-minute or daily call limit is used up)";
  return "";
}

/** An error whose message is meant for the user as is (no stack needed in the CLI). */
export class SunlineError extends Error {
  /** The site the error is about, when it is about one (the run report and StageError name it). */
  site?: string;
  constructor(message: string, options?: {cause?: unknown; site?: string}) {
    super(message, options);
    this.name = "SunlineError";
    if (options?.site) this.site = options.site;
  }
}

/** A stage of a run failed: which stage, which site (when known) and why. */
export class StageError extends SunlineError {
  constructor(readonly stage: string, site: string | null, readonly causeMessage: string, readonly attempts: number, cause?: unknown) {
    super(messages.stageFailed(stage, site, causeMessage, attempts), {cause, site: site ?? undefined});
    this.name = "StageError";
  }
}
