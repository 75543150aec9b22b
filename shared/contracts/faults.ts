/**
 * Failures of the workflow's dependencies (storage, email, Partner Center) as data: every activity
 * answers with a tagged {@link ActivityResult}, so the orchestration decides what a failure means
 * without branching on error classes (Durable hands activity errors to the orchestrator as plain
 * `Error`s whose class is lost). Adapters classify their own errors into a {@link Fault} — one
 * place per port — and the orchestration retries transient faults with durable timers
 * ({@link FailurePolicy}), honouring `Retry-After`.
 */
import { z } from "zod";

/**
 * How a failure behaves when the same call is made again:
 * - `transient`: may succeed later (throttling 429, 5xx of the service, connection refused or
 *   reset, timeouts, a sender or credential the operator has to fix) — retried with backoff;
 * - `permanent`: the same call fails the same way (recipient refused with 5xx, invalid address,
 *   message rejected, rendering error, a 4xx of a bad request) — recorded, never retried.
 */
export const FaultClasses = ["transient", "permanent"] as const;
/** A fault class. */
export type FaultClass = (typeof FaultClasses)[number];

/**
 * A classified failure.
 * `code` is stable and machine-readable, e.g. `throttled`, `unreachable`, `timeout`,
 * `service-unavailable`, `recipient-refused`, `message-rejected`, `sender-rejected`,
 * `bad-request`, `not-found`, `rendering`, `unexpected`, `gave-up`.
 */
export const FaultSchema = z.object({
  class: z.enum(FaultClasses),
  code: z.string().min(1).max(64),
  /** Human-readable reason (the dependency's own words where it gave some), at most 1,000 characters. */
  message: z.string().max(1000),
  /** How long the dependency asked us to wait (`Retry-After`, `retry-after-ms`), in milliseconds. */
  retryAfterInMs: z.number().int().min(0).optional(),
});
/** A classified failure. */
export type Fault = z.infer<typeof FaultSchema>;

/**
 * An error that carries its {@link Fault}: what adapters throw (or wrap a dependency's error in)
 * so services and the activity boundary know whether to retry. Read it with {@link faultFrom}.
 */
export class DependencyError extends Error {
  /** Stable code (the fault's, unless the subclass names its own). */
  readonly code: string;

