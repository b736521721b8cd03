// Training speed, accuracy and memory of Sunline's gradient-boosted trees (pipeline/models/gbdt/) against
// native XGBoost 1.7 (python, tree_method=hist, 2 threads) and ml-xgboost (the 2018 WASM build on npm),
// on Friedman #1 data. Every measurement runs in its own child process, so that its peak RSS is its own
// and no case inherits another's warm heap. Prints one JSON line per measurement and the summary last.
//
//   npm run bench -- gbdt                       generate (or reuse) the data, then measure everything
//   npm run bench -- gbdt --skip-1m             without the 1,000,000-row Sunline case (its fields null)
//   npm run bench -- gbdt --skip-ml-xgboost     without ml-xgboost (its fields null)
//   npm run bench -- gbdt --clean               delete <tmpdir>/sunline-bench/gbdt/ and exit
//   SUNLINE_BENCH_ROWS=50000 npm run bench -- gbdt      a quick trial with fewer training rows (default 200,000)
//   SUNLINE_BENCH_REPEAT=1 (default 3)                   runs of the Sunline and XGBoost main cases; median used
//   SUNLINE_BENCH_PYTHON=/path/to/python3                interpreter with xgboost (default: python3, /usr/bin/python3)
//
// Data: Friedman #1, y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + N(0, 1), with 30 features
// all U(0, 1): 5 informative, 25 noise. The noise sd of 1 is the floor any model's test RMSE can reach.
// 200,000 training rows and 50,000 test rows from separate seeded streams.
// The parent writes each data set once, seeded, to <tmpdir>/sunline-bench/gbdt/ as float32 little-endian,
// COLUMN-MAJOR, with the target as the last column: column f of an n-row file starts at byte 4 * f * n.
// Column-major because Sunline's API is columnar (each feature is a zero-copy subarray of the file) and
// the 50k x 20 subset is then the first 50k values of the first 20 columns. Every engine reads these same
// float32 numbers (XGBoost and ml-xgboost store float32 anyway).
//
// Cases, in order: `xgboost` and `sunline` on the full training set, interleaved REPEAT times (the summary
// takes each one's median run by train time; with an even REPEAT the faster of the middle two);
// `sunline_subset`, `xgboost_subset`, `ml_xgboost_exact_subset` (ml-xgboost as shipped: its default
// method, exact; the issue's comparator) and `ml_xgboost_subset` (tree_method=hist, as everyone, an extra)
// on the first 50,000 rows x first 20 features;
// `sunline_1m` on 1,000,000 x 30. Each line has train_s (the training call only, binning included, data
// loading not), test_rmse on the 50,000 test rows, peak_rss_mb (the child's maxRSS), train_cpu_s (CPU
// time of all the child's threads during training), and other_cpu_s / steal_s: CPU time the rest of the
// machine used, or the hypervisor took, while the case ran. This machine has two cores that other work
// shares; with other_cpu_s above ~1 s a timing is not clean (XGBoost's OpenMP threads spin while they
// wait for each other, and were seen to train 10-20x slower when another process was busy).
import {spawn, spawnSync} from "node:child_process";
import {existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from "node:fs";
import {createRequire} from "node:module";
import {endianness, tmpdir} from "node:os";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import type {GbdtParams} from "../pipeline/models/gbdt/types.ts";

/** Targets from the issue; reported on stderr, never enforced in tests. */
const TARGET_RMSE_RATIO = 1.02; // "within 2% of XGBoost's": being more accurate than XGBoost is fine
const TARGET_TIME_RATIO = 2;
const TARGET_ML_XGBOOST_SPEEDUP = 10;
const TARGET_1M_PEAK_RSS_MB = 2000;

const FEATURES = 30;
const INFORMATIVE = 5;
const NOISE_SD = 1;
const DEFAULT_TRAIN_ROWS = 200_000;
const TEST_ROWS = 50_000;
const ROWS_1M = 1_000_000;
/** The ml-xgboost comparison's subset: the first rows of the training file, its first features. */
const SUBSET_ROWS = 50_000;
const SUBSET_FEATURES = 20;
const SEED = 20240917;
/** The test set's own stream: independent of every training set. Training sets of any size share the
 * SEED stream, so the first 200,000 rows of the 1M set are the default training set. */
const TEST_SEED = SEED + 1;
/** Bump when the generated files' content changes, so an older file is not reused. */
const GENERATOR_VERSION = 1;
const ML_XGBOOST_VERSION = "1.1.2";
const REPEAT = Math.max(1, Number(process.env.SUNLINE_BENCH_REPEAT) || 3);

const ROUNDS = 200;
// "256 bins": Sunline keeps byte codes, 255 value bins plus one code for missing values, so 255 is its
// maximum (pipeline/models/gbdt/params.ts); XGBoost gets max_bin=256. The remaining parameters are the
// engines' shared defaults, spelled out so the comparison does not move if a default changes.
const SUNLINE_PARAMS = {
  objective: "squared",
  rounds: ROUNDS,
  maxDepth: 6,
  maxLeaves: 0,
  learningRate: 0.1,
  lambda: 1,
  gamma: 0,
  minChildWeight: 1,
  subsample: 1,
  colsample: 1,
  maxBins: 255,
  seed: 1,
  threads: 2
} satisfies Partial<GbdtParams>;
/** The same model in XGBoost's words. base_score is set to the training mean in bench/gbdt_xgboost.py. */
const XGBOOST_PARAMS = {
  objective: "reg:squarederror",
  tree_method: "hist",
  nthread: 2,
  max_depth: 6,
  max_leaves: 0,
  grow_policy: "depthwise",
  eta: 0.1,
  lambda: 1,
  gamma: 0,
  min_child_weight: 1,
  subsample: 1,
  colsample_bytree: 1,
  max_bin: 256
};

const benchDir = join(tmpdir(), "sunline-bench", "gbdt");
const mlXgboostDir = join(benchDir, "ml-xgboost");
const thisFile = fileURLToPath(import.meta.url);
const pythonHelper = fileURLToPath(new URL("gbdt_xgboost.py", import.meta.url));

/** A data file as written by ensureData: `features` columns then the target, each `rows` float32. */
interface DataRef {
  file: string;
  rows: number;
  features: number;
}
/** What a Node child gets (argv) to train on `train`'s first useRows rows and useFeatures features. */
interface ChildJob {
  train: DataRef;
  test: DataRef;
  useRows: number;
  useFeatures: number;
  /** ml-xgboost only: "hist" (the compared setting) or "exact" (its default). */
  treeMethod?: "hist" | "exact";
}
type ChildResult = Record<string, number | string | boolean | null>;
type Outcome = {ok: true; result: ChildResult} | {ok: false; error: string; peak_rss_mb: number | null};

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const log = (message: string): void => void process.stderr.write(`bench gbdt: ${message}\n`);
const elapsed = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;
/** CPU seconds of this whole process so far, worker threads included. */
const processCpuS = (): number => {
  const usage = process.resourceUsage();
  return (usage.userCPUTime + usage.systemCPUTime) / 1e6;
};
/** CPU seconds (all threads) since `start`, a process.cpuUsage() reading. */
const cpuSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

// ---------------------------------------------------------------------------------------------------------
// Data: a seeded generator, and the files every child reads.

/** xoshiro128** (Blackman & Vigna), state seeded by splitmix32; uniform doubles in [0, 1). Written here
 * rather than taken from the engine, so the data does not change when the engine's random.ts does. */
function xoshiro128(seed: number): () => number {
  let x = seed >>> 0;
  const splitmix32 = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = splitmix32();
  const rotl = (v: number, k: number): number => (v << k) | (v >>> (32 - k));
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
}

/** Standard normal draws by Box-Muller, both values of each pair used. */
function gaussian(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - uniform())); // 1 - u is in (0, 1]: log never sees 0
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/** Friedman #1 rows into a column-major float32 buffer (features, then the target). Rows are drawn in
 * order from one stream, so a file's first n rows are the n-row file of the same seed. */
