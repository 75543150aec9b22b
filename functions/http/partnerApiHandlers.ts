/**
 * The partner API: `GET /api/partners/{partnerId}/support-requests[/{caseId}]`,
 * `POST …/{caseId}/diagnosis`, `…/resolution`, `…/updates`, `…/escalation` (each appends a case
 * action to the case's inbox, then signals the workflow); list filters and counts,
 * `…/information-requests`, `…/closure`, `…/reopening` (inbox actions), `…/notes`, `…/assignment`
 * (case updates), the API keys (`GET/POST /api/partners/{partnerId}/api-keys`,
 * `DELETE …/api-keys/{keyId}`), the audit log (`GET …/audit`) and a customer's data export
 * (`GET …/customers/{customer}/export`), the reports (`GET …/reports/sla`, `GET …/reports/volume`),
 * every one permission-checked by the key's role
 * (shared/contracts/access.ts; each endpoint's permission is declared in the route table,
 * shared/openapi/paths.ts, and checked through `withPartnerAuth`) and rate-limited per key; and the public
 * `GET /api/partners/{partnerId}/support-terms` (no key). Authenticated with the partner's
 * API key in `x-api-key` (or `Authorization: Bearer <key>`). A missing or invalid key → 401 with
 * `WWW-Authenticate`; a valid key of another partner → 404, so a partner never learns whether
 * another partner or its cases exist (OWASP API1:2023 BOLA).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { PartnerIdSchema, type ActionResult } from "../../shared/contracts";
import { permissionOf, type PartnerPermission } from "../../shared/openapi";
import type { Container } from "../../shared/container";
import type { SupportRequestWorkflow } from "../../shared/ports";
import {
  addNote,
  assignCase,
  authenticateApiKey,
  closeCase,
  createApiKey,
  diagnoseAs,
  escalateAs,
  exportCustomerData,
  getPublicSupportTerms,
  getSlaReport,
  getVolumeReport,
  getSupportRequestForPrincipal,
  listApiKeys,
  redactCreatedApiKey,
  reopenCase,
  requestInformation,
  restartWorkflowAs,
  requirePermission,
  resolveAs,
  revokeApiKey,
  searchSupportRequests,
  touchApiKey,
  updateAs,
  type ApiPrincipal,
} from "../../shared/services";
import { auditCaller, handleErrors, json, parseJsonBody, pathOf, withIdempotency, type ContainerSource, type HttpHandler, type WorkflowSource } from "./common";
import { invalidPartnerIdProblem, notFoundProblem, tooManyRequestsProblem, unauthorizedProblem, validationProblem } from "./problem";

/** Challenge sent with a 401 of the partner API. */
export const API_KEY_CHALLENGE = 'Bearer realm="partner-api", charset="UTF-8"';
/** Header carrying the continuation token of a listing (besides the body's `continuationToken`). */
export const CONTINUATION_HEADER = "x-ms-continuation-token";

/** The API key of a request: `x-api-key`, else `Authorization: Bearer <key>`. */
export function apiKeyOf(request: HttpRequest): string | undefined {
  const header = request.headers.get("x-api-key")?.trim();
  if (header) return header;
  const auth = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  return auth?.[1];
}

/** The authenticated caller of a partner endpoint: the `{partnerId}` of the route and the API key's principal (role, key id). */
export interface PartnerCaller {
  /** The partner named by the route (the key's own partner). */
  partnerId: string;
  /** The API key's principal. */
  principal: ApiPrincipal;
}

/** Result of {@link authorize}: the authenticated caller, or the 401/404/429 problem to answer. */
export type Authorized = ({ ok: true } & PartnerCaller) | { ok: false; response: HttpResponseInit };

/** What authenticating a partner API key uses: the partners' keys, the per-key rate limiter, the key's last use and the audit log. */
export type PartnerAuthDeps = Pick<Container, "partners" | "rateLimiter" | "apiKeyDeps" | "auditLog">;

