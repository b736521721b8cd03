// `npm run dev`: Framework preview with live reload, on the current snapshot.
import {preparePipeline, runFramework} from "./framework.ts";

await preparePipeline();
await runFramework(["preview", ...process.argv.slice(2)]);
