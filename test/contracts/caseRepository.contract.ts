/**
 * Contract of the CaseRepository port (shared/ports): what a caller observes of any adapter.
 */
import type { EscalationRecord, SupportRequest, TimelineEntry } from "../../shared/contracts";
import type { CaseFilter, CaseListItem, CaseRepository, ListCasesOptions } from "../../shared/ports";
import { generateCaseId } from "../../shared/services/caseId";
import { supportRequestBody } from "../support/builders";
import { allPages, type MakeAdapter } from "./support";

const TENANT = "b73b3144-acc1-422a-a4c7-bc9d4aed30f9";

function newCase(partnerId: string, createdAt: Date | string, overrides: Partial<SupportRequest> = {}): SupportRequest {
  const at = new Date(createdAt);
  const iso = at.toISOString();
  return { caseId: generateCaseId(at), partnerId, channel: "webhook", ...(supportRequestBody() as Omit<SupportRequest, "caseId" | "partnerId" | "channel" | "status" | "createdAt" | "updatedAt">), status: "received", createdAt: iso, updatedAt: iso, ...overrides } as SupportRequest;
}

function firstEntry(at: string): TimelineEntry {
  return { entryId: "received", kind: "status-changed", at, toStatus: "received", summary: "received" };
}

async function create(cases: CaseRepository, sr: SupportRequest): Promise<SupportRequest> {
  await cases.createCase(sr, firstEntry(sr.createdAt));
  return sr;
}

/** Every item of a search, following continuation tokens (pages may be short, even empty). */
async function searchAll(cases: CaseRepository, partnerId: string, filter: CaseFilter, options: ListCasesOptions = {}): Promise<CaseListItem[]> {
  const { pages } = await allPages((token) => cases.searchCases(partnerId, filter, { ...options, ...(token ? { continuationToken: token } : {}) }));
  expect(pages.every((p) => p.length <= (options.limit ?? 25))).toBe(true);
  return pages.flat();
}

