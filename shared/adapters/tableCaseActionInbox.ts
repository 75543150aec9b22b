/**
 * The per-case action inbox in Table Storage (shared/contracts/caseActions.ts).
 *
 * Table `<prefix>CaseActions`, PartitionKey `<partnerId>_<caseId>`:
 * - a counter row, RowKey `counter`, holding the last `seq` handed out;
 * - one row per action, RowKey = `seq`: 12 zero-padded decimal digits (`000000000001`, …), the
 *   action and actor as packed JSON, `recordedAt`.
 * An append reads the counter and writes the counter (If-Match its ETag) and the action row in one
 * entity-group transaction, retried on 412. So `seq` is gapless and increases in commit order: a
 * reader that has seen `seq` n has seen every action before it, and a cursor never skips one (a
 * time-based key could: two front ends with skewed clocks, or a late commit of an earlier key).
 * This process remembers the counter (its value and ETag) of the cases it appended to last, and
 * that a case it has just created has none (`noteNewCase`), for at most {@link COUNTER_HINTS_MAX}
 * cases, so the next append to such a case goes straight to the transaction; a counter another
 * instance moved (412), deleted (404) or created (409) meanwhile fails that transaction, and the
 * append reads the counter and tries again. The storage's conditions, not the remembered value,
 * keep `seq` gapless.
 * Entity group transactions: https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
 */
import { odata } from "@azure/data-tables";
import { formatActionSeq, type Actor, type CaseAction, type CaseActionRecord } from "../contracts";
import type { CaseActionInbox } from "../ports";
import { deleteWhere, encodeKey, packJson, statusOf, TableNames, unpackJson, type TableStorage } from "./tableStorage";

const COUNTER_ROW = "counter";
const MAX_ATTEMPTS = 20;
/** Most case counters one inbox object remembers (the least recently appended to is dropped first). */
export const COUNTER_HINTS_MAX = 10_000;

/** A case's counter as this process last wrote it (`etag` undefined: no counter yet, the case was just created here). */
interface CounterHint {
  last: number;
  etag: string | undefined;
}

/** PartitionKey of a case's inbox. */
export function caseActionPartition(partnerId: string, caseId: string): string {
  return `${encodeKey(partnerId)}_${encodeKey(caseId)}`;
}

/** {@link CaseActionInbox} over Azure Table Storage. */
export class TableCaseActionInbox implements CaseActionInbox {
  /** Counters this process wrote, by partition key, least recently appended first. */
  readonly #hints = new Map<string, CounterHint>();

  /**
   * @param storage - table access.
   * @param now - clock for `recordedAt` (default: system time).
   */
  constructor(
    private readonly storage: TableStorage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Appends an action with the next `seq` of the case (counter + action row in one transaction,
   * retried on 412/409 up to 20 times with a short random back-off). The counter is read first
   * unless this process wrote it last (then a transaction that finds it changed costs one read and
   * a new attempt, without back-off).
   * @throws Error when concurrent appends keep winning, or storage fails.
   */
  async append(partnerId: string, caseId: string, action: CaseAction, actor: Actor): Promise<CaseActionRecord> {
    const table = await this.storage.getTable(TableNames.caseActions);
    const pk = caseActionPartition(partnerId, caseId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const hint = this.#hints.get(pk);
      let last = 0;
      let etag: string | undefined;
      if (hint) {
        ({ last, etag } = hint);
      } else {
        try {
          const row = await table.getEntity<{ last?: number }>(pk, COUNTER_ROW);
          last = Number(row.last ?? 0);
          etag = row.etag;
        } catch (e) {
          if (statusOf(e) !== 404) throw e;
        }
      }
      const seq = formatActionSeq(last + 1);
      const record: CaseActionRecord = { seq, action, actor, recordedAt: this.now().toISOString() };
      const counter = { partitionKey: pk, rowKey: COUNTER_ROW, last: last + 1 };
      try {
        const response = await table.submitTransaction([
          etag === undefined ? ["create", counter] : ["update", counter, "Replace", { etag }],
          ["create", { partitionKey: pk, rowKey: seq, type: action.type, actorKind: actor.kind, recordedAt: record.recordedAt, ...packJson(record) }],
        ]);
        // Sub-responses come in the order of the operations (OData batch): the counter's is first.
        // Its ETag as @azure/data-tables parses it may end with the line's CR.
        const counterResponse = response.subResponses[0];
        this.#remember(pk, last + 1, counterResponse && (counterResponse.rowKey === undefined || counterResponse.rowKey === COUNTER_ROW) ? counterResponse.etag?.trim() || undefined : undefined);
        return record;
      } catch (e) {
        const status = statusOf(e);
        this.#hints.delete(pk);
        // A remembered counter that another instance moved (412), deleted (404: the case's data was
        // erased) or never saw: read it and try again at once.
        if (hint && (status === 412 || status === 404 || status === 409)) continue;
        // 412: another append moved the counter; 409: another append created the counter first.
        if (status !== 412 && status !== 409) throw e;
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20 * (attempt + 1))));
      }
    }
    throw new Error(`Case ${caseId}: could not append an action after ${MAX_ATTEMPTS} concurrent-append conflicts`);
  }

  /**
   * Remembers that the case was just created by this process: its first append creates the counter
   * without reading it first (a 409, when another instance appended meanwhile, makes it read).
   */
  noteNewCase(partnerId: string, caseId: string): void {
    this.#setHint(caseActionPartition(partnerId, caseId), { last: 0, etag: undefined });
  }

  /** Remembers a counter this process wrote (nothing without its ETag), the most recent last. */
  #remember(pk: string, last: number, etag: string | undefined): void {
    this.#hints.delete(pk);
    if (etag === undefined) return;
    this.#setHint(pk, { last, etag });
  }

  #setHint(pk: string, hint: CounterHint): void {
    this.#hints.delete(pk);
    this.#hints.set(pk, hint);
    if (this.#hints.size > COUNTER_HINTS_MAX) this.#hints.delete(this.#hints.keys().next().value as string);
  }

  /**
   * Actions after the cursor in `seq` order.
   * @param after - the last `seq` processed (exclusive); absent or empty = from the first action.
   * @param limit - 1–500, default 50.
   * @throws RangeError when `limit` is out of range.
   */
  async listAfter(partnerId: string, caseId: string, after?: string, limit = 50): Promise<CaseActionRecord[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new RangeError("limit must be an integer from 1 to 500");
    const table = await this.storage.getTable(TableNames.caseActions);
    const lower = after ?? "";
    // Action rows are all digits; the counter row ("counter") sorts after them and is excluded by `lt ":"`.
    const filter = odata`PartitionKey eq ${caseActionPartition(partnerId, caseId)} and RowKey gt ${lower} and RowKey lt ${":"}`;
    const out: CaseActionRecord[] = [];
    for await (const page of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: Math.min(limit, 1000) })) {
      for (const e of page) {
        out.push(unpackJson<CaseActionRecord>(e));
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** Deletes every row of the case's inbox partition (actions and counter). @throws RestError when storage fails. */
  async deleteCase(partnerId: string, caseId: string): Promise<number> {
    const table = await this.storage.getTable(TableNames.caseActions);
    this.#hints.delete(caseActionPartition(partnerId, caseId));
    return deleteWhere(table, odata`PartitionKey eq ${caseActionPartition(partnerId, caseId)}`);
  }
}
