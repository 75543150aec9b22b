/**
 * A failed orchestration is never a dead end: the restart mechanism (reopen and recover), the
 * recovery sweeper with its backoff, cap and notice to the partner, an orchestration left Pending
 * (marked not-started, the partner told), a partner action on a stopped workflow, and the health
 * count — over real Table Storage (Azurite) with the workflow port played by FakeWorkflow (the
 * Durable side is covered end to end in test/e2e).
 */
import { createContainer, type Container } from "../../../shared/container";
import { EmailFailurePolicy, type EscalationRecord, type Fault, type SupportRequestCarry, type SupportRequestCheckpoint } from "../../../shared/contracts";
import type { EmailMessage, EmailSender } from "../../../shared/ports";
import {
  countStoppedWorkflows,
  MAX_AUTOMATIC_RESTARTS,
  recordDiagnosis,
  RESTART_BACKOFF_IN_MS,
  ORPHAN_GRACE_IN_MS,
  restartOrphanedWorkflows,
  restartPointOf,
  submitSupportRequest,
  STUCK_PENDING_AFTER_IN_MS,
  sweepWorkflows,
} from "../../../shared/services";
import { recordWorkflowHealth, WORKFLOW_NOTICE_SCOPE } from "../../../shared/services/workflowRecovery";
import { FakeWorkflow, partnerDefinition, supportRequestBody, testConfig } from "./helpers";

/** A clock the test moves. */
const clock = { t: Date.parse("2026-06-01T08:00:00.000Z"), now: () => new Date(clock.t) };
/** The emails the app sent (partner notices). */
const sent: EmailMessage[] = [];
/** While set, every send fails with this fault (as the email adapters classify a failure). */
let sendFault: Fault | undefined;
const recordingSender: EmailSender = {
  async send(message) {
    if (sendFault) throw Object.assign(new Error(`send failed: ${sendFault.code}`), { fault: sendFault });
    sent.push(message);
    return { providerMessageId: `p${sent.length}` };
  },
  async checkHealth() {},
};

let container: Container;
let workflow: FakeWorkflow;
const partnerId = "zeta-partner";

const checkpoint: Omit<SupportRequestCarry, "outbox" | "escalation"> = { generation: 3, status: "in-diagnosis", entryCount: 4, notificationCounts: { received: 1, update: 2 }, cursor: "0000000002" };

/** An escalation to Microsoft as the workflow stores it on the case, with the service request filed. */
const toMicrosoft: EscalationRecord = {
  target: "microsoft",
  vehicle: "signature-cloud-support",
  reason: "Rule 3: technical issue on a cloud product.",
  trigger: "first-response-breach",
  decidedAt: "2026-06-01T08:30:00.000Z",
  microsoftServiceRequest: { outcome: "filed", serviceRequestId: "SR-42", locale: "en-US", at: "2026-06-01T08:30:01.000Z", payload: { Title: "[Case] VM down", Description: "VM down", Severity: "moderate", SupportTopicId: "", ProductName: "Azure", PrimaryContact: { Email: "support@zeta-partner.example" } } },
};

/**
 * Records a status email as SendStatusEmail does when the provider throttled it (429): pending, with
 * what to deliver (`input`, its activity input).
 */
async function recordThrottledEmail(partner: string, input: { caseId: string; notificationKey: string } & Record<string, unknown>): Promise<void> {
  await container.notifications.recordUndelivered(partner, {
    caseId: input.caseId,
    notificationKey: input.notificationKey,
    messageId: "",
    providerMessageId: "",
    to: [],
    subject: "",
    sentAt: clock.now().toISOString(),
    state: "pending",
    attempts: 2,
    queuedAt: clock.now().toISOString(),
    fault: { class: "transient", code: "throttled", message: "429" },
    delivery: { activity: "SendStatusEmail", input },
  });
}

async function newCase(): Promise<string> {
  return (await submitSupportRequest(container.supportRequestDeps(workflow), partnerId, supportRequestBody())).caseId;
}

function fail(caseId: string, status = "Failed"): void {
  workflow.statuses.set(caseId, { runtimeStatus: status, customStatus: { status: "in-diagnosis", waitingFor: "diagnosis", checkpoint }, input: { caseId, partnerId, carry: { ...checkpoint, generation: 2 } } });
}

beforeAll(async () => {
  container = createContainer(testConfig("recover"), { clock, emailSender: recordingSender });
  workflow = new FakeWorkflow();
  await container.registerPartner(partnerDefinition(partnerId));
});

describe("restartPointOf", () => {
  it("prefers the output checkpoint, then the custom status checkpoint, then the input carry without its outbox", () => {
    const a = { ...checkpoint, generation: 9 };
    expect(restartPointOf({ output: { checkpoint: a }, customStatus: { checkpoint }, input: null })).toEqual(a);
    expect(restartPointOf({ output: null, customStatus: { checkpoint }, input: null })).toEqual(checkpoint);
    const carry = { ...checkpoint, outbox: [{ activity: "SendStatusEmail", input: {}, attempts: 1, firstFailedAt: "2026-06-01T08:00:00.000Z", nextAttemptAt: "2026-06-01T08:01:00.000Z" }] };
    // The carry's escalation is the one in force at its start: none here (null), or its decision without the service request.
    expect(restartPointOf({ output: null, customStatus: null, input: { caseId: "c", partnerId: "p", carry } })).toEqual({ ...checkpoint, escalation: null });
    const { microsoftServiceRequest: _filed, ...decision } = toMicrosoft;
    expect(restartPointOf({ output: null, customStatus: null, input: { caseId: "c", partnerId: "p", carry: { ...carry, escalation: toMicrosoft } } })).toEqual({ ...checkpoint, escalation: decision });
    expect(restartPointOf({ output: null, customStatus: { status: "received" }, input: { caseId: "c", partnerId: "p" } })).toBeUndefined();
    // A first generation that failed before it acknowledged the case publishes its starting state: the restart continues it (and acknowledges, revision 7).
    const starting = { generation: 0, status: "received" as const, entryCount: 0, notificationCounts: {} };
    expect(restartPointOf({ output: null, customStatus: { status: "received", failure: { message: "x", at: "2026-06-01T08:00:00.000Z" }, checkpoint: starting }, input: { caseId: "c", partnerId: "p" } })).toEqual(starting);
  });
});

