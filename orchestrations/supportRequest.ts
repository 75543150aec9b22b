/**
 * The support-request orchestration: one instance per case (instance id = case id). It only
 * decides; every side effect is an activity (architecture.md). Deterministic: time comes only from
 * `context.df.currentUtcDateTime`, ids are derived from a counter, rules from shared/domain.
 *
 * Flow (domain.md lifecycle): load the case → start the SLA clock → in-diagnosis + acknowledgement
 * email → wait for the partner's diagnosis (racing the first-response deadline) → resolved |
 * awaiting customer (loop) | escalation (partner request or SLA breach) → wait for the resolution
 * (racing the resolution deadline) → resolved → auto-close timer → closed.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task, TimerTask } from "durable-functions";
import {
  ActivityNames,
  DiagnosisEventSchema,
  EventNames,
  Products,
  ResolutionEventSchema,
  type CaseContext,
  type CaseStatus,
  type DiagnosisEvent,
  type EscalationRecord,
  type NotifyPartnerInput,
  type RecordTransitionInput,
  type ResolutionEvent,
  type SendStatusEmailInput,
  type SlaState,
  type SupportRequestCustomStatus,
  type SupportRequestOrchestrationInput,
  type SupportRequestOrchestrationOutput,
} from "../shared/contracts";
import {
  addCalendarDuration,
  canTransition,
  decideEscalation,
  nextSlaDeadline,
  recordBreach,
  recordFirstResponse,
  recordResolution,
  startSlaClock,
  type SlaMetric,
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

/** The generator type every phase helper has (yields durable Tasks). */
type Orchestration<T> = Generator<Task, T, unknown>;

/** What a wait produced. */
type Received =
  | { kind: "event"; name: string; payload: unknown }
  | { kind: "timeout" };

/** An event the inbox has read but not handed out yet. */
interface Arrived {
  name: string;
  payload: unknown;
}

/** One `waitForExternalEvent` task the inbox yielded and has not read yet. */
interface OpenWait {
  name: string;
  task: Task;
}

/**
 * Receives the orchestration's external events in arrival (history) order without losing one.
 *
 * How durable-functions 3.5 delivers an `EventRaised` (TaskOrchestrationExecutor.setTaskValue):
 * to the *newest* still-open wait task of that name, even one that lost an earlier `Task.any`;
 * when none is open, it is deferred per name (FIFO) and handed to the next wait of that name the
 * moment that wait is yielded. Arrival order across names is visible to the orchestrator only when
 * the event completes the task the generator is parked on. So the inbox:
 * - parks every yield (activities, timers, plain waits) on `Task.any` with a fresh wait per event
 *   name; the fresh waits are the newest, so the next event of any name lands in that race and is
 *   read at once, in history order, into a FIFO queue (even while an activity is in flight);
 * - keeps every wait it ever yielded and reads each one that completes later (a stale wait, or a
 *   deferred event handed over when fresh waits are yielded): nothing is lost;
 * - never yields a task in two compound tasks (that would repeat its action and shift the
 *   extension's sequence numbers); an activity interrupted by an event is awaited alone.
 * Only events that land while an interrupted activity finishes are not observed one by one; those
 * keep their per-name order, and across names are ordered by `arrivalHint` (the partner API's
 * acceptance time), then by the order of `names`.
 */
class EventInbox {
  private readonly waits: OpenWait[] = [];
  private readonly queue: Arrived[] = [];

  constructor(
    private readonly context: OrchestrationContext,
    private readonly names: readonly string[],
    private readonly arrivalHint: (payload: unknown) => string | undefined,
  ) {}

  /**
   * Runs `task` (not yielded before) to completion, queueing the events that arrive meanwhile.
   * @returns the task's result. @throws the task's error.
   */
  *run<T>(task: Task): Orchestration<T> {
    const winner = (yield this.context.df.Task.any([task, ...this.armWaits()])) as Task;
    this.collect(winner);
    if (winner !== task) {
      yield task; // yielded alone it adds no action; throws if the task failed
      this.collect();
    }
    if (task.isFaulted) throw task.result;
    return task.result as T;
  }

