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
 * cases and a day (shared `RecentRows`), so the next append to such a case goes straight to the transaction; a counter another
 * instance moved (412), deleted (404) or created (409) meanwhile fails that transaction, and the
 * append reads the counter and tries again. The storage's conditions, not the remembered value,
 * keep `seq` gapless. Each action row carries the id of the append call that wrote it
 * (`appendId`): when a transaction fails on the counter's condition, the append looks whether the
 * row it tried to write is its own (an earlier send of the same transaction committed and its
 * answer was lost) before it tries the next `seq`, so an action is never appended twice.
 * Closing ({@link TableCaseActionInbox.close}) marks the counter row with `closedThrough` (the last
 * `seq` number, written If-Match the counter's ETag): an append that read the counter before the
 * close fails on the ETag and reads it again, so it sees the mark and is refused; an append with
 * `reopen` writes the counter without the mark (the inbox is open again).
 * Entity group transactions: https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
 */
import { randomUUID } from "node:crypto";
import { odata } from "@azure/data-tables";
import { actionSeqNumber, CaseInboxClosedError, formatActionSeq, type Actor, type CaseAction, type CaseActionRecord } from "../contracts";
import type { CaseActionAppendOptions, CaseActionInbox } from "../ports";
import { RecentRows } from "./recentRows";
import { conflictBackoff, deleteWhere, encodeKey, packJson, statusOf, TableNames, unpackJson, type TableStorage } from "./tableStorage";

const COUNTER_ROW = "counter";
const MAX_ATTEMPTS = 20;
/** Most case counters one inbox object remembers (the least recently appended to is dropped first). */
export const COUNTER_HINTS_MAX = 10_000;
/** How long a remembered counter is worth a guess (ms): a case's actions come minutes to hours apart. */
const COUNTER_HINT_MAX_AGE_IN_MS = 24 * 60 * 60_000;

/** Whether a counter row carries the closing mark (`closedThrough`). */
function isClosedCounter(row: { closedThrough?: number | null }): boolean {
  return row.closedThrough !== undefined && row.closedThrough !== null;
}

/** PartitionKey of a case's inbox. */
export function caseActionPartition(partnerId: string, caseId: string): string {
  return `${encodeKey(partnerId)}_${encodeKey(caseId)}`;
}

/** {@link CaseActionInbox} over Azure Table Storage. */
export class TableCaseActionInbox implements CaseActionInbox {
  /** Counters this process wrote (or knows do not exist yet), by partition key. */
  readonly #counters = new RecentRows<{ last: number }>({ maxRows: COUNTER_HINTS_MAX, maxAgeInMs: COUNTER_HINT_MAX_AGE_IN_MS });

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
   * a new attempt, without back-off). A closed inbox (the counter's `closedThrough`) refuses the
   * append unless `options.reopen`, whose counter write opens it again.
   * @throws CaseInboxClosedError when the inbox is closed and `options.reopen` is not set.
   * @throws Error when concurrent appends keep winning, or storage fails.
   */
  async append(partnerId: string, caseId: string, action: CaseAction, actor: Actor, options: CaseActionAppendOptions = {}): Promise<CaseActionRecord> {
    const table = await this.storage.getTable(TableNames.caseActions);
    const pk = caseActionPartition(partnerId, caseId);
    // Marks this call's action row: a transaction that committed but whose answer was lost (the
    // SDK resends it after a timeout or a dropped connection, and the resend fails on the counter's
    // condition) is recognised as this call's own, not appended a second time.
    const appendId = randomUUID();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const known = this.#counters.recall(pk);
      const guessed = known !== undefined || this.#counters.knownMissing(pk);
      let last = known?.value.last ?? 0;
      let etag = known?.etag;
      if (!guessed) {
        try {
          const row = await table.getEntity<{ last?: number; closedThrough?: number }>(pk, COUNTER_ROW);
          if (isClosedCounter(row) && !options.reopen) throw new CaseInboxClosedError(caseId);
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
          ["create", { partitionKey: pk, rowKey: seq, type: action.type, actorKind: actor.kind, recordedAt: record.recordedAt, appendId, ...packJson(record) }],
        ]);
        // Sub-responses come in the order of the operations (OData batch): the counter's is first.
        // Its ETag as @azure/data-tables parses it may end with the line's CR.
        const counterResponse = response.subResponses[0];
        this.#counters.remember(pk, counterResponse && (counterResponse.rowKey === undefined || counterResponse.rowKey === COUNTER_ROW) ? counterResponse.etag?.trim() : undefined, { last: last + 1 });
        return record;
      } catch (e) {
        const status = statusOf(e);
        this.#counters.forget(pk);
        // The counter's condition failed: an earlier send of this very transaction may have committed.
        if (status === 412 || status === 409) {
          const mine = await this.#ownRow(pk, seq, appendId);
          if (mine) return mine;
        }
        // A remembered counter that another instance moved (412), deleted (404: the case's data was
        // erased) or created (409): read it and try again at once.
        if (guessed && (status === 412 || status === 404 || status === 409)) continue;
        // 412: another append moved the counter; 409: another append created the counter first.
        if (status !== 412 && status !== 409) throw e;
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20 * (attempt + 1))));
      }
    }
    throw new Error(`Case ${caseId}: could not append an action after ${MAX_ATTEMPTS} concurrent-append conflicts`);
  }

  /**
   * Closes the inbox when the counter is at or before `after` (counter row `closedThrough`, written
   * If-Match its ETag; created closed when the case has no action at all), else returns the
   * actions after `after`. A conflict (an append or another close meanwhile) reads again after
   * `conflictBackoff`, up to 20 times. Idempotent: an inbox closed at the same counter answers closed.
   * @throws RangeError when `limit` is out of range or `after` is not an inbox `seq`.
   * @throws Error when conflicts keep winning, or storage fails.
   */
  async close(partnerId: string, caseId: string, after?: string, limit = 50): Promise<{ closed: boolean; actions: CaseActionRecord[] }> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new RangeError("limit must be an integer from 1 to 500");
    const through = after === undefined || after === "" ? 0 : actionSeqNumber(after);
    if (through === undefined) throw new RangeError(`after must be an inbox seq, not ${JSON.stringify(after)}`);
    const table = await this.storage.getTable(TableNames.caseActions);
    const pk = caseActionPartition(partnerId, caseId);
    // This process's remembered counter is about to change: its next append reads it.
    this.#counters.forget(pk);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let row: { last?: number; closedThrough?: number; etag: string } | undefined;
      try {
        row = await table.getEntity<{ last?: number; closedThrough?: number }>(pk, COUNTER_ROW);
      } catch (e) {
        if (statusOf(e) !== 404) throw e;
      }
      const last = Number(row?.last ?? 0);
      if (last > through) {
        const actions = await this.listAfter(partnerId, caseId, after, limit);
        // Rows after the cursor that are gone (erased meanwhile) leave nothing to hand over.
        if (actions.length > 0) return { closed: false, actions };
      }
      if (row && isClosedCounter(row) && Number(row.closedThrough) === last) return { closed: true, actions: [] };
      try {
        if (row === undefined) await table.createEntity({ partitionKey: pk, rowKey: COUNTER_ROW, last: 0, closedThrough: 0 });
        else await table.updateEntity({ partitionKey: pk, rowKey: COUNTER_ROW, last, closedThrough: last }, "Replace", { etag: row.etag });
        return { closed: true, actions: [] };
      } catch (e) {
        const status = statusOf(e);
        if (status !== 412 && status !== 409) throw e;
        await conflictBackoff(attempt + 1);
      }
    }
    throw new Error(`Case ${caseId}: could not close the action inbox after ${MAX_ATTEMPTS} conflicts`);
  }

  /** The action row at `seq` when this append call wrote it (its `appendId`), else undefined. */
  async #ownRow(pk: string, seq: string, appendId: string): Promise<CaseActionRecord | undefined> {
    const table = await this.storage.getTable(TableNames.caseActions);
    try {
      const row = await table.getEntity<Record<string, unknown>>(pk, seq);
      return row.appendId === appendId ? unpackJson<CaseActionRecord>(row) : undefined;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /**
   * Remembers that the case was just created by this process: its first append creates the counter
   * without reading it first (a 409, when another instance appended meanwhile, makes it read).
   */
  noteNewCase(partnerId: string, caseId: string): void {
    this.#counters.rememberMissing(caseActionPartition(partnerId, caseId));
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
    this.#counters.forget(caseActionPartition(partnerId, caseId));
    return deleteWhere(table, odata`PartitionKey eq ${caseActionPartition(partnerId, caseId)}`);
  }
}
