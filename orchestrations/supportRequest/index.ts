/**
 * The support-request orchestration: one instance per case (instance id = case id). It only
 * decides; every side effect is an activity (docs/architecture.md "Layers"). Deterministic: time comes only from
 * `context.df.currentUtcDateTime`, ids from counters, rules from shared/domain.
 *
 * Inputs from outside arrive through the durable case-action inbox (shared/contracts/caseActions.ts):
 * the partner API appends an action, then raises {@link EventNames.actionsAvailable} with the
 * appended record as its payload (null when too large, or from an older sender). After a wake by a
 * signal (revision 1: after every wake) it drains the inbox with TakeCaseActions (after its cursor)
 * and processes the actions in `seq` order; from revision 4 it first takes the records the signals
 * carried that follow its cursor without a gap, and reads the inbox only when a signal carried none
 * or a record is past a gap. So a signal the
 * library hands to a stale wait (durable-functions 3.5 completes the newest open wait of a name,
 * even one that lost an earlier race) or one that continueAsNew discards loses nothing: a stale wait
 * that completed is seen and causes one more drain (or its record is passed over as processed),
 * and every generation starts with a drain.
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
 * recorded by RecordSlaEvents; the next timer comes from `nextSlaTimer` over that log
 * "clocks are recomputed from it"; help-desk practice "SLA semantics").
 *
 * Layout of this folder (each module takes the generation's {@link Run} explicitly; nothing is kept
 * at module level):
 * - run.ts: run state, retry policy, task budget, signals, shared primitives;
 * - generation.ts: building the run from input or carry, the generation start, continueAsNew, output;
 * - inbox.ts: draining the inbox, the next wake, the custom status, the wait;
 * - slaClocks.ts: the SLA log and policy of the generation (pure);
 * - slaHandling.ts: warnings and breaches, catching up, auto-close, policy change;
 * - escalation.ts: escalation chain, escalation decision, product support incidents, Partner Center filing;
 * - caseActions.ts / lifecycleActions.ts: the inbox actions;
 * - records.ts: timeline entries, status changes, customer emails, partner notifications, SLA events.
 */
import type { OrchestrationContext } from "durable-functions";
import { SupportRequestActivities, faultMessage, type RecordTransitionInput, type SupportRequestOrchestrationInput, type SupportRequestOrchestrationOutput } from "../../shared/contracts";
import { continueAsNextGeneration, createRun, output, recordRecovery, startGeneration, startRun } from "./generation";
import { closeInbox, drainInbox, takeSignalledActions, waitForWake } from "./inbox";
import { reopenClosed } from "./lifecycleActions";
import { flushOutbox, outboxPending } from "./outbox";
import { recordSlaEvents } from "./records";
import { HISTORY_TASK_BUDGET, attemptActivity, isClosed, now, type Orchestration, type Run, type RunBase } from "./run";
import { catchUp, closeIfDue, handleSlaAlerts } from "./slaHandling";
import { markCheckpoint, publishStatus } from "./status";

export { HISTORY_TASK_BUDGET, SERVICE_REQUEST_LOCALE, StepFailedError, TAKE_ACTIONS_PAGE } from "./run";
export { currentSlaCycles } from "./slaClocks";
export { MAX_WAKE_TIMER_MS } from "./inbox";

/**
 * Orchestrator of one support request (register as `OrchestratorNames.supportRequest`).
 *
 * Input: {@link SupportRequestOrchestrationInput} `{caseId, partnerId, revision?, carry?, recovery?,
 * caseContext?}` (`carry` from continueAsNew, or from a restart: reopening a closed case,
 * recovering a failed execution; `revision`: the step sequence to follow, shared/contracts
 * `WorkflowRevisions`, docs/adr/0005; `caseContext`: a new case's facts as the intake stored them,
 * read instead of GetCaseContext by the first generation).
 * Activities: GetCaseContext, TakeCaseActions, RecordSlaEvents (event ids `GGGG-NNNN`),
 * RecordCaseTransition (entry ids `t<n>-<slug>`), SendStatusEmail and NotifyPartner (one
 * `notificationKey` per message, through the outbox), ConsumeProductSupportIncident,
 * FileMicrosoftServiceRequest (defined once in `SupportRequestActivities`, shared/contracts/activities.ts);
 * each answers with an ActivityResult and its transient faults are retried per the activity's own
 * failure policy with durable timers. Event: `CaseActionsAvailable` (payload: the appended
 * inbox record, or null; the inbox stays the record the workflow goes by). Custom status ({@link SupportRequestCustomStatus}) at every wait, with the
 * checkpoint a restart continues from. A generation hands over with continueAsNew after more than
 * {@link HISTORY_TASK_BUDGET} tasks.
 * @returns {@link SupportRequestOrchestrationOutput} once the case is closed and its emails are out.
 * @throws StepFailedError when a step the workflow needs (storage) still fails after its policy,
 *   or any error of the orchestrator's own code: the failure is published in the custom status and
 *   recorded on the case first, and the recovery sweeper restarts the workflow from its checkpoint.
 */
