import { DurableSupportRequestWorkflow, type WorkflowDurableClient } from "../../../shared/adapters/durableSupportRequestWorkflow";

function fakeClient(initial: Record<string, string> = {}) {
  const statuses = new Map(Object.entries(initial));
  const calls: string[] = [];
  const client = {
    async startNew(name: string, options?: { instanceId?: string; input?: unknown }) {
      calls.push(`start ${name} ${options?.instanceId} ${JSON.stringify(options?.input)}`);
      statuses.set(options?.instanceId ?? "", "Pending");
      return options?.instanceId ?? "";
    },
    async getStatus(id: string) {
      const s = statuses.get(id);
      if (!s) throw new Error(`DurableClient error: Durable Functions extension replied with HTTP 404 response. This usually means we could not find any data associated with the instanceId provided: ${id}.`);
      return { runtimeStatus: s, customStatus: { status: "in-diagnosis" }, createdTime: new Date("2026-01-01T00:00:00Z"), lastUpdatedTime: new Date("2026-01-01T00:01:00Z") };
    },
    async raiseEvent(id: string, name: string) {
      calls.push(`raise ${id} ${name}`);
    },
  };
  return { client: client as unknown as WorkflowDurableClient, calls };
}

describe("DurableSupportRequestWorkflow", () => {
  it("starts SupportRequestOrchestrator with instance id = case id, once", async () => {
    const { client, calls } = fakeClient();
    const wf = new DurableSupportRequestWorkflow(client);
    await wf.start("CS-0000000001", "alpha");
    await wf.start("CS-0000000001", "alpha");
    expect(calls).toEqual(['start SupportRequestOrchestrator CS-0000000001 {"caseId":"CS-0000000001","partnerId":"alpha"}']);
  });

  it("issue 5: restarts a completed instance (same id, the carry as input), never a running one", async () => {
    const { client, calls } = fakeClient({ done: "Completed", live: "Running" });
    const wf = new DurableSupportRequestWorkflow(client);
    const carry = { generation: 2, status: "closed" as const, entryCount: 7, notificationCounts: { received: 1 }, cursor: "000003", reopen: { reason: "again", seq: "000003", requestedAt: "2026-01-02T00:00:00.000Z", actor: { kind: "partner" as const, partnerId: "alpha" } } };
    expect(await wf.restart("done", "alpha", carry)).toBe(true);
    expect(await wf.restart("live", "alpha", carry)).toBe(false);
    expect(calls).toEqual([`start SupportRequestOrchestrator done ${JSON.stringify({ caseId: "done", partnerId: "alpha", carry })}`]);
  });

  it("raises events only on Running or Pending instances", async () => {
    const { client, calls } = fakeClient({ a: "Running", b: "Pending", c: "Completed", d: "Failed" });
    const wf = new DurableSupportRequestWorkflow(client);
    expect(await wf.raiseEvent("a", "DiagnosisRecorded", {})).toBe(true);
    expect(await wf.raiseEvent("b", "DiagnosisRecorded", {})).toBe(true);
    expect(await wf.raiseEvent("c", "DiagnosisRecorded", {})).toBe(false);
    expect(await wf.raiseEvent("d", "DiagnosisRecorded", {})).toBe(false);
    expect(await wf.raiseEvent("missing", "DiagnosisRecorded", {})).toBe(false);
    expect(calls).toEqual(["raise a DiagnosisRecorded", "raise b DiagnosisRecorded"]);
  });

  it("reports status with ISO 8601 times, undefined for an unknown instance", async () => {
    const { client } = fakeClient({ a: "Running" });
    const wf = new DurableSupportRequestWorkflow(client);
    expect(await wf.getStatus("a")).toEqual({ runtimeStatus: "Running", customStatus: { status: "in-diagnosis" }, createdTime: "2026-01-01T00:00:00.000Z", lastUpdatedTime: "2026-01-01T00:01:00.000Z" });
    expect(await wf.getStatus("nope")).toBeUndefined();
  });
});
