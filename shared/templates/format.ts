/** Date formatting for email templates (Intl, in the recipient's time zone). */

/**
 * Formats an instant for a customer: long date and short time in the given zone and locale, plus
 * the zone name, e.g. `21 November 2026 at 11:02 (Europe/Budapest)`.
 * @throws RangeError when `isoInstant` is not a valid date or `timeZone` is not an IANA zone.
 */
export function formatInstant(isoInstant: string, locale: string, timeZone: string): string {
  const date = new Date(isoInstant);
  if (Number.isNaN(date.getTime())) throw new RangeError(`occurredAt is not an ISO 8601 instant: ${isoInstant}`);
  const formatted = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: "long", timeStyle: "short" }).format(date);
  return `${formatted} (${timeZone})`;
}

/** @throws RangeError when `timeZone` is not an IANA time zone known to Intl. */
export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone }).format(0);
  } catch (e) {
    throw new RangeError(`Unknown time zone: ${timeZone}`, { cause: e });
  }
}

