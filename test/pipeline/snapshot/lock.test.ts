import {writeFile} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {runPipeline} from "../../../pipeline/run/index.ts";
import {withLock} from "../../../pipeline/snapshot/lock.ts";
import {lockPath} from "../../../pipeline/snapshot/paths.ts";
import {tinyConfig, withTempDir} from "../../helpers.ts";

describe("withLock", () => {
  it("serialises callers: the second waits for the first", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "run.lock");
      const events: string[] = [];
      const slow = withLock(path, async () => {
        events.push("a start");
        await new Promise((r) => setTimeout(r, 150));
        events.push("a end");
      }, {pollMs: 10});
      await new Promise((r) => setTimeout(r, 20));
      const second = withLock(path, async () => void events.push("b"), {pollMs: 10});
      await Promise.all([slow, second]);
      expect(events).toEqual(["a start", "a end", "b"]);
    });
  });

  it("takes over a lock left by a process that no longer exists", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "run.lock");
      await writeFile(path, "999999999");
      expect(await withLock(path, async () => "ran", {timeoutMs: 1000})).toBe("ran");
    });
  });
});

describe("runPipeline under concurrency", () => {
  it("builds once when several loaders ask at the same time", async () => {
    await withTempDir(async (dataDir) => {
      const config = tinyConfig();
      const results = await Promise.all([1, 2, 3].map(() => runPipeline({config, dataDir, log: () => {}})));
      expect(results.filter((r) => !r.skipped)).toHaveLength(1);
      expect(new Set(results.map((r) => r.snapshotId)).size).toBe(1);
      expect(lockPath(dataDir)).toBe(join(dataDir, "run.lock"));
    });
  });
});
