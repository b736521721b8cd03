// One pipeline run at a time per data dir: loaders of one build (and concurrent builds) share it.
import {link, mkdir, readFile, rm, writeFile} from "node:fs/promises";
import {dirname} from "node:path";
import {messages, SunlineError} from "../messages.ts";

export interface LockOptions {
  /** How long to wait for another live process to finish, in ms. */
  timeoutMs?: number;
  pollMs?: number;
  onWait?: (pid: number) => void;
}

/** Take the lock at `path`, run `fn`, release. A lock left by a dead process is taken over. */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const {timeoutMs = 30 * 60_000, pollMs = 200} = options;
  await mkdir(dirname(path), {recursive: true});
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      await createWithPid(path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (!pid || !isProcessAlive(pid)) {
        // Killed runs leave their lock behind; the owner is gone, so the lock is void.
        await rm(path, {force: true});
        continue;
      }
      if (Date.now() - started > timeoutMs) throw new SunlineError(messages.lockTimeout(path, pid));
      if (!told) options.onWait?.(pid);
      told = true;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, {force: true});
  }
}

/**
 * Create the lock file already holding our pid (written aside, then hard-linked into place, which
 * fails if the lock exists). Creating it empty and writing after left a moment in which a waiter
 * read no pid, took the lock for void, and two runs wrote the same snapshot.
 */
async function createWithPid(path: string): Promise<void> {
  const aside = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(aside, String(process.pid));
  try {
    await link(aside, path);
  } finally {
    await rm(aside, {force: true});
  }
}

export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
