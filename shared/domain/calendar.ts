/**
 * Working-time arithmetic on SLA calendars (help-desk practice "Business hours": an IANA time zone,
 * weekly hours with several periods a day — split shifts, lunch breaks —, holidays, and a 24×7
 * calendar; CSP support rules "service hours (a business-hours calendar with a time zone and holidays)").
 *
 * Rules of a weekly calendar:
 * - each period is local wall-clock time of the calendar's zone, `start` inclusive, `end` exclusive;
 * - `end` ≤ `start` means the period runs past midnight into the next local day (22:00–06:00 is
 *   eight hours; 09:00–09:00 is 24 hours); `"24:00"` ends at the next local midnight;
 * - a holiday (local `YYYY-MM-DD`) removes the periods that *start* on that date (a night shift
 *   starting the evening before a holiday still runs into it);
 * - overlapping periods are merged (no time is counted twice);
 * - local times are mapped to UTC per date, so DST days simply have shorter or longer periods. A
 *   wall time inside a spring-forward gap is read with the offset before the gap (it moves
 *   forward), an ambiguous fall-back time is its first occurrence (RFC 5545 §3.3.5, Temporal
 *   "compatible"). Unlike luxon's `DateTime.fromObject`, this never depends on the current date.
 *
 * Everything is pure and deterministic: instants in and out are ISO 8601 strings, luxon is used only
 * for the zone's UTC offsets. Scans are bounded by {@link MAX_CALENDAR_SCAN_DAYS}.
 */
import { IANAZone } from "luxon";
import type { ServiceHours } from "../contracts/partner";
import { CalendarWeekdays, type Calendar } from "../contracts/sla";
import { formatInstant, parseInstant } from "./instant";

/** How far (local calendar days) a scan may run before giving up: about three years. */
export const MAX_CALENDAR_SCAN_DAYS = 3 * 366;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DAY_MINUTES = 24 * 60;

/** The 24×7 calendar: every millisecond counts. */
export const CALENDAR_24X7: Calendar = Object.freeze({ kind: "24x7" }) as Calendar;

/** A weekly calendar. */
export type WeeklyCalendar = Extract<Calendar, { kind: "weekly" }>;

/** A compiled weekly calendar. */
interface CompiledWeekly {
  kind: "weekly";
  zone: IANAZone;
  /** Index 0 = Monday … 6 = Sunday; sorted, merged `[startMin, endMin)` with endMin ≤ 2880. */
  periods: Array<Array<[number, number]>>;
  holidays: ReadonlySet<string>;
  /** Memo of {@link periodsOfDay} by local day number (pure function of the calendar; bounded). */
  dayCache: Map<number, ReadonlyArray<readonly [number, number]>>;
}
type Compiled = CompiledWeekly | { kind: "24x7" };

const compiledMemo = new WeakMap<object, Compiled>();
/**
 * Compiled calendars by content (their JSON), for calendars that arrive as new objects on every
 * call (read from storage per request or activity): the same service hours compile once per
 * process, and their per-day cache of service periods is kept. Bounded: cleared when full.
 */
const compiledByContent = new Map<string, Compiled>();
const COMPILED_BY_CONTENT_LIMIT = 1000;
const toCalendarMemo = new WeakMap<object, Calendar>();

/**
 * Converts support-terms service hours (or a calendar) to a {@link Calendar}.
 *
 * `ServiceHours` (`{ timeZone, weekly, holidays }`, partner.ts) becomes `{ kind: "weekly", ... }`
 * with the same periods (which may span midnight) and holidays; a `Calendar` is returned as is
 * (holidays defaulted to `[]`). The result is not validated here; the arithmetic functions validate.
 * @param c - a calendar or the service hours of a partner's support terms.
 * @returns a calendar (the same object for a calendar that needs no default).
 * @throws TypeError when `c` is not an object.
 */
