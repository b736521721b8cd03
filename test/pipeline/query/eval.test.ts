// The offline template path against test/query/eval.jsonl: each question's expected intent, sites
// and period, and its figures recomputed here from the demo snapshot's raw tables with reference
// SQL written apart from the templates (other functions, no derived views). A question is "exact"
// when all of that matches (numbers within rounding) and its answer quotes the figures; ≥ 90 % must
// be. Every answer must also be grounded: each number it prints is in its rows.
import {existsSync} from "node:fs";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {createQueryEngine} from "../../../pipeline/query/engine.ts";
import {ungroundedNumbers} from "../../../pipeline/query/grounding.ts";
import type {QueryAnswer, QueryEngine} from "../../../pipeline/query/types.ts";
import {currentSnapshotDir} from "../../../pipeline/snapshot/read.ts";
import {projectRoot} from "../../../scripts/framework.ts";
import {checkAnswer, EVAL_CASES as CASES, openReference, type EvalCase} from "../../query/evalCheck.ts";

const snapshotDir = await currentSnapshotDir(join(projectRoot, ".sunline"));
const missing = snapshotDir && existsSync(join(snapshotDir, "anomalies.parquet")) ? null : "no demo snapshot with anomalies in .sunline (run `npm run build` first)";
if (missing) console.warn(`skipping the query evaluation: ${missing}`);


describe.skipIf(missing !== null)("query evaluation set (template path)", () => {
  let engine: QueryEngine;
  let reference: Awaited<ReturnType<typeof openReference>>;
  const results: {c: EvalCase; answer: QueryAnswer; failures: string[]}[] = [];

  beforeAll(async () => {
    engine = await createQueryEngine({snapshotDir: snapshotDir!, llm: null});
    reference = await openReference(snapshotDir!);
    for (const c of CASES) {
      const answer = await engine.ask(c.question);
      results.push({c, answer, failures: await checkAnswer(reference.conn, c, answer)});
    }
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    reference?.close();
  });

  it("has at least 40 questions covering every intent", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.intent))).toEqual(new Set(["low_output", "predicted_vs_actual", "anomalies", "weather_factor", "worst_sites", "tomorrow", "production", "clarify"]));
  });

  it("answers at least 90 % exactly", () => {
    const failed = results.filter((r) => r.failures.length);
    for (const r of failed) console.log(`eval #${r.c.id} "${r.c.question}": ${r.failures.join("; ")}\n  answer: ${r.answer.answer}`);
    const exact = results.length - failed.length;
    console.log(`query eval: ${exact} of ${results.length} exact`);
    expect(exact / results.length).toBeGreaterThanOrEqual(0.9);
  });

  it("prints only numbers that are in its rows, and names its tables and period", () => {
    for (const {c, answer} of results) {
      if (answer.clarification) continue;
      expect(ungroundedNumbers(answer.answer, answer.rows, `${answer.question} ${answer.method ?? ""}`), `#${c.id}: ${answer.answer}`).toEqual([]);
      expect(answer.answer, `#${c.id}`).toContain(`Source: ${answer.tables.join(", ")}`);
      if (c.period) expect(answer.answer, `#${c.id}`).toContain(c.period[0] === c.period[1] ? c.period[0] : `${c.period[0]} to ${c.period[1]}`);
    }
  });

});
