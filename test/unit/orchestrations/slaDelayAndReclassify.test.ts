/**
 * Two SLA rules in the support-request orchestrator, replayed by the
 * real durable-functions library over hand-built histories:
 * - the customer is told of an SLA breach "where the customer should know": ONE `sla-delay` email
 *   per case for a first-response and for a resolution breach (never for warnings or next update);
 * - a reclassification (`PATCH …/support-requests/{caseId}` → `reclassify` action) re-selects the
 *   SLA policy: the open clocks are re-targeted with their elapsed time kept and the timer is
 *   re-armed at the new instant.
 */
import * as df from "durable-functions";
import { ActivityNames, OrchestratorNames, type AppliedSlaPolicy, type CaseContext, type SlaEvent, type SupportRequestOrchestrationInput } from "../../../shared/contracts";
import { supportRequestOrchestrator } from "../../../orchestrations/supportRequest";
import { CaseSimulator, customerActor } from "./caseSimulator";

df.app.orchestration(OrchestratorNames.supportRequest, supportRequestOrchestrator);

// Monday 2026-03-02 09:00 in Budapest (CET, UTC+1); business hours 09–17 local = 08:00–16:00Z.
const createdAt = "2026-03-02T08:00:00.000Z";
const budapestWeekdays = {
  timeZone: "Europe/Budapest",
  weekly: Object.fromEntries(["mon", "tue", "wed", "thu", "fri"].map((d) => [d, [{ start: "09:00", end: "17:00" }]])),
  holidays: [],
};

/** Severity C (and B): business hours, first response PT4H, resolution PT16H. */
function standard(overrides: Partial<AppliedSlaPolicy> = {}): AppliedSlaPolicy {
  return { policyId: "standard", name: "Standard", calendar: { kind: "weekly", ...budapestWeekdays }, targets: { firstResponse: "PT4H", resolution: "PT16H" }, pauseWhen: ["awaiting-customer"], warnAtPercent: [50, 75], ...overrides };
}

/** Severity A: the same calendar, first response PT2H, resolution PT8H. */
function critical(): AppliedSlaPolicy {
  return { policyId: "critical", name: "Critical", calendar: { kind: "weekly", ...budapestWeekdays }, targets: { firstResponse: "PT2H", resolution: "PT8H" }, pauseWhen: ["awaiting-customer"], warnAtPercent: [50, 75] };
}

function caseContext(overrides: Partial<CaseContext> = {}): CaseContext {
  return {
    caseId: "case-1",
    partnerId: "contoso",
    status: "received",
    category: "technical",
    severity: "C",
    product: "azure",
    language: "hu",
    createdAt,
    slaPolicy: standard(),
    slaLog: [],
    ...overrides,
    partner: { type: "direct-bill", serviceHours: budapestWeekdays, slaTarget: { firstResponse: "PT4H", resolution: "PT16H", clock: "business-hours" }, entitlements: [{ vehicle: "signature-cloud-support" }], autoCloseAfter: "P3D" },
  };
}

async function start(ctx: CaseContext = caseContext()): Promise<CaseSimulator> {
  return new CaseSimulator(ctx, "2026-03-02T08:00:05.000Z").start();
}

/** A later generation of a case already in diagnosis whose stored log has the standard activations. */
function laterGeneration(ctx: CaseContext, notificationCounts: Record<string, number>, inbox: Array<Parameters<CaseSimulator["append"]>[0]> = []): CaseSimulator {
  const input: SupportRequestOrchestrationInput = { caseId: "case-1", partnerId: "contoso", carry: { generation: 1, status: "in-diagnosis", entryCount: 1, notificationCounts } };
  const s = new CaseSimulator({ ...ctx, status: "in-diagnosis" }, "2026-03-02T08:30:00.000Z", input);
  const activations: Array<SlaEvent & { eventId: string }> = [
    { eventId: "0000-0001", metric: "first-response", type: "activate", at: createdAt, target: "PT4H", policyId: "standard", reason: "request received" },
    { eventId: "0000-0002", metric: "resolution", type: "activate", at: createdAt, target: "PT16H", policyId: "standard", reason: "request received" },
  ];
  s.slaLog.push(...activations);
  s.begin();
  for (const action of inbox) s.append(action);
  return s;
}

