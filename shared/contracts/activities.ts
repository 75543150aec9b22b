/**
 * The activities of the support-request orchestration, defined once: each activity's persisted
 * name, the zod schema of its input and of its output, and its failure policy (which faults the
 * orchestration retries, with what backoff). The orchestrator's typed calls
 * (orchestrations/supportRequest/run.ts) and the function registrations (functions/activities.ts)
 * both derive from {@link SupportRequestActivities}, so an input, an output or a policy cannot
 * disagree between the caller and the implementation.
 *
 * Inputs are validated where the activity runs: an input that does not match its schema is a
 * permanent `invalid-input` fault (recorded by the workflow, never retried). Outputs are typed by
 * their schema; the unit tests' simulator checks every canned answer against it.
 */
import { z } from "zod";
import { ActorSchema, CaseActionSchema } from "./caseActions";
import { EmailFailurePolicy, FaultSchema, PartnerCenterFailurePolicy, StorageFailurePolicy, type FailurePolicy } from "./faults";
import { ActivityNames } from "./names";
import { EntitlementSchema, EscalationChainSchema, PartnerTypes, ServiceHoursSchema, SlaTargetSchema } from "./partner";
import { AppliedSlaPolicySchema, SlaEventSchema, SlaMetrics } from "./sla";
import { CaseStatuses, Categories, EscalationRecordSchema, MicrosoftServiceRequestPayloadSchema, ProductIds, Severities, SlaHealths, SlaStateSchema, SupportedLanguages, SupportVehicles, WorkflowHealthSchema } from "./supportRequest";

const CaseRef = { caseId: z.string().min(1), partnerId: z.string().min(1) };

/** Input of GetCaseContext: which case. */
export const GetCaseContextInputSchema = z.object(CaseRef);
/** Input of GetCaseContext. */
export type GetCaseContextInput = z.infer<typeof GetCaseContextInputSchema>;

/** What the orchestration needs to decide (result of the GetCaseContext activity). */
export const CaseContextSchema = z.object({
  ...CaseRef,
  status: z.enum(CaseStatuses),
  category: z.enum(Categories),
  severity: z.enum(Severities),
  product: z.enum(ProductIds),
  language: z.enum(SupportedLanguages),
  /** ISO 8601 UTC: when the request was received (the SLA clock starts here). */
  createdAt: z.string(),
  partner: z.object({
    type: z.enum(PartnerTypes),
    indirectProviderId: z.string().optional(),
    serviceHours: ServiceHoursSchema,
    slaTarget: SlaTargetSchema,
    entitlements: z.array(EntitlementSchema),
    /** ISO 8601 duration. */
    autoCloseAfter: z.string(),
    /** Escalation chain of the partner, if any. */
    escalationChain: EscalationChainSchema.optional(),
  }),
  /** The SLA policy applied to this case (first matching policy, or the default from slaTargets). */
  slaPolicy: AppliedSlaPolicySchema.optional(),
  /** The case's SLA event log as stored, oldest first (clocks are recomputed from it). */
  slaLog: z.array(SlaEventSchema).optional(),
  /** The indirect provider's entitlements, when the case is a reseller's (for escalation by the provider). */
  provider: z.object({ partnerId: z.string(), entitlements: z.array(EntitlementSchema) }).optional(),
});
/** Result of GetCaseContext. */
export type CaseContext = z.infer<typeof CaseContextSchema>;

/** Input of the TakeCaseActions activity: the case and the cursor (last processed `seq`, exclusive). */
export const TakeCaseActionsInputSchema = z.object({
  ...CaseRef,
  /** Last `seq` processed; absent = from the start. */
  after: z.string().optional(),
  /** At most this many actions (default 50; 1–500). */
  limit: z.number().int().min(1).max(500).optional(),
});
/** Input of TakeCaseActions. */
export type TakeCaseActionsInput = z.infer<typeof TakeCaseActionsInputSchema>;

/**
 * Input of the CloseCaseInbox activity: the case and the workflow's cursor (the last `seq` it
 * processed; absent = none). The inbox is closed only when nothing was appended after the cursor.
 */
export const CloseCaseInboxInputSchema = TakeCaseActionsInputSchema;
/** Input of CloseCaseInbox. */
export type CloseCaseInboxInput = z.infer<typeof CloseCaseInboxInputSchema>;

/** A stored action: its position in the case's inbox, the action, who and when. */
export const CaseActionRecordSchema = z.object({
  /** Sortable position in the inbox (RowKey); the orchestration keeps the last one it processed as a cursor. */
  seq: z.string(),
  action: CaseActionSchema,
  actor: ActorSchema,
  /** ISO 8601 UTC instant the action was accepted. */
  recordedAt: z.string(),
});
/** A stored case action. */
export type CaseActionRecord = z.infer<typeof CaseActionRecordSchema>;

