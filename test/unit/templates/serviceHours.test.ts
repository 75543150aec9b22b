import { SupportedLanguages, type ServiceHours } from "../../../shared/contracts";
import { describeServiceHours } from "../../../shared/templates";

const contoso: ServiceHours = {
  timeZone: "Europe/Budapest",
  weekly: {
    // Out of order on purpose: periods are sorted.
    mon: [{ start: "13:00", end: "17:00" }, { start: "08:00", end: "12:00" }],
    tue: [{ start: "08:00", end: "12:00" }, { start: "13:00", end: "17:00" }],
    wed: [{ start: "08:00", end: "12:00" }, { start: "13:00", end: "17:00" }],
    thu: [{ start: "08:00", end: "12:00" }, { start: "13:00", end: "17:00" }],
    fri: [{ start: "08:00", end: "14:00" }],
    sat: [{ start: "22:00", end: "06:00" }],
  },
  holidays: ["2026-12-25", "2026-12-24"],
};

describe("describeServiceHours", () => {
  it.each([
    [
      "en",
      "Monday–Thursday: 08:00–12:00, 13:00–17:00\nFriday: 08:00–14:00\nSaturday: 22:00–06:00\nTimes are in the Europe/Budapest time zone.\nClosed on public holidays: 24 December 2026 and 25 December 2026",
    ],
    [
      "hu",
      "Hétfő–csütörtök: 08:00–12:00, 13:00–17:00\nPéntek: 08:00–14:00\nSzombat: 22:00–06:00\nAz időpontok a(z) Europe/Budapest időzóna szerint értendők.\nMunkaszüneti napokon zárva: 2026. december 24. és 2026. december 25.",
    ],
    [
      "cs",
      "Pondělí–čtvrtek: 08:00–12:00, 13:00–17:00\nPátek: 08:00–14:00\nSobota: 22:00–06:00\nČasy jsou uvedeny v časovém pásmu Europe/Budapest.\nVe svátcích zavřeno: 24. prosince 2026 a\u00a025. prosince 2026", // Intl.ListFormat keeps the Czech one-letter conjunction with the next word,
    ],
    [
      "pl",
      "Poniedziałek–czwartek: 08:00–12:00, 13:00–17:00\nPiątek: 08:00–14:00\nSobota: 22:00–06:00\nGodziny podano w strefie czasowej Europe/Budapest.\nNieczynne w dni świąteczne: 24 grudnia 2026 i 25 grudnia 2026",
    ],
    [
      "ru",
      "Понедельник–четверг: 08:00–12:00, 13:00–17:00\nПятница: 08:00–14:00\nСуббота: 22:00–06:00\nВремя указано в часовом поясе Europe/Budapest.\nВ праздничные дни не работаем: 24 декабря 2026 г. и 25 декабря 2026 г.",
    ],
  ])("%s: weekly periods per day with Intl weekday names, the zone and the holidays", (language, expected) => {
    expect(describeServiceHours(contoso, language)).toBe(expected);
  });

  it("covers every supported language", () => {
    const texts = SupportedLanguages.map((l) => describeServiceHours(contoso, l));
    expect(new Set(texts).size).toBe(SupportedLanguages.length);
  });

  it("accepts a BCP 47 locale and describes other languages entirely in English", () => {
    expect(describeServiceHours(contoso, "hu-HU")).toBe(describeServiceHours(contoso, "hu"));
    expect(describeServiceHours(contoso, "pl_PL")).toBe(describeServiceHours(contoso, "pl"));
    expect(describeServiceHours(contoso, "de-DE")).toBe(describeServiceHours(contoso, "en"));
    expect(describeServiceHours(contoso, "en-US")).toContain("Closed on public holidays: December 24, 2026 and December 25, 2026");
  });

  it("does not group days that are not consecutive and lists closed days by leaving them out", () => {
    const text = describeServiceHours({ timeZone: "Europe/Warsaw", weekly: { mon: [{ start: "09:00", end: "17:00" }], wed: [{ start: "09:00", end: "17:00" }], sun: [{ start: "00:00", end: "24:00" }] } }, "en");
    expect(text).toBe("Monday: 09:00–17:00\nWednesday: 09:00–17:00\nSunday: 00:00–24:00\nTimes are in the Europe/Warsaw time zone.");
  });

  it("says so when there are no regular hours, in each language", () => {
    expect(describeServiceHours({ timeZone: "Europe/Moscow", weekly: {} }, "ru")).toBe("По договорённости (без регулярных часов работы).\nВремя указано в часовом поясе Europe/Moscow.");
    expect(describeServiceHours({ timeZone: "Europe/Prague", weekly: { mon: [] } }, "cs").split("\n")[0]).toBe("Po dohodě (bez pravidelné provozní doby).");
  });

  it("lists upcoming holidays only, at most maxHolidays of them", () => {
    const many = { ...contoso, holidays: ["2025-12-25", "2026-01-01", "2026-04-06", "2026-05-01", "2026-12-25"] };
    expect(describeServiceHours(many, "en", { holidaysFrom: "2026-01-01", maxHolidays: 2 }).split("\n").at(-1)).toBe("Closed on public holidays: 1 January 2026, 6 April 2026, …");
    expect(describeServiceHours(many, "en", { holidaysFrom: "2027-01-01" })).not.toContain("holidays");
    expect(describeServiceHours(many, "en", { maxHolidays: 0 })).not.toContain("holidays");
  });

  it("rejects an unknown zone, a malformed period or holiday with RangeError", () => {
    expect(() => describeServiceHours({ ...contoso, timeZone: "Mars/Olympus" }, "en")).toThrow(RangeError);
    expect(() => describeServiceHours({ ...contoso, weekly: { mon: [{ start: "8:00", end: "12:00" }] } }, "en")).toThrow(RangeError);
    expect(() => describeServiceHours({ ...contoso, holidays: ["24.12.2026"] }, "en")).toThrow(RangeError);
  });
});
