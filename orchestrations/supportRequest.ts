/**
 * The support-request orchestration: one instance per case (instance id = case id). It only
 * decides; every side effect is an activity (architecture.md). Deterministic: time comes only from
 * `context.df.currentUtcDateTime`, ids from counters, rules from shared/domain.
 *
 * Inputs from outside arrive through the durable case-action inbox (shared/contracts/caseActions.ts):
 * the partner API appends an action, then raises {@link EventNames.actionsAvailable} without a
 * payload. A signal only wakes the orchestration up; after every wake it drains the inbox with
 * TakeCaseActions (after its cursor) and processes the actions in `seq` order. So a signal the
 * library hands to a stale wait (durable-functions 3.5 completes the newest open wait of a name,
 * even one that lost an earlier race) or one that continueAsNew discards loses nothing: a stale wait
 * that completed is seen and causes one more drain, and every generation starts with a drain.
 *
 * One generation: GetCaseContext (policy, SLA log from storage, escalation chain, provider) → on the
 * first generation: `opened` (clocks activated), received → in-diagnosis, acknowledgement email →
 * loop { drain the inbox; catch up with SLA warnings and breaches, escalation-chain levels, the
 * deferred Microsoft escalation and the auto-close; record new SLA events; continueAsNew once the
 * generation has scheduled more than {@link HISTORY_TASK_BUDGET} tasks; arm ONE durable timer at
 * the earliest of those instants and race it with the signal }.
 *
 * SLA clocks are never kept as counters: every change is a {@link CaseHappening} turned into new
 * SLA events by `applySlaHappening` (shared/domain), appended to the log held for this generation and
 * recorded by RecordSlaEvents; the next timer comes from `nextSlaTimer` over that log (issue 3
 * "clocks are recomputed from it"; references.md "SLA semantics").
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task, TimerTask } from "durable-functions";
import {
  ActivityNames,
  CaseActionSchema,
  EventNames,
  Products,
  type Actor,
  type AppliedSlaPolicy,
  type CaseAction,
  type CaseActionRecord,
  type CaseContext,
  type CaseStatus,
  type ConsumeProductSupportIncidentInput,
  type ConsumeProductSupportIncidentResult,
  type EscalationRecord,
  type FileMicrosoftServiceRequestInput,
  type FileMicrosoftServiceRequestResult,
  type NotifyPartnerInput,
  type RecordSlaEventsInput,
  type RecordTransitionInput,
  type SendStatusEmailInput,
  type SlaEvent,
  type SlaMetricName,
  type SlaState,
  type SupportRequestCarry,
  type SupportRequestCustomStatus,
  type SupportRequestOrchestrationInput,
  type SupportRequestOrchestrationOutput,
  type TakeCaseActionsInput,
} from "../shared/contracts";
import {
  addCalendarDuration,
  applySlaHappening,
  canTransition,
  computeSlaClocks,
  decideEscalation,
  nextSlaTimer,
  planEscalationChain,
  toCalendar,
  type CaseHappening,
} from "../shared/domain";

/**
 * Retry policy of every activity: first retry after 5 s, backoff ×2, at most 5 attempts, no wait
 * longer than 1 min (retries are run by the Durable extension, not by this code).
 */
export const activityRetryOptions: df.RetryOptions = (() => {
  const options = new df.RetryOptions(5_000, 5);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = 60_000;
  return options;
})();

/**
 * Tasks (activities and timers) one generation may schedule before it hands over to the next with
 * continueAsNew. Checked after every processed action and after every wake, so a generation ends
 * with at most this many tasks plus those of one action or one timer wake. Measured: a request open
 * 90 days with a daily partner update and customer reply (and the SLA warnings, breaches and
 * escalation chain they cause) never exceeds 143 history events per generation (the history-driven
 * unit test; asserted ≤ 200, also on the real engine in test/integration/durable/supportRequestHistory.test.ts).
 */
export const HISTORY_TASK_BUDGET = 30;

/** Actions read per TakeCaseActions call (the activity's default); a full page means more may wait. */
export const TAKE_ACTIONS_PAGE = 50;

/** Partner Center locale of the service requests the orchestration files (`servicerequests/{locale}`). */
export const SERVICE_REQUEST_LOCALE = "en-US";

/** The generator type every phase helper has (yields durable Tasks). */
type Orchestration<T> = Generator<Task, T, unknown>;

/** SLA event as recorded, with its deterministic id. */
type LoggedSlaEvent = SlaEvent & { eventId: string };

/** Who acts on an escalation: the owning partner, or (for a reseller's case) its indirect provider. */
type EscalatingParty = "partner" | "indirect-provider";

/**
 * The `CaseActionsAvailable` waits this generation has yielded and not yet seen complete. A wait
 * that lost a race stays open, and the library may complete it with a later signal; such a signal
 * still means "look at the inbox again" (its action was appended before it was raised).
 */
class Signals {
  private open: Task[] = [];

  constructor(private readonly context: OrchestrationContext) {}

  /** A fresh wait for the signal (tracked until it is seen complete). */
  fresh(): Task {
    const wait = this.context.df.waitForExternalEvent(EventNames.actionsAvailable);
    this.open.push(wait);
    return wait;
  }

  /** Whether a signal arrived that no drain has covered yet (call {@link consume} when draining). */
  get pending(): boolean {
    return this.open.some((w) => w.isCompleted);
  }

  /** Marks every signal received so far as covered: a drain that starts now reads their actions. */
  consume(): void {
    this.open = this.open.filter((w) => !w.isCompleted);
  }
}

/** Everything the phase helpers share for one generation (rebuilt identically on every replay). */
interface Run {
  context: OrchestrationContext;
  input: SupportRequestOrchestrationInput;
  caseContext: CaseContext;
  policy: AppliedSlaPolicy;
  /** SLA log as stored at the generation start (its current cycles, {@link currentSlaCycles}) plus the events appended since, oldest first. */
  log: SlaEvent[];
  /** Events appended to `log` and not yet recorded. */
  unrecorded: LoggedSlaEvent[];
  /** Warnings and breaches appended to `log` and not yet acted on (see {@link handleSlaAlerts}). */
  alerts: SlaEvent[];
  /** Carry state (mutated; handed to the next generation). */
  state: SupportRequestCarry;
  signals: Signals;
  /** Tasks scheduled by this generation. */
  tasks: number;
  /** SLA events created by this generation (their ids). */
  slaEvents: number;
  /** The due wake instant the last wait skipped (see {@link waitForWake}). */
  skippedWakeAt?: string;
  /** {@link nextSlaTimer} for the log as it was at `logLength` events (see {@link nextSlaThreshold}). */
  nextSla?: { logLength: number; timer: ReturnType<typeof nextSlaTimer> };
}

