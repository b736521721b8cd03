// Build timings on the demo fleet: cold (no snapshot, no demo files, no Framework or npm caches)
// and warm (nothing changed), plus the size of dist/. Prints one JSON line per measurement and a summary.
import {spawnSync} from "node:child_process";
import {readdirSync, rmSync, statSync} from "node:fs";
import {join} from "node:path";
import {projectRoot} from "../scripts/framework.ts";

function clearCaches(): void {
  for (const dir of [".sunline", "src/.observablehq/cache", "node_modules/.cache/sunline-npm", "dist"])
    rmSync(join(projectRoot, dir), {recursive: true, force: true});
}

const demoEnv = {...process.env};
delete demoEnv.SUNLINE_CONFIG;

function timedBuild(label: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync("npm", ["run", "build"], {cwd: projectRoot, stdio: ["ignore", "ignore", "inherit"], env: demoEnv});
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${label} build failed`);
  console.log(JSON.stringify({bench: "build", case: label, seconds: Math.round(seconds * 10) / 10}));
  return seconds;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

if (process.env.SUNLINE_CONFIG) console.error("bench build: ignoring SUNLINE_CONFIG; this measures the demo fleet");
clearCaches();
const cold = timedBuild("cold");
const warm = timedBuild("warm");
const distMb = folderBytes(join(projectRoot, "dist")) / 1e6;
console.log(JSON.stringify({bench: "build", summary: true, cold_s: Math.round(cold * 10) / 10, warm_s: Math.round(warm * 10) / 10, dist_mb: Math.round(distMb * 10) / 10}));
