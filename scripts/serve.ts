// `npm run serve [-- --port N]`: the built site (dist/) and the query endpoint (/api/*) on loopback.
// Port from --port or PORT (default 3000), host from HOST (default 127.0.0.1); the endpoint is configured
// by the environment as in a deployment (see api/_service.ts: SUNLINE_API_TOKEN, OPENAI_BASE_URL, …).
import {existsSync} from "node:fs";
import {join} from "node:path";
import {serviceFromEnv} from "../api/_service.ts";
import {messages, SunlineError} from "../pipeline/messages.ts";
import {projectRoot} from "./framework.ts";
import {serveSite} from "./siteServer.ts";

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** --port N, --port=N, else PORT, else 3000. */
function portFrom(args: string[], env: NodeJS.ProcessEnv): number {
  const at = args.findIndex((arg) => arg === "--port" || arg.startsWith("--port="));
  const text = at < 0 ? (env.PORT ?? "3000") : args[at].includes("=") ? args[at].slice("--port=".length) : (args[at + 1] ?? "");
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) fail(messages.serveBadPort(text));
  return port;
}

const dist = join(projectRoot, "dist");
if (!existsSync(join(dist, "index.html"))) fail(messages.serveNoDist(dist));
const port = portFrom(process.argv.slice(2), process.env);

const service = (() => {
  try {
    return serviceFromEnv(process.env);
  } catch (error) {
    if (error instanceof SunlineError) fail(error.message);
    throw error;
  }
})();

const site = await serveSite({root: dist, host: process.env.HOST ?? "127.0.0.1", port, api: service.handle});
console.log(`serving dist/ at ${site.url}`);

// Ask the endpoint itself what it answers with: this also starts the engine now rather than on the first question.
const health = await service.handle(new Request(`${site.url}/api/health`));
const body = (await health.json()) as {mode?: string; model?: string | null; snapshot_id?: string; error?: {message: string}};
if (health.ok) {
  const how = body.mode === "llm" ? `the model ${body.model ?? "(default)"}` : "the offline templates (set SUNLINE_LLM_MODEL, OPENAI_BASE_URL or OPENAI_API_KEY for a model)";
  console.log(`query endpoint at ${site.url}/api/query answers with ${how}, on snapshot ${body.snapshot_id}`);
} else {
  console.log(`query endpoint at ${site.url}/api/query: ${body.error?.message ?? health.statusText}`);
}
if (process.env.SUNLINE_API_TOKEN) console.log("the endpoint needs Authorization: Bearer <SUNLINE_API_TOKEN>");

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    site.server.closeAllConnections();
    void Promise.all([site.close(), service.close()]).finally(() => process.exit(0));
  });
}
