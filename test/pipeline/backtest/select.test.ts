// Model selection on the small seeded fleet: each candidate refitted and scored by the backtest on
// the most recent windows, the best one chosen coordinate by coordinate, and the chosen settings
// applied by runs under the config's own.
import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {readSelection, saveSelection, selectModel, type Selection} from "../../../pipeline/backtest/index.ts";
import {withSelection} from "../../../pipeline/backtest/select.ts";
import {withConnection} from "../../../pipeline/db.ts";
import {config, fleetTables} from "./fleet.ts";

let selection: Selection;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "sunline-select-"));
  selection = await withConnection(async (conn) => {
    await fleetTables(conn);
    return selectModel(conn, {
      config, snapshotId: "s", windows: 1, now: new Date("2024-07-10T00:00:00Z"), log: () => {},
      prophetGrid: [{label: "defaults", params: {}}, {label: "multiplicative", params: {seasonalityMode: "multiplicative"}}],
      gbdtGrid: [{label: "depth 2", params: {maxDepth: 2}}, {label: "stumps", params: {maxDepth: 1}}]
    });
  });
}, 180_000);

afterAll(() => rm(dataDir, {recursive: true, force: true}));

describe("selectModel", () => {
  it("scores every candidate on the same window and hours", () => {
    expect(selection.candidates.map((c) => `${c.stage} ${c.label}`)).toEqual(["prophet defaults", "prophet multiplicative", "gbdt depth 2", "gbdt stumps"]);
    expect(new Set(selection.candidates.map((c) => c.n)).size).toBe(1);
    expect(selection.candidates[0].n).toBeGreaterThan(100);
    for (const c of selection.candidates) expect(c.nrmse_pct).toBeGreaterThan(0);
    // Different settings give different scores (the grid is not scoring one model five times).
    expect(new Set(selection.candidates.map((c) => c.nrmse_pct.toFixed(6))).size).toBe(4);
  });

  it("chooses the lowest RMSE, one coordinate at a time, and keeps the config's own settings", () => {
    const chosen = selection.candidates.filter((c) => c.chosen);
    expect(chosen).toHaveLength(1);
    const bestProphet = selection.candidates.filter((c) => c.stage === "prophet").reduce((a, b) => (b.nrmse_pct < a.nrmse_pct ? b : a));
    // The GBDT round starts from the best Prophet with the default GBDT, which may itself win.
    const gbdtRound = [bestProphet, ...selection.candidates.filter((c) => c.stage === "gbdt")];
    expect(chosen[0]).toBe(gbdtRound.reduce((a, b) => (b.nrmse_pct < a.nrmse_pct ? b : a)));
    for (const c of selection.candidates.filter((x) => x.stage === "gbdt")) expect(c.prophet).toEqual(bestProphet.prophet);
    expect(selection.chosen).toEqual({prophet: chosen[0].prophet, gbdt: chosen[0].gbdt});
  });

  it("is saved to the registry folder and applied under the config's settings", async () => {
    await saveSelection(dataDir, selection);
    expect(await readSelection(dataDir)).toEqual(selection);
    const forced = {...selection, chosen: {prophet: {seasonalityMode: "multiplicative", nChangepoints: 5}, gbdt: {maxDepth: 2}}};
    const applied = withSelection({...config.forecast, prophet: {nChangepoints: 0}}, forced);
    expect(applied.prophet).toEqual({seasonalityMode: "multiplicative", nChangepoints: 0});
    expect(applied.gbdt).toEqual({maxDepth: 2, ...config.forecast.gbdt});
    expect(withSelection(config.forecast, null)).toBe(config.forecast);
  });
});
