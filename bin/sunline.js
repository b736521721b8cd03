#!/usr/bin/env node
// The `sunline` command: registers tsx (ESM and CommonJS hooks, so TypeScript configs load from any
// folder, with or without a package.json) and runs the CLI.
import {register as registerCjs} from "tsx/cjs/api";
import {register as registerEsm} from "tsx/esm/api";

registerEsm();
registerCjs();
await import("../pipeline/cli.ts");
