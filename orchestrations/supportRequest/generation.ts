/**
 * One generation of the orchestration: the {@link Run} built from the input (fresh, or the carry of
 * the previous generation), its start (clocks activated and the request acknowledged on the first
 * one, clocks re-targeted when the policy changed in between), the hand-over to the next generation
 * with continueAsNew, and the output once the case is closed.
 */
import type { OrchestrationContext } from "durable-functions";
import type { CaseContext, SupportRequestCarry, SupportRequestOrchestrationInput, SupportRequestOrchestrationOutput } from "../../shared/contracts";
import { changeStatus, emailCustomer, record, recordSlaEvents } from "./records";
import { Signals, isOpen, now, type Orchestration, type Run } from "./run";
import { applySla, clocksOutOfStep, currentSlaCycles, describePolicy, policyOf, slaSummary } from "./slaClocks";
import { handleSlaAlerts } from "./slaHandling";

/**
 * The run state of a generation, from GetCaseContext's answer: the SLA log trimmed to its current
 * cycles, the carry of the previous generation (copied, so this one's changes stay its own) or a
 * fresh state, and one task already counted (that GetCaseContext call).
 */
export function createRun(context: OrchestrationContext, input: SupportRequestOrchestrationInput, caseContext: CaseContext): Run {
  return {
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
}

/**
 * First generation: activates the clocks, moves the case into diagnosis and acknowledges it; later
 * ones re-target the open clocks when the policy or targets GetCaseContext selected differ from
 * those of the log (the partner changed its policies, or a reclassification was stored before this
 * generation read the case), with a timeline entry.
 */
export function* startGeneration(run: Run, first: boolean): Orchestration<void> {
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
 * Hands over to the next generation: continueAsNew with the carry state (cursor, status, counters,
 * escalation, chain progress, auto-close) and the generation number incremented.
 */
export function continueAsNextGeneration(run: Run): void {
  const carry: SupportRequestCarry = { ...run.state, generation: run.state.generation + 1 };
  run.context.df.continueAsNew({ caseId: run.input.caseId, partnerId: run.input.partnerId, carry });
}

/** The orchestration's output: the case, its final status and its escalation (if any). */
export function output(run: Run): SupportRequestOrchestrationOutput {
  const out: SupportRequestOrchestrationOutput = { caseId: run.input.caseId, finalStatus: run.state.status };
  if (run.state.escalation) out.escalation = run.state.escalation;
  return out;
}