function now(run: Run): string {
  return run.context.df.currentUtcDateTime.toISOString();
}

function ms(iso: string): number {
  return Date.parse(iso);
}

function* callActivity<T>(run: Run, name: string, input: unknown): Orchestration<T> {
  run.tasks += 1;
  return (yield run.context.df.callActivityWithRetry(name, activityRetryOptions, input)) as T;
}

// ---------------------------------------------------------------------------------------------
// Records: timeline, emails, partner notifications, SLA events
// ---------------------------------------------------------------------------------------------

/** Deterministic timeline entry id: `t01-in-diagnosis`, `t02-sla-breached`, … (continues across generations). */
function nextEntryId(run: Run, slug: string): string {
  run.state.entryCount += 1;
  return `t${String(run.state.entryCount).padStart(2, "0")}-${slug}`;
}

/** Notification key unique per case: `received`, `awaiting-customer`, `awaiting-customer-2`, … */
function notificationKey(run: Run, base: string): string {
  const n = (run.state.notificationCounts[base] ?? 0) + 1;
  run.state.notificationCounts[base] = n;
  return n === 1 ? base : `${base}-${n}`;
}

/** Records a timeline entry (and optionally a status change) through RecordCaseTransition. */
function* record(run: Run, entry: Pick<RecordTransitionInput, "kind" | "summary" | "toStatus" | "details" | "patch">): Orchestration<void> {
  const input: RecordTransitionInput = {
    caseId: run.input.caseId,
    partnerId: run.input.partnerId,
    entryId: nextEntryId(run, entry.toStatus ?? entry.kind),
    at: now(run),
    ...entry,
  };
  // The SLA summary rides along where the clocks visibly change (status changes, breaches), not on
  // every note: recomputing it replays the whole SLA log.
  if (entry.toStatus !== undefined || entry.kind === "sla-breached") input.patch = { sla: slaSummary(run), ...entry.patch };
  yield* callActivity<unknown>(run, ActivityNames.recordTransition, input);
  if (entry.toStatus) run.state.status = entry.toStatus;
}

function* emailCustomer(run: Run, status: CaseStatus, message?: string, keyBase: string = status): Orchestration<void> {
  const input: SendStatusEmailInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, notificationKey: notificationKey(run, keyBase), status };
  if (message !== undefined) input.message = message;
  yield* callActivity<unknown>(run, ActivityNames.sendStatusEmail, input);
}

/** Emails a partner: the owner by default, `recipientPartnerId` (the indirect provider), or explicit `to` addresses. */
function* notifyPartner(run: Run, keyBase: string, subject: string, text: string, options: { recipientPartnerId?: string; to?: string[] } = {}): Orchestration<void> {
  const input: NotifyPartnerInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, notificationKey: notificationKey(run, keyBase), subject, text };
  if (options.recipientPartnerId !== undefined && options.recipientPartnerId !== run.input.partnerId) input.recipientPartnerId = options.recipientPartnerId;
  if (options.to !== undefined) input.to = options.to;
  yield* callActivity<unknown>(run, ActivityNames.notifyPartner, input);
}

/** Moves the case to `to` (if the lifecycle allows it): SLA happening first, then the timeline entry. */
function* changeStatus(run: Run, to: CaseStatus, entry: Pick<RecordTransitionInput, "kind" | "summary" | "details" | "patch">, slaAt = now(run)): Orchestration<boolean> {
  const from = run.state.status;
  if (!canTransition(from, to)) return false;
  applySla(run, { kind: "status", from, to, at: slaAt });
  yield* record(run, { ...entry, toStatus: to });
  return true;
}

/**
 * Appends the SLA events a happening produces to the generation's log (ids `GGGG-NNNN`: generation
 * and per-generation counter, zero-padded so they sort in creation order). Warnings and breaches
 * among them (any happening logs the thresholds passed before it) are queued for
 * {@link handleSlaAlerts}.
 */
function applySla(run: Run, happening: CaseHappening): void {
  for (const e of applySlaHappening(run.log, run.policy, happening)) {
    run.slaEvents += 1;
    run.log.push(e);
    run.unrecorded.push({ ...e, eventId: `${String(run.state.generation).padStart(4, "0")}-${String(run.slaEvents).padStart(4, "0")}` });
    if (e.type === "warn" || e.type === "breach") run.alerts.push(e);
  }
}

/**
 * The next SLA warning or breach instant of the log (possibly already past), computed once per log
 * change: every call of the domain replays the whole log, and a generation replays all its episodes.
 */
function nextSlaThreshold(run: Run): ReturnType<typeof nextSlaTimer> {
  if (run.nextSla?.logLength !== run.log.length) run.nextSla = { logLength: run.log.length, timer: nextSlaTimer(run.log, run.policy, run.caseContext.createdAt) };
  return run.nextSla.timer;
}

/** Records the SLA events not yet stored (one RecordSlaEvents call), if any. */
function* recordSlaEvents(run: Run): Orchestration<void> {
  if (run.unrecorded.length === 0) return;
  const input: RecordSlaEventsInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, events: run.unrecorded };
  run.unrecorded = [];
  yield* callActivity<unknown>(run, ActivityNames.recordSlaEvents, input);
}

/** An SLA instant for an action: its acceptance time, kept within [last logged event, now] so the log stays ordered. */
function slaInstant(run: Run, recordedAt: string): string {
  const last = run.log.at(-1)?.at;
  let t = Math.min(Number.isNaN(ms(recordedAt)) ? ms(now(run)) : ms(recordedAt), ms(now(run)));
  if (last !== undefined) t = Math.max(t, ms(last));
  return new Date(t).toISOString();
}

/**
 * The case's `sla` field (the issue-2 shape, kept for the partner API), derived from the log:
 * running deadlines, first response, resolution and breach instants.
 */
