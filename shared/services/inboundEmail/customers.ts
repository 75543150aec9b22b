/**
 * The partner's customer directory for email intake: senders are looked up by exact address,
 * then by mail domain; entries come from the partner definition's `customers` and from every case
 * the partner receives (webhook intake records the customer, see {@link recordCustomerFromCase}).
 */
import { addressDomain } from "../../domain/email";
import type { CustomerDirectoryEntry, CustomerMatch, Partner, SupportRequest } from "../../contracts";
import type { Clock, CustomerDirectory } from "../../ports";

/**
 * Domains of public mailbox providers: a sender there says nothing about the tenant, so these are
 * never matched (nor recorded) by domain.
 */
export const PUBLIC_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net",
  "freemail.hu", "citromail.hu", "t-online.hu", "seznam.cz", "email.cz", "centrum.cz", "post.cz", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "mail.ru", "yandex.ru", "ya.ru", "rambler.ru", "bk.ru", "list.ru", "inbox.ru",
]);

/** A customer found for a sender. */
export interface CustomerLookup {
  match: CustomerMatch;
  entry?: CustomerDirectoryEntry;
}

/**
 * Finds the customer of a sender: the directory's address entry, the partner definition's
 * `customers` by address, then (except for public mail domains) the directory's domain entry and
 * the definition's `customers` by domain.
 * @param deps - the directory.
 * @param partner - the partner whose mailbox received the mail.
 * @param address - the sender's address.
 * @throws Error when storage fails.
 */
export async function lookupCustomer(deps: { directory: CustomerDirectory }, partner: Partner, address: string): Promise<CustomerLookup> {
  const email = address.trim().toLowerCase();
  const domain = addressDomain(email);
  const fromDefinition = (pred: (c: NonNullable<Partner["customers"]>[number]) => boolean): CustomerDirectoryEntry | undefined => {
    const c = (partner.customers ?? []).find(pred);
    return c ? { tenantId: c.tenantId, name: c.name, email, domain, language: c.preferredLanguage, source: "partner-definition", updatedAt: partner.createdAt } : undefined;
  };
  const byAddress = (await deps.directory.findByEmail(partner.id, email)) ?? fromDefinition((c) => c.emails.some((e) => e.toLowerCase() === email));
  if (byAddress) return { match: "address", entry: byAddress };
  if (!domain || PUBLIC_MAIL_DOMAINS.has(domain)) return { match: "unknown" };
  const byDomain = (await deps.directory.findByDomain(partner.id, domain)) ?? fromDefinition((c) => c.domains.includes(domain));
  return byDomain ? { match: "domain", entry: byDomain } : { match: "unknown" };
}

/**
 * Records the customer of a case the partner received (tenant, name, address, domain, language),
 * unless the case awaits verification (an unknown email sender's placeholder tenant).
 * @throws Error when storage fails.
 */
export async function recordCustomerFromCase(deps: { directory: CustomerDirectory; clock: Clock }, sr: SupportRequest): Promise<void> {
  if (sr.needsVerification) return;
  const email = sr.customer.email.trim().toLowerCase();
  const domain = addressDomain(email);
  await deps.directory.upsert(sr.partnerId, {
    tenantId: sr.customer.tenantId,
    name: sr.customer.name,
    email,
    domain: PUBLIC_MAIL_DOMAINS.has(domain) ? "" : domain,
    language: sr.customer.preferredLanguage,
    source: "case",
    updatedAt: deps.clock.now().toISOString(),
  });
}
