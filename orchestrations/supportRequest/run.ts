/**
 * Run state of one generation of the support-request orchestration: the retry policy and budgets,
 * the {@link Run} record every phase helper receives explicitly (nothing is kept at module level:
 * one instance's state never leaks into another's), the signal bookkeeping and the few primitives
 * (time, scheduling an activity, open/closed) the phases share.
 */
import type { OrchestrationContext, Task } from "durable-functions";
import {
  EventNames,
  StoredCaseActionRecordSchema,
  faultMessage,
  retryDelayInMs,
  shouldRetry,
  type ActivityDefinition,
  type ActivityResult,
  type AppliedSlaPolicy,
  type CaseContext,
  type Fault,
  type SlaEvent,
  type SupportRequestCarry,
  type SupportRequestCustomStatus,
  type StoredCaseActionRecord,
  type SupportRequestOrchestrationInput,
  type WorkflowRevision,
} from "../../shared/contracts";
import type { nextSlaTimer } from "../../shared/domain";
import { publishStatus } from "./status";

/**
 * Tasks (activities and timers) one generation may schedule before it hands over to the next with
 * continueAsNew. Checked after every processed action and after every wake, so a generation ends
 * with at most this many tasks plus those of one action or one timer wake. Measured: a request open
 * 90 days with a daily partner update and customer reply (and the SLA warnings, breaches and
 * escalation chain they cause, and the cancelled timers that still fire) never exceeds 158 history
 * events per generation (the history-driven unit test; asserted ≤ 200, also on the local engine in
 * test/integration/durable/supportRequestHistory.test.ts).
 */
export const HISTORY_TASK_BUDGET = 30;

/** Actions read per TakeCaseActions call (the activity's default); a full page means more may wait. */
export const TAKE_ACTIONS_PAGE = 50;

/** Partner Center locale of the service requests the orchestration files (`servicerequests/{locale}`). */
export const SERVICE_REQUEST_LOCALE = "en-US";

/** The generator type every phase helper has (yields durable Tasks). */
export type Orchestration<T> = Generator<Task, T, unknown>;

/** SLA event as recorded, with its deterministic id. */
export type LoggedSlaEvent = SlaEvent & { eventId: string };

/** Who acts on an escalation: the owning partner, or (for a reseller's case) its indirect provider. */
export type EscalatingParty = "partner" | "indirect-provider";

/**
 * The `CaseActionsAvailable` waits this generation has yielded and not yet seen complete. A wait
 * that lost a race stays open, and the library may complete it with a later signal; such a signal
 * still means "look at the inbox again" (its action was appended before it was raised), and what
 * it carried is still taken ({@link Signals.take}).
 */
export class Signals {
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

  /**
   * Takes every signal received so far (as {@link consume}) with what they carried: the inbox
   * records of those that carried one (revision 4: `actionSignalOf`, shared/contracts), and whether
   * any carried none (an older sender, a record too large to carry, a payload that does not parse).
   */
  take(): { records: StoredCaseActionRecord[]; withoutRecord: boolean } {
    const received = this.open.filter((w) => w.isCompleted);
    this.consume();
    const records: StoredCaseActionRecord[] = [];
    let withoutRecord = false;
    for (const w of received) {
      const parsed = StoredCaseActionRecordSchema.safeParse(w.result);
      if (parsed.success) records.push(parsed.data);
      else withoutRecord = true;
    }
    return { records, withoutRecord };
  }
}

/**
 * What a generation has before it read its case: the context, the input, the carry state, the
 * checkpoint and the task count (enough to call activities with retries and publish the status).
 */
export interface RunBase {
  /** The orchestration context of this execution (time, activities, timers, events). */
  context: OrchestrationContext;
  /** The orchestration's input (`carry` only from continueAsNew). */
  input: SupportRequestOrchestrationInput;
  /** The step sequence this execution follows (the input's, 1 when absent; shared/contracts `WorkflowRevisions`). */
  revision: WorkflowRevision;
  /** Carry state (mutated; handed to the next generation). */
  state: SupportRequestCarry;
  /** Tasks scheduled by this generation. */
  tasks: number;
  /**
   * The carry state at the last safe point (the generation start, then every wait): what a
   * restart continues from should this execution fail (published in the custom status).
   */
  checkpoint: SupportRequestCarry;
  /** A step waiting to retry a transient fault, shown in the custom status while it waits. */
  retrying?: NonNullable<SupportRequestCustomStatus["retrying"]>;
  /** What the orchestration wakes up for next by itself, as last computed (`nextWake` in inbox.ts). */
  wake?: Wake;
}

