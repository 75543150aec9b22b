/**
 * No failure ends a support request: the orchestrator replayed by the real durable-functions library
 * over hand-built histories (caseSimulator.ts) while its activities answer with the faults the
 * adapters classify — permanent email refusals, throttling with Retry-After, storage outages,
 * Partner Center refusals, host failures of the activity call — and with the outcomes the email
 * activities record. Every case still reaches its end; failures are retried with durable timers or
 * recorded, never fatal unless a step the workflow needs keeps failing past its policy.
 */
import * as df from "durable-functions";
import {
  ActivityNames,
  EmailFailurePolicy,
  OrchestratorNames,
  StorageFailurePolicy,
  type ActivityResult,
  type CaseContext,
  type Fault,
  type FileMicrosoftServiceRequestInput,
  type NotifyPartnerInput,
  type SendStatusEmailInput,
  type SendStatusEmailResult,
  type SupportRequestCheckpoint,
  type SupportRequestCustomStatus,
  type WorkflowRevision,
  CURRENT_WORKFLOW_REVISION,
} from "../../../shared/contracts";
import { supportRequestOrchestrator } from "../../../orchestrations/supportRequest";
import { standardCase } from "./caseFixtures";
import { CaseSimulator, customerActor, partnerActor } from "./caseSimulator";

df.app.orchestration(OrchestratorNames.supportRequest, supportRequestOrchestrator);

/** The standard case with partner overrides. */
function caseContext(partner: Partial<CaseContext["partner"]> = {}): CaseContext {
  return standardCase({}, partner);
}

const fault = (cls: Fault["class"], code: string, retryAfterInMs?: number): Fault => ({ class: cls, code, message: `${code} from the test`, ...(retryAfterInMs !== undefined ? { retryAfterInMs } : {}) });
/** A restart point as a carry: the escalation in force left out (none in these cases). */
const withoutEscalation = ({ escalation: _none, ...state }: SupportRequestCheckpoint): Omit<SupportRequestCheckpoint, "escalation"> => state;
const faulted = (f: Fault): ActivityResult<unknown> => ({ ok: false, fault: f });
const emailOutcome = (outcome: SendStatusEmailResult["outcome"], f?: Fault, undeliverable?: string[]): ActivityResult<unknown> => ({ ok: true, value: { outcome, messageId: "<m@x>", ...(f ? { fault: f } : {}), ...(undeliverable ? { undeliverable } : {}) } });

function emailKeys(s: CaseSimulator): string[] {
  return s.emails().map((e) => `${e.notificationKey}${e.delivery?.queue ? " (queued)" : e.delivery ? ` (attempt ${e.delivery.attempt}${e.delivery.final ? ", final" : ""})` : ""}`);
}

describe("a customer email refused for good never stops the case", () => {
  it("the acknowledgement is refused (501 to RCPT TO): the partner is told once, the case goes on to closed", async () => {
    const s = new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z");
    s.answer(ActivityNames.sendStatusEmail, emailOutcome("failed", fault("permanent", "recipient-refused"), ["someone@example.com."]));
    await s.start();
    expect(s.statusPath()).toEqual(["in-diagnosis"]);
    const told = s.partnerNotices().filter((n) => n.notificationKey === "customer-email-failed");
    expect(told).toHaveLength(1);
    expect(told[0]?.notice).toMatchObject({ kind: "customer-email-failed", undeliverable: ["someone@example.com."], fault: { code: "recipient-refused" } });
    expect(s.customStatus).toMatchObject({ status: "in-diagnosis", waitingFor: "diagnosis" });
    expect(s.customStatus.emailBacklog).toBeUndefined();

    await s.send({ type: "diagnosis", outcome: "resolved", notes: "Restarted the gateway" }, partnerActor, "2026-03-02T09:00:00.000Z");
    await s.fire(); // auto-close after P3D
    expect(s.statusPath()).toEqual(["in-diagnosis", "resolved", "closed"]);
    expect(s.d.last?.isDone).toBe(true);
    // Later emails are still asked for (the activity skips the undeliverable address); the partner is told only once.
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["received", "resolved", "closed"]);
    expect(s.partnerNotices().filter((n) => n.notificationKey === "customer-email-failed")).toHaveLength(1);
  });

  it("a failed partner notification is recorded by the activity and changes nothing in the workflow", async () => {
    const s = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
    s.answer(ActivityNames.notifyPartner, emailOutcome("failed", fault("permanent", "recipient-refused")));
    await s.fire(); // the 50 % warning: NotifyPartner fails for good
    expect(s.partnerNotices().map((n) => n.notificationKey)).toEqual(["sla-warn-first-response-50"]);
    expect(s.customStatus).toMatchObject({ status: "in-diagnosis", nextDeadlineKind: "warn" });
    expect(s.customStatus.emailBacklog).toBeUndefined();
  });
});

