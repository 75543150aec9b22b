/**
 * The route table (`httpRoutes()`, shaped as ./routes): every HTTP function of the app once, with
 * its Functions facts (name, route, Durable client input, API-key permission) and its OpenAPI
 * operations, described with the zod schemas of shared/contracts (request bodies, query
 * parameters, response bodies) and of ./schemas (response bodies the contracts type only in
 * TypeScript). functions/http/routes.ts registers it with `app.http`; `registerPaths` documents
 * it. Paths include the Functions route prefix `/api`.
 *
 * Not documented: the Durable Functions management API (`/runtime/webhooks/durabletask/…`) and
 * the host's admin endpoints: operator APIs behind the system key, never partner ones.
 */
import type { OpenAPIRegistry, ResponseConfig, RouteConfig, ZodRequestBody } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import {
  ActionResultSchema,
  ApiKeyListResponseSchema,
  ApiKeyViewSchema,
  AssignmentBodySchema,
  CaseEmailSchema,
  CaseStatuses,
  CaseUpdateBodySchema,
  Categories,
  Channels,
  ClosureBodySchema,
  CreateApiKeyBodySchema,
  CreatedApiKeyResponseSchema,
  ReplayedApiKeyResponseSchema,
  AuditEntrySchema,
  AuditPageSchema,
  CreateSupportRequestSchema,
  CustomerSchema,
  DiagnosisBodySchema,
  EscalationBodySchema,
  EscalationRecordSchema,
  InformationRequestBodySchema,
  NoteBodySchema,
  ProductIds,
  ReclassifyBodySchema,
  ReopeningBodySchema,
  WorkflowRestartBodySchema,
  ResolutionBodySchema,
  Severities,
  InboundLogFlags,
  InboundLogOutcomes,
  SlaClockViewSchema,
  SlaEventSchema,
  SlaFilters, WorkflowFilters,
  SlaStateSchema,
  SupportRequestDetailResponseSchema,
  SupportRequestListQuerySchema,
  SupportRequestListResponseSchema,
  SupportRequestSchema,
  SupportRequestSummarySchema,
  TimelineEntrySchema,
  MAX_REPORT_DAYS,
  ReportGroupings,
  SlaReportSchema,
  SlaMetricReportSchema,
  CsatReportSchema,
  EscalationCountsSchema,
  VolumeReportSchema,
  ReportQuerySchema,
} from "../contracts";
import { CaseIdParam, headerRef, nameSchemas, parameterRef, partnerKeySecurity, PartnerIdParam, problemResponses, type ProblemStatus } from "./components";
import {
  CaseAttachmentSchema,
  CustomerDataExportSchema,
  CustomerDirectoryEntrySchema,
  HealthResponseSchema,
  IgnoredEmailPageSchema,
  IgnoredEmailSchema,
  InboundEmailAcceptedSchema,
  InboundLogEntrySchema,
  InboundLogPageSchema,
  PublicSupportTermsSchema,
  QuarantinedEmailPageSchema,
  QuarantinedEmailSchema,
  ReclassifyResponseSchema,
  SubmitSupportRequestResponseSchema,
} from "./schemas";
import type { HttpRoute, PartnerPermission } from "./routes";
import type { HeaderObject } from "./types";

/** Route prefix of HTTP functions (host.json `extensions.http.routePrefix`, default `api`). */
export const ROUTE_PREFIX = "/api";

/** Tags grouping the operations. */
export const Tags = {
  intake: "Intake",
  requests: "Support requests",
  actions: "Case actions",
  inboundEmail: "Inbound email",
  apiKeys: "API keys",
  audit: "Audit",
  customerData: "Customer data",
  public: "Public",
  customer: "Customer status page",
  reports: "Reports",
} as const;

/** Component names of the documented schemas (each use becomes a `$ref`). */
const namedSchemas: Record<string, z.ZodType> = {
  CreateSupportRequest: CreateSupportRequestSchema,
  Customer: CustomerSchema,
  SupportRequest: SupportRequestSchema,
  SupportRequestSummary: SupportRequestSummarySchema,
  SupportRequestList: SupportRequestListResponseSchema,
  SupportRequestDetail: SupportRequestDetailResponseSchema,
  TimelineEntry: TimelineEntrySchema,
  SlaState: SlaStateSchema,
  SlaClock: SlaClockViewSchema,
  SlaEvent: SlaEventSchema,
  EscalationRecord: EscalationRecordSchema,
  CaseEmail: CaseEmailSchema,
  CaseAttachment: CaseAttachmentSchema,
  SubmitSupportRequestAccepted: SubmitSupportRequestResponseSchema,
  DiagnosisRequest: DiagnosisBodySchema,
  ResolutionRequest: ResolutionBodySchema,
  CaseUpdateRequest: CaseUpdateBodySchema,
  EscalationRequest: EscalationBodySchema,
  ReclassifyRequest: ReclassifyBodySchema,
  ReclassifyResult: ReclassifyResponseSchema,
  InformationRequest: InformationRequestBodySchema,
  NoteRequest: NoteBodySchema,
  AssignmentRequest: AssignmentBodySchema,
  ClosureRequest: ClosureBodySchema,
  ReopeningRequest: ReopeningBodySchema,
  ActionResult: ActionResultSchema,
  ApiKey: ApiKeyViewSchema,
  ApiKeyList: ApiKeyListResponseSchema,
  CreateApiKeyRequest: CreateApiKeyBodySchema,
  CreatedApiKey: CreatedApiKeyResponseSchema,
  ReplayedApiKey: ReplayedApiKeyResponseSchema,
  AuditEntry: AuditEntrySchema,
  AuditPage: AuditPageSchema,
  PublicSupportTerms: PublicSupportTermsSchema,
  QuarantinedEmail: QuarantinedEmailSchema,
  QuarantinedEmailPage: QuarantinedEmailPageSchema,
  IgnoredEmail: IgnoredEmailSchema,
  IgnoredEmailPage: IgnoredEmailPageSchema,
  InboundEmailAccepted: InboundEmailAcceptedSchema,
  InboundLogEntry: InboundLogEntrySchema,
  InboundLogPage: InboundLogPageSchema,
  CustomerDirectoryEntry: CustomerDirectoryEntrySchema,
  CustomerDataExport: CustomerDataExportSchema,
  HealthReport: HealthResponseSchema,
  SlaReport: SlaReportSchema,
  SlaMetricReport: SlaMetricReportSchema,
  CsatReport: CsatReportSchema,
  EscalationCounts: EscalationCountsSchema,
  VolumeReport: VolumeReportSchema,
};

