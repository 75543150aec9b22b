/**
 * The partners' customer directories in memory. For unit tests of logic and local experiments,
 * not production: nothing survives the process.
 */
import type { CustomerDirectoryEntry } from "../../contracts";
import { sameDomainContact } from "../../domain/customerDirectory";
import { ERASED_EMAIL } from "../../domain/personalData";
import type { CustomerDirectory } from "../../ports";
import { copy, keyOf } from "./memoryStore";

/**
 * {@link CustomerDirectory} in memory, behaving as TableCustomerDirectory: addresses and domains
 * are trimmed and lower-cased; a domain remembers every tenant seen there and stops matching once
 * it has two; {@link listByTenant} gives address entries (by address) then domain entries (by
 * domain). Entries are copied on write and on read.
 */
export class MemoryCustomerDirectory implements CustomerDirectory {
  /** Per partner and address: the address entry. */
  readonly #addresses = new Map<string, CustomerDirectoryEntry>();
  /** Per partner and domain: the domain entry and every tenant seen at the domain. */
  readonly #domains = new Map<string, { entry: CustomerDirectoryEntry; tenantIds: string[] }>();

  /** The entry of an exact address (case-insensitive), or undefined. */
  async findByEmail(partnerId: string, email: string): Promise<CustomerDirectoryEntry | undefined> {
    const entry = this.#addresses.get(keyOf(partnerId, normalise(email)));
    return entry ? copy(entry) : undefined;
  }

  /** The entry of a domain when exactly one tenant is known there, or undefined. */
  async findByDomain(partnerId: string, domain: string): Promise<CustomerDirectoryEntry | undefined> {
    const found = this.#domains.get(keyOf(partnerId, normalise(domain)));
    return found && found.tenantIds.length <= 1 ? copy(found.entry) : undefined;
  }

  /** Replaces the address entry and the domain entry (adding the tenant to the domain's tenants). */
  async upsert(partnerId: string, entry: CustomerDirectoryEntry): Promise<void> {
    const value: CustomerDirectoryEntry = { ...copy(entry), email: normalise(entry.email), domain: normalise(entry.domain) };
    this.#addresses.set(keyOf(partnerId, value.email), value);
    if (!value.domain) return;
    const key = keyOf(partnerId, value.domain);
    const current = this.#domains.get(key);
    // A contact seen again leaves the domain entry as it is (as the Table adapter does).
    if (current && current.tenantIds.includes(entry.tenantId) && sameDomainContact(current.entry, value)) return;
    const tenantIds = [...new Set([...(current?.tenantIds ?? []), entry.tenantId])];
    this.#domains.set(key, { entry: copy(value), tenantIds });
  }

  /** Address entries of the tenant, then domain entries where the tenant was seen. */
  async listByTenant(partnerId: string, tenantId: string): Promise<CustomerDirectoryEntry[]> {
    const prefix = keyOf(partnerId, "");
    const addresses = [...this.#addresses].filter(([k, e]) => k.startsWith(prefix) && e.tenantId === tenantId).sort(byKey);
    const domains = [...this.#domains].filter(([k, d]) => k.startsWith(prefix) && d.tenantIds.includes(tenantId)).sort(byKey);
    return copy([...addresses.map(([, e]) => e), ...domains.map(([, d]) => d.entry)]);
  }

  /**
   * Deletes the address entry; the domain entry whose contact is this address keeps its tenants
   * with the contact `erased@erased.invalid`. @returns how many entries were deleted or changed.
   */
  async forgetAddress(partnerId: string, email: string): Promise<number> {
    const address = normalise(email);
    let n = this.#addresses.delete(keyOf(partnerId, address)) ? 1 : 0;
    const domain = this.#domains.get(keyOf(partnerId, address.slice(address.lastIndexOf("@") + 1)));
    if (domain && domain.entry.email === address) {
      domain.entry = { ...domain.entry, email: ERASED_EMAIL };
      n++;
    }
    return n;
  }
}

function normalise(value: string): string {
  return value.trim().toLowerCase();
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
