/**
 * The per-case action inbox in memory. For unit tests of logic and local experiments, not
 * production: nothing survives the process.
 */
import { actionSeqNumber, CaseInboxClosedError, formatActionSeq, type Actor, type CaseAction, type CaseActionRecord } from "../../contracts";
import type { CaseActionAppendOptions, CaseActionInbox } from "../../ports";
import { copy, keyOf } from "./memoryStore";

/**
 * {@link CaseActionInbox} in memory, behaving as TableCaseActionInbox: `seq` is 12 zero-padded
 * decimal digits, gapless per case from `000000000001`; a deleted inbox starts again at 1.
 * Records are copied on write and on read.
 */
export class MemoryCaseActionInbox implements CaseActionInbox {
  readonly #cases = new Map<string, CaseActionRecord[]>();
  /** Cases whose inbox is closed. */
  readonly #closed = new Set<string>();

  /** @param now - clock for `recordedAt` (ISO 8601 UTC; default: system time). */
  constructor(private readonly now: () => Date = () => new Date()) {}

  /**
   * Appends an action with the next `seq` of the case; `options.reopen` opens a closed inbox.
   * @throws CaseInboxClosedError when the inbox is closed and `options.reopen` is not set.
   */
  async append(partnerId: string, caseId: string, action: CaseAction, actor: Actor, options: CaseActionAppendOptions = {}): Promise<CaseActionRecord> {
    const key = keyOf(partnerId, caseId);
    if (this.#closed.has(key) && !options.reopen) throw new CaseInboxClosedError(caseId);
    this.#closed.delete(key);
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

  /**
   * Closes the inbox when nothing follows `after`, else returns what does (as TableCaseActionInbox).
   * @throws RangeError when `limit` is out of range (from listAfter) or `after` is not an inbox `seq`.
   */
  async close(partnerId: string, caseId: string, after?: string, limit = 50): Promise<{ closed: boolean; actions: CaseActionRecord[] }> {
    if (after !== undefined && after !== "" && actionSeqNumber(after) === undefined) throw new RangeError(`after must be an inbox seq, not ${JSON.stringify(after)}`);
    const actions = await this.listAfter(partnerId, caseId, after, limit);
    if (actions.length > 0) return { closed: false, actions };
    this.#closed.add(keyOf(partnerId, caseId));
    return { closed: true, actions: [] };
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
    const closed = this.#closed.delete(key);
    this.#cases.delete(key);
    if (!records && closed) return 1;
    return records ? records.length + 1 : 0;
  }
}
