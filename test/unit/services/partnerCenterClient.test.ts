/**
 * The Partner Center adapter against a local HTTP server on 127.0.0.1 that checks the request's
 * shape as Partner Center documents it ("Create a service request": `POST
 * /v1/servicerequests/{locale}`, bearer token, JSON ServiceRequest body).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { HttpPartnerCenterClient, PARTNER_CENTER_SCOPE, PartnerCenterError } from "../../../shared/adapters";
import type { MicrosoftServiceRequestPayload } from "../../../shared/contracts";
import { deterministicUuid, PartnerCenterSeverity } from "../../../shared/services";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A static-token credential that records the scopes asked for. */
class StaticTokenCredential implements TokenCredential {
  readonly scopes: Array<string | string[]> = [];
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(scopes);
    return { token: "test-token-123", expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

let server: http.Server;
let baseUrl: string;
const seen: Seen[] = [];
let answer: { status: number; body: string; headers?: Record<string, string> } = { status: 201, body: "{}" };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // keep the raw text
      }
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      // The shape Partner Center requires; anything else is a 400 as the real API answers.
      const b = body as Partial<MicrosoftServiceRequestPayload>;
      const ok =
        req.method === "POST" &&
        /^\/v1\/servicerequests\/[a-z]{2}-[A-Z]{2}$/.test(req.url ?? "") &&
        req.headers.authorization === "Bearer test-token-123" &&
        /^application\/json/.test(req.headers["content-type"] ?? "") &&
        typeof b.Title === "string" &&
        typeof b.Description === "string" &&
        ["critical", "moderate", "minimal"].includes(String(b.Severity)) &&
        typeof b.SupportTopicId === "string" &&
        typeof b.ProductName === "string" &&
        typeof b.PrimaryContact?.Email === "string";
      if (!ok) {
        res.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify({ code: 400, description: "invalid service request" }));
        return;
      }
      res.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  answer = { status: 201, body: "{}" };
});

const payload: MicrosoftServiceRequestPayload = {
  Title: "[Case #CS-0000000001] VM does not start",
  Description: "The VM fails to boot after the update.",
  Severity: PartnerCenterSeverity.A,
  SupportTopicId: "32444671",
  ProductName: "Microsoft Azure",
  PrimaryContact: { Email: "support@contoso.example" },
};

describe("HttpPartnerCenterClient.createServiceRequest", () => {
  it("POSTs the ServiceRequest to /v1/servicerequests/{locale} with a bearer token and returns its Id", async () => {
    answer = { status: 201, body: JSON.stringify({ Id: "616122292874576", Title: payload.Title, Status: "open" }) };
    const credential = new StaticTokenCredential();
    const client = new HttpPartnerCenterClient({ baseUrl: `${baseUrl}/`, credential });
    const requestId = deterministicUuid("p/CS-0000000001/service-request");
    const result = await client.createServiceRequest("en-US", payload, { requestId, correlationId: "f447b215-f9bc-48da-a05a-3b5322d86a9c" });
    expect(result).toEqual({ id: "616122292874576" });
    expect(credential.scopes).toEqual([PARTNER_CENTER_SCOPE]);
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req).toMatchObject({ method: "POST", url: "/v1/servicerequests/en-US", body: payload });
    expect(req.headers.authorization).toBe("Bearer test-token-123");
    expect(req.headers.accept).toBe("application/json");
    expect(req.headers["ms-requestid"]).toBe(requestId);
    expect(req.headers["ms-correlationid"]).toBe("f447b215-f9bc-48da-a05a-3b5322d86a9c");
    expect(req.headers["x-locale"]).toBe("en-US");
  });

  it("maps severities A→critical, B→moderate, C→minimal and derives a stable UUID per case", () => {
    expect(PartnerCenterSeverity).toEqual({ A: "critical", B: "moderate", C: "minimal" });
    const id = deterministicUuid("x/CS-1/service-request");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicUuid("x/CS-1/service-request")).toBe(id);
    expect(deterministicUuid("x/CS-2/service-request")).not.toBe(id);
  });

  it("throws PartnerCenterError with the status, Partner Center's reason and Retry-After", async () => {
    const client = new HttpPartnerCenterClient({ baseUrl, credential: new StaticTokenCredential() });
    const bad = await client.createServiceRequest("en-US", { ...payload, PrimaryContact: {} as never }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(PartnerCenterError);
    expect(bad).toMatchObject({ status: 400, code: "PartnerCenterRequestFailed", bodyExcerpt: expect.stringContaining("invalid service request") });

    answer = { status: 429, body: "{}", headers: { "Retry-After": "7" } };
    await expect(client.createServiceRequest("hu-HU", payload)).rejects.toMatchObject({ status: 429, retryAfterInMs: 7000 });
    expect(seen.at(-1)?.url).toBe("/v1/servicerequests/hu-HU");

    answer = { status: 201, body: JSON.stringify({ Title: "no id" }) };
    await expect(client.createServiceRequest("en-US", payload)).rejects.toThrow(/no service request Id/);
  });
});
