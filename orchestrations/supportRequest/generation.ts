/**
 * One generation of the orchestration: the {@link Run} built from the input (fresh, or the carry of
 * the previous generation), its start (clocks activated and the request acknowledged on the first
 * one, clocks re-targeted when the policy changed in between), the hand-over to the next generation
 * with continueAsNew, and the output once the case is closed.
 */
import type { OrchestrationContext } from "durable-functions";
import { CURRENT_WORKFLOW_REVISION, SupportRequestActivities, WorkflowRevisions, type SupportRequestCarry, type SupportRequestOrchestrationInput, type SupportRequestOrchestrationOutput, type WorkflowRevision } from "../../shared/contracts";
import { changeStatusAndEmail, emailCustomer, record, recordSlaEvents } from "./records";
import { Signals, isOpen, now, requireActivity, type Orchestration, type Run, type RunBase } from "./run";
import { applySla, clocksOutOfStep, countStoredAlertNotices, currentSlaCycles, describePolicy, policyOf, slaSummary } from "./slaClocks";
import { handleSlaAlerts } from "./slaHandling";
import { checkpointOf, jsonCopy } from "./status";

/**
 * The start of a generation: the carry of the previous generation (copied, so this one's changes
 * stay its own) or a fresh state (status `received` until the case is read), which is also the
 * first checkpoint.
 */
export function startRun(context: OrchestrationContext, input: SupportRequestOrchestrationInput): RunBase {
  const state: SupportRequestCarry = input.carry ? jsonCopy(input.carry) : { generation: 0, status: "received", entryCount: 0, notificationCounts: {} };
  return { context, input, revision: revisionOf(input), state, tasks: 0, checkpoint: jsonCopy(state) };
}

/**
 * The step sequence an execution follows: its input's `revision` when it is one this code knows;
 * absent (started before revisions existed) or below 2: 1; a revision newer than this code (a
 * deployment rolled back under a running execution): the current one, the nearest it can follow.
 */
export function revisionOf(input: Pick<SupportRequestOrchestrationInput, "revision">): WorkflowRevision {
  const r = input.revision;
  if (r === undefined || r < 2) return 1;
  return (WorkflowRevisions as readonly number[]).includes(r) ? (r as WorkflowRevision) : CURRENT_WORKFLOW_REVISION;
}

/**
 * Reads the case (GetCaseContext, retried per the storage policy; the orchestration fails when it
 * cannot) and completes the run: the SLA log trimmed to its current cycles, the policy in force,
 * and on a first generation the case's stored status. A new case's first generation started with
 * the facts the intake stored (input `caseContext`, no carry, not a recovery) starts from them
 * instead of reading them back.
 */
export function* createRun(base: RunBase): Orchestration<Run> {
  const given = base.input.carry === undefined && base.input.recovery === undefined ? base.input.caseContext : undefined;
  const caseContext = given ?? (yield* requireActivity(base, SupportRequestActivities.getCaseContext, { caseId: base.input.caseId, partnerId: base.input.partnerId }));
  if (!base.input.carry) {
    base.state.status = caseContext.status;
    base.checkpoint.status = caseContext.status;
  }
  if (base.revision >= 8) countStoredAlertNotices(base.state, caseContext.slaLog ?? []);
  // The same object as `base`: the top-level failure handler publishes its checkpoint.
  const rest: Omit<Run, keyof RunBase> = {
    caseContext,
    policy: policyOf(caseContext),
    log: currentSlaCycles(caseContext.slaLog ?? []),
    unrecorded: [],
    alerts: [],
    signals: new Signals(base.context),
    slaEvents: 0,
  };
  return Object.assign(base, rest);
}

/**
 * First generation (and, from revision 7, a restart continuing a case not yet acknowledged):
 * activates the clocks, moves the case into diagnosis and acknowledges it; later ones re-target
 * the open clocks when the policy or targets GetCaseContext selected differ from those of the log
 * (the partner changed its policies, or a reclassification was stored before this generation read
 * the case), with a timeline entry.
 */