function slaSummary(run: Run): SlaState {
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

// ---------------------------------------------------------------------------------------------
// SLA warnings and breaches, escalation chain, deferred Microsoft escalation, auto-close
// ---------------------------------------------------------------------------------------------

const metricLabel: Record<SlaMetricName, string> = { "first-response": "first response", "next-update": "next update", resolution: "resolution" };

/**
 * Acts on the queued warnings and breaches: each warning notifies the partner's contacts (once per
 * metric, percent and cycle); each breach is recorded on the timeline and notified, and a breach of
 * first response or resolution of an open case tells the customer of the delay (once per case and
 * metric, {@link emailSlaDelay}), starts the escalation chain and escalates the case if not escalated yet.
 */
function* handleSlaAlerts(run: Run): Orchestration<void> {
  const c = run.caseContext;
  for (let e = run.alerts.shift(); e; e = run.alerts.shift()) {
    const target = run.policy.targets[e.metric === "first-response" ? "firstResponse" : e.metric === "next-update" ? "nextUpdate" : "resolution"];
    if (e.type === "warn") {
      yield* notifyPartner(
        run,
        `sla-warn-${e.metric}-${e.percent ?? 0}`,
        `SLA warning: ${e.percent ?? 0} % of the ${metricLabel[e.metric]} target used on case ${c.caseId}`,
        `Case ${c.caseId} (severity ${c.severity}, policy ${run.policy.name}) has used ${e.percent ?? 0} % of its ${metricLabel[e.metric]} target (${target ?? "?"}) at ${e.at}.`,
      );
    } else if (e.type === "breach") {
      yield* record(run, { kind: "sla-breached", summary: `The ${metricLabel[e.metric]} SLA target (${target ?? "?"}, policy ${run.policy.name}) was breached at ${e.at}.`, details: { metric: e.metric, breachedAt: e.at, policyId: run.policy.policyId } });
      yield* notifyPartner(
        run,
        `sla-breach-${e.metric}`,
        `SLA breach (${metricLabel[e.metric]}) on case ${c.caseId}`,
        `The ${metricLabel[e.metric]} target (${target ?? "?"}) of case ${c.caseId} (severity ${c.severity}) was breached at ${e.at}.` +
          (e.metric === "next-update" ? " Please update the customer." : " The case is escalated where the rules allow."),
      );
      if (e.metric !== "next-update" && isOpen(run)) {
        yield* emailSlaDelay(run, e);
        startChain(run);
        if (!run.state.escalation) yield* escalate(run, e.metric === "first-response" ? "first-response-breach" : "resolution-breach", "partner");
      }
    }
  }
}

/**
 * Issue 3 "SLA-related where the customer should know": a breach of first response or resolution
 * sends the customer ONE `sla-delay` notice per case and metric (notification key
 * `sla-delay-first-response` / `sla-delay-resolution`, `dueAt` the missed deadline: the breach
 * instant). Warnings and next-update breaches are the partner's business only. A later breach of
 * the same metric (a new resolution cycle after a reopening) sends nothing more.
 */
function* emailSlaDelay(run: Run, breach: SlaEvent): Orchestration<void> {
  const key = `sla-delay-${breach.metric}`;
  if (run.state.notificationCounts[key] !== undefined) return;
  const input: SendStatusEmailInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, notificationKey: notificationKey(run, key), status: run.state.status, kind: "sla-delay", dueAt: breach.at };
  yield* callActivity<unknown>(run, ActivityNames.sendStatusEmail, input);
}

function isOpen(run: Run): boolean {
  return run.state.status !== "resolved" && run.state.status !== "closed";
}

function isClosed(run: Run): boolean {
  return run.state.status === "closed";
}

/** Starts the partner's escalation chain (once per case), if it has one. */
function startChain(run: Run): void {
  if (run.caseContext.partner.escalationChain && !run.state.chain) run.state.chain = { triggeredAt: now(run), notifiedLevels: 0 };
}

/** The chain's plan (levels with their instants, and when Microsoft is engaged "after-chain"), if the chain runs. */
function chainPlan(run: Run): ReturnType<typeof planEscalationChain> | undefined {
  const chain = run.caseContext.partner.escalationChain;
  return chain && run.state.chain ? planEscalationChain(chain, run.state.chain.triggeredAt) : undefined;
}

/**
 * Everything due at or before `at`: SLA warnings and breaches (logged at their own instants),
 * escalation-chain levels, and the Microsoft escalation deferred until after the chain.
 */
function* catchUp(run: Run, at: string): Orchestration<void> {
  if (!isOpen(run)) return;
  const threshold = nextSlaThreshold(run);
  if (threshold && ms(threshold.at) <= ms(at)) applySla(run, { kind: "timer", at });
  yield* handleSlaAlerts(run);
  const plan = chainPlan(run);
  const progress = run.state.chain;
  if (!plan || !progress) return;
  for (let level = plan.levels[progress.notifiedLevels]; level && ms(level.at) <= ms(at) && isOpen(run); level = plan.levels[progress.notifiedLevels]) {
    progress.notifiedLevels += 1;
    const c = run.caseContext;
    yield* notifyPartner(
      run,
      `escalation-level-${level.level}`,
      `Escalation level ${level.level} (${level.name}): case ${c.caseId}`,
      `Case ${c.caseId} (severity ${c.severity}, status ${run.state.status}) is escalated to you as ${level.name} (level ${level.level} of the partner's escalation chain, triggered at ${run.state.chain?.triggeredAt ?? "?"}).`,
      { to: level.contacts },
    );
  }
  const pending = run.state.pendingMicrosoft;
  if (pending && isOpen(run) && ms(plan.microsoftAt) <= ms(at)) {
    delete run.state.pendingMicrosoft;
    yield* engageMicrosoft(run, pending, "partner", `The escalation chain ended at ${plan.microsoftAt}; Microsoft is engaged now.`);
  }
}

/** Closes a resolved case once its auto-close instant has passed. */
function* closeIfDue(run: Run): Orchestration<void> {
  const dueAt = run.state.autoCloseAt;
  if (run.state.status !== "resolved" || dueAt === undefined || ms(dueAt) > ms(now(run))) return;
  yield* changeStatus(run, "closed", { kind: "status-changed", summary: `Closed automatically ${run.caseContext.partner.autoCloseAfter} after resolution.` });
  yield* emailCustomer(run, "closed");
}

/** What the orchestration wakes up for next by itself. */
interface Wake {
  at: string;
  metric: NonNullable<SupportRequestCustomStatus["nextDeadlineMetric"]>;
  kind: NonNullable<SupportRequestCustomStatus["nextDeadlineKind"]>;
}

