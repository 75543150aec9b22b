/**
 * The inbox and the waits between wakes: draining the durable case-action inbox after the cursor
 * (page by page, within the generation's task budget), the next instant the orchestration wakes up
 * for by itself, the custom status published at every wait, and the race of the
 * `CaseActionsAvailable` signal with ONE durable timer.
 */
import type { Task, TimerTask } from "durable-functions";
import { ActivityNames, type CaseActionRecord, type CaseStatus, type SupportRequestCustomStatus, type TakeCaseActionsInput } from "../../shared/contracts";
import { processAction } from "./caseActions";
import { chainPlan } from "./escalation";
import { HISTORY_TASK_BUDGET, TAKE_ACTIONS_PAGE, callActivity, isOpen, ms, now, type Orchestration, type Run } from "./run";
import { nextSlaThreshold } from "./slaClocks";

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
    const actions = yield* callActivity<CaseActionRecord[]>(run, ActivityNames.takeCaseActions, input);
    for (const a of actions) {
      yield* processAction(run, a);
      run.state.cursor = a.seq;
      if (run.tasks > HISTORY_TASK_BUDGET) return false;
    }
    if (actions.length < TAKE_ACTIONS_PAGE) return true;
  }
}

/** What the orchestration wakes up for next by itself. */
export interface Wake {
  at: string;
  metric: NonNullable<SupportRequestCustomStatus["nextDeadlineMetric"]>;
  kind: NonNullable<SupportRequestCustomStatus["nextDeadlineKind"]>;
}

/** The earliest of: the next SLA warning or breach, the next chain level, the deferred Microsoft escalation, the auto-close. */
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
  return candidates.reduce<Wake | undefined>((best, w) => (best === undefined || ms(w.at) < ms(best.at) ? w : best), undefined);
}

/** What the case waits for in a status (the custom status' `waitingFor`). */
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

/** Publishes the custom status: status, what it waits for, the generation and the next wake (if any). */
export function setCustomStatus(run: Run, wake: Wake | undefined): void {
  const status: SupportRequestCustomStatus = { status: run.state.status, waitingFor: waitingFor(run.state.status), generation: run.state.generation };
  if (wake) {
    status.nextDeadline = wake.at;
    status.nextDeadlineMetric = wake.metric;
    status.nextDeadlineKind = wake.kind;
  }
  run.context.df.setCustomStatus(status);
}

/**
 * Waits for a signal or the next timer (whichever is first); the losing timer is cancelled. Skips
 * the wait when a stale wait already caught a signal.
 */
export function* waitForWake(run: Run): Orchestration<void> {
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
