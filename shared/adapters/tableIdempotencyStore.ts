/**
 * Idempotency keys in Table Storage (IETF httpapi "The Idempotency-Key HTTP Header Field" draft;
 * Stripe's semantics). Table `<prefix>IdempotencyKeys`: PartitionKey = scope (the partner id),
 * RowKey = SHA-256 hex of the key (any client string becomes a valid, fixed-length key).
 * Columns: `fingerprint`, `state` (`in-flight` | `completed`), `lockedUntil` and `expiresAt`
 * (ISO 8601 UTC), and the stored response as packed JSON.
 *
 * A claim is an insert (409 when present). An expired row, or an in-flight row whose lock has run
 * out (the first request's process died), counts as absent and is re-claimed with `If-Match`. Each
 * claim carries the id of the call that made it (`claimId`), so a claim whose insert committed and
 * was sent again (its answer lost) is recognised as the caller's own.
 */
import { randomUUID } from "node:crypto";
import { odata } from "@azure/data-tables";
import type { IdempotencyBeginResult, IdempotencyStore, StoredResponse } from "../ports";
import { deleteWhere, encodeKey, packJson, sha256Hex, statusOf, TableNames, unpackJson, type TableStorage } from "./tableStorage";

/** Options of {@link TableIdempotencyStore}. */
export interface TableIdempotencyStoreOptions {
  /** How long a completed response is kept, in ms; at least 24 h per the draft. Default 24 h. */
  retentionInMs?: number;
  /** How long an in-flight claim blocks others before it counts as abandoned, in ms. Default 5 min (above the 230 s HTTP limit). */
  lockInMs?: number;
  /** Clock (default: system time). */
  now?: () => Date;
}

const DAY_IN_MS = 24 * 60 * 60 * 1000;

/**
 * The options of an idempotency store with their defaults applied (shared with the in-memory store).
 * @returns retention and lock in ms, and the clock.
 * @throws RangeError when `retentionInMs` is below 24 h (the draft's minimum) or `lockInMs` ≤ 0.
 */
export function idempotencyStoreSettings(options: TableIdempotencyStoreOptions): { retentionInMs: number; lockInMs: number; now: () => Date } {
  const settings = { retentionInMs: options.retentionInMs ?? DAY_IN_MS, lockInMs: options.lockInMs ?? 5 * 60 * 1000, now: options.now ?? (() => new Date()) };
  if (settings.retentionInMs < DAY_IN_MS) throw new RangeError("retentionInMs must be at least 24 h (86400000)");
  if (settings.lockInMs <= 0) throw new RangeError("lockInMs must be positive");
  return settings;
}

/** {@link IdempotencyStore} over Azure Table Storage. */
export class TableIdempotencyStore implements IdempotencyStore {
  readonly #retentionInMs: number;
  readonly #lockInMs: number;
  readonly #now: () => Date;

  /**
   * @param storage - table access.
   * @param options - retention, lock duration and clock.
   * @throws RangeError when `retentionInMs` is below 24 h (the draft's minimum) or `lockInMs` ≤ 0.
   */
  constructor(
    private readonly storage: TableStorage,
    options: TableIdempotencyStoreOptions = {},
  ) {
    ({ retentionInMs: this.#retentionInMs, lockInMs: this.#lockInMs, now: this.#now } = idempotencyStoreSettings(options));
  }

  /**
   * Claims the key, or reports its state.
   * @param scope - the client (partner id).
   * @param key - the Idempotency-Key value.
   * @param fingerprint - SHA-256 of method, path and body.
   * @returns `started` (caller proceeds, then calls complete or release), `in-flight`,
   *   `completed` with the stored response, or `mismatch` (same key, other payload).
   * @throws RestError when storage fails.
   */
  async begin(scope: string, key: string, fingerprint: string): Promise<IdempotencyBeginResult> {
    const table = await this.storage.getTable(TableNames.idempotency);
    const pk = encodeKey(scope);
    const rk = sha256Hex(key);
    // Marks this call's claim: an insert that committed but whose answer was lost (the SDK resends
    // it after a timeout or a dropped connection, and the resend gets 409) is this call's own claim,
    // not another request's in flight (which would hold the key for the whole lock).
    const claimId = randomUUID();
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.#now();
      const claim = { partitionKey: pk, rowKey: rk, fingerprint, state: "in-flight", claimId, lockedUntil: new Date(now.getTime() + this.#lockInMs).toISOString(), expiresAt: new Date(now.getTime() + this.#retentionInMs).toISOString(), ...packJson(null) };
      try {
        await table.createEntity(claim);
        return { state: "started" };
      } catch (e) {
        if (statusOf(e) !== 409) throw e;
      }
      let row;
      try {
        row = await table.getEntity<Record<string, unknown>>(pk, rk);
      } catch (e) {
        if (statusOf(e) === 404) continue; // released meanwhile: claim again
        throw e;
      }
      if (row.claimId === claimId && row.state === "in-flight") return { state: "started" };
      const nowIso = now.toISOString();
      const expired = String(row.expiresAt) <= nowIso;
      const abandoned = row.state === "in-flight" && String(row.lockedUntil) <= nowIso;
      if (expired || abandoned) {
        try {
          await table.updateEntity(claim, "Replace", { etag: row.etag });
          return { state: "started" };
        } catch (e) {
          if (statusOf(e) === 412 || statusOf(e) === 404) continue;
          throw e;
        }
      }
      if (row.fingerprint !== fingerprint) return { state: "mismatch" };
      if (row.state === "completed") return { state: "completed", response: unpackJson<StoredResponse>(row) };
      return { state: "in-flight" };
    }
    return { state: "in-flight" };
  }

  /**
   * Stores the final response; kept for the retention period from now.
   * @throws RestError when storage fails (404 when the claim was released).
   */
  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    const table = await this.storage.getTable(TableNames.idempotency);
    const now = this.#now();
    await table.updateEntity(
      { partitionKey: encodeKey(scope), rowKey: sha256Hex(key), state: "completed", completedAt: now.toISOString(), expiresAt: new Date(now.getTime() + this.#retentionInMs).toISOString(), ...packJson(response) },
      "Merge",
    );
  }

  /** Releases a claim so the client may retry (after a 5xx). Missing rows are ignored. @throws RestError when storage fails. */
  async release(scope: string, key: string): Promise<void> {
    const table = await this.storage.getTable(TableNames.idempotency);
    try {
      await table.deleteEntity(encodeKey(scope), sha256Hex(key));
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
    }
  }

  /** Deletes rows whose `expiresAt` is before `before`, every scope, at most `limit`. @throws RestError when storage fails. */
  async deleteExpired(before: string, limit: number): Promise<number> {
    const table = await this.storage.getTable(TableNames.idempotency);
    return deleteWhere(table, odata`expiresAt lt ${before}`, limit);
  }
}