/**
 * A request body schema with the endpoint it belongs to: the tests parse a valid example with
 * each (`schema.safeParse(example)`), so the documented bodies are the ones the handlers validate.
 */
export interface DocumentedRequestBody {
  method: RouteConfig["method"];
  path: string;
  schema: z.ZodType;
}

const partnerPath = `${ROUTE_PREFIX}/partners/{partnerId}`;
const casePath = `${partnerPath}/support-requests/{caseId}`;

const partnerParams = z.object({ partnerId: PartnerIdParam });
const caseParams = z.object({ partnerId: PartnerIdParam, caseId: CaseIdParam });

const limitParam = z.number().int().min(1).max(100).optional().openapi({ description: "Page size, 1–100 (default 25).", example: 25 });
const continuationTokenParam = z.string().min(1).max(4096).optional().openapi({ description: "The previous page's `continuationToken` (opaque)." });

/** Query of the case list, as documented: the contract's schema with descriptions, `limit` as the integer it stands for. */
const listQuery = z.object({
  status: z.enum(CaseStatuses).optional().openapi({ description: "Only requests in this status (the `counts` ignore this filter)." }),
  severity: z.enum(Severities).optional().openapi({ description: "A critical, B moderate, C minimal." }),
  category: z.enum(Categories).optional(),
  product: z.enum(ProductIds).optional(),
  customer: z.string().min(1).max(254).optional().openapi({ description: "The customer's tenant id (GUID) or email address (case-insensitive)." }),
  channel: z.enum(Channels).optional(),
  sla: z.enum(SlaFilters).optional().openapi({ description: "`at-risk`: a warning reached on a running clock, not breached; `breached`: a target missed." }),
  workflow: z.enum(WorkflowFilters).optional().openapi({ description: "Requests whose workflow needs attention: `attention` (any state below), `failed`, `restarting`, `suspended`, `terminated`, `gave-up` (automatic restarts kept failing), `not-started` (the orchestration has stayed Pending: its start was not run)." }),
  createdFrom: z.string().optional().openapi({ description: "Created at or after (ISO 8601 instant with offset, or a date meaning 00:00 UTC).", example: "2025-01-01" }),
  createdTo: z.string().optional().openapi({ description: "Created before (exclusive; ISO 8601 instant with offset, or a date meaning 00:00 UTC).", example: "2025-02-01T00:00:00Z" }),
  limit: limitParam,
  continuationToken: continuationTokenParam,
});
// The documented query must have exactly the contract's parameters.
const _sameListParams: [keyof typeof listQuery.shape] extends [keyof typeof SupportRequestListQuerySchema.shape] ? ([keyof typeof SupportRequestListQuerySchema.shape] extends [keyof typeof listQuery.shape] ? true : false) : false = true;

const pagingQuery = z.object({ limit: limitParam, continuationToken: continuationTokenParam });

/** Query of both reports, as documented: the contract's parameters with descriptions. */
const reportQuery = z.object({
  from: z.string().optional().openapi({ description: `First UTC date of the range, included (\`YYYY-MM-DD\`). Default: the first day of the month eleven months before \`to\`'s (twelve calendar months). At most ${MAX_REPORT_DAYS} days before \`to\`.`, example: "2026-01-01" }),
  to: z.string().optional().openapi({ description: "Last UTC date of the range, included (`YYYY-MM-DD`). Default: today (UTC).", example: "2026-03-31" }),
  groupBy: z.enum(ReportGroupings).optional().openapi({ description: "Periods: calendar months (default) or ISO weeks (Monday to Sunday), in UTC, the first and last clipped to the range." }),
  severity: z.enum(Severities).optional().openapi({ description: "Only requests of this severity (their current classification)." }),
  product: z.enum(ProductIds).optional().openapi({ description: "Only requests about this product." }),
  category: z.enum(Categories).optional().openapi({ description: "Only requests of this category." }),
});
// The documented query must have exactly the contract's parameters.
const _sameReportParams: [keyof typeof reportQuery.shape] extends [keyof typeof ReportQuerySchema.shape] ? ([keyof typeof ReportQuerySchema.shape] extends [keyof typeof reportQuery.shape] ? true : false) : false = true;

/** What both reports say about their figures. */
const REPORT_NOTES =
  "Every figure of a period is about the requests created in it (a cohort), filtered by their current classification; durations are milliseconds, dates UTC. Computed from the reports' read model (one pre-aggregated row per day, kept current by the workflow's activities), so a year answers in well under a second. Permission `requests:read`. 400 (`/problems/validation-error`) names the bad parameter (`query:<name>`), including a range over " +
  `${MAX_REPORT_DAYS} days (\`query:from\`) or \`to\` before \`from\` (\`query:to\`).`;