/** The earliest of: the next SLA warning or breach, the next chain level, the deferred Microsoft escalation, the auto-close. */
function nextWake(run: Run): Wake | undefined {
  const candidates: Wake[] = [];
  if (isOpen(run)) {
    const sla = nextSlaThreshold(run);
    if (sla) candidates.push({ at: new Date(Math.max(ms(sla.at), ms(now(run)))).toISOString(), metric: sla.metric, kind: sla.kind });
    const plan = chainPlan(run);
    const level = plan && run.state.chain ? plan.levels[run.state.chain.notifiedLevels] : undefined;
    if (level) candidates.push({ at: level.at, metric: "escalation-chain", kind: "escalation-level" });
    if (plan && run.state.pendingMicrosoft) candidates.push({ at: plan.microsoftAt, metric: "escalation-chain", kind: "microsoft" });
  } else if (run.state.status === "resolved" && run.state.autoCloseAt) {
    candidates.push({ at: run.state.autoCloseAt, metric: "auto-close", kind: "auto-close" });
  }
  return candidates.reduce<Wake | undefined>((best, w) => (best === undefined || ms(w.at) < ms(best.at) ? w : best), undefined);
}

function waitingFor(status: CaseStatus): SupportRequestCustomStatus["waitingFor"] {
  switch (status) {
    case "awaiting-customer":
      return "customer";
    case "escalated-to-provider":
    case "escalated-to-microsoft":
      return "resolution";
    case "resolved":
      return "auto-close";
    case "closed":
      return "nothing";
    default:
      return "diagnosis";
  }
}

function setCustomStatus(run: Run, wake: Wake | undefined): void {
  const status: SupportRequestCustomStatus = { status: run.state.status, waitingFor: waitingFor(run.state.status), generation: run.state.generation };
  if (wake) {
    status.nextDeadline = wake.at;
    status.nextDeadlineMetric = wake.metric;
    status.nextDeadlineKind = wake.kind;
  }
  run.context.df.setCustomStatus(status);
}

// ---------------------------------------------------------------------------------------------
// Escalation (domain.md "Escalation is conditional")
// ---------------------------------------------------------------------------------------------

/**
 * Decides where the case goes and acts on it. The partner's entitlements decide, or the indirect
 * provider's when the provider escalates a reseller's case it holds. Product support incidents are
 * consumed (ETag-counted) before they are relied on; when none is left any more, the decision is
 * taken again without them. Every decision records its reason on the timeline.
 */
function* escalate(run: Run, trigger: EscalationRecord["trigger"], by: EscalatingParty, notes?: string): Orchestration<void> {
  const c = run.caseContext;
  const provider = by === "indirect-provider" ? c.provider : undefined;
  if (by === "indirect-provider" && !provider) {
    yield* record(run, { kind: "note", summary: "The indirect provider asked to escalate, but its entitlements are unknown; nothing was escalated.", details: { ignored: "provider-unknown" } });
    return;
  }
  const base = {
    partnerType: provider ? ("indirect-provider" as const) : c.partner.type,
    ...(!provider && c.partner.indirectProviderId !== undefined ? { indirectProviderId: c.partner.indirectProviderId } : {}),
    category: c.category,
    productKind: Products[c.product].kind,
    entitlements: provider ? provider.entitlements : c.partner.entitlements,
    trigger,
    nowIso: now(run),
  };
  let decision = decideEscalation(base);
  if (decision.target === "microsoft" && decision.vehicle === "product-support-incidents") {
    const input: ConsumeProductSupportIncidentInput = { partnerId: provider?.partnerId ?? run.input.partnerId, caseId: c.caseId };
    const psi = yield* callActivity<ConsumeProductSupportIncidentResult>(run, ActivityNames.consumeProductSupportIncident, input);
    if (psi.consumed) {
      decision = { ...decision, productSupportIncident: psi, reason: `${decision.reason} One product support incident was consumed (${psi.remainingIncidents} left).` };
    } else {
      const again = decideEscalation({ ...base, excludeVehicles: ["product-support-incidents"] });
      decision = { ...again, productSupportIncident: psi, reason: `No product support incident was left when one was to be consumed, so it was decided again without them: ${again.reason}` };
    }
  }
  if (!provider) startChain(run);
  run.state.escalation = decision;
  const patch: RecordTransitionInput["patch"] = { escalation: decision };
  if (notes !== undefined) patch.diagnosisNotes = notes;
  const details = { target: decision.target, providerId: decision.providerId, vehicle: decision.vehicle, trigger, by };

  if (decision.target === "indirect-provider") {
    yield* changeStatus(run, "escalated-to-provider", { kind: "escalation-decided", summary: decision.reason, details, patch });
    yield* emailCustomer(run, "escalated-to-provider");
    yield* notifyPartner(
      run,
      "escalation-indirect-provider",
      `Case ${c.caseId} escalated to you by your reseller ${run.input.partnerId}`,
      `${decision.reason} Category: ${c.category}; product: ${Products[c.product].name}; severity ${c.severity}. Resolve it or escalate it with your own entitlements through your partner API.`,
      { recipientPartnerId: decision.providerId ?? "" },
    );
  } else if (decision.target === "microsoft") {
    const plan = provider ? undefined : chainPlan(run);
    if (plan && c.partner.escalationChain?.microsoft === "after-chain" && ms(plan.microsoftAt) > ms(now(run))) {
      run.state.pendingMicrosoft = decision;
      yield* record(run, { kind: "escalation-decided", summary: `${decision.reason} Microsoft is engaged at ${plan.microsoftAt}, after the escalation chain, unless the case is resolved first.`, details: { ...details, microsoftAt: plan.microsoftAt }, patch });
    } else {
      yield* engageMicrosoft(run, decision, by, undefined, notes);
    }
  } else {
    yield* record(run, { kind: "escalation-decided", summary: decision.reason, details, patch });
    yield* notifyPartner(
      run,
      "escalation-none",
      `Case ${c.caseId} cannot be escalated: you keep it`,
      decision.reason,
      provider ? { recipientPartnerId: provider.partnerId } : {},
    );
  }
}