  /**
   * The oldest event not handed out yet; else waits for the next one, or until `deadline`
   * (ISO 8601) passes. A fresh timer per wait; a timer that loses is cancelled.
   * @returns the event (payload unvalidated) or a timeout.
   */
  *next(deadline?: string): Orchestration<Received> {
    const fireAt = deadline === undefined ? undefined : new Date(deadline);
    if (this.queue.length === 0 && !(fireAt && fireAt.getTime() <= this.context.df.currentUtcDateTime.getTime())) {
      const timer: TimerTask | undefined = fireAt ? this.context.df.createTimer(fireAt) : undefined;
      const tasks = [...this.armWaits(), ...(timer ? [timer] : [])];
      const winner = (yield this.context.df.Task.any(tasks)) as Task;
      this.collect(winner);
      if (timer && winner !== timer && !timer.isCompleted) timer.cancel();
    }
    const first = this.queue.shift();
    return first ? { kind: "event", ...first } : { kind: "timeout" };
  }

  /** A fresh wait task per event name, registered as open. */
  private armWaits(): Task[] {
    return this.names.map((name) => {
      const task = this.context.df.waitForExternalEvent(name);
      this.waits.push({ name, task });
      return task;
    });
  }

  /**
   * Moves the events of every newly completed wait to the queue. `winner` (the task that resumed
   * the orchestrator) is the only one when the event arrived during the race; otherwise the batch
   * is ordered per name newest wait first (events pop the newest open wait), merged across names.
   */
  private collect(winner?: Task): void {
    const done = this.waits.filter((w) => w.task.isCompleted);
    if (done.length === 0) return;
    for (const w of done) this.waits.splice(this.waits.indexOf(w), 1);
    const only = done.length === 1 ? done[0] : undefined;
    if (only && only.task === winner) {
      this.queue.push({ name: only.name, payload: only.task.result });
      return;
    }
    const perName = this.names.map((name) =>
      done.filter((w) => w.name === name).reverse().map((w) => ({ name, payload: w.task.result as unknown })),
    );
    for (;;) {
      const heads = perName.filter((list) => list.length > 0);
      if (heads.length === 0) return;
      const earliest = heads.reduce((best, list) => (this.arrivesBefore(list[0], best[0]) ? list : best));
      this.queue.push(earliest.shift() as Arrived);
    }
  }

  /** Whether `a` is known to have been accepted before `b` (unknown = no). */
  private arrivesBefore(a: Arrived | undefined, b: Arrived | undefined): boolean {
    const ta = a && this.arrivalHint(a.payload);
    const tb = b && this.arrivalHint(b.payload);
    return ta !== undefined && tb !== undefined && Date.parse(ta) < Date.parse(tb);
  }
}

/** The partner API's acceptance time of an event (`recordedAt`), if the payload has one. */
function arrivalHint(payload: unknown): string | undefined {
  const at = typeof payload === "object" && payload !== null ? (payload as { recordedAt?: unknown }).recordedAt : undefined;
  return typeof at === "string" && !Number.isNaN(Date.parse(at)) ? at : undefined;
}

/** Mutable state of one run (rebuilt identically on every replay). */
interface RunState {
  status: CaseStatus;
  sla: SlaState;
  escalation?: EscalationRecord;
  entryCount: number;
  notificationCounts: Map<string, number>;
}

/** Everything the phase helpers share. */
interface Run {
  context: OrchestrationContext;
  input: SupportRequestOrchestrationInput;
  caseContext: CaseContext;
  state: RunState;
  inbox: EventInbox;
}

function now(run: Run): string {
  return run.context.df.currentUtcDateTime.toISOString();
}

function setStatus(run: Run, waitingFor: SupportRequestCustomStatus["waitingFor"], deadline?: { metric: SupportRequestCustomStatus["nextDeadlineMetric"]; dueAt: string }): void {
  const status: SupportRequestCustomStatus = { status: run.state.status, waitingFor };
  if (deadline) {
    status.nextDeadline = deadline.dueAt;
    status.nextDeadlineMetric = deadline.metric;
  }
  run.context.df.setCustomStatus(status);
}

function* callActivity<T>(run: Run, name: string, input: unknown): Orchestration<T> {
  return yield* run.inbox.run<T>(run.context.df.callActivityWithRetry(name, activityRetryOptions, input));
}

/** Deterministic timeline entry id: `t01-in-diagnosis`, `t02-sla-breached`, … */
function nextEntryId(run: Run, slug: string): string {
  run.state.entryCount += 1;
  return `t${String(run.state.entryCount).padStart(2, "0")}-${slug}`;
}

