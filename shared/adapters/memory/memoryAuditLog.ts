/**
 * The audit log in memory. For unit tests of logic and local experiments, not production:
 * nothing survives the process.
 */
import type { AuditEntry } from "../../contracts";
import type { AuditLog } from "../../ports";
import { copy, decodePosition, encodePosition } from "./memoryStore";

/**
 * {@link AuditLog} in memory, behaving as TableAuditLog: newest first per partner (by `at` to the
 * millisecond; entries of the same millisecond newest recorded first), `from` inclusive and `to`
 * exclusive, pages of `limit` (1–100, default 50) with an opaque continuation token while more
 * entries follow. Entries are copied on write and on read.
 */
export class MemoryAuditLog implements AuditLog {
  readonly #entries: Array<{ entry: AuditEntry; ms: number; order: number }> = [];
  #recorded = 0;

  /** Appends an entry. Never throws. */
  async record(entry: AuditEntry): Promise<void> {
    this.#entries.push({ entry: copy(entry), ms: Date.parse(entry.at), order: this.#recorded++ });
  }

  /**
   * A page of the partner's entries, newest first.
   * @throws RangeError when `limit` is not an integer from 1 to 100.
   * @throws RangeError (`code` `InvalidContinuationToken`) for a token this log did not issue.
   */
  async list(partnerId: string, options: { from?: string; to?: string; limit?: number; continuationToken?: string } = {}): Promise<{ items: AuditEntry[]; continuationToken?: string }> {
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError("limit must be an integer from 1 to 100");
    const start = decodePosition(options.continuationToken);
    const from = options.from === undefined ? -Infinity : Date.parse(options.from);
    const to = options.to === undefined ? Infinity : Date.parse(options.to);
    const matching = this.#entries.filter((e) => e.entry.partnerId === partnerId && e.ms >= from && e.ms < to).sort((a, b) => b.ms - a.ms || b.order - a.order);
    const items = copy(matching.slice(start, start + limit).map((e) => e.entry));
    return start + limit < matching.length ? { items, continuationToken: encodePosition(start + limit) } : { items };
  }

  /** Deletes every entry before `cutoff` (ISO 8601), all partners. @returns how many. */
  async purgeBefore(cutoff: string): Promise<number> {
    const ms = Date.parse(cutoff);
    const before = this.#entries.length;
    const kept = this.#entries.filter((e) => e.ms >= ms);
    this.#entries.splice(0, this.#entries.length, ...kept);
    return before - kept.length;
  }
}
