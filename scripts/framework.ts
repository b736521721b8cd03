// Running the Framework CLI the Sunline way: the pipeline first (once, cached), Framework's loader
// cache invalidated when the snapshot changed, and npm: imports answered from the npm registry.
import {spawn} from "node:child_process";
import {existsSync} from "node:fs";
import {mkdir, readFile, rm, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {runPipeline, type RunResult} from "../pipeline/run.ts";

export const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const cacheDir = join(projectRoot, "src", ".observablehq", "cache");
const stampPath = join(cacheDir, "sunline-snapshot");

/** Run (or reuse) the pipeline, then make Framework's cached loader outputs match the snapshot. */
export async function preparePipeline(): Promise<RunResult> {
  const result = await runPipeline({log: (m) => console.log(m)});
  const previous = existsSync(stampPath) ? (await readFile(stampPath, "utf8")).trim() : null;
  if (previous !== result.snapshotId) {
    // Framework reuses a cached loader output as long as the loader file is older than it; it
    // cannot see that the snapshot behind the loader changed. Drop the outputs, keep the npm cache.
    await rm(join(cacheDir, "data"), {recursive: true, force: true});
    await mkdir(cacheDir, {recursive: true});
    await writeFile(stampPath, `${result.snapshotId}\n`);
    if (previous) console.log(`framework: snapshot changed (${previous} → ${result.snapshotId}); cleared cached loader outputs`);
  } else {
    console.log(`framework: cached loader outputs match snapshot ${result.snapshotId}`);
  }
  return result;
}

/** Spawn `observable <args>` with the offline npm resolver loaded into its process. */
export function runFramework(args: string[]): Promise<void> {
  const bin = join(projectRoot, "node_modules", "@observablehq", "framework", "dist", "bin", "observable.js");
  const register = join(projectRoot, "scripts", "offline-npm", "register.ts");
  const nodeOptions = [process.env.NODE_OPTIONS ?? "", "--import tsx", `--import ${JSON.stringify(register)}`].join(" ").trim();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: projectRoot,
      stdio: "inherit",
      env: {...process.env, NODE_OPTIONS: nodeOptions, OBSERVABLE_TELEMETRY_DISABLE: "true"}
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`observable ${args[0]} failed (${signal ?? `exit ${code}`})`))));
  });
}