/** Notification key unique per case: `received`, `awaiting-customer`, `awaiting-customer-2`, … */
function notificationKey(run: Run, base: string): string {
  const n = (run.state.notificationCounts.get(base) ?? 0) + 1;
  run.state.notificationCounts.set(base, n);
  return n === 1 ? base : `${base}-${n}`;
}

/** Records a timeline entry (and optionally a status change) through RecordCaseTransition. */
function* record(
  run: Run,
  entry: Pick<RecordTransitionInput, "kind" | "summary" | "toStatus" | "details" | "patch">,
): Orchestration<void> {
  const slug = entry.toStatus ?? entry.kind;
  const input: RecordTransitionInput = {
    caseId: run.input.caseId,
    partnerId: run.input.partnerId,
    entryId: nextEntryId(run, slug),
    at: now(run),
    ...entry,
  };
  yield* callActivity<unknown>(run, ActivityNames.recordTransition, input);
  if (entry.toStatus) run.state.status = entry.toStatus;
}

function* emailCustomer(run: Run, status: CaseStatus, message?: string, keyBase: string = status): Orchestration<void> {
  const input: SendStatusEmailInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, notificationKey: notificationKey(run, keyBase), status };
  if (message !== undefined) input.message = message;
  yield* callActivity<unknown>(run, ActivityNames.sendStatusEmail, input);
}

function* notifyPartner(run: Run, keyBase: string, subject: string, text: string, recipientPartnerId?: string): Orchestration<void> {
  const input: NotifyPartnerInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, notificationKey: notificationKey(run, keyBase), subject, text };
  if (recipientPartnerId !== undefined) input.recipientPartnerId = recipientPartnerId;
  yield* callActivity<unknown>(run, ActivityNames.notifyPartner, input);
}

/** Records an event that failed validation as a timeline note; the orchestration keeps waiting. */
function* ignoreInvalidEvent(run: Run, name: string, issues: unknown): Orchestration<void> {
  yield* record(run, { kind: "note", summary: `Ignored an invalid ${name} event payload.`, details: { event: name, issues } });
}

/** Records a valid event the case no longer acts on (diagnosis after escalation, anything after resolution) as a timeline note. */
function* ignoreLateEvent(run: Run, e: OpenPhaseEvent, reason: "case-escalated" | "case-resolved"): Orchestration<void> {
  const name = e.name === "diagnosis" ? EventNames.diagnosis : EventNames.resolution;
  const because = reason === "case-escalated" ? "the case was already escalated" : "the case was already resolved";
  yield* record(run, { kind: "note", summary: `Ignored a ${name} event: ${because}.`, details: { event: name, ignored: reason, ...e.event } });
}

/** Timeline entry + partner notification for a missed deadline. */
function* recordSlaBreach(run: Run, metric: SlaMetric, dueAt: string): Orchestration<void> {
  run.state.sla = recordBreach(run.state.sla, metric, now(run));
  yield* record(run, {
    kind: "sla-breached",
    summary: `The ${metric} SLA deadline (${dueAt}) passed.`,
    details: { metric, dueAt },
    patch: { sla: run.state.sla },
  });
  yield* notifyPartner(
    run,
    `sla-breach-${metric}`,
    `SLA breach (${metric}) on case ${run.input.caseId}`,
    `The ${metric} deadline ${dueAt} of case ${run.input.caseId} (severity ${run.caseContext.severity}) passed; the case is being escalated where the rules allow.`,
  );
}

