/**
 * Locates package directories for the offline npm interceptor (see register.ts).
 *
 * A package version is "pinned by the lockfile" when package-lock.json's `packages` section
 * has an entry `…node_modules/<name>` with that version. Such packages are read from the
 * installed directory when it exists (and really holds that name@version). Anything else is
 * downloaded once from the npm registry as a tarball (integrity-checked when the lockfile or
 * the registry gives an integrity), unpacked with tar.ts into
 * `node_modules/.cache/sunline-npm/<name>@<version>/node_modules/<name>/` (the extra
 * `node_modules/<name>` level lets a bundler resolve the package's self-references).
 */

import {createHash, randomBytes} from "node:crypto";
import {existsSync, readFileSync, realpathSync} from "node:fs";
import {mkdir, rename, rm, writeFile} from "node:fs/promises";
import {dirname, join, sep} from "node:path";
import {REGISTRY_ORIGIN, isExactVersion, isValidName} from "./jsdelivr.ts";
import {readTarball} from "./tar.ts";

export type PackageSource = "node_modules" | "registry tarball";

export interface LocatedPackage {
  name: string;
  version: string;
  /** Absolute directory holding the package's package.json. */
  dir: string;
  source: PackageSource;
}

interface LockEntry {
  key: string;
  name: string;
  version: string;
  dir: string;
  resolved: string | undefined;
  integrity: string | undefined;
  aliased: boolean;
}

export interface PackageIndexOptions {
  /** Project root: holds package-lock.json and node_modules. */
  root: string;
  /** The real fetch, used for registry tarballs. */
  fetch: typeof globalThis.fetch;
  /** Where downloaded tarballs are unpacked; default `<root>/node_modules/.cache/sunline-npm`. */
  cacheDir?: string;
}

export class PackageIndex {
  readonly root: string;
  readonly cacheDir: string;
  private readonly fetch: typeof globalThis.fetch;
  private entries: Map<string, LockEntry[]> | undefined;
  private readonly downloads = new Map<string, Promise<LocatedPackage>>();

  constructor(options: PackageIndexOptions) {
    this.root = options.root;
    this.fetch = options.fetch;
    this.cacheDir = options.cacheDir ?? join(options.root, "node_modules", ".cache", "sunline-npm");
  }

  /** All versions of `name` the lockfile pins, highest first (empty if none). */
  lockedVersions(name: string): string[] {
    const versions = [...new Set((this.lockEntries().get(name) ?? []).map((e) => e.version))];
    return versions.sort(compareVersionsDesc);
  }

  /** The version `npm:<name>` (no range) should mean: the top-level install, else the highest pinned. */
  latestLocked(name: string): string | undefined {
    const entries = this.lockEntries().get(name) ?? [];
    const top = entries.find((e) => e.key === `node_modules/${name}`);
    return top?.version ?? this.lockedVersions(name)[0];
  }

  /** Finds (or downloads) `name@version`. */
  async locate(name: string, version: string): Promise<LocatedPackage> {
    if (!isValidName(name) || !isExactVersion(version)) throw new Error(`invalid package: ${name}@${version}`);
    const installed = this.installed(name, version);
    if (installed) return {...installed, dir: realpathSync(installed.dir)};
    const key = `${name}@${version}`;
    let promise = this.downloads.get(key);
    if (!promise) {
      promise = this.download(name, version).then((p) => ({...p, dir: realpathSync(p.dir)}));
      promise.catch(() => this.downloads.delete(key));
      this.downloads.set(key, promise);
    }
    return promise;
  }

  private installed(name: string, version: string): LocatedPackage | undefined {
    const candidates = (this.lockEntries().get(name) ?? []).filter((e) => e.version === version);
    for (const entry of candidates) {
      const pkg = readPackageJson(entry.dir);
      if (pkg && pkg.name === name && pkg.version === version) {
        return {name, version, dir: entry.dir, source: "node_modules"};
      }
    }
    return undefined;
  }

  private async download(name: string, version: string): Promise<LocatedPackage> {
    const dest = join(this.cacheDir, `${name}@${version}`);
    const dir = join(dest, "node_modules", ...name.split("/"));
    const located: LocatedPackage = {name, version, dir, source: "registry tarball"};
    const cached = readPackageJson(dir);
    if (cached && cached.name === name && cached.version === version) return located;

    const {url, integrity} = await this.tarballInfo(name, version);
    const response = await this.fetch(url);
    if (!response.ok) throw new Error(`offline-npm: unable to fetch ${url}: ${response.status}`);
    const buffer = Buffer.from(await response.arrayBuffer());
    if (integrity) verifyIntegrity(buffer, integrity, url);
    const files = readTarball(buffer);
    if (!files.some((f) => f.path === "package.json")) throw new Error(`offline-npm: ${url} has no package.json`);

    const tmp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    const tmpDir = join(tmp, "node_modules", ...name.split("/"));
    try {
      for (const file of files) {
        const path = join(tmpDir, ...file.path.split("/"));
        if (!path.startsWith(tmpDir + sep)) continue;
        await mkdir(dirname(path), {recursive: true});
        await writeFile(path, file.data);
      }
      await mkdir(dirname(dest), {recursive: true});
      try {
        await rename(tmp, dest);
      } catch (error) {
        if (!existsSync(join(dir, "package.json"))) throw error; // else another process won the race
      }
    } finally {
      await rm(tmp, {recursive: true, force: true});
    }
    return located;
  }

