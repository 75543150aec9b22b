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
import { ActivityNames, type CaseContext, type SupportRequestOrchestrationInput, type SupportRequestOrchestrationOutput } from "../../shared/contracts";
import { drainInbox, setCustomStatus, waitForWake } from "./inbox";
import { continueAsNextGeneration, createRun, output, startGeneration } from "./generation";
import { reopenClosed } from "./lifecycleActions";
import { recordSlaEvents } from "./records";
import { HISTORY_TASK_BUDGET, activityRetryOptions, isClosed, now, type Orchestration, type Run } from "./run";
import { catchUp, closeIfDue, handleSlaAlerts } from "./slaHandling";

export { HISTORY_TASK_BUDGET, SERVICE_REQUEST_LOCALE, TAKE_ACTIONS_PAGE, activityRetryOptions } from "./run";
export { currentSlaCycles } from "./slaClocks";

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
  const run: Run = createRun(context, input, caseContext);

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
        continueAsNextGeneration(run);
        return undefined;
      }
      yield* waitForWake(run);
    }
  }
  setCustomStatus(run, undefined);
  return output(run);
}
