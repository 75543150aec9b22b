/**
 * Partner Center REST client for service requests (optional integration, off by default).
 * `POST {baseUrl}/v1/servicerequests/{locale}` with the ServiceRequest body (Title, Description,
 * Severity critical|moderate|minimal, SupportTopicId, PrimaryContact, ProductName), a Microsoft
 * Entra bearer token for `https://api.partnercenter.microsoft.com/.default` (app-only,
 * client credentials), and the Partner Center headers `MS-RequestId` (the same value on a retry
 * makes the call idempotent) and `MS-CorrelationId`.
 * Sources: "Create a service request" and "Partner Center REST request and response headers"
 * (https://learn.microsoft.com/partner-center/developer/create-a-service-request,
 * https://learn.microsoft.com/partner-center/developer/headers), "Service request resources".
 */
import { randomUUID } from "node:crypto";
import { ClientSecretCredential, type TokenCredential } from "@azure/identity";
import { DependencyError, type MicrosoftServiceRequestPayload } from "../contracts";
import type { PartnerCenterClient } from "../ports";
import { httpStatusFault, retryAfterOf } from "./faults";

/** OAuth scope of the Partner Center API. */
export const PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default";

/**
 * Partner Center answered with a non-2xx status (the body excerpt names Partner Center's reason);
 * classified by ./faults.ts `httpStatusFault` (429/5xx/401/403 transient, other 4xx permanent).
 * Stable code `PartnerCenterRequestFailed`.
 */
export class PartnerCenterError extends DependencyError {
  /**
   * @param status - HTTP status.
   * @param bodyExcerpt - first 500 characters of the answer.
   * @param retryAfterInMs - from `Retry-After` (429/503), when given.
   */
  constructor(
    readonly status: number,
    readonly bodyExcerpt: string,
    readonly retryAfterInMs?: number,
  ) {
    super(httpStatusFault(status, `Partner Center answered ${status}: ${bodyExcerpt}`, retryAfterInMs), { code: "PartnerCenterRequestFailed" });
    this.name = "PartnerCenterError";
  }
}

/** Options of {@link HttpPartnerCenterClient}. */
export interface HttpPartnerCenterClientOptions {
  /** API origin, default `https://api.partnercenter.microsoft.com` (no trailing slash needed). */
  baseUrl?: string;
  /** Token source; {@link createPartnerCenterCredential} in production, a static token in tests. */
  credential: TokenCredential;
  /** Request timeout in ms (default 30 000). */
  timeoutInMs?: number;
  /** `fetch` implementation (default the global one). */
  fetch?: typeof fetch;
}

/**
 * The app-only credential for Partner Center: a Microsoft Entra app registration's client secret
 * in the partner's tenant (settings PARTNER_CENTER_TENANT_ID, _CLIENT_ID, _CLIENT_SECRET).
 */
export function createPartnerCenterCredential(tenantId: string, clientId: string, clientSecret: string): TokenCredential {
  return new ClientSecretCredential(tenantId, clientId, clientSecret);
}

/** {@link PartnerCenterClient} over HTTPS (`fetch`). */
export class HttpPartnerCenterClient implements PartnerCenterClient {
  readonly #baseUrl: string;
  readonly #credential: TokenCredential;
  readonly #timeoutInMs: number;
  readonly #fetch: typeof fetch;

  /** @param options - see {@link HttpPartnerCenterClientOptions}. */
  constructor(options: HttpPartnerCenterClientOptions) {
    this.#baseUrl = (options.baseUrl ?? "https://api.partnercenter.microsoft.com").replace(/\/+$/, "");
    this.#credential = options.credential;
    this.#timeoutInMs = options.timeoutInMs ?? 30_000;
    this.#fetch = options.fetch ?? fetch;
  }

  /**
   * Creates a service request.
   * @param locale - agent locale (`en-US`), the last path segment.
   * @param payload - the ServiceRequest fields.
   * @param options - `requestId` (MS-RequestId; default a new UUID) and `correlationId`.
   * @returns `{id}` of the created service request (`Id` of the answer).
   * @throws PartnerCenterError on a non-2xx answer or an answer without an `Id`.
   * @throws Error when no token can be obtained or the request times out.
   */
  async createServiceRequest(locale: string, payload: MicrosoftServiceRequestPayload, options: { requestId?: string; correlationId?: string } = {}): Promise<{ id: string }> {
    const token = await this.#credential.getToken(PARTNER_CENTER_SCOPE);
    if (!token) throw new Error(`No access token for ${PARTNER_CENTER_SCOPE}`);
    const response = await this.#fetch(`${this.#baseUrl}/v1/servicerequests/${encodeURIComponent(locale)}`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token.token}`,
        Accept: "application/json",
        "Content-Type": "application/json",
        "MS-RequestId": options.requestId ?? randomUUID(),
        "MS-CorrelationId": options.correlationId ?? randomUUID(),
        "X-Locale": locale,
      },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(this.#timeoutInMs),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new PartnerCenterError(response.status, text.slice(0, 500), retryAfterOf(response.headers));
    }
    let id: unknown;
    try {
      const body = JSON.parse(text) as { Id?: unknown; id?: unknown };
      id = body.Id ?? body.id;
    } catch {
      id = undefined;
    }
    if (typeof id !== "string" || id.length === 0) throw new PartnerCenterError(response.status, `no service request Id in the answer: ${text.slice(0, 300)}`);
    return { id };
  }
}
