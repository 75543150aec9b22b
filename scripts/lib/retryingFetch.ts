/**
 * An HTTP client call that waits out rate limiting the way the server asks: a `429 Too Many
 * Requests` (RFC 6585 §4: the request was refused, not processed, so sending it again is safe)
 * is sent again after its `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date), as many
 * times as it takes within a total waiting budget. A `503 Service Unavailable` (a dependency of the
 * app failed for now) is waited out the same way when sending the request again is safe: a read, or
 * a write the server de-duplicates (a signed webhook's `webhook-id`, an `Idempotency-Key`). A
 * `409` with the problem type `/problems/idempotency-key-in-use` (the same key's first attempt is
 * still running, typically one this client resent after a timeout) is waited out the same way
 * (draft-ietf-httpapi-idempotency-key-header §2.6: the client may retry later). Used by the demo,
 * the benchmark and the tests' clients of the partner API.
 */

import { ProblemTypes } from "../../functions/http/problem";
import { parseRetryAfter } from "../../shared/contracts";

/** Waiting when a 429 carries no usable `Retry-After`, in ms. */
export const DEFAULT_RETRY_AFTER_IN_MS = 1000;

/** Options of {@link fetchHonouringRetryAfter}. */
export interface RetryingFetchOptions {
  /** Default global fetch. */
  fetchImpl?: typeof fetch;
  /** Time limit of each attempt, in ms; default 15000. */
  attemptTimeoutInMs?: number;
  /**
   * Total time spent waiting for `Retry-After`s, in ms; the 429 is returned when the next wait
   * would pass it. Default 300000 (five fixed one-minute windows of the API's per-key limit).
   */
  maxWaitInMs?: number;
  /** For tests; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each wait (logging). */
  onWait?: (delayInMs: number, attempt: number) => void;
}

/** A request that can be sent more than once (the body is a string). */
export interface RepeatableRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Whether a request may be sent again after a 503: a read, or a write the server de-duplicates by `webhook-id` or `Idempotency-Key`. */
function safeToRepeat(request: RepeatableRequest): boolean {
  const method = (request.method ?? "GET").toUpperCase();
  if (method === "GET" || method === "HEAD") return true;
  return carriesHeader(request, "webhook-id", "idempotency-key");
}

/** Whether the request carries any of the headers (names in lower case; header names are case-insensitive, RFC 9110 §5.1). */
function carriesHeader(request: RepeatableRequest, ...names: string[]): boolean {
  return Object.keys(request.headers ?? {}).some((h) => names.includes(h.toLowerCase()));
}

/** Whether the answer is the server's "this Idempotency-Key is still being processed" (409 problem+json) to a request that carries one. */
async function keyStillInUse(response: Response, request: RepeatableRequest): Promise<boolean> {
  if (response.status !== 409 || !carriesHeader(request, "idempotency-key")) return false;
  try {
    const body = (await response.clone().json()) as { type?: unknown } | null;
    return typeof body?.type === "string" && body.type.endsWith(ProblemTypes.idempotencyInFlight);
  } catch {
    return false;
  }
}

/**
 * `fetch` that sends the same request again after each 429's `Retry-After`
 * ({@link DEFAULT_RETRY_AFTER_IN_MS} when it has none), and after each 503's when the request is
 * safe to repeat (a read; a write carrying `webhook-id` or `Idempotency-Key`), with no limit on
 * attempts but a budget for the total wait. An attempt that gets no answer within
 * `attemptTimeoutInMs` is sent again after {@link DEFAULT_RETRY_AFTER_IN_MS} when it is safe to repeat,
 * and a 409 "Idempotency-Key still in use" is sent again after its `Retry-After`.
 * @returns the first answer that is none of these, or the last 429 / 503 / 409 once the budget is spent.
 * @throws what `fetch` throws (network error; the attempt's timeout for a request not safe to
 *   repeat, or once the budget is spent).
 */
export async function fetchHonouringRetryAfter(url: string, request: RepeatableRequest = {}, options: RetryingFetchOptions = {}): Promise<Response> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const timeout = options.attemptTimeoutInMs ?? 15000;
  const budget = options.maxWaitInMs ?? 300_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetchImpl(url, { method: request.method ?? "GET", headers: request.headers, body: request.body, signal: AbortSignal.timeout(timeout) });
    } catch (e) {
      // No answer within the attempt's time: sent again when that is safe, as a webhook sender does.
      if ((e as Error).name !== "TimeoutError" || !safeToRepeat(request) || waited + DEFAULT_RETRY_AFTER_IN_MS > budget) throw e;
      options.onWait?.(DEFAULT_RETRY_AFTER_IN_MS, attempt);
      await sleep(DEFAULT_RETRY_AFTER_IN_MS);
      waited += DEFAULT_RETRY_AFTER_IN_MS;
      continue;
    }
    if (response.status !== 429 && !(response.status === 503 && safeToRepeat(request)) && !(await keyStillInUse(response, request))) return response;
    const delay = parseRetryAfter(response.headers.get("retry-after")) ?? DEFAULT_RETRY_AFTER_IN_MS;
    if (waited + delay > budget) return response;
    await response.arrayBuffer();
    options.onWait?.(delay, attempt);
    await sleep(delay);
    waited += delay;
  }
}
