// `npm run bench -- NAME`: runs bench/NAME.ts; each benchmark prints one JSON line per measurement.
import {existsSync, readdirSync} from "node:fs";
import {fileURLToPath} from "node:url";

const name = process.argv[2];
const here = fileURLToPath(new URL(".", import.meta.url));
const available = readdirSync(here).filter((f) => f.endsWith(".ts") && f !== "run.ts").map((f) => f.replace(/\.ts$/, ""));
if (!name || !existsSync(`${here}${name}.ts`)) {
  console.error(`usage: npm run bench -- <${available.join("|")}>`);
  process.exit(1);
}
await import(`./${name}.ts`);
