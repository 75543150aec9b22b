/**
 * Email intake over HTTP:
 * - `POST /api/partners/{partnerId}/inbound-email` (`Content-Type: message/rfc822`), signed like
 *   the webhook (Standard Webhooks over the raw bytes): writes the message to the `inbound-email`
 *   container, so it follows the blob-triggered path of every relay; 202 `{blobName}`;
 * - `GET …/inbound-email/quarantine` and `GET …/inbound-email/ignored` (partner API key): the
 *   quarantined and the ignored messages, newest first, paged like the case listing;
 * - `GET …/inbound-email/log` (partner API key): every delivered message with its outcome,
 *   filtered by outcome, sender, Message-ID, case, flag and time;
 * - `PATCH …/support-requests/{caseId}` `{product?, category?, severity?}` (partner API key): the
 *   partner corrects the classification.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { actPermissionFor, Categories, InboundLogFlags, InboundLogOutcomes, PartnerIdSchema, type Category, type InboundLogFlag, type InboundLogOutcome } from "../../shared/contracts";
import type { InboundLogQuery } from "../../shared/ports";
import type { Container } from "../../shared/container";
import { permissionOf } from "../../shared/openapi";
import { requirePermission } from "../../shared/services/apiKeys";
import { reclassifySupportRequest, submitInboundEmail, verifyWebhookBytes } from "../../shared/services/inboundEmail";
import { handleErrors, json, parseJsonBody, pathOf, withIdempotency, type ContainerSource, type HttpHandler, type WorkflowSource } from "./common";
import { WEBHOOK_CHALLENGE } from "./intakeHandlers";
import { CONTINUATION_HEADER, idempotencyScope, withPartnerAuth, type PartnerAuthDeps } from "./partnerApiHandlers";
import { invalidPartnerIdProblem, notFoundProblem, problem, ProblemTypes, unauthorizedProblem, validationProblem } from "./problem";

/** Media type of the relay endpoint's body (RFC 2046 5.2.1). */
export const RFC822_MEDIA_TYPE = "message/rfc822";

/**
 * `POST /api/partners/{partnerId}/inbound-email`. Steps: unknown partner → 404; media type other
 * than `message/rfc822` → 415; body over `INBOUND_EMAIL_MAX_BYTES` → 413; missing/invalid signature
 * → 401; empty body → 400; then 202 `{blobName}` (+ `Location` of the quarantine listing is not
 * given: the outcome is asynchronous). A redelivery writes another blob; the pipeline
 * de-duplicates by Message-ID, so it changes nothing.
 */