function friedman1(rows: number, seed: number): Float32Array {
  const uniform = xoshiro128(seed);
  const normal = gaussian(uniform);
  const out = new Float32Array((FEATURES + 1) * rows);
  const x = new Float64Array(FEATURES);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < FEATURES; f++) {
      // 24 random bits: exactly a float32 in [0, 1), so y is computed from the very x every engine sees
      // (a rounded 32-bit draw could also land on 1).
      x[f] = Math.floor(uniform() * 16777216) / 16777216;
      out[f * rows + i] = x[f];
    }
    out[FEATURES * rows + i] =
      10 * Math.sin(Math.PI * x[0] * x[1]) + 20 * (x[2] - 0.5) ** 2 + 10 * x[3] + 5 * x[4] + NOISE_SD * normal();
  }
  return out;
}

function ensureData(rows: number, seed: number): DataRef {
  mkdirSync(benchDir, {recursive: true});
  const params = {generator: GENERATOR_VERSION, data: "friedman1", rows, features: FEATURES, informative: INFORMATIVE, noise_sd: NOISE_SD, seed, layout: "f32le column-major, target last"};
  const file = join(benchDir, `friedman1-${rows}x${FEATURES}-seed${seed}-v${GENERATOR_VERSION}.f32`);
  const metaFile = `${file}.json`;
  const bytes = 4 * (FEATURES + 1) * rows;
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, "utf8")) as {params: unknown; bytes: number};
    if (JSON.stringify(meta.params) === JSON.stringify(params) && meta.bytes === bytes && statSync(file).size === bytes) {
      log(`reusing ${file}`);
      return {file, rows, features: FEATURES};
    }
  }
  const started = process.hrtime.bigint();
  const data = friedman1(rows, seed);
  const partial = `${file}.partial`;
  writeFileSync(partial, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  renameSync(partial, file);
  writeFileSync(metaFile, JSON.stringify({params, bytes}) + "\n");
  log(`generated ${rows.toLocaleString("en")} x ${FEATURES} rows into ${file} in ${round(elapsed(started), 2)} s`);
  return {file, rows, features: FEATURES};
}

