/**
 * The reports' services (shared/services/reports.ts) over the in-memory adapters: the activities
 * keep the read model current (idempotently), a day recomputed from a stale read is not stored,
 * an indirect provider sees its resellers' escalated requests, the backfill rebuilds a partner,
 * and the query is validated with the parameter named.
 */
import type { PartnerCredentialRecord } from "../../../shared/ports";
import { MemoryCaseActionInbox, MemoryCaseRepository, MemoryNotificationLog, MemoryPartnerRepository, MemoryProductSupportIncidentLedger, MemoryReportReadModel, MemorySlaEventLog } from "../../../shared/adapters/memory";
import { createRecordCaseTransition, createRecordSlaEvents } from "../../../shared/services/activities";
import { getSlaReport, getVolumeReport, parseReportQuery, rebuildPartnerReports, recomputeReportDay, recordCaseFacts, submitSupportRequest, ValidationError, type CaseFactDeps, type SupportRequestDeps } from "../../../shared/services";
import { storedPartnerDefinition, TestClock } from "../../contracts/support";
import { supportRequestBody } from "../../support/builders";
import { FakeWorkflow } from "../../support/fakeWorkflow";

const credentials: PartnerCredentialRecord = { webhookSecrets: [], apiKeyHashes: [] };
const march = { from: "2026-03-01", to: "2026-03-31" };

async function world() {
  const clock = new TestClock("2026-03-02T08:00:00.000Z");
  const partners = new MemoryPartnerRepository(clock.now);
  const reports = new MemoryReportReadModel();
  const deps: SupportRequestDeps = {
    partners,
    cases: new MemoryCaseRepository(),
    notifications: new MemoryNotificationLog(),
    inbox: new MemoryCaseActionInbox(clock.now),
    slaEvents: new MemorySlaEventLog(),
    psiLedger: new MemoryProductSupportIncidentLedger(partners),
    workflow: new FakeWorkflow(),
    clock: { now: clock.now },
    publicBaseUrl: "http://127.0.0.1:7071",
  };
  const factDeps: CaseFactDeps = { cases: deps.cases, slaEvents: deps.slaEvents, partners, reports };
  const recordFacts = (partnerId: string, caseId: string): Promise<void> => recordCaseFacts(factDeps, partnerId, caseId);
  await partners.upsertPartner(storedPartnerDefinition("contoso", { entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 4 }] }), credentials);
  const reportDeps = { reports, partners, clock: { now: () => new Date("2026-04-15T10:00:00.000Z") } };
  return { deps, clock, reports, factDeps, recordFacts, reportDeps };
}

