/**
 * Request and response bodies of the partner API for the partner's case work (list filters and counts, the
 * request detail's extras, the new case actions and the API-key endpoints). The OpenAPI 3.1
 * document is generated from these schemas, and the dashboard calls the endpoints they describe;
 * they only ever grow (new optional members), never change meaning.
 *
 * Errors of every endpoint are RFC 9457 problem details ({@link ProblemDetailsSchema}).
 */
import { z } from "zod";
import { PermissionSchema, RoleSchema } from "./access";
import { ReclassifyRequestSchema } from "./inboundEmail";
import { SlaEventSchema, SlaMetrics } from "./sla";
import {
  CaseStatuses,
  Categories,
  Channels,
  DiagnosisRequestSchema,
  EscalationRecordSchema,
  ProductIds,
  ResolutionRequestSchema,
  Severities,
  SlaHealths,
  SlaStateSchema,
  SupportRequestSchema,
  TimelineEntrySchema,
} from "./supportRequest";
import { inputText } from "./text";

/* ------------------------------------------------------------------------------------------ */
/* Problems                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** RFC 9457 problem details (`application/problem+json`): the body of every error. */
export const ProblemDetailsSchema = z
  .object({
    /** URI reference of the problem type, e.g. `/problems/forbidden`. */
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    /** 400: each invalid field (`#/body/pointer`, `query:name`, `path:name`, `header:Name`). */
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
    /** 403: the permission the key's role lacks. */
    permission: PermissionSchema.optional(),
    /** 403: the key's role. */
    role: RoleSchema.optional(),
    /** 409: the request's status when the action conflicted with it. */
    currentStatus: z.enum(CaseStatuses).optional(),
  })
  .loose();
/** Problem details as documented. */
export type ProblemDetailsBody = z.infer<typeof ProblemDetailsSchema>;

/* ------------------------------------------------------------------------------------------ */
/* List                                                                                         */
/* ------------------------------------------------------------------------------------------ */

/** SLA filter of the list: `at-risk` (a warning reached on a running clock, not breached) or `breached` (a target missed). */
export const SlaFilters = ["at-risk", "breached"] as const;
/** An SLA filter value. */
export type SlaFilter = (typeof SlaFilters)[number];

/** Values of the `workflow` list filter. */
export const WorkflowFilters = ["attention", "failed", "restarting", "suspended", "terminated", "gave-up", "not-started"] as const;

/** An instant or a date (a date means its start, 00:00 UTC) in the created-range filter. */
const InstantOrDate = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/**
 * Query of `GET /api/partners/{partnerId}/support-requests` (all optional; every value a single
 * string). `customer` is a tenant id (GUID) or an email address (case-insensitive); `createdFrom`
 * is inclusive and `createdTo` exclusive. `limit` 1–100 (default 25).
 */
export const SupportRequestListQuerySchema = z
  .object({
    status: z.enum(CaseStatuses).optional(),
    severity: z.enum(Severities).optional(),
    category: z.enum(Categories).optional(),
    product: z.enum(ProductIds).optional(),
    customer: z.string().trim().min(1).max(254).optional(),
    channel: z.enum(Channels).optional(),
    sla: z.enum(SlaFilters).optional(),
    /** Requests whose workflow is in this state, or `attention`: failed, restarting, suspended, terminated, gave up or not started. */
    workflow: z.enum(WorkflowFilters).optional(),
    createdFrom: InstantOrDate.optional(),
    createdTo: InstantOrDate.optional(),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, "an integer from 1 to 100")
      .refine((v) => Number(v) >= 1 && Number(v) <= 100, "an integer from 1 to 100")
      .optional(),
    /** Opaque token of the previous page (also accepted in the `x-ms-continuation-token` header). */
    continuationToken: z.string().min(1).max(4096).optional(),
  })
  .strict();
/** List query as validated (strings; `limit` still a string). */
export type SupportRequestListQuery = z.infer<typeof SupportRequestListQuerySchema>;