/**
 * Authenticates the partner API key of a request for the `{partnerId}` of its route and applies
 * the per-key rate limit. In order: no, wrong or revoked key → 401 with `WWW-Authenticate`
 * (RFC 9110 §11.6.1); over the key's rate → 429 with `Retry-After` (RFC 6585 §4; OWASP API4:2023),
 * counted for every request the key authenticates, on any partner's URL; another partner's valid
 * key → 404 (never reveals that this partner or its objects exist; OWASP API1:2023). The key's
 * last use is recorded at most once a minute. Permissions (403) are checked by {@link withPartnerAuth}, as the route table declares them.
 */
export async function authorize(container: PartnerAuthDeps, request: HttpRequest): Promise<Authorized> {
  const partnerId = request.params.partnerId ?? "";
  const apiKey = apiKeyOf(request);
  const instance = pathOf(request);
  if (!PartnerIdSchema.safeParse(partnerId).success) return { ok: false, response: invalidPartnerIdProblem(instance) };
  if (!apiKey) return { ok: false, response: unauthorizedProblem("Send the partner API key in the x-api-key header or as a Bearer token.", API_KEY_CHALLENGE, undefined, instance) };
  const auth = await authenticateApiKey({ partners: container.partners }, partnerId, apiKey);
  if (auth.kind === "unauthorized") return { ok: false, response: unauthorizedProblem("The API key is not valid for this partner.", `${API_KEY_CHALLENGE}, error="invalid_token"`, undefined, instance) };
  const keyHash = auth.kind === "authenticated" ? auth.principal.keyHash : auth.keyHash;
  const rate = container.rateLimiter.take(keyHash);
  if (!rate.allowed) {
    const limited = tooManyRequestsProblem(rate.retryAfterInSeconds, instance);
    return { ok: false, response: { ...limited, headers: { ...(limited.headers as Record<string, string>), "RateLimit-Limit": String(rate.limit), "RateLimit-Remaining": "0" } } };
  }
  if (auth.kind === "other-partner") return { ok: false, response: notFoundProblem(undefined, instance) };
  await touchApiKey(container.apiKeyDeps, keyHash);
  auditCaller(request, { auditLog: container.auditLog, partnerId, keyId: auth.principal.keyId, role: auth.principal.role });
  return { ok: true, partnerId, principal: auth.principal };
}

/** A partner endpoint's body, run once the caller is authenticated (and, for a {@link Permission}, authorised). */
export type PartnerHandler<D> = (request: HttpRequest, context: InvocationContext, caller: PartnerCaller, deps: D) => Promise<HttpResponseInit>;

/**
 * Wraps a partner endpoint: resolves its dependencies (on each request), authenticates the API key
 * with {@link authorize} (401 with `WWW-Authenticate`, 429 with `Retry-After` and `RateLimit-*`,
 * 404 for another partner's key, 404 naming `path:partnerId` for an invalid id), checks a static
 * `permission` (403; a `{ onCase }` permission is the case action's service's to check), then
 * runs `handler`; errors are mapped by {@link handleErrors}, which also
 * records the request in the audit log.
 * @param deps - where the endpoint's dependencies come from (`D` includes {@link PartnerAuthDeps}).
 * @param permission - what the endpoint needs (see {@link PartnerPermission}).
 */
export function withPartnerAuth<D extends PartnerAuthDeps>(deps: ContainerSource<D>, permission: PartnerPermission, handler: PartnerHandler<D>): HttpHandler {
  return (request, context) =>
    handleErrors(request, context, async () => {
      const resolved = deps.getContainer();
      const auth = await authorize(resolved, request);
      if (!auth.ok) return auth.response;
      if (typeof permission === "string") requirePermission(auth.principal, permission);
      return handler(request, context, { partnerId: auth.partnerId, principal: auth.principal }, resolved);
    });
}

/**
 * `GET …/support-requests?status&severity&category&product&customer&channel&sla&createdFrom&createdTo&limit&continuationToken`:
 * the partner's requests matching every filter, newest first (`SupportRequestListQuerySchema`),
 * 200 `{items, continuationToken?, counts: {byStatus}}` (counts over the filters without `status`);
 * the token is also in `x-ms-continuation-token` (and may be sent back in that header instead of
 * the query). 400 naming each bad parameter (`query:<name>`). Permission `requests:read`.
 */
