/**
 * Partner registration: validates a partner definition, generates credentials on first
 * registration (or on rotation) and stores the partner with only hashes of its API keys.
 */
import { PartnerDefinitionSchema, type Partner, type PartnerCredentials } from "../contracts";
import type { PartnerCredentialRecord, PartnerRepository } from "../ports";
import { generateApiKey, generateWebhookSecret, newApiKeyRecord, REGISTRATION_KEY_NAME } from "./credentials";
import { parseInput } from "./errors";

/** Dependencies of {@link registerPartner}. */
export interface RegisterPartnerDeps {
  partners: PartnerRepository;
  /** Clock for key creation times (default: system time). */
  now?: () => Date;
}

/** Options of {@link registerPartner}. */
export interface RegisterPartnerOptions {
  /**
   * Issue a new webhook secret and API key. The new ones are put first and the previous newest
   * ones are kept, so senders and callers can switch over without downtime (Standard Webhooks
   * allows several signatures); older ones are dropped. Run again with `rotate` to drop the
   * previous pair after switching.
   */
  rotate?: boolean;
}

/** Result of {@link registerPartner}. */
export interface RegisterPartnerResult {
  /** The stored partner. */
  partner: Partner;
  /**
   * Newly issued credentials, shown once: set on first registration and on rotation; undefined
   * when existing credentials were kept (an API key is stored only as a hash and cannot be shown again).
   */
  credentials: PartnerCredentials | undefined;
  /** The current (newest) webhook signing secret, always available (HMAC needs it in clear). */
  webhookSecret: string;
  /** True when the partner did not exist before. */
  created: boolean;
}

/**
 * Registers or updates a partner.
 * @param deps - the partner repository.
 * @param definition - partner definition (JSON as written in a partner file; defaults applied here).
 * @param options - `rotate` to issue new credentials for an existing partner.
 * @returns the partner, any newly issued credentials and the current webhook secret.
 * @throws ValidationError when the definition does not satisfy `PartnerDefinitionSchema`.
 * @throws Error when storage fails.
 */
export async function registerPartner(deps: RegisterPartnerDeps, definition: unknown, options: RegisterPartnerOptions = {}): Promise<RegisterPartnerResult> {
  const parsed = parseInput(PartnerDefinitionSchema, definition);
  const existing = await deps.partners.getCredentials(parsed.id);
  let record: PartnerCredentialRecord;
  let credentials: PartnerCredentials | undefined;
  if (existing && existing.webhookSecrets.length > 0 && existing.apiKeyHashes.length > 0 && !options.rotate) {
    record = existing;
  } else {
    credentials = { webhookSecret: generateWebhookSecret(), apiKey: generateApiKey() };
    const now = (deps.now ?? (() => new Date()))().toISOString();
    // The registration key is a global-admin key (Partner Center: the global admin manages
    // the account). A rotation keeps the previous registration key valid (switch-over) and revokes
    // older registration keys; keys created through the API are left alone.
    const keys = existing?.apiKeys ?? [];
    const previous = keys.filter((k) => k.name === REGISTRATION_KEY_NAME && k.revokedAt === undefined).at(-1);
    const kept = keys.map((k) => (k.name === REGISTRATION_KEY_NAME && k.revokedAt === undefined && k !== previous ? { ...k, revokedAt: now } : k));
    record = {
      webhookSecrets: [credentials.webhookSecret, ...(existing?.webhookSecrets.slice(0, 1) ?? [])],
      apiKeyHashes: [],
      apiKeys: [...kept, newApiKeyRecord(credentials.apiKey, "global-admin", REGISTRATION_KEY_NAME, now)],
    };
    record.apiKeyHashes = (record.apiKeys ?? []).filter((k) => k.revokedAt === undefined).map((k) => k.hash);
  }
  const partner = await deps.partners.upsertPartner(parsed, record);
  return { partner, credentials, webhookSecret: record.webhookSecrets[0] as string, created: existing === undefined };
}
