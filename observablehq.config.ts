// Observable Framework config. The pipeline runs in build-time loaders (src/data → loaders/).
import {partitionRoutes} from "./scripts/partitions.ts";

export default {
  title: "Sunline",
  root: "src",
  pages: [
    {name: "Fleet overview", path: "/"},
    {name: "Forecast", path: "/forecast"},
    {name: "Backtest", path: "/backtest"},
    {name: "Anomalies", path: "/anomalies"},
    {name: "Ask", path: "/ask"},
    {name: "Data quality", path: "/data-quality"},
    {name: "About the data", path: "/about-data"},
    {name: "Weather", path: "/weather"},
    {name: "Import a file", path: "/import"},
    {name: "About this build", path: "/about-build"}
  ],
  // System fonts: the default theme links Google Fonts, an outside request an offline host can't make.
  globalStylesheets: [],
  style: "style.css",
  // DuckDB-WASM extensions come from DuckDB's own server, which a registry-only build can't reach;
  // pages read Parquet through FileAttachment(...).parquet() (Arrow) instead.
  duckdb: {extensions: {json: null, parquet: null}},
  head: '<link rel="icon" href="data:,">',
  footer: "Sunline — open-source solar production forecasting.",
  search: false,
  cleanUrls: true,
  // The snapshot's per-site, per-year partitions (scripts/partitions.ts), built as plain files under
  // /data/parts/ so that pages can fetch just the site and years they show.
  async *dynamicPaths() {
    yield* await partitionRoutes();
  }
};
