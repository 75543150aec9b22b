/**
 * AcsEmailSender against a local stand-in of the ACS Email REST API (node:http on 127.0.0.1, a free
 * port): `POST /emails:send?api-version=…` → 202 with `Operation-Location`, `operation-id` and
 * `Retry-After`, then `GET /emails/operations/{id}?api-version=…` until a terminal status (the
 * paths and api-version the @azure/communication-email 1.1.0 SDK uses; REST reference
 * https://learn.microsoft.com/rest/api/communication/dataplane/email/send). The stand-in checks
 * what ACS would check: the HMAC-SHA256 signature of each request (ACS access-key authentication,
 * https://learn.microsoft.com/rest/api/communication/authentication) and the JSON body.
 */
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { AcsEmailSender } from "../../../shared/adapters/acsEmailSender";
import { EmailSendError, EmailThrottledError } from "../../../shared/adapters/errors";
import type { EmailMessage } from "../../../shared/ports";

const API_VERSION = "2025-09-01";

interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Whether `Authorization` is a valid HMAC-SHA256 signature with the access key. */
  signatureValid: boolean;
}

/** What the stand-in answers to the next send and its status polls. */
interface Scenario {
  /** Answer to `POST /emails:send`: accept (202) or a status with an error body and headers. */
  send: { kind: "accept" } | { kind: "reject"; status: number; headers?: Record<string, string>; error: { code: string; message: string } };
  /** Statuses returned by successive polls; the last one repeats. */
  polls: Array<{ status: "Running" | "Succeeded" | "Failed" | "Canceled"; error?: { code: string; message: string } }>;
}

/** A local stand-in of the ACS Email data plane. */
class FakeAcs {
  readonly requests: RecordedRequest[] = [];
  /** Ids of the operations the stand-in accepted, in order. */
  readonly operationIds: string[] = [];
  readonly accessKey = randomBytes(32).toString("base64");
  scenario: Scenario = { send: { kind: "accept" }, polls: [{ status: "Succeeded" }] };
  #server = http.createServer((req, res) => void this.#handle(req, res));
  #polls = new Map<string, number>();
  port = 0;

  get connectionString(): string {
    return `endpoint=http://127.0.0.1:${this.port}/;accesskey=${this.accessKey}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((e) => (e ? reject(e) : resolve())));
  }

  /**
   * Verifies the ACS HMAC scheme: `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64>`
   * over `VERB\npath?query\n<x-ms-date>;<host>;<x-ms-content-sha256>`, where x-ms-content-sha256
   * is the base64 SHA-256 of the body.
   */
  #verifySignature(method: string, url: string, headers: http.IncomingHttpHeaders, body: string): boolean {
    const auth = headers.authorization ?? "";
    const m = /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(.+)$/.exec(auth);
    if (!m) return false;
    const contentHash = createHash("sha256").update(body, "utf8").digest("base64");
    if (headers["x-ms-content-sha256"] !== contentHash) return false;
    const u = new URL(url, `http://${headers.host}`);
    const query = u.searchParams.toString();
    const stringToSign = `${method}\n${u.pathname}${query ? `?${query}` : ""}\n${headers["x-ms-date"]};${headers.host};${contentHash}`;
    const expected = createHmac("sha256", Buffer.from(this.accessKey, "base64")).update(stringToSign, "utf8").digest("base64");
    return m[1] === expected;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const method = req.method ?? "";
    const url = req.url ?? "";
    const signatureValid = this.#verifySignature(method, url, req.headers, body);
    this.requests.push({ method, url, headers: req.headers, body, signatureValid });
    const json = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(payload));
    };
    if (!signatureValid) return json(401, { error: { code: "Denied", message: "Denied by the resource provider." } });
    const u = new URL(url, "http://127.0.0.1");
    if (u.searchParams.get("api-version") !== API_VERSION) return json(400, { error: { code: "UnsupportedApiVersion", message: `api-version ${u.searchParams.get("api-version")}` } });

    if (method === "POST" && u.pathname === "/emails:send") {
      const send = this.scenario.send;
      if (send.kind === "reject") return json(send.status, { error: send.error }, send.headers);
      const id = randomUUID();
      this.operationIds.push(id);
      this.#polls.set(id, 0);
      return json(202, { id, status: "Running" }, {
        "operation-location": `http://127.0.0.1:${this.port}/emails/operations/${id}?api-version=${API_VERSION}`,
        "operation-id": id,
        "retry-after": "0",
      });
    }
    const op = /^\/emails\/operations\/([0-9a-f-]{36})$/.exec(u.pathname);
    if (method === "GET" && op?.[1] && this.#polls.has(op[1])) {
      const id = op[1];
      const n = this.#polls.get(id) as number;
      this.#polls.set(id, n + 1);
      const poll = this.scenario.polls[Math.min(n, this.scenario.polls.length - 1)] as Scenario["polls"][number];
      return json(200, { id, status: poll.status, ...(poll.error ? { error: poll.error } : {}) }, { "retry-after": "0" });
    }
    return json(404, { error: { code: "NotFound", message: `${method} ${u.pathname}` } });
  }
}

