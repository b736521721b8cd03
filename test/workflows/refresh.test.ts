// The scheduled refresh workflow (.github/workflows/refresh.yml), parsed as YAML and checked against
// the project it builds: the README's build command, the cache folders the code really uses, the
// weather key the pipeline really reads, Pages deployment and how secrets reach the steps.
import {execFileSync} from "node:child_process";
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {join, relative} from "node:path";
import {fileURLToPath} from "node:url";
import {describe, expect, it, vi} from "vitest";
import {parse} from "yaml";
import observableConfig from "../../observablehq.config.ts";
import {weatherProviderSchema} from "../../pipeline/config.ts";
import {dataDirPath} from "../../pipeline/snapshot/paths.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  environment?: string | {name: string; url?: string};
  env?: Record<string, unknown>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, any>;
  permissions?: Record<string, string>;
  concurrency?: {group: string; "cancel-in-progress"?: boolean};
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const text = readFileSync(join(root, ".github/workflows/refresh.yml"), "utf8");
const workflow = parse(text) as Workflow;
const jobs = Object.entries(workflow.jobs);
const allSteps = jobs.flatMap(([, job]) => job.steps);

/** The one job with a step using `action` (any version). */
function jobUsing(action: string): [string, Job] {
  const found = jobs.filter(([, job]) => job.steps.some((s) => s.uses?.startsWith(`${action}@`)));
  expect(found, `exactly one job uses ${action}`).toHaveLength(1);
  return found[0];
}
const needsOf = (job: Job) => (job.needs === undefined ? [] : [job.needs].flat());
const lines = (value: unknown) => String(value ?? "").split("\n").map((l) => l.trim()).filter(Boolean);
const [buildName, build] = jobUsing("actions/upload-pages-artifact");

describe("refresh workflow: triggers", () => {
  it("runs on a cron schedule, by hand (with a force input) and on pushes to main", () => {
    const schedule = workflow.on.schedule as {cron: string}[];
    expect(schedule.length).toBeGreaterThan(0);
    for (const {cron} of schedule) {
      // Five fields, each a number, a star, a list, a range or a step.
      expect(cron.trim().split(/\s+/)).toHaveLength(5);
      for (const field of cron.trim().split(/\s+/)) expect(field).toMatch(/^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/);
    }
    expect(workflow.on).toHaveProperty("workflow_dispatch");
    expect(workflow.on.workflow_dispatch.inputs.force).toMatchObject({type: "boolean", default: false});
    expect(workflow.on.push.branches).toContain("main");
  });

  it("never runs two refreshes at once", () => {
    expect(workflow.concurrency?.group).toBeTruthy();
    expect(workflow.concurrency?.["cancel-in-progress"]).toBe(false);
  });
});