/** A data file's first useRows rows of its first useFeatures columns, as zero-copy float32 columns, and
 * the target widened to float64 (exact). */
function loadColumns(ref: DataRef, useRows: number, useFeatures: number): {features: Float32Array[]; target: Float64Array} {
  const bytes = readFileSync(ref.file);
  // readFileSync gives a file-sized buffer of its own, but a Float32Array view needs 4-byte alignment.
  const all = bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) : new Float32Array(new Uint8Array(bytes).buffer);
  if (all.length !== (ref.features + 1) * ref.rows) throw new Error(`${ref.file}: ${all.length} values, expected ${(ref.features + 1) * ref.rows}`);
  const column = (f: number): Float32Array => all.subarray(f * ref.rows, f * ref.rows + useRows);
  return {
    features: Array.from({length: useFeatures}, (_, f) => column(f)),
    target: Float64Array.from(column(ref.features))
  };
}

function rmse(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  if (pred.length !== y.length) throw new Error(`${pred.length} predictions for ${y.length} rows`);
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += (pred[i] - y[i]) ** 2;
  return Math.sqrt(sum / y.length);
}

// ---------------------------------------------------------------------------------------------------------
// Children: each does one measurement and prints its result as the last line of stdout.

async function childSunline(job: ChildJob): Promise<ChildResult> {
  // Imported here, not at the top: the parent and the ml-xgboost child have no use for the engine, and
  // a comparator's numbers should not depend on whether the engine loads.
  const {trainGbdt} = await import("../pipeline/models/gbdt/index.ts");
  const train = loadColumns(job.train, job.useRows, job.useFeatures);
  const test = loadColumns(job.test, job.test.rows, job.useFeatures);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const model = await trainGbdt({features: train.features, target: train.target}, SUNLINE_PARAMS);
  const trainS = elapsed(started);
  const trainCpuS = cpuSince(cpu);
  const predictStarted = process.hrtime.bigint();
  const pred = model.predict(test.features);
  const predictS = elapsed(predictStarted);
  return {train_s: trainS, train_cpu_s: trainCpuS, predict_s: predictS, test_rmse: rmse(pred, test.target), peak_rss_mb: peakRssMb(), process_cpu_s: processCpuS()};
}

/** The part of ml-xgboost's API used here (lib/index.js of 1.1.2; it has no types). */
interface MlXgboost {
  train(x: unknown, y: ArrayLike<number>): void;
  predict(x: unknown): number[];
  free(): void;
}
interface MlMatrix extends Array<number[]> {
  rows: number;
  columns: number;
}

