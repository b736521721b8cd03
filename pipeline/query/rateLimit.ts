// Per-client rate limiting for the query endpoint: one token bucket per client address.
// A bucket holds `requests` tokens and refills at requests/windowMs, so a client may burst up to the limit
// and then gets a steady share; an idle client is back to a full bucket after one window.

export interface RateLimit {
  /** Requests a client may make in one window (the burst size). */
  requests: number;
  /** Length of the window in milliseconds (the time a drained bucket takes to refill). */
  windowMs: number;
}

export type RateDecision = {allowed: true} | {allowed: false; retryAfterSeconds: number};

export interface RateLimiter {
  /** Take one token for `client`; when none is left, say how long until one is back. */
  take(client: string): RateDecision;
  /** Clients currently tracked (for tests: idle ones are dropped). */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Beyond this many tracked clients, full (idle) buckets are swept before adding another. */
const SWEEP_AT = 10_000;

export function createRateLimiter({requests, windowMs}: RateLimit, now: () => number): RateLimiter {
  if (!(Number.isFinite(requests) && requests >= 1)) throw new RangeError(`rate limit: requests is ${requests}; expected a number ≥ 1`);
  if (!(Number.isFinite(windowMs) && windowMs > 0)) throw new RangeError(`rate limit: windowMs is ${windowMs}; expected a positive number`);
  const perMs = requests / windowMs;
  const buckets = new Map<string, Bucket>();

  const refill = (bucket: Bucket, t: number) => {
    // max(0, …): a clock that steps back (tests, NTP) must not drain a bucket.
    bucket.tokens = Math.min(requests, bucket.tokens + Math.max(0, t - bucket.at) * perMs);
    bucket.at = t;
  };

  // Without a sweep, every address ever seen would stay in memory for the life of the process.
  const sweep = (t: number) => {
    for (const [client, bucket] of buckets) {
      refill(bucket, t);
      if (bucket.tokens >= requests) buckets.delete(client);
    }
  };

  return {
    take(client) {
      const t = now();
      let bucket = buckets.get(client);
      if (!bucket) {
        if (buckets.size >= SWEEP_AT) sweep(t);
        bucket = {tokens: requests, at: t};
        buckets.set(client, bucket);
      } else {
        refill(bucket, t);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return {allowed: true};
      }
      const waitMs = (1 - bucket.tokens) / perMs;
      return {allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000))};
    },
    get size() {
      return buckets.size;
    }
  };
}

/** "30/60" → 30 requests per 60 seconds (the SUNLINE_API_RATE format); null when the text does not parse. */
export function parseRateLimit(text: string): RateLimit | null {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*s?\s*$/.exec(text);
  if (!match) return null;
  const requests = Number(match[1]);
  const windowMs = Number(match[2]) * 1000;
  return requests >= 1 && windowMs > 0 ? {requests, windowMs} : null;
}
