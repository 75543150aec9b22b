/**
 * What the partner API, the customer's reply and a reclassification do when the case's workflow
 * closed the case's action inbox between their read of the case and their append (workflow
 * revision 6: the workflow closes the inbox as its last step, once the case is closed): nothing is
 * accepted and then left to a completed instance. Real Table Storage (Azurite); the workflow port
 * played by FakeWorkflow (the Durable HTTP API's answers).
 */
import { createContainer, type Container } from "../../../shared/container";
import { EventNames } from "../../../shared/contracts";
import { closeCase, diagnoseAs, reopenCase, type ApiPrincipal } from "../../../shared/services";
import { recordCustomerReply } from "../../../shared/services/customerReplies";
import { reclassifySupportRequest } from "../../../shared/services/inboundEmail/reclassify";
import { FakeWorkflow, partnerDefinition, seedCase, testConfig } from "./helpers";

const partnerId = "inbox-closing-partner";
const principal: ApiPrincipal = { partnerId, keyId: "key_0000000000000001", role: "global-admin", keyHash: "x" };
let container: Container;
let workflow: FakeWorkflow;
let n = 0;

beforeAll(async () => {
  container = createContainer(testConfig("inboxclose"));
  workflow = new FakeWorkflow();
  await container.registerPartner(partnerDefinition(partnerId));
});

/**
 * A case whose workflow closed its inbox (the workflow's CloseCaseInbox): `Running`, the case as a
 * request read it a moment before, still `resolved`, while the workflow completes; `Completed`, the
 * case closed and the workflow done.
 */
async function closingCase(runtimeStatus: "Running" | "Completed"): Promise<string> {
  const path: Array<"in-diagnosis" | "resolved" | "closed"> = runtimeStatus === "Running" ? ["in-diagnosis", "resolved"] : ["in-diagnosis", "resolved", "closed"];
  const caseId = await seedCase(container, workflow, { partnerId, caseId: `CS-CLOSING${String(++n).padStart(4, "0")}`, language: "en", path });
  expect(await container.inbox.close(partnerId, caseId)).toEqual({ closed: true, actions: [] });
  const s = workflow.statuses.get(caseId);
  if (s) s.runtimeStatus = runtimeStatus;
  return caseId;
}

