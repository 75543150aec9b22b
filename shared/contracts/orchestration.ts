/**
 * Input, carry state, custom status and output of the support-request orchestration (its
 * activities are defined in ./activities.ts). Orchestrations import only these contracts and
 * shared/domain.
 */
import { z } from "zod";
import { CaseStatuses, EscalationRecordSchema, type CaseStatus, type EscalationRecord } from "./supportRequest";
import { ActorSchema } from "./caseActions";
import { FaultSchema } from "./faults";
import { ActivityNames } from "./names";
import { CaseContextSchema } from "./activities";

/** An email of the outbox: what to call again, how often it was tried, when next. */
export const OutboxItemSchema = z.object({
  activity: z.enum([ActivityNames.sendStatusEmail, ActivityNames.notifyPartner]),
  /** The activity's input without `delivery`. */
  input: z.record(z.string(), z.unknown()),
  /** Attempts made (0: queued behind another email, not tried yet). */
  attempts: z.number().int().min(0),
  /** ISO 8601 UTC of the first failure (or of queueing). */
  firstFailedAt: z.iso.datetime(),
  /** ISO 8601 UTC of the next attempt (for the first item; the others follow it). */
  nextAttemptAt: z.iso.datetime(),
  /** The last fault. */
  fault: FaultSchema.optional(),
});
/** An outbox item. */
export type OutboxItem = z.infer<typeof OutboxItemSchema>;

/**
 * What one generation of the support-request orchestration hands to the next through
 * `continueAsNew` (the history is kept bounded by starting a new generation; see
 * orchestrations/supportRequest/). The SLA event log is NOT carried: each generation re-reads it
 * from Table Storage through GetCaseContext and recomputes the clocks from it.
 */
export const SupportRequestCarrySchema = z.object({
  /** Generation number: 0 for the first run, +1 per continueAsNew (prefixes the SLA event ids). */
  generation: z.number().int().min(0),
  /** `seq` of the last case action processed (TakeCaseActions cursor); absent = none yet. */
  cursor: z.string().optional(),
  /** Case status at the hand-over. */
  status: z.enum(CaseStatuses),
  /** The escalation decision in force (target none included: the partner keeps the request). */
  escalation: EscalationRecordSchema.optional(),
  /** A Microsoft escalation decided but deferred until the end of the escalation chain ("after-chain"). */
  pendingMicrosoft: EscalationRecordSchema.optional(),
  /** Escalation-chain progress: when the chain was triggered (ISO 8601 UTC) and how many levels were notified. */
  chain: z.object({ triggeredAt: z.iso.datetime(), notifiedLevels: z.number().int().min(0) }).optional(),
  /** ISO 8601 UTC instant the resolved case closes automatically. */
  autoCloseAt: z.iso.datetime().optional(),
  /** Timeline entries written so far (deterministic entry ids `t<n>-<slug>` continue from it). */
  entryCount: z.number().int().min(0),
  /** Notifications sent so far per key base (deterministic notification keys `base`, `base-2`, …). */
  notificationCounts: z.record(z.string(), z.number().int().min(1)),
  /**
   * Set when the partner API restarts the orchestration of a CLOSED case (the previous
   * execution completed): the reopening to apply first (closed → in-diagnosis, a new resolution
   * clock cycle, the customer told). The other carry fields continue the previous execution's ids.
   */
  reopen: z.object({ reason: z.string(), seq: z.string(), requestedAt: z.iso.datetime(), actor: ActorSchema }).optional(),
  /**
   * Emails waiting for a retry after a transient failure, in the order they go out (the first is
   * retried at its `nextAttemptAt`; the others wait behind it). See orchestrations/supportRequest/outbox.ts.
   */
  outbox: z.array(OutboxItemSchema).optional(),
});
/** Carry state of the orchestration across continueAsNew. */
export type SupportRequestCarry = z.infer<typeof SupportRequestCarrySchema>;

/**
 * The escalation decision in force at a restart point, without its Microsoft service request (whose
 * payload alone may be 32 KB: the case holds it).
 */
export const CheckpointEscalationSchema = EscalationRecordSchema.omit({ microsoftServiceRequest: true });
/** The escalation decision in force at a restart point. */
export type CheckpointEscalation = z.infer<typeof CheckpointEscalationSchema>;

