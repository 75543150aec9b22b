/**
 * Shared pieces of the port contract suites (test/contracts): how a suite gets a fresh adapter,
 * a settable clock, and a valid partner definition.
 */
import { PartnerDefinitionSchema, type PartnerDefinition } from "../../shared/contracts";
import { partnerDefinition } from "../support/builders";

/**
 * Makes a fresh adapter with empty storage (every test calls it once), reading the time from `now`.
 * @param now - the clock the adapter must use wherever it stamps a time.
 */
export type MakeAdapter<T> = (now: () => Date) => T | Promise<T>;

/** A clock the test moves by hand; starts at `start` (ISO 8601 UTC). */
export class TestClock {
  #at: Date;
  /** @param start - the first time (ISO 8601 UTC). */
  constructor(start: string) {
    this.#at = new Date(start);
  }
  /** The current time. */
  readonly now = (): Date => new Date(this.#at);
  /** Sets the time (ISO 8601 UTC). */
  set(at: string): void {
    this.#at = new Date(at);
  }
}

/** A partner definition as registration stores it (schema defaults applied). */
export function storedPartnerDefinition(id: string, overrides: Parameters<typeof partnerDefinition>[1] = {}): PartnerDefinition {
  return PartnerDefinitionSchema.parse(partnerDefinition(id, overrides));
}

/**
 * Every page of a listing, following continuation tokens (at most 50 pages).
 * @param list - fetches the page at a token (undefined: the first page).
 * @returns the pages' items and the tokens handed out.
 */
export async function allPages<T>(list: (continuationToken: string | undefined) => Promise<{ items: T[]; continuationToken?: string }>): Promise<{ pages: T[][]; tokens: string[] }> {
  const pages: T[][] = [];
  const tokens: string[] = [];
  let token: string | undefined;
  do {
    const page = await list(token);
    pages.push(page.items);
    token = page.continuationToken;
    if (token) tokens.push(token);
  } while (token && pages.length < 50);
  return { pages, tokens };
}
