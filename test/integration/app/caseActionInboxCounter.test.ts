/**
 * The Table Storage inbox remembers the counter of a case it appended to last, so its next append
 * to that case is one transaction without a read; a counter moved, erased or created by another app
 * instance meanwhile fails that transaction and the append reads and tries again, still gapless.
 * Two inbox objects over one set of tables play two app instances; every counter read and
 * transaction each makes is counted. On the Jest Azurite.
 */
import type { TableClient } from "@azure/data-tables";
import { TableCaseActionInbox, TableStorage } from "../../../shared/adapters";
import { testConfig } from "./helpers";

const partner = { kind: "partner", partnerId: "p-counter" } as const;

interface CountedInstance {
  inbox: TableCaseActionInbox;
  /** Counter reads (point reads) and transactions this instance made so far. */
  calls: { reads: number; transactions: number };
  /** The next transaction commits and is then sent again, as the SDK resends one whose answer was lost. */
  resendNextTransaction: boolean;
}

/** `count` instances of the app over the same fresh tables, each counting its inbox's storage calls. */
function instances(count: number): CountedInstance[] {
  const config = testConfig("inboxcounter");
  return Array.from({ length: count }, () => {
    const storage = new TableStorage({ connectionString: config.AzureWebJobsStorage, tablePrefix: config.TABLE_PREFIX });
    const calls = { reads: 0, transactions: 0 };
    const instance = { calls, resendNextTransaction: false } as CountedInstance;
    const getTable = storage.getTable.bind(storage);
    storage.getTable = async (name: string): Promise<TableClient> => {
      const table = await getTable(name);
      return new Proxy(table, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property);
          if (typeof value !== "function") return value;
          const method = (value as (...args: unknown[]) => unknown).bind(target);
          if (property === "getEntity") return (...args: unknown[]) => (calls.reads++, method(...args));
          if (property === "submitTransaction") {
            return async (...args: unknown[]) => {
              calls.transactions++;
              if (!instance.resendNextTransaction) return method(...args);
              // The SDK's resend after a lost answer: the transaction commits, then is sent again.
              instance.resendNextTransaction = false;
              await method(...args);
              return method(...args);
            };
          }
          return method;
        },
      });
    };
    instance.inbox = new TableCaseActionInbox(storage);
    return instance;
  });
}

const update = (message: string) => ({ type: "update" as const, message });