describe("emails that fail transiently wait in the outbox, in order, and never hold the case up", () => {
  it("ACS throttles the acknowledgement (429, Retry-After 120 s): later emails queue behind it; the retry honours Retry-After; all go out in order", async () => {
    const s = new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z");
    s.answer(ActivityNames.sendStatusEmail, emailOutcome("pending", fault("transient", "throttled", 120_000)));
    await s.start();
    // The case moved on; the acknowledgement waits for its retry at +120 s (not the 10 s backoff).
    expect(s.statusPath()).toEqual(["in-diagnosis"]);
    expect(s.timerAt).toBe("2026-03-02T08:02:05.000Z");
    expect(s.customStatus).toMatchObject({ nextDeadlineKind: "email-retry", nextDeadlineMetric: "email-delivery", emailBacklog: { pending: 1, nextAttemptAt: "2026-03-02T08:02:05.000Z", fault: { code: "throttled" } } });

    // The partner resolves meanwhile: the status changes at once; the resolved email queues behind the acknowledgement.
    await s.send({ type: "diagnosis", outcome: "resolved", notes: "Fixed" }, partnerActor, "2026-03-02T08:01:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "resolved"]);
    expect(emailKeys(s)).toEqual(["received", "resolved (queued)"]);
    expect(s.customStatus.emailBacklog).toMatchObject({ pending: 2 });

    await s.fire(); // the retry: both go out, acknowledgement first
    expect(emailKeys(s)).toEqual(["received", "resolved (queued)", "received (attempt 2)", "resolved"]);
    expect(s.customStatus.emailBacklog).toBeUndefined();
    expect(s.customStatus).toMatchObject({ status: "resolved", nextDeadlineKind: "auto-close" });
  });

  it("the mail server stays down: backoff 10 s, 20 s, 40 s … up to 15 min; after 3 days the last attempt is marked final and the failure recorded", async () => {
    const s = new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z");
    const down = (): ActivityResult<unknown> => emailOutcome("pending", fault("transient", "unreachable"));
    s.answer(ActivityNames.sendStatusEmail, ...Array.from({ length: 400 }, down));
    await s.start();
    const gaps: number[] = [];
    let last = Date.parse("2026-03-02T08:00:05.000Z");
    // Fire only email retries (the SLA timers interleave: they are due at their own instants).
    for (let i = 0; i < 400 && !s.emails().some((e) => e.delivery?.final); i++) {
      const wasRetry = s.customStatus.nextDeadlineKind === "email-retry";
      const at = Date.parse(await s.fire());
      if (wasRetry) gaps.push(at - last);
      if (wasRetry) last = at;
    }
    expect(gaps.slice(0, 5)).toEqual([10_000, 20_000, 40_000, 80_000, 160_000]);
    expect(Math.max(...gaps)).toBe(EmailFailurePolicy.maxDelayInMs);
    const finalAttempt = s.emails().find((e) => e.delivery?.final);
    expect(finalAttempt?.notificationKey).toBe("received");
    // The final attempt comes within the policy's 3 days of the first failure, after about 3 days.
    const failedFor = Date.parse(s.d.now) - Date.parse("2026-03-02T08:00:05.000Z");
    expect(failedFor).toBeLessThanOrEqual(EmailFailurePolicy.giveUpAfterInMs);
    expect(failedFor).toBeGreaterThan(EmailFailurePolicy.giveUpAfterInMs - EmailFailurePolicy.maxDelayInMs * 2);
    // Meanwhile the SLA went on: warnings and the breach were handled (the case escalated).
    expect(s.partnerNotices().map((n) => n.notificationKey)).toEqual(expect.arrayContaining(["sla-warn-first-response-50", "sla-breach-first-response"]));
    expect(s.statusPath()).toEqual(["in-diagnosis", "escalated-to-microsoft"]);
  });

  it("a final attempt that still fails is recorded as failed and the case goes on", async () => {
    const s = new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z");
    // First attempt pending, then the activity reports the final failure (gave up) on the next try.
    s.answer(ActivityNames.sendStatusEmail, emailOutcome("pending", fault("transient", "unreachable")), emailOutcome("failed", fault("permanent", "gave-up")));
    await s.start();
    await s.fire();
    expect(s.customStatus.emailBacklog).toBeUndefined();
    expect(s.partnerNotices().map((n) => n.notificationKey)).toEqual(["customer-email-failed"]);
    expect(s.partnerNotices()[0]?.notice).toMatchObject({ kind: "customer-email-failed", fault: { code: "gave-up" } });
    expect(s.customStatus).toMatchObject({ status: "in-diagnosis", nextDeadlineKind: "warn" });
  });

  it("a closed case with emails still waiting finishes only once they are out", async () => {
    const s = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
    await s.send({ type: "resolution", summary: "Done" }, partnerActor, "2026-03-02T09:00:00.000Z");
    s.answer(ActivityNames.sendStatusEmail, emailOutcome("pending", fault("transient", "service-unavailable", 30_000)));
    await s.send({ type: "close", reason: "Customer confirmed" }, partnerActor, "2026-03-02T09:05:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "resolved", "closed"]);
    expect(s.d.last?.isDone).toBe(false);
    expect(s.customStatus).toMatchObject({ status: "closed", waitingFor: "nothing", emailBacklog: { pending: 1 } });
    await s.fire();
    expect(emailKeys(s).slice(-2)).toEqual(["closed", "closed (attempt 2)"]);
    expect(s.d.last?.isDone).toBe(true);
    expect(s.d.last?.output).toMatchObject({ finalStatus: "closed", checkpoint: { status: "closed" } });
  });

  it("a reopening while the closed email still waits reopens the case in the same execution (revision 6); the email goes out first", async () => {
    const s = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
    await s.send({ type: "resolution", summary: "Done" }, partnerActor, "2026-03-02T09:00:00.000Z");
    s.answer(ActivityNames.sendStatusEmail, emailOutcome("pending", fault("transient", "service-unavailable", 30_000)));
    await s.send({ type: "close", reason: "Customer confirmed" }, partnerActor, "2026-03-02T09:05:00.000Z");
    expect(s.customStatus).toMatchObject({ status: "closed", emailBacklog: { pending: 1 } });
    await s.send({ type: "reopen", reason: "It broke again" }, partnerActor, "2026-03-02T09:05:10.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "resolved", "closed", "in-diagnosis"]);
    expect(s.transitions().at(-1)).toMatchObject({ summary: "Reopened by the partner after closure: It broke again", details: { action: "reopen", restarted: true } });
    expect(s.d.last?.isDone).toBe(false);
    // The reopened email queues behind the closed one, which is still owed: in order, then the case waits for the partner.
    await s.fire();
    expect(emailKeys(s).slice(-4)).toEqual(["closed", "reopened (queued)", "closed (attempt 2)", "reopened"]);
    expect(s.customStatus).toMatchObject({ status: "in-diagnosis", waitingFor: "diagnosis" });
    expect(s.inboxClosed).toBe(false);
  });
});

describe("steps the workflow needs are retried with durable timers; past their policy the orchestration fails and says why", () => {
  it("storage unreachable for a minute while recording a transition: retried 5 s, 10 s, 20 s, 40 s later, then the case goes on", async () => {
    const s = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
    s.answer(ActivityNames.recordTransition, ...Array.from({ length: 4 }, () => faulted(fault("transient", "unreachable"))));
    s.append({ type: "diagnosis", outcome: "awaiting-customer", notes: "Which VM?" }, partnerActor, "2026-03-02T08:30:00.000Z");
    await s.settle();
    const waits: string[] = [];
    for (let i = 0; i < 4; i++) {
      expect(s.customStatus.retrying).toMatchObject({ activity: ActivityNames.recordTransition, attempts: i + 1, fault: { code: "unreachable" } });
      waits.push(await s.fire());
    }
    expect(waits).toEqual(["2026-03-02T08:30:05.000Z", "2026-03-02T08:30:15.000Z", "2026-03-02T08:30:35.000Z", "2026-03-02T08:31:15.000Z"]);
    // Five attempts of the same transition (same entry id: at most one is stored), then the case moved on.
    const attempts = s.transitions().filter((t) => t.toStatus === "awaiting-customer");
    expect(attempts).toHaveLength(5);
    expect(new Set(attempts.map((t) => t.entryId)).size).toBe(1);
    expect(s.customStatus.retrying).toBeUndefined();
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["received", "awaiting-customer"]);
  });

  it("a host failure of the activity call (TaskFailed) is an unexpected fault: retried a few times, then the orchestration fails with the reason, publishing its checkpoint and recording the failure", async () => {
    const s = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
    // A signal without its record: the workflow reads the inbox (TakeCaseActions), which fails.
    s.signalWith = "nothing";
    s.append({ type: "update", message: "Looking into it" }, partnerActor, "2026-03-02T08:30:00.000Z");
    await s.d.replay();
    for (let attempt = 1; attempt <= StorageFailurePolicy.maxUnexpectedAttempts; attempt++) {
      s.d.failActivity(ActivityNames.takeCaseActions, "Timeout value of 00:05:00 was exceeded by function: Functions.TakeCaseActions");
      await s.d.replay();
      if (attempt < StorageFailurePolicy.maxUnexpectedAttempts) {
        s.d.fireTimer();
        await s.d.replay();
      }
    }
    // The failure is published with the last checkpoint and recorded on the case (one attempt), then the orchestration fails.
    const record = s.d.openActivity(ActivityNames.recordTransition);
    expect(record.input).toMatchObject({ kind: "workflow", patch: { workflow: { state: "failed" } } });
    expect((s.customStatus as SupportRequestCustomStatus).failure?.message).toMatch(/TakeCaseActions failed after 5 attempts \(transient unexpected\)/);
    expect(s.customStatus.checkpoint).toMatchObject({ status: "in-diagnosis", entryCount: 1, notificationCounts: { received: 1 } });
    s.complete(record);
    await s.d.replay();
    expect(s.d.last?.isDone).toBe(true);
    expect(s.d.failure).toMatch(/^TakeCaseActions failed after 5 attempts/);
  });

  it("storage refusing a step permanently (a bad request) fails the orchestration at once, without retries", async () => {
    const s = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
    s.answer(ActivityNames.recordTransition, faulted(fault("permanent", "bad-request")));
    await s.send({ type: "diagnosis", outcome: "resolved", notes: "x" }, partnerActor, "2026-03-02T08:30:00.000Z");
    expect(s.d.last?.isDone).toBe(true);
    expect(s.d.failure).toMatch(/^RecordCaseTransition failed after 1 attempt \(permanent bad-request\)/);
    expect(s.calls(ActivityNames.recordTransition).filter((c) => (c.input as { kind: string }).kind !== "workflow")).toHaveLength(2);
    expect(s.transitions().at(-1)).toMatchObject({ kind: "workflow", summary: expect.stringContaining("RecordCaseTransition failed after 1 attempt (permanent bad-request)") });
  });
});

describe("escalation degrades instead of failing", () => {
  it("Partner Center unreachable past its 6-hour policy: the request is prepared for the partner to file by hand, and the case is escalated", async () => {
    const s = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
    // Partner Center answers 503 with Retry-After 10 min to every filing; preparing (no call to it) works.
    s.responders.set(ActivityNames.fileMicrosoftServiceRequest, (input) => ((input as FileMicrosoftServiceRequestInput).prepareOnly ? undefined : faulted(fault("transient", "service-unavailable", 600_000))));
    s.append({ type: "escalate", reason: "Platform issue" }, partnerActor, "2026-03-02T08:30:00.000Z");
    await s.settle();
    const fired: string[] = [];
    for (let i = 0; i < 60 && s.customStatus.retrying; i++) fired.push(await s.fire());
    // Never sooner than Retry-After: 10 min apart, then the 15-min backoff cap.
    const gaps = fired.map((at, i) => Date.parse(at) - Date.parse(fired[i - 1] ?? "2026-03-02T08:30:00.000Z"));
    expect(gaps.every((g) => g >= 600_000 && g <= 900_000)).toBe(true);
    const filings = s.calls(ActivityNames.fileMicrosoftServiceRequest).map((c) => c.input as FileMicrosoftServiceRequestInput);
    expect(filings.at(-1)?.prepareOnly?.fault).toMatchObject({ code: "service-unavailable" });
    expect(filings.length).toBeGreaterThan(2);
    // Retries honoured Retry-After (10 min) and stayed within 6 h of the first failure.
    expect(Date.parse(s.d.now) - Date.parse("2026-03-02T08:30:00.000Z")).toBeLessThanOrEqual(6 * 3_600_000);
    expect(s.statusPath()).toEqual(["in-diagnosis", "escalated-to-microsoft"]);
  });

  it("the product support incident ledger cannot be read: the escalation is decided again without incidents, with the reason", async () => {
    const ctx = caseContext({ entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 3 }, { vehicle: "premier-support-for-partners" }] });
    const s = await new CaseSimulator({ ...ctx, product: "sql-server" }, "2026-03-02T08:00:05.000Z").start();
    s.psiLeft.set("contoso", 3);
    s.answer(ActivityNames.consumeProductSupportIncident, faulted(fault("permanent", "bad-request")));
    await s.send({ type: "escalate", reason: "Engine crash" }, partnerActor, "2026-03-02T08:30:00.000Z");
    const decided = s.transitions().find((t) => t.patch?.escalation);
    expect(decided?.patch?.escalation).toMatchObject({ target: "microsoft", vehicle: "premier-support-for-partners" });
    expect(decided?.patch?.escalation?.reason).toContain("could not be counted (bad-request");
  });
});

