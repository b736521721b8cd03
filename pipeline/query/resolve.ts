// Entities in a question: which sites (by id, name or a near miss of either) and which days
// (absolute, or relative to the snapshot: "yesterday" is the day before the snapshot's as-of day,
// not the server's clock, so answers do not change when the snapshot does not).

export interface SiteInfo {
  site_id: string;
  name: string;
  timezone: string;
  capacity_kw: number | null;
}

export interface SnapshotContext {
  snapshotId: string;
  /** The as-of day: the live forecast's issue day ("today" for questions). */
  today: string;
  /** The last day with measured production. */
  lastDay: string;
  firstDay: string;
  sites: SiteInfo[];
}

export interface Period {
  start: string;
  /** Inclusive. */
  end: string;
  /** How the question named it ("yesterday", "the last 7 days", "May 2026", …). */
  label: string;
}

export interface Entities {
  sites: SiteInfo[];
  /** True when the question names the fleet ("all sites", "each site", "fleet"). */
  fleet: boolean;
  /** A site the question names that matches none (e.g. "CA-02"). */
  unknownSite: string | null;
  period: Period | null;
}

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const MONTH_RE = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
const DAY_RE = "(\\d{1,2})(?:st|nd|rd|th)?(?!\\d)";
/** Words that look like site names to a fuzzy match but never are. */
const STOP = new Set(["site", "sites", "output", "power", "energy", "forecast", "actual", "predicted", "yesterday", "today", "tomorrow", "weather", "which", "where", "what", "low", "show", "compare", "week", "month", "days", "last", "this", "past", "anomaly", "anomalies", "between", "from", "worst", "best", "error", "produce", "produced", "town", "mount", "ground", "rooftop", "commercial", "industrial", "carport"]);

export function normalizeText(text: string): string {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[’']/g, "'");
}

export function resolveEntities(question: string, ctx: SnapshotContext): Entities {
  const q = normalizeText(question);
  const {sites, unknownSite} = resolveSites(q, question, ctx.sites);
  const fleet = /\b(all (the )?sites|every site|each site|(the |whole |entire )?fleet|all of them|per site|by site)\b/.test(q);
  return {sites, fleet, unknownSite: sites.length ? null : unknownSite, period: resolvePeriod(q, ctx)};
}

// ---------------------------------------------------------------------------------------------
// Sites

function aliases(site: SiteInfo): string[] {
  const out = new Set<string>([site.site_id.toLowerCase()]);
  const idParts = site.site_id.toLowerCase().split(/[-_]/);
  // "us-phoenix" → "phoenix"; "za-cape-town" → "cape town" (a leading two-letter country code dropped).
  const rest = idParts[0].length === 2 ? idParts.slice(1) : idParts;
  if (rest.length && rest.join(" ").length >= 4) out.add(rest.join(" "));
  const name = normalizeText(site.name).replace(/\(.*?\)/g, "").trim();
  if (name) {
    out.add(name);
    const first = name.split(/\s+/)[0];
    if (first.length >= 5 && !STOP.has(first)) out.add(first); // "freiburg" for "freiburg im breisgau"
  }
  return [...out];
}

function resolveSites(q: string, original: string, known: SiteInfo[]): {sites: SiteInfo[]; unknownSite: string | null} {
  const found: SiteInfo[] = [];
  const words = q.match(/[a-z0-9][a-z0-9-]*/g) ?? [];
  for (const site of known) {
    const names = aliases(site);
    const exact = names.some((a) => new RegExp(`(^|[^a-z0-9-])${escapeRe(a)}($|[^a-z0-9-])`).test(q));
    const fuzzy =
      !exact &&
      names.some((a) => {
        const parts = a.split(" ");
        // Compare a name of n words with every run of n words in the question.
        for (let i = 0; i + parts.length <= words.length; i++) {
          const run = words.slice(i, i + parts.length).join(" ");
          if (run.length < 5 || STOP.has(run)) continue;
          if (editDistance(run, a) <= (a.length >= 8 ? 2 : 1)) return true;
        }
        return false;
      });
    if (exact || fuzzy) found.push(site);
  }
  let unknownSite: string | null = null;
  // "at site X", "site CA-02": a name, written as one (capitalised, or with a digit or a dash).
  const named = /\bsite\s+([A-Za-z0-9][A-Za-z0-9_-]*)/i.exec(original)?.[1];
  if (named && /^[A-Z]|\d|-/.test(named)) unknownSite = named;
  const code = /\b([a-z]{2}-\d{1,3})\b/.exec(q)?.[1];
  if (!unknownSite && code) unknownSite = code;
  // Quote it as the user wrote it ("CA-02", not "ca-02").
  if (unknownSite) unknownSite = new RegExp(escapeRe(unknownSite), "i").exec(original)?.[0] ?? unknownSite;
  return {sites: found, unknownSite};
}

/** Damerau–Levenshtein (optimal string alignment) distance. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// ---------------------------------------------------------------------------------------------
// Dates: plain calendar days as "YYYY-MM-DD" strings, arithmetic in UTC.

export function addDays(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`) + n * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

function monthIndex(word: string): number {
  return MONTHS.findIndex((m) => m.startsWith(word.slice(0, 3)));
}

function ymd(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m, d));
  if (date.getUTCMonth() !== m || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** A day without a year: the latest one not after `today`. */
function inferYear(m: number, d: number, today: string): string | null {
  const y = Number(today.slice(0, 4));
  const same = ymd(y, m, d);
  if (same && same <= today) return same;
  return ymd(y - 1, m, d);
}

function parseDay(text: string, today: string): string | null {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) return ymd(+m[1], +m[2] - 1, +m[3]);
  m = new RegExp(`^${MONTH_RE}\\.? ${DAY_RE}(?:,? (\\d{4}))?$`).exec(text);
  if (m) return m[3] ? ymd(+m[3], monthIndex(m[1]), +m[2]) : inferYear(monthIndex(m[1]), +m[2], today);
  m = new RegExp(`^${DAY_RE}(?: of)? ${MONTH_RE}\\.?(?:,? (\\d{4}))?$`).exec(text);
  if (m) return m[3] ? ymd(+m[3], monthIndex(m[2]), +m[1]) : inferYear(monthIndex(m[2]), +m[1], today);
  return null;
}

