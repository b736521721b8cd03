// Naive local stamps → UTC, with daylight-saving time done the way loggers write it:
// - a wall-clock time that happens twice (clocks go back) is the earlier instant the first time it
//   appears in the file and the later instant the second time;
// - a wall-clock time that never happens (clocks jump forward) is no instant at all: a reject.
// The zone's offsets are worked out once per distinct local hour, not per row: each hour's two
// candidate instants use the offset 12 h before and 12 h after it, and a candidate counts only if it
// converts back to the same wall-clock hour. (Exact for zones whose clocks change on the hour, which
// is all of today's zones except Lord Howe Island's half-hour shift.)
import type {DuckDBConnection} from "@duckdb/node-api";
import {sqlString} from "../db.ts";

/** A UTC offset (or Z) right after a time of day: such a stamp is absolute and the zone setting does not apply. */
export const OFFSET_STAMP_PATTERN = String.raw`\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$`;

/**
 * Reads `parsed_rows` (line, ts_abs: UTC TIMESTAMP of stamps with an offset, ts_local: naive
 * TIMESTAMP, …) and writes `typed_rows` with `ts` (UTC), `dst_repeated` and `dst_missing` added.
 */
export async function resolveLocalTimes(conn: DuckDBConnection, zone: string): Promise<void> {
  const z = sqlString(zone);
  const offsetAt = (instant: string) => `date_diff('second', CAST(${instant} AS TIMESTAMP), timezone(${z}, ${instant}))`;
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE local_hours AS
    SELECT hour_local, off_a, off_b,
      timezone(${z}, CAST(hour_local - to_seconds(off_a) AS TIMESTAMPTZ)) = hour_local AS ok_a,
      timezone(${z}, CAST(hour_local - to_seconds(off_b) AS TIMESTAMPTZ)) = hour_local AS ok_b
    FROM (
      SELECT hour_local, ${offsetAt("u0 - INTERVAL 12 HOUR")} AS off_a, ${offsetAt("u0 + INTERVAL 12 HOUR")} AS off_b
      FROM (SELECT hour_local, timezone(${z}, hour_local) AS u0
            FROM (SELECT DISTINCT date_trunc('hour', ts_local) AS hour_local FROM parsed_rows WHERE ts_local IS NOT NULL)));

    -- Only rows in a repeated hour need their order of appearance.
    CREATE OR REPLACE TEMP TABLE repeated_rank AS
    SELECT p.line, row_number() OVER (PARTITION BY p.ts_local ORDER BY p.line) AS k
    FROM parsed_rows p JOIN local_hours h ON h.hour_local = date_trunc('hour', p.ts_local)
    WHERE h.ok_a AND h.ok_b AND h.off_a <> h.off_b;

    -- A view: read twice (counts, then the accepted rows), it costs two joins instead of a copy of every row.
    CREATE OR REPLACE TEMP VIEW typed_rows AS
    SELECT p.* EXCLUDE (ts_abs, ts_local),
      CASE WHEN p.ts_abs IS NOT NULL THEN p.ts_abs
           WHEN p.ts_local IS NULL OR NOT (h.ok_a OR h.ok_b) THEN NULL
           -- The larger offset is the earlier instant (daylight time, east or west, north or south).
           WHEN h.ok_a AND h.ok_b AND h.off_a <> h.off_b
             THEN p.ts_local - to_seconds(CASE WHEN r.k = 1 THEN greatest(h.off_a, h.off_b) ELSE least(h.off_a, h.off_b) END)
           WHEN h.ok_a THEN p.ts_local - to_seconds(h.off_a)
           ELSE p.ts_local - to_seconds(h.off_b) END AS ts,
      coalesce(h.ok_a AND h.ok_b AND h.off_a <> h.off_b, false) AS dst_repeated,
      coalesce(p.ts_local IS NOT NULL AND NOT (h.ok_a OR h.ok_b), false) AS dst_missing
    FROM parsed_rows p
    LEFT JOIN local_hours h ON h.hour_local = date_trunc('hour', p.ts_local)
    LEFT JOIN repeated_rank r USING (line);
  `);
}
