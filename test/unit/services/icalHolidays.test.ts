/** Holiday dates from an iCalendar feed (RFC 5545; "an iCalendar feed imported from a file"). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Calendar } from "../../../shared/contracts";
import { addWorkingTime, workingTimeBetween } from "../../../shared/domain";
import { parseICalHolidays } from "../../../shared/services/icalHolidays";

const feed = readFileSync(join(__dirname, "../../fixtures/ical/hu-holidays-2026.ics"), "utf8");
const H = 3_600_000;

const hu2026 = ["2026-01-01", "2026-03-15", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-25", "2026-08-20", "2026-10-23", "2026-11-01", "2026-12-25", "2026-12-26"];
const hu2027 = ["2027-01-01", "2027-03-15", "2027-03-26", "2027-03-29", "2027-05-01", "2027-05-17", "2027-08-20", "2027-10-23", "2027-11-01", "2027-12-25", "2027-12-26"];

describe("parseICalHolidays with the Hungarian public holidays 2026–2027", () => {
  it("returns every all-day holiday date, recurrences expanded, sorted and unique", () => {
    expect(parseICalHolidays(feed, { from: "2026-01-01", to: "2027-12-31" })).toEqual([...hu2026, ...hu2027]);
  });
  it("limits the result to the range (open-ended yearly New Year continues)", () => {
    expect(parseICalHolidays(feed, { from: "2026-12-01", to: "2028-01-31" })).toEqual(["2026-12-25", "2026-12-26", ...hu2027, "2028-01-01"]);
    expect(parseICalHolidays(feed, { from: "2026-04-01", to: "2026-04-30" })).toEqual(["2026-04-03", "2026-04-06"]);
  });
  it("without a range, open-ended rules stop at the end of the second year after the latest event", () => {
    const all = parseICalHolidays(feed);
    expect(all.slice(-3)).toEqual(["2027-12-26", "2028-01-01", "2029-01-01"]);
    expect(all).toHaveLength(24);
  });
  it("ignores timed events and cancelled ones", () => {
    const dates = parseICalHolidays(feed, { from: "2026-01-01", to: "2026-12-31" });
    expect(dates).not.toContain("2026-12-18");
    expect(dates).not.toContain("2026-06-12");
  });
  it("honours EXDATE and RECURRENCE-ID overrides (moved holiday)", () => {
    const ics = [
      "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN",
      "BEGIN:VEVENT", "UID:bridge@test", "DTSTAMP:20260101T000000Z", "DTSTART;VALUE=DATE:20260102", "RRULE:FREQ=YEARLY;COUNT=3", "EXDATE;VALUE=DATE:20270102", "SUMMARY:Bridge day", "END:VEVENT",
      "BEGIN:VEVENT", "UID:bridge@test", "DTSTAMP:20260101T000000Z", "RECURRENCE-ID;VALUE=DATE:20280102", "DTSTART;VALUE=DATE:20280103", "SUMMARY:Bridge day (moved)", "END:VEVENT",
      "END:VCALENDAR", "",
    ].join("\r\n");
    expect(parseICalHolidays(ics, { from: "2026-01-01", to: "2030-12-31" })).toEqual(["2026-01-02", "2028-01-03"]);
  });
  it.each([
    ["plain text", "Hungarian holidays: 1 January, 15 March"],
    ["an empty string", ""],
    ["a vCard", "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Contoso\r\nEND:VCARD\r\n"],
    ["a broken calendar", "BEGIN:VCALENDAR\r\nthis is not a content line\r\nEND:VCALENDAR\r\n"],
  ])("rejects %s with a clear error", (_n, text) => {
    expect(() => parseICalHolidays(text)).toThrow(/^not an iCalendar feed/);
  });
  it("rejects a malformed range", () => {
    expect(() => parseICalHolidays(feed, { from: "2026/01/01" })).toThrow(RangeError);
  });
});

describe("imported holidays in a business-hours calendar", () => {
  const cal: Calendar = {
    kind: "weekly",
    timeZone: "Europe/Budapest",
    weekly: { mon: [{ start: "09:00", end: "17:00" }], tue: [{ start: "09:00", end: "17:00" }], wed: [{ start: "09:00", end: "17:00" }], thu: [{ start: "09:00", end: "17:00" }], fri: [{ start: "09:00", end: "17:00" }] },
    holidays: parseICalHolidays(feed, { from: "2026-01-01", to: "2027-12-31" }),
  };
  it("Easter 2026 (Good Friday 3 April, Easter Monday 6 April) is skipped", () => {
    // Thursday 2 April 16:00 CEST + 2 h → 1 h Thursday, then Tuesday 7 April 10:00 CEST.
    expect(addWorkingTime("2026-04-02T14:00:00Z", 2 * H, cal)).toBe("2026-04-07T08:00:00.000Z");
    expect(workingTimeBetween("2026-03-30T00:00:00Z", "2026-04-13T00:00:00Z", cal)).toBe(64 * H);
  });
  it("Christmas 2026 (Friday 25 December) is skipped", () => {
    // Thursday 24 December 17:00 CET (closing) + 1 h → Monday 28 December 10:00 CET.
    expect(addWorkingTime("2026-12-24T16:00:00Z", 1 * H, cal)).toBe("2026-12-28T09:00:00.000Z");
  });
});
