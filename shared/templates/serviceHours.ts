/**
 * Service hours in words, in the customer's language: the partner's weekly periods per day (Intl
 * weekday names), the time zone and upcoming holidays. Quoted in the acknowledgement email as
 * the seeds require (CSP support rules "Tell customers": service hours).
 */
import { SupportedLanguages, Weekdays, type SupportedLanguage, type Weekday } from "../contracts";
import { assertTimeZone, dateTimeFormatOf } from "./format";
import type { ServiceHoursWords } from "./types";

/** The shape `describeServiceHours` reads: the support terms' `ServiceHours` or a weekly `Calendar`. */
export interface ServiceHoursLike {
  /** IANA time zone the periods are in, e.g. `Europe/Budapest`. */
  timeZone: string;
  /** Periods per weekday in local time, "HH:mm"; `end` ≤ `start` runs past midnight, "24:00" ends at midnight. */
  weekly: Partial<Record<Weekday, ReadonlyArray<{ start: string; end: string }>>>;
  /** Local dates (YYYY-MM-DD) without service. */
  holidays?: readonly string[];
}

/** Options of {@link describeServiceHours}. */
export interface DescribeServiceHoursOptions {
  /** Only list holidays on or after this local date (YYYY-MM-DD), e.g. today in the partner's zone. Default: all. */
  holidaysFrom?: string;
  /** At most this many holidays are listed (the earliest); the list ends with "…" when cut. Default 10. */
  maxHolidays?: number;
}

/** What a language needs to describe service hours: the Intl locale and its words. */
export interface ServiceHoursLanguage {
  /** BCP 47 locale for Intl, e.g. `hu-HU`. */
  intlLocale: string;
  words: ServiceHoursWords;
}

const CLOCK = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A Monday (UTC) from which the seven weekday names are formatted. */
const MONDAY_UTC = Date.UTC(2024, 0, 1);

/**
 * Resolves the language of a locale argument: a supported language code (`hu`) or a BCP 47 tag
 * whose primary subtag is supported (`hu-HU`); anything else describes in English (`en-GB`), so
 * weekday names and words never mix languages.
 */
export function serviceHoursLanguageOf(locale: string, lookup: (language: SupportedLanguage) => { locale: string; serviceHours: ServiceHoursWords }): ServiceHoursLanguage {
  const primary = locale.split(/[-_]/)[0]?.toLowerCase() ?? "";
  const language: SupportedLanguage = (SupportedLanguages as readonly string[]).includes(primary) ? (primary as SupportedLanguage) : "en";
  const resolved = lookup(language);
  let intlLocale = resolved.locale;
  if (language === primary && locale.length > primary.length) {
    try {
      intlLocale = Intl.getCanonicalLocales(locale.replace(/_/g, "-"))[0] ?? resolved.locale;
    } catch {
      intlLocale = resolved.locale;
    }
  }
  return { intlLocale, words: resolved.serviceHours };
}

function fill(template: string, name: string, value: string): string {
  return template.replace(`{{${name}}}`, () => value);
}

function capitalize(s: string, locale: string): string {
  return s.charAt(0).toLocaleUpperCase(locale) + s.slice(1);
}

/**
 * Describes service hours as plain-text lines (joined with `\n`) in a language: consecutive
 * weekdays with the same periods are grouped (`Monday–Friday: 08:00–12:00, 13:00–17:00`, with
 * Intl weekday names of the locale), days without periods are left out, then the time-zone line
 * and, when there are any, the holidays as long Intl dates. Times are shown as written (24 h
 * "HH:mm", local to `timeZone`).
 * @param hours - the partner's service hours (support terms) or a weekly calendar.
 * @param language - the words and Intl locale ({@link serviceHoursLanguageOf}).
 * @throws RangeError when the time zone is unknown, a period is not "HH:mm" or a holiday is not YYYY-MM-DD.
 */
export function describeServiceHoursIn(hours: ServiceHoursLike, language: ServiceHoursLanguage, options: DescribeServiceHoursOptions = {}): string {
  assertTimeZone(hours.timeZone);
  const { intlLocale, words } = language;
  const weekdayFormat = dateTimeFormatOf(intlLocale, { weekday: "long", timeZone: "UTC" });
  const dayName = (index: number) => weekdayFormat.format(new Date(MONDAY_UTC + index * 86_400_000));
  const periodsOf = (day: Weekday): string => {
    const periods = [...(hours.weekly[day] ?? [])];
    for (const p of periods) {
      if (!CLOCK.test(p.start) || !CLOCK.test(p.end)) throw new RangeError(`Service period of ${day} is not HH:mm–HH:mm: ${p.start}–${p.end}`);
    }
    return periods
      .sort((a, b) => a.start.localeCompare(b.start))
      .map((p) => `${p.start}–${p.end}`)
      .join(", ");
  };
  const lines: string[] = [];
  let i = 0;
  while (i < Weekdays.length) {
    const periods = periodsOf(Weekdays[i] as Weekday);
    let j = i;
    while (j + 1 < Weekdays.length && periodsOf(Weekdays[j + 1] as Weekday) === periods) j++;
    if (periods) lines.push(capitalize(`${i === j ? dayName(i) : `${dayName(i)}–${dayName(j)}`}: ${periods}`, intlLocale));
    i = j + 1;
  }
  if (lines.length === 0) lines.push(words.none);
  lines.push(fill(words.timeZone, "timeZone", hours.timeZone));

  const max = options.maxHolidays ?? 10;
  const holidays = [...new Set(hours.holidays ?? [])].sort();
  for (const d of holidays) {
    if (!DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) throw new RangeError(`Holiday is not a YYYY-MM-DD date: ${d}`);
  }
  const upcoming = holidays.filter((d) => !options.holidaysFrom || d >= options.holidaysFrom);
  if (upcoming.length > 0 && max > 0) {
    const dateFormat = dateTimeFormatOf(intlLocale, { dateStyle: "long", timeZone: "UTC" });
    const shown = upcoming.slice(0, max).map((d) => dateFormat.format(new Date(`${d}T00:00:00Z`)));
    const dates = upcoming.length > max ? `${shown.join(", ")}, …` : new Intl.ListFormat(intlLocale, { type: "conjunction" }).format(shown);
    lines.push(fill(words.holidays, "dates", dates));
  }
  return lines.join("\n");
}