describe("the recovery sweeper", () => {
  it("restarts a failed workflow from its checkpoint with the pending emails, backs off between restarts, gives up after the cap and tells the partner once", async () => {
    const caseId = await newCase();
    // An email that was waiting for a retry when the execution failed.
    await recordThrottledEmail(partnerId, { caseId, partnerId, notificationKey: "update-2", status: "in-diagnosis", kind: "partner-update", message: "Still on it" });
    fail(caseId);

    const first = await sweepWorkflows(container.workflowRecoveryDeps(workflow));
    expect(first.restarted).toEqual([caseId]);
    const restart = workflow.restarts.at(-1);
    expect(restart?.input).toMatchObject({
      caseId,
      partnerId,
      carry: { ...checkpoint, generation: 4, outbox: [{ activity: "SendStatusEmail", input: { notificationKey: "update-2", message: "Still on it" }, attempts: 0 }] },
      recovery: { attempt: 1, previousRuntimeStatus: "Failed", actor: { kind: "system" } },
    });
    expect((await container.cases.getCase(partnerId, caseId))?.workflow).toMatchObject({ state: "restarting", attempts: 1, nextAttemptAt: new Date(clock.t + RESTART_BACKOFF_IN_MS[0]!).toISOString() });

    // It fails again at once: the next restart waits for its backoff.
    fail(caseId);
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).waiting).toEqual([caseId]);
    for (let attempt = 2; attempt <= MAX_AUTOMATIC_RESTARTS; attempt++) {
      clock.t += RESTART_BACKOFF_IN_MS[attempt - 2]!;
      expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).restarted).toEqual([caseId]);
      expect(workflow.restarts.at(-1)?.input.recovery?.attempt).toBe(attempt);
      fail(caseId);
    }
    clock.t += RESTART_BACKOFF_IN_MS[MAX_AUTOMATIC_RESTARTS - 1]!;
    const gaveUp = await sweepWorkflows(container.workflowRecoveryDeps(workflow));
    expect(gaveUp.gaveUp).toEqual([caseId]);
    const sr = await container.cases.getCase(partnerId, caseId);
    expect(sr?.workflow).toMatchObject({ state: "gave-up", attempts: MAX_AUTOMATIC_RESTARTS });
    const notice = sent.filter((m) => m.subject.includes(caseId) && m.subject.startsWith("Workflow stopped"));
    expect(notice).toHaveLength(1);
    expect(notice[0]?.to.map((t) => t.address)).toEqual([`support@${partnerId}.example`, `duty@${partnerId}.example`]);
    // Given up: no more automatic restarts; the list shows it under the workflow filter.
    clock.t += 24 * 3_600_000;
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).skipped).toContain(caseId);
    const page = await container.cases.searchCases(partnerId, { workflow: "attention" }, {});
    expect(page.items.map((i) => [i.caseId, i.workflow?.state])).toContainEqual([caseId, "gave-up"]);
    const timeline = await container.cases.listTimeline(partnerId, caseId);
    expect(timeline.filter((e) => e.kind === "workflow").map((e) => e.summary.split(":")[0])).toEqual([
      ...Array.from({ length: MAX_AUTOMATIC_RESTARTS }, (_, i) => `Restarting the workflow automatically (attempt ${i + 1} of ${MAX_AUTOMATIC_RESTARTS})`),
      `The workflow was restarted ${MAX_AUTOMATIC_RESTARTS} times and failed again`,
    ]);
  });

  it("continues with the escalation in force at the checkpoint: one the case got after it is left for the restart to decide again", async () => {
    const { microsoftServiceRequest: _filed, ...decision } = toMicrosoft;
    /** The escalation the sweeper's restart carries, after a failure at `point` of a case escalated to Microsoft after the checkpoint or before it. */
    const restartedWith = async (atPoint: Partial<Pick<SupportRequestCheckpoint, "escalation">>): Promise<EscalationRecord | undefined> => {
      const caseId = await newCase();
      await container.cases.applyTransition({ caseId, partnerId, entryId: "t05-escalated-to-microsoft", kind: "escalation-decided", toStatus: "escalated-to-microsoft", summary: toMicrosoft.reason, at: toMicrosoft.decidedAt, patch: { escalation: toMicrosoft } });
      workflow.statuses.set(caseId, { runtimeStatus: "Failed", customStatus: { status: "in-diagnosis", waitingFor: "diagnosis", checkpoint: { ...checkpoint, ...atPoint } }, input: { caseId, partnerId } });
      expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).restarted).toContain(caseId);
      const restart = workflow.restarts.filter((r) => r.caseId === caseId).at(-1);
      expect(restart?.input.carry).toMatchObject({ ...checkpoint, generation: checkpoint.generation + 1 });
      return restart?.input.carry?.escalation;
    };
    // Decided after the checkpoint (none in force then): the restart decides it again, under the same ids.
    expect(await restartedWith({ escalation: null })).toBeUndefined();
    // In force at the checkpoint: the case's record, with its service request.
    expect(await restartedWith({ escalation: decision })).toEqual(toMicrosoft);
    // An earlier decision in force at the checkpoint (to the indirect provider): that one.
    const earlier = { target: "indirect-provider" as const, providerId: "fabrikam-dist", reason: "Rule 1", trigger: "partner-request" as const, decidedAt: "2026-06-01T08:10:00.000Z" };
    expect(await restartedWith({ escalation: earlier })).toEqual(earlier);
    // A checkpoint published before checkpoints kept the escalation: the case's.
    expect(await restartedWith({})).toEqual(toMicrosoft);
  });

  it("restarts an execution of revision 7 or earlier at revision 7 (its entry ids), one of revision 8 at the current revision", async () => {
    const revisionOfRestart = async (revision: number | undefined): Promise<number | undefined> => {
      const caseId = await newCase();
      workflow.statuses.set(caseId, { runtimeStatus: "Failed", customStatus: { status: "in-diagnosis", waitingFor: "diagnosis", checkpoint }, input: { caseId, partnerId, ...(revision !== undefined ? { revision } : {}), carry: { ...checkpoint, generation: 2 } } });
      expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).restarted).toContain(caseId);
      return workflow.restarts.filter((r) => r.caseId === caseId).at(-1)?.input.revision;
    };
    expect(await revisionOfRestart(undefined)).toBe(7);
    expect(await revisionOfRestart(6)).toBe(7);
    expect(await revisionOfRestart(7)).toBe(7);
    // Revision 8 and later: none asked, the adapter starts the current one.
    expect(await revisionOfRestart(8)).toBeUndefined();
  });

  it("restarts a terminated workflow, marks a suspended one, and leaves closed cases and running workflows alone", async () => {
    const terminated = await newCase();
    const suspended = await newCase();
    const closed = await newCase();
    const running = await newCase();
    fail(terminated, "Terminated");
    fail(suspended, "Suspended");
    fail(closed, "Failed");
    await container.cases.applyTransition({ caseId: closed, partnerId, entryId: "t-closed", kind: "status-changed", toStatus: "closed", summary: "closed", at: clock.now().toISOString() });
    const report = await sweepWorkflows(container.workflowRecoveryDeps(workflow));
    expect(report.restarted).toContain(terminated);
    expect(report.restarted).not.toContain(running);
    expect(report.waiting).toContain(suspended);
    expect(report.skipped).toContain(closed);
    expect((await container.cases.getCase(partnerId, suspended))?.workflow?.state).toBe("suspended");
    expect(workflow.restarts.filter((r) => r.caseId === closed)).toHaveLength(0);
  });

  it("restarts a reopening's execution that failed or was terminated before it reopened the case, keeping the reopening; the health count sees it", async () => {
    const failed = await newCase();
    const terminated = await newCase();
    for (const id of [failed, terminated]) await container.cases.applyTransition({ caseId: id, partnerId, entryId: "t-closed-reopening", kind: "status-changed", toStatus: "closed", summary: "closed", at: clock.now().toISOString() });
    // The execution the partner API started to reopen each (restartWorkflow, reopen), stopped at its first step: its checkpoint still holds the reopening.
    const reopen = { reason: "still broken", seq: "000000000003", requestedAt: clock.now().toISOString(), actor: { kind: "partner" as const, partnerId } };
    const reopening = { ...checkpoint, status: "closed" as const, cursor: reopen.seq, reopen };
    const before = (await countStoppedWorkflows(container.workflowRecoveryDeps(workflow))).failed;
    for (const [id, runtimeStatus] of [[failed, "Failed"], [terminated, "Terminated"]] as const) {
      workflow.statuses.set(id, { runtimeStatus, customStatus: { status: "closed", waitingFor: "nothing", checkpoint: reopening, failure: { message: "RecordCaseTransition failed after 1 attempt", at: reopen.requestedAt } }, input: { caseId: id, partnerId, carry: reopening } });
    }
    expect((await countStoppedWorkflows(container.workflowRecoveryDeps(workflow))).failed).toBe(before + 2);

    const report = await sweepWorkflows(container.workflowRecoveryDeps(workflow));

    for (const id of [failed, terminated]) {
      expect(report.restarted).toContain(id);
      const restart = workflow.restarts.filter((r) => r.caseId === id);
      expect(restart).toHaveLength(1);
      expect(restart[0]?.input.carry).toMatchObject({ status: "closed", generation: checkpoint.generation + 1, cursor: reopen.seq, reopen });
      expect(restart[0]?.input.recovery).toMatchObject({ attempt: 1, previousRuntimeStatus: id === failed ? "Failed" : "Terminated" });
      expect((await container.cases.getCase(partnerId, id))?.workflow).toMatchObject({ state: "restarting", attempts: 1 });
    }
  });

  it("the health count sees failed workflows of open cases only", async () => {
    const open = await newCase();
    fail(open);
    const count = await countStoppedWorkflows(container.workflowRecoveryDeps(workflow));
    expect(count.failed).toBeGreaterThanOrEqual(1);
    const before = count.failed;
    await sweepWorkflows(container.workflowRecoveryDeps(workflow));
    expect((await countStoppedWorkflows(container.workflowRecoveryDeps(workflow))).failed).toBeLessThan(before);
  });
});

