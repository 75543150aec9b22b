/**
 * Errors services throw for outcomes the caller acts on, each with a stable `code`; the HTTP layer
 * maps them to RFC 9457 problems (functions/http/problem.ts).
 */
import type { z } from "zod";
import type { Permission, Role } from "../contracts";

/** Input failed its schema; `issues` are zod's (paths into the input), mapped to JSON Pointers by the HTTP layer. */
export class ValidationError extends Error {
  /** Stable code. */
  readonly code = "ValidationFailed";
  /**
   * @param issues - zod issues of the failed parse.
   * @param source - what was validated (`body`, `query`, `path` for a route parameter): pointers are
   *   `#/…` for the body, `query:name` and `path:name` otherwise.
   */
  constructor(
    readonly issues: readonly z.core.$ZodIssue[],
    readonly source: "body" | "query" | "path" = "body",
  ) {
    super(`Validation failed: ${issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    this.name = "ValidationError";
  }
}

/**
 * Parses outside input with its zod schema.
 * @param schema - the schema of the input.
 * @param value - the input as received (a parsed JSON body, a query object, a route parameter).
 * @param source - where it came from, for the problem's pointers (see {@link ValidationError}).
 * @returns the parsed value.
 * @throws ValidationError listing every issue when the input does not match.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, source: ValidationError["source"] = "body"): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(parsed.error.issues, source);
  return parsed.data;
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

/**
 * The request was closed while an action on it was being recorded: its workflow had closed the
 * case's action inbox (it completes once the case is closed and its emails are out; workflow
 * revision 6), so the action was not stored. 409 with `currentStatus` `closed`: a closed request
 * can only be reopened (which restarts its workflow).
 */
export class ClosedMeanwhileError extends ConflictError {
  /** @param what - the action, as the partner names it ("diagnosis", "reopen", …). */
  constructor(what: string) {
    super(`The request was closed while the ${what} was being recorded (its workflow has completed); a closed request can only be reopened`, "closed");
    this.name = "ClosedMeanwhileError";
  }
}

/**
 * The caller's API key may see the object but its role lacks the permission (403; OWASP
 * API5:2023 Broken Function Level Authorization). Only raised after the object was found visible
 * to the caller, so a 403 never reveals another partner's object (those are 404).
 */
export class ForbiddenError extends Error {
  /** Stable code. */
  readonly code = "Forbidden";
  /** @param permission - the permission needed. @param role - the key's role. */
  constructor(
    readonly permission: Permission,
    readonly role: Role,
  ) {
    super(`The role ${role} of this API key does not have the permission ${permission}.`);
    this.name = "ForbiddenError";
  }
}

/**
 * A webhook delivery id (`webhook-id`) that already created a case arrived again with another
 * payload (Standard Webhooks: a redelivery repeats the message as it was). Nothing is created or
 * changed; the sender should send a new message under a new id. HTTP 422.
 */
export class DeliveryConflictError extends Error {
  /** Stable code. */
  readonly code = "DeliveryConflict";
  /** @param deliveryId - the reused `webhook-id`. @param caseId - the case its first payload created. */
  constructor(
    readonly deliveryId: string,
    readonly caseId: string,
  ) {
    super(`The webhook-id ${deliveryId} was delivered before with another payload`);
    this.name = "DeliveryConflictError";
  }
}
