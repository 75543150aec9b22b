/**
 * The real support-request orchestrator on the local Durable engine (Azurite), with fake activities
 * and an in-memory case-action inbox (test/fixtures/durable-app/supportRequestApp.ts): actions
 * appended and signalled back to back, while RecordCaseTransition is in flight, are processed once
 * each in inbox order; signals that carry their records (revision 4) are processed from the signal,
 * and one that arrives late or twice reads the inbox or is passed over.
 */
import { activityCalls, appendAction, caseContexts, closedInboxes, emailHooks, recordedTransitions } from "../../fixtures/durable-app/supportRequestApp";
import type { DurableEngine } from "@csp-support/local-host/durable";
import { ActivityNames, CURRENT_WORKFLOW_REVISION, CaseInboxClosedError, EventNames, OrchestratorNames, actionSignalOf, formatActionSeq, type CaseAction, type CaseActionRecord, type CaseContext, type SupportRequestCustomStatus } from "../../../shared/contracts";
import { finish, newEngine, waitUntil } from "./helpers";

let engine: DurableEngine;

beforeAll(async () => {
  engine = newEngine();
  await engine.start();
});

afterAll(async () => {
  await engine.stop();
});

function caseContext(caseId: string): CaseContext {
  return {
    caseId,
    partnerId: "contoso",
    status: "received",
    category: "technical",
    severity: "B",
    product: "azure",
    language: "en",
    createdAt: new Date().toISOString(),
    slaPolicy: { policyId: "fast", name: "Fast", calendar: { kind: "24x7" }, targets: { firstResponse: "PT1H", resolution: "PT8H" }, pauseWhen: ["awaiting-customer"], warnAtPercent: [50, 75] },
    partner: {
      type: "direct-bill",
      serviceHours: { timeZone: "UTC", weekly: { mon: [{ start: "00:00", end: "24:00" }] }, holidays: [] },
      slaTarget: { firstResponse: "PT1H", resolution: "PT8H", clock: "calendar" },
      entitlements: [{ vehicle: "signature-cloud-support" }],
      autoCloseAfter: "PT1S",
    },
  };
}

async function waitingFor(id: string, what: SupportRequestCustomStatus["waitingFor"]): Promise<void> {
  await waitUntil(async () => {
    const s = await engine.getStatus(id);
    return (s?.customStatus as SupportRequestCustomStatus | undefined)?.waitingFor === what;
  }, 15000, `${id} waiting for ${what}`);
}

/** What a sender before workflow revision 4 did: append to the inbox, then signal without the record. */
async function act(id: string, action: CaseAction): Promise<void> {
  appendAction(id, action);
  await engine.raiseEvent(id, EventNames.actionsAvailable, null);
}

/** What the partner API does: append to the inbox, then signal with the stored record. */
async function actWithRecord(id: string, action: CaseAction): Promise<CaseActionRecord> {
  const record = appendAction(id, action);
  await engine.raiseEvent(id, EventNames.actionsAvailable, actionSignalOf(record));
  return record;
}

/** The step sequences: an execution started before workflow revisions existed (none in its input), revisions 2 to 5, and the current one. */
const revisions = [{ name: "started before revisions (1)", revision: undefined }, { name: "2", revision: 2 }, { name: "3", revision: 3 }, { name: "4", revision: 4 }, { name: "5", revision: 5 }, { name: `current (${CURRENT_WORKFLOW_REVISION})`, revision: CURRENT_WORKFLOW_REVISION }];

/** The history's activity completions (the API folds each TaskScheduled into its completion as `ScheduledTime`). */
function completions(s: { historyEvents?: unknown[] }): Array<{ name: string; scheduled: string; completed: string }> {
  return (s.historyEvents ?? [])
    .map((e) => e as { EventType: string; FunctionName?: string; ScheduledTime?: string; Timestamp?: string })
    .filter((e) => e.EventType === "TaskCompleted")
    .map((e) => ({ name: String(e.FunctionName), scheduled: String(e.ScheduledTime), completed: String(e.Timestamp) }));
}

