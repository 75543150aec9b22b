/**
 * The append-only SLA event log of a case in memory. For unit tests of logic and local
 * experiments, not production: nothing survives the process.
 */
import type { SlaEventLog, SlaEventWithId, SlaLogAppendOptions, SlaLogAppendResult } from "../../ports";
import { copy, keyOf } from "./memoryStore";

/**
 * {@link SlaEventLog} in memory: idempotent by `eventId` per case; listed oldest first by `at`,
 * then in append order (a process-wide counter, so the order holds even for appends in the same
 * millisecond). Events are copied on write and on read. As TableSlaEventLog, which orders events of the
 * same `at` by write time (ms) and then by append order.
 */
export class MemorySlaEventLog implements SlaEventLog {
  readonly #cases = new Map<string, Array<{ event: SlaEventWithId; order: number }>>();
  #appended = 0;

  /**
   * Appends the events whose `eventId` is not logged yet for the case.
   * @returns the number of events that were new and the case's log after the append.
   * @throws RangeError when two events of the batch share an `eventId` (as TableSlaEventLog).
   */
  async append(partnerId: string, caseId: string, events: readonly SlaEventWithId[], _options?: SlaLogAppendOptions): Promise<SlaLogAppendResult> {
    if (new Set(events.map((e) => e.eventId)).size !== events.length) throw new RangeError("SLA events of one append must have distinct eventIds");
    const key = keyOf(partnerId, caseId);
    const log = this.#cases.get(key) ?? [];
    let added = 0;
    for (const event of events) {
      if (log.some((r) => r.event.eventId === event.eventId)) continue;
      log.push({ event: copy(event), order: this.#appended++ });
      added++;
    }
    if (log.length > 0) this.#cases.set(key, log);
    return { appended: added, log: await this.list(partnerId, caseId) };
  }

  /** The case's log oldest first: by `at` (as an instant), then append order. */
  async list(partnerId: string, caseId: string): Promise<SlaEventWithId[]> {
    const log = [...(this.#cases.get(keyOf(partnerId, caseId)) ?? [])];
    log.sort((a, b) => Date.parse(a.event.at) - Date.parse(b.event.at) || a.order - b.order);
    return copy(log.map((r) => r.event));
  }
}
