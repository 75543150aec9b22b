/**
 * Idempotency keys in memory. For unit tests of logic and local experiments, not production:
 * nothing survives the process.
 */
import { RecordNotFoundError } from "../../contracts";
import type { IdempotencyBeginResult, IdempotencyStore, StoredResponse } from "../../ports";
import { idempotencyStoreSettings, type TableIdempotencyStoreOptions } from "../tableIdempotencyStore";
import { copy, keyOf } from "./memoryStore";

interface StoredKey {
  fingerprint: string;
  state: "in-flight" | "completed";
  /** Epoch ms until which an in-flight claim blocks others. */
  lockedUntil: number;
  /** Epoch ms from which the key counts as absent. */
  expiresAt: number;
  response?: StoredResponse;
}

/**
 * {@link IdempotencyStore} in memory, behaving as TableIdempotencyStore (same options): an expired
 * key, or an in-flight claim whose lock ran out, counts as absent and can be claimed again.
 * Responses are copied on write and on read.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #keys = new Map<string, StoredKey>();
  readonly #retentionInMs: number;
  readonly #lockInMs: number;
  readonly #now: () => Date;

  /**
   * @param options - `retentionInMs` (default 24 h), `lockInMs` (default 5 min), `now` (default: system time).
   * @throws RangeError when `retentionInMs` is below 24 h or `lockInMs` ≤ 0.
   */
  constructor(options: TableIdempotencyStoreOptions = {}) {
    ({ retentionInMs: this.#retentionInMs, lockInMs: this.#lockInMs, now: this.#now } = idempotencyStoreSettings(options));
  }

  /** Claims the key (`started`), or reports `in-flight`, `completed` with the stored response, or `mismatch`. */
  async begin(scope: string, key: string, fingerprint: string): Promise<IdempotencyBeginResult> {
    const id = keyOf(scope, key);
    const now = this.#now().getTime();
    const row = this.#keys.get(id);
    if (!row || row.expiresAt <= now || (row.state === "in-flight" && row.lockedUntil <= now)) {
      this.#keys.set(id, { fingerprint, state: "in-flight", lockedUntil: now + this.#lockInMs, expiresAt: now + this.#retentionInMs });
      return { state: "started" };
    }
    if (row.fingerprint !== fingerprint) return { state: "mismatch" };
    if (row.state === "completed" && row.response) return { state: "completed", response: copy(row.response) };
    return { state: "in-flight" };
  }

  /**
   * Stores the final response, kept for the retention period from now.
   * @throws RecordNotFoundError when the key is not claimed (released, or never begun).
   */
  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    const row = this.#keys.get(keyOf(scope, key));
    if (!row) throw new RecordNotFoundError(`Idempotency key of ${scope} is not claimed`);
    row.state = "completed";
    row.response = copy(response);
    row.expiresAt = this.#now().getTime() + this.#retentionInMs;
  }

  /** Releases a claim so the client may retry; an unknown key is ignored. */
  async release(scope: string, key: string): Promise<void> {
    this.#keys.delete(keyOf(scope, key));
  }

  /** Deletes keys that expired before `before` (ISO 8601), every scope, at most `limit`. @returns how many. */
  async deleteExpired(before: string, limit: number): Promise<number> {
    const cutoff = Date.parse(before);
    let n = 0;
    for (const [id, row] of this.#keys) {
      if (n >= limit) break;
      if (row.expiresAt < cutoff) {
        this.#keys.delete(id);
        n++;
      }
    }
    return n;
  }
}
