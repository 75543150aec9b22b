/**
 * Case ids: `CS-` followed by 10 Crockford base32 characters (alphabet `0-9A-Z` without I, L, O, U;
 * https://www.crockford.com/base32.html), e.g. `CS-0K7Q2M4XPR`. Human-friendly (no ambiguous
 * letters, case-insensitive when read back over the phone) and safe in URLs and Table keys.
 *
 * Layout: 5 characters (25 bits) of minutes since 2020-01-01T00:00Z (lasts until ~2083), then 5
 * characters (25 bits, ~33.5 million values) of randomness from `crypto.randomInt`. Ids sort by
 * creation minute. Collisions are possible at high rates (birthday bound: ~1.5 % per minute at
 * 1,000 cases in the same minute), so the repository rejects a taken id and the caller draws again.
 */
import { randomInt } from "node:crypto";

/** Crockford base32 alphabet. */
export const CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Shape of a case id. */
export const CASE_ID_PATTERN = /^CS-[0-9A-HJKMNP-TV-Z]{10}$/;
const EPOCH_MS = Date.UTC(2020, 0, 1);
const SLOT = 2 ** 25;

function encode(value: number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out = CROCKFORD_ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/**
 * Generates a case id.
 * @param now - creation time (default: now).
 * @param random - 25-bit random source (default: `crypto.randomInt(2^25)`), for tests.
 * @throws RangeError when `now` is before 2020-01-01 or after the 25-bit minute range (~2083).
 */
export function generateCaseId(now: Date = new Date(), random: () => number = () => randomInt(SLOT)): string {
  const minutes = Math.floor((now.getTime() - EPOCH_MS) / 60000);
  if (minutes < 0 || minutes >= SLOT) throw new RangeError("case id time out of range (2020-01-01 to ~2083)");
  const r = random();
  if (!Number.isInteger(r) || r < 0 || r >= SLOT) throw new RangeError("random must return an integer in [0, 2^25)");
  return `CS-${encode(minutes, 5)}${encode(r, 5)}`;
}

/** Whether a string has the shape of a case id. */
export function isCaseId(value: string): boolean {
  return CASE_ID_PATTERN.test(value);
}

/** The creation minute encoded in a case id (UTC), or undefined when it is not a case id. */
export function caseIdTime(caseId: string): Date | undefined {
  if (!isCaseId(caseId)) return undefined;
  let minutes = 0;
  for (const ch of caseId.slice(3, 8)) minutes = minutes * 32 + CROCKFORD_ALPHABET.indexOf(ch);
  return new Date(EPOCH_MS + minutes * 60000);
}
