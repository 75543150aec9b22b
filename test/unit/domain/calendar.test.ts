/**
 * Calendars and working time (help-desk practice "Business hours": IANA zone, several periods a day,
 * holidays, 24×7; DST changes in Budapest, Prague, Warsaw, Los Angeles, Moscow without DST,
 * holidays, split shifts, periods spanning midnight, targets longer than six days).
 */
import fc from "fast-check";
import type { Calendar, ServiceHours } from "../../../shared/contracts";
import { CALENDAR_24X7, addWorkingTime, durationToMs, isWorkingTime, nextWorkingInstant, toCalendar, workingTimeBetween } from "../../../shared/domain";

const H = 3_600_000;
type Periods = Array<{ start: string; end: string }>;
const weekdays = (p: Periods) => ({ mon: p, tue: p, wed: p, thu: p, fri: p });
const allWeek = (p: Periods) => ({ ...weekdays(p), sat: p, sun: p });
const weekly = (timeZone: string, w: Extract<Calendar, { kind: "weekly" }>["weekly"], holidays: string[] = []): Calendar => ({ kind: "weekly", timeZone, weekly: w, holidays });

const nineToFive = [{ start: "09:00", end: "17:00" }];
const budapest = weekly("Europe/Budapest", weekdays(nineToFive));
const prague = weekly("Europe/Prague", weekdays(nineToFive));
const warsawSplit = weekly("Europe/Warsaw", weekdays([{ start: "13:00", end: "17:00" }, { start: "08:00", end: "12:00" }]));
const warsawAllDay = weekly("Europe/Warsaw", allWeek([{ start: "00:00", end: "24:00" }]));
const losAngeles = weekly("America/Los_Angeles", weekdays([{ start: "08:00", end: "17:00" }]));
const moscow = weekly("Europe/Moscow", weekdays([{ start: "09:00", end: "18:00" }]));
const moscowAllDay = weekly("Europe/Moscow", allWeek([{ start: "00:00", end: "24:00" }]));
const nightShift = weekly("Europe/Budapest", allWeek([{ start: "22:00", end: "06:00" }]));
const weekdayNights = weekly("Europe/Budapest", weekdays([{ start: "22:00", end: "06:00" }]), ["2026-03-03"]);
const huEaster = weekly("Europe/Budapest", weekdays(nineToFive), ["2026-04-03", "2026-04-06"]);
const gapPeriod = weekly("Europe/Budapest", { sun: [{ start: "02:00", end: "03:00" }], mon: [{ start: "01:00", end: "03:00" }] });
const overlapping = weekly("UTC", { mon: [{ start: "22:00", end: "06:00" }], tue: [{ start: "00:00", end: "08:00" }, { start: "07:00", end: "09:00" }] });

