/**
 * The clients of the partner API (demo, benchmark, end-to-end tests) wait out 429 answers for as
 * long as the server asks, however often it asks: against scripted answers, and against a real
 * HTTP server limited by the app's own per-key limiter with many clients polling one key at once.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApiError, DemoApiClient } from "../../../scripts/lib/demoRunner";
import { DEFAULT_RETRY_AFTER_IN_MS, fetchHonouringRetryAfter, type RepeatableRequest } from "../../../scripts/lib/retryingFetch";
import { parseRetryAfter } from "../../../shared/contracts";
import { FixedWindowRateLimiter } from "../../../shared/services/rateLimiter";

/** A fetch answering from a script of responses (the last one repeats), recording each request. */
function scripted(answers: Array<() => Response>): { fetch: typeof fetch; requests: Array<{ url: string; init: RequestInit }> } {
  const requests: Array<{ url: string; init: RequestInit }> = [];
  const fake = (async (url: string, init: RequestInit) => {
    requests.push({ url, init });
    const answer = answers[Math.min(requests.length - 1, answers.length - 1)] as () => Response;
    return answer();
  }) as unknown as typeof fetch;
  return { fetch: fake, requests };
}

const tooMany = (retryAfter?: string) => () => new Response(JSON.stringify({ status: 429, title: "Too many requests." }), { status: 429, headers: retryAfter === undefined ? {} : { "retry-after": retryAfter } });
const ok = (body: unknown) => () => new Response(JSON.stringify(body), { status: 200 });

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-03-02T10:00:00Z");
  it("reads delay-seconds and HTTP-dates (RFC 9110 §10.2.3), and nothing else", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
    expect(parseRetryAfter("Mon, 02 Mar 2026 10:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfter("Mon, 02 Mar 2026 09:59:00 GMT", now)).toBe(0);
    for (const bad of [undefined, null, "", "-5", "1.5", "soon"]) expect(parseRetryAfter(bad, now)).toBeUndefined();
  });
});

