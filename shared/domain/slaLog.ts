/**
 * The SLA event log of a case and the clocks recomputed from it (help-desk practice "SLA semantics":
 * Zendesk metric events activate/pause/fulfill/breach in an append-only log, ServiceNow warnings at
 * 50/75 % and breach at 100 %, Zammad rebuilding pauses from history instead of running counters,
 * Freshdesk per-status "SLA timer off").
 *
 * Semantics, per metric (`first-response`, `next-update`, `resolution`):
 * - a *cycle* starts with `activate` (when the metric has no open cycle) and ends with `fulfill` or
 *   `cancel`; elapsed time is the working time on the policy's calendar of the cycle's running
 *   segments: from `activate`/`resume` to `pause`/`fulfill`/`cancel` (or to "now");
 * - `activate` on an *open* cycle re-targets it (policy change): elapsed time, pause state,
 *   warnings and breach are kept, the target becomes the event's `target`;
 * - `resume` on a fulfilled cycle re-opens it (a resolved request reopened): elapsed time continues;
 * - `warn` (with `percent`) and `breach` are logged once per cycle, at the instant the elapsed time
 *   reached `ceil(target × percent / 100)` (100 % for the breach); when a re-target makes a
 *   threshold already passed, the instant is the re-target's;
 * - next-update starts at the first partner response and restarts (fulfill + activate) at each
 *   partner response while the request is open.
 * All instants are ISO 8601 UTC; durations ms. Every function is pure and deterministic (no clock
 * is read: callers pass `at`/`nowIso`, e.g. `context.df.currentUtcDateTime`).
 *
 * Elapsed time is always measured on the calendar of the policy passed in (the log records policy
 * ids and targets, not calendars): after a policy change to another calendar, the time before the
 * change is re-measured on the new calendar.
 */
import type { AppliedSlaPolicy, SlaClockView, SlaEvent, SlaMetricName } from "../contracts/sla";
import { SlaMetrics } from "../contracts/sla";
import type { CaseStatus } from "../contracts/supportRequest";
import { addWorkingMs, workingMsBetween } from "./calendar";
import { durationToMs, formatInstant, parseInstant } from "./instant";

/** Something that happened to a case that may move its SLA clocks (input of {@link applySlaHappening}). */
export type CaseHappening =
  /** The request was received: activates first-response and resolution. */
  | { kind: "opened"; at: string }
  /** Status change: pause/resume per `policy.pauseWhen`; resolved → fulfill; closed → cancel. */
  | { kind: "status"; from: CaseStatus; to: CaseStatus; at: string }
  /** The partner answered or updated the customer: fulfills first-response, restarts next-update. */
  | { kind: "partner-response"; at: string }
  /** A durable timer fired: logs warnings and breaches reached at or before `at`. */
  | { kind: "timer"; at: string }
  /** Another policy applies from now on: open clocks are re-targeted, elapsed time kept. */
  | { kind: "policy-changed"; policy: AppliedSlaPolicy; at: string };

/** The next instant the orchestration must wake up for (see {@link nextSlaTimer}). */
export interface SlaTimer {
  /** ISO 8601 UTC instant (never before `nowIso`). */
  at: string;
  metric: SlaMetricName;
  kind: "warn" | "breach";
  /** Threshold in percent of the target (100 for a breach). */
  percent: number;
}

/** One metric's cycle, rebuilt from the log. */
interface Cycle {
  /** Epoch ms the cycle started. */
  startedAt: number;
  /** Epoch ms of the latest activate (start or re-target). */
  targetedAt: number;
  targetMs: number;
  closed?: "fulfilled" | "cancelled";
  /** Start of the running segment (undefined while paused or closed). */
  runningSince?: number;
  /** Closed segments: `[start, end, working ms]`. */
  segments: Array<[number, number, number]>;
  warned: Set<number>;
  breached: boolean;
}

type Clocks = Record<SlaMetricName, Cycle | undefined>;

const METRIC_ORDER: Record<SlaMetricName, number> = { "first-response": 0, "next-update": 1, resolution: 2 };