function statusEmail(overrides: Partial<EmailMessage> = {}): EmailMessage {
  return {
    from: { address: "no-reply@contoso-partner.example", displayName: "Contoso Partner" },
    to: [{ address: "anna@customer.example", displayName: "Anna Kovács" }],
    subject: "[Case #CSP-20250101-ABC123] Diagnosing",
    text: "We are diagnosing your request.",
    html: "<p>We are diagnosing your request.</p>",
    messageId: "<CSP-20250101-ABC123.diagnosing@contoso-partner.example>",
    headers: {
      "In-Reply-To": "<CSP-20250101-ABC123.received@contoso-partner.example>",
      References: "<CSP-20250101-ABC123.received@contoso-partner.example>",
      "Auto-Submitted": "auto-generated",
      "X-Auto-Response-Suppress": "All",
    },
    ...overrides,
  };
}

const acs = new FakeAcs();
let sender: AcsEmailSender;

beforeAll(async () => {
  await acs.start();
  // allowInsecureConnection only because the stand-in speaks plain http; ACS itself is https.
  sender = new AcsEmailSender({ connectionString: acs.connectionString, pollIntervalInMs: 20, allowInsecureConnection: true });
});

afterAll(async () => {
  await acs.stop();
});

beforeEach(() => {
  acs.requests.length = 0;
  acs.scenario = { send: { kind: "accept" }, polls: [{ status: "Succeeded" }] };
});