/** Defines the CaseRepository contract tests for an adapter. */
export function describeCaseRepositoryContract(name: string, makeAdapter: MakeAdapter<CaseRepository>): void {
  describe(`CaseRepository contract: ${name}`, () => {
    it("stores a case and reads it back only under its own partner", async () => {
      const cases = await makeAdapter(() => new Date());
      const sr = await create(cases, newCase("alpha-partner", "2026-05-01T10:00:00Z"));
      expect(await cases.getCase("alpha-partner", sr.caseId)).toEqual(sr);
      expect(await cases.getCase("beta-partner", sr.caseId)).toBeUndefined();
      expect(await cases.getCase("alpha-partner", "")).toBeUndefined();
      expect(await cases.getCase("alpha-partner", "x".repeat(201))).toBeUndefined();
      expect(await cases.listTimeline("beta-partner", sr.caseId)).toEqual([]);
      expect((await cases.listCases("beta-partner")).items).toEqual([]);
      expect(await cases.listTimeline("alpha-partner", sr.caseId)).toEqual([firstEntry(sr.createdAt)]);
      expect((await cases.listCases("alpha-partner")).items).toEqual([sr]);
    });

    it("stores a maximal description (32,000 characters, beyond one Table Storage property's 64 KiB)", async () => {
      const cases = await makeAdapter(() => new Date());
      const description = "é".repeat(32000);
      const sr = await create(cases, newCase("alpha-partner", "2026-05-05T09:00:00Z", { description }));
      expect((await cases.getCase("alpha-partner", sr.caseId))?.description).toBe(description);
    });

    it("refuses a taken case id, and a delivery that already created a case (with that case and the fingerprint)", async () => {
      const cases = await makeAdapter(() => new Date());
      const sr = newCase("alpha-partner", "2026-05-01T11:00:00Z");
      await cases.createCase(sr, firstEntry(sr.createdAt), { deliveryId: "msg_2b7d", deliveryFingerprint: "fp-1" });
      await expect(cases.createCase({ ...sr, title: "other" }, firstEntry(sr.createdAt))).rejects.toMatchObject({ code: "CaseAlreadyExists", caseId: sr.caseId });
      const other = newCase("alpha-partner", "2026-05-01T11:00:01Z", { caseId: "CS-0000000002" });
      await expect(cases.createCase(other, firstEntry(other.createdAt), { deliveryId: "msg_2b7d", deliveryFingerprint: "fp-2" })).rejects.toMatchObject({ code: "DeliveryAlreadyRecorded", deliveryId: "msg_2b7d", caseId: sr.caseId, fingerprint: "fp-1" });
      expect(await cases.getCase("alpha-partner", other.caseId)).toBeUndefined();
      expect((await cases.getCase("alpha-partner", sr.caseId))?.title).toBe(sr.title);
      // Deliveries are per partner.
      await cases.createCase({ ...other, partnerId: "beta-partner" }, firstEntry(other.createdAt), { deliveryId: "msg_2b7d" });
      expect((await cases.getCase("beta-partner", other.caseId))?.caseId).toBe(other.caseId);
    });

    it("lists newest first, page by page, with opaque continuation tokens", async () => {
      const cases = await makeAdapter(() => new Date());
      const base = Date.parse("2026-06-01T08:00:00Z");
      const created: SupportRequest[] = [];
      for (let i = 0; i < 7; i++) created.push(await create(cases, newCase("paging-partner", new Date(base + i * 60_000 * 7), { title: `Request ${i}` })));
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await cases.listCases("paging-partner", { limit: 3, ...(token ? { continuationToken: token } : {}) });
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
      const cases = await makeAdapter(() => new Date());
      await expect(cases.listCases("paging-partner", { continuationToken: "not-a-token" })).rejects.toMatchObject({ code: "InvalidContinuationToken" });
      await expect(cases.searchCases("paging-partner", { severity: "A" }, { continuationToken: "eyJ2IjoyfQ" })).rejects.toMatchObject({ code: "InvalidContinuationToken" });
      for (const limit of [0, 101, 2.5]) await expect(cases.listCases("paging-partner", { limit })).rejects.toThrow(RangeError);
    });

    it("applies a transition once per entry id, merging status and patch, listing reflects it", async () => {
      const cases = await makeAdapter(() => new Date());
      const sr = await create(cases, newCase("alpha-partner", "2026-05-02T09:00:00Z"));
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
      expect(after).toEqual({ ...sr, status: "in-diagnosis", updatedAt: input.at, sla: input.patch.sla });
      expect(await cases.applyTransition({ ...input, toStatus: "resolved", at: "2026-05-02T10:00:00.000Z" })).toEqual(after);
      const timeline = await cases.listTimeline("alpha-partner", sr.caseId);
      expect(timeline).toEqual([firstEntry(sr.createdAt), { entryId: "t01-in-diagnosis", kind: "status-changed", at: input.at, summary: "diagnosing", fromStatus: "received", toStatus: "in-diagnosis" }]);
      expect((await cases.listCases("alpha-partner")).items).toEqual([after]);
      await expect(cases.applyTransition({ ...input, partnerId: "beta-partner", entryId: "t02-x" })).rejects.toMatchObject({ code: "CaseNotFound" });
    });

    it("a later escalation record to Microsoft without a service request keeps the one already filed for the case", async () => {
      const cases = await makeAdapter(() => new Date("2026-05-02T09:00:00Z"));
      const sr = await create(cases, newCase("alpha-partner", "2026-05-02T09:00:00Z"));
      const base = { target: "microsoft" as const, vehicle: "product-support-incidents" as const, reason: "beyond baseline support", trigger: "partner-request" as const, decidedAt: "2026-05-02T09:10:00.000Z" };
      const filed = { outcome: "filed" as const, serviceRequestId: "SR-7", locale: "en-US", at: "2026-05-02T09:11:00.000Z", payload: { Title: "t", Description: "d", Severity: "moderate" as const, SupportTopicId: "s", ProductName: "p", PrimaryContact: { Email: "a@b.example", FirstName: "A", LastName: "B", PhoneNumber: "+1 555 0100" } } };
      const transition = (entryId: string, escalation: EscalationRecord) => cases.applyTransition({ caseId: sr.caseId, partnerId: "alpha-partner", entryId, kind: "escalation-decided", summary: entryId, at: "2026-05-02T09:12:00.000Z", patch: { escalation } });
      await transition("t01-filed", { ...base, microsoftServiceRequest: filed });
      const later = await transition("t02-psi-counted", { ...base, productSupportIncident: { consumed: true, remainingIncidents: 2 } });
      expect(later.escalation).toEqual({ ...base, productSupportIncident: { consumed: true, remainingIncidents: 2 }, microsoftServiceRequest: filed });
      // Another target's record replaces it whole.
      const toProvider = await transition("t03-provider", { target: "indirect-provider", providerId: "fabrikam-dist", reason: "r", trigger: "partner-request", decidedAt: "2026-05-02T09:13:00.000Z" });
      expect(toProvider.escalation?.microsoftServiceRequest).toBeUndefined();
      expect((await cases.getCase("alpha-partner", sr.caseId))?.escalation).toEqual(toProvider.escalation);
    });

    it("records when a case was closed and forgets it when reopened; only closed cases past a cutoff are erasable, oldest created first", async () => {
      const cases = await makeAdapter(() => new Date());
      const sr = await create(cases, newCase("closing-partner", "2026-05-03T10:00:00Z"));
      const move = (caseId: string, entryId: string, toStatus: SupportRequest["status"], at: string) => cases.applyTransition({ caseId, partnerId: "closing-partner", entryId, kind: "status-changed", at, summary: toStatus, toStatus });
      await move(sr.caseId, "t1", "resolved", "2026-05-04T10:00:00.000Z");
      expect((await move(sr.caseId, "t2", "closed", "2026-05-07T10:00:00.000Z")).closedAt).toBe("2026-05-07T10:00:00.000Z");
      expect(await cases.listErasableCases("closing-partner", "2026-05-08T00:00:00.000Z", 10)).toEqual([{ caseId: sr.caseId, closedAt: "2026-05-07T10:00:00.000Z" }]);
      expect(await cases.listErasableCases("closing-partner", "2026-05-07T10:00:00.000Z", 10)).toEqual([]);
      expect((await move(sr.caseId, "t3", "in-diagnosis", "2026-05-09T10:00:00.000Z")).closedAt).toBeUndefined();
      expect(await cases.listErasableCases("closing-partner", "2026-06-01T00:00:00.000Z", 10)).toEqual([]);
      expect((await move(sr.caseId, "t4", "closed", "2026-05-12T10:00:00.000Z")).closedAt).toBe("2026-05-12T10:00:00.000Z");
      expect((await cases.getCase("closing-partner", sr.caseId))?.closedAt).toBe("2026-05-12T10:00:00.000Z");

      const older = await create(cases, newCase("closing-partner", "2026-05-01T10:00:00Z"));
      await move(older.caseId, "t1", "closed", "2026-05-20T10:00:00.000Z");
      expect(await cases.listErasableCases("closing-partner", "2026-06-01T00:00:00.000Z", 10)).toEqual([
        { caseId: older.caseId, closedAt: "2026-05-20T10:00:00.000Z" },
        { caseId: sr.caseId, closedAt: "2026-05-12T10:00:00.000Z" },
      ]);
      expect(await cases.listErasableCases("closing-partner", "2026-06-01T00:00:00.000Z", 1)).toEqual([{ caseId: older.caseId, closedAt: "2026-05-20T10:00:00.000Z" }]);
      await expect(cases.listErasableCases("closing-partner", "not a time", 10)).rejects.toThrow(RangeError);
    });

    it("keeps every concurrent transition", async () => {
      const cases = await makeAdapter(() => new Date());
      const sr = await create(cases, newCase("alpha-partner", "2026-05-03T09:00:00Z"));
      await Promise.all([
        cases.applyTransition({ caseId: sr.caseId, partnerId: "alpha-partner", entryId: "a", kind: "note", summary: "a", at: "2026-05-03T09:01:00.000Z", patch: { diagnosisNotes: "notes" } }),
        cases.applyTransition({ caseId: sr.caseId, partnerId: "alpha-partner", entryId: "b", kind: "status-changed", toStatus: "in-diagnosis", summary: "b", at: "2026-05-03T09:01:00.000Z" }),
        cases.applyTransition({ caseId: sr.caseId, partnerId: "alpha-partner", entryId: "c", kind: "note", summary: "c", at: "2026-05-03T09:01:00.000Z", patch: { resolutionSummary: "fixed" } }),
      ]);
      expect(await cases.getCase("alpha-partner", sr.caseId)).toMatchObject({ status: "in-diagnosis", diagnosisNotes: "notes", resolutionSummary: "fixed" });
      expect((await cases.listTimeline("alpha-partner", sr.caseId)).map((e) => e.entryId).sort()).toEqual(["a", "b", "c", "received"]);
    });

    it("appends timeline entries idempotently, in chronological order, ids with any characters", async () => {
      const cases = await makeAdapter(() => new Date());
      const sr = await create(cases, newCase("alpha-partner", "2026-05-04T09:00:00Z"));
      const later: TimelineEntry = { entryId: "email/received#1?", kind: "email-sent", at: "2026-05-04T09:10:00.000Z", summary: "sent" };
      const earlier: TimelineEntry = { entryId: "note-1", kind: "note", at: "2026-05-04T09:05:00.000Z", summary: "note" };
      await cases.appendTimeline("alpha-partner", sr.caseId, later);
      await cases.appendTimeline("alpha-partner", sr.caseId, { ...later, summary: "retry" });
      await cases.appendTimeline("alpha-partner", sr.caseId, earlier);
      expect(await cases.listTimeline("alpha-partner", sr.caseId)).toEqual([firstEntry(sr.createdAt), earlier, later]);
      expect(await cases.getCase("alpha-partner", sr.caseId)).toEqual(sr);
    });

    it("updates a case once per entry id, keeping status, ids and createdAt; patches without an entry or a new updatedAt", async () => {
      const cases = await makeAdapter(() => new Date());
      const sr = await create(cases, newCase("alpha-partner", "2026-05-05T09:00:00Z"));
      const entry: TimelineEntry = { entryId: "reclassified-1", kind: "note", at: "2026-05-05T10:00:00.000Z", summary: "reclassified" };
      const updated = await cases.updateCase("alpha-partner", sr.caseId, entry, (current) => ({ ...current, severity: "A", status: "closed", caseId: "CS-OTHER", createdAt: "2020-01-01T00:00:00.000Z" }));
      expect(updated).toEqual({ ...sr, severity: "A", updatedAt: entry.at });
      expect(await cases.updateCase("alpha-partner", sr.caseId, entry, (current) => ({ ...current, severity: "C" }))).toEqual(updated);
      expect(await cases.updateCase("alpha-partner", sr.caseId, { ...entry, entryId: "no-change" }, () => undefined)).toEqual(updated);
      expect((await cases.listTimeline("alpha-partner", sr.caseId)).map((e) => e.entryId)).toEqual(["received", "reclassified-1"]);
      await expect(cases.updateCase("beta-partner", sr.caseId, entry, (c) => c)).rejects.toMatchObject({ code: "CaseNotFound" });

      const patched = await cases.patchCase("alpha-partner", sr.caseId, (current) => ({ ...current, slaHealth: "at-risk", updatedAt: "2030-01-01T00:00:00.000Z", status: "closed" }));
      expect(patched).toEqual({ ...updated, slaHealth: "at-risk" });
      expect(await cases.getCase("alpha-partner", sr.caseId)).toEqual(patched);
      expect(await cases.patchCase("alpha-partner", sr.caseId, () => undefined)).toEqual(patched);
      expect(await cases.patchCase("beta-partner", sr.caseId, (c) => c)).toBeUndefined();
      expect(await cases.listTimeline("alpha-partner", sr.caseId)).toHaveLength(2);
      expect((await cases.searchCases("alpha-partner", { sla: "at-risk" })).items).toEqual([patched]);
    });

    it("searches with every filter, newest first, and counts per status ignoring the status filter", async () => {
      const cases = await makeAdapter(() => new Date());
      const p = "search-partner";
      const a = await create(cases, newCase(p, "2026-07-01T08:00:00Z", { severity: "A", category: "technical", product: "azure", customer: { tenantId: TENANT, name: "Tisza", email: "IT@Tisza.example", preferredLanguage: "hu" } }));
      const b = await create(cases, newCase(p, "2026-07-02T08:00:00Z", { severity: "B", category: "billing", product: "microsoft-365", channel: "email", slaHealth: "breached", customer: { tenantId: "5f0c7a52-9d1e-4a39-8a8e-2f6d1c3b9e11", name: "Duna", email: "ops@duna.example", preferredLanguage: "en" } }));
      const c = await create(cases, newCase(p, "2026-07-03T08:00:00Z", { severity: "A", category: "billing", product: "azure", workflow: { state: "failed", since: "2026-07-03T09:00:00.000Z" }, customer: { tenantId: TENANT, name: "Tisza", email: "cfo@tisza.example", preferredLanguage: "hu" } }));
      await create(cases, newCase("other-partner", "2026-07-03T08:00:00Z", { severity: "A" }));
      const cAfter = await cases.applyTransition({ caseId: c.caseId, partnerId: p, entryId: "t1", kind: "status-changed", toStatus: "in-diagnosis", summary: "diagnosing", at: "2026-07-03T10:00:00.000Z" });
      const ids = async (filter: CaseFilter): Promise<string[]> => (await searchAll(cases, p, filter, { limit: 1 })).map((x) => x.caseId);
      expect(await ids({})).toEqual([c.caseId, b.caseId, a.caseId]);
      expect(await ids({ severity: "A" })).toEqual([c.caseId, a.caseId]);
      expect(await ids({ category: "billing" })).toEqual([c.caseId, b.caseId]);
      expect(await ids({ product: "azure", severity: "A", category: "technical" })).toEqual([a.caseId]);
      expect(await ids({ channel: "email" })).toEqual([b.caseId]);
      expect(await ids({ customer: "it@TISZA.example" })).toEqual([a.caseId]);
      expect(await ids({ customer: "5F0C7A52-9D1E-4A39-8A8E-2F6D1C3B9E11" })).toEqual([b.caseId]);
      expect(await ids({ customer: TENANT })).toEqual([c.caseId, a.caseId]);
      expect(await ids({ sla: "breached" })).toEqual([b.caseId]);
      expect(await ids({ sla: "at-risk" })).toEqual([]);
      expect(await ids({ workflow: "attention" })).toEqual([c.caseId]);
      expect(await ids({ workflow: "failed" })).toEqual([c.caseId]);
      expect(await ids({ workflow: "suspended" })).toEqual([]);
      expect(await ids({ createdFrom: b.createdAt })).toEqual([c.caseId, b.caseId]);
      expect(await ids({ createdTo: b.createdAt })).toEqual([a.caseId]);
      expect(await ids({ createdFrom: a.createdAt, createdTo: c.createdAt })).toEqual([b.caseId, a.caseId]);
      expect(await ids({ status: "in-diagnosis" })).toEqual([c.caseId]);
      expect(await searchAll(cases, p, { status: "in-diagnosis" })).toEqual([cAfter]);

      const counts = await cases.countCasesByStatus(p, { status: "closed", severity: "A" });
      expect(counts).toEqual({ byStatus: expect.objectContaining({ received: 1, "in-diagnosis": 1, closed: 0 }), capped: [] });
      expect(Object.values(counts.byStatus).reduce((x, y) => x + y, 0)).toBe(2);
      expect(await cases.countCasesByStatus(p, {}, 3)).toEqual({ byStatus: expect.objectContaining({ received: 2, "in-diagnosis": 1, closed: 0 }), capped: [] });
      // Each status is counted up to the cap: one with more is named in `capped` (its count a lower
      // bound); a status not named is exact (an adapter may name one that stopped exactly at the cap).
      const atCap = await cases.countCasesByStatus(p, {}, 1);
      expect(atCap.capped).toContain("received");
      expect(atCap.byStatus.received).toBe(1);
      expect(atCap.capped.includes("in-diagnosis") || atCap.byStatus["in-diagnosis"] === 1).toBe(true);
      expect(atCap.capped).not.toContain("closed");
      expect(atCap.byStatus.closed).toBe(0);
      // Counts of a filter by customer, SLA health or workflow, and of a created range.
      expect((await cases.countCasesByStatus(p, { customer: TENANT })).byStatus).toMatchObject({ received: 1, "in-diagnosis": 1 });
      expect((await cases.countCasesByStatus(p, { customer: "OPS@duna.example" })).byStatus).toMatchObject({ received: 1, "in-diagnosis": 0 });
      expect((await cases.countCasesByStatus(p, { sla: "breached", status: "closed" })).byStatus).toMatchObject({ received: 1, "in-diagnosis": 0 });
      expect((await cases.countCasesByStatus(p, { workflow: "attention" })).byStatus).toMatchObject({ received: 0, "in-diagnosis": 1 });
      expect((await cases.countCasesByStatus(p, { workflow: "attention", severity: "B" })).byStatus).toMatchObject({ received: 0, "in-diagnosis": 0 });
      expect((await cases.countCasesByStatus(p, { createdFrom: b.createdAt, severity: "A" })).byStatus).toMatchObject({ received: 0, "in-diagnosis": 1 });
      expect((await cases.countCasesByStatus(p, { createdTo: b.createdAt })).byStatus).toMatchObject({ received: 1, "in-diagnosis": 0 });
    });

    it("lists a reseller's case shared with its indirect provider live, with the reseller; a re-share keeps the first sharedAt", async () => {
      const cases = await makeAdapter(() => new Date());
      const own = await create(cases, newCase("provider-partner", "2026-08-01T08:00:00Z"));
      const resellerCase = await create(cases, newCase("reseller-partner", "2026-08-02T08:00:00Z", { severity: "A" }));
      const reseller = { partnerId: "reseller-partner", name: "Reseller Kft." };
      await cases.shareWithProvider("provider-partner", resellerCase, reseller, "2026-08-02T09:00:00.000Z");
      await cases.shareWithProvider("provider-partner", resellerCase, reseller, "2026-08-03T09:00:00.000Z");
      expect(await cases.getProviderShare("provider-partner", resellerCase.caseId)).toEqual({ caseId: resellerCase.caseId, resellerPartnerId: "reseller-partner", resellerName: "Reseller Kft.", sharedAt: "2026-08-02T09:00:00.000Z" });
      expect(await cases.getProviderShare("other-partner", resellerCase.caseId)).toBeUndefined();
      expect(await cases.getProviderShare("provider-partner", own.caseId)).toBeUndefined();
      // The share gives no access to the case itself.
      expect(await cases.getCase("provider-partner", resellerCase.caseId)).toBeUndefined();

      const live = await cases.applyTransition({ caseId: resellerCase.caseId, partnerId: "reseller-partner", entryId: "t1", kind: "status-changed", toStatus: "in-diagnosis", summary: "diagnosing", at: "2026-08-02T10:00:00.000Z" });
      const shared = { ...live, resellerPartnerId: "reseller-partner", resellerName: "Reseller Kft." };
      expect((await cases.listCases("provider-partner")).items).toEqual([shared, own]);
      expect(await searchAll(cases, "provider-partner", { status: "in-diagnosis" })).toEqual([shared]);
      expect(await searchAll(cases, "provider-partner", { status: "received" })).toEqual([own]);
      expect((await cases.countCasesByStatus("provider-partner", {})).byStatus).toMatchObject({ received: 1, "in-diagnosis": 1 });
      // A caller that knows the partner is no indirect provider leaves shares out.
      expect((await cases.listCases("provider-partner", { withShares: false })).items).toEqual([own]);
      expect(await searchAll(cases, "provider-partner", { status: "in-diagnosis" }, { withShares: false })).toEqual([]);
      expect(await searchAll(cases, "provider-partner", { severity: "A" }, { withShares: false })).toEqual([]);
      expect((await cases.countCasesByStatus("provider-partner", {}, undefined, { withShares: false })).byStatus).toMatchObject({ received: 1, "in-diagnosis": 0 });
      expect((await cases.listCases("reseller-partner")).items).toEqual([live]);

      await cases.applyTransition({ caseId: resellerCase.caseId, partnerId: "reseller-partner", entryId: "t2", kind: "status-changed", toStatus: "closed", summary: "closed", at: "2026-08-03T10:00:00.000Z" });
      await cases.applyTransition({ caseId: own.caseId, partnerId: "provider-partner", entryId: "t2", kind: "status-changed", toStatus: "closed", summary: "closed", at: "2026-08-03T10:00:00.000Z" });
      expect((await cases.listErasableCases("provider-partner", "2026-09-01T00:00:00.000Z", 10)).map((e) => e.caseId)).toEqual([own.caseId]);
    });

    it("erases a closed request's personal data idempotently; an open one is left as it is", async () => {
      const cases = await makeAdapter(() => new Date());
      const sr = await create(cases, newCase("alpha-partner", "2026-05-06T09:00:00Z"));
      await cases.appendTimeline("alpha-partner", sr.caseId, { entryId: "reply-1", kind: "note", at: "2026-05-06T09:30:00.000Z", summary: "Customer wrote", details: { excerpt: "my phone is +36 1 234 5678" } });
      expect(await cases.erasePersonalData("alpha-partner", sr.caseId, "2026-06-01T00:00:00.000Z")).toEqual(sr);
      const closed = await cases.applyTransition({ caseId: sr.caseId, partnerId: "alpha-partner", entryId: "t1", kind: "status-changed", toStatus: "closed", summary: "closed", at: "2026-05-07T09:00:00.000Z" });
      const erased = await cases.erasePersonalData("alpha-partner", sr.caseId, "2026-06-01T00:00:00.000Z");
      const { contactName: _contactName, ...customer } = closed.customer;
      expect(erased).toEqual({ ...closed, customer: { ...customer, name: "[erased]", email: "erased@erased.invalid" }, title: "[erased]", description: "[erased]", personalDataErasedAt: "2026-06-01T00:00:00.000Z" });
      expect(await cases.getCase("alpha-partner", sr.caseId)).toEqual(erased);
      expect((await cases.listTimeline("alpha-partner", sr.caseId)).map((e) => [e.entryId, e.summary, e.details])).toEqual([
        ["received", "[erased]", undefined],
        ["reply-1", "[erased]", undefined],
        ["t1", "[erased]", undefined],
      ]);
      expect(await cases.erasePersonalData("alpha-partner", sr.caseId, "2026-06-02T00:00:00.000Z")).toEqual(erased);
      expect(await cases.listErasableCases("alpha-partner", "2026-09-01T00:00:00.000Z", 10)).toEqual([]);
      expect(await cases.erasePersonalData("alpha-partner", "CS-0000000000", "2026-06-01T00:00:00.000Z")).toBeUndefined();
    });

    it("is not changed through objects a caller passed in or got back, or through a mutate callback's argument", async () => {
      const cases = await makeAdapter(() => new Date());
      const mine = newCase("alpha-partner", "2026-05-08T09:00:00Z");
      const sr = structuredClone(mine);
      await create(cases, mine);
      mine.title = "changed after create";
      (await cases.getCase("alpha-partner", sr.caseId))!.title = "changed on a read";
      (await cases.listCases("alpha-partner")).items[0]!.title = "changed on a listing";
      (await cases.listTimeline("alpha-partner", sr.caseId))[0]!.summary = "changed";
      await cases.patchCase("alpha-partner", sr.caseId, (current) => {
        current.title = "changed in place";
        return undefined;
      });
      expect(await cases.getCase("alpha-partner", sr.caseId)).toEqual(sr);
      expect(await cases.listTimeline("alpha-partner", sr.caseId)).toEqual([firstEntry(sr.createdAt)]);
    });
  });
}