/** Files (or prepares) the Microsoft service request, moves the case to escalated-to-microsoft, tells the customer and the escalating partner. */
function* engageMicrosoft(run: Run, decision: EscalationRecord, by: EscalatingParty, why?: string, notes?: string): Orchestration<void> {
  const c = run.caseContext;
  const input: FileMicrosoftServiceRequestInput = { caseId: c.caseId, partnerId: run.input.partnerId, vehicle: decision.vehicle ?? "commercial-issue-support", locale: SERVICE_REQUEST_LOCALE };
  const filing = yield* callActivity<FileMicrosoftServiceRequestResult>(run, ActivityNames.fileMicrosoftServiceRequest, input);
  const escalation: EscalationRecord = {
    ...decision,
    microsoftServiceRequest: { outcome: filing.outcome, ...(filing.serviceRequestId === undefined ? {} : { serviceRequestId: filing.serviceRequestId }), locale: SERVICE_REQUEST_LOCALE, at: now(run), payload: filing.payload },
  };
  run.state.escalation = escalation;
  const patch: RecordTransitionInput["patch"] = { escalation };
  if (notes !== undefined) patch.diagnosisNotes = notes;
  const filed = filing.outcome === "filed" ? `Service request ${filing.serviceRequestId ?? "?"} was filed in Partner Center.` : "The Partner Center integration is off: the service request is prepared for the partner to file by hand.";
  const summary = [why, decision.reason, filed].filter((s) => s !== undefined).join(" ");
  const details = { target: "microsoft", vehicle: decision.vehicle, trigger: decision.trigger, by, filing: filing.outcome, serviceRequestId: filing.serviceRequestId };
  if (!(yield* changeStatus(run, "escalated-to-microsoft", { kind: "escalation-decided", summary, details, patch }))) {
    yield* record(run, { kind: "escalation-decided", summary, details, patch });
  }
  yield* emailCustomer(run, "escalated-to-microsoft");
  const provider = by === "indirect-provider" ? c.provider : undefined;
  yield* notifyPartner(
    run,
    "escalation-microsoft",
    filing.outcome === "filed" ? `Case ${c.caseId} escalated to Microsoft (${decision.vehicle ?? "?"}), service request ${filing.serviceRequestId ?? "?"}` : `File a Microsoft service request for case ${c.caseId} (${decision.vehicle ?? "?"})`,
    `${summary}\nCategory: ${c.category}; product: ${Products[c.product].name}; severity ${c.severity}.` +
      (filing.outcome === "prepared" ? `\nPOST /v1/servicerequests/${SERVICE_REQUEST_LOCALE}\n${JSON.stringify(filing.payload, null, 2)}` : ""),
    provider ? { recipientPartnerId: provider.partnerId } : {},
  );
}

// ---------------------------------------------------------------------------------------------
// Case actions
// ---------------------------------------------------------------------------------------------

/** Records an action the case does not act on in its current state. */
function* ignore(run: Run, a: CaseActionRecord, why: string, ignored: string): Orchestration<void> {
  yield* record(run, { kind: "note", summary: `Ignored a ${a.action.type} action: ${why}.`, details: { action: a.action.type, ignored, seq: a.seq, actor: a.actor, ...a.action } });
}

/** The partner (or the provider) answered: fulfils first response, restarts the next-update clock. */
function partnerResponded(run: Run, at: string): void {
  applySla(run, { kind: "partner-response", at });
}

/** Whether the actor is this case's indirect provider (the reseller's provider). */
function isProvider(run: Run, actor: Actor): boolean {
  const providerId = run.caseContext.partner.indirectProviderId ?? run.caseContext.provider?.partnerId;
  return actor.kind === "indirect-provider" && providerId !== undefined && actor.partnerId === providerId;
}

/** Marks the case resolved: SLA (first response and resolution fulfilled), timeline, customer email; arms the auto-close. */
function* resolve(run: Run, summary: string, at: string, actor: Actor): Orchestration<void> {
  const by = isProvider(run, actor) ? ` by the indirect provider ${actor.partnerId ?? ""}`.trimEnd() : "";
  if (!(yield* changeStatus(run, "resolved", { kind: "status-changed", summary: `The request was resolved${by}.`, details: { actor }, patch: { resolutionSummary: summary } }, at))) return;
  delete run.state.pendingMicrosoft;
  run.state.autoCloseAt = addCalendarDuration(now(run), run.caseContext.partner.autoCloseAfter);
  yield* emailCustomer(run, "resolved", summary);
}

function* onDiagnosis(run: Run, a: CaseActionRecord, d: { outcome: "resolved" | "awaiting-customer" | "needs-escalation"; notes: string }, at: string): Orchestration<void> {
  const status = run.state.status;
  if (status !== "in-diagnosis" && status !== "awaiting-customer") {
    yield* ignore(run, a, status === "resolved" || status === "closed" ? "the case was already resolved" : "the case was already escalated", status === "resolved" || status === "closed" ? "case-resolved" : "case-escalated");
    return;
  }
  partnerResponded(run, at);
  switch (d.outcome) {
    case "resolved":
      yield* resolve(run, d.notes, at, a.actor);
      return;
    case "awaiting-customer":
      if (!(yield* changeStatus(run, "awaiting-customer", { kind: "status-changed", summary: "The partner needs information from the customer.", patch: { diagnosisNotes: d.notes } }, at))) {
        yield* record(run, { kind: "note", summary: "The partner updated its request to the customer.", patch: { diagnosisNotes: d.notes } });
      }
      yield* emailCustomer(run, "awaiting-customer", d.notes);
      return;
    case "needs-escalation":
      yield* escalate(run, "partner-request", "partner", d.notes);
      return;
  }
}

function* onEscalate(run: Run, a: CaseActionRecord, reason: string): Orchestration<void> {
  const status = run.state.status;
  if (isProvider(run, a.actor)) {
    if (status === "escalated-to-provider") yield* escalate(run, "partner-request", "indirect-provider", reason);
    else yield* ignore(run, a, "the case is not escalated to the indirect provider", "not-with-provider");
  } else if (status === "in-diagnosis" || status === "awaiting-customer") {
    if (run.state.pendingMicrosoft) yield* ignore(run, a, "a Microsoft escalation is already decided and waits for the escalation chain", "escalation-pending");
    else yield* escalate(run, "partner-request", "partner", reason);
  } else {
    yield* ignore(run, a, status === "resolved" || status === "closed" ? "the case was already resolved" : "the case was already escalated", status === "resolved" || status === "closed" ? "case-resolved" : "case-escalated");
  }
}