/**
 * An inbox record as TakeCaseActions reads it: the action is data written by the partner API (of
 * this or another version), so the orchestration validates it itself and records an invalid one
 * as a timeline note instead of failing.
 */
export const StoredCaseActionRecordSchema = CaseActionRecordSchema.extend({ action: z.unknown() });
/** An inbox record with its action not yet validated. */
export type StoredCaseActionRecord = z.infer<typeof StoredCaseActionRecordSchema>;

/**
 * Result of CloseCaseInbox: `closed` true when the inbox is now closed (nothing after the cursor;
 * every later append is refused until a reopening), else the actions after the cursor (at most
 * `limit`, in `seq` order) for the workflow to process before it tries again.
 */
export const CloseCaseInboxResultSchema = z.object({ closed: z.boolean(), actions: z.array(StoredCaseActionRecordSchema) });
/** Result of CloseCaseInbox. */
export type CloseCaseInboxResult = z.infer<typeof CloseCaseInboxResultSchema>;

/** An SLA event with its deterministic id (`g<generation>-<n>`). */
export const LoggedSlaEventSchema = SlaEventSchema.extend({ eventId: z.string().min(1) });

/** Input of the RecordSlaEvents activity: appended idempotently (each event's `eventId` is deterministic). */
export const RecordSlaEventsInputSchema = z.object({ ...CaseRef, events: z.array(LoggedSlaEventSchema) });
/** Input of RecordSlaEvents. */
export type RecordSlaEventsInput = z.infer<typeof RecordSlaEventsInputSchema>;

/** Result of RecordSlaEvents. */
export const RecordSlaEventsResultSchema = z.object({
  /** Events new to the log (the others were logged by an earlier run). */
  appended: z.number().int().min(0),
});
/** Result of RecordSlaEvents. */
export type RecordSlaEventsResult = z.infer<typeof RecordSlaEventsResultSchema>;

/** Input of ConsumeProductSupportIncident: decrements `remainingIncidents` of the partner's PSI entitlement (ETag, retried on 412). */
export const ConsumeProductSupportIncidentInputSchema = z.object(CaseRef);
/** Input of ConsumeProductSupportIncident. */
export type ConsumeProductSupportIncidentInput = z.infer<typeof ConsumeProductSupportIncidentInputSchema>;

/** Result of ConsumeProductSupportIncident; idempotent per case (a second call for the same case returns the first result). */
export const ConsumeProductSupportIncidentResultSchema = z.object({
  consumed: z.boolean(),
  /** Incidents left after this call. */
  remainingIncidents: z.number().int().min(0),
});
/** Result of ConsumeProductSupportIncident. */
export type ConsumeProductSupportIncidentResult = z.infer<typeof ConsumeProductSupportIncidentResultSchema>;

/** Input of FileMicrosoftServiceRequest (idempotent per case: filed once). */
export const FileMicrosoftServiceRequestInputSchema = z.object({
  ...CaseRef,
  /** The support vehicle chosen. */
  vehicle: z.string().min(1),
  /** e.g. "en-US" (Partner Center locale path segment). */
  locale: z.string().min(1),
  /** The workflow gave up filing (retries spent): prepare the request for the partner, with this last fault. */
  prepareOnly: z.object({ fault: FaultSchema }).optional(),
});
/** Input of FileMicrosoftServiceRequest. */
export type FileMicrosoftServiceRequestInput = z.infer<typeof FileMicrosoftServiceRequestInputSchema>;

/** Result of FileMicrosoftServiceRequest. */
export const FileMicrosoftServiceRequestResultSchema = z.object({
  /** "filed" through Partner Center (integration on), or "prepared" for the partner to file by hand (off). */
  outcome: z.enum(["filed", "prepared"]),
  /** Partner Center service request id when filed. */
  serviceRequestId: z.string().optional(),
  payload: MicrosoftServiceRequestPayloadSchema,
  /** Why a request meant for Partner Center was only prepared (a refusal, or retries that gave up). */
  filingError: z.string().optional(),
});
/** Result of FileMicrosoftServiceRequest. */
export type FileMicrosoftServiceRequestResult = z.infer<typeof FileMicrosoftServiceRequestResultSchema>;

