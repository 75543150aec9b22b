/**
 * The per-case action inbox in memory. For unit tests of logic and local experiments, not
 * production: nothing survives the process.
 */
import { formatActionSeq, type Actor, type CaseAction, type CaseActionRecord } from "../../contracts";
import type { CaseActionInbox } from "../../ports";
import { copy, keyOf } from "./memoryStore";

/**
 * {@link CaseActionInbox} in memory, behaving as TableCaseActionInbox: `seq` is 12 zero-padded
 * decimal digits, gapless per case from `000000000001`; a deleted inbox starts again at 1.
 * Records are copied on write and on read.
 */
export class MemoryCaseActionInbox implements CaseActionInbox {
  readonly #cases = new Map<string, CaseActionRecord[]>();

  /** @param now - clock for `recordedAt` (ISO 8601 UTC; default: system time). */
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Appends an action with the next `seq` of the case. Never throws. */
  async append(partnerId: string, caseId: string, action: CaseAction, actor: Actor): Promise<CaseActionRecord> {
    const key = keyOf(partnerId, caseId);
    const records = this.#cases.get(key) ?? [];
    const record: CaseActionRecord = { seq: formatActionSeq(records.length + 1), action: copy(action), actor: copy(actor), recordedAt: this.now().toISOString() };
    records.push(record);
    this.#cases.set(key, records);
    return copy(record);
  }

  /**
   * Actions after the cursor in `seq` order.
   * @param after - the last `seq` processed (exclusive); absent or empty = from the first action.
   * @param limit - 1–500, default 50.
   * @throws RangeError when `limit` is out of range.
   */
  async listAfter(partnerId: string, caseId: string, after?: string, limit = 50): Promise<CaseActionRecord[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new RangeError("limit must be an integer from 1 to 500");
    const lower = after ?? "";
    return copy((this.#cases.get(keyOf(partnerId, caseId)) ?? []).filter((r) => r.seq > lower).slice(0, limit));
  }

  /** Nothing to do: the memory inbox reads nothing before an append. */
  noteNewCase(_partnerId: string, _caseId: string): void {}

  /**
   * Deletes the case's inbox.
   * @returns the rows the Table adapter would delete: the actions plus the counter (0 when there was no inbox).
   */
  async deleteCase(partnerId: string, caseId: string): Promise<number> {
    const key = keyOf(partnerId, caseId);
    const records = this.#cases.get(key);
    this.#cases.delete(key);
    return records ? records.length + 1 : 0;
  }
}