  /**
   * @param fault - the classification; its `message` becomes the error message.
   * @param options - `cause`: the dependency's original error; `code`: a stable error code other
   *   than the fault's (kept for errors callers already match on).
   */
  constructor(
    readonly fault: Fault,
    options?: { cause?: unknown; code?: string },
  ) {
    super(fault.message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DependencyError";
    this.code = options?.code ?? fault.code;
  }
}

/**
 * A record the caller needs does not exist (a case, a partner): a permanent `not-found` fault —
 * calling again finds nothing either.
 */
export class RecordNotFoundError extends DependencyError {
  /** @param message - what is missing. @param code - stable code (default `not-found`). */
  constructor(message: string, code = "not-found") {
    super({ class: "permanent", code: "not-found", message: faultMessage(message) }, { code });
    this.name = "RecordNotFoundError";
  }
}

/**
 * The fault an error carries (`fault` property of a {@link DependencyError} or of any error shaped
 * like one), or undefined when the error was not classified by an adapter.
 */
export function faultFrom(error: unknown): Fault | undefined {
  if (typeof error !== "object" || error === null || !("fault" in error)) return undefined;
  const parsed = FaultSchema.safeParse((error as { fault: unknown }).fault);
  return parsed.success ? parsed.data : undefined;
}

/** Shortens a reason to the 1,000 characters a {@link Fault} keeps (the dependency's words can be long). */
export function faultMessage(text: string): string {
  return text.length <= 1000 ? text : `${text.slice(0, 999)}…`;
}

/** The words of a thrown value: an `Error`'s message (its name when the message is empty), else its string form. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/**
 * The fault of an error no adapter classified: transient, code `unexpected` (a bug or a host
 * fault: {@link FailurePolicy.maxUnexpectedAttempts} bounds its retries), its words shortened by
 * {@link faultMessage}.
 */
export function unexpectedFault(error: unknown): Fault {
  return { class: "transient", code: "unexpected", message: faultMessage(errorText(error)) };
}

/**
 * What every activity returns: its value, or the fault that stopped it (never a thrown error, so
 * the fault's class survives the trip through the Durable extension).
 */
export type ActivityResult<T> = { ok: true; value: T } | { ok: false; fault: Fault };

/**
 * How the orchestration retries an activity's transient faults: durable timers (no worker is held
 * while waiting), the delay growing from `initialDelayInMs` by `backoffCoefficient` up to
 * `maxDelayInMs` — but never shorter than the `Retry-After` the dependency sent — until
 * `giveUpAfterInMs` have passed since the first failure. Faults coded `unexpected` (an error no
 * adapter classified: a bug, or a host timeout) are tried at most `maxUnexpectedAttempts` times.
 * A permanent fault is never retried.
 */
export interface FailurePolicy {
  /** Delay before the first retry, ms. */
  initialDelayInMs: number;
  /** Factor between consecutive delays (≥ 1). */
  backoffCoefficient: number;
  /** Longest backoff delay, ms (a longer `Retry-After` still wins). */
  maxDelayInMs: number;
  /** Retry for at most this long after the first failure, ms; then the step gives up. */
  giveUpAfterInMs: number;
  /** Attempts in all for faults coded `unexpected`. */
  maxUnexpectedAttempts: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Storage steps (case context, inbox, transitions, SLA log, product support incidents): nothing
 * moves without storage, so they wait out an outage of up to a day (5 s doubling to 5 min).
 */
export const StorageFailurePolicy: Readonly<FailurePolicy> = { initialDelayInMs: 5_000, backoffCoefficient: 2, maxDelayInMs: 5 * MINUTE, giveUpAfterInMs: 24 * HOUR, maxUnexpectedAttempts: 5 };

/**
 * Emails (customer status emails, partner notifications): retried in the background of the
 * workflow for up to 3 days (10 s doubling to 15 min; ACS throttles with `Retry-After` up to an
 * hour once the hourly quota is used), then recorded as failed.
 */
export const EmailFailurePolicy: Readonly<FailurePolicy> = { initialDelayInMs: 10_000, backoffCoefficient: 2, maxDelayInMs: 15 * MINUTE, giveUpAfterInMs: 72 * HOUR, maxUnexpectedAttempts: 5 };

/**
 * Partner Center filing: retried for up to 6 hours (30 s doubling to 15 min); after that the
 * service request is prepared for the partner to file by hand, as when the integration is off.
 */
export const PartnerCenterFailurePolicy: Readonly<FailurePolicy> = { initialDelayInMs: 30_000, backoffCoefficient: 2, maxDelayInMs: 15 * MINUTE, giveUpAfterInMs: 6 * HOUR, maxUnexpectedAttempts: 5 };

/**
 * Inbound email the blob trigger gave up on (its `poisonBlobThreshold` attempts, back to back, all
 * failed): taken back from the poison queue and tried again for up to a day (10 s doubling to
 * 15 min), then quarantined as `processing-failed` and the partner told.
 */
export const InboundEmailFailurePolicy: Readonly<FailurePolicy> = { initialDelayInMs: 10_000, backoffCoefficient: 2, maxDelayInMs: 15 * MINUTE, giveUpAfterInMs: 24 * HOUR, maxUnexpectedAttempts: 5 };

/**
 * The delay before retry number `attempt` (1 = the first retry), ms: exponential backoff capped at
 * `maxDelayInMs`, and at least `retryAfterInMs` when the dependency asked for it.
 * @throws RangeError when `attempt` is below 1.
 */
export function retryDelayInMs(policy: Readonly<FailurePolicy>, attempt: number, retryAfterInMs?: number): number {
  if (!(attempt >= 1)) throw new RangeError(`attempt must be ≥ 1, got ${attempt}`);
  const backoff = Math.min(policy.maxDelayInMs, policy.initialDelayInMs * policy.backoffCoefficient ** (attempt - 1));
  return Math.max(Math.round(backoff), retryAfterInMs ?? 0);
}

/**
 * Whether a failed step is retried once more: transient, within the attempt cap for unexpected
 * faults, and the retry would start before `giveUpAfterInMs` since the first failure.
 * @param failedSinceInMs - ms between the first failure and now.
 * @param delayInMs - the delay the retry would wait ({@link retryDelayInMs}).
 */
export function shouldRetry(policy: Readonly<FailurePolicy>, fault: Fault, attempts: number, failedSinceInMs: number, delayInMs: number): boolean {
  if (fault.class !== "transient") return false;
  if (fault.code === "unexpected" && attempts >= policy.maxUnexpectedAttempts) return false;
  return failedSinceInMs + delayInMs <= policy.giveUpAfterInMs;
}

/**
 * Whether email delivery attempt `attempt` (2 = the first retry) is the last one
 * {@link EmailFailurePolicy} allows after the last failure `fault` (unknown: an unexpected
 * transient one), `failedForInMs` after the first failure: no retry would follow it, so the
 * activity records a failure now as final (`gave-up`). The workflow's outbox and the recovery
 * sweeper's resend of its own notices ask the same question.
 */
export function isLastEmailAttempt(fault: Fault | undefined, attempt: number, failedForInMs: number): boolean {
  const last = fault ?? { class: "transient" as const, code: "unexpected", message: "" };
  return !shouldRetry(EmailFailurePolicy, last, attempt, failedForInMs, retryDelayInMs(EmailFailurePolicy, attempt, 0));
}

/**
 * The delay a `Retry-After` header value asks for, in ms (RFC 9110 §10.2.3: `delay-seconds`, one or
 * more digits, or an HTTP-date, §5.6.7): `"120"` → 120,000; `"Wed, 21 Oct 2015 07:28:00 GMT"` → that
 * instant minus `nowInMs`, 0 when it has passed (the IMF-fixdate, RFC 850 and asctime forms all
 * start with the day name). The one parser of the header for every client in the project.
 * @param value - the header's value (surrounding spaces ignored).
 * @param nowInMs - the current time (ms since the epoch) for an HTTP-date.
 * @returns undefined for a missing value or one of neither form (`"-5"`, `"1.5"`, `"soon"`).
 */
export function parseRetryAfter(value: string | null | undefined, nowInMs: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowInMs);
}
