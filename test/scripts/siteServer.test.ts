// serveSite: the built site and /api on one loopback server, over real HTTP.
import {mkdir, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {messages} from "../../pipeline/messages.ts";
import {serveSite, type ApiHandler} from "../../scripts/siteServer.ts";
import {withTempDir} from "../helpers.ts";

async function withSite(api: ApiHandler | null, fn: (url: string) => Promise<void>) {
  await withTempDir(async (dir) => {
    const root = join(dir, "dist");
    await mkdir(join(root, "about"), {recursive: true});
    await mkdir(join(dir, "dist-private"), {recursive: true});
    await writeFile(join(root, "index.html"), "<h1>home</h1>");
    await writeFile(join(root, "forecast.html"), "<h1>forecast</h1>");
    await writeFile(join(root, "about", "index.html"), "<h1>about</h1>");
    await writeFile(join(root, "app.js"), "export {};");
    await writeFile(join(dir, "dist-private", "secret.txt"), "secret");
    const site = await serveSite({root, api});
    try {
      expect(site.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await fn(site.url);
    } finally {
      await site.close();
    }
  });
}

describe("serveSite", () => {
  it("serves the site's files with clean URLs, and nothing outside its root", async () => {
    await withSite(null, async (url) => {
      const home = await fetch(`${url}/`);
      expect([home.status, home.headers.get("content-type"), await home.text()]).toEqual([200, "text/html; charset=utf-8", "<h1>home</h1>"]);
      expect(await (await fetch(`${url}/forecast`)).text()).toBe("<h1>forecast</h1>");
      expect(await (await fetch(`${url}/about/`)).text()).toBe("<h1>about</h1>");
      expect((await fetch(`${url}/app.js`)).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      const head = await fetch(`${url}/forecast`, {method: "HEAD"});
      expect([head.status, await head.text()]).toEqual([200, ""]);
      expect((await fetch(`${url}/missing`)).status).toBe(404);
      // A sibling folder whose name starts like the root's: an encoded "/../" must not reach it.
      expect((await fetch(`${url}/%2F..%2Fdist-private/secret.txt`)).status).toBe(404);
      expect((await fetch(`${url}/%E0%A4%A`)).status).toBe(400);
      expect((await fetch(`${url}/`, {method: "POST"})).status).toBe(405);
      // Without a handler, /api is just another missing path.
      expect((await fetch(`${url}/api/query`)).status).toBe(404);
    });
  });

  it("hands /api/* to the handler as a Web Request, body streamed, and writes its Response back", async () => {
    const seen: {method: string; url: string; type: string | null; body: string; address?: string}[] = [];
    await withSite(
      async (request, client) => {
        seen.push({method: request.method, url: request.url, type: request.headers.get("content-type"), body: await request.text(), address: client.address});
        return new Response(JSON.stringify({ok: true}), {status: 201, headers: {"content-type": "application/json", "x-extra": "1"}});
      },
      async (url) => {
        const response = await fetch(`${url}/api/query?x=1`, {method: "POST", headers: {"content-type": "application/json"}, body: '{"question":"hi"}'});
        expect(response.status).toBe(201);
        expect(response.headers.get("x-extra")).toBe("1");
        expect(await response.json()).toEqual({ok: true});
        await fetch(`${url}/api`);
        expect(seen).toEqual([
          {method: "POST", url: `${url}/api/query?x=1`, type: "application/json", body: '{"question":"hi"}', address: "127.0.0.1"},
          {method: "GET", url: `${url}/api`, type: null, body: "", address: "127.0.0.1"}
        ]);
        // The static side is untouched.
        expect(await (await fetch(`${url}/`)).text()).toBe("<h1>home</h1>");
      }
    );
  });

  it("answers 500 without details when the handler throws", async () => {
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    try {
      await withSite(
        async () => {
          throw new Error("boom /srv/secret");
        },
        async (url) => {
          const response = await fetch(`${url}/api/query`);
          expect(response.status).toBe(500);
          expect(await response.json()).toEqual({error: {code: "internal", message: messages.apiInternal}});
        }
      );
    } finally {
      console.error = original;
    }
    expect(String(logged[0])).toContain("boom /srv/secret");
  });

  it("aborts the request's signal when the client hangs up", async () => {
    let started!: () => void;
    const handlerStarted = new Promise<void>((ok) => (started = ok));
    let aborted!: () => void;
    const handlerAborted = new Promise<void>((ok) => (aborted = ok));
    await withSite(
      async (request) => {
        request.signal.addEventListener("abort", () => aborted());
        started();
        await handlerAborted;
        return new Response("too late");
      },
      async (url) => {
        const client = new AbortController();
        const pending = fetch(`${url}/api/query`, {signal: client.signal}).catch((error: Error) => error.name);
        await handlerStarted;
        client.abort();
        expect(await pending).toBe("AbortError");
        await handlerAborted;
      }
    );
  });
});
