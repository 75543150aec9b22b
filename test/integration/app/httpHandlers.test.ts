/**
 * HTTP handlers invoked with real @azure/functions HttpRequest/InvocationContext objects over real
 * Table Storage (Azurite); the Durable client is faked at the port (SupportRequestWorkflow).
 */
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { createContainer, type Container } from "../../../shared/container";
import type { PartnerCredentials } from "../../../shared/contracts";
import { createSubmitSupportRequestHandler } from "../../../functions/http/intakeHandlers";
import { createGetSupportRequestHandler, createListSupportRequestsHandler, createRecordDiagnosisHandler, createRecordResolutionHandler } from "../../../functions/http/partnerApiHandlers";
import { createHealthHandler } from "../../../functions/http/healthHandler";
import { createListInboundLogHandler } from "../../../functions/http/inboundEmailHandlers";
import { processInboundEmail } from "../../../shared/services/inboundEmail";
import type { HttpHandlerDeps } from "../../../functions/http/common";
import { fingerprintRequest } from "../../../shared/services";
import { FakeWorkflow, partnerDefinition, signWebhook, supportRequestBody, testConfig } from "./helpers";

const BASE = "http://127.0.0.1:7071";
let container: Container;
let workflow: FakeWorkflow;
let deps: HttpHandlerDeps;
let alpha: PartnerCredentials;
let beta: PartnerCredentials;

beforeAll(async () => {
  container = createContainer(testConfig("http"));
  workflow = new FakeWorkflow();
  deps = { getContainer: () => container, getWorkflow: () => workflow };
  alpha = (await container.registerPartner(partnerDefinition("alpha-http"))).credentials!;
  beta = (await container.registerPartner(partnerDefinition("beta-http"))).credentials!;
});