// Standard first response PT4H from 08:00Z: 50 % 10:00Z, 75 % 11:00Z, due 12:00Z.
const FR_50 = "2026-03-02T10:00:00.000Z";
const FR_DUE = "2026-03-02T12:00:00.000Z";

describe("supportRequestOrchestrator: the customer is told of SLA breaches (sla-delay)", () => {
  it("a first-response breach sends ONE sla-delay email with the missed deadline; warnings send none", async () => {
    const s = await start();
    expect(await s.fire()).toBe(FR_50);
    await s.fire();
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["received"]);
    expect(await s.fire()).toBe(FR_DUE);
    const delays = s.emails().filter((e) => e.kind === "sla-delay");
    expect(delays).toEqual([{ caseId: "case-1", partnerId: "contoso", notificationKey: "sla-delay-first-response", status: "in-diagnosis", kind: "sla-delay", dueAt: FR_DUE }]);
    // Told before the escalation email, after the breach was recorded and the partner notified.
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["received", "sla-delay-first-response", "escalated-to-microsoft"]);
    const order = s.calls().map((c) => (c.name === ActivityNames.sendStatusEmail ? `email:${(c.input as { notificationKey: string }).notificationKey}` : c.name === ActivityNames.notifyPartner ? `partner:${(c.input as { notificationKey: string }).notificationKey}` : c.name));
    expect(order.indexOf("partner:sla-breach-first-response")).toBeLessThan(order.indexOf("email:sla-delay-first-response"));
    expect(order.indexOf("email:sla-delay-first-response")).toBeLessThan(order.indexOf("email:escalated-to-microsoft"));
  });

  it("first-response and resolution breaches each send theirs once, also after the escalation", async () => {
    const s = await start(caseContext({ slaPolicy: standard({ warnAtPercent: [], targets: { firstResponse: "PT4H", resolution: "PT6H" } }) }));
    await s.send({ type: "escalate", reason: "Platform bug." }, undefined, "2026-03-02T08:30:00.000Z");
    expect(await s.fire()).toBe(FR_DUE);
    expect(await s.fire()).toBe("2026-03-02T14:00:00.000Z");
    expect(s.timerAt).toBeUndefined();
    expect(s.emails().map((e) => [e.notificationKey, e.kind, e.dueAt, e.status])).toEqual([
      ["received", undefined, undefined, "received"],
      ["escalated-to-microsoft", undefined, undefined, "escalated-to-microsoft"],
      ["sla-delay-first-response", "sla-delay", FR_DUE, "escalated-to-microsoft"],
      ["sla-delay-resolution", "sla-delay", "2026-03-02T14:00:00.000Z", "escalated-to-microsoft"],
    ]);
  });

  it("a next-update breach is the partner's business only", async () => {
    const s = await start(caseContext({ slaPolicy: standard({ warnAtPercent: [], targets: { firstResponse: "PT4H", nextUpdate: "PT1H", resolution: "PT16H" } }) }));
    await s.send({ type: "update", message: "Looking into it." }, undefined, "2026-03-02T08:30:00.000Z");
    expect(await s.fire()).toBe("2026-03-02T09:30:00.000Z");
    expect(s.partnerNotices().map((n) => n.notificationKey)).toEqual(["sla-breach-next-update"]);
    expect(s.emails().map((e) => e.notificationKey)).toEqual(["received", "update"]);
  });

  it("once per case: a generation that carries the sent notice does not send it again", async () => {
    const s = laterGeneration(caseContext(), { received: 1, "sla-delay-first-response": 1 });
    await s.settle();
    while (s.timerAt !== undefined && Date.parse(s.timerAt) <= Date.parse(FR_DUE)) await s.fire();
    expect(s.partnerNotices().map((n) => n.notificationKey)).toContain("sla-breach-first-response");
    expect(s.emails().filter((e) => e.kind === "sla-delay")).toEqual([]);
  });
});

