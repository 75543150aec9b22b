/**
 * The custom status the orchestration publishes (what partners see beside the runtime status, and
 * what a restart continues from): the case status, what it waits for, the next wake, a step waiting
 * to retry, the email backlog, and the checkpoint of the last safe point. Persisted by the Durable
 * extension with each episode, so publishing costs no storage request of its own.
 */
import type { CaseStatus, SupportRequestCarry, SupportRequestCheckpoint, SupportRequestCustomStatus } from "../../shared/contracts";
import { escalationDecision } from "../../shared/domain";
import type { RunBase } from "./run";

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

/**
 * The restart point of a carry state: without the outbox (pending emails are recorded on the
 * notification log), with the escalation decision in force without its Microsoft service request
 * (the case holds it), or `null` when none is: a restart tells by it whether the case's escalation
 * was decided before this point or after it (then it decides it again, under the same ids).
 */
export function checkpointOf(state: SupportRequestCarry): SupportRequestCheckpoint {
  const { outbox: _outbox, escalation, ...rest } = state;
  return jsonCopy({ ...rest, escalation: escalation ? escalationDecision(escalation) : null });
}

/** A deep copy through JSON (the carry is plain JSON data). */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Marks the current state as the safe point a restart continues from (the generation start, every wait). */
export function markCheckpoint(run: RunBase): void {
  run.checkpoint = jsonCopy(run.state);
}

/**
 * Publishes the custom status from the run: status, `waitingFor`, generation, the next wake
 * (`run.wake`), a step waiting to retry, the email backlog, the checkpoint, and `failure` when given.
 */
export function publishStatus(run: RunBase, failure?: SupportRequestCustomStatus["failure"]): void {
  const status: SupportRequestCustomStatus = { status: run.state.status, waitingFor: waitingFor(run.state.status), generation: run.state.generation };
  const wake = run.wake;
  if (wake) {
    status.nextDeadline = wake.at;
    status.nextDeadlineMetric = wake.metric;
    status.nextDeadlineKind = wake.kind;
  }
  if (run.retrying) status.retrying = run.retrying;
  const outbox = run.state.outbox ?? [];
  const head = outbox[0];
  if (head) status.emailBacklog = { pending: outbox.length, nextAttemptAt: head.nextAttemptAt, ...(head.fault ? { fault: head.fault } : {}) };
  status.checkpoint = checkpointOf(run.checkpoint);
  if (failure) status.failure = failure;
  run.context.df.setCustomStatus(status);
}
