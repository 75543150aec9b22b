/**
 * Business-hours calendar arithmetic: SLA deadlines and elapsed time counted only in a partner's
 * service hours (references.md "Business hours": an IANA time zone, several periods per weekday,
 * holidays; domain.md "Partner support terms are data ... service hours").
 *
 * Everything here is pure: instants come in and go out as ISO 8601 strings, luxon is used only to
 * map local wall-clock times of the partner's time zone to UTC instants (it is never asked for
 * "now"). DST is handled by converting every service period of every local date to UTC separately,
 * so a day on which clocks change simply has a shorter or longer period.
 */
import { DateTime, Duration, IANAZone } from "luxon";
import { Weekdays, type ServiceHours } from "../contracts/partner";

/** How far (in local calendar days) a scan may run past its start before giving up: 3 years. */
export const MAX_SCAN_DAYS = 3 * 366;

const MS_PER_MINUTE = 60_000;

/** One service period as a half-open UTC interval `[startMs, endMs)` (epoch milliseconds). */
export interface BusinessInterval {
  startMs: number;
  endMs: number;
}

/** A validated calendar: zone, per-weekday periods in minutes since local midnight, holidays. */
interface CompiledCalendar {
  zone: IANAZone;
  /** Index 0 = Monday … 6 = Sunday (luxon weekday − 1); sorted, merged `[startMin, endMin)` pairs. */
  periods: Array<Array<[number, number]>>;
  holidays: ReadonlySet<string>;
}

/**
 * Parses an ISO 8601 instant into epoch milliseconds. A string without an offset is read as UTC.
 * @throws RangeError when the string is not a valid ISO 8601 date-time.
 */
export function parseInstant(iso: string, what = "instant"): number {
  if (typeof iso !== "string") throw new TypeError(`${what} must be an ISO 8601 string`);
  const dt = DateTime.fromISO(iso, { zone: "utc" });
  if (!dt.isValid) throw new RangeError(`${what} "${iso}" is not a valid ISO 8601 date-time (${dt.invalidExplanation ?? dt.invalidReason})`);
  return dt.toMillis();
}

/** Formats epoch milliseconds as ISO 8601 UTC with milliseconds (`2026-03-30T07:00:00.000Z`). */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Parses an ISO 8601 duration with luxon.
 * @throws RangeError when invalid or negative.
 */
export function parseDuration(durationIso: string): Duration {
  if (typeof durationIso !== "string") throw new TypeError("duration must be an ISO 8601 duration string");
  const d = Duration.fromISO(durationIso);
  if (!d.isValid) throw new RangeError(`"${durationIso}" is not a valid ISO 8601 duration (${d.invalidExplanation ?? d.invalidReason})`);
  if (d.toMillis() < 0) throw new RangeError(`duration "${durationIso}" must not be negative`);
  return d;
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
  return parseDuration(durationIso).toMillis();
}

function toMinutes(clock: string, what: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(clock);
  if (!m) throw new RangeError(`${what} "${clock}" is not HH:mm`);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (minutes > 24 * 60 || Number(m[2]) > 59) throw new RangeError(`${what} "${clock}" is not a clock time between 00:00 and 24:00`);
  return minutes;
}

/** Memo of compiled calendars by object identity (calendars are immutable data). */
const compiled = new WeakMap<ServiceHours, CompiledCalendar>();

/**
 * Validates service hours and compiles them for fast scanning.
 * @throws RangeError for an unknown time zone, a malformed or empty period (end ≤ start; split an
 *   overnight shift at "24:00"), or a calendar without any service period at all.
 */
function compile(hours: ServiceHours): CompiledCalendar {
  if (hours === null || typeof hours !== "object") throw new TypeError("service hours must be an object");
  const memo = compiled.get(hours);
  if (memo) return memo;
  if (!IANAZone.isValidZone(hours.timeZone)) throw new RangeError(`"${hours.timeZone}" is not an IANA time zone`);
  const periods = Weekdays.map((day) => {
    const list = (hours.weekly?.[day] ?? []).map((p): [number, number] => {
      const s = toMinutes(p.start, `${day} period start`);
      const e = toMinutes(p.end, `${day} period end`);
      if (s >= 24 * 60) throw new RangeError(`${day} period start "${p.start}" must be before 24:00`);
      if (e <= s) throw new RangeError(`${day} period ${p.start}–${p.end} must end after it starts (split overnight shifts at 24:00)`);
      return [s, e];
    });
    list.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const p of list) {
      const last = merged[merged.length - 1];
      if (last && p[0] <= last[1]) last[1] = Math.max(last[1], p[1]);
      else merged.push([p[0], p[1]]);
    }
    return merged;
  });
  if (periods.every((p) => p.length === 0)) throw new RangeError("service hours have no period on any weekday");
  const result: CompiledCalendar = { zone: IANAZone.create(hours.timeZone), periods, holidays: new Set(hours.holidays ?? []) };
  compiled.set(hours, result);
  return result;
}