function json(description: string, schema: z.ZodType, headers?: Record<string, { $ref: string }>): ResponseConfig {
  return { description, ...(headers ? { headers } : {}), content: { "application/json": { schema } } };
}

function jsonBody(schema: z.ZodType, description: string): ZodRequestBody {
  return { description, required: true, content: { "application/json": { schema } } };
}

/** Errors of an endpoint authenticated with the partner API key, reading. */
const readErrors: ProblemStatus[] = [401, 403, 404, 429, 500];
/** Errors of an endpoint authenticated with the partner API key, writing a JSON body idempotently. */
const writeErrors: ProblemStatus[] = [400, 401, 403, 404, 409, 415, 422, 429, 500];

interface ActionSpec {
  /** The function's name (deployed; never renamed). */
  name: string;
  /** What the action's service checks on the case. */
  permission: PartnerPermission;
  segment: string;
  operationId: string;
  summary: string;
  description: string;
  body: z.ZodType;
  bodyDescription: string;
  /** 202 for actions the workflow takes (queued in the case's inbox), 200 for case updates recorded at once. */
  status: 200 | 202;
}

/** The permission of most case actions: the act permission of the case's category (`actPermissionFor`). */
const ACT: PartnerPermission = { onCase: "requests:act:<category>" };

const actions: ActionSpec[] = [
  {
    segment: "diagnosis",
    name: "RecordDiagnosis",
    permission: ACT,
    operationId: "RecordDiagnosis",
    summary: "Record the diagnosis",
    description: "Outcome `resolved`, `awaiting-customer` (asks the customer, pauses the clock) or `needs-escalation`; the notes are emailed to the customer. 409 unless received, in diagnosis or awaiting the customer.",
    body: DiagnosisBodySchema,
    bodyDescription: "The diagnosis.",
    status: 202,
  },
  {
    segment: "updates",
    name: "RecordCaseUpdate",
    permission: ACT,
    operationId: "RecordCaseUpdate",
    summary: "Send a progress update",
    description: "Emailed to the customer; counts as a response (fulfils the first response, restarts the next-update clock). 409 once resolved or closed.",
    body: CaseUpdateBodySchema,
    bodyDescription: "The update.",
    status: 202,
  },
  {
    segment: "escalation",
    name: "RequestEscalation",
    permission: ACT,
    operationId: "RequestEscalation",
    summary: "Escalate now",
    description: "To the indirect provider (resellers) or to Microsoft through the partner's support vehicle. Also the indirect provider's, on a reseller's request escalated to it.",
    body: EscalationBodySchema,
    bodyDescription: "Why.",
    status: 202,
  },
  {
    segment: "resolution",
    name: "RecordResolution",
    permission: ACT,
    operationId: "RecordResolution",
    summary: "Resolve",
    description: "The summary is emailed to the customer. 409 when the status cannot move to resolved. Also the indirect provider's, on a reseller's request escalated to it.",
    body: ResolutionBodySchema,
    bodyDescription: "What solved the problem.",
    status: 202,
  },
  {
    segment: "information-requests",
    name: "RequestInformation",
    permission: ACT,
    operationId: "RequestInformation",
    summary: "Ask the customer for information",
    description: "Emails the question to the customer and pauses the SLA clocks (status `awaiting-customer`) until the customer answers.",
    body: InformationRequestBodySchema,
    bodyDescription: "The question.",
    status: 202,
  },
  {
    segment: "closure",
    name: "CloseCase",
    permission: ACT,
    operationId: "CloseSupportRequest",
    summary: "Close",
    description: "Closes the request now, with an optional reason.",
    body: ClosureBodySchema,
    bodyDescription: "Why (optional).",
    status: 202,
  },
  {
    segment: "reopening",
    name: "ReopenCase",
    permission: ACT,
    operationId: "ReopenSupportRequest",
    summary: "Reopen",
    description: "Reopens a resolved or closed request.",
    body: ReopeningBodySchema,
    bodyDescription: "Why.",
    status: 202,
  },
  {
    segment: "workflow-restart",
    name: "RestartWorkflow",
    permission: { onCase: "workflow:restart" },
    operationId: "RestartWorkflow",
    summary: "Restart a stopped workflow",
    description:
      "Restarts the request's workflow when it failed, was terminated or the automatic restarts gave up (`workflow.state` on the request): it continues from its last checkpoint, with its SLA clocks from the SLA event log and the emails still to send; nothing already sent is sent again. Permission `workflow:restart` (global admin, admin agent). 409 while it runs or is suspended, and once the request is closed (reopen it instead).",
    body: WorkflowRestartBodySchema,
    bodyDescription: "Why (optional; recorded on the timeline).",
    status: 202,
  },
  {
    segment: "notes",
    name: "AddCaseNote",
    permission: { onCase: "notes:write" },
    operationId: "AddNote",
    summary: "Add an internal note",
    description: "Recorded on the timeline only, never emailed. Permission `notes:write`.",
    body: NoteBodySchema,
    bodyDescription: "The note.",
    status: 200,
  },
  {
    segment: "assignment",
    name: "AssignCase",
    permission: ACT,
    operationId: "AssignSupportRequest",
    summary: "Assign",
    description: "Sets who works the request (an email address or a name); `null` unassigns.",
    body: AssignmentBodySchema,
    bodyDescription: "The assignee.",
    status: 200,
  },
];

