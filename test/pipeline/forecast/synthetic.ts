// Seeded synthetic forecast errors shaped like PV: every row is one (issue, target hour) pair with
// a clear-sky energy from a sun curve, a predicted clear-sky index, a horizon of 1–48 h, and an
// error whose spread grows with the sun (∝ clear sky), peaks at broken cloud (k̂ near 0.5),
// grows with the horizon, and is skewed (a clear forecast fails downwards). Rows are independent,
// so split conformal's exchangeability holds exactly.
import {createRng} from "../../../pipeline/demo/random.ts";

export interface SyntheticRows {
  actual: Float64Array;
  predicted: Float64Array;
  clearSky: Float64Array;
  horizonH: Float64Array;
  capacity: number;
}

export function heteroscedasticRows(seed: number, n: number, capacity = 100): SyntheticRows {
  const rng = createRng(seed, "forecast-intervals");
  const actual = new Float64Array(n);
  const predicted = new Float64Array(n);
  const clearSky = new Float64Array(n);
  const horizonH = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hour = rng.int(4, 19); // mostly daytime, with some night hours
    const season = 0.75 + 0.25 * Math.cos((2 * Math.PI * rng.int(0, 364)) / 365);
    const cs = capacity * 0.9 * season * Math.max(0, Math.sin((Math.PI * (hour + 0.5 - 6)) / 12));
    const kHat = rng.uniform(0.05, 1);
    // Each horizon band (1–6, 7–24, 25–48 h) equally often, so every bucket gets thousands of rows.
    const band = rng.int(0, 2);
    const h = band === 0 ? rng.int(1, 6) : band === 1 ? rng.int(7, 24) : rng.int(25, 48);
    const sigma = (0.04 + 0.3 * 4 * kHat * (1 - kHat)) * (0.6 + (0.8 * h) / 48);
    const z = rng.normal();
    // Right-skewed under overcast forecasts, left-skewed (clouds arriving) under clear ones.
    const skewed = kHat > 0.6 ? (z < 0 ? 1.6 * z : 0.5 * z) : z > 0 ? 1.4 * z : 0.7 * z;
    const p = kHat * cs;
    clearSky[i] = cs;
    predicted[i] = p;
    horizonH[i] = h;
    actual[i] = Math.min(capacity, Math.max(0, p + sigma * skewed * cs));
  }
  return {actual, predicted, clearSky, horizonH, capacity};
}

/** Rows [from, to) of every array. */
export function sliceRows(rows: SyntheticRows, from: number, to: number): SyntheticRows {
  return {
    actual: rows.actual.subarray(from, to),
    predicted: rows.predicted.subarray(from, to),
    clearSky: rows.clearSky.subarray(from, to),
    horizonH: rows.horizonH.subarray(from, to),
    capacity: rows.capacity
  };
}
