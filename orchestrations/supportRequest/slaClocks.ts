/**
 * The generation's SLA clocks, kept as an event log (never as counters): trimming the stored log to
 * its current cycles, the policy in force and comparisons between policies, appending the events a
 * {@link CaseHappening} produces (with deterministic ids), the next threshold and the case's `sla`
 * summary. Pure functions over the {@link Run} they are given (rules from shared/domain/slaLog.ts).
 */
import { slaEventId, type AppliedSlaPolicy, type CaseContext, type SlaEvent, type SlaMetricName, type SlaState, type SupportRequestCarry } from "../../shared/contracts";
import { applySlaHappening, computeSlaClocks, nextSlaTimer, toCalendar, type CaseHappening } from "../../shared/domain";
import { ms, now, type LoggedSlaEvent, type Run } from "./run";

/**
 * The part of an SLA log that still determines the clocks: per metric, the events from the start of
 * its latest cycle on. Semantics of shared/domain/slaLog.ts: a cycle starts with an `activate` when
 * the metric has no open cycle, ends with `fulfill` or `cancel`, is re-opened by a `resume`; a new
 * cycle replaces the previous one entirely (elapsed time, warnings and breach are per cycle). Every
 * domain call replays the log it is given, and an orchestration replays its whole generation at
 * every episode, so a 90-day case with a daily next-update cycle would otherwise replay hundreds of
 * closed cycles hundreds of times per generation.
 * @param log - the SLA log, oldest first.
 * @returns the events of the latest cycle of each metric, in log order (the same clocks, timers and
 *   new events as `log` for every function of shared/domain/slaLog.ts).
 */
export function currentSlaCycles(log: readonly SlaEvent[]): SlaEvent[] {
  const cycles = new Map<SlaMetricName, { start: number; open: boolean }>();
  log.forEach((e, i) => {
    const c = cycles.get(e.metric);
    if (e.type === "activate" && !c?.open) cycles.set(e.metric, { start: i, open: true });
    else if (c && (e.type === "fulfill" || e.type === "cancel")) c.open = false;
    else if (c && e.type === "resume") c.open = true;
  });
  return log.filter((e, i) => {
    const c = cycles.get(e.metric);
    return c !== undefined && i >= c.start;
  });
}

/** The policy GetCaseContext applied, or the default from the severity's targets (24×7 or service hours). */
export function policyOf(c: CaseContext): AppliedSlaPolicy {
  if (c.slaPolicy) return c.slaPolicy;
  const t = c.partner.slaTarget;
  return {
    policyId: "default",
    name: "Default",
    calendar: t.clock === "calendar" ? { kind: "24x7" } : toCalendar(c.partner.serviceHours),
    targets: { firstResponse: t.firstResponse, resolution: t.resolution },
    pauseWhen: ["awaiting-customer"],
    warnAtPercent: [50, 75],
  };
}

/** How each metric is named in timeline entries and partner notifications. */
export const metricLabel: Readonly<Record<SlaMetricName, string>> = { "first-response": "first response", "next-update": "next update", resolution: "resolution" };

/** The target a policy sets for a metric (undefined: the policy does not time it). */
export function policyTarget(policy: AppliedSlaPolicy, metric: SlaMetricName): string | undefined {
  return metric === "first-response" ? policy.targets.firstResponse : metric === "next-update" ? policy.targets.nextUpdate : policy.targets.resolution;
}

/**
 * The terms a metric's clock ran under at an instant, as a warning or breach names them: the target
 * and the policy of the clock's latest activation at or before `at` in the run's log (a re-targeting
 * activates the clock again), not the policy in force when the alert is acted on. The two differ when
 * a reclassification was stored before a restarted execution acted on an earlier breach: the breach
 * is of the target it was measured against. The policy's name when it is the one in force, else its
 * id (the log keeps no names); the policy in force when the log has no activation before `at`.
 * @param at - ISO 8601 UTC instant of the alert.
 */
export function clockTermsAt(run: Run, metric: SlaMetricName, at: string): { target: string | undefined; policyId: string; policyName: string } {
  const atMs = ms(at);
  const activation = run.log.filter((e) => e.metric === metric && e.type === "activate" && ms(e.at) <= atMs).at(-1);
  if (!activation) return { target: policyTarget(run.policy, metric), policyId: run.policy.policyId, policyName: run.policy.name };
  const inForce = activation.policyId === run.policy.policyId;
  return { target: activation.target ?? (inForce ? policyTarget(run.policy, metric) : undefined), policyId: activation.policyId, policyName: inForce ? run.policy.name : activation.policyId };
}