function* onCustomerReply(run: Run, a: CaseActionRecord, excerpt: string, at: string): Orchestration<void> {
  const details = { action: "customer-reply", seq: a.seq, excerpt, actor: a.actor };
  if (run.state.status === "awaiting-customer") {
    const back: CaseStatus = run.state.escalation?.target === "indirect-provider" ? "escalated-to-provider" : run.state.escalation?.target === "microsoft" && !run.state.pendingMicrosoft ? "escalated-to-microsoft" : "in-diagnosis";
    const to = canTransition("awaiting-customer", back) ? back : "in-diagnosis";
    yield* changeStatus(run, to, { kind: "status-changed", summary: "The customer replied; the case is back with the partner.", details }, at);
  } else if (run.state.status === "resolved") {
    yield* record(run, { kind: "note", summary: `The customer replied after the resolution; the case still closes at ${run.state.autoCloseAt ?? "?"}.`, details });
  } else {
    yield* record(run, { kind: "note", summary: "The customer replied.", details });
  }
}

/** Processes one inbox action (validated again: the inbox is data, not trusted code). */
function* processAction(run: Run, a: CaseActionRecord): Orchestration<void> {
  const parsed = CaseActionSchema.safeParse(a.action);
  if (!parsed.success) {
    yield* record(run, { kind: "note", summary: "Ignored an invalid case action.", details: { seq: a.seq, issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) } });
    return;
  }
  if (a.actor.kind === "indirect-provider" && !isProvider(run, a.actor)) {
    yield* ignore(run, a, "the actor is not this case's indirect provider", "not-case-provider");
    return;
  }
  const at = slaInstant(run, a.recordedAt);
  yield* catchUp(run, at);
  yield* actOn(run, a, parsed.data, at);
  yield* handleSlaAlerts(run);
}

function* actOn(run: Run, a: CaseActionRecord, action: CaseAction, at: string): Orchestration<void> {
  switch (action.type) {
    case "diagnosis":
      yield* onDiagnosis(run, a, action, at);
      return;
    case "update":
      if (!isOpen(run)) return yield* ignore(run, a, "the case was already resolved", "case-resolved");
      partnerResponded(run, at);
      yield* record(run, { kind: "note", summary: "The partner updated the customer.", details: { action: "update", seq: a.seq, message: action.message, actor: a.actor } });
      yield* emailCustomer(run, run.state.status, action.message, "update");
      return;
    case "customer-reply":
      yield* onCustomerReply(run, a, action.excerpt, at);
      return;
    case "escalate":
      yield* onEscalate(run, a, action.reason);
      return;
    case "resolution":
      if (!isOpen(run)) return yield* ignore(run, a, "the case was already resolved", "case-resolved");
      yield* resolve(run, action.summary, at, a.actor);
      return;
    case "information-request":
      yield* onInformationRequest(run, a, action.message, at);
      return;
    case "close":
      yield* onClose(run, a, action.reason);
      return;
    case "reopen":
      yield* onReopen(run, a, action.reason, at);
      return;
    case "reclassify":
      yield* onReclassify(run, a, action, at);
      return;
  }
}

/** The target a policy sets for a metric (undefined: the policy does not time it). */
function policyTarget(policy: AppliedSlaPolicy, metric: SlaMetricName): string | undefined {
  return metric === "first-response" ? policy.targets.firstResponse : metric === "next-update" ? policy.targets.nextUpdate : policy.targets.resolution;
}

/** `Name (id: first response PT4H, next update PT8H, resolution PT16H)`, for timeline entries. */
function describePolicy(policy: AppliedSlaPolicy): string {
  const targets = (["first-response", "next-update", "resolution"] as const).flatMap((m) => {
    const t = policyTarget(policy, m);
    return t === undefined ? [] : [`${metricLabel[m]} ${t}`];
  });
  return `${policy.name} (${policy.policyId}: ${targets.join(", ")})`;
}

/** Whether two applied policies time a case alike: same id, targets, calendar, pauses and warnings. */
function samePolicy(a: AppliedSlaPolicy, b: AppliedSlaPolicy): boolean {
  const key = (p: AppliedSlaPolicy): string =>
    JSON.stringify([p.policyId, policyTarget(p, "first-response"), policyTarget(p, "next-update"), policyTarget(p, "resolution"), p.calendar, [...p.pauseWhen].sort(), [...p.warnAtPercent].sort((x, y) => x - y)]);
  return key(a) === key(b);
}

/**
 * Whether an open clock of the log is timed by another policy or target than `policy` (its latest
 * `activate`), or is open though `policy` does not time it: the clocks must be re-targeted.
 * Cycle semantics of shared/domain/slaLog.ts (activate opens, fulfill/cancel close, resume re-opens).
 */
