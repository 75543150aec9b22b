/**
 * Holiday dates from an iCalendar feed (RFC 5545), for the `holidays` of a business-hours calendar
 * ("holidays (dates, and an iCalendar feed imported from a file)"; help-desk practice "Business
 * hours": Zammad also takes an iCal holiday feed). Parsed with ical.js (Mozilla's RFC 5545 parser).
 */
import type ICALModule from "ical.js" with { "resolution-mode": "import" };

// ical.js is an ES module with a CommonJS build ("require" export condition); this project compiles
// to CommonJS, so the CJS build is loaded at run time and typed from the ES module's declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ICAL = require("ical.js") as typeof ICALModule;

type ICALTime = InstanceType<typeof ICALModule.Time>;

/** Upper bound on recurrence iterations per event (a yearly rule over 1,000 years; bounds the loop). */
const MAX_OCCURRENCES = 1000;
/** Upper bound on the days of one multi-day all-day event (longer events are rejected as not holidays). */
const MAX_EVENT_DAYS = 366;

/** Options of {@link parseICalHolidays}. */
export interface ICalHolidayOptions {
  /** First local date to keep (YYYY-MM-DD, inclusive). Default: no lower bound. */
  from?: string;
  /**
   * Last local date to keep (YYYY-MM-DD, inclusive). Default: 31 December of the second year after
   * the latest DTSTART in the feed (bounds the expansion of open-ended recurrence rules).
   */
  to?: string;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function dateOf(t: ICALTime): string {
  return `${String(t.year).padStart(4, "0")}-${String(t.month).padStart(2, "0")}-${String(t.day).padStart(2, "0")}`;
}

/**
 * The local dates (YYYY-MM-DD) of the all-day events of an iCalendar feed.
 *
 * Every `VEVENT` whose `DTSTART` is a DATE (`VALUE=DATE`, an all-day event) contributes each date
 * from `DTSTART` up to, not including, `DTEND` (one date without `DTEND`/`DURATION`, RFC 5545
 * §3.6.1). Recurring events (`RRULE`, `RDATE`, `EXDATE`, e.g. `RRULE:FREQ=YEARLY` for a fixed-date
 * holiday) are expanded within the date range; overridden occurrences (`RECURRENCE-ID`) are
 * honoured. Timed events and `STATUS:CANCELLED` events are ignored: a holiday is a whole local date,
 * in the calendar's own time zone. The result is sorted and free of duplicates.
 * @param icsText - the text of an `.ics` file (`BEGIN:VCALENDAR` … `END:VCALENDAR`).
 * @param options - optional `from`/`to` local dates (inclusive) limiting the result.
 * @returns sorted, unique local dates `YYYY-MM-DD`.
 * @throws Error (message starting "not an iCalendar feed") when the text is not an iCalendar
 *   document; RangeError for a malformed `from`/`to`.
 */
export function parseICalHolidays(icsText: string, options: ICalHolidayOptions = {}): string[] {
  if (typeof icsText !== "string" || !/^\s*BEGIN:VCALENDAR\b/i.test(icsText)) {
    throw new Error("not an iCalendar feed: the text must start with BEGIN:VCALENDAR (RFC 5545)");
  }
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined && (typeof v !== "string" || !DATE_RE.test(v))) throw new RangeError(`${k} "${String(v)}" is not a date YYYY-MM-DD`);
  }
  let root: InstanceType<typeof ICALModule.Component>;
  try {
    const parsed = ICAL.parse(icsText) as unknown;
    // A text with several top-level components parses to an array of them; use the first calendar.
    const jcal = Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed.find((c) => Array.isArray(c) && c[0] === "vcalendar") : parsed;
    root = new ICAL.Component(jcal as unknown[]);
  } catch (err) {
    throw new Error(`not an iCalendar feed: ${(err as Error).message}`);
  }
  if (root.name !== "vcalendar") throw new Error(`not an iCalendar feed: the top-level component is ${root.name.toUpperCase()}, not VCALENDAR`);

  const vevents = root.getAllSubcomponents("vevent");
  const events = vevents.map((c) => new ICAL.Event(c));
  // Overrides (RECURRENCE-ID) are related to their master event so occurrences use them.
  const masters = new Map<string, InstanceType<typeof ICALModule.Event>>();
  for (const ev of events) if (!ev.isRecurrenceException() && ev.uid) masters.set(ev.uid, ev);
  for (const ev of events) {
    if (ev.isRecurrenceException()) masters.get(ev.uid)?.relateException(ev);
  }

  const from = options.from;
  let to = options.to;
  if (to === undefined) {
    const latest = Math.max(0, ...events.map((e) => (e.startDate ? e.startDate.year : 0)));
    to = `${String(latest + 2).padStart(4, "0")}-12-31`;
  }
  const inRange = (d: string): boolean => (from === undefined || d >= from) && d <= (to as string);

  const dates = new Set<string>();
  const addAllDay = (start: ICALTime, end: ICALTime | undefined): void => {
    if (!start.isDate) return;
    const day = start.clone();
    let n = 0;
    do {
      const d = dateOf(day);
      if (inRange(d)) dates.add(d);
      day.adjust(1, 0, 0, 0);
      n++;
    } while (end !== undefined && day.compare(end) < 0 && n < MAX_EVENT_DAYS);
  };
  const cancelled = (c: InstanceType<typeof ICALModule.Component>): boolean => String(c.getFirstPropertyValue("status") ?? "").toUpperCase() === "CANCELLED";

  for (const ev of events) {
    if (ev.isRecurrenceException()) {
      if (!ev.uid || !masters.has(ev.uid)) {
        // An orphan override is a plain event.
        if (!cancelled(ev.component) && ev.startDate) addAllDay(ev.startDate, ev.endDate);
      }
      continue;
    }
    if (!ev.startDate || !ev.startDate.isDate) continue;
    if (!ev.isRecurring()) {
      if (!cancelled(ev.component)) addAllDay(ev.startDate, ev.endDate);
      continue;
    }
    if (cancelled(ev.component)) continue;
    const occurrence = (start: ICALTime): void => {
      const details = ev.getOccurrenceDetails(start);
      if (!cancelled(details.item.component)) addAllDay(details.startDate, details.endDate);
    };
    // RFC 5545 §3.8.5: DTSTART is always the first instance of the recurrence set (ical.js's
    // iterator skips it when there is only an RDATE), unless an EXDATE removes it.
    const exdates = new Set(ev.component.getAllProperties("exdate").flatMap((p) => p.getValues().map((v) => dateOf(v as ICALTime))));
    if (!exdates.has(dateOf(ev.startDate))) occurrence(ev.startDate);
    const it = ev.iterator();
    for (let i = 0; i < MAX_OCCURRENCES; i++) {
      const next = it.next();
      if (!next) break;
      if (dateOf(next) > to) break;
      occurrence(next);
    }
  }
  return [...dates].sort();
}
