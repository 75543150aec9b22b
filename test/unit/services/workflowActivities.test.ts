/**
 * The intake and the workflow's storage activities as logic, over the in-memory adapters (the same
 * contract suites pass against them and the Table Storage adapters; storage itself is tested in
 * test/integration). Each answer is also checked against the activity table's output schema.
 */
import { CaseContextSchema, SupportRequestActivities, type Entitlement } from "../../../shared/contracts";
import type { PartnerCredentialRecord } from "../../../shared/ports";
import { MemoryCaseActionInbox, MemoryCaseRepository, MemoryNotificationLog, MemoryPartnerRepository, MemoryProductSupportIncidentLedger, MemorySlaEventLog, MemoryUnstartedWorkflows } from "../../../shared/adapters/memory";
import { createConsumeProductSupportIncident, createGetCaseContext, createRecordCaseTransition, createRecordSlaEvents, createTakeCaseActions } from "../../../shared/services/activities";
import { ConflictError, ForbiddenError, NotFoundError, getSupportRequestForPrincipal, recordCaseAction, submitSupportRequest, type SupportRequestDeps } from "../../../shared/services";
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
    unstartedWorkflows: new MemoryUnstartedWorkflows(),
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

  it("tells the inbox of a case it has just created, and not of a redelivered one", async () => {
    const { deps } = await world();
    const noted = jest.spyOn(deps.inbox, "noteNewCase");
    const body = supportRequestBody();
    const created = await submitSupportRequest(deps, "contoso", body, { webhookId: "wh-1" });
    expect(noted.mock.calls).toEqual([["contoso", created.caseId]]);
    const again = await submitSupportRequest(deps, "contoso", body, { webhookId: "wh-1" });
    expect(again.caseId).toBe(created.caseId);
    expect(noted).toHaveBeenCalledTimes(1);
  });

  it("reads the workflow's status while it reads the case, and records the action once both allow it", async () => {
    const { deps, caseId, workflow } = await world();
    let releaseCase!: () => void;
    const caseReadHeld = new Promise<void>((resolve) => (releaseCase = resolve));
    const getCase = deps.cases.getCase.bind(deps.cases);
    deps.cases.getCase = async (partnerId, id) => {
      await caseReadHeld;
      return getCase(partnerId, id);
    };
    const getStatus = jest.spyOn(workflow, "getStatus");
    const pending = recordCaseAction(deps, "contoso", caseId, { type: "update", message: "Looking into it." }, partner);
    await new Promise((resolve) => setImmediate(resolve));
    // The case read has not answered yet; the status read has already been asked for.
    expect(getStatus).toHaveBeenCalledWith(caseId);
    releaseCase();
    await expect(pending).resolves.toMatchObject({ caseId, action: "update", event: "CaseActionsAvailable" });
    expect(getStatus).toHaveBeenCalledTimes(1);
    expect((await deps.inbox.listAfter("contoso", caseId)).map((r) => r.action.type)).toEqual(["update"]);
  });

  it("answers as before when the Durable API fails: 404 and 403 and a refused status first, the outage only for an action it would record", async () => {
    const { deps, caseId, workflow } = await world();
    const outage = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:7071"), { code: "ECONNREFUSED" });
    jest.spyOn(workflow, "getStatus").mockRejectedValue(outage);
    await expect(recordCaseAction(deps, "contoso", "no-such-case", { type: "update", message: "Hello?" }, partner)).rejects.toBeInstanceOf(NotFoundError);
    await expect(recordCaseAction(deps, "someone-else", caseId, { type: "update", message: "Hello?" }, partner)).rejects.toBeInstanceOf(NotFoundError);
    const refuse = { guard: () => { throw new ForbiddenError("requests:act:technical", "sales-agent"); } };
    await expect(recordCaseAction(deps, "contoso", caseId, { type: "update", message: "Hello?" }, refuse)).rejects.toBeInstanceOf(ForbiddenError);
    // A received request cannot be closed: the status check answers before the workflow's status counts.
    await expect(recordCaseAction(deps, "contoso", caseId, { type: "close" }, partner)).rejects.toBeInstanceOf(ConflictError);
    await expect(recordCaseAction(deps, "contoso", caseId, { type: "update", message: "Hello?" }, partner)).rejects.toBe(outage);
    // Nothing was appended to the inbox and no event raised by any of them.
    expect(await deps.inbox.listAfter("contoso", caseId)).toEqual([]);
    expect(workflow.events).toEqual([]);
  });

  it("a partner's view of a case reads its notification log once, for the logged list and the emails with their states", async () => {
    const { deps, caseId } = await world();
    await deps.notifications.recordSent("contoso", { caseId, notificationKey: "received", messageId: "<m@x>", providerMessageId: "p", to: ["it@customer.example"], subject: "Received", sentAt: "2026-03-02T08:00:01.000Z" });
    const listSent = jest.spyOn(deps.notifications, "listSent");
    const view = await getSupportRequestForPrincipal(deps, { partnerId: "contoso", keyId: "key_0000000000000001", role: "admin-agent", keyHash: "h" }, caseId);
    expect(listSent).toHaveBeenCalledTimes(1);
    expect(view.notifications.map((n) => n.notificationKey)).toEqual(["received"]);
    expect(view.emails).toEqual([expect.objectContaining({ notificationKey: "received", state: "sent" })]);
  });

  it("consumes one product support incident per case, never below zero", async () => {
    const { deps, caseId } = await world([{ vehicle: "product-support-incidents", remainingIncidents: 1 }]);
    const consume = createConsumeProductSupportIncident(deps);
    expect(await consume({ caseId, partnerId: "contoso" })).toEqual({ consumed: true, remainingIncidents: 0 });
    expect(await consume({ caseId, partnerId: "contoso" })).toEqual({ consumed: true, remainingIncidents: 0 });
    expect(await consume({ caseId: "another-case", partnerId: "contoso" })).toEqual({ consumed: false, remainingIncidents: 0 });
  });
});