export function createListSupportRequestsHandler(deps: ContainerSource<PartnerAuthDeps & Pick<Container, "cases">>): HttpHandler {
  return withPartnerAuth(deps, permissionOf("ListSupportRequests"), async (request, _context, auth, container) => {
    const query: Record<string, string> = {};
    for (const [k, v] of request.query.entries()) query[k] = v;
    const headerToken = request.headers.get(CONTINUATION_HEADER);
    if (query.continuationToken === undefined && headerToken) query.continuationToken = headerToken;
    const page = await searchSupportRequests({ cases: container.cases, partners: container.partners }, auth.partnerId, query);
    return json(200, page, page.continuationToken ? { [CONTINUATION_HEADER]: page.continuationToken } : {});
  });
}

/**
 * `GET …/support-requests/{caseId}`: 200 `{case, timeline, sla, notifications, emails, orchestration,
 * slaClocks, slaEvents, escalation, assignee, lastUpdatedAt, attachments}` (+ `resellerPartnerId`,
 * `resellerName` for the indirect provider of a reseller's escalated case); 404 when the caller may
 * not see it. Permission `requests:read`.
 */
export function createGetSupportRequestHandler(deps: WorkflowSource<PartnerAuthDeps & Pick<Container, "supportRequestDeps" | "inboundLog">>): HttpHandler {
  return withPartnerAuth(deps, permissionOf("GetSupportRequest"), async (request, context, auth, container) => {
    const details = await getSupportRequestForPrincipal(container.supportRequestDeps(deps.getWorkflow(context)), auth.principal, request.params.caseId ?? "");
    // Attachments of email requests and replies, stored with the owner's case.
    const attachments = await container.inboundLog.listAttachments(details.case.partnerId, details.case.caseId);
    return json(200, { ...details, attachments });
  });
}

/** What a case action uses: authentication, idempotency and the support request use cases' dependencies. */
export type CaseActionDeps = PartnerAuthDeps & Pick<Container, "idempotency" | "supportRequestDeps">;

/** A case action as the handlers run it: the dependencies, the invocation's workflow, the caller, the case id and the parsed body. */
type CaseActionRunner = (container: CaseActionDeps, workflow: SupportRequestWorkflow, principal: ApiPrincipal, caseId: string, body: unknown) => Promise<ActionResult>;

/**
 * A POST action on a case: authenticate (401/429/404), parse the JSON body (415/400), then under
 * the request's `Idempotency-Key` (IETF draft; scoped to the partner and the API key: the same key
 * and body replay the first response, another body → 422, first still running → 409) run the
 * action, which checks visibility (404), permission (403), body (400) and state (409).
 * @param name - the function's name in the route table, which declares its permission.
 * @param status - success status: 202 for workflow actions (queued), 200 for case updates.
 * @param allowEmptyBody - an empty body counts as `{}` (closure, whose only field is optional).
 */
function createActionHandler(deps: WorkflowSource<CaseActionDeps>, name: string, run: CaseActionRunner, status: 200 | 202 = 202, allowEmptyBody = false): HttpHandler {
  return withPartnerAuth(deps, permissionOf(name), async (request, context, auth, container) => {
    const raw = await request.text();
    const body = allowEmptyBody && raw.trim() === "" ? { ok: true as const, value: {} as unknown } : parseJsonBody(request, raw);
    if (!body.ok) return body.response;
    return withIdempotency(container, request, idempotencyScope(auth.principal), raw, async () => {
      const result = await run(container, deps.getWorkflow(context), auth.principal, request.params.caseId ?? "", body.value);
      return json(status, result, { Location: result.statusUrl });
    });
  });
}

/** Idempotency keys are the client's: scoped to the partner and the API key that sent them. */
export function idempotencyScope(principal: ApiPrincipal): string {
  return `${principal.partnerId}~${principal.keyId}`;
}

/**
 * `POST …/{caseId}/diagnosis` (body `DiagnosisRequestSchema`): appends a `diagnosis` action to the
 * case's inbox and raises `CaseActionsAvailable`; 202 `{caseId, action, seq, event, recordedAt,
 * statusUrl}`; 400 naming bad fields; 403 without the act permission of the case's category; 404
 * when not visible; 409 when the status does not allow a diagnosis. Optional `Idempotency-Key`.
 */
export function createRecordDiagnosisHandler(deps: WorkflowSource<CaseActionDeps>): HttpHandler {
  return createActionHandler(deps, "RecordDiagnosis", (c, w, p, id, b) => diagnoseAs(c.supportRequestDeps(w), p, id, b));
}