/** Input of the RecordCaseTransition activity (idempotent by `entryId`). */
export const RecordTransitionInputSchema = z.object({
  ...CaseRef,
  /** Deterministic id from the orchestration (e.g. `t03-escalated-to-microsoft`). */
  entryId: z.string().min(1),
  /** New status; omitted for timeline-only entries (e.g. SLA breach). */
  toStatus: z.enum(CaseStatuses).optional(),
  kind: z.enum(["status-changed", "sla-breached", "escalation-decided", "note", "workflow"]),
  summary: z.string(),
  /** ISO 8601 UTC (orchestration time). */
  at: z.string().min(1),
  details: z.record(z.string(), z.unknown()).optional(),
  /**
   * Fields to merge onto the case. `slaHealth` is set by the activity itself when the input carries
   * `slaEvents` (from the whole log after they are appended), not by the orchestration.
   */
  patch: z
    .object({
      sla: SlaStateSchema.optional(),
      escalation: EscalationRecordSchema.optional(),
      diagnosisNotes: z.string().optional(),
      resolutionSummary: z.string().optional(),
      workflow: WorkflowHealthSchema.optional(),
      slaHealth: z.enum(SlaHealths).optional(),
    })
    .optional(),
  /**
   * SLA events the step produced, recorded before the transition exactly as RecordSlaEvents records
   * them (idempotently by `eventId`), so a status change and its SLA events are one activity
   * (workflow revision 2 and later; see `WorkflowRevisions`).
   */
  slaEvents: z.array(LoggedSlaEventSchema).optional(),
});
/** Input of RecordCaseTransition. */
export type RecordTransitionInput = z.infer<typeof RecordTransitionInputSchema>;

/** Result of RecordCaseTransition (small: it is kept in orchestration history). */
export const RecordTransitionResultSchema = z.object({
  caseId: z.string(),
  status: z.enum(CaseStatuses),
  /** ISO 8601 UTC. */
  updatedAt: z.string(),
});
/** Result of RecordCaseTransition. */
export type RecordTransitionResult = z.infer<typeof RecordTransitionResultSchema>;

/**
 * How the workflow asks an email activity to deliver (absent: a first attempt). Emails are retried
 * in the background of the workflow (orchestrations/supportRequest/outbox.ts), never by a sleeping
 * activity.
 */
export const DeliveryAttemptSchema = z.object({
  /** 1 for the first attempt, +1 per retry (0 with `queue`). */
  attempt: z.number().int().min(0),
  /** Retries are spent (`EmailFailurePolicy` of ./faults.ts): a transient failure now is recorded as failed (`gave-up`). */
  final: z.boolean().optional(),
  /**
   * Do not send: record the email as pending behind earlier emails of the case that wait for a
   * retry (emails of a case go out in order), so a restarted workflow finds it.
   */
  queue: z.boolean().optional(),
});
/** A delivery attempt. */
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>;

/** Input of the SendStatusEmail activity (sent once per case and `notificationKey`). */
export const SendStatusEmailInputSchema = z.object({
  ...CaseRef,
  /** Unique per case, e.g. `received`, `escalated-to-microsoft`; the activity skips keys already sent. */
  notificationKey: z.string().min(1),
  status: z.enum(CaseStatuses),
  /** Optional text included in the email (diagnosis notes, resolution summary). */
  message: z.string().optional(),
  /**
   * Which customer email: the status email (default), a progress update from the partner
   * (`partner-update`, needs `message`; `status` is the current one), or an SLA delay notice
   * (`sla-delay`: the request takes longer than the target; `dueAt` is the missed target).
   */
  kind: z.enum(["status", "partner-update", "sla-delay"]).optional(),
  /** `sla-delay`: ISO 8601 UTC instant the missed target was due. */
  dueAt: z.string().optional(),
  /**
   * Status `received`: ISO 8601 UTC instant the first response is due, as the workflow's SLA clocks
   * stand when it acknowledges the request (the acknowledgement states it). Absent: the activity
   * computes it from the stored SLA log (executions started before the workflow passed it).
   */
  respondBy: z.string().optional(),
  /** A retry or a queued delivery (absent: the first attempt). */
  delivery: DeliveryAttemptSchema.optional(),
});
/** Input of SendStatusEmail. */
export type SendStatusEmailInput = z.infer<typeof SendStatusEmailInputSchema>;

/** Outcomes of the email activities (SendStatusEmail, NotifyPartner). */
export const EmailOutcomes = ["sent", "already-sent", "skipped", "queued", "pending", "failed"] as const;

/** Result of SendStatusEmail and NotifyPartner. */
export const SendStatusEmailResultSchema = z.object({
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
  outcome: z.enum(EmailOutcomes),
  messageId: z.string(),
  /** Why it is pending or failed. */
  fault: FaultSchema.optional(),
  /** Addresses this failure marked undeliverable for the case (a refused customer address). */
  undeliverable: z.array(z.string()).optional(),
});
/** Result of the email activities. */
export type SendStatusEmailResult = z.infer<typeof SendStatusEmailResultSchema>;

