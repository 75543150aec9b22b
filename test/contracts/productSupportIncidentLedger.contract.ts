/**
 * Contract of the ProductSupportIncidentLedger port (shared/ports): what a caller observes of any
 * adapter. The ledger counts on the partner's `product-support-incidents` entitlement, so the
 * suite gets it together with the PartnerRepository it reads the partners from.
 */
import type { PartnerRepository, ProductSupportIncidentLedger } from "../../shared/ports";
import { storedPartnerDefinition, type MakeAdapter } from "./support";

/** The ledger and the partners it counts on. */
export interface LedgerWithPartners {
  ledger: ProductSupportIncidentLedger;
  partners: PartnerRepository;
}

/** Defines the ProductSupportIncidentLedger contract tests for an adapter. */
export function describeProductSupportIncidentLedgerContract(name: string, makeAdapter: MakeAdapter<LedgerWithPartners>): void {
  describe(`ProductSupportIncidentLedger contract: ${name}`, () => {
    const credentials = { webhookSecrets: ["whsec_a"], apiKeyHashes: ["a".repeat(64)] };

    it("five concurrent consumers for three incidents: exactly three consumed, never below zero", async () => {
      const { ledger, partners } = await makeAdapter(() => new Date());
      await partners.upsertPartner(storedPartnerDefinition("psi-partner", { entitlements: [{ vehicle: "premier-support-for-partners" }, { vehicle: "product-support-incidents", remainingIncidents: 3 }] }), credentials);
      const cases = ["CS-PSI0000001", "CS-PSI0000002", "CS-PSI0000003", "CS-PSI0000004", "CS-PSI0000005"];
      const results = await Promise.all(cases.map((caseId) => ledger.consume("psi-partner", caseId)));
      expect(results.filter((r) => r.consumed).map((r) => r.remainingIncidents).sort()).toEqual([0, 1, 2]);
      expect(results.filter((r) => !r.consumed)).toEqual([
        { consumed: false, remainingIncidents: 0 },
        { consumed: false, remainingIncidents: 0 },
      ]);
      expect((await partners.getPartner("psi-partner"))?.entitlements).toEqual([{ vehicle: "premier-support-for-partners" }, { vehicle: "product-support-incidents", remainingIncidents: 0 }]);
      // The partner keeps its credentials and is listed once.
      expect((await partners.getCredentials("psi-partner"))?.apiKeyHashes).toEqual(["a".repeat(64)]);
      expect((await partners.listPartners()).map((p) => p.id)).toEqual(["psi-partner"]);
    });

    it("is idempotent per case: reruns, also concurrent ones, consume one incident", async () => {
      const { ledger, partners } = await makeAdapter(() => new Date());
      await partners.upsertPartner(storedPartnerDefinition("psi-idem", { entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 2 }] }), credentials);
      const runs = await Promise.all(Array.from({ length: 4 }, () => ledger.consume("psi-idem", "CS-PSIIDEM001")));
      expect(runs).toEqual(Array.from({ length: 4 }, () => ({ consumed: true, remainingIncidents: 1 })));
      expect(await ledger.consume("psi-idem", "CS-PSIIDEM001")).toEqual({ consumed: true, remainingIncidents: 1 });
      expect(await ledger.getConsumption("psi-idem", "CS-PSIIDEM001")).toEqual({ consumed: true, remainingIncidents: 1 });
      expect(await ledger.getConsumption("psi-idem", "CS-PSIIDEM002")).toBeUndefined();
      expect((await partners.getPartner("psi-idem"))?.entitlements[0]?.remainingIncidents).toBe(1);
    });

    it("records nothing when none is left, so a later top-up serves the case", async () => {
      const { ledger, partners } = await makeAdapter(() => new Date());
      const definition = storedPartnerDefinition("psi-empty", { entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 0 }] });
      await partners.upsertPartner(definition, credentials);
      expect(await ledger.consume("psi-empty", "CS-PSIEMPTY01")).toEqual({ consumed: false, remainingIncidents: 0 });
      expect(await ledger.getConsumption("psi-empty", "CS-PSIEMPTY01")).toBeUndefined();
      await partners.upsertPartner({ ...definition, entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 5 }] }, credentials);
      expect(await ledger.consume("psi-empty", "CS-PSIEMPTY01")).toEqual({ consumed: true, remainingIncidents: 4 });
    });

    it("a partner without the entitlement consumes nothing; an unknown partner is an error", async () => {
      const { ledger, partners } = await makeAdapter(() => new Date());
      await partners.upsertPartner(storedPartnerDefinition("psi-none"), credentials);
      expect(await ledger.consume("psi-none", "CS-PSINONE001")).toEqual({ consumed: false, remainingIncidents: 0 });
      expect(await ledger.getConsumption("psi-none", "CS-PSINONE001")).toBeUndefined();
      await expect(ledger.consume("psi-nobody", "CS-PSINONE001")).rejects.toThrow(/not found/);
    });
  });
}
