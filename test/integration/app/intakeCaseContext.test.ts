/**
 * A new case's orchestration starts from the facts the intake stored (orchestration input
 * `caseContext`): on Azurite, what the signed intake and the email intake hand over is exactly
 * what GetCaseContext reads back for that case, for a partner with SLA policies and an escalation
 * chain; a reseller's case (whose provider's terms the intake does not read) and a redelivery hand
 * over nothing, so the first step reads.
 */
import { randomBytes } from "node:crypto";
import { createContainer, type Container } from "../../../shared/container";
import { submitSupportRequest } from "../../../shared/services";
import { processInboundEmail } from "../../../shared/services/inboundEmail";
import { FakeWorkflow, partnerDefinition, rawEmail, supportRequestBody, testConfig } from "./helpers";

let container: Container;

beforeAll(async () => {
  container = createContainer(testConfig("intakecontext"));
  await container.registerPartner(
    partnerDefinition("ctx-direct", {
      slaPolicies: [{ id: "sev-a-fast", name: "Severity A, fast", conditions: { severities: ["A"] }, calendar: "24x7", targets: { A: { firstResponse: "PT1H", resolution: "PT8H" } } }],
      escalationChain: { levels: [{ name: "Team lead", contacts: ["lead@ctx-direct.example"], after: "PT2H" }], microsoft: "after-chain" },
    }),
  );
  await container.registerPartner(partnerDefinition("ctx-provider", { type: "indirect-provider" }));
  await container.registerPartner(partnerDefinition("ctx-reseller", { type: "indirect-reseller", indirectProviderId: "ctx-provider" }));
});

describe("the case facts a new case's orchestration starts from", () => {
  it("equal what GetCaseContext reads back for the stored case (severity A under the partner's own policy, its escalation chain)", async () => {
    const workflow = new FakeWorkflow();
    for (const severity of ["A", "C"] as const) {
      const { caseId } = await submitSupportRequest(container.supportRequestDeps(workflow), "ctx-direct", supportRequestBody({ severity }));
      const given = workflow.startedWith.get(caseId);
      expect(given).toBeDefined();
      expect(given).toEqual(await container.activities.getCaseContext({ caseId, partnerId: "ctx-direct" }));
      expect(given?.slaPolicy?.policyId).toBe(severity === "A" ? "sev-a-fast" : "default");
    }
  });

  it("an email that opens a case: the same facts GetCaseContext reads back", async () => {
    const workflow = new FakeWorkflow();
    const raw = rawEmail({ from: "Ops <ops@fabrikam.example>", to: "support@ctx-direct.example", subject: "VM does not start", date: new Date(), text: "Our virtual machine does not start since this morning." });
    const blobName = `ctx-direct/${randomBytes(6).toString("hex")}.eml`;
    await container.inboundBlobs.putInbound(blobName, raw);
    const { outcome } = await processInboundEmail(container.inboundEmailDeps(workflow), { partnerId: "ctx-direct", blobName, raw });
    expect(outcome.kind).toBe("new");
    const caseId = outcome.kind === "new" ? outcome.caseId : "";
    expect(workflow.started).toContainEqual({ caseId, partnerId: "ctx-direct" });
    const given = workflow.startedWith.get(caseId);
    expect(given).toBeDefined();
    expect(given).toEqual(await container.activities.getCaseContext({ caseId, partnerId: "ctx-direct" }));
  });

  it("an email that opens a case tells the case action inbox that the case is new (its first action reads no counter)", async () => {
    const workflow = new FakeWorkflow();
    const deps = container.inboundEmailDeps(workflow);
    const noted = jest.spyOn(deps.inbox, "noteNewCase");
    const raw = rawEmail({ from: "Ops <ops@fabrikam.example>", to: "support@ctx-direct.example", subject: "Cannot sign in", date: new Date(), text: "Nobody can sign in to the portal since this morning." });
    const blobName = `ctx-direct/${randomBytes(6).toString("hex")}.eml`;
    await container.inboundBlobs.putInbound(blobName, raw);
    const { outcome } = await processInboundEmail(deps, { partnerId: "ctx-direct", blobName, raw });
    expect(outcome.kind).toBe("new");
    expect(noted.mock.calls).toEqual([["ctx-direct", outcome.kind === "new" ? outcome.caseId : ""]]);
    noted.mockRestore();
  });

  it("a reseller's case, and a redelivery of a stored case, hand over nothing: the first step reads", async () => {
    const workflow = new FakeWorkflow();
    const reseller = await submitSupportRequest(container.supportRequestDeps(workflow), "ctx-reseller", supportRequestBody());
    expect(workflow.startedWith.has(reseller.caseId)).toBe(true);
    expect(workflow.startedWith.get(reseller.caseId)).toBeUndefined();
    const first = new FakeWorkflow();
    first.failStarts = 1;
    await expect(submitSupportRequest(container.supportRequestDeps(first), "ctx-direct", supportRequestBody(), { webhookId: "msg_ctx_redelivered" })).rejects.toThrow(/ECONNREFUSED/);
    const again = await submitSupportRequest(container.supportRequestDeps(first), "ctx-direct", supportRequestBody(), { webhookId: "msg_ctx_redelivered" });
    expect(again.created).toBeUndefined();
    expect(first.startedWith.get(again.caseId)).toBeUndefined();
  });
});
