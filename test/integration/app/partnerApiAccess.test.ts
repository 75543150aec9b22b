/**
 * Through the real HTTP handlers over Azurite: API keys (create, use, last use, list,
 * revoke → 401; registration's global-admin key; issue-2 hash-only records), list filters and
 * counts per status, the request detail's extras (emails with delivery state, assignee, last
 * update), the new actions (notes, assignment, information request) and Idempotency-Key on them.
 */
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { TableClient } from "@azure/data-tables";
import { createContainer, type Container } from "../../../shared/container";
import { PartnerDefinitionSchema, type SupportRequest, type TimelineEntry } from "../../../shared/contracts";
import {
  createAddNoteHandler,
  createAssignCaseHandler,
  createCreateApiKeyHandler,
  createGetSupportRequestHandler,
  createListApiKeysHandler,
  createListSupportRequestsHandler,
  createRequestInformationHandler,
  createRevokeApiKeyHandler,
} from "../../../functions/http/partnerApiHandlers";
import type { HttpHandler, HttpHandlerDeps } from "../../../functions/http/common";
import { generateApiKey, hashApiKey } from "../../../shared/services";
import { scanStorageForSecrets } from "../../support/secretScan";
import { FakeWorkflow, partnerDefinition, testConfig } from "./helpers";

const BASE = "http://127.0.0.1:7071";
const P = "access-api";
let container: Container;
let workflow: FakeWorkflow;
let deps: HttpHandlerDeps;
let adminKey: string;

