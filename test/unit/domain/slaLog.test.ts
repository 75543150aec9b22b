/**
 * The SLA event log and clocks recomputed from it (help-desk practice "SLA semantics": Zendesk metric
 * events, ServiceNow 50/75/100 %, Zammad pauses rebuilt from history, Freshdesk per-status timers).
 */
import fc from "fast-check";
import type { AppliedSlaPolicy, Calendar, SlaEvent, SlaMetricName } from "../../../shared/contracts";
import { CALENDAR_24X7, applySlaHappening, computeSlaClocks, isSlaClockOpen, nextSlaTimer, type CaseHappening } from "../../../shared/domain";

const H = 3_600_000;
type Periods = Array<{ start: string; end: string }>;
const weekdays = (p: Periods) => ({ mon: p, tue: p, wed: p, thu: p, fri: p });
const budapest: Calendar = { kind: "weekly", timeZone: "Europe/Budapest", weekly: weekdays([{ start: "09:00", end: "17:00" }]), holidays: [] };

const standard: AppliedSlaPolicy = {
  policyId: "standard",
  name: "Standard",
  calendar: budapest,
  targets: { firstResponse: "PT4H", nextUpdate: "PT8H", resolution: "PT60H" },
  pauseWhen: ["awaiting-customer"],
  warnAtPercent: [50, 75],
};

/** Applies happenings in order, returning the whole log. */
function run(policy: AppliedSlaPolicy, happenings: CaseHappening[], log: SlaEvent[] = []): SlaEvent[] {
  const out = [...log];
  for (const h of happenings) out.push(...applySlaHappening(out, policy, h));
  return out;
}
const brief = (evs: SlaEvent[]) => evs.map((e) => `${e.metric} ${e.type}${e.percent ? ` ${e.percent}` : ""} @${e.at}`);

