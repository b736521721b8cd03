// The `sunline` command. Thin: parses arguments, calls the library, prints results.
import {parseArgs} from "node:util";
import {resolve} from "node:path";
import {loadConfig} from "./config.ts";
import {generateDemoFleet} from "./demo/index.ts";
import {checkFiles} from "./ingest/checkFiles.ts";
import {formatSummary} from "./ingest/index.ts";
import {messages, SunlineError} from "./messages.ts";
import {queryRows, withConnection} from "./db.ts";
import {resolveInputs} from "./inputs.ts";
import {formatForecastSummary} from "./forecast/summary.ts";
import {formatBacktestSummary, formatSelection, loadSnapshotInputs, readSnapshotBacktest, saveSelection, selectModel, SELECT_WINDOWS} from "./backtest/index.ts";
import {runPipeline, type RunOptions} from "./run/index.ts";
import {mergeShards} from "./run/merge.ts";
import {createReporter} from "./run/progress.ts";
import {parseShard} from "./run/shard.ts";
import {formatRuns, readRuns} from "./run/report.ts";
import {formatAnomalySummary} from "./anomaly/summary.ts";
import {formatWeatherStatus} from "./weather/collect.ts";
import {prepareWeather} from "./weather/prepare.ts";
import {dataDirPath} from "./snapshot/paths.ts";
import {currentManifest, currentSnapshotDir} from "./snapshot/read.ts";
import {createQueryEngine} from "./query/engine.ts";
import {formatAnswer} from "./query/summary.ts";

const HELP = `Usage: sunline <command> [options]

Commands:
  run                 run the whole pipeline and write a snapshot (skipped when nothing changed): the stages
                      as a DAG, each read back from <data-dir>/stages/ when what it reads, its settings
                      and code are unchanged (cleaning per site); progress bars on a terminal, JSON lines
                      otherwise; the run report goes to the manifest and <data-dir>/runs.jsonl
  ingest FILE...      check files against the config's column mapping: rows in, accepted, rejected by
                      reason, duplicates, sites, time range (no snapshot is written)
  forecast            run the pipeline (skipped when nothing changed) and print the forecast: the next
                      issue per site (energy, 80 % range, weather used) and the evaluation window's
                      accuracy against the reference forecasts
  backtest            run the pipeline (skipped when unchanged; the walk-forward backtest is one of its
                      stages: config backtest.*, 12 monthly origins, every model refitted at each, cached
                      in <data-dir>/backtest/<key>/ while data, settings and code are unchanged; --force
                      recomputes) and print accuracy per model and window, with progress
  select              model selection: a small grid of Prophet settings (changepoint and seasonality prior
                      scales, seasonality mode), then GBDT settings (depth, learning rate, rounds), each
                      scored by the backtest on the 2 most recent windows; saves the winner to
                      <data-dir>/models/selection.json, which later runs fit with (minutes: ~10 fits)
  anomalies           run the pipeline (skipped when unchanged; anomaly detection is one of its stages:
                      config anomaly.*) and print the alarms (most energy lost first), energy lost per
                      site and, where the data has fault labels, precision and recall against them
  merge DIR...        one snapshot of the whole fleet in --data-dir from its shards' snapshots (each DIR a shard's
                      data dir, from \`run --shard i/n\`): per-site tables as unions, the fleet rows (accuracy,
                      backtest, anomaly evaluation) rescored from the merged rows; refuses a set of shards that
                      is not one run's. \`SUNLINE_DATA_DIR=<data-dir> npm run build\` then builds the fleet's site
  status              show the current snapshot (when, from what, table sizes) and the last runs with
                      each stage's time, rows in and out, cache hits and retries (--json: the run reports)
  query "QUESTION"    answer a question over the current snapshot: the SQL (offline intent templates, or
                      a model when SUNLINE_LLM_MODEL / OPENAI_BASE_URL / OPENAI_API_KEY is set), guarded
                      and run read-only; --json prints the whole answer; --sql "SELECT …" runs your own
                      SQL through the same guard
  weather             collect weather from the config's providers (weather.providers) into the data
                      dir, with a summary per provider; \`run\` does the same before building
  demo <dir>          write the demo fleet's raw files (production CSVs, weather, fault labels) to <dir>

Options:
  --config FILE       config file (default: SUNLINE_CONFIG, else ./sunline.config.ts)
  --data-dir DIR      where snapshots live (default: SUNLINE_DATA_DIR, else ./.sunline)
  --force             with run: rebuild even when inputs are unchanged (in a merged data dir: run the
                      whole fleet there); with merge: merge again even when the shards are unchanged
  --offline           with run and weather: use cached weather responses only (also SUNLINE_OFFLINE=1)
  --shard i/n         run shard i of n: only the sites a hash of their id assigns to it, as an independent
                      run with its own data dir, snapshot and fleet models (also SUNLINE_SHARD=i/n)
  -h, --help          show this help
`;

