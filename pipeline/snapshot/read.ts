// Reading the current snapshot (loaders, CLI status, the query endpoint later).
import {existsSync} from "node:fs";
import {readFile, realpath} from "node:fs/promises";
import {join} from "node:path";
import type {Manifest} from "./manifest.ts";
import {currentLink} from "./paths.ts";

/** Absolute path of the current snapshot folder, or null when there is none yet. */
export async function currentSnapshotDir(dataDir: string): Promise<string | null> {
  const link = currentLink(dataDir);
  if (!existsSync(link)) return null;
  return realpath(link);
}

export async function readManifest(snapshotDir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(snapshotDir, "manifest.json"), "utf8")) as Manifest;
}

export async function currentManifest(dataDir: string): Promise<Manifest | null> {
  const dir = await currentSnapshotDir(dataDir);
  return dir ? readManifest(dir) : null;
}
