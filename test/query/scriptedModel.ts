// A scripted OpenAI-compatible chat server on 127.0.0.1 for the model-path tests: it answers
// POST /v1/chat/completions from a queue of replies (each may look at the request) in the shape
// the openai client expects, with token usage, and records every request it saw.
import {createServer} from "node:http";

export interface SeenRequest {
  authorization: string | undefined;
  body: {model: string; messages: {role: string; content: string}[]};
}

/** A reply: the assistant's text, or an HTTP error status with its body. */
export type ScriptedReply = (request: SeenRequest) => string | {status: number; body: string};

export interface ScriptedModel {
  /** The base URL to give the client (…/v1). */
  baseURL: string;
  script: ScriptedReply[];
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startScriptedModel(): Promise<ScriptedModel> {
  const model: ScriptedModel = {baseURL: "", script: [], seen: [], close: async () => {}};
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        res.writeHead(404).end();
        return;
      }
      const request: SeenRequest = {authorization: req.headers.authorization, body: JSON.parse(data)};
      model.seen.push(request);
      const next = model.script.shift();
      const reply = next ? next(request) : {status: 500, body: '{"error":{"message":"script exhausted"}}'};
      if (typeof reply !== "string") {
        res.writeHead(reply.status, {"content-type": "application/json"}).end(reply.body);
        return;
      }
      const n = model.seen.length;
      res.writeHead(200, {"content-type": "application/json"}).end(
        JSON.stringify({
          id: `chatcmpl-${n}`,
          object: "chat.completion",
          created: 1_780_000_000,
          model: request.body.model,
          choices: [{index: 0, message: {role: "assistant", content: reply}, finish_reason: "stop"}],
          usage: {prompt_tokens: 1000 + n, completion_tokens: 50, total_tokens: 1050 + n}
        })
      );
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  model.baseURL = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/v1`;
  model.close = () => new Promise((ok) => server.close(() => ok()));
  return model;
}

/** A reply with SQL in the JSON shape the prompt asks for. */
export const sqlReply = (sql: string): ScriptedReply => () => JSON.stringify({sql, clarify: null});
