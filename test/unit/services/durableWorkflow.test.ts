import { DurableSupportRequestWorkflow, type WorkflowDurableClient } from "../../../shared/adapters/durableSupportRequestWorkflow";
import { CURRENT_WORKFLOW_REVISION } from "../../../shared/contracts";

function fakeClient(initial: Record<string, string> = {}) {
  const statuses = new Map(Object.entries(initial));
  const calls: string[] = [];
  const client = {
    /** Instances whose next start answers 409 as the Durable HTTP API does when a concurrent start won. */
    conflicts: new Set<string>(),
    async startNew(name: string, options?: { instanceId?: string; input?: unknown }) {
      const id = options?.instanceId ?? "";
      if (client.conflicts.delete(id)) {
        statuses.set(id, "Running");
        throw Object.assign(new Error(`An instance with ID '${id}' already exists.`), { response: { status: 409 } });
      }
      calls.push(`start ${name} ${id} ${JSON.stringify(options?.input)}`);
      statuses.set(id, "Pending");
      return id;
    },
    async getStatus(id: string) {
      const s = statuses.get(id);
      if (!s) throw new Error(`DurableClient error: Durable Functions extension replied with HTTP 404 response. This usually means we could not find any data associated with the instanceId provided: ${id}.`);
      return { runtimeStatus: s, customStatus: { status: "in-diagnosis" }, createdTime: new Date("2026-01-01T00:00:00Z"), lastUpdatedTime: new Date("2026-01-01T00:01:00Z") };
    },
    /** As the durable client: 404 is an error, 410 (an ended instance) resolves as 202 does. */
    async raiseEvent(id: string, name: string) {
      if (!statuses.has(id)) throw new Error(`No instance with ID '${id}' found.`);
      if (client.failingRaises.delete(id)) throw Object.assign(new Error("DurableClient error: Durable Functions extension replied with HTTP 500 response."), { response: { status: 500 } });
      calls.push(`raise ${id} ${name}`);
    },
    /** Instances whose next raise fails as the extension does when its storage fails. */
    failingRaises: new Set<string>(),
    async purgeInstanceHistory(id: string) {
      calls.push(`purge ${id}`);
      // As the Durable HTTP API: 404 → 0 deleted; an instance not in a terminal state is refused.
      const s = statuses.get(id);
      if (s === "Running") throw new Error("DurableClient error: Durable Functions extension replied with HTTP 412 response.");
      return { instancesDeleted: statuses.delete(id) ? 1 : 0 };
    },
  };
  return { client: client as unknown as WorkflowDurableClient, calls, conflicts: client.conflicts, failingRaises: client.failingRaises };
}

