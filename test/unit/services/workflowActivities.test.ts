/**
 * The intake and the workflow's storage activities as logic, over the in-memory adapters (the same
 * contract suites pass against them and the Table Storage adapters; storage itself is tested in
 * test/integration). Each answer is also checked against the activity table's output schema.
 */
import { CaseContextSchema, SupportRequestActivities, type Entitlement } from "../../../shared/contracts";
import type { PartnerCredentialRecord } from "../../../shared/ports";
import { MemoryCaseActionInbox, MemoryCaseRepository, MemoryNotificationLog, MemoryPartnerRepository, MemoryProductSupportIncidentLedger, MemorySlaEventLog } from "../../../shared/adapters/memory";
import { createConsumeProductSupportIncident, createGetCaseContext, createRecordCaseTransition, createRecordSlaEvents, createTakeCaseActions } from "../../../shared/services/activities";
import { ConflictError, recordCaseAction, submitSupportRequest, type SupportRequestDeps } from "../../../shared/services";
import { storedPartnerDefinition, TestClock } from "../../contracts/support";
import { supportRequestBody } from "../../support/builders";
import { FakeWorkflow } from "../../support/fakeWorkflow";

/** The partner, authorised by the test itself (no API key involved). */
const partner = { authorised: { kind: "partner" as const, partnerId: "contoso" } };
const credentials: PartnerCredentialRecord = { webhookSecrets: [], apiKeyHashes: [] };

async function world(entitlements: Entitlement[] = [{ vehicle: "commercial-issue-support" }]) {
  const clock = new TestClock("2026-03-02T08:00:00.000Z");
  const partners = new MemoryPartnerRepository(clock.now);
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
  await partners.upsertPartner(storedPartnerDefinition("contoso", { entitlements }), credentials);
  const { caseId } = await submitSupportRequest(deps, "contoso", supportRequestBody());
  return { deps, clock, caseId, workflow: deps.workflow as FakeWorkflow };
}

describe("intake and workflow activities over the in-memory adapters", () => {
  it("stores the request and starts its workflow; GetCaseContext gives the workflow the case and the partner's terms", async () => {
    const { deps, caseId, workflow } = await world();
    expect(workflow.started).toEqual([{ caseId, partnerId: "contoso" }]);
    const context = await createGetCaseContext(deps)({ caseId, partnerId: "contoso" });
    expect(CaseContextSchema.safeParse(context).success).toBe(true);
    expect(context).toMatchObject({ caseId, status: "received", severity: "B", category: "billing", language: "hu", partner: { type: "direct-bill", slaTarget: { firstResponse: "PT4H" } } });
    expect(context.slaPolicy?.targets.firstResponse).toBe("PT4H");
    await expect(createGetCaseContext(deps)({ caseId: "no-such-case", partnerId: "contoso" })).rejects.toMatchObject({ fault: { class: "permanent", code: "not-found" } });
  });

  it("records SLA events and transitions once, however often the activity runs", async () => {
    const { deps, caseId } = await world();
    const recordSla = createRecordSlaEvents(deps);
    const events = [{ eventId: "g0-1", metric: "first-response" as const, type: "activate" as const, at: "2026-03-02T08:00:00.000Z", policyId: "default-B", target: "PT4H" }];
    expect(await recordSla({ caseId, partnerId: "contoso", events })).toEqual({ appended: 1 });
    expect(await recordSla({ caseId, partnerId: "contoso", events })).toEqual({ appended: 0 });
    const transition = { caseId, partnerId: "contoso", entryId: "t01-in-diagnosis", toStatus: "in-diagnosis" as const, kind: "status-changed" as const, summary: "Acknowledged.", at: "2026-03-02T08:00:01.000Z" };
    const first = await createRecordCaseTransition(deps)(transition);
    await createRecordCaseTransition(deps)(transition);
    expect(SupportRequestActivities.recordTransition.output.safeParse(first).success).toBe(true);
    expect((await deps.cases.getCase("contoso", caseId))?.status).toBe("in-diagnosis");
    expect((await deps.cases.listTimeline("contoso", caseId)).filter((e) => e.entryId === "t01-in-diagnosis")).toHaveLength(1);
  });

  it("a transition that carries its SLA events stores them first, once, and writes the SLA health with the status", async () => {
    const { deps, caseId } = await world();
    const slaEvents = [
      { eventId: "0000-0001", metric: "first-response" as const, type: "activate" as const, at: "2026-03-02T08:00:00.000Z", policyId: "default-B", target: "PT4H" },
      { eventId: "0000-0002", metric: "resolution" as const, type: "activate" as const, at: "2026-03-02T08:00:00.000Z", policyId: "default-B", target: "PT16H" },
    ];
    const transition = { caseId, partnerId: "contoso", entryId: "t01-in-diagnosis", toStatus: "in-diagnosis" as const, kind: "status-changed" as const, summary: "Acknowledged.", at: "2026-03-02T08:00:01.000Z", slaEvents };
    expect(SupportRequestActivities.recordTransition.input.safeParse(transition).success).toBe(true);
    await createRecordCaseTransition(deps)(transition);
    await createRecordCaseTransition(deps)(transition); // at least once: a rerun changes nothing
    expect((await deps.slaEvents.list("contoso", caseId)).map((e) => e.eventId)).toEqual(["0000-0001", "0000-0002"]);
    const stored = await deps.cases.getCase("contoso", caseId);
    expect(stored).toMatchObject({ status: "in-diagnosis", slaHealth: "on-track" });
    expect((await deps.cases.listTimeline("contoso", caseId)).filter((e) => e.entryId === "t01-in-diagnosis")).toHaveLength(1);
  });

  it("takes the partner's actions from the inbox in order, and refuses an action the status does not allow", async () => {
    const { deps, caseId, workflow } = await world();
    await recordCaseAction(deps, "contoso", caseId, { type: "update", message: "Looking into it." }, partner);
    await recordCaseAction(deps, "contoso", caseId, { type: "diagnosis", outcome: "awaiting-customer", notes: "Which invoice?" }, partner);
    const taken = await createTakeCaseActions(deps)({ caseId, partnerId: "contoso" });
    expect(taken.map((a) => a.action.type)).toEqual(["update", "diagnosis"]);
    expect(SupportRequestActivities.takeCaseActions.output.safeParse(taken).success).toBe(true);
    expect(workflow.events.map((e) => e.eventName)).toEqual(["CaseActionsAvailable", "CaseActionsAvailable"]);
    await expect(recordCaseAction(deps, "contoso", caseId, { type: "close" }, partner)).rejects.toBeInstanceOf(ConflictError);
  });

  it("consumes one product support incident per case, never below zero", async () => {
    const { deps, caseId } = await world([{ vehicle: "product-support-incidents", remainingIncidents: 1 }]);
    const consume = createConsumeProductSupportIncident(deps);
    expect(await consume({ caseId, partnerId: "contoso" })).toEqual({ consumed: true, remainingIncidents: 0 });
    expect(await consume({ caseId, partnerId: "contoso" })).toEqual({ consumed: true, remainingIncidents: 0 });
    expect(await consume({ caseId: "another-case", partnerId: "contoso" })).toEqual({ consumed: false, remainingIncidents: 0 });
  });
});