describe("addWorkingTime: worked examples", () => {
  it.each<[string, Calendar, string, string, string]>([
    ["Budapest: Friday 16:00 CET + 4 h crosses the weekend and DST (2026-03-29) → Monday 12:00 CEST", budapest, "2026-03-27T15:00:00Z", "PT4H", "2026-03-30T10:00:00.000Z"],
    ["Prague: Friday 16:00 CEST + 2 h crosses the autumn change (2026-10-25) → Monday 10:00 CET", prague, "2026-10-23T14:00:00Z", "PT2H", "2026-10-26T09:00:00.000Z"],
    ["Warsaw split shift: 10:00 + 3 h skips the 12:00–13:00 lunch break → 14:00", warsawSplit, "2026-03-02T09:00:00Z", "PT3H", "2026-03-02T13:00:00.000Z"],
    ["Warsaw split shift on the spring DST Monday after: 16:00 CET Friday + 2 h → Monday 09:00 CEST", warsawSplit, "2026-03-27T15:00:00Z", "PT2H", "2026-03-30T07:00:00.000Z"],
    ["Los Angeles: Friday 16:00 PST + 3 h → Monday 10:00 PDT (DST 2026-03-08)", losAngeles, "2026-03-07T00:00:00Z", "PT3H", "2026-03-09T17:00:00.000Z"],
    ["Los Angeles: Friday 16:00 PDT + 3 h → Monday 10:00 PST (DST ends 2026-11-01)", losAngeles, "2026-10-30T23:00:00Z", "PT3H", "2026-11-02T18:00:00.000Z"],
    ["Moscow (UTC+3 all year): Monday 17:00 + 2 h → Tuesday 10:00", moscow, "2026-03-30T14:00:00Z", "PT2H", "2026-03-31T07:00:00.000Z"],
    ["night shift 22:00–06:00 over spring DST: the night of 28→29 March has 7 h", nightShift, "2026-03-28T21:00:00Z", "PT8H", "2026-03-29T21:00:00.000Z"],
    ["night shift 22:00–06:00 over autumn DST: the night of 24→25 October has 9 h", nightShift, "2026-10-24T20:00:00Z", "PT9H", "2026-10-25T05:00:00.000Z"],
    ["started inside a night shift after midnight: Tuesday 03:00 + 4 h → Tuesday 23:00 (3 h + 1 h)", weekdayNights, "2026-03-10T02:00:00Z", "PT4H", "2026-03-10T22:00:00.000Z"],
    ["holidays (Good Friday, Easter Monday 2026): PT60H from Wednesday 09:00 → Tuesday 14 April 13:00", huEaster, "2026-04-01T07:00:00Z", "PT60H", "2026-04-14T11:00:00.000Z"],
    ["PT60H business from Monday 09:00 CET → Wednesday of the next week 13:00", budapest, "2026-03-02T08:00:00Z", "PT60H", "2026-03-11T12:00:00.000Z"],
    ["P10D on 24×7 across the spring change is 240 elapsed hours", CALENDAR_24X7, "2026-03-25T12:00:00Z", "P10D", "2026-04-04T12:00:00.000Z"],
    ["P10D on a weekly all-day Warsaw calendar equals 24×7", warsawAllDay, "2026-03-25T12:00:00Z", "P10D", "2026-04-04T12:00:00.000Z"],
    ["a start before opening waits for 09:00", budapest, "2026-03-02T05:00:00Z", "PT1H", "2026-03-02T09:00:00.000Z"],
    ["zero working time returns the start, even outside service hours", budapest, "2026-03-07T10:00:00+01:00", "PT0S", "2026-03-07T09:00:00.000Z"],
    ["overlapping periods are merged: Monday 22:00 → Tuesday 09:00 is one 11 h block", overlapping, "2026-03-02T22:00:00Z", "PT11H", "2026-03-03T09:00:00.000Z"],
  ])("%s", (_name, cal, start, duration, expected) => {
    expect(addWorkingTime(start, durationToMs(duration), cal)).toBe(expected);
  });
});

describe("workingTimeBetween", () => {
  it("a local day has 23 h on the spring change and 25 h on the autumn change (Warsaw), 24 h in Moscow", () => {
    expect(workingTimeBetween("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", warsawAllDay)).toBe(23 * H);
    expect(workingTimeBetween("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", warsawAllDay)).toBe(25 * H);
    expect(workingTimeBetween("2026-03-28T21:00:00Z", "2026-03-29T21:00:00Z", moscowAllDay)).toBe(24 * H);
  });
  it("a week of 9–17 is 40 h in Budapest and 45 h of 9–18 in Moscow", () => {
    expect(workingTimeBetween("2026-03-23T00:00:00Z", "2026-03-30T00:00:00Z", budapest)).toBe(40 * H);
    expect(workingTimeBetween("2026-03-23T00:00:00Z", "2026-03-30T00:00:00Z", moscow)).toBe(45 * H);
  });
  it("a holiday removes the night shift that starts on it, not the one running into it", () => {
    // Monday night (2 → 3 March) runs; Tuesday 3 March is a holiday; Wednesday night runs.
    expect(workingTimeBetween("2026-03-02T00:00:00Z", "2026-03-05T12:00:00Z", weekdayNights)).toBe(16 * H);
    expect(isWorkingTime("2026-03-03T04:00:00Z", weekdayNights)).toBe(true); // Tue 05:00, Monday's shift
    expect(isWorkingTime("2026-03-03T22:00:00Z", weekdayNights)).toBe(false); // Tue 23:00, holiday shift
  });
  it("a period inside the spring-forward gap has no time; one spanning the repeated autumn hour has an extra hour", () => {
    expect(workingTimeBetween("2026-03-28T00:00:00Z", "2026-03-29T12:00:00Z", gapPeriod)).toBe(0);
    // Monday 2026-03-30 01:00–03:00 CEST is 2 h as usual.
    expect(workingTimeBetween("2026-03-29T12:00:00Z", "2026-03-31T00:00:00Z", gapPeriod)).toBe(2 * H);
    const autumn = weekly("Europe/Budapest", { sun: [{ start: "02:00", end: "03:00" }] });
    expect(workingTimeBetween("2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z", autumn)).toBe(2 * H);
  });
  it("is negative when the end precedes the start; 24×7 is plain subtraction", () => {
    expect(workingTimeBetween("2026-03-02T12:00:00Z", "2026-03-02T10:00:00Z", budapest)).toBe(-2 * H);
    expect(workingTimeBetween("2026-03-01T00:00:00Z", "2030-03-01T00:00:00Z", CALENDAR_24X7)).toBe(Date.UTC(2030, 2, 1) - Date.UTC(2026, 2, 1));
  });
});