/** `POST …/{caseId}/resolution` (body `{summary}`): as {@link createRecordDiagnosisHandler}; also the indirect provider's on a reseller's case escalated to it. */
export function createRecordResolutionHandler(deps: WorkflowSource<CaseActionDeps>): HttpHandler {
  return createActionHandler(deps, "RecordResolution", (c, w, p, id, b) => resolveAs(c.supportRequestDeps(w), p, id, b));
}

/** `POST …/{caseId}/updates` (body `{message}`): a progress update to the customer; as {@link createRecordDiagnosisHandler}; 409 once resolved or closed. */
export function createRecordUpdateHandler(deps: WorkflowSource<CaseActionDeps>): HttpHandler {
  return createActionHandler(deps, "RecordCaseUpdate", (c, w, p, id, b) => updateAs(c.supportRequestDeps(w), p, id, b));
}

/** `POST …/{caseId}/escalation` (body `{reason}`): escalate now; as {@link createRecordDiagnosisHandler}; also the indirect provider's. */
export function createRequestEscalationHandler(deps: WorkflowSource<CaseActionDeps>): HttpHandler {
  return createActionHandler(deps, "RequestEscalation", (c, w, p, id, b) => escalateAs(c.supportRequestDeps(w), p, id, b));
}

/** `POST …/{caseId}/information-requests` (body `{message}`): emails the customer, status awaiting-customer (clocks paused per policy); 202; 409 unless received, in diagnosis or awaiting the customer. */
export function createRequestInformationHandler(deps: WorkflowSource<CaseActionDeps>): HttpHandler {
  return createActionHandler(deps, "RequestInformation", (c, w, p, id, b) => requestInformation(c.supportRequestDeps(w), p, id, b));
}

/** `POST …/{caseId}/closure` (body `{reason?}`, may be empty): closes a resolved request now; 202; 409 unless resolved. */
export function createCloseCaseHandler(deps: WorkflowSource<CaseActionDeps>): HttpHandler {
  return createActionHandler(deps, "CloseCase", (c, w, p, id, b) => closeCase(c.supportRequestDeps(w), p, id, b), 202, true);
}

/** `POST …/{caseId}/reopening` (body `{reason}`): reopens a resolved or closed request; 202; 409 otherwise. */
export function createReopenCaseHandler(deps: WorkflowSource<CaseActionDeps>): HttpHandler {
  return createActionHandler(deps, "ReopenCase", (c, w, p, id, b) => reopenCase(c.supportRequestDeps(w), p, id, b));
}

/**
 * `POST …/{caseId}/workflow-restart` (body `{reason?}`, may be empty): restarts the request's
 * stopped workflow (failed, terminated, or given up by the recovery sweeper) from its last
 * checkpoint; 202 `{caseId, action: "workflow-restart", entryId, event: "restarted", …}`;
 * permission `workflow:restart`; 409 while it runs or is suspended, or once the request is closed.
 */
export function createRestartWorkflowHandler(deps: WorkflowSource<CaseActionDeps>): HttpHandler {
  return createActionHandler(deps, "RestartWorkflow", (c, w, p, id, b) => restartWorkflowAs(c.supportRequestDeps(w), p, id, b), 202, true);
}

/** `POST …/{caseId}/notes` (body `{text}`): an internal note (never emailed); 200 `{caseId, action: "note", entryId, …}`; permission `notes:write`. */
export function createAddNoteHandler(deps: WorkflowSource<CaseActionDeps>): HttpHandler {
  return createActionHandler(deps, "AddCaseNote", (c, w, p, id, b) => addNote(c.supportRequestDeps(w), p, id, b), 200);
}

/** `POST …/{caseId}/assignment` (body `{assignee}`, null unassigns): 200 `{caseId, action: "assignment", entryId, …}`; 409 once closed. */
export function createAssignCaseHandler(deps: WorkflowSource<CaseActionDeps>): HttpHandler {
  return createActionHandler(deps, "AssignCase", (c, w, p, id, b) => assignCase(c.supportRequestDeps(w), p, id, b), 200);
}

