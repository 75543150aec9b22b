/**
 * Run state of one generation of the support-request orchestration: the retry policy and budgets,
 * the {@link Run} record every phase helper receives explicitly (nothing is kept at module level:
 * one instance's state never leaks into another's), the signal bookkeeping and the few primitives
 * (time, scheduling an activity, open/closed) the phases share.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import {
  EventNames,
  type AppliedSlaPolicy,
  type CaseContext,
  type SlaEvent,
  type SupportRequestCarry,
  type SupportRequestOrchestrationInput,
} from "../../shared/contracts";
import type { nextSlaTimer } from "../../shared/domain";

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
export type Orchestration<T> = Generator<Task, T, unknown>;

/** SLA event as recorded, with its deterministic id. */
export type LoggedSlaEvent = SlaEvent & { eventId: string };

/** Who acts on an escalation: the owning partner, or (for a reseller's case) its indirect provider. */
export type EscalatingParty = "partner" | "indirect-provider";

/**
 * The `CaseActionsAvailable` waits this generation has yielded and not yet seen complete. A wait
 * that lost a race stays open, and the library may complete it with a later signal; such a signal
 * still means "look at the inbox again" (its action was appended before it was raised).
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
}

/**
 * Everything the phase helpers share for one generation (rebuilt identically on every replay by
 * `createRun` in generation.ts; passed explicitly to every helper).
 */
export interface Run {
  /** The orchestration context of this execution (time, activities, timers, events). */
  context: OrchestrationContext;
  /** The orchestration's input (`carry` only from continueAsNew). */
  input: SupportRequestOrchestrationInput;
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
  /** Carry state (mutated; handed to the next generation). */
  state: SupportRequestCarry;
  /** The signal waits of this generation. */
  signals: Signals;
  /** Tasks scheduled by this generation. */
  tasks: number;
  /** SLA events created by this generation (their ids). */
  slaEvents: number;
  /** The due wake instant the last wait skipped (see `waitForWake` in inbox.ts). */
  skippedWakeAt?: string;
  /** `nextSlaTimer` for the log as it was at `logLength` events (see `nextSlaThreshold` in slaLog.ts). */
  nextSla?: { logLength: number; timer: ReturnType<typeof nextSlaTimer> };
}

/** The orchestration's current time (replay-safe: `context.df.currentUtcDateTime`), as ISO 8601. */
export function now(run: Run): string {
  return run.context.df.currentUtcDateTime.toISOString();
}

/** Milliseconds since the epoch of an ISO 8601 instant (NaN when it does not parse). */
export function ms(iso: string): number {
  return Date.parse(iso);
}

/** Schedules an activity with {@link activityRetryOptions}, counts it against the generation's task budget and returns its result. */
export function* callActivity<T>(run: Run, name: string, input: unknown): Orchestration<T> {
  run.tasks += 1;
  return (yield run.context.df.callActivityWithRetry(name, activityRetryOptions, input)) as T;
}

/** Whether the case is still being worked on (neither resolved nor closed). */
export function isOpen(run: Run): boolean {
  return run.state.status !== "resolved" && run.state.status !== "closed";
}

/** Whether the case is closed (the orchestration ends). */
export function isClosed(run: Run): boolean {
  return run.state.status === "closed";
}
