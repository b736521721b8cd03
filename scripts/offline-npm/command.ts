/**
 * How to run the Framework CLI with the offline npm interceptor (register.ts) loaded, for
 * scripts/build.ts and friends:
 *
 *   const {command, args, env} = observableCommand(["build"]);
 *   spawn(command, args, {cwd: root, env, stdio: "inherit"});
 *
 * → `node --import <tsx loader> --import <register.ts> <framework>/dist/bin/observable.js build`
 *   with `ESBUILD_WORKER_THREADS=0` and `OBSERVABLE_TELEMETRY_DISABLE=true`.
 *
 * Flags rather than NODE_OPTIONS, so data loaders Framework spawns do not each load tsx and the
 * interceptor. ESBUILD_WORKER_THREADS=0: with tsx 4.23 + esbuild 0.28, a process that loads a
 * `.ts` file through `--import` while tsx's transform cache is cold can deadlock (main thread
 * parked in Atomics.wait on esbuild's worker; `observable build` hangs forever with no output).
 * esbuild reads the variable when tsx first loads it, so it must be in the environment of the
 * spawned process — register.ts cannot set it for itself.
 */

import {fileURLToPath} from "node:url";

export interface ObservableCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export function observableCommand(cliArgs: string[], baseEnv: NodeJS.ProcessEnv = process.env): ObservableCommand {
  const tsx = import.meta.resolve("tsx");
  const register = new URL("./register.ts", import.meta.url).href;
  const cli = fileURLToPath(import.meta.resolve("@observablehq/framework/dist/bin/observable.js"));
  return {
    command: process.execPath,
    args: ["--import", tsx, "--import", register, cli, ...cliArgs],
    env: {...baseEnv, ESBUILD_WORKER_THREADS: "0", OBSERVABLE_TELEMETRY_DISABLE: "true"}
  };
}