export function createSubmitInboundEmailHandler(deps: ContainerSource<Pick<Container, "partners" | "config" | "clock" | "inboundBlobs">>): HttpHandler {
  return (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> =>
    handleErrors(request, context, async () => {
      const container = deps.getContainer();
      const partnerId = request.params.partnerId ?? "";
      const instance = pathOf(request);
      if (!PartnerIdSchema.safeParse(partnerId).success) return invalidPartnerIdProblem(instance);
      const credentials = await container.partners.getCredentials(partnerId);
      if (!credentials) return notFoundProblem("No such partner.", instance);
      const ct = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (ct !== RFC822_MEDIA_TYPE) {
        return problem(415, ProblemTypes.unsupportedMediaType, "Unsupported media type.", `Content-Type ${ct || "(none)"} is not supported; send ${RFC822_MEDIA_TYPE}.`, { instance, headers: { "Accept-Post": RFC822_MEDIA_TYPE } });
      }
      const max = container.config.INBOUND_EMAIL_MAX_BYTES;
      const declared = Number(request.headers.get("content-length") ?? "0");
      if (declared > max) return problem(413, "/problems/payload-too-large", "Message too large.", `The message is ${declared} bytes; the limit is ${max}.`, { instance });
      const raw = new Uint8Array(await request.arrayBuffer());
      if (raw.byteLength > max) return problem(413, "/problems/payload-too-large", "Message too large.", `The message is ${raw.byteLength} bytes; the limit is ${max}.`, { instance });
      const verification = verifyWebhookBytes(credentials.webhookSecrets, raw, request.headers, container.clock.now());
      if (!verification.ok) return unauthorizedProblem(verification.detail, WEBHOOK_CHALLENGE, ProblemTypes.signature, instance);
      if (raw.byteLength === 0) return validationProblem([{ pointer: "#", detail: "the message is empty" }], instance);
      const result = await submitInboundEmail({ blobs: container.inboundBlobs, clock: container.clock }, partnerId, raw, { relay: "http", webhookid: verification.webhookId });
      context.log(`Inbound email for ${partnerId} stored as ${result.blobName}`);
      return json(202, { blobName: result.blobName });
    });
}

function pagingOf(request: HttpRequest): { ok: true; options: { limit?: number; continuationToken?: string } } | { ok: false; response: HttpResponseInit } {
  const limitParam = request.query.get("limit");
  const options: { limit?: number; continuationToken?: string } = {};
  if (limitParam !== null) {
    if (!/^\d{1,3}$/.test(limitParam) || Number(limitParam) < 1 || Number(limitParam) > 100) return { ok: false, response: validationProblem([{ pointer: "query:limit", detail: "an integer from 1 to 100" }], pathOf(request)) };
    options.limit = Number(limitParam);
  }
  const token = request.query.get("continuationToken") ?? request.headers.get(CONTINUATION_HEADER) ?? undefined;
  if (token) options.continuationToken = token;
  return { ok: true, options };
}

/** What the inbound email listings use: authentication and the inbound log. */
export type InboundLogListDeps = PartnerAuthDeps & Pick<Container, "inboundLog">;

function createListHandler(deps: ContainerSource<InboundLogListDeps>, which: "quarantine" | "ignored"): HttpHandler {
  // Helpdesk agents and admins read the email intake's lists (permission inbound-email:read).
  return withPartnerAuth(deps, permissionOf(which === "quarantine" ? "ListQuarantinedEmail" : "ListIgnoredEmail"), async (request, _context, auth, container) => {
    const paging = pagingOf(request);
    if (!paging.ok) return paging.response;
    let page;
    try {
      page = which === "quarantine" ? await container.inboundLog.listQuarantine(auth.partnerId, paging.options) : await container.inboundLog.listIgnored(auth.partnerId, paging.options);
    } catch (e) {
      if (e instanceof RangeError) return validationProblem([{ pointer: (e as { code?: unknown }).code === "InvalidContinuationToken" ? "query:continuationToken" : "query:limit", detail: e.message }], pathOf(request));
      throw e;
    }
    return json(200, page, page.continuationToken ? { [CONTINUATION_HEADER]: page.continuationToken } : {});
  });
}

/** `GET /api/partners/{partnerId}/inbound-email/quarantine?limit&continuationToken`: 200 `{items: QuarantinedEmail[], continuationToken?}`. */
export function createListQuarantinedEmailHandler(deps: ContainerSource<InboundLogListDeps>): HttpHandler {
  return createListHandler(deps, "quarantine");
}

/** `GET /api/partners/{partnerId}/inbound-email/ignored?limit&continuationToken`: 200 `{items: IgnoredEmail[], continuationToken?}` (auto-replies, bounces, our own notifications). */
export function createListIgnoredEmailHandler(deps: ContainerSource<InboundLogListDeps>): HttpHandler {
  return createListHandler(deps, "ignored");
}

/**
 * Reads the filters of the inbound log listing from the query string.
 * @returns the query, or the RFC 9457 problem naming every bad parameter (`query:<name>`).
 */
function logQueryOf(request: HttpRequest, paging: { limit?: number; continuationToken?: string }): { ok: true; query: InboundLogQuery } | { ok: false; response: HttpResponseInit } {
  const errors: { pointer: string; detail: string }[] = [];
  const query: InboundLogQuery = { ...paging };
  const outcome = request.query.get("outcome");
  if (outcome !== null) {
    const list = outcome.split(",").map((o) => o.trim()).filter((o) => o !== "");
    const bad = list.filter((o) => !(InboundLogOutcomes as readonly string[]).includes(o));
    if (list.length === 0 || bad.length > 0) errors.push({ pointer: "query:outcome", detail: `comma-separated outcomes out of ${InboundLogOutcomes.join(", ")}` });
    else query.outcomes = list as InboundLogOutcome[];
  }
  const flag = request.query.get("flag");
  if (flag !== null) {
    if (!(InboundLogFlags as readonly string[]).includes(flag)) errors.push({ pointer: "query:flag", detail: `one of ${InboundLogFlags.join(", ")}` });
    else query.flag = flag as InboundLogFlag;
  }
  for (const name of ["from", "messageId", "caseId"] as const) {
    const value = request.query.get(name);
    if (value === null) continue;
    if (value.trim() === "" || value.length > 998) errors.push({ pointer: `query:${name}`, detail: "a non-empty value of at most 998 characters" });
    else query[name] = value.trim();
  }
  for (const name of ["since", "until"] as const) {
    const value = request.query.get(name);
    if (value === null) continue;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) errors.push({ pointer: `query:${name}`, detail: "an ISO 8601 instant with a time zone, e.g. 2026-03-05T10:00:00Z" });
    else query[name] = new Date(Date.parse(value)).toISOString();
  }
  if (query.since !== undefined && query.until !== undefined && query.since >= query.until) errors.push({ pointer: "query:until", detail: "must be after since" });
  return errors.length > 0 ? { ok: false, response: validationProblem(errors, pathOf(request)) } : { ok: true, query };
}