/**
 * A restart point of the orchestration: its carry state without the outbox (pending emails are on
 * the notification log) and with the escalation in force reduced to its decision
 * ({@link CheckpointEscalationSchema}), so it stays far below the 16 KB the Durable extension allows
 * a custom status. `escalation`: the decision in force, `null` when none was; absent in points
 * published before it was kept (a restart then takes the case's escalation, whenever it was decided).
 */
export const SupportRequestCheckpointSchema = SupportRequestCarrySchema.omit({ outbox: true, escalation: true }).extend({ escalation: CheckpointEscalationSchema.nullable().optional() });
/** A restart point. */
export type SupportRequestCheckpoint = z.infer<typeof SupportRequestCheckpointSchema>;

/**
 * Revisions of the support-request workflow's step sequence. A running orchestration replays its
 * history on every episode, so a change to which activities it schedules, in which order, must not
 * reach executions whose history was written by the earlier sequence: the revision travels in the
 * orchestration input and the orchestrator follows the sequence of the revision it was started
 * with. Every start, restart and continueAsNew uses {@link CURRENT_WORKFLOW_REVISION} (a new
 * execution has an empty history); executions started before revisions existed have none and run
 * revision 1 to their next continueAsNew or restart. See docs/adr/0005-workflow-revisions.md.
 *
 * - 1: RecordSlaEvents after every status change; TakeCaseActions after every wake.
 * - 2: a status change carries its SLA events in RecordCaseTransition (one activity instead of
 *   two); a wake by the timer with no signal received reads no inbox.
 * - 3: as 2, and the first generation of a new case (status `received`, no carry, not a recovery)
 *   reads no inbox before its first wait: an action recorded meanwhile signals the workflow.
 * - 4: as 3, and a signal that carries its inbox record (`actionSignalOf`, caseActions.ts) which is
 *   the next after the cursor is processed without TakeCaseActions; a signal without a usable
 *   record, or one past a gap, reads the inbox as before.
 * - 5: as 4, and a status change (or a partner update's timeline note) and the customer email
 *   about it (RecordCaseTransition and SendStatusEmail) are scheduled in the same episode and run
 *   side by side, unless an earlier email of the case waits in the outbox (then the email queues
 *   behind it, as before).
 * - 6: as 5, and before it completes (the case closed, every email out) the workflow closes the
 *   case's action inbox with CloseCaseInbox: an action appended after its last read is handed
 *   over and processed (a reopening then reopens the closed case in this execution) instead of
 *   being left to a completed instance whose signal the extension drops; once the inbox is closed
 *   an append is refused (CaseInboxClosedError), so none can come in later. A new generation of a
 *   closed case closes its inbox too (older revisions completed it without a read).
 * - 7: as 6, and a generation that continues a carry whose status is `received` (a restart of a
 *   first generation that stopped before it acknowledged the case, from the state it started with)
 *   acknowledges the case as a first generation does, with the same entry id and notification key
 *   (recorded and sent once), so the entries after it replay under the ids the stopped execution
 *   gave them; earlier revisions went on without acknowledging. The note of a re-targeting at a
 *   generation's start has an entry id of its own, and a reclassification that leaves the policy
 *   in force is recorded too, so neither moves the ids of the entries after it. An SLA warning or
 *   breach is recorded only once it has been acted on, so a restart derives it again (and acts on
 *   it) when the stopped execution had not finished with it.
 * - 8: as 7, and the timeline entries the SLA clocks and timers cause (an SLA breach, the
 *   escalation a breach triggers, the Microsoft escalation at the end of the escalation chain, the
 *   auto-close) have entry ids derived from their cause (the metric and instant of the breach, the
 *   chain's end, the auto-close instant) instead of the next of the counter. A restart derives such
 *   an entry from the stored SLA log and carry before it replays the inbox actions after its
 *   checkpoint, which the stopped execution may have processed first: with counter ids the two
 *   swapped ids, and an entry written under the other's id was lost or written twice. And at a
 *   generation's start the counters of the SLA alert notices are raised to the warnings and
 *   breaches the stored log holds (`countStoredAlertNotices`): a restart whose checkpoint predates
 *   them does not send them again, and its next notice of the same kind took a key already sent.
 * - 9: as 8, and a recovery of a closed case (a restart whose point is closed: its emails still
 *   waited for a retry when its execution stopped or its instance was lost) records the restart on
 *   the timeline and marks the case's workflow running, as the recovery of an open case does;
 *   earlier revisions sent the emails and completed without either, and the case stayed marked
 *   restarting or failed in the partner's list.
 */
