/** TableCaseRepository against the real Azurite (partners and notifications: test/contracts, run by tableAdapterContracts.test.ts). */
import { TableCaseRepository, TableStorage, type CaseAlreadyExistsError } from "../../../shared/adapters";
import type { SupportRequest, TimelineEntry } from "../../../shared/contracts";
import { generateCaseId } from "../../../shared/services/caseId";
import { supportRequestBody, testConfig } from "./helpers";

const config = testConfig("repo");
const storage = new TableStorage({ connectionString: config.AzureWebJobsStorage, tablePrefix: config.TABLE_PREFIX });
const cases = new TableCaseRepository(storage);

function newCase(partnerId: string, createdAt: Date, overrides: Partial<SupportRequest> = {}): SupportRequest {
  const iso = createdAt.toISOString();
  return { caseId: generateCaseId(createdAt), partnerId, channel: "webhook", ...(supportRequestBody() as Omit<SupportRequest, "caseId" | "partnerId" | "channel" | "status" | "createdAt" | "updatedAt">), status: "received", createdAt: iso, updatedAt: iso, ...overrides } as SupportRequest;
}

function firstEntry(at: string): TimelineEntry {
  return { entryId: "received", kind: "status-changed", at, toStatus: "received", summary: "received" };
}

describe("TableCaseRepository", () => {
  it("stores a case and reads it back only under its own partner (BOLA)", async () => {
    const sr = newCase("alpha-partner", new Date("2026-05-01T10:00:00Z"));
    await cases.createCase(sr, firstEntry(sr.createdAt));
    expect(await cases.getCase("alpha-partner", sr.caseId)).toEqual(sr);
    expect(await cases.getCase("beta-partner", sr.caseId)).toBeUndefined();
    expect(await cases.listTimeline("beta-partner", sr.caseId)).toEqual([]);
    expect((await cases.listCases("beta-partner")).items.map((c) => c.caseId)).not.toContain(sr.caseId);
    expect(await cases.listTimeline("alpha-partner", sr.caseId)).toEqual([firstEntry(sr.createdAt)]);
  });

  it("refuses a second case with the same id", async () => {
    const sr = newCase("alpha-partner", new Date("2026-05-01T11:00:00Z"));
    await cases.createCase(sr, firstEntry(sr.createdAt));
    await expect(cases.createCase({ ...sr, title: "other" }, firstEntry(sr.createdAt))).rejects.toMatchObject({ code: "CaseAlreadyExists" } satisfies Partial<CaseAlreadyExistsError>);
    expect((await cases.getCase("alpha-partner", sr.caseId))?.title).toBe(sr.title);
  });

  it("lists newest first, page by page, with opaque continuation tokens", async () => {
    const partnerId = "paging-partner";
    const base = Date.parse("2026-06-01T08:00:00Z");
    const created: SupportRequest[] = [];
    for (let i = 0; i < 7; i++) {
      const sr = newCase(partnerId, new Date(base + i * 60_000 * 7), { title: `Request ${i}` });
      await cases.createCase(sr, firstEntry(sr.createdAt));
      created.push(sr);
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await cases.listCases(partnerId, { limit: 3, ...(token ? { continuationToken: token } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((c) => c.caseId));
      token = page.continuationToken;
      if (token) expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      pages++;
    } while (token && pages < 10);
    expect(seen).toEqual([...created].reverse().map((c) => c.caseId));
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("rejects continuation tokens it did not issue and out-of-range limits", async () => {
    await expect(cases.listCases("paging-partner", { continuationToken: "not-a-token" })).rejects.toMatchObject({ code: "InvalidContinuationToken" });
    await expect(cases.listCases("paging-partner", { limit: 0 })).rejects.toThrow(RangeError);
    await expect(cases.listCases("paging-partner", { limit: 101 })).rejects.toThrow(RangeError);
  });

  it("applies a transition once per entry id, merging status and patch, listing reflects it", async () => {
    const sr = newCase("alpha-partner", new Date("2026-05-02T09:00:00Z"));
    await cases.createCase(sr, firstEntry(sr.createdAt));
    const input = {
      caseId: sr.caseId,
      partnerId: "alpha-partner",
      entryId: "t01-in-diagnosis",
      toStatus: "in-diagnosis" as const,
      kind: "status-changed" as const,
      summary: "diagnosing",
      at: "2026-05-02T09:00:05.000Z",
      patch: { sla: { targets: { firstResponse: "PT4H", resolution: "P2D", clock: "business-hours" as const }, firstResponseDueAt: "2026-05-02T13:00:05.000Z" } },
    };
    const after = await cases.applyTransition(input);
    expect(after).toMatchObject({ status: "in-diagnosis", updatedAt: input.at, sla: input.patch.sla });
    const again = await cases.applyTransition(input);
    expect(again.status).toBe("in-diagnosis");
    const timeline = await cases.listTimeline("alpha-partner", sr.caseId);
    expect(timeline.map((e) => e.entryId)).toEqual(["received", "t01-in-diagnosis"]);
    expect(timeline[1]).toMatchObject({ fromStatus: "received", toStatus: "in-diagnosis" });
    const listed = (await cases.listCases("alpha-partner", { limit: 100 })).items.find((c) => c.caseId === sr.caseId);
    expect(listed?.status).toBe("in-diagnosis");
    await expect(cases.applyTransition({ ...input, partnerId: "beta-partner", entryId: "t02-x" })).rejects.toMatchObject({ code: "CaseNotFound" });
  });

  it("records when a case was closed (the retention period counts from it) and forgets it when reopened; only closed cases past a cutoff are erasable", async () => {
    const sr = newCase("closing-partner", new Date("2026-05-03T10:00:00Z"));
    await cases.createCase(sr, firstEntry(sr.createdAt));
    const move = (entryId: string, toStatus: SupportRequest["status"], at: string) => cases.applyTransition({ caseId: sr.caseId, partnerId: sr.partnerId, entryId, kind: "status-changed", at, summary: toStatus, toStatus });
    await move("t1", "resolved", "2026-05-04T10:00:00.000Z");
    expect((await move("t2", "closed", "2026-05-07T10:00:00.000Z")).closedAt).toBe("2026-05-07T10:00:00.000Z");
    expect(await cases.listErasableCases("closing-partner", "2026-05-08T00:00:00.000Z", 10)).toEqual([{ caseId: sr.caseId, closedAt: "2026-05-07T10:00:00.000Z" }]);
    expect(await cases.listErasableCases("closing-partner", "2026-05-07T10:00:00.000Z", 10)).toEqual([]);
    expect((await move("t3", "in-diagnosis", "2026-05-09T10:00:00.000Z")).closedAt).toBeUndefined();
    expect(await cases.listErasableCases("closing-partner", "2026-06-01T00:00:00.000Z", 10)).toEqual([]);
    expect((await move("t4", "closed", "2026-05-12T10:00:00.000Z")).closedAt).toBe("2026-05-12T10:00:00.000Z");
    expect((await cases.getCase(sr.partnerId, sr.caseId))?.closedAt).toBe("2026-05-12T10:00:00.000Z");
  });

  it("keeps every concurrent transition (ETag If-Match, retried on 412)", async () => {
    const sr = newCase("alpha-partner", new Date("2026-05-03T09:00:00Z"));
    await cases.createCase(sr, firstEntry(sr.createdAt));
    await Promise.all([
      cases.applyTransition({ caseId: sr.caseId, partnerId: "alpha-partner", entryId: "a", kind: "note", summary: "a", at: "2026-05-03T09:01:00.000Z", patch: { diagnosisNotes: "notes" } }),
      cases.applyTransition({ caseId: sr.caseId, partnerId: "alpha-partner", entryId: "b", kind: "status-changed", toStatus: "in-diagnosis", summary: "b", at: "2026-05-03T09:01:00.000Z" }),
      cases.applyTransition({ caseId: sr.caseId, partnerId: "alpha-partner", entryId: "c", kind: "note", summary: "c", at: "2026-05-03T09:01:00.000Z", patch: { resolutionSummary: "fixed" } }),
    ]);
    const final = await cases.getCase("alpha-partner", sr.caseId);
    expect(final).toMatchObject({ status: "in-diagnosis", diagnosisNotes: "notes", resolutionSummary: "fixed" });
    expect((await cases.listTimeline("alpha-partner", sr.caseId)).map((e) => e.entryId).sort()).toEqual(["a", "b", "c", "received"]);
  });

  it("appends timeline entries idempotently, in chronological order, keys with any characters", async () => {
    const sr = newCase("alpha-partner", new Date("2026-05-04T09:00:00Z"));
    await cases.createCase(sr, firstEntry(sr.createdAt));
    const later: TimelineEntry = { entryId: "email/received#1?", kind: "email-sent", at: "2026-05-04T09:10:00.000Z", summary: "sent" };
    const earlier: TimelineEntry = { entryId: "note-1", kind: "note", at: "2026-05-04T09:05:00.000Z", summary: "note" };
    await cases.appendTimeline("alpha-partner", sr.caseId, later);
    await cases.appendTimeline("alpha-partner", sr.caseId, { ...later, summary: "retry" });
    await cases.appendTimeline("alpha-partner", sr.caseId, earlier);
    expect(await cases.listTimeline("alpha-partner", sr.caseId)).toEqual([firstEntry(sr.createdAt), earlier, later]);
  });

  it("stores a maximal description (32,000 characters) beyond one property's 64 KiB", async () => {
    const description = "é".repeat(32000);
    const sr = newCase("alpha-partner", new Date("2026-05-05T09:00:00Z"), { description });
    await cases.createCase(sr, firstEntry(sr.createdAt));
    expect((await cases.getCase("alpha-partner", sr.caseId))?.description).toBe(description);
  });
});