/** The facts of a function an entry of the table adds to its OpenAPI operation. */
interface RouteFacts {
  /** The function's name (deployed; never renamed). */
  name: string;
  /** The Functions route when it is not the OpenAPI path without `/api/` (a catch-all `{*path}`). */
  route?: string;
  /** Whether the function takes the Durable client input (default false). */
  durableClient?: boolean;
  /** The API-key permission of a partner API function. */
  permission?: PartnerPermission;
}

/**
 * Builds the route table: each HTTP function once, in the order the document lists them, its
 * operations in the order of its methods. The Functions route is the OpenAPI path without the
 * `/api/` prefix unless the entry names it.
 * @throws Error when two entries disagree on a function's route, permission or durable client input (a bug).
 */
function buildHttpRoutes(): HttpRoute[] {
  const routes = new Map<string, HttpRoute>();
  const add = (facts: RouteFacts, openapi: RouteConfig, body?: z.ZodType): void => {
    const route = facts.route ?? openapi.path.slice(ROUTE_PREFIX.length + 1);
    const existing = routes.get(facts.name);
    const operation = { method: openapi.method, openapi, ...(body ? { body } : {}) };
    if (!existing) {
      routes.set(facts.name, { name: facts.name, route, authLevel: "anonymous", durableClient: facts.durableClient ?? false, ...(facts.permission ? { permission: facts.permission } : {}), operations: [operation] });
      return;
    }
    if (existing.route !== route || existing.durableClient !== (facts.durableClient ?? false) || JSON.stringify(existing.permission) !== JSON.stringify(facts.permission)) throw new Error(`Route table: ${facts.name} is described twice, differently.`);
    existing.operations.push(operation);
  };
  const idempotencyKey = parameterRef("IdempotencyKey");
  const signatureHeaders = [parameterRef("WebhookId"), parameterRef("WebhookTimestamp"), parameterRef("WebhookSignature")];
  const accepted = { Location: headerRef("Location"), "Idempotent-Replayed": headerRef("IdempotentReplayed") };

  add({ name: "SubmitSupportRequest", durableClient: true },
    {
      method: "post",
      path: `${partnerPath}/support-requests`,
      operationId: "SubmitSupportRequest",
      tags: [Tags.intake],
      summary: "Submit a support request (signed webhook)",
      description:
        "The partner's system submits a customer's request, signed per Standard Webhooks with the partner's webhook secret (no API key). The case is stored, then its orchestration started. Without `Idempotency-Key`, the `webhook-id` is the key, so a redelivered webhook never creates a second case. Under any `Idempotency-Key`, a `webhook-id` that created a case answers 202 with that case for the same body bytes, and 422 (`/problems/webhook-id-reused`, naming `header:webhook-id`) for another body. Free text (title, description, names) is normalised before it is checked: lone surrogates become U+FFFD, CR LF and CR become LF, other control characters but TAB are removed, NFC. A `partnerId` that is not lower-case letters, digits and dashes (3–63) is 404 naming `path:partnerId`.",
      security: [],
      parameters: [...signatureHeaders, idempotencyKey],
      request: { params: partnerParams, body: jsonBody(CreateSupportRequestSchema, "The support request.") },
      responses: {
        202: json("Accepted: the case is stored and its workflow started; follow it at `Location`.", SubmitSupportRequestResponseSchema, accepted),
        ...problemResponses(400, 401, 404, 409, 415, 422, 500),
      },
    },
    CreateSupportRequestSchema,
  );

  add({ name: "ListSupportRequests", permission: "requests:read" }, {
    method: "get",
    path: `${partnerPath}/support-requests`,
    operationId: "ListSupportRequests",
    tags: [Tags.requests],
    summary: "List support requests",
    description:
      "The partner's requests (and, for an indirect provider, the requests its resellers escalated to it), newest first, filtered and paged with continuation tokens; `counts.byStatus` counts every request matching the filters other than `status`. Permission `requests:read`.",
    security: partnerKeySecurity,
    parameters: [parameterRef("ContinuationTokenHeader")],
    request: { params: partnerParams, query: listQuery },
    responses: {
      200: json("A page of requests.", SupportRequestListResponseSchema, { "x-ms-continuation-token": headerRef("ContinuationToken"), "Cache-Control": headerRef("CacheControl") }),
      ...problemResponses(400, ...readErrors),
    },
  });

  add({ name: "GetSupportRequest", durableClient: true, permission: "requests:read" }, {
    method: "get",
    path: casePath,
    operationId: "GetSupportRequest",
    tags: [Tags.requests],
    summary: "Get a support request",
    description:
      "Everything about one request: the case, its timeline, SLA state and clocks (elapsed and remaining business time, next deadline), SLA events, emails and their delivery state, the escalation record, the orchestration's runtime and custom status, the assignee and the last update. Permission `requests:read`.",
    security: partnerKeySecurity,
    request: { params: caseParams },
    responses: { 200: json("The request.", SupportRequestDetailResponseSchema, { "Cache-Control": headerRef("CacheControl") }), ...problemResponses(...readErrors) },
  });

  add({ name: "ReclassifySupportRequest", durableClient: true, permission: { onCase: "requests:act:<category>" } },
    {
      method: "patch",
      path: casePath,
      operationId: "ReclassifySupportRequest",
      tags: [Tags.actions],
      summary: "Reclassify",
      description: "Corrects the product, category or severity (at least one; unknown members are rejected). 409 once closed. Permission to act on the request's category (before and after the change).",
      security: partnerKeySecurity,
      parameters: [idempotencyKey],
      request: { params: caseParams, body: jsonBody(ReclassifyBodySchema, "The corrected classification.") },
      responses: { 200: json("The case after the change.", ReclassifyResponseSchema, { "Idempotent-Replayed": headerRef("IdempotentReplayed") }), ...problemResponses(...writeErrors) },
    },
    ReclassifyBodySchema,
  );

  for (const a of actions) {
    add(
      { name: a.name, durableClient: true, permission: a.permission },
      {
        method: "post",
        path: `${casePath}/${a.segment}`,
        operationId: a.operationId,
        tags: [Tags.actions],
        summary: a.summary,
        description: `${a.description} Checked against the request's state (409), recorded on the timeline, safe to retry with \`Idempotency-Key\`.${a.segment === "notes" ? "" : " Permission `requests:act:technical` on technical requests, `requests:act:commercial` on billing and subscription-management requests."}`,
        security: partnerKeySecurity,
        parameters: [idempotencyKey],
        request: { params: caseParams, body: jsonBody(a.body, a.bodyDescription) },
        responses: {
          [a.status]: json(a.status === 202 ? "Accepted: queued in the case's action inbox and the workflow signalled; follow the case at `Location`." : "Recorded on the timeline.", ActionResultSchema, a.status === 202 ? accepted : { "Idempotent-Replayed": headerRef("IdempotentReplayed") }),
          ...problemResponses(...writeErrors),
        },
      },
      a.body,
    );
  }

  add({ name: "GetSlaReport", permission: "requests:read" }, {
    method: "get",
    path: `${partnerPath}/reports/sla`,
    operationId: "GetSlaReport",
    tags: [Tags.reports],
    summary: "SLA attainment report",
    description: `Per period (month or week) and over the range: SLA attainment of the first response, next update and resolution (achieved, breached, in progress, attainment percent), median and 90th percentile times in business hours on each request's SLA calendar (ms, pauses excluded; from a log-scale histogram, within 4.5 %), the time the clocks were paused (calendar ms), and CSAT (count, average and distribution of the customers' ratings); CSAT per product over the range. ${REPORT_NOTES}`,
    security: partnerKeySecurity,
    request: { params: partnerParams, query: reportQuery },
    responses: { 200: json("The SLA report.", SlaReportSchema, { "Cache-Control": headerRef("CacheControl") }), ...problemResponses(400, ...readErrors) },
  });

  add({ name: "GetVolumeReport", permission: "requests:read" }, {
    method: "get",
    path: `${partnerPath}/reports/volume`,
    operationId: "GetVolumeReport",
    tags: [Tags.reports],
    summary: "Volume report",
    description: `Per period (month or week): requests by category, product, channel and severity, the backlog (requests neither resolved nor closed at the end of the period's last day, whenever created), escalations by target and support vehicle, product support incidents used; over the range the ten customers (tenant ids) with the most requests and the incidents used against those left now. An indirect provider also gets \`resellerEscalations\`: its resellers' requests escalated to it, per period and reseller, as a separate series. ${REPORT_NOTES}`,
    security: partnerKeySecurity,
    request: { params: partnerParams, query: reportQuery },
    responses: { 200: json("The volume report.", VolumeReportSchema, { "Cache-Control": headerRef("CacheControl") }), ...problemResponses(400, ...readErrors) },
  });

  add({ name: "GetSupportTerms" }, {
    method: "get",
    path: `${partnerPath}/support-terms`,
    operationId: "GetSupportTerms",
    tags: [Tags.public],
    summary: "Get the partner's published support terms",
    description: "Public (no key): support types, service hours, contact methods, pricing. Cacheable for 5 minutes.",
    security: [],
    request: { params: partnerParams },
    responses: { 200: json("The support terms.", PublicSupportTermsSchema, { "Cache-Control": headerRef("CacheControl") }), ...problemResponses(404, 500) },
  });

  add({ name: "SubmitInboundEmail" }, {
    method: "post",
    path: `${partnerPath}/inbound-email`,
    operationId: "SubmitInboundEmail",
    tags: [Tags.inboundEmail],
    summary: "Relay an inbound email (signed)",
    description:
      "A mail relay posts one raw message (RFC 5322), signed per Standard Webhooks over the raw bytes. It is stored in the `inbound-email` container and processed asynchronously like every relayed message (new request, reply, auto-reply, bounce or quarantine); a redelivery changes nothing (de-duplicated by Message-ID).",
    security: [],
    parameters: signatureHeaders,
    request: { params: partnerParams, body: { description: "The raw message.", required: true, content: { "message/rfc822": { schema: { type: "string", contentMediaType: "message/rfc822" } } } } },
    responses: { 202: json("Accepted: stored for processing.", InboundEmailAcceptedSchema), ...problemResponses(400, 401, 404, 413, 415, 500) },
  });

  for (const [segment, operationId, schema, what] of [
    ["quarantine", "ListQuarantinedEmail", QuarantinedEmailPageSchema, "Quarantined messages (too large, malformed, no sender, or given up after processing kept failing: `processing-failed`), newest first."],
    ["ignored", "ListIgnoredEmail", IgnoredEmailPageSchema, "Messages recorded without creating or answering a request (auto-replies, bounces, our own notifications), newest first."],
  ] as const) {
    add({ name: operationId, permission: "inbound-email:read" }, {
      method: "get",
      path: `${partnerPath}/inbound-email/${segment}`,
      operationId,
      tags: [Tags.inboundEmail],
      summary: `List ${segment === "quarantine" ? "quarantined" : "ignored"} inbound email`,
      description: `${what} Permission \`inbound-email:read\`.`,
      security: partnerKeySecurity,
      parameters: [parameterRef("ContinuationTokenHeader")],
      request: { params: partnerParams, query: pagingQuery },
      responses: { 200: json("A page of messages.", schema, { "x-ms-continuation-token": headerRef("ContinuationToken") }), ...problemResponses(400, ...readErrors) },
    });
  }

  add({ name: "ListInboundEmailLog", permission: "inbound-email:read" }, {
    method: "get",
    path: `${partnerPath}/inbound-email/log`,
    operationId: "ListInboundEmailLog",
    tags: [Tags.inboundEmail],
    summary: "Search the inbound log",
    description:
      "Every message delivered to the partner's support mailbox with its outcome (new, reply, auto-reply, bounce, own-notification, duplicate, quarantine), newest first. Filters combine with AND. Permission `inbound-email:read`.",
    security: partnerKeySecurity,
    parameters: [parameterRef("ContinuationTokenHeader")],
    request: {
      params: partnerParams,
      query: z.object({
        outcome: z.string().optional().openapi({ description: `Comma-separated outcomes: ${InboundLogOutcomes.join(", ")}.`, example: "bounce,quarantine" }),
        from: z.string().max(998).optional().openapi({ description: "Exact sender address (case-insensitive)." }),
        messageId: z.string().max(998).optional().openapi({ description: "Exact Message-ID, with angle brackets.", example: "<abc@contoso.example>" }),
        caseId: CaseIdParam.optional(),
        flag: z.enum(InboundLogFlags).optional().openapi({ description: "Only entries carrying this flag." }),
        since: z.string().optional().openapi({ description: "At or after this instant (ISO 8601 with offset).", example: "2026-03-01T00:00:00Z" }),
        until: z.string().optional().openapi({ description: "Before this instant (exclusive; ISO 8601 with offset)." }),
        limit: limitParam,
        continuationToken: continuationTokenParam,
      }),
    },
    responses: { 200: json("A page of the inbound log.", InboundLogPageSchema, { "x-ms-continuation-token": headerRef("ContinuationToken") }), ...problemResponses(400, ...readErrors) },
  });

  const keyParams = z.object({ partnerId: PartnerIdParam, keyId: z.string().min(1).openapi({ description: "The key's id (from the list; never the key itself)." }) });
  add({ name: "ListApiKeys", permission: "keys:manage" }, {
    method: "get",
    path: `${partnerPath}/api-keys`,
    operationId: "ListApiKeys",
    tags: [Tags.apiKeys],
    summary: "List API keys",
    description: "Every key of the partner, revoked ones included, with its prefix (first 8 characters), role, name, creation and last use; never the key. Permission `keys:manage`.",
    security: partnerKeySecurity,
    request: { params: partnerParams },
    responses: { 200: json("The keys.", ApiKeyListResponseSchema), ...problemResponses(...readErrors) },
  });
  add({ name: "CreateApiKey", permission: "keys:manage" },
    {
      method: "post",
      path: `${partnerPath}/api-keys`,
      operationId: "CreateApiKey",
      tags: [Tags.apiKeys],
      summary: "Create an API key",
      description:
        "A new key with a role: `csp_` + 32 random bytes base64url, stored only as its SHA-256 and shown in this response only. Permission `keys:manage`. A replay (same `Idempotency-Key` and body, `Idempotent-Replayed: true`) creates nothing and answers with the same key's metadata, `apiKey: null` and a `notice`: the key itself is never stored, not even for replays.",
      security: partnerKeySecurity,
      parameters: [idempotencyKey],
      request: { params: partnerParams, body: jsonBody(CreateApiKeyBodySchema, "The new key's role and name.") },
      responses: { 201: json("Created; the key is shown this once (a replay: the key's metadata, `apiKey` null).", z.union([CreatedApiKeyResponseSchema, ReplayedApiKeyResponseSchema]), { Location: headerRef("Location") }), ...problemResponses(400, 401, 403, 404, 415, 422, 429, 500) },
    },
    CreateApiKeyBodySchema,
  );
  add({ name: "RevokeApiKey", permission: "keys:manage" }, {
    method: "delete",
    path: `${partnerPath}/api-keys/{keyId}`,
    operationId: "RevokeApiKey",
    tags: [Tags.apiKeys],
    summary: "Revoke an API key",
    description: "Revokes the key at once: later requests with it answer 401. Permission `keys:manage`.",
    security: partnerKeySecurity,
    request: { params: keyParams },
    responses: { 204: { description: "Revoked (also when it already was)." }, ...problemResponses(...readErrors) },
  });

  add({ name: "GetAuditLog", permission: "audit:read" }, {
    method: "get",
    path: `${partnerPath}/audit`,
    operationId: "GetAuditLog",
    tags: [Tags.audit],
    summary: "Read the audit log",
    description:
      "Every action of the partner's API keys (all but plain reads; reads of this log and of API keys included) and every key change (also registrations and rotations from the CLI), newest first, with the key id (never the key), its role, the time, the status answered and the source IP. Kept 1 year. Permission `audit:read` (global admin).",
    security: partnerKeySecurity,
    parameters: [parameterRef("ContinuationTokenHeader")],
    request: {
      params: partnerParams,
      query: pagingQuery.extend({
        from: z.string().optional().openapi({ description: "Entries at or after this ISO 8601 instant.", example: "2026-01-01T00:00:00Z" }),
        to: z.string().optional().openapi({ description: "Entries before this ISO 8601 instant (exclusive)." }),
      }),
    },
    responses: { 200: json("A page of entries.", AuditPageSchema, { "x-ms-continuation-token": headerRef("ContinuationToken") }), ...problemResponses(400, ...readErrors) },
  });

  add({ name: "ExportCustomerData", permission: "customer-data:export" }, {
    method: "get",
    path: `${partnerPath}/customers/{customer}/export`,
    operationId: "ExportCustomerData",
    tags: [Tags.customerData],
    summary: "Export one customer's data",
    description:
      "Everything the partner's storage holds about one customer (GDPR Art. 15 right of access, Art. 20 portability): its requests with their timelines, emails and attachment lists, its customer directory entries and the messages the email intake logged from its addresses. Name the customer by its tenant id (a company: every address seen on its requests) or by an email address (a person). Recorded in the audit log. Permission `customer-data:export` (global admin).",
    security: partnerKeySecurity,
    request: {
      params: z.object({
        partnerId: PartnerIdParam,
        customer: z.string().min(1).max(254).openapi({ description: "The customer's Microsoft Entra tenant id (GUID), or an email address (case-insensitive). Not the placeholder tenant `00000000-0000-0000-0000-000000000000` of unknown email senders: export those by address.", example: "it@contoso.example" }),
      }),
    },
    responses: { 200: json("Everything stored about the customer (empty lists when nothing is).", CustomerDataExportSchema, { "Cache-Control": headerRef("CacheControl") }), ...problemResponses(400, ...readErrors) },
  });

  add({ name: "Health", durableClient: true }, {
    method: "get",
    path: `${ROUTE_PREFIX}/health`,
    operationId: "Health",
    tags: [Tags.public],
    summary: "Health",
    description: "Public: 200 when storage and mail are up, 503 otherwise, with each dependency's state.",
    security: [],
    responses: { 200: json("Healthy.", HealthResponseSchema), 503: json("A dependency is down (or the settings are invalid: check `config`).", HealthResponseSchema) },
  });

  add({ name: "OpenApiDocument" }, {
    method: "get",
    path: `${ROUTE_PREFIX}/openapi.json`,
    operationId: "OpenApiDocument",
    tags: [Tags.public],
    summary: "This OpenAPI document",
    description: "Public: the OpenAPI 3.1 description of this API, generated from its zod schemas.",
    security: [],
    responses: {
      200: { description: "The document (`Cache-Control: public, max-age=300`, with an ETag).", headers: { "Cache-Control": headerRef("CacheControl") }, content: { "application/json": { schema: { type: "object", description: "An OpenAPI 3.1 document." } } } },
      304: { description: "Not modified (the `If-None-Match` ETag matches)." },
    },
  });

  const dashboardSecurityHeaders: Record<string, HeaderObject> = { "Content-Security-Policy": { description: "Strict CSP: same-origin scripts and styles only, no framing.", schema: { type: "string" } } };
  add({ name: "Dashboard", route: "dashboard/{*path}" }, {
    method: "get",
    path: `${ROUTE_PREFIX}/dashboard/{path}`,
    operationId: "Dashboard",
    tags: [Tags.public],
    summary: "Dashboard files",
    description:
      "Public: the partner dashboard (a web page that signs in with an API key kept in the browser and calls this API). An empty path (`/api/dashboard/`) is the page itself; `/api/dashboard` redirects (308) there. Other paths are the page's files (`app.js`, `app.css`, …) and the generated `i18n.json` and `model.json`. Revalidated by ETag (`If-None-Match` → 304).",
    security: [],
    request: { params: z.object({ path: z.string().openapi({ description: "A file name of the dashboard (one segment), e.g. `app.js`; empty for the page.", example: "model.json" }) }) },
    responses: {
      200: { description: "The file.", headers: dashboardSecurityHeaders, content: { "text/html": { schema: { type: "string" } }, "text/javascript": { schema: { type: "string" } }, "text/css": { schema: { type: "string" } }, "application/json": { schema: { type: "object" } } } },
      304: { description: "Not modified (the `If-None-Match` ETag matches)." },
      308: { description: "`/api/dashboard` → `/api/dashboard/`.", headers: { Location: headerRef("Location") } },
      404: { description: "No such file.", content: { "text/plain": { schema: { type: "string" } } } },
    },
  });
  add({ name: "Dashboard", route: "dashboard/{*path}" }, {
    method: "head",
    path: `${ROUTE_PREFIX}/dashboard/{path}`,
    operationId: "DashboardHead",
    tags: [Tags.public],
    summary: "Dashboard files (headers only)",
    description: "As `GET`, without the body.",
    security: [],
    request: { params: z.object({ path: z.string().openapi({ description: "A file name of the dashboard (one segment); empty for the page." }) }) },
    responses: { 200: { description: "The file's headers.", headers: dashboardSecurityHeaders }, 304: { description: "Not modified." }, 404: { description: "No such file." } },
  });
  // The customer's status page: anonymous by capability (the signed status link in the path).
  const statusPageHeaders: Record<string, HeaderObject> = {
    "Content-Security-Policy": { description: "Strict CSP: no script, the page's one stylesheet by SHA-256 hash, forms post to the app only, no framing.", schema: { type: "string" } },
    "Referrer-Policy": { description: "`no-referrer`: the link is never sent to other sites.", schema: { type: "string" } },
  };
  const tokenParam = z.object({
    token: z.string().openapi({ description: "The status link's token: `<keyId>.<payload>.<signature>` (base64url; HMAC-SHA256 over the partner, the case and the expiry). It names one case and expires `STATUS_LINK_MAX_AGE_DAYS` after the email carrying it was sent." }),
  });
  const htmlPage = { "text/html": { schema: { type: "string" as const, description: "The status page (HTML, the customer's language)." } } };
  const problemJson = { "application/problem+json": { schema: { type: "object" as const } } };
  const linkRefused = (what: string): ResponseConfig => ({ description: `${what} As a localized HTML page, or problem+json when the client accepts only JSON.`, headers: statusPageHeaders, content: { ...htmlPage, ...problemJson } });
  add({ name: "GetStatusPage", durableClient: true }, {
    method: "get",
    path: `${ROUTE_PREFIX}/status/{token}`,
    operationId: "GetStatusPage",
    tags: [Tags.customer],
    summary: "The customer's status page of a request",
    description:
      "Anonymous by capability: the link in every customer email. Server-rendered HTML in the customer's language (en, hu, cs, pl, ru): status, the customer-visible timeline (status changes, the customer's replies, emails sent to the customer; never internal notes), the next target as a date in the partner's service-hours zone, files the customer sent, and forms to reply, confirm the resolution, reopen (within the reopen window: the partner's `autoCloseAfter` after the resolution or the closure) and rate the resolution (1–5 and a comment, once). Works without JavaScript. `?done=replied|confirmed|reopened|rated` shows the notice of the action just taken.",
    security: [],
    request: { params: tokenParam, query: z.object({ done: z.enum(["replied", "confirmed", "reopened", "rated"]).optional() }) },
    responses: {
      200: { description: "The page.", headers: statusPageHeaders, content: htmlPage },
      404: linkRefused("A malformed, tampered or unknown link (or status links are not configured)."),
      410: linkRefused("An expired link."),
    },
  });
  add({ name: "PostStatusPageAction", durableClient: true }, {
    method: "post",
    path: `${ROUTE_PREFIX}/status/{token}/{action}`,
    operationId: "PostStatusPageAction",
    tags: [Tags.customer],
    summary: "A form on the customer's status page",
    description:
      "HTML form posts (`application/x-www-form-urlencoded`), answered with 303 back to the page (POST-redirect-GET). `reply` (`message` up to 8,000 characters, `nonce` from the form): a reply on the case exactly as an email reply (timeline, case inbox, resumes a paused clock, counts as the customer's response; one reply per form nonce). `confirmation`: the customer confirms the resolution (the request closes). `reopening` (`reason`): reopens a resolved request, or a closed one within the reopen window. `rating` (`rating` 1–5, `comment` optional): the satisfaction rating, stored on the case once (shown as `case.satisfaction` in the partner's detail); the same rating posted again is answered alike, a different one 409. Cross-site posts (Fetch Metadata `Sec-Fetch-Site`, or a foreign `Origin`) are refused.",
    security: [],
    request: {
      params: tokenParam.extend({ action: z.enum(["reply", "confirmation", "reopening", "rating"]) }),
      body: {
        required: true,
        content: {
          "application/x-www-form-urlencoded": {
            schema: z.object({ message: z.string().max(8000).optional(), nonce: z.string().optional(), reason: z.string().max(2000).optional(), rating: z.enum(["1", "2", "3", "4", "5"]).optional(), comment: z.string().max(2000).optional() }),
          },
        },
      },
    },
    responses: {
      303: { description: "Done: back to the page with its notice.", headers: { Location: headerRef("Location") } },
      400: { description: "A field is invalid: the page naming it (HTML), or problem+json with `errors[].pointer` `form:<field>`.", content: { ...htmlPage, ...problemJson } },
      403: { description: "A cross-site form post.", content: problemJson },
      404: linkRefused("An unknown action, or a malformed, tampered or unknown link."),
      409: { description: "The request's state does not allow it (e.g. confirming an open request, reopening after the window, rating before the resolution or rating differently a second time): the page with a notice.", content: { ...htmlPage, ...problemJson } },
      410: linkRefused("An expired link."),
      ...problemResponses(413, 415),
    },
  });
  return [...routes.values()];
}

