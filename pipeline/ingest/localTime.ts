// Naive local stamps → UTC, with daylight-saving time done the way loggers write it:
// - a wall-clock time that happens twice (clocks go back) is the earlier instant the first time it
//   appears in the file and the later instant the second time;
// - a wall-clock time that never happens (clocks jump forward) is no instant at all: a reject.
// The zone's offsets are worked out per local day, and per hour only on days with a clock change,
// never per row: each such hour's two candidate instants use the offset 12 h before and 12 h after
// it, and a candidate counts only if it converts back to the same wall-clock hour. (Exact for zones whose clocks change on the hour, which
// is all of today's zones except Lord Howe Island's half-hour shift.)
import type {DuckDBConnection} from "@duckdb/node-api";
import {queryRows, sqlString} from "../db.ts";

/** A UTC offset (or Z) right after a time of day: such a stamp is absolute and the zone setting does not apply. */
export const OFFSET_STAMP_PATTERN = String.raw`\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$`;

/** Beyond this many days between a file's first and last local stamp, days come from the data, not a range. */
const MAX_DAY_RANGE = 50_000;

/**
 * Reads `parsed_rows` (line, ts_abs: UTC TIMESTAMP of stamps with an offset, ts_local: naive
 * TIMESTAMP, …) and writes `typed_rows` with `ts` (UTC), `dst_repeated` and `dst_missing` added.
 */
export async function resolveLocalTimes(conn: DuckDBConnection, zone: string): Promise<void> {
  const z = sqlString(zone);
  const offsetAt = (instant: string) => `date_diff('second', CAST(${instant} AS TIMESTAMP), timezone(${z}, ${instant}))`;
  const [span] = await queryRows<{days: number | null}>(
    conn,
    "SELECT date_diff('day', min(ts_local), max(ts_local)) AS days FROM parsed_rows WHERE ts_local IS NOT NULL"
  );
  // The days the file covers: a range when the stamps are plausible, else the distinct days present
  // (a garbage year 0001 among 2024 stamps must not mean 740,000 days of zone look-ups).
  const days =
    span.days === null
      ? "SELECT NULL::TIMESTAMP AS day_local WHERE false"
      : span.days <= MAX_DAY_RANGE
        ? `SELECT unnest(range(date_trunc('day', lo), hi + INTERVAL 1 DAY, INTERVAL 1 DAY)) AS day_local
           FROM (SELECT min(ts_local) AS lo, max(ts_local) AS hi FROM parsed_rows)`
        : "SELECT DISTINCT date_trunc('day', ts_local) AS day_local FROM parsed_rows WHERE ts_local IS NOT NULL";
  await conn.run(`
    -- A day whose offset is the same 12 h before it, at noon and 12 h after it has no clock change:
    -- each of its hours exists once, at that offset. Only the other days (two a year in zones with
    -- daylight time) are worked out hour by hour, which keeps zone look-ups to a few per day.
    CREATE OR REPLACE TEMP TABLE local_days AS
    SELECT day_local, o1, o1 = o2 AND o2 = o3 AS uniform FROM (
      SELECT day_local,
        ${offsetAt(`timezone(${z}, day_local) - INTERVAL 12 HOUR`)} AS o1,
        ${offsetAt(`timezone(${z}, day_local + INTERVAL 12 HOUR)`)} AS o2,
        ${offsetAt(`timezone(${z}, day_local + INTERVAL 1 DAY) + INTERVAL 12 HOUR`)} AS o3
      FROM (${days}));

    CREATE OR REPLACE TEMP TABLE local_hours AS
    SELECT hour_local, o1 AS off_a, o1 AS off_b, true AS ok_a, true AS ok_b
    FROM (SELECT unnest(range(day_local, day_local + INTERVAL 1 DAY, INTERVAL 1 HOUR)) AS hour_local, o1 FROM local_days WHERE uniform)
    UNION ALL
    SELECT hour_local, off_a, off_b,
      timezone(${z}, CAST(hour_local - to_seconds(off_a) AS TIMESTAMPTZ)) = hour_local AS ok_a,
      timezone(${z}, CAST(hour_local - to_seconds(off_b) AS TIMESTAMPTZ)) = hour_local AS ok_b
    FROM (
      SELECT hour_local, ${offsetAt("u0 - INTERVAL 12 HOUR")} AS off_a, ${offsetAt("u0 + INTERVAL 12 HOUR")} AS off_b
      FROM (SELECT hour_local, timezone(${z}, hour_local) AS u0
            FROM (SELECT unnest(range(day_local, day_local + INTERVAL 1 DAY, INTERVAL 1 HOUR)) AS hour_local FROM local_days WHERE NOT uniform)));

    -- Only rows in a repeated hour need their order of appearance.
    CREATE OR REPLACE TEMP TABLE repeated_rank AS
    SELECT p.line, row_number() OVER (PARTITION BY p.ts_local ORDER BY p.line) AS k
    FROM parsed_rows p SEMI JOIN (SELECT hour_local FROM local_hours WHERE ok_a AND ok_b AND off_a <> off_b) h
      ON h.hour_local = date_trunc('hour', p.ts_local);

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
