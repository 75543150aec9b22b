import { Webhook } from "standardwebhooks";
import type { SupportRequest } from "../../../shared/contracts";
import { parseWith, DemoRequestSchema } from "../../../scripts/lib/fixtures";
import { caseOf, describeAction, evaluateOutcome, isBreachRecorded, isSettled, isWaitSatisfied, signWebhook, ApiError, DemoApiClient, type CaseView } from "../../../scripts/lib/demoRunner";
import requestsJson from "../../fixtures/demo/requests.json";

const sr = (patch: Partial<SupportRequest> = {}): SupportRequest =>
  ({ caseId: "C-1", partnerId: "p", status: "in-diagnosis", sla: { targets: { firstResponse: "PT20S", resolution: "PT4H", clock: "calendar" } }, ...patch }) as SupportRequest;

describe("signWebhook", () => {
  it("idempotencyKey null: no Idempotency-Key header, as a Standard Webhooks sender delivers", () => {
    const signed = signWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", { a: 1 }, { id: "msg_2", idempotencyKey: null });
    expect(Object.keys(signed.headers).sort()).toEqual(["content-type", "webhook-id", "webhook-signature", "webhook-timestamp"]);
  });

  it("produces Standard Webhooks headers that verify with the partner secret", () => {
    const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
    const signed = signWebhook(secret, { a: 1 }, { id: "msg_1", idempotencyKey: "k1", date: new Date("2026-11-21T10:00:00Z") });
    expect(signed.headers).toMatchObject({ "webhook-id": "msg_1", "webhook-timestamp": "1795255200", "idempotency-key": "k1", "content-type": "application/json" });
    expect(signed.headers["webhook-signature"]).toMatch(/^v1,/);
    const wh = new Webhook(secret);
    jest.useFakeTimers({ now: new Date("2026-11-21T10:00:30Z") });
    try {
      expect(wh.verify(signed.body, signed.headers)).toEqual({ a: 1 });
    } finally {
      jest.useRealTimers();
    }
    const other = signWebhook(secret, { a: 1 });
    expect(other.headers["webhook-id"]).not.toBe(signed.headers["webhook-id"]);
    expect(other.headers["idempotency-key"]).not.toBe("k1");
  });
});

describe("case view decisions", () => {
  it("reads `case` or `supportRequest`", () => {
    expect(caseOf({ case: sr() }).caseId).toBe("C-1");
    expect(caseOf({ supportRequest: sr({ caseId: "C-2" }) }).caseId).toBe("C-2");
    expect(() => caseOf({})).toThrow(TypeError);
  });
  it("detects breaches from sla or timeline", () => {
    expect(isBreachRecorded({ case: sr() }, "first-response")).toBe(false);
    expect(isBreachRecorded({ case: sr(), sla: { ...sr().sla!, firstResponseBreachedAt: "2026-11-21T10:00:20Z" } }, "first-response")).toBe(true);
    const timeline = [{ entryId: "b", kind: "sla-breached", at: "2026-11-21T10:00:20Z", summary: "First response target missed" }] as CaseView["timeline"];
    expect(isBreachRecorded({ case: sr(), timeline }, "first-response")).toBe(true);
    expect(isBreachRecorded({ case: sr(), timeline }, "resolution")).toBe(false);
  });
  it("settled when closed or the orchestration ended", () => {
    expect(isSettled({ case: sr({ status: "closed" }) })).toBe(true);
    expect(isSettled({ case: sr(), orchestration: { runtimeStatus: "Failed" } })).toBe(true);
    expect(isSettled({ case: sr(), orchestration: { runtimeStatus: "Running" } })).toBe(false);
  });
  it("wait actions", () => {
    expect(isWaitSatisfied({ waitForStatus: "resolved" }, { case: sr({ status: "resolved" }) })).toBe(true);
    expect(isWaitSatisfied({ wait: "first-response-breach" }, { case: sr() })).toBe(false);
    expect(isWaitSatisfied({ resolution: { summary: "x" } }, { case: sr() })).toBe(true);
    expect(describeAction({ diagnosis: { outcome: "needs-escalation", notes: "n" } })).toBe("diagnosis: needs-escalation");
  });
  it("evaluates outcomes: status is required, escalation only warns", () => {
    const request = parseWith(DemoRequestSchema, requestsJson[1], "r");
    expect(evaluateOutcome(request, { case: sr({ status: "closed", escalation: { target: "microsoft", reason: "r", trigger: "first-response-breach", decidedAt: "2026-11-21T10:00:20Z" } }) })).toEqual({ ok: true, problems: [], warnings: [] });
    const other = evaluateOutcome(request, { case: sr({ status: "closed" }) });
    expect(other.ok).toBe(true);
    expect(other.warnings[0]).toMatch(/escalation none/);
    expect(evaluateOutcome(request, { case: sr({ status: "resolved" }) }).problems).toEqual(["status is resolved, expected closed"]);
    expect(evaluateOutcome(request, undefined).ok).toBe(false);
  });
});

describe("DemoApiClient", () => {
  it("signs submissions and sends the api key; turns problem details into ApiError", async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const fake = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      if (url.endsWith("/diagnosis")) return new Response(JSON.stringify({ title: "Conflict", detail: "not now" }), { status: 409 });
      return new Response(JSON.stringify({ caseId: "C-9", status: "received" }), { status: 202 });
    }) as unknown as typeof fetch;
    const client = new DemoApiClient("http://app", fake);
    const secret = `whsec_${Buffer.from("k".repeat(32)).toString("base64")}`;
    await expect(client.submit("p-1", secret, { x: 1 })).resolves.toEqual({ caseId: "C-9", status: "received" });
    expect(calls[0]?.url).toBe("http://app/api/partners/p-1/support-requests");
    expect(Object.keys(calls[0]?.init.headers as object)).toEqual(expect.arrayContaining(["webhook-id", "webhook-timestamp", "webhook-signature", "idempotency-key"]));
    const error = await client.act("p-1", "key", "C-9", "diagnosis", { outcome: "resolved", notes: "n" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect((error as ApiError).message).toContain("Conflict: not now");
    expect((calls[1]?.init.headers as Record<string, string>)["x-api-key"]).toBe("key");
  });

  it("waits out a 429 for its Retry-After and retries the same request", async () => {
    const seen: number[] = [];
    let answered = 0;
    const fake = (async () => {
      seen.push(Date.now());
      answered++;
      if (answered === 1) return new Response(JSON.stringify({ title: "Too many requests." }), { status: 429, headers: { "retry-after": "1" } });
      return new Response(JSON.stringify({ case: { caseId: "C-1" } }), { status: 200 });
    }) as unknown as typeof fetch;
    const view = await new DemoApiClient("http://app", fake).getCase("p-1", "key", "C-1");
    expect(view).toEqual({ case: { caseId: "C-1" } });
    expect(seen).toHaveLength(2);
    expect((seen[1] as number) - (seen[0] as number)).toBeGreaterThanOrEqual(950);
  });
});
