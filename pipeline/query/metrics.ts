// Counters and a latency histogram for the query endpoint, rendered in the Prometheus text format
// (version 0.0.4) so any scraper reads /api/metrics without a client library.

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Latency buckets in seconds: from a cache hit (milliseconds) to a slow model call (seconds). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

type Labels = Record<string, string>;

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  readonly #values = new Map<string, number>();

  /** Label sets in `initial` are shown at 0 before anything happened, so a scraper sees every series from the start. */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
    initial: Labels[] = labelNames.length === 0 ? [{}] : []
  ) {
    for (const labels of initial) this.#values.set(this.#key(labels), 0);
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = this.#key(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  /** The current value for one label set (tests and the health of the registry itself). */
  get(labels: Labels = {}): number {
    return this.#values.get(this.#key(labels)) ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.#values) lines.push(`${this.name}${key} ${formatNumber(value)}`);
    return lines;
  }

  // The rendered label set doubles as the map key: same labels, same series, in the declared order.
  #key(labels: Labels): string {
    for (const name of Object.keys(labels)) {
      if (!this.labelNames.includes(name)) throw new Error(`metric ${this.name} has no label "${name}" (labels: ${this.labelNames.join(", ")})`);
    }
    return formatLabels(this.labelNames.map((name) => [name, labels[name] ?? ""]));
  }
}

export class Histogram implements Metric {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = LATENCY_BUCKETS
  ) {
    this.#counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count += 1;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.#counts[i] += 1;
  }

  get count(): number {
    return this.#count;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    // Prometheus buckets are cumulative: each counts every observation ≤ its bound (observe adds to all of them).
    this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket${formatLabels([["le", formatNumber(bound)]])} ${this.#counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.#count}`);
    lines.push(`${this.name}_sum ${formatNumber(this.#sum)}`);
    lines.push(`${this.name}_count ${this.#count}`);
    return lines;
  }
}

export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  add<M extends Metric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }

  /** The text exposition: every metric's HELP, TYPE and samples, ending with a newline. */
  render(): string {
    return `${this.#metrics.flatMap((metric) => metric.render()).join("\n")}\n`;
  }
}

/** The query endpoint's metrics, one set per service. */
export function createQueryMetrics() {
  const registry = new MetricsRegistry();
  return {
    registry,
    requests: registry.add(new Counter("sunline_query_requests_total", "HTTP requests to the query endpoint by route and status.", ["route", "status"])),
    latency: registry.add(new Histogram("sunline_query_latency_seconds", "Time to answer a valid question (cache hits included), in seconds.")),
    cacheHits: registry.add(new Counter("sunline_query_cache_hits_total", "Questions answered from the answer cache.")),
    tokens: registry.add(
      new Counter("sunline_query_tokens_total", "Model tokens used, by kind.", ["kind"], [{kind: "prompt"}, {kind: "completion"}])
    ),
    guardRejections: registry.add(new Counter("sunline_query_guard_rejections_total", "Generated SQL statements the guard rejected.")),
    errors: registry.add(new Counter("sunline_query_errors_total", "Error responses by error code.", ["code"])),
    rateLimited: registry.add(new Counter("sunline_query_rate_limited_total", "Requests refused by the per-client rate limit."))
  };
}

export type QueryMetrics = ReturnType<typeof createQueryMetrics>;

function formatLabels(pairs: [string, string][]): string {
  if (pairs.length === 0) return "";
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(",")}}`;
}

// The exposition format escapes exactly these three in label values.
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatNumber(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return Number.isNaN(value) ? "NaN" : String(value);
}