describe("an open request whose orchestration instance is not in the task hub (purged, or the task hub renamed or switched)", () => {
  const chained = "chain-partner";
  beforeAll(async () => {
    await container.registerPartner(
      partnerDefinition(chained, { escalationChain: { levels: [{ name: "Team lead", contacts: ["lead@chain-partner.example"], after: "PT0S" }, { name: "Manager", contacts: ["boss@chain-partner.example"], after: "PT2H" }], microsoft: "after-chain" } }),
    );
  });

  /** A sent email as the notification log keeps it. */
  const sentRow = (caseId: string, notificationKey: string) => ({ caseId, notificationKey, messageId: `<${notificationKey}@x>`, providerMessageId: "p", to: [], subject: notificationKey, sentAt: clock.now().toISOString(), state: "sent" as const });

  it("is restarted by the hourly pass from what the app stores: status, ids, inbox cursor, email counters, chain and the Microsoft escalation deferred after it", async () => {
    const caseId = (await submitSupportRequest(container.supportRequestDeps(workflow), chained, supportRequestBody())).caseId;
    const start = clock.t;
    const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
    // What the lost execution (generation 2 by then) had recorded: the acknowledgement, a partner update (inbox seq 2), a breach that escalated (Microsoft after the chain), the first chain level.
    const activate = { metric: "resolution" as const, type: "activate" as const, at: at(0), policyId: "default", target: "P2D" };
    await container.activities.recordTransition({ caseId, partnerId: chained, entryId: "t01-in-diagnosis", kind: "status-changed", toStatus: "in-diagnosis", summary: "diagnosing", at: at(1), slaEvents: [{ ...activate, eventId: "0000-0001" }] });
    await container.activities.recordTransition({ caseId, partnerId: chained, entryId: "t02-note", kind: "note", summary: "The partner updated the customer.", at: at(10), details: { action: "update", seq: "000000000002", message: "on it" } });
    // An indirect provider's decision (it starts no chain of the owner's): not the chain's trigger.
    await container.activities.recordTransition({ caseId, partnerId: chained, entryId: "t00-provider-note", kind: "escalation-decided", summary: "The provider keeps it", at: at(20), details: { by: "indirect-provider", target: "none" } });
    await container.activities.recordTransition({ caseId, partnerId: chained, entryId: "sla-breached-first-response-x", kind: "sla-breached", summary: "breached", at: at(60), details: { metric: "first-response", breachedAt: at(60) }, slaEvents: [{ metric: "first-response", type: "breach", at: at(60), policyId: "default", eventId: "0002-0003" }] });
    const decision: EscalationRecord = { target: "microsoft", vehicle: "commercial-issue-support", reason: "Rule 2", trigger: "first-response-breach", decidedAt: at(60) };
    await container.activities.recordTransition({ caseId, partnerId: chained, entryId: "escalation-first-response-breach-x", kind: "escalation-decided", summary: "Microsoft after the chain", at: at(60), patch: { escalation: decision } });
    for (const key of ["received", "update", "update-2", "partner:sla-breach-first-response", "partner:escalation-level-1"]) await container.notifications.recordSent(chained, sentRow(caseId, key));
    // The instance is gone (the task hub was switched): no status at all.
    workflow.statuses.delete(caseId);
    clock.t += ORPHAN_GRACE_IN_MS + 90 * 60_000;

    const report = await restartOrphanedWorkflows(container.workflowRecoveryDeps(workflow));
    expect(report.restarted).toContain(caseId);
    expect(report.failed).toEqual([]);
    const input = workflow.restarts.filter((r) => r.caseId === caseId).at(-1)?.input;
    expect(input?.recovery).toMatchObject({ previousRuntimeStatus: "NotFound", attempt: 1, actor: { kind: "system" } });
    expect(input?.recovery?.reason).toMatch(/not found in the task hub/);
    expect(input?.carry).toEqual({
      generation: 3,
      status: "in-diagnosis",
      entryCount: 2,
      cursor: "000000000002",
      notificationCounts: { received: 1, update: 2, "update-2": 1, "sla-breach-first-response": 1, "escalation-level-1": 1, "escalation-level": 1 },
      escalation: decision,
      chain: { triggeredAt: at(60), notifiedLevels: 1 },
      pendingMicrosoft: decision,
    });
    // Running again: the next pass leaves it alone.
    const again = await restartOrphanedWorkflows(container.workflowRecoveryDeps(workflow));
    expect(again.restarted).not.toContain(caseId);
  });

  it("a resolved request continues toward its auto-close; one that never started starts afresh; a new one is left to its intake, a running one alone", async () => {
    const resolved = await newCase();
    const at = clock.now().toISOString();
    await container.activities.recordTransition({ caseId: resolved, partnerId, entryId: "t01-in-diagnosis", kind: "status-changed", toStatus: "in-diagnosis", summary: "diagnosing", at });
    await container.activities.recordTransition({ caseId: resolved, partnerId, entryId: "t02-resolved", kind: "status-changed", toStatus: "resolved", summary: "resolved", at, details: { action: "resolution", seq: "000000000001", summary: "fixed" } });
    const neverStarted = await newCase();
    const running = await newCase();
    workflow.statuses.delete(resolved);
    workflow.statuses.delete(neverStarted);
    clock.t += ORPHAN_GRACE_IN_MS;
    const fresh = await newCase();
    workflow.statuses.delete(fresh);

    const report = await restartOrphanedWorkflows(container.workflowRecoveryDeps(workflow));
    expect(report.restarted).toEqual(expect.arrayContaining([resolved, neverStarted]));
    expect(report.restarted).not.toContain(running);
    expect(report.restarted).not.toContain(fresh);
    const carryOf = (caseId: string) => workflow.restarts.filter((r) => r.caseId === caseId).at(-1)?.input.carry;
    // The partner's auto-close period (P3D by default) after the resolution.
    expect(carryOf(resolved)).toMatchObject({ status: "resolved", entryCount: 2, cursor: "000000000001", autoCloseAt: new Date(Date.parse(at) + 3 * 86_400_000).toISOString() });
    // Nothing happened to it yet: no carry, the first generation acknowledges it.
    expect(carryOf(neverStarted)).toBeUndefined();
  });

  it("passes cut short by their cap cover every open case in turn, hour after hour", async () => {
    const lost = [await newCase(), await newCase()];
    for (const caseId of lost) workflow.statuses.delete(caseId);
    clock.t += ORPHAN_GRACE_IN_MS;
    const restarted = new Set<string>();
    // One lookup a pass: each hour's pass looks at the next case of the list.
    for (let hour = 0; hour < 300 && lost.some((c) => !restarted.has(c)); hour++) {
      const report = await restartOrphanedWorkflows(container.workflowRecoveryDeps(workflow), { maxCases: 1 });
      expect(report.examined).toBeLessThanOrEqual(1);
      for (const caseId of report.restarted) restarted.add(caseId);
      clock.t += 3_600_000;
    }
    expect(lost.filter((c) => !restarted.has(c))).toEqual([]);
  });

  it("stops at its cap of cases, or of time, and says so", async () => {
    const report = await restartOrphanedWorkflows(container.workflowRecoveryDeps(workflow), { maxCases: 1 });
    expect(report).toMatchObject({ examined: 1, truncated: true });
    // Each reading of the clock a minute later (each lookup takes long): the 4-minute budget ends the pass.
    const slow = { t: clock.t, now: () => new Date((slow.t += 60_000)) };
    const timed = await restartOrphanedWorkflows({ ...container.workflowRecoveryDeps(workflow), clock: slow });
    expect(timed.truncated).toBe(true);
    expect(timed.examined).toBeLessThanOrEqual(4);
  });
});