export function toCalendar(c: Calendar | ServiceHours): Calendar {
  if (c === null || typeof c !== "object") throw new TypeError("a calendar must be an object");
  if ("kind" in c) {
    if (c.kind === "weekly" && !Array.isArray(c.holidays)) return { ...c, holidays: [] };
    return c;
  }
  const memo = toCalendarMemo.get(c);
  if (memo) return memo;
  const cal: Calendar = { kind: "weekly", timeZone: c.timeZone, weekly: c.weekly ?? {}, holidays: c.holidays ?? [] };
  toCalendarMemo.set(c, cal);
  return cal;
}

function clockToMinutes(clock: unknown, what: string): number {
  const m = typeof clock === "string" ? /^(\d{2}):(\d{2})$/.exec(clock) : null;
  if (!m) throw new RangeError(`${what} "${String(clock)}" is not a clock time HH:mm`);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[2]) > 59 || minutes > DAY_MINUTES) throw new RangeError(`${what} "${String(clock)}" is not between 00:00 and 24:00`);
  return minutes;
}

/**
 * Validates and compiles a calendar (memoized by object identity: calendars are immutable data).
 * @throws RangeError for an unknown kind or time zone, a malformed period, or a weekly calendar
 *   without any service time.
 */
function compile(input: Calendar | ServiceHours): Compiled {
  const cal = toCalendar(input);
  const memo = compiledMemo.get(cal);
  if (memo) return memo;
  const content = JSON.stringify(cal);
  const same = compiledByContent.get(content);
  if (same) {
    compiledMemo.set(cal, same);
    return same;
  }
  let result: Compiled;
  if (cal.kind === "24x7") {
    result = { kind: "24x7" };
  } else if (cal.kind === "weekly") {
    if (typeof cal.timeZone !== "string" || !IANAZone.isValidZone(cal.timeZone)) throw new RangeError(`"${String(cal.timeZone)}" is not an IANA time zone`);
    const periods = CalendarWeekdays.map((day) => {
      const list = (cal.weekly?.[day] ?? []).map((p): [number, number] => {
        const s = clockToMinutes(p?.start, `${day} period start`);
        let e = clockToMinutes(p?.end, `${day} period end`);
        if (s >= DAY_MINUTES) throw new RangeError(`${day} period start "${p.start}" must be before 24:00`);
        if (e <= s) e += DAY_MINUTES; // runs past midnight into the next day
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
    if (periods.every((p) => p.length === 0)) throw new RangeError(`calendar in ${cal.timeZone} has no service period on any weekday (no service time)`);
    for (const h of cal.holidays ?? []) {
      if (typeof h !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(h)) throw new RangeError(`holiday "${String(h)}" is not a local date YYYY-MM-DD`);
    }
    result = { kind: "weekly", zone: IANAZone.create(cal.timeZone), periods, holidays: new Set(cal.holidays ?? []), dayCache: new Map() };
  } else {
    throw new RangeError(`unknown calendar kind "${String((cal as { kind?: unknown }).kind)}"`);
  }
  compiledMemo.set(cal, result);
  if (compiledByContent.size >= COMPILED_BY_CONTENT_LIMIT) compiledByContent.clear();
  compiledByContent.set(content, result);
  return result;
}

/** Offset (minutes) of the zone at an instant. */
function offsetAt(zone: IANAZone, ms: number): number {
  return zone.offset(ms);
}

/**
 * Maps a local wall time (epoch-style ms "as if UTC") to a UTC instant: a gap time is read with
 * the offset before the gap, an ambiguous time is its first occurrence (RFC 5545 §3.3.5).
 */
function wallToUtc(zone: IANAZone, wallMs: number): number {
  const before = offsetAt(zone, wallMs - DAY_MS);
  const after = offsetAt(zone, wallMs + DAY_MS);
  const t1 = wallMs - before * MINUTE_MS;
  const ok1 = offsetAt(zone, t1) === before;
  if (before === after && ok1) return t1;
  const t2 = wallMs - after * MINUTE_MS;
  const ok2 = offsetAt(zone, t2) === after;
  if (ok1 && ok2) return Math.min(t1, t2);
  if (ok1) return t1;
  if (ok2) return t2;
  return t1; // inside a spring-forward gap: offset before the gap, so the time moves forward
}

/** Local civil day number (days since 1970-01-01) of an instant in a zone. */
function localDayOf(zone: IANAZone, ms: number): number {
  return Math.floor((ms + offsetAt(zone, ms) * MINUTE_MS) / DAY_MS);
}

/** Monday = 0 … Sunday = 6 for a civil day number (1970-01-01 was a Thursday). */
function weekdayIndex(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

function isoDateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Service intervals `[startMs, endMs)` (UTC, chronological, non-overlapping, possibly adjacent)
 * that end after `fromMs`, clipped to start at `fromMs`, from periods starting on at most
 * `maxDays` + 2 local dates (the date before `fromMs`'s, for periods spanning midnight, through
 * `maxDays` dates after). Overlaps are cut off, so no time is counted twice; each interval is
 * yielded as soon as its day is reached (a 24×7-like weekly calendar is not scanned to the end).
 */
function* intervalsFrom(cal: CompiledWeekly, fromMs: number, maxDays: number): Generator<[number, number], void, undefined> {
  const first = localDayOf(cal.zone, fromMs) - 1;
  let lastEnd = fromMs;
  for (let day = first; day <= first + maxDays + 1; day++) {
    for (const [a, b] of periodsOfDay(cal, day)) {
      const start = Math.max(a, lastEnd);
      if (b <= start) continue;
      yield [start, b];
      lastEnd = b;
    }
  }
}

/** Most local days whose UTC periods are memoized per calendar (about 27 years; a few MB at most). */
const DAY_CACHE_LIMIT = 10_000;

/** The UTC periods `[a, b)` of the periods starting on a local day (none on a holiday), memoized. */
function periodsOfDay(cal: CompiledWeekly, day: number): ReadonlyArray<readonly [number, number]> {
  const memo = cal.dayCache.get(day);
  if (memo) return memo;
  const out: Array<readonly [number, number]> = [];
  if (!(cal.holidays.size > 0 && cal.holidays.has(isoDateOf(day)))) {
    for (const [s, e] of cal.periods[weekdayIndex(day)] ?? []) {
      const a = wallToUtc(cal.zone, day * DAY_MS + s * MINUTE_MS);
      const b = wallToUtc(cal.zone, day * DAY_MS + e * MINUTE_MS);
      if (b > a) out.push([a, b]);
    }
  }
  if (cal.dayCache.size >= DAY_CACHE_LIMIT) cal.dayCache.clear();
  cal.dayCache.set(day, out);
  return out;
}

/**
 * Adds working time to an instant: the earliest instant `t ≥ start` such that the working time in
 * `[start, t)` equals `ms`. A positive amount ends inside a service period or exactly at a
 * period's end; zero returns `start`. On the 24×7 calendar this is plain addition.
 * @param startIso - ISO 8601 instant (no offset = UTC).
 * @param ms - working time in milliseconds (finite, ≥ 0; rounded to whole ms).
 * @param cal - the calendar (see {@link toCalendar}).
 * @returns ISO 8601 UTC instant with milliseconds.
 * @throws RangeError for an invalid instant, a negative or non-finite amount, an invalid calendar
 *   or one without service time, or a result more than {@link MAX_CALENDAR_SCAN_DAYS} local days
 *   after the start.
 */
export function addWorkingTime(startIso: string, ms: number, cal: Calendar): string {
  return formatInstant(addWorkingMs(parseInstant(startIso, "start"), ms, cal));
}

/**
 * {@link addWorkingTime} on epoch milliseconds (for the domain's own loops).
 * @param startMs - epoch ms.
 * @param ms - working time in ms (≥ 0).
 * @param cal - calendar.
 * @returns epoch ms.
 * @throws RangeError as {@link addWorkingTime}.
 */
export function addWorkingMs(startMs: number, ms: number, cal: Calendar | ServiceHours): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw new RangeError(`working time must be a finite, non-negative number of ms (got ${String(ms)})`);
  const c = compile(cal);
  const amount = Math.round(ms);
  if (amount === 0) return startMs;
  if (c.kind === "24x7") return startMs + amount;
  let remaining = amount;
  for (const [s, e] of intervalsFrom(c, startMs, MAX_CALENDAR_SCAN_DAYS)) {
    if (remaining <= e - s) return s + remaining;
    remaining -= e - s;
  }
  throw new RangeError(
    `no instant within ${MAX_CALENDAR_SCAN_DAYS} days of ${formatInstant(startMs)} completes ${amount} ms of working time: the calendar (holidays included) leaves too little service time`,
  );
}

/**
 * Working time between two instants: the total service time inside `[start, end)`.
 * On the 24×7 calendar it is `end − start`.
 * @param startIso - ISO 8601 instant.
 * @param endIso - ISO 8601 instant.
 * @param cal - the calendar.
 * @returns milliseconds; negative (same magnitude) when `end` precedes `start`.
 * @throws RangeError for invalid instants, an invalid calendar or one without service time, or a
 *   span longer than {@link MAX_CALENDAR_SCAN_DAYS} days on a weekly calendar.
 */
export function workingTimeBetween(startIso: string, endIso: string, cal: Calendar): number {
  return workingMsBetween(parseInstant(startIso, "start"), parseInstant(endIso, "end"), cal);
}

/**
 * {@link workingTimeBetween} on epoch milliseconds.
 * @param startMs - epoch ms.
 * @param endMs - epoch ms.
 * @param cal - calendar.
 * @returns ms (negative when end < start).
 * @throws RangeError as {@link workingTimeBetween}.
 */
export function workingMsBetween(startMs: number, endMs: number, cal: Calendar | ServiceHours): number {
  const c = compile(cal);
  if (endMs < startMs) return -workingMsBetween(endMs, startMs, cal);
  if (c.kind === "24x7") return endMs - startMs;
  if (endMs === startMs) return 0;
  const days = Math.ceil((endMs - startMs) / DAY_MS) + 1;
  if (days > MAX_CALENDAR_SCAN_DAYS + 2) {
    throw new RangeError(`span ${formatInstant(startMs)} – ${formatInstant(endMs)} is longer than ${MAX_CALENDAR_SCAN_DAYS} days`);
  }
  let total = 0;
  for (const [s, e] of intervalsFrom(c, startMs, days)) {
    if (s >= endMs) break;
    total += Math.min(e, endMs) - s;
  }
  return total;
}

/**
 * Whether an instant is working time (period start inclusive, end exclusive).
 * @param iso - ISO 8601 instant.
 * @param cal - the calendar.
 * @returns true inside a service period (always on 24×7).
 * @throws RangeError for an invalid instant or calendar.
 */
export function isWorkingTime(iso: string, cal: Calendar): boolean {
  const ms = parseInstant(iso);
  const c = compile(cal);
  if (c.kind === "24x7") return true;
  for (const [s] of intervalsFrom(c, ms, 2)) return s === ms;
  return false;
}

/**
 * The first instant at or after `iso` that is working time (`iso` itself when it already is):
 * when a clock started outside service hours really starts counting.
 * @param iso - ISO 8601 instant.
 * @param cal - the calendar.
 * @returns ISO 8601 UTC instant.
 * @throws RangeError as {@link addWorkingTime}.
 */
export function nextWorkingInstant(iso: string, cal: Calendar): string {
  const ms = parseInstant(iso);
  const c = compile(cal);
  if (c.kind === "24x7") return formatInstant(ms);
  for (const [s] of intervalsFrom(c, ms, MAX_CALENDAR_SCAN_DAYS)) return formatInstant(s);
  throw new RangeError(`no service time within ${MAX_CALENDAR_SCAN_DAYS} days of ${iso}`);
}

/**
 * Validates a calendar without computing anything (for registration and policy selection).
 * @param cal - a calendar or service hours.
 * @throws RangeError when invalid or without service time (the message says why).
 */
export function assertValidCalendar(cal: Calendar | ServiceHours): void {
  compile(cal);
}
