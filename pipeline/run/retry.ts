// Which failures are worth another attempt. A stage is retried only for errors that say the network
// or a remote service was briefly unavailable; anything else (bad data, a bug, a full disk) stops
// the run at once, since trying again would fail the same way.

/** Node and undici error codes of a connection that failed or dropped. */
const TRANSIENT_CODES = new Set([
  "ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "EAI_AGAIN", "EPIPE", "EHOSTUNREACH", "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_SOCKET", "UND_ERR_CLOSED"
]);

export function isTransient(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 5; e = (e as {cause?: unknown}).cause, depth++) {
    const x = e as {code?: unknown; status?: unknown; statusCode?: unknown; transient?: unknown};
    if (x.transient === true) return true;
    if (typeof x.code === "string" && TRANSIENT_CODES.has(x.code)) return true;
    const status = typeof x.status === "number" ? x.status : typeof x.statusCode === "number" ? x.statusCode : null;
    if (status !== null && (status === 429 || status === 502 || status === 503 || status === 504)) return true;
  }
  return false;
}

/** Wait before retry n (1-based): base · 2^(n−1), at most 30 s. Deterministic, so runs are repeatable. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(30_000, baseMs * 2 ** (attempt - 1));
}
