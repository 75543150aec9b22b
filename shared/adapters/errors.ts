/** Errors adapters raise that callers can act on (each with a stable `code`). */

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
  /** @param deliveryId - the webhook id. @param caseId - the case it created. */
  constructor(
    readonly deliveryId: string,
    readonly caseId: string,
  ) {
    super(`Delivery ${deliveryId} already created case ${caseId}`);
    this.name = "DeliveryAlreadyRecordedError";
  }
}

/** A case was expected but does not exist (e.g. applyTransition on an unknown case). */
export class CaseNotFoundError extends Error {
  /** Stable code. */
  readonly code = "CaseNotFound";
  /** @param partnerId - the partner scope. @param caseId - the missing case. */
  constructor(
    readonly partnerId: string,
    readonly caseId: string,
  ) {
    super(`Case ${caseId} of partner ${partnerId} does not exist`);
    this.name = "CaseNotFoundError";
  }
}

/**
 * The email provider throttled the request (ACS 429). Retry after `retryAfterInMs`
 * (from the `Retry-After` / `retry-after-ms` header; ACS custom domains allow 30 sends/min by default).
 */
export class EmailThrottledError extends Error {
  /** Stable code. */
  readonly code = "EmailThrottled";
  /** @param retryAfterInMs - how long to wait before retrying, in milliseconds. */
  constructor(
    readonly retryAfterInMs: number,
    options?: { cause?: unknown },
  ) {
    super(`Email provider throttled the request; retry after ${retryAfterInMs} ms`, options);
    this.name = "EmailThrottledError";
  }
}

/** The email provider rejected or failed the message (not throttling). */
export class EmailSendError extends Error {
  /** Stable code. */
  readonly code = "EmailSendFailed";
  /** @param message - provider's reason. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EmailSendError";
  }
}
