/**
 * Rows this process read or wrote a moment ago, each with its ETag: the first guess of an
 * optimistic read-modify-write, so a change right after a read (or right after this process's own
 * write) of the same row needs no second read. Storage decides: a write made on a guess carries
 * `If-Match` with the remembered ETag, and when anyone changed the row since, storage refuses it
 * (412) and the caller reads the row and tries again, as it would after any conflict. A guess is
 * therefore never written over a newer row; at worst it costs one refused write.
 */

/** What is remembered of a row: its ETag and its content, serialised (a caller can never change a remembered row in place). */
interface Remembered {
  /** Empty for a row remembered as missing. */
  etag: string;
  /** JSON of the row's content. */
  json: string;
  /** When it was remembered, ms since the epoch (process clock). */
  at: number;
}

/** Options of {@link RecentRows}. */
export interface RecentRowsOptions {
  /** How long a row is a guess worth making, ms (default 10,000). */
  maxAgeInMs?: number;
  /** At most this many rows (default 1,000); the least recently used goes first. */
  maxRows?: number;
  /** Process clock, ms (default `Date.now`). */
  nowInMs?: () => number;
}

/**
 * A bounded map from a row's key to the row as last seen by this process (its ETag and content),
 * each kept at most `maxAgeInMs`. Values are stored as JSON and parsed on every
 * {@link RecentRows.recall}, so what a caller does with a returned value never changes the memory.
 * @typeParam T - the row's content (JSON-serialisable).
 */
export class RecentRows<T> {
  readonly #rows = new Map<string, Remembered>();
  readonly #maxAgeInMs: number;
  readonly #maxRows: number;
  readonly #now: () => number;

  /** @param options - {@link RecentRowsOptions}. @throws RangeError when a bound is not a positive number. */
  constructor(options: RecentRowsOptions = {}) {
    this.#maxAgeInMs = options.maxAgeInMs ?? 10_000;
    this.#maxRows = options.maxRows ?? 1_000;
    if (!(this.#maxAgeInMs > 0) || !(this.#maxRows >= 1)) throw new RangeError("maxAgeInMs and maxRows must be positive");
    this.#now = options.nowInMs ?? Date.now;
  }

  /** Remembers a row as just read or written (`etag` from the same response as `value`). An empty ETag forgets it. */
  remember(key: string, etag: string | undefined, value: T): void {
    this.#rows.delete(key);
    if (!etag) return;
    this.#keep(key, { etag, json: JSON.stringify(value), at: this.#now() });
  }

  /** The row as last remembered, a fresh copy, or undefined when unknown or older than `maxAgeInMs`. */
  recall(key: string): { etag: string; value: T } | undefined {
    const found = this.#rows.get(key);
    if (!found) return undefined;
    this.#rows.delete(key);
    if (this.#now() - found.at > this.#maxAgeInMs) return undefined;
    this.#rows.set(key, found);
    if (found.etag === "") return undefined;
    return { etag: found.etag, value: JSON.parse(found.json) as T };
  }

  /**
   * Remembers that a row does not exist yet (this process has just created what it would belong
   * to): {@link RecentRows.knownMissing} says so until the row is remembered, forgotten, pushed out
   * or older than `maxAgeInMs`; {@link RecentRows.recall} gives undefined for it. A writer that
   * trusts it creates the row (no read), and storage refuses the create (409) when it exists after all.
   */
  rememberMissing(key: string): void {
    this.#rows.delete(key);
    this.#keep(key, { etag: "", json: "", at: this.#now() });
  }

  /** Keeps an entry as the most recent, dropping the least recently used beyond `maxRows`. */
  #keep(key: string, entry: Remembered): void {
    this.#rows.set(key, entry);
    if (this.#rows.size > this.#maxRows) {
      const oldest = this.#rows.keys().next();
      if (!oldest.done) this.#rows.delete(oldest.value);
    }
  }

  /** Whether the row was remembered as missing ({@link RecentRows.rememberMissing}) and still is. */
  knownMissing(key: string): boolean {
    const found = this.#rows.get(key);
    return found !== undefined && found.etag === "" && this.#now() - found.at <= this.#maxAgeInMs;
  }

  /** Forgets a row (it was deleted, or written in a way whose ETag is unknown). */
  forget(key: string): void {
    this.#rows.delete(key);
  }

  /** How many rows are remembered (expired ones included until they are recalled or pushed out). */
  get size(): number {
    return this.#rows.size;
  }
}
