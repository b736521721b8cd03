#!/usr/bin/env node
// The `sunline` command: registers tsx so the TypeScript library and user configs load, then runs the CLI.
import {register} from "tsx/esm/api";

register();
await import("../pipeline/cli.ts");
