// The one query service of a deployment, built from the environment on first use and shared by the
// functions in api/ (query, health, metrics) and by `npm run serve`. A warm serverless instance keeps
// module state, so the engine, answer cache, rate limits and metrics live as long as the instance.
//
// Environment:
//   SUNLINE_SNAPSHOT_DIR   the snapshot folder to query; else the current snapshot of
//   SUNLINE_DATA_DIR       (default .sunline, relative to the working directory)
//   SUNLINE_API_TOKEN      when set, /api/query and /api/metrics need Authorization: Bearer <token>
//   SUNLINE_API_ORIGIN     the one origin allowed cross-origin (CORS); unset: same origin only
//   SUNLINE_API_RATE       requests/seconds per client, default 30/60
//   OPENAI_BASE_URL, OPENAI_API_KEY, SUNLINE_LLM_MODEL   read by the engine: a model, else templates
import {existsSync} from "node:fs";
import {join, resolve} from "node:path";
import {messages, SunlineError} from "../pipeline/messages.ts";
import {createQueryEngine} from "../pipeline/query/engine.ts";
import {parseRateLimit} from "../pipeline/query/rateLimit.ts";
import {createQueryService, DEFAULT_RATE_LIMIT, type ClientInfo, type QueryService, type Route} from "../pipeline/query/service.ts";
import {dataDirPath} from "../pipeline/snapshot/paths.ts";
import {currentSnapshotDir} from "../pipeline/snapshot/read.ts";

/** A query service configured from `env`; throws a SunlineError naming the variable when one is malformed. */
export function serviceFromEnv(env: NodeJS.ProcessEnv = process.env): QueryService {
  const rate = env.SUNLINE_API_RATE?.trim();
  const rateLimit = rate ? parseRateLimit(rate) : DEFAULT_RATE_LIMIT;
  if (!rateLimit) throw new SunlineError(messages.apiBadRate(rate ?? ""));
  return createQueryService({
    engine: async () => createQueryEngine({snapshotDir: await snapshotDirFromEnv(env), env}),
    token: env.SUNLINE_API_TOKEN || null,
    allowedOrigin: env.SUNLINE_API_ORIGIN || null,
    rateLimit,
    secrets: [env.OPENAI_API_KEY]
  });
}

/** The snapshot the endpoint answers from: SUNLINE_SNAPSHOT_DIR, else the data dir's current one. */
export async function snapshotDirFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = env.SUNLINE_SNAPSHOT_DIR ? resolve(env.SUNLINE_SNAPSHOT_DIR) : await currentSnapshotDir(dataDirPath(env.SUNLINE_DATA_DIR));
  // The message names no server path: it goes to whoever calls the endpoint.
  if (!dir || !existsSync(join(dir, "manifest.json"))) throw new SunlineError(messages.apiNoSnapshot);
  return dir;
}

let shared: QueryService | null = null;

/** The process's service, created on first use from process.env. */
export function sharedService(): QueryService {
  shared ??= serviceFromEnv(process.env);
  return shared;
}

/** What each api/ function does: its route on the shared service, whatever path the platform mounted it at. */
export async function handleRoute(route: Route, request: Request, client: ClientInfo = {}): Promise<Response> {
  let service: QueryService;
  try {
    service = sharedService();
  } catch (error) {
    // A misconfigured deployment: say which variable, on every request, until it is fixed.
    const message = error instanceof SunlineError ? error.message : messages.apiInternal;
    if (!(error instanceof SunlineError)) console.error(error);
    return Response.json({error: {code: "misconfigured", message}}, {status: 500, headers: {"cache-control": "no-store"}});
  }
  return service.handleRoute(route, request, client);
}

/** Netlify passes the client's address as context.ip; other platforms leave it to X-Forwarded-For. */
export interface PlatformContext {
  ip?: string;
}