describe("a request whose emails wait for a retry when its orchestration instance is lost", () => {
  const marked = "marked-partner";
  beforeAll(async () => {
    await container.registerPartner(partnerDefinition(marked));
  });

  /** The closed email of the case, throttled. */
  const throttled = (caseId: string, notificationKey: string): Promise<void> => recordThrottledEmail(marked, { caseId, partnerId: marked, notificationKey, status: "closed", kind: "status" });

  /** A case taken to closed as the workflow records it. */
  async function closedCase(): Promise<string> {
    const caseId = (await submitSupportRequest(container.supportRequestDeps(workflow), marked, supportRequestBody())).caseId;
    const at = clock.now().toISOString();
    await container.activities.recordTransition({ caseId, partnerId: marked, entryId: "t01-in-diagnosis", kind: "status-changed", toStatus: "in-diagnosis", summary: "diagnosing", at });
    await container.activities.recordTransition({ caseId, partnerId: marked, entryId: "t02-resolved", kind: "status-changed", toStatus: "resolved", summary: "resolved", at, details: { action: "resolution", seq: "000000000001", summary: "fixed" } });
    await container.activities.recordTransition({ caseId, partnerId: marked, entryId: "t03-closed", kind: "status-changed", toStatus: "closed", summary: "closed", at, details: { action: "close", seq: "000000000002" } });
    return caseId;
  }

  it("a closed one is restarted by the hourly pass with the emails still to send; a running one is left alone, and the mark goes once nothing waits", async () => {
    const lost = await closedCase();
    await throttled(lost, "closed");
    const running = await closedCase();
    await throttled(running, "closed");
    const delivered = await closedCase();
    await throttled(delivered, "closed");
    await container.notifications.recordSent(marked, { caseId: delivered, notificationKey: "closed", messageId: "<closed@x>", providerMessageId: "p", to: [], subject: "closed", sentAt: clock.now().toISOString() });
    // The task hub was switched while the first waited for its retry: its instance is gone.
    workflow.statuses.delete(lost);
    workflow.statuses.delete(delivered);
    clock.t += ORPHAN_GRACE_IN_MS;

    const report = await restartOrphanedWorkflows(container.workflowRecoveryDeps(workflow));
    expect(report.failed).toEqual([]);
    expect(report.restarted).toContain(lost);
    expect(report.restarted).not.toContain(running);
    expect(report.restarted).not.toContain(delivered);
    const input = workflow.restarts.filter((r) => r.caseId === lost).at(-1)?.input;
    expect(input?.recovery).toMatchObject({ previousRuntimeStatus: "NotFound", actor: { kind: "system" } });
    // It continues closed, with the email to send (due now), under the counters the log holds.
    expect(input?.carry).toMatchObject({
      status: "closed",
      entryCount: 3,
      cursor: "000000000002",
      notificationCounts: { closed: 1 },
      outbox: [{ activity: "SendStatusEmail", input: { caseId: lost, notificationKey: "closed" }, attempts: 0, nextAttemptAt: clock.now().toISOString() }],
    });
    // The delivered one's mark is gone; the others stay while their emails wait.
    expect((await container.notifications.listUndeliveredMarks(marked)).map((m) => m.caseId).sort()).toEqual([lost, running].sort());

    // Running again, and its email out: the next pass leaves it and clears its mark.
    await container.notifications.recordSent(marked, { caseId: lost, notificationKey: "closed", messageId: "<closed2@x>", providerMessageId: "p", to: [], subject: "closed", sentAt: clock.now().toISOString() });
    clock.t += 3_600_000;
    const again = await restartOrphanedWorkflows(container.workflowRecoveryDeps(workflow));
    expect(again.restarted).not.toContain(lost);
    expect((await container.notifications.listUndeliveredMarks(marked)).map((m) => m.caseId)).toEqual([running]);
  });

  it("a closed one with nothing left to send is not restarted, and neither is a mark of no case", async () => {
    const done = await closedCase();
    workflow.statuses.delete(done);
    // Its email still pending, but erased by retention: nothing says what to deliver, so a restart could send nothing.
    const erased = await closedCase();
    await throttled(erased, "closed");
    await container.notifications.eraseCase(marked, erased);
    workflow.statuses.delete(erased);
    // A partner notice's mark (no case of that id): the sweeper sends such notices again itself.
    await throttled("_notices", "partner:workflows-not-started-x");
    clock.t += ORPHAN_GRACE_IN_MS;
    const report = await restartOrphanedWorkflows(container.workflowRecoveryDeps(workflow));
    expect(report.restarted).not.toContain(done);
    expect(report.restarted).not.toContain(erased);
    expect(report.restarted).not.toContain("_notices");
    const left = (await container.notifications.listUndeliveredMarks(marked)).map((m) => m.caseId);
    expect(left).not.toContain("_notices");
    expect(left).not.toContain(erased);
  });
});

