/**
 * The orchestrator replays only the current cycle of each SLA metric (currentSlaCycles); this proves
 * that window gives exactly the clocks, the next timer and the new events of the full log, for any
 * history of happenings.
 */
import fc from "fast-check";
import type { AppliedSlaPolicy, CaseStatus, SlaEvent } from "../../../shared/contracts";
import { applySlaHappening, computeSlaClocks, nextSlaTimer, type CaseHappening } from "../../../shared/domain";
import { currentSlaCycles } from "../../../orchestrations/supportRequest";

const weekdays = Object.fromEntries(["mon", "tue", "wed", "thu", "fri"].map((d) => [d, [{ start: "09:00", end: "12:00" }, { start: "13:00", end: "17:00" }]]));
const policies: AppliedSlaPolicy[] = [
  { policyId: "biz", name: "Business", calendar: { kind: "weekly", timeZone: "Europe/Prague", weekly: weekdays, holidays: ["2026-03-04"] }, targets: { firstResponse: "PT2H", nextUpdate: "PT3H", resolution: "PT20H" }, pauseWhen: ["awaiting-customer"], warnAtPercent: [50, 75] },
  { policyId: "24x7", name: "Around the clock", calendar: { kind: "24x7" }, targets: { firstResponse: "PT1H", nextUpdate: "PT4H", resolution: "PT30H" }, pauseWhen: ["awaiting-customer", "escalated-to-microsoft"], warnAtPercent: [60] },
];

const statuses: CaseStatus[] = ["in-diagnosis", "awaiting-customer", "escalated-to-microsoft", "resolved", "in-diagnosis"];

/** A step: minutes after the previous one and what happens. */
const step = fc.tuple(
  fc.integer({ min: 0, max: 600 }),
  fc.oneof(fc.constant({ kind: "partner-response" as const }), fc.constant({ kind: "timer" as const }), fc.record({ kind: fc.constant("status" as const), to: fc.constantFrom(...statuses) })),
);

test("property: the current cycles give the same clocks, next timer and new events as the full log", () => {
  fc.assert(
    fc.property(fc.constantFrom(...policies), fc.array(step, { minLength: 1, maxLength: 40 }), step, (policy, steps, [lastGap, last]) => {
      let t = Date.parse("2026-03-02T08:00:00.000Z");
      let status: CaseStatus = "in-diagnosis";
      const log: SlaEvent[] = applySlaHappening([], policy, { kind: "opened", at: new Date(t).toISOString() });
      const happening = (gap: number, h: (typeof steps)[number][1]): CaseHappening => {
        t += gap * 60_000;
        const at = new Date(t).toISOString();
        if (h.kind !== "status") return { kind: h.kind, at };
        const from = status;
        status = h.to;
        return { kind: "status", from, to: h.to, at };
      };
      for (const [gap, h] of steps) log.push(...applySlaHappening(log, policy, happening(gap, h)));
      const window = currentSlaCycles(log);
      const next = happening(lastGap, last);
      expect(applySlaHappening(window, policy, next)).toEqual(applySlaHappening(log, policy, next));
      expect(computeSlaClocks(window, policy, next.at)).toEqual(computeSlaClocks(log, policy, next.at));
      expect(nextSlaTimer(window, policy, next.at)).toEqual(nextSlaTimer(log, policy, next.at));
    }),
    { numRuns: 300 },
  );
});

test("a daily next-update cycle leaves only the current cycle of each metric", () => {
  const policy = policies[1] as AppliedSlaPolicy;
  const log: SlaEvent[] = applySlaHappening([], policy, { kind: "opened", at: "2026-03-02T08:00:00.000Z" });
  for (let day = 0; day < 30; day++) log.push(...applySlaHappening(log, policy, { kind: "partner-response", at: new Date(Date.parse("2026-03-02T09:00:00.000Z") + day * 86_400_000).toISOString() }));
  const window = currentSlaCycles(log);
  expect(log.length).toBeGreaterThan(80);
  expect(window.map((e) => `${e.metric} ${e.type}`)).toEqual(
    expect.arrayContaining(["first-response activate", "first-response fulfill", "resolution activate", "next-update activate"]),
  );
  expect(window.filter((e) => e.metric === "next-update" && e.type === "activate")).toHaveLength(1);
});