async function childMlXgboost(job: ChildJob): Promise<ChildResult> {
  const require = createRequire(join(mlXgboostDir, "node_modules", "ml-xgboost", "package.json"));
  // The package's export is a promise of the class: it resolves once the WASM module is compiled. Its
  // 2018 emscripten loader first tries fetch() on a file path (Node 20 has a global fetch), fails, says
  // "wasm streaming compile failed ... falling back to ArrayBuffer instantiation" on stderr and loads
  // the file itself: harmless.
  const XGBoost = (await require("ml-xgboost")) as new (options: Record<string, string | number>) => MlXgboost;
  const {Matrix} = require("ml-matrix") as {Matrix: new (rows: number, columns: number) => MlMatrix};
  const train = loadColumns(job.train, job.useRows, job.useFeatures);
  const test = loadColumns(job.test, job.test.rows, job.useFeatures);
  // ml-xgboost takes an ml-matrix Matrix (rows of plain arrays); built before the timer starts. Its
  // train() still flattens that to float32 and copies it into WASM memory inside the timed call, a few
  // ms next to the training.
  const matrix = (columns: Float32Array[], rows: number): MlMatrix => {
    const m = new Matrix(rows, columns.length);
    for (let i = 0; i < rows; i++) for (let f = 0; f < columns.length; f++) m[i][f] = columns[f][i];
    return m;
  };
  const x = matrix(train.features, job.useRows);
  const xTest = matrix(test.features, test.target.length);
  let mean = 0;
  for (let i = 0; i < train.target.length; i++) mean += train.target[i];
  mean /= train.target.length;
  // XGBoost 0.7-era parameter names (reg:linear is today's reg:squarederror). ml-xgboost's own defaults
  // include subsample 0.5 and max_depth 5, so everything is given. Its build has the hist updater
  // (updater_fast_hist), so the compared run gets tree_method=hist like native XGBoost: the same model,
  // and the best this build can do. Its default is exact (tree_method auto picks exact for in-memory
  // data), about 4x slower here; that run is reported apart. nthread is left out: the WASM build has no
  // threads. base_score as for native XGBoost (see bench/gbdt_xgboost.py).
  const booster = new XGBoost({
    booster: "gbtree",
    objective: "reg:linear",
    tree_method: job.treeMethod ?? XGBOOST_PARAMS.tree_method,
    max_depth: XGBOOST_PARAMS.max_depth,
    grow_policy: XGBOOST_PARAMS.grow_policy,
    eta: XGBOOST_PARAMS.eta,
    lambda: XGBOOST_PARAMS.lambda,
    gamma: XGBOOST_PARAMS.gamma,
    min_child_weight: XGBOOST_PARAMS.min_child_weight,
    subsample: XGBOOST_PARAMS.subsample,
    colsample_bytree: XGBOOST_PARAMS.colsample_bytree,
    max_bin: XGBOOST_PARAMS.max_bin,
    base_score: mean,
    silent: 1,
    iterations: ROUNDS
  });
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  booster.train(x, train.target);
  const trainS = elapsed(started);
  const trainCpuS = cpuSince(cpu);
  const predictStarted = process.hrtime.bigint();
  const pred = booster.predict(xTest);
  const predictS = elapsed(predictStarted);
  booster.free();
  return {train_s: trainS, train_cpu_s: trainCpuS, predict_s: predictS, test_rmse: rmse(pred, test.target), peak_rss_mb: peakRssMb(), process_cpu_s: processCpuS()};
}

// ---------------------------------------------------------------------------------------------------------
// Parent: generate the data, find the comparators, run the children, print the lines.

/** CPU seconds the whole machine has been busy (all cores) and has had stolen by the hypervisor, from
 * /proc/stat (in USER_HZ, 100 per second on Linux); null where there is no /proc. */
function machineCpu(): {busy: number; steal: number} | null {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return {busy: (user + nice + system + irq + softirq) / 100, steal: steal / 100};
  } catch {
    return null;
  }
}

/** Runs one child; to a successful result it adds what the rest of the machine did meanwhile:
 * `other_cpu_s`, busy time on all cores minus the child's own CPU time (so the parent and tsx's esbuild
 * service count too, a few tenths of a second), and `steal_s`, time the hypervisor took. */
