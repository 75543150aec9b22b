/**
 * The outbox: customer emails and partner notifications never hold the workflow up. Each is tried
 * at once; one that fails transiently (mail server down, ACS 429 with `Retry-After`) waits in the
 * carry state and is retried by the same single durable timer the orchestration arms for its SLA
 * deadlines (`nextWake` in inbox.ts), with backoff that honours `Retry-After`, for up to
 * `EmailFailurePolicy.giveUpAfterInMs` (3 days); the last attempt records a failure as final.
 * Meanwhile the case goes on: partner actions, SLA warnings and breaches, escalation.
 *
 * Emails of a case go out in order: while one waits, later ones queue behind it — recorded as
 * pending on the notification log by the activity (`delivery.queue`), so a restarted workflow
 * finds them. A permanent failure is recorded by the activity (notification log, timeline, a
 * refused customer address marked undeliverable); for a customer email the partner is told.
 */
import { ActivityNames, EmailFailurePolicy, SupportRequestActivities, type ActivityDefinition, type ActivityResult, isLastEmailAttempt, retryDelayInMs, type NotifyPartnerInput, type OutboxItem, type SendStatusEmailInput, type SendStatusEmailResult } from "../../shared/contracts";
import { HISTORY_TASK_BUDGET, attemptActivity, ms, now, type Orchestration, type Run } from "./run";
import { publishStatus } from "./status";

type EmailInput = SendStatusEmailInput | NotifyPartnerInput;

/**
 * Calls an email activity once by its outbox name. The outbox holds its input as stored data
 * (carried across generations); the activity validates it where it runs.
 */
function* attemptEmail(run: Run, activity: OutboxItem["activity"], input: Record<string, unknown>): Orchestration<ActivityResult<SendStatusEmailResult>> {
  return activity === ActivityNames.sendStatusEmail
    ? yield* attemptActivity(run, SupportRequestActivities.sendStatusEmail, input as SendStatusEmailInput)
    : yield* attemptActivity(run, SupportRequestActivities.notifyPartner, input as NotifyPartnerInput);
}

/** The outbox of the run (created on first use). */
function outboxOf(run: Run): OutboxItem[] {
  run.state.outbox ??= [];
  return run.state.outbox;
}

/** Drops an empty outbox from the carry state (keeps the carry as small as before). */
function tidy(run: Run): void {
  if (run.state.outbox?.length === 0) delete run.state.outbox;
}

/**
 * Delivers an email now, or — while earlier emails of the case wait for a retry — queues it behind
 * them (recorded as pending by the activity).
 * @param activity - `SupportRequestActivities.sendStatusEmail` (customer) or `.notifyPartner`.
 * @param input - the activity's input (without `delivery`).
 */
export function* deliver<I extends EmailInput>(run: Run, activity: ActivityDefinition<I, SendStatusEmailResult>, input: I): Orchestration<void> {
  const outbox = run.state.outbox ?? [];
  const head = outbox[0];
  if (head) {
    // Recorded as pending on the notification log (whatever the answer: the outbox holds it anyway).
    yield* attemptActivity(run, activity, { ...input, delivery: { attempt: 0, queue: true } });
    outboxOf(run).push({ ...newItem(run, activity, input), nextAttemptAt: head.nextAttemptAt, fault: { class: "transient", code: "queued", message: "Waiting behind earlier emails of the case" } });
    publishStatus(run);
    return;
  }
  yield* settleFirstAttempt(run, activity, input);
}

/** Whether an email would go out at once ({@link deliver}): no earlier email of the case waits for a retry. */
export function deliversAtOnce(run: Run): boolean {
  return run.state.outbox?.[0] === undefined;
}

/** A new outbox item of `input`, not attempted yet. */
function newItem<I extends EmailInput>(run: Run, activity: ActivityDefinition<I, SendStatusEmailResult>, input: I): OutboxItem {
  const name = activity.name === ActivityNames.sendStatusEmail ? ActivityNames.sendStatusEmail : ActivityNames.notifyPartner;
  return { activity: name, input: { ...input }, attempts: 0, firstFailedAt: now(run), nextAttemptAt: now(run) };
}

/**
 * The first attempt of an email that goes out at once ({@link deliversAtOnce}): made here, or
 * already made (`firstAttempt`: scheduled side by side with another activity, `attemptTogether` in
 * run.ts), and its outcome handled as {@link deliver} does: a transient failure waits in the outbox,
 * a permanent one is recorded and the partner told.
 */
