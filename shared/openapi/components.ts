/**
 * Reusable parts of the OpenAPI document: the zod extension, schema names, security schemes,
 * problem responses (RFC 9457 `application/problem+json`), response headers and parameters.
 *
 * `extendZodWithOpenApi(z)` adds one method, `openapi`, to zod's prototype (the generator needs it
 * to describe parameters); it changes nothing else, and no schema of shared/contracts is modified:
 * their component names are kept in the generator's own side table ({@link nameSchemas}).
 */
import { extendZodWithOpenApi, OpenAPIRegistry, zodToOpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { PartnerIdSchema, ProblemDetailsSchema } from "../contracts";
import type { HeaderObject, ParameterObject, SecurityRequirementObject } from "./types";

extendZodWithOpenApi(z);

/** Names of the security schemes in `components.securitySchemes`. */
export const SecuritySchemeNames = {
  /** The partner API key in the `x-api-key` header. */
  apiKey: "ApiKeyHeader",
  /** The same key as `Authorization: Bearer <key>`. */
  bearer: "ApiKeyBearer",
} as const;

/** Security requirement of the partner-key endpoints: either scheme. */
export const partnerKeySecurity: SecurityRequirementObject[] = [{ [SecuritySchemeNames.apiKey]: [] }, { [SecuritySchemeNames.bearer]: [] }];

/** Media type of problem responses (RFC 9457 §3). */
export const PROBLEM_MEDIA_TYPE = "application/problem+json";

/**
 * Gives schemas of shared/contracts (or of this folder) a component name, so that every use,
 * nested ones included, becomes a `$ref` to `#/components/schemas/<name>`. The name is stored in
 * the generator's registry (a WeakMap side table), not on the schema; a schema keeps its first name.
 * @param names - component name → schema.
 */
export function nameSchemas(names: Record<string, z.ZodType>): void {
  for (const [refId, schema] of Object.entries(names)) {
    const current = zodToOpenAPIRegistry.get(schema);
    if (current?._internal?.refId) continue;
    zodToOpenAPIRegistry.add(schema, { ...current, _internal: { ...current?._internal, refId } });
  }
}

/** Names of the reusable problem responses in `components.responses`. */
export const ProblemResponses = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  413: "ContentTooLarge",
  415: "UnsupportedMediaType",
  422: "UnprocessableContent",
  429: "TooManyRequests",
  500: "InternalServerError",
  503: "ServiceUnavailable",
} as const;
/** A status with a reusable problem response. */
export type ProblemStatus = keyof typeof ProblemResponses;

/**
 * `{ "<status>": { $ref } }` for each listed problem status. An operation that lists 500 also gets
 * 503: every operation that can fail unexpectedly can also meet a storage or Durable outage, which
 * is answered 503 with `Retry-After` (functions/http/common.ts `handleErrors`).
 */
export function problemResponses(...statuses: ProblemStatus[]): Record<string, { $ref: string }> {
  const out: Record<string, { $ref: string }> = {};
  for (const s of statuses.includes(500) && !statuses.includes(503) ? [...statuses, 503 as const] : statuses) out[String(s)] = { $ref: `#/components/responses/${ProblemResponses[s]}` };
  return out;
}

/** A response header by reference to `components.headers`. */
export function headerRef(name: HeaderName): { $ref: string } {
  return { $ref: `#/components/headers/${name}` };
}

/** Names of the response headers in `components.headers`. */
export type HeaderName = "Location" | "RetryAfter" | "WwwAuthenticate" | "ContinuationToken" | "IdempotentReplayed" | "CacheControl" | "AcceptPost";

/** Response headers in `components.headers`. */
export const HeaderComponents: Record<HeaderName, HeaderObject> = {
  Location: { description: "URL of the created or affected resource (the case, or the new API key).", schema: { type: "string", format: "uri-reference" } },
  RetryAfter: { description: "Seconds to wait before retrying (RFC 9110 §10.2.3).", schema: { type: "integer", minimum: 1 } },
  WwwAuthenticate: { description: 'Challenge (RFC 9110 §11.6.1): `Bearer realm="partner-api"` for the API key, `Webhook-Signature …` for signed endpoints.', schema: { type: "string" } },
  ContinuationToken: { description: "Opaque token of the next page (also in the body's `continuationToken`); absent on the last page.", schema: { type: "string" } },
  IdempotentReplayed: { description: "`true` when the response is the stored response of an earlier request with the same `Idempotency-Key`.", schema: { type: "string", enum: ["true"] } },
  CacheControl: { description: "Caching policy (`no-store` for partner data, `public, max-age=300` for the public support terms).", schema: { type: "string" } },
  AcceptPost: { description: "Media types the endpoint accepts (RFC 9110 / W3C LDP `Accept-Post`).", schema: { type: "string" } },
};