describe("an action that meets a closed inbox", () => {
  it("a closure (or any action but a reopening) answers 409 closed, stores nothing and signals nothing", async () => {
    const caseId = await closingCase("Running");
    await expect(closeCase(container.supportRequestDeps(workflow), principal, caseId, { reason: "Customer confirmed" })).rejects.toMatchObject({ code: "Conflict", currentStatus: "closed", message: expect.stringContaining("closed while the close was being recorded") });
    expect(await container.inbox.listAfter(partnerId, caseId)).toEqual([]);
    expect(workflow.events.filter((e) => e.caseId === caseId)).toEqual([]);
  });

  it("a reopening that meets the closed inbox waits for the workflow to complete and restarts it", async () => {
    const caseId = await closingCase("Running");
    // The workflow records the closure, and completes a moment after the reopening arrived.
    await container.cases.applyTransition({ caseId, partnerId, entryId: "t-closed", kind: "status-changed", at: new Date().toISOString(), summary: "closed", toStatus: "closed" });
    const s = workflow.statuses.get(caseId);
    if (s) s.input = { caseId, partnerId, revision: 6 };
    setTimeout(() => {
      if (s) s.runtimeStatus = "Completed";
    }, 300);
    const result = await reopenCase(container.supportRequestDeps(workflow), principal, caseId, { reason: "It broke again" });
    expect(result).toMatchObject({ caseId, action: "reopen", seq: "000000000001", event: "restarted" });
    // The reopening is in the inbox, which it opened again, and the workflow was started again.
    expect((await container.inbox.listAfter(partnerId, caseId)).map((r) => r.action)).toEqual([{ type: "reopen", reason: "It broke again" }]);
    expect(workflow.restarts.filter((r) => r.caseId === caseId)).toHaveLength(1);
    expect((await container.inbox.append(partnerId, caseId, { type: "update", message: "taken again" }, { kind: "partner", partnerId })).seq).toBe("000000000002");
  });

  it("a reopening while a workflow that does not complete holds the closed inbox answers 409 retry, storing nothing", async () => {
    const caseId = await closingCase("Running");
    await expect(reopenCase(container.supportRequestDeps(workflow), principal, caseId, { reason: "It broke again" })).rejects.toMatchObject({ code: "Conflict", message: expect.stringContaining("still finishing the closure; retry in a few seconds") });
    expect(await container.inbox.listAfter(partnerId, caseId)).toEqual([]);
    expect(workflow.restarts.filter((r) => r.caseId === caseId)).toEqual([]);
  });

  it("a closed case whose workflow (revision 6) still sends its last emails takes the reopening in that execution", async () => {
    const caseId = await seedCase(container, workflow, { partnerId, caseId: `CS-CLOSING${String(++n).padStart(4, "0")}`, language: "en", path: ["in-diagnosis", "resolved", "closed"] });
    const s = workflow.statuses.get(caseId);
    if (s) s.input = { caseId, partnerId, revision: 6 };
    const result = await reopenCase(container.supportRequestDeps(workflow), principal, caseId, { reason: "It broke again" });
    expect(result).toMatchObject({ caseId, action: "reopen", seq: "000000000001", event: EventNames.actionsAvailable });
    const [record] = await container.inbox.listAfter(partnerId, caseId);
    expect(record?.action).toEqual({ type: "reopen", reason: "It broke again" });
    expect(workflow.events.filter((e) => e.caseId === caseId)).toEqual([{ caseId, eventName: EventNames.actionsAvailable, payload: record }]);
    expect(workflow.restarts.filter((r) => r.caseId === caseId)).toEqual([]);
  });

  it("a closed case whose workflow of an earlier revision still sends its last emails: 409 retry (that execution cannot reopen in place)", async () => {
    const caseId = await seedCase(container, workflow, { partnerId, caseId: `CS-CLOSING${String(++n).padStart(4, "0")}`, language: "en", path: ["in-diagnosis", "resolved", "closed"] });
    const s = workflow.statuses.get(caseId);
    if (s) s.input = { caseId, partnerId, revision: 5 };
    await expect(reopenCase(container.supportRequestDeps(workflow), principal, caseId, { reason: "It broke again" })).rejects.toMatchObject({ code: "Conflict", message: expect.stringContaining("still finishing the closure") });
    expect(await container.inbox.listAfter(partnerId, caseId)).toEqual([]);
    expect(workflow.events.filter((e) => e.caseId === caseId)).toEqual([]);
  });

  it("a diagnosis on a case whose inbox was closed is refused the same way (409 closed)", async () => {
    const caseId = await seedCase(container, workflow, { partnerId, caseId: `CS-CLOSING${String(++n).padStart(4, "0")}`, language: "en", path: ["in-diagnosis"] });
    expect(await container.inbox.close(partnerId, caseId)).toEqual({ closed: true, actions: [] });
    await expect(diagnoseAs(container.supportRequestDeps(workflow), principal, caseId, { outcome: "resolved", notes: "Restarted the VM" })).rejects.toMatchObject({ code: "Conflict", currentStatus: "closed" });
    expect(await container.inbox.listAfter(partnerId, caseId)).toEqual([]);
  });

  it("a customer's reply stays on the timeline, and nothing is signalled to a completed workflow", async () => {
    const caseId = await closingCase("Completed");
    await recordCustomerReply({ cases: container.cases, inbox: container.inbox, workflow }, partnerId, caseId, { entryId: "reply-late", receivedAt: "2026-06-01T09:00:00.000Z", summary: "The customer replied", excerpt: "Thanks, all good.", messageId: "<late@customer.example>", from: "it@customer.example", details: {} });
    expect((await container.cases.listTimeline(partnerId, caseId)).filter((e) => e.kind === "customer-reply").map((e) => e.entryId)).toEqual(["reply-late"]);
    expect(await container.inbox.listAfter(partnerId, caseId)).toEqual([]);
    expect([...workflow.events, ...workflow.droppedEvents].filter((e) => e.caseId === caseId && e.eventName === EventNames.actionsAvailable)).toEqual([]);
  });

  it("a reclassification keeps its change of the case and signals nothing", async () => {
    const caseId = await closingCase("Running");
    const updated = await reclassifySupportRequest({ cases: container.cases, inbox: container.inbox, workflow, clock: { now: () => new Date() } }, partnerId, caseId, { severity: "A" });
    expect(updated.severity).toBe("A");
    expect((await container.cases.getCase(partnerId, caseId))?.severity).toBe("A");
    expect(await container.inbox.listAfter(partnerId, caseId)).toEqual([]);
    expect(workflow.events.filter((e) => e.caseId === caseId)).toEqual([]);
  });
});