/**
 * `GET /api/partners/{partnerId}/inbound-email/log?outcome&from&messageId&caseId&flag&since&until&limit&continuationToken`:
 * 200 `{items: InboundLogEntry[], continuationToken?}`, every delivered message of the partner's
 * mailbox with its outcome, newest first; filters combine with AND (`outcome` takes a
 * comma-separated list; `from` is compared case-insensitively; `since` inclusive, `until`
 * exclusive, ISO 8601). 400 problem+json naming the bad parameter. Permission `inbound-email:read`.
 */
export function createListInboundLogHandler(deps: ContainerSource<InboundLogListDeps>): HttpHandler {
  return withPartnerAuth(deps, permissionOf("ListInboundEmailLog"), async (request, _context, auth, container) => {
    const paging = pagingOf(request);
    if (!paging.ok) return paging.response;
    const parsed = logQueryOf(request, paging.options);
    if (!parsed.ok) return parsed.response;
    let page;
    try {
      page = await container.inboundLog.listLog(auth.partnerId, parsed.query);
    } catch (e) {
      if (e instanceof RangeError) return validationProblem([{ pointer: (e as { code?: unknown }).code === "InvalidContinuationToken" ? "query:continuationToken" : "query:limit", detail: e.message }], pathOf(request));
      throw e;
    }
    return json(200, page, page.continuationToken ? { [CONTINUATION_HEADER]: page.continuationToken } : {});
  });
}

/**
 * `PATCH /api/partners/{partnerId}/support-requests/{caseId}` `{product?, category?, severity?}`:
 * 200 `{case}`; 400 naming bad fields (unknown fields too); 404 when not the partner's own case;
 * 409 when closed. Optional `Idempotency-Key`. After the change is stored, a running
 * workflow gets a `reclassify` action in the case's inbox and the `CaseActionsAvailable` signal
 * (it re-selects the SLA policy and re-arms its timer); a workflow that does not run is not told.
 */
export function createReclassifySupportRequestHandler(deps: WorkflowSource<PartnerAuthDeps & Pick<Container, "cases" | "clock" | "inbox" | "idempotency">>): HttpHandler {
  // The act permission of the request's category, before and after the change (checked below, once the case is loaded).
  return withPartnerAuth(deps, permissionOf("ReclassifySupportRequest"), async (request, context, auth, container) => {
    const raw = await request.text();
    const body = parseJsonBody(request, raw);
    if (!body.ok) return body.response;
    // Reclassifying acts on the request's current category and on the category it moves to.
    const current = await container.cases.getCase(auth.partnerId, request.params.caseId ?? "");
    if (current) {
      requirePermission(auth.principal, actPermissionFor(current.category));
      const to = (body.value as { category?: unknown } | null)?.category;
      if (typeof to === "string" && (Categories as readonly string[]).includes(to)) requirePermission(auth.principal, actPermissionFor(to as Category));
    }
    return withIdempotency(container, request, idempotencyScope(auth.principal), raw, async () => {
      const updated = await reclassifySupportRequest({ cases: container.cases, clock: container.clock, inbox: container.inbox, workflow: deps.getWorkflow(context) }, auth.partnerId, request.params.caseId ?? "", body.value);
      return json(200, { case: updated });
    });
  });
}
