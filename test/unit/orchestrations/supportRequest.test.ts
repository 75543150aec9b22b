/**
 * Scenarios of the support-request orchestrator, replayed by the real durable-functions library
 * over hand-built histories (see orchestrationDriver.ts).
 */
import * as df from "durable-functions";
import fc from "fast-check";
import { ActivityNames, EventNames, OrchestratorNames, type CaseContext, type RecordTransitionInput, type SendStatusEmailInput, type NotifyPartnerInput } from "../../../shared/contracts";
import { supportRequestOrchestrator } from "../../../orchestrations/supportRequest";
import { ActionType, OrchestrationDriver, numberedActions } from "./orchestrationDriver";

df.app.orchestration(OrchestratorNames.supportRequest, supportRequestOrchestrator);

const input = { caseId: "case-1", partnerId: "contoso" };
// Monday 2026-03-02 09:00 in Budapest (CET, UTC+1).
const createdAt = "2026-03-02T08:00:00.000Z";

function caseContext(overrides: Partial<CaseContext> = {}, partner: Partial<CaseContext["partner"]> = {}): CaseContext {
  return {
    caseId: "case-1",
    partnerId: "contoso",
    status: "received",
    category: "technical",
    severity: "B",
    product: "azure",
    language: "hu",
    createdAt,
    ...overrides,
    partner: {
      type: "direct-bill",
      serviceHours: {
        timeZone: "Europe/Budapest",
        weekly: { mon: [{ start: "09:00", end: "17:00" }], tue: [{ start: "09:00", end: "17:00" }], wed: [{ start: "09:00", end: "17:00" }], thu: [{ start: "09:00", end: "17:00" }], fri: [{ start: "09:00", end: "17:00" }] },
        holidays: [],
      },
      // First response 4 business hours → Mon 13:00 local; resolution 16 → Tue 17:00 local.
      slaTarget: { firstResponse: "PT4H", resolution: "PT16H", clock: "business-hours" },
      entitlements: [{ vehicle: "advanced-support-for-partners" }],
      autoCloseAfter: "P3D",
      ...partner,
    },
  };
}

const FIRST_RESPONSE_DUE = "2026-03-02T12:00:00.000Z";
const RESOLUTION_DUE = "2026-03-03T16:00:00.000Z";

/** Starts the case and runs it up to the first wait for a diagnosis. */
async function startCase(ctx: CaseContext): Promise<OrchestrationDriver> {
  const d = new OrchestrationDriver(OrchestratorNames.supportRequest, input, "2026-03-02T08:00:05.000Z");
  await d.replay();
  expect(d.newlyScheduled.map((s) => s.name)).toEqual([ActivityNames.getCaseContext]);
  expect(d.newlyScheduled[0]?.input).toEqual(input);
  d.completeActivity(ActivityNames.getCaseContext, ctx);
  await d.completeAllActivities();
  return d;
}

function transitions(d: OrchestrationDriver): RecordTransitionInput[] {
  return d.activities(ActivityNames.recordTransition).map((s) => s.input as RecordTransitionInput);
}
function emails(d: OrchestrationDriver): SendStatusEmailInput[] {
  return d.activities(ActivityNames.sendStatusEmail).map((s) => s.input as SendStatusEmailInput);
}
function partnerNotices(d: OrchestrationDriver): NotifyPartnerInput[] {
  return d.activities(ActivityNames.notifyPartner).map((s) => s.input as NotifyPartnerInput);
}

/** Fires the auto-close timer and completes the closing activities; returns the final result. */
async function autoClose(d: OrchestrationDriver): Promise<void> {
  d.fireTimer();
  await d.replay();
  await d.completeAllActivities();
}