describe("TableCaseActionInbox: the counter this instance wrote last", () => {
  it("is not read again: the next appends to the case are one transaction each", async () => {
    const [a] = instances(1) as [CountedInstance];
    const seqs = [];
    for (const m of ["one", "two", "three"]) seqs.push((await a.inbox.append("p-counter", "CS-COUNTER0001", update(m), partner)).seq);
    expect(seqs).toEqual(["000000000001", "000000000002", "000000000003"]);
    // One read for the first append (no counter yet: 404), none after.
    expect(a.calls).toEqual({ reads: 1, transactions: 3 });
    expect((await a.inbox.listAfter("p-counter", "CS-COUNTER0001")).map((r) => (r.action as { message: string }).message)).toEqual(["one", "two", "three"]);
  });

  it("moved by another instance: one failed transaction, a look at the row it tried, a read, and the positions stay gapless", async () => {
    const [a, b] = instances(2) as [CountedInstance, CountedInstance];
    expect((await a.inbox.append("p-counter", "CS-COUNTER0002", update("a1"), partner)).seq).toBe("000000000001");
    expect((await b.inbox.append("p-counter", "CS-COUNTER0002", update("b1"), partner)).seq).toBe("000000000002");
    expect((await a.inbox.append("p-counter", "CS-COUNTER0002", update("a2"), partner)).seq).toBe("000000000003");
    expect(a.calls).toEqual({ reads: 3, transactions: 3 });
    expect((await b.inbox.append("p-counter", "CS-COUNTER0002", update("b2"), partner)).seq).toBe("000000000004");
    const read = await a.inbox.listAfter("p-counter", "CS-COUNTER0002");
    expect(read.map((r) => [r.seq, (r.action as { message: string }).message])).toEqual([
      ["000000000001", "a1"],
      ["000000000002", "b1"],
      ["000000000003", "a2"],
      ["000000000004", "b2"],
    ]);
  });

  it("erased by another instance: the next append starts the case's inbox again at the first position", async () => {
    const [a, b] = instances(2) as [CountedInstance, CountedInstance];
    await a.inbox.append("p-counter", "CS-COUNTER0003", update("before 1"), partner);
    await a.inbox.append("p-counter", "CS-COUNTER0003", update("before 2"), partner);
    expect(await b.inbox.deleteCase("p-counter", "CS-COUNTER0003")).toBe(3);
    expect((await a.inbox.append("p-counter", "CS-COUNTER0003", update("after"), partner)).seq).toBe("000000000001");
    expect((await b.inbox.listAfter("p-counter", "CS-COUNTER0003")).map((r) => (r.action as { message: string }).message)).toEqual(["after"]);
  });

  it("erased by this instance: forgotten, so the next append reads and starts at the first position", async () => {
    const [a] = instances(1) as [CountedInstance];
    await a.inbox.append("p-counter", "CS-COUNTER0004", update("before"), partner);
    await a.inbox.deleteCase("p-counter", "CS-COUNTER0004");
    expect((await a.inbox.append("p-counter", "CS-COUNTER0004", update("after"), partner)).seq).toBe("000000000001");
    expect(a.calls).toEqual({ reads: 2, transactions: 2 });
  });

  it("of a case this instance has just created is not looked for: the first append creates it", async () => {
    const [a, b] = instances(2) as [CountedInstance, CountedInstance];
    a.inbox.noteNewCase("p-counter", "CS-COUNTER0006");
    expect((await a.inbox.append("p-counter", "CS-COUNTER0006", update("first"), partner)).seq).toBe("000000000001");
    expect((await a.inbox.append("p-counter", "CS-COUNTER0006", update("second"), partner)).seq).toBe("000000000002");
    expect(a.calls).toEqual({ reads: 0, transactions: 2 });
    // Noted as new here, but another instance appended first: the create fails (409), the append
    // looks at the row it tried (not its own), reads the counter and goes on.
    a.inbox.noteNewCase("p-counter", "CS-COUNTER0007");
    expect((await b.inbox.append("p-counter", "CS-COUNTER0007", update("b first"), partner)).seq).toBe("000000000001");
    expect((await a.inbox.append("p-counter", "CS-COUNTER0007", update("a second"), partner)).seq).toBe("000000000002");
    expect(a.calls).toEqual({ reads: 2, transactions: 4 });
    expect((await b.inbox.listAfter("p-counter", "CS-COUNTER0007")).map((r) => (r.action as { message: string }).message)).toEqual(["b first", "a second"]);
  });

  it("a transaction that committed but whose answer was lost, sent again and refused on the counter, is the append's own: the action is stored once", async () => {
    const [a] = instances(1) as [CountedInstance];
    // The first append creates the counter (the resend fails with 409), the second updates it (412).
    for (const [message, seq] of [["first", "000000000001"], ["second", "000000000002"]] as const) {
      a.resendNextTransaction = true;
      expect((await a.inbox.append("p-counter", "CS-COUNTER0008", update(message), partner)).seq).toBe(seq);
    }
    expect((await a.inbox.listAfter("p-counter", "CS-COUNTER0008")).map((r) => [r.seq, (r.action as { message: string }).message])).toEqual([
      ["000000000001", "first"],
      ["000000000002", "second"],
    ]);
    // And the next append goes on from there.
    expect((await a.inbox.append("p-counter", "CS-COUNTER0008", update("third"), partner)).seq).toBe("000000000003");
  });

  it("concurrent appends from two instances that both remember the counter are all kept, in distinct gapless positions", async () => {
    const [a, b] = instances(2) as [CountedInstance, CountedInstance];
    await a.inbox.append("p-counter", "CS-COUNTER0005", update("a0"), partner);
    await b.inbox.append("p-counter", "CS-COUNTER0005", update("b0"), partner);
    const appended = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).inbox.append("p-counter", "CS-COUNTER0005", update(`m${i}`), partner)));
    expect(appended.map((r) => r.seq).sort()).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 3).padStart(12, "0")));
    const read = await a.inbox.listAfter("p-counter", "CS-COUNTER0005");
    expect(read.map((r) => r.seq)).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1).padStart(12, "0")));
    expect(new Set(read.map((r) => (r.action as { message: string }).message)).size).toBe(12);
  });
});