interface Seen {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(handler: HttpHandler, init: { method: string; path: string; body?: unknown; key?: string; headers?: Record<string, string>; params?: Record<string, string>; query?: Record<string, string> }): Promise<Seen> {
  const url = new URL(init.path, BASE);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const request = new HttpRequest({
    method: init.method,
    url: url.toString(),
    ...(init.body !== undefined ? { body: { string: JSON.stringify(init.body) } } : {}),
    headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...(init.key ? { "x-api-key": init.key } : {}), ...init.headers },
    params: { partnerId: P, ...init.params },
  });
  const response = new HttpResponse((await handler(request, new InvocationContext({ functionName: "t", invocationId: "inv", logHandler: () => undefined }))) as HttpResponseInit);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

let n = 0;
async function seedCase(fields: Partial<SupportRequest>, createdAt: string): Promise<string> {
  n += 1;
  const caseId = `CS-ACCESS${String(n).padStart(4, "0")}`;
  const sr: SupportRequest = {
    caseId,
    partnerId: P,
    channel: "webhook",
    customer: { tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: "Tisza", email: "it@tisza.example", preferredLanguage: "hu" },
    product: "azure",
    category: "technical",
    severity: "B",
    title: "t",
    description: "d",
    status: "received",
    createdAt,
    updatedAt: createdAt,
    ...fields,
  };
  const status = sr.status;
  const entry: TimelineEntry = { entryId: "received", kind: "status-changed", at: createdAt, toStatus: "received", summary: "received" };
  await container.cases.createCase({ ...sr, status: "received" }, entry);
  await workflow.start(caseId, P);
  if (status !== "received") await container.cases.applyTransition({ caseId, partnerId: P, entryId: `t-${status}`, kind: "status-changed", at: createdAt, summary: status, toStatus: status });
  return caseId;
}

beforeAll(async () => {
  container = createContainer(testConfig("access"));
  workflow = new FakeWorkflow();
  deps = { getContainer: () => container, getWorkflow: () => workflow };
  adminKey = (await container.registerPartner(partnerDefinition(P))).credentials!.apiKey;
});

describe("API keys", () => {
  it("registration creates a global-admin key; keys are created (shown once), used, listed with prefix and last use, and revoked (→ 401)", async () => {
    const listed0 = await call(createListApiKeysHandler(deps), { method: "GET", path: `/api/partners/${P}/api-keys`, key: adminKey });
    expect(listed0.status).toBe(200);
    expect(listed0.body.items).toEqual([expect.objectContaining({ role: "global-admin", name: "Registration key", prefix: adminKey.slice(0, 8) })]);
    expect(JSON.stringify(listed0.body)).not.toContain(adminKey);

    const created = await call(createCreateApiKeyHandler(deps), { method: "POST", path: `/api/partners/${P}/api-keys`, key: adminKey, body: { role: "helpdesk-agent", name: "Helpdesk laptop" } });
    expect(created.status).toBe(201);
    const key = created.body.apiKey as string;
    expect(key).toMatch(/^csp_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ role: "helpdesk-agent", name: "Helpdesk laptop", prefix: key.slice(0, 8), lastUsedAt: null });
    expect(created.headers.get("location")).toBe(`${BASE}/api/partners/${P}/api-keys/${created.body.keyId as string}`);
    const creds = await container.partners.getCredentials(P);
    expect(JSON.stringify(creds)).not.toContain(key);
    expect(creds?.apiKeys?.find((k) => k.keyId === created.body.keyId)?.hash).toBe(hashApiKey(key));

    // The helpdesk key works for reading and is refused key management (403).
    expect((await call(createListSupportRequestsHandler(deps), { method: "GET", path: `/api/partners/${P}/support-requests`, key })).status).toBe(200);
    expect((await call(createListApiKeysHandler(deps), { method: "GET", path: `/api/partners/${P}/api-keys`, key })).status).toBe(403);
    const listed = await call(createListApiKeysHandler(deps), { method: "GET", path: `/api/partners/${P}/api-keys`, key: adminKey });
    const view = (listed.body.items as Array<Record<string, unknown>>).find((k) => k.keyId === created.body.keyId);
    expect(typeof view?.lastUsedAt).toBe("string");

    const revoked = await call(createRevokeApiKeyHandler(deps), { method: "DELETE", path: `/api/partners/${P}/api-keys/${created.body.keyId as string}`, key: adminKey, params: { keyId: created.body.keyId as string } });
    expect(revoked.status).toBe(204);
    const after = await call(createListSupportRequestsHandler(deps), { method: "GET", path: `/api/partners/${P}/support-requests`, key });
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const relisted = await call(createListApiKeysHandler(deps), { method: "GET", path: `/api/partners/${P}/api-keys`, key: adminKey });
    expect((relisted.body.items as Array<Record<string, unknown>>).find((k) => k.keyId === created.body.keyId)).toMatchObject({ revokedAt: expect.any(String) });
    expect((await call(createRevokeApiKeyHandler(deps), { method: "DELETE", path: `/api/partners/${P}/api-keys/key_0123456789abcdef`, key: adminKey, params: { keyId: "key_0123456789abcdef" } })).status).toBe(404);
    expect((await call(createCreateApiKeyHandler(deps), { method: "POST", path: `/api/partners/${P}/api-keys`, key: adminKey, body: { role: "janitor", name: "" } })).body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ pointer: "#/role" }), expect.objectContaining({ pointer: "#/name" })]),
    );
  });

  it("a key creation under an Idempotency-Key stores no key: a replay creates nothing and answers the key's metadata with apiKey null", async () => {
    const body = { role: "sales-agent", name: "Reporting" };
    const headers = { "idempotency-key": "create-reporting-key" };
    const first = await call(createCreateApiKeyHandler(deps), { method: "POST", path: `/api/partners/${P}/api-keys`, key: adminKey, body, headers });
    expect(first.status).toBe(201);
    const key = first.body.apiKey as string;
    expect(key).toMatch(/^csp_/);

    const replay = await call(createCreateApiKeyHandler(deps), { method: "POST", path: `/api/partners/${P}/api-keys`, key: adminKey, body, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("location")).toBe(first.headers.get("location"));
    expect(replay.body).toEqual({ keyId: first.body.keyId, prefix: key.slice(0, 8), role: "sales-agent", name: "Reporting", createdAt: first.body.createdAt, lastUsedAt: null, apiKey: null, notice: expect.stringContaining("shown only in the response that created it") });
    // Exactly one key was created, and it works.
    const listed = await call(createListApiKeysHandler(deps), { method: "GET", path: `/api/partners/${P}/api-keys`, key: adminKey });
    expect((listed.body.items as Array<Record<string, unknown>>).filter((k) => k.name === "Reporting")).toHaveLength(1);
    expect((await call(createListSupportRequestsHandler(deps), { method: "GET", path: `/api/partners/${P}/support-requests`, key })).status).toBe(200);

    // Nothing in this test's tables holds the key in any encoding (the idempotency row included).
    const scan = await scanStorageForSecrets(process.env.AZURE_STORAGE_CONNECTION_STRING as string, new Map([["created key", key]]), { tablePrefix: container.config.TABLE_PREFIX });
    expect(scan.entities).toBeGreaterThan(0);
    expect(scan.findings).toEqual([]);
  });

  it("a partner stored with the issue-2 hash-only record keeps working: its key is a global-admin key", async () => {
    const legacy = generateApiKey();
    await container.partners.upsertPartner(PartnerDefinitionSchema.parse(partnerDefinition("legacy-access")), { webhookSecrets: ["whsec_x"], apiKeyHashes: [hashApiKey(legacy)] });
    const res = await call(createListApiKeysHandler(deps), { method: "GET", path: "/api/partners/legacy-access/api-keys", key: legacy, params: { partnerId: "legacy-access" } });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([expect.objectContaining({ role: "global-admin", prefix: "csp_····" })]);
  });

  it("rotation issues a new global-admin key, keeps the previous one and revokes older registration keys", async () => {
    const r1 = await container.registerPartner(partnerDefinition("rotate-access"), { rotate: true });
    const r2 = await container.registerPartner(partnerDefinition("rotate-access"), { rotate: true });
    const r3 = await container.registerPartner(partnerDefinition("rotate-access"), { rotate: true });
    const keys = (await container.partners.getCredentials("rotate-access"))!.apiKeys!;
    expect(keys.map((k) => [k.role, k.revokedAt === undefined])).toEqual([
      ["global-admin", false],
      ["global-admin", true],
      ["global-admin", true],
    ]);
    const ok = async (k: string): Promise<number> => (await call(createListApiKeysHandler(deps), { method: "GET", path: "/api/partners/rotate-access/api-keys", key: k, params: { partnerId: "rotate-access" } })).status;
    expect([await ok(r1.credentials!.apiKey), await ok(r2.credentials!.apiKey), await ok(r3.credentials!.apiKey)]).toEqual([401, 200, 200]);
  });
});

