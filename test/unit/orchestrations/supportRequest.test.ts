/**
 * Scenarios of the support-request orchestrator, replayed by the real durable-functions library
 * over hand-built histories (the local host's harness, `@csp-support/local-host/testing`), with the inbox, SLA log, PSI ledger and
 * Partner Center played by caseSimulator.ts.
 */
import * as df from "durable-functions";
import fc from "fast-check";
import {
  ActivityNames,
  CURRENT_WORKFLOW_REVISION,
  OrchestratorNames,
  WorkflowRevisions,
  actionSignalOf,
  formatActionSeq,
  EventNames,
  type CaseActionRecord,
  type CaseContext,
  type ConsumeProductSupportIncidentInput,
  type EscalationRecord,
  type FileMicrosoftServiceRequestInput,
  type SupportRequestOrchestrationInput,
  type TakeCaseActionsInput,
} from "../../../shared/contracts";
import { HISTORY_TASK_BUDGET, MAX_WAKE_TIMER_MS, supportRequestOrchestrator } from "../../../orchestrations/supportRequest";
import { revisionOf } from "../../../orchestrations/supportRequest/generation";
import { ActionType, flattenActions } from "@csp-support/local-host/testing";
import { CaseSimulator, customerActor } from "./caseSimulator";
import { createdAt, standardCase as caseContext, standardPolicy as policy } from "./caseFixtures";

df.app.orchestration(OrchestratorNames.supportRequest, supportRequestOrchestrator);


/** The longest time (ms) between an episode and the fire time of a timer it armed, over every generation. */
function longestTimerMs(s: CaseSimulator): number {
  const timers = s.generations.flatMap((g) => g.history.filter((e) => e.EventType === 10));
  return Math.max(...timers.map((e) => Date.parse(String(e.FireAt)) - Date.parse(e.Timestamp)));
}

async function start(ctx: CaseContext = caseContext()): Promise<CaseSimulator> {
  return new CaseSimulator(ctx, "2026-03-02T08:00:05.000Z").start();
}

/** Four actions appended and signalled back to back, then processed: the case goes through awaiting-customer to resolved. */
async function sendBurst(s: CaseSimulator): Promise<void> {
  s.append({ type: "diagnosis", outcome: "awaiting-customer", notes: "VM name?" }, undefined, "2026-03-02T08:30:00.000Z");
  s.append({ type: "customer-reply", excerpt: "vm-01" }, customerActor);
  s.append({ type: "update", message: "Found it." });
  s.append({ type: "resolution", summary: "Fixed." });
  await s.settle();
  expect(s.statusPath()).toEqual(["in-diagnosis", "awaiting-customer", "in-diagnosis", "resolved"]);
}

// First response PT4H from Mon 09:00 local: 50 % at 11:00, 75 % at 12:00, breach at 13:00 local.
const FR_50 = "2026-03-02T10:00:00.000Z";
const FR_75 = "2026-03-02T11:00:00.000Z";
const FR_DUE = "2026-03-02T12:00:00.000Z";

describe("supportRequestOrchestrator: start and acknowledgement", () => {
  it("acknowledges, activates the clocks and arms one timer at the first warning; a new case's inbox is read only when signalled", async () => {
    const s = await start();
    expect(s.calls().map((c) => c.name)).toEqual([
      ActivityNames.getCaseContext,
      // The status change carries the clocks' activations; the acknowledgement states the
      // first-response due time the workflow computed (no read of the log back).
      ActivityNames.recordTransition,
      ActivityNames.sendStatusEmail,
    ]);
    expect(s.calls(ActivityNames.getCaseContext)[0]?.input).toEqual({ caseId: "case-1", partnerId: "contoso" });
    expect(s.transitions()[0]).toMatchObject({ entryId: "t01-in-diagnosis", toStatus: "in-diagnosis", at: "2026-03-02T08:00:05.000Z", patch: { sla: { firstResponseDueAt: FR_DUE } } });
    expect(s.transitions()[0]?.slaEvents?.map((e) => [e.eventId, e.metric, e.type])).toEqual([
      ["0000-0001", "first-response", "activate"],
      ["0000-0002", "resolution", "activate"],
    ]);
    expect(s.emails()).toEqual([{ caseId: "case-1", partnerId: "contoso", notificationKey: "received", status: "received", respondBy: FR_DUE }]);
    expect(s.calls(ActivityNames.takeCaseActions)).toHaveLength(0);
    // The SLA log is written with deterministic ids: generation 0000, counter.
    expect(s.slaLog.map((e) => [e.eventId, e.metric, e.type, e.at, e.target])).toEqual([
      ["0000-0001", "first-response", "activate", createdAt, "PT4H"],
      ["0000-0002", "resolution", "activate", createdAt, "PT16H"],
    ]);
    expect(s.timerAt).toBe(FR_50);
    expect(s.customStatus).toEqual({ status: "in-diagnosis", waitingFor: "diagnosis", nextDeadline: FR_50, nextDeadlineMetric: "first-response", nextDeadlineKind: "warn", generation: 0, checkpoint: expect.objectContaining({ status: "in-diagnosis", generation: 0 }) });
    // Every activity is called once per attempt: retries are the orchestration's own durable timers
    // (by each activity's failure policy), not the extension's RetryOptions.
    const all = flattenActions(s.d.last?.actions ?? []).leaves.filter((a) => a.actionType !== ActionType.CreateTimer);
    expect(all.every((a) => a.actionType === ActionType.CallActivity && a.retryOptions === undefined)).toBe(true);
    // The wait is ONE timer raced with the signal.
    const any = (s.d.last?.actions[0] ?? []).filter((a) => a.actionType === ActionType.WhenAny);
    expect(any).toHaveLength(1);
    expect(any[0]?.compoundActions?.map((a) => a.externalEventName ?? a.actionType)).toEqual(["CaseActionsAvailable", ActionType.CreateTimer]);
    // The first signal without its record reads the inbox from its start.
    s.signalWith = "nothing";
    await s.send({ type: "update", message: "Looking into it." }, undefined, "2026-03-02T08:30:00.000Z");
    expect(s.calls(ActivityNames.takeCaseActions)[0]?.input).toEqual({ caseId: "case-1", partnerId: "contoso", limit: 50 });
    expect(s.emails().at(-1)?.notificationKey).toBe("update");
  });

  it("without an applied policy, times the severity's targets (issue-2 default policy)", async () => {
    const s = await start(caseContext({ slaPolicy: undefined }));
    expect(s.slaLog.map((e) => [e.metric, e.type, e.policyId, e.target])).toEqual([
      ["first-response", "activate", "default", "PT4H"],
      ["resolution", "activate", "default", "PT16H"],
    ]);
    expect(s.timerAt).toBe(FR_50);
  });

  it("started with the facts the intake stored (input caseContext): acknowledges without reading the case back, as from a read", async () => {
    const ctx = caseContext();
    const read = await start(ctx);
    const given = await new CaseSimulator(ctx, "2026-03-02T08:00:05.000Z", { caseId: ctx.caseId, partnerId: ctx.partnerId, revision: CURRENT_WORKFLOW_REVISION, caseContext: ctx }).start();
    expect(given.calls().map((c) => c.name)).toEqual([ActivityNames.recordTransition, ActivityNames.sendStatusEmail]);
    expect(given.transitions()).toEqual(read.transitions());
    expect(given.emails()).toEqual(read.emails());
    expect(given.slaLog).toEqual(read.slaLog);
    expect(given.timerAt).toBe(FR_50);
    expect(given.customStatus).toEqual(read.customStatus);
  });

  it("a recovery, or a generation that continues another, reads the case even with caseContext in its input", async () => {
    const ctx = caseContext();
    const recovery = { reason: "restarted", requestedAt: "2026-03-02T08:00:04.000Z", actor: { kind: "system" as const }, previousRuntimeStatus: "Failed", attempt: 1 };
    const recovered = await new CaseSimulator(ctx, "2026-03-02T08:00:05.000Z", { caseId: ctx.caseId, partnerId: ctx.partnerId, revision: CURRENT_WORKFLOW_REVISION, caseContext: ctx, recovery }).start();
    expect(recovered.calls()[0]?.name).toBe(ActivityNames.getCaseContext);
    const carried = await new CaseSimulator(ctx, "2026-03-02T08:00:05.000Z", { caseId: ctx.caseId, partnerId: ctx.partnerId, revision: CURRENT_WORKFLOW_REVISION, caseContext: ctx, carry: { generation: 1, status: "in-diagnosis", entryCount: 1, notificationCounts: {} } }).start();
    expect(carried.calls()[0]?.name).toBe(ActivityNames.getCaseContext);
  });

  it("a closed case ends at once, closing its inbox first", async () => {
    const s = await start(caseContext({ status: "closed" }));
    expect(s.calls().map((c) => c.name)).toEqual([ActivityNames.getCaseContext, ActivityNames.closeCaseInbox]);
    expect(s.inboxClosed).toBe(true);
    expect(s.d.last?.isDone).toBe(true);
    expect(s.d.last?.output).toEqual({ caseId: "case-1", finalStatus: "closed", checkpoint: expect.objectContaining({ status: "closed", generation: 0 }) });
  });
});

