/**
 * Plumbing shared by the in-memory adapters (./index.ts): copies of stored values and opaque
 * continuation tokens. For unit tests of logic and local experiments, not production.
 */
import { fromBase64Url, toBase64Url } from "../tableStorage";

/**
 * A deep copy (structuredClone), so a caller never shares an object with the stored state: what
 * it passed in or got back can be changed without changing what is stored.
 */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Composite map key of parts that may hold any character (joined with U+0000, which ids never hold). */
export function keyOf(...parts: readonly string[]): string {
  return parts.join("\u0000");
}

/**
 * An opaque continuation token for a position in a listing: base64url of `{"v":1,"p":position}`.
 * @param position - the number of items already returned.
 */
export function encodePosition(position: number): string {
  return toBase64Url(JSON.stringify({ v: 1, p: position }));
}

/**
 * Reverses {@link encodePosition}.
 * @returns the position (0 when `token` is undefined).
 * @throws RangeError with `code` `InvalidContinuationToken` when the token was not issued by {@link encodePosition}.
 */
export function decodePosition(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const parsed = JSON.parse(fromBase64Url(token) ?? "") as { v?: unknown; p?: unknown };
    if (parsed.v === 1 && typeof parsed.p === "number" && Number.isInteger(parsed.p) && parsed.p >= 0) return parsed.p;
  } catch {
    // fall through to the error below
  }
  throw invalidContinuationToken();
}

/**
 * A keyset page of rows sorted by `sortKey` (ascending): the rows after the token's key, at most
 * `limit`, and a token (base64url of `{"v":1,"after":key}`) while more rows follow. A row added
 * before the token's key later does not shift the next page.
 * @throws the error of `invalidToken` when the token was not issued by this function.
 */
export function keysetPage<T>(sorted: ReadonlyArray<{ sortKey: string; item: T }>, limit: number, token: string | undefined, invalidToken: () => Error): { items: T[]; continuationToken?: string } {
  let after: string | undefined;
  if (token !== undefined) {
    try {
      const parsed = JSON.parse(fromBase64Url(token) ?? "") as { v?: unknown; after?: unknown };
      if (parsed.v === 1 && typeof parsed.after === "string") after = parsed.after;
    } catch {
      // the error below
    }
    if (after === undefined) throw invalidToken();
  }
  const rest = after === undefined ? sorted : sorted.filter((r) => r.sortKey > after);
  const page = rest.slice(0, limit);
  const last = page[page.length - 1];
  const items = copy(page.map((r) => r.item));
  return rest.length > limit && last ? { items, continuationToken: toBase64Url(JSON.stringify({ v: 1, after: last.sortKey })) } : { items };
}

/** The error of a continuation token that was not issued here: a RangeError with `code` `InvalidContinuationToken`. */
export function invalidContinuationToken(): RangeError {
  return Object.assign(new RangeError("The continuation token is not valid"), { code: "InvalidContinuationToken" });
}
