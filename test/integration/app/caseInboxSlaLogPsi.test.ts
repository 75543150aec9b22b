/**
 * Storage on a real Azurite: the per-case action inbox (order and cursor, also under
 * concurrent appends), the append-only SLA event log (idempotent by eventId, oldest first) and
 * product support incidents consumed atomically (ETag) and at most once per case.
 */
import { createContainer, type Container } from "../../../shared/container";
import type { SlaEventWithId } from "../../../shared/ports";
import { partnerDefinition, testConfig } from "./helpers";

let container: Container;

beforeAll(() => {
  container = createContainer(testConfig("inbox"));
});

describe("CaseActionInbox", () => {
  it("returns actions in append order and resumes after a cursor", async () => {
    const { inbox } = container;
    const a = await inbox.append("p-inbox", "CS-INBOX00001", { type: "diagnosis", outcome: "awaiting-customer", notes: "Need the VM name" }, { kind: "partner", partnerId: "p-inbox" });
    const b = await inbox.append("p-inbox", "CS-INBOX00001", { type: "customer-reply", excerpt: "It is vm-01" }, { kind: "customer", email: "it@tisza.example" });
    const c = await inbox.append("p-inbox", "CS-INBOX00001", { type: "resolution", summary: "Resized the VM" }, { kind: "partner", partnerId: "p-inbox" });
    expect([a.seq, b.seq, c.seq]).toEqual(["000000000001", "000000000002", "000000000003"]);
    expect(a.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const all = await inbox.listAfter("p-inbox", "CS-INBOX00001");
    expect(all.map((r) => r.action.type)).toEqual(["diagnosis", "customer-reply", "resolution"]);
    expect(all[1]).toEqual(b);
    expect((await inbox.listAfter("p-inbox", "CS-INBOX00001", a.seq)).map((r) => r.seq)).toEqual([b.seq, c.seq]);
    expect(await inbox.listAfter("p-inbox", "CS-INBOX00001", c.seq)).toEqual([]);
    expect((await inbox.listAfter("p-inbox", "CS-INBOX00001", undefined, 2)).map((r) => r.seq)).toEqual([a.seq, b.seq]);
    // Another case's inbox is separate.
    expect(await inbox.listAfter("p-inbox", "CS-INBOX00002")).toEqual([]);
    await expect(inbox.listAfter("p-inbox", "CS-INBOX00001", undefined, 0)).rejects.toThrow(RangeError);
  });

  it("gives concurrent appends distinct, gapless positions, so a cursor never skips one", async () => {
    const { inbox } = container;
    const appended = await Promise.all(Array.from({ length: 8 }, (_, i) => inbox.append("p-inbox", "CS-INBOX00003", { type: "update", message: `update ${i}` }, { kind: "partner", partnerId: "p-inbox" })));
    const seqs = appended.map((r) => r.seq).sort();
    expect(seqs).toEqual(Array.from({ length: 8 }, (_, i) => String(i + 1).padStart(12, "0")));
    const read = await inbox.listAfter("p-inbox", "CS-INBOX00003");
    expect(read.map((r) => r.seq)).toEqual(seqs);
    expect(new Set(read.map((r) => (r.action as { message: string }).message)).size).toBe(8);
  });
});

describe("SlaEventLog", () => {
  const events: SlaEventWithId[] = [
    { eventId: "e01-activate-first-response", metric: "first-response", type: "activate", at: "2026-03-02T08:00:00.000Z", policyId: "default", target: "PT4H" },
    { eventId: "e01-activate-resolution", metric: "resolution", type: "activate", at: "2026-03-02T08:00:00.000Z", policyId: "default", target: "P2D" },
    { eventId: "e02-pause-resolution", metric: "resolution", type: "pause", at: "2026-03-02T09:00:00.000Z", policyId: "default", reason: "status awaiting-customer" },
  ];

  it("appends idempotently by eventId and lists oldest first in append order", async () => {
    const log = container.slaEvents;
    expect(await log.append("p-sla", "CS-SLA0000001", events.slice(0, 2))).toBe(2);
    // A retried activity appends the same events again plus a new one: only the new one is logged.
    expect(await log.append("p-sla", "CS-SLA0000001", events)).toBe(1);
    expect(await log.append("p-sla", "CS-SLA0000001", events)).toBe(0);
    const warn: SlaEventWithId = { eventId: "e00-warn-first-response-50", metric: "first-response", type: "warn", percent: 50, at: "2026-03-02T08:30:00.000Z", policyId: "default" };
    await log.append("p-sla", "CS-SLA0000001", [warn]);
    const listed = await log.list("p-sla", "CS-SLA0000001");
    expect(listed.map((e) => e.eventId)).toEqual(["e01-activate-first-response", "e01-activate-resolution", "e00-warn-first-response-50", "e02-pause-resolution"]);
    expect(listed[3]).toEqual(events[2]);
    expect(await log.list("p-sla", "CS-SLA0000002")).toEqual([]);
  });

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

  it("is idempotent per case: reruns, also concurrent ones, consume one incident", async () => {
    await container.registerPartner(partnerDefinition("psi-idem", { entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 2 }] }));
    const runs = await Promise.all(Array.from({ length: 4 }, () => container.psiLedger.consume("psi-idem", "CS-PSIIDEM001")));
    expect(runs).toEqual(Array.from({ length: 4 }, () => ({ consumed: true, remainingIncidents: 1 })));
    expect(await container.psiLedger.consume("psi-idem", "CS-PSIIDEM001")).toEqual({ consumed: true, remainingIncidents: 1 });
    expect(await container.psiLedger.getConsumption("psi-idem", "CS-PSIIDEM001")).toEqual({ consumed: true, remainingIncidents: 1 });
    expect(await container.psiLedger.getConsumption("psi-idem", "CS-PSIIDEM002")).toBeUndefined();
    expect((await container.partners.getPartner("psi-idem"))?.entitlements[0]?.remainingIncidents).toBe(1);
  });

  it("a partner without the entitlement consumes nothing; an unknown partner is an error", async () => {
    await container.registerPartner(partnerDefinition("psi-none"));
    expect(await container.psiLedger.consume("psi-none", "CS-PSINONE001")).toEqual({ consumed: false, remainingIncidents: 0 });
    await expect(container.psiLedger.consume("psi-nobody", "CS-PSINONE001")).rejects.toThrow(/not found/);
  });
});