describe("an orchestration that stays Pending (its start never run by the Durable host)", () => {
  /** The instance as the Durable API lists it: created `minutesAgo` before the test clock, still Pending. */
  function pendingSince(caseId: string, minutesAgo: number): string {
    const createdTime = new Date(clock.t - minutesAgo * 60_000).toISOString();
    workflow.statuses.set(caseId, { runtimeStatus: "Pending", customStatus: null, createdTime, lastUpdatedTime: createdTime, input: { caseId, partnerId } });
    return createdTime;
  }

  it("is marked not-started on its case after 15 minutes and listed under the workflow filter; the partner gets one email an hour naming such requests; the mark clears with the workflow's first step", async () => {
    const stuck = await newCase();
    const starting = await newCase();
    const createdTime = pendingSince(stuck, STUCK_PENDING_AFTER_IN_MS / 60_000 + 5);
    pendingSince(starting, 2);

    const report = await sweepWorkflows(container.workflowRecoveryDeps(workflow));

    expect(report.notStarted).toEqual([stuck]);
    expect([...report.notStarted, ...report.waiting, ...report.skipped, ...report.restarted]).not.toContain(starting);
    const sr = await container.cases.getCase(partnerId, stuck);
    expect(sr?.workflow).toMatchObject({ state: "not-started", since: createdTime });
    expect(sr?.workflow?.reason).toContain(`created at ${createdTime}`);
    expect((await container.cases.searchCases(partnerId, { workflow: "not-started" }, {})).items.map((i) => i.caseId)).toEqual([stuck]);
    expect((await container.cases.searchCases(partnerId, { workflow: "attention" }, {})).items.map((i) => i.caseId)).toContain(stuck);
    const notices = (): EmailMessage[] => sent.filter((m) => m.subject === "Workflows not started: action needed");
    expect(notices()).toHaveLength(1);
    expect(notices()[0]?.to.map((t) => t.address)).toEqual([`support@${partnerId}.example`, `duty@${partnerId}.example`]);
    expect(notices()[0]?.text).toContain(`- ${stuck} (severity `);
    expect(notices()[0]?.text).not.toContain(starting);
    expect(notices()[0]?.text).toContain("their customers have had no acknowledgement");
    const entries = (await container.cases.listTimeline(partnerId, stuck)).filter((e) => e.kind === "workflow");
    expect(entries.map((e) => e.summary)).toEqual([expect.stringMatching(/^The workflow has not started\. The orchestration was created at .* the Durable host has not run its start\.$/)]);
    // The health endpoint's count: the stuck one, not the one starting.
    expect((await countStoppedWorkflows(container.workflowRecoveryDeps(workflow))).notStarted).toBe(1);
    workflow.statuses.set(starting, { runtimeStatus: "Running", customStatus: null, lastUpdatedTime: clock.now().toISOString() });

    // Later passes while it stays Pending: nothing new. Another start stranded within the hour is
    // marked without another email; one in the next hour brings the next email, naming both.
    clock.t += 2 * 60_000;
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).waiting).toContain(stuck);
    expect(notices()).toHaveLength(1);
    expect((await container.cases.listTimeline(partnerId, stuck)).filter((e) => e.kind === "workflow")).toHaveLength(1);
    clock.t = Date.parse(new Date(clock.t).toISOString().slice(0, 13) + ":00:00.000Z") + 3_600_000 - 60_000;
    const second = await newCase();
    pendingSince(second, 20);
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).notStarted).toEqual([second]);
    expect(notices()).toHaveLength(1);
    clock.t += 2 * 60_000;
    const third = await newCase();
    pendingSince(third, 20);
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).notStarted).toEqual([third]);
    expect(notices()).toHaveLength(2);
    for (const id of [stuck, second, third]) expect(notices()[1]?.text).toContain(`- ${id} (severity `);

    // The host runs it at last: its first recorded step (the acknowledgement) shows it running again.
    workflow.statuses.set(stuck, { runtimeStatus: "Running", customStatus: null, createdTime, lastUpdatedTime: clock.now().toISOString() });
    await container.cases.applyTransition({ caseId: stuck, partnerId, entryId: "ack", kind: "status-changed", toStatus: "in-diagnosis", summary: "Request received", at: clock.now().toISOString() });
    expect((await container.cases.getCase(partnerId, stuck))?.workflow).toEqual({ state: "running", since: clock.now().toISOString() });
    expect((await container.cases.searchCases(partnerId, { workflow: "not-started" }, {})).items.map((i) => i.caseId).sort()).toEqual([second, third].sort());
    expect((await countStoppedWorkflows(container.workflowRecoveryDeps(workflow))).notStarted).toBe(2);
    for (const id of [second, third]) workflow.statuses.set(id, { runtimeStatus: "Running", customStatus: null, lastUpdatedTime: clock.now().toISOString() });
  });

  it("of a closed request with nothing left to send is left alone; one started to reopen it is marked", async () => {
    // An hour after the last notice.
    clock.t += 3_600_000;
    const closed = await newCase();
    const reopened = await newCase();
    for (const id of [closed, reopened]) await container.cases.applyTransition({ caseId: id, partnerId, entryId: "t-closed-pending", kind: "status-changed", toStatus: "closed", summary: "closed", at: clock.now().toISOString() });
    pendingSince(closed, 60);
    const createdTime = pendingSince(reopened, 60);
    // The reopening's execution (shared/services/workflowRecovery.ts restartWorkflow): its case stays closed until it runs.
    const reopen = { reason: "still broken", seq: "000000000003", requestedAt: createdTime, actor: { kind: "partner" as const, partnerId } };
    workflow.statuses.set(reopened, { ...workflow.statuses.get(reopened)!, input: { caseId: reopened, partnerId, carry: { ...checkpoint, status: "closed", cursor: reopen.seq, reopen } } });

    const report = await sweepWorkflows(container.workflowRecoveryDeps(workflow));

    expect(report.skipped).toContain(closed);
    expect((await container.cases.getCase(partnerId, closed))?.workflow).toBeUndefined();
    expect(report.notStarted).toEqual([reopened]);
    expect((await container.cases.getCase(partnerId, reopened))?.workflow).toMatchObject({ state: "not-started", since: createdTime });
    expect(sent.filter((m) => m.text.includes(closed))).toEqual([]);
    expect(sent.filter((m) => m.subject === "Workflows not started: action needed" && m.text.includes(`- ${reopened} (severity `))).toHaveLength(1);
    for (const id of [closed, reopened]) workflow.statuses.delete(id);
  });
});