describe("worked example: Budapest business hours across the spring DST change, pause and resume", () => {
  const opened = run(standard, [{ kind: "opened", at: "2026-03-27T13:00:00Z" }]); // Friday 14:00 CET

  it("opening activates first response and resolution with the policy's targets", () => {
    expect(opened).toEqual([
      { metric: "first-response", type: "activate", at: "2026-03-27T13:00:00.000Z", policyId: "standard", target: "PT4H", reason: "request received" },
      { metric: "resolution", type: "activate", at: "2026-03-27T13:00:00.000Z", policyId: "standard", target: "PT60H", reason: "request received" },
    ]);
    // Re-opening is idempotent.
    expect(applySlaHappening(opened, standard, { kind: "opened", at: "2026-03-27T13:05:00Z" })).toEqual([]);
  });

  it("timers fire at 50 % and 75 % of the first-response target, then at the breach on Monday after DST", () => {
    expect(nextSlaTimer(opened, standard, "2026-03-27T13:00:00Z")).toEqual({ at: "2026-03-27T15:00:00.000Z", metric: "first-response", kind: "warn", percent: 50 });
    const w50 = run(standard, [{ kind: "timer", at: "2026-03-27T15:00:00Z" }], opened);
    expect(brief(w50.slice(2))).toEqual(["first-response warn 50 @2026-03-27T15:00:00.000Z"]);
    // 75 % of 4 h is 3 h: exactly at Friday's 17:00 CET close.
    expect(nextSlaTimer(w50, standard, "2026-03-27T15:00:00Z")).toMatchObject({ at: "2026-03-27T16:00:00.000Z", percent: 75 });
    const w75 = run(standard, [{ kind: "timer", at: "2026-03-27T16:00:00Z" }], w50);
    // The last hour runs on Monday 30 March, 09:00–10:00 CEST (07:00–08:00Z).
    expect(nextSlaTimer(w75, standard, "2026-03-27T16:00:00Z")).toEqual({ at: "2026-03-30T08:00:00.000Z", metric: "first-response", kind: "breach", percent: 100 });
    const clocks = computeSlaClocks(w75, standard, "2026-03-28T12:00:00Z");
    expect(clocks["first-response"]).toEqual({ metric: "first-response", state: "running", elapsedInMs: 3 * H, targetInMs: 4 * H, remainingInMs: 1 * H, dueAt: "2026-03-30T08:00:00.000Z", warned: [50, 75] });
    expect(clocks["next-update"]).toMatchObject({ state: "inactive", elapsedInMs: 0, targetInMs: 8 * H });
  });

  // Friday 13:00Z open; first response Monday 07:30Z; awaiting customer Monday 09:00Z → Wednesday 07:00Z.
  const log = run(standard, [
    { kind: "timer", at: "2026-03-27T15:00:00Z" },
    { kind: "timer", at: "2026-03-27T16:00:00Z" },
    { kind: "partner-response", at: "2026-03-30T07:30:00Z" },
    { kind: "status", from: "in-diagnosis", to: "awaiting-customer", at: "2026-03-30T09:00:00Z" },
    { kind: "status", from: "awaiting-customer", to: "in-diagnosis", at: "2026-04-01T07:00:00Z" },
  ], opened);

  it("a response before the breach fulfils first response; next update starts; the clocks stop while waiting on the customer", () => {
    expect(brief(log.slice(4))).toEqual([
      "first-response fulfill @2026-03-30T07:30:00.000Z",
      "next-update activate @2026-03-30T07:30:00.000Z",
      "next-update pause @2026-03-30T09:00:00.000Z",
      "resolution pause @2026-03-30T09:00:00.000Z",
      "next-update resume @2026-04-01T07:00:00.000Z",
      "resolution resume @2026-04-01T07:00:00.000Z",
    ]);
    const paused = computeSlaClocks(log.slice(0, 8), standard, "2026-03-31T12:00:00Z");
    expect(paused.resolution).toMatchObject({ state: "paused", elapsedInMs: 5 * H, remainingInMs: 55 * H, warned: [] });
    expect(paused.resolution.dueAt).toBeUndefined();
    expect(paused["first-response"]).toMatchObject({ state: "fulfilled", elapsedInMs: 3.5 * H });
    expect(nextSlaTimer(log.slice(0, 8), standard, "2026-03-31T12:00:00Z")).toBeUndefined();
  });

  it("after the resume, next update warns at 4 h of its 8 h (1.5 h before the pause + 2.5 h) and resolution at 30 h", () => {
    expect(nextSlaTimer(log, standard, "2026-04-01T07:00:00Z")).toEqual({ at: "2026-04-01T09:30:00.000Z", metric: "next-update", kind: "warn", percent: 50 });
    const clocks = computeSlaClocks(log, standard, "2026-04-01T07:00:00Z");
    // Resolution: 3 h Friday + 2 h Monday = 5 h; 30 h (50 %) after 25 more: Wed 8, Thu 8, Fri 8, Mon 1 → Monday 10:00 CEST.
    expect(clocks.resolution).toMatchObject({ state: "running", elapsedInMs: 5 * H, warned: [] });
    const nextUpdateWarned = run(standard, [{ kind: "timer", at: "2026-04-01T09:30:00Z" }, { kind: "timer", at: "2026-04-01T11:30:00Z" }, { kind: "timer", at: "2026-04-01T14:30:00Z" }], log);
    expect(brief(nextUpdateWarned.slice(log.length))).toEqual([
      "next-update warn 50 @2026-04-01T09:30:00.000Z",
      "next-update warn 75 @2026-04-01T11:30:00.000Z",
      "next-update breach @2026-04-01T13:30:00.000Z",
    ]);
    expect(nextSlaTimer(nextUpdateWarned, standard, "2026-04-01T14:30:00Z")).toEqual({ at: "2026-04-06T08:00:00.000Z", metric: "resolution", kind: "warn", percent: 50 });
    // Breach at 60 h: 53 h by Wednesday 8 April's close, 7 more on Thursday → 16:00 CEST.
    expect(clocks.resolution.dueAt).toBe("2026-04-09T14:00:00.000Z");
  });

  it("each partner update restarts next update; resolving fulfils resolution and cancels next update after logging the warnings it reached", () => {
    const updated = run(standard, [{ kind: "partner-response", at: "2026-04-01T09:00:00Z" }], log);
    expect(brief(updated.slice(log.length))).toEqual(["next-update fulfill @2026-04-01T09:00:00.000Z", "next-update activate @2026-04-01T09:00:00.000Z"]);
    expect(nextSlaTimer(updated, standard, "2026-04-01T09:00:00Z")).toMatchObject({ at: "2026-04-01T13:00:00.000Z", metric: "next-update", percent: 50 });
    const resolved = run(standard, [{ kind: "status", from: "in-diagnosis", to: "resolved", at: "2026-04-02T08:00:00Z" }], updated);
    expect(brief(resolved.slice(updated.length))).toEqual([
      "next-update warn 50 @2026-04-01T13:00:00.000Z",
      "next-update warn 75 @2026-04-01T15:00:00.000Z",
      "resolution fulfill @2026-04-02T08:00:00.000Z",
      "next-update cancel @2026-04-02T08:00:00.000Z",
    ]);
    const clocks = computeSlaClocks(resolved, standard, "2026-04-10T00:00:00Z");
    expect(clocks.resolution).toMatchObject({ state: "fulfilled", elapsedInMs: 14 * H, remainingInMs: 46 * H });
    expect(clocks["next-update"]).toMatchObject({ state: "inactive", elapsedInMs: 7 * H, warned: [50, 75] });
    expect(nextSlaTimer(resolved, standard, "2026-04-02T08:00:00Z")).toBeUndefined();
    expect(applySlaHappening(resolved, standard, { kind: "status", from: "resolved", to: "closed", at: "2026-04-05T08:00:00Z" })).toEqual([]);
  });
});

