// What a question may read: the snapshot tables and the derived views, with what their columns
// mean. The guard allows exactly these names; the model's prompt and the CLI's help print them.

export interface CatalogEntry {
  name: string;
  /** One line: what a row is, and the unit conventions that are not obvious. */
  about: string;
  /** The columns worth explaining (others are listed with their type only). */
  columns: Record<string, string>;
  /** For derived views: the SQL that builds them from the snapshot tables (materialised at start). */
  sql?: string;
}

const TS = "UTC timestamp of the start of the hour";

export const SNAPSHOT_TABLES: readonly CatalogEntry[] = [
  {name: "sites", about: "one row per PV site", columns: {site_id: "site id (use it to join)", name: "display name", timezone: "IANA zone of the site (local days)", capacity_kw: "AC capacity, kW", tilt: "degrees", azimuth: "degrees clockwise from north"}},
  {
    name: "production_hourly",
    about: "measured energy per site and hour, cleaned",
    columns: {ts: TS, energy_kwh: "energy produced in the hour, kWh (NULL when missing)", quality: "ok | filled | outlier | missing", n_samples: "raw samples behind the hour"}
  },
  {
    name: "weather_hourly",
    about: "weather per site and hour; kind 'observed' (measured/reanalysis) or 'forecast' (issued at issued_at)",
    columns: {ts: TS, kind: "observed | forecast", issued_at: "when a forecast was issued (NULL for observed)", ghi_wm2: "global horizontal irradiance, W/m²", dni_wm2: "direct normal, W/m²", dhi_wm2: "diffuse horizontal, W/m²", temp_c: "air temperature, °C", cloud_cover_pct: "cloud cover, %", wind_ms: "wind speed, m/s", precip_mm: "precipitation, mm"}
  },
  {
    name: "forecasts",
    about: "forecast issues in this snapshot: run 'evaluation' (daily issues over the evaluation month, scored) and 'live' (the newest issue; earlier snapshots' live issues are kept as vintages, issued_in names the snapshot)",
    columns: {issued_at: "issue time (UTC; site-local midnight)", ts: TS, horizon_h: "hours ahead of the issue (1–48)", forecast_kwh: "forecast energy, kWh", lower_80: "80 % interval lower bound, kWh", upper_80: "80 % upper bound", lower_95: "95 % lower", upper_95: "95 % upper", baseline_kwh: "Prophet baseline", correction_kwh: "GBDT correction", actual_kwh: "measured energy when known", clear_sky_kwh: "clear-sky energy", weather_kind: "weather the issue used: forecast | observed"}
  },
  {
    name: "forecast_contributions",
    about: "per-hour feature contributions (TreeSHAP) of the GBDT correction for recent issues, top 5 per hour",
    columns: {feature: "feature name", contribution_kwh: "its contribution to the forecast, kWh", rank: "1 = largest"}
  },
  {
    name: "forecast_accuracy",
    about: "accuracy of each model over the evaluation window (forecast weather), per site and for site_id 'fleet'",
    columns: {horizon: "'all' | '1–24 h' | '25–48 h'", model: "hybrid | prophet | persistence | smart persistence | climatology", nrmse_pct: "RMSE in % of capacity, daytime hours", nmae_pct: "MAE in % of capacity", bias_kwh: "mean error, kWh", skill_rmse: "1 − RMSE / RMSE of smart persistence", coverage80: "share of actuals inside the 80 % interval", period_start: "first hour scored", period_end: "end of the scored period"}
  },
  {
    name: "backtest_predictions",
    about: "walk-forward backtest: hourly out-of-sample forecasts issued daily at site-local midnight over the last year (window 1–12)",
    columns: {window: "backtest window (1 = oldest)", issued_at: "issue time (UTC)", ts: TS, horizon_h: "hours ahead (1–48)", forecast_kwh: "forecast, kWh", actual_kwh: "measured, kWh", lower_80: "80 % lower bound", upper_80: "80 % upper bound", persistence_kwh: "persistence reference", smart_persistence_kwh: "smart persistence reference", climatology_kwh: "climatology reference"}
  },
  {
    name: "backtest_metrics",
    about: "backtest accuracy per window (window 0 = all windows pooled), site (or 'fleet'), horizon band and model",
    columns: {window: "0 = all windows pooled", horizon: "'all' | '1–24 h' | '25–48 h'", model: "hybrid | prophet | persistence | smart persistence | climatology", nrmse_pct: "RMSE in % of capacity, daytime hours", nmae_pct: "MAE in % of capacity", rmse_kwh: "RMSE, kWh", bias_kwh: "mean error (forecast − actual), kWh", skill_rmse: "1 − RMSE / smart persistence RMSE", coverage80: "share inside the 80 % interval"}
  },
  {name: "backtest_windows", about: "one row per backtest window: its origin, training and test periods", columns: {}},
  {name: "backtest_by_hour", about: "backtest error by site-local hour of day, fleet", columns: {hour_local: "0–23", bias_pct: "mean error in % of capacity"}},
  {
    name: "anomalies",
    about: "every daytime hour judged by the anomaly detector: measured against what the observed weather allowed",
    columns: {ts: TS, actual_kwh: "measured, kWh", expected_kwh: "expected from the observed weather × the site's own recent level, kWh", forecast_kwh: "the out-of-sample forecast, kWh", residual_kwh: "actual − expected", z: "rolling z-score of the residual", is_anomaly: "flagged hour", event_id: "the event it belongs to", clear_sky_kwh: "clear-sky energy, kWh", ghi_obs: "observed GHI, W/m²", clear_ghi: "clear-sky GHI, W/m²", cloud_cover_pct: "observed cloud cover, %"}
  },
  {
    name: "anomaly_events",
    about: "anomaly events: runs of flagged hours per site",
    columns: {start_ts: "first hour (UTC)", end_ts: "end (UTC, exclusive)", hours: "hours in the event", direction: "low | high", energy_gap_kwh: "actual − expected over the event, kWh (negative = lost)", loss_share: "share of the expected energy lost", severity: "high | medium | low (high and medium are alarms)", cause: "system (the site made less than its weather allowed) | weather | unknown", max_abs_z: "largest |z|"}
  },
  {name: "anomaly_evaluation", about: "anomaly alarms scored against labelled faults (demo fleet)", columns: {}},
  {name: "fault_labels", about: "labelled faults (demo fleet: injected outages, curtailment, soiling)", columns: {fault: "outage | partial_outage | curtailment | soiling | …"}},
  {name: "drift", about: "input and error drift per site and variable: recent window against the reference", columns: {status: "ok | warning | critical"}},
  {name: "model_registry", about: "every trained model version", columns: {in_use: "the version issuing now"}},
  {name: "retraining", about: "retraining decisions per run", columns: {}},
  {name: "model_selection", about: "model-selection candidates and their backtest scores", columns: {}},
  {name: "transfer_curve", about: "accuracy against days of history for new sites", columns: {}},
  {name: "data_quality", about: "per-site data checks", columns: {check: "check name", status: "ok | warning | error", detail: "explanation"}},
  {name: "quality_events", about: "gaps, stuck runs and outliers per site", columns: {kind: "gap | stuck | outlier | …"}},
  {name: "rejects", about: "input lines rejected at ingest, with the reason and the raw text", columns: {}}
];