describe("a partner notice of the sweeper whose send fails transiently is sent again by a later pass", () => {
  /** ACS throttling with Retry-After 10 min, as the ACS adapter classifies it. */
  const throttled: Fault = { class: "transient", code: "throttled", message: "429 Too Many Requests", retryAfterInMs: 600_000 };

  afterEach(() => {
    sendFault = undefined;
  });

  it("the gave-up notice: pending with its Retry-After, sent once when due, not before", async () => {
    const caseId = await newCase();
    const since = clock.now().toISOString();
    // The last automatic restart was made and failed again: the next pass gives up.
    await recordWorkflowHealth(container.cases, (await container.cases.getCase(partnerId, caseId))!, { state: "restarting", since, reason: "the orchestration ended Failed", attempts: MAX_AUTOMATIC_RESTARTS, nextAttemptAt: since }, { entryId: `workflow-restarting-test-${since}`, kind: "workflow", at: since, summary: "Restarting" });
    fail(caseId);
    const subject = (m: EmailMessage): boolean => m.subject.startsWith(`Workflow stopped on case ${caseId}`);
    sendFault = throttled;
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).gaveUp).toEqual([caseId]);
    const key = `partner:workflow-gave-up-${MAX_AUTOMATIC_RESTARTS}-${since.slice(0, 10)}`;
    expect(await container.notifications.get(partnerId, caseId, key)).toMatchObject({ state: "pending", attempts: 1, nextAttemptAt: new Date(clock.t + 600_000).toISOString(), fault: { code: "throttled" } });
    sendFault = undefined;

    // Before the Retry-After: nothing sent.
    clock.t += 2 * 60_000;
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).noticesResent).toEqual([]);
    expect(sent.filter(subject)).toEqual([]);
    // Due: sent once, the log says so, and later passes send nothing more.
    clock.t += 8 * 60_000;
    const due = await sweepWorkflows(container.workflowRecoveryDeps(workflow));
    expect(due.noticesResent).toEqual([caseId]);
    expect(due.skipped).toContain(caseId);
    expect(sent.filter(subject)).toHaveLength(1);
    expect(await container.notifications.get(partnerId, caseId, key)).toMatchObject({ state: "sent" });
    clock.t += 10 * 60_000;
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).noticesResent).toEqual([]);
    expect(sent.filter(subject)).toHaveLength(1);
    expect((await container.cases.listTimeline(partnerId, caseId)).filter((e) => e.kind === "email-sent" && e.summary.includes("Workflow stopped"))).toHaveLength(1);
    workflow.statuses.delete(caseId);
  });

  it("the gave-up notice that keeps failing is recorded failed once its retry period is over", async () => {
    const caseId = await newCase();
    const since = clock.now().toISOString();
    await recordWorkflowHealth(container.cases, (await container.cases.getCase(partnerId, caseId))!, { state: "restarting", since, reason: "the orchestration ended Failed", attempts: MAX_AUTOMATIC_RESTARTS, nextAttemptAt: since }, { entryId: `workflow-restarting-test-${since}`, kind: "workflow", at: since, summary: "Restarting" });
    fail(caseId);
    sendFault = { class: "transient", code: "service-unavailable", message: "503" };
    await sweepWorkflows(container.workflowRecoveryDeps(workflow));
    const key = `partner:workflow-gave-up-${MAX_AUTOMATIC_RESTARTS}-${since.slice(0, 10)}`;
    let passes = 0;
    for (; passes < 100 && (await container.notifications.get(partnerId, caseId, key))?.state === "pending"; passes++) {
      clock.t += 60 * 60_000;
      await sweepWorkflows(container.workflowRecoveryDeps(workflow));
    }
    const notice = await container.notifications.get(partnerId, caseId, key);
    expect(notice).toMatchObject({ state: "failed", fault: { class: "permanent", code: "gave-up" } });
    expect(Date.parse(notice!.sentAt) - Date.parse(since)).toBeLessThanOrEqual(EmailFailurePolicy.giveUpAfterInMs);
    expect(passes).toBeGreaterThan(60);
    expect((await container.cases.listTimeline(partnerId, caseId)).filter((e) => e.kind === "email-failed")).toHaveLength(1);
    // Over: the passes that follow read nothing more for it and send nothing.
    clock.t += 15 * 60_000;
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).noticesResent).not.toContain(caseId);
    workflow.statuses.delete(caseId);
  });

  it("the notice of workflows not started: pending, sent again while the requests stay marked, superseded by a later hour's notice", async () => {
    clock.t = Date.parse(new Date(clock.t + 3_600_000).toISOString().slice(0, 13) + ":05:00.000Z");
    const stuck = await newCase();
    const createdTime = new Date(clock.t - (STUCK_PENDING_AFTER_IN_MS + 60_000)).toISOString();
    workflow.statuses.set(stuck, { runtimeStatus: "Pending", customStatus: null, createdTime, lastUpdatedTime: createdTime, input: { caseId: stuck, partnerId } });
    const notices = (): EmailMessage[] => sent.filter((m) => m.subject === "Workflows not started: action needed" && m.text.includes(`- ${stuck} (severity `));
    const hourKey = `partner:workflows-not-started-${new Date(clock.t).toISOString().slice(0, 13)}`;
    sendFault = throttled;
    const errors: string[] = [];
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow), { onError: (what) => errors.push(what) })).notStarted).toEqual([stuck]);
    expect(errors).toEqual([`${partnerId} (notice of workflows not started)`]);
    expect(await container.notifications.get(partnerId, WORKFLOW_NOTICE_SCOPE, hourKey)).toMatchObject({ state: "pending", attempts: 1, nextAttemptAt: new Date(clock.t + 600_000).toISOString() });
    sendFault = undefined;

    clock.t += 2 * 60_000;
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).noticesResent).toEqual([]);
    clock.t += 8 * 60_000;
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).noticesResent).toEqual([`${partnerId} (workflows not started)`]);
    expect(notices()).toHaveLength(1);
    expect(await container.notifications.get(partnerId, WORKFLOW_NOTICE_SCOPE, hourKey)).toMatchObject({ state: "sent" });
    clock.t += 2 * 60_000;
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).noticesResent).toEqual([]);
    expect(notices()).toHaveLength(1);

    // The next hour's notice fails; the hour after, a newly marked request brings a notice that
    // goes out (naming both): the failed one is superseded, not sent again.
    const stuckAt = (caseId: string): void => {
      const created = new Date(clock.t - (STUCK_PENDING_AFTER_IN_MS + 60_000)).toISOString();
      workflow.statuses.set(caseId, { runtimeStatus: "Pending", customStatus: null, createdTime: created, lastUpdatedTime: created, input: { caseId, partnerId } });
    };
    clock.t += 60 * 60_000;
    const second = await newCase();
    stuckAt(second);
    sendFault = throttled;
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow), { onError: () => undefined })).notStarted).toEqual([second]);
    sendFault = undefined;
    clock.t += 60 * 60_000;
    const third = await newCase();
    stuckAt(third);
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).notStarted).toEqual([third]);
    expect(notices()).toHaveLength(2);
    expect(notices()[1]?.text).toContain(`- ${second} (severity `);
    clock.t += 15 * 60_000;
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).noticesResent).toEqual([]);
    expect(notices()).toHaveLength(2);
    for (const id of [stuck, second, third]) workflow.statuses.delete(id);
  });
});