describe("breach, response at the deadline, reopen, close", () => {
  const open = run(standard, [{ kind: "opened", at: "2026-03-02T08:00:00Z" }]); // Monday 09:00 CET
  it("a response exactly at the deadline is in time; one a minute later is a breach first", () => {
    const onTime = applySlaHappening(open, standard, { kind: "partner-response", at: "2026-03-02T12:00:00Z" });
    expect(brief(onTime).filter((e) => e.startsWith("first-response"))).toEqual([
      "first-response warn 50 @2026-03-02T10:00:00.000Z",
      "first-response warn 75 @2026-03-02T11:00:00.000Z",
      "first-response fulfill @2026-03-02T12:00:00.000Z",
    ]);
    const late = applySlaHappening(open, standard, { kind: "partner-response", at: "2026-03-02T12:01:00Z" });
    expect(brief(late).filter((e) => e.startsWith("first-response"))).toContain("first-response breach @2026-03-02T12:00:00.000Z");
    const clocks = computeSlaClocks([...open, ...late], standard, "2026-03-03T00:00:00Z");
    expect(clocks["first-response"]).toMatchObject({ state: "fulfilled", elapsedInMs: 4 * H + 60_000, remainingInMs: -60_000 });
  });
  it("a breached clock still counts (remaining is negative) and the breach is logged once", () => {
    const log = run(standard, [{ kind: "timer", at: "2026-03-02T13:00:00Z" }], open);
    expect(brief(log.slice(2))).toEqual([
      "first-response warn 50 @2026-03-02T10:00:00.000Z",
      "first-response warn 75 @2026-03-02T11:00:00.000Z",
      "first-response breach @2026-03-02T12:00:00.000Z",
    ]);
    expect(applySlaHappening(log, standard, { kind: "timer", at: "2026-03-02T14:00:00Z" })).toEqual([]);
    expect(computeSlaClocks(log, standard, "2026-03-02T14:00:00Z")["first-response"]).toMatchObject({ state: "breached", elapsedInMs: 6 * H, remainingInMs: -2 * H, dueAt: "2026-03-02T12:00:00.000Z" });
  });
  it("reopening a resolved request resumes the resolution clock where it stopped; closing cancels what runs", () => {
    const log = run(standard, [
      { kind: "status", from: "in-diagnosis", to: "resolved", at: "2026-03-02T10:00:00Z" },
      { kind: "status", from: "resolved", to: "in-diagnosis", at: "2026-03-03T08:00:00Z" },
    ], open);
    // The 50 % warning falls exactly on the resolution instant: met in time, not logged.
    expect(brief(log.slice(2))).toEqual([
      "first-response fulfill @2026-03-02T10:00:00.000Z",
      "resolution fulfill @2026-03-02T10:00:00.000Z",
      "resolution resume @2026-03-03T08:00:00.000Z",
    ]);
    expect(computeSlaClocks(log, standard, "2026-03-03T09:00:00Z").resolution).toMatchObject({ state: "running", elapsedInMs: 3 * H });
    const closed = applySlaHappening(log, standard, { kind: "status", from: "resolved", to: "closed", at: "2026-03-03T09:00:00Z" });
    expect(brief(closed)).toEqual(["resolution cancel @2026-03-03T09:00:00.000Z"]);
    expect(computeSlaClocks([...log, ...closed], standard, "2026-03-09T09:00:00Z").resolution).toMatchObject({ state: "inactive", elapsedInMs: 3 * H });
  });
  it("a clock is open from its activation until it is fulfilled or cancelled, paused and breached included", () => {
    expect(isSlaClockOpen([], standard, "resolution")).toBe(false);
    expect(isSlaClockOpen(open, standard, "resolution")).toBe(true);
    expect(isSlaClockOpen(open, standard, "next-update")).toBe(false);
    const paused = run(standard, [{ kind: "status", from: "in-diagnosis", to: "awaiting-customer", at: "2026-03-02T09:00:00Z" }], open);
    expect(isSlaClockOpen(paused, standard, "first-response")).toBe(true);
    const breached = run(standard, [{ kind: "timer", at: "2026-03-02T13:00:00Z" }], open);
    expect(isSlaClockOpen(breached, standard, "first-response")).toBe(true);
    const resolved = run(standard, [{ kind: "status", from: "in-diagnosis", to: "resolved", at: "2026-03-02T10:00:00Z" }], open);
    expect(isSlaClockOpen(resolved, standard, "resolution")).toBe(false);
    const closed = run(standard, [{ kind: "status", from: "in-diagnosis", to: "closed", at: "2026-03-02T10:00:00Z" }], open);
    expect(isSlaClockOpen(closed, standard, "resolution")).toBe(false);
    // A new cycle after closure (a reopening) is open again.
    expect(isSlaClockOpen([...closed, { at: "2026-03-03T08:00:00.000Z", metric: "resolution", type: "activate", target: "PT60H", policyId: "standard" }], standard, "resolution")).toBe(true);
  });
  it("pausing by policy: waiting on Microsoft stops the clock only when the policy says so", () => {
    const withMs: AppliedSlaPolicy = { ...standard, pauseWhen: ["awaiting-customer", "escalated-to-microsoft"] };
    const h: CaseHappening = { kind: "status", from: "in-diagnosis", to: "escalated-to-microsoft", at: "2026-03-02T09:00:00Z" };
    expect(brief(applySlaHappening(open, withMs, h))).toEqual(["first-response pause @2026-03-02T09:00:00.000Z", "resolution pause @2026-03-02T09:00:00.000Z"]);
    expect(applySlaHappening(open, standard, h)).toEqual([]);
  });
  it("a partner update while the request waits on the customer starts next update paused", () => {
    const log = run(standard, [
      { kind: "status", from: "in-diagnosis", to: "awaiting-customer", at: "2026-03-02T09:00:00Z" },
      { kind: "partner-response", at: "2026-03-02T10:00:00Z" },
    ], open);
    expect(brief(log.slice(-3))).toEqual(["first-response fulfill @2026-03-02T10:00:00.000Z", "next-update activate @2026-03-02T10:00:00.000Z", "next-update pause @2026-03-02T10:00:00.000Z"]);
    expect(computeSlaClocks(log, standard, "2026-03-03T10:00:00Z")["next-update"]).toMatchObject({ state: "paused", elapsedInMs: 0 });
  });
  it("without a next-update target, partner responses start no update clock", () => {
    const noUpdate: AppliedSlaPolicy = { ...standard, targets: { firstResponse: "PT4H", resolution: "PT60H" } };
    const log = run(noUpdate, [{ kind: "opened", at: "2026-03-02T08:00:00Z" }, { kind: "partner-response", at: "2026-03-02T09:00:00Z" }, { kind: "partner-response", at: "2026-03-02T10:00:00Z" }]);
    expect(log.filter((e) => e.metric === "next-update")).toEqual([]);
    expect(computeSlaClocks(log, noUpdate, "2026-03-02T11:00:00Z")["next-update"]).toMatchObject({ state: "inactive", targetInMs: 0 });
  });
});

