// Stan's data (design.ts `StanData`, typed arrays) as the JSON string augurs' optimizer reads, with
// X as one array per row. Plain JS so that the Stan worker threads (stanWorker.js), which run
// without a TypeScript loader, write it themselves and the main thread does not have to.

/** @param {import("./design.ts").StanData} data @returns {string} */
export function stanDataJson(data) {
  const {T, K, X} = data;
  const rows = new Array(T);
  for (let i = 0; i < T; i++) rows[i] = Array.from(X.subarray(i * K, (i + 1) * K));
  return JSON.stringify({
    T, S: data.S, K, tau: data.tau, trend_indicator: data.trend_indicator,
    y: Array.from(data.y), t: Array.from(data.t), cap: Array.from(data.cap), t_change: Array.from(data.t_change),
    X: rows, sigmas: Array.from(data.sigmas), s_a: Array.from(data.s_a), s_m: Array.from(data.s_m)
  });
}
