/**
 * SLA clock of a support request: deadlines for first response and resolution, and the small,
 * immutable updates the orchestration applies to its {@link SlaState} (help-desk practice "SLA
 * semantics": targets per severity, calendar or business hours, breach events recorded once).
 */
import type { ServiceHours, SlaTarget } from "../contracts/partner";
import type { SlaState } from "../contracts/supportRequest";
import { addBusinessDuration, addCalendarDuration, parseInstant } from "./businessHours";

/** How an SLA target is measured: only in service hours, or around the clock. */
export type SlaClockKind = SlaTarget["clock"];

/** The SLA metrics timed by the orchestration. */
export type SlaMetric = "first-response" | "resolution";

/**
 * Computes the deadline of one SLA target.
 * @param startIso - ISO 8601 instant the clock starts (the request's `createdAt`).
 * @param targetDurationIso - ISO 8601 duration of the target (e.g. `PT4H`); with the business-hours
 *   clock `P1D` means 24 business hours (see `businessDurationToMs`).
 * @param clock - `"business-hours"` counts only `hours`; `"calendar"` counts every hour (UTC).
 * @param hours - the partner's service hours (ignored by the calendar clock).
 * @returns ISO 8601 UTC instant.
 * @throws RangeError for invalid instants, durations or calendars (see `addBusinessDuration`).
 */
export function computeDeadline(startIso: string, targetDurationIso: string, clock: SlaClockKind, hours: ServiceHours): string {
  if (clock === "calendar") return addCalendarDuration(startIso, targetDurationIso);
  if (clock === "business-hours") return addBusinessDuration(startIso, targetDurationIso, hours);
  throw new RangeError(`unknown SLA clock "${String(clock)}"`);
}

/**
 * Starts the SLA clock of a request: the targets applied and both deadlines.
 * @param createdAtIso - ISO 8601 instant the request was received (the clock starts here).
 * @param target - the partner's SLA target for the request's severity (durations ISO 8601).
 * @param hours - the partner's service hours.
 * @returns a new SLA state with `firstResponseDueAt` and `resolutionDueAt` (ISO 8601 UTC).
 * @throws RangeError as {@link computeDeadline}.
 */
export function startSlaClock(createdAtIso: string, target: SlaTarget, hours: ServiceHours): SlaState {
  const clock = target.clock ?? "business-hours";
  return {
    targets: { firstResponse: target.firstResponse, resolution: target.resolution, clock },
    firstResponseDueAt: computeDeadline(createdAtIso, target.firstResponse, clock, hours),
    resolutionDueAt: computeDeadline(createdAtIso, target.resolution, clock, hours),
  };
}

/**
 * Records the first response (the first diagnosis or resolution counts); later calls keep the
 * first instant.
 * @param sla - current state (not mutated).
 * @param atIso - ISO 8601 instant of the response.
 * @returns the updated state.
 */
export function recordFirstResponse(sla: SlaState, atIso: string): SlaState {
  if (sla.firstResponseAt) return sla;
  return { ...sla, firstResponseAt: normalizeIso(atIso) };
}

/**
 * Records a breach of one metric once (the first breach instant is kept).
 * @param sla - current state (not mutated).
 * @param metric - which deadline was missed.
 * @param atIso - ISO 8601 instant the breach was detected.
 * @returns the updated state.
 */
export function recordBreach(sla: SlaState, metric: SlaMetric, atIso: string): SlaState {
  const key = metric === "first-response" ? "firstResponseBreachedAt" : "resolutionBreachedAt";
  if (sla[key]) return sla;
  return { ...sla, [key]: normalizeIso(atIso) };
}

/**
 * Records the resolution (and the first response, if there was none yet).
 * @param sla - current state (not mutated).
 * @param atIso - ISO 8601 instant of the resolution.
 * @returns the updated state.
 */
export function recordResolution(sla: SlaState, atIso: string): SlaState {
  const withResponse = recordFirstResponse(sla, atIso);
  if (withResponse.resolvedAt) return withResponse;
  return { ...withResponse, resolvedAt: normalizeIso(atIso) };
}

/**
 * The deadline the orchestration should time next, if any: first response until it is answered
 * or breached, then resolution until it is resolved or breached.
 * @param sla - current state.
 * @returns the metric and its ISO 8601 UTC deadline, or `undefined` when nothing is left to time.
 */
export function nextSlaDeadline(sla: SlaState): { metric: SlaMetric; dueAt: string } | undefined {
  if (sla.resolvedAt) return undefined;
  if (!sla.firstResponseAt && !sla.firstResponseBreachedAt && sla.firstResponseDueAt) {
    return { metric: "first-response", dueAt: sla.firstResponseDueAt };
  }
  if (!sla.resolutionBreachedAt && sla.resolutionDueAt) return { metric: "resolution", dueAt: sla.resolutionDueAt };
  return undefined;
}

/**
 * Whether an instant is after a deadline (a response exactly at the deadline is in time).
 * @param dueAtIso - ISO 8601 deadline.
 * @param atIso - ISO 8601 instant to test.
 * @throws RangeError for invalid instants.
 */
export function isPastDeadline(dueAtIso: string, atIso: string): boolean {
  return parseInstant(atIso, "at") > parseInstant(dueAtIso, "dueAt");
}

/** Normalizes an ISO 8601 instant to UTC `…Z` with milliseconds. @throws RangeError if invalid. */
function normalizeIso(iso: string): string {
  return new Date(parseInstant(iso)).toISOString();
}
