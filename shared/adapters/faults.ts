/**
 * Classification of dependency failures into {@link Fault}s: one function per port (storage,
 * SMTP, ACS Email, Partner Center) and {@link faultOf}, the one place the activity boundary asks.
 *
 * Rules and their sources:
 * - Network: connection refused/reset, DNS failure, socket and request timeouts are transient
 *   (the dependency or the path to it is down; Node's `err.code`).
 * - HTTP (Azure Table Storage, ACS, Partner Center): 408, 429, 500, 502, 503, 504 are transient
 *   ("Azure Storage error codes", "ACS Email quota and throttling": 429 with `Retry-After`); 401 and
 *   403 are transient too — an expired credential, a missing role assignment or an unverified
 *   sender domain is fixed by an operator, and the step then goes through; other 4xx are permanent.
 * - SMTP (RFC 5321 §4.2.1, enhanced status codes RFC 3463): a 5xx reply to `RCPT TO` refuses that
 *   recipient (permanent, `recipient-refused`); a 5xx to `DATA` or the message refuses the message
 *   (permanent, `message-rejected`); a 5xx to `MAIL FROM` or authentication refuses our sender or
 *   credentials (transient, `sender-rejected`: an operator fixes it); 4xx replies are transient.
 */
import { errorText, faultFrom, faultMessage, parseRetryAfter, unexpectedFault, type Fault } from "../contracts";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "ESOCKETTIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "EAI_AGAIN", "ENOTFOUND", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);
const TRANSIENT_HTTP = new Set([408, 429, 500, 502, 503, 504]);

function messageOf(error: unknown): string {
  return faultMessage(errorText(error));
}

/** The `code` of an error or of its `cause` chain (Node system errors, undici), if any. */
function systemCodeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; typeof e === "object" && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    const name = (e as { name?: unknown }).name;
    if (name === "AbortError" || name === "TimeoutError") return "ETIMEDOUT";
  }
  return undefined;
}

/**
 * A transient fault when the error is a network failure (connection refused or reset, DNS,
 * timeouts, aborted requests), anywhere in its `cause` chain; else undefined.
 */
export function networkFault(error: unknown): Fault | undefined {
  const code = systemCodeOf(error);
  if (!code) return undefined;
  return { class: "transient", code: code === "ETIMEDOUT" || code.includes("TIMEOUT") ? "timeout" : "unreachable", message: messageOf(error) };
}

/**
 * The fault of an HTTP status from an Azure service or Partner Center (see the module rules).
 * @param status - the HTTP status code.
 * @param message - what the service said.
 * @param retryAfterInMs - from `Retry-After` / `retry-after-ms`, when sent.
 */
export function httpStatusFault(status: number, message: string, retryAfterInMs?: number): Fault {
  const retry = retryAfterInMs !== undefined ? { retryAfterInMs: Math.max(0, Math.round(retryAfterInMs)) } : {};
  if (status === 429) return { class: "transient", code: "throttled", message: faultMessage(message), ...retry };
  if (TRANSIENT_HTTP.has(status)) return { class: "transient", code: status === 408 ? "timeout" : "service-unavailable", message: faultMessage(message), ...retry };
  if (status === 401 || status === 403) return { class: "transient", code: "not-authorized", message: faultMessage(message), ...retry };
  if (status === 404) return { class: "permanent", code: "not-found", message: faultMessage(message) };
  return { class: "permanent", code: "bad-request", message: faultMessage(message) };
}

/**
 * Table and Blob Storage: a `RestError` (`statusCode`) by {@link httpStatusFault}; network failures
 * by {@link networkFault}; undefined when the error is neither (not a storage failure).
 * 409 and 412 are answered by the adapters themselves (existing rows, ETag races); one that
 * escapes them is permanent.
 */
export function storageFault(error: unknown): Fault | undefined {
  const net = networkFault(error);
  if (net) return net;
  if (typeof error !== "object" || error === null || !("statusCode" in error)) return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status !== "number") return undefined;
  const retryAfter = retryAfterOf((error as { response?: { headers?: { get?: (name: string) => string | undefined } } }).response?.headers);
  return httpStatusFault(status, messageOf(error), retryAfter);
}