/** The policy's target of a metric as ISO 8601 duration (undefined: the metric is not timed). */
function policyTarget(policy: AppliedSlaPolicy, metric: SlaMetricName): string | undefined {
  if (metric === "first-response") return policy.targets.firstResponse;
  if (metric === "resolution") return policy.targets.resolution;
  return policy.targets.nextUpdate;
}

/** Warning thresholds of a policy: integers 1–99, unique, ascending. */
export function warningThresholds(policy: Pick<AppliedSlaPolicy, "warnAtPercent">): number[] {
  const set = new Set((policy.warnAtPercent ?? []).filter((p) => Number.isInteger(p) && p >= 1 && p <= 99));
  return [...set].sort((a, b) => a - b);
}

function thresholdMs(targetMs: number, percent: number): number {
  return Math.ceil((targetMs * percent) / 100);
}

/** Applies one logged event to the clocks (mutates `clocks`). */
function reduce(clocks: Clocks, ev: SlaEvent, policy: AppliedSlaPolicy): void {
  const at = parseInstant(ev.at, "SLA event at");
  const cycle = clocks[ev.metric];
  const open = cycle !== undefined && cycle.closed === undefined;
  const stopSegment = (c: Cycle): void => {
    if (c.runningSince === undefined) return;
    const end = Math.max(at, c.runningSince);
    c.segments.push([c.runningSince, end, workingMsBetween(c.runningSince, end, policy.calendar)]);
    c.runningSince = undefined;
  };
  switch (ev.type) {
    case "activate": {
      const targetIso = ev.target ?? policyTarget(policy, ev.metric) ?? "PT0S";
      const targetMs = durationToMs(targetIso);
      if (open) {
        cycle.targetMs = targetMs;
        cycle.targetedAt = at;
      } else {
        clocks[ev.metric] = { startedAt: at, targetedAt: at, targetMs, runningSince: at, segments: [], warned: new Set(), breached: false };
      }
      return;
    }
    case "pause":
      if (open) stopSegment(cycle);
      return;
    case "resume":
      if (cycle && cycle.runningSince === undefined) {
        cycle.closed = undefined;
        cycle.runningSince = at;
      }
      return;
    case "fulfill":
    case "cancel":
      if (open) {
        stopSegment(cycle);
        cycle.closed = ev.type === "fulfill" ? "fulfilled" : "cancelled";
      }
      return;
    case "warn":
      if (cycle && ev.percent !== undefined) cycle.warned.add(ev.percent);
      return;
    case "breach":
      if (cycle) cycle.breached = true;
      return;
  }
}

function replay(log: readonly SlaEvent[], policy: AppliedSlaPolicy): Clocks {
  if (!Array.isArray(log)) throw new TypeError("the SLA log must be an array of events");
  const clocks: Clocks = { "first-response": undefined, "next-update": undefined, resolution: undefined };
  for (const ev of log) reduce(clocks, ev, policy);
  return clocks;
}

function elapsedAt(c: Cycle, nowMs: number, policy: AppliedSlaPolicy): number {
  let total = 0;
  for (const [, , ms] of c.segments) total += ms;
  if (c.runningSince !== undefined && nowMs > c.runningSince) total += workingMsBetween(c.runningSince, nowMs, policy.calendar);
  return total;
}

/**
 * Epoch ms at which a cycle's elapsed time reaches `amountMs` (never before its latest re-target),
 * or undefined when it has not and the clock is not running.
 */
function instantOfElapsed(c: Cycle, amountMs: number, policy: AppliedSlaPolicy): number | undefined {
  let cum = 0;
  let found: number | undefined;
  for (const [start, , ms] of c.segments) {
    if (cum + ms >= amountMs) {
      found = addWorkingMs(start, Math.max(0, amountMs - cum), policy.calendar);
      break;
    }
    cum += ms;
  }
  if (found === undefined && c.runningSince !== undefined) found = addWorkingMs(c.runningSince, Math.max(0, amountMs - cum), policy.calendar);
  return found === undefined ? undefined : Math.max(found, c.targetedAt);
}