describe("a restarted execution (recovery) continues from its checkpoint", () => {
  it("records the restart first, acknowledges only once and processes the inbox after the checkpoint's cursor", async () => {
    const first = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
    const checkpoint = first.customStatus.checkpoint;
    expect(checkpoint).toMatchObject({ status: "in-diagnosis", generation: 0 });
    const action = first.append({ type: "update", message: "On it" }, partnerActor, "2026-03-02T08:10:00.000Z");
    const again = new CaseSimulator({ ...caseContext(), status: "in-diagnosis" }, "2026-03-02T08:20:00.000Z", {
      caseId: "case-1",
      partnerId: "contoso",
      carry: { ...withoutEscalation(checkpoint as NonNullable<typeof checkpoint>), generation: 1 },
      recovery: { reason: "the orchestration ended Failed", requestedAt: "2026-03-02T08:19:00.000Z", actor: { kind: "system" }, previousRuntimeStatus: "Failed", attempt: 1 },
    });
    again.slaLog.push(...first.slaLog);
    again.inbox.push(...first.inbox);
    await again.start();
    expect(again.transitions()[0]).toMatchObject({ entryId: "workflow-restart-1-2026-03-02T08:19:00.000Z", kind: "workflow", patch: { workflow: { state: "running", attempts: 1 } } });
    // No second acknowledgement; the update after the checkpoint's cursor is processed once.
    expect(again.emails().map((e) => e.notificationKey)).toEqual(["update"]);
    expect(again.transitions().filter((t) => (t.details as { seq?: string } | undefined)?.seq === action.seq)).toHaveLength(1);
    expect(again.customStatus).toMatchObject({ status: "in-diagnosis", generation: 1, checkpoint: { generation: 1, cursor: action.seq } });
  });

  it("without a checkpoint (it failed before its first wait) it starts afresh: the acknowledgement key is asked again, deduplicated by the activity", async () => {
    const s = new CaseSimulator({ ...caseContext(), status: "in-diagnosis" }, "2026-03-02T08:20:00.000Z", {
      caseId: "case-1",
      partnerId: "contoso",
      recovery: { reason: "the orchestration ended Failed", requestedAt: "2026-03-02T08:19:00.000Z", actor: { kind: "system" }, previousRuntimeStatus: "Failed", attempt: 2 },
    });
    s.answer(ActivityNames.sendStatusEmail, emailOutcome("already-sent"));
    await s.start();
    expect(s.transitions().map((t) => t.kind)).toEqual(["workflow"]);
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["received"]);
    expect(s.customStatus).toMatchObject({ status: "in-diagnosis", waitingFor: "diagnosis" });
  });
});