/**
 * What a partner notification says, as data: the orchestration decides which notice and with what
 * facts; NotifyPartner fills in the case and recipient (names, title, time zone, link) and renders
 * it with shared/templates/partnerNotification.ts. Instants are ISO 8601 UTC.
 */
export const PartnerNoticeSchema = z.discriminatedUnion("kind", [
  /** A warning threshold of an SLA target was reached. */
  z.object({ kind: z.literal("sla-warning"), metric: z.enum(SlaMetrics), percent: z.number().int().min(1).max(100), reachedAt: z.string(), dueAt: z.string().optional(), target: z.string().optional(), policyName: z.string().optional() }),
  /** An SLA target was missed (`dueAt`: when it was due, the breach instant). */
  z.object({ kind: z.literal("sla-breached"), metric: z.enum(SlaMetrics), dueAt: z.string(), target: z.string().optional(), action: z.string().optional(), policyName: z.string().optional() }),
  /** A level of the partner's escalation chain is notified (sent to that level's contacts). */
  z.object({
    kind: z.literal("escalation-level"),
    level: z.number().int().min(1),
    levelName: z.string(),
    unresolvedSince: z.string(),
    status: z.enum(CaseStatuses).optional(),
    reason: z.string().optional(),
    nextLevel: z.object({ level: z.number().int().min(1), name: z.string(), at: z.string() }).optional(),
  }),
  /** An indirect reseller's case was escalated to its indirect provider (sent to the provider). */
  z.object({ kind: z.literal("escalated-to-provider"), reason: z.string() }),
  /** The CSP support rules allow no escalation: the partner keeps the case. */
  z.object({ kind: z.literal("not-escalated"), reason: z.string() }),
  /** A Microsoft service request was prepared for the partner to file by hand. */
  z.object({ kind: z.literal("microsoft-request-prepared"), vehicle: z.enum(SupportVehicles), payload: MicrosoftServiceRequestPayloadSchema, locale: z.string(), reason: z.string().optional(), filingError: z.string().optional() }),
  /** A Microsoft service request was filed through Partner Center. */
  z.object({ kind: z.literal("microsoft-request-filed"), vehicle: z.enum(SupportVehicles), serviceRequestId: z.string(), payload: MicrosoftServiceRequestPayloadSchema.optional(), reason: z.string().optional() }),
  /** An email to the customer failed for good. */
  z.object({ kind: z.literal("customer-email-failed"), fault: FaultSchema.optional(), undeliverable: z.array(z.string()), status: z.enum(CaseStatuses) }),
]);
/** A partner notice. */
export type PartnerNotice = z.infer<typeof PartnerNoticeSchema>;

/**
 * Input of the NotifyPartner activity (email to the partner's contacts; once per key): a
 * structured `notice`, or — as written by earlier versions still in running histories and
 * outboxes — a ready `subject` and `text`.
 */
export const NotifyPartnerInputSchema = z
  .object({
    ...CaseRef,
    notificationKey: z.string().min(1),
    /** Partner id to notify when it is not the owner (the indirect provider on escalation). */
    recipientPartnerId: z.string().optional(),
    /**
     * Explicit recipient addresses (e.g. the contacts of an escalation-chain level); when
     * given and not empty they replace the partner's support and escalation contacts.
     */
    to: z.array(z.string()).optional(),
    /** What to say (rendered by the activity). */
    notice: PartnerNoticeSchema.optional(),
    /** Earlier versions: the subject as written by the workflow. */
    subject: z.string().optional(),
    /** Earlier versions: the plain text as written by the workflow. */
    text: z.string().optional(),
    /** A retry or a queued delivery (absent: the first attempt). */
    delivery: DeliveryAttemptSchema.optional(),
  })
  .refine((i) => i.notice !== undefined || (i.subject !== undefined && i.text !== undefined), { message: "a notice, or a subject and a text", path: ["notice"] });
/** Input of NotifyPartner. */
export type NotifyPartnerInput = z.infer<typeof NotifyPartnerInputSchema>;

/**
 * One activity: its persisted name (never renamed once deployed: running instances replay it),
 * the schemas of its input and output, and how the orchestration retries its transient faults.
 * @typeParam I - the input type. @typeParam O - the output (value of a successful `ActivityResult`).
 */