/** Pending thresholds of a cycle, in order: warnings not yet logged, then the breach. */
function pendingThresholds(c: Cycle, policy: AppliedSlaPolicy): Array<{ kind: "warn" | "breach"; percent: number }> {
  if (c.closed !== undefined || c.breached) return [];
  const out: Array<{ kind: "warn" | "breach"; percent: number }> = warningThresholds(policy)
    .filter((p) => !c.warned.has(p))
    .map((percent) => ({ kind: "warn" as const, percent }));
  out.push({ kind: "breach", percent: 100 });
  return out;
}

/** Warn/breach events reached before (or, inclusive, at) `atMs`, in chronological order. */
function dueThresholdEvents(clocks: Clocks, policy: AppliedSlaPolicy, atMs: number, options: { inclusive: boolean }): SlaEvent[] {
  const due: Array<{ ms: number; ev: SlaEvent }> = [];
  for (const metric of SlaMetrics) {
    const c = clocks[metric];
    if (!c) continue;
    for (const t of pendingThresholds(c, policy)) {
      const ms = instantOfElapsed(c, thresholdMs(c.targetMs, t.percent), policy);
      if (ms === undefined || (options.inclusive ? ms > atMs : ms >= atMs)) break; // later thresholds come later still
      const ev: SlaEvent =
        t.kind === "warn"
          ? { metric, type: "warn", at: formatInstant(ms), percent: t.percent, policyId: policy.policyId, reason: `${t.percent} % of the ${metric} target elapsed` }
          : { metric, type: "breach", at: formatInstant(ms), policyId: policy.policyId, reason: `${metric} target reached without being met` };
      due.push({ ms, ev });
    }
  }
  due.sort((a, b) => a.ms - b.ms || METRIC_ORDER[a.ev.metric] - METRIC_ORDER[b.ev.metric] || (a.ev.percent ?? 100) - (b.ev.percent ?? 100));
  return due.map((d) => d.ev);
}

/**
 * The SLA events a happening adds to a case's log (pure, deterministic; the log is not modified).
 *
 * First, warnings and breaches reached before `at` (at or before, for a `timer`) that are not yet
 * logged are emitted, each at the instant its threshold was reached — so a response exactly at the
 * deadline is in time. Then the happening's own effect, all at `at`:
 * - `opened`: activate first-response and resolution (once; targets from the policy);
 * - `status` to `closed`: cancel every open clock; to `resolved`: fulfill first-response and
 *   resolution, cancel next-update; to a status in `policy.pauseWhen`: pause running clocks; to any
 *   other status: resume paused clocks (and re-open a fulfilled resolution: the request was reopened);
 * - `partner-response`: fulfill first-response (the first time); when the policy has a next-update
 *   target and the request is not resolved: fulfill the running next-update cycle and activate a
 *   new one (paused at once if the request is currently paused);
 * - `timer`: nothing more;
 * - `policy-changed`: activate every open clock again with the new policy's target (re-target,
 *   elapsed time kept; events carry the new policy id); next-update is cancelled when the new
 *   policy has no next-update target.
 * @param log - the case's SLA events as stored, oldest first.
 * @param policy - the policy in force before the happening.
 * @param happening - what happened, with its ISO 8601 instant.
 * @returns the new events to append, oldest first (possibly none).
 * @throws RangeError for invalid instants or durations, or a calendar without service time.
 */
