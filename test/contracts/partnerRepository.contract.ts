/**
 * Contract of the PartnerRepository port (shared/ports): what a caller observes of any adapter.
 */
import type { ApiKeyRecord, PartnerRepository } from "../../shared/ports";
import { storedPartnerDefinition, TestClock, type MakeAdapter } from "./support";

const hash = (c: string): string => c.repeat(64);

function apiKey(c: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return { keyId: `key_${c.repeat(16)}`, hash: hash(c), prefix: "csp_abcd", role: "global-admin", name: `Key ${c}`, createdAt: "2026-04-01T10:00:00.000Z", ...overrides };
}

/** Defines the PartnerRepository contract tests for an adapter. */
export function describePartnerRepositoryContract(name: string, makeAdapter: MakeAdapter<PartnerRepository>): void {
  describe(`PartnerRepository contract: ${name}`, () => {
    it("upserts partners keeping createdAt, lists them by id, and resolves API key hashes", async () => {
      const clock = new TestClock("2026-04-01T10:00:00.000Z");
      const partners = await makeAdapter(clock.now);
      const def = storedPartnerDefinition("gamma-partner");
      const first = await partners.upsertPartner(def, { webhookSecrets: ["whsec_a"], apiKeyHashes: [hash("a")] });
      expect(first).toEqual({ ...def, createdAt: "2026-04-01T10:00:00.000Z" });
      expect(await partners.getPartner("gamma-partner")).toEqual(first);
      clock.set("2026-04-02T10:00:00.000Z");
      const second = await partners.upsertPartner({ ...def, name: "Renamed" }, { webhookSecrets: ["whsec_b", "whsec_a"], apiKeyHashes: [hash("b")] });
      expect(second.createdAt).toBe(first.createdAt);
      expect(second.name).toBe("Renamed");
      // A hash-only credential record reads as one global-admin key per hash.
      expect(await partners.getCredentials("gamma-partner")).toEqual({
        webhookSecrets: ["whsec_b", "whsec_a"],
        apiKeyHashes: [hash("b")],
        apiKeys: [{ keyId: `key_${"b".repeat(16)}`, hash: hash("b"), prefix: "csp_····", role: "global-admin", name: "Registration key", createdAt: first.createdAt }],
      });
      // One read for the signed webhook: the same partner and credentials as the two reads.
      expect(await partners.getPartnerWithCredentials("gamma-partner")).toEqual({ partner: await partners.getPartner("gamma-partner"), credentials: await partners.getCredentials("gamma-partner") });
      expect(await partners.getPartnerWithCredentials("nobody-here")).toBeUndefined();
      expect(await partners.getPartnerWithCredentials("Not/A Partner Id")).toBeUndefined();
      expect(await partners.findPartnerIdByApiKeyHash(hash("b"))).toBe("gamma-partner");
      expect(await partners.findPartnerIdByApiKeyHash(hash("a"))).toBeUndefined();
      expect(await partners.findPartnerIdByApiKeyHash("not-a-hash")).toBeUndefined();
      await partners.upsertPartner(storedPartnerDefinition("alpha-partner"), { webhookSecrets: [], apiKeyHashes: [] });
      expect((await partners.listPartners()).map((p) => p.id)).toEqual(["alpha-partner", "gamma-partner"]);
      expect(await partners.getPartner("nobody-here")).toBeUndefined();
      expect(await partners.getCredentials("nobody-here")).toBeUndefined();
      expect(await partners.getPartner("Not/A Partner Id")).toBeUndefined();
    });

    it("adds and revokes keys: a revoked key stays listed, keeps its first revokedAt and no longer resolves", async () => {
      const partners = await makeAdapter(() => new Date());
      await partners.upsertPartner(storedPartnerDefinition("delta-partner"), { webhookSecrets: ["whsec_a"], apiKeyHashes: [], apiKeys: [apiKey("c")] });
      await partners.addApiKey("delta-partner", apiKey("d", { role: "helpdesk-agent", name: "Helpdesk laptop" }));
      expect(await partners.findPartnerIdByApiKeyHash(hash("d"))).toBe("delta-partner");
      await expect(partners.addApiKey("delta-partner", apiKey("d"))).rejects.toThrow(/already exists/);
      await expect(partners.addApiKey("nobody-here", apiKey("e"))).rejects.toThrow(/not found/);

      const revoked = await partners.revokeApiKey("delta-partner", apiKey("d").keyId, "2026-04-03T10:00:00.000Z");
      expect(revoked).toEqual({ ...apiKey("d", { role: "helpdesk-agent", name: "Helpdesk laptop" }), revokedAt: "2026-04-03T10:00:00.000Z" });
      expect(await partners.revokeApiKey("delta-partner", apiKey("d").keyId, "2026-04-04T10:00:00.000Z")).toEqual(revoked);
      expect(await partners.revokeApiKey("delta-partner", "key_unknown", "2026-04-04T10:00:00.000Z")).toBeUndefined();
      expect(await partners.revokeApiKey("nobody-here", apiKey("d").keyId, "2026-04-04T10:00:00.000Z")).toBeUndefined();
      expect(await partners.findPartnerIdByApiKeyHash(hash("d"))).toBeUndefined();
      expect(await partners.getCredentials("delta-partner")).toEqual({ webhookSecrets: ["whsec_a"], apiKeyHashes: [hash("c")], apiKeys: [apiKey("c"), revoked] });
    });

    it("records key uses on known keys only", async () => {
      const partners = await makeAdapter(() => new Date());
      await partners.upsertPartner(storedPartnerDefinition("epsilon-partner"), { webhookSecrets: [], apiKeyHashes: [], apiKeys: [apiKey("c"), apiKey("d")] });
      await partners.recordApiKeyUse(hash("c"), "2026-04-05T10:00:00.000Z");
      await partners.recordApiKeyUse(hash("c"), "2026-04-05T10:01:00.000Z");
      await partners.recordApiKeyUse(hash("e"), "2026-04-05T10:00:00.000Z");
      const uses = await partners.getApiKeyUses([hash("c"), hash("d"), hash("e")]);
      expect([...uses]).toEqual([[hash("c"), "2026-04-05T10:01:00.000Z"]]);
    });

    it("is not changed through objects a caller passed in or got back", async () => {
      const partners = await makeAdapter(() => new Date());
      const def = storedPartnerDefinition("zeta-partner");
      const credentials = { webhookSecrets: ["whsec_a"], apiKeyHashes: [], apiKeys: [apiKey("c")] };
      await partners.upsertPartner(def, credentials);
      def.name = "Changed";
      credentials.apiKeys[0]!.name = "Changed";
      (await partners.getPartner("zeta-partner"))!.contacts.escalation.push("changed@x.example");
      (await partners.getCredentials("zeta-partner"))!.apiKeys!.pop();
      expect((await partners.getPartner("zeta-partner"))?.name).toBe("Partner zeta-partner");
      expect((await partners.getPartner("zeta-partner"))?.contacts.escalation).toEqual(["duty@zeta-partner.example"]);
      expect((await partners.getCredentials("zeta-partner"))?.apiKeys).toEqual([apiKey("c")]);
    });
  });
}
