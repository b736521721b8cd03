// Content hashes for the run cache key and the manifest.
import {createHash} from "node:crypto";
import {createReadStream} from "node:fs";
import {readdir, readFile} from "node:fs/promises";
import {join, relative} from "node:path";
import {fileURLToPath} from "node:url";

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** JSON with sorted keys, so equal objects hash equally whatever their key order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const codeVersions = new Map<string, Promise<string>>();

/**
 * The pipeline's code version: a hash of every source file under pipeline/ (or one stage's folder
 * of it). Any code change then invalidates what was cached from it, committed or not, which a git
 * commit id would miss during development.
 */
export function codeVersion(stage = ""): Promise<string> {
  let version = codeVersions.get(stage);
  if (!version) codeVersions.set(stage, (version = hashSources(fileURLToPath(new URL(`../${stage}`, import.meta.url)))));
  return version;
}

async function hashSources(root: string): Promise<string> {
  const files = (await listFiles(root)).filter((f) => f.endsWith(".ts")).sort();
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(relative(root, file));
    hash.update(await readFile(file));
  }
  return hash.digest("hex").slice(0, 16);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}
