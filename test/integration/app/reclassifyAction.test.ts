/**
 * `PATCH /api/partners/{partnerId}/support-requests/{caseId}` reaches the running
 * orchestration. Handler invoked with real @azure/functions objects over real Table Storage
 * (Azurite); the Durable client is faked at the port. After the change is stored, a `reclassify`
 * action is appended to the case-action inbox and `CaseActionsAvailable` raised; GetCaseContext
 * then selects the policy of the new facts. A workflow that does not run gets nothing; the case
 * still changes.
 */
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { createContainer, type Container } from "../../../shared/container";
import { EventNames, type CaseActionRecord, type SupportRequest, type TimelineEntry } from "../../../shared/contracts";
import { createReclassifySupportRequestHandler } from "../../../functions/http/inboundEmailHandlers";
import type { HttpHandlerDeps } from "../../../functions/http/common";
import { FakeWorkflow, partnerDefinition, testConfig } from "./helpers";

const BASE = "http://127.0.0.1:7071";
const PARTNER = "alpha-reclass";

/** Records what storage held when the signal was raised (the action must be stored, and the case changed, before). */
class ObservingWorkflow extends FakeWorkflow {
  readonly seenAtSignal: Array<{ severity: string | undefined; actions: CaseActionRecord[] }> = [];
  constructor(private readonly container: () => Container) {
    super();
  }
  override async raiseEventUnchecked(caseId: string, eventName: string, payload: unknown): Promise<boolean> {
    const c = this.container();
    const [sr, actions] = await Promise.all([c.cases.getCase(PARTNER, caseId), c.inbox.listAfter(PARTNER, caseId)]);
    this.seenAtSignal.push({ severity: sr?.severity, actions });
    return super.raiseEventUnchecked(caseId, eventName, payload);
  }
}

let container: Container;
let workflow: ObservingWorkflow;
let deps: HttpHandlerDeps;
let apiKey: string;

beforeAll(async () => {
  container = createContainer(testConfig("reclass"));
  workflow = new ObservingWorkflow(() => container);
  deps = { getContainer: () => container, getWorkflow: () => workflow };
  const registered = await container.registerPartner(
    partnerDefinition(PARTNER, {
      slaPolicies: [
        { id: "critical", name: "Critical", conditions: { severities: ["A"] }, calendar: "24x7", targets: { A: { firstResponse: "PT30M", resolution: "PT4H" } } },
        { id: "standard", name: "Standard", calendar: "service-hours", targets: { B: { firstResponse: "PT4H", resolution: "P2D" }, C: { firstResponse: "P1D", resolution: "P5D" } } },
      ],
    }),
  );
  apiKey = registered.credentials!.apiKey;
});

let n = 0;
/** A case in `status`; its workflow instance in `runtimeStatus` (null: no instance). */
async function createCase(status: SupportRequest["status"], runtimeStatus: string | null = "Running"): Promise<string> {
  n += 1;
  const caseId = `CS-RECLASS${String(n).padStart(4, "0")}`;
  const at = new Date().toISOString();
  const sr: SupportRequest = {
    caseId,
    partnerId: PARTNER,
    channel: "webhook",
    customer: { tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: "Tisza Logisztika Zrt.", email: "it@tisza.example", preferredLanguage: "hu" },
    product: "azure",
    category: "technical",
    severity: "C",
    title: "VM down",
    description: "The VM does not start.",
    status: "received",
    createdAt: at,
    updatedAt: at,
  };
  const first: TimelineEntry = { entryId: "received", kind: "status-changed", at, toStatus: "received", summary: "received" };
  await container.cases.createCase(sr, first);
  if (status !== "received") await container.cases.applyTransition({ caseId, partnerId: PARTNER, entryId: `t-${status}`, kind: "status-changed", at, summary: status, toStatus: status });
  if (runtimeStatus !== null) {
    await workflow.start(caseId, PARTNER);
    const s = workflow.statuses.get(caseId);
    if (s) s.runtimeStatus = runtimeStatus;
  }
  return caseId;
}

