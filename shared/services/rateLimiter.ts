/**
 * Per-key rate limiting of the partner API (OWASP API4:2023 Unrestricted Resource Consumption;
 * 429 Too Many Requests with `Retry-After`, RFC 6585 §4 and RFC 9110 §10.2.3).
 *
 * Choice: a FIXED-WINDOW counter per API key held IN PROCESS by each host instance (one minute
 * windows aligned to the clock). Why not a counter in Table Storage: every request would then pay
 * a read and an ETag-guarded write on one hot row per key (contention exactly when a client
 * bursts), and the limit exists to protect this app's instance. Limits of the choice, documented:
 * - with N instances behind the load balancer a key may make up to N × the limit per minute;
 * - a burst of up to 2 × the limit can straddle a window boundary (fixed window, not sliding);
 * - counters reset when an instance restarts.
 * The counter map is bounded: entries of past windows are dropped when it grows.
 */

/** Outcome of {@link FixedWindowRateLimiter.take}. */
export interface RateLimitDecision {
  /** Whether the request may proceed. */
  allowed: boolean;
  /** The limit per window. */
  limit: number;
  /** Requests left in the current window (0 when refused). */
  remaining: number;
  /** Whole seconds until the window resets (at least 1); the `Retry-After` of a 429. */
  retryAfterInSeconds: number;
}

/** A fixed-window counter per key, in memory. */
export class FixedWindowRateLimiter {
  readonly #counts = new Map<string, { window: number; count: number }>();

  /**
   * @param limit - requests allowed per key per window (≥ 1).
   * @param windowMs - window length (default one minute).
   * @param now - clock (ms since the epoch).
   * @param maxKeys - entries kept before past windows are swept.
   */
  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
    private readonly now: () => number = () => Date.now(),
    private readonly maxKeys = 10_000,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a positive integer");
  }

  /** Counts one request of `key` and says whether it is within the limit. */
  take(key: string): RateLimitDecision {
    const t = this.now();
    const window = Math.floor(t / this.windowMs);
    const retryAfterInSeconds = Math.max(1, Math.ceil(((window + 1) * this.windowMs - t) / 1000));
    let entry = this.#counts.get(key);
    if (!entry || entry.window !== window) {
      if (this.#counts.size >= this.maxKeys) this.#sweep(window);
      entry = { window, count: 0 };
      this.#counts.set(key, entry);
    }
    if (entry.count >= this.limit) return { allowed: false, limit: this.limit, remaining: 0, retryAfterInSeconds };
    entry.count += 1;
    return { allowed: true, limit: this.limit, remaining: this.limit - entry.count, retryAfterInSeconds };
  }

  #sweep(window: number): void {
    for (const [k, v] of this.#counts) if (v.window !== window) this.#counts.delete(k);
  }
}
