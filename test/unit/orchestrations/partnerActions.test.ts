/**
 * The new partner actions in the support-request orchestrator (information request,
 * closure, reopening — within auto-close and after closure by a restarted execution), replayed by
 * the real durable-functions library over hand-built histories.
 */
import * as df from "durable-functions";
import { ActivityNames, CaseInboxClosedError, OrchestratorNames, type ActivityResult, type Actor, type CaseAction, type CaseActionRecord, type CaseContext, type SendStatusEmailInput, type SupportRequestCarry } from "../../../shared/contracts";
import { supportRequestOrchestrator } from "../../../orchestrations/supportRequest";
import { restartPointOf } from "../../../shared/services/workflowRecovery";
import { standardCase } from "./caseFixtures";
import { CaseSimulator, customerActor, partnerActor } from "./caseSimulator";

df.app.orchestration(OrchestratorNames.supportRequest, supportRequestOrchestrator);

const caseContext = (overrides: Partial<CaseContext> = {}): CaseContext => standardCase(overrides);

async function start(): Promise<CaseSimulator> {
  return new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
}

describe("supportRequestOrchestrator: information request", () => {
  it("counts as the first response, moves to awaiting-customer, pauses the clocks and emails the question", async () => {
    const s = await start();
    await s.send({ type: "information-request", message: "Which subscription id?" }, partnerActor, "2026-03-02T09:00:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "awaiting-customer"]);
    expect(s.transitions().at(-1)).toMatchObject({ kind: "status-changed", toStatus: "awaiting-customer", details: { action: "information-request", message: "Which subscription id?" } });
    expect(s.emails().at(-1)).toMatchObject({ notificationKey: "awaiting-customer", status: "awaiting-customer", message: "Which subscription id?" });
    expect(s.slaSummary().slice(2)).toEqual(["first-response fulfill @2026-03-02T09:00:00.000Z", "resolution pause @2026-03-02T09:00:00.000Z"]);
    expect(s.timerAt).toBeUndefined();
    // Asked again while waiting: recorded and emailed again under a new notification key.
    await s.send({ type: "information-request", message: "And the invoice number?" }, partnerActor, "2026-03-02T09:30:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "note", details: { action: "information-request" } });
    expect(s.emails().at(-1)).toMatchObject({ notificationKey: "awaiting-customer-2", message: "And the invoice number?" });
  });

  it("is ignored (a timeline note) once the case is resolved", async () => {
    const s = await start();
    await s.send({ type: "resolution", summary: "Done" }, partnerActor, "2026-03-02T09:00:00.000Z");
    await s.send({ type: "information-request", message: "Late question" }, partnerActor, "2026-03-02T09:10:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "note", details: { ignored: "case-resolved" } });
    expect(s.statusPath().at(-1)).toBe("resolved");
  });
});

describe("supportRequestOrchestrator: closure and reopening", () => {
  it("closure of a resolved case: closed at once, auto-close timer dropped, customer told, orchestration completes", async () => {
    const s = await start();
    await s.send({ type: "resolution", summary: "Done" }, partnerActor, "2026-03-02T09:00:00.000Z");
    expect(s.timerAt).toBe("2026-03-05T09:00:00.000Z");
    await s.send({ type: "close", reason: "Customer confirmed" }, partnerActor, "2026-03-02T09:30:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "resolved", "closed"]);
    expect(s.transitions().at(-1)).toMatchObject({ summary: "Closed by the partner: Customer confirmed" });
    expect(s.emails().at(-1)).toMatchObject({ notificationKey: "closed", status: "closed", message: "Customer confirmed" });
    expect(s.d.last?.isDone).toBe(true);
    expect(s.d.last?.output).toEqual({ caseId: "case-1", finalStatus: "closed", checkpoint: expect.objectContaining({ status: "closed", generation: 0 }) });
  });

  it("the customer's confirmation (status page) and reopening are the same actions, recorded as the customer's", async () => {
    const customer = { kind: "customer" as const, email: "it@tisza.example" };
    const s = await start();
    await s.send({ type: "resolution", summary: "Done" }, partnerActor, "2026-03-02T09:00:00.000Z");
    await s.send({ type: "reopen", reason: "Still broken" }, customer, "2026-03-02T09:20:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ toStatus: "in-diagnosis", summary: "Reopened by the customer: Still broken", details: { actor: customer } });
    expect(s.slaSummary().at(-1)).toBe("resolution resume @2026-03-02T09:20:00.000Z");
    await s.send({ type: "resolution", summary: "Done again" }, partnerActor, "2026-03-02T10:00:00.000Z");
    await s.send({ type: "close", reason: "Confirmed on the status page" }, customer, "2026-03-02T10:30:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "resolved", "in-diagnosis", "resolved", "closed"]);
    expect(s.transitions().at(-1)).toMatchObject({ summary: "Closed by the customer: Confirmed on the status page", details: { actor: customer } });
    expect(s.d.last?.isDone).toBe(true);
  });

  it("closure of an open case is ignored (the lifecycle closes resolved cases only)", async () => {
    const s = await start();
    await s.send({ type: "close" }, partnerActor, "2026-03-02T09:00:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "note", details: { ignored: "case-not-resolved" } });
    expect(s.statusPath()).toEqual(["in-diagnosis"]);
  });

  it("reopening within auto-close: back to in-diagnosis, the resolution clock resumes, the auto-close is dropped", async () => {
    const s = await start();
    await s.send({ type: "resolution", summary: "Done" }, partnerActor, "2026-03-02T09:00:00.000Z");
    await s.send({ type: "reopen", reason: "It broke again" }, partnerActor, "2026-03-02T10:00:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "resolved", "in-diagnosis"]);
    expect(s.slaSummary().at(-1)).toBe("resolution resume @2026-03-02T10:00:00.000Z");
    expect(s.emails().at(-1)).toMatchObject({ notificationKey: "reopened", status: "in-diagnosis", message: "It broke again" });
    expect(s.customStatus).toMatchObject({ status: "in-diagnosis", waitingFor: "diagnosis", nextDeadlineMetric: "resolution" });
    expect(s.timerAt).not.toBe("2026-03-05T09:00:00.000Z");
    await s.send({ type: "resolution", summary: "Fixed for good" }, partnerActor, "2026-03-02T11:00:00.000Z");
    expect(s.statusPath().at(-1)).toBe("resolved");
  });

  it("reopening a closed case: a new execution with the carry reopens it first, continuing ids, with a new resolution cycle", async () => {
    const first = await start();
    await first.send({ type: "resolution", summary: "Done" }, partnerActor, "2026-03-02T09:00:00.000Z");
    await first.fire();
    expect(first.statusPath().at(-1)).toBe("closed");
    const entryIds = first.transitions().map((t) => t.entryId);
    expect(entryIds).toEqual(["t01-in-diagnosis", "t02-resolved", "closed-automatically-2026-03-05T09:00:00.000Z"]);
    // The auto-close's entry has an id of its own (workflow revision 8): the counter numbered two.
    const counted = entryIds.filter((id) => /^t\d+-/.test(id)).length;
    // The completed execution closed the inbox: an action is refused, a reopening opens it again.
    expect(first.inboxClosed).toBe(true);
    expect(() => first.append({ type: "update", message: "Any news?" }, partnerActor)).toThrow(CaseInboxClosedError);
    const reopen = first.append({ type: "reopen", reason: "It broke again" }, partnerActor, "2026-03-06T09:00:00.000Z", { reopen: true });
    // What the restart continues from is what the completed execution emitted: its output checkpoint.
    const point = restartPointOf({ output: first.d.last?.output, customStatus: null, input: null });
    expect(point).toMatchObject({ generation: 0, status: "closed", entryCount: counted, notificationCounts: { received: 1, resolved: 1, closed: 1 } });
    const { escalation: _none, ...state } = point as NonNullable<typeof point>;
    const carry: SupportRequestCarry = {
      ...state,
      generation: 1,
      cursor: reopen.seq,
      reopen: { reason: "It broke again", seq: reopen.seq, requestedAt: "2026-03-06T09:00:00.000Z", actor: partnerActor },
    };
    const again = new CaseSimulator(caseContext({ status: "closed" }), "2026-03-06T09:00:05.000Z", { caseId: "case-1", partnerId: "contoso", carry });
    again.slaLog.push(...first.slaLog);
    again.inbox.push(...first.inbox);
    await again.start();
    const t = again.transitions();
    expect(t[0]).toMatchObject({ toStatus: "in-diagnosis", entryId: `t${String(counted + 1).padStart(2, "0")}-in-diagnosis`, details: { action: "reopen", restarted: true } });
    expect(entryIds).not.toContain(t[0]?.entryId);
    expect(again.slaLog.at(-1)).toMatchObject({ metric: "resolution", type: "activate", target: "PT16H", eventId: "0001-0001", reason: "request reopened after closure" });
    expect(again.emails()[0]).toMatchObject({ notificationKey: "reopened", status: "in-diagnosis", message: "It broke again" });
    expect(again.customStatus).toMatchObject({ status: "in-diagnosis", waitingFor: "diagnosis", nextDeadlineMetric: "resolution" });
    expect(again.listens).toBe(true);
    // The reopen action itself is behind the cursor: not processed twice.
    expect(again.transitions().filter((x) => x.details?.action === "reopen")).toHaveLength(1);
    await again.send({ type: "resolution", summary: "Fixed for good" }, partnerActor, "2026-03-06T10:00:00.000Z");
    expect(again.statusPath()).toEqual(["in-diagnosis", "resolved"]);
  });
});

describe("supportRequestOrchestrator: a reopening's execution that stops before its first wait", () => {
  const permanent: ActivityResult<unknown> = { ok: false, fault: { class: "permanent", code: "bad-request", message: "bad-request from the test" } };
  const reason = "It broke again";

  /** A case run to closed, then the execution the partner API starts to reopen it (not yet run). */
  async function reopeningExecution(): Promise<{ first: CaseSimulator; again: CaseSimulator; reopen: CaseActionRecord }> {
    const first = await start();
    await first.send({ type: "resolution", summary: "Done" }, partnerActor, "2026-03-02T09:00:00.000Z");
    await first.fire();
    const reopen = first.append({ type: "reopen", reason }, partnerActor, "2026-03-06T09:00:00.000Z", { reopen: true });
    const { escalation: _none, ...point } = restartPointOf({ output: first.d.last?.output, customStatus: null, input: null }) as NonNullable<ReturnType<typeof restartPointOf>>;
    const carry: SupportRequestCarry = { ...point, generation: point.generation + 1, cursor: reopen.seq, reopen: { reason, seq: reopen.seq, requestedAt: reopen.recordedAt, actor: partnerActor } };
    const again = new CaseSimulator(caseContext({ status: "closed" }), "2026-03-06T09:00:05.000Z", { caseId: "case-1", partnerId: "contoso", carry });
    again.slaLog.push(...first.slaLog);
    again.inbox.push(...first.inbox);
    return { first, again, reopen };
  }

  /**
   * The execution the recovery sweeper starts (shared/services `restartWorkflow`, recover): the
   * stopped one's restart point with the next generation, over the case and SLA log as stored.
   */
  function recovery(stopped: CaseSimulator, stored: CaseContext): CaseSimulator {
    const { escalation: _none, ...point } = restartPointOf({ output: null, customStatus: stopped.customStatus, input: stopped.input }) as NonNullable<ReturnType<typeof restartPointOf>>;
    const next = new CaseSimulator(stored, "2026-03-06T09:05:00.000Z", {
      caseId: "case-1",
      partnerId: "contoso",
      carry: { ...point, generation: point.generation + 1 },
      recovery: { reason: "the orchestration ended Failed", requestedAt: "2026-03-06T09:04:00.000Z", actor: { kind: "system" }, previousRuntimeStatus: "Failed", attempt: 1 },
    });
    next.slaLog.push(...stopped.slaLog);
    next.inbox.push(...stopped.inbox);
    return next;
  }

  const reopenedCycles = (s: CaseSimulator): string[] => s.slaSummary().filter((e) => e.startsWith("resolution activate") && e.endsWith("@2026-03-06T09:00:00.000Z"));

  it("failed recording the reopening: its checkpoint still holds it, and the recovery reopens the case (one entry id, one email key, one resolution cycle)", async () => {
    const { again, reopen } = await reopeningExecution();
    again.answer(ActivityNames.recordTransition, permanent);
    await again.start();
    expect(again.d.failure).toMatch(/^RecordCaseTransition failed after 1 attempt \(permanent bad-request\)/);
    const failedEntryId = again.transitions()[0]?.entryId;
    expect(again.customStatus.checkpoint).toMatchObject({ status: "closed", reopen: { seq: reopen.seq, reason } });
    expect(reopenedCycles(again)).toEqual([]);

    const recovered = recovery(again, caseContext({ status: "closed" }));
    await recovered.start();
    const reopened = recovered.transitions().filter((t) => t.details?.action === "reopen");
    expect(reopened).toEqual([expect.objectContaining({ entryId: failedEntryId, toStatus: "in-diagnosis", details: expect.objectContaining({ restarted: true, seq: reopen.seq }) })]);
    // The customer is told once, by the recovery (the failed run stopped before its email).
    expect(again.emails()).toEqual([]);
    expect(recovered.emails().map((e) => [e.notificationKey, e.status, e.message])).toEqual([["reopened", "in-diagnosis", reason]]);
    expect(reopenedCycles(recovered)).toEqual(["resolution activate @2026-03-06T09:00:00.000Z"]);
    expect(recovered.customStatus).toMatchObject({ status: "in-diagnosis", waitingFor: "diagnosis" });
    expect(recovered.listens).toBe(true);
  });

  it("failed after recording it (the inbox read refused): the recovery records the same entry again and starts no second resolution cycle", async () => {
    const { again } = await reopeningExecution();
    again.answer(ActivityNames.takeCaseActions, permanent);
    await again.start();
    expect(again.d.failure).toMatch(/^TakeCaseActions failed after 1 attempt/);
    expect(reopenedCycles(again)).toEqual(["resolution activate @2026-03-06T09:00:00.000Z"]);
    const recorded = again.transitions().find((t) => t.details?.action === "reopen");
    expect(again.customStatus.checkpoint).toMatchObject({ status: "closed", reopen: { reason } });

    // Stored: the case reopened, the new cycle in the SLA log.
    const recovered = recovery(again, caseContext({ status: "in-diagnosis" }));
    await recovered.start();
    expect(recovered.transitions().filter((t) => t.details?.action === "reopen").map((t) => t.entryId)).toEqual([recorded?.entryId]);
    expect(reopenedCycles(recovered)).toEqual(["resolution activate @2026-03-06T09:00:00.000Z"]);
    expect(recovered.customStatus).toMatchObject({ status: "in-diagnosis", waitingFor: "diagnosis", nextDeadlineMetric: "resolution" });
    await recovered.send({ type: "resolution", summary: "Fixed for good" }, partnerActor, "2026-03-06T10:00:00.000Z");
    expect(recovered.statusPath().at(-1)).toBe("resolved");
  });
});

describe("supportRequestOrchestrator: an action that arrives while the case closes", () => {
  /**
   * The partner API appends an action and signals while the execution sends the closed email: after
   * the last inbox read, before the execution completes (the race the inbox's closing removes).
   */
  function appendWhileClosing(s: CaseSimulator, action: CaseAction, actor: Actor = partnerActor): () => CaseActionRecord | undefined {
    let appended: CaseActionRecord | undefined;
    s.responders.set(ActivityNames.sendStatusEmail, (input) => {
      if ((input as SendStatusEmailInput).notificationKey === "closed" && !appended) appended = s.append(action, actor);
      return undefined;
    });
    return () => appended;
  }

  it("a reopening accepted as the auto-close fires reopens the closed case in the same execution", async () => {
    const s = await start();
    await s.send({ type: "resolution", summary: "Done" }, partnerActor, "2026-03-02T09:00:00.000Z");
    const reopen = appendWhileClosing(s, { type: "reopen", reason: "It broke again" });
    expect(await s.fire()).toBe("2026-03-05T09:00:00.000Z");
    expect(reopen()?.seq).toBe("000000000002");
    expect(s.statusPath()).toEqual(["in-diagnosis", "resolved", "closed", "in-diagnosis"]);
    expect(s.transitions().at(-1)).toMatchObject({ toStatus: "in-diagnosis", summary: "Reopened by the partner after closure: It broke again", details: { action: "reopen", seq: "000000000002", restarted: true } });
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["received", "resolved", "closed", "reopened"]);
    expect(s.slaLog.at(-1)).toMatchObject({ metric: "resolution", type: "activate", reason: "request reopened after closure" });
    // The execution goes on: it waits for the partner again, its inbox open.
    expect(s.d.last?.isDone).toBe(false);
    expect(s.listens).toBe(true);
    expect(s.inboxClosed).toBe(false);
    expect(s.calls().filter((c) => c.name === ActivityNames.closeCaseInbox)).toHaveLength(1);
    await s.send({ type: "resolution", summary: "Fixed for good" }, partnerActor, "2026-03-05T10:00:00.000Z");
    await s.send({ type: "close" }, partnerActor, "2026-03-05T10:30:00.000Z");
    expect(s.statusPath().slice(-2)).toEqual(["resolved", "closed"]);
    expect(s.d.last?.isDone).toBe(true);
    expect(s.inboxClosed).toBe(true);
  });

  it("an update accepted as the case closes is recorded as ignored before the execution completes", async () => {
    const s = await start();
    await s.send({ type: "resolution", summary: "Done" }, partnerActor, "2026-03-02T09:00:00.000Z");
    const update = appendWhileClosing(s, { type: "update", message: "One more thing" });
    await s.fire();
    expect(update()).toBeDefined();
    expect(s.statusPath().at(-1)).toBe("closed");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "note", details: { action: "update", ignored: "case-resolved", seq: update()?.seq } });
    expect(s.d.last?.isDone).toBe(true);
    expect(s.calls().filter((c) => c.name === ActivityNames.closeCaseInbox)).toHaveLength(2);
    // Closed for good: a later action is refused where it is appended, not accepted and lost.
    expect(() => s.append({ type: "update", message: "Hello?" })).toThrow(CaseInboxClosedError);
  });

  it("revision 5 completes without closing its inbox and leaves such an action unread (what revision 6 removes)", async () => {
    const s = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z", { caseId: "case-1", partnerId: "contoso", revision: 5 }).start();
    await s.send({ type: "resolution", summary: "Done" }, partnerActor, "2026-03-02T09:00:00.000Z");
    const reopen = appendWhileClosing(s, { type: "reopen", reason: "It broke again" });
    await s.fire();
    expect(reopen()?.seq).toBe("000000000002");
    expect(s.statusPath().at(-1)).toBe("closed");
    expect(s.d.last?.isDone).toBe(true);
    expect(s.calls().some((c) => c.name === ActivityNames.closeCaseInbox)).toBe(false);
    expect(s.transitions().some((t) => t.details?.seq === "000000000002")).toBe(false);
  });
});

describe("supportRequestOrchestrator: what the partner wrote stays on the timeline", () => {
  it("every diagnosis and resolution keeps its text, author and inbox position, though the case keeps only the latest", async () => {
    const s = await start();
    await s.send({ type: "diagnosis", outcome: "awaiting-customer", notes: "Which VM is it?" }, partnerActor, "2026-03-02T09:00:00.000Z");
    await s.send({ type: "diagnosis", outcome: "awaiting-customer", notes: "And its resource group?" }, partnerActor, "2026-03-02T09:05:00.000Z");
    await s.send({ type: "customer-reply", excerpt: "vm-web-01 in rg-prod" }, customerActor, "2026-03-02T09:30:00.000Z");
    await s.send({ type: "diagnosis", outcome: "resolved", notes: "Restarted the VM." }, partnerActor, "2026-03-02T10:00:00.000Z");
    await s.send({ type: "reopen", reason: "Down again." }, customerActor, "2026-03-02T11:00:00.000Z");
    await s.send({ type: "resolution", summary: "Replaced the faulty disk." }, partnerActor, "2026-03-02T12:00:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "awaiting-customer", "in-diagnosis", "resolved", "in-diagnosis", "resolved"]);
    const written = s.transitions().filter((t) => t.details?.action === "diagnosis" || t.details?.action === "resolution");
    expect(written.map((t) => [t.kind, t.toStatus, t.details?.notes ?? t.details?.summary, t.details?.actor, t.details?.seq])).toEqual([
      ["status-changed", "awaiting-customer", "Which VM is it?", partnerActor, "000000000001"],
      ["note", undefined, "And its resource group?", partnerActor, "000000000002"],
      ["status-changed", "resolved", "Restarted the VM.", partnerActor, "000000000004"],
      ["status-changed", "resolved", "Replaced the faulty disk.", partnerActor, "000000000006"],
    ]);
    expect(written[2]?.details).toMatchObject({ outcome: "resolved" });
    // The case row holds the latest of each, as before.
    expect(s.transitions().at(-1)?.patch).toMatchObject({ resolutionSummary: "Replaced the faulty disk." });
  });

  it("an escalation request keeps its reason on the decision's entry, the partner's and the indirect provider's", async () => {
    const reseller = standardCase({ provider: { partnerId: "fabrikam-dist", entitlements: [{ vehicle: "premier-support-for-partners" }] } }, { type: "indirect-reseller", indirectProviderId: "fabrikam-dist", entitlements: [] });
    const s = await new CaseSimulator(reseller, "2026-03-02T08:00:05.000Z").start();
    await s.send({ type: "diagnosis", outcome: "needs-escalation", notes: "Beyond our baseline support." }, partnerActor, "2026-03-02T09:00:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "escalation-decided", toStatus: "escalated-to-provider", details: { action: "diagnosis", outcome: "needs-escalation", notes: "Beyond our baseline support.", actor: partnerActor, target: "indirect-provider" } });
    const provider: Actor = { kind: "indirect-provider", partnerId: "fabrikam-dist" };
    await s.send({ type: "escalate", reason: "The host needs Microsoft." }, provider, "2026-03-02T09:20:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "escalation-decided", toStatus: "escalated-to-microsoft", details: { action: "escalate", reason: "The host needs Microsoft.", actor: provider, by: "indirect-provider", target: "microsoft" } });
  });
});
