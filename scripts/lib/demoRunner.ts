/**
 * The demo's client side: submits demo requests through the signed webhook, plays each request's
 * partner actions against the partner API and watches the cases until they reach their end state.
 * Pure decisions (what a case view means) are exported separately for unit tests.
 */
import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { CaseStatus, SupportRequest, TimelineEntry } from "../../shared/contracts";
import type { DemoAction, DemoRequest } from "./fixtures";
import { fetchHonouringRetryAfter, type RetryingFetchOptions } from "./retryingFetch";

/** The partner API's view of one case (`GET …/support-requests/{caseId}`), as far as the demo reads it. */
export interface CaseView {
  /** The case (`case`; `supportRequest` accepted as an alias). */
  case?: SupportRequest;
  supportRequest?: SupportRequest;
  timeline?: TimelineEntry[];
  sla?: SupportRequest["sla"] | null;
  notifications?: Array<{ notificationKey: string; subject: string }>;
  orchestration?: { runtimeStatus: string; customStatus?: unknown } | null;
}

/** The case inside a view. @throws TypeError when the view has neither `case` nor `supportRequest`. */
export function caseOf(view: CaseView): SupportRequest {
  const sr = view.case ?? view.supportRequest;
  if (!sr) throw new TypeError("The case view has no case");
  return sr;
}

/** Whether the view shows a breach of the SLA target (the `sla` breach instants or an `sla-breached` timeline entry). */
export function isBreachRecorded(view: CaseView, metric: "first-response" | "resolution"): boolean {
  const sla = view.sla ?? caseOf(view).sla;
  if (metric === "first-response" ? sla?.firstResponseBreachedAt : sla?.resolutionBreachedAt) return true;
  return (view.timeline ?? []).some((e) => e.kind === "sla-breached" && JSON.stringify(e).toLowerCase().includes(metric === "first-response" ? "first" : "resolution"));
}

/** Runtime statuses after which an orchestration makes no more progress. */
const TERMINAL_RUNTIME = new Set(["Completed", "Failed", "Terminated"]);

/** Whether nothing more will happen to the case (closed, or its orchestration ended). */
export function isSettled(view: CaseView): boolean {
  return caseOf(view).status === "closed" || TERMINAL_RUNTIME.has(view.orchestration?.runtimeStatus ?? "");
}

/** Label of an action for the output, e.g. `diagnosis: needs-escalation`. */
export function describeAction(action: DemoAction): string {
  if ("diagnosis" in action) return `diagnosis: ${action.diagnosis.outcome}`;
  if ("resolution" in action) return "resolution";
  if ("wait" in action) return `wait for ${action.wait}`;
  return `wait for status ${action.waitForStatus}`;
}

/** Whether a wait action is satisfied by the view (always true for diagnosis/resolution). */
export function isWaitSatisfied(action: DemoAction, view: CaseView): boolean {
  if ("wait" in action) return isBreachRecorded(view, action.wait === "first-response-breach" ? "first-response" : "resolution");
  if ("waitForStatus" in action) return caseOf(view).status === action.waitForStatus;
  return true;
}

/** How a case ended compared with what the scenario expects. */
export interface CaseOutcome {
  ok: boolean;
  /** Problems (final status wrong, action failed, timeout); empty when ok. */
  problems: string[];
  /** Differences that do not fail the demo (e.g. another escalation target than the scenario describes). */
  warnings: string[];
}

/** Compares the last view of a case with the scenario's expectation. */
export function evaluateOutcome(request: DemoRequest, view: CaseView | undefined): CaseOutcome {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!view) return { ok: false, problems: ["never seen through the partner API"], warnings };
  const sr = caseOf(view);
  if (sr.status !== request.expected.finalStatus) problems.push(`status is ${sr.status}, expected ${request.expected.finalStatus}`);
  const runtime = view.orchestration?.runtimeStatus;
  if (runtime === "Failed" || runtime === "Terminated") problems.push(`orchestration ${runtime}`);
  const expectedEscalation = request.expected.escalation;
  if (expectedEscalation) {
    const actual = sr.escalation?.target ?? "none";
    if (actual !== expectedEscalation) warnings.push(`escalation ${actual}, scenario describes ${expectedEscalation}`);
  }
  return { ok: problems.length === 0, problems, warnings };
}

/** Headers of a signed webhook delivery. */
export interface SignedWebhook {
  headers: Record<string, string>;
  body: string;
}

