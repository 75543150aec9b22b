/**
 * The append-only SLA event log of a case in Table Storage (help-desk practice "SLA
 * semantics": clocks are recomputed from the log, not kept as running counters).
 *
 * Table `<prefix>SlaEvents`, PartitionKey `<partnerId>_<caseId>`, RowKey = encoded `eventId`
 * (deterministic, from the orchestration): inserting an id that exists fails with 409 and is
 * skipped, so a retried activity never logs an event twice. Each row keeps `at`, `writtenAt` and
 * `ordinal` (position within its append) so reads return the log oldest first in append order.
 */
import { odata, type TableClient } from "@azure/data-tables";
import type { SlaEventLog, SlaEventWithId } from "../ports";
import { encodeKey, packJson, statusOf, TableNames, unpackJson, type TableStorage } from "./tableStorage";

function slaPartition(partnerId: string, caseId: string): string {
  return `${encodeKey(partnerId)}_${encodeKey(caseId)}`;
}

/** {@link SlaEventLog} over Azure Table Storage. */
export class TableSlaEventLog implements SlaEventLog {
  /**
   * @param storage - table access.
   * @param now - clock for `writtenAt` (default: system time).
   */
  constructor(
    private readonly storage: TableStorage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Appends events idempotently by `eventId`: first as one entity-group transaction (≤ 100 rows,
   * one round trip); when any id already exists (409) each event is inserted alone, skipping those.
   * @returns the number of events that were new.
   * @throws RangeError when two events of the batch share an `eventId`.
   * @throws RestError when storage fails.
   */
  async append(partnerId: string, caseId: string, events: readonly SlaEventWithId[]): Promise<number> {
    if (events.length === 0) return 0;
    if (new Set(events.map((e) => e.eventId)).size !== events.length) throw new RangeError("SLA events of one append must have distinct eventIds");
    const table = await this.storage.getTable(TableNames.slaEvents);
    const pk = slaPartition(partnerId, caseId);
    const writtenAt = this.now().toISOString();
    const rows = events.map((e, ordinal) => ({ partitionKey: pk, rowKey: encodeKey(e.eventId), at: e.at, metric: e.metric, type: e.type, writtenAt, ordinal, ...packJson(e) }));
    if (rows.length <= 100) {
      try {
        await table.submitTransaction(rows.map((r) => ["create", r]));
        return rows.length;
      } catch (e) {
        if (statusOf(e) !== 409) throw e;
      }
    }
    return this.#insertEach(table, rows);
  }

  async #insertEach(table: TableClient, rows: Array<Record<string, unknown> & { partitionKey: string; rowKey: string }>): Promise<number> {
    let added = 0;
    for (const row of rows) {
      try {
        await table.createEntity(row);
        added++;
      } catch (e) {
        if (statusOf(e) !== 409) throw e;
      }
    }
    return added;
  }

  /** The case's log oldest first: by `at`, then write time, then position in its append. @throws RestError when storage fails. */
  async list(partnerId: string, caseId: string): Promise<SlaEventWithId[]> {
    const table = await this.storage.getTable(TableNames.slaEvents);
    const rows: Array<{ event: SlaEventWithId; writtenAt: string; ordinal: number }> = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${slaPartition(partnerId, caseId)}` } })) {
      rows.push({ event: unpackJson<SlaEventWithId>(e), writtenAt: String(e.writtenAt ?? ""), ordinal: Number(e.ordinal ?? 0) });
    }
    rows.sort((a, b) => cmp(Date.parse(a.event.at), Date.parse(b.event.at)) || cmp(a.writtenAt, b.writtenAt) || cmp(a.ordinal, b.ordinal));
    return rows.map((r) => r.event);
  }
}

function cmp<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