describe("list filters and counts", () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    ids = {
      a: await seedCase({ category: "billing", severity: "A", status: "in-diagnosis", product: "microsoft-365" }, "2026-01-10T10:00:00.000Z"),
      b: await seedCase({ category: "technical", severity: "B", status: "in-diagnosis" }, "2026-01-11T10:00:00.000Z"),
      c: await seedCase({ category: "technical", severity: "A", status: "resolved", channel: "email", customer: { tenantId: "11111111-2222-4333-8444-555555555555", name: "Other", email: "Boss@Other.example", preferredLanguage: "en" } }, "2026-01-12T10:00:00.000Z"),
      d: await seedCase({ category: "technical", severity: "C", status: "received" }, "2026-01-13T10:00:00.000Z"),
    };
    await container.cases.patchCase(P, ids.b!, (c) => ({ ...c, slaHealth: "at-risk" }));
    await container.cases.patchCase(P, ids.c!, (c) => ({ ...c, slaHealth: "breached" }));
  });
  const list = (query: Record<string, string>): Promise<Seen> => call(createListSupportRequestsHandler(deps), { method: "GET", path: `/api/partners/${P}/support-requests`, key: adminKey, query: { createdFrom: "2026-01-01", createdTo: "2026-02-01", ...query } });
  const idsOf = (s: Seen): string[] => (s.body.items as Array<{ caseId: string }>).map((i) => i.caseId);

  it("filters in the query, newest first, with counts per status over the filters without status", async () => {
    const all = await list({});
    expect(idsOf(all)).toEqual([ids.d, ids.c, ids.b, ids.a]);
    expect(all.body.counts).toEqual({ byStatus: { received: 1, "in-diagnosis": 2, "awaiting-customer": 0, "escalated-to-provider": 0, "escalated-to-microsoft": 0, resolved: 1, closed: 0 } });
    const technical = await list({ category: "technical", status: "in-diagnosis" });
    expect(idsOf(technical)).toEqual([ids.b]);
    expect((technical.body.counts as { byStatus: Record<string, number> }).byStatus).toMatchObject({ received: 1, "in-diagnosis": 1, resolved: 1 });
    expect(idsOf(await list({ severity: "A" }))).toEqual([ids.c, ids.a]);
    expect(idsOf(await list({ product: "microsoft-365" }))).toEqual([ids.a]);
    expect(idsOf(await list({ channel: "email" }))).toEqual([ids.c]);
    expect(idsOf(await list({ customer: "boss@other.example" }))).toEqual([ids.c]);
    expect(idsOf(await list({ customer: "11111111-2222-4333-8444-555555555555" }))).toEqual([ids.c]);
    expect(idsOf(await list({ sla: "breached" }))).toEqual([ids.c]);
    expect(idsOf(await list({ sla: "at-risk" }))).toEqual([ids.b]);
    expect(idsOf(await list({ createdFrom: "2026-01-11T10:00:00.000Z", createdTo: "2026-01-13T10:00:00.000Z" }))).toEqual([ids.c, ids.b]);
    expect((await list({ sla: "breached" })).body.items).toEqual([expect.objectContaining({ slaHealth: "breached" })]);
  });

  it("reads no provider-share range for a partner that is no indirect provider (only a provider is shared cases)", async () => {
    // Every query the list makes (the spy calls through to the real client).
    const listEntities = jest.spyOn(TableClient.prototype, "listEntities");
    let filters: string[];
    try {
      const diagnosing = await list({ status: "in-diagnosis" });
      expect(idsOf(diagnosing)).toEqual([ids.b, ids.a]);
      expect(diagnosing.body.counts).toEqual({ byStatus: { received: 1, "in-diagnosis": 2, "awaiting-customer": 0, "escalated-to-provider": 0, "escalated-to-microsoft": 0, resolved: 1, closed: 0 } });
      filters = listEntities.mock.calls.map((c) => String(c[0]?.queryOptions?.filter ?? ""));
    } finally {
      listEntities.mockRestore();
    }
    expect(filters.some((f) => f.includes("ixs_in-diagnosis_"))).toBe(true);
    expect(filters.filter((f) => f.includes("shr_"))).toEqual([]);
  });

  it("pages with continuation tokens", async () => {
    const first = await list({ limit: "2" });
    expect(idsOf(first)).toEqual([ids.d, ids.c]);
    expect(first.headers.get("x-ms-continuation-token")).toBe(first.body.continuationToken);
    const second = await list({ limit: "2", continuationToken: first.body.continuationToken as string });
    expect(idsOf(second)).toEqual([ids.b, ids.a]);
  });

  it("400 naming each bad parameter", async () => {
    const res = await list({ status: "open", sla: "late", limit: "0", colour: "red" });
    expect(res.status).toBe(400);
    expect((res.body.errors as Array<{ pointer: string }>).map((e) => e.pointer).sort()).toEqual(["query:colour", "query:limit", "query:sla", "query:status"].sort());
  });
});

