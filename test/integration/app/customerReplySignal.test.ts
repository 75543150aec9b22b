/**
 * A customer's reply signals the case's workflow without reading its status first (the Durable
 * extension's own check decides), over real Table Storage (Azurite) with the workflow port played
 * by FakeWorkflow, which answers as the Durable HTTP API does (404 no instance, 410 an ended one,
 * 202 otherwise — a Suspended instance keeps the event for its resume):
 * - a suspended workflow gets the reply's signal for when it resumes;
 * - with the Durable API down, the reply is stored and the error reaches the caller; its retry
 *   appends nothing twice and signals again;
 * - an ended workflow drops the signal; the reply waits in the inbox for the restart that drains it.
 */
import { createContainer, type Container } from "../../../shared/container";
import { EventNames } from "../../../shared/contracts";
import { submitSupportRequest } from "../../../shared/services";
import { recordCustomerReply, type CustomerReply } from "../../../shared/services/customerReplies";
import { FakeWorkflow, partnerDefinition, supportRequestBody, testConfig } from "./helpers";

const partnerId = "reply-signal-partner";
let container: Container;
let workflow: FakeWorkflow;

beforeAll(async () => {
  container = createContainer(testConfig("replysig"));
  workflow = new FakeWorkflow();
  await container.registerPartner(partnerDefinition(partnerId));
});

async function newCase(runtimeStatus: string): Promise<string> {
  const { caseId } = await submitSupportRequest(container.supportRequestDeps(workflow), partnerId, supportRequestBody());
  const s = workflow.statuses.get(caseId);
  if (s) s.runtimeStatus = runtimeStatus;
  return caseId;
}

function reply(n: number): CustomerReply {
  return { entryId: `reply-${n}`, receivedAt: "2026-06-01T09:00:00.000Z", summary: "The customer replied", excerpt: "It works again after the restart.", messageId: `<reply-${n}@customer.example>`, from: "it@customer.example", details: {} };
}

const deps = () => ({ cases: container.cases, inbox: container.inbox, workflow });

describe("a customer's reply signals the workflow through the extension's own check", () => {
  it("a suspended workflow gets the signal for when it resumes, and its status is not read", async () => {
    const caseId = await newCase("Suspended");
    const reads = jest.spyOn(workflow, "getStatus");
    await recordCustomerReply(deps(), partnerId, caseId, reply(1));
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    const inbox = await container.inbox.listAfter(partnerId, caseId);
    expect(inbox.map((r) => r.action)).toEqual([{ type: "customer-reply", excerpt: "It works again after the restart.", messageId: "<reply-1@customer.example>" }]);
    expect(workflow.events.filter((e) => e.caseId === caseId)).toEqual([{ caseId, eventName: EventNames.actionsAvailable, payload: inbox[0] }]);
  });

  it("with the Durable API down the reply is stored and the error reaches the caller; the retry appends nothing twice and signals", async () => {
    const caseId = await newCase("Running");
    const outage = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:7071"), { code: "ECONNREFUSED" });
    const raise = jest.spyOn(workflow, "raiseEventUnchecked").mockRejectedValueOnce(outage);
    await expect(recordCustomerReply(deps(), partnerId, caseId, reply(2))).rejects.toBe(outage);
    await recordCustomerReply(deps(), partnerId, caseId, reply(2));
    raise.mockRestore();
    const inbox = await container.inbox.listAfter(partnerId, caseId);
    expect(inbox.map((r) => r.action.type)).toEqual(["customer-reply"]);
    // The retry found its action appended: it signals without it, and the workflow reads the inbox.
    expect(workflow.events.filter((e) => e.caseId === caseId)).toEqual([{ caseId, eventName: EventNames.actionsAvailable, payload: null }]);
    expect((await container.cases.listTimeline(partnerId, caseId)).filter((e) => e.kind === "customer-reply").map((e) => e.entryId)).toEqual(["reply-2"]);
  });

  it("an ended workflow drops the signal; the reply waits in the inbox and on the timeline", async () => {
    const caseId = await newCase("Failed");
    await recordCustomerReply(deps(), partnerId, caseId, reply(3));
    expect(workflow.events.filter((e) => e.caseId === caseId)).toEqual([]);
    expect(workflow.droppedEvents.filter((e) => e.caseId === caseId).map((e) => e.eventName)).toEqual([EventNames.actionsAvailable]);
    expect((await container.inbox.listAfter(partnerId, caseId)).map((r) => r.action.type)).toEqual(["customer-reply"]);
    expect((await container.cases.listTimeline(partnerId, caseId)).some((e) => e.entryId === "reply-3")).toBe(true);
  });
});
