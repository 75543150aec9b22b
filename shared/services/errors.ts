/**
 * Errors services throw for outcomes the caller acts on, each with a stable `code`; the HTTP layer
 * maps them to RFC 9457 problems (functions/http/problem.ts).
 */
import type { z } from "zod";

/** Input failed its schema; `issues` are zod's (paths into the input), mapped to JSON Pointers by the HTTP layer. */
export class ValidationError extends Error {
  /** Stable code. */
  readonly code = "ValidationFailed";
  /**
   * @param issues - zod issues of the failed parse.
   * @param source - what was validated (`body`, `query`): pointers are `#/…` for the body, `query:name` otherwise.
   */
  constructor(
    readonly issues: readonly z.core.$ZodIssue[],
    readonly source: "body" | "query" = "body",
  ) {
    super(`Validation failed: ${issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    this.name = "ValidationError";
  }
}

/** The object does not exist for this caller (also used for objects of other partners: OWASP API1). */
export class NotFoundError extends Error {
  /** Stable code. */
  readonly code = "NotFound";
  /** @param message - what was not found. */
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/** The request conflicts with the object's current state (e.g. diagnosis on a closed case). */
export class ConflictError extends Error {
  /** Stable code. */
  readonly code = "Conflict";
  /** @param message - why, in terms the partner understands. @param currentStatus - the case status, when relevant. */
  constructor(
    message: string,
    readonly currentStatus?: string,
  ) {
    super(message);
    this.name = "ConflictError";
  }
}