describe("policy change keeps the elapsed time and re-targets", () => {
  const log = run(standard, [{ kind: "opened", at: "2026-03-02T08:00:00Z" }, { kind: "timer", at: "2026-03-02T11:00:00Z" }]); // 3 h elapsed, 50 and 75 % logged
  it("to a shorter target already exceeded: breach due at once", () => {
    const vip: AppliedSlaPolicy = { ...standard, policyId: "vip", name: "VIP", calendar: CALENDAR_24X7, targets: { firstResponse: "PT2H", resolution: "P10D" } };
    const changed = applySlaHappening(log, standard, { kind: "policy-changed", policy: vip, at: "2026-03-02T11:00:00Z" });
    expect(changed).toEqual([
      { metric: "first-response", type: "activate", at: "2026-03-02T11:00:00.000Z", policyId: "vip", target: "PT2H", reason: "policy changed from standard to vip" },
      { metric: "resolution", type: "activate", at: "2026-03-02T11:00:00.000Z", policyId: "vip", target: "P10D", reason: "policy changed from standard to vip" },
    ]);
    const after = [...log, ...changed];
    expect(nextSlaTimer(after, vip, "2026-03-02T11:00:00Z")).toEqual({ at: "2026-03-02T11:00:00.000Z", metric: "first-response", kind: "breach", percent: 100 });
    const breached = run(vip, [{ kind: "timer", at: "2026-03-02T11:00:00Z" }], after);
    expect(brief(breached.slice(after.length))).toEqual(["first-response breach @2026-03-02T11:00:00.000Z"]);
    expect(computeSlaClocks(breached, vip, "2026-03-02T11:00:00Z")["first-response"]).toMatchObject({ state: "breached", elapsedInMs: 3 * H, targetInMs: 2 * H, remainingInMs: -1 * H });
    // P10D on 24×7: 240 h from the opening (elapsed time kept).
    expect(computeSlaClocks(breached, vip, "2026-03-02T11:00:00Z").resolution).toMatchObject({ elapsedInMs: 3 * H, targetInMs: 240 * H, dueAt: "2026-03-12T08:00:00.000Z" });
  });
  it("to a longer target: warnings already logged are not repeated; the breach moves", () => {
    const relaxed: AppliedSlaPolicy = { ...standard, policyId: "relaxed", targets: { firstResponse: "PT8H", resolution: "PT60H" } };
    const after = run(standard, [{ kind: "policy-changed", policy: relaxed, at: "2026-03-02T11:00:00Z" }], log);
    expect(nextSlaTimer(after, relaxed, "2026-03-02T11:00:00Z")).toEqual({ at: "2026-03-02T16:00:00.000Z", metric: "first-response", kind: "breach", percent: 100 });
    expect(computeSlaClocks(after, relaxed, "2026-03-02T12:00:00Z")["first-response"]).toMatchObject({ state: "running", elapsedInMs: 4 * H, targetInMs: 8 * H, warned: [50, 75] });
  });
  it("to a policy without next update: the running update clock is cancelled", () => {
    const l2 = run(standard, [{ kind: "partner-response", at: "2026-03-02T11:00:00Z" }], log);
    const noUpdate: AppliedSlaPolicy = { ...standard, policyId: "lean", targets: { firstResponse: "PT4H", resolution: "PT60H" } };
    expect(brief(applySlaHappening(l2, standard, { kind: "policy-changed", policy: noUpdate, at: "2026-03-02T12:00:00Z" }))).toEqual([
      "next-update cancel @2026-03-02T12:00:00.000Z",
      "resolution activate @2026-03-02T12:00:00.000Z",
    ]);
  });
});

