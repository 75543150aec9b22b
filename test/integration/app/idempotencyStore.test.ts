/**
 * TableIdempotencyStore against the real Azurite: its options and runIdempotent over it (the
 * port's semantics are in test/contracts, run by tableAdapterContracts.test.ts).
 */
import { resendNextInsert } from "../../support/lostAnswer";
import { TableIdempotencyStore, TableStorage } from "../../../shared/adapters";
import { runIdempotent } from "../../../shared/services/idempotency";
import { testConfig } from "./helpers";

const config = testConfig("idem");
const storage = new TableStorage({ connectionString: config.AzureWebJobsStorage, tablePrefix: config.TABLE_PREFIX });
const response = { status: 202, headers: { Location: "http://x/1", "Content-Type": "application/json" }, body: '{"caseId":"CS-1"}' };

describe("TableIdempotencyStore", () => {
  const store = new TableIdempotencyStore(storage);

  it("refuses less than 24 h retention and a lock that is not positive", () => {
    expect(() => new TableIdempotencyStore(storage, { retentionInMs: 60_000 })).toThrow(RangeError);
    expect(() => new TableIdempotencyStore(storage, { lockInMs: 0 })).toThrow(RangeError);
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

  it("a claim whose insert committed but whose answer was lost (sent again: 409) is the caller's own; another request still finds the key in flight", async () => {
    const resend = resendNextInsert();
    try {
      expect(await store.begin("p5", "lost-answer", "fp")).toEqual({ state: "started" });
      expect(resend).toHaveBeenCalledTimes(1);
    } finally {
      resend.mockRestore();
    }
    expect(await store.begin("p5", "lost-answer", "fp")).toEqual({ state: "in-flight" });
    await store.complete("p5", "lost-answer", response);
    expect(await store.begin("p5", "lost-answer", "fp")).toEqual({ state: "completed", response });
  });
});