export function* settleFirstAttempt<I extends EmailInput>(run: Run, activity: ActivityDefinition<I, SendStatusEmailResult>, input: I, firstAttempt?: ActivityResult<SendStatusEmailResult>): Orchestration<void> {
  const item = newItem(run, activity, input);
  const result = yield* attempt(run, item, firstAttempt);
  if (result === "retry") {
    outboxOf(run).push(item);
    publishStatus(run);
  } else if (result !== "done") {
    yield* onFailed(run, item, result.failed);
  }
}

/**
 * Retries the emails that are due, in order, until one fails again (it waits for its next attempt)
 * or the generation's task budget is spent.
 */
export function* flushOutbox(run: Run): Orchestration<void> {
  for (let head = run.state.outbox?.[0]; head && ms(head.nextAttemptAt) <= ms(now(run)) && run.tasks <= HISTORY_TASK_BUDGET; head = run.state.outbox?.[0]) {
    const result = yield* attempt(run, head);
    if (result === "retry") break;
    outboxOf(run).shift();
    const next = run.state.outbox?.[0];
    if (next && ms(next.nextAttemptAt) > ms(now(run))) next.nextAttemptAt = now(run);
    // Told after the item left the outbox, so the notice is not queued behind its own cause.
    if (result !== "done") yield* onFailed(run, head, result.failed);
  }
  tidy(run);
}

/** The instant the outbox wants the orchestration to wake up (its first item's next attempt), if any. */
export function outboxWakeAt(run: Run): string | undefined {
  return run.state.outbox?.[0]?.nextAttemptAt;
}

/** Whether emails still wait to go out (the orchestration does not end before they are delivered or given up). */
export function outboxPending(run: Run): boolean {
  return (run.state.outbox?.length ?? 0) > 0;
}

/**
 * One delivery attempt of an item (mutated: attempts, fault, next attempt); `made`: the result of
 * a first attempt already made.
 * @returns `done` (sent, skipped, or dropped), `{failed}` (failed for good and recorded by the
 *   activity; the caller tells the partner once the item is out of the outbox) or `retry`
 *   (transient: `nextAttemptAt` set).
 */
function* attempt(run: Run, item: OutboxItem, made?: ActivityResult<SendStatusEmailResult>): Orchestration<"done" | "retry" | { failed: SendStatusEmailResult }> {
  const policy = EmailFailurePolicy;
  const number = item.attempts + 1;
  const final = item.attempts > 0 && isLastAttempt(run, item, number);
  // The first attempt carries no `delivery` (the activity's default); retries say which and whether last.
  const delivery = number > 1 || final ? { delivery: { attempt: number, ...(final ? { final: true } : {}) } } : {};
  const result = made !== undefined && number === 1 ? made : yield* attemptEmail(run, item.activity, { ...item.input, ...delivery });
  item.attempts = number;
  if (result.ok) {
    const outcome = result.value;
    if (outcome.outcome === "failed") return { failed: outcome };
    if (outcome.outcome !== "pending" && outcome.outcome !== "queued") return "done";
    item.fault = outcome.fault ?? { class: "transient", code: "unexpected", message: "pending without a reason" };
  } else {
    // The activity itself failed (storage down while recording, or a bug): retried like a send.
    item.fault = result.fault;
    if (result.fault.class === "permanent" || final) return "done";
  }
  if (item.attempts === 1) item.firstFailedAt = now(run);
  const delay = retryDelayInMs(policy, number, item.fault.retryAfterInMs);
  item.nextAttemptAt = new Date(ms(now(run)) + delay).toISOString();
  return "retry";
}

/** Whether attempt `number` is the last one the policy allows (after it, no retry would be). */
function isLastAttempt(run: Run, item: OutboxItem, number: number): boolean {
  return isLastEmailAttempt(item.fault, number, ms(now(run)) - ms(item.firstFailedAt));
}

/**
 * A customer email failed for good (recorded by the activity): the partner is told once per case,
 * with the reason and what it means (a refused address gets no more status emails). A failed
 * partner notification is recorded only (telling the partner by email would fail alike).
 */
function* onFailed(run: Run, item: OutboxItem, outcome: SendStatusEmailResult): Orchestration<void> {
  if (item.activity !== ActivityNames.sendStatusEmail) return;
  const key = "customer-email-failed";
  if (run.state.notificationCounts[key] !== undefined) return;
  run.state.notificationCounts[key] = 1;
  const input: NotifyPartnerInput = {
    caseId: run.input.caseId,
    partnerId: run.input.partnerId,
    notificationKey: key,
    notice: { kind: "customer-email-failed", ...(outcome.fault ? { fault: outcome.fault } : {}), undeliverable: outcome.undeliverable ?? [], status: run.state.status },
  };
  yield* deliver(run, SupportRequestActivities.notifyPartner, input);
}
