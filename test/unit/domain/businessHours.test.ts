/** Worked examples and properties of business-hours arithmetic on a partner's service hours (help-desk practice "Business hours"). */
import fc from "fast-check";
import type { ServiceHours } from "../../../shared/contracts";
import { addCalendarDuration, addWorkingTime, durationToMs, isWorkingTime, nextWorkingInstant, toCalendar, workingTimeBetween } from "../../../shared/domain";

// A partner's service hours are a calendar: these are the calendar operations the SLA clocks use,
// called with a partner's ServiceHours as they are stored (toCalendar normalises them).
const addBusinessTime = (start: string, ms: number, hours: ServiceHours) => addWorkingTime(start, ms, toCalendar(hours));
const addBusinessDuration = (start: string, duration: string, hours: ServiceHours) => addBusinessTime(start, durationToMs(duration), hours);
const businessTimeBetween = (start: string, end: string, hours: ServiceHours) => workingTimeBetween(start, end, toCalendar(hours));
const isWithinServiceHours = (iso: string, hours: ServiceHours) => isWorkingTime(iso, toCalendar(hours));
const nextServiceInstant = (iso: string, hours: ServiceHours) => nextWorkingInstant(iso, toCalendar(hours));

const H = 3_600_000;
const nineToFive = [{ start: "09:00", end: "17:00" }];
const weekdays = (periods: Array<{ start: string; end: string }>) => ({ mon: periods, tue: periods, wed: periods, thu: periods, fri: periods });
const allWeek = (periods: Array<{ start: string; end: string }>) => ({ ...weekdays(periods), sat: periods, sun: periods });

const budapest: ServiceHours = { timeZone: "Europe/Budapest", weekly: weekdays(nineToFive), holidays: [] };
const budapest247: ServiceHours = { timeZone: "Europe/Budapest", weekly: allWeek([{ start: "00:00", end: "24:00" }]), holidays: [] };
const losAngeles: ServiceHours = { timeZone: "America/Los_Angeles", weekly: weekdays([{ start: "08:00", end: "17:00" }]), holidays: [] };
const moscow: ServiceHours = { timeZone: "Europe/Moscow", weekly: weekdays([{ start: "09:00", end: "18:00" }]), holidays: [] };
const splitShift: ServiceHours = { timeZone: "Europe/Budapest", weekly: weekdays([{ start: "13:00", end: "17:00" }, { start: "08:00", end: "12:00" }]), holidays: [] };
const withHoliday: ServiceHours = { ...budapest, holidays: ["2026-03-16"] };
const lateShift: ServiceHours = { timeZone: "Europe/Budapest", weekly: { mon: [{ start: "18:00", end: "24:00" }], tue: [{ start: "00:00", end: "02:00" }] }, holidays: [] };

describe("addBusinessDuration: worked examples", () => {
  it.each([
    ["Budapest: Friday afternoon over the weekend and the spring DST change (2026-03-29)", budapest, "2026-03-27T15:00:00Z", "PT4H", "2026-03-30T10:00:00.000Z"],
    ["Budapest: Friday over the autumn DST change (2026-10-25)", budapest, "2026-10-23T14:00:00Z", "PT2H", "2026-10-26T09:00:00.000Z"],
    ["Budapest 24/7: Sunday 2026-03-29 has only 23 hours", budapest247, "2026-03-28T11:00:00Z", "PT24H", "2026-03-29T11:00:00.000Z"],
    ["Los Angeles: Friday PST to Monday PDT (DST 2026-03-08)", losAngeles, "2026-03-07T00:00:00Z", "PT3H", "2026-03-09T17:00:00.000Z"],
    ["Moscow (UTC+3 all year): Monday evening to Tuesday", moscow, "2026-03-30T14:00:00Z", "PT2H", "2026-03-31T07:00:00.000Z"],
    ["split shift: the lunch break is skipped", splitShift, "2026-03-02T10:00:00Z", "PT2H", "2026-03-02T13:00:00.000Z"],
    ["holiday: Monday 2026-03-16 is skipped entirely", withHoliday, "2026-03-13T15:00:00Z", "PT2H", "2026-03-17T09:00:00.000Z"],
    ["period ending 24:00 continues at Tuesday 00:00", lateShift, "2026-03-02T22:00:00Z", "PT2H", "2026-03-03T00:00:00.000Z"],
    ["a deadline exactly at 24:00 is the period end", lateShift, "2026-03-02T22:00:00Z", "PT1H", "2026-03-02T23:00:00.000Z"],
    ["start before opening: the clock starts at 09:00", budapest, "2026-03-02T05:00:00Z", "PT1H", "2026-03-02T09:00:00.000Z"],
    ["start on a Saturday: the clock starts on Monday", budapest, "2026-03-07T10:00:00Z", "PT30M", "2026-03-09T08:30:00.000Z"],
    ["P1D is 24 business hours (three 8-hour days), not one working day", budapest, "2026-03-02T08:00:00Z", "P1D", "2026-03-04T16:00:00.000Z"],
    ["zero duration returns the start unchanged", budapest, "2026-03-07T10:00:00Z", "PT0S", "2026-03-07T10:00:00.000Z"],
    ["start with an offset", budapest, "2026-03-02T09:00:00+01:00", "PT8H", "2026-03-02T16:00:00.000Z"],
  ])("%s", (_name, hours, start, duration, expected) => {
    expect(addBusinessDuration(start, duration, hours)).toBe(expected);
  });
});

