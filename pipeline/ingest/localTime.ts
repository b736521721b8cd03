// Naive local stamps → UTC, with daylight-saving time done the way loggers write it:
// - a wall-clock time that happens twice (clocks go back) is the earlier instant the first time it
//   appears in the file and the later instant the second time;
// - a wall-clock time that never happens (clocks jump forward) is no instant at all: a reject.
// Each stamp's two candidate instants use the zone's offset 12 h before and 12 h after it; a
// candidate counts only if it converts back to the same wall-clock time.
import {sqlString} from "../db.ts";

export interface LocalTimeSql {
  /** Columns to add over a relation holding `ts_local` (naive TIMESTAMP) and `line`. */
  candidates: string;
  /** The resolved UTC TIMESTAMP (NULL when the local time does not exist). */
  resolved: string;
  ambiguous: string;
  nonexistent: string;
}

export function localTimeSql(zone: string): LocalTimeSql {
  const z = sqlString(zone);
  const offsetAt = (instant: string) => `date_diff('second', CAST(${instant} AS TIMESTAMP), timezone(${z}, ${instant}))`;
  const u0 = `timezone(${z}, ts_local)`;
  const a = `ts_local - to_seconds(${offsetAt(`${u0} - INTERVAL 12 HOUR`)})`;
  const b = `ts_local - to_seconds(${offsetAt(`${u0} + INTERVAL 12 HOUR`)})`;
  return {
    candidates: `${a} AS cand_a, ${b} AS cand_b,
      timezone(${z}, CAST(cand_a AS TIMESTAMPTZ)) = ts_local AS ok_a,
      timezone(${z}, CAST(cand_b AS TIMESTAMPTZ)) = ts_local AS ok_b`,
    ambiguous: `(ok_a AND ok_b AND cand_a <> cand_b)`,
    nonexistent: `(ts_local IS NOT NULL AND NOT ok_a AND NOT ok_b)`,
    resolved: `CASE
      WHEN ts_local IS NULL OR (NOT ok_a AND NOT ok_b) THEN NULL
      WHEN ok_a AND ok_b AND cand_a <> cand_b THEN
        CASE WHEN row_number() OVER (PARTITION BY ts_local ORDER BY line) = 1 THEN least(cand_a, cand_b) ELSE greatest(cand_a, cand_b) END
      WHEN ok_a THEN cand_a ELSE cand_b END`
  };
}