describe("a closed case whose instance was lost while its email waited for a retry", () => {
  /** The restart of such a case from the stores (status closed, the email in the outbox, due now), at a workflow revision. */
  const restartOfClosed = (revision: WorkflowRevision): CaseSimulator =>
    new CaseSimulator({ ...caseContext(), status: "closed" }, "2026-03-05T10:00:00.000Z", {
      caseId: "case-1",
      partnerId: "contoso",
      revision,
      carry: {
        generation: 4,
        status: "closed",
        entryCount: 3,
        cursor: "000000000002",
        notificationCounts: { received: 1, resolved: 1, closed: 1 },
        outbox: [{ activity: "SendStatusEmail", input: { caseId: "case-1", partnerId: "contoso", notificationKey: "closed", status: "closed", kind: "status" }, attempts: 0, firstFailedAt: "2026-03-05T08:00:00.000Z", nextAttemptAt: "2026-03-05T10:00:00.000Z" }],
      },
      recovery: { reason: "its orchestration instance was not found in the task hub", requestedAt: "2026-03-05T09:59:00.000Z", actor: { kind: "system" }, previousRuntimeStatus: "NotFound", attempt: 1 },
    });

  it("restarted from the stores: the restart is recorded and the workflow marked running, the email goes out, the inbox closes and the execution completes", async () => {
    const s = await restartOfClosed(CURRENT_WORKFLOW_REVISION).start();
    expect(s.transitions().map((t) => [t.entryId, t.kind])).toEqual([["workflow-restart-1-2026-03-05T09:59:00.000Z", "workflow"]]);
    expect(s.transitions()[0]).toMatchObject({ patch: { workflow: { state: "running", attempts: 1 } } });
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["closed"]);
    // No status changes again and no SLA clock starts: the case stays closed.
    expect(s.statusPath()).toEqual([]);
    expect(s.slaLog).toEqual([]);
    expect(s.inboxClosed).toBe(true);
    expect(s.d.last?.isDone).toBe(true);
    expect(s.d.last?.output).toMatchObject({ finalStatus: "closed" });
  });

  it("an execution of revision 8 sends the email and completes without recording the restart (its history stays replayable)", async () => {
    const s = await restartOfClosed(8).start();
    expect(s.transitions()).toEqual([]);
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["closed"]);
    expect(s.d.last?.isDone).toBe(true);
  });
});

