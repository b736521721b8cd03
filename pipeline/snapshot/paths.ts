// Where a data dir keeps its things. The data dir comes from --data-dir / SUNLINE_DATA_DIR, default .sunline/.
import {isAbsolute, join, resolve} from "node:path";

export function dataDirPath(explicit?: string, cwd = process.cwd()): string {
  const chosen = explicit || process.env.SUNLINE_DATA_DIR || ".sunline";
  return isAbsolute(chosen) ? chosen : resolve(cwd, chosen);
}

export const snapshotsDir = (dataDir: string) => join(dataDir, "snapshots");
/** A symlink to the last complete snapshot folder. */
export const currentLink = (dataDir: string) => join(snapshotsDir(dataDir), "current");
export const lockPath = (dataDir: string) => join(dataDir, "run.lock");
export const demoDir = (dataDir: string) => join(dataDir, "demo");