/**
 * Milliseconds to wait from `retry-after-ms` or `x-ms-retry-after-ms` (Azure's, in ms), else
 * `Retry-After` (delay-seconds or an HTTP-date: shared/contracts `parseRetryAfter`, RFC 9110
 * §10.2.3), or undefined when none is usable.
 * @param headers - a `get(name)` view of the response headers.
 * @param nowInMs - the current time (ms since the epoch) for an HTTP-date value.
 */
export function retryAfterOf(headers: { get?: (name: string) => string | null | undefined } | undefined, nowInMs: number = Date.now()): number | undefined {
  const ms = (headers?.get?.("retry-after-ms") ?? headers?.get?.("x-ms-retry-after-ms"))?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
  return parseRetryAfter(headers?.get?.("retry-after"), nowInMs);
}

/** What nodemailer puts on an SMTP error (`responseCode`, `command`, `code`, `response`). */
interface SmtpErrorShape {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  rejected?: unknown;
}

/**
 * SMTP (nodemailer errors): by reply code and the command it answered (see the module rules);
 * network failures and nodemailer's `ECONNECTION`/`ETIMEDOUT`/`ESOCKET`/`EDNS` are transient;
 * `EAUTH` (535 and the like) is `sender-rejected` (transient); `EENVELOPE` without a reply code
 * (no recipient left, an address nodemailer cannot use) is `recipient-refused`; `EMESSAGE` is
 * `message-rejected`. Anything else is `unexpected`.
 */
export function smtpFault(error: unknown): Fault {
  const e = (typeof error === "object" && error !== null ? error : {}) as SmtpErrorShape;
  const message = messageOf(error);
  const command = (e.command ?? "").toUpperCase();
  const reply = typeof e.responseCode === "number" ? e.responseCode : undefined;
  if (reply !== undefined && reply >= 500) {
    if (command.startsWith("RCPT")) return { class: "permanent", code: "recipient-refused", message };
    if (command.startsWith("MAIL") || command.startsWith("AUTH") || command === "CONN" || command === "EHLO" || command === "HELO" || e.code === "EAUTH") return { class: "transient", code: "sender-rejected", message };
    return { class: "permanent", code: "message-rejected", message };
  }
  if (reply !== undefined && reply >= 400) return { class: "transient", code: reply === 421 || reply === 450 || reply === 451 || reply === 452 ? "service-unavailable" : "deferred", message };
  const net = networkFault(error);
  if (net) return net;
  switch (e.code) {
    case "ECONNECTION":
    case "ESOCKET":
    case "EDNS":
    case "ETLS":
      return { class: "transient", code: "unreachable", message };
    case "ETIMEDOUT":
    case "EPROTOCOL":
      return { class: "transient", code: "timeout", message };
    case "EAUTH":
      return { class: "transient", code: "sender-rejected", message };
    case "EENVELOPE":
      return { class: "permanent", code: "recipient-refused", message };
    case "EMESSAGE":
      return { class: "permanent", code: "message-rejected", message };
    default:
      return { class: "transient", code: "unexpected", message };
  }
}

/**
 * ACS Email: the HTTP status of the send request by {@link httpStatusFault}, except a 400 about the
 * sender or its domain (`InvalidSenderUserName`, `DomainNotLinked`, …: the operator's configuration,
 * transient `sender-rejected`); an operation that ended `Failed` or `Canceled` rejected the message
 * (permanent: `recipient-refused` when ACS names suppressed or invalid recipients, else
 * `message-rejected`).
 * @param error - the error thrown by the SDK (a `RestError` with `statusCode`, or the status poll's error).
 * @param operation - set when the operation itself ended `Failed`/`Canceled`: its status and error.
 */