/** Decides and records the escalation, emails the customer, notifies the party that must act. */
function* escalate(run: Run, trigger: EscalationRecord["trigger"], diagnosisNotes?: string): Orchestration<void> {
  const { caseContext: c } = run;
  const decision = decideEscalation({
    partnerType: c.partner.type,
    ...(c.partner.indirectProviderId === undefined ? {} : { indirectProviderId: c.partner.indirectProviderId }),
    category: c.category,
    productKind: Products[c.product].kind,
    entitlements: c.partner.entitlements,
    trigger,
    nowIso: now(run),
  });
  run.state.escalation = decision;
  const toStatus: CaseStatus | undefined =
    decision.target === "indirect-provider"
      ? "escalated-to-provider"
      : decision.target === "microsoft"
        ? "escalated-to-microsoft"
        : run.state.status === "in-diagnosis"
          ? undefined
          : "in-diagnosis";
  const patch: RecordTransitionInput["patch"] = { escalation: decision, sla: run.state.sla };
  if (diagnosisNotes !== undefined) patch.diagnosisNotes = diagnosisNotes;
  yield* record(run, {
    kind: "escalation-decided",
    ...(toStatus && canTransition(run.state.status, toStatus) ? { toStatus } : {}),
    summary: decision.reason,
    details: { target: decision.target, providerId: decision.providerId, vehicle: decision.vehicle, trigger },
    patch,
  });
  if (decision.target === "indirect-provider") {
    yield* emailCustomer(run, "escalated-to-provider");
    yield* notifyPartner(
      run,
      "escalation-indirect-provider",
      `Case ${run.input.caseId} escalated to you by reseller ${run.input.partnerId}`,
      `${decision.reason} Category: ${c.category}; product: ${Products[c.product].name}; severity ${c.severity}.`,
      decision.providerId,
    );
  } else if (decision.target === "microsoft") {
    yield* emailCustomer(run, "escalated-to-microsoft");
    yield* notifyPartner(
      run,
      "escalation-microsoft",
      `Open a Microsoft support request for case ${run.input.caseId} (${decision.vehicle})`,
      `${decision.reason} Category: ${c.category}; product: ${Products[c.product].name}; severity ${c.severity}.`,
    );
  } else {
    yield* notifyPartner(run, "escalation-none", `Case ${run.input.caseId} cannot be escalated: you keep it`, decision.reason);
  }
}

/** Marks the case resolved: timeline + SLA, resolution summary, customer email. */
function* resolve(run: Run, summary: string, resolvedAtIso: string): Orchestration<void> {
  run.state.sla = recordResolution(run.state.sla, resolvedAtIso);
  yield* record(run, {
    kind: "status-changed",
    toStatus: "resolved",
    summary: "The request was resolved.",
    patch: { sla: run.state.sla, resolutionSummary: summary },
  });
  yield* emailCustomer(run, "resolved", summary);
}

/** A validated event the open phase acts on. */
type OpenPhaseEvent = { name: "diagnosis"; event: DiagnosisEvent } | { name: "resolution"; event: ResolutionEvent };

/**
 * Waits while the case is open: for a diagnosis (until escalated; a later one is noted as ignored)
 * or a resolution, racing the next SLA deadline. Events are handled one at a time in arrival order.
 * Handles breaches and invalid payloads itself and returns the resolution.
 */
function* waitUntilResolved(run: Run): Orchestration<{ summary: string; at: string }> {
  for (;;) {
    const deadline = nextSlaDeadline(run.state.sla);
    setStatus(run, run.state.escalation ? "resolution" : "diagnosis", deadline);
    const received = yield* run.inbox.next(deadline?.dueAt);

    if (received.kind === "timeout") {
      if (!deadline) continue;
      yield* recordSlaBreach(run, deadline.metric, deadline.dueAt);
      if (!run.state.escalation) yield* escalate(run, deadline.metric === "first-response" ? "first-response-breach" : "resolution-breach");
      continue;
    }

    const parsed = parseEvent(received.name, received.payload);
    if (!parsed.ok) {
      yield* ignoreInvalidEvent(run, received.name, parsed.issues);
      continue;
    }
    const e = parsed.value;
    if (e.name === "resolution") return { summary: e.event.summary, at: e.event.recordedAt };
    if (run.state.escalation) {
      yield* ignoreLateEvent(run, e, "case-escalated");
      continue;
    }

    // A diagnosis: the first one is the first response.
    run.state.sla = recordFirstResponse(run.state.sla, e.event.recordedAt);
    switch (e.event.outcome) {
      case "resolved":
        return { summary: e.event.notes, at: e.event.recordedAt };
      case "awaiting-customer":
        yield* awaitCustomer(run, e.event.notes);
        break;
      case "needs-escalation":
        yield* escalate(run, "partner-request", e.event.notes);
        break;
    }
  }
}

/** Moves the case to awaiting-customer (or notes a further update) and emails the customer the notes. */
function* awaitCustomer(run: Run, notes: string): Orchestration<void> {
  const changing = run.state.status !== "awaiting-customer";
  yield* record(run, {
    kind: changing ? "status-changed" : "note",
    ...(changing ? { toStatus: "awaiting-customer" as const } : {}),
    summary: changing ? "The partner needs information from the customer." : "The partner updated its request to the customer.",
    patch: { sla: run.state.sla, diagnosisNotes: notes },
  });
  yield* emailCustomer(run, "awaiting-customer", notes);
}