describe("toCalendar, isWorkingTime, nextWorkingInstant", () => {
  it("turns support-terms service hours into a weekly calendar (midnight-spanning periods allowed)", () => {
    const hours: ServiceHours = { timeZone: "Europe/Prague", weekly: { fri: [{ start: "20:00", end: "02:00" }] }, holidays: ["2026-12-25"] };
    const cal = toCalendar(hours);
    expect(cal).toEqual({ kind: "weekly", timeZone: "Europe/Prague", weekly: { fri: [{ start: "20:00", end: "02:00" }] }, holidays: ["2026-12-25"] });
    expect(toCalendar(cal)).toBe(cal);
    expect(workingTimeBetween("2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z", cal)).toBe(6 * H);
  });
  it.each<[string, Calendar, string, boolean]>([
    ["Monday 09:00 CEST after the change", budapest, "2026-03-30T07:00:00Z", true],
    ["Monday 08:00 CEST (07:00 CET would be 06:00Z)", budapest, "2026-03-30T06:00:00Z", false],
    ["lunch break in Warsaw", warsawSplit, "2026-03-02T11:30:00Z", false],
    ["period end is exclusive", budapest, "2026-03-02T16:00:00Z", false],
    ["Saturday 03:00 inside Friday's night shift", nightShift, "2026-03-07T02:00:00Z", true],
    ["anything on 24×7", CALENDAR_24X7, "2026-03-07T02:00:00Z", true],
  ])("isWorkingTime: %s", (_n, cal, iso, expected) => {
    expect(isWorkingTime(iso, cal)).toBe(expected);
  });
  it("nextWorkingInstant finds the next opening", () => {
    expect(nextWorkingInstant("2026-03-07T10:00:00Z", budapest)).toBe("2026-03-09T08:00:00.000Z");
    expect(nextWorkingInstant("2026-03-02T10:00:00Z", budapest)).toBe("2026-03-02T10:00:00.000Z");
    expect(nextWorkingInstant("2026-03-06T12:00:00Z", losAngeles)).toBe("2026-03-06T16:00:00.000Z");
  });
});

describe("errors", () => {
  const oneHourMondays = weekly("UTC", { mon: [{ start: "09:00", end: "10:00" }] });
  it.each<[string, () => unknown]>([
    ["unknown time zone", () => addWorkingTime("2026-03-02T08:00:00Z", H, weekly("Europe/Atlantis", weekdays(nineToFive)))],
    ["no service time at all", () => addWorkingTime("2026-03-02T08:00:00Z", H, weekly("UTC", { mon: [] }))],
    ["no service time (workingTimeBetween)", () => workingTimeBetween("2026-03-02T08:00:00Z", "2026-03-03T08:00:00Z", weekly("UTC", {}))],
    ["malformed clock time", () => addWorkingTime("2026-03-02T08:00:00Z", H, weekly("UTC", { mon: [{ start: "9:00", end: "10:00" }] }))],
    ["a period starting at 24:00", () => addWorkingTime("2026-03-02T08:00:00Z", H, weekly("UTC", { mon: [{ start: "24:00", end: "10:00" }] }))],
    ["more than three years of scanning (P10D at one hour a week)", () => addWorkingTime("2026-03-02T08:00:00Z", durationToMs("P10D"), oneHourMondays)],
    ["a span longer than three years on a weekly calendar", () => workingTimeBetween("2026-03-02T08:00:00Z", "2030-03-02T08:00:00Z", budapest)],
    ["every day a holiday for years", () => addWorkingTime("2026-03-02T08:00:00Z", H, weekly("UTC", { mon: [{ start: "09:00", end: "10:00" }] }, Array.from({ length: 200 }, (_, i) => new Date(Date.UTC(2026, 2, 2 + 7 * i)).toISOString().slice(0, 10))))],
    ["negative working time", () => addWorkingTime("2026-03-02T08:00:00Z", -1, budapest)],
    ["invalid instant", () => addWorkingTime("yesterday", H, budapest)],
    ["impossible date", () => addWorkingTime("2026-02-30T08:00:00Z", H, budapest)],
    ["invalid duration", () => durationToMs("PT4X")],
  ])("throws RangeError: %s", (_n, fn) => {
    expect(fn).toThrow(RangeError);
  });
  it("an hour a week still reaches 100 hours within the bound", () => {
    expect(addWorkingTime("2026-03-02T00:00:00Z", 100 * H, oneHourMondays)).toBe("2028-01-24T10:00:00.000Z");
  });
});

