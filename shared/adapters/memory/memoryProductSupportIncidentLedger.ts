/**
 * Product support incidents in memory, counted on the partners of a {@link MemoryPartnerRepository}.
 * For unit tests of logic and local experiments, not production: nothing survives the process.
 */
import type { ConsumeProductSupportIncidentResult } from "../../contracts";
import type { ProductSupportIncidentLedger } from "../../ports";
import type { MemoryPartnerRepository } from "./memoryPartnerRepository";
import { copy, keyOf } from "./memoryStore";

/**
 * {@link ProductSupportIncidentLedger} in memory, behaving as TableProductSupportIncidentLedger:
 * the `product-support-incidents` entitlement's `remainingIncidents` of the partner is decremented
 * (never below zero) and each case consumes at most once. A partner without the entitlement, or
 * with none left, gets `{consumed: false, remainingIncidents: 0}` and nothing is recorded.
 */
export class MemoryProductSupportIncidentLedger implements ProductSupportIncidentLedger {
  readonly #consumed = new Map<string, ConsumeProductSupportIncidentResult>();

  /** @param partners - the partners whose entitlements hold the counts. */
  constructor(private readonly partners: MemoryPartnerRepository) {}

  /**
   * Consumes one incident for the case, or returns what the case consumed before.
   * @throws Error when the partner does not exist.
   */
  async consume(partnerId: string, caseId: string): Promise<ConsumeProductSupportIncidentResult> {
    const key = keyOf(partnerId, caseId);
    const before = this.#consumed.get(key);
    if (before) return copy(before);
    let result: ConsumeProductSupportIncidentResult = { consumed: false, remainingIncidents: 0 };
    const partner = this.partners.changePartner(partnerId, (p) => {
      const index = p.entitlements.findIndex((e) => e.vehicle === "product-support-incidents");
      const left = index < 0 ? 0 : (p.entitlements[index]?.remainingIncidents ?? 0);
      if (left <= 0) return undefined;
      result = { consumed: true, remainingIncidents: left - 1 };
      return { ...p, entitlements: p.entitlements.map((e, i) => (i === index ? { ...e, remainingIncidents: left - 1 } : e)) };
    });
    if (!partner) throw new Error(`Partner ${partnerId} not found`);
    if (result.consumed) this.#consumed.set(key, result);
    return copy(result);
  }

  /** What the case consumed (`{consumed: true, remainingIncidents}` after it), or undefined. */
  async getConsumption(partnerId: string, caseId: string): Promise<ConsumeProductSupportIncidentResult | undefined> {
    const found = this.#consumed.get(keyOf(partnerId, caseId));
    return found ? copy(found) : undefined;
  }
}