/**
 * Views built once when the engine opens a snapshot. Days are site-local (a site's day runs from
 * its local midnight), which is how analysts talk about "May 12 at Seville".
 */
export const DERIVED_VIEWS: readonly CatalogEntry[] = [
  {
    name: "production_daily",
    about: "measured energy per site and site-local day",
    columns: {day: "site-local date", energy_kwh: "energy produced that day, kWh", hours: "hours with a measured value", missing_hours: "hours without"},
    sql: `SELECT p.site_id, CAST(timezone(s.timezone, p.ts::TIMESTAMPTZ) AS DATE) AS day,
            sum(p.energy_kwh) AS energy_kwh, count(p.energy_kwh)::INTEGER AS hours,
            (count(*) - count(p.energy_kwh))::INTEGER AS missing_hours
          FROM production_hourly p JOIN sites s USING (site_id)
          GROUP BY ALL`
  },
  {
    name: "day_ahead",
    about:
      "the day-ahead forecast of every hour against the measured energy: for each site-local day, the issue made at the site's local midnight the day before (hours 25–48 ahead), out of sample; from the evaluation run where it has the day, else the walk-forward backtest",
    columns: {day: "site-local date of the hour", ts: TS, issued_at: "issue time (UTC)", forecast_kwh: "forecast, kWh", actual_kwh: "measured, kWh (NULL when missing)", lower_80: "80 % lower bound", upper_80: "80 % upper bound", source: "evaluation | backtest"},
    sql: `WITH issues AS (
            SELECT site_id, issued_at, ts, forecast_kwh, actual_kwh, lower_80, upper_80, 'evaluation' AS source, 100 AS pref
            FROM forecasts WHERE run = 'evaluation'
            UNION ALL
            SELECT site_id, issued_at, ts, forecast_kwh, actual_kwh, lower_80, upper_80, 'backtest', "window"
            FROM backtest_predictions WHERE model = 'hybrid'
          ), local AS (
            SELECT i.*, CAST(timezone(s.timezone, i.ts::TIMESTAMPTZ) AS DATE) AS day,
                   CAST(timezone(s.timezone, i.issued_at::TIMESTAMPTZ) AS DATE) AS issue_day
            FROM issues i JOIN sites s USING (site_id)
          )
          SELECT site_id, day, ts, issued_at, forecast_kwh, actual_kwh, lower_80, upper_80, source
          FROM local WHERE day = issue_day + 1
          QUALIFY row_number() OVER (PARTITION BY site_id, ts ORDER BY pref DESC, issued_at DESC) = 1`
  }
];

export const CATALOG: readonly CatalogEntry[] = [...SNAPSHOT_TABLES, ...DERIVED_VIEWS];