interface Seen {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(handler: (r: HttpRequest, c: InvocationContext) => Promise<HttpResponseInit>, init: { method: string; path: string; body?: string; headers?: Record<string, string>; params?: Record<string, string>; query?: Record<string, string> }): Promise<Seen> {
  const url = new URL(init.path, BASE);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const request = new HttpRequest({ method: init.method, url: url.toString(), ...(init.body !== undefined ? { body: { string: init.body } } : {}), headers: init.headers ?? {}, params: init.params ?? {} });
  const response = new HttpResponse(await handler(request, new InvocationContext({ functionName: "test", invocationId: "inv-1", logHandler: () => undefined })));
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function submit(partnerId: string, body: string, headers: Record<string, string>): Promise<Seen> {
  return call(createSubmitSupportRequestHandler(deps), { method: "POST", path: `/api/partners/${partnerId}/support-requests`, body, headers: { "content-type": "application/json", ...headers }, params: { partnerId } });
}

describe("POST /api/partners/{partnerId}/support-requests (signed webhook)", () => {
  it("202 with caseId, status and statusUrl, Location header; case stored before the workflow starts", async () => {
    const body = JSON.stringify(supportRequestBody());
    const res = await submit("alpha-http", body, signWebhook(alpha.webhookSecret, body));
    expect(res.status).toBe(202);
    const caseId = res.body.caseId as string;
    expect(caseId).toMatch(/^CS-[0-9A-HJKMNP-TV-Z]{10}$/);
    expect(res.body).toEqual({ caseId, status: "received", statusUrl: `${BASE}/api/partners/alpha-http/support-requests/${caseId}` });
    expect(res.headers.get("location")).toBe(res.body.statusUrl);
    expect(workflow.started).toContainEqual({ caseId, partnerId: "alpha-http" });
    expect(await container.cases.getCase("alpha-http", caseId)).toMatchObject({ status: "received", channel: "webhook", title: "Invoice discrepancy" });
  });

  it("404 for an unknown partner", async () => {
    const body = JSON.stringify(supportRequestBody());
    const res = await submit("nobody-http", body, signWebhook(alpha.webhookSecret, body));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("401 naming the problem: missing signature, another partner's secret, expired timestamp, tampered body", async () => {
    const body = JSON.stringify(supportRequestBody());
    const missing = await submit("alpha-http", body, {});
    expect(missing.status).toBe(401);
    expect(missing.body.detail).toMatch(/webhook-id.*webhook-timestamp.*webhook-signature/);
    expect(missing.headers.get("www-authenticate")).toBeTruthy();
    expect((await submit("alpha-http", body, signWebhook(beta.webhookSecret, body))).status).toBe(401);
    const old = await submit("alpha-http", body, signWebhook(alpha.webhookSecret, body, { at: new Date(Date.now() - 10 * 60_000) }));
    expect(old.status).toBe(401);
    expect(old.body.detail).toMatch(/past/);
    const tampered = await submit("alpha-http", body.replace("Invoice", "Invoic3"), signWebhook(alpha.webhookSecret, body));
    expect(tampered).toMatchObject({ status: 401, body: { status: 401, detail: expect.stringMatching(/signature/) } });
  });

  it("400 for a signed body that is not JSON, 415 for another media type", async () => {
    const res = await submit("alpha-http", "{not json", signWebhook(alpha.webhookSecret, "{not json"));
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const xml = "<request/>";
    const r415 = await submit("alpha-http", xml, { ...signWebhook(alpha.webhookSecret, xml), "content-type": "application/xml" });
    expect(r415.status).toBe(415);
  });

  it("400 naming every invalid field with a JSON Pointer", async () => {
    const body = JSON.stringify(supportRequestBody({ customer: { tenantId: "x", name: "N", email: "nope" }, severity: "D", title: "" }));
    const res = await submit("alpha-http", body, signWebhook(alpha.webhookSecret, body));
    expect(res.status).toBe(400);
    const pointers = (res.body.errors as Array<{ pointer: string }>).map((e) => e.pointer).sort();
    expect(pointers).toEqual(["#/customer/email", "#/customer/tenantId", "#/severity", "#/title"]);
  });

  it("Idempotency-Key: same body replays the first response, another body 422, first in flight 409", async () => {
    const body = JSON.stringify(supportRequestBody({ title: "Idempotent request" }));
    const first = await submit("alpha-http", body, { ...signWebhook(alpha.webhookSecret, body), "Idempotency-Key": '"key-001"' });
    const again = await submit("alpha-http", body, { ...signWebhook(alpha.webhookSecret, body), "Idempotency-Key": '"key-001"' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(workflow.started.filter((s) => s.caseId === first.body.caseId)).toHaveLength(1);

    const other = JSON.stringify(supportRequestBody({ title: "A different request" }));
    const mismatch = await submit("alpha-http", other, { ...signWebhook(alpha.webhookSecret, other), "Idempotency-Key": '"key-001"' });
    expect(mismatch.status).toBe(422);

    // The same key from another partner is another key (scope = partner).
    expect((await submit("beta-http", body, { ...signWebhook(beta.webhookSecret, body), "Idempotency-Key": '"key-001"' })).status).toBe(202);

    // Another instance is still processing the same request under key-002.
    await container.idempotency.begin("alpha-http", "key-002", fingerprintRequest("POST", "/api/partners/alpha-http/support-requests", body));
    const inFlight = await submit("alpha-http", body, { ...signWebhook(alpha.webhookSecret, body), "Idempotency-Key": "key-002" });
    expect(inFlight.status).toBe(409);
  });

  it("a webhook redelivered with the same webhook-id creates no second case", async () => {
    const body = JSON.stringify(supportRequestBody({ title: "Redelivered" }));
    const first = await submit("alpha-http", body, signWebhook(alpha.webhookSecret, body, { id: "msg_redelivery_1" }));
    const second = await submit("alpha-http", body, signWebhook(alpha.webhookSecret, body, { id: "msg_redelivery_1", at: new Date(Date.now() + 1000) }));
    expect(second.body.caseId).toBe(first.body.caseId);
  });

  it("a redelivery after the orchestration failed to start resumes the stored case instead of creating another", async () => {
    const body = JSON.stringify(supportRequestBody({ title: "Start failed once" }));
    workflow.failStarts = 1;
    const failed = await submit("alpha-http", body, signWebhook(alpha.webhookSecret, body, { id: "msg_start_failed_1" }));
    expect(failed.status).toBe(500);
    expect(failed.headers.get("content-type")).toBe("application/problem+json");
    const stored = (await container.cases.listCases("alpha-http", { limit: 100 })).items.filter((c) => c.title === "Start failed once");
    expect(stored).toHaveLength(1);
    expect(workflow.started.some((s) => s.caseId === stored[0]?.caseId)).toBe(false);

    const retried = await submit("alpha-http", body, signWebhook(alpha.webhookSecret, body, { id: "msg_start_failed_1", at: new Date(Date.now() + 1000) }));
    expect(retried.status).toBe(202);
    expect(retried.body.caseId).toBe(stored[0]?.caseId);
    expect(workflow.started.filter((s) => s.caseId === stored[0]?.caseId)).toHaveLength(1);
    expect((await container.cases.listCases("alpha-http", { limit: 100 })).items.filter((c) => c.title === "Start failed once")).toHaveLength(1);
  });
});

describe("partner API", () => {
  let caseId: string;
  beforeAll(async () => {
    const body = JSON.stringify(supportRequestBody({ title: "Partner API case" }));
    caseId = (await submit("alpha-http", body, signWebhook(alpha.webhookSecret, body))).body.caseId as string;
  });

  const get = (partnerId: string, id: string, headers: Record<string, string>) => call(createGetSupportRequestHandler(deps), { method: "GET", path: `/api/partners/${partnerId}/support-requests/${id}`, headers, params: { partnerId, caseId: id } });

  it("401 with WWW-Authenticate without a key or with a wrong one; 404 for another partner's key", async () => {
    const none = await get("alpha-http", caseId, {});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await get("alpha-http", caseId, { "x-api-key": "csp_wrong" })).status).toBe(401);
    expect((await get("nobody-http", caseId, { "x-api-key": "csp_wrong" })).status).toBe(401);
    const foreign = await get("alpha-http", caseId, { "x-api-key": beta.apiKey });
    expect(foreign.status).toBe(404);
    // Indistinguishable from a case that does not exist.
    const absent = await get("alpha-http", "CS-0000000000", { "x-api-key": beta.apiKey });
    expect({ ...foreign.body, instance: undefined }).toEqual({ ...absent.body, instance: undefined });
    expect((await get("beta-http", caseId, { "x-api-key": beta.apiKey })).status).toBe(404);
  });

  it("GET a case: case, timeline, SLA, notifications and orchestration status (x-api-key or Bearer)", async () => {
    const res = await get("alpha-http", caseId, { authorization: `Bearer ${alpha.apiKey}` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ case: { caseId, status: "received", partnerId: "alpha-http" }, timeline: [{ entryId: "received", kind: "status-changed" }], sla: null, notifications: [], orchestration: { runtimeStatus: "Running" }, slaEvents: [], escalation: null });
    expect(res.body.slaClocks).toMatchObject({ "first-response": { state: "inactive" }, resolution: { state: "inactive" } });
    expect((await get("alpha-http", "CS-0000000000", { "x-api-key": alpha.apiKey })).status).toBe(404);
  });

  it("lists newest first with a continuation token in body and header", async () => {
    const list = (query: Record<string, string>, headers: Record<string, string> = {}) => call(createListSupportRequestsHandler(deps), { method: "GET", path: "/api/partners/alpha-http/support-requests", headers: { "x-api-key": alpha.apiKey, ...headers }, params: { partnerId: "alpha-http" }, query });
    const first = await list({ limit: "2" });
    expect(first.status).toBe(200);
    const items = first.body.items as Array<{ caseId: string; createdAt: string; description?: string }>;
    expect(items).toHaveLength(2);
    expect(items[0]!.createdAt >= items[1]!.createdAt).toBe(true);
    expect(items[0]!.description).toBeUndefined();
    expect(first.headers.get("x-ms-continuation-token")).toBe(first.body.continuationToken);
    const second = await list({ limit: "2" }, { "x-ms-continuation-token": first.body.continuationToken as string });
    const secondIds = (second.body.items as Array<{ caseId: string }>).map((i) => i.caseId);
    expect(secondIds.some((id) => items.map((i) => i.caseId).includes(id))).toBe(false);
    expect((await list({ limit: "500" })).body).toMatchObject({ status: 400, errors: [{ pointer: "query:limit" }] });
    expect((await list({ continuationToken: "garbage!" })).body).toMatchObject({ status: 400, errors: [{ pointer: "query:continuationToken" }] });
    const betaList = await call(createListSupportRequestsHandler(deps), { method: "GET", path: "/api/partners/beta-http/support-requests", headers: { "x-api-key": beta.apiKey }, params: { partnerId: "beta-http" } });
    expect((betaList.body.items as Array<{ partnerId: string }>).every((i) => i.partnerId === "beta-http")).toBe(true);
  });

  it("diagnosis: 202 appends it to the case's inbox and signals the workflow; 400 naming bad fields; 409 when the status forbids it", async () => {
    const post = (path: "diagnosis" | "resolution", id: string, body: unknown, key = alpha.apiKey) =>
      call(path === "diagnosis" ? createRecordDiagnosisHandler(deps) : createRecordResolutionHandler(deps), { method: "POST", path: `/api/partners/alpha-http/support-requests/${id}/${path}`, body: JSON.stringify(body), headers: { "x-api-key": key, "content-type": "application/json" }, params: { partnerId: "alpha-http", caseId: id } });
    const ok = await post("diagnosis", caseId, { outcome: "awaiting-customer", notes: "Need the invoice number" });
    expect(ok.status).toBe(202);
    expect(ok.headers.get("location")).toBe(`${BASE}/api/partners/alpha-http/support-requests/${caseId}`);
    expect(ok.body).toMatchObject({ caseId, action: "diagnosis", event: "CaseActionsAvailable", seq: "000000000001", recordedAt: expect.any(String) });
    const inbox = await container.inbox.listAfter("alpha-http", caseId);
    expect(inbox).toEqual([{ seq: "000000000001", action: { type: "diagnosis", outcome: "awaiting-customer", notes: "Need the invoice number" }, actor: { kind: "partner", partnerId: "alpha-http" }, recordedAt: ok.body.recordedAt }]);
    // The signal carries the stored record, so the workflow need not read the inbox for it.
    const raised = workflow.events.find((e) => e.caseId === caseId);
    expect(raised).toEqual({ caseId, eventName: "CaseActionsAvailable", payload: inbox[0] });

    const bad = await post("diagnosis", caseId, { outcome: "maybe", notes: "" });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Array<{ pointer: string }>).map((e) => e.pointer).sort()).toEqual(["#/notes", "#/outcome"]);

    // Status "received" does not allow a resolution (the domain allows resolving from diagnosis on).
    const early = await post("resolution", caseId, { summary: "Done" });
    expect(early.status).toBe(409);
    expect(early.body.currentStatus).toBe("received");

    await container.cases.applyTransition({ caseId, partnerId: "alpha-http", entryId: "t01-in-diagnosis", toStatus: "in-diagnosis", kind: "status-changed", summary: "x", at: new Date().toISOString() });
    expect((await post("resolution", caseId, { summary: "Done" })).status).toBe(202);
    expect((await post("resolution", caseId, { summary: "Done" }, beta.apiKey)).status).toBe(404);

    workflow.statuses.set(caseId, { runtimeStatus: "Completed", customStatus: null });
    expect((await post("resolution", caseId, { summary: "Again" })).status).toBe(409);
  });
});

describe("GET /api/health", () => {
  it("503 with the mail check down when no SMTP server listens, storage up", async () => {
    const broken = createContainer(testConfig("hh", { SMTP_PORT: "1" }));
    const res = await call(createHealthHandler(() => broken), { method: "GET", path: "/api/health" });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: "unhealthy", checks: { storage: { status: "up" }, mail: { status: "down" } } });
  });
});