describe("AcsEmailSender against a local ACS Email stand-in", () => {
  it("sends a signed request with the ACS body shape and returns the operation id", async () => {
    acs.scenario.polls = [{ status: "Running" }, { status: "Succeeded" }];
    const result = await sender.send(statusEmail());

    const [send, ...polls] = acs.requests;
    expect(send).toBeDefined();
    const post = send as RecordedRequest;
    expect(post.method).toBe("POST");
    expect(post.url).toBe(`/emails:send?api-version=${API_VERSION}`);
    expect(post.signatureValid).toBe(true);
    expect(post.headers.authorization).toMatch(/^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=[A-Za-z0-9+/]+=*$/);
    expect(new Date(post.headers["x-ms-date"] as string).toUTCString()).toBe(post.headers["x-ms-date"]);
    expect(post.headers["x-ms-content-sha256"]).toBe(createHash("sha256").update(post.body).digest("base64"));
    expect(post.headers["content-type"]).toMatch(/^application\/json/);
    expect(post.headers["user-agent"]).toContain("azsdk-js-communication-email/1.1.0");
    // No client-chosen operation id and no repeatability headers: ACS cannot recognise a resend.
    expect(post.headers["operation-id"]).toBeUndefined();
    expect(post.headers["repeatability-request-id"]).toBeUndefined();

    expect(JSON.parse(post.body)).toEqual({
      senderAddress: "no-reply@contoso-partner.example",
      recipients: { to: [{ address: "anna@customer.example", displayName: "Anna Kovács" }] },
      content: { subject: "[Case #CSP-20250101-ABC123] Diagnosing", plainText: "We are diagnosing your request.", html: "<p>We are diagnosing your request.</p>" },
      headers: {
        "Message-ID": "<CSP-20250101-ABC123.diagnosing@contoso-partner.example>",
        "In-Reply-To": "<CSP-20250101-ABC123.received@contoso-partner.example>",
        References: "<CSP-20250101-ABC123.received@contoso-partner.example>",
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
      },
      userEngagementTrackingDisabled: true,
    });

    const id = acs.operationIds.at(-1);
    expect(result).toEqual({ providerMessageId: id });
    expect(polls.map((p) => [p.method, p.url, p.signatureValid])).toEqual([
      ["GET", `/emails/operations/${id}?api-version=${API_VERSION}`, true],
      ["GET", `/emails/operations/${id}?api-version=${API_VERSION}`, true],
    ]);
    expect(polls.every((p) => p.body === "" && p.headers["x-ms-content-sha256"] === createHash("sha256").update("").digest("base64"))).toBe(true);
  });

  it("sends cc recipients and lets the message's Message-ID win over a Message-ID in headers", async () => {
    await sender.send(statusEmail({ cc: [{ address: "duty@contoso-partner.example" }], headers: { "Message-ID": "<other@x.example>", "Auto-Submitted": "auto-replied" } }));
    const body = JSON.parse((acs.requests[0] as RecordedRequest).body) as { recipients: unknown; headers: Record<string, string> };
    expect(body.recipients).toEqual({ to: [{ address: "anna@customer.example", displayName: "Anna Kovács" }], cc: [{ address: "duty@contoso-partner.example" }] });
    expect(body.headers).toEqual({ "Message-ID": "<CSP-20250101-ABC123.diagnosing@contoso-partner.example>", "Auto-Submitted": "auto-replied" });
  });

  it("throws EmailSendError with ACS's error when the operation ends Failed", async () => {
    acs.scenario.polls = [{ status: "Running" }, { status: "Failed", error: { code: "EmailDroppedAllRecipientsSuppressed", message: "Message was dropped because all recipients were suppressed" } }];
    const error = await sender.send(statusEmail()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EmailSendError);
    expect((error as EmailSendError).code).toBe("EmailSendFailed");
    expect((error as Error).message).toContain("EmailDroppedAllRecipientsSuppressed");
    expect((error as Error).message).toContain("Message was dropped because all recipients were suppressed");
    expect(acs.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("throws EmailSendError with ACS's error when the send request is rejected (400)", async () => {
    acs.scenario.send = { kind: "reject", status: 400, error: { code: "InvalidSenderUserName", message: "The sender username is not valid for the domain" } };
    const error = await sender.send(statusEmail()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailSendError);
    expect((error as Error).message).toContain("The sender username is not valid for the domain");
    expect(acs.requests).toHaveLength(1);
  });

  it("surfaces a 429 at once as EmailThrottledError with Retry-After in ms, without the SDK resending", async () => {
    acs.scenario.send = { kind: "reject", status: 429, headers: { "retry-after": "7" }, error: { code: "TooManyRequests", message: "Too many requests; retry after 7 seconds" } };
    const started = Date.now();
    const error = await sender.send(statusEmail()).catch((e: unknown) => e);
    const elapsedInMs = Date.now() - started;
    expect(error).toBeInstanceOf(EmailThrottledError);
    expect((error as EmailThrottledError).code).toBe("EmailThrottled");
    expect((error as EmailThrottledError).retryAfterInMs).toBe(7000);
    // The SDK's own throttling retry would have waited 7 s and sent again (up to 3 times).
    expect(acs.requests).toHaveLength(1);
    expect(elapsedInMs).toBeLessThan(5000);
  });

  it("reads retry-after-ms before Retry-After, and defaults to 60 s without either", async () => {
    acs.scenario.send = { kind: "reject", status: 429, headers: { "retry-after-ms": "1500", "retry-after": "7" }, error: { code: "TooManyRequests", message: "slow down" } };
    expect(((await sender.send(statusEmail()).catch((e: unknown) => e)) as EmailThrottledError).retryAfterInMs).toBe(1500);
    acs.scenario.send = { kind: "reject", status: 429, error: { code: "TooManyRequests", message: "slow down" } };
    expect(((await sender.send(statusEmail()).catch((e: unknown) => e)) as EmailThrottledError).retryAfterInMs).toBe(60_000);
    expect(acs.requests).toHaveLength(2);
  });

  it("refuses a plain-http endpoint unless allowInsecureConnection is set (ACS is https only)", async () => {
    const strict = new AcsEmailSender({ connectionString: acs.connectionString, pollIntervalInMs: 20 });
    const error = await strict.send(statusEmail()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailSendError);
    expect((error as Error).message).toMatch(/allowInsecureConnection is false/);
    expect(acs.requests).toHaveLength(0);
  });

  it("rejects a wrong access key (the stand-in checks the signature as ACS does)", async () => {
    const wrongKey = new AcsEmailSender({ connectionString: `endpoint=http://127.0.0.1:${acs.port}/;accesskey=${randomBytes(32).toString("base64")}`, allowInsecureConnection: true });
    const error = await wrongKey.send(statusEmail()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailSendError);
    expect((error as Error).message).toContain("Denied by the resource provider");
    expect(acs.requests.map((r) => r.signatureValid)).toEqual([false]);
  });
});