test.each(revisions)("awaiting-customer, needs-escalation and a resolution signalled back to back: escalated to Microsoft, then resolved and closed — revision $name", async ({ revision }) => {
  const id = `case-burst-${revision ?? 1}-${Date.now()}`;
  caseContexts.set(id, caseContext(id));
  await engine.startNew(OrchestratorNames.supportRequest, { instanceId: id, input: { caseId: id, partnerId: "contoso", revision } });
  await waitingFor(id, "diagnosis");

  await act(id, { type: "diagnosis", outcome: "awaiting-customer", notes: "Need the VM name." });
  await act(id, { type: "diagnosis", outcome: "needs-escalation", notes: "Platform bug." });
  await act(id, { type: "resolution", summary: "Microsoft fixed it." });

  const s = await finish(engine, id, 30000);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toMatchObject({ caseId: id, finalStatus: "closed", escalation: { target: "microsoft", vehicle: "signature-cloud-support", trigger: "partner-request" } });
  const path = recordedTransitions(id).filter((t) => t.toStatus).map((t) => t.toStatus);
  expect(path).toEqual(["in-diagnosis", "awaiting-customer", "escalated-to-microsoft", "resolved", "closed"]);
  const emails = (activityCalls.get(id) ?? []).filter((c) => c.name === ActivityNames.sendStatusEmail).map((c) => (c.input as { notificationKey: string }).notificationKey);
  expect(emails).toEqual(["received", "awaiting-customer", "escalated-to-microsoft", "resolved", "closed"]);
  // Each status change and its email: scheduled by the same episode from revision 5, the email once
  // the transition completed before it.
  const done = completions(s);
  const transitions = done.filter((c) => c.name === ActivityNames.recordTransition);
  const sent = done.filter((c) => c.name === ActivityNames.sendStatusEmail);
  expect(sent).toHaveLength(5);
  for (const [i, email] of sent.entries()) {
    const transition = transitions.filter((t) => t.scheduled <= email.scheduled).at(-1);
    if ((revision ?? 1) >= 5) expect(transition?.scheduled).toBe(email.scheduled);
    else expect(Date.parse(email.scheduled)).toBeGreaterThanOrEqual(Date.parse(transition?.completed ?? `email ${i} has no transition before it`));
  }
});

test.each(revisions)("a diagnosis after the escalation is noted on the timeline as ignored; a signal without a new action changes nothing — revision $name", async ({ revision }) => {
  const id = `case-late-${revision ?? 1}-${Date.now()}`;
  caseContexts.set(id, caseContext(id));
  await engine.startNew(OrchestratorNames.supportRequest, { instanceId: id, input: { caseId: id, partnerId: "contoso", revision } });
  await waitingFor(id, "diagnosis");
  await act(id, { type: "diagnosis", outcome: "needs-escalation", notes: "Platform bug." });
  await act(id, { type: "diagnosis", outcome: "awaiting-customer", notes: "Too late." });
  await engine.raiseEvent(id, EventNames.actionsAvailable, null); // a duplicate signal (delivery is at least once)
  await act(id, { type: "resolution", summary: "Fixed." });
  const s = await finish(engine, id, 30000);
  expect(s.runtimeStatus).toBe("Completed");
  const t = recordedTransitions(id);
  expect(t.map((x) => x.toStatus ?? x.kind)).toEqual(["in-diagnosis", "escalated-to-microsoft", "note", "resolved", "closed"]);
  expect(t[2]).toMatchObject({ kind: "note", details: { action: "diagnosis", ignored: "case-escalated", notes: "Too late." } });
});

test("signals carrying their records: a burst is processed from the signals with no inbox read; a late and a repeated signal change nothing", async () => {
  const id = `case-carried-${Date.now()}`;
  caseContexts.set(id, caseContext(id));
  await engine.startNew(OrchestratorNames.supportRequest, { instanceId: id, input: { caseId: id, partnerId: "contoso", revision: CURRENT_WORKFLOW_REVISION } });
  await waitingFor(id, "diagnosis");
  const first = await actWithRecord(id, { type: "diagnosis", outcome: "awaiting-customer", notes: "Need the VM name." });
  await actWithRecord(id, { type: "update", message: "Still need the VM name." });
  await waitUntil(async () => (activityCalls.get(id) ?? []).some((c) => c.name === ActivityNames.sendStatusEmail && (c.input as { notificationKey: string }).notificationKey === "update"), 15000, "the update emailed");
  // The first record's signal again (a redelivery): already processed, passed over.
  await engine.raiseEvent(id, EventNames.actionsAvailable, actionSignalOf(first));
  // An action whose signal is lost, then one whose signal carries its record: past a gap, so the inbox is read.
  appendAction(id, { type: "update", message: "Its signal was lost." });
  await actWithRecord(id, { type: "resolution", summary: "Fixed." });
  const s = await finish(engine, id, 30000);
  expect(s.runtimeStatus).toBe("Completed");
  const calls = activityCalls.get(id) ?? [];
  // One inbox read in the whole case: the one the gap caused, after the second record.
  expect(calls.filter((c) => c.name === ActivityNames.takeCaseActions).map((c) => (c.input as { after?: string }).after)).toEqual([formatActionSeq(2)]);
  expect(recordedTransitions(id).filter((t) => t.toStatus).map((t) => t.toStatus)).toEqual(["in-diagnosis", "awaiting-customer", "resolved", "closed"]);
  const emails = calls.filter((c) => c.name === ActivityNames.sendStatusEmail).map((c) => (c.input as { notificationKey: string }).notificationKey);
  expect(emails).toEqual(["received", "awaiting-customer", "update", "update-2", "resolved", "closed"]);
});

