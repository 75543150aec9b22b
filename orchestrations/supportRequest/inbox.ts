/**
 * The inbox and the waits between wakes: draining the durable case-action inbox after the cursor
 * (page by page, within the generation's task budget) or taking the records the signals carried,
 * the next instant the orchestration wakes up
 * for by itself, the custom status published at every wait, and the race of the
 * `CaseActionsAvailable` signal with ONE durable timer.
 */
import type { Task, TimerTask } from "durable-functions";
import { SupportRequestActivities, actionSeqNumber, type TakeCaseActionsInput } from "../../shared/contracts";
import { processAction } from "./caseActions";
import { chainPlan } from "./escalation";
import { outboxWakeAt } from "./outbox";
import { HISTORY_TASK_BUDGET, TAKE_ACTIONS_PAGE, isOpen, ms, now, requireActivity, type Orchestration, type Run, type Wake } from "./run";
import { nextSlaThreshold } from "./slaClocks";
import { markCheckpoint, publishStatus } from "./status";

/**
 * Reads the inbox after the cursor and processes the actions in `seq` order, page by page, until it
 * is empty or the generation's task budget is spent.
 * @returns false when it stopped because of the budget (actions may be left for the next generation).
 */
export function* drainInbox(run: Run): Orchestration<boolean> {
  for (;;) {
    run.signals.consume();
    const input: TakeCaseActionsInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, limit: TAKE_ACTIONS_PAGE };
    if (run.state.cursor !== undefined) input.after = run.state.cursor;
    const actions = yield* requireActivity(run, SupportRequestActivities.takeCaseActions, input);
    for (const a of actions) {
      yield* processAction(run, a);
      run.state.cursor = a.seq;
      if (run.tasks > HISTORY_TASK_BUDGET) return false;
    }
    if (actions.length < TAKE_ACTIONS_PAGE) return true;
  }
}

/**
 * The last step before the execution completes (revision 6): CloseCaseInbox closes the case's
 * action inbox when nothing was appended after the cursor, so no append can be accepted later for
 * an instance that has completed (the extension drops a signal raised to it); otherwise it hands
 * over the actions after the cursor, which are processed here in `seq` order (the signals that
 * announced them are covered).
 * @returns true when the inbox is closed and the execution may complete; false when actions were
 *   processed (the caller goes round again) or the budget stopped it.
 */
export function* closeInbox(run: Run): Orchestration<boolean> {
  run.signals.consume();
  const input: TakeCaseActionsInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, limit: TAKE_ACTIONS_PAGE };
  if (run.state.cursor !== undefined) input.after = run.state.cursor;
  const result = yield* requireActivity(run, SupportRequestActivities.closeCaseInbox, input);
  // An open inbox always comes with the actions that keep it open; none would only loop.
  if (result.closed || result.actions.length === 0) return true;
  for (const a of result.actions) {
    yield* processAction(run, a);
    run.state.cursor = a.seq;
    if (run.tasks > HISTORY_TASK_BUDGET) return false;
  }
  return false;
}

/**
 * After a wake by signals (revision 4): processes the inbox records the signals carried, in `seq`
 * order, as long as each is the next after the cursor, with no inbox read. Records at or before the
 * cursor were processed already (a duplicate delivery, a signal a stale wait kept) and are passed
 * over. A signal without a record, or a record past a gap (an action whose signal is still on its
 * way, or was lost), reads the inbox after the cursor ({@link drainInbox}), so no action is
 * skipped and none is processed twice.
 * @returns false when it stopped because of the budget (actions may be left for the next generation).
 */
export function* takeSignalledActions(run: Run): Orchestration<boolean> {
  const { records, withoutRecord } = run.signals.take();
  const numbered = records.map((record) => ({ record, n: actionSeqNumber(record.seq) }));
  let readInbox = withoutRecord || numbered.some((r) => r.n === undefined);
  numbered.sort((a, b) => (a.n ?? 0) - (b.n ?? 0));
  for (const { record, n } of numbered) {
    if (n === undefined) continue;
    const cursor = run.state.cursor === undefined ? 0 : actionSeqNumber(run.state.cursor);
    if (cursor === undefined || n > cursor + 1) {
      readInbox = true;
      break;
    }
    if (n <= cursor) continue;
    yield* processAction(run, record);
    run.state.cursor = record.seq;
    if (run.tasks > HISTORY_TASK_BUDGET) return false;
  }
  return readInbox ? yield* drainInbox(run) : true;
}

/** The earliest of: the next SLA warning or breach, the next chain level, the deferred Microsoft escalation, the auto-close, the next email retry. */
export function nextWake(run: Run): Wake | undefined {
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
  const retryAt = outboxWakeAt(run);
  if (retryAt) candidates.push({ at: retryAt, metric: "email-delivery", kind: "email-retry" });
  return candidates.reduce<Wake | undefined>((best, w) => (best === undefined || ms(w.at) < ms(best.at) ? w : best), undefined);
}

/**
 * Longest durable timer a wait arms, in ms (3 days). A timer further than the Durable extension's
 * `maximumShortTimerDuration` (6 days with the Azure Storage provider) is a "long timer" the
 * extension builds from 3-day chunks, and a cancelled long timer breaks the replay: its first chunk
 * still fires (cancelled timers fire on the extension), durable-functions then counts a next chunk
 * the extension never creates, and every later task of the generation is matched to the wrong
 * sequence number, so the orchestration waits forever; cancelled after its second chunk, the
 * replay fails as non-deterministic. A farther wake is reached by waking early and arming again.
 */
export const MAX_WAKE_TIMER_MS = 3 * 86_400_000;

/**
 * Waits for a signal or the next timer (whichever is first); the losing timer is cancelled. The
 * timer fires at the wake or {@link MAX_WAKE_TIMER_MS} from now, whichever is first (an early
 * firing finds nothing due and the next wait arms again). Skips the wait when a stale wait already
 * caught a signal.
 */
export function* waitForWake(run: Run): Orchestration<void> {
  const wake = nextWake(run);
  run.wake = wake;
  markCheckpoint(run);
  publishStatus(run);
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
  const timer: TimerTask = run.context.df.createTimer(new Date(Math.min(ms(wake.at), ms(now(run)) + MAX_WAKE_TIMER_MS)));
  const winner = (yield run.context.df.Task.any([signal, timer])) as Task;
  if (winner !== timer && !timer.isCompleted) timer.cancel();
}
