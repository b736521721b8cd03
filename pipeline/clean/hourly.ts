// Cleaning: samples → production_hourly (UTC interval start, kWh, n_samples, quality),
// with every decision counted per site in `clean_counts` for data_quality.
import type {DuckDBConnection} from "@duckdb/node-api";
import type {SiteConfig, SunlineConfig} from "../config.ts";
import {queryRows} from "../db.ts";

/** Lines per source used to find its sampling interval. */
const INTERVAL_SAMPLE_LINES = 50_000;

export async function buildProductionHourly(conn: DuckDBConnection, sites: readonly SiteConfig[], clean: SunlineConfig["clean"]): Promise<void> {
  await conn.run("CREATE OR REPLACE TEMP TABLE site_caps (site_id VARCHAR, capacity_kw DOUBLE)");
  for (const site of sites) await conn.run("INSERT INTO site_caps VALUES ($id, $cap)", {id: site.id, cap: site.capacity_kw});

  // Nothing below relies on row order (every window and output orders explicitly), and not keeping
  // insertion order lets DuckDB materialise big intermediate tables in far less memory.
  await conn.run("SET preserve_insertion_order = false");
  await conn.run(`
    CREATE OR REPLACE TABLE clean_counts (site_id VARCHAR, "check" VARCHAR, value DOUBLE, detail VARCHAR);

    -- Sampling interval per site and source: the most common step between successive stamps,
    -- taken over each source's first ${INTERVAL_SAMPLE_LINES} lines so that big files need no full sort here.
    CREATE OR REPLACE TEMP TABLE intervals AS
    SELECT site_id, source, mode(step_min) AS interval_min FROM (
      SELECT site_id, source, date_diff('second', lag(ts) OVER (PARTITION BY site_id, source ORDER BY ts), ts) / 60.0 AS step_min
      FROM (SELECT s.* FROM samples s JOIN (SELECT site_id, source, min(line) AS first_line FROM samples GROUP BY ALL) f USING (site_id, source)
            WHERE s.line < f.first_line + ${INTERVAL_SAMPLE_LINES}))
    WHERE step_min > 0 GROUP BY ALL;

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
    CREATE OR REPLACE TEMP VIEW samples_kw AS
    SELECT s.site_id, s.source, s.file_order, s.line, s.value,
      CASE WHEN s.stamp = 'end' THEN s.ts - to_minutes(CAST(i.interval_min AS BIGINT)) ELSE s.ts END AS ts,
      i.interval_min,
      CASE WHEN s.kind = 'counter' THEN c.step_kwh / (i.interval_min / 60)
           ELSE CASE s.unit WHEN 'W' THEN s.value / 1000 WHEN 'kW' THEN s.value WHEN 'MW' THEN s.value * 1000
                  WHEN 'Wh' THEN s.value / 1000 / (i.interval_min / 60) WHEN 'kWh' THEN s.value / (i.interval_min / 60) END END AS power_kw
    FROM samples s JOIN intervals i USING (site_id, source)
    LEFT JOIN counter_steps c USING (site_id, source, line)
    -- A counter's first reading has nothing to difference against.
    WHERE NOT (s.kind = 'counter' AND c.step_kwh IS NULL);

  `);

  // One ordered pass per site gives everything that needs neighbours: duplicates (same instant as
  // the row before; with ties broken by file name and line, the first row in file order wins) and
  // repeated values for stuck-logger runs. Exact repeats and conflicting values are counted apart,
  // because the second means the logger disagrees with itself.
  // How: per site, a parallel ORDER BY into a table, then windows over that table in its stored
  // order (OVER (), which DuckDB streams). For 21M rows of one site that is 6 s, against 20 s for
  // the same windows with ORDER BY inside them. Insertion order must be kept for this step only.
  await conn.run(`CREATE OR REPLACE TEMP TABLE ordered (site_id VARCHAR, ts TIMESTAMP, interval_min DOUBLE, power_kw DOUBLE,
    dup BOOLEAN, same_as_prev BOOLEAN, prev_ts TIMESTAMP, rn BIGINT)`);
  await conn.run("SET preserve_insertion_order = true");
  for (const site of sites) {
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE site_sorted AS
       SELECT ts, file_order, line, interval_min, power_kw FROM samples_kw WHERE site_id = $site
       -- file_order: files in name order as a small integer, much cheaper to sort on than the name.
       ORDER BY ts, file_order, line`,
      {site: site.id}
    );
    // The stored order is what the windows below rely on: check it rather than trust it.
    const [check] = await queryRows<{out_of_order: number}>(
      conn,
      `SELECT count(*) AS out_of_order FROM (
         SELECT ts, file_order, line, lag(ts) OVER () AS p_ts, lag(file_order) OVER () AS p_fo, lag(line) OVER () AS p_line FROM site_sorted)
       WHERE ts < p_ts OR (ts = p_ts AND (file_order < p_fo OR (file_order = p_fo AND line < p_line)))`
    );
    if (check.out_of_order > 0) throw new Error(`internal: sorted samples of ${site.id} read back out of order (${check.out_of_order} rows)`);
    await conn.run(
      `INSERT INTO ordered
       SELECT $site, ts, interval_min, power_kw,
         ts = lag(ts) OVER () AS dup,
         power_kw = lag(power_kw) OVER () AS same_as_prev,
         lag(ts) OVER () AS prev_ts,
         row_number() OVER () AS rn
       FROM site_sorted`,
      {site: site.id}
    );
  }
  await conn.run("DROP TABLE IF EXISTS site_sorted; SET preserve_insertion_order = false");
  await conn.run(`
    INSERT INTO clean_counts SELECT site_id, 'duplicate_rows', count(*) FILTER (WHERE dup AND same_as_prev), NULL FROM ordered GROUP BY site_id;
    INSERT INTO clean_counts SELECT site_id, 'conflicting_duplicates', count(*) FILTER (WHERE dup AND NOT same_as_prev), NULL FROM ordered GROUP BY site_id;

    CREATE OR REPLACE TEMP VIEW flagged AS
    SELECT o.site_id, o.ts, o.interval_min, o.power_kw AS raw_kw,
      o.power_kw < 0 AS negative,
      o.power_kw > ${clean.max_capacity_factor} * c.capacity_kw AS outlier,
      greatest(o.power_kw, 0) AS power_kw
    FROM ordered o JOIN site_caps c USING (site_id) WHERE NOT coalesce(o.dup, false);
    INSERT INTO clean_counts SELECT site_id, 'negative_values_zeroed', count(*) FILTER (WHERE negative), NULL FROM flagged GROUP BY site_id;
    INSERT INTO clean_counts SELECT site_id, 'outlier_samples', count(*) FILTER (WHERE outlier),
      'samples above ${clean.max_capacity_factor} x capacity, left out of hourly sums' FROM flagged GROUP BY site_id;

    -- Stuck logger: the same non-zero value repeated. Only the repeats are grouped (row number minus
    -- rank among repeats is constant along a run), so this sorts a handful of rows, not all of them.
    CREATE OR REPLACE TEMP TABLE runs AS
    SELECT site_id, count(*) + 1 AS n, min(prev_ts) AS start_ts, max(ts) AS end_ts, any_value(power_kw) AS kw
    FROM (SELECT *, rn - row_number() OVER (PARTITION BY site_id ORDER BY rn) AS grp
          FROM ordered WHERE same_as_prev AND NOT dup AND power_kw > 0)
    GROUP BY site_id, grp HAVING count(*) + 1 >= ${clean.stuck_min_samples};
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
    CREATE OR REPLACE TEMP TABLE hourly_grid AS
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

    -- Short gaps (at most max_gap_h missing hours between two hours with data) are interpolated
    -- linearly and flagged 'filled'; longer gaps stay missing.
    CREATE OR REPLACE TEMP TABLE gap_bounds AS
    SELECT *,
      last_value(CASE WHEN energy_kwh IS NOT NULL THEN ts END IGNORE NULLS) OVER w_before AS prev_ts,
      last_value(energy_kwh IGNORE NULLS) OVER w_before AS prev_kwh,
      first_value(CASE WHEN energy_kwh IS NOT NULL THEN ts END IGNORE NULLS) OVER w_after AS next_ts,
      first_value(energy_kwh IGNORE NULLS) OVER w_after AS next_kwh
    FROM hourly_grid
    WINDOW w_before AS (PARTITION BY site_id ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
           w_after AS (PARTITION BY site_id ORDER BY ts ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING);
    CREATE OR REPLACE TEMP TABLE hourly_filled AS
    SELECT site_id, ts, n_samples,
      CASE WHEN interpolate THEN round(prev_kwh + (next_kwh - prev_kwh) * date_diff('hour', prev_ts, ts) / date_diff('hour', prev_ts, next_ts), 6)
           ELSE energy_kwh END AS energy_kwh,
      CASE WHEN interpolate THEN 'filled' ELSE quality END AS quality,
      interpolate AS interpolated
    FROM (SELECT *, energy_kwh IS NULL AND prev_ts IS NOT NULL AND next_ts IS NOT NULL
                  AND date_diff('hour', prev_ts, next_ts) - 1 <= ${clean.max_gap_h} AS interpolate FROM gap_bounds);
    INSERT INTO clean_counts SELECT site_id, 'hours_interpolated', count(*) FILTER (WHERE interpolated),
      'missing hours in gaps of at most ${clean.max_gap_h} h, interpolated linearly (quality filled)' FROM hourly_filled GROUP BY site_id;

    -- Statistical outliers: per site, UTC hour of day and calendar month, an hour beyond
    -- ${clean.outlier_iqr_k} interquartile ranges of its peers (month keeps seasons apart; the range is at least
    -- 5% of capacity so near-constant dawn or desert-noon hours don't flag every cloud). Weather makes
    -- PV output jumpy, so these hours are listed in quality_events and counted, not altered or demoted.
    CREATE OR REPLACE TEMP TABLE hour_fences AS
    SELECT h.site_id, hour(h.ts) AS hod, month(h.ts) AS mon,
      quantile_cont(h.energy_kwh, 0.25) AS q1, quantile_cont(h.energy_kwh, 0.75) AS q3, any_value(c.capacity_kw) AS capacity_kw
    FROM hourly_filled h JOIN site_caps c USING (site_id)
    WHERE h.quality IN ('ok', 'filled') AND h.energy_kwh IS NOT NULL GROUP BY ALL;
    CREATE OR REPLACE TABLE production_hourly AS SELECT site_id, ts, energy_kwh, n_samples, quality FROM hourly_filled;
    CREATE OR REPLACE TEMP TABLE statistical_outliers AS
    SELECT h.site_id, h.ts, h.energy_kwh, f.q1, f.q3 FROM hourly_filled h
    JOIN hour_fences f ON f.site_id = h.site_id AND f.hod = hour(h.ts) AND f.mon = month(h.ts)
    WHERE h.quality IN ('ok', 'filled')
      AND abs(h.energy_kwh - (f.q1 + f.q3) / 2) > (f.q3 - f.q1) / 2 + ${clean.outlier_iqr_k} * greatest(f.q3 - f.q1, 0.05 * f.capacity_kw);
    INSERT INTO clean_counts SELECT s.site_id, 'statistical_outliers', count(o.ts),
      'hours beyond ${clean.outlier_iqr_k} x IQR of the same hour of day and month at this site (listed, kept as they are)'
      FROM site_caps s LEFT JOIN statistical_outliers o USING (site_id) GROUP BY s.site_id;

    -- Where the problems are, for the data-quality page: gaps, stuck runs, outlier hours.
    CREATE OR REPLACE TABLE quality_events AS
    SELECT site_id, 'gap' AS kind, min(ts) AS start_ts, max(ts) + INTERVAL 1 HOUR AS end_ts, count(*) AS hours,
      CASE WHEN bool_and(interpolated) THEN 'interpolated' ELSE 'left missing' END AS detail
    FROM (SELECT *, sum(CASE WHEN gap_hour THEN 0 ELSE 1 END) OVER (PARTITION BY site_id ORDER BY ts) AS grp
          FROM (SELECT *, (quality = 'missing' OR interpolated) AS gap_hour FROM hourly_filled))
    WHERE gap_hour GROUP BY site_id, grp
    UNION ALL
    SELECT site_id, 'stuck', start_ts, end_ts + to_minutes(15), NULL, n || ' readings of ' || round(kw, 3) || ' kW' FROM runs
    UNION ALL
    SELECT site_id, 'outlier', ts, ts + INTERVAL 1 HOUR, 1, 'reading above ${clean.max_capacity_factor} x capacity left out'
    FROM production_hourly WHERE quality = 'outlier'
    UNION ALL
    SELECT site_id, 'unusual', ts, ts + INTERVAL 1 HOUR, 1,
      round(energy_kwh, 2) || ' kWh; this hour of day and month is usually ' || round(q1, 2) || ' to ' || round(q3, 2) || ' kWh'
    FROM statistical_outliers;

    INSERT INTO clean_counts
    SELECT site_id, 'sample_interval_min', min(interval_min), NULL FROM intervals GROUP BY site_id;
    INSERT INTO clean_counts
    SELECT site_id, 'hours_' || quality, count(*), NULL FROM production_hourly GROUP BY ALL;
  `);
  // Ingest (the fast path's line numbers) relies on insertion order: restore it for later callers.
  await conn.run("RESET preserve_insertion_order");
}
