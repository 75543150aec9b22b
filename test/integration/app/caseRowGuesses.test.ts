/**
 * The case repository's first guesses (shared/adapters/recentRows.ts) on the Jest Azurite: a case
 * read (or written) a moment ago by this instance is changed without a second read, and a guess
 * another instance made stale is refused by storage and the change made on a fresh read, never
 * over the other instance's write.
 */
import { TableClient } from "@azure/data-tables";
import { TableCaseRepository, TableStorage } from "../../../shared/adapters";
import type { SupportRequest, TimelineEntry } from "../../../shared/contracts";
import { generateCaseId } from "../../../shared/services/caseId";
import { supportRequestBody, testConfig } from "./helpers";

const P = "guess-partner";

function freshStorage(): TableStorage {
  const config = testConfig("guesses");
  return new TableStorage({ connectionString: config.AzureWebJobsStorage, tablePrefix: config.TABLE_PREFIX });
}

async function newCase(cases: TableCaseRepository): Promise<SupportRequest> {
  const at = new Date().toISOString();
  const sr = { caseId: generateCaseId(new Date()), partnerId: P, channel: "webhook", ...supportRequestBody(), status: "received", createdAt: at, updatedAt: at } as SupportRequest;
  const first: TimelineEntry = { entryId: "received", kind: "status-changed", at, toStatus: "received", summary: "received" };
  await cases.createCase(sr, first);
  return sr;
}

/** Counts the requests of `run` to the Cases table, by kind. */
async function casesRequests<T>(run: () => Promise<T>): Promise<{ result: T; reads: number; transactions: number }> {
  const reads = jest.spyOn(TableClient.prototype, "getEntity");
  const transactions = jest.spyOn(TableClient.prototype, "submitTransaction");
  try {
    const result = await run();
    const onCases = (spy: jest.SpyInstance) => spy.mock.contexts.filter((c) => (c as TableClient).tableName.endsWith("Cases")).length;
    return { result, reads: onCases(reads), transactions: onCases(transactions) };
  } finally {
    reads.mockRestore();
    transactions.mockRestore();
  }
}

const at = () => new Date().toISOString();

describe("case rows as first guesses", () => {
  it("a case just created, or just read, is changed with one transaction and no read; a second change right after needs no read either", async () => {
    const storage = freshStorage();
    const cases = new TableCaseRepository(storage);
    const sr = await newCase(cases);
    const afterCreate = await casesRequests(() => cases.applyTransition({ caseId: sr.caseId, partnerId: P, entryId: "ack", kind: "status-changed", toStatus: "in-diagnosis", summary: "Acknowledged", at: at() }));
    expect(afterCreate).toMatchObject({ reads: 0, transactions: 1, result: { status: "in-diagnosis" } });
    const again = await casesRequests(() => cases.patchCase(P, sr.caseId, (c) => ({ ...c, slaHealth: "at-risk" })));
    expect(again).toMatchObject({ reads: 0, transactions: 1 });
    const fresh = new TableCaseRepository(storage);
    const readThenChange = await casesRequests(async () => {
      await fresh.getCase(P, sr.caseId);
      return fresh.applyTransition({ caseId: sr.caseId, partnerId: P, entryId: "resolved", kind: "status-changed", toStatus: "resolved", summary: "Resolved", at: at() });
    });
    expect(readThenChange).toMatchObject({ reads: 1, transactions: 1, result: { status: "resolved", slaHealth: "at-risk" } });
    expect(await new TableCaseRepository(storage).getCase(P, sr.caseId)).toMatchObject({ status: "resolved", slaHealth: "at-risk" });
  });

  it("a guess another instance made stale: storage refuses it (412), the change is made on a fresh read and keeps the other instance's write", async () => {
    const storage = freshStorage();
    const a = new TableCaseRepository(storage);
    const b = new TableCaseRepository(storage);
    const sr = await newCase(a);
    await b.updateCase(P, sr.caseId, { entryId: "assigned", kind: "note", at: at(), summary: "Assigned to Anna" }, (c) => ({ ...c, assignee: "Anna" }));
    const seen = await casesRequests(() => a.applyTransition({ caseId: sr.caseId, partnerId: P, entryId: "ack", kind: "status-changed", toStatus: "in-diagnosis", summary: "Acknowledged", at: at() }));
    // The refused guess, one read, the transaction that took.
    expect(seen).toMatchObject({ reads: 1, transactions: 2, result: { status: "in-diagnosis", assignee: "Anna" } });
    const stored = await new TableCaseRepository(storage).getCase(P, sr.caseId);
    expect(stored).toMatchObject({ status: "in-diagnosis", assignee: "Anna" });
    expect((await a.listTimeline(P, sr.caseId)).map((e) => e.entryId)).toEqual(["received", "assigned", "ack"]);
  });

  it("a rerun of a transition that another instance applied meanwhile changes nothing and answers with the case as stored", async () => {
    const storage = freshStorage();
    const a = new TableCaseRepository(storage);
    const b = new TableCaseRepository(storage);
    const sr = await newCase(a);
    await a.getCase(P, sr.caseId);
    const transition = { caseId: sr.caseId, partnerId: P, entryId: "ack", kind: "status-changed" as const, toStatus: "in-diagnosis" as const, summary: "Acknowledged", at: at() };
    await b.applyTransition(transition);
    await b.applyTransition({ caseId: sr.caseId, partnerId: P, entryId: "resolved", kind: "status-changed", toStatus: "resolved", summary: "Resolved", at: at() });
    const rerun = await a.applyTransition(transition);
    expect(rerun.status).toBe("resolved");
    const stored = await new TableCaseRepository(storage).getCase(P, sr.caseId);
    expect(stored?.status).toBe("resolved");
    expect((await a.listTimeline(P, sr.caseId)).filter((e) => e.entryId === "ack")).toHaveLength(1);
  });

  it("a guess that decides nothing is read again, so what is returned is what storage holds", async () => {
    const storage = freshStorage();
    const a = new TableCaseRepository(storage);
    const b = new TableCaseRepository(storage);
    const sr = await newCase(a);
    await b.patchCase(P, sr.caseId, (c) => ({ ...c, slaHealth: "breached" }));
    const unchanged = await casesRequests(() => a.patchCase(P, sr.caseId, () => undefined));
    expect(unchanged).toMatchObject({ reads: 1, transactions: 0, result: { slaHealth: "breached" } });
  });

  it("a guess of a case that is gone (another partner's id, a long id) is never made", async () => {
    const cases = new TableCaseRepository(freshStorage());
    await expect(cases.applyTransition({ caseId: "CS-missing", partnerId: P, entryId: "x", kind: "note", summary: "x", at: at() })).rejects.toMatchObject({ code: "CaseNotFound" });
    expect(await cases.patchCase(P, "C".repeat(300), (c) => c)).toBeUndefined();
  });
});
