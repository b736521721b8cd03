// Which rows the features table has: per site, issue time s and target hour t. Either a list of
// issues with their target hours, or a schedule (e.g. daily at 00:00 UTC, horizons 1..48 h).
//
// Horizon: horizon_h is the number of hours from s to the END of the target hour, rounded up, so
// that horizon 1 is the hour in progress at s (or starting at s) and an issue at 00:00 UTC with
// horizons 1..48 covers that UTC day and the next. A target hour that had ended by s is not a
// forecast and is refused.
import {DuckDBTimestampValue, listValue, type DuckDBConnection} from "@duckdb/node-api";
import {sqlIdent} from "../db.ts";

const MS_PER_HOUR = 3_600_000;

export interface Issue {
  site_id: string;
  /** Issue time s: ISO 8601 (Z or an offset; a stamp without one is UTC, as the pipeline's tables are). */
  issued_at: string;
  /** UTC starts of the target hours (whole hours, each ending after s). */
  targets: readonly string[];
}

export interface IssueSchedule {
  /** First issue time (ISO, as for Issue.issued_at). */
  start: string;
  /** Issues are made before this instant (exclusive). */
  end: string;
  /** Hours between issues (default 24). */
  every_h?: number;
  /** Horizons in hours (default 1..48): horizon h is the hour ending h hours (rounded up) after the issue. */
  horizons_h?: readonly number[];
  /** Sites (default every site in `sites`). */
  sites?: readonly string[];
}

export const DEFAULT_HORIZONS_H: readonly number[] = Array.from({length: 48}, (_, i) => i + 1);

export function isSchedule(issues: readonly Issue[] | IssueSchedule): issues is IssueSchedule {
  return !Array.isArray(issues);
}

/** Milliseconds since the epoch of an ISO stamp; a stamp without a zone is UTC. */
export function parseUtc(value: string, what: string): number {
  const text = String(value).trim().replace(" ", "T");
  const ms = Date.parse(/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(text) || !text.includes("T") ? text : `${text}Z`);
  if (!Number.isFinite(ms)) throw new Error(`features: ${what} is ${JSON.stringify(value)}; expected an ISO 8601 time such as "2025-07-01T00:00:00Z"`);
  return ms;
}

const timestamp = (ms: number) => new DuckDBTimestampValue(BigInt(ms) * 1000n);
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

/**
 * Creates `table` (site_id, issued_at, ts, horizon_h), one row per site, issue and target hour.
 * Throws, naming the issue and the bad value, for unknown sites, targets off the hour or already
 * ended at the issue time, and bad schedules.
 */
export async function createTargets(conn: DuckDBConnection, table: string, issues: readonly Issue[] | IssueSchedule, knownSites: readonly string[]): Promise<void> {
  const known = new Set(knownSites);
  const checkSite = (site: string, where: string) => {
    if (!known.has(site)) throw new Error(`features: ${where} names site ${JSON.stringify(site)}, which is not in sites (${[...known].join(", ") || "none"})`);
  };
  const t = sqlIdent(table);
  await conn.run(`CREATE OR REPLACE TABLE ${t} (site_id VARCHAR, issued_at TIMESTAMP, ts TIMESTAMP, horizon_h INTEGER)`);

  if (isSchedule(issues)) {
    const start = parseUtc(issues.start, "schedule.start");
    const end = parseUtc(issues.end, "schedule.end");
    const every = issues.every_h ?? 24;
    const horizons = issues.horizons_h ?? DEFAULT_HORIZONS_H;
    if (!(end > start)) throw new Error(`features: schedule.end (${issues.end}) must be after schedule.start (${issues.start})`);
    if (!(every > 0) || !Number.isInteger(every)) throw new Error(`features: schedule.every_h is ${every}; expected a whole number of hours ≥ 1`);
    const badHorizon = horizons.find((h) => !(Number.isInteger(h) && h >= 1));
    if (badHorizon !== undefined || !horizons.length) throw new Error(`features: schedule.horizons_h has ${badHorizon ?? "nothing"}; expected whole hours ≥ 1`);
    const sites = issues.sites ?? knownSites;
    for (const s of sites) checkSite(s, "schedule.sites");
    await conn.run(
      `INSERT INTO ${t}
       SELECT s.site_id, i.issued_at, date_trunc('hour', i.issued_at) + to_hours(h.h - 1) AS ts, h.h
       FROM (SELECT unnest(range($start, $end, to_hours($every))) AS issued_at) i
       CROSS JOIN (SELECT DISTINCT unnest($horizons::INTEGER[]) AS h) h
       CROSS JOIN (SELECT DISTINCT unnest($sites::VARCHAR[]) AS site_id) s`,
      {start: timestamp(start), end: timestamp(end), every, horizons: listValue([...horizons]), sites: listValue([...sites])}
    );
    return;
  }

  const appender = await conn.createAppender(table);
  try {
    for (const issue of issues) {
      const where = `issue ${issue.site_id} @ ${issue.issued_at}`;
      checkSite(issue.site_id, where);
      const s = parseUtc(issue.issued_at, `${where}: issued_at`);
      for (const target of issue.targets) {
        const ts = parseUtc(target, `${where}: target`);
        if (ts % MS_PER_HOUR !== 0) throw new Error(`features: ${where}: target ${target} is not the start of a whole UTC hour`);
        if (ts + MS_PER_HOUR <= s) throw new Error(`features: ${where}: target hour ${iso(ts)} had ended by the issue time; targets must end after it`);
        appender.appendVarchar(issue.site_id);
        appender.appendTimestamp(timestamp(s));
        appender.appendTimestamp(timestamp(ts));
        appender.appendInteger(Math.ceil((ts + MS_PER_HOUR - s) / MS_PER_HOUR));
        appender.endRow();
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  // The same target listed twice for one issue is one row.
  await conn.run(`CREATE OR REPLACE TABLE ${t} AS SELECT DISTINCT * FROM ${t}`);
}
