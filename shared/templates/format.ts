/** Date formatting for email templates (Intl, in the recipient's time zone). */

/** Most formatters kept by {@link dateTimeFormatOf} (the least recently used is dropped first). */
export const DATE_TIME_FORMAT_CACHE_MAX = 256;

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * An `Intl.DateTimeFormat` for a locale and options, built once and reused: building one resolves
 * the locale and loads the zone's rules, about a hundred times the cost of formatting a date, and
 * every status email, status page and partner notice formats several dates in the same few
 * locales and zones. Formatters are immutable, so sharing one is safe. At most
 * {@link DATE_TIME_FORMAT_CACHE_MAX} are kept (least recently used dropped); one that cannot be
 * built is not kept.
 * @param options - keyed by their JSON, so callers pass the same options in the same order.
 * @throws RangeError when the locale or an option (an unknown `timeZone`) is invalid, as the constructor does.
 */
export function dateTimeFormatOf(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  const cached = formats.get(key);
  if (cached) {
    // Most recently used last: Map keeps insertion order.
    formats.delete(key);
    formats.set(key, cached);
    return cached;
  }
  const made = new Intl.DateTimeFormat(locale, options);
  formats.set(key, made);
  if (formats.size > DATE_TIME_FORMAT_CACHE_MAX) formats.delete(formats.keys().next().value as string);
  return made;
}

/**
 * Formats an instant for a customer: long date and short time in the given zone and locale, plus
 * the zone name, e.g. `21 November 2026 at 11:02 (Europe/Budapest)`.
 * @throws RangeError when `isoInstant` is not a valid date or `timeZone` is not an IANA zone.
 */
export function formatInstant(isoInstant: string, locale: string, timeZone: string): string {
  const date = new Date(isoInstant);
  if (Number.isNaN(date.getTime())) throw new RangeError(`occurredAt is not an ISO 8601 instant: ${isoInstant}`);
  const formatted = dateTimeFormatOf(locale, { timeZone, dateStyle: "long", timeStyle: "short" }).format(date);
  return `${formatted} (${timeZone})`;
}

/** @throws RangeError when `timeZone` is not an IANA time zone known to Intl. */
export function assertTimeZone(timeZone: string): void {
  try {
    dateTimeFormatOf("en", { timeZone });
  } catch (e) {
    throw new RangeError(`Unknown time zone: ${timeZone}`, { cause: e });
  }
}