/** `GET /api/partners/{partnerId}/api-keys`: 200 `{items: ApiKeyView[]}` (never the keys); permission `keys:manage`. */
export function createListApiKeysHandler(deps: ContainerSource<PartnerAuthDeps>): HttpHandler {
  return withPartnerAuth(deps, permissionOf("ListApiKeys"), async (_request, _context, auth, container) => json(200, { items: await listApiKeys(container.apiKeyDeps, auth.principal) }));
}

/**
 * `POST /api/partners/{partnerId}/api-keys` `{role, name}`: 201 with the key shown once (`apiKey`)
 * and `Location` naming it; permission `keys:manage`; optional `Idempotency-Key`. A replay (same key
 * and body) creates nothing and answers 201 with the same key's metadata, `apiKey: null` and a
 * `notice` (`ReplayedApiKeyResponseSchema`): only that redacted form is stored for replays, never
 * the key.
 */
export function createCreateApiKeyHandler(deps: ContainerSource<PartnerAuthDeps & Pick<Container, "idempotency" | "config">>): HttpHandler {
  return withPartnerAuth(deps, permissionOf("CreateApiKey"), async (request, _context, auth, container) => {
    const raw = await request.text();
    const body = parseJsonBody(request, raw);
    if (!body.ok) return body.response;
    return withIdempotency(container, request, idempotencyScope(auth.principal), raw, async () => {
      const created = await createApiKey(container.apiKeyDeps, auth.principal, body.value);
      return json(201, created, { Location: `${container.config.PUBLIC_BASE_URL}/api/partners/${encodeURIComponent(auth.partnerId)}/api-keys/${created.keyId}` });
    }, { storedForm: redactCreatedApiKey });
  });
}

/** `DELETE /api/partners/{partnerId}/api-keys/{keyId}`: 204, the key revoked (later use → 401); 404 for an unknown key; permission `keys:manage`. */
export function createRevokeApiKeyHandler(deps: ContainerSource<PartnerAuthDeps>): HttpHandler {
  return withPartnerAuth(deps, permissionOf("RevokeApiKey"), async (request, _context, auth, container) => {
    await revokeApiKey(container.apiKeyDeps, auth.principal, request.params.keyId ?? "");
    return { status: 204, headers: { "Cache-Control": "no-store" } };
  });
}

/** `Cache-Control` of the public support terms: shared caches may keep them 5 minutes. */
export const SUPPORT_TERMS_CACHE_CONTROL = "public, max-age=300";

/**
 * `GET /api/partners/{partnerId}/support-terms`, public (no key): 200 `{partnerId, name,
 * supportTypes, serviceHours: {timeZone, weekly, holidays}, contactMethods, pricing}` with
 * `Cache-Control: public, max-age=300`; 404 problem for an unknown partner (naming `path:partnerId`
 * when the id cannot name one).
 */
export function createGetSupportTermsHandler(deps: ContainerSource<Pick<Container, "partners">>): HttpHandler {
  return (request, context) =>
    handleErrors(request, context, async () => {
      if (!PartnerIdSchema.safeParse(request.params.partnerId ?? "").success) return invalidPartnerIdProblem(pathOf(request));
      const terms = await getPublicSupportTerms({ partners: deps.getContainer().partners }, request.params.partnerId ?? "");
      return json(200, terms, { "Cache-Control": SUPPORT_TERMS_CACHE_CONTROL });
    });
}

/**
 * `GET /api/partners/{partnerId}/audit?from&to&limit&continuationToken`: the partner's audit log,
 * newest first (`AuditPageSchema`): every action of its API keys and every key change, with key
 * id, role, time and source IP; `from`/`to` ISO 8601 instants (to exclusive); the token also in
 * `x-ms-continuation-token`. Permission `audit:read` (global admin). 400 naming a bad parameter.
 */