test("a customer's reply signalled while an operator has the workflow suspended is applied when it resumes", async () => {
  const id = `case-suspended-reply-${Date.now()}`;
  caseContexts.set(id, caseContext(id));
  await engine.startNew(OrchestratorNames.supportRequest, { instanceId: id, input: { caseId: id, partnerId: "contoso", revision: CURRENT_WORKFLOW_REVISION } });
  await waitingFor(id, "diagnosis");
  await actWithRecord(id, { type: "diagnosis", outcome: "awaiting-customer", notes: "Need the VM name." });
  await waitUntil(() => recordedTransitions(id).some((t) => t.toStatus === "awaiting-customer"), 15000, "awaiting the customer");
  expect(await engine.suspend(id, "operator")).toBe("accepted");
  await waitUntil(async () => (await engine.getStatus(id))?.runtimeStatus === "Suspended", 15000, "suspended");
  // What the app's reply intake does (raised without a status read): the engine keeps it.
  const record = appendAction(id, { type: "customer-reply", excerpt: "It is vm-prod-01.", messageId: "<reply@customer.example>" });
  expect(await engine.raiseEvent(id, EventNames.actionsAvailable, actionSignalOf(record))).toBe("accepted");
  expect(await engine.resume(id, "operator")).toBe("accepted");
  await waitUntil(() => recordedTransitions(id).filter((t) => t.toStatus).length >= 3, 15000, "the reply applied");
  expect(recordedTransitions(id).filter((t) => t.toStatus).map((t) => t.toStatus)).toEqual(["in-diagnosis", "awaiting-customer", "in-diagnosis"]);
  await actWithRecord(id, { type: "resolution", summary: "Fixed." });
  expect((await finish(engine, id, 30000)).runtimeStatus).toBe("Completed");
});

test.each([{ revision: 5 }, { revision: CURRENT_WORKFLOW_REVISION }])("a reopening stored and signalled while the auto-close sends the closed email — revision $revision", async ({ revision }) => {
  const id = `case-closing-${revision}-${Date.now()}`;
  caseContexts.set(id, caseContext(id)); // auto-close 1 s after the resolution
  await engine.startNew(OrchestratorNames.supportRequest, { instanceId: id, input: { caseId: id, partnerId: "contoso", revision } });
  await waitingFor(id, "diagnosis");
  // The partner reopens while the case still reads resolved: the action is stored and signalled as
  // the workflow sends the closed email, after its last inbox read.
  let reopen: CaseActionRecord | undefined;
  emailHooks.set(id, async (email) => {
    if (email.notificationKey === "closed" && !reopen) reopen = await actWithRecord(id, { type: "reopen", reason: "It broke again" });
  });
  await actWithRecord(id, { type: "resolution", summary: "Fixed." });
  const statuses = (): Array<string | undefined> => recordedTransitions(id).filter((t) => t.toStatus).map((t) => t.toStatus);
  if (revision < 6) {
    // Revision 5 completes: the stored reopening is never read (the loss revision 6 removes).
    const s = await finish(engine, id, 30000);
    expect(s.runtimeStatus).toBe("Completed");
    expect(reopen?.seq).toBe(formatActionSeq(2));
    expect(statuses()).toEqual(["in-diagnosis", "resolved", "closed"]);
    expect(closedInboxes.has(id)).toBe(false);
    return;
  }
  await waitUntil(async () => statuses().length === 4, 20000, `${id} reopened after its closure`);
  expect(statuses()).toEqual(["in-diagnosis", "resolved", "closed", "in-diagnosis"]);
  expect(recordedTransitions(id).at(-1)).toMatchObject({ details: { action: "reopen", seq: reopen?.seq, restarted: true } });
  expect((await engine.getStatus(id))?.runtimeStatus).toBe("Running");
  expect(closedInboxes.has(id)).toBe(false);
  await waitingFor(id, "diagnosis");
  await actWithRecord(id, { type: "resolution", summary: "Fixed for good." });
  const s = await finish(engine, id, 30000);
  expect(s.runtimeStatus).toBe("Completed");
  expect(statuses()).toEqual(["in-diagnosis", "resolved", "closed", "in-diagnosis", "resolved", "closed"]);
  const emails = (activityCalls.get(id) ?? []).filter((c) => c.name === ActivityNames.sendStatusEmail).map((c) => (c.input as { notificationKey: string }).notificationKey);
  expect(emails).toEqual(["received", "resolved", "closed", "reopened", "resolved-2", "closed-2"]);
  // Completed with its inbox closed: a later action is refused where it is stored.
  expect(closedInboxes.has(id)).toBe(true);
  expect(() => appendAction(id, { type: "update", message: "Hello?" })).toThrow(CaseInboxClosedError);
});