/** Notification key base of the partner notice of an SLA warning (records.ts `notificationKey` numbers repeats: `…-2`). */
export function warnNoticeBase(metric: SlaMetricName, percent: number): string {
  return `sla-warn-${metric}-${percent}`;
}

/** Notification key base of the partner notice of an SLA breach (repeats numbered as {@link warnNoticeBase}'s). */
export function breachNoticeBase(metric: SlaMetricName): string {
  return `sla-breach-${metric}`;
}

/**
 * Raises the notification counters of the SLA alert notices ({@link warnNoticeBase},
 * {@link breachNoticeBase}: the keys handleSlaAlerts sends them under) to the number of warnings
 * and breaches of that kind in the stored SLA log (workflow revision 8, at a generation's start).
 * From revision 7 an alert is stored only once its notice went out, and a restart does not derive
 * a stored alert again: when its checkpoint predates such alerts, its counters lag behind the keys
 * already sent, and the next notice of the same kind (the next cycle's warning) would take a key
 * already sent and be dropped as a duplicate. An alert the restart derives again was not stored,
 * so it is not counted and takes the key the stopped execution gave it.
 * @param state - the generation's carry state (its `notificationCounts` raised in place).
 * @param storedLog - the whole stored SLA log, oldest first.
 */
export function countStoredAlertNotices(state: Pick<SupportRequestCarry, "notificationCounts">, storedLog: readonly SlaEvent[]): void {
  const stored = new Map<string, number>();
  for (const e of storedLog) {
    const base = e.type === "warn" && e.percent !== undefined ? warnNoticeBase(e.metric, e.percent) : e.type === "breach" ? breachNoticeBase(e.metric) : undefined;
    if (base !== undefined) stored.set(base, (stored.get(base) ?? 0) + 1);
  }
  for (const [base, n] of stored) if (n > (state.notificationCounts[base] ?? 0)) state.notificationCounts[base] = n;
}

/** `Name (id: first response PT4H, next update PT8H, resolution PT16H)`, for timeline entries. */
export function describePolicy(policy: AppliedSlaPolicy): string {
  const targets = (["first-response", "next-update", "resolution"] as const).flatMap((m) => {
    const t = policyTarget(policy, m);
    return t === undefined ? [] : [`${metricLabel[m]} ${t}`];
  });
  return `${policy.name} (${policy.policyId}: ${targets.join(", ")})`;
}

/** Whether two applied policies time a case alike: same id, targets, calendar, pauses and warnings. */
export function samePolicy(a: AppliedSlaPolicy, b: AppliedSlaPolicy): boolean {
  const key = (p: AppliedSlaPolicy): string =>
    JSON.stringify([p.policyId, policyTarget(p, "first-response"), policyTarget(p, "next-update"), policyTarget(p, "resolution"), p.calendar, [...p.pauseWhen].sort(), [...p.warnAtPercent].sort((x, y) => x - y)]);
  return key(a) === key(b);
}

/**
 * Whether an open clock of the log is timed by another policy or target than `policy` (its latest
 * `activate`), or is open though `policy` does not time it: the clocks must be re-targeted.
 * Cycle semantics of shared/domain/slaLog.ts (activate opens, fulfill/cancel close, resume re-opens).
 */
export function clocksOutOfStep(log: readonly SlaEvent[], policy: AppliedSlaPolicy): boolean {
  const clocks = new Map<SlaMetricName, { open: boolean; policyId?: string; target?: string }>();
  for (const e of log) {
    const c = clocks.get(e.metric) ?? { open: false };
    if (e.type === "activate") Object.assign(c, { open: true, policyId: e.policyId, target: e.target });
    else if (e.type === "fulfill" || e.type === "cancel") c.open = false;
    else if (e.type === "resume") c.open = true;
    clocks.set(e.metric, c);
  }
  for (const [metric, c] of clocks) {
    if (!c.open) continue;
    const target = policyTarget(policy, metric);
    if (target === undefined || c.policyId !== policy.policyId || (c.target !== undefined && c.target !== target)) return true;
  }
  return false;
}

