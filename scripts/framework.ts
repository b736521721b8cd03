// Running the Framework CLI the Sunline way: the pipeline first (once, cached), Framework's loader
// cache invalidated when the snapshot changed, the snapshot's partition files linked in as static
// files, and npm: imports answered from the npm registry.
import {spawn} from "node:child_process";
import {existsSync} from "node:fs";
import {mkdir, readFile, rm, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {runPipeline, type RunResult} from "../pipeline/run/index.ts";
import {createReporter} from "../pipeline/run/progress.ts";
import {sha256} from "../pipeline/snapshot/hash.ts";
import {readManifest} from "../pipeline/snapshot/read.ts";
import {linkPartitions} from "./partitions.ts";
import {observableCommand} from "./offline-npm/command.ts";

export const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const cacheDir = join(projectRoot, "src", ".observablehq", "cache");
const lockStampPath = join(cacheDir, "sunline-lockfile");

/** Run (or reuse) the pipeline, then make Framework's cached loader outputs match the snapshot. */
export async function preparePipeline(): Promise<RunResult> {
  // Stage bars with ETAs on a terminal; JSON lines in CI and scheduled-refresh logs.
  const result = await runPipeline({onEvent: createReporter({write: (text) => process.stdout.write(text), tty: !!process.stdout.isTTY})});
  // The build's other input a loader reads (src/data/api.json.ts): a changed endpoint URL must not
  // be hidden by a cached output either.
  const apiUrl = process.env.SUNLINE_API_URL || "";
  const key = apiUrl ? `${result.snapshotId} api=${apiUrl}` : result.snapshotId;
  const outcome = await syncLoaderCache(cacheDir, key);
  const parts = await linkPartitions(result.snapshotDir, await readManifest(result.snapshotDir), join(projectRoot, "src"));
  console.log(`framework: ${parts.length} snapshot partition files linked into src/data/parts/`);
  console.log(
    outcome.cleared
      ? `framework: snapshot or endpoint URL changed (${outcome.previous ?? "none"} → ${key}); cleared cached loader outputs`
      : `framework: cached loader outputs match snapshot ${result.snapshotId}`
  );
  return result;
}

/**
 * Framework reuses a cached loader output as long as the loader file is older than it; it cannot
 * see that the snapshot behind the loader changed. When the snapshot id differs from the one the
 * cache was filled from, drop the loader outputs (`data/`), keeping the npm cache beside them.
 */
export async function syncLoaderCache(cache: string, snapshotId: string): Promise<{cleared: boolean; previous: string | null}> {
  const stamp = join(cache, "sunline-snapshot");
  const previous = existsSync(stamp) ? (await readFile(stamp, "utf8")).trim() : null;
  if (previous === snapshotId) return {cleared: false, previous};
  await rm(join(cache, "data"), {recursive: true, force: true});
  await mkdir(cache, {recursive: true});
  await writeFile(stamp, `${snapshotId}\n`);
  return {cleared: true, previous};
}

/** Spawn `observable <args>` with the offline npm resolver loaded into its process. */
export async function runFramework(args: string[]): Promise<void> {
  await dropNpmCacheIfLockfileChanged();
  const {command, args: argv, env} = observableCommand(args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {cwd: projectRoot, stdio: "inherit", env});
    child.on("error", reject);
    child.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`observable ${args[0]} failed (${signal ?? `exit ${code}`})`))));
  });
}

/**
 * Framework picks npm versions from the folders already in its cache before asking anyone, so a
 * cache filled under an older lockfile would override the new one. Start over when it changes.
 */
async function dropNpmCacheIfLockfileChanged(): Promise<void> {
  const lockHash = sha256(await readFile(join(projectRoot, "package-lock.json")));
  const previous = existsSync(lockStampPath) ? (await readFile(lockStampPath, "utf8")).trim() : null;
  if (previous === lockHash) return;
  if (previous) console.log("framework: package-lock.json changed; clearing Framework's npm cache");
  await rm(join(cacheDir, "_npm"), {recursive: true, force: true});
  await mkdir(cacheDir, {recursive: true});
  await writeFile(lockStampPath, `${lockHash}\n`);
}