describe("the reports' read model over the in-memory adapters", () => {
  it("is kept current by RecordSlaEvents and RecordCaseTransition, the same however often they run", async () => {
    const { deps, recordFacts, reportDeps } = await world();
    const { caseId } = await submitSupportRequest(deps, "contoso", supportRequestBody({ severity: "C", product: "microsoft-365", category: "technical" }));
    const recordSla = createRecordSlaEvents({ ...deps, recordCaseFacts: recordFacts });
    const transition = createRecordCaseTransition({ ...deps, recordCaseFacts: recordFacts });
    const opened = [
      { eventId: "g0-1", metric: "first-response" as const, type: "activate" as const, at: "2026-03-02T08:00:00.000Z", policyId: "default-C", target: "P1D" },
      { eventId: "g0-2", metric: "resolution" as const, type: "activate" as const, at: "2026-03-02T08:00:00.000Z", policyId: "default-C", target: "P5D" },
    ];
    await recordSla({ caseId, partnerId: "contoso", events: opened });
    let report = await getSlaReport(reportDeps, "contoso", march);
    expect(report.totals.cases).toBe(1);
    expect(report.totals.metrics["first-response"]).toMatchObject({ achieved: 0, breached: 0, inProgress: 1, medianInMs: null });

    await transition({ caseId, partnerId: "contoso", entryId: "t01-resolved", toStatus: "resolved", kind: "status-changed", summary: "Resolved.", at: "2026-03-02T10:00:00.000Z" });
    const resolved = [
      { eventId: "g0-3", metric: "first-response" as const, type: "fulfill" as const, at: "2026-03-02T10:00:00.000Z", policyId: "default-C" },
      { eventId: "g0-4", metric: "resolution" as const, type: "fulfill" as const, at: "2026-03-02T10:00:00.000Z", policyId: "default-C" },
    ];
    await recordSla({ caseId, partnerId: "contoso", events: resolved });
    await recordSla({ caseId, partnerId: "contoso", events: resolved });
    report = await getSlaReport(reportDeps, "contoso", march);
    expect(report.totals.cases).toBe(1);
    expect(report.totals.metrics["first-response"]).toMatchObject({ achieved: 1, breached: 0, inProgress: 0, measured: 1, attainmentPercent: 100 });
    // Service hours: Monday 08:00–17:00 Europe/Budapest (07:00–16:00 UTC): two business hours.
    expect(report.totals.metrics.resolution.medianInMs).toBeGreaterThan(2 * 3_600_000 * 0.955);
    expect(report.totals.metrics.resolution.medianInMs).toBeLessThan(2 * 3_600_000 * 1.045);
    const volume = await getVolumeReport(reportDeps, "contoso", { ...march, groupBy: "week" });
    expect(volume).toMatchObject({ cases: 1, topCustomers: [{ tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", cases: 1 }], productSupportIncidents: { used: 0, remaining: 4 } });
    expect(volume.periods[0]).toMatchObject({ from: "2026-03-01", to: "2026-03-01", cases: 0 });
    expect(volume.periods[1]).toMatchObject({ from: "2026-03-02", to: "2026-03-08", cases: 1, byProduct: { "microsoft-365": 1 }, bySeverity: { C: 1 }, byChannel: { webhook: 1 }, backlogAtEnd: 0 });
    expect(volume.resellerEscalations).toBeUndefined();
  });

  it("does not store a day recomputed from a read that a later fact overtook: the next reader recomputes it", async () => {
    const { deps, clock, reports, recordFacts, reportDeps } = await world();
    const first = await submitSupportRequest(deps, "contoso", supportRequestBody());
    await recordFacts("contoso", first.caseId);
    const stale = await reports.getDay("contoso", "own", "2026-03-02");
    clock.set("2026-03-02T09:00:00.000Z");
    const second = await submitSupportRequest(deps, "contoso", supportRequestBody());
    await recordCaseFacts({ cases: deps.cases, slaEvents: deps.slaEvents, partners: deps.partners, reports }, "contoso", second.caseId, { recomputeDay: false });
    // A writer that read the day before the second fact: its answer (one request) is refused.
    const answer = await recomputeReportDay(reports, "contoso", "own", "2026-03-02", { ...stale!, dirty: true });
    expect(answer?.cases).toBe(2);
    expect((await reports.getDay("contoso", "own", "2026-03-02"))?.dirty).toBe(false);
    expect((await getSlaReport(reportDeps, "contoso", march)).totals.cases).toBe(2);
  });

  it("gives an indirect provider its resellers' escalated requests as a separate series, and rebuilds from the stored facts", async () => {
    const { deps, reports, factDeps, reportDeps } = await world();
    await deps.partners.upsertPartner(storedPartnerDefinition("provider", { type: "indirect-provider" }), credentials);
    await deps.partners.upsertPartner(storedPartnerDefinition("reseller", { type: "indirect-reseller", indirectProviderId: "provider" }), credentials);
    const escalated = await submitSupportRequest(deps, "reseller", supportRequestBody({ severity: "A" }));
    const local = await submitSupportRequest(deps, "reseller", supportRequestBody());
    const sr = (await deps.cases.getCase("reseller", escalated.caseId))!;
    await deps.cases.shareWithProvider("provider", sr, { partnerId: "reseller", name: "Reseller" }, "2026-03-02T09:00:00.000Z");
    // The read model was never written (as before the reports were deployed): the backfill builds it.
    expect((await getVolumeReport(reportDeps, "provider", march)).resellerEscalations).toEqual(expect.objectContaining({ cases: 0 }));
    expect(await rebuildPartnerReports(factDeps, "reseller")).toEqual({ cases: 2, days: 1 });
    expect(await rebuildPartnerReports(factDeps, "provider")).toEqual({ cases: 1, days: 1 });
    const provider = await getVolumeReport(reportDeps, "provider", march);
    expect(provider.cases).toBe(0);
    expect(provider.resellerEscalations).toMatchObject({ cases: 1 });
    expect(provider.resellerEscalations?.periods[0]).toMatchObject({ cases: 1, byReseller: { reseller: 1 }, bySeverity: { A: 1 } });
    const reseller = await getVolumeReport(reportDeps, "reseller", march);
    expect(reseller).toMatchObject({ cases: 2, productSupportIncidents: { used: 0, remaining: null } });
    expect(reseller.periods[0]?.backlogAtEnd).toBe(2);
    // Running it again changes nothing.
    expect(await rebuildPartnerReports(factDeps, "reseller")).toEqual({ cases: 2, days: 1 });
    expect(await getVolumeReport(reportDeps, "reseller", march)).toEqual(reseller);
    expect(local.caseId).not.toBe(escalated.caseId);
    expect((await reports.listDays("reseller", "own", undefined, undefined)).every((d) => !d.dirty)).toBe(true);
  });
});

describe("parseReportQuery", () => {
  const pointerOf = (query: Record<string, string>): string[] => {
    try {
      parseReportQuery(query, "2026-12-03");
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return (e as ValidationError).issues.map((i) => i.path.join("."));
    }
    throw new Error("expected a ValidationError");
  };

  it("applies the defaults: twelve calendar months to today, by month", () => {
    expect(parseReportQuery({}, "2026-12-03")).toEqual({ from: "2026-01-01", to: "2026-12-03", groupBy: "month", filters: {} });
    expect(parseReportQuery({ to: "2026-06-30", groupBy: "week", severity: "A", product: "azure", category: "billing" }, "2026-12-03")).toEqual({ from: "2025-07-01", to: "2026-06-30", groupBy: "week", filters: { severity: "A", product: "azure", category: "billing" } });
    expect(parseReportQuery({ from: "2025-12-03", to: "2026-12-03" }, "2026-12-03").from).toBe("2025-12-03");
  });

  it("names the bad parameter", () => {
    expect(pointerOf({ from: "2026-13-01" })).toEqual(["from"]);
    expect(pointerOf({ to: "yesterday" })).toEqual(["to"]);
    expect(pointerOf({ from: "2026-03-01T00:00:00Z" })).toEqual(["from"]);
    expect(pointerOf({ groupBy: "day" })).toEqual(["groupBy"]);
    expect(pointerOf({ severity: "D" })).toEqual(["severity"]);
    expect(pointerOf({ product: "windows-95" })).toEqual(["product"]);
    expect(pointerOf({ colour: "red" })).toEqual([""]);
    expect(pointerOf({ from: "2026-03-02", to: "2026-03-01" })).toEqual(["to"]);
    // 367 days.
    expect(pointerOf({ from: "2025-12-02", to: "2026-12-03" })).toEqual(["from"]);
  });
});