describe("properties", () => {
  const calendars: Calendar[] = [budapest, prague, warsawSplit, warsawAllDay, losAngeles, moscow, nightShift, weekdayNights, huEaster, gapPeriod, overlapping, CALENDAR_24X7,
    weekly("Europe/Budapest", weekdays(nineToFive), ["2026-12-24", "2026-12-25", "2027-01-01"]),
    weekly("America/Los_Angeles", { mon: [{ start: "20:00", end: "04:00" }], sat: [{ start: "01:30", end: "02:30" }], sun: [{ start: "00:00", end: "24:00" }] })];
  const arbCal = fc.constantFrom(...calendars);
  // Instants between 2025-06-01 and 2027-06-01 at second precision (covers every DST change of 2026).
  const arbStart = fc.integer({ min: Date.UTC(2025, 5, 1) / 1000, max: Date.UTC(2027, 5, 1) / 1000 }).map((s) => new Date(s * 1000).toISOString());
  const arbMs = fc.integer({ min: 0, max: 200 * H });

  it("adding a + b equals adding a, then b (any calendar)", () => {
    fc.assert(fc.property(arbCal, arbStart, arbMs, arbMs, (cal, s, a, b) => addWorkingTime(s, a + b, cal) === addWorkingTime(addWorkingTime(s, a, cal), b, cal)), { numRuns: 200 });
  });
  it("workingTimeBetween(start, addWorkingTime(start, d)) = d, and the result is never before the start", () => {
    fc.assert(
      fc.property(arbCal, arbStart, arbMs, (cal, s, d) => {
        const end = addWorkingTime(s, d, cal);
        return Date.parse(end) >= Date.parse(s) && workingTimeBetween(s, end, cal) === d;
      }),
      { numRuns: 200 },
    );
  });
  it("working time is additive over adjacent spans", () => {
    fc.assert(
      fc.property(arbCal, arbStart, fc.integer({ min: 0, max: 20 * 24 * H }), fc.integer({ min: 0, max: 20 * 24 * H }), (cal, s, x, y) => {
        const m = new Date(Date.parse(s) + x).toISOString();
        const e = new Date(Date.parse(s) + x + y).toISOString();
        return workingTimeBetween(s, m, cal) + workingTimeBetween(m, e, cal) === workingTimeBetween(s, e, cal);
      }),
      { numRuns: 150 },
    );
  });
  it("a positive amount ends inside a period or exactly at a period end", () => {
    fc.assert(
      fc.property(arbCal, arbStart, fc.integer({ min: 1, max: 200 * H }), (cal, s, d) => {
        const end = addWorkingTime(s, d, cal);
        return isWorkingTime(end, cal) || isWorkingTime(new Date(Date.parse(end) - 1).toISOString(), cal);
      }),
      { numRuns: 150 },
    );
  });
  it("a 22:00–06:00 period equals 22:00–24:00 plus 00:00–06:00 the next day (every zone)", () => {
    const zones = fc.constantFrom("Europe/Budapest", "Europe/Prague", "Europe/Warsaw", "America/Los_Angeles", "Europe/Moscow");
    fc.assert(
      fc.property(zones, arbStart, arbMs, (tz, s, d) => {
        const spanning = weekly(tz, { mon: [{ start: "22:00", end: "06:00" }], sat: [{ start: "23:00", end: "01:00" }] });
        const split = weekly(tz, { mon: [{ start: "22:00", end: "24:00" }], tue: [{ start: "00:00", end: "06:00" }], sat: [{ start: "23:00", end: "24:00" }], sun: [{ start: "00:00", end: "01:00" }] });
        return addWorkingTime(s, d, spanning) === addWorkingTime(s, d, split);
      }),
      { numRuns: 150 },
    );
  });
  it("a weekly all-day calendar behaves like 24×7 in any zone", () => {
    fc.assert(
      fc.property(fc.constantFrom(warsawAllDay, moscowAllDay, weekly("America/Los_Angeles", allWeek([{ start: "00:00", end: "24:00" }]))), arbStart, arbMs, (cal, s, d) => addWorkingTime(s, d, cal) === addWorkingTime(s, d, CALENDAR_24X7)),
      { numRuns: 100 },
    );
  });
});