/**
 * Appends the SLA events a happening produces to the generation's log (ids `GGGG-NNNN`: generation
 * and per-generation counter, zero-padded so they sort in creation order). Warnings and breaches
 * among them (any happening logs the thresholds passed before it) are queued for
 * `handleSlaAlerts` (slaHandling.ts).
 */
export function applySla(run: Run, happening: CaseHappening): void {
  for (const e of applySlaHappening(run.log, run.policy, happening)) {
    const logged = appendSlaEvent(run, e);
    if (e.type === "warn" || e.type === "breach") run.alerts.push(logged);
  }
}

/**
 * Appends one SLA event to the generation's log and to the events to record, with its id
 * `GGGG-NNNN` (generation and per-generation counter). Not queued as an alert.
 * @returns the event as it is to be recorded (with its id).
 */
export function appendSlaEvent(run: Run, e: SlaEvent): LoggedSlaEvent {
  run.slaEvents += 1;
  run.log.push(e);
  const logged = { ...e, eventId: slaEventId(run.state.generation, run.slaEvents) };
  run.unrecorded.push(logged);
  return logged;
}

/**
 * The events not yet recorded that may be recorded now. From revision 7 a warning or breach is
 * held back until it has been acted on (`handleSlaAlerts`), and every event after it with it:
 * once logged, a restart of a stopped execution does not derive it again from the log as stored
 * (nor one a later event makes moot, such as a breach before the fulfilment that follows it), so
 * what it was still to cause (the partner's notice, the customer's delay notice, the escalation)
 * would never happen. Held back, a restart derives it again and acts on it under the same entry
 * ids and notification keys.
 */
export function recordableSlaEvents(run: Run): LoggedSlaEvent[] {
  if (run.revision < 7 || run.alerts.length === 0) return run.unrecorded;
  const held = run.unrecorded.findIndex((e) => run.alerts.includes(e));
  return held < 0 ? run.unrecorded : run.unrecorded.slice(0, held);
}

/**
 * The next SLA warning or breach instant of the log (possibly already past), computed once per log
 * change: every call of the domain replays the whole log, and a generation replays all its episodes.
 */
export function nextSlaThreshold(run: Run): ReturnType<typeof nextSlaTimer> {
  if (run.nextSla?.logLength !== run.log.length) run.nextSla = { logLength: run.log.length, timer: nextSlaTimer(run.log, run.policy, run.caseContext.createdAt) };
  return run.nextSla.timer;
}

/** An SLA instant for an action: its acceptance time, kept within [last logged event, now] so the log stays ordered. */
export function slaInstant(run: Run, recordedAt: string): string {
  const last = run.log.at(-1)?.at;
  let t = Math.min(Number.isNaN(ms(recordedAt)) ? ms(now(run)) : ms(recordedAt), ms(now(run)));
  if (last !== undefined) t = Math.max(t, ms(last));
  return new Date(t).toISOString();
}

/**
 * The case's `sla` field (its first shape, kept for the partner API), derived from the log:
 * running deadlines, first response, resolution and breach instants.
 */
export function slaSummary(run: Run): SlaState {
  const clocks = computeSlaClocks(run.log, run.policy, now(run));
  const at = (metric: SlaMetricName, type: SlaEvent["type"]): string | undefined => [...run.log].reverse().find((e) => e.metric === metric && e.type === type)?.at;
  const sla: SlaState = {
    targets: { firstResponse: run.policy.targets.firstResponse, resolution: run.policy.targets.resolution, clock: run.policy.calendar.kind === "24x7" ? "calendar" : "business-hours" },
  };
  const fields: Array<[keyof SlaState, string | undefined]> = [
    ["firstResponseDueAt", clocks["first-response"].dueAt],
    ["firstResponseAt", at("first-response", "fulfill")],
    ["firstResponseBreachedAt", at("first-response", "breach")],
    ["resolutionDueAt", clocks.resolution.dueAt],
    ["resolvedAt", at("resolution", "fulfill")],
    ["resolutionBreachedAt", at("resolution", "breach")],
  ];
  for (const [key, value] of fields) if (value !== undefined) (sla as Record<string, unknown>)[key] = value;
  return sla;
}