  private async tarballInfo(name: string, version: string): Promise<{url: string; integrity: string | undefined}> {
    const locked = (this.lockEntries().get(name) ?? []).find((e) => e.version === version && e.resolved);
    if (locked?.resolved && /^https?:\/\//.test(locked.resolved)) return {url: locked.resolved, integrity: locked.integrity};
    const basename = name.split("/").pop()!;
    const fallback = `${REGISTRY_ORIGIN}/${name}/-/${basename}-${version}.tgz`;
    try {
      const response = await this.fetch(`${REGISTRY_ORIGIN}/${name.replace("/", "%2f")}/${version}`);
      if (response.ok) {
        const manifest = (await response.json()) as {dist?: {tarball?: string; integrity?: string; shasum?: string}};
        const dist = manifest.dist ?? {};
        return {
          url: dist.tarball ?? fallback,
          integrity: dist.integrity ?? (dist.shasum ? `sha1-${Buffer.from(dist.shasum, "hex").toString("base64")}` : undefined)
        };
      }
    } catch {
      // fall through: unverified conventional tarball URL
    }
    return {url: fallback, integrity: undefined};
  }

  private lockEntries(): Map<string, LockEntry[]> {
    if (this.entries) return this.entries;
    const entries = new Map<string, LockEntry[]>();
    let lock: {packages?: Record<string, {name?: string; version?: string; resolved?: string; integrity?: string; link?: boolean}>} = {};
    try {
      lock = JSON.parse(readFileSync(join(this.root, "package-lock.json"), "utf8"));
    } catch {
      // no lockfile: everything comes from the registry
    }
    for (const [key, value] of Object.entries(lock.packages ?? {})) {
      const i = key.lastIndexOf("node_modules/");
      if (i < 0 || value.link || !value.version || !isExactVersion(value.version)) continue;
      const dirName = key.slice(i + "node_modules/".length);
      const name = value.name ?? dirName;
      if (!isValidName(name)) continue;
      const entry: LockEntry = {
        key,
        name,
        version: value.version,
        dir: join(this.root, ...key.split("/")),
        resolved: value.resolved,
        integrity: value.integrity,
        aliased: name !== dirName
      };
      const list = entries.get(name);
      if (list) list.push(entry);
      else entries.set(name, [entry]);
    }
    // Deterministic preference: real (non-alias) directories first, then the shallowest path.
    for (const list of entries.values()) {
      list.sort((a, b) => Number(a.aliased) - Number(b.aliased) || a.key.length - b.key.length || (a.key < b.key ? -1 : 1));
    }
    return (this.entries = entries);
  }
}

export function readPackageJson(dir: string): {name?: string; version?: string; [key: string]: unknown} | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  } catch {
    return undefined;
  }
}

function verifyIntegrity(buffer: Buffer, integrity: string, url: string): void {
  const hashes = integrity.split(/\s+/).filter(Boolean);
  for (const hash of hashes) {
    const dash = hash.indexOf("-");
    const algorithm = hash.slice(0, dash);
    if (!["sha1", "sha256", "sha384", "sha512"].includes(algorithm)) continue;
    if (createHash(algorithm).update(buffer).digest("base64") === hash.slice(dash + 1)) return;
  }
  throw new Error(`offline-npm: integrity mismatch for ${url}`);
}

/** Semver-ish descending comparison (release > prerelease; numeric identifiers numerically). */
export function compareVersionsDesc(a: string, b: string): number {
  return -compareVersions(a, b);
}

export function compareVersions(a: string, b: string): number {
  const [ma, pa] = splitVersion(a);
  const [mb, pb] = splitVersion(b);
  for (let i = 0; i < 3; i++) if (ma[i] !== mb[i]) return ma[i]! - mb[i]!;
  if (!pa.length || !pb.length) return pb.length - pa.length; // no prerelease sorts higher
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function splitVersion(v: string): [number[], string[]] {
  const [core = "", pre] = v.replace(/\+.*$/, "").split(/-(.*)/s);
  return [core.split(".").map(Number), pre ? pre.split(".") : []];
}
