// First-cut cleaning: samples → production_hourly (UTC interval start, kWh, n_samples, quality),
// with every decision counted per site in `clean_counts` for data_quality.
import type {DuckDBConnection} from "@duckdb/node-api";
import type {SiteConfig, SunlineConfig} from "../config.ts";

export async function buildProductionHourly(conn: DuckDBConnection, sites: readonly SiteConfig[], clean: SunlineConfig["clean"]): Promise<void> {
  await conn.run("CREATE OR REPLACE TEMP TABLE site_caps (site_id VARCHAR, capacity_kw DOUBLE)");
  for (const site of sites) await conn.run("INSERT INTO site_caps VALUES ($id, $cap)", {id: site.id, cap: site.capacity_kw});

  await conn.run(`
    CREATE OR REPLACE TABLE clean_counts (site_id VARCHAR, "check" VARCHAR, value DOUBLE, detail VARCHAR);

    -- Sampling interval per site and source: the most common step between successive stamps.
    CREATE OR REPLACE TEMP TABLE intervals AS
    SELECT site_id, source, mode(step_min) AS interval_min FROM (
      SELECT site_id, source, date_diff('second', lag(ts) OVER (PARTITION BY site_id, source ORDER BY ts), ts) / 60.0 AS step_min
      FROM samples) WHERE step_min > 0 GROUP BY ALL;

    -- Cumulative counters become interval energy: the rise since the previous reading; a drop is a
    -- reset (daily-yield registers restart at midnight), after which the reading itself is the energy.
    CREATE OR REPLACE TEMP TABLE counter_steps AS
    SELECT site_id, source, line, kwh, prev_kwh,
      CASE WHEN prev_kwh IS NULL THEN NULL WHEN kwh >= prev_kwh THEN kwh - prev_kwh ELSE kwh END AS step_kwh
    FROM (
      SELECT site_id, source, line, ts, value * CASE unit WHEN 'Wh' THEN 0.001 ELSE 1 END AS kwh,
        lag(value * CASE unit WHEN 'Wh' THEN 0.001 ELSE 1 END) OVER (PARTITION BY site_id ORDER BY ts, source, line) AS prev_kwh
      FROM samples WHERE kind = 'counter');
    INSERT INTO clean_counts SELECT site_id, 'counter_resets', count(*) FILTER (WHERE kwh < prev_kwh),
      'cumulative energy readings that dropped: taken as a counter reset' FROM counter_steps GROUP BY site_id;

    -- Interval start, power in kW. Period-ending stamps move back one interval.
    CREATE OR REPLACE TEMP TABLE samples_kw AS
    SELECT s.site_id, s.source, s.line, s.value,
      CASE WHEN s.stamp = 'end' THEN s.ts - to_minutes(CAST(i.interval_min AS BIGINT)) ELSE s.ts END AS ts,
      i.interval_min,
      CASE WHEN s.kind = 'counter' THEN c.step_kwh / (i.interval_min / 60)
           ELSE CASE s.unit WHEN 'W' THEN s.value / 1000 WHEN 'kW' THEN s.value WHEN 'MW' THEN s.value * 1000
                  WHEN 'Wh' THEN s.value / 1000 / (i.interval_min / 60) WHEN 'kWh' THEN s.value / (i.interval_min / 60) END END AS power_kw
    FROM samples s JOIN intervals i USING (site_id, source)
    LEFT JOIN counter_steps c USING (site_id, source, line)
    -- A counter's first reading has nothing to difference against.
    WHERE NOT (s.kind = 'counter' AND c.step_kwh IS NULL);

    -- Same site and instant twice: the first row in file order wins; exact repeats and conflicting
    -- values are counted apart because the second means the logger disagrees with itself.
    CREATE OR REPLACE TEMP TABLE ranked AS
    SELECT *, row_number() OVER (PARTITION BY site_id, ts ORDER BY source, line) AS k,
           first_value(power_kw) OVER (PARTITION BY site_id, ts ORDER BY source, line) AS first_kw
    FROM samples_kw;
    INSERT INTO clean_counts SELECT site_id, 'duplicate_rows', count(*) FILTER (WHERE k > 1 AND power_kw = first_kw), NULL FROM ranked GROUP BY site_id;
    INSERT INTO clean_counts SELECT site_id, 'conflicting_duplicates', count(*) FILTER (WHERE k > 1 AND power_kw <> first_kw), NULL FROM ranked GROUP BY site_id;

    CREATE OR REPLACE TEMP TABLE flagged AS
    SELECT r.site_id, r.ts, r.interval_min, r.power_kw AS raw_kw,
      r.power_kw < 0 AS negative,
      r.power_kw > ${clean.max_capacity_factor} * c.capacity_kw AS outlier,
      greatest(r.power_kw, 0) AS power_kw
    FROM ranked r JOIN site_caps c USING (site_id) WHERE k = 1;
    INSERT INTO clean_counts SELECT site_id, 'negative_values_zeroed', count(*) FILTER (WHERE negative), NULL FROM flagged GROUP BY site_id;
    INSERT INTO clean_counts SELECT site_id, 'outlier_samples', count(*) FILTER (WHERE outlier),
      'samples above ${clean.max_capacity_factor} x capacity, left out of hourly sums' FROM flagged GROUP BY site_id;

    -- Stuck logger: the same non-zero value repeated (gaps-and-islands over successive samples).
    CREATE OR REPLACE TEMP TABLE runs AS
    SELECT site_id, grp, count(*) AS n, min(ts) AS start_ts FROM (
      SELECT site_id, ts, raw_kw,
        sum(CASE WHEN raw_kw = prev THEN 0 ELSE 1 END) OVER (PARTITION BY site_id ORDER BY ts) AS grp
      FROM (SELECT site_id, ts, raw_kw, lag(raw_kw) OVER (PARTITION BY site_id ORDER BY ts) AS prev FROM flagged))
    WHERE raw_kw > 0 GROUP BY site_id, grp HAVING count(*) >= ${clean.stuck_min_samples};
    INSERT INTO clean_counts SELECT s.site_id, 'stuck_runs', count(r.n), coalesce(sum(r.n), 0) || ' samples in runs of >= ${clean.stuck_min_samples} identical non-zero values'
      FROM site_caps s LEFT JOIN runs r USING (site_id) GROUP BY s.site_id;

    CREATE OR REPLACE TEMP TABLE hourly_agg AS
    SELECT site_id, date_trunc('hour', ts) AS ts,
      count(*) FILTER (WHERE NOT outlier) AS n,
      avg(power_kw) FILTER (WHERE NOT outlier) AS mean_kw,
      bool_or(outlier) AS any_outlier,
      round(60 / min(interval_min)) AS expected
    FROM flagged GROUP BY ALL;

    -- A complete hourly grid per site, so missing hours are rows, not silence.
    CREATE OR REPLACE TABLE production_hourly AS
    WITH bounds AS (SELECT site_id, min(ts) AS t0, max(ts) AS t1, max(expected) AS expected FROM hourly_agg GROUP BY site_id),
    grid AS (SELECT site_id, expected, unnest(generate_series(t0, t1, INTERVAL 1 HOUR)) AS ts FROM bounds)
    SELECT g.site_id, g.ts,
      -- Mean power over the samples present, times one hour: partial hours are scaled up and flagged.
      CASE WHEN coalesce(h.n, 0) = 0 THEN NULL ELSE round(h.mean_kw, 6) END AS energy_kwh,
      CAST(coalesce(h.n, 0) AS INTEGER) AS n_samples,
      CASE WHEN coalesce(h.n, 0) = 0 THEN 'missing'
           WHEN h.any_outlier THEN 'outlier'
           WHEN h.n < g.expected THEN 'filled'
           ELSE 'ok' END AS quality
    FROM grid g LEFT JOIN hourly_agg h USING (site_id, ts);

    INSERT INTO clean_counts
    SELECT site_id, 'sample_interval_min', min(interval_min), NULL FROM intervals GROUP BY site_id;
    INSERT INTO clean_counts
    SELECT site_id, 'hours_' || quality, count(*), NULL FROM production_hourly GROUP BY ALL;
  `);
}
