/**
 * The partner API: `GET /api/partners/{partnerId}/support-requests[/{caseId}]`,
 * `POST …/{caseId}/diagnosis`, `…/resolution`, `…/updates`, `…/escalation` (each appends a case
 * action to the case's inbox, then signals the workflow), and the public
 * `GET /api/partners/{partnerId}/support-terms` (no key). Authenticated with the partner's
 * API key in `x-api-key` (or `Authorization: Bearer <key>`). A missing or invalid key → 401 with
 * `WWW-Authenticate`; a valid key of another partner → 404, so a partner never learns whether
 * another partner or its cases exist (OWASP API1:2023 BOLA).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Container } from "../../shared/container";
import { authenticatePartner, getPublicSupportTerms, getSupportRequest, listSupportRequests, recordDiagnosis, recordResolution, recordUpdate, requestEscalation } from "../../shared/services";
import { handleErrors, json, parseJsonBody, pathOf, withIdempotency, type HttpHandler, type HttpHandlerDeps } from "./common";
import { notFoundProblem, unauthorizedProblem, validationProblem } from "./problem";

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

/** Result of {@link authorize}: the authenticated partner, or the 401/404 problem to answer. */
export type Authorized = { ok: true; partnerId: string } | { ok: false; response: HttpResponseInit };

/**
 * Authenticates the partner API key of a request for the `{partnerId}` of its route: 401 without
 * or with a wrong key, 404 with another partner's key (OWASP API1).
 */
export async function authorize(container: Container, request: HttpRequest): Promise<Authorized> {
  const partnerId = request.params.partnerId ?? "";
  const apiKey = apiKeyOf(request);
  const instance = pathOf(request);
  if (!apiKey) return { ok: false, response: unauthorizedProblem("Send the partner API key in the x-api-key header or as a Bearer token.", API_KEY_CHALLENGE, undefined, instance) };
  const auth = await authenticatePartner({ partners: container.partners }, partnerId, apiKey);
  if (auth.kind === "authenticated") return { ok: true, partnerId };
  if (auth.kind === "other-partner") return { ok: false, response: notFoundProblem(undefined, instance) };
  return { ok: false, response: unauthorizedProblem("The API key is not valid for this partner.", `${API_KEY_CHALLENGE}, error="invalid_token"`, undefined, instance) };
}

/**
 * `GET …/support-requests?limit=1..100&continuationToken=…`: the partner's cases, newest first.
 * 200 `{items, continuationToken?}`; the token is also in `x-ms-continuation-token` (and may be
 * sent back in that header instead of the query). 400 naming `query:limit` / `query:continuationToken`.
 */
export function createListSupportRequestsHandler(deps: HttpHandlerDeps): HttpHandler {
  return (request, context) =>
    handleErrors(request, context, async () => {
      const container = deps.getContainer();
      const auth = await authorize(container, request);
      if (!auth.ok) return auth.response;
      const limitParam = request.query.get("limit");
      let limit: number | undefined;
      if (limitParam !== null) {
        if (!/^\d{1,3}$/.test(limitParam) || Number(limitParam) < 1 || Number(limitParam) > 100) return validationProblem([{ pointer: "query:limit", detail: "an integer from 1 to 100" }], pathOf(request));
        limit = Number(limitParam);
      }
      const token = request.query.get("continuationToken") ?? request.headers.get(CONTINUATION_HEADER) ?? undefined;
      const page = await listSupportRequests({ cases: container.cases }, auth.partnerId, { ...(limit !== undefined ? { limit } : {}), ...(token ? { continuationToken: token } : {}) });
      return json(200, page, page.continuationToken ? { [CONTINUATION_HEADER]: page.continuationToken } : {});
    });
}

/**
 * `GET …/support-requests/{caseId}`: 200 `{case, timeline, sla, notifications, orchestration,
 * slaClocks, slaEvents, escalation, attachments}` (+ `resellerPartnerId`, `resellerName` for the indirect
 * provider of a reseller's escalated case); 404 when the caller may not see it.
 */
