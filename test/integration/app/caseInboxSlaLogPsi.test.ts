/**
 * The activities over the SLA event log and the product support incident ledger on a real Azurite
 * (what the ports themselves guarantee is in test/contracts, run by tableAdapterContracts.test.ts).
 */
import { createContainer, type Container } from "../../../shared/container";
import type { SlaEventWithId } from "../../../shared/ports";
import { partnerDefinition, testConfig } from "./helpers";

let container: Container;

beforeAll(() => {
  container = createContainer(testConfig("inbox"));
});

describe("SlaEventLog", () => {
  const events: SlaEventWithId[] = [
    { eventId: "e01-activate-first-response", metric: "first-response", type: "activate", at: "2026-03-02T08:00:00.000Z", policyId: "default", target: "PT4H" },
    { eventId: "e01-activate-resolution", metric: "resolution", type: "activate", at: "2026-03-02T08:00:00.000Z", policyId: "default", target: "P2D" },
    { eventId: "e02-pause-resolution", metric: "resolution", type: "pause", at: "2026-03-02T09:00:00.000Z", policyId: "default", reason: "status awaiting-customer" },
  ];

  it("the RecordSlaEvents activity reports how many events were new", async () => {
    const input = { caseId: "CS-SLA0000003", partnerId: "p-sla", events };
    expect(await container.activities.recordSlaEvents(input)).toEqual({ appended: 3 });
    expect(await container.activities.recordSlaEvents(input)).toEqual({ appended: 0 });
    await expect(container.slaEvents.append("p-sla", "CS-SLA0000003", [events[0]!, events[0]!])).rejects.toThrow(/distinct/);
  });
});

describe("ProductSupportIncidentLedger", () => {
  it("five concurrent consumers for three incidents: exactly three consumed, never below zero", async () => {
    await container.registerPartner(partnerDefinition("psi-partner", { entitlements: [{ vehicle: "premier-support-for-partners" }, { vehicle: "product-support-incidents", remainingIncidents: 3 }] }));
    const cases = ["CS-PSI0000001", "CS-PSI0000002", "CS-PSI0000003", "CS-PSI0000004", "CS-PSI0000005"];
    const results = await Promise.all(cases.map((caseId) => container.activities.consumeProductSupportIncident({ partnerId: "psi-partner", caseId })));
    expect(results.filter((r) => r.consumed)).toHaveLength(3);
    expect(results.filter((r) => r.consumed).map((r) => r.remainingIncidents).sort()).toEqual([0, 1, 2]);
    expect(results.filter((r) => !r.consumed)).toEqual([
      { consumed: false, remainingIncidents: 0 },
      { consumed: false, remainingIncidents: 0 },
    ]);
    const partner = await container.partners.getPartner("psi-partner");
    expect(partner?.entitlements).toEqual([{ vehicle: "premier-support-for-partners" }, { vehicle: "product-support-incidents", remainingIncidents: 0 }]);
    // The partner row keeps its credentials and stays listed once.
    expect((await container.partners.getCredentials("psi-partner"))?.apiKeyHashes).toHaveLength(1);
    expect((await container.partners.listPartners()).filter((p) => p.id === "psi-partner")).toHaveLength(1);
  });
});