describe("a request whose workflow could not be started when it was stored", () => {
  const unreachable = (): Error => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:7071"), { code: "ECONNREFUSED" });

  it("is started by the sweeper once its sender has had a minute to send it again, with a timeline entry saying why", async () => {
    workflow.startError = unreachable;
    workflow.failStarts = 1;
    await expect(submitSupportRequest(container.supportRequestDeps(workflow), partnerId, supportRequestBody({ title: "Stored, never started" }))).rejects.toThrow("ECONNREFUSED");
    const stored = (await container.cases.listCases(partnerId, { limit: 100 })).items.find((c) => c.title === "Stored, never started");
    expect(stored?.status).toBe("received");
    const caseId = stored!.caseId;
    expect(await workflow.getStatus(caseId)).toBeUndefined();
    expect((await container.workflowRecoveryDeps(workflow).unstartedWorkflows.list(100)).map((u) => u.caseId)).toContain(caseId);

    // Within the minute the sender's own retry may still come: left alone.
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).restarted).not.toContain(caseId);
    clock.t += 61_000;
    const report = await sweepWorkflows(container.workflowRecoveryDeps(workflow));

    expect(report.restarted).toContain(caseId);
    expect(workflow.restarts.filter((r) => r.caseId === caseId)).toEqual([{ caseId, input: expect.objectContaining({ caseId, partnerId, recovery: expect.objectContaining({ previousRuntimeStatus: "NotFound", actor: { kind: "system" } }) }) }]);
    expect((await workflow.getStatus(caseId))?.runtimeStatus).toBe("Running");
    const timeline = await container.cases.listTimeline(partnerId, caseId);
    expect(timeline.find((e) => e.kind === "workflow")?.summary).toMatch(/^Workflow started by the recovery sweeper: the workflow could not be started when the request was stored \(.*ECONNREFUSED/);
    expect((await container.workflowRecoveryDeps(workflow).unstartedWorkflows.list(100)).map((u) => u.caseId)).not.toContain(caseId);
    // Nothing more to do on the next pass.
    expect((await sweepWorkflows(container.workflowRecoveryDeps(workflow))).restarted).not.toContain(caseId);
  });

  it("sent again by its sender (the redelivery started it): the sweeper only forgets it", async () => {
    workflow.startError = unreachable;
    workflow.failStarts = 1;
    const body = supportRequestBody({ title: "Sent again" });
    await expect(submitSupportRequest(container.supportRequestDeps(workflow), partnerId, body, { webhookId: "msg_sent_again" })).rejects.toThrow("ECONNREFUSED");
    const again = await submitSupportRequest(container.supportRequestDeps(workflow), partnerId, body, { webhookId: "msg_sent_again" });
    expect((await workflow.getStatus(again.caseId))?.runtimeStatus).toBe("Running");
    clock.t += 61_000;

    const report = await sweepWorkflows(container.workflowRecoveryDeps(workflow));

    expect(report.restarted).not.toContain(again.caseId);
    expect(report.skipped).toContain(again.caseId);
    expect(workflow.restarts.filter((r) => r.caseId === again.caseId)).toEqual([]);
    expect((await container.workflowRecoveryDeps(workflow).unstartedWorkflows.list(100)).map((u) => u.caseId)).not.toContain(again.caseId);
  });
});

