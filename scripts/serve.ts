// `npm run serve`: serve dist/ on loopback (PORT, HOST to change). The /api endpoint joins with the query issue.
import {join} from "node:path";
import {projectRoot} from "./framework.ts";
import {serveStatic} from "./staticServer.ts";

const {url} = await serveStatic(join(projectRoot, "dist"), {host: process.env.HOST ?? "127.0.0.1", port: Number(process.env.PORT ?? 3000)});
console.log(`serving dist/ at ${url}`);
