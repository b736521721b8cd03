// The query endpoint's offline path over the evaluation set (test/query/eval.jsonl), on the current
// snapshot (after `npm run build`): how many questions the templates answer exactly, the latency of
// a whole answer (resolve → guard → DuckDB → text) and of the guard alone on the SQL it checks.
// One line per measurement, the summary last:
//   {"bench":"query","eval_questions":…,"eval_exact":…,"template_p95_ms":…,"guard_p95_ms":…}
// Targets on this machine: exact ≥ 90 %, template p95 ≤ 50 ms, guard p95 ≤ 5 ms.
import {quantileSorted} from "../pipeline/math.ts";
import {createQueryEngine} from "../pipeline/query/engine.ts";
import {CATALOG} from "../pipeline/query/catalog.ts";
import {createSqlParser, guardSql} from "../pipeline/query/guard.ts";
import {dataDirPath} from "../pipeline/snapshot/paths.ts";
import {currentSnapshotDir} from "../pipeline/snapshot/read.ts";
import {projectRoot} from "../scripts/framework.ts";
import {checkAnswer, EVAL_CASES, openReference} from "../test/query/evalCheck.ts";

const ROUNDS = 5;
const GUARD_REPEATS = 20;

const snapshotDir = await currentSnapshotDir(dataDirPath(undefined, projectRoot));
if (!snapshotDir) {
  console.error("bench query: no snapshot; run `npm run build` first");
  process.exit(1);
}

const t0 = performance.now();
const engine = await createQueryEngine({snapshotDir, llm: null});
const openMs = performance.now() - t0;
const reference = await openReference(snapshotDir);
const parser = await createSqlParser();
try {
  // First pass: correctness, and the cold latency of each question.
  let exact = 0;
  const cold: number[] = [];
  const sqls: string[] = [];
  for (const c of EVAL_CASES) {
    const s = performance.now();
    const answer = await engine.ask(c.question);
    cold.push(performance.now() - s);
    if (answer.sql) sqls.push(answer.sql);
    if ((await checkAnswer(reference.conn, c, answer)).length === 0) exact++;
  }
  // Warm passes: what a running endpoint sees (no answer cache here: the engine itself never caches).
  const warm: number[] = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const c of EVAL_CASES) {
      const s = performance.now();
      await engine.ask(c.question);
      warm.push(performance.now() - s);
    }
  const allowed = new Set(CATALOG.map((e) => e.name));
  const guard: number[] = [];
  for (let i = 0; i < GUARD_REPEATS; i++)
    for (const sql of sqls) {
      const s = performance.now();
      const verdict = await guardSql(sql, parser, allowed);
      guard.push(performance.now() - s);
      if (!verdict.ok) throw new Error(`guard rejected a template's SQL: ${verdict.reason}`);
    }
  const line = (o: object) => console.log(JSON.stringify({bench: "query", ...o}));
  line({phase: "open", snapshot: engine.snapshotId, open_ms: r(openMs), tables: engine.tables.length});
  line({phase: "template_cold", n: cold.length, p50_ms: r(q(cold, 0.5)), p95_ms: r(q(cold, 0.95)), max_ms: r(Math.max(...cold))});
  line({phase: "template_warm", n: warm.length, rounds: ROUNDS, p50_ms: r(q(warm, 0.5)), p95_ms: r(q(warm, 0.95)), max_ms: r(Math.max(...warm))});
  line({phase: "guard", n: guard.length, statements: sqls.length, p50_ms: r(q(guard, 0.5)), p95_ms: r(q(guard, 0.95)), max_ms: r(Math.max(...guard))});
  line({eval_questions: EVAL_CASES.length, eval_exact: exact, eval_exact_share: r(exact / EVAL_CASES.length, 3), template_p95_ms: r(q(warm, 0.95)), guard_p95_ms: r(q(guard, 0.95))});
} finally {
  parser.close();
  reference.close();
  await engine.close();
}

function q(values: number[], p: number): number {
  return quantileSorted([...values].sort((a, b) => a - b), p);
}

function r(x: number, digits = 2): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}
