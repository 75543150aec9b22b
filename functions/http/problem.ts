/**
 * RFC 9457 problem details (`application/problem+json`) for every HTTP error of the API, and the
 * mapping of zod issues to JSON Pointers (RFC 6901) naming each bad field.
 */
import type { HttpResponseInit } from "@azure/functions";
import type { z } from "zod";
import type { InvalidParam, ProblemDetails } from "../../shared/contracts";

/** Media type of problem responses (RFC 9457 §3). */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Problem type URIs (relative references, resolved against the API origin; RFC 9457 §3.1.1). */
export const ProblemTypes = {
  validation: "/problems/validation-error",
  malformedJson: "/problems/malformed-json",
  unauthorized: "/problems/unauthorized",
  signature: "/problems/invalid-webhook-signature",
  notFound: "/problems/not-found",
  conflict: "/problems/conflict",
  idempotencyInFlight: "/problems/idempotency-key-in-use",
  idempotencyMismatch: "/problems/idempotency-key-reused",
  /** A `webhook-id` that created a case came again with another payload (422). */
  webhookIdReused: "/problems/webhook-id-reused",
  unsupportedMediaType: "/problems/unsupported-media-type",
  tooManyRequests: "/problems/too-many-requests",
  /** The API key's role lacks a permission (403). */
  forbidden: "/problems/forbidden",
  internal: "/problems/internal-error",
  /** A dependency (storage, the Durable Task extension) failed transiently (503). */
  serviceUnavailable: "/problems/service-unavailable",
} as const;

/**
 * Escapes one path segment for a JSON Pointer (RFC 6901 §3: `~` → `~0`, `/` → `~1`).
 */
export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/**
 * Maps zod issues to invalid params: body issues become URI-fragment JSON Pointers
 * (`#/customer/email`, `#` for the root), query issues `query:<name>`, route parameter issues
 * `path:<name>`. Unrecognized keys produce one entry per key; union issues are reported at the
 * union's path.
 * @param issues - zod issues.
 * @param source - `body` (default), `query` or `path`.
 */
export function invalidParamsFromZod(issues: readonly z.core.$ZodIssue[], source: "body" | "query" | "path" = "body"): InvalidParam[] {
  const out: InvalidParam[] = [];
  for (const issue of issues) {
    const segments = issue.path.map((p) => escapePointerSegment(String(p)));
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
    for (const key of keys) {
      const all = key === undefined ? segments : [...segments, escapePointerSegment(key)];
      const pointer = source === "body" ? `#${all.map((s) => `/${s}`).join("")}` : `${source}:${all.join(".")}`;
      out.push({ pointer, detail: issue.message });
    }
  }
  return out;
}

/**
 * A problem response.
 * @param status - HTTP status.
 * @param type - problem type URI ({@link ProblemTypes}).
 * @param title - short, stable summary of the type.
 * @param detail - explanation specific to this occurrence.
 * @param extra - extension members (e.g. `errors`) and `headers` to add.
 */
export function problem(status: number, type: string, title: string, detail?: string, extra: { instance?: string; headers?: Record<string, string>; members?: Record<string, unknown> } = {}): HttpResponseInit {
  const body: ProblemDetails = { type, title, status, ...(detail ? { detail } : {}), ...(extra.instance ? { instance: extra.instance } : {}), ...extra.members };
  return { status, headers: { "Content-Type": PROBLEM_CONTENT_TYPE, "Cache-Control": "no-store", ...extra.headers }, jsonBody: body };
}

/** 400 with each bad field in `errors` (`[{pointer, detail}]`). */
export function validationProblem(errors: InvalidParam[], instance?: string): HttpResponseInit {
  return problem(400, ProblemTypes.validation, "Your request is not valid.", `${errors.length} field(s) are invalid: ${errors.map((e) => e.pointer).join(", ")}`, { instance, members: { errors } });
}

/** 400 for a body that is not JSON. */
export function malformedJsonProblem(detail: string, instance?: string): HttpResponseInit {
  return problem(400, ProblemTypes.malformedJson, "The request body is not valid JSON.", detail, { instance, members: { errors: [{ pointer: "#", detail }] } });
}

/** 401; `wwwAuthenticate` is the challenge (RFC 9110 §11.6.1 requires one on 401). */
export function unauthorizedProblem(detail: string, wwwAuthenticate: string, type: string = ProblemTypes.unauthorized, instance?: string): HttpResponseInit {
  return problem(401, type, "Authentication failed.", detail, { instance, headers: { "WWW-Authenticate": wwwAuthenticate } });
}

/** 404 (also for objects of other partners: never reveals existence, OWASP API1:2023). */
export function notFoundProblem(detail = "The resource does not exist.", instance?: string): HttpResponseInit {
  return problem(404, ProblemTypes.notFound, "Not found.", detail, { instance });
}

/**
 * 404 for a `{partnerId}` that cannot name a partner (not lower-case letters, digits and dashes,
 * 3–63 characters: shared/contracts `PartnerIdSchema`), naming the path parameter. Answered before
 * anything is looked up, so such an id never reaches storage as a key.
 */