async function patch(caseId: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const request = new HttpRequest({
    method: "PATCH",
    url: new URL(`/api/partners/${PARTNER}/support-requests/${caseId}`, BASE).toString(),
    body: { string: JSON.stringify(body) },
    headers: { "content-type": "application/json", "x-api-key": apiKey, ...headers },
    params: { partnerId: PARTNER, caseId },
  });
  const response = new HttpResponse((await createReclassifySupportRequestHandler(deps)(request, new InvocationContext({ functionName: "reclassify", invocationId: "inv-reclass", logHandler: () => undefined }))) as HttpResponseInit);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const signalsOf = (caseId: string) => workflow.events.filter((e) => e.caseId === caseId);

describe("PATCH …/support-requests/{caseId} signals the running workflow", () => {
  it("stores the change, then appends a reclassify action with the changed values and raises CaseActionsAvailable", async () => {
    const caseId = await createCase("in-diagnosis");
    const before = await container.activities.getCaseContext({ caseId, partnerId: PARTNER });
    expect(before.slaPolicy?.policyId).toBe("standard");

    const res = await patch(caseId, { severity: "A", product: "azure" });
    expect(res.status).toBe(200);
    expect((res.body.case as SupportRequest).severity).toBe("A");

    const actions = await container.inbox.listAfter(PARTNER, caseId);
    expect(actions).toHaveLength(1);
    // Only what changed (the product was already azure); the partner is the actor.
    expect(actions[0]).toMatchObject({ seq: "000000000001", action: { type: "reclassify", severity: "A" }, actor: { kind: "partner", partnerId: PARTNER } });
    expect(actions[0]?.action).toEqual({ type: "reclassify", severity: "A" });
    expect(signalsOf(caseId)).toEqual([{ caseId, eventName: EventNames.actionsAvailable, payload: actions[0] }]);
    // When the signal was raised, the case was changed and the action stored.
    expect(workflow.seenAtSignal.at(-1)).toMatchObject({ severity: "A", actions: [{ action: { type: "reclassify", severity: "A" } }] });
    // What the orchestration reads next: the policy of the new facts.
    const after = await container.activities.getCaseContext({ caseId, partnerId: PARTNER });
    expect(after).toMatchObject({ severity: "A", slaPolicy: { policyId: "critical", targets: { firstResponse: "PT30M", resolution: "PT4H" } } });
    const timeline = await container.cases.listTimeline(PARTNER, caseId);
    expect(timeline.some((e) => e.kind === "reclassified")).toBe(true);
  });

  it("a PATCH that changes nothing appends nothing; an Idempotency-Key replay appends nothing more", async () => {
    const caseId = await createCase("in-diagnosis");
    expect((await patch(caseId, { severity: "C" })).status).toBe(200);
    expect(await container.inbox.listAfter(PARTNER, caseId)).toEqual([]);
    expect(signalsOf(caseId)).toEqual([]);
    const first = await patch(caseId, { category: "billing" }, { "Idempotency-Key": '"reclass-1"' });
    const again = await patch(caseId, { category: "billing" }, { "Idempotency-Key": '"reclass-1"' });
    expect(again).toEqual(first);
    expect((await container.inbox.listAfter(PARTNER, caseId)).map((a) => a.action)).toEqual([{ type: "reclassify", category: "billing" }]);
    expect(signalsOf(caseId)).toHaveLength(1);
  });

  it("a suspended workflow is told too (the extension keeps the event for its resume); its status is read once", async () => {
    const caseId = await createCase("in-diagnosis", "Suspended");
    const reads = jest.spyOn(workflow, "getStatus");
    expect((await patch(caseId, { severity: "B" })).status).toBe(200);
    expect(reads.mock.calls.filter(([id]) => id === caseId)).toHaveLength(1);
    reads.mockRestore();
    const actions = await container.inbox.listAfter(PARTNER, caseId);
    expect(actions.map((a) => a.action)).toEqual([{ type: "reclassify", severity: "B" }]);
    expect(signalsOf(caseId)).toEqual([{ caseId, eventName: EventNames.actionsAvailable, payload: actions[0] }]);
  });

  it("a workflow that does not run is not told, the case still changes; a closed request stays 409", async () => {
    for (const runtimeStatus of ["Completed", null]) {
      const caseId = await createCase("resolved", runtimeStatus);
      const res = await patch(caseId, { severity: "B" });
      expect(res.status).toBe(200);
      expect((await container.cases.getCase(PARTNER, caseId))?.severity).toBe("B");
      expect(await container.inbox.listAfter(PARTNER, caseId)).toEqual([]);
      expect(signalsOf(caseId)).toEqual([]);
    }
    const closed = await createCase("closed", "Completed");
    expect((await patch(closed, { severity: "A" })).status).toBe(409);
    expect(await container.inbox.listAfter(PARTNER, closed)).toEqual([]);
  });
});
