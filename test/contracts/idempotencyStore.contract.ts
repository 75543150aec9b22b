/**
 * Contract of the IdempotencyStore port (shared/ports): what a caller observes of any adapter
 * (IETF httpapi Idempotency-Key draft semantics; default retention 24 h, in-flight lock 5 min).
 */
import type { IdempotencyStore } from "../../shared/ports";
import { TestClock, type MakeAdapter } from "./support";

const response = { status: 202, headers: { Location: "http://x/1", "Content-Type": "application/json" }, body: '{"caseId":"CS-1"}' };

/** Defines the IdempotencyStore contract tests for an adapter (made with its default retention and lock). */
export function describeIdempotencyStoreContract(name: string, makeAdapter: MakeAdapter<IdempotencyStore>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    it("claims a key once: in flight, then completed and replayed, mismatch for another payload", async () => {
      const store = await makeAdapter(() => new Date());
      expect(await store.begin("p1", "key-1", "fp-a")).toEqual({ state: "started" });
      expect(await store.begin("p1", "key-1", "fp-a")).toEqual({ state: "in-flight" });
      expect(await store.begin("p1", "key-1", "fp-b")).toEqual({ state: "mismatch" });
      await store.complete("p1", "key-1", response);
      expect(await store.begin("p1", "key-1", "fp-a")).toEqual({ state: "completed", response });
      expect(await store.begin("p1", "key-1", "fp-b")).toEqual({ state: "mismatch" });
    });

    it("scopes keys per partner and lets a released key be claimed again", async () => {
      const store = await makeAdapter(() => new Date());
      expect(await store.begin("p1", "key-2", "fp")).toEqual({ state: "started" });
      expect(await store.begin("p2", "key-2", "fp")).toEqual({ state: "started" });
      await store.release("p1", "key-2");
      await store.release("p1", "never-claimed");
      expect(await store.begin("p1", "key-2", "other-fp")).toEqual({ state: "started" });
      expect(await store.begin("p2", "key-2", "fp")).toEqual({ state: "in-flight" });
    });

    it("refuses to complete a key that is not claimed", async () => {
      const store = await makeAdapter(() => new Date());
      await expect(store.complete("p1", "never-claimed", response)).rejects.toThrow();
      expect(await store.begin("p1", "never-claimed", "fp")).toEqual({ state: "started" });
    });

    it("lets exactly one of many concurrent claims start", async () => {
      const store = await makeAdapter(() => new Date());
      const results = await Promise.all(Array.from({ length: 8 }, () => store.begin("p1", "race", "fp")));
      expect(results.filter((r) => r.state === "started")).toHaveLength(1);
      expect(results.filter((r) => r.state === "in-flight")).toHaveLength(7);
    });

    it("treats an abandoned claim (after 5 min) and an expired key (after 24 h) as absent", async () => {
      const clock = new TestClock("2026-01-01T00:00:00Z");
      const store = await makeAdapter(clock.now);
      expect(await store.begin("p3", "k", "fp-a")).toEqual({ state: "started" });
      clock.set("2026-01-01T00:04:59Z");
      expect(await store.begin("p3", "k", "fp-a")).toEqual({ state: "in-flight" });
      clock.set("2026-01-01T00:05:00Z");
      expect(await store.begin("p3", "k", "fp-a")).toEqual({ state: "started" });
      clock.set("2026-01-01T00:06:00Z");
      await store.complete("p3", "k", response);
      clock.set("2026-01-02T00:05:59Z");
      expect(await store.begin("p3", "k", "fp-b")).toEqual({ state: "mismatch" });
      clock.set("2026-01-02T00:06:00Z");
      expect(await store.begin("p3", "k", "fp-b")).toEqual({ state: "started" });
    });

    it("deletes keys past their retention (bounded), every scope, and only those", async () => {
      const clock = new TestClock("2026-02-01T00:00:00Z");
      const store = await makeAdapter(clock.now);
      for (const [scope, k] of [["p4", "old-1"], ["p4", "old-2"], ["p5", "old-3"]] as const) {
        await store.begin(scope, k, "fp");
        await store.complete(scope, k, response);
      }
      clock.set("2026-02-03T00:00:00Z");
      await store.begin("p4", "fresh", "fp");
      await store.complete("p4", "fresh", response);
      expect(await store.deleteExpired("2026-02-03T00:00:00.000Z", 2)).toBe(2);
      expect(await store.deleteExpired("2026-02-03T00:00:00.000Z", 10)).toBe(1);
      expect(await store.deleteExpired("2026-02-03T00:00:00.000Z", 10)).toBe(0);
      expect(await store.begin("p4", "fresh", "fp")).toEqual({ state: "completed", response });
      expect(await store.begin("p4", "old-1", "other")).toEqual({ state: "started" });
    });

    it("replays the stored response even when the caller changed the object it completed with", async () => {
      const store = await makeAdapter(() => new Date());
      const mine = structuredClone(response);
      await store.begin("p1", "key-3", "fp");
      await store.complete("p1", "key-3", mine);
      mine.headers.Location = "changed";
      const replay = await store.begin("p1", "key-3", "fp");
      if (replay.state === "completed") replay.response.body = "changed";
      expect(await store.begin("p1", "key-3", "fp")).toEqual({ state: "completed", response });
    });
  });
}