/** Service periods of one local date as UTC intervals (DST-correct; empty on holidays). */
function intervalsOfDate(cal: CompiledCalendar, localDay: DateTime): BusinessInterval[] {
  const isoDate = localDay.toISODate();
  if (isoDate === null || cal.holidays.has(isoDate)) return [];
  const periods = cal.periods[localDay.weekday - 1] ?? [];
  const toUtc = (minutes: number): number => {
    if (minutes === 24 * 60) return localDay.plus({ days: 1 }).startOf("day").toMillis();
    // Wall-clock times that do not exist (spring-forward gap) are moved forward by luxon;
    // ambiguous ones (fall-back) resolve to the earlier offset.
    return DateTime.fromObject(
      { year: localDay.year, month: localDay.month, day: localDay.day, hour: Math.floor(minutes / 60), minute: minutes % 60 },
      { zone: cal.zone },
    ).toMillis();
  };
  const out: BusinessInterval[] = [];
  for (const [s, e] of periods) {
    const startMs = toUtc(s);
    const endMs = toUtc(e);
    if (endMs > startMs) out.push({ startMs, endMs });
  }
  return out;
}

/**
 * Service intervals from the local date containing `fromMs` onwards, clipped to start at
 * `fromMs`, in chronological order, for at most {@link MAX_SCAN_DAYS} local dates.
 */
function* intervalsFrom(cal: CompiledCalendar, fromMs: number, maxDays = MAX_SCAN_DAYS): Generator<BusinessInterval, void, undefined> {
  let day = DateTime.fromMillis(fromMs, { zone: cal.zone }).startOf("day");
  for (let i = 0; i <= maxDays; i++) {
    for (const iv of intervalsOfDate(cal, day)) {
      if (iv.endMs <= fromMs) continue;
      yield { startMs: Math.max(iv.startMs, fromMs), endMs: iv.endMs };
    }
    day = day.plus({ days: 1 }).startOf("day");
  }
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
  if (!Number.isFinite(amountMs) || amountMs < 0) throw new RangeError(`business time must be a finite, non-negative number of ms (got ${amountMs})`);
  const cal = compile(hours);
  if (amountMs === 0) return formatInstant(startMs);
  let remaining = amountMs;
  for (const iv of intervalsFrom(cal, startMs)) {
    const len = iv.endMs - iv.startMs;
    if (remaining <= len) return formatInstant(iv.startMs + remaining);
    remaining -= len;
  }
  throw new RangeError(`no deadline within ${MAX_SCAN_DAYS} days of ${startIso}: the service hours (holidays included) leave too little business time`);
}

/**
 * Computes a deadline counting only the partner's service hours.
 *
 * Source: references.md "SLA semantics" (targets measured in business hours) and "Business hours".
 * The duration is converted with {@link businessDurationToMs}: `P1D` means 24 *business* hours;
 * express working-day targets in hours (`PT8H`).
 * @param startIso - ISO 8601 instant the clock starts (no offset = UTC).
 * @param durationIso - ISO 8601 duration of business time, e.g. `PT4H`.
 * @param hours - service hours: IANA time zone, periods per weekday (local "HH:mm", end may be
 *   "24:00"), holidays (local `YYYY-MM-DD`, skipped entirely).
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
  const startMs = parseInstant(startIso, "start");
  const endMs = parseInstant(endIso, "end");
  const cal = compile(hours);
  if (endMs < startMs) return -businessTimeBetween(endIso, startIso, hours);
  let total = 0;
  // Number of local dates spanned, plus slack for time-zone offsets.
  const days = Math.ceil((endMs - startMs) / 86_400_000) + 2;
  for (const iv of intervalsFrom(cal, startMs, days)) {
    if (iv.startMs >= endMs) break;
    total += Math.min(iv.endMs, endMs) - iv.startMs;
  }
  return total;
}

/**
 * Whether an instant lies inside the service hours (period start inclusive, end exclusive; never
 * on a holiday).
 * @param iso - ISO 8601 instant.
 * @param hours - service hours (see {@link addBusinessDuration}).
 * @throws RangeError for an invalid instant, an invalid calendar or one without service periods.
 */
export function isWithinServiceHours(iso: string, hours: ServiceHours): boolean {
  const ms = parseInstant(iso);
  const cal = compile(hours);
  const day = DateTime.fromMillis(ms, { zone: cal.zone }).startOf("day");
  return intervalsOfDate(cal, day).some((iv) => iv.startMs <= ms && ms < iv.endMs);
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
  const ms = parseInstant(iso);
  const cal = compile(hours);
  for (const iv of intervalsFrom(cal, ms)) return formatInstant(iv.startMs);
  throw new RangeError(`no service hours within ${MAX_SCAN_DAYS} days of ${iso}`);
}

/** One hour in milliseconds (business or calendar). */
export const HOUR_MS = 60 * MS_PER_MINUTE;