export async function main(argv: string[]): Promise<number> {
  const {values, positionals} = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: {type: "string"},
      "data-dir": {type: "string"},
      force: {type: "boolean", default: false},
      json: {type: "boolean", default: false},
      sql: {type: "string"},
      offline: {type: "boolean", default: false},
      shard: {type: "string"},
      help: {type: "boolean", short: "h", default: false}
    }
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return command || values.help ? 0 : 1;
  }
  const dataDir = dataDirPath(values["data-dir"]);
  // Progress on stderr: bars on a terminal, JSON lines in a log.
  const run: RunOptions = {
    config: values.config, dataDir, force: values.force, offline: values.offline,
    ...(values.shard !== undefined ? {shard: parseShard(values.shard)} : {}),
    onEvent: createReporter({write: (text) => process.stderr.write(text), tty: !!process.stderr.isTTY})
  };
  switch (command) {
    case "run": {
      const result = await runPipeline(run);
      process.stdout.write(`${result.skipped ? "unchanged" : "written"}: ${result.snapshotDir}\n`);
      return 0;
    }
    case "forecast": {
      const result = await runPipeline(run);
      process.stdout.write(await formatForecastSummary(result.snapshotDir, result.snapshotId));
      return 0;
    }
    case "backtest": {
      // The backtest is a stage of every run (reused while its data, settings and code are
      // unchanged; --force recomputes it): run, then print what the snapshot holds.
      const result = await runPipeline(run);
      const manifest = await currentManifest(dataDir);
      const backtest = await readSnapshotBacktest(result.snapshotDir);
      const stage = manifest?.backtest;
      if (backtest.windows.length === 0) process.stdout.write(`No backtest: ${stage?.note ?? "no site has data"}\n`);
      else process.stdout.write(formatBacktestSummary({...backtest, skipped: stage?.skipped, seconds: stage?.seconds}) + `${stage?.reused ? "reused" : "computed"}; snapshot: ${result.snapshotDir}\n`);
      return 0;
    }
    case "anomalies": {
      const result = await runPipeline(run);
      const manifest = await currentManifest(dataDir);
      process.stdout.write((await formatAnomalySummary(result.snapshotDir, manifest?.anomaly)) + `snapshot: ${result.snapshotDir}\n`);
      return 0;
    }
    case "select": {
      // Model selection over the current snapshot's data: a small grid scored by the backtest on its
      // most recent windows; the winner is saved for the next runs.
      const result = await runPipeline(run);
      const loaded = await loadConfig(values.config);
      const started = performance.now();
      const windows = Math.min(SELECT_WINDOWS, loaded.config.backtest.origins);
      const selection = await withConnection(async (conn) => {
        await loadSnapshotInputs(conn, result.snapshotDir);
        return selectModel(conn, {
          config: loaded.config, snapshotId: result.snapshotId, windows, now: new Date(), log: () => {},
          progress: (done, total, label) => process.stderr.write(`[${done}/${total}] ${label} (${Math.round((performance.now() - started) / 1000)} s)\n`)
        });
      });
      const path = await saveSelection(dataDir, selection);
      process.stdout.write(formatSelection(selection) + `saved: ${path}; the next run fits with these settings (the config's own prophet/gbdt settings take precedence).\n`);
      return 0;
    }
    case "ingest": {
      if (rest.length === 0) throw new SunlineError("ingest: name one or more files, e.g. `npx sunline ingest data/site-a/*.csv`");
      const loaded = await loadConfig(values.config);
      const tty = process.stderr.isTTY;
      const summary = await checkFiles(loaded, dataDir, rest, (p) => {
        const status = p.error ? `error: ${p.error}` : p.accepted === undefined ? "reading..." : `${p.accepted} rows, ${p.rejected} rejected`;
        const line = `[${p.index}/${p.total}] ${p.label}: ${status}`;
        // On a terminal, one line that updates in place; in a log, one line per finished file.
        if (tty) process.stderr.write(`\r\x1b[2K${line}${p.accepted !== undefined || p.error ? "\n" : ""}`);
        else if (p.accepted !== undefined || p.error) process.stderr.write(`${line}\n`);
      });
      process.stdout.write(formatSummary(summary));
      return 0;
    }
    case "merge": {
      const result = await mergeShards({shards: rest, dataDir, force: values.force, log: (m) => process.stderr.write(`${m}\n`)});
      process.stdout.write(`${result.skipped ? "unchanged" : "written"}: ${result.snapshotDir} (${result.shards} shards, ${result.sites} sites)\n`);
      return 0;
    }
    case "status": {
      const runs = await readRuns(dataDir, 10);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
        return 0;
      }
      const manifest = await currentManifest(dataDir);
      if (!manifest && runs.length) {
        process.stdout.write(`no snapshot yet\n\n${formatRuns(runs)}`);
        return 1;
      }
      if (!manifest) throw new SunlineError(messages.snapshotMissing(dataDir));
      const shard = manifest.shard
        ? `, shard ${manifest.shard.index}/${manifest.shard.count}: ${manifest.shard.sites.length} sites`
        : manifest.merged_from
          ? `, merged from ${manifest.merged_from.length} shards: ${manifest.merged_from.reduce((n, s) => n + s.sites.length, 0)} sites`
          : "";
      process.stdout.write(`snapshot ${manifest.snapshot_id} (${manifest.project}${shard})\n`);
      process.stdout.write(`  created ${manifest.created_at} in ${manifest.duration_s} s, config ${manifest.config_path}, code ${manifest.code_version}\n`);
      process.stdout.write(`  inputs: ${manifest.inputs.length} files, ${(manifest.inputs.reduce((a, f) => a + f.bytes, 0) / 1e6).toFixed(1)} MB\n`);
      for (const [name, t] of Object.entries(manifest.tables))
        process.stdout.write(`  ${name.padEnd(20)} ${String(t.rows).padStart(9)} rows${t.min_ts ? `  ${t.min_ts} → ${t.max_ts}` : ""}\n`);
      process.stdout.write(`\n${runs.length ? formatRuns(runs) : `${messages.noRuns(dataDir)}\n`}`);
      return 0;
    }
    case "weather": {
      const loaded = await loadConfig(values.config);
      if (loaded.config.weather.providers.length === 0) throw new SunlineError(messages.weatherNoProviders(loaded.path));
      const {sites} = await withConnection((conn) =>
        resolveInputs(loaded, dataDir, () => {}, async (p) => (await queryRows<{file: string}>(conn, "SELECT file FROM glob($1)", [p])).map((r) => r.file), {hashFiles: false})
      );
      const prepared = await prepareWeather(loaded, dataDir, sites, {offline: values.offline, log: (m) => process.stderr.write(`${m}\n`)});
      process.stdout.write(formatWeatherStatus(prepared!.status) + `written: ${prepared!.path}\n`);
      return prepared!.status.every((s) => s.status === "failed") ? 1 : 0;
    }
    case "query": {
      const snapshotDir = await currentSnapshotDir(dataDir);
      if (!snapshotDir) throw new SunlineError(messages.snapshotMissing(dataDir));
      const question = rest.join(" ").trim();
      if (!question && !values.sql) throw new SunlineError('query: ask a question, e.g. `npx sunline query "Why was output low yesterday at Seville?"`');
      const engine = await createQueryEngine({snapshotDir});
      try {
        const answer = values.sql ? await engine.run(values.sql) : await engine.ask(question);
        process.stdout.write(values.json ? `${JSON.stringify(answer, null, 2)}\n` : formatAnswer(answer));
        return answer.clarification && !answer.rows.length ? 2 : 0;
      } finally {
        await engine.close();
      }
    }
    case "demo": {
      if (!rest[0]) throw new SunlineError("demo: give the folder to write to, e.g. `npx sunline demo ./demo-data`");
      const out = await generateDemoFleet(resolve(rest[0]));
      process.stdout.write(`wrote ${out.productionFiles.length} production files, ${out.weatherPath}, ${out.labelsPath}\n`);
      return 0;
    }
    default:
      throw new SunlineError(messages.unknownCommand(command));
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`sunline: ${error instanceof SunlineError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
);