describe("a partner action on a stopped workflow", () => {
  /** The key's permission check passes (the permission matrix has its own tests). */
  const keyMayAct = (): void => undefined;

  it("is kept in the inbox and restarts the workflow, which drains it; the answer says restarted", async () => {
    const caseId = await newCase();
    fail(caseId);
    const result = await recordDiagnosis(container.supportRequestDeps(workflow), partnerId, caseId, { outcome: "resolved", notes: "Fixed" }, keyMayAct);
    expect(result.event).toBe("restarted");
    expect(workflow.restarts.at(-1)?.input).toMatchObject({ caseId, carry: { cursor: checkpoint.cursor }, recovery: { previousRuntimeStatus: "Failed", actor: { kind: "partner", partnerId } } });
    const actions = await container.inbox.listAfter(partnerId, caseId, undefined, 10);
    expect(actions.map((a) => a.action.type)).toEqual(["diagnosis"]);
  });

  it("is refused with 409 once the sweeper gave up (a deliberate restart comes first)", async () => {
    const caseId = await newCase();
    fail(caseId);
    await container.cases.updateCase(partnerId, caseId, { entryId: "gave-up", kind: "workflow", at: clock.now().toISOString(), summary: "gave up" }, (c) => ({ ...c, workflow: { state: "gave-up", since: clock.now().toISOString(), attempts: 5 } }));
    await expect(recordDiagnosis(container.supportRequestDeps(workflow), partnerId, caseId, { outcome: "resolved", notes: "Fixed" }, keyMayAct)).rejects.toMatchObject({ code: "Conflict", message: expect.stringContaining("workflow-restart") });
  });
});
