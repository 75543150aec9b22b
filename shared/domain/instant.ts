/**
 * ISO 8601 instants and durations as the domain reads and writes them: instants in, epoch
 * milliseconds inside, ISO 8601 UTC (`…Z`, with milliseconds) out. Pure: never asks for "now".
 */
import { DateTime, Duration } from "luxon";

/** `2026-03-30T07:00:00Z`, `2026-03-30T07:00:00.000Z`. */
const FAST_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/**
 * Parses an ISO 8601 instant into epoch milliseconds. A string without an offset is read as UTC.
 * @param iso - ISO 8601 date-time, e.g. `2026-03-30T07:00:00Z` or `2026-03-30T09:00:00+02:00`.
 * @param what - name used in the error message.
 * @returns epoch milliseconds (UTC).
 * @throws TypeError when not a string; RangeError when not a valid ISO 8601 date-time.
 */
export function parseInstant(iso: string, what = "instant"): number {
  if (typeof iso !== "string") throw new TypeError(`${what} must be an ISO 8601 string`);
  // Fast path for UTC instants in the extended format (what the domain itself writes); validated by
  // a round trip so that impossible dates (2026-02-30) still go to luxon and are rejected.
  if (FAST_INSTANT.test(iso)) {
    const ms = Date.parse(iso);
    if (Number.isFinite(ms) && formatInstant(ms).startsWith(iso.slice(0, 19))) return ms;
  }
  const dt = DateTime.fromISO(iso, { zone: "utc" });
  if (!dt.isValid) throw new RangeError(`${what} "${iso}" is not a valid ISO 8601 date-time (${dt.invalidExplanation ?? dt.invalidReason})`);
  return dt.toMillis();
}

/**
 * Formats epoch milliseconds as ISO 8601 UTC with milliseconds (`2026-03-30T07:00:00.000Z`).
 * @param ms - epoch milliseconds.
 * @returns ISO 8601 UTC instant.
 */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Parses an ISO 8601 duration with luxon.
 * @param durationIso - e.g. `PT4H`, `P10D`.
 * @returns the luxon Duration.
 * @throws TypeError when not a string; RangeError when invalid or negative.
 */
export function parseDuration(durationIso: string): Duration {
  if (typeof durationIso !== "string") throw new TypeError("duration must be an ISO 8601 duration string");
  const d = Duration.fromISO(durationIso);
  if (!d.isValid) throw new RangeError(`"${durationIso}" is not a valid ISO 8601 duration (${d.invalidExplanation ?? d.invalidReason})`);
  if (d.toMillis() < 0) throw new RangeError(`duration "${durationIso}" must not be negative`);
  return d;
}

/**
 * Converts an ISO 8601 duration to milliseconds of clock time with fixed factors: `PT1H` =
 * 3,600,000 ms, `P1D` = 24 h, `P1W` = 7 × 24 h, months 30 d and years 365 d (luxon's casual
 * matrix). On a business-hours calendar `P1D` therefore means 24 *working* hours, not one working
 * day: write working-day targets in hours (`PT8H`). Source: ISO 8601-1 durations; Zendesk and
 * Freshdesk express business-hour targets in hours and minutes.
 * @param durationIso - ISO 8601 duration, e.g. `PT60H`, `P10D`.
 * @returns milliseconds (≥ 0, integer).
 * @throws RangeError when invalid or negative.
 */
export function durationToMs(durationIso: string): number {
  const memo = durationMemo.get(durationIso);
  if (memo !== undefined) return memo;
  const ms = Math.round(parseDuration(durationIso).toMillis());
  if (durationMemo.size >= 1000) durationMemo.clear();
  durationMemo.set(durationIso, ms);
  return ms;
}

/** Memo of {@link durationToMs} (pure; bounded). */
const durationMemo = new Map<string, number>();

/**
 * Adds an ISO 8601 duration in calendar time. Arithmetic is done in UTC, so `P1D` is always
 * exactly 24 h and `P1M` is the same day-of-month next month (clamped to its last day).
 * @param startIso - ISO 8601 instant (no offset = UTC).
 * @param durationIso - ISO 8601 duration, e.g. `P3D`.
 * @returns ISO 8601 UTC instant.
 * @throws RangeError for an invalid instant or duration (or a negative duration).
 */
export function addCalendarDuration(startIso: string, durationIso: string): string {
  const startMs = parseInstant(startIso, "start");
  return formatInstant(DateTime.fromMillis(startMs, { zone: "utc" }).plus(parseDuration(durationIso)).toMillis());
}
