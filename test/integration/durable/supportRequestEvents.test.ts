/**
 * The real support-request orchestrator on the local Durable engine (Azurite), with fake activities
 * (test/fixtures/durable-app/supportRequestApp.ts): partner events raised back to back, while
 * RecordCaseTransition is in flight, are processed in arrival order and none is lost.
 */
import { activityCalls, caseContexts, recordedTransitions } from "../../fixtures/durable-app/supportRequestApp";
import type { DurableEngine } from "../../../emulator/durable";
import { ActivityNames, EventNames, OrchestratorNames, type CaseContext, type SupportRequestCustomStatus } from "../../../shared/contracts";
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
    partner: {
      type: "direct-bill",
      serviceHours: { timeZone: "UTC", weekly: { mon: [{ start: "00:00", end: "24:00" }] }, holidays: [] },
      slaTarget: { firstResponse: "PT1H", resolution: "PT8H", clock: "calendar" },
      entitlements: [{ vehicle: "signature-cloud-support" }],
      autoCloseAfter: "PT1S",
    },
  } as CaseContext;
}

async function waitingFor(id: string, what: SupportRequestCustomStatus["waitingFor"]): Promise<void> {
  await waitUntil(async () => {
    const s = await engine.getStatus(id);
    return (s?.customStatus as SupportRequestCustomStatus | undefined)?.waitingFor === what;
  }, 15000, `${id} waiting for ${what}`);
}

const now = (): string => new Date().toISOString();

test("awaiting-customer, needs-escalation and a resolution raised back to back: escalated to Microsoft, then resolved and closed", async () => {
  const id = `case-burst-${Date.now()}`;
  caseContexts.set(id, caseContext(id));
  await engine.startNew(OrchestratorNames.supportRequest, { instanceId: id, input: { caseId: id, partnerId: "contoso" } });
  await waitingFor(id, "diagnosis");

  await engine.raiseEvent(id, EventNames.diagnosis, { outcome: "awaiting-customer", notes: "Need the VM name.", recordedAt: now() });
  await engine.raiseEvent(id, EventNames.diagnosis, { outcome: "needs-escalation", notes: "Platform bug.", recordedAt: now() });
  await engine.raiseEvent(id, EventNames.resolution, { summary: "Microsoft fixed it.", recordedAt: now() });

  const s = await finish(engine, id, 30000);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toMatchObject({ caseId: id, finalStatus: "closed", escalation: { target: "microsoft", vehicle: "signature-cloud-support", trigger: "partner-request" } });
  const path = recordedTransitions(id).filter((t) => t.toStatus).map((t) => t.toStatus);
  expect(path).toEqual(["in-diagnosis", "awaiting-customer", "escalated-to-microsoft", "resolved", "closed"]);
  const emails = (activityCalls.get(id) ?? []).filter((c) => c.name === ActivityNames.sendStatusEmail).map((c) => (c.input as { notificationKey: string }).notificationKey);
  expect(emails).toEqual(["received", "awaiting-customer", "escalated-to-microsoft", "resolved", "closed"]);
});

test("a diagnosis after the escalation is noted on the timeline as ignored", async () => {
  const id = `case-late-${Date.now()}`;
  caseContexts.set(id, caseContext(id));
  await engine.startNew(OrchestratorNames.supportRequest, { instanceId: id, input: { caseId: id, partnerId: "contoso" } });
  await waitingFor(id, "diagnosis");
  await engine.raiseEvent(id, EventNames.diagnosis, { outcome: "needs-escalation", notes: "Platform bug.", recordedAt: now() });
  await engine.raiseEvent(id, EventNames.diagnosis, { outcome: "awaiting-customer", notes: "Too late.", recordedAt: now() });
  await engine.raiseEvent(id, EventNames.resolution, { summary: "Fixed.", recordedAt: now() });
  const s = await finish(engine, id, 30000);
  expect(s.runtimeStatus).toBe("Completed");
  const t = recordedTransitions(id);
  expect(t.map((x) => x.toStatus ?? x.kind)).toEqual(["in-diagnosis", "escalated-to-microsoft", "note", "resolved", "closed"]);
  expect(t[2]).toMatchObject({ kind: "note", details: { event: EventNames.diagnosis, ignored: "case-escalated", notes: "Too late." } });
});