describe("refresh workflow: build", () => {
  const runIndex = (command: string) => build.steps.findIndex((s) => lines(s.run).includes(command));

  it("installs as .ci/run does and builds with the README's command, telemetry off", () => {
    const install = runIndex("npm install --no-audit --no-fund");
    const buildStep = runIndex("npm run build");
    expect(install).toBeGreaterThanOrEqual(0);
    expect(buildStep).toBeGreaterThan(install);
    expect(allSteps.some((s) => /\bnpm ci\b/.test(s.run ?? ""))).toBe(false);
    expect(readFileSync(join(root, "README.md"), "utf8")).toContain("npm run build");
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.build).toBeTruthy();
    const env = {...workflow.env, ...build.env, ...build.steps[buildStep].env};
    expect(String(env.OBSERVABLE_TELEMETRY_DISABLE)).toBe("true");
  });

  it("uses Node 20 with npm's cache", () => {
    const setup = build.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
    expect(setup?.with).toMatchObject({"node-version": 20, cache: "npm"});
  });

  it("forces a full rebuild before the build only when asked (or when dependencies changed)", () => {
    const force = build.steps.findIndex((s) => /npx sunline run --force/.test(s.run ?? ""));
    expect(force).toBeGreaterThanOrEqual(0);
    expect(force).toBeLessThan(runIndex("npm run build"));
    expect(String(build.steps[force].env?.FORCE)).toMatch(/inputs\.force/);
    // Nothing else may force: a scheduled run must reuse what is unchanged.
    expect(allSteps.filter((s) => /--force/.test(s.run ?? ""))).toHaveLength(1);
  });

  it("writes `sunline status` to the job summary after the build", () => {
    const summary = build.steps.findIndex((s) => /npx sunline status/.test(s.run ?? "") && /\$GITHUB_STEP_SUMMARY/.test(s.run ?? ""));
    expect(summary).toBeGreaterThan(runIndex("npm run build"));
    expect(existsSync(join(root, "bin/sunline.js"))).toBe(true);
  });

  it("passes the weather key the openweathermap provider reads by default, as a secret", () => {
    const keyName = weatherProviderSchema.parse({type: "openweathermap"}) as {api_key_env: string};
    const buildStep = build.steps[runIndex("npm run build")];
    expect(buildStep.env?.[keyName.api_key_env]).toBe(`\${{ secrets.${keyName.api_key_env} }}`);
    expect(String(buildStep.env?.SUNLINE_API_URL)).toMatch(/\$\{\{\s*vars\.SUNLINE_API_URL\s*\}\}/);
  });

  it("sets only SUNLINE_* variables the code actually reads", () => {
    const sources = ["pipeline", "scripts", "api", "loaders", "src/data"].flatMap((dir) => sourceFiles(join(root, dir)));
    const code = sources.map((file) => readFileSync(file, "utf8")).join("\n");
    const names = new Set<string>();
    for (const env of [workflow.env, ...jobs.map(([, j]) => j.env), ...allSteps.map((s) => s.env)])
      for (const name of Object.keys(env ?? {})) if (name.startsWith("SUNLINE_")) names.add(name);
    expect(names.size).toBeGreaterThan(0);
    for (const name of names) expect(code.includes(name), `${name} is read somewhere in the sources`).toBe(true);
  });
});

describe("refresh workflow: caches", () => {
  const caches = build.steps.filter((s) => s.uses?.startsWith("actions/cache@"));
  const cachedPaths = caches.flatMap((s) => lines(s.with?.path));

  it("caches the pipeline's data dir and Framework's cache, where the code keeps them", () => {
    vi.stubEnv("SUNLINE_DATA_DIR", "");
    try {
      expect(cachedPaths).toContain(relative(root, dataDirPath(undefined, root)));
    } finally {
      vi.unstubAllEnvs();
    }
    expect(cachedPaths).toContain(`${observableConfig.root}/.observablehq/cache`);
    // Exclusions may drop scratch files, never the caches that save the work.
    for (const excluded of cachedPaths.filter((p) => p.startsWith("!")))
      for (const kept of ["bronze", "backtest", "weather", "models", "snapshots"]) expect(excluded).not.toMatch(new RegExp(`/${kept}(/|$)`));
  });

  it("saves every run under a new key, restoring the newest earlier cache by prefix", () => {
    expect(caches.length).toBeGreaterThanOrEqual(2);
    for (const cache of caches) {
      const key = String(cache.with?.key);
      expect(key).toMatch(/\$\{\{\s*github\.run_id\s*\}\}/);
      const restoreKeys = lines(cache.with?.["restore-keys"]);
      expect(restoreKeys.length, `${key} has restore-keys`).toBeGreaterThan(0);
      // A restore key matches this workflow's own saved caches only if it is a prefix of the key.
      for (const prefix of restoreKeys) {
        expect(key.startsWith(prefix), `${prefix} is a prefix of ${key}`).toBe(true);
        expect(prefix).not.toMatch(/run_id/);
      }
    }
  });

  it("restores the caches before the pipeline runs", () => {
    const lastCache = Math.max(...caches.map((c) => build.steps.indexOf(c)));
    const firstPipeline = build.steps.findIndex((s) => /npx sunline run|npm run build/.test(s.run ?? ""));
    expect(lastCache).toBeLessThan(firstPipeline);
  });
});

