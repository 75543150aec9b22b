/**
 * AcsEmailSender against a local stand-in of the ACS Email REST API (node:http on 127.0.0.1, a free
 * port): `POST /emails:send?api-version=…` → 202 with `Operation-Location`, `operation-id` and
 * `Retry-After`, then `GET /emails/operations/{id}?api-version=…` until a terminal status (the
 * paths and api-version the @azure/communication-email 1.1.0 SDK uses; REST reference
 * https://learn.microsoft.com/rest/api/communication/dataplane/email/send). The stand-in checks
 * what ACS would check: the HMAC-SHA256 signature of each request (ACS access-key authentication,
 * https://learn.microsoft.com/rest/api/communication/authentication) and the JSON body.
 */
import { createHash, randomBytes } from "node:crypto";
import { AcsEmailSender } from "../../../shared/adapters/acsEmailSender";
import { EmailSendError, EmailThrottledError } from "../../../shared/adapters/errors";
import type { EmailMessage } from "../../../shared/ports";
import { API_VERSION, FakeAcs, type RecordedRequest } from "../../support/fakeAcs";

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

  it("an accepted send still running at the poll deadline counts as sent (its operation id), not as a failure to send again", async () => {
    const impatient = new AcsEmailSender({ connectionString: acs.connectionString, pollIntervalInMs: 20, pollDeadlineInMs: 300, allowInsecureConnection: true });
    acs.scenario.polls = [{ status: "Running" }];
    const acceptedBefore = acs.accepted.length;
    const result = await impatient.send(statusEmail());
    expect(result).toEqual({ providerMessageId: acs.operationIds.at(-1) });
    expect(acs.accepted).toHaveLength(acceptedBefore + 1);
    expect(acs.requests.filter((r) => r.method === "GET").length).toBeGreaterThan(1);
  });

  it("throws EmailSendError with ACS's error when the operation ends Failed", async () => {
    acs.scenario.polls = [{ status: "Running" }, { status: "Failed", error: { code: "EmailDroppedAllRecipientsSuppressed", message: "Message was dropped because all recipients were suppressed" } }];
    const error = await sender.send(statusEmail()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EmailSendError);
    // A refusal of the recipients is permanent: recorded, never retried.
    expect((error as EmailSendError).fault).toMatchObject({ class: "permanent", code: "recipient-refused" });
    expect((error as Error).message).toContain("EmailDroppedAllRecipientsSuppressed");
    expect((error as Error).message).toContain("Message was dropped because all recipients were suppressed");
    expect(acs.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("throws EmailSendError with ACS's error when the send request is rejected (400)", async () => {
    acs.scenario.send = { kind: "reject", status: 400, error: { code: "InvalidSenderUserName", message: "The sender username is not valid for the domain" } };
    const error = await sender.send(statusEmail()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailSendError);
    // The operator's sender configuration, not the message: retried until fixed, never marks the customer.
    expect((error as EmailSendError).fault).toMatchObject({ class: "transient", code: "sender-rejected" });
    expect((error as Error).message).toContain("The sender username is not valid for the domain");
    expect(acs.requests).toHaveLength(1);
  });

  it("surfaces a 429 at once as EmailThrottledError with Retry-After in ms, without the SDK resending", async () => {
    acs.scenario.send = { kind: "reject", status: 429, headers: { "retry-after": "7" }, error: { code: "TooManyRequests", message: "Too many requests; retry after 7 seconds" } };
    const started = Date.now();
    const error = await sender.send(statusEmail()).catch((e: unknown) => e);
    const elapsedInMs = Date.now() - started;
    expect(error).toBeInstanceOf(EmailThrottledError);
    expect((error as EmailThrottledError).fault).toEqual({ class: "transient", code: "throttled", message: expect.stringContaining("7000 ms"), retryAfterInMs: 7000 });
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
