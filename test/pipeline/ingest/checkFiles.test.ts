import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {checkFiles} from "../../../pipeline/ingest/checkFiles.ts";
import {formatSummary} from "../../../pipeline/ingest/index.ts";
import {fixturesDir, tinyConfig, withTempDir} from "../../helpers.ts";

describe("checkFiles (sunline ingest)", () => {
  it("reports lines, rejects by reason, duplicates, sites and time range for a file the config covers", async () => {
    await withTempDir(async (dataDir) => {
      const file = join(fixturesDir, "tiny", "site-a.csv");
      const seen: string[] = [];
      const summary = await checkFiles(tinyConfig(), dataDir, [file], (p) => seen.push(`${p.index}/${p.total} ${p.accepted ?? "…"}`));
      expect(seen).toEqual(["1/1 …", "1/1 97"]);
      expect(summary).toMatchObject({
        files: 1,
        lines: 99,
        accepted: 97,
        rejected: 2,
        rejectsByReason: [
          {reason: "not a number", lines: 1},
          {reason: "wrong number of fields", lines: 1}
        ],
        duplicates: {exact: 1, conflicting: 0},
        sites: [{site_id: "site-a", rows: 97, first_ts: "2025-06-09 22:00", last_ts: "2025-06-10 21:45"}]
      });
      expect(formatSummary(summary)).toContain("files: 1   lines: 99   accepted: 97   rejected: 2");
    });
  });

  it("names the file and the configured sources when no source covers it", async () => {
    await withTempDir(async (dataDir) => {
      await expect(checkFiles(tinyConfig(), dataDir, [join(fixturesDir, "bad", "empty.csv")])).rejects.toThrow(
        /empty\.csv: no production source in the config covers this file \(sources: site-a\.csv\)/
      );
    });
  });
});