/** A listed request: the case without its description, plus the provider view and SLA health. */
export const SupportRequestSummarySchema = SupportRequestSchema.omit({ description: true }).extend({
  /** For an indirect provider: the reseller that owns a case escalated to it. */
  resellerPartnerId: z.string().optional(),
  resellerName: z.string().optional(),
  /** SLA health: `none` before a clock runs, else on-track, at-risk or breached. */
  slaHealth: z.enum(SlaHealths).optional(),
});
/** A listed request. */
export type SupportRequestSummaryBody = z.infer<typeof SupportRequestSummarySchema>;

/** Counts per status (every status present, zero when none). */
export const StatusCountsSchema = z.record(z.enum(CaseStatuses), z.number().int().min(0));
/** Counts per status. */
export type StatusCounts = z.infer<typeof StatusCountsSchema>;

/**
 * 200 of the list: newest first; `counts.byStatus` counts every request matching the filters
 * other than `status` (so a dashboard's status tabs show their totals), each status up to 1,000:
 * `counts.capped` names the statuses that have more (their count is a lower bound, shown as
 * "1,000+"); the continuation token is also in `x-ms-continuation-token`.
 */
export const SupportRequestListResponseSchema = z.object({
  items: z.array(SupportRequestSummarySchema),
  continuationToken: z.string().optional(),
  counts: z.object({
    byStatus: StatusCountsSchema,
    /** Statuses whose count is a lower bound (absent when every count is exact). */
    capped: z.array(z.enum(CaseStatuses)).optional(),
  }),
});
/** List response. */
export type SupportRequestListResponse = z.infer<typeof SupportRequestListResponseSchema>;

/* ------------------------------------------------------------------------------------------ */
/* Detail                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/**
 * Delivery states of an email of a case: sent; skipped (e.g. undeliverable address, acknowledgement
 * suppressed); bounced (a DSN reported a permanent failure); pending (a transient failure: the
 * workflow retries it, `nextAttemptAt`); failed (refused permanently, or retries gave up: `reason`).
 */
export const EmailDeliveryStates = ["sent", "skipped", "bounced", "pending", "failed"] as const;
/** A delivery state. */
export type EmailDeliveryState = (typeof EmailDeliveryStates)[number];

/** One email of a case as the partner sees it. */
export const CaseEmailSchema = z.object({
  notificationKey: z.string(),
  messageId: z.string().optional(),
  to: z.array(z.string()),
  subject: z.string().optional(),
  /** ISO 8601 UTC instant it was sent (or skipped). */
  at: z.iso.datetime(),
  state: z.enum(EmailDeliveryStates),
  /** Why it was skipped, bounced, is pending or failed (e.g. the DSN status `5.1.1`, the mail service's reply). */
  reason: z.string().optional(),
  /** Pending: attempts so far. */
  attempts: z.number().int().min(0).optional(),
  /** Pending: ISO 8601 UTC of the next attempt. */
  nextAttemptAt: z.iso.datetime().optional(),
});
/** Email of a case. */
export type CaseEmail = z.infer<typeof CaseEmailSchema>;

/** One SLA clock as recomputed from the event log (mirrors `SlaClockView` of ./sla). */
export const SlaClockViewSchema = z.object({
  metric: z.enum(SlaMetrics),
  state: z.enum(["inactive", "running", "paused", "fulfilled", "breached"]),
  /** Business (or calendar) time elapsed on the clock, ms. */
  elapsedInMs: z.number(),
  /** Target in ms of clock time. */
  targetInMs: z.number(),
  /** Remaining ms (negative once breached and still open). */
  remainingInMs: z.number(),
  /** ISO 8601 UTC instant the target is reached if the clock keeps running; absent when not running. */
  dueAt: z.string().optional(),
  /** Warning thresholds already reached (percent). */
  warned: z.array(z.number()),
});