/**
 * Everything the phase helpers share for one generation (rebuilt identically on every replay by
 * `createRun` in generation.ts; passed explicitly to every helper).
 */
export interface Run extends RunBase {
  /** Case facts from GetCaseContext (re-read on reclassification); the stored SLA log is not kept here. */
  caseContext: CaseContext;
  /** The SLA policy in force. */
  policy: AppliedSlaPolicy;
  /** SLA log as stored at the generation start (its current cycles, `currentSlaCycles` in slaLog.ts) plus the events appended since, oldest first. */
  log: SlaEvent[];
  /** Events appended to `log` and not yet recorded. */
  unrecorded: LoggedSlaEvent[];
  /** Warnings and breaches appended to `log` and not yet acted on (see `handleSlaAlerts` in slaHandling.ts). */
  alerts: SlaEvent[];
  /** The signal waits of this generation. */
  signals: Signals;
  /** SLA events created by this generation (their ids). */
  slaEvents: number;
  /** The due wake instant the last wait skipped (see `waitForWake` in inbox.ts). */
  skippedWakeAt?: string;
  /** `nextSlaTimer` for the log as it was at `logLength` events (see `nextSlaThreshold` in slaLog.ts). */
  nextSla?: { logLength: number; timer: ReturnType<typeof nextSlaTimer> };
}

/** What the orchestration wakes up for next by itself (the one durable timer it arms). */
export interface Wake {
  /** ISO 8601 UTC. */
  at: string;
  metric: NonNullable<SupportRequestCustomStatus["nextDeadlineMetric"]>;
  kind: NonNullable<SupportRequestCustomStatus["nextDeadlineKind"]>;
}

/** The orchestration's current time (replay-safe: `context.df.currentUtcDateTime`), as ISO 8601. */
export function now(run: RunBase): string {
  return run.context.df.currentUtcDateTime.toISOString();
}

/** Milliseconds since the epoch of an ISO 8601 instant (NaN when it does not parse). */
export function ms(iso: string): number {
  return Date.parse(iso);
}

/** One activity call of {@link attemptTogether}: its definition and input. */
export interface ActivityCall<I = unknown, O = unknown> {
  activity: ActivityDefinition<I, O>;
  input: I;
}

/**
 * Calls activities ONCE each, side by side: all are scheduled in the same episode (one
 * `Task.all`), so they run concurrently and the orchestration goes on once every one has answered.
 * Returns their {@link ActivityResult}s in the order given; a call the host failed comes back as
 * an `unexpected` transient fault, as from {@link attemptActivity}. Counts one task per call.
 *
 * `Task.all` of durable-functions 3 fails as soon as one child fails (a host failure; activities
 * answer faults as results), before the others answered: those are then awaited one by one (a
 * task already scheduled is not scheduled again when yielded on its own). A second `Task.any` over
 * them is never built: a new compound task would schedule its children's actions again.
 */
export function* attemptTogether(run: RunBase, calls: readonly ActivityCall[]): Orchestration<ActivityResult<unknown>[]> {
  run.tasks += calls.length;
  const tasks = calls.map((c) => run.context.df.callActivity(c.activity.name, c.input));
  try {
    yield run.context.df.Task.all(tasks);
  } catch {
    for (const t of tasks) {
      if (t.isCompleted || t.isFaulted) continue;
      try {
        yield t;
      } catch {
        // read below from the task itself
      }
    }
  }
  return tasks.map((t, i) => (t.isFaulted ? hostFailure(calls[i]?.activity.name ?? "?", t.result) : (t.result as ActivityResult<unknown>)));
}

/** A call the host failed (a timeout, a missing function after a deployment) as the `unexpected` transient fault it is answered with. */
function hostFailure(activityName: string, error: unknown): { ok: false; fault: Fault } {
  return { ok: false, fault: { class: "transient", code: "unexpected", message: faultMessage(`The activity ${activityName} failed: ${(error as Error)?.message ?? String(error)}`) } };
}