describe("refresh workflow: GitHub Pages", () => {
  it("uploads dist/ from the build job and deploys it in a job that needs it", () => {
    const upload = build.steps.find((s) => s.uses === "actions/upload-pages-artifact@v3");
    expect(upload?.with?.path).toBe("dist");
    expect(build.steps.some((s) => s.uses === "actions/configure-pages@v5")).toBe(true);
    const [, deploy] = jobUsing("actions/deploy-pages");
    expect(needsOf(deploy)).toContain(buildName);
    expect(deploy.steps.find((s) => s.uses?.startsWith("actions/deploy-pages@"))?.uses).toBe("actions/deploy-pages@v4");
    const environment = typeof deploy.environment === "string" ? deploy.environment : deploy.environment?.name;
    expect(environment).toBe("github-pages");
  });

  it("grants pages: write and id-token: write to the deploy job", () => {
    const [, deploy] = jobUsing("actions/deploy-pages");
    const permissions = deploy.permissions ?? workflow.permissions ?? {};
    expect(permissions.pages).toBe("write");
    expect(permissions["id-token"]).toBe("write");
  });

  it("pins every action to a major version", () => {
    const expected: Record<string, string> = {
      "actions/checkout": "v4",
      "actions/setup-node": "v4",
      "actions/cache": "v4",
      "actions/cache/restore": "v4",
      "actions/configure-pages": "v5",
      "actions/upload-pages-artifact": "v3",
      "actions/deploy-pages": "v4"
    };
    const used = allSteps.filter((s) => s.uses).map((s) => s.uses!);
    expect(used.length).toBeGreaterThan(0);
    for (const uses of used) {
      const [action, version] = uses.split("@");
      expect(expected[action], `${action} is one of the expected actions`).toBeDefined();
      expect(version, uses).toBe(expected[action]);
    }
  });
});

describe("refresh workflow: secrets", () => {
  it("never puts an expression, let alone a secret, inside a run script", () => {
    for (const step of allSteps.filter((s) => s.run !== undefined)) {
      expect(step.run, step.name).not.toMatch(/secrets\./);
      expect(step.run, step.name).not.toContain("${{");
    }
  });

  it("reads secrets only in env: blocks", () => {
    const found: string[] = [];
    walk(workflow, [], (path, value) => {
      if (typeof value === "string" && /secrets\./.test(value)) {
        found.push(path.join("."));
        expect(path.at(-2), path.join(".")).toBe("env");
      }
    });
    expect(found.length).toBeGreaterThan(0);
  });

  it("every run script is valid bash", () => {
    for (const step of allSteps.filter((s) => s.run !== undefined))
      expect(() => execFileSync("bash", ["-n"], {input: step.run, stdio: ["pipe", "pipe", "pipe"]}), step.name ?? step.run).not.toThrow();
  });
});

describe("refresh workflow: the optional endpoint on Vercel", () => {
  const vercel = jobs.find(([, job]) => job.steps.some((s) => /\bvercel\b.*deploy/.test(s.run ?? "")));

  it("is off unless a repository variable turns it on, and follows the build", () => {
    expect(vercel).toBeDefined();
    const [, job] = vercel!;
    expect(job.if).toMatch(/vars\.SUNLINE_DEPLOY_VERCEL\s*==\s*'true'/);
    expect(needsOf(job)).toContain(buildName);
    expect(String(job.env?.VERCEL_TOKEN)).toBe("${{ secrets.VERCEL_TOKEN }}");
  });

  it("restores the exact caches the build job saved", () => {
    const [, job] = vercel!;
    const keys = (j: Job, action: string) => j.steps.filter((s) => s.uses?.startsWith(`${action}@`)).map((s) => String(s.with?.key)).sort();
    expect(keys(job, "actions/cache/restore")).toEqual(keys(build, "actions/cache"));
  });

  it("builds with vercel.json: the README's command into dist/, the snapshot bundled with the functions", () => {
    const config = JSON.parse(readFileSync(join(root, "vercel.json"), "utf8"));
    expect(config).toMatchObject({buildCommand: "npm run build", outputDirectory: "dist", cleanUrls: true});
    const functions = Object.entries(config.functions as Record<string, {includeFiles?: string}>);
    expect(functions.length).toBeGreaterThan(0);
    for (const [pattern, settings] of functions) {
      expect(pattern.startsWith("api/")).toBe(true);
      expect(settings.includeFiles).toBe(".sunline/snapshots/current/**");
    }
  });
});

function walk(value: unknown, path: string[], visit: (path: string[], value: unknown) => void): void {
  visit(path, value);
  if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k], visit);
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name.startsWith(".")) return [];
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|js)$/.test(name) ? [path] : [];
  });
}