export function createGetSupportRequestHandler(deps: HttpHandlerDeps): HttpHandler {
  return (request, context) =>
    handleErrors(request, context, async () => {
      const container = deps.getContainer();
      const auth = await authorize(container, request);
      if (!auth.ok) return auth.response;
      const details = await getSupportRequest(container.supportRequestDeps(deps.getWorkflow(context)), auth.partnerId, request.params.caseId ?? "");
      // Issue 4: attachments of email requests and replies, stored with the owner's case.
      const attachments = await container.inboundLog.listAttachments(details.case.partnerId, details.case.caseId);
      return json(200, { ...details, attachments });
    });
}

function createActionHandler(deps: HttpHandlerDeps, action: typeof recordDiagnosis): HttpHandler {
  return (request: HttpRequest, context: InvocationContext) =>
    handleErrors(request, context, async () => {
      const container = deps.getContainer();
      const auth = await authorize(container, request);
      if (!auth.ok) return auth.response;
      const raw = await request.text();
      const body = parseJsonBody(request, raw);
      if (!body.ok) return body.response;
      return withIdempotency(container, request, auth.partnerId, raw, async () => {
        const result = await action(container.supportRequestDeps(deps.getWorkflow(context)), auth.partnerId, request.params.caseId ?? "", body.value);
        return json(202, result, { Location: result.statusUrl });
      });
    });
}

/**
 * `POST …/{caseId}/diagnosis` (body `DiagnosisRequestSchema`): appends a `diagnosis` action to the
 * case's inbox and raises `CaseActionsAvailable`; 202 `{caseId, action, seq, event, recordedAt,
 * statusUrl}`; 400 naming bad fields; 404 when not the partner's; 409 when the status does not
 * allow a diagnosis. Optional `Idempotency-Key`.
 */
export function createRecordDiagnosisHandler(deps: HttpHandlerDeps): HttpHandler {
  return createActionHandler(deps, recordDiagnosis);
}

/** `POST …/{caseId}/resolution` (body `{summary}`): as {@link createRecordDiagnosisHandler}; also the indirect provider's on a reseller's case escalated to it. */
export function createRecordResolutionHandler(deps: HttpHandlerDeps): HttpHandler {
  return createActionHandler(deps, recordResolution);
}

/** `POST …/{caseId}/updates` (body `{message}`): a progress update to the customer; as {@link createRecordDiagnosisHandler}; 409 once resolved or closed. */
export function createRecordUpdateHandler(deps: HttpHandlerDeps): HttpHandler {
  return createActionHandler(deps, recordUpdate);
}

/** `POST …/{caseId}/escalation` (body `{reason}`): escalate now; as {@link createRecordDiagnosisHandler}; also the indirect provider's. */
export function createRequestEscalationHandler(deps: HttpHandlerDeps): HttpHandler {
  return createActionHandler(deps, requestEscalation);
}

/** `Cache-Control` of the public support terms: shared caches may keep them 5 minutes. */
export const SUPPORT_TERMS_CACHE_CONTROL = "public, max-age=300";

/**
 * `GET /api/partners/{partnerId}/support-terms`, public (no key): 200 `{partnerId, name,
 * supportTypes, serviceHours: {timeZone, weekly, holidays}, contactMethods, pricing}` with
 * `Cache-Control: public, max-age=300`; 404 problem for an unknown partner.
 */
export function createGetSupportTermsHandler(deps: Pick<HttpHandlerDeps, "getContainer">): HttpHandler {
  return (request, context) =>
    handleErrors(request, context, async () => {
      const terms = await getPublicSupportTerms({ partners: deps.getContainer().partners }, request.params.partnerId ?? "");
      return json(200, terms, { "Cache-Control": SUPPORT_TERMS_CACHE_CONTROL });
    });
}
