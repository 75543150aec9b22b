/**
 * Business-hours arithmetic on a partner's support-terms service hours (help-desk practice "Business
 * hours"; CSP support rules "service hours (a business-hours calendar with a time zone and holidays)").
 *
 * The first API, kept for compatibility: every function here is a thin wrapper over the calendar
 * arithmetic of `./calendar` (`toCalendar(hours)` then `addWorkingTime` / `workingTimeBetween`),
 * so service hours now follow the same rules as SLA calendars: several periods a day, periods
 * spanning midnight (`end` ≤ `start` runs into the next day, e.g. 22:00–06:00), `"24:00"` ends,
 * holidays removing the periods that start on them, DST-correct and deterministic.
 */
import { DateTime } from "luxon";
import type { ServiceHours } from "../contracts/partner";
import { MAX_CALENDAR_SCAN_DAYS, addWorkingMs, isWorkingTime, nextWorkingInstant, toCalendar, workingMsBetween } from "./calendar";
import { durationToMs, formatInstant, parseDuration, parseInstant } from "./instant";

export { formatInstant, parseDuration, parseInstant } from "./instant";

/** How far (in local calendar days) a scan may run past its start before giving up: 3 years. */
export const MAX_SCAN_DAYS = MAX_CALENDAR_SCAN_DAYS;

/** One service period as a half-open UTC interval `[startMs, endMs)` (epoch milliseconds). */
export interface BusinessInterval {
  startMs: number;
  endMs: number;
}

/**
 * Converts an ISO 8601 duration to an amount of *business* time in milliseconds.
 *
 * Help desks (Zendesk, Freshdesk) express business-hour targets in hours, so components are
 * converted with fixed factors: `PT1H` = 3,600,000 ms, `P1D` = 24 business hours (not "one
 * working day"!), `P1W` = 7 × 24 h, and luxon's casual factors for months (30 d) and years (365 d).
 * Prefer hours for business-hour targets: a one-working-day target is `PT8H`, not `P1D`.
 * @param durationIso - ISO 8601 duration such as `PT4H`.
 * @returns milliseconds (≥ 0).
 * @throws RangeError when invalid or negative.
 */
export function businessDurationToMs(durationIso: string): number {
  return durationToMs(durationIso);
}

/**
 * Adds an amount of business time (ms) to an instant.
 *
 * The result is the earliest instant `t ≥ start` such that the service time in `[start, t)` equals
 * `amountMs`: for a positive amount it lies inside a service period or exactly at a period's end;
 * a zero amount returns `start` unchanged.
 * @param startIso - ISO 8601 instant (no offset = UTC).
 * @param amountMs - business time in milliseconds (≥ 0).
 * @param hours - the partner's service hours.
 * @returns ISO 8601 UTC instant.
 * @throws RangeError for an invalid start, a negative amount, an invalid or empty calendar, or a
 *   deadline more than {@link MAX_SCAN_DAYS} local days after the start.
 */
export function addBusinessTime(startIso: string, amountMs: number, hours: ServiceHours): string {
  const startMs = parseInstant(startIso, "start");
  return formatInstant(addWorkingMs(startMs, amountMs, toCalendar(hours)));
}

/**
 * Computes a deadline counting only the partner's service hours.
 *
 * Source: help-desk practice "SLA semantics" (targets measured in business hours) and "Business hours".
 * The duration is converted with {@link businessDurationToMs}: `P1D` means 24 *business* hours;
 * express working-day targets in hours (`PT8H`).
 * @param startIso - ISO 8601 instant the clock starts (no offset = UTC).
 * @param durationIso - ISO 8601 duration of business time, e.g. `PT4H`.
 * @param hours - service hours: IANA time zone, periods per weekday (local "HH:mm", end may be
 *   "24:00" or at/before the start for a period spanning midnight), holidays (local `YYYY-MM-DD`).
 * @returns ISO 8601 UTC instant (`…Z`, with milliseconds).
 * @throws RangeError for an invalid instant or duration, an invalid calendar, a calendar without
 *   service periods, or a deadline more than {@link MAX_SCAN_DAYS} days away.
 */
export function addBusinessDuration(startIso: string, durationIso: string, hours: ServiceHours): string {
  return addBusinessTime(startIso, businessDurationToMs(durationIso), hours);
}

/**
 * Adds an ISO 8601 duration in calendar time. Arithmetic is done in UTC, so `P1D` is always
 * exactly 24 h and `P1M` is the same day-of-month next month (clamped to its last day).
 * @param startIso - ISO 8601 instant (no offset = UTC).
 * @param durationIso - ISO 8601 duration, e.g. `P3D`.
 * @returns ISO 8601 UTC instant.
 * @throws RangeError for an invalid instant or duration (or a negative duration).
 */
export function addCalendarDuration(startIso: string, durationIso: string): string {
  const startMs = parseInstant(startIso, "start");
  const d = parseDuration(durationIso);
  return formatInstant(DateTime.fromMillis(startMs, { zone: "utc" }).plus(d).toMillis());
}

/**
 * Business time between two instants: the total length of service periods inside `[start, end)`.
 * @param startIso - ISO 8601 instant.
 * @param endIso - ISO 8601 instant.
 * @param hours - service hours (see {@link addBusinessDuration}).
 * @returns milliseconds; negative (the same magnitude) when `end` precedes `start`.
 * @throws RangeError for invalid instants, an invalid calendar or one without service periods.
 */
export function businessTimeBetween(startIso: string, endIso: string, hours: ServiceHours): number {
  return workingMsBetween(parseInstant(startIso, "start"), parseInstant(endIso, "end"), toCalendar(hours));
}

/**
 * Whether an instant lies inside the service hours (period start inclusive, end exclusive; never
 * in a period starting on a holiday).
 * @param iso - ISO 8601 instant.
 * @param hours - service hours (see {@link addBusinessDuration}).
 * @throws RangeError for an invalid instant, an invalid calendar or one without service periods.
 */
export function isWithinServiceHours(iso: string, hours: ServiceHours): boolean {
  return isWorkingTime(iso, toCalendar(hours));
}

/**
 * The next instant at or after `iso` that lies inside the service hours (`iso` itself when it
 * already does): when a business-hours clock "really" starts.
 * @param iso - ISO 8601 instant.
 * @param hours - service hours.
 * @returns ISO 8601 UTC instant.
 * @throws RangeError as {@link addBusinessTime}.
 */
export function nextServiceInstant(iso: string, hours: ServiceHours): string {
  return nextWorkingInstant(iso, toCalendar(hours));
}

/** One hour in milliseconds (business or calendar). */
export const HOUR_MS = 3_600_000;
