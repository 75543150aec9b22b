/**
 * The partner cache of the workflow's steps: what a step reads within the lifetime comes from
 * memory; a change made through the cache is seen at once, one made elsewhere after the lifetime;
 * credentials are always read from storage.
 */
import { CachedPartnerRepository } from "../../../shared/adapters/cachedPartnerRepository";
import { MemoryPartnerRepository } from "../../../shared/adapters/memory";
import { storedPartnerDefinition } from "../../contracts/support";

const hash = (c: string): string => c.repeat(64);

async function setUp(options: { ttlInMs?: number; maxPartners?: number } = {}): Promise<{ inner: MemoryPartnerRepository; cached: CachedPartnerRepository; reads: jest.SpyInstance; advance: (ms: number) => void }> {
  const inner = new MemoryPartnerRepository(() => new Date("2026-04-01T10:00:00.000Z"));
  for (const id of ["alpha-partner", "beta-partner", "gamma-partner"]) await inner.upsertPartner(storedPartnerDefinition(id), { webhookSecrets: ["whsec_a"], apiKeyHashes: [hash("a")] });
  let now = 1000;
  const reads = jest.spyOn(inner, "getPartner");
  const cached = new CachedPartnerRepository(inner, { ...options, monotonicNow: () => now });
  return { inner, cached, reads, advance: (ms) => void (now += ms) };
}

test("a partner read within the lifetime comes from memory; after it, from storage again", async () => {
  const { inner, cached, reads, advance } = await setUp({ ttlInMs: 30_000 });
  const first = await cached.getPartner("alpha-partner");
  expect(first?.name).toBe(storedPartnerDefinition("alpha-partner").name);
  // Renamed elsewhere (another instance of the app): this process sees it after the lifetime.
  await inner.upsertPartner({ ...storedPartnerDefinition("alpha-partner"), name: "Renamed elsewhere" }, { webhookSecrets: ["whsec_a"], apiKeyHashes: [hash("a")] });
  advance(29_999);
  expect((await cached.getPartner("alpha-partner"))?.name).toBe(first?.name);
  expect(reads).toHaveBeenCalledTimes(1);
  advance(1);
  expect((await cached.getPartner("alpha-partner"))?.name).toBe("Renamed elsewhere");
  expect(reads).toHaveBeenCalledTimes(2);
});

test("a change made through the cache is seen by the next read", async () => {
  const { cached, reads } = await setUp();
  await cached.getPartner("beta-partner");
  await cached.upsertPartner({ ...storedPartnerDefinition("beta-partner"), name: "Beta renamed" }, { webhookSecrets: ["whsec_a"], apiKeyHashes: [hash("a")] });
  expect((await cached.getPartner("beta-partner"))?.name).toBe("Beta renamed");
  await cached.addApiKey("beta-partner", { keyId: `key_${"b".repeat(16)}`, hash: hash("b"), prefix: "csp_abcd", role: "global-admin", name: "B", createdAt: "2026-04-01T10:00:00.000Z" });
  await cached.getPartner("beta-partner");
  await cached.revokeApiKey("beta-partner", `key_${"b".repeat(16)}`, "2026-04-02T10:00:00.000Z");
  await cached.getPartner("beta-partner");
  expect(reads).toHaveBeenCalledTimes(4);
});

test("credentials and the API-key index are read from storage every time, so a revoked key or a new secret applies at once", async () => {
  const { inner, cached } = await setUp();
  const credentials = jest.spyOn(inner, "getCredentials");
  const withCredentials = jest.spyOn(inner, "getPartnerWithCredentials");
  const keyIndex = jest.spyOn(inner, "findPartnerIdByApiKeyHash");
  for (let i = 0; i < 3; i++) {
    await cached.getCredentials("alpha-partner");
    await cached.getPartnerWithCredentials("alpha-partner");
    await cached.findPartnerIdByApiKeyHash(hash("a"));
  }
  await inner.upsertPartner(storedPartnerDefinition("alpha-partner"), { webhookSecrets: ["whsec_new"], apiKeyHashes: [] });
  expect((await cached.getCredentials("alpha-partner"))?.webhookSecrets).toEqual(["whsec_new"]);
  expect(await cached.findPartnerIdByApiKeyHash(hash("a"))).toBeUndefined();
  // (the memory adapter's getPartnerWithCredentials reads the credentials through getCredentials too)
  expect(credentials.mock.calls.length).toBeGreaterThanOrEqual(4);
  expect([withCredentials.mock.calls.length, keyIndex.mock.calls.length]).toEqual([3, 4]);
});

test("concurrent reads of one partner share one storage read; each caller gets its own copy", async () => {
  const { cached, reads } = await setUp();
  const all = await Promise.all(Array.from({ length: 20 }, () => cached.getPartner("gamma-partner")));
  expect(reads).toHaveBeenCalledTimes(1);
  all[0]!.name = "mutated by a caller";
  expect(all[1]!.name).toBe(storedPartnerDefinition("gamma-partner").name);
  expect((await cached.getPartner("gamma-partner"))?.name).toBe(storedPartnerDefinition("gamma-partner").name);
});

test("an unknown partner and a failed read are not kept: a partner registered or storage back meanwhile is read at once", async () => {
  const { inner, cached, reads } = await setUp();
  expect(await cached.getPartner("delta-partner")).toBeUndefined();
  await inner.upsertPartner(storedPartnerDefinition("delta-partner"), { webhookSecrets: ["whsec_a"], apiKeyHashes: [] });
  expect((await cached.getPartner("delta-partner"))?.id).toBe("delta-partner");
  reads.mockRejectedValueOnce(Object.assign(new Error("storage unavailable"), { statusCode: 503 }));
  await expect(cached.getPartner("alpha-partner")).rejects.toThrow("storage unavailable");
  expect((await cached.getPartner("alpha-partner"))?.id).toBe("alpha-partner");
});

test("at most maxPartners are kept: the least recently read is read from storage again", async () => {
  const { cached, reads } = await setUp({ maxPartners: 2 });
  await cached.getPartner("alpha-partner");
  await cached.getPartner("beta-partner");
  await cached.getPartner("alpha-partner");
  await cached.getPartner("gamma-partner");
  expect(reads).toHaveBeenCalledTimes(3);
  await cached.getPartner("alpha-partner");
  expect(reads).toHaveBeenCalledTimes(3);
  await cached.getPartner("beta-partner");
  expect(reads).toHaveBeenCalledTimes(4);
});

test("a lifetime of 0 reads storage every time", async () => {
  const { cached, reads } = await setUp({ ttlInMs: 0 });
  await cached.getPartner("alpha-partner");
  await cached.getPartner("alpha-partner");
  expect(reads).toHaveBeenCalledTimes(2);
});