describe("the outbox survives continueAsNew", () => {
  it("a pending email is carried to the next generation and retried there", async () => {
    const s = new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z");
    s.answer(ActivityNames.sendStatusEmail, emailOutcome("pending", fault("transient", "throttled", 3_600_000)));
    await s.start();
    // Many customer replies and updates push the generation over its task budget.
    for (let i = 0; i < 40 && s.generations.length === 1; i++) {
      await s.send({ type: "customer-reply", excerpt: `reply ${i}` }, customerActor, new Date(Date.parse("2026-03-02T08:01:00.000Z") + i * 60_000).toISOString());
    }
    expect(s.generations.length).toBeGreaterThan(1);
    expect(s.generationInputs.at(-1)?.carry?.outbox?.[0]).toMatchObject({ activity: ActivityNames.sendStatusEmail, input: { notificationKey: "received" }, attempts: 1 });
    expect(s.customStatus.emailBacklog).toMatchObject({ pending: 1, fault: { code: "throttled" } });
    while (s.customStatus.nextDeadlineKind !== "email-retry") await s.fire();
    await s.fire();
    expect(emailKeys(s).filter((k) => k.startsWith("received"))).toEqual(["received", "received (attempt 2)"]);
    expect(s.customStatus.emailBacklog).toBeUndefined();
    const notices: NotifyPartnerInput[] = s.partnerNotices();
    expect(notices.some((n) => n.notificationKey === "customer-email-failed")).toBe(false);
    const sent: SendStatusEmailInput[] = s.emails();
    expect(sent.length).toBeGreaterThanOrEqual(2);
  });
});