/** Names of the header parameters in `components.parameters`. */
export type ParameterName = "IdempotencyKey" | "ContinuationTokenHeader" | "WebhookId" | "WebhookTimestamp" | "WebhookSignature";

/** Header parameters in `components.parameters`. */
export const ParameterComponents: Record<ParameterName, ParameterObject> = {
  IdempotencyKey: {
    name: "Idempotency-Key",
    in: "header",
    required: false,
    description:
      "Makes the request safe to retry (IETF draft-ietf-httpapi-idempotency-key-header): the same key and body return the first response (with `Idempotent-Replayed: true`), the same key with another body → 422, while the first is still running → 409. Keys are kept 24 h, scoped per partner. 1–255 printable ASCII characters.",
    schema: { type: "string", minLength: 1, maxLength: 257 },
  },
  ContinuationTokenHeader: {
    name: "x-ms-continuation-token",
    in: "header",
    required: false,
    description: "The previous page's continuation token, instead of the `continuationToken` query parameter.",
    schema: { type: "string" },
  },
  WebhookId: {
    name: "webhook-id",
    in: "header",
    required: true,
    description: "Standard Webhooks message id; the same across redeliveries (used as the idempotency key when `Idempotency-Key` is absent).",
    schema: { type: "string", minLength: 1 },
  },
  WebhookTimestamp: {
    name: "webhook-timestamp",
    in: "header",
    required: true,
    description: "Standard Webhooks timestamp: Unix seconds, within ±5 minutes of the server's clock.",
    schema: { type: "string", pattern: "^[0-9]{1,12}$" },
  },
  WebhookSignature: {
    name: "webhook-signature",
    in: "header",
    required: true,
    description:
      'Standard Webhooks signature: space-separated `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{raw body}">` with the partner\'s webhook secret (several during secret rotation).',
    schema: { type: "string", pattern: "^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$" },
  },
};

/** A parameter by reference to `components.parameters`. */
export function parameterRef(name: ParameterName): { $ref: string } {
  return { $ref: `#/components/parameters/${name}` };
}

/** Path parameter `partnerId`. */
export const PartnerIdParam = PartnerIdSchema.clone().openapi({ description: "The partner's id (lower-case letters, digits and dashes, 3–63 characters).", example: "contoso-csp" });
/** Path parameter `caseId`. */
export const CaseIdParam = z.string().min(1).openapi({ description: "The support request's id.", example: "CS-01JB2X7K9Q" });