function clocksOutOfStep(log: readonly SlaEvent[], policy: AppliedSlaPolicy): boolean {
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
 * Another policy (or other targets) applies from `at` on: the open clocks are re-targeted with
 * their elapsed time kept (`policy-changed` happening; a clock the new policy does not time is
 * cancelled), their pause state follows the new policy's `pauseWhen`, and the change is recorded on
 * the timeline with the case's new SLA deadlines. The timer is re-armed by the next wait
 * ({@link nextWake} reads the new log and policy).
 */
function* changePolicy(run: Run, next: AppliedSlaPolicy, at: string, because: string, details: Record<string, unknown>): Orchestration<void> {
  const from = run.policy;
  const open = isOpen(run);
  if (open) applySla(run, { kind: "policy-changed", policy: next, at });
  run.policy = next;
  run.nextSla = undefined;
  const pausesDiffer = JSON.stringify([...from.pauseWhen].sort()) !== JSON.stringify([...next.pauseWhen].sort());
  if (open && pausesDiffer) applySla(run, { kind: "status", from: run.state.status, to: run.state.status, at });
  const effect = open ? "the open clocks were re-targeted with their elapsed time kept" : "the clocks are stopped (the request is resolved); the new targets apply if it is reopened";
  yield* record(run, {
    kind: "note",
    summary: `SLA policy changed from ${describePolicy(from)} to ${describePolicy(next)} because ${because}; ${effect}.`,
    details: { slaPolicyChanged: { from: from.policyId, to: next.policyId, fromTargets: from.targets, toTargets: next.targets, at }, ...details },
    patch: { sla: slaSummary(run) },
  });
}

/**
 * Issue 3: the partner reclassified the request (already stored on the case by the PATCH): the case
 * context is read again (GetCaseContext selects the policy for the new product, category and
 * severity); when the applied policy or its targets differ from those in force, the clocks are
 * re-targeted ({@link changePolicy}) and the timer re-armed at the new instant. Later decisions
 * (escalation, notifications) use the new facts.
 */
function* onReclassify(run: Run, a: CaseActionRecord, action: Extract<CaseAction, { type: "reclassify" }>, at: string): Orchestration<void> {
  const before = run.caseContext;
  const fresh = yield* callActivity<CaseContext>(run, ActivityNames.getCaseContext, { caseId: run.input.caseId, partnerId: run.input.partnerId });
  // The stored SLA log is not needed: this generation's log is `run.log` (with events not yet recorded).
  const { slaLog: _stored, ...facts } = fresh;
  run.caseContext = facts;
  const next = policyOf(fresh);
  if (samePolicy(run.policy, next) && !(isOpen(run) && clocksOutOfStep(run.log, next))) return;
  const changes = (["product", "category", "severity"] as const).filter((k) => before[k] !== fresh[k]).map((k) => `${k} ${before[k]} → ${fresh[k]}`);
  const because = `the request was reclassified${changes.length > 0 ? ` (${changes.join(", ")})` : ""}`;
  const { type: _type, ...reclassified } = action;
  yield* changePolicy(run, next, at, because, { action: "reclassify", seq: a.seq, actor: a.actor, reclassified });
}

/**
 * Issue 5: the partner asks the customer for information: counts as a response (fulfils first
 * response, restarts next update), moves the case to awaiting-customer (the clocks pause per the
 * policy's `pauseWhen`) and emails the question. Asked again while awaiting: recorded and emailed.
 */
function* onInformationRequest(run: Run, a: CaseActionRecord, message: string, at: string): Orchestration<void> {
  const status = run.state.status;
  if (status !== "in-diagnosis" && status !== "awaiting-customer") {
    yield* ignore(run, a, isOpen(run) ? "the case was already escalated" : "the case was already resolved", isOpen(run) ? "case-escalated" : "case-resolved");
    return;
  }
  partnerResponded(run, at);
  const details = { action: "information-request", seq: a.seq, message, actor: a.actor };
  if (!(yield* changeStatus(run, "awaiting-customer", { kind: "status-changed", summary: "The partner asked the customer for information.", details }, at))) {
    yield* record(run, { kind: "note", summary: "The partner asked the customer for more information.", details });
  }
  yield* emailCustomer(run, "awaiting-customer", message);
}

/** Issue 5: the partner closes a resolved case now (the lifecycle closes only resolved cases): clocks cancelled, auto-close dropped, customer told. */
function* onClose(run: Run, a: CaseActionRecord, reason: string | undefined): Orchestration<void> {
  if (run.state.status !== "resolved") {
    yield* ignore(run, a, run.state.status === "closed" ? "the case was already closed" : "the case is not resolved", run.state.status === "closed" ? "case-closed" : "case-not-resolved");
    return;
  }
  const summary = reason !== undefined ? `Closed by the partner: ${reason}` : "Closed by the partner.";
  if (!(yield* changeStatus(run, "closed", { kind: "status-changed", summary, details: { action: "close", seq: a.seq, actor: a.actor, ...(reason !== undefined ? { reason } : {}) } }))) return;
  delete run.state.autoCloseAt;
  yield* emailCustomer(run, "closed", reason);
}

/**
 * Issue 5: the partner reopens a resolved case within its auto-close period: back to in-diagnosis
 * (the lifecycle's resolved → in-diagnosis), the resolution clock resumes (`applySlaHappening`
 * status happening: a fulfilled resolution clock is resumed), the auto-close is dropped and the
 * customer told. A closed case is reopened by a new execution (see {@link reopenClosed}).
 */
function* onReopen(run: Run, a: CaseActionRecord, reason: string, at: string): Orchestration<void> {
  if (run.state.status !== "resolved") {
    yield* ignore(run, a, run.state.status === "closed" ? "the case is closed (reopening restarts its workflow)" : "the case is not resolved", run.state.status === "closed" ? "case-closed" : "case-not-resolved");
    return;
  }
  if (!(yield* changeStatus(run, "in-diagnosis", { kind: "status-changed", summary: `Reopened by the partner: ${reason}`, details: { action: "reopen", seq: a.seq, reason, actor: a.actor } }, at))) return;
  // A reclassification while resolved changed the policy of the stopped clocks: the resumed ones follow it.
  if (clocksOutOfStep(run.log, run.policy)) applySla(run, { kind: "policy-changed", policy: run.policy, at });
  delete run.state.autoCloseAt;
  yield* emailCustomer(run, "in-diagnosis", reason, "reopened");
}

/**
 * Issue 5: the first thing a new execution of a CLOSED case does when the partner API restarted it
 * to reopen it (`carry.reopen`): closed → in-diagnosis (closed is terminal in the lifecycle, so
 * this is the one transition the restart itself authorises), a new resolution clock cycle from now
 * (the previous one was cancelled at closure), the customer told.
 */
function* reopenClosed(run: Run, reopen: NonNullable<SupportRequestCarry["reopen"]>): Orchestration<void> {
  const at = slaInstant(run, reopen.requestedAt);
  const target = run.policy.targets.resolution;
  if (target) {
    const e: SlaEvent = { at, metric: "resolution", type: "activate", target, policyId: run.policy.policyId, reason: "request reopened after closure" };
    run.slaEvents += 1;
    run.log.push(e);
    run.unrecorded.push({ ...e, eventId: `${String(run.state.generation).padStart(4, "0")}-${String(run.slaEvents).padStart(4, "0")}` });
  }
  yield* record(run, { kind: "status-changed", toStatus: "in-diagnosis", summary: `Reopened by the partner after closure: ${reopen.reason}`, details: { action: "reopen", seq: reopen.seq, reason: reopen.reason, actor: reopen.actor, restarted: true } });
  delete run.state.reopen;
  delete run.state.autoCloseAt;
  yield* recordSlaEvents(run);
  yield* emailCustomer(run, "in-diagnosis", reopen.reason, "reopened");
}

/**
 * Reads the inbox after the cursor and processes the actions in `seq` order, page by page, until it
 * is empty or the generation's task budget is spent.
 * @returns false when it stopped because of the budget (actions may be left for the next generation).
 */
function* drainInbox(run: Run): Orchestration<boolean> {
  for (;;) {
    run.signals.consume();
    const input: TakeCaseActionsInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, limit: TAKE_ACTIONS_PAGE };
    if (run.state.cursor !== undefined) input.after = run.state.cursor;
    const actions = yield* callActivity<CaseActionRecord[]>(run, ActivityNames.takeCaseActions, input);
    for (const a of actions) {
      yield* processAction(run, a);
      run.state.cursor = a.seq;
      if (run.tasks > HISTORY_TASK_BUDGET) return false;
    }
    if (actions.length < TAKE_ACTIONS_PAGE) return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Generations
// ---------------------------------------------------------------------------------------------

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

/** The policy GetCaseContext applied, or the issue-2 default from the severity's targets (24×7 or service hours). */
function policyOf(c: CaseContext): AppliedSlaPolicy {
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

/**
 * First generation: activates the clocks, moves the case into diagnosis and acknowledges it; later
 * ones re-target the open clocks when the policy or targets GetCaseContext selected differ from
 * those of the log (the partner changed its policies, or a reclassification was stored before this
 * generation read the case), with a timeline entry.
 */
function* startGeneration(run: Run, first: boolean): Orchestration<void> {
  const activated = run.log.filter((e) => e.type === "activate");
  if (activated.length === 0) {
    applySla(run, { kind: "opened", at: run.caseContext.createdAt });
  } else if (isOpen(run) && clocksOutOfStep(run.log, run.policy)) {
    const from = activated.at(-1)?.policyId ?? "?";
    applySla(run, { kind: "policy-changed", policy: run.policy, at: now(run) });
    yield* record(run, {
      kind: "note",
      summary: `SLA policy changed from ${from} to ${describePolicy(run.policy)} because the policy that applies to the request changed; the open clocks were re-targeted with their elapsed time kept.`,
      details: { slaPolicyChanged: { from, to: run.policy.policyId, toTargets: run.policy.targets, at: now(run) } },
      patch: { sla: slaSummary(run) },
    });
  }
  if (first && run.state.status === "received") {
    yield* changeStatus(run, "in-diagnosis", { kind: "status-changed", summary: "Request received; the partner is diagnosing it." });
    // The acknowledgement states when the first response is due, which SendStatusEmail reads from
    // the stored SLA log: the activations are recorded before it is sent.
    yield* recordSlaEvents(run);
    yield* emailCustomer(run, "received");
  }
  yield* handleSlaAlerts(run);
}

/**
 * Waits for a signal or the next timer (whichever is first); the losing timer is cancelled. Skips
 * the wait when a stale wait already caught a signal.
 */
function* waitForWake(run: Run): Orchestration<void> {
  const wake = nextWake(run);
  setCustomStatus(run, wake);
  if (run.signals.pending) return;
  // Something already due is handled at once, but only once per instant: should the domain keep
  // answering the same past instant, the timer below (firing at once) moves the clock on.
  if (wake && ms(wake.at) <= ms(now(run)) && run.skippedWakeAt !== wake.at) {
    run.skippedWakeAt = wake.at;
    return;
  }
  const signal = run.signals.fresh();
  if (!wake) {
    yield signal;
    return;
  }
  run.tasks += 1;
  const timer: TimerTask = run.context.df.createTimer(new Date(wake.at));
  const winner = (yield run.context.df.Task.any([signal, timer])) as Task;
  if (winner !== timer && !timer.isCompleted) timer.cancel();
}

function output(run: Run): SupportRequestOrchestrationOutput {
  const out: SupportRequestOrchestrationOutput = { caseId: run.input.caseId, finalStatus: run.state.status };
  if (run.state.escalation) out.escalation = run.state.escalation;
  return out;
}

/**
 * Orchestrator of one support request (register as `OrchestratorNames.supportRequest`).
 *
 * Input: {@link SupportRequestOrchestrationInput} `{caseId, partnerId, carry?}` (`carry` only from
 * continueAsNew). Activities (all with {@link activityRetryOptions}): GetCaseContext,
 * TakeCaseActions, RecordSlaEvents (event ids `GGGG-NNNN`), RecordCaseTransition (entry ids
 * `t<n>-<slug>`), SendStatusEmail and NotifyPartner (one `notificationKey` per message),
 * ConsumeProductSupportIncident, FileMicrosoftServiceRequest. Event: `CaseActionsAvailable` (no
 * payload; actions come from the inbox). Custom status ({@link SupportRequestCustomStatus}) at every wait.
 * A generation hands over with continueAsNew after more than {@link HISTORY_TASK_BUDGET} tasks.
 * @returns {@link SupportRequestOrchestrationOutput} once the case is closed.
 * @throws whatever an activity still throws after its retries (the instance fails).
 */
export function* supportRequestOrchestrator(context: OrchestrationContext): Orchestration<SupportRequestOrchestrationOutput | undefined> {
  const input = context.df.getInput() as SupportRequestOrchestrationInput;
  const first = input.carry === undefined;
  const getCaseContext = context.df.callActivityWithRetry(ActivityNames.getCaseContext, activityRetryOptions, { caseId: input.caseId, partnerId: input.partnerId });
  const caseContext = (yield getCaseContext) as CaseContext;
  const run: Run = {
    context,
    input,
    caseContext,
    policy: policyOf(caseContext),
    log: currentSlaCycles(caseContext.slaLog ?? []),
    unrecorded: [],
    alerts: [],
    state: input.carry
      ? { ...input.carry, notificationCounts: { ...input.carry.notificationCounts } }
      : { generation: 0, status: caseContext.status, entryCount: 0, notificationCounts: {} },
    signals: new Signals(context),
    tasks: 1,
    slaEvents: 0,
  };

  if (run.state.reopen && isClosed(run)) yield* reopenClosed(run, run.state.reopen);
  if (!isClosed(run)) {
    yield* startGeneration(run, first);
    for (;;) {
      const drained = yield* drainInbox(run);
      if (drained) {
        yield* catchUp(run, now(run));
        yield* handleSlaAlerts(run);
        yield* closeIfDue(run);
      }
      yield* recordSlaEvents(run);
      if (isClosed(run)) break;
      if (run.tasks > HISTORY_TASK_BUDGET) {
        const carry: SupportRequestCarry = { ...run.state, generation: run.state.generation + 1 };
        context.df.continueAsNew({ caseId: input.caseId, partnerId: input.partnerId, carry });
        return undefined;
      }
      yield* waitForWake(run);
    }
  }
  setCustomStatus(run, undefined);
  return output(run);
}