describe("fetchHonouringRetryAfter", () => {
  it("sends the same request again after every 429, each time after the Retry-After it was given, however many there are", async () => {
    const inThreeSeconds = new Date(Date.now() + 3000).toUTCString();
    const { fetch, requests } = scripted([tooMany("2"), tooMany(inThreeSeconds), tooMany(), tooMany("0"), tooMany("1"), ok({ done: true })]);
    const waits: number[] = [];
    const response = await fetchHonouringRetryAfter("http://app/x", { method: "POST", headers: { "idempotency-key": "k1" }, body: "{}" }, { fetchImpl: fetch, sleep: async (ms) => void waits.push(ms) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    expect(requests).toHaveLength(6);
    for (const r of requests) expect(r.init).toMatchObject({ method: "POST", headers: { "idempotency-key": "k1" }, body: "{}" });
    expect(waits).toHaveLength(5);
    expect(waits[0]).toBe(2000);
    // An HTTP-date has whole seconds.
    expect(waits[1]).toBeGreaterThan(1000);
    expect(waits[1]).toBeLessThanOrEqual(3000);
    expect(waits.slice(2)).toEqual([DEFAULT_RETRY_AFTER_IN_MS, 0, 1000]);
  });

  it("a 503 is waited out for a read or a de-duplicated write (webhook-id, Idempotency-Key), not for another write", async () => {
    const unavailable = () => new Response(JSON.stringify({ status: 503 }), { status: 503, headers: { "retry-after": "3" } });
    const safe: RepeatableRequest[] = [{}, { method: "POST", headers: { "webhook-id": "msg_1" }, body: "{}" }, { method: "POST", headers: { "Idempotency-Key": "k" }, body: "{}" }];
    for (const request of safe) {
      const { fetch, requests } = scripted([unavailable, ok({ done: true })]);
      const waits: number[] = [];
      const response = await fetchHonouringRetryAfter("http://app/x", request, { fetchImpl: fetch, sleep: async (ms) => void waits.push(ms) });
      expect(response.status).toBe(200);
      expect(requests).toHaveLength(2);
      expect(waits).toEqual([3000]);
    }
    const { fetch, requests } = scripted([unavailable, ok({ done: true })]);
    const response = await fetchHonouringRetryAfter("http://app/x", { method: "POST", headers: { "x-api-key": "k" }, body: "{}" }, { fetchImpl: fetch, sleep: async () => undefined });
    expect(response.status).toBe(503);
    expect(requests).toHaveLength(1);
  });

  it("a 409 'Idempotency-Key still in use' (its first attempt, timed out here, still running there) is waited out; another 409 is an answer", async () => {
    const inUse = () => new Response(JSON.stringify({ type: "/problems/idempotency-key-in-use", title: "A request with this Idempotency-Key is still being processed.", status: 409 }), { status: 409, headers: { "content-type": "application/problem+json", "retry-after": "2" } });
    const keyed: RepeatableRequest = { method: "POST", headers: { "Idempotency-Key": "k-1" }, body: "{}" };
    const { fetch, requests } = scripted([inUse, inUse, () => new Response(JSON.stringify({ caseId: "CS-1" }), { status: 202 })]);
    const waits: number[] = [];
    const response = await fetchHonouringRetryAfter("http://app/x", keyed, { fetchImpl: fetch, sleep: async (ms) => void waits.push(ms) });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ caseId: "CS-1" });
    expect(requests).toHaveLength(3);
    expect(waits).toEqual([2000, 2000]);
    // A state conflict, or the same 409 to a request without a key, is the answer.
    const conflict = () => new Response(JSON.stringify({ type: "/problems/conflict", status: 409 }), { status: 409, headers: { "content-type": "application/problem+json" } });
    for (const [answer, request] of [[conflict, keyed], [inUse, { method: "POST", body: "{}" }]] as const) {
      const s = scripted([answer, ok({ done: true })]);
      const r = await fetchHonouringRetryAfter("http://app/x", request, { fetchImpl: s.fetch, sleep: async () => undefined });
      expect(r.status).toBe(409);
      expect(s.requests).toHaveLength(1);
      expect(((await r.json()) as { type: string }).type).toMatch(/^\/problems\//);
    }
  });

  it("an attempt without an answer in time is sent again when safe to repeat; otherwise its timeout is thrown", async () => {
    let calls = 0;
    const slowThenOk = (async () => {
      calls++;
      if (calls === 1) throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
      return new Response("{}", { status: 202 });
    }) as unknown as typeof fetch;
    const waits: number[] = [];
    const response = await fetchHonouringRetryAfter("http://app/x", { method: "POST", headers: { "webhook-id": "msg_1" }, body: "{}" }, { fetchImpl: slowThenOk, sleep: async (ms) => void waits.push(ms) });
    expect(response.status).toBe(202);
    expect(calls).toBe(2);
    expect(waits).toEqual([DEFAULT_RETRY_AFTER_IN_MS]);
    calls = 0;
    await expect(fetchHonouringRetryAfter("http://app/x", { method: "POST", headers: { "x-api-key": "k" }, body: "{}" }, { fetchImpl: slowThenOk, sleep: async () => undefined })).rejects.toMatchObject({ name: "TimeoutError" });
    expect(calls).toBe(1);
  });

  it("returns the 429 once the waiting budget would be passed", async () => {
    const { fetch, requests } = scripted([tooMany("2")]);
    const waits: number[] = [];
    const response = await fetchHonouringRetryAfter("http://app/x", {}, { fetchImpl: fetch, maxWaitInMs: 5000, sleep: async (ms) => void waits.push(ms) });
    expect(response.status).toBe(429);
    expect(waits).toEqual([2000, 2000]);
    expect(requests).toHaveLength(3);
  });
});

describe("DemoApiClient under the per-key limit", () => {
  it("waits out more than three 429s in a row (the end-to-end pollers did not)", async () => {
    const { fetch, requests } = scripted([tooMany("1"), tooMany("1"), tooMany("1"), tooMany("1"), tooMany("1"), ok({ case: { caseId: "C-1" } })]);
    const waits: number[] = [];
    const view = await new DemoApiClient("http://app", fetch, { sleep: async (ms) => void waits.push(ms) }).getCase("p-1", "key", "C-1");
    expect(view).toEqual({ case: { caseId: "C-1" } });
    expect(requests).toHaveLength(6);
    expect(waits).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it("throws ApiError 429 when the budget is spent", async () => {
    const { fetch } = scripted([tooMany("30")]);
    const error = await new DemoApiClient("http://app", fetch, { maxWaitInMs: 60_000, sleep: async () => undefined }).getCase("p-1", "key", "C-1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
  });

  it("lets many pollers of one key all finish against a real server limited by the app's limiter, none sent early", async () => {
    // 4 requests per one-second window for the key; 6 pollers × 3 reads = 18 reads → at least 4 windows.
    const limiter = new FixedWindowRateLimiter(4, 1000);
    const notBefore = new Map<string, number>();
    const early: string[] = [];
    let served = 0;
    const server = http.createServer((req, res) => {
      const poller = String(req.headers["x-poller"]);
      if ((notBefore.get(poller) ?? 0) > Date.now()) early.push(poller);
      const decision = limiter.take(String(req.headers["x-api-key"]));
      if (!decision.allowed) {
        notBefore.set(poller, Date.now() + decision.retryAfterInSeconds * 1000 - 50);
        res.writeHead(429, { "content-type": "application/problem+json", "retry-after": String(decision.retryAfterInSeconds) }).end(JSON.stringify({ status: 429 }));
        return;
      }
      served++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ case: { caseId: req.url?.split("/").pop() } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const pollers = Array.from({ length: 6 }, (_, i) => {
        const poller = `poller-${i}`;
        const withHeader = ((url: string, init: RequestInit) => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), "x-poller": poller } })) as typeof fetch;
        const client = new DemoApiClient(base, withHeader);
        return (async () => {
          for (let n = 0; n < 3; n++) expect(await client.getCase("p-1", "one-key", `C-${i}-${n}`)).toEqual({ case: { caseId: `C-${i}-${n}` } });
        })();
      });
      await Promise.all(pollers);
      expect(served).toBe(18);
      expect(early).toEqual([]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
