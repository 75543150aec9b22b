/** Rules of the customer directory (which tenant an email address or a company's mail domain belongs to). */
import type { CustomerDirectoryEntry } from "../contracts";

/**
 * Whether a domain entry already says what a new entry would (its contact, name, language, tenant,
 * domain and source; `updatedAt` aside): a contact seen again changes nothing, so the directory
 * writes nothing for the domain.
 */
export function sameDomainContact(stored: CustomerDirectoryEntry, next: CustomerDirectoryEntry): boolean {
  return stored.email === next.email && stored.name === next.name && stored.language === next.language && stored.tenantId === next.tenantId && stored.source === next.source && stored.domain === next.domain;
}
