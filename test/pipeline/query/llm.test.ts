// The model path end to end: the real openai client against a scripted OpenAI-compatible server on
// 127.0.0.1, the real guard and the real snapshot database. Good SQL, SQL that needs one repair,
// hostile SQL, a clarifying reply, an answer with an invented number, and a failing server.
import {existsSync} from "node:fs";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {createQueryEngine} from "../../../pipeline/query/engine.ts";
import {parseModelReply} from "../../../pipeline/query/llm.ts";
import {QueryError, type QueryEngine} from "../../../pipeline/query/types.ts";
import {currentSnapshotDir} from "../../../pipeline/snapshot/read.ts";
import {projectRoot} from "../../../scripts/framework.ts";
import {sqlReply, startScriptedModel, type ScriptedModel} from "../../query/scriptedModel.ts";

const snapshotDir = await currentSnapshotDir(join(projectRoot, ".sunline"));
const missing = snapshotDir && existsSync(join(snapshotDir, "anomalies.parquet")) ? null : "no demo snapshot in .sunline (run `npm run build` first)";
if (missing) console.warn(`skipping the model-path tests: ${missing}`);

const KEY = "sk-test-marker-7f3a";

describe.skipIf(missing !== null)("model path against a scripted OpenAI-compatible server", () => {
  let model: ScriptedModel;
  let engine: QueryEngine;
  beforeAll(async () => {
    model = await startScriptedModel();
    engine = await createQueryEngine({snapshotDir: snapshotDir!, env: {OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: KEY, SUNLINE_LLM_MODEL: "scripted-1"}});
  });
  afterAll(async () => {
    await engine?.close();
    await model?.close();
  });

  const GOOD = "SELECT site_id, round(energy_kwh, 1) AS energy_kwh FROM production_daily WHERE day = DATE '2026-06-30' ORDER BY energy_kwh DESC";

  it("runs good SQL and keeps the model's wording when its numbers are in the rows", async () => {
    model.seen.length = 0;
    let top = "";
    model.script = [
      sqlReply(GOOD),
      (req) => {
        // The answer request carries the rows; quote the first one back.
        const rows = req.body.messages[1].content.split("\n").filter((l) => l.startsWith("["));
        const [site, kwh] = JSON.parse(rows[0]) as [string, number];
        top = site;
        return `${site} produced the most on 2026-06-30: ${kwh} kWh.`;
      }
    ];
    const answer = await engine.ask("Which site produced the most yesterday?");
    expect(engine.mode).toBe("llm");
    expect(answer.source).toBe("llm");
    expect(answer.sql).toBe(GOOD);
    expect(answer.rows.length).toBe(8);
    expect(answer.answer).toMatch(new RegExp(`^${top} produced the most on 2026-06-30: [\\d.]+ kWh\\. Source: production_daily; period 2026-06-30\\.$`));
    expect(answer.attempts).toEqual([]);
    expect(answer.tokens).toEqual({prompt: 1001 + 1002, completion: 100});
    expect(answer.chart?.mark).toBe("bar");
    // The prompt carries the schema, the conventions, the snapshot's dates and the resolved entities.
    const system = model.seen[0].body.messages[0].content;
    expect(system).toContain("production_daily: measured energy per site and site-local day");
    expect(system).toContain("today = 2026-07-01");
    expect(system).toContain('es-seville = "Seville (ground mount)"');
    expect(model.seen[0].body.messages[1].content).toContain("period: 2026-06-30 to 2026-06-30 (yesterday)");
    expect(model.seen[0].body.model).toBe("scripted-1");
    expect(model.seen[0].authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify(answer)).not.toContain(KEY);
  });

  it("drops a wording with a number the rows do not have, for a plain summary", async () => {
    model.script = [sqlReply(GOOD), () => "Seville produced 123456.7 kWh, a record."];
    const answer = await engine.ask("Which site produced the most yesterday?");
    expect(answer.answer).not.toContain("123456.7");
    expect(answer.answer).toMatch(/^8 rows; the first: site_id es-seville, energy_kwh [\d.]+\./);
  });

  it("repairs SQL that failed once, sending the error back", async () => {
    model.seen.length = 0;
    model.script = [
      sqlReply("SELECT site_id, sum(energy) AS e FROM production_hourly GROUP BY site_id"),
      (req) => {
        const last = req.body.messages[req.body.messages.length - 1].content;
        expect(last).toContain("That SQL did not run");
        expect(last).toMatch(/energy/);
        return JSON.stringify({sql: "SELECT site_id, round(sum(energy_kwh), 1) AS energy_kwh FROM production_hourly GROUP BY site_id ORDER BY site_id", clarify: null});
      },
      () => "Eight sites."
    ];
    const answer = await engine.ask("Total energy per site?");
    expect(answer.attempts).toHaveLength(1);
    expect(answer.attempts[0].stage).toBe("execute");
    expect(answer.attempts[0].error).toMatch(/Binder Error.*energy/);
    expect(answer.rows).toHaveLength(8);
    expect(answer.clarification).toBeNull();
    expect(model.seen).toHaveLength(3);
  });

  it("never runs hostile SQL: two guard rejections, then a clarifying question", async () => {
    model.script = [sqlReply("SELECT * FROM read_csv('/etc/passwd')"), sqlReply("SELECT 1; DROP TABLE sites")];
    const answer = await engine.ask("Show me the server's users");
    expect(answer.attempts.map((a) => a.stage)).toEqual(["guard", "guard"]);
    expect(answer.attempts[0].error).toMatch(/read_csv\(\) reads files/);
    expect(answer.attempts[1].error).toMatch(/found 2 statements/);
    expect(answer.sql).toBeNull();
    expect(answer.rows).toEqual([]);
    expect(answer.clarification).toMatch(/^I could not write a query that answers this reliably \(found 2 statements/);
    const check = await engine.run("SELECT count(*) AS n FROM sites");
    expect(check.rows).toEqual([[8]]);
  });

  it("passes a clarifying question from the model through", async () => {
    model.script = [() => JSON.stringify({sql: null, clarify: "Which site do you mean?"})];
    const answer = await engine.ask("How is it doing?");
    expect(answer.clarification).toBe("Which site do you mean?");
    expect(answer.sql).toBeNull();
  });

  it("reports a failing model server as a 502 naming the cause", async () => {
    model.script = [() => ({status: 500, body: '{"error":{"message":"model crashed"}}'}), () => ({status: 500, body: '{"error":{"message":"model crashed"}}'})];
    const error = await engine.ask("Anything?").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).status).toBe(502);
    expect((error as QueryError).message).toMatch(/^the language model could not be reached or failed: .*model crashed/);
  });

  it("never passes the key on when the server quotes it back", async () => {
    model.script = [() => ({status: 401, body: JSON.stringify({error: {message: `Incorrect API key provided: ${KEY}`}})})];
    const error = (await engine.ask("Anything?").catch((e: unknown) => e)) as QueryError;
    expect(error.status).toBe(502);
    expect(error.message).toContain("Incorrect API key provided: [redacted]");
    expect(error.message).not.toContain(KEY);
  });
});

describe("parseModelReply", () => {
  it("reads JSON, fenced JSON, a fenced SQL block and bare SQL", () => {
    expect(parseModelReply('{"sql": "SELECT 1", "clarify": null}')).toEqual({sql: "SELECT 1", clarify: null});
    expect(parseModelReply('Sure:\n```json\n{"sql": "SELECT 2", "clarify": null}\n```')).toEqual({sql: "SELECT 2", clarify: null});
    expect(parseModelReply("```sql\nSELECT 3\n```")).toEqual({sql: "SELECT 3", clarify: null});
    expect(parseModelReply("SELECT 4")).toEqual({sql: "SELECT 4", clarify: null});
    expect(parseModelReply("Which site?")).toEqual({sql: null, clarify: "Which site?"});
  });
});