export function* supportRequestOrchestrator(context: OrchestrationContext): Orchestration<SupportRequestOrchestrationOutput | undefined> {
  const input = context.df.getInput() as SupportRequestOrchestrationInput;
  const base = startRun(context, input);
  // A generation that continues another publishes the carried status before its first activity:
  // the new execution starts with no custom status, and a reader must never see none between two.
  if (input.carry !== undefined) publishStatus(base);
  try {
    return yield* runGeneration(yield* createRun(base), input.carry === undefined);
  } catch (e) {
    yield* recordFailure(base, e);
    throw e;
  }
}

/**
 * One generation: start, then drain / catch up / deliver / record / wait until closed (and emails
 * out) or the budget is spent; from revision 6 the case's action inbox is then closed
 * (CloseCaseInbox), and actions that came in after the last read are processed first.
 */
function* runGeneration(run: Run, first: boolean): Orchestration<SupportRequestOrchestrationOutput | undefined> {
  if (run.state.reopen && isClosed(run)) yield* reopenClosed(run, run.state.reopen);
  // From revision 3 a new case's first generation reads no inbox before its first wait: every
  // action is appended to the inbox and then signalled (an event raised before the orchestration
  // waits is kept for it), and an action on a workflow that is not running restarts it with
  // `recovery`, which drains.
  const fresh = first && run.revision >= 3 && run.input.recovery === undefined && run.caseContext.status === "received";
  if (!isClosed(run)) yield* startGeneration(run, first);
  // From revision 9 the recovery of a closed case (its emails still to send) is recorded too.
  else if (run.revision >= 9 && run.input.recovery) yield* recordRecovery(run, run.input.recovery);
  // Every other generation starts with a drain (a signal continueAsNew discarded loses nothing);
  // from revision 2 a wake by the timer alone reads no inbox: only a received signal means new
  // actions; from revision 4 the records the signals carried are taken first.
  let inbox: "drain" | "signalled" | "none" = fresh ? "none" : "drain";
  // From revision 6 the loop ends only once CloseCaseInbox has closed the inbox (closeInbox, inbox.ts).
  while (!isClosed(run) || outboxPending(run) || run.revision >= 6) {
    if (run.revision >= 6 && isClosed(run) && !outboxPending(run)) {
      if (yield* closeInbox(run)) break;
      // Actions came in after the last read; they were processed: go round again (emails, SLA
      // events, a reopened case's next wait), or hand over when the budget is spent.
      if (run.tasks > HISTORY_TASK_BUDGET) {
        continueAsNextGeneration(run);
        return undefined;
      }
      inbox = "none";
      continue;
    }
    const drained = inbox === "drain" ? yield* drainInbox(run) : inbox === "signalled" ? yield* takeSignalledActions(run) : true;
    if (drained) {
      yield* catchUp(run, now(run));
      yield* handleSlaAlerts(run);
      yield* closeIfDue(run);
    }
    yield* flushOutbox(run);
    yield* recordSlaEvents(run);
    if (isClosed(run) && !outboxPending(run)) {
      if (run.revision < 6) break;
      inbox = "none";
      continue;
    }
    if (run.tasks > HISTORY_TASK_BUDGET) {
      continueAsNextGeneration(run);
      return undefined;
    }
    yield* waitForWake(run);
    inbox = run.revision < 2 ? "drain" : !run.signals.pending ? "none" : run.revision < 4 ? "drain" : "signalled";
  }
  run.wake = undefined;
  markCheckpoint(run);
  publishStatus(run);
  return output(run);
}

/**
 * The execution is failing: publishes the failure with the last checkpoint in the custom status
 * and records it on the case (timeline entry, case `workflow` marked failed) so partners see it at
 * once; when even that fails (storage down), the failure stays in the custom status.
 */
function* recordFailure(run: RunBase, error: unknown): Orchestration<void> {
  const message = faultMessage((error as Error)?.message ?? String(error));
  run.wake = undefined;
  publishStatus(run, { message, at: now(run) });
  const entry: RecordTransitionInput = {
    caseId: run.input.caseId,
    partnerId: run.input.partnerId,
    entryId: `workflow-failed-g${run.state.generation}-t${run.state.entryCount}`,
    kind: "workflow",
    summary: `The workflow stopped: ${message}. It is restarted automatically from its last checkpoint.`,
    at: now(run),
    details: { failure: message, generation: run.state.generation },
    patch: { workflow: { state: "failed", since: now(run), reason: message } },
  };
  yield* attemptActivity(run, SupportRequestActivities.recordTransition, entry);
}
