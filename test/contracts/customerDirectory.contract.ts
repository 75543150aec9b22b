/**
 * Contract of the CustomerDirectory port (shared/ports): what a caller observes of any adapter.
 */
import type { CustomerDirectoryEntry } from "../../shared/contracts";
import type { CustomerDirectory } from "../../shared/ports";
import type { MakeAdapter } from "./support";

const tisza = "b73b3144-acc1-422a-a4c7-bc9d4aed30f9";
const duna = "5f0c7a52-9d1e-4a39-8a8e-2f6d1c3b9e11";

function entry(email: string, tenantId = tisza, overrides: Partial<CustomerDirectoryEntry> = {}): CustomerDirectoryEntry {
  return { tenantId, name: tenantId === tisza ? "Tisza Logisztika Zrt." : "Duna Kft.", email, domain: email.slice(email.indexOf("@") + 1), language: "hu", source: "case", updatedAt: "2026-05-01T10:00:00.000Z", ...overrides };
}

/** Defines the CustomerDirectory contract tests for an adapter. */
export function describeCustomerDirectoryContract(name: string, makeAdapter: MakeAdapter<CustomerDirectory>): void {
  describe(`CustomerDirectory contract: ${name}`, () => {
    it("finds a customer by address (case-insensitive) and by domain, scoped by partner", async () => {
      const directory = await makeAdapter(() => new Date());
      await directory.upsert("p-dir", entry(" IT@Tisza.Example ", tisza, { domain: "Tisza.Example" }));
      expect(await directory.findByEmail("p-dir", "it@tisza.example")).toEqual(entry("it@tisza.example"));
      expect(await directory.findByEmail("p-dir", "  It@TISZA.example")).toEqual(entry("it@tisza.example"));
      expect(await directory.findByDomain("p-dir", "TISZA.example")).toEqual(entry("it@tisza.example"));
      expect(await directory.findByEmail("p-other", "it@tisza.example")).toBeUndefined();
      expect(await directory.findByDomain("p-other", "tisza.example")).toBeUndefined();
      expect(await directory.findByEmail("p-dir", "nobody@tisza.example")).toBeUndefined();
    });

    it("keeps the last contact of a domain, and stops matching a domain seen with two tenants", async () => {
      const directory = await makeAdapter(() => new Date());
      await directory.upsert("p-dir", entry("it@tisza.example"));
      await directory.upsert("p-dir", entry("cfo@tisza.example", tisza, { name: "Tisza Logisztika" }));
      expect(await directory.findByDomain("p-dir", "tisza.example")).toEqual(entry("cfo@tisza.example", tisza, { name: "Tisza Logisztika" }));
      await directory.upsert("p-dir", entry("ops@tisza.example", duna));
      expect(await directory.findByDomain("p-dir", "tisza.example")).toBeUndefined();
      expect(await directory.findByEmail("p-dir", "ops@tisza.example")).toEqual(entry("ops@tisza.example", duna));
      expect(await directory.findByEmail("p-dir", "it@tisza.example")).toEqual(entry("it@tisza.example"));
    });

    it("records every address and every tenant of a domain when contacts of two tenants are written at once", async () => {
      const directory = await makeAdapter(() => new Date());
      const writes = Array.from({ length: 8 }, (_, i) => entry(`user${i}@tisza.example`, i % 2 === 0 ? tisza : duna));
      await Promise.all(writes.map((e) => directory.upsert("p-race", e)));
      for (const e of writes) expect(await directory.findByEmail("p-race", e.email)).toEqual(e);
      // Both tenants reached the domain row: the domain matches no single customer.
      expect(await directory.findByDomain("p-race", "tisza.example")).toBeUndefined();
      expect((await directory.listByTenant("p-race", duna)).map((e) => e.email)).toContain("user1@tisza.example");
      expect((await directory.listByTenant("p-race", tisza)).filter((e) => e.domain === "tisza.example" && e.email.startsWith("user")).length).toBeGreaterThanOrEqual(4);
    });

    it("one contact written 24 times at once (a burst of requests from one customer): every write is recorded, the domain entry names the contact", async () => {
      const directory = await makeAdapter(() => new Date());
      const first = entry("ops@burst.example", tisza, { domain: "burst.example" });
      await directory.upsert("p-burst", first);
      const writes = Array.from({ length: 24 }, (_, i) => ({ ...first, updatedAt: new Date(Date.parse(first.updatedAt) + i + 1).toISOString() }));
      await Promise.all(writes.map((e) => directory.upsert("p-burst", e)));
      expect((await directory.findByEmail("p-burst", "ops@burst.example"))?.tenantId).toBe(tisza);
      expect(await directory.findByDomain("p-burst", "burst.example")).toMatchObject({ tenantId: tisza, email: "ops@burst.example" });
      // New contacts of the domain at once: each address recorded, the domain still one tenant's.
      const others = Array.from({ length: 12 }, (_, i) => entry(`user${i}@burst.example`, tisza, { domain: "burst.example" }));
      await Promise.all(others.map((e) => directory.upsert("p-burst", e)));
      for (const e of others) expect(await directory.findByEmail("p-burst", e.email)).toEqual(e);
      expect((await directory.findByDomain("p-burst", "burst.example"))?.tenantId).toBe(tisza);
    });

    it("lists a tenant's address entries by address, then its domain entries", async () => {
      const directory = await makeAdapter(() => new Date());
      await directory.upsert("p-dir", entry("it@tisza.example"));
      await directory.upsert("p-dir", entry("cfo@tisza.example"));
      await directory.upsert("p-dir", entry("it@duna.example", duna));
      await directory.upsert("p-dir", entry("ops@tisza.example", duna));
      expect(await directory.listByTenant("p-dir", tisza)).toEqual([entry("cfo@tisza.example"), entry("it@tisza.example"), entry("ops@tisza.example", duna)]);
      expect(await directory.listByTenant("p-dir", duna)).toEqual([entry("it@duna.example", duna), entry("ops@tisza.example", duna), entry("it@duna.example", duna), entry("ops@tisza.example", duna)]);
      expect(await directory.listByTenant("p-other", tisza)).toEqual([]);
    });

    it("forgets an address: its entry goes, a domain entry that last saw it keeps the tenant with the contact erased", async () => {
      const directory = await makeAdapter(() => new Date());
      await directory.upsert("p-dir", entry("cfo@tisza.example"));
      await directory.upsert("p-dir", entry("it@tisza.example"));
      expect(await directory.forgetAddress("p-dir", "cfo@tisza.example")).toBe(1);
      expect(await directory.findByDomain("p-dir", "tisza.example")).toEqual(entry("it@tisza.example"));
      expect(await directory.forgetAddress("p-dir", "IT@tisza.example")).toBe(2);
      expect(await directory.findByEmail("p-dir", "it@tisza.example")).toBeUndefined();
      expect(await directory.findByDomain("p-dir", "tisza.example")).toEqual(entry("erased@erased.invalid", tisza, { domain: "tisza.example" }));
      expect(await directory.forgetAddress("p-dir", "it@tisza.example")).toBe(0);
      expect(await directory.listByTenant("p-dir", tisza)).toEqual([entry("erased@erased.invalid", tisza, { domain: "tisza.example" })]);
    });

    it("is not changed through objects a caller passed in or got back", async () => {
      const directory = await makeAdapter(() => new Date());
      const mine = entry("it@tisza.example");
      await directory.upsert("p-dir", mine);
      mine.name = "Changed";
      (await directory.findByEmail("p-dir", "it@tisza.example"))!.name = "Changed";
      (await directory.findByDomain("p-dir", "tisza.example"))!.name = "Changed";
      expect(await directory.findByEmail("p-dir", "it@tisza.example")).toEqual(entry("it@tisza.example"));
      expect(await directory.findByDomain("p-dir", "tisza.example")).toEqual(entry("it@tisza.example"));
    });
  });
}