export function createGetAuditLogHandler(deps: ContainerSource<PartnerAuthDeps>): HttpHandler {
  return withPartnerAuth(deps, permissionOf("GetAuditLog"), async (request, _context, auth, container) => {
    const errors: Array<{ pointer: string; detail: string }> = [];
    const instant = (name: string): string | undefined => {
      const v = request.query.get(name);
      if (v === null) return undefined;
      if (Number.isNaN(Date.parse(v)) || !/^\d{4}-\d{2}-\d{2}T/.test(v)) {
        errors.push({ pointer: `query:${name}`, detail: "an ISO 8601 instant, e.g. 2026-01-31T00:00:00Z" });
        return undefined;
      }
      return new Date(v).toISOString();
    };
    const from = instant("from");
    const to = instant("to");
    const limitParam = request.query.get("limit");
    if (limitParam !== null && !/^\d{1,3}$/.test(limitParam)) errors.push({ pointer: "query:limit", detail: "an integer from 1 to 100" });
    if (errors.length > 0) return validationProblem(errors, pathOf(request));
    const token = request.query.get("continuationToken") ?? request.headers.get(CONTINUATION_HEADER) ?? undefined;
    try {
      const page = await container.auditLog.list(auth.partnerId, { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(limitParam !== null ? { limit: Number(limitParam) } : {}), ...(token ? { continuationToken: token } : {}) });
      return json(200, page, page.continuationToken ? { [CONTINUATION_HEADER]: page.continuationToken } : {});
    } catch (e) {
      if (e instanceof RangeError) return validationProblem([{ pointer: (e as { code?: unknown }).code === "InvalidContinuationToken" ? "query:continuationToken" : "query:limit", detail: e.message }], pathOf(request));
      throw e;
    }
  });
}

/**
 * `GET /api/partners/{partnerId}/customers/{customer}/export`: everything the partner's storage
 * holds about one customer (GDPR Art. 15 and 20), as JSON (`CustomerDataExport`): its requests with
 * timelines, emails and attachment lists, its customer directory entries and the inbound messages
 * from its addresses. `{customer}` is a tenant id (GUID) or an email address. Permission
 * `customer-data:export` (global admin); recorded in the audit log (action `ExportCustomerData`).
 * 400 naming `path:customer` for anything else (or the placeholder tenant of unknown senders).
 */
export function createExportCustomerDataHandler(deps: ContainerSource<PartnerAuthDeps & Pick<Container, "cases" | "notifications" | "inboundLog" | "customerDirectory" | "clock">>): HttpHandler {
  return withPartnerAuth(deps, permissionOf("ExportCustomerData"), async (request, _context, auth, container) => {
    const exported = await exportCustomerData(
      { cases: container.cases, notifications: container.notifications, inboundLog: container.inboundLog, directory: container.customerDirectory, clock: container.clock },
      auth.principal,
      request.params.customer ?? "",
    );
    return json(200, exported);
  });
}

/** The query of a request as one value per parameter (the last one of a repeated parameter). */
function queryOf(request: HttpRequest): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [k, v] of request.query.entries()) query[k] = v;
  return query;
}

/**
 * `GET /api/partners/{partnerId}/reports/sla?from&to&groupBy&severity&product&category`: the
 * partner's SLA report (`SlaReport` of shared/contracts/reports.ts: per period SLA attainment per
 * metric, median and p90 business times in ms, paused time, CSAT; totals; CSAT per product), read
 * from the reports' read model. 400 naming each bad parameter (`query:<name>`). Permission
 * `requests:read`.
 */
export function createGetSlaReportHandler(deps: ContainerSource<PartnerAuthDeps & Pick<Container, "reportDeps">>): HttpHandler {
  return withPartnerAuth(deps, permissionOf("GetSlaReport"), async (request, _context, auth, container) => json(200, await getSlaReport(container.reportDeps, auth.partnerId, queryOf(request))));
}

/**
 * `GET /api/partners/{partnerId}/reports/volume?from&to&groupBy&severity&product&category`: the
 * partner's volume report (`VolumeReport` of shared/contracts/reports.ts: per period requests by
 * category, product, channel and severity, backlog at the period's end, escalations by target and
 * vehicle, product support incidents used; top customers; incidents used and left; for an indirect
 * provider its resellers' escalated requests as a separate series). 400 naming each bad parameter.
 * Permission `requests:read`.
 */
export function createGetVolumeReportHandler(deps: ContainerSource<PartnerAuthDeps & Pick<Container, "reportDeps">>): HttpHandler {
  return withPartnerAuth(deps, permissionOf("GetVolumeReport"), async (request, _context, auth, container) => json(200, await getVolumeReport(container.reportDeps, auth.partnerId, queryOf(request))));
}
