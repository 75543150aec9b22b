/**
 * How the HTTP handlers answer when a dependency fails (functions/http/common.ts `handleErrors`):
 * a transient fault of storage or the Durable extension is a 503 with `Retry-After` (the
 * dependency's own delay when it sent one) as RFC 9457 problem+json, so a webhook sender or
 * client retries; anything else unexpected stays a 500; neither returns the dependency's words.
 */
import { HttpRequest, HttpResponse, InvocationContext } from "@azure/functions";
import { RestError } from "@azure/core-rest-pipeline";
import { DEPENDENCY_RETRY_AFTER_IN_MS, handleErrors } from "../../../functions/http/common";

async function answer(error: unknown): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown>; contentType: string | null }> {
  const request = new HttpRequest({ method: "POST", url: "http://127.0.0.1/api/partners/p/support-requests" });
  const context = new InvocationContext({ functionName: "SubmitSupportRequest", invocationId: "inv-1", logHandler: () => undefined });
  const response = new HttpResponse(
    await handleErrors(request, context, async () => {
      throw error;
    }),
  );
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: (await response.json()) as Record<string, unknown>, contentType: response.headers.get("content-type") };
}

function restError(status: number, headers: Record<string, string> = {}): RestError {
  return new RestError("Operation could not be completed within the specified time. RequestId:secret-internal", {
    statusCode: status,
    response: { status, headers: { get: (name: string) => headers[name.toLowerCase()] } } as never,
  });
}

describe("a dependency that fails for now: 503 with Retry-After", () => {
  it("storage timing out (500), unavailable (503) or throttling (429 with its own Retry-After)", async () => {
    for (const [error, retryAfter] of [
      [restError(500), String(DEPENDENCY_RETRY_AFTER_IN_MS / 1000)],
      [restError(503), String(DEPENDENCY_RETRY_AFTER_IN_MS / 1000)],
      [restError(429, { "retry-after": "17" }), "17"],
    ] as const) {
      const seen = await answer(error);
      expect(seen).toMatchObject({ status: 503, retryAfter, contentType: "application/problem+json", body: { type: "/problems/service-unavailable", status: 503, invocationId: "inv-1" } });
      expect(JSON.stringify(seen.body)).not.toContain("secret-internal");
    }
  });

  it("storage or the Durable extension unreachable (ECONNREFUSED, a timeout), or the extension answering 500", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:10002"), { code: "ECONNREFUSED" });
    const timedOut = Object.assign(new Error("timeout of 10000ms exceeded"), { code: "ECONNABORTED", cause: Object.assign(new Error("socket"), { code: "ETIMEDOUT" }) });
    const durable = new Error('The operation failed with an unexpected status code: 500. Details: "boom"');
    for (const error of [refused, timedOut, durable]) expect(await answer(error)).toMatchObject({ status: 503, retryAfter: "5", body: { type: "/problems/service-unavailable" } });
  });
});

describe("anything else: 500", () => {
  it("a bug, a permanent storage refusal (400), or the Durable client's own 404 message", async () => {
    for (const error of [new TypeError("x is undefined"), restError(400), new Error("DurableClient error: Durable Functions extension replied with HTTP 404 response.")]) {
      expect(await answer(error)).toMatchObject({ status: 500, retryAfter: null, body: { type: "/problems/internal-error", invocationId: "inv-1" } });
    }
  });
});
