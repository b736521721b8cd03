// data_quality: one row per site and check (site NULL: files of several sites), with a status a person can scan (ok / info / warn / fail).
import type {DuckDBConnection} from "@duckdb/node-api";

/** Coverage at or above these percentages is ok / warn; below is fail. */
export const COVERAGE_OK_PCT = 95;
export const COVERAGE_WARN_PCT = 80;

export async function buildDataQuality(conn: DuckDBConnection): Promise<void> {
  await conn.run(`
    CREATE OR REPLACE TABLE data_quality AS
    WITH site_ids AS (SELECT site_id FROM sites),
    ingest AS (
      SELECT site_id, "check", sum(value) AS value FROM ingest_counts GROUP BY ALL
      UNION ALL SELECT s.site_id, 'rejected_lines', count(r.line) FROM site_ids s LEFT JOIN rejects r USING (site_id) GROUP BY s.site_id
    ),
    coverage AS (
      SELECT s.site_id, 'coverage_pct' AS "check",
        round(100.0 * count(p.ts) FILTER (WHERE p.quality <> 'missing') / nullif(count(p.ts), 0), 2) AS value,
        CASE WHEN count(p.ts) = 0 THEN 'no production rows for this site'
             ELSE 'hours with data, ' || strftime(min(p.ts), '%Y-%m-%d') || ' to ' || strftime(max(p.ts), '%Y-%m-%d') || ' UTC' END AS detail
      FROM site_ids s LEFT JOIN production_hourly p USING (site_id) GROUP BY s.site_id
    ),
    all_checks AS (
      SELECT site_id, "check", value, NULL AS detail FROM ingest
      UNION ALL SELECT site_id, "check", value, detail FROM clean_counts
      UNION ALL SELECT site_id, "check", coalesce(value, 0), detail FROM coverage
    )
    -- Counts of files with several sites (blank, comment, preamble lines) belong to no one site: they
    -- are kept with site_id NULL rather than dropped.
    SELECT nullif(site_id, '') AS site_id, "check", value,
      CASE
        WHEN "check" = 'coverage_pct' THEN CASE WHEN value >= ${COVERAGE_OK_PCT} THEN 'ok' WHEN value >= ${COVERAGE_WARN_PCT} THEN 'warn' ELSE 'fail' END
        WHEN "check" IN ('rejected_lines', 'conflicting_duplicates', 'outlier_samples', 'stuck_runs', 'hours_missing', 'hours_outlier')
          THEN CASE WHEN value > 0 THEN 'warn' ELSE 'ok' END
        ELSE 'info' END AS status,
      coalesce(detail, CASE "check"
        WHEN 'rows_read' THEN 'data rows read from the source files'
        WHEN 'rejected_lines' THEN 'lines kept in the rejects table with the reason'
        WHEN 'blank_lines' THEN 'empty lines skipped'
        WHEN 'comment_lines' THEN 'comment lines skipped'
        WHEN 'preamble_lines' THEN 'lines above the header (export preamble) skipped'
        WHEN 'read_as_latin1' THEN 'files that were not UTF-8, read as Latin-1'
        WHEN 'dst_repeated_hour_rows' THEN 'rows in a repeated fall-back hour: first pass is daylight time, second standard time'
        WHEN 'duplicate_rows' THEN 'repeated rows (same instant, same value) dropped'
        WHEN 'conflicting_duplicates' THEN 'same instant with a different value: first row in file order kept'
        WHEN 'negative_values_zeroed' THEN 'negative power readings (night self-consumption) set to 0'
        WHEN 'sample_interval_min' THEN 'most common step between readings, minutes'
        WHEN 'hours_ok' THEN 'hours with every expected reading'
        WHEN 'hours_filled' THEN 'hours with some readings missing, scaled from the readings present'
        WHEN 'hours_outlier' THEN 'hours with a reading left out as an outlier'
        WHEN 'hours_missing' THEN 'hours with no reading at all'
        END) || CASE WHEN coalesce(site_id, '') = '' THEN ' (whole files that hold several sites)' ELSE '' END AS detail
    FROM all_checks;
  `);
}