describe("supportRequestOrchestrator: SLA warnings, breaches, pause and resume", () => {
  it("warns at 50 % and 75 %, then breaches and escalates; each notifies the partner once", async () => {
    const s = await start();
    expect(await s.fire()).toBe(FR_50);
    expect(s.partnerNotices().map((n) => n.notificationKey)).toEqual(["sla-warn-first-response-50"]);
    expect(s.partnerNotices()[0]?.to).toBeUndefined(); // the partner's support and escalation contacts
    expect(s.timerAt).toBe(FR_75);
    expect(await s.fire()).toBe(FR_75);
    expect(s.timerAt).toBe(FR_DUE);
    expect(s.customStatus).toMatchObject({ nextDeadline: FR_DUE, nextDeadlineMetric: "first-response", nextDeadlineKind: "breach" });
    expect(await s.fire()).toBe(FR_DUE);
    expect(s.partnerNotices().map((n) => n.notificationKey)).toEqual(["sla-warn-first-response-50", "sla-warn-first-response-75", "sla-breach-first-response", "escalation-microsoft"]);
    const t = s.transitions();
    // Entries the SLA clocks cause have ids derived from their cause (workflow revision 8).
    expect(t[1]).toMatchObject({ entryId: `sla-breached-first-response-${FR_DUE}`, kind: "sla-breached", details: { metric: "first-response", breachedAt: FR_DUE }, patch: { sla: { firstResponseBreachedAt: FR_DUE } } });
    expect(t[2]).toMatchObject({
      entryId: `escalation-first-response-breach-${FR_DUE}`,
      kind: "escalation-decided",
      toStatus: "escalated-to-microsoft",
      patch: { escalation: { target: "microsoft", vehicle: "signature-cloud-support", trigger: "first-response-breach", microsoftServiceRequest: { outcome: "prepared", locale: "en-US" } } },
    });
    expect(t[2]?.summary).toMatch(/Rule 3.*prepared for the partner to file by hand/);
    expect(s.calls(ActivityNames.fileMicrosoftServiceRequest)[0]?.input).toEqual({ caseId: "case-1", partnerId: "contoso", vehicle: "signature-cloud-support", locale: "en-US" });
    expect(s.partnerNotices()[3]?.notice).toMatchObject({ kind: "microsoft-request-prepared", vehicle: "signature-cloud-support", locale: "en-US", payload: s.filing.payload });
    // The customer is told of the delay (once, before the escalation), never of the warnings.
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["received", "sla-delay-first-response", "escalated-to-microsoft"]);
    expect(s.emails()[1]).toEqual({ caseId: "case-1", partnerId: "contoso", notificationKey: "sla-delay-first-response", status: "in-diagnosis", kind: "sla-delay", dueAt: FR_DUE });
    expect(s.slaSummary().slice(2)).toEqual([
      `first-response warn 50 @${FR_50}`,
      `first-response warn 75 @${FR_75}`,
      // Resolution (PT16H) reached 50 % at 17:00 local Monday = 16:00Z, later than the breach.
      `first-response breach @${FR_DUE}`,
    ]);
    // Next: the resolution's 50 % warning, Mon 17:00 local.
    expect(s.timerAt).toBe("2026-03-02T16:00:00.000Z");
    expect(s.customStatus).toEqual({ status: "escalated-to-microsoft", waitingFor: "resolution", nextDeadline: "2026-03-02T16:00:00.000Z", nextDeadlineMetric: "resolution", nextDeadlineKind: "warn", generation: 0, checkpoint: expect.objectContaining({ status: "escalated-to-microsoft", generation: 0 }) });
  });

  it("awaiting the customer pauses the clocks (no timer), the reply resumes them and re-arms the timer", async () => {
    const s = await start();
    await s.send({ type: "diagnosis", outcome: "awaiting-customer", notes: "Please send the VM name." }, undefined, "2026-03-02T09:30:00.000Z");
    expect(s.transitions()[1]).toMatchObject({ toStatus: "awaiting-customer", patch: { diagnosisNotes: "Please send the VM name.", sla: { firstResponseAt: "2026-03-02T09:30:00.000Z" } } });
    expect(s.emails()[1]).toMatchObject({ notificationKey: "awaiting-customer", status: "awaiting-customer", message: "Please send the VM name." });
    // First response fulfilled; resolution paused: nothing to time, only the signal is awaited.
    expect(s.timerAt).toBeUndefined();
    expect(s.d.timers().every((t) => t.isCanceled)).toBe(true);
    expect(s.listens).toBe(true);
    expect(s.customStatus).toEqual({ status: "awaiting-customer", waitingFor: "customer", generation: 0, checkpoint: expect.objectContaining({ status: "awaiting-customer", generation: 0 }) });

    // The customer answers the next morning (Tue 09:00 local).
    await s.send({ type: "customer-reply", excerpt: "It is vm-web-01." }, customerActor, "2026-03-03T08:00:00.000Z");
    expect(s.transitions()[2]).toMatchObject({ toStatus: "in-diagnosis", details: { action: "customer-reply", excerpt: "It is vm-web-01." } });
    // Resolution ran 1.5 h (09:00–10:30) before the pause; 50 % (8 h) is reached 6.5 h after Tue 09:00 = 15:30 local.
    expect(s.timerAt).toBe("2026-03-03T14:30:00.000Z");
    expect(s.customStatus).toMatchObject({ status: "in-diagnosis", waitingFor: "diagnosis", nextDeadline: "2026-03-03T14:30:00.000Z", nextDeadlineMetric: "resolution" });
    expect(s.slaSummary().slice(2)).toEqual([
      "first-response fulfill @2026-03-02T09:30:00.000Z",
      "resolution pause @2026-03-02T09:30:00.000Z",
      "resolution resume @2026-03-03T08:00:00.000Z",
    ]);
  });

  it("a partner update fulfils the first response and restarts the next-update clock; its warnings come per cycle", async () => {
    const s = await start(caseContext({ slaPolicy: policy({ targets: { firstResponse: "PT4H", nextUpdate: "PT2H", resolution: "PT40H" } }) }));
    await s.send({ type: "update", message: "Looking into it." }, undefined, "2026-03-02T08:30:00.000Z");
    expect(s.transitions()[1]).toMatchObject({ kind: "note", details: { action: "update", message: "Looking into it." } });
    expect(s.emails()[1]).toEqual({ caseId: "case-1", partnerId: "contoso", notificationKey: "update", status: "in-diagnosis", message: "Looking into it." });
    // next-update PT2H from 09:30 local: 50 % at 10:30 local.
    expect(s.timerAt).toBe("2026-03-02T09:30:00.000Z");
    expect(s.customStatus).toMatchObject({ nextDeadlineMetric: "next-update", nextDeadlineKind: "warn" });
    await s.fire();
    await s.send({ type: "update", message: "Still on it." }, undefined, "2026-03-02T09:45:00.000Z");
    expect(s.emails()[2]?.notificationKey).toBe("update-2");
    await s.fire(); // the new cycle's 50 %
    expect(s.partnerNotices().map((n) => n.notificationKey)).toEqual(["sla-warn-next-update-50", "sla-warn-next-update-50-2"]);
  });

  it("a resolution while paused fulfils the clocks; the case auto-closes after P3D with the closed email", async () => {
    const s = await start();
    await s.send({ type: "diagnosis", outcome: "awaiting-customer", notes: "Need logs." }, undefined, "2026-03-02T09:00:00.000Z");
    await s.send({ type: "resolution", summary: "Customer fixed it." }, undefined, "2026-03-02T10:00:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "awaiting-customer", "resolved"]);
    expect(s.transitions()[2]).toMatchObject({ patch: { resolutionSummary: "Customer fixed it.", sla: { resolvedAt: "2026-03-02T10:00:00.000Z" } } });
    expect(s.timerAt).toBe("2026-03-05T10:00:00.000Z");
    expect(s.customStatus).toEqual({ status: "resolved", waitingFor: "auto-close", nextDeadline: "2026-03-05T10:00:00.000Z", nextDeadlineMetric: "auto-close", nextDeadlineKind: "auto-close", generation: 0, checkpoint: expect.objectContaining({ status: "resolved", generation: 0 }) });
    // A customer reply during the auto-close period is noted; the auto-close is kept.
    await s.send({ type: "customer-reply", excerpt: "Thanks!" }, customerActor, "2026-03-03T10:00:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "note", summary: expect.stringMatching(/after the resolution.*2026-03-05T10:00:00.000Z/) });
    expect(s.timerAt).toBe("2026-03-05T10:00:00.000Z");
    await s.fire();
    expect(s.statusPath().at(-1)).toBe("closed");
    expect(s.emails().at(-1)).toMatchObject({ notificationKey: "closed", status: "closed" });
    expect(s.slaSummary().at(-1)).toBe("resolution fulfill @2026-03-02T10:00:00.000Z");
    expect(s.d.last?.isDone).toBe(true);
    expect(s.d.last?.output).toEqual({ caseId: "case-1", finalStatus: "closed", checkpoint: expect.objectContaining({ status: "closed", generation: 0 }) });
    expect(s.customStatus).toEqual({ status: "closed", waitingFor: "nothing", generation: 0, checkpoint: expect.objectContaining({ status: "closed", generation: 0 }) });
  });

  it("a wake more than 3 days ahead is reached through timers of at most 3 days, so no timer it cancels is a long timer", async () => {
    const s = await start(caseContext({}, { autoCloseAfter: "P7D" }));
    await s.send({ type: "resolution", summary: "Fixed." }, undefined, "2026-03-02T10:00:00.000Z");
    expect(s.customStatus).toMatchObject({ status: "resolved", nextDeadline: "2026-03-09T10:00:00.000Z", nextDeadlineKind: "auto-close" });
    expect(s.timerAt).toBe("2026-03-05T10:00:00.000Z");
    await s.fire(); // early: nothing is due, the wait arms again
    expect(s.statusPath().at(-1)).toBe("resolved");
    expect(s.timerAt).toBe("2026-03-08T10:00:00.000Z");
    // A customer reply cancels that timer; the next one stops at the auto-close instant.
    await s.send({ type: "customer-reply", excerpt: "Thanks!" }, customerActor, "2026-03-08T12:00:00.000Z");
    expect(s.timerAt).toBe("2026-03-09T10:00:00.000Z");
    await s.fire();
    expect(s.statusPath().at(-1)).toBe("closed");
    expect(s.emails().at(-1)).toMatchObject({ notificationKey: "closed" });
    expect(longestTimerMs(s)).toBeLessThanOrEqual(MAX_WAKE_TIMER_MS);
  });

  it("a diagnosis resolving the case counts as first response and resolution", async () => {
    const s = await start();
    await s.send({ type: "diagnosis", outcome: "resolved", notes: "Restarted the VM." }, undefined, "2026-03-02T08:40:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "resolved"]);
    expect(s.slaSummary().slice(2)).toEqual(["first-response fulfill @2026-03-02T08:40:00.000Z", "resolution fulfill @2026-03-02T08:40:00.000Z"]);
    expect(s.emails().at(-1)).toMatchObject({ notificationKey: "resolved", message: "Restarted the VM." });
  });
});

describe("supportRequestOrchestrator: escalation", () => {
  const chain = {
    levels: [
      { name: "Team lead", contacts: ["lead@contoso.example"], after: "PT30M" },
      { name: "Support manager", contacts: ["manager@contoso.example"], after: "PT2H" },
    ],
  };

  it("escalation chain after-chain: levels notified at their instants, Microsoft engaged after the last level", async () => {
    const s = await start(caseContext({ slaPolicy: policy({ targets: { firstResponse: "PT40H", resolution: "PT80H" } }) }, { escalationChain: { ...chain, microsoft: "after-chain" } }));
    await s.send({ type: "escalate", reason: "Customer is down." }, undefined, "2026-03-02T09:00:00.000Z");
    const decided = s.transitions()[1];
    expect(decided).toMatchObject({ kind: "escalation-decided", summary: expect.stringMatching(/Rule 3.*Microsoft is engaged at 2026-03-02T11:30:00.000Z, after the escalation chain/) });
    expect(decided?.toStatus).toBeUndefined();
    expect(s.calls(ActivityNames.fileMicrosoftServiceRequest)).toEqual([]);
    expect(s.timerAt).toBe("2026-03-02T09:30:00.000Z");
    expect(s.customStatus).toMatchObject({ nextDeadline: "2026-03-02T09:30:00.000Z", nextDeadlineMetric: "escalation-chain", nextDeadlineKind: "escalation-level" });
    await s.fire();
    expect(s.partnerNotices().map((n) => [n.notificationKey, n.to])).toEqual([["escalation-level-1", ["lead@contoso.example"]]]);
    expect(s.partnerNotices()[0]?.notice).toMatchObject({ kind: "escalation-level", level: 1, levelName: "Team lead", nextLevel: { level: 2 } });
    expect(s.timerAt).toBe("2026-03-02T11:30:00.000Z");
    expect(s.customStatus).toMatchObject({ nextDeadlineKind: "escalation-level" });
    await s.fire();
    expect(s.partnerNotices().map((n) => [n.notificationKey, n.to])).toEqual([
      ["escalation-level-1", ["lead@contoso.example"]],
      ["escalation-level-2", ["manager@contoso.example"]],
      ["escalation-microsoft", undefined],
    ]);
    expect(s.statusPath()).toEqual(["in-diagnosis", "escalated-to-microsoft"]);
    expect(s.transitions().at(-1)?.summary).toMatch(/^The escalation chain ended at 2026-03-02T11:30:00.000Z; Microsoft is engaged now\. Rule 3/);
    expect(s.calls(ActivityNames.fileMicrosoftServiceRequest)).toHaveLength(1);
  });

  it("escalation chain beside Microsoft: Microsoft at once, levels later; a resolution stops the chain", async () => {
    const s = await start(caseContext({ slaPolicy: policy({ targets: { firstResponse: "PT40H", resolution: "PT80H" } }) }, { escalationChain: { ...chain, microsoft: "beside" } }));
    await s.send({ type: "diagnosis", outcome: "needs-escalation", notes: "Platform bug." }, undefined, "2026-03-02T09:00:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "escalated-to-microsoft"]);
    expect(s.transitions()[1]).toMatchObject({ patch: { diagnosisNotes: "Platform bug.", escalation: { target: "microsoft", trigger: "partner-request" } } });
    expect(s.timerAt).toBe("2026-03-02T09:30:00.000Z");
    await s.fire();
    expect(s.partnerNotices().map((n) => n.notificationKey)).toEqual(["escalation-microsoft", "escalation-level-1"]);
    await s.send({ type: "resolution", summary: "Microsoft fixed it." }, undefined, "2026-03-02T10:00:00.000Z");
    expect(s.timerAt).toBe("2026-03-05T10:00:00.000Z"); // auto-close only: level 2 is never notified
    await s.fire();
    expect(s.partnerNotices().map((n) => n.notificationKey)).toEqual(["escalation-microsoft", "escalation-level-1"]);
    expect(s.d.last?.output).toMatchObject({ finalStatus: "closed", escalation: { target: "microsoft", vehicle: "signature-cloud-support" } });
  });

  it("a breach starts the escalation chain", async () => {
    const s = await start(caseContext({ slaPolicy: policy({ warnAtPercent: [] }) }, { escalationChain: { ...chain, microsoft: "beside" } }));
    expect(await s.fire()).toBe(FR_DUE);
    expect(s.timerAt).toBe("2026-03-02T12:30:00.000Z");
    await s.fire();
    expect(s.partnerNotices().map((n) => n.notificationKey)).toEqual(["sla-breach-first-response", "escalation-microsoft", "escalation-level-1"]);
  });

  it("indirect reseller → provider → Microsoft with the PROVIDER's entitlements; the provider's resolution resolves", async () => {
    const s = await start(
      caseContext({ provider: { partnerId: "fabrikam-dist", entitlements: [{ vehicle: "premier-support-for-partners" }] } }, { type: "indirect-reseller", indirectProviderId: "fabrikam-dist", entitlements: [] }),
    );
    await s.send({ type: "diagnosis", outcome: "needs-escalation", notes: "Beyond us." }, undefined, "2026-03-02T09:00:00.000Z");
    expect(s.transitions()[1]).toMatchObject({ toStatus: "escalated-to-provider", kind: "escalation-decided", patch: { escalation: { target: "indirect-provider", providerId: "fabrikam-dist" } } });
    expect(s.transitions()[1]?.summary).toMatch(/Rule 1/);
    expect(s.emails().at(-1)).toMatchObject({ notificationKey: "escalated-to-provider", status: "escalated-to-provider" });
    expect(s.partnerNotices()).toEqual([expect.objectContaining({ recipientPartnerId: "fabrikam-dist", notificationKey: "escalation-indirect-provider" })]);
    expect(s.customStatus).toMatchObject({ status: "escalated-to-provider", waitingFor: "resolution" });

    // The reseller cannot escalate again; the provider can, with its own entitlements.
    await s.send({ type: "escalate", reason: "Again." }, undefined, "2026-03-02T09:10:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "note", details: { ignored: "case-escalated" } });
    const provider = { kind: "indirect-provider" as const, partnerId: "fabrikam-dist" };
    await s.send({ type: "escalate", reason: "Needs Microsoft." }, provider, "2026-03-02T09:20:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "escalated-to-provider", "escalated-to-microsoft"]);
    const toMicrosoft = s.transitions().at(-1);
    expect(toMicrosoft).toMatchObject({ details: { by: "indirect-provider", vehicle: "premier-support-for-partners" }, patch: { escalation: { target: "microsoft", vehicle: "premier-support-for-partners" } } });
    expect(toMicrosoft?.summary).toMatch(/Rule 3.*premier-support-for-partners/);
    expect(s.partnerNotices().at(-1)).toMatchObject({ notificationKey: "escalation-microsoft", recipientPartnerId: "fabrikam-dist" });
    expect(s.emails().at(-1)).toMatchObject({ notificationKey: "escalated-to-microsoft" });

    await s.send({ type: "resolution", summary: "Microsoft patched the host." }, provider, "2026-03-02T15:00:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ toStatus: "resolved", summary: "The request was resolved by the indirect provider fabrikam-dist." });
    await s.fire();
    expect(s.d.last?.output).toMatchObject({ finalStatus: "closed", escalation: { target: "microsoft", vehicle: "premier-support-for-partners" } });
  });

  it("a provider escalation without eligible provider entitlements tells the PROVIDER it keeps the request", async () => {
    const s = await start(caseContext({ product: "sql-server", provider: { partnerId: "fabrikam-dist", entitlements: [{ vehicle: "signature-cloud-support" }] } }, { type: "indirect-reseller", indirectProviderId: "fabrikam-dist", entitlements: [] }));
    await s.send({ type: "escalate", reason: "Help." }, undefined, "2026-03-02T09:00:00.000Z");
    await s.send({ type: "escalate", reason: "Microsoft please." }, { kind: "indirect-provider", partnerId: "fabrikam-dist" }, "2026-03-02T09:10:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "escalated-to-provider"]);
    expect(s.transitions().at(-1)?.summary).toMatch(/Rule 4.*signature-cloud-support covers cloud products only/);
    expect(s.partnerNotices().at(-1)).toMatchObject({ notificationKey: "escalation-none", recipientPartnerId: "fabrikam-dist" });
  });

  it("product support incidents: consumed when one is left (recorded on the escalation)", async () => {
    const s = await start(caseContext({ product: "sql-server" }, { entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 2 }] }));
    s.psiLeft.set("contoso", 2);
    await s.send({ type: "escalate", reason: "SQL crash." }, undefined, "2026-03-02T09:00:00.000Z");
    expect(s.calls(ActivityNames.consumeProductSupportIncident).map((c) => c.input as ConsumeProductSupportIncidentInput)).toEqual([{ partnerId: "contoso", caseId: "case-1" }]);
    const escalation = s.transitions().at(-1)?.patch?.escalation as EscalationRecord;
    expect(escalation).toMatchObject({ target: "microsoft", vehicle: "product-support-incidents", productSupportIncident: { consumed: true, remainingIncidents: 1 } });
    expect(escalation.reason).toMatch(/One product support incident was consumed \(1 left\)/);
    expect((s.calls(ActivityNames.fileMicrosoftServiceRequest)[0]?.input as FileMicrosoftServiceRequestInput).vehicle).toBe("product-support-incidents");
  });

  it("product support incidents not consumed (none left any more) → the next eligible vehicle, and why", async () => {
    const s = await start(caseContext({ product: "sql-server" }, { entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 1 }, { vehicle: "premier-support-for-partners" }] }));
    s.psiLeft.set("contoso", 0); // another case used the last one
    await s.send({ type: "escalate", reason: "SQL crash." }, undefined, "2026-03-02T09:00:00.000Z");
    const escalation = s.transitions().at(-1)?.patch?.escalation as EscalationRecord;
    expect(escalation).toMatchObject({ target: "microsoft", vehicle: "premier-support-for-partners", productSupportIncident: { consumed: false, remainingIncidents: 0 } });
    expect(escalation.reason).toMatch(/No product support incident was left.*decided again without them: Rule 3.*premier-support-for-partners/);
    expect(s.statusPath()).toEqual(["in-diagnosis", "escalated-to-microsoft"]);
  });

  it("no eligible vehicle: the partner is told it keeps the request, which stays in its status", async () => {
    const s = await start(caseContext({ product: "sql-server" }, { entitlements: [{ vehicle: "advanced-support-for-partners" }] }));
    await s.send({ type: "diagnosis", outcome: "awaiting-customer", notes: "Logs?" }, undefined, "2026-03-02T08:30:00.000Z");
    await s.send({ type: "escalate", reason: "Out of our depth." }, undefined, "2026-03-02T09:00:00.000Z");
    const decided = s.transitions().at(-1);
    expect(decided).toMatchObject({ kind: "escalation-decided", patch: { escalation: { target: "none", trigger: "partner-request" } } });
    expect(decided?.toStatus).toBeUndefined();
    expect(decided?.summary).toMatch(/Rule 4.*advanced-support-for-partners covers cloud products only.*keeps the request/);
    expect(s.partnerNotices()).toEqual([expect.objectContaining({ notificationKey: "escalation-none", notice: { kind: "not-escalated", reason: expect.stringContaining("keeps the request") } })]);
    expect(s.partnerNotices()[0]?.recipientPartnerId).toBeUndefined();
    expect(s.customStatus).toMatchObject({ status: "awaiting-customer", waitingFor: "customer" });
    // The partner keeps working on it: the customer's reply and a resolution still count.
    await s.send({ type: "customer-reply", excerpt: "Here." }, customerActor, "2026-03-02T10:00:00.000Z");
    await s.send({ type: "resolution", summary: "Rebuilt the index." }, undefined, "2026-03-02T11:00:00.000Z");
    expect(s.statusPath()).toEqual(["in-diagnosis", "awaiting-customer", "in-diagnosis", "resolved"]);
  });

  it("a resolution breach after escalation only records and notifies the breach", async () => {
    const s = await start(caseContext({ slaPolicy: policy({ warnAtPercent: [], targets: { firstResponse: "PT4H", resolution: "PT6H" } }) }));
    await s.send({ type: "escalate", reason: "Platform bug." }, undefined, "2026-03-02T08:30:00.000Z");
    expect(await s.fire()).toBe(FR_DUE);
    expect(await s.fire()).toBe("2026-03-02T14:00:00.000Z");
    expect(s.transitions().map((t) => t.kind)).toEqual(["status-changed", "escalation-decided", "sla-breached", "sla-breached"]);
    expect(s.calls(ActivityNames.fileMicrosoftServiceRequest)).toHaveLength(1);
    expect(s.timerAt).toBeUndefined();
  });
});

describe("supportRequestOrchestrator: the inbox", () => {
  it("ignored and invalid actions become timeline notes", async () => {
    const s = await start();
    await s.send({ type: "diagnosis", outcome: "fixed-it", notes: "" } as never, undefined, "2026-03-02T08:10:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "note", summary: "Ignored an invalid case action." });
    await s.send({ type: "escalate", reason: "Bug." }, undefined, "2026-03-02T08:20:00.000Z");
    await s.send({ type: "diagnosis", outcome: "resolved", notes: "Too late." }, undefined, "2026-03-02T08:30:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "note", details: { action: "diagnosis", ignored: "case-escalated", notes: "Too late." } });
    await s.send({ type: "resolution", summary: "Not yours." }, { kind: "indirect-provider", partnerId: "someone" }, "2026-03-02T08:40:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "note", details: { ignored: "not-case-provider" } });
    expect(s.customStatus).toMatchObject({ status: "escalated-to-microsoft" });
  });

  it("the indirect provider can escalate only a case escalated to it", async () => {
    const s = await start(caseContext({ provider: { partnerId: "fabrikam-dist", entitlements: [{ vehicle: "premier-support-for-partners" }] } }, { type: "indirect-reseller", indirectProviderId: "fabrikam-dist", entitlements: [] }));
    await s.send({ type: "escalate", reason: "Early." }, { kind: "indirect-provider", partnerId: "fabrikam-dist" }, "2026-03-02T08:40:00.000Z");
    expect(s.transitions().at(-1)).toMatchObject({ kind: "note", details: { ignored: "not-with-provider" } });
    expect(s.customStatus).toMatchObject({ status: "in-diagnosis" });
  });

  it("signals without their records: reads after its cursor and processes a burst in seq order", async () => {
    const s = await start();
    s.signalWith = "nothing";
    await sendBurst(s);
    // One wake read all four; the other three signals only cause empty reads after the cursor.
    const takes = s.calls(ActivityNames.takeCaseActions).map((c) => (c.input as TakeCaseActionsInput).after);
    expect(takes[0]).toBeUndefined();
    expect(new Set(takes.slice(1))).toEqual(new Set([formatActionSeq(4)]));
    expect(takes.length).toBeLessThanOrEqual(5);
    await s.send({ type: "customer-reply", excerpt: "Thanks" }, customerActor);
    expect(s.calls(ActivityNames.takeCaseActions).map((c) => (c.input as TakeCaseActionsInput).after).at(-1)).toBe(formatActionSeq(4));
  });

  it("a signal caught by a stale wait (the timer won the last race) still wakes the orchestration", async () => {
    const s = await start();
    s.d.fireTimer(); // the 50 % warning wins; the signal wait of that race stays open
    await s.d.replay(); // no signal came: the timer's wake reads no inbox, NotifyPartner (the warning) is running
    expect(s.d.open.map((o) => o.name)).toEqual([ActivityNames.notifyPartner]);
    s.append({ type: "diagnosis", outcome: "awaiting-customer", notes: "Which VM?" });
    await s.settle(); // the signal completes the stale wait; no further signal is raised
    expect(s.statusPath()).toEqual(["in-diagnosis", "awaiting-customer"]);
    expect(s.customStatus).toMatchObject({ status: "awaiting-customer", waitingFor: "customer" });
  });

  it("a signal raised while no wait is open (during the first drain) is delivered to the next wait", async () => {
    const s = new CaseSimulator(caseContext(), "2026-03-02T08:00:05.000Z");
    await s.begin().replay(); // GetCaseContext scheduled, no wait yielded yet
    s.append({ type: "update", message: "On it." });
    await s.settle();
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["received", "update"]);
  });

  it("property: any sequence of actions, spread over episodes in any way, is processed once each, in seq order", async () => {
    const gap = fc.constantFrom("same episode", "next episode", "after one activity", "after all activities");
    const kind = fc.constantFrom("update", "customer-reply", "awaiting");
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(kind, gap), { minLength: 1, maxLength: 8 }), async (steps) => {
        const s = await start(caseContext({ slaPolicy: policy({ targets: { firstResponse: "PT40H", resolution: "PT80H" } }) }));
        const texts: string[] = [];
        for (const [i, [k, g]] of steps.entries()) {
          if (g === "next episode") await s.d.replay();
          if (g === "after one activity") {
            await s.d.replay();
            const running = s.d.open.find((o) => o.kind === "activity");
            if (running) s.complete(running);
          }
          if (g === "after all activities") await s.settle();
          const text = `${k}-${i}`;
          texts.push(text);
          if (k === "update") s.append({ type: "update", message: text });
          else if (k === "customer-reply") s.append({ type: "customer-reply", excerpt: text }, customerActor);
          else s.append({ type: "diagnosis", outcome: "awaiting-customer", notes: text });
        }
        await s.settle();
        const seen = s.transitions().flatMap((t) => {
          const d = t.details as { message?: string; excerpt?: string } | undefined;
          const text = d?.message ?? d?.excerpt ?? t.patch?.diagnosisNotes;
          return text === undefined ? [] : [text];
        });
        expect(seen).toEqual(texts);
        expect(s.listens).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe("supportRequestOrchestrator: signals that carry their inbox records (revision 4)", () => {
  /** Activity names scheduled after the first `n` calls. */
  const callsAfter = (s: CaseSimulator, n: number): string[] => s.calls().slice(n).map((c) => c.name ?? "");
  /** The texts of the processed updates, in the order the workflow recorded them. */
  const processedUpdates = (s: CaseSimulator): string[] => s.transitions().flatMap((t) => {
    const m = (t.details as { message?: string } | undefined)?.message;
    return m === undefined ? [] : [m];
  });

  it("the next record in order is processed from the signal: no inbox read, one activity fewer per action", async () => {
    const carried = await start();
    const before = carried.calls().length;
    await carried.send({ type: "update", message: "Looking into it." }, undefined, "2026-03-02T08:30:00.000Z");
    expect(callsAfter(carried, before)).toEqual([ActivityNames.recordTransition, ActivityNames.sendStatusEmail]);
    // The same action signalled without its record (a sender before revision 4) reads the inbox first.
    const bare = await start();
    bare.signalWith = "nothing";
    await bare.send({ type: "update", message: "Looking into it." }, undefined, "2026-03-02T08:30:00.000Z");
    expect(callsAfter(bare, before)).toEqual([ActivityNames.takeCaseActions, ActivityNames.recordTransition, ActivityNames.sendStatusEmail]);
    // Same outcome either way: the same transition, email and cursor.
    expect(carried.transitions()).toEqual(bare.transitions());
    expect(carried.emails()).toEqual(bare.emails());
    expect(carried.customStatus).toEqual(bare.customStatus);
  });

  it("a burst signalled back to back is processed in seq order with no inbox read", async () => {
    const s = await start();
    await sendBurst(s);
    expect(s.calls(ActivityNames.takeCaseActions)).toHaveLength(0);
    expect(s.customStatus.checkpoint).toMatchObject({ cursor: formatActionSeq(4) });
  });

  it("a record past a gap reads the inbox: an action whose signal was lost is processed first, each once", async () => {
    const s = await start();
    s.signalWith = "lost";
    s.append({ type: "update", message: "first (its signal was lost)" }, undefined, "2026-03-02T08:30:00.000Z");
    s.signalWith = "record";
    await s.send({ type: "update", message: "second" });
    expect(processedUpdates(s)).toEqual(["first (its signal was lost)", "second"]);
    expect(s.calls(ActivityNames.takeCaseActions).map((c) => (c.input as TakeCaseActionsInput).after)).toEqual([undefined]);
  });

  it("signals delivered out of order, again, or with a payload that is not a record: every action once, in seq order", async () => {
    const s = await start();
    s.signalWith = "lost";
    const first = s.append({ type: "update", message: "one" }, undefined, "2026-03-02T08:30:00.000Z");
    const second = s.append({ type: "update", message: "two" });
    s.d.raiseEvent(EventNames.actionsAvailable, actionSignalOf(second));
    await s.settle();
    // The record of "two" is past a gap: the inbox is read and both are processed.
    expect(processedUpdates(s)).toEqual(["one", "two"]);
    const reads = s.calls(ActivityNames.takeCaseActions).length;
    const calls = s.calls().length;
    // The late signal of "one" and a duplicate of "two" are passed over: nothing read, nothing done.
    s.d.raiseEvent(EventNames.actionsAvailable, actionSignalOf(first));
    s.d.raiseEvent(EventNames.actionsAvailable, actionSignalOf(second));
    await s.settle();
    expect(s.calls().length).toBe(calls);
    // A payload that is not a record reads the inbox (after the cursor: nothing new).
    s.d.raiseEvent(EventNames.actionsAvailable, { seq: 3 });
    await s.settle();
    expect(s.calls(ActivityNames.takeCaseActions).map((c) => (c.input as TakeCaseActionsInput).after).slice(reads)).toEqual([second.seq]);
    expect(processedUpdates(s)).toEqual(["one", "two"]);
    expect(s.listens).toBe(true);
  });

  it("a revision-3 execution reads the inbox even when the signal carries the record", async () => {
    const ctx = caseContext();
    const s = await new CaseSimulator(ctx, "2026-03-02T08:00:05.000Z", { caseId: ctx.caseId, partnerId: ctx.partnerId, revision: 3 }).start();
    const before = s.calls().length;
    await s.send({ type: "update", message: "Looking into it." }, undefined, "2026-03-02T08:30:00.000Z");
    expect(callsAfter(s, before)).toEqual([ActivityNames.takeCaseActions, ActivityNames.recordTransition, ActivityNames.sendStatusEmail]);
  });

  it("property: whatever signals arrive (with or without records, late, twice, in any order, in any batches), each action is processed once, in seq order", async () => {
    const signal = fc.record({ carries: fc.boolean(), copies: fc.integer({ min: 1, max: 2 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(signal, { minLength: 1, maxLength: 7 }), fc.array(fc.nat(), { minLength: 14, maxLength: 14 }), fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }), async (signals, order, settleAfter) => {
        const s = await start(caseContext({ slaPolicy: policy({ targets: { firstResponse: "PT40H", resolution: "PT80H" } }) }));
        s.signalWith = "lost";
        const texts = signals.map((_, i) => `u${i + 1}`);
        const records = texts.map((t, i) => s.append({ type: "update", message: t }, undefined, i === 0 ? "2026-03-02T08:30:00.000Z" : undefined));
        const deliveries = signals.flatMap((sig, i) => Array.from({ length: sig.copies }, () => (sig.carries ? actionSignalOf(records[i] as CaseActionRecord) : null)));
        // A permutation of the deliveries, picked by `order`.
        const pending = [...deliveries];
        for (let k = 0; pending.length > 0; k++) {
          const [payload] = pending.splice((order[k % order.length] ?? 0) % pending.length, 1);
          s.d.raiseEvent(EventNames.actionsAvailable, payload);
          if (settleAfter[k % settleAfter.length]) await s.settle();
        }
        await s.settle();
        expect(processedUpdates(s)).toEqual(texts);
        expect(s.emails().filter((e) => e.notificationKey.startsWith("update"))).toHaveLength(texts.length);
        expect(s.customStatus.checkpoint).toMatchObject({ cursor: formatActionSeq(texts.length) });
        expect(s.listens).toBe(true);
      }),
      { numRuns: 80 },
    );
  });
});

describe("supportRequestOrchestrator: bounded history (continueAsNew)", () => {
  it(`hands over to a new generation after more than ${HISTORY_TASK_BUDGET} tasks, carrying cursor, status, escalation, chain and counters`, async () => {
    const s = await start(caseContext({ slaPolicy: policy({ targets: { firstResponse: "PT40H", nextUpdate: "PT400H", resolution: "PT800H" } }) }, { escalationChain: { levels: [{ name: "Lead", contacts: ["lead@contoso.example"], after: "P30D" }], microsoft: "beside" } }));
    await s.send({ type: "escalate", reason: "Bug." }, undefined, "2026-03-02T08:10:00.000Z");
    let day = 0;
    while (s.generations.length === 1) {
      day += 1;
      await s.send({ type: "update", message: `update ${day}` }, undefined, new Date(Date.parse("2026-03-02T09:00:00.000Z") + day * 3_600_000).toISOString());
    }
    const first = s.generations[0];
    const input = s.generationInputs[1] as SupportRequestOrchestrationInput;
    const lastTransition = s.transitions().at(-1);
    expect(input).toMatchObject({
      caseId: "case-1",
      partnerId: "contoso",
      carry: {
        generation: 1,
        cursor: s.inbox.at(-1)?.seq,
        status: "escalated-to-microsoft",
        escalation: { target: "microsoft", vehicle: "signature-cloud-support" },
        chain: { triggeredAt: "2026-03-02T08:10:00.000Z", notifiedLevels: 0 },
        notificationCounts: { received: 1, "escalated-to-microsoft": 1, "escalation-microsoft": 1, update: day },
      },
    });
    expect(input.carry?.entryCount).toBe(Number(lastTransition?.entryId.slice(1, 3)));
    // A new execution starts without a custom status: its first episode, before GetCaseContext
    // answers, already shows the status it carries.
    const replayed = new CaseSimulator(s.context, s.d.now, input);
    const firstEpisode = await replayed.begin().replay();
    expect(replayed.d.open.map((o) => o.name)).toEqual([ActivityNames.getCaseContext]);
    expect(firstEpisode.customStatus).toMatchObject({ status: "escalated-to-microsoft", waitingFor: "resolution", generation: 1, checkpoint: expect.objectContaining({ status: "escalated-to-microsoft", generation: 1 }) });
    // The first generation scheduled just over the budget.
    const firstTasks = first?.scheduled.length ?? 0;
    expect(firstTasks).toBeGreaterThan(HISTORY_TASK_BUDGET);
    expect(firstTasks).toBeLessThanOrEqual(HISTORY_TASK_BUDGET + 5);
    // The new generation re-reads the case and the SLA log, then drains after the cursor.
    const gen1 = s.calls().filter((c) => c.generation === 1);
    expect(gen1.map((c) => c.name).slice(0, 2)).toEqual([ActivityNames.getCaseContext, ActivityNames.takeCaseActions]);
    expect((gen1[1]?.input as TakeCaseActionsInput).after).toBe(s.inbox.at(-1)?.seq);
    expect(s.customStatus).toMatchObject({ status: "escalated-to-microsoft", generation: 1 });
    // It keeps working: ids continue, SLA events get the generation prefix.
    await s.send({ type: "update", message: "after the hand-over" }, undefined, "2026-03-04T09:00:00.000Z");
    expect(s.emails().at(-1)?.notificationKey).toBe(`update-${day + 1}`);
    expect(s.slaLog.at(-1)?.eventId.startsWith("0001-")).toBe(true);
    const ids = s.transitions().map((t) => t.entryId);
    expect(new Set(ids).size).toBe(ids.length);
    // The chain level is still notified at its instant.
    while (s.timerAt !== "2026-04-01T08:10:00.000Z") await s.fire();
    await s.fire();
    expect(s.partnerNotices().at(-1)).toMatchObject({ notificationKey: "escalation-level-1", to: ["lead@contoso.example"] });
  });

  it("a burst larger than the budget is cut between actions and finished by the next generation, in order", async () => {
    const s = await start(caseContext({ slaPolicy: policy({ targets: { firstResponse: "PT40H", resolution: "PT800H" } }) }));
    for (let i = 1; i <= 40; i++) s.append({ type: "update", message: `u${i}` }, undefined, "2026-03-02T09:00:00.000Z");
    await s.settle();
    expect(s.generations.length).toBeGreaterThan(1);
    const messages = s.transitions().flatMap((t) => ((t.details as { message?: string } | undefined)?.message ? [(t.details as { message: string }).message] : []));
    expect(messages).toEqual(Array.from({ length: 40 }, (_, i) => `u${i + 1}`));
    expect(s.emails().map((e) => e.notificationKey).slice(1)).toEqual(["update", ...Array.from({ length: 39 }, (_, i) => `update-${i + 2}`)]);
  });

  it("90 days with one partner update and one customer reply a day stays under a fixed history size per generation", async () => {
    const s = await start(
      caseContext(
        { slaPolicy: policy({ targets: { firstResponse: "PT4H", nextUpdate: "PT8H", resolution: "PT400H" } }) },
        { escalationChain: { levels: [{ name: "Lead", contacts: ["lead@contoso.example"], after: "PT1H" }, { name: "Manager", contacts: ["manager@contoso.example"], after: "PT4H" }], microsoft: "after-chain" } },
      ),
    );
    const startMs = Date.parse("2026-03-02T00:00:00.000Z");
    for (let day = 0; day < 90; day++) {
      const dayMs = startMs + day * 86_400_000;
      for (const [hourUtc, send] of [
        [9, () => s.append({ type: "update", message: `Day ${day}: still working on it.` })],
        [14, () => s.append({ type: "customer-reply", excerpt: `Day ${day}: thanks.` }, customerActor)],
      ] as const) {
        const at = dayMs + hourUtc * 3_600_000;
        // Fire every timer due before the action (warnings, breaches, chain levels).
        while (s.timerAt !== undefined && Date.parse(s.timerAt) <= at) await s.fire();
        s.d.advanceTo(new Date(at).toISOString());
        send();
        await s.settle();
      }
    }
    const sizes = s.generations.map((g) => g.history.length);
    const maxSize = Math.max(...sizes);
    // Reported in the README: measured maximum and the asserted bound.
    console.log(`90 days: ${s.generations.length} generations, history events per generation max ${maxSize}, mean ${Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length)}; tasks per generation max ${Math.max(...s.generations.map((g) => g.scheduled.length))}`);
    expect(maxSize).toBeLessThanOrEqual(200);
    expect(longestTimerMs(s)).toBeLessThanOrEqual(MAX_WAKE_TIMER_MS);
    expect(s.partnerNotices().some((n) => n.notificationKey === "sla-breach-resolution")).toBe(true);
    expect(s.statusPath()).toContain("escalated-to-microsoft");
    expect(s.d.last?.isDone).toBe(false);
    const ids = s.transitions().map((t) => t.entryId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("supportRequestOrchestrator: workflow revisions", () => {
  it("a timer's wake reads no inbox when no signal came; a signal's wake reads it", async () => {
    const s = await start();
    s.signalWith = "nothing";
    const takes = (): number => s.calls(ActivityNames.takeCaseActions).length;
    const before = takes();
    expect(await s.fire()).toBe(FR_50);
    expect(takes()).toBe(before);
    expect(s.partnerNotices().map((n) => n.notificationKey)).toEqual(["sla-warn-first-response-50"]);
    await s.send({ type: "update", message: "Looking into it." }, undefined, "2026-03-02T10:30:00.000Z");
    expect(takes()).toBe(before + 1);
    expect(s.emails().at(-1)?.notificationKey).toBe("update");
  });

  it("revision 2: a new case's first generation reads the inbox before its first wait, and an action recorded before the start is processed", async () => {
    const ctx = caseContext();
    const sim = new CaseSimulator(ctx, "2026-03-02T08:00:05.000Z", { caseId: ctx.caseId, partnerId: ctx.partnerId, revision: 2 });
    sim.begin();
    sim.append({ type: "update", message: "Recorded before the workflow started." });
    await sim.settle();
    const s = sim;
    // The read before the first wait finds the update; the signal that was raised for it then
    // ends the first wait and reads the inbox once more (empty after the cursor).
    expect(s.calls().map((c) => c.name)).toEqual([ActivityNames.getCaseContext, ActivityNames.recordTransition, ActivityNames.sendStatusEmail, ActivityNames.takeCaseActions, ActivityNames.recordTransition, ActivityNames.sendStatusEmail, ActivityNames.takeCaseActions]);
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["received", "update"]);
  });

  it("revision 2 keeps its own step sequence under newer code: its first generation reads the inbox before the first wait even when nothing was signalled", async () => {
    // A revision-2 execution in flight when newer code is deployed replays its history: the read
    // before the first wait must still be scheduled, or the replay fails as non-deterministic.
    const ctx = caseContext();
    const s = await new CaseSimulator(ctx, "2026-03-02T08:00:05.000Z", { caseId: ctx.caseId, partnerId: ctx.partnerId, revision: 2 }).start();
    expect(s.calls().map((c) => c.name)).toEqual([ActivityNames.getCaseContext, ActivityNames.recordTransition, ActivityNames.sendStatusEmail, ActivityNames.takeCaseActions]);
    expect(s.customStatus).toMatchObject({ status: "in-diagnosis", waitingFor: "diagnosis" });
  });

  it("the step sequence of an input: its known revision, 1 without one, the current one for a revision newer than the code", () => {
    expect(revisionOf({})).toBe(1);
    expect(revisionOf({ revision: 1 })).toBe(1);
    for (const r of WorkflowRevisions) expect(revisionOf({ revision: r })).toBe(r);
    expect(revisionOf({ revision: Math.max(...WorkflowRevisions) + 1 })).toBe(CURRENT_WORKFLOW_REVISION);
  });

  it("revision 3: an action signalled before the new case's first wait is processed at that wait", async () => {
    const ctx = caseContext();
    const sim = new CaseSimulator(ctx, "2026-03-02T08:00:05.000Z", { caseId: ctx.caseId, partnerId: ctx.partnerId, revision: 3 });
    // Appended and signalled while the workflow was pending (the signal waits for the orchestration).
    sim.begin();
    sim.append({ type: "update", message: "Recorded while the workflow was pending." });
    await sim.settle();
    const s = sim;
    expect(s.calls(ActivityNames.takeCaseActions).map((c) => (c.input as TakeCaseActionsInput).after)).toEqual([undefined]);
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["received", "update"]);
  });

  it("revision 5: a status change (or a partner update's note) and its customer email are scheduled in the same episode; revision 4 emails once the entry is recorded, with the same inputs", async () => {
    const ctx = caseContext();
    const runs: Record<number, CaseSimulator> = {};
    for (const revision of [4, 5]) {
      const sim = new CaseSimulator(ctx, "2026-03-02T08:00:05.000Z", { caseId: ctx.caseId, partnerId: ctx.partnerId, revision, caseContext: ctx });
      sim.begin();
      await sim.d.replay();
      // The acknowledgement: what the first episode schedules.
      const first = sim.d.open.map((o) => o.name);
      await sim.settle();
      // A partner update (a timeline note and its email), then the resolution: what the episode of each signal schedules.
      const onSignal: string[][] = [];
      for (const [action, at] of [
        [{ type: "update", message: "Looking at the VM." }, "2026-03-02T08:20:00.000Z"],
        [{ type: "diagnosis", outcome: "resolved", notes: "Restarted the VM." }, "2026-03-02T08:30:00.000Z"],
      ] as const) {
        sim.append(action, undefined, at);
        await sim.d.replay();
        onSignal.push(sim.d.open.map((o) => o.name ?? ""));
        await sim.settle();
      }
      if (revision === 4) {
        expect(first).toEqual([ActivityNames.recordTransition]);
        expect(onSignal).toEqual([[ActivityNames.recordTransition], [ActivityNames.recordTransition]]);
      } else {
        expect(first).toEqual([ActivityNames.recordTransition, ActivityNames.sendStatusEmail]);
        expect(onSignal).toEqual([
          [ActivityNames.recordTransition, ActivityNames.sendStatusEmail],
          [ActivityNames.recordTransition, ActivityNames.sendStatusEmail],
        ]);
      }
      runs[revision] = sim;
    }
    const [four, five] = [runs[4]!, runs[5]!];
    expect(five.calls().map((c) => c.name)).toEqual(four.calls().map((c) => c.name));
    expect(five.transitions()).toEqual(four.transitions());
    expect(five.emails()).toEqual(four.emails());
    expect(five.emails().map((e) => e.notificationKey)).toEqual(["received", "update", "resolved"]);
    expect(five.statusPath()).toEqual(["in-diagnosis", "resolved"]);
    expect(five.customStatus).toEqual(four.customStatus);
    expect(five.timerAt).toBe(four.timerAt);
  });

  it("an execution started before revisions existed (no revision in its input) keeps its step sequence and moves to the current one at continueAsNew", async () => {
    const ctx = caseContext({ slaPolicy: policy({ targets: { firstResponse: "PT40H", nextUpdate: "PT400H", resolution: "PT800H" } }) });
    const s = await new CaseSimulator(ctx, "2026-03-02T08:00:05.000Z", { caseId: ctx.caseId, partnerId: ctx.partnerId }).start();
    // Revision 1: the SLA events after the status change in an activity of their own.
    expect(s.calls().map((c) => c.name)).toEqual([ActivityNames.getCaseContext, ActivityNames.recordTransition, ActivityNames.recordSlaEvents, ActivityNames.sendStatusEmail, ActivityNames.takeCaseActions]);
    expect(s.transitions()[0]?.slaEvents).toBeUndefined();
    // Revision 1: a timer's wake reads the inbox.
    const takes = s.calls(ActivityNames.takeCaseActions).length;
    await s.fire();
    expect(s.calls(ActivityNames.takeCaseActions).length).toBe(takes + 1);
    let day = 0;
    while (s.generations.length === 1) {
      day += 1;
      await s.send({ type: "update", message: `update ${day}` }, undefined, new Date(Date.parse("2026-03-03T09:00:00.000Z") + day * 3_600_000).toISOString());
    }
    expect(s.generationInputs[1]).toMatchObject({ revision: CURRENT_WORKFLOW_REVISION, carry: { generation: 1 } });
    // The next generation runs the current sequence: a status change carries its SLA events.
    await s.send({ type: "resolution", summary: "Fixed." }, undefined, "2026-03-05T09:00:00.000Z");
    const resolved = s.transitions().find((t) => t.toStatus === "resolved");
    expect(resolved?.slaEvents?.length).toBeGreaterThan(0);
    expect(s.calls().filter((c) => c.generation === 1).map((c) => c.name)).not.toContain(ActivityNames.recordSlaEvents);
    expect(s.statusPath().at(-1)).toBe("resolved");
  });
});