describe("GET /api/partners/{partnerId}/inbound-email/log", () => {
  const list = (query: Record<string, string>, key = alpha.apiKey, partnerId = "alpha-http") => call(createListInboundLogHandler(deps), { method: "GET", path: `/api/partners/${partnerId}/inbound-email/log`, headers: { "x-api-key": key }, params: { partnerId }, query });
  let support = "";

  beforeAll(async () => {
    support = (await container.partners.getPartner("alpha-http"))!.contacts.support;
    const inbound = container.inboundEmailDeps(workflow);
    const mail = (id: string, from: string, subject: string, extra = "") => Buffer.from(`From: ${from}\r\nTo: ${support}\r\nSubject: ${subject}\r\nMessage-ID: <${id}@log.example>\r\n${extra}\r\nPlease check our invoice.\r\n`);
    const deliveries: Array<[string, Buffer]> = [
      ["a", mail("first", "Ops@Contoso-Log.example", "Invoice question")],
      ["b", mail("first", "Ops@Contoso-Log.example", "Invoice question")],
      ["c", mail("first", "other@contoso-log.example", "A different message under the same id")],
      ["d", mail("bounce", "MAILER-DAEMON@mx.log.example", "Undelivered Mail Returned to Sender", "X-Failed-Recipients: gone@contoso-log.example\r\n")],
    ];
    for (const [name, raw] of deliveries) await processInboundEmail(inbound, { partnerId: "alpha-http", blobName: `alpha-http/log-${name}.eml`, raw });
  });

  it("lists every delivery with its outcome, newest first, filtered by outcome, sender, Message-ID, flag and time", async () => {
    const all = await list({ limit: "100" });
    expect(all.status).toBe(200);
    const items = all.body.items as Array<{ blobName: string; outcome: string; flags: string[]; receivedAt: string }>;
    const mine = items.filter((i) => i.blobName.startsWith("alpha-http/log-"));
    expect(mine.map((i) => [i.blobName, i.outcome]).sort()).toEqual([
      ["alpha-http/log-a.eml", "new"],
      ["alpha-http/log-b.eml", "duplicate"],
      ["alpha-http/log-c.eml", "new"],
      ["alpha-http/log-d.eml", "bounce"],
    ]);
    expect(items.map((i) => i.receivedAt)).toEqual([...items.map((i) => i.receivedAt)].sort().reverse());
    const names = async (query: Record<string, string>): Promise<string[]> => ((await list(query)).body.items as Array<{ blobName: string }>).map((i) => i.blobName).sort();
    expect(await names({ outcome: "bounce,duplicate" })).toEqual(["alpha-http/log-b.eml", "alpha-http/log-d.eml"]);
    expect(await names({ from: "OPS@contoso-log.example" })).toEqual(["alpha-http/log-a.eml", "alpha-http/log-b.eml"]);
    expect(await names({ messageId: "<first@log.example>", flag: "message-id-reused" })).toEqual(["alpha-http/log-a.eml", "alpha-http/log-b.eml", "alpha-http/log-c.eml"]);
    expect(await names({ since: "2999-01-01T00:00:00Z" })).toEqual([]);
    expect(await names({ until: "2000-01-01T00:00:00+01:00" })).toEqual([]);
    const other = await list({}, beta.apiKey, "beta-http");
    expect((other.body.items as unknown[]).length).toBe(0);
  });

  it("400 problem+json naming each bad parameter", async () => {
    const res = await list({ outcome: "new,lost", flag: "shiny", since: "yesterday", limit: "0" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect((await list({ outcome: "new,lost", flag: "shiny", since: "yesterday" })).body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ pointer: "query:outcome" }), expect.objectContaining({ pointer: "query:flag" }), expect.objectContaining({ pointer: "query:since" })]),
    );
    expect((await list({ since: "2026-03-02T00:00:00Z", until: "2026-03-01T00:00:00Z" })).body).toMatchObject({ status: 400, errors: [{ pointer: "query:until" }] });
    expect((await list({ continuationToken: "garbage!" })).body).toMatchObject({ status: 400, errors: [{ pointer: "query:continuationToken" }] });
  });
});