describe("actions and detail extras", () => {
  it("note (internal), assignment and information request; detail shows assignee, emails and last update; Idempotency-Key replays", async () => {
    const caseId = await seedCase({ status: "in-diagnosis" }, new Date().toISOString());
    const post = (h: HttpHandler, seg: string, body: unknown, headers: Record<string, string> = {}): Promise<Seen> =>
      call(h, { method: "POST", path: `/api/partners/${P}/support-requests/${caseId}/${seg}`, key: adminKey, body, headers, params: { caseId } });
    const note = await post(createAddNoteHandler(deps), "notes", { text: "Customer called about it" });
    expect(note).toMatchObject({ status: 200, body: { caseId, action: "note", entryId: expect.stringMatching(/^note-/) } });
    const assigned = await post(createAssignCaseHandler(deps), "assignment", { assignee: "anna@access.example" });
    expect(assigned.status).toBe(200);

    const first = await post(createRequestInformationHandler(deps), "information-requests", { message: "Which subscription?" }, { "Idempotency-Key": "ask-1" });
    expect(first).toMatchObject({ status: 202, body: { action: "information-request", seq: expect.any(String) } });
    const replay = await post(createRequestInformationHandler(deps), "information-requests", { message: "Which subscription?" }, { "Idempotency-Key": "ask-1" });
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await post(createRequestInformationHandler(deps), "information-requests", { message: "Another question" }, { "Idempotency-Key": "ask-1" })).status).toBe(422);
    expect(await container.inbox.listAfter(P, caseId)).toEqual([expect.objectContaining({ action: { type: "information-request", message: "Which subscription?" } })]);

    await container.notifications.recordSent(P, { caseId, notificationKey: "received", messageId: "<m1@x>", providerMessageId: "p1", to: ["it@tisza.example"], subject: "Received", sentAt: new Date(Date.now() - 5000).toISOString() });
    await container.cases.updateCase(P, caseId, { entryId: "bounce-1", kind: "note", at: new Date().toISOString(), summary: "bounce" }, (c) => ({ ...c, undeliverableEmails: [{ address: "it@tisza.example", at: new Date().toISOString(), status: "5.1.1", messageId: "<m1@x>" }] }));
    await container.cases.appendTimeline(P, caseId, { entryId: "email-skipped-awaiting-customer", kind: "note", at: new Date().toISOString(), summary: "Status email not sent: undeliverable", details: { notificationKey: "awaiting-customer" } });
    const detail = await call(createGetSupportRequestHandler(deps), { method: "GET", path: `/api/partners/${P}/support-requests/${caseId}`, key: adminKey, params: { caseId } });
    expect(detail.status).toBe(200);
    expect(detail.body.assignee).toBe("anna@access.example");
    expect(detail.body.emails).toEqual([
      expect.objectContaining({ notificationKey: "received", state: "bounced", reason: expect.stringContaining("5.1.1") }),
      expect.objectContaining({ notificationKey: "awaiting-customer", state: "skipped" }),
    ]);
    expect(Date.parse(detail.body.lastUpdatedAt as string)).toBeGreaterThan(0);
    const kinds = (detail.body.timeline as TimelineEntry[]).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(["internal-note", "assigned"]));
  });
});
