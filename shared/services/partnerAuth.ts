/**
 * Partner API authentication by API key (help-desk practice "API keys"; OWASP API1:2023 BOLA):
 * the key must belong to the partner named in the URL. A valid key of another partner is told
 * apart so the API can answer 404 for that URL (never revealing whether the partner or its
 * objects exist) instead of 401.
 */
import type { PartnerRepository } from "../ports";
import { apiKeyMatches, hashApiKey } from "./credentials";

/** Dependencies of {@link authenticatePartner}. */
export interface AuthenticatePartnerDeps {
  partners: PartnerRepository;
}

/** Result of {@link authenticatePartner}. */
export type PartnerAuthentication =
  /** The key is one of this partner's keys. */
  | { kind: "authenticated"; partnerId: string }
  /** No key, or a key of no partner: 401. */
  | { kind: "unauthorized" }
  /** A valid key of another partner: answer 404 for this partner's URLs. */
  | { kind: "other-partner"; callerPartnerId: string };

/**
 * Checks an API key against the partner named in the URL.
 * @param partnerId - partner id from the URL (unvalidated).
 * @param apiKey - the presented key, or undefined when none was sent.
 * @returns authenticated, unauthorized (unknown partner and wrong key look the same), or other-partner.
 * @throws Error when storage fails.
 */
export async function authenticatePartner(deps: AuthenticatePartnerDeps, partnerId: string, apiKey: string | undefined): Promise<PartnerAuthentication> {
  if (!apiKey || apiKey.length > 512) return { kind: "unauthorized" };
  const creds = await deps.partners.getCredentials(partnerId);
  // Always hash and compare, even for an unknown partner, so timing does not reveal which partners exist.
  const matched = apiKeyMatches(apiKey, creds?.apiKeyHashes ?? []);
  if (creds && matched) return { kind: "authenticated", partnerId };
  const owner = await deps.partners.findPartnerIdByApiKeyHash(hashApiKey(apiKey));
  if (owner !== undefined && owner !== partnerId) return { kind: "other-partner", callerPartnerId: owner };
  return { kind: "unauthorized" };
}