describe("targets of more than six days", () => {
  it("PT60H in business hours (7.5 working days) and P10D on 24×7", () => {
    const log = run(standard, [{ kind: "opened", at: "2026-03-02T08:00:00Z" }]);
    expect(computeSlaClocks(log, standard, "2026-03-02T08:00:00Z").resolution.dueAt).toBe("2026-03-11T12:00:00.000Z");
    const p10d: AppliedSlaPolicy = { ...standard, calendar: CALENDAR_24X7, targets: { firstResponse: "PT1H", resolution: "P10D" } };
    const l2 = run(p10d, [{ kind: "opened", at: "2026-03-25T12:00:00Z" }]);
    expect(computeSlaClocks(l2, p10d, "2026-03-25T12:00:00Z").resolution).toMatchObject({ targetInMs: 240 * H, dueAt: "2026-04-04T12:00:00.000Z" });
  });
});

describe("properties", () => {
  const calendars: Calendar[] = [
    budapest,
    CALENDAR_24X7,
    { kind: "weekly", timeZone: "America/Los_Angeles", weekly: weekdays([{ start: "08:00", end: "12:00" }, { start: "13:00", end: "17:00" }]), holidays: ["2026-11-26"] },
    { kind: "weekly", timeZone: "Europe/Warsaw", weekly: { ...weekdays([{ start: "22:00", end: "06:00" }]), sun: [{ start: "10:00", end: "14:00" }] }, holidays: [] },
    { kind: "weekly", timeZone: "Europe/Moscow", weekly: weekdays([{ start: "09:00", end: "18:00" }]), holidays: ["2026-05-01"] },
  ];
  const arbPolicy = fc.record({
    calendar: fc.constantFrom(...calendars),
    fr: fc.integer({ min: 1, max: 12 * 60 }),
    nu: fc.option(fc.integer({ min: 1, max: 24 * 60 }), { nil: undefined }),
    res: fc.integer({ min: 1, max: 80 * 60 }),
    warn: fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 4 }),
  }).map(({ calendar, fr, nu, res, warn }): AppliedSlaPolicy => ({
    policyId: "p",
    name: "P",
    calendar,
    targets: { firstResponse: `PT${fr}M`, resolution: `PT${res}M`, ...(nu ? { nextUpdate: `PT${nu}M` } : {}) },
    pauseWhen: ["awaiting-customer"],
    warnAtPercent: warn,
  }));
  const arbStart = fc.integer({ min: Date.UTC(2026, 0, 1) / 60_000, max: Date.UTC(2026, 11, 1) / 60_000 }).map((m) => m * 60_000);
  const arbSteps = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3 * 24 * 60 }), kind: fc.constantFrom("pause", "resume", "respond") }), { maxLength: 8 });

  /** Drives a case: after the opening, timers fire at every `nextSlaTimer` instant before each step. */
  function drive(policy: AppliedSlaPolicy, start: number, steps: Array<{ gap: number; kind: string }>, horizon: number) {
    let log = run(policy, [{ kind: "opened", at: new Date(start).toISOString() }]);
    let t = start;
    let status: "in-diagnosis" | "awaiting-customer" = "in-diagnosis";
    const fireUntil = (until: number) => {
      for (let i = 0; i < 100; i++) {
        const next = nextSlaTimer(log, policy, new Date(t).toISOString());
        if (!next || Date.parse(next.at) > until) return;
        t = Date.parse(next.at);
        const evs = applySlaHappening(log, policy, { kind: "timer", at: next.at });
        expect(evs.length).toBeGreaterThan(0); // a timer always logs what it was armed for
        log = [...log, ...evs];
      }
    };
    const pauses: Array<[number, number]> = [];
    let pausedSince: number | undefined;
    for (const s of steps) {
      const at = t + s.gap * 60_000;
      fireUntil(at);
      t = at;
      const iso = new Date(at).toISOString();
      let h: CaseHappening;
      if (s.kind === "respond") h = { kind: "partner-response", at: iso };
      else {
        const to = s.kind === "pause" ? "awaiting-customer" : "in-diagnosis";
        h = { kind: "status", from: status, to, at: iso };
        if (to === "awaiting-customer" && status !== to) pausedSince = at;
        if (to === "in-diagnosis" && pausedSince !== undefined) {
          pauses.push([pausedSince, at]);
          pausedSince = undefined;
        }
        status = to;
      }
      log = [...log, ...applySlaHappening(log, policy, h)];
    }
    fireUntil(horizon);
    if (pausedSince !== undefined) pauses.push([pausedSince, Number.POSITIVE_INFINITY]);
    return { log, pauses, end: t };
  }

  it("at each breach instant the elapsed time equals the target; warnings come before the breach in increasing order", () => {
    fc.assert(
      fc.property(arbPolicy, arbStart, arbSteps, (policy, start, steps) => {
        const { log } = drive(policy, start, steps, start + 40 * 24 * H);
        const cycles = new Map<SlaMetricName, SlaEvent[][]>();
        for (const e of log) {
          const list = cycles.get(e.metric) ?? [[]];
          if (e.type === "activate" || e.type === "fulfill" || e.type === "cancel") list.push([]);
          list[list.length - 1]!.push(e);
          cycles.set(e.metric, list);
        }
        for (const e of log.filter((x) => x.type === "breach")) {
          const prefix = log.slice(0, log.indexOf(e) + 1);
          const clock = computeSlaClocks(prefix, policy, e.at)[e.metric];
          expect(clock.elapsedInMs).toBe(clock.targetInMs);
        }
        for (const list of cycles.values()) {
          for (const cyc of list) {
            const marks = cyc.filter((x) => x.type === "warn" || x.type === "breach");
            const pct = marks.map((x) => (x.type === "breach" ? 100 : x.percent!));
            expect(pct).toEqual([...pct].sort((a, b) => a - b));
            expect(new Set(pct).size).toBe(pct.length);
            const ats = marks.map((x) => Date.parse(x.at));
            expect(ats).toEqual([...ats].sort((a, b) => a - b));
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("clocks never run while paused, and no timer is armed for a paused clock", () => {
    fc.assert(
      fc.property(arbPolicy, arbStart, arbSteps, fc.integer({ min: 1, max: 5 * 24 * 60 }), (policy, start, steps, probe) => {
        const { log, pauses } = drive(policy, start, steps, start);
        for (const [from, to] of pauses) {
          const a = new Date(from).toISOString();
          const bMs = Math.min(to, from + probe * 60_000);
          const prefix = log.filter((e) => Date.parse(e.at) <= bMs);
          const b = new Date(bMs).toISOString();
          const before = computeSlaClocks(prefix, policy, a);
          const after = computeSlaClocks(prefix, policy, b);
          for (const m of ["first-response", "resolution"] as const) {
            if (before[m].state === "paused" || (before[m].state === "breached" && !before[m].dueAt)) expect(after[m].elapsedInMs).toBe(before[m].elapsedInMs);
          }
          if (to === Number.POSITIVE_INFINITY) {
            const timer = nextSlaTimer(log, policy, b);
            if (timer) expect(computeSlaClocks(log, policy, b)[timer.metric].state).not.toBe("paused");
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("one late timer logs the same warnings and breaches, at the same instants, as timers fired on time", () => {
    fc.assert(
      fc.property(arbPolicy, arbStart, fc.integer({ min: 1, max: 30 * 24 * 60 }), (policy, start, late) => {
        const horizon = start + late * 60_000;
        const stepped = drive(policy, start, [], horizon).log;
        const once = run(policy, [{ kind: "opened", at: new Date(start).toISOString() }, { kind: "timer", at: new Date(horizon).toISOString() }]);
        expect(brief(once).sort()).toEqual(brief(stepped).sort());
      }),
      { numRuns: 60 },
    );
  });

  it("is deterministic: the same log, policy and instant give the same events and clocks", () => {
    fc.assert(
      fc.property(arbPolicy, arbStart, arbSteps, (policy, start, steps) => {
        const a = drive(policy, start, steps, start + 10 * 24 * H);
        const b = drive(policy, start, steps, start + 10 * 24 * H);
        expect(b.log).toEqual(a.log);
        const now = new Date(start + 11 * 24 * H).toISOString();
        expect(computeSlaClocks(b.log, policy, now)).toEqual(computeSlaClocks(a.log, policy, now));
      }),
      { numRuns: 20 },
    );
  });
});
