/** Errors adapters raise that callers can act on (each with a stable `code`). */
import { DependencyError, RecordNotFoundError, type Fault } from "../contracts";

/** The case id is already taken (CaseRepository.createCase); the caller picks a new id. */
export class CaseAlreadyExistsError extends Error {
  /** Stable code. */
  readonly code = "CaseAlreadyExists";
  /** @param caseId - the id that was taken. */
  constructor(readonly caseId: string) {
    super(`Case ${caseId} already exists`);
    this.name = "CaseAlreadyExistsError";
  }
}

/**
 * The intake delivery (Standard Webhooks `webhook-id`) already created a case; the caller resumes
 * that case instead of creating another (a redelivery after a failure between storing the case and
 * starting its orchestration).
 */
export class DeliveryAlreadyRecordedError extends Error {
  /** Stable code. */
  readonly code = "DeliveryAlreadyRecorded";
  /**
   * @param deliveryId - the webhook id.
   * @param caseId - the case it created.
   * @param fingerprint - the payload fingerprint stored with the delivery (absent on rows written before fingerprints).
   */
  constructor(
    readonly deliveryId: string,
    readonly caseId: string,
    readonly fingerprint?: string,
  ) {
    super(`Delivery ${deliveryId} already created case ${caseId}`);
    this.name = "DeliveryAlreadyRecordedError";
  }
}

/** A case was expected but does not exist (e.g. applyTransition on an unknown case); stable code `CaseNotFound`. */
export class CaseNotFoundError extends RecordNotFoundError {
  /** @param partnerId - the partner scope. @param caseId - the missing case. */
  constructor(
    readonly partnerId: string,
    readonly caseId: string,
  ) {
    super(`Case ${caseId} of partner ${partnerId} does not exist`, "CaseNotFound");
    this.name = "CaseNotFoundError";
  }
}

/**
 * The email provider throttled the request (ACS 429): a transient `throttled` fault; retry after
 * `retryAfterInMs` (from `retry-after-ms` / `Retry-After`; ACS custom domains allow 30 sends/min
 * and 100/h by default).
 */
export class EmailThrottledError extends DependencyError {
  /** @param retryAfterInMs - how long to wait before retrying, in milliseconds. */
  constructor(
    readonly retryAfterInMs: number,
    options?: { cause?: unknown },
  ) {
    super({ class: "transient", code: "throttled", message: `Email provider throttled the request; retry after ${retryAfterInMs} ms`, retryAfterInMs }, options);
    this.name = "EmailThrottledError";
  }
}

/**
 * The email provider refused or failed the message, with the adapter's classification (see
 * ./faults.ts `smtpFault` and `acsFault`): permanent for a refused recipient or message, transient
 * for an unreachable server or a sender the operator has to fix.
 */
export class EmailSendError extends DependencyError {
  /** Addresses the server refused (empty when it did not say). */
  readonly rejectedRecipients: string[];

  /**
   * @param fault - the classification.
   * @param options - `cause`: the provider's error; `rejectedRecipients`: the addresses the server
   *   refused, when it named them.
   */
  constructor(fault: Fault, options?: { cause?: unknown; rejectedRecipients?: string[] }) {
    super(fault, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EmailSendError";
    this.rejectedRecipients = options?.rejectedRecipients ?? [];
  }
}