export interface ActivityDefinition<I, O> {
  /** Function name in the task hub (shared/contracts/names.ts `ActivityNames`). */
  readonly name: string;
  /** Validated where the activity runs: a mismatch is a permanent `invalid-input` fault. */
  readonly input: z.ZodType<I>;
  /** What a successful run returns. */
  readonly output: z.ZodType<O>;
  /** Retries of transient faults (./faults.ts): durable timers, `Retry-After` honoured. */
  readonly failurePolicy: Readonly<FailurePolicy>;
}

/** The input type of an activity definition. */
export type ActivityInputOf<A> = A extends ActivityDefinition<infer I, unknown> ? I : never;
/** The output type of an activity definition. */
export type ActivityOutputOf<A> = A extends ActivityDefinition<unknown, infer O> ? O : never;

function activity<I, O>(definition: ActivityDefinition<I, O>): ActivityDefinition<I, O> {
  return Object.freeze(definition);
}

/**
 * The activities of the support-request orchestration. Storage steps wait out an outage of up to
 * a day, Partner Center filing 6 hours, emails 3 days (retried from the workflow's outbox, not in
 * line); see ./faults.ts for each policy.
 */
export const SupportRequestActivities = {
  /** Reads the case, its partner's terms and SLA policy, its SLA log and its provider's entitlements. */
  getCaseContext: activity({ name: ActivityNames.getCaseContext, input: GetCaseContextInputSchema, output: CaseContextSchema, failurePolicy: StorageFailurePolicy }),
  /** Records a status change or timeline entry on the case (idempotent by entry id). */
  recordTransition: activity({ name: ActivityNames.recordTransition, input: RecordTransitionInputSchema, output: RecordTransitionResultSchema, failurePolicy: StorageFailurePolicy }),
  /** Emails the customer about the case (once per notification key). */
  sendStatusEmail: activity({ name: ActivityNames.sendStatusEmail, input: SendStatusEmailInputSchema, output: SendStatusEmailResultSchema, failurePolicy: EmailFailurePolicy }),
  /** Emails the partner's (or its provider's, or an escalation level's) contacts (once per key). */
  notifyPartner: activity({ name: ActivityNames.notifyPartner, input: NotifyPartnerInputSchema, output: SendStatusEmailResultSchema, failurePolicy: EmailFailurePolicy }),
  /** Reads the case's action inbox after a cursor. */
  takeCaseActions: activity({ name: ActivityNames.takeCaseActions, input: TakeCaseActionsInputSchema, output: z.array(StoredCaseActionRecordSchema), failurePolicy: StorageFailurePolicy }),
  /** Closes the case's action inbox before the workflow completes (revision 6), or returns the actions that came in after the cursor. Idempotent. */
  closeCaseInbox: activity({ name: ActivityNames.closeCaseInbox, input: CloseCaseInboxInputSchema, output: CloseCaseInboxResultSchema, failurePolicy: StorageFailurePolicy }),
  /** Appends SLA events to the case's log (idempotent by event id). */
  recordSlaEvents: activity({ name: ActivityNames.recordSlaEvents, input: RecordSlaEventsInputSchema, output: RecordSlaEventsResultSchema, failurePolicy: StorageFailurePolicy }),
  /** Uses one of the partner's product support incidents for the case (at most once per case). */
  consumeProductSupportIncident: activity({ name: ActivityNames.consumeProductSupportIncident, input: ConsumeProductSupportIncidentInputSchema, output: ConsumeProductSupportIncidentResultSchema, failurePolicy: StorageFailurePolicy }),
  /** Files (or prepares, when the Partner Center integration is off or gave up) the Microsoft service request. */
  fileMicrosoftServiceRequest: activity({ name: ActivityNames.fileMicrosoftServiceRequest, input: FileMicrosoftServiceRequestInputSchema, output: FileMicrosoftServiceRequestResultSchema, failurePolicy: PartnerCenterFailurePolicy }),
} as const;

/** The email activities: retried from the workflow's outbox rather than in line. */
export type EmailActivity = typeof SupportRequestActivities.sendStatusEmail | typeof SupportRequestActivities.notifyPartner;

/** Every activity definition by persisted name. */
export const ActivitiesByName: ReadonlyMap<string, ActivityDefinition<unknown, unknown>> = new Map(Object.values(SupportRequestActivities).map((a) => [a.name, a as ActivityDefinition<unknown, unknown>]));

/**
 * What implements the activities: one async function per definition of
 * {@link SupportRequestActivities}, from its input type to its output type (the container builds
 * them; functions/activities.ts registers them).
 */
export type ActivityImplementations = {
  readonly [K in keyof typeof SupportRequestActivities]: (input: ActivityInputOf<(typeof SupportRequestActivities)[K]>) => Promise<ActivityOutputOf<(typeof SupportRequestActivities)[K]>>;
};