export function applySlaHappening(log: SlaEvent[], policy: AppliedSlaPolicy, happening: CaseHappening): SlaEvent[] {
  const atMs = parseInstant(happening.at, "happening at");
  const at = formatInstant(atMs);
  const clocks = replay(log, policy);
  const out: SlaEvent[] = [];
  const emit = (ev: SlaEvent, p: AppliedSlaPolicy = policy): void => {
    out.push(ev);
    reduce(clocks, ev, p);
  };
  for (const ev of dueThresholdEvents(clocks, policy, atMs, { inclusive: happening.kind === "timer" })) emit(ev);

  const isOpen = (m: SlaMetricName): boolean => clocks[m] !== undefined && clocks[m]?.closed === undefined;
  const isRunning = (m: SlaMetricName): boolean => isOpen(m) && clocks[m]?.runningSince !== undefined;
  const base = { at, policyId: policy.policyId };

  switch (happening.kind) {
    case "opened":
      for (const metric of ["first-response", "resolution"] as const) {
        const target = policyTarget(policy, metric);
        if (clocks[metric] === undefined && target) emit({ ...base, metric, type: "activate", target, reason: "request received" });
      }
      break;
    case "status": {
      const to = happening.to;
      if (to === "closed") {
        for (const metric of SlaMetrics) if (isOpen(metric)) emit({ ...base, metric, type: "cancel", reason: "request closed" });
      } else if (to === "resolved") {
        if (isOpen("first-response")) emit({ ...base, metric: "first-response", type: "fulfill", reason: "request resolved (counts as the first response)" });
        if (isOpen("resolution")) emit({ ...base, metric: "resolution", type: "fulfill", reason: "request resolved" });
        if (isOpen("next-update")) emit({ ...base, metric: "next-update", type: "cancel", reason: "request resolved" });
      } else {
        const pausing = policy.pauseWhen.includes(to);
        const reopen = clocks.resolution?.closed === "fulfilled";
        if (reopen) emit({ ...base, metric: "resolution", type: "resume", reason: `request reopened (status ${to})` });
        for (const metric of SlaMetrics) {
          if (!isOpen(metric)) continue;
          if (pausing && isRunning(metric)) emit({ ...base, metric, type: "pause", reason: `status ${to}` });
          else if (!pausing && !isRunning(metric)) emit({ ...base, metric, type: "resume", reason: `status ${to}` });
        }
      }
      break;
    }
    case "partner-response": {
      if (isOpen("first-response")) emit({ ...base, metric: "first-response", type: "fulfill", reason: "first partner response" });
      const target = policy.targets.nextUpdate;
      const resolution = clocks.resolution;
      const requestOpen = resolution === undefined || resolution.closed === undefined;
      if (target && requestOpen) {
        if (isOpen("next-update")) emit({ ...base, metric: "next-update", type: "fulfill", reason: "partner update" });
        emit({ ...base, metric: "next-update", type: "activate", target, reason: "partner response: next update due" });
        if (resolution !== undefined && resolution.runningSince === undefined) {
          emit({ ...base, metric: "next-update", type: "pause", reason: "request is paused" });
        }
      }
      break;
    }
    case "timer":
      break;
    case "policy-changed": {
      const next = happening.policy;
      const nextBase = { at, policyId: next.policyId };
      for (const metric of SlaMetrics) {
        if (!isOpen(metric)) continue;
        const target = policyTarget(next, metric);
        if (target) emit({ ...nextBase, metric, type: "activate", target, reason: `policy changed from ${policy.policyId} to ${next.policyId}` }, next);
        else emit({ ...nextBase, metric, type: "cancel", reason: `policy ${next.policyId} does not time ${metric}` }, next);
      }
      break;
    }
  }
  return out;
}

/**
 * The SLA clocks of a case, recomputed from its log (never kept as running counters — Zammad).
 *
 * Per metric: `state` is `inactive` (never activated, or cancelled without a breach), `running`,
 * `paused`, `fulfilled`, or `breached` (a breach was logged in the current cycle or the elapsed
 * time exceeds the target, while open or cancelled); `elapsedInMs` is working time on the
 * policy's calendar up to `nowIso`; `targetInMs` comes from the latest `activate` (the policy's
 * target for a metric never activated, 0 when the policy does not time it); `remainingInMs` =
 * target − elapsed; `dueAt` (running clocks only) is when the elapsed time reaches the target;
 * `warned` lists the warning percents logged in the current cycle.
 * @param log - the case's SLA events, oldest first.
 * @param policy - the policy in force (its calendar measures elapsed time).
 * @param nowIso - ISO 8601 instant to compute the clocks at.
 * @returns one view per metric.
 * @throws RangeError for invalid instants or durations, or a calendar without service time.
 */
