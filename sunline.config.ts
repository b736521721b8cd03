// The built-in demo project: 8 generated PV sites on 4 continents, two years of 15-minute data.
// Copy this file to start your own (see README: "Your own sites and data").
import {defineConfig} from "./pipeline/config.ts";

export default defineConfig({
  name: "Sunline demo fleet",
  demo: {seed: 20240701, start: "2024-07-01T00:00:00Z", end: "2026-07-01T00:00:00Z"},
  weather: {provider: "demo"}
});
