/** RFC 9457 problem details, the shape of every HTTP error of the API. */

/** One invalid field: JSON Pointer (RFC 6901) into the request body or a header/parameter name. */
export interface InvalidParam {
  /** e.g. `#/customer/email`, or `header:webhook-signature`. */
  pointer: string;
  /** Why it is invalid. */
  detail: string;
}

/** RFC 9457 problem details (`application/problem+json`). */
export interface ProblemDetails {
  /** URI reference identifying the problem type. */
  type: string;
  title: string;
  /** HTTP status code. */
  status: number;
  detail?: string;
  instance?: string;
  /** Extension member: each invalid field (RFC 9457 §3.2 "invalid-params" style). */
  errors?: InvalidParam[];
  [extension: string]: unknown;
}