export function acsFault(error: unknown, operation?: { status: string; code?: string; message?: string }): Fault {
  if (operation) {
    const text = faultMessage(`ACS send ${operation.status}: ${operation.code ?? "no code"}: ${operation.message ?? "no detail"}`);
    const recipient = /recipient|suppress|address/i.test(`${operation.code ?? ""} ${operation.message ?? ""}`);
    return { class: "permanent", code: recipient ? "recipient-refused" : "message-rejected", message: text };
  }
  const net = networkFault(error);
  if (net) return net;
  // @azure/core-lro reports an operation that ended Failed as a plain Error:
  // "The long-running operation has failed. <code>. <message>".
  const lro = /^The long-running operation has failed(?:\. ([^.]+)\. (.*))?$/s.exec(messageOf(error));
  if (lro) return acsFault(undefined, { status: "Failed", ...(lro[1] ? { code: lro[1] } : {}), ...(lro[2] ? { message: lro[2] } : {}) });
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status !== "number") return unexpectedFault(error);
  const code = String((error as { code?: unknown }).code ?? "");
  const retryAfter = retryAfterOf((error as { response?: { headers?: { get?: (name: string) => string | undefined } } }).response?.headers);
  if (status === 400 && /sender|domain/i.test(`${code} ${messageOf(error)}`)) return { class: "transient", code: "sender-rejected", message: messageOf(error) };
  const fault = httpStatusFault(status, messageOf(error), retryAfter);
  return status === 400 && /recipient|address/i.test(`${code} ${messageOf(error)}`) ? { ...fault, code: "recipient-refused" } : fault;
}

/**
 * The fault of any error reaching the activity boundary: the adapter's own classification
 * ({@link faultFrom}: email, Partner Center, renderers), else storage and network failures
 * ({@link storageFault}), else `unexpected` (transient, retried a few times: a bug or a host fault).
 */
export function faultOf(error: unknown): Fault {
  return faultFrom(error) ?? storageFault(error) ?? unexpectedFault(error);
}

/**
 * The Durable client (durable-functions `DurableClient`, HTTP to the extension): a network failure
 * by {@link networkFault}; an answer with an unexpected status (the library's "unexpected status
 * code: N") by {@link httpStatusFault}; else undefined.
 */
export function durableClientFault(error: unknown): Fault | undefined {
  const net = networkFault(error);
  if (net) return net;
  const status = /unexpected status code: (\d{3})\b/.exec(messageOf(error))?.[1];
  return status === undefined ? undefined : httpStatusFault(Number(status), messageOf(error));
}

/**
 * The transient fault of a dependency behind an error that reached an HTTP handler: an adapter's
 * own classification, storage ({@link storageFault}) or the Durable client
 * ({@link durableClientFault}); undefined for anything else (a bug stays a 500) and for permanent
 * faults.
 */
export function transientDependencyFault(error: unknown): Fault | undefined {
  const fault = faultFrom(error) ?? storageFault(error) ?? durableClientFault(error);
  return fault?.class === "transient" && fault.code !== "unexpected" ? fault : undefined;
}

/** How long {@link persistAfterSideEffect} keeps retrying a write by default (ms). */
export const AFTER_SIDE_EFFECT_BUDGET_MS = 60_000;

/**
 * Runs a storage write that records a side effect which already happened (an email the mail
 * service accepted), retrying transient storage faults ({@link storageFault}) in process with
 * backoff (0.5 s doubling, at most 10 s, honouring `Retry-After`) for up to `budgetInMs`. A lost
 * record would make the next attempt repeat the side effect, so waiting out a short storage outage
 * here is cheaper than the duplicate; the budget stays far below the Functions timeout (5 min on
 * Flex Consumption by default, host.json `functionTimeout`).
 * @param write - the write; called again after each transient fault.
 * @param budgetInMs - how long to keep trying (ms), default {@link AFTER_SIDE_EFFECT_BUDGET_MS}.
 * @param sleep - waits the given ms (tests pass a fake).
 * @returns the write's result.
 * @throws the write's error when it is not a transient storage fault, or when the budget is spent.
 */
export async function persistAfterSideEffect<T>(write: () => Promise<T>, budgetInMs: number = AFTER_SIDE_EFFECT_BUDGET_MS, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  let waited = 0;
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      return await write();
    } catch (e) {
      const fault = storageFault(e);
      const wait = Math.max(delay, fault?.retryAfterInMs ?? 0);
      if (fault?.class !== "transient" || waited + wait > budgetInMs) throw e;
      await sleep(wait);
      waited += wait;
    }
  }
}