export function computeSlaClocks(log: SlaEvent[], policy: AppliedSlaPolicy, nowIso: string): Record<SlaMetricName, SlaClockView> {
  const nowMs = parseInstant(nowIso, "now");
  const clocks = replay(log, policy);
  const views = {} as Record<SlaMetricName, SlaClockView>;
  for (const metric of SlaMetrics) {
    const c = clocks[metric];
    if (!c) {
      const target = policyTarget(policy, metric);
      const targetInMs = target ? durationToMs(target) : 0;
      views[metric] = { metric, state: "inactive", elapsedInMs: 0, targetInMs, remainingInMs: targetInMs, warned: [] };
      continue;
    }
    const elapsedInMs = elapsedAt(c, nowMs, policy);
    const breached = c.breached || elapsedInMs > c.targetMs;
    let state: SlaClockView["state"];
    if (c.closed === "fulfilled") state = "fulfilled";
    else if (breached) state = "breached";
    else if (c.closed === "cancelled") state = "inactive";
    else state = c.runningSince !== undefined ? "running" : "paused";
    const view: SlaClockView = {
      metric,
      state,
      elapsedInMs,
      targetInMs: c.targetMs,
      remainingInMs: c.targetMs - elapsedInMs,
      warned: [...c.warned].sort((a, b) => a - b),
    };
    if (c.closed === undefined && c.runningSince !== undefined) {
      const due = instantOfElapsed(c, c.targetMs, policy);
      if (due !== undefined) view.dueAt = formatInstant(due);
    }
    views[metric] = view;
  }
  return views;
}

/**
 * Whether a metric's clock is open at the end of the log: activated, and neither fulfilled nor
 * cancelled since (running or paused, breached or not).
 * @param log - the case's SLA events, oldest first.
 * @param policy - the policy in force.
 * @param metric - the clock.
 * @throws RangeError for invalid instants or durations in the log.
 */
export function isSlaClockOpen(log: SlaEvent[], policy: AppliedSlaPolicy, metric: SlaMetricName): boolean {
  const c = replay(log, policy)[metric];
  return c !== undefined && c.closed === undefined;
}

/**
 * The next warning or breach the orchestration must wake up for: the earliest threshold instant
 * (computed in working time on the policy's calendar) not yet logged, over all open clocks. Paused
 * clocks have none (their thresholds move when they resume: re-arm on pause, resume and policy
 * change). An instant already past (e.g. after a re-target below the elapsed time) is returned as
 * `nowIso`, so the timer fires at once and the `timer` happening logs it.
 * @param log - the case's SLA events, oldest first.
 * @param policy - the policy in force.
 * @param nowIso - ISO 8601 instant (orchestration time).
 * @returns the instant, metric, kind and percent, or undefined when nothing is left to time.
 * @throws RangeError for invalid instants or durations, or when a threshold lies more than about
 *   three years of calendar days ahead (a calendar with too little service time).
 */
export function nextSlaTimer(log: SlaEvent[], policy: AppliedSlaPolicy, nowIso: string): SlaTimer | undefined {
  const nowMs = parseInstant(nowIso, "now");
  const clocks = replay(log, policy);
  let best: { ms: number; metric: SlaMetricName; kind: "warn" | "breach"; percent: number } | undefined;
  for (const metric of SlaMetrics) {
    const c = clocks[metric];
    if (!c) continue;
    const next = pendingThresholds(c, policy)[0];
    if (!next) continue;
    const ms = instantOfElapsed(c, thresholdMs(c.targetMs, next.percent), policy);
    if (ms === undefined) continue;
    if (!best || ms < best.ms) best = { ms, metric, kind: next.kind, percent: next.percent };
  }
  if (!best) return undefined;
  return { at: formatInstant(Math.max(best.ms, nowMs)), metric: best.metric, kind: best.kind, percent: best.percent };
}

/**
 * Expands a log's warn/breach events into a short human summary line (for timelines and emails).
 * @param ev - one SLA event.
 * @returns e.g. "resolution: warning at 75 %" or "first-response: breached".
 */
export function describeSlaEvent(ev: SlaEvent): string {
  switch (ev.type) {
    case "warn":
      return `${ev.metric}: warning at ${ev.percent ?? "?"} %`;
    case "breach":
      return `${ev.metric}: breached`;
    default:
      return `${ev.metric}: ${ev.type}${ev.reason ? ` (${ev.reason})` : ""}`;
  }
}
