import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {runPipeline} from "../../../pipeline/run/index.ts";
import {createReporter, type RunEvent} from "../../../pipeline/run/progress.ts";
import {formatRuns, inputChanges, readRuns} from "../../../pipeline/run/report.ts";
import {readManifest} from "../../../pipeline/snapshot/read.ts";
import {tinyConfig, withTempDir} from "../../helpers.ts";

const quiet = () => {};
const fixedNow = (iso: string) => () => new Date(iso);

describe("the run report", () => {
  it("records every stage in the manifest and runs.jsonl, and an unchanged run as reused", async () => {
    await withTempDir(async (dataDir) => {
      const events: RunEvent[] = [];
      const first = await runPipeline({config: tinyConfig(), dataDir, log: quiet, onEvent: (e) => events.push(e), now: fixedNow("2026-01-01T00:00:00Z")});
      const manifest = await readManifest(first.snapshotDir);
      const names = manifest.run!.stages.map((s) => s.stage);
      expect(names).toEqual(["collect", "inputs", "sites", "ingest", "clean", "weather", "labels", "data_quality", "backtest", "forecast", "anomalies"]);
      const clean = manifest.run!.stages.find((s) => s.stage === "clean")!;
      expect(clean).toMatchObject({status: "ran", cache_hits: 0, cache_misses: 1, rows_out: 35, depends_on: ["sites", "ingest"]});
      expect(manifest.run!.stages.find((s) => s.stage === "ingest")).toMatchObject({rows_in: 99});
      expect(manifest.run!.changes.added).toEqual(["site-a.csv"]);
      expect(events.filter((e) => e.event === "stage_end").map((e) => (e as {stage: string}).stage)).toEqual([...names, "snapshot"]);

      // Unchanged checks in a row (a build's page loaders each check) are one line.
      for (const hour of ["01", "02", "03"]) await runPipeline({config: tinyConfig(), dataDir, log: quiet, now: fixedNow(`2026-01-01T${hour}:00:00Z`)});
      const runs = await readRuns(dataDir);
      expect(runs.map((r) => r.status)).toEqual(["unchanged", "written"]);
      expect(runs[0].repeats).toBe(3);
      expect(runs[1].stages.at(-1)!.stage).toBe("snapshot");
      expect(runs[0].stages.map((s) => s.stage)).toEqual(["collect", "inputs"]);
      const text = formatRuns(runs);
      expect(text).toContain("unchanged, snapshot reused (3 checks in a row)");
      expect(text).toMatch(/clean +ran +[\d.]+ +97 +35 +0\/1 +0  1 of 1 sites recomputed/);
      expect(text).toMatch(/ingest +ran +[\d.]+ +99 +97 +0\/1 +0/);
    });
  });

  it("records a failed run with its stage and cause, and keeps the current snapshot", async () => {
    await withTempDir(async (dataDir) => {
      const ok = await runPipeline({config: tinyConfig(), dataDir, log: quiet, now: fixedNow("2026-01-01T00:00:00Z")});
      let calls = 0;
      const error = (await runPipeline({
        config: tinyConfig(), dataDir, log: quiet, now: fixedNow("2026-01-02T00:00:00Z"), retryBaseMs: 1,
        extraStages: [{
          name: "publish", title: "a stage that fails", reads: ["production_hourly"], writes: [],
          run: async () => {
            calls++;
            if (calls === 1) throw Object.assign(new Error("connection reset"), {code: "ECONNRESET"});
            throw new Error("disk full");
          }
        }]
      }).then(() => null, (e: unknown) => e)) as Error;
      expect(error.message).toBe('stage "publish" failed after 2 attempts: disk full');
      const [failed] = await readRuns(dataDir, 1);
      expect(failed).toMatchObject({status: "failed", snapshot_id: null, error: {stage: "publish", message: error.message}});
      expect(failed.stages.at(-1)).toMatchObject({stage: "publish", status: "failed", retries: 1});
      expect((await readManifest(join(dataDir, "snapshots", "current"))).snapshot_id).toBe(ok.snapshotId);
    });
  });
});

describe("createReporter", () => {
  const script: RunEvent[] = [
    {event: "run_start", run_id: "r", stages: [{stage: "ingest", expected_s: 2}, {stage: "backtest", expected_s: 100}, {stage: "snapshot", expected_s: 3}]},
    {event: "stage_start", phase: "build", stage: "backtest", title: "walk-forward", index: 2, total: 3},
    {event: "stage_progress", stage: "backtest", done: 3, of: 12, label: "window 3"},
    {event: "stage_end", phase: "build", stage: "backtest", title: "walk-forward", depends_on: [], status: "cached", seconds: 30, rows_in: 10, rows_out: 1234, cache_hits: 1, cache_misses: 0, retries: 0, index: 2, total: 3}
  ];

  it("draws a bar with an ETA on a terminal: this stage's pace plus the later stages' last durations", () => {
    let out = "";
    let t = 0;
    const report = createReporter({write: (s) => (out += s), tty: true, now: () => t});
    report(script[0]);
    report(script[1]);
    t = 30_000;
    report(script[2]);
    // 30 s for 3 of 12 → 90 s more, plus 3 s for the snapshot stage last time.
    expect(out).toContain("[build 2/3] backtest [######------------------] 3/12 window 3 · 30 s · ETA 1 min 33 s");
    report(script[3]);
    expect(out).toContain("[build 2/3] backtest: cached in 30 s (1,234 rows out, cache 1/1) · about 3.0 s to go\n");
  });

  it("writes one JSON object per line elsewhere", () => {
    let out = "";
    const report = createReporter({write: (s) => (out += s), tty: false, now: () => 0});
    for (const e of script) report(e);
    const lines = out.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(["run_start", "stage_start", "stage_progress", "stage_end"]);
    expect(lines[3]).toMatchObject({stage: "backtest", status: "cached", rows_out: 1234});
  });
});

describe("inputChanges", () => {
  it("lists added, removed and changed files", () => {
    const before = [{path: "a.csv", sha256: "1"}, {path: "b.csv", sha256: "2"}];
    const after = [{path: "a.csv", sha256: "1"}, {path: "b.csv", sha256: "3"}, {path: "c.csv", sha256: "4"}];
    expect(inputChanges(before, after)).toEqual({added: ["c.csv"], removed: [], changed: ["b.csv"]});
    expect(inputChanges(after, before.slice(0, 1))).toEqual({added: [], removed: ["b.csv", "c.csv"], changed: []});
  });
});