describe("businessTimeBetween", () => {
  it("counts 23 h on the spring-forward Sunday and 25 h on the fall-back Sunday (24/7 calendar)", () => {
    expect(businessTimeBetween("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", budapest247)).toBe(23 * H);
    expect(businessTimeBetween("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", budapest247)).toBe(25 * H);
  });
  it("counts a working week as 40 h and skips holidays", () => {
    expect(businessTimeBetween("2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z", budapest)).toBe(40 * H);
    expect(businessTimeBetween("2026-03-16T00:00:00Z", "2026-03-23T00:00:00Z", withHoliday)).toBe(32 * H);
  });
  it("is negative when end precedes start", () => {
    expect(businessTimeBetween("2026-03-02T12:00:00Z", "2026-03-02T10:00:00Z", budapest)).toBe(-2 * H);
  });
});

describe("isWithinServiceHours / nextServiceInstant", () => {
  it.each([
    ["Monday 09:00 CET (start inclusive)", "2026-03-02T08:00:00Z", budapest, true],
    ["Monday 17:00 CET (end exclusive)", "2026-03-02T16:00:00Z", budapest, false],
    ["Saturday", "2026-03-07T10:00:00Z", budapest, false],
    ["holiday", "2026-03-16T10:00:00Z", withHoliday, false],
    ["lunch break", "2026-03-02T11:30:00Z", splitShift, false],
    ["Monday 23:59 in a period ending 24:00", "2026-03-02T22:59:00Z", lateShift, true],
    ["Monday 09:00 CEST after the DST change", "2026-03-30T07:00:00Z", budapest, true],
    ["Monday 08:00 CEST after the DST change (07:00 CET would be 06:00Z)", "2026-03-30T06:00:00Z", budapest, false],
  ])("%s", (_name, iso, hours, expected) => {
    expect(isWithinServiceHours(iso, hours)).toBe(expected);
  });
  it("finds the next opening", () => {
    expect(nextServiceInstant("2026-03-07T10:00:00Z", budapest)).toBe("2026-03-09T08:00:00.000Z");
    expect(nextServiceInstant("2026-03-02T10:00:00Z", budapest)).toBe("2026-03-02T10:00:00.000Z");
  });
});

describe("service hours spanning midnight", () => {
  it("a Monday 22:00–06:00 period runs into Tuesday morning", () => {
    const night: ServiceHours = { timeZone: "UTC", weekly: { mon: [{ start: "22:00", end: "06:00" }] }, holidays: [] };
    expect(addBusinessDuration("2026-03-02T08:00:00Z", "PT4H", night)).toBe("2026-03-03T02:00:00.000Z");
    expect(businessTimeBetween("2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z", night)).toBe(8 * H);
    expect(isWithinServiceHours("2026-03-03T05:59:00Z", night)).toBe(true);
  });
});