const problemDescriptions: Record<ProblemStatus, { description: string; headers?: Record<string, { $ref: string }>; example: Record<string, unknown> }> = {
  400: {
    description: "The request is not valid: the body is not JSON (`/problems/malformed-json`) or fields are invalid (`/problems/validation-error`, each named in `errors[].pointer`: `#/json/pointer` for the body, `query:name`, `path:name`, `header:Name`).",
    example: { type: "/problems/validation-error", title: "Your request is not valid.", status: 400, detail: "1 field(s) are invalid: #/notes", instance: "/api/partners/contoso-csp/support-requests/CS-01JB2X7K9Q/diagnosis", errors: [{ pointer: "#/notes", detail: "Too small: expected string to have >=1 characters" }] },
  },
  401: {
    description: "No or invalid credentials: a missing, unknown or revoked API key (`/problems/unauthorized`), or a missing or bad webhook signature or timestamp (`/problems/invalid-webhook-signature`).",
    headers: { "WWW-Authenticate": headerRef("WwwAuthenticate") },
    example: { type: "/problems/unauthorized", title: "Authentication failed.", status: 401, detail: "The API key is not valid for this partner." },
  },
  403: {
    description: "The key's role lacks the permission (named in `permission`; `role` is the key's role). Only for the partner's own objects: another partner's object is a 404.",
    example: { type: "/problems/forbidden", title: "Forbidden.", status: 403, detail: "The role sales-agent lacks the permission requests:act:technical.", permission: "requests:act:technical", role: "sales-agent" },
  },
  404: {
    description: "The resource does not exist, or belongs to another partner (never revealed; OWASP API1:2023).",
    example: { type: "/problems/not-found", title: "Not found.", status: 404, detail: "The resource does not exist." },
  },
  409: {
    description: "The request conflicts with the current state (`/problems/conflict`, with `currentStatus`), or a request with the same `Idempotency-Key` is still running (`/problems/idempotency-key-in-use`, with `Retry-After`).",
    headers: { "Retry-After": headerRef("RetryAfter") },
    example: { type: "/problems/conflict", title: "The request conflicts with the current state.", status: 409, detail: "A diagnosis cannot be recorded in status closed.", currentStatus: "closed" },
  },
  413: {
    description: "The body is over the size limit.",
    example: { type: "/problems/payload-too-large", title: "Message too large.", status: 413, detail: "The message is 30000000 bytes; the limit is 26214400." },
  },
  415: {
    description: "The body's media type is not accepted (`Accept-Post` names the one that is).",
    headers: { "Accept-Post": headerRef("AcceptPost") },
    example: { type: "/problems/unsupported-media-type", title: "Unsupported media type.", status: 415, detail: "Content-Type text/plain is not supported; send application/json." },
  },
  422: {
    description: "The `Idempotency-Key` was used before with a different request (or, on the webhook, the `webhook-id` was delivered before with another body: `/problems/webhook-id-reused`).",
    example: { type: "/problems/idempotency-key-reused", title: "This Idempotency-Key was used with a different request.", status: 422, detail: "Use a new Idempotency-Key for a different request." },
  },
  429: {
    description: "The API key exceeded its rate (default 120 requests per minute per key, setting `API_RATE_LIMIT_PER_MINUTE`); retry after `Retry-After` seconds.",
    headers: { "Retry-After": headerRef("RetryAfter") },
    example: { type: "/problems/too-many-requests", title: "Too many requests.", status: 429, detail: "Retry after 12 s." },
  },
  500: {
    description: "An unexpected error; the cause is logged under the invocation id, never returned.",
    example: { type: "/problems/internal-error", title: "Internal server error.", status: 500, detail: "The request could not be processed; retry later.", invocationId: "3f0d7c52-8a55-4d43-9a37-5b1f1b1b8f0e" },
  },
  503: {
    description: "Storage or the Durable Task extension did not answer in time or refused for now (a transient outage or throttling); nothing was lost that was not acknowledged. Retry after `Retry-After` seconds (the same request: deliveries and `Idempotency-Key`s make a retry safe).",
    headers: { "Retry-After": headerRef("RetryAfter") },
    example: { type: "/problems/service-unavailable", title: "Service temporarily unavailable.", status: 503, detail: "Storage did not answer (timeout); retry after 5 s.", invocationId: "3f0d7c52-8a55-4d43-9a37-5b1f1b1b8f0e" },
  },
};

/**
 * A registry with the shared components: the `ProblemDetails` schema, the problem responses,
 * headers, header parameters and security schemes.
 */
export function createRegistryWithComponents(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  // A clone: schemas made before `extendZodWithOpenApi` lack the `openapi` method `register` calls.
  registry.register("ProblemDetails", ProblemDetailsSchema.clone());
  registry.registerComponent("securitySchemes", SecuritySchemeNames.apiKey, {
    type: "apiKey",
    in: "header",
    name: "x-api-key",
    description: "A partner API key (`csp_…`), with a role (global-admin, admin-agent, helpdesk-agent, billing-admin, sales-agent) that decides what it may read and do.",
  });
  registry.registerComponent("securitySchemes", SecuritySchemeNames.bearer, {
    type: "http",
    scheme: "bearer",
    description: "The same partner API key as `Authorization: Bearer csp_…`.",
  });
  for (const [name, header] of Object.entries(HeaderComponents)) registry.registerComponent("headers", name, header);
  for (const [name, parameter] of Object.entries(ParameterComponents)) registry.registerComponent("parameters", name, parameter);
  for (const status of Object.keys(ProblemResponses).map(Number) as ProblemStatus[]) {
    const { description, headers, example } = problemDescriptions[status];
    registry.registerComponent("responses", ProblemResponses[status], {
      description,
      ...(headers ? { headers } : {}),
      content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: "#/components/schemas/ProblemDetails" }, example } },
    });
  }
  return registry;
}
