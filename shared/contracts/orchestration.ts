/**
 * Inputs, outputs and custom status of the support-request orchestration and its activities.
 * Orchestrations import only these contracts and shared/domain.
 */
import { z } from "zod";
import { CaseStatuses, EscalationRecordSchema, type WorkflowHealth, type CaseStatus, type Category, type EscalationRecord, type ProductId, type Severity, type SlaState, type SupportedLanguage } from "./supportRequest";
import type { Entitlement, EscalationChain, PartnerType, ServiceHours, SlaTarget } from "./partner";
import type { AppliedSlaPolicy, SlaEvent } from "./sla";
import { FaultSchema, type Fault } from "./faults";

const ActorSchema = z.object({ kind: z.enum(["partner", "indirect-provider", "customer", "system"]), partnerId: z.string().optional(), email: z.string().optional() });

/** An email of the outbox: what to call again, how often it was tried, when next. */
export const OutboxItemSchema = z.object({
  activity: z.enum(["SendStatusEmail", "NotifyPartner"]),
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
 * A restart point of the orchestration: its carry state without the outbox and without the
 * escalation record (both are stored: pending emails on the notification log, the escalation on
 * the case), so it stays far below the 16 KB the Durable extension allows a custom status.
 */
export const SupportRequestCheckpointSchema = SupportRequestCarrySchema.omit({ outbox: true, escalation: true });
/** A restart point. */
export type SupportRequestCheckpoint = z.infer<typeof SupportRequestCheckpointSchema>;

/** Input of the support-request orchestration. */
export const SupportRequestOrchestrationInputSchema = z.object({
  caseId: z.string().min(1),
  partnerId: z.string().min(1),
  /** Absent on the first generation; the previous generation's state after a continueAsNew. */
  carry: SupportRequestCarrySchema.optional(),
  /**
   * Set when the workflow of an OPEN case is restarted after its execution failed or was
   * terminated (shared/services/workflowRecovery.ts): recorded on the timeline first. `carry` is
   * then the failed execution's last checkpoint (absent when it failed before its first one).
   */
  recovery: z.object({ reason: z.string(), requestedAt: z.iso.datetime(), actor: ActorSchema, previousRuntimeStatus: z.string(), attempt: z.number().int().min(1) }).optional(),
});
/** Orchestration input. */
export type SupportRequestOrchestrationInput = z.infer<typeof SupportRequestOrchestrationInputSchema>;

/** What the orchestration needs to decide (result of the GetCaseContext activity). */
export interface CaseContext {
  caseId: string;
  partnerId: string;
  status: CaseStatus;
  category: Category;
  severity: Severity;
  product: ProductId;
  language: SupportedLanguage;
  /** ISO 8601 UTC: when the request was received (the SLA clock starts here). */
  createdAt: string;
  partner: {
    type: PartnerType;
    indirectProviderId?: string;
    serviceHours: ServiceHours;
    slaTarget: SlaTarget;
    entitlements: Entitlement[];
    /** ISO 8601 duration. */
    autoCloseAfter: string;
    /** Escalation chain of the partner, if any. */
    escalationChain?: EscalationChain;
  };
  /** The SLA policy applied to this case (first matching policy, or the default from slaTargets). */
  slaPolicy?: AppliedSlaPolicy;
  /** The case's SLA event log as stored, oldest first (clocks are recomputed from it). */
  slaLog?: SlaEvent[];
  /** The indirect provider's type and entitlements, when the case is a reseller's (for escalation by the provider). */
  provider?: { partnerId: string; entitlements: Entitlement[] };
}

/** Input of the TakeCaseActions activity: the case and the cursor (last processed `seq`, exclusive). */
export interface TakeCaseActionsInput {
  caseId: string;
  partnerId: string;
  /** Last `seq` processed; absent = from the start. */
  after?: string;
  /** At most this many actions (default 50). */
  limit?: number;
}

/** Input of the RecordSlaEvents activity: appended idempotently (each event's `eventId` is deterministic). */
export interface RecordSlaEventsInput {
  caseId: string;
  partnerId: string;
  events: Array<SlaEvent & { eventId: string }>;
}

/** Input of ConsumeProductSupportIncident: decrements `remainingIncidents` of the partner's PSI entitlement (ETag, retried on 412). */
export interface ConsumeProductSupportIncidentInput {
  partnerId: string;
  caseId: string;
}

/** Result of ConsumeProductSupportIncident; idempotent per case (a second call for the same case returns the first result). */
export interface ConsumeProductSupportIncidentResult {
  consumed: boolean;
  /** Incidents left after this call. */
  remainingIncidents: number;
}

/**
 * Partner Center service request payload (`POST /v1/servicerequests/{locale}`; fields of the
 * ServiceRequest resource: Title, Description, Severity critical|moderate|minimal, SupportTopicId,
 * PrimaryContact, ProductName).
 */
export interface MicrosoftServiceRequestPayload {
  Title: string;
  Description: string;
  Severity: "critical" | "moderate" | "minimal";
  SupportTopicId: string;
  ProductName: string;
  PrimaryContact: { Email: string; FirstName?: string; LastName?: string; PhoneNumber?: string };
}

/** Input of FileMicrosoftServiceRequest (idempotent per case: filed once). */
export interface FileMicrosoftServiceRequestInput {
  caseId: string;
  partnerId: string;
  vehicle: string;
  /** e.g. "en-US" (Partner Center locale path segment). */
  locale: string;
  /** The workflow gave up filing (retries spent): prepare the request for the partner, with this last fault. */
  prepareOnly?: { fault: Fault };
}

/** Result of FileMicrosoftServiceRequest. */
export interface FileMicrosoftServiceRequestResult {
  /** "filed" through Partner Center (integration on), or "prepared" for the partner to file by hand (off). */
  outcome: "filed" | "prepared";
  /** Partner Center service request id when filed. */
  serviceRequestId?: string;
  payload: MicrosoftServiceRequestPayload;
  /** Why a request meant for Partner Center was only prepared (a refusal, or retries that gave up). */
  filingError?: string;
}

/** Customer-visible notification kinds; one email per case and notification key. */
export type NotificationKind = CaseStatus | "diagnosis-update";

/** Input of the RecordCaseTransition activity (idempotent by `entryId`). */
export interface RecordTransitionInput {
  caseId: string;
  partnerId: string;
  /** Deterministic id from the orchestration (e.g. `t03-escalated-to-microsoft`). */
  entryId: string;
  /** New status; omitted for timeline-only entries (e.g. SLA breach). */
  toStatus?: CaseStatus;
  kind: "status-changed" | "sla-breached" | "escalation-decided" | "note" | "workflow";
  summary: string;
  /** ISO 8601 UTC (orchestration time). */
  at: string;
  details?: Record<string, unknown>;
  /** Fields to merge onto the case. */
  patch?: { sla?: SlaState; escalation?: EscalationRecord; diagnosisNotes?: string; resolutionSummary?: string; workflow?: WorkflowHealth };
}

/**
 * How the workflow asks an email activity to deliver (absent: a first attempt). Emails are retried
 * in the background of the workflow (orchestrations/supportRequest/outbox.ts), never by a sleeping
 * activity.
 */
export interface DeliveryAttempt {
  /** 1 for the first attempt, +1 per retry. */
  attempt: number;
  /** Retries are spent (`EmailFailurePolicy` of ./faults.ts): a transient failure now is recorded as failed (`gave-up`). */
  final?: boolean;
  /**
   * Do not send: record the email as pending behind earlier emails of the case that wait for a
   * retry (emails of a case go out in order), so a restarted workflow finds it.
   */
  queue?: boolean;
}

/** Input of the SendStatusEmail activity (sent once per case and `notificationKey`). */
export interface SendStatusEmailInput {
  caseId: string;
  partnerId: string;
  /** Unique per case, e.g. `received`, `escalated-to-microsoft`; the activity skips keys already sent. */
  notificationKey: string;
  status: CaseStatus;
  /** Optional text included in the email (diagnosis notes, resolution summary). */
  message?: string;
  /**
   * Which customer email: the status email (default), a progress update from the partner
   * (`partner-update`, needs `message`; `status` is the current one), or an SLA delay notice
   * (`sla-delay`: the request takes longer than the target; `dueAt` is the missed target).
   */
  kind?: "status" | "partner-update" | "sla-delay";
  /** `sla-delay`: ISO 8601 UTC instant the missed target was due. */
  dueAt?: string;
  /** A retry or a queued delivery (absent: the first attempt). */
  delivery?: DeliveryAttempt;
}

/** Outcomes of the email activities (SendStatusEmail, NotifyPartner). */
export const EmailOutcomes = ["sent", "already-sent", "skipped", "queued", "pending", "failed"] as const;

/** Result of SendStatusEmail and NotifyPartner. */
export interface SendStatusEmailResult {
  /**
   * - `sent` now, `already-sent` by an earlier run (nothing is sent twice);
   * - `skipped`: every recipient is undeliverable (a permanent bounce or refusal), or the
   *   acknowledgement was rate-limited per sender;
   * - `queued`: recorded as pending behind earlier emails of the case (`delivery.queue`);
   * - `pending`: a transient failure (`fault`), recorded; the workflow retries after
   *   `fault.retryAfterInMs` or its backoff;
   * - `failed`: a permanent failure, or the last retry failed (`fault`), recorded on the
   *   notification log and the timeline; never retried.
   */
  outcome: (typeof EmailOutcomes)[number];
  messageId: string;
  /** Why it is pending or failed. */
  fault?: Fault;
  /** Addresses this failure marked undeliverable for the case (a refused customer address). */
  undeliverable?: string[];
}

/** Input of the NotifyPartner activity (email to the partner's contacts; once per key). */
export interface NotifyPartnerInput {
  caseId: string;
  partnerId: string;
  notificationKey: string;
  /** Partner id to notify when it is not the owner (the indirect provider on escalation). */
  recipientPartnerId?: string;
  /**
   * Explicit recipient addresses (e.g. the contacts of an escalation-chain level); when
   * given and not empty they replace the partner's support and escalation contacts.
   */
  to?: string[];
  subject: string;
  text: string;
  /** A retry or a queued delivery (absent: the first attempt). */
  delivery?: DeliveryAttempt;
}

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
