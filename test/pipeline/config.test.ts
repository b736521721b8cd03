import {mkdtemp, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {loadConfig, parseConfig} from "../../pipeline/config.ts";
import {SunlineError} from "../../pipeline/messages.ts";

const site = {id: "a", name: "A", lat: 10, lon: 20, timezone: "Europe/Berlin", capacity_kw: 5, tilt: 20, azimuth: 180};

describe("parseConfig", () => {
  it("fills defaults for a minimal config", () => {
    const {config} = parseConfig({sites: [site]});
    expect(config.anomaly.threshold).toBe(2.5);
    expect(config.clean.max_capacity_factor).toBe(1.2);
    expect(config.weather.provider).toBe("demo");
  });

  it("names the field path, the bad value and what is expected", () => {
    const bad = {sites: [{...site, capacity_kw: -3, timezone: "Mars/Olympus"}]};
    let message = "";
    try {
      parseConfig(bad, "my.config.ts");
    } catch (error) {
      expect(error).toBeInstanceOf(SunlineError);
      message = (error as Error).message;
    }
    expect(message).toContain("invalid config my.config.ts");
    expect(message).toMatch(/sites\[0\]\.capacity_kw: .*; got -3/);
    expect(message).toMatch(/sites\[0\]\.timezone: expected an IANA time zone .*; got "Mars\/Olympus"/);
  });

  it("rejects duplicate site ids and sources for unknown sites", () => {
    expect(() =>
      parseConfig({
        sites: [site, site],
        production: [{path: "x.csv", site_id: "zz", timestamp: {column: "t"}, value: {column: "p", unit: "W"}}]
      })
    ).toThrow(/site id "a" is declared more than once[\s\S]*unknown site "zz"/);
  });

  it("rejects an unknown unit with the allowed values", () => {
    expect(() => parseConfig({sites: [site], production: [{path: "x.csv", site_id: "a", timestamp: {column: "t"}, value: {column: "p", unit: "GW"}}]})).toThrow(
      /production\[0\]\.value\.unit: .*"W".*"kWh".*; got "GW"/
    );
  });
});

describe("loadConfig", () => {
  it("loads a TypeScript config file and resolves paths against its folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sunline-config-"));
    const file = join(dir, "my.config.ts");
    await writeFile(file, `export default {name: "mine", sites: [${JSON.stringify(site)}]};\n`);
    const loaded = await loadConfig(file);
    expect(loaded.config.name).toBe("mine");
    expect(loaded.baseDir).toBe(dir);
  });

  it("says which file is missing", async () => {
    await expect(loadConfig("/nonexistent/sunline.config.ts")).rejects.toThrow("config file not found: /nonexistent/sunline.config.ts");
  });
});

describe("parseConfig: duckdb resources", () => {
  it("takes a memory limit with a unit and refuses one without", () => {
    expect(parseConfig({sites: [site], duckdb: {memory_limit: "2GB"}}).config.duckdb.memory_limit).toBe("2GB");
    expect(() => parseConfig({sites: [site], duckdb: {memory_limit: "lots"}})).toThrow(/duckdb\.memory_limit: expected a size such as "2GB"; got "lots"/);
  });
});