describe("supportRequestOrchestrator", () => {
  it("acknowledges, times the first response and uses the retry policy for every activity", async () => {
    const d = await startCase(caseContext());
    const t = transitions(d);
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({
      caseId: "case-1",
      partnerId: "contoso",
      entryId: "t01-in-diagnosis",
      toStatus: "in-diagnosis",
      kind: "status-changed",
      at: "2026-03-02T08:00:05.000Z",
      patch: { sla: { targets: { firstResponse: "PT4H", resolution: "PT16H", clock: "business-hours" }, firstResponseDueAt: FIRST_RESPONSE_DUE, resolutionDueAt: RESOLUTION_DUE } },
    });
    expect(emails(d)).toEqual([{ caseId: "case-1", partnerId: "contoso", notificationKey: "received", status: "received" }]);
    expect(d.openTimer().fireAt).toBe(FIRST_RESPONSE_DUE);
    expect(d.last?.customStatus).toEqual({ status: "in-diagnosis", waitingFor: "diagnosis", nextDeadline: FIRST_RESPONSE_DUE, nextDeadlineMetric: "first-response" });
    expect(d.last?.isDone).toBe(false);
    // Every activity is called with retry: first retry 5 s, backoff 2, 5 attempts.
    const all = numberedActions(d.last?.actions[0] ?? []).filter((a) => a.actionType !== ActionType.CreateTimer);
    expect(all).toHaveLength(3);
    expect(all.every((a) => a.actionType === ActionType.CallActivityWithRetry)).toBe(true);
    expect(all[0]?.retryOptions).toMatchObject({ firstRetryIntervalInMilliseconds: 5000, maxNumberOfAttempts: 5, backoffCoefficient: 2 });
    // Each activity races a fresh wait per event name, so an event arriving meanwhile is read in order.
    const anys = (d.last?.actions[0] ?? []).filter((a) => a.actionType === ActionType.WhenAny);
    expect(anys.slice(0, 3).map((any) => any.compoundActions?.map((a) => a.externalEventName ?? a.actionType))).toEqual([
      [ActionType.CallActivityWithRetry, EventNames.diagnosis, EventNames.resolution],
      [ActionType.CallActivityWithRetry, EventNames.diagnosis, EventNames.resolution],
      [ActionType.CallActivityWithRetry, EventNames.diagnosis, EventNames.resolution],
    ]);
    // The wait is a WhenAny of both events and the timer.
    expect(anys.at(-1)?.compoundActions?.map((a) => a.externalEventName ?? a.actionType)).toEqual([EventNames.diagnosis, EventNames.resolution, ActionType.CreateTimer]);
  });

  it("happy path: the partner resolves in its diagnosis; the case auto-closes after P3D", async () => {
    const d = await startCase(caseContext());
    d.advanceTo("2026-03-02T10:00:00.000Z").raiseEvent(EventNames.diagnosis, { outcome: "resolved", notes: "Restarted the VM.", recordedAt: "2026-03-02T09:59:00.000Z" });
    await d.replay();
    expect(d.timers()[0]?.isCanceled).toBe(true);
    await d.completeAllActivities();
    const t = transitions(d);
    expect(t[1]).toMatchObject({
      entryId: "t02-resolved",
      toStatus: "resolved",
      patch: { resolutionSummary: "Restarted the VM.", sla: { firstResponseAt: "2026-03-02T09:59:00.000Z", resolvedAt: "2026-03-02T09:59:00.000Z" } },
    });
    expect(emails(d).map((e) => [e.notificationKey, e.status, e.message])).toEqual([
      ["received", "received", undefined],
      ["resolved", "resolved", "Restarted the VM."],
    ]);
    expect(d.openTimer().fireAt).toBe("2026-03-05T10:00:00.000Z");
    expect(d.last?.customStatus).toEqual({ status: "resolved", waitingFor: "auto-close", nextDeadline: "2026-03-05T10:00:00.000Z", nextDeadlineMetric: "auto-close" });
    await autoClose(d);
    expect(transitions(d).at(-1)).toMatchObject({ entryId: "t03-closed", toStatus: "closed", at: "2026-03-05T10:00:00.000Z" });
    expect(emails(d).at(-1)).toMatchObject({ notificationKey: "closed", status: "closed" });
    expect(d.last?.isDone).toBe(true);
    expect(d.last?.output).toEqual({ caseId: "case-1", finalStatus: "closed" });
    expect(d.last?.customStatus).toEqual({ status: "closed", waitingFor: "nothing" });
    expect(partnerNotices(d)).toEqual([]);
  });

  it("awaiting customer, then resolved through a ResolutionRecorded event", async () => {
    const d = await startCase(caseContext());
    d.advanceTo("2026-03-02T09:00:00.000Z").raiseEvent(EventNames.diagnosis, { outcome: "awaiting-customer", notes: "Please send the VM name.", recordedAt: "2026-03-02T09:00:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    expect(transitions(d)[1]).toMatchObject({ entryId: "t02-awaiting-customer", toStatus: "awaiting-customer", patch: { diagnosisNotes: "Please send the VM name.", sla: { firstResponseAt: "2026-03-02T09:00:00.000Z" } } });
    expect(emails(d)[1]).toEqual({ caseId: "case-1", partnerId: "contoso", notificationKey: "awaiting-customer", status: "awaiting-customer", message: "Please send the VM name." });
    // No first-response timer any more; the resolution deadline is timed.
    expect(d.openTimer().fireAt).toBe(RESOLUTION_DUE);
    expect(d.last?.customStatus).toEqual({ status: "awaiting-customer", waitingFor: "diagnosis", nextDeadline: RESOLUTION_DUE, nextDeadlineMetric: "resolution" });

    // A second awaiting-customer diagnosis is a note with its own email key.
    d.raiseEvent(EventNames.diagnosis, { outcome: "awaiting-customer", notes: "Reminder: VM name?", recordedAt: "2026-03-02T11:00:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    expect(transitions(d)[2]).toMatchObject({ entryId: "t03-note", kind: "note" });
    expect(emails(d)[2]?.notificationKey).toBe("awaiting-customer-2");

    d.advanceTo("2026-03-03T09:00:00.000Z").raiseEvent(EventNames.resolution, { summary: "Resized the VM.", recordedAt: "2026-03-03T09:00:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    expect(transitions(d)[3]).toMatchObject({ toStatus: "resolved", patch: { resolutionSummary: "Resized the VM.", sla: { resolvedAt: "2026-03-03T09:00:00.000Z", firstResponseAt: "2026-03-02T09:00:00.000Z" } } });
    await autoClose(d);
    expect(d.last?.output).toEqual({ caseId: "case-1", finalStatus: "closed" });
  });

  it("needs-escalation for an indirect reseller goes to its indirect provider", async () => {
    const d = await startCase(caseContext({ category: "billing" }, { type: "indirect-reseller", indirectProviderId: "fabrikam-dist", entitlements: [] }));
    d.advanceTo("2026-03-02T09:30:00.000Z").raiseEvent(EventNames.diagnosis, { outcome: "needs-escalation", notes: "Invoice mismatch.", recordedAt: "2026-03-02T09:30:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    const escalation = transitions(d)[1];
    expect(escalation).toMatchObject({
      entryId: "t02-escalated-to-provider",
      kind: "escalation-decided",
      toStatus: "escalated-to-provider",
      patch: { diagnosisNotes: "Invoice mismatch.", escalation: { target: "indirect-provider", providerId: "fabrikam-dist", trigger: "partner-request", decidedAt: "2026-03-02T09:30:00.000Z" } },
    });
    expect(escalation?.summary).toMatch(/Rule 1/);
    expect(emails(d).at(-1)).toMatchObject({ notificationKey: "escalated-to-provider", status: "escalated-to-provider" });
    expect(partnerNotices(d)).toEqual([expect.objectContaining({ recipientPartnerId: "fabrikam-dist", notificationKey: "escalation-indirect-provider" })]);
    // Only a resolution is acted on now (a diagnosis is read to be noted as ignored), racing the resolution deadline.
    const any = d.last?.actions[0]?.filter((a) => a.actionType === ActionType.WhenAny).at(-1);
    expect(any?.compoundActions?.map((a) => a.externalEventName ?? a.actionType)).toEqual([EventNames.diagnosis, EventNames.resolution, ActionType.CreateTimer]);
    expect(d.last?.customStatus).toEqual({ status: "escalated-to-provider", waitingFor: "resolution", nextDeadline: RESOLUTION_DUE, nextDeadlineMetric: "resolution" });

    d.raiseEvent(EventNames.resolution, { summary: "Credit note issued.", recordedAt: "2026-03-02T15:00:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    await autoClose(d);
    expect(d.last?.output).toMatchObject({ caseId: "case-1", finalStatus: "closed", escalation: { target: "indirect-provider", providerId: "fabrikam-dist" } });
  });

  it("first-response breach for a direct-bill partner escalates a technical Azure request to Microsoft", async () => {
    const d = await startCase(
      caseContext({}, { entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 3 }, { vehicle: "signature-cloud-support" }] }),
    );
    d.fireTimer();
    await d.replay();
    await d.completeAllActivities();
    const t = transitions(d);
    expect(t[1]).toMatchObject({ entryId: "t02-sla-breached", kind: "sla-breached", at: FIRST_RESPONSE_DUE, patch: { sla: { firstResponseBreachedAt: FIRST_RESPONSE_DUE } } });
    expect(t[1]?.toStatus).toBeUndefined();
    expect(t[2]).toMatchObject({
      entryId: "t03-escalated-to-microsoft",
      kind: "escalation-decided",
      toStatus: "escalated-to-microsoft",
      patch: { escalation: { target: "microsoft", vehicle: "signature-cloud-support", trigger: "first-response-breach" } },
    });
    expect(t[2]?.summary).toMatch(/Rule 3.*signature-cloud-support.*skipped: product-support-incidents/);
    expect(partnerNotices(d).map((n) => n.notificationKey)).toEqual(["sla-breach-first-response", "escalation-microsoft"]);
    expect(emails(d).map((e) => e.notificationKey)).toEqual(["received", "escalated-to-microsoft"]);
    expect(d.openTimer().fireAt).toBe(RESOLUTION_DUE);

    d.advanceTo("2026-03-03T10:00:00.000Z").raiseEvent(EventNames.resolution, { summary: "Microsoft fixed the region issue.", recordedAt: "2026-03-03T10:00:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    await autoClose(d);
    expect(d.last?.output).toMatchObject({ finalStatus: "closed", escalation: { target: "microsoft", vehicle: "signature-cloud-support" } });
  });

  it("resolution breach while awaiting the customer escalates (trigger resolution-breach) and keeps waiting without a timer", async () => {
    const d = await startCase(caseContext({ product: "sql-server" }, { entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 0 }] }));
    d.advanceTo("2026-03-02T09:00:00.000Z").raiseEvent(EventNames.diagnosis, { outcome: "awaiting-customer", notes: "Need logs.", recordedAt: "2026-03-02T09:00:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    d.fireTimer();
    await d.replay();
    await d.completeAllActivities();
    const t = transitions(d);
    expect(t[2]).toMatchObject({ kind: "sla-breached", details: { metric: "resolution", dueAt: RESOLUTION_DUE }, patch: { sla: { resolutionBreachedAt: RESOLUTION_DUE } } });
    // PSI with 0 incidents left: no eligible vehicle, the partner keeps the request (back in diagnosis).
    expect(t[3]).toMatchObject({ kind: "escalation-decided", toStatus: "in-diagnosis", patch: { escalation: { target: "none", trigger: "resolution-breach" } } });
    expect(t[3]?.summary).toMatch(/Rule 4.*no product support incidents left.*keeps the request/);
    expect(partnerNotices(d).map((n) => n.notificationKey)).toEqual(["sla-breach-resolution", "escalation-none"]);
    expect(partnerNotices(d)[1]?.recipientPartnerId).toBeUndefined();
    expect(d.open.filter((s) => s.kind === "timer")).toEqual([]);
    expect(d.last?.customStatus).toEqual({ status: "in-diagnosis", waitingFor: "resolution" });

    d.advanceTo("2026-03-04T09:00:00.000Z").raiseEvent(EventNames.resolution, { summary: "Fixed.", recordedAt: "2026-03-04T09:00:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    await autoClose(d);
    expect(d.last?.output).toMatchObject({ finalStatus: "closed", escalation: { target: "none" } });
  });

  it("resolution breach after escalation only records the breach (no second escalation)", async () => {
    const d = await startCase(caseContext());
    d.raiseEvent(EventNames.diagnosis, { outcome: "needs-escalation", notes: "Platform bug.", recordedAt: "2026-03-02T08:30:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    d.fireTimer();
    await d.replay();
    await d.completeAllActivities();
    expect(transitions(d).map((t) => t.kind)).toEqual(["status-changed", "escalation-decided", "sla-breached"]);
    expect(d.last?.customStatus).toEqual({ status: "escalated-to-microsoft", waitingFor: "resolution" });
  });

  it("ignores invalid event payloads with a timeline note and keeps the same deadline", async () => {
    const d = await startCase(caseContext());
    d.advanceTo("2026-03-02T09:00:00.000Z").raiseEvent(EventNames.diagnosis, { outcome: "fixed-it", notes: "" });
    await d.replay();
    await d.completeAllActivities();
    const note = transitions(d)[1];
    expect(note).toMatchObject({ entryId: "t02-note", kind: "note", details: { event: EventNames.diagnosis } });
    expect(note?.toStatus).toBeUndefined();
    // The losing timer was canceled and a new one created at the same deadline.
    expect(d.timers().map((t) => [t.fireAt, t.isCanceled])).toEqual([
      [FIRST_RESPONSE_DUE, true],
      [FIRST_RESPONSE_DUE, false],
    ]);
    d.raiseEvent(EventNames.resolution, null);
    await d.replay();
    await d.completeAllActivities();
    expect(transitions(d)[2]).toMatchObject({ kind: "note", details: { event: EventNames.resolution } });
    expect(d.last?.customStatus).toMatchObject({ status: "in-diagnosis", waitingFor: "diagnosis" });
    expect(d.last?.isDone).toBe(false);
  });

  it("a ResolutionRecorded arriving while activities run is not lost", async () => {
    const d = await startCase(caseContext());
    d.raiseEvent(EventNames.diagnosis, { outcome: "awaiting-customer", notes: "Need logs.", recordedAt: "2026-03-02T08:30:00.000Z" });
    await d.replay();
    // The resolution arrives while RecordCaseTransition (awaiting-customer) is still running.
    d.raiseEvent(EventNames.resolution, { summary: "Customer fixed it.", recordedAt: "2026-03-02T08:31:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    expect(transitions(d).map((t) => t.toStatus)).toEqual(["in-diagnosis", "awaiting-customer", "resolved"]);
    expect(d.last?.customStatus).toMatchObject({ status: "resolved", waitingFor: "auto-close" });
  });

  it("a partner resolution before any diagnosis counts as first response", async () => {
    const d = await startCase(caseContext());
    d.raiseEvent(EventNames.resolution, { summary: "Known issue, fixed.", recordedAt: "2026-03-02T08:20:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    expect(transitions(d)[1]).toMatchObject({ toStatus: "resolved", patch: { sla: { firstResponseAt: "2026-03-02T08:20:00.000Z", resolvedAt: "2026-03-02T08:20:00.000Z" } } });
  });
});

describe("supportRequestOrchestrator: events in arrival order, none lost", () => {
  // Direct-bill, technical, Azure (cloud), with signature-cloud-support: a partner escalation goes to Microsoft.
  const signature = (): CaseContext => caseContext({}, { entitlements: [{ vehicle: "signature-cloud-support" }] });
  const awaiting = { outcome: "awaiting-customer", notes: "Need the VM name.", recordedAt: "2026-03-02T08:30:00.100Z" };
  const escalation = { outcome: "needs-escalation", notes: "Platform bug.", recordedAt: "2026-03-02T08:30:00.400Z" };
  const resolution = { summary: "Microsoft fixed it.", recordedAt: "2026-03-02T08:30:00.800Z" };
  const burst: Array<[string, unknown]> = [
    [EventNames.diagnosis, awaiting],
    [EventNames.diagnosis, escalation],
    [EventNames.resolution, resolution],
  ];
  // The same burst with `recordedAt` stamps that say the opposite order: the history order must win.
  const misleading: Array<[string, unknown]> = [
    [EventNames.diagnosis, { ...awaiting, recordedAt: "2026-03-02T08:30:00.800Z" }],
    [EventNames.diagnosis, { ...escalation, recordedAt: "2026-03-02T08:30:00.400Z" }],
    [EventNames.resolution, { ...resolution, recordedAt: "2026-03-02T08:30:00.100Z" }],
  ];
  const expectedPath = ["in-diagnosis", "awaiting-customer", "escalated-to-microsoft", "resolved"];

  function statusPath(d: OrchestrationDriver): Array<string | undefined> {
    return transitions(d).filter((t) => t.toStatus !== undefined).map((t) => t.toStatus);
  }

  it("a burst of awaiting-customer, needs-escalation and a resolution in one episode is processed in that order", async () => {
    const d = await startCase(signature());
    for (const [name, payload] of burst) d.raiseEvent(name, payload);
    await d.replay();
    await d.completeAllActivities();
    expect(statusPath(d)).toEqual(expectedPath);
    expect(transitions(d)[2]).toMatchObject({ kind: "escalation-decided", patch: { diagnosisNotes: "Platform bug.", escalation: { target: "microsoft", vehicle: "signature-cloud-support", trigger: "partner-request" } } });
    expect(emails(d).map((e) => e.notificationKey)).toEqual(["received", "awaiting-customer", "escalated-to-microsoft", "resolved"]);
    await autoClose(d);
    expect(statusPath(d)).toEqual([...expectedPath, "closed"]);
    expect(d.last?.output).toMatchObject({ finalStatus: "closed", escalation: { target: "microsoft", trigger: "partner-request" } });
  });

  it("the same burst across consecutive episodes while activities are in flight", async () => {
    const d = await startCase(signature());
    for (const [name, payload] of burst) {
      d.raiseEvent(name, payload);
      await d.replay(); // nothing completes in between: the first RecordCaseTransition stays in flight
    }
    await d.completeAllActivities();
    expect(statusPath(d)).toEqual(expectedPath);
    await autoClose(d);
    expect(d.last?.output).toMatchObject({ finalStatus: "closed", escalation: { target: "microsoft" } });
  });

  // Every way to spread the burst over episodes: with the next event in the same episode, in the
  // next episode while activities are in flight, after one activity completed, or once all are done.
  const gaps = ["same episode", "next episode", "after one activity", "after all activities"] as const;
  const combos = gaps.flatMap((a) => gaps.flatMap((b) => [[a, b, "ordered stamps"] as const, [a, b, "misleading stamps"] as const]));
  it.each(combos)("interleaving: %s, then %s (%s)", async (gap1, gap2, stamps) => {
    const d = await startCase(signature());
    const steps = [undefined, gap1, gap2];
    for (const [i, [name, payload]] of (stamps === "ordered stamps" ? burst : misleading).entries()) {
      const gap = steps[i];
      if (gap === "next episode") await d.replay();
      if (gap === "after one activity") {
        await d.replay();
        const running = d.open.find((s) => s.kind === "activity");
        if (running) d.completeActivity(running.name ?? "");
      }
      if (gap === "after all activities") await d.completeAllActivities();
      d.raiseEvent(name, payload);
    }
    await d.replay();
    await d.completeAllActivities();
    expect(statusPath(d)).toEqual(expectedPath);
    expect(d.last?.customStatus).toMatchObject({ status: "resolved", waitingFor: "auto-close" });
  });

  it("property: any burst of diagnoses and resolutions, spread over episodes in any way, is handled in raise order", async () => {
    // Each event's text shows up on the timeline (awaiting-customer notes, the resolution summary, or
    // the ignored-event note after the resolution), so the timeline must list them in raise order.
    const gap = fc.constantFrom("same episode", "next episode", "after one activity", "after all activities");
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), gap), { minLength: 1, maxLength: 7 }), async (events) => {
        const d = await startCase(signature());
        const raised: string[] = [];
        for (const [i, [isResolution, g]] of events.entries()) {
          if (g === "next episode") await d.replay();
          if (g === "after one activity") {
            await d.replay();
            const running = d.open.find((s) => s.kind === "activity");
            if (running) d.completeActivity(running.name ?? "");
          }
          if (g === "after all activities") await d.completeAllActivities();
          const text = `${isResolution ? "R" : "D"}${i}`;
          const recordedAt = new Date(Date.parse("2026-03-02T08:30:00.000Z") + i).toISOString();
          raised.push(text);
          if (isResolution) d.raiseEvent(EventNames.resolution, { summary: text, recordedAt });
          else d.raiseEvent(EventNames.diagnosis, { outcome: "awaiting-customer", notes: text, recordedAt });
        }
        await d.replay();
        await d.completeAllActivities();
        const seen = transitions(d).flatMap((t) => {
          const details = t.details as { notes?: string; summary?: string } | undefined;
          const text = t.patch?.diagnosisNotes ?? t.patch?.resolutionSummary ?? details?.notes ?? details?.summary;
          return text === undefined ? [] : [text];
        });
        expect(seen).toEqual(raised);
      }),
      { numRuns: 150 },
    );
  });

  it("a resolution followed by a diagnosis in one burst resolves; the late diagnosis is noted as ignored", async () => {
    const d = await startCase(signature());
    d.raiseEvent(EventNames.resolution, resolution).raiseEvent(EventNames.diagnosis, escalation);
    await d.replay();
    await d.completeAllActivities();
    expect(statusPath(d)).toEqual(["in-diagnosis", "resolved"]);
    const note = transitions(d).at(-1);
    expect(note).toMatchObject({ kind: "note", details: { event: EventNames.diagnosis, ignored: "case-resolved" } });
    expect(note?.toStatus).toBeUndefined();
    expect(d.last?.customStatus).toMatchObject({ status: "resolved", waitingFor: "auto-close" });
    await autoClose(d);
    expect(d.last?.output).toEqual({ caseId: "case-1", finalStatus: "closed" });
  });

  it("a diagnosis after the case was escalated is recorded on the timeline as ignored", async () => {
    const d = await startCase(signature());
    d.raiseEvent(EventNames.diagnosis, escalation);
    await d.replay();
    await d.completeAllActivities();
    expect(statusPath(d)).toEqual(["in-diagnosis", "escalated-to-microsoft"]);
    d.raiseEvent(EventNames.diagnosis, { outcome: "resolved", notes: "Looks fine now.", recordedAt: "2026-03-02T09:00:00.000Z" });
    await d.replay();
    await d.completeAllActivities();
    const note = transitions(d).at(-1);
    expect(note).toMatchObject({ kind: "note", details: { event: EventNames.diagnosis, ignored: "case-escalated", outcome: "resolved", notes: "Looks fine now." } });
    expect(note?.toStatus).toBeUndefined();
    expect(d.last?.customStatus).toMatchObject({ status: "escalated-to-microsoft", waitingFor: "resolution" });
    d.raiseEvent(EventNames.resolution, resolution);
    await d.replay();
    await d.completeAllActivities();
    expect(statusPath(d)).toEqual(["in-diagnosis", "escalated-to-microsoft", "resolved"]);
  });
});