describe("a status change and its customer email side by side (workflow revision 5): each outcome counts on its own", () => {
  it("the transition fails transiently while the email goes out: only the transition is retried, the email is not sent again", async () => {
    const s = new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z");
    s.answer(ActivityNames.recordTransition, faulted(fault("transient", "unreachable")));
    await s.start();
    expect(s.customStatus.retrying).toMatchObject({ activity: ActivityNames.recordTransition, attempts: 1, fault: { code: "unreachable" } });
    expect(await s.fire()).toBe("2026-03-02T08:00:10.000Z");
    expect(s.transitions().map((t) => t.toStatus)).toEqual(["in-diagnosis", "in-diagnosis"]);
    expect(new Set(s.transitions().map((t) => t.entryId)).size).toBe(1);
    expect(emailKeys(s)).toEqual(["received"]);
    expect(s.customStatus).toMatchObject({ status: "in-diagnosis", waitingFor: "diagnosis" });
    expect(s.customStatus.retrying).toBeUndefined();
    expect(s.listens).toBe(true);
  });

  it("the email fails transiently while the transition is recorded: the case moves on and the email waits in the outbox", async () => {
    const s = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
    s.answer(ActivityNames.sendStatusEmail, emailOutcome("pending", fault("transient", "throttled", 60_000)));
    await s.send({ type: "diagnosis", outcome: "resolved", notes: "Restarted the VM." }, partnerActor, "2026-03-02T08:30:00.000Z");
    expect(s.customStatus).toMatchObject({ status: "resolved", emailBacklog: { pending: 1, nextAttemptAt: "2026-03-02T08:31:00.000Z", fault: { code: "throttled" } } });
    expect(await s.fire()).toBe("2026-03-02T08:31:00.000Z");
    expect(emailKeys(s)).toEqual(["received", "resolved", "resolved (attempt 2)"]);
    expect(s.customStatus.emailBacklog).toBeUndefined();
  });

  it("while an earlier email waits for a retry, the next status change records first and queues its email behind it", async () => {
    const s = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
    s.answer(ActivityNames.sendStatusEmail, emailOutcome("pending", fault("transient", "throttled", 3_600_000)));
    await s.send({ type: "diagnosis", outcome: "awaiting-customer", notes: "Which VM?" }, partnerActor, "2026-03-02T08:30:00.000Z");
    s.append({ type: "resolution", summary: "Fixed." }, partnerActor, "2026-03-02T08:40:00.000Z");
    await s.d.replay();
    expect(s.d.open.map((o) => o.name)).toEqual([ActivityNames.recordTransition]);
    await s.settle();
    expect(emailKeys(s)).toEqual(["received", "awaiting-customer", "resolved (queued)"]);
    expect(s.customStatus).toMatchObject({ status: "resolved", emailBacklog: { pending: 2 } });
  });

  it("the host fails the transition's call (TaskFailed) before the email answered: the email's answer still counts, the transition is retried", async () => {
    const s = await new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z").start();
    s.append({ type: "diagnosis", outcome: "resolved", notes: "Restarted the VM." }, partnerActor, "2026-03-02T08:30:00.000Z");
    await s.d.replay();
    expect(s.d.open.map((o) => o.name)).toEqual([ActivityNames.recordTransition, ActivityNames.sendStatusEmail]);
    s.d.failActivity(ActivityNames.recordTransition, "Timeout value of 00:05:00 was exceeded by function: Functions.RecordCaseTransition");
    await s.d.replay();
    // Still waiting for the email: nothing new scheduled, the email's call not scheduled twice.
    expect(s.d.open.map((o) => o.name)).toEqual([ActivityNames.sendStatusEmail]);
    s.complete(s.d.openActivity(ActivityNames.sendStatusEmail));
    await s.d.replay();
    expect(s.customStatus.retrying).toMatchObject({ activity: ActivityNames.recordTransition, attempts: 1, fault: { code: "unexpected" } });
    await s.fire();
    expect(s.transitions().filter((t) => t.toStatus === "resolved")).toHaveLength(2);
    expect(emailKeys(s)).toEqual(["received", "resolved"]);
    expect(s.customStatus).toMatchObject({ status: "resolved", waitingFor: "auto-close" });
    expect(s.customStatus.retrying).toBeUndefined();
  });
});
