/** TableIdempotencyStore against the real Azurite (IETF Idempotency-Key draft semantics). */
import { TableIdempotencyStore, TableStorage } from "../../../shared/adapters";
import { runIdempotent } from "../../../shared/services/idempotency";
import { testConfig } from "./helpers";

const config = testConfig("idem");
const storage = new TableStorage({ connectionString: config.AzureWebJobsStorage, tablePrefix: config.TABLE_PREFIX });
const response = { status: 202, headers: { Location: "http://x/1", "Content-Type": "application/json" }, body: '{"caseId":"CS-1"}' };

describe("TableIdempotencyStore", () => {
  const store = new TableIdempotencyStore(storage);

  it("claims a key once: in flight, then completed and replayed, mismatch for another payload", async () => {
    expect(await store.begin("p1", "key-1", "fp-a")).toEqual({ state: "started" });
    expect(await store.begin("p1", "key-1", "fp-a")).toEqual({ state: "in-flight" });
    await store.complete("p1", "key-1", response);
    expect(await store.begin("p1", "key-1", "fp-a")).toEqual({ state: "completed", response });
    expect(await store.begin("p1", "key-1", "fp-b")).toEqual({ state: "mismatch" });
  });

  it("scopes keys per partner and lets a released key be claimed again", async () => {
    expect(await store.begin("p1", "key-2", "fp")).toEqual({ state: "started" });
    expect(await store.begin("p2", "key-2", "fp")).toEqual({ state: "started" });
    await store.release("p1", "key-2");
    expect(await store.begin("p1", "key-2", "fp")).toEqual({ state: "started" });
  });

  it("deletes keys past their retention (bounded), and only those", async () => {
    const storage2 = new TableStorage({ connectionString: config.AzureWebJobsStorage, tablePrefix: `${config.TABLE_PREFIX}x` });
    let now = new Date("2026-02-01T00:00:00Z");
    const clocked = new TableIdempotencyStore(storage2, { now: () => now });
    for (const k of ["old-1", "old-2", "old-3"]) {
      await clocked.begin("p4", k, "fp");
      await clocked.complete("p4", k, response);
    }
    now = new Date("2026-02-03T00:00:00Z");
    await clocked.begin("p4", "fresh", "fp");
    await clocked.complete("p4", "fresh", response);
    expect(await clocked.deleteExpired("2026-02-03T00:00:00.000Z", 2)).toBe(2);
    expect(await clocked.deleteExpired("2026-02-03T00:00:00.000Z", 10)).toBe(1);
    expect(await clocked.deleteExpired("2026-02-03T00:00:00.000Z", 10)).toBe(0);
    expect(await clocked.begin("p4", "fresh", "fp")).toEqual({ state: "completed", response });
    expect(await clocked.begin("p4", "old-1", "other")).toEqual({ state: "started" });
  });

  it("lets exactly one of many concurrent claims start", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => store.begin("p1", "race", "fp")));
    expect(results.filter((r) => r.state === "started")).toHaveLength(1);
    expect(results.filter((r) => r.state === "in-flight")).toHaveLength(7);
  });

  it("treats expired keys and abandoned claims as absent, and refuses less than 24 h retention", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const clocked = new TableIdempotencyStore(storage, { now: () => now, lockInMs: 60_000 });
    expect(await clocked.begin("p3", "k", "fp-a")).toEqual({ state: "started" });
    now = new Date("2026-01-01T00:00:30Z");
    expect(await clocked.begin("p3", "k", "fp-a")).toEqual({ state: "in-flight" });
    now = new Date("2026-01-01T00:02:00Z");
    expect(await clocked.begin("p3", "k", "fp-a")).toEqual({ state: "started" });
    await clocked.complete("p3", "k", response);
    now = new Date("2026-01-01T23:59:00Z");
    expect(await clocked.begin("p3", "k", "fp-b")).toEqual({ state: "mismatch" });
    now = new Date("2026-01-02T00:03:00Z");
    expect(await clocked.begin("p3", "k", "fp-b")).toEqual({ state: "started" });
    expect(() => new TableIdempotencyStore(storage, { retentionInMs: 60_000 })).toThrow(RangeError);
  });

  it("runIdempotent stores 2xx/4xx, releases on 5xx and on throw", async () => {
    let calls = 0;
    const ok = async () => {
      calls++;
      return response;
    };
    expect(await runIdempotent(store, "p4", "a", "fp", ok)).toEqual({ kind: "fresh", response });
    expect(await runIdempotent(store, "p4", "a", "fp", ok)).toEqual({ kind: "replayed", response: { ...response, headers: { ...response.headers, "Idempotent-Replayed": "true" } } });
    expect(calls).toBe(1);
    await runIdempotent(store, "p4", "b", "fp", async () => ({ status: 503, headers: {}, body: "" }));
    expect(await store.begin("p4", "b", "fp")).toEqual({ state: "started" });
    await expect(runIdempotent(store, "p4", "c", "fp", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await store.begin("p4", "c", "fp")).toEqual({ state: "started" });
  });
});