export const WorkflowRevisions = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
/** A workflow revision. */
export type WorkflowRevision = (typeof WorkflowRevisions)[number];
/** The revision new executions run. */
export const CURRENT_WORKFLOW_REVISION: WorkflowRevision = 9;

/** Input of the support-request orchestration. */
export const SupportRequestOrchestrationInputSchema = z.object({
  caseId: z.string().min(1),
  partnerId: z.string().min(1),
  /** Step sequence the execution follows ({@link WorkflowRevisions}); absent: 1 (started before revisions existed). */
  revision: z.number().int().min(1).optional(),
  /** Absent on the first generation; the previous generation's state after a continueAsNew. */
  carry: SupportRequestCarrySchema.optional(),
  /**
   * Set when the workflow of an OPEN case is restarted after its execution failed or was
   * terminated (shared/services/workflowRecovery.ts): recorded on the timeline first. `carry` is
   * then the failed execution's last checkpoint (absent when it failed before its first one).
   */
  recovery: z.object({ reason: z.string(), requestedAt: z.iso.datetime(), actor: ActorSchema, previousRuntimeStatus: z.string(), attempt: z.number().int().min(1) }).optional(),
  /**
   * A new case's facts as the intake (webhook or email) stored them a moment before the start (what
   * GetCaseContext would read: the case, the partner's terms, an empty SLA log). The first
   * generation starts from them instead of reading the case; absent (a redelivery, a reseller's
   * case whose provider's terms the intake did not read, a restart, every later generation): read.
   * Any workflow revision honours it, so executions started without it replay as before.
   */
  caseContext: CaseContextSchema.optional(),
});
/** Orchestration input. */
export type SupportRequestOrchestrationInput = z.infer<typeof SupportRequestOrchestrationInputSchema>;

/** Custom status of a support-request orchestration (what partners see alongside runtime status). */
export const SupportRequestCustomStatusSchema = z.object({
  status: z.enum(CaseStatuses),
  /** ISO 8601 UTC instant of the durable timer currently armed (the next thing the orchestration does by itself), if any. */
  nextDeadline: z.iso.datetime().optional(),
  /** What `nextDeadline` belongs to: an SLA metric (also next-update), the escalation chain, or the auto-close. */
  nextDeadlineMetric: z.enum(["first-response", "next-update", "resolution", "escalation-chain", "auto-close", "email-delivery"]).optional(),
  /** What happens at `nextDeadline`: an SLA warning or breach, the next escalation-chain level, the deferred Microsoft escalation, or the auto-close. */
  nextDeadlineKind: z.enum(["warn", "breach", "escalation-level", "microsoft", "auto-close", "email-retry"]).optional(),
  /** What the orchestration waits for (`customer` while the case awaits the customer). */
  waitingFor: z.enum(["diagnosis", "customer", "resolution", "auto-close", "nothing"]),
  /** The orchestration generation (continueAsNew count) that set this status. */
  generation: z.number().int().min(0).optional(),
  /** A step waiting to retry a transient fault (storage, Partner Center): which, how often tried, when next. */
  retrying: z.object({ activity: z.string(), attempts: z.number().int().min(1), nextAttemptAt: z.iso.datetime(), fault: FaultSchema }).optional(),
  /** Emails waiting for a retry (the outbox): how many, the next attempt, the last fault. */
  emailBacklog: z.object({ pending: z.number().int().min(1), nextAttemptAt: z.iso.datetime(), fault: FaultSchema.optional() }).optional(),
  /**
   * The carry state at the last safe point, without the outbox (pending emails are on the
   * notification log): what a restart of a failed execution continues from.
   */
  checkpoint: z.lazy(() => SupportRequestCheckpointSchema).optional(),
  /** Set when the execution failed: why, and when (ISO 8601 UTC). */
  failure: z.object({ message: z.string(), at: z.iso.datetime() }).optional(),
});
/** Custom status. */
export type SupportRequestCustomStatus = z.infer<typeof SupportRequestCustomStatusSchema>;

/** Output of the orchestration when it completes. */
export interface SupportRequestOrchestrationOutput {
  caseId: string;
  finalStatus: CaseStatus;
  escalation?: EscalationRecord;
  /** The final carry state (what reopening a closed case continues from), without the outbox. */
  checkpoint?: SupportRequestCheckpoint;
}