/** 200 of `GET …/support-requests/{caseId}`. */
export const SupportRequestDetailResponseSchema = z.object({
  case: SupportRequestSchema,
  timeline: z.array(TimelineEntrySchema),
  sla: SlaStateSchema.nullable(),
  /** Notifications as logged, less those being sent at this moment (kept for compatibility; `emails` adds delivery states and lists those too). */
  notifications: z.array(z.object({ notificationKey: z.string(), messageId: z.string(), to: z.array(z.string()), subject: z.string(), sentAt: z.string() })),
  /** Emails of the case with their delivery state. */
  emails: z.array(CaseEmailSchema),
  orchestration: z.object({ runtimeStatus: z.string(), customStatus: z.unknown(), createdTime: z.string().optional(), lastUpdatedTime: z.string().optional() }).nullable(),
  slaClocks: z.record(z.enum(SlaMetrics), SlaClockViewSchema).nullable(),
  slaEvents: z.array(SlaEventSchema),
  escalation: EscalationRecordSchema.nullable(),
  /** Who works the request (email or name), or null. */
  assignee: z.string().nullable(),
  /** ISO 8601 UTC instant of the latest change (case, timeline or orchestration). */
  lastUpdatedAt: z.iso.datetime(),
  resellerPartnerId: z.string().optional(),
  resellerName: z.string().optional(),
  attachments: z.array(z.unknown()).optional(),
});
/** Detail response. */
export type SupportRequestDetailResponse = z.infer<typeof SupportRequestDetailResponseSchema>;

/* ------------------------------------------------------------------------------------------ */
/* Actions                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/** Body of `POST …/{caseId}/diagnosis`. */
export const DiagnosisBodySchema = DiagnosisRequestSchema;
/** Body of `POST …/{caseId}/resolution`. */
export const ResolutionBodySchema = ResolutionRequestSchema;
/** Body of `POST …/{caseId}/updates`: a progress update emailed to the customer. */
export const CaseUpdateBodySchema = z.object({ message: inputText({ max: 8000 }) });
/** Body of `POST …/{caseId}/escalation`: escalate now, with a reason. */
export const EscalationBodySchema = z.object({ reason: inputText({ max: 2000 }) });
/** Body of `PATCH …/{caseId}` (reclassify). */
export const ReclassifyBodySchema = ReclassifyRequestSchema;

/** Body of `POST …/{caseId}/information-requests`: the question emailed to the customer; the clock pauses (status awaiting-customer). */
export const InformationRequestBodySchema = z.object({ message: inputText({ max: 8000 }) }).strict();
/** Information request as validated. */
export type InformationRequestBody = z.infer<typeof InformationRequestBodySchema>;

/** Body of `POST …/{caseId}/notes`: an internal note (timeline only, never emailed). */
export const NoteBodySchema = z.object({ text: inputText({ max: 8000 }) }).strict();
/** Note as validated. */
export type NoteBody = z.infer<typeof NoteBodySchema>;

/** Body of `POST …/{caseId}/assignment`: who works the request (an email address or a name); null unassigns. */
export const AssignmentBodySchema = z.object({ assignee: inputText({ max: 254 }).nullable() }).strict();
/** Assignment as validated. */
export type AssignmentBody = z.infer<typeof AssignmentBodySchema>;

/** Body of `POST …/{caseId}/closure`: close now (from resolved, or from an open status), with an optional reason. */
export const ClosureBodySchema = z.object({ reason: inputText({ max: 2000 }).optional() }).strict();
/** Closure as validated. */
export type ClosureBody = z.infer<typeof ClosureBodySchema>;

/** Body of `POST …/{caseId}/workflow-restart`: restart a stopped workflow, with an optional reason. */
export const WorkflowRestartBodySchema = z.object({ reason: inputText({ max: 2000 }).optional() }).strict();

/** Body of `POST …/{caseId}/reopening`: reopen a resolved or closed request, with a reason. */
export const ReopeningBodySchema = z.object({ reason: inputText({ max: 2000 }) }).strict();
/** Reopening as validated. */
export type ReopeningBody = z.infer<typeof ReopeningBodySchema>;