/** The outcome of a step after its retries: the activity's value, or the fault it gave up on (`attempts` made). */
export type StepResult<T> = { ok: true; value: T } | { ok: false; fault: Fault; attempts: number };

/**
 * Calls an activity ONCE and returns its {@link ActivityResult}; a failure of the call itself
 * (the host failed the task: a timeout, a missing function after a deployment) comes back as an
 * `unexpected` transient fault. Counts one task against the generation's budget.
 * @param activity - its definition (shared/contracts/activities.ts `SupportRequestActivities`): the
 *   name called and the input and output types.
 */
export function* attemptActivity<I, O>(run: RunBase, activity: ActivityDefinition<I, O>, input: I): Orchestration<ActivityResult<O>> {
  run.tasks += 1;
  try {
    return (yield run.context.df.callActivity(activity.name, input)) as ActivityResult<O>;
  } catch (e) {
    return hostFailure(activity.name, e);
  }
}

/**
 * Calls an activity and retries its transient faults with durable timers per the activity's own
 * failure policy (`Retry-After` honoured): the case waits, no worker is held, the custom status
 * shows the retry. A permanent fault, or a transient one past the policy, is returned for the
 * caller to decide (record it, fall back, or fail the orchestration).
 * @param firstAttempt - the result of a first attempt already made ({@link attemptTogether}): the
 *   retries continue from it instead of calling the activity again.
 */
export function* callActivity<I, O>(run: RunBase, activity: ActivityDefinition<I, O>, input: I, firstAttempt?: ActivityResult<O>): Orchestration<StepResult<O>> {
  const policy = activity.failurePolicy;
  const name = activity.name;
  const firstFailure: { at?: number } = {};
  for (let attempts = 1; ; attempts++) {
    const result = attempts === 1 && firstAttempt !== undefined ? firstAttempt : yield* attemptActivity(run, activity, input);
    if (result.ok) {
      if (run.retrying?.activity === name) run.retrying = undefined;
      return result;
    }
    const nowMs = ms(now(run));
    firstFailure.at ??= nowMs;
    const delay = retryDelayInMs(policy, attempts, result.fault.retryAfterInMs);
    if (!shouldRetry(policy, result.fault, attempts, nowMs - firstFailure.at, delay)) {
      run.retrying = undefined;
      return { ok: false, fault: result.fault, attempts };
    }
    const nextAttemptAt = new Date(nowMs + delay).toISOString();
    run.retrying = { activity: name, attempts, nextAttemptAt, fault: result.fault };
    publishStatus(run);
    run.tasks += 1;
    yield run.context.df.createTimer(new Date(nowMs + delay));
  }
}

/**
 * Calls an activity the workflow cannot go on without (storage steps): retried per its policy,
 * and when it still fails the orchestration fails with {@link StepFailedError} — recorded by the
 * top-level handler (index.ts) and restarted by the recovery sweeper from the last checkpoint.
 * @param firstAttempt - as {@link callActivity}'s.
 */
export function* requireActivity<I, O>(run: RunBase, activity: ActivityDefinition<I, O>, input: I, firstAttempt?: ActivityResult<O>): Orchestration<O> {
  const result = yield* callActivity(run, activity, input, firstAttempt);
  if (!result.ok) throw new StepFailedError(activity.name, result.fault, result.attempts);
  return result.value;
}

/** A step the workflow needs failed for good (after its retries); the orchestration fails with it. */
export class StepFailedError extends Error {
  /** @param activity - the activity. @param fault - its last fault. @param attempts - attempts made. */
  constructor(
    readonly activity: string,
    readonly fault: Fault,
    readonly attempts: number,
  ) {
    super(`${activity} failed after ${attempts} attempt${attempts === 1 ? "" : "s"} (${fault.class} ${fault.code}): ${fault.message}`);
    this.name = "StepFailedError";
  }
}


/** Whether the case is still being worked on (neither resolved nor closed). */
export function isOpen(run: Run): boolean {
  return run.state.status !== "resolved" && run.state.status !== "closed";
}

/** Whether the case is closed (the orchestration ends). */
export function isClosed(run: Run): boolean {
  return run.state.status === "closed";
}
