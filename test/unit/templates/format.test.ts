import { assertTimeZone, dateTimeFormatOf, DATE_TIME_FORMAT_CACHE_MAX, formatInstant } from "../../../shared/templates/format";

describe("dateTimeFormatOf", () => {
  it("formats exactly as a new Intl.DateTimeFormat with the same locale and options", () => {
    const instants = [0, Date.UTC(2026, 2, 29, 0, 59), Date.UTC(2026, 9, 25, 1, 30), Date.UTC(2026, 11, 31, 23, 59, 59)];
    for (const [locale, timeZone] of [["hu-HU", "Europe/Budapest"], ["ja-JP", "Asia/Tokyo"], ["en-GB", "Europe/London"], ["ar-EG", "Africa/Cairo"]] as const) {
      const options: Intl.DateTimeFormatOptions = { timeZone, dateStyle: "long", timeStyle: "short" };
      for (const t of instants) expect(dateTimeFormatOf(locale, options).format(t)).toBe(new Intl.DateTimeFormat(locale, options).format(t));
    }
  });

  it("builds one formatter per locale and options and reuses it", () => {
    const a = dateTimeFormatOf("de-DE", { timeZone: "Europe/Berlin", dateStyle: "long" });
    expect(dateTimeFormatOf("de-DE", { timeZone: "Europe/Berlin", dateStyle: "long" })).toBe(a);
    expect(dateTimeFormatOf("de-AT", { timeZone: "Europe/Berlin", dateStyle: "long" })).not.toBe(a);
    expect(dateTimeFormatOf("de-DE", { timeZone: "Europe/Vienna", dateStyle: "long" })).not.toBe(a);
    expect(dateTimeFormatOf("de-DE", { timeZone: "Europe/Berlin", dateStyle: "short" })).not.toBe(a);
  });

  it("throws the constructor's RangeError for an unknown zone and keeps nothing for it", () => {
    expect(() => dateTimeFormatOf("en", { timeZone: "Mars/Olympus_Mons" })).toThrow(RangeError);
    expect(() => dateTimeFormatOf("en", { timeZone: "Mars/Olympus_Mons" })).toThrow(RangeError);
    expect(() => assertTimeZone("Mars/Olympus_Mons")).toThrow("Unknown time zone: Mars/Olympus_Mons");
    expect(() => formatInstant("2026-12-04T10:00:00Z", "en", "Mars/Olympus_Mons")).toThrow(RangeError);
  });

  it(`keeps at most ${DATE_TIME_FORMAT_CACHE_MAX} formatters, dropping the least recently used`, () => {
    const zones = Intl.supportedValuesOf("timeZone");
    expect(zones.length).toBeGreaterThan(DATE_TIME_FORMAT_CACHE_MAX + 2);
    const first = dateTimeFormatOf("fr-FR", { timeZone: zones[0] as string });
    const second = dateTimeFormatOf("fr-FR", { timeZone: zones[1] as string });
    // Fill the rest of the cache with other zones, reading the first one again halfway (it becomes the most recent).
    for (let i = 2; i < DATE_TIME_FORMAT_CACHE_MAX + 2; i++) {
      if (i === 100) expect(dateTimeFormatOf("fr-FR", { timeZone: zones[0] as string })).toBe(first);
      dateTimeFormatOf("fr-FR", { timeZone: zones[i] as string });
    }
    // The second, never read again, was dropped and is built anew; the first, read since, is kept.
    expect(dateTimeFormatOf("fr-FR", { timeZone: zones[0] as string })).toBe(first);
    const rebuilt = dateTimeFormatOf("fr-FR", { timeZone: zones[1] as string });
    expect(rebuilt).not.toBe(second);
    expect(rebuilt.format(0)).toBe(second.format(0));
  });
});

describe("formatInstant", () => {
  it("gives the long date and short time in the zone and locale, then the zone name", () => {
    expect(formatInstant("2026-11-21T10:02:00Z", "en-GB", "Europe/Budapest")).toBe(`${new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Budapest", dateStyle: "long", timeStyle: "short" }).format(Date.UTC(2026, 10, 21, 10, 2))} (Europe/Budapest)`);
    expect(formatInstant("2026-11-21T10:02:00Z", "en-GB", "Europe/Budapest")).toContain("11:02");
  });

  it("refuses an instant that is not a date", () => {
    expect(() => formatInstant("not a date", "en", "UTC")).toThrow("occurredAt is not an ISO 8601 instant: not a date");
  });
});