/** Names of the actions in action results. */
export const ActionNames = ["diagnosis", "update", "resolution", "escalate", "information-request", "close", "reopen", "note", "assignment", "reclassify", "workflow-restart"] as const;
/** An action name. */
export type ActionName = (typeof ActionNames)[number];

/**
 * 202 of a workflow action (diagnosis, updates, escalation, resolution, information-requests,
 * closure, reopening: queued in the case's action inbox, `seq` its position) or 200 of a case
 * update (notes, assignment: recorded at once, `entryId` the timeline row). Replays of the same
 * `Idempotency-Key` return the same body with `Idempotent-Replayed: true`.
 */
export const ActionResultSchema = z.object({
  caseId: z.string(),
  action: z.enum(ActionNames),
  /** Position in the case's action inbox (workflow actions). */
  seq: z.string().optional(),
  /** Event raised on the workflow (workflow actions). */
  event: z.string().optional(),
  /** Timeline entry id (notes, assignment). */
  entryId: z.string().optional(),
  /** ISO 8601 UTC. */
  recordedAt: z.iso.datetime(),
  statusUrl: z.string(),
});
/** Action result. */
export type ActionResult = z.infer<typeof ActionResultSchema>;

/* ------------------------------------------------------------------------------------------ */
/* API keys                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** An API key as listed (never the key itself): `prefix` is its first 8 characters (`csp_` + 4). */
export const ApiKeyViewSchema = z.object({
  keyId: z.string(),
  prefix: z.string(),
  role: RoleSchema,
  name: z.string(),
  /** ISO 8601 UTC. */
  createdAt: z.iso.datetime(),
  /** ISO 8601 UTC instant of the last authenticated request (updated at most once a minute), or null. */
  lastUsedAt: z.iso.datetime().nullable(),
  /** ISO 8601 UTC; present once revoked (a revoked key answers 401). */
  revokedAt: z.iso.datetime().optional(),
});
/** An API key as listed. */
export type ApiKeyView = z.infer<typeof ApiKeyViewSchema>;

/** 200 of `GET /api/partners/{partnerId}/api-keys`: every key, revoked ones included, oldest first. */
export const ApiKeyListResponseSchema = z.object({ items: z.array(ApiKeyViewSchema) });
/** API key list. */
export type ApiKeyListResponse = z.infer<typeof ApiKeyListResponseSchema>;

/** Body of `POST /api/partners/{partnerId}/api-keys`. */
export const CreateApiKeyBodySchema = z.object({ role: RoleSchema, name: inputText({ max: 100 }) }).strict();
/** Create-key body as validated. */
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBodySchema>;

/** 201 of `POST /api/partners/{partnerId}/api-keys`: the key, shown this once (`Location` names the key). */
export const CreatedApiKeyResponseSchema = ApiKeyViewSchema.extend({
  /** The secret (`csp_` + 43 base64url characters); stored only as its SHA-256. */
  apiKey: z.string(),
});
/** Created key. */
export type CreatedApiKeyResponse = z.infer<typeof CreatedApiKeyResponseSchema>;

/**
 * 201 of a replayed `POST /api/partners/{partnerId}/api-keys` (same `Idempotency-Key` and body,
 * `Idempotent-Replayed: true`): the key that the first request created, without its secret. The
 * secret is shown once and never stored in clear, so a client that lost the first response learns
 * the key id (to revoke it and create another) but never receives the key again.
 */
export const ReplayedApiKeyResponseSchema = ApiKeyViewSchema.extend({
  /** Always null on a replay: the key is shown only in the response that created it. */
  apiKey: z.null(),
  /** Human explanation of the null `apiKey`. */
  notice: z.string(),
});
/** Replayed key creation. */
export type ReplayedApiKeyResponse = z.infer<typeof ReplayedApiKeyResponseSchema>;
