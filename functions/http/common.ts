/**
 * Helpers shared by the HTTP handlers: dependencies, JSON bodies, media types, idempotency and
 * the catch-all that turns service errors into problems and anything else into a logged 500.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Container } from "../../shared/container";
import type { Role } from "../../shared/contracts";
import type { AuditLog, StoredResponse, SupportRequestWorkflow } from "../../shared/ports";
import { fingerprintRequest, parseIdempotencyKey, runIdempotent } from "../../shared/services";
import { transientDependencyFault } from "../../shared/adapters/faults";
import { idempotencyInFlightProblem, idempotencyMismatchProblem, internalProblem, malformedJsonProblem, problemFromError, serviceUnavailableProblem, unsupportedMediaTypeProblem, validationProblem } from "./problem";

/**
 * Where a handler gets its dependencies: called on every request, so the composition root is built
 * on the first request rather than when the module loads. `D` names only what the handler uses
 * (a `Pick` of the {@link Container}); the whole container satisfies every such `D`.
 */
export interface ContainerSource<D> {
  /** The handler's dependencies (in production the composition root; the same instance every call). */
  getContainer: () => D;
}

/** A {@link ContainerSource} plus the invocation's workflow, for handlers that read or signal workflows. */
export interface WorkflowSource<D> extends ContainerSource<D> {
  /** The workflow for this invocation (over `df.getClient(context)` in production; a fake in tests). */
  getWorkflow: (context: InvocationContext) => SupportRequestWorkflow;
}

/** Everything a handler may be given: the whole container and, per invocation, the workflow (what the registrations pass). */
export type HttpHandlerDeps = WorkflowSource<Container>;

/** An HTTP handler as `app.http` takes it. */
export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** The request path (used as problem `instance`). */
export function pathOf(request: HttpRequest): string {
  return new URL(request.url).pathname;
}

/** A JSON response with `Cache-Control: no-store` (partner data must not be cached by intermediaries). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...headers }, body: JSON.stringify(body) };
}

/** A stored (idempotent) response as an HttpResponseInit. */
export function fromStored(r: StoredResponse): HttpResponseInit {
  return { status: r.status, headers: r.headers, body: r.body };
}

/** A response as stored for idempotent replay (string body; headers as a record). */
export function toStored(r: HttpResponseInit): StoredResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((r.headers ?? {}) as Record<string, string>)) headers[k] = String(v);
  const body = typeof r.body === "string" ? r.body : r.jsonBody !== undefined ? JSON.stringify(r.jsonBody) : "";
  if (r.jsonBody !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = "application/json";
  return { status: r.status ?? 200, headers, body };
}

/**
 * Checks the media type and parses a JSON body.
 * @returns the value, or a 415/400 problem response.
 */
export function parseJsonBody(request: HttpRequest, raw: string): { ok: true; value: unknown } | { ok: false; response: HttpResponseInit } {
  const ct = request.headers.get("content-type");
  if (ct && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(ct.trim())) return { ok: false, response: unsupportedMediaTypeProblem(ct, pathOf(request)) };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (e) {
    return { ok: false, response: malformedJsonProblem((e as Error).message, pathOf(request)) };
  }
}

/** Options of {@link withIdempotency}. */
export interface WithIdempotencyOptions {
  /** What is stored for replays instead of the response itself (e.g. without a secret shown once). */
  storedForm?: (response: StoredResponse) => StoredResponse;
}

/**
 * Runs `produce` under the request's `Idempotency-Key` (IETF draft), scoped to the partner, or
 * directly when the header is absent.
 * @param options - {@link WithIdempotencyOptions}.
 * @returns the response, replayed when the key was completed before; 409 while in flight;
 *   422 when the key was used with another payload; 400 for a malformed header.
 */
export async function withIdempotency(
  container: Pick<Container, "idempotency">,
  request: HttpRequest,
  scope: string,
  rawBody: string,
  produce: () => Promise<HttpResponseInit>,
  options: WithIdempotencyOptions = {},
): Promise<HttpResponseInit> {
  const { storedForm } = options;
  const header = request.headers.get("idempotency-key");
  if (header === null) return produce();
  const key = parseIdempotencyKey(header);
  if (key === undefined) return validationProblem([{ pointer: "header:Idempotency-Key", detail: "1–255 printable ASCII characters, optionally as a quoted string" }], pathOf(request));
  const path = pathOf(request);
  const outcome = await runIdempotent(container.idempotency, scope, key, fingerprintRequest(request.method, path, rawBody), async () => toStored(await produce()), storedForm);
  switch (outcome.kind) {
    case "fresh":
    case "replayed":
      return fromStored(outcome.response);
    case "in-flight":
      return idempotencyInFlightProblem(path);
    case "mismatch":
      return idempotencyMismatchProblem(path);
  }
}

