import {defineConfig} from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Pinned timezone: nothing in the pipeline may depend on the machine's zone.
    env: {TZ: "UTC", OBSERVABLE_TELEMETRY_DISABLE: "true"},
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: "forks"
  }
});
