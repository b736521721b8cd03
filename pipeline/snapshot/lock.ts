// One pipeline run at a time per data dir: loaders of one build (and concurrent builds) share it.
import {mkdir, open, readFile, rm} from "node:fs/promises";
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
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
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

export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