/** Who made a request, as its authentication found (for the audit log). */
interface AuditedCaller {
  auditLog: AuditLog;
  partnerId: string;
  keyId: string;
  role: Role;
}

const callers = new WeakMap<HttpRequest, AuditedCaller>();

/**
 * Marks a request as made by an authenticated API key: {@link handleErrors} then records it in the
 * audit log once answered (any action but a plain read; reads of `alsoAuditReads` functions too).
 */
export function auditCaller(request: HttpRequest, caller: AuditedCaller): void {
  callers.set(request, caller);
}

/** Functions recorded in the audit log even though they only read (they show who did what, or customer data). */
export const AUDITED_READS: ReadonlySet<string> = new Set(["GetAuditLog", "ExportCustomerData", "ListApiKeys"]);

/**
 * The client IP as the Azure front end reports it: the last entry of `X-Forwarded-For` (the one the
 * front end appended; earlier ones come from the client), without its port; `unknown` when absent.
 */
export function sourceIpOf(request: HttpRequest): string {
  const last = (request.headers.get("x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter(Boolean).at(-1);
  if (!last) return "unknown";
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(last);
  if (bracketed) return bracketed[1] as string;
  return /^[\d.]+:\d+$/.test(last) ? last.slice(0, last.lastIndexOf(":")) : last;
}

async function recordAudit(request: HttpRequest, context: InvocationContext, status: number): Promise<void> {
  const caller = callers.get(request);
  const method = request.method.toUpperCase();
  if (!caller || ((method === "GET" || method === "HEAD") && !AUDITED_READS.has(context.functionName))) return;
  try {
    await caller.auditLog.record({ at: new Date().toISOString(), partnerId: caller.partnerId, keyId: caller.keyId, role: caller.role, action: context.functionName, method, path: pathOf(request), status, sourceIp: sourceIpOf(request) });
  } catch (e) {
    // The action stands; the missing entry is reported where operators look.
    context.error(`Audit entry not recorded for ${method} ${pathOf(request)} (${status}):`, e);
  }
}

/** `Retry-After` of a 503 when the failing dependency named no delay of its own, ms. */
export const DEPENDENCY_RETRY_AFTER_IN_MS = 5_000;

/**
 * Runs a handler body, mapping service errors to problems (400/404/409/422), a transient fault of
 * storage or the Durable extension (timeout, 5xx, throttling, unreachable: shared/adapters/faults.ts
 * `transientDependencyFault`) to 503 with `Retry-After` (the dependency's own, else
 * {@link DEPENDENCY_RETRY_AFTER_IN_MS}), and anything else to a 500; the cause of a 503 or 500 is
 * logged with the invocation id (never returned to the caller). A request made with an API key
 * (see {@link auditCaller}) is recorded in the audit log with its answer's status.
 */
export async function handleErrors(request: HttpRequest, context: InvocationContext, body: () => Promise<HttpResponseInit>): Promise<HttpResponseInit> {
  let response: HttpResponseInit;
  try {
    response = await body();
  } catch (e) {
    const mapped = problemFromError(e, pathOf(request));
    const outage = mapped ? undefined : transientDependencyFault(e);
    if (mapped) response = mapped;
    else if (outage) {
      // Storage or the Durable extension timed out, failed or throttled: the client retries.
      context.warn(`${request.method} ${pathOf(request)}: dependency unavailable (${outage.code}):`, e);
      const what = outage.code === "timeout" ? "A service the request depends on did not answer in time" : outage.code === "throttled" ? "A service the request depends on is throttling" : "A service the request depends on is unavailable";
      response = serviceUnavailableProblem((outage.retryAfterInMs ?? DEPENDENCY_RETRY_AFTER_IN_MS) / 1000, what, pathOf(request), context.invocationId);
    } else {
      context.error(`${request.method} ${pathOf(request)} failed:`, e);
      response = internalProblem(pathOf(request), context.invocationId);
    }
  }
  await recordAudit(request, context, response.status ?? 200);
  return response;
}