describe("supportRequestOrchestrator: reclassification re-selects the SLA policy", () => {
  it("severity C → A: re-reads the case, re-targets the open clocks with the elapsed time kept and re-arms the timer at the new instant", async () => {
    const s = await start();
    expect(s.timerAt).toBe(FR_50);
    await s.reclassify({ severity: "A" }, critical(), "2026-03-02T08:30:00.000Z");

    expect(s.calls(ActivityNames.getCaseContext).map((c) => c.input)).toEqual([
      { caseId: "case-1", partnerId: "contoso" },
      { caseId: "case-1", partnerId: "contoso" },
    ]);
    // Re-targeted at the reclassification, events carrying the new policy (RecordSlaEvents).
    expect(s.slaLog.slice(2).map((e) => [e.eventId, e.metric, e.type, e.at, e.target, e.policyId, e.reason])).toEqual([
      ["0000-0003", "first-response", "activate", "2026-03-02T08:30:00.000Z", "PT2H", "critical", "policy changed from standard to critical"],
      ["0000-0004", "resolution", "activate", "2026-03-02T08:30:00.000Z", "PT8H", "critical", "policy changed from standard to critical"],
    ]);
    const note = s.transitions().at(-1);
    expect(note).toMatchObject({
      entryId: "t02-note",
      kind: "note",
      at: "2026-03-02T08:30:00.000Z",
      details: { slaPolicyChanged: { from: "standard", to: "critical", at: "2026-03-02T08:30:00.000Z" }, action: "reclassify", reclassified: { severity: "A" } },
      // 30 min of the first response elapsed: PT2H is due 10:00Z (not 10:30Z); PT8H resolution 16:00Z.
      patch: { sla: { firstResponseDueAt: "2026-03-02T10:00:00.000Z", resolutionDueAt: "2026-03-02T16:00:00.000Z", targets: { firstResponse: "PT2H", resolution: "PT8H" } } },
    });
    expect(note?.summary).toBe(
      "SLA policy changed from Standard (standard: first response PT4H, resolution PT16H) to Critical (critical: first response PT2H, resolution PT8H) because the request was reclassified (severity C → A); the open clocks were re-targeted with their elapsed time kept.",
    );
    // The timer armed for the old 50 % (10:00Z) is cancelled; one timer at the new 50 %: 1 h elapsed at 09:00Z.
    expect(s.d.timers().filter((t) => t.fireAt === FR_50).every((t) => t.isCanceled)).toBe(true);
    expect(s.timerAt).toBe("2026-03-02T09:00:00.000Z");
    expect(s.customStatus).toMatchObject({ nextDeadline: "2026-03-02T09:00:00.000Z", nextDeadlineMetric: "first-response", nextDeadlineKind: "warn" });

    expect(await s.fire()).toBe("2026-03-02T09:00:00.000Z");
    expect(await s.fire()).toBe("2026-03-02T09:30:00.000Z");
    expect(await s.fire()).toBe("2026-03-02T10:00:00.000Z");
    expect(s.partnerNotices().map((n) => n.notificationKey).slice(0, 3)).toEqual(["sla-warn-first-response-50", "sla-warn-first-response-75", "sla-breach-first-response"]);
    // Later decisions and notices use the new facts.
    expect(s.partnerNotices()[2]?.notice).toMatchObject({ kind: "sla-breached", metric: "first-response", target: expect.any(String) });
    expect(s.emails().find((e) => e.kind === "sla-delay")).toMatchObject({ notificationKey: "sla-delay-first-response", dueAt: "2026-03-02T10:00:00.000Z" });
  });

  it("the same policy with other targets for the new severity is re-targeted too", async () => {
    const s = await start(caseContext({ severity: "B" }));
    await s.reclassify({ severity: "A" }, standard({ targets: { firstResponse: "PT2H", resolution: "PT16H" } }), "2026-03-02T08:30:00.000Z");
    expect(s.slaLog.slice(2).map((e) => `${e.metric} ${e.type} ${e.target ?? ""} ${e.policyId}`)).toEqual(["first-response activate PT2H standard", "resolution activate PT16H standard"]);
    expect(s.transitions().at(-1)?.summary).toMatch(/^SLA policy changed from Standard \(standard: first response PT4H, resolution PT16H\) to Standard \(standard: first response PT2H, resolution PT16H\) because the request was reclassified \(severity B → A\)/);
    expect(s.timerAt).toBe("2026-03-02T09:00:00.000Z");
  });

  it("a reclassification that leaves the policy and targets as they are changes no clock; it is recorded as a note (revision 7: each reclassification takes one entry)", async () => {
    const s = await start();
    await s.reclassify({ product: "microsoft-365" }, standard(), "2026-03-02T08:30:00.000Z");
    expect(s.calls(ActivityNames.getCaseContext)).toHaveLength(2);
    expect(s.slaLog).toHaveLength(2);
    expect(s.transitions().slice(1)).toEqual([expect.objectContaining({ kind: "note", summary: expect.stringMatching(/^Reclassified \(product azure → microsoft-365\); the SLA policy in force stays Standard/), details: expect.objectContaining({ action: "reclassify" }) })]);
    expect(s.transitions()[1]?.patch).toBeUndefined();
    expect(s.timerAt).toBe(FR_50);
  });

  it("while the clocks are paused: re-targeted, still paused (no timer); the reply resumes them with the new target", async () => {
    const s = await start();
    await s.send({ type: "diagnosis", outcome: "awaiting-customer", notes: "Which VM?" }, undefined, "2026-03-02T09:00:00.000Z");
    expect(s.timerAt).toBeUndefined();
    await s.reclassify({ severity: "A" }, critical(), "2026-03-02T10:00:00.000Z");
    // First response was fulfilled at 09:00Z: only the (paused) resolution clock is open.
    expect(s.slaLog.slice(-1).map((e) => `${e.metric} ${e.type} ${e.target ?? ""} ${e.policyId} @${e.at}`)).toEqual(["resolution activate PT8H critical @2026-03-02T10:00:00.000Z"]);
    expect(s.timerAt).toBeUndefined();
    expect(s.customStatus).toEqual({ status: "awaiting-customer", waitingFor: "customer", generation: 0, checkpoint: expect.objectContaining({ status: "awaiting-customer", generation: 0 }) });
    await s.send({ type: "customer-reply", excerpt: "vm-web-01" }, customerActor, "2026-03-02T12:00:00.000Z");
    // 1 h of resolution elapsed before the pause; 50 % of PT8H = 4 h → 3 h after 12:00Z (not Tue 11:00Z under PT16H).
    expect(s.timerAt).toBe("2026-03-02T15:00:00.000Z");
  });

  it("a generation that reads the new facts before processing the action re-targets once, at its start", async () => {
    const s = laterGeneration(caseContext({ severity: "A", slaPolicy: critical() }), { received: 1 }, [{ type: "reclassify", severity: "A" }]);
    await s.settle();
    expect(s.slaLog.slice(2).map((e) => `${e.metric} ${e.type} ${e.target ?? ""} ${e.policyId} @${e.at}`)).toEqual([
      "first-response activate PT2H critical @2026-03-02T08:30:00.000Z",
      "resolution activate PT8H critical @2026-03-02T08:30:00.000Z",
    ]);
    const notes = s.transitions().filter((t) => t.details && "slaPolicyChanged" in t.details);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.summary).toMatch(/^SLA policy changed from standard to Critical \(critical: first response PT2H, resolution PT8H\)/);
    expect(s.timerAt).toBe("2026-03-02T09:00:00.000Z");
  });
});