function runChild(label: string, command: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const before = machineCpu();
    const child = spawn(command, args, {stdio: ["ignore", "pipe", "inherit"]});
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", (error) => resolve({ok: false, error: `${label}: ${error.message}`, peak_rss_mb: null}));
    child.on("close", (code, signal) => {
      // The result is the last stdout line; anything before it (a library's chatter) is ignored.
      let last: ChildResult | null = null;
      try {
        last = JSON.parse(out.trim().split("\n").pop() ?? "") as ChildResult;
      } catch {
        last = null;
      }
      const after = machineCpu();
      if (code === 0 && last && last.error === undefined) {
        if (before && after && typeof last.process_cpu_s === "number") {
          last.other_cpu_s = round(Math.max(0, after.busy - before.busy - last.process_cpu_s), 1);
          last.steal_s = round(after.steal - before.steal, 1);
        }
        resolve({ok: true, result: last});
      } else
        resolve({
          ok: false,
          error: typeof last?.error === "string" ? last.error : `${label} exited with ${signal ? `signal ${signal}` : `code ${code}`}`,
          peak_rss_mb: typeof last?.peak_rss_mb === "number" ? last.peak_rss_mb : null
        });
    });
  });
}

/** A child running this file under the same node flags (tsx's loader), so it can run the .ts directly. */
const nodeChild = (kind: string, job: ChildJob): Promise<Outcome> =>
  runChild(kind, process.execPath, [...process.execArgv, thisFile, "--child", kind, JSON.stringify(job)]);

/** The first interpreter that can import xgboost: on this kind of machine `python3` on PATH is often a
 * pyenv or venv shim without it, while the distribution's python3-xgboost lives under /usr/bin/python3. */
function findPython(): {python: string; version: string} | {reason: string} {
  const candidates = process.env.SUNLINE_BENCH_PYTHON ? [process.env.SUNLINE_BENCH_PYTHON] : ["python3", "/usr/bin/python3"];
  for (const python of candidates) {
    const probe = spawnSync(python, ["-c", "import xgboost, numpy; print(xgboost.__version__)"], {encoding: "utf8"});
    if (probe.status === 0) return {python, version: probe.stdout.trim()};
  }
  return {reason: `no interpreter among ${candidates.join(", ")} can import xgboost (apt-get install python3-xgboost)`};
}

/** ml-xgboost is not a project dependency: installed on demand into the bench directory. Returns why it
 * is unavailable, or null when it is installed. */
function ensureMlXgboost(): string | null {
  const pkg = join(mlXgboostDir, "node_modules", "ml-xgboost", "package.json");
  const installed = (): boolean => existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as {version: string}).version === ML_XGBOOST_VERSION;
  if (installed()) return null;
  log(`installing ml-xgboost@${ML_XGBOOST_VERSION} into ${mlXgboostDir} ...`);
  mkdirSync(mlXgboostDir, {recursive: true});
  // npm's own output must not reach stdout, which holds the JSON lines.
  const npm = spawnSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", mlXgboostDir, `ml-xgboost@${ML_XGBOOST_VERSION}`], {encoding: "utf8"});
  if (npm.status === 0 && installed()) return null;
  return `npm install ml-xgboost@${ML_XGBOOST_VERSION} failed: ${(npm.error?.message ?? npm.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}`;
}

