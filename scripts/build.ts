// `npm run build`: pipeline (skipped when config, inputs and code are unchanged), then the static site in dist/.
import {preparePipeline, runFramework} from "./framework.ts";

const started = Date.now();
try {
  const result = await preparePipeline();
  await runFramework(["build"]);
  console.log(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s (pipeline ${result.skipped ? "skipped: unchanged" : `ran in ${result.durationS.toFixed(1)} s`}); site in dist/`);
} catch (error) {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