function parseEvent(name: string, payload: unknown): { ok: true; value: OpenPhaseEvent } | { ok: false; issues: unknown } {
  if (name === EventNames.diagnosis) {
    const r = DiagnosisEventSchema.safeParse(payload);
    return r.success ? { ok: true, value: { name: "diagnosis", event: r.data } } : { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) };
  }
  const r = ResolutionEventSchema.safeParse(payload);
  return r.success ? { ok: true, value: { name: "resolution", event: r.data } } : { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) };
}

/**
 * Keeps a resolved case open for `autoCloseAfter` (calendar time), then closes it. Events that
 * arrive meanwhile (or arrived after the resolution) are noted as ignored.
 */
function* autoClose(run: Run): Orchestration<void> {
  const dueAt = addCalendarDuration(now(run), run.caseContext.partner.autoCloseAfter);
  for (;;) {
    setStatus(run, "auto-close", { metric: "auto-close", dueAt });
    const received = yield* run.inbox.next(dueAt);
    if (received.kind === "timeout") break;
    const parsed = parseEvent(received.name, received.payload);
    if (parsed.ok) yield* ignoreLateEvent(run, parsed.value, "case-resolved");
    else yield* ignoreInvalidEvent(run, received.name, parsed.issues);
  }
  yield* record(run, { kind: "status-changed", toStatus: "closed", summary: `Closed automatically ${run.caseContext.partner.autoCloseAfter} after resolution.` });
  yield* emailCustomer(run, "closed");
}

/**
 * Orchestrator of one support request (register as `OrchestratorNames.supportRequest`).
 *
 * Input: {@link SupportRequestOrchestrationInput} `{caseId, partnerId}`. Activities (all with
 * {@link activityRetryOptions}): GetCaseContext, RecordCaseTransition (deterministic `entryId`s),
 * SendStatusEmail and NotifyPartner (one `notificationKey` per message). Events: DiagnosisRecorded
 * and ResolutionRecorded (validated with their zod schemas; invalid payloads become a timeline
 * note), handled one at a time in arrival order; a diagnosis after the escalation, and any event
 * after the resolution, becomes an "ignored" timeline note. Custom status ({@link SupportRequestCustomStatus}) is set at every wait.
 * @returns {@link SupportRequestOrchestrationOutput} once the case is closed.
 * @throws whatever an activity still throws after its retries (the instance fails).
 */
export function* supportRequestOrchestrator(context: OrchestrationContext): Orchestration<SupportRequestOrchestrationOutput> {
  const input = context.df.getInput() as SupportRequestOrchestrationInput;
  // Listens from the very first yield, so no event is ever left to the library's stale waits unread.
  const inbox = new EventInbox(context, [EventNames.diagnosis, EventNames.resolution], arrivalHint);
  const caseContext = yield* inbox.run<CaseContext>(context.df.callActivityWithRetry(ActivityNames.getCaseContext, activityRetryOptions, input));
  const sla = startSlaClock(caseContext.createdAt, caseContext.partner.slaTarget, caseContext.partner.serviceHours);
  const run: Run = {
    context,
    input,
    caseContext,
    state: { status: caseContext.status, sla, entryCount: 0, notificationCounts: new Map() },
    inbox,
  };

  if (run.state.status === "closed") {
    setStatus(run, "nothing");
    return { caseId: input.caseId, finalStatus: "closed" };
  }
  if (canTransition(run.state.status, "in-diagnosis") && run.state.status === "received") {
    yield* record(run, { kind: "status-changed", toStatus: "in-diagnosis", summary: "Request received; the partner is diagnosing it.", patch: { sla } });
    yield* emailCustomer(run, "received");
  }

  if (run.state.status !== "resolved") {
    const resolution = yield* waitUntilResolved(run);
    yield* resolve(run, resolution.summary, resolution.at);
  }
  yield* autoClose(run);

  setStatus(run, "nothing");
  const output: SupportRequestOrchestrationOutput = { caseId: input.caseId, finalStatus: run.state.status };
  if (run.state.escalation) output.escalation = run.state.escalation;
  return output;
}