let table: readonly HttpRoute[] | undefined;

/**
 * The route table: every HTTP function of the app (built on the first call, then the same array).
 * The registrations (functions/http/routes.ts) and the OpenAPI document are both generated from it.
 */
export function httpRoutes(): readonly HttpRoute[] {
  table ??= buildHttpRoutes();
  return table;
}

/**
 * The table's entry of a function.
 * @throws Error for a name the table does not list (a bug: the names are the deployed functions).
 */
export function httpRoute(name: string): HttpRoute {
  const route = httpRoutes().find((r) => r.name === name);
  if (!route) throw new Error(`Route table: no HTTP function ${name}.`);
  return route;
}

/**
 * The permission the table declares for a partner API function.
 * @throws Error when the function is not in the table or needs no API key (a bug).
 */
export function permissionOf(name: string): PartnerPermission {
  const permission = httpRoute(name).permission;
  if (!permission) throw new Error(`Route table: ${name} is not a partner API function.`);
  return permission;
}

/**
 * Registers every operation of the route table on `registry`.
 * @returns the request bodies as documented, for the tests.
 */
export function registerPaths(registry: OpenAPIRegistry): DocumentedRequestBody[] {
  nameSchemas(namedSchemas);
  const bodies: DocumentedRequestBody[] = [];
  for (const route of httpRoutes()) {
    for (const operation of route.operations) {
      registry.registerPath(operation.openapi);
      if (operation.body) bodies.push({ method: operation.method, path: operation.openapi.path, schema: operation.body });
    }
  }
  return bodies;
}