export function invalidPartnerIdProblem(instance?: string): HttpResponseInit {
  const detail = "lower-case letters, digits and dashes, 3–63 characters";
  return problem(404, ProblemTypes.notFound, "Not found.", `No partner has this id; partner ids are ${detail}.`, { instance, members: { errors: [{ pointer: "path:partnerId", detail }] } });
}

/** 409 for a request that conflicts with the current state. */
export function conflictProblem(detail: string, instance?: string, members?: Record<string, unknown>): HttpResponseInit {
  return problem(409, ProblemTypes.conflict, "The request conflicts with the current state.", detail, { instance, members });
}

/** 409 while the first request with the same Idempotency-Key is still being processed (IETF draft §2.7). */
export function idempotencyInFlightProblem(instance?: string): HttpResponseInit {
  return problem(409, ProblemTypes.idempotencyInFlight, "A request with this Idempotency-Key is still being processed.", "Retry later.", { instance, headers: { "Retry-After": "1" } });
}

/** 422 when an Idempotency-Key is reused with another payload (IETF draft §2.7). */
export function idempotencyMismatchProblem(instance?: string): HttpResponseInit {
  return problem(422, ProblemTypes.idempotencyMismatch, "This Idempotency-Key was used with a different request.", "Use a new Idempotency-Key for a different request.", { instance });
}

/** 415 for a body that is not `application/json`. */
export function unsupportedMediaTypeProblem(contentType: string, instance?: string): HttpResponseInit {
  return problem(415, ProblemTypes.unsupportedMediaType, "Unsupported media type.", `Content-Type ${contentType} is not supported; send application/json.`, { instance, headers: { "Accept-Post": "application/json" } });
}

/**
 * 403 naming the permission the key's role lacks (`permission`, `role` members). Only for objects
 * the caller may see: other partners' objects are 404 (OWASP API1:2023; API5:2023 for functions).
 */
export function forbiddenProblem(permission: string, role: string, instance?: string): HttpResponseInit {
  return problem(403, ProblemTypes.forbidden, "Your API key's role does not allow this.", `The role ${role} does not have the permission ${permission}.`, { instance, members: { permission, role } });
}

/** 429 with `Retry-After` in seconds. */
export function tooManyRequestsProblem(retryAfterInSeconds: number, instance?: string): HttpResponseInit {
  return problem(429, ProblemTypes.tooManyRequests, "Too many requests.", `Retry after ${retryAfterInSeconds} s.`, { instance, headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterInSeconds))) } });
}

/**
 * 503 with `Retry-After` (RFC 9110 §15.6.4, §10.2.3), for a transient fault of a dependency
 * (storage timeout, 5xx or throttling; the Durable extension unreachable): the client retries the
 * same request. The dependency's own words are logged, not returned.
 * @param retryAfterInSeconds - at least 1 (rounded up).
 * @param what - which dependency and how it failed, e.g. `Storage did not answer (timeout)`.
 */
export function serviceUnavailableProblem(retryAfterInSeconds: number, what: string, instance?: string, invocationId?: string): HttpResponseInit {
  const seconds = Math.max(1, Math.ceil(retryAfterInSeconds));
  return problem(503, ProblemTypes.serviceUnavailable, "Service temporarily unavailable.", `${what}; retry after ${seconds} s.`, { instance, headers: { "Retry-After": String(seconds) }, members: invocationId ? { invocationId } : {} });
}

/** 500 without internals (the detail is logged, not returned). */
export function internalProblem(instance?: string, invocationId?: string): HttpResponseInit {
  return problem(500, ProblemTypes.internal, "Internal server error.", "The request could not be processed; retry later.", { instance, members: invocationId ? { invocationId } : {} });
}

/**
 * 422 for a `webhook-id` delivered before with another payload: the first delivery's case stands,
 * this payload is not accepted (naming the header).
 */
export function webhookIdReusedProblem(instance?: string): HttpResponseInit {
  const detail = "This webhook-id was delivered before with another payload; send a new message under a new webhook-id.";
  return problem(422, ProblemTypes.webhookIdReused, "This webhook-id was used for a different request.", detail, { instance, members: { errors: [{ pointer: "header:webhook-id", detail: "already used for a different payload" }] } });
}

/**
 * Maps service errors (by their stable `code`) to problems: ValidationFailed → 400,
 * NotFound → 404, Forbidden → 403, Conflict → 409, DeliveryConflict → 422; anything
 * else → undefined (the caller answers 500).
 */
export function problemFromError(error: unknown, instance?: string): HttpResponseInit | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ValidationFailed") {
    const e = error as { issues: readonly z.core.$ZodIssue[]; source?: "body" | "query" };
    return validationProblem(invalidParamsFromZod(e.issues, e.source), instance);
  }
  if (code === "NotFound") return notFoundProblem(undefined, instance);
  if (code === "Forbidden") {
    const e = error as { permission: string; role: string };
    return forbiddenProblem(e.permission, e.role, instance);
  }
  if (code === "DeliveryConflict") return webhookIdReusedProblem(instance);
  if (code === "Conflict") {
    const e = error as { message: string; currentStatus?: string };
    return conflictProblem(e.message, instance, e.currentStatus ? { currentStatus: e.currentStatus } : undefined);
  }
  return undefined;
}