async function parent(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--clean")) {
    rmSync(benchDir, {recursive: true, force: true});
    log(`removed ${benchDir}`);
    return;
  }
  const known = ["--skip-1m", "--skip-ml-xgboost"];
  const unknown = args.filter((a) => a.startsWith("--") && !known.includes(a));
  if (unknown.length) throw new Error(`unknown option ${unknown.join(", ")}; known: ${[...known, "--clean"].join(", ")}`);
  const skip1m = args.includes("--skip-1m");
  const skipMl = args.includes("--skip-ml-xgboost");
  const rows = process.env.SUNLINE_BENCH_ROWS ? Number(process.env.SUNLINE_BENCH_ROWS) : DEFAULT_TRAIN_ROWS;
  if (!Number.isInteger(rows) || rows <= 0) throw new Error(`SUNLINE_BENCH_ROWS must be a positive integer, got ${process.env.SUNLINE_BENCH_ROWS}`);
  // The files are float32 little-endian; typed arrays use the platform's byte order.
  if (endianness() !== "LE") throw new Error("the bench's data files are little-endian; this platform is not");
  const benchStarted = process.hrtime.bigint();
  const print = (line: Record<string, unknown>): void => console.log(JSON.stringify({bench: "gbdt", ...line}));

  const train = ensureData(rows, SEED);
  const test = ensureData(TEST_ROWS, TEST_SEED);
  const train1m = skip1m ? null : ensureData(ROWS_1M, SEED);
  print({case: "data", data: "friedman1", train_rows: rows, test_rows: TEST_ROWS, features: FEATURES, informative: INFORMATIVE, noise_sd: NOISE_SD, seed: SEED, dir: benchDir});
  if (rows !== DEFAULT_TRAIN_ROWS) log(`note: ${rows.toLocaleString("en")} training rows (SUNLINE_BENCH_ROWS); the issue's size is ${DEFAULT_TRAIN_ROWS.toLocaleString("en")}`);

  const python = findPython();
  if ("reason" in python) log(`XGBoost skipped: ${python.reason}`);
  else {
    log(`XGBoost ${python.version} via ${python.python}`);
    if (!python.version.startsWith("1.7.")) log(`note: the issue compares against XGBoost 1.7; this is ${python.version}`);
  }
  const mlSkip = skipMl ? "--skip-ml-xgboost" : ensureMlXgboost();
  if (mlSkip) log(`ml-xgboost skipped: ${mlSkip}`);
  if (skip1m) log("1M-row case skipped: --skip-1m");

  /** Runs one case and prints its line (an error line if it failed). `withOk` adds ok: true|false. */
  const measure = async (name: string, what: string, shape: {rows: number; features: number; run?: number}, run: () => Promise<Outcome>, withOk = false): Promise<Outcome> => {
    log(`${name}${shape.run ? ` run ${shape.run}/${REPEAT}` : ""}: ${what}, ${shape.rows.toLocaleString("en")} x ${shape.features} (child process) ...`);
    const outcome = await run();
    const ok = withOk ? {ok: outcome.ok} : {};
    if (!outcome.ok) {
      const peak = outcome.peak_rss_mb === null ? null : round(outcome.peak_rss_mb, 0);
      log(`${name} FAILED: ${outcome.error}`);
      print({case: name, ...shape, ...ok, error: outcome.error, peak_rss_mb: peak});
      return {...outcome, peak_rss_mb: peak};
    }
    const line: ChildResult = {};
    for (const [key, value] of Object.entries(outcome.result)) {
      const digits = key === "peak_rss_mb" ? 0 : key === "test_rmse" ? 5 : key.endsWith("_s") ? 3 : null;
      line[key] = typeof value === "number" && digits !== null ? round(value, digits) : value;
    }
    log(`${name} trained in ${line.train_s} s, test RMSE ${line.test_rmse}, peak RSS ${line.peak_rss_mb} MB`);
    if (Number(line.other_cpu_s) > 1) log(`note: other processes used ${line.other_cpu_s} CPU-s while ${name} ran; its timing is not clean`);
    print({case: name, ...shape, ...ok, ...line});
    return {ok: true, result: line};
  };
  const result = (outcome: Outcome): ChildResult | null => (outcome.ok ? outcome.result : null);
  const skipped = (name: string, reason: string): null => {
    print({case: name, skipped: reason});
    return null;
  };
  const pythonJob = (useRows: number, useFeatures: number): string =>
    JSON.stringify({train, test, use_rows: useRows, use_features: useFeatures, rounds: ROUNDS, params: XGBOOST_PARAMS});
  const xgboostCase = async (name: string, useRows: number, useFeatures: number, run?: number): Promise<ChildResult | null> =>
    "reason" in python
      ? skipped(name, python.reason)
      : result(await measure(name, "native XGBoost xgb.train", {rows: useRows, features: useFeatures, run}, () => runChild(name, python.python, [pythonHelper, pythonJob(useRows, useFeatures)])));

  // Main comparison. Timings on shared cores wander from run to run, so the pair runs REPEAT times,
  // interleaved, and the summary takes each engine's median run (by train time).
  const runs: {sunline: ChildResult[]; xgboost: ChildResult[]} = {sunline: [], xgboost: []};
  let sunlineFailed = false;
  for (let r = 1; r <= REPEAT; r++) {
    const xgb = await xgboostCase("xgboost", rows, FEATURES, r);
    if (xgb) runs.xgboost.push(xgb);
    const sl = result(await measure("sunline", "Sunline trainGbdt", {rows, features: FEATURES, run: r}, () => nodeChild("sunline", {train, test, useRows: rows, useFeatures: FEATURES})));
    if (sl) runs.sunline.push(sl);
    else {
      sunlineFailed = true;
      break; // an engine that failed once will fail again: no point in repeating the pair
    }
  }
  const median = (lines: ChildResult[]): ChildResult | null =>
    lines.length ? [...lines].sort((a, b) => Number(a.train_s) - Number(b.train_s))[Math.floor((lines.length - 1) / 2)] : null;
  const sunline = median(runs.sunline);
  const xgboost = median(runs.xgboost);

  // The ml-xgboost subset, run once each. Native XGBoost trains on it too: that separates what WASM and
  // 2018 cost from what XGBoost costs. ml-xgboost runs twice. ml_xgboost_speedup is against ml-xgboost
  // as a user of the npm package gets it: its default method, exact. That is the comparator the issue
  // names (it gives a tree_method only for native XGBoost, and its "13 s for 50k x 20 x 100 rounds" is
  // this run's time per round; hist would be about 2.4 s). ml_xgboost_hist_speedup, an extra, is against
  // the same package forced to tree_method=hist, the same model as everyone else: it separates the
  // method from the engine.
  const subsetRows = Math.min(SUBSET_ROWS, rows);
  const subset = {rows: subsetRows, features: SUBSET_FEATURES};
  const subsetJob: ChildJob = {train, test, useRows: subsetRows, useFeatures: SUBSET_FEATURES};
  const sunlineSubset = result(await measure("sunline_subset", "Sunline trainGbdt", subset, () => nodeChild("sunline", subsetJob)));
  const xgboostSubset = await xgboostCase("xgboost_subset", subsetRows, SUBSET_FEATURES);
  const mlXgboost = mlSkip
    ? skipped("ml_xgboost_subset", mlSkip)
    : result(await measure("ml_xgboost_subset", `ml-xgboost@${ML_XGBOOST_VERSION} train(), tree_method=hist (WASM, one thread)`, subset, () => nodeChild("ml_xgboost", {...subsetJob, treeMethod: "hist"})));
  const mlXgboostExact = mlSkip
    ? skipped("ml_xgboost_exact_subset", mlSkip)
    : result(await measure("ml_xgboost_exact_subset", `ml-xgboost@${ML_XGBOOST_VERSION} train(), tree_method=exact, its default (WASM, one thread)`, subset, () => nodeChild("ml_xgboost", {...subsetJob, treeMethod: "exact"})));

  // 1M x 30 with the full 200 rounds: does it train, and within what peak RSS (the whole child: node,
  // the 124 MB float32 file it loads, the engine, its worker threads)? A failed child still reports its
  // peak RSS so far when it could catch the error; a killed one cannot (null).
  const run1m = train1m
    ? await measure("sunline_1m", "Sunline trainGbdt", {rows: ROWS_1M, features: FEATURES}, () => nodeChild("sunline", {train: train1m, test, useRows: ROWS_1M, useFeatures: FEATURES}), true)
    : skipped("sunline_1m", "--skip-1m");
  const peak1m = run1m === null ? null : run1m.ok ? Number(run1m.result.peak_rss_mb) : run1m.peak_rss_mb;

  const num = (line: ChildResult | null, key: string): number | null => (line ? Number(line[key]) : null);
  const ratio = (a: number | null, b: number | null, digits: number): number | null => (a === null || b === null || b === 0 ? null : round(a / b, digits));
  const summary = {
    bench: "gbdt",
    sunline_train_s: num(sunline, "train_s"),
    sunline_rmse: num(sunline, "test_rmse"),
    xgboost_train_s: num(xgboost, "train_s"),
    xgboost_rmse: num(xgboost, "test_rmse"),
    rmse_ratio: ratio(num(sunline, "test_rmse"), num(xgboost, "test_rmse"), 4),
    time_ratio: ratio(num(sunline, "train_s"), num(xgboost, "train_s"), 3),
    // ml-xgboost time (its default method) / Sunline time on the same subset: how many times faster Sunline is.
    ml_xgboost_speedup: ratio(num(mlXgboostExact, "train_s"), num(sunlineSubset, "train_s"), 2),
    rows_1m_ok: run1m === null ? null : run1m.ok,
    rows_1m_peak_rss_mb: peak1m,
    // Extras, after the fields the issue names.
    train_rows: rows,
    test_rows: TEST_ROWS,
    runs: REPEAT,
    subset_rows: subsetRows,
    subset_features: SUBSET_FEATURES,
    sunline_subset_train_s: num(sunlineSubset, "train_s"),
    sunline_subset_rmse: num(sunlineSubset, "test_rmse"),
    xgboost_subset_train_s: num(xgboostSubset, "train_s"),
    xgboost_subset_rmse: num(xgboostSubset, "test_rmse"),
    ml_xgboost_train_s: num(mlXgboostExact, "train_s"),
    ml_xgboost_rmse: num(mlXgboostExact, "test_rmse"),
    ml_xgboost_hist_train_s: num(mlXgboost, "train_s"),
    ml_xgboost_hist_rmse: num(mlXgboost, "test_rmse"),
    ml_xgboost_hist_speedup: ratio(num(mlXgboost, "train_s"), num(sunlineSubset, "train_s"), 2),
    rows_1m_train_s: num(run1m && run1m.ok ? run1m.result : null, "train_s"),
    sunline_peak_rss_mb: runs.sunline.length ? Math.max(...runs.sunline.map((l) => Number(l.peak_rss_mb))) : null,
    xgboost_version: "reason" in python ? null : python.version
  };
  console.log(JSON.stringify(summary));

  const verdict = (ok: boolean | null, shown: unknown): string => (ok === null ? "not measured" : `${ok ? "met" : "NOT met"} (${shown})`);
  const s = summary;
  log(`target test RMSE within 2% of XGBoost's (ratio <= ${TARGET_RMSE_RATIO}): ${verdict(s.rmse_ratio === null ? null : s.rmse_ratio <= TARGET_RMSE_RATIO, s.rmse_ratio)}`);
  log(`target train time <= ${TARGET_TIME_RATIO}x XGBoost's: ${verdict(s.time_ratio === null ? null : s.time_ratio <= TARGET_TIME_RATIO, s.time_ratio)}`);
  log(`target >= ${TARGET_ML_XGBOOST_SPEEDUP}x faster than ml-xgboost (its default method): ${verdict(s.ml_xgboost_speedup === null ? null : s.ml_xgboost_speedup >= TARGET_ML_XGBOOST_SPEEDUP, s.ml_xgboost_speedup)}; against ml-xgboost forced to hist: ${s.ml_xgboost_hist_speedup}x`);
  const ok1m = s.rows_1m_ok === null ? null : s.rows_1m_ok && s.rows_1m_peak_rss_mb !== null && s.rows_1m_peak_rss_mb < TARGET_1M_PEAK_RSS_MB;
  log(`target 1M x 30 trains under ${TARGET_1M_PEAK_RSS_MB} MB peak RSS: ${verdict(ok1m, `${s.rows_1m_ok ? "trained" : "failed"}, ${s.rows_1m_peak_rss_mb} MB`)}`);
  log(`total ${round(elapsed(benchStarted))} s; data and ml-xgboost stay in ${benchDir} (remove with: npm run bench -- gbdt --clean)`);
  // The comparators are optional, Sunline is not: no Sunline numbers is a failed bench.
  if (sunlineFailed) process.exitCode = 1;
}

if (process.argv[2] === "--child") {
  const kind = process.argv[3];
  const job = JSON.parse(process.argv[4]) as ChildJob;
  try {
    const result = kind === "sunline" ? await childSunline(job) : kind === "ml_xgboost" ? await childMlXgboost(job) : undefined;
    if (!result) throw new Error(`unknown child ${kind}`);
    console.log(JSON.stringify(result));
  } catch (error) {
    // Reported to the parent with this process's peak RSS so far (a failed 1M run still says how far
    // memory got); the stack goes to stderr.
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    console.log(JSON.stringify({error: error instanceof Error ? error.message : String(error), peak_rss_mb: peakRssMb()}));
    process.exitCode = 1;
  }
} else {
  await parent();
}