export function* startGeneration(run: Run, first: boolean): Orchestration<void> {
  if (run.input.recovery) yield* recordRecovery(run, run.input.recovery);
  const activated = run.log.filter((e) => e.type === "activate");
  if (activated.length === 0) {
    applySla(run, { kind: "opened", at: run.caseContext.createdAt });
  } else if (isOpen(run) && clocksOutOfStep(run.log, run.policy)) {
    const from = activated.at(-1)?.policyId ?? "?";
    applySla(run, { kind: "policy-changed", policy: run.policy, at: now(run) });
    yield* record(run, {
      // From revision 7 under an id of its own, not the next of the counter: whether this note is
      // written depends on the log as stored, which a stopped execution may have changed, and a
      // restart must give every later entry the id it had (ids are written once).
      ...(run.revision >= 7 ? { entryId: `sla-policy-retargeted-g${run.state.generation}` } : {}),
      kind: "note",
      summary: `SLA policy changed from ${from} to ${describePolicy(run.policy)} because the policy that applies to the request changed; the open clocks were re-targeted with their elapsed time kept.`,
      details: { slaPolicyChanged: { from, to: run.policy.policyId, toTargets: run.policy.targets, at: now(run) } },
      patch: { sla: slaSummary(run) },
    });
  }
  // A restart before the first checkpoint acknowledges again: an acknowledgement already sent is
  // not sent twice (its notification key is the same), and a transition already made is refused.
  // From revision 7 a restart that continues the starting state of such a first generation (status
  // `received`) acknowledges too, under the same entry id, so later entries keep theirs.
  const acknowledging = first ? run.state.status === "received" || run.input.recovery !== undefined : run.revision >= 7 && run.state.status === "received";
  if (acknowledging) {
    // Revision 1 records the SLA activations on their own before the acknowledgement (which states
    // when the first response is due); later ones carry them with the transition, and the email
    // takes the due time from the workflow's clocks (`respondBy`).
    if (!(yield* changeStatusAndEmail(run, "in-diagnosis", { kind: "status-changed", summary: "Request received; the partner is diagnosing it." }, { status: "received" }, { slaEventsFirst: true }))) {
      yield* recordSlaEvents(run);
      yield* emailCustomer(run, "received");
    }
  }
  yield* handleSlaAlerts(run);
}

/**
 * The first thing a restarted execution records (shared/services/workflowRecovery.ts sets
 * `input.recovery`): the restart on the timeline, and the case's workflow marked running again.
 * An open case's at the start of its generation; a closed case's (its emails still to send) from
 * workflow revision 9, before it sends them.
 */
export function* recordRecovery(run: Run, recovery: NonNullable<SupportRequestOrchestrationInput["recovery"]>): Orchestration<void> {
  yield* record(run, {
    entryId: `workflow-restart-${recovery.attempt}-${recovery.requestedAt}`,
    kind: "workflow",
    summary: `The workflow was restarted (attempt ${recovery.attempt}) after its previous run ended ${recovery.previousRuntimeStatus}: ${recovery.reason}. It continues from its last checkpoint; nothing already sent is sent again.`,
    details: { restart: "recovery", previousRuntimeStatus: recovery.previousRuntimeStatus, attempt: recovery.attempt, requestedAt: recovery.requestedAt, actor: recovery.actor },
    patch: { workflow: { state: "running", since: now(run), attempts: recovery.attempt } },
  });
}

/**
 * Hands over to the next generation: continueAsNew with the carry state (cursor, status, counters,
 * escalation, chain progress, auto-close, outbox), the generation number incremented and the
 * current workflow revision.
 */
export function continueAsNextGeneration(run: Run): void {
  const carry: SupportRequestCarry = { ...run.state, generation: run.state.generation + 1 };
  // The next generation is a new execution with an empty history: it runs the current revision.
  run.context.df.continueAsNew({ caseId: run.input.caseId, partnerId: run.input.partnerId, revision: CURRENT_WORKFLOW_REVISION, carry });
}

/**
 * The orchestration's output: the case, its final status, its escalation (if any) and the
 * checkpoint a reopening of the closed case continues from.
 */
export function output(run: Run): SupportRequestOrchestrationOutput {
  const out: SupportRequestOrchestrationOutput = { caseId: run.input.caseId, finalStatus: run.state.status, checkpoint: checkpointOf(run.state) };
  if (run.state.escalation) out.escalation = run.state.escalation;
  return out;
}
