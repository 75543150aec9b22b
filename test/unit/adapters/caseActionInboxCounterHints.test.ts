/**
 * How many case counters the Table Storage inbox remembers, and which it forgets first: over a
 * scripted table (a counter per partition with an ETag, If-Match checked as the service does), since
 * filling the bound on Azurite would take minutes. The storage behaviour itself is tested on Azurite
 * (test/integration/app/caseActionInboxCounter.test.ts).
 */
import type { TableClient, TableTransactionResponse, TransactionAction } from "@azure/data-tables";
import { COUNTER_HINTS_MAX, TableCaseActionInbox, type TableStorage } from "../../../shared/adapters";

/** A table with just what an append uses: counter reads and the counter + action transaction. */
function scriptedTable() {
  const counters = new Map<string, { last: number; etag: string }>();
  let version = 0;
  const calls = { reads: 0, transactions: 0 };
  const fail = (statusCode: number) => Object.assign(new Error(`status ${statusCode}`), { statusCode });
  const table = {
    async getEntity(pk: string) {
      calls.reads++;
      const c = counters.get(pk);
      if (!c) throw fail(404);
      return { partitionKey: pk, rowKey: "counter", last: c.last, etag: c.etag };
    },
    async submitTransaction(actions: TransactionAction[]): Promise<TableTransactionResponse> {
      calls.transactions++;
      const [kind, entity, , options] = actions[0] as unknown as [string, { partitionKey: string; last: number }, string?, { etag?: string }?];
      const current = counters.get(entity.partitionKey);
      if (kind === "create" && current) throw fail(409);
      if (kind === "update" && (!current || current.etag !== options?.etag)) throw fail(current ? 412 : 404);
      const etag = `W/"v${++version}"`;
      counters.set(entity.partitionKey, { last: entity.last, etag });
      // As @azure/data-tables parses a real answer: the counter's ETag with the line's CR.
      return { status: 202, subResponses: [{ status: 204, etag: `${etag}\r` }, { status: 204, rowKey: "000000000001" }], getResponseForEntity: () => undefined };
    },
  };
  const storage = { getTable: async () => table as unknown as TableClient } as unknown as TableStorage;
  return { storage, calls };
}

const partner = { kind: "partner", partnerId: "p" } as const;

describe("TableCaseActionInbox's remembered counters", () => {
  it(`keeps the last ${COUNTER_HINTS_MAX} cases appended to, forgetting the least recently appended first`, async () => {
    const { storage, calls } = scriptedTable();
    const inbox = new TableCaseActionInbox(storage);
    await inbox.append("p", "CS-FIRST", { type: "update", message: "first" }, partner);
    await inbox.append("p", "CS-SECOND", { type: "update", message: "second" }, partner);
    for (let i = 0; i < COUNTER_HINTS_MAX - 2; i++) await inbox.append("p", `CS-${i}`, { type: "update", message: "filler" }, partner);
    // Exactly at the bound: both still remembered. Appending to the first makes it the most recent.
    calls.reads = 0;
    expect((await inbox.append("p", "CS-FIRST", { type: "update", message: "again" }, partner)).seq).toBe("000000000002");
    expect(calls.reads).toBe(0);
    // One case more: the least recently appended (the second) is forgotten, and read again.
    await inbox.append("p", "CS-ONE-MORE", { type: "update", message: "over the bound" }, partner);
    calls.reads = 0;
    expect((await inbox.append("p", "CS-SECOND", { type: "update", message: "again" }, partner)).seq).toBe("000000000002");
    expect(calls.reads).toBe(1);
    calls.reads = 0;
    expect((await inbox.append("p", "CS-FIRST", { type: "update", message: "third" }, partner)).seq).toBe("000000000003");
    expect(calls.reads).toBe(0);
  });
});