/**
 * Signs a webhook body with the Standard Webhooks scheme (`new Webhook(secret).sign(id, date, body)`):
 * headers `webhook-id`, `webhook-timestamp` (Unix seconds), `webhook-signature` (`v1,<base64>`),
 * `content-type`, and an `Idempotency-Key` unless told not to.
 * @param secret - the partner's `whsec_…` secret.
 * @param options.id - message id; default `msg_<uuid>` (fresh per delivery).
 * @param options.idempotencyKey - default a new UUID; `null`: no `Idempotency-Key` header (as a
 *   Standard Webhooks sender delivers: the `webhook-id` alone tells redeliveries apart).
 * @param options.date - signing time; default now.
 * @throws Error from standardwebhooks when the secret is not valid base64.
 */
export function signWebhook(secret: string, payload: unknown, options: { id?: string; idempotencyKey?: string | null; date?: Date } = {}): SignedWebhook {
  const body = JSON.stringify(payload);
  const id = options.id ?? `msg_${randomUUID()}`;
  const date = options.date ?? new Date();
  const signature = new Webhook(secret).sign(id, date, body);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(date.getTime() / 1000)),
      "webhook-signature": signature,
      ...(options.idempotencyKey === null ? {} : { "idempotency-key": options.idempotencyKey ?? randomUUID() }),
    },
  };
}

/** An HTTP answer the demo did not expect. */
export class ApiError extends Error {
  /** Stable code for callers. */
  readonly code = "ApiError";
  constructor(
    message: string,
    /** HTTP status. */
    readonly status: number,
    /** Response body (problem details JSON when the API sent one). */
    readonly body: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Minimal client of the app's HTTP API; waits out 429 answers for their Retry-After ({@link fetchHonouringRetryAfter}). */
export class DemoApiClient {
  /**
   * @param baseUrl - app origin, e.g. `http://127.0.0.1:7071`.
   * @param fetchImpl - for tests; default global fetch.
   * @param retry - how 429s are waited out (budget, sleep for tests); default five minutes of waiting per call.
   */
  constructor(
    readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly retry: Omit<RetryingFetchOptions, "fetchImpl"> = {},
  ) {}

  private async call(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<unknown> {
    const response = await fetchHonouringRetryAfter(`${this.baseUrl}${path}`, { method, headers: init.headers, body: init.body }, { ...this.retry, fetchImpl: this.fetchImpl });
    const text = await response.text();
    if (!response.ok) {
      let detail = text;
      try {
        const problem = JSON.parse(text) as { title?: string; detail?: string };
        detail = [problem.title, problem.detail].filter(Boolean).join(": ") || text;
      } catch {
        // not JSON
      }
      throw new ApiError(`${method} ${path} → ${response.status} ${detail}`, response.status, text);
    }
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /** `GET /api/health`; resolves with the HTTP status (200 healthy), rejects when unreachable. */
  async health(): Promise<number> {
    const response = await this.fetchImpl(`${this.baseUrl}/api/health`, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return response.status;
  }

  /**
   * Submits a support request through the signed webhook.
   * @param options.idempotencyKey - as {@link signWebhook} (default a new UUID; `null`: none).
   * @returns the 202 body `{caseId, status, statusUrl}`.
   * @throws ApiError for a non-2xx answer.
   */
  async submit(partnerId: string, webhookSecret: string, request: unknown, options: { idempotencyKey?: string | null } = {}): Promise<{ caseId: string; status: CaseStatus; statusUrl?: string }> {
    const signed = signWebhook(webhookSecret, request, options);
    return (await this.call("POST", `/api/partners/${encodeURIComponent(partnerId)}/support-requests`, signed)) as { caseId: string; status: CaseStatus; statusUrl?: string };
  }

  /** `GET …/support-requests/{caseId}`. @throws ApiError for a non-2xx answer. */
  async getCase(partnerId: string, apiKey: string, caseId: string): Promise<CaseView> {
    return (await this.call("GET", `/api/partners/${encodeURIComponent(partnerId)}/support-requests/${encodeURIComponent(caseId)}`, { headers: { "x-api-key": apiKey } })) as CaseView;
  }

  /** `POST …/{caseId}/diagnosis` or `…/resolution`. @throws ApiError (409 when the status does not allow it yet). */
  async act(partnerId: string, apiKey: string, caseId: string, action: "diagnosis" | "resolution", body: unknown): Promise<void> {
    await this.call("POST", `/api/partners/${encodeURIComponent(partnerId)}/support-requests/${encodeURIComponent(caseId)}/${action}`, {
      headers: { "x-api-key": apiKey, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }
}