describe("DurableSupportRequestWorkflow", () => {
  it("starts SupportRequestOrchestrator with instance id = case id, once", async () => {
    const { client, calls } = fakeClient();
    const wf = new DurableSupportRequestWorkflow(client);
    await wf.start("CS-0000000001", "alpha");
    await wf.start("CS-0000000001", "alpha");
    expect(calls).toEqual([`start SupportRequestOrchestrator CS-0000000001 {"caseId":"CS-0000000001","partnerId":"alpha","revision":${CURRENT_WORKFLOW_REVISION}}`]);
  });

  it("restarts a completed, failed or terminated instance (same id, the given input), never a running, pending or suspended one", async () => {
    const { client, calls } = fakeClient({ done: "Completed", failed: "Failed", ended: "Terminated", live: "Running", queued: "Pending", held: "Suspended" });
    const wf = new DurableSupportRequestWorkflow(client);
    const carry = { generation: 2, status: "closed" as const, entryCount: 7, notificationCounts: { received: 1 }, cursor: "000003", reopen: { reason: "again", seq: "000003", requestedAt: "2026-01-02T00:00:00.000Z", actor: { kind: "partner" as const, partnerId: "alpha" } } };
    for (const id of ["done", "failed", "ended"]) expect(await wf.restart(id, { caseId: id, partnerId: "alpha", carry })).toBe(true);
    for (const id of ["live", "queued", "held"]) expect(await wf.restart(id, { caseId: id, partnerId: "alpha", carry })).toBe(false);
    expect(calls).toEqual(["done", "failed", "ended"].map((id) => `start SupportRequestOrchestrator ${id} ${JSON.stringify({ caseId: id, partnerId: "alpha", carry, revision: CURRENT_WORKFLOW_REVISION })}`));
  });

  it("restarts at the revision the input asks for (a recovery of an execution that numbered its entries differently), else the current one", async () => {
    const { client, calls } = fakeClient({ failed: "Failed" });
    const wf = new DurableSupportRequestWorkflow(client);
    expect(await wf.restart("failed", { caseId: "failed", partnerId: "alpha", revision: 7 })).toBe(true);
    expect(calls).toEqual([`start SupportRequestOrchestrator failed ${JSON.stringify({ caseId: "failed", partnerId: "alpha", revision: 7 })}`]);
  });

  it("treats a start that loses a race (409 already exists) as started, and a restart that loses one as not started", async () => {
    const { client, calls, conflicts } = fakeClient({ failed: "Failed" });
    const wf = new DurableSupportRequestWorkflow(client);
    conflicts.add("new");
    await expect(wf.start("new", "alpha")).resolves.toBeUndefined();
    conflicts.add("failed");
    expect(await wf.restart("failed", { caseId: "failed", partnerId: "alpha" })).toBe(false);
    expect(calls).toEqual([]);
    expect(await wf.getStatus("new")).toMatchObject({ runtimeStatus: "Running" });
  });

  it("raises events only on Running or Pending instances", async () => {
    const { client, calls } = fakeClient({ a: "Running", b: "Pending", c: "Completed", d: "Failed" });
    const wf = new DurableSupportRequestWorkflow(client);
    expect(await wf.raiseEvent("a", "CaseActionsAvailable", {})).toBe(true);
    expect(await wf.raiseEvent("b", "CaseActionsAvailable", {})).toBe(true);
    expect(await wf.raiseEvent("c", "CaseActionsAvailable", {})).toBe(false);
    expect(await wf.raiseEvent("d", "CaseActionsAvailable", {})).toBe(false);
    expect(await wf.raiseEvent("missing", "CaseActionsAvailable", {})).toBe(false);
    expect(calls).toEqual(["raise a CaseActionsAvailable", "raise b CaseActionsAvailable"]);
  });

  it("raises unchecked through the extension's own check: false only for no instance, an extension failure thrown", async () => {
    const { client, calls, failingRaises } = fakeClient({ a: "Running", held: "Suspended", d: "Failed" });
    const wf = new DurableSupportRequestWorkflow(client);
    expect(await wf.raiseEventUnchecked("a", "CaseActionsAvailable", {})).toBe(true);
    expect(await wf.raiseEventUnchecked("held", "CaseActionsAvailable", {})).toBe(true);
    expect(await wf.raiseEventUnchecked("d", "CaseActionsAvailable", {})).toBe(true);
    expect(await wf.raiseEventUnchecked("missing", "CaseActionsAvailable", {})).toBe(false);
    failingRaises.add("a");
    await expect(wf.raiseEventUnchecked("a", "CaseActionsAvailable", {})).rejects.toThrow("HTTP 500");
    expect(calls).toEqual(["raise a CaseActionsAvailable", "raise held CaseActionsAvailable", "raise d CaseActionsAvailable"]);
  });

  it("reports status with ISO 8601 times, undefined for an unknown instance", async () => {
    const { client } = fakeClient({ a: "Running" });
    const wf = new DurableSupportRequestWorkflow(client);
    expect(await wf.getStatus("a")).toEqual({ runtimeStatus: "Running", customStatus: { status: "in-diagnosis" }, createdTime: "2026-01-01T00:00:00.000Z", lastUpdatedTime: "2026-01-01T00:01:00.000Z" });
    expect(await wf.getStatus("nope")).toBeUndefined();
  });

  it("lists instances of the given statuses with their partner, ISO 8601 times and whether they reopen a case, keeping those `keep` accepts before the limit", async () => {
    const asked: unknown[] = [];
    // As the durable client's getStatusBy answers: every page fetched, times as Dates, the input when shown.
    const listed = [
      { instanceId: "fresh", runtimeStatus: "Pending", input: { caseId: "fresh", partnerId: "alpha" }, createdTime: new Date("2026-01-01T00:59:00Z"), lastUpdatedTime: new Date("2026-01-01T00:59:00Z") },
      { instanceId: "stuck", runtimeStatus: "Pending", input: { caseId: "stuck", partnerId: "alpha", carry: { generation: 2, status: "closed", reopen: { reason: "again" } } }, createdTime: new Date("2026-01-01T00:10:00Z"), lastUpdatedTime: new Date("2026-01-01T00:10:00Z") },
      { instanceId: "broken", runtimeStatus: "Failed", input: null, createdTime: new Date("2026-01-01T00:00:00Z"), lastUpdatedTime: new Date("2026-01-01T00:30:00Z") },
    ];
    const client = { getStatusBy: async (filter: unknown) => (asked.push(filter), listed) } as unknown as WorkflowDurableClient;
    const wf = new DurableSupportRequestWorkflow(client);
    const found = await wf.listInstances(["Failed", "Pending"], { limit: 2, keep: (i) => i.runtimeStatus !== "Pending" || (i.createdTime ?? "") < "2026-01-01T00:45:00.000Z" });
    expect(asked).toEqual([{ runtimeStatus: ["Failed", "Pending"], showInput: true }]);
    expect(found).toEqual([
      { caseId: "stuck", partnerId: "alpha", runtimeStatus: "Pending", reopening: true, createdTime: "2026-01-01T00:10:00.000Z", lastUpdatedTime: "2026-01-01T00:10:00.000Z" },
      { caseId: "broken", runtimeStatus: "Failed", createdTime: "2026-01-01T00:00:00.000Z", lastUpdatedTime: "2026-01-01T00:30:00.000Z" },
    ]);
  });

  it("purges an instance's history (true), says when there was none (false), and passes on a refusal", async () => {
    const { client, calls } = fakeClient({ done: "Completed", live: "Running" });
    const wf = new DurableSupportRequestWorkflow(client);
    expect(await wf.purgeHistory("done")).toBe(true);
    expect(await wf.purgeHistory("done")).toBe(false);
    await expect(wf.purgeHistory("live")).rejects.toThrow(/412/);
    expect(calls).toEqual(["purge done", "purge done", "purge live"]);
  });
});
