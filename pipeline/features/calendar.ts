// Calendar features of the target hour. Set work, so SQL: each is one expression over `g`, the
// target hour's row of the hour table (`g.ts` its UTC start, `g.local_ts` the site's wall-clock time
// at that instant, daylight saving included).
import type {SqlFeature} from "./types.ts";

export const CALENDAR_FEATURES: readonly SqlFeature[] = [
  {
    name: "hour_utc",
    kind: "calendar",
    unit: "h",
    description: "Hour of day (0–23) at which the target hour starts, in UTC: the same sun position every day at a site, whatever its clock does.",
    sql: "CAST(hour(g.ts) AS INTEGER)"
  },
  {
    name: "hour_local",
    kind: "calendar",
    unit: "h",
    description:
      "Site-local clock time at which the target hour starts, in hours (daylight saving included; 5.5 in a half-hour zone such as Asia/Kolkata).",
    sql: "CAST(hour(g.local_ts) + minute(g.local_ts) / 60 AS DOUBLE)"
  },
  {
    name: "day_of_year",
    kind: "calendar",
    unit: "d",
    description: "Day of the year (1–366) of the site-local date of the target hour.",
    sql: "CAST(dayofyear(g.local_ts) AS INTEGER)"
  },
  {
    name: "day_of_week",
    kind: "calendar",
    unit: "1",
    description: "ISO day of the week of the site-local date of the target hour: 1 = Monday … 7 = Sunday.",
    sql: "CAST(isodow(g.local_ts) AS INTEGER)"
  }
];
