// Answers already given, so a re-asked question costs neither a model call nor a query.
// Keyed by the snapshot as well as the question: a new snapshot means new data, so new answers.

/**
 * The form of a question that decides whether two questions are the same: Unicode NFKC (full-width
 * and composed characters alike), lower case, runs of whitespace as one space, no trailing "?", "!" or ".".
 * @example normalizeQuestion("  Energy  YESTERDAY?? ") === "energy yesterday"
 */
export function normalizeQuestion(question: string): string {
  return question
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\s+/gu, " ")
    .trim()
    .replace(/[\s?!.]+$/u, "");
}

export function cacheKey(snapshotId: string, question: string): string {
  return `${snapshotId}\u0000${normalizeQuestion(question)}`;
}

/** A least-recently-used map of at most `capacity` entries (0: keeps nothing). */
export class LruCache<V> {
  // A Map iterates in insertion order: re-inserting on every hit keeps the oldest entry first.
  readonly #entries = new Map<string, V>();

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 0)) throw new RangeError(`cache size is ${capacity}; expected a whole number ≥ 0`);
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    if (this.capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