const DAY_EXPR = `(\\d{4}-\\d{2}-\\d{2}|${MONTH_RE}\\.? ${DAY_RE}(?:,? \\d{4})?|${DAY_RE}(?: of)? ${MONTH_RE}\\.?(?:,? \\d{4})?)`;

function mondayOf(day: string): string {
  const dow = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  return addDays(day, -dow);
}

function monthPeriod(y: number, m: number, label: string): Period {
  const start = ymd(y, m, 1)!;
  const end = addDays(ymd(m === 11 ? y + 1 : y, (m + 1) % 12, 1)!, -1);
  return {start, end, label};
}

const NUMBER_WORDS: Record<string, number> = {one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, fourteen: 14, thirty: 30};

export function resolvePeriod(q: string, ctx: SnapshotContext): Period | null {
  const {today} = ctx;
  const yesterday = addDays(today, -1);
  let m: RegExpExecArray | null;
  // Ranges first: "from May 1 to May 7", "between 2026-05-01 and 2026-05-07".
  m = new RegExp(`\\b(?:from|between) ${DAY_EXPR} (?:to|and|until|through|-|–) ${DAY_EXPR}`).exec(q);
  if (m) {
    const a = parseDay(m[1], today);
    const b = parseDay(m[findSecond(m)], today);
    if (a && b) return {start: a <= b ? a : b, end: a <= b ? b : a, label: `${a <= b ? a : b} to ${a <= b ? b : a}`};
  }
  m = /\b(?:last|past|previous) (\d+|one|two|three|four|five|six|seven|eight|nine|ten|fourteen|thirty) days?\b/.exec(q);
  if (m) {
    const n = /^\d+$/.test(m[1]) ? Number(m[1]) : NUMBER_WORDS[m[1]];
    return {start: addDays(yesterday, -(n - 1)), end: yesterday, label: `the last ${n} days`};
  }
  if (/\b(past|last) (7 days|seven days)\b|\bpast week\b|\blast 7 days\b/.test(q)) return {start: addDays(yesterday, -6), end: yesterday, label: "the last 7 days"};
  if (/\bthis week\b/.test(q)) {
    const start = mondayOf(yesterday);
    return {start, end: yesterday, label: "this week"};
  }
  if (/\blast week\b|\bprevious week\b/.test(q)) {
    const start = addDays(mondayOf(yesterday), -7);
    return {start, end: addDays(start, 6), label: "last week"};
  }
  if (/\bthis month\b/.test(q)) return {start: `${yesterday.slice(0, 7)}-01`, end: yesterday, label: "this month"};
  if (/\blast month\b|\bprevious month\b/.test(q)) {
    const first = `${yesterday.slice(0, 7)}-01`;
    const prev = addDays(first, -1);
    return monthPeriod(Number(prev.slice(0, 4)), Number(prev.slice(5, 7)) - 1, "last month");
  }
  if (/\bday before yesterday\b/.test(q)) {
    const d = addDays(today, -2);
    return {start: d, end: d, label: "the day before yesterday"};
  }
  if (/\byesterday\b/.test(q)) return {start: yesterday, end: yesterday, label: "yesterday"};
  if (/\btomorrow\b/.test(q)) {
    const d = addDays(today, 1);
    return {start: d, end: d, label: "tomorrow"};
  }
  if (/\btoday\b/.test(q)) return {start: today, end: today, label: "today"};
  m = /\b(\d+|one|two|three|four|five|six|seven|ten) days ago\b/.exec(q);
  if (m) {
    const d = addDays(today, -(/^\d+$/.test(m[1]) ? Number(m[1]) : NUMBER_WORDS[m[1]]));
    return {start: d, end: d, label: `${m[1]} days ago`};
  }
  m = new RegExp(DAY_EXPR).exec(q);
  if (m) {
    const d = parseDay(m[1], today);
    if (d) return {start: d, end: d, label: d};
  }
  // A month: "in May", "May 2026", "during march".
  m = new RegExp(`\\b(?:in|during|for|of|over) ${MONTH_RE}(?:,? (\\d{4}))?\\b|\\b${MONTH_RE} (\\d{4})\\b`).exec(q);
  if (m) {
    const word = m[1] ?? m[3];
    const year = m[2] ?? m[4];
    const month = monthIndex(word);
    let y = year ? Number(year) : Number(yesterday.slice(0, 4));
    if (!year && ymd(y, month, 1)! > yesterday) y -= 1;
    return monthPeriod(y, month, `${MONTHS[month][0].toUpperCase()}${MONTHS[month].slice(1)} ${y}`);
  }
  return null;
}

/** Index of the second day expression's text in a range match (the groups of DAY_EXPR repeat). */
function findSecond(m: RegExpExecArray): number {
  const perExpr = (m.length - 1) / 2;
  return 1 + perExpr;
}
