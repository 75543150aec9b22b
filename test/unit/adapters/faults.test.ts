/**
 * Storage fault classification and the write that records a side effect already done: transient
 * storage faults (network, 5xx, 429) are waited out within the budget, honouring Retry-After;
 * anything else, or a spent budget, is thrown at once.
 */
import { RestError } from "@azure/data-tables";
import { persistAfterSideEffect, retryAfterOf, storageFault } from "../../../shared/adapters/faults";

const unavailable = (): RestError => new RestError("Service Unavailable", { statusCode: 503 });
const refused = (): Error => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:10002"), { code: "ECONNREFUSED" });

describe("storageFault", () => {
  it("classifies refused connections and 5xx as transient, 4xx other than 408/429 as permanent", () => {
    expect(storageFault(refused())?.class).toBe("transient");
    expect(storageFault(unavailable())?.class).toBe("transient");
    expect(storageFault(new RestError("Bad Request", { statusCode: 400 }))?.class).toBe("permanent");
    expect(storageFault(new TypeError("not a storage error"))).toBeUndefined();
  });

  it("reads Retry-After in seconds and as an HTTP date", () => {
    const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] });
    expect(retryAfterOf(headers({ "retry-after": "7" }))).toBe(7000);
    expect(retryAfterOf(headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterOf(headers({ "retry-after": "Wed, 02 Dec 2026 10:00:30 GMT" }), Date.parse("2026-12-02T10:00:00Z"))).toBe(30_000);
    expect(retryAfterOf(headers({ "retry-after": "soon" }))).toBeUndefined();
    // RFC 9110 delay-seconds is digits only; Azure's millisecond headers win over it.
    for (const bad of ["-5", "1.5", "1e3"]) expect(retryAfterOf(headers({ "retry-after": bad }))).toBeUndefined();
    expect(retryAfterOf(headers({ "x-ms-retry-after-ms": "1500", "retry-after": "2" }))).toBe(1500);
    expect(retryAfterOf(headers({ "retry-after-ms": "-1", "retry-after": "2" }))).toBe(2000);
  });
});

describe("persistAfterSideEffect", () => {
  it("waits out a storage outage shorter than the budget and returns the write's result", async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await persistAfterSideEffect(
      async () => {
        calls += 1;
        if (calls <= 4) throw calls % 2 ? refused() : unavailable();
        return "recorded";
      },
      60_000,
      async (ms) => void waits.push(ms),
    );
    expect(result).toBe("recorded");
    expect(waits).toEqual([500, 1000, 2000, 4000]);
  });

  it("throws a permanent fault at once, without waiting", async () => {
    const waits: number[] = [];
    await expect(persistAfterSideEffect(async () => Promise.reject(new RestError("Bad Request", { statusCode: 400 })), 60_000, async (ms) => void waits.push(ms))).rejects.toThrow("Bad Request");
    expect(waits).toEqual([]);
  });

  it("gives up with the last error once the budget is spent, and never waits less than Retry-After", async () => {
    const waits: number[] = [];
    const throttled = new RestError("Too Many Requests", { statusCode: 429, response: { headers: { get: (n: string) => (n === "retry-after" ? "20" : undefined) } } as never });
    await expect(persistAfterSideEffect(async () => Promise.reject(throttled), 45_000, async (ms) => void waits.push(ms))).rejects.toThrow("Too Many Requests");
    expect(waits).toEqual([20_000, 20_000]);
  });
});