describe("durations and errors", () => {
  it("converts durations to business ms with fixed factors", () => {
    expect(durationToMs("PT8H")).toBe(8 * H);
    expect(durationToMs("P1D")).toBe(24 * H);
    expect(durationToMs("P1W")).toBe(7 * 24 * H);
  });
  it("adds calendar durations in UTC", () => {
    expect(addCalendarDuration("2026-03-28T12:00:00Z", "P1D")).toBe("2026-03-29T12:00:00.000Z");
    expect(addCalendarDuration("2026-01-31T00:00:00Z", "P1M")).toBe("2026-02-28T00:00:00.000Z");
  });
  it.each([
    ["invalid duration", () => addBusinessDuration("2026-03-02T08:00:00Z", "PT4X", budapest)],
    ["negative duration", () => addBusinessDuration("2026-03-02T08:00:00Z", "-PT4H", budapest)],
    ["negative calendar duration", () => addCalendarDuration("2026-03-02T08:00:00Z", "-P1D")],
    ["invalid instant", () => addBusinessDuration("yesterday", "PT4H", budapest)],
    ["unknown time zone", () => addBusinessDuration("2026-03-02T08:00:00Z", "PT4H", { ...budapest, timeZone: "Europe/Atlantis" })],
    ["no service hours at all", () => addBusinessDuration("2026-03-02T08:00:00Z", "PT4H", { timeZone: "UTC", weekly: { mon: [] }, holidays: [] })],
    ["malformed period start", () => addBusinessDuration("2026-03-02T08:00:00Z", "PT4H", { timeZone: "UTC", weekly: { mon: [{ start: "24:00", end: "06:00" }] }, holidays: [] })],
    ["deadline beyond the 3-year scan bound", () => addBusinessDuration("2026-03-02T08:00:00Z", "P500D", budapest)],
    ["negative business ms", () => addBusinessTime("2026-03-02T08:00:00Z", -1, budapest)],
    ["empty calendar in businessTimeBetween", () => businessTimeBetween("2026-03-02T08:00:00Z", "2026-03-03T08:00:00Z", { timeZone: "UTC", weekly: {}, holidays: [] })],
  ])("throws RangeError: %s", (_name, fn) => {
    expect(fn).toThrow(RangeError);
  });
});

describe("properties", () => {
  const calendars = [budapest, budapest247, losAngeles, moscow, splitShift, withHoliday, lateShift, { ...budapest, holidays: ["2026-12-24", "2026-12-25", "2027-01-01"] }];
  const arbCalendar = fc.constantFrom(...calendars);
  // Instants between 2025-06-01 and 2027-06-01, at minute precision.
  const arbStart = fc.integer({ min: Date.UTC(2025, 5, 1) / 60_000, max: Date.UTC(2027, 5, 1) / 60_000 }).map((m) => new Date(m * 60_000).toISOString());
  const arbMinutes = fc.integer({ min: 0, max: 120 * 60 });
  const iso = (minutes: number) => `PT${minutes}M`;

  it("the deadline is never before the start", () => {
    fc.assert(fc.property(arbCalendar, arbStart, arbMinutes, (hours, start, m) => Date.parse(addBusinessDuration(start, iso(m), hours)) >= Date.parse(start)));
  });

  it("adding a + b equals adding a, then b", () => {
    fc.assert(
      fc.property(arbCalendar, arbStart, arbMinutes, arbMinutes, (hours, start, a, b) => {
        const once = addBusinessDuration(start, iso(a + b), hours);
        const twice = addBusinessDuration(addBusinessDuration(start, iso(a), hours), iso(b), hours);
        return once === twice;
      }),
    );
  });

  it("a positive deadline lies inside service hours or at a period end", () => {
    fc.assert(
      fc.property(arbCalendar, arbStart, fc.integer({ min: 1, max: 120 * 60 }), (hours, start, m) => {
        const due = addBusinessDuration(start, iso(m), hours);
        const justBefore = new Date(Date.parse(due) - 1).toISOString();
        return isWithinServiceHours(due, hours) || isWithinServiceHours(justBefore, hours);
      }),
    );
  });

  it("businessTimeBetween(start, addBusinessDuration(start, d)) === d", () => {
    fc.assert(
      fc.property(arbCalendar, arbStart, arbMinutes, (hours, start, m) => businessTimeBetween(start, addBusinessDuration(start, iso(m), hours), hours) === m * 60_000),
    );
  });
});
