/**
 * The real support-request orchestrator on the local Durable engine (Azurite), with fake activities
 * and an in-memory case-action inbox (test/fixtures/durable-app/supportRequestApp.ts): actions
 * appended and signalled back to back, while RecordCaseTransition is in flight, are processed once
 * each in inbox order.
 */
import { activityCalls, appendAction, caseContexts, recordedTransitions } from "../../fixtures/durable-app/supportRequestApp";
import type { DurableEngine } from "@csp-support/local-host/durable";
import { ActivityNames, CURRENT_WORKFLOW_REVISION, EventNames, OrchestratorNames, type CaseAction, type CaseContext, type SupportRequestCustomStatus } from "../../../shared/contracts";
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

/** What the partner API does: append to the inbox, then signal. */
async function act(id: string, action: CaseAction): Promise<void> {
  appendAction(id, action);
  await engine.raiseEvent(id, EventNames.actionsAvailable, null);
}

/** The step sequences: an execution started before workflow revisions existed (none in its input), revision 2, and the current one. */
const revisions = [{ name: "started before revisions (1)", revision: undefined }, { name: "2", revision: 2 }, { name: `current (${CURRENT_WORKFLOW_REVISION})`, revision: CURRENT_WORKFLOW_REVISION }];

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
