/**
 * The audit log through the real HTTP handlers over Azurite: partner actions and API-key changes
 * recorded with key id (never the key), role, time, status and source IP; read by a global admin
 * only; entries older than a year purged.
 */
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { RestError, TableClient } from "@azure/data-tables";
import { createContainer, type Container } from "../../../shared/container";
import { createCreateApiKeyHandler, createGetAuditLogHandler, createListSupportRequestsHandler, createRevokeApiKeyHandler } from "../../../functions/http/partnerApiHandlers";
import type { HttpHandler, HttpHandlerDeps } from "../../../functions/http/common";
import { FakeWorkflow, partnerDefinition, testConfig } from "./helpers";
import { resendNextInsert } from "../../support/lostAnswer";

const P = "audit-partner";
let container: Container;
let deps: HttpHandlerDeps;
let adminKey: string;

async function call(handler: HttpHandler, functionName: string, init: { method: string; path: string; key: string; body?: unknown; params?: Record<string, string>; ip?: string }): Promise<{ status: number; body: Record<string, unknown> }> {
  const request = new HttpRequest({
    method: init.method,
    url: `http://127.0.0.1:7071/api/partners/${P}${init.path}`,
    ...(init.body !== undefined ? { body: { string: JSON.stringify(init.body) } } : {}),
    headers: { "x-api-key": init.key, ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...(init.ip ? { "x-forwarded-for": init.ip } : {}) },
    params: { partnerId: P, ...init.params },
  });
  const response = new HttpResponse((await handler(request, new InvocationContext({ functionName, invocationId: "inv", logHandler: () => undefined }))) as HttpResponseInit);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

beforeAll(async () => {
  container = createContainer(testConfig("audit"));
  deps = { getContainer: () => container, getWorkflow: () => new FakeWorkflow() };
  adminKey = (await container.registerPartner(partnerDefinition(P))).credentials!.apiKey;
});

describe("audit log", () => {
  it("records key changes and actions with key id, role, status and source IP; a global admin reads it, newest first", async () => {
    const created = await call(createCreateApiKeyHandler(deps), "CreateApiKey", { method: "POST", path: "/api-keys", key: adminKey, body: { role: "helpdesk-agent", name: "Desk" }, ip: "198.51.100.7, 203.0.113.9:50312" });
    expect(created.status).toBe(201);
    const helpdeskKey = created.body.apiKey as string;
    // A denied attempt is recorded too; a plain read is not.
    expect((await call(createRevokeApiKeyHandler(deps), "RevokeApiKey", { method: "DELETE", path: `/api-keys/${created.body.keyId as string}`, key: helpdeskKey, params: { keyId: created.body.keyId as string }, ip: "[2001:db8::5]:443" })).status).toBe(403);
    expect((await call(createListSupportRequestsHandler(deps), "ListSupportRequests", { method: "GET", path: "/support-requests", key: helpdeskKey })).status).toBe(200);
    expect((await call(createRevokeApiKeyHandler(deps), "RevokeApiKey", { method: "DELETE", path: `/api-keys/${created.body.keyId as string}`, key: adminKey, params: { keyId: created.body.keyId as string } })).status).toBe(204);

    expect((await call(createGetAuditLogHandler(deps), "GetAuditLog", { method: "GET", path: "/audit", key: helpdeskKey })).status).toBe(401); // revoked by now
    const page = await call(createGetAuditLogHandler(deps), "GetAuditLog", { method: "GET", path: "/audit", key: adminKey });
    expect(page.status).toBe(200);
    const items = page.body.items as Array<Record<string, unknown>>;
    const adminKeyId = (await container.partners.getCredentials(P))!.apiKeys!.find((k) => k.role === "global-admin")!.keyId;
    expect(items.map((i) => [i.action, i.status, i.keyId, i.role, i.sourceIp])).toEqual([
      ["RevokeApiKey", 204, adminKeyId, "global-admin", "unknown"],
      ["RevokeApiKey", 403, created.body.keyId, "helpdesk-agent", "2001:db8::5"],
      ["CreateApiKey", 201, adminKeyId, "global-admin", "203.0.113.9"],
      ["RegisterPartner", 201, "cli", undefined, "local"],
    ]);
    expect(items.every((i) => typeof i.at === "string" && i.partnerId === P)).toBe(true);
    expect(JSON.stringify(items)).not.toContain(helpdeskKey);
    expect(JSON.stringify(items)).not.toContain(adminKey);
    // Reading the log is itself recorded.
    const again = await call(createGetAuditLogHandler(deps), "GetAuditLog", { method: "GET", path: "/audit?limit=1", key: adminKey });
    expect((again.body.items as Array<Record<string, unknown>>)[0]).toMatchObject({ action: "GetAuditLog", status: 200 });
  });

  it("refuses bad parameters by name", async () => {
    const res = await call(createGetAuditLogHandler(deps), "GetAuditLog", { method: "GET", path: "/audit?from=yesterday&limit=x", key: adminKey });
    expect(res.status).toBe(400);
    expect((res.body.errors as Array<{ pointer: string }>).map((e) => e.pointer)).toEqual(["query:from", "query:limit"]);
  });

  it("keeps a year: older entries are purged, newer ones stay", async () => {
    const now = Date.now();
    const entry = { partnerId: P, keyId: "key_0000000000000000", role: "sales-agent" as const, action: "AddCaseNote", method: "POST", path: "/x", status: 200, sourceIp: "unknown" };
    await container.auditLog.record({ ...entry, at: new Date(now - 400 * 86_400_000).toISOString() });
    await container.auditLog.record({ ...entry, at: new Date(now - 300 * 86_400_000).toISOString() });
    expect(await container.auditLog.purgeBefore(new Date(now - 365 * 86_400_000).toISOString())).toBe(1);
    const all = await container.auditLog.list(P, { limit: 100 });
    expect(all.items.filter((i) => i.keyId === "key_0000000000000000").map((i) => i.at)).toEqual([new Date(now - 300 * 86_400_000).toISOString()]);
  });

  it("an entry whose insert committed but whose answer was lost (sent again: 409) is recorded once, without an error", async () => {
    const resend = resendNextInsert();
    const at = new Date().toISOString();
    try {
      await container.auditLog.record({ at, partnerId: P, keyId: "key_2222222222222222", role: "sales-agent", action: "AddCaseNote", method: "POST", path: "/lost-answer", status: 200, sourceIp: "unknown" });
      expect(resend).toHaveBeenCalledTimes(1);
    } finally {
      resend.mockRestore();
    }
    const all = await container.auditLog.list(P, { limit: 100 });
    expect(all.items.filter((i) => i.path === "/lost-answer").map((i) => i.at)).toEqual([at]);
  });

  it("a purge that storage refuses fails (the next maintenance run retries) and keeps what it did not delete; an entry already gone is not counted", async () => {
    const now = Date.now();
    const entry = { partnerId: P, keyId: "key_1111111111111111", role: "sales-agent" as const, action: "AddCaseNote", method: "POST", path: "/x", status: 200, sourceIp: "unknown" };
    const old = [500, 450].map((days) => new Date(now - days * 86_400_000).toISOString());
    for (const at of old) await container.auditLog.record({ ...entry, at });
    const cutoff = new Date(now - 365 * 86_400_000).toISOString();
    const kept = async (): Promise<string[]> => (await container.auditLog.list(P, { limit: 100, to: cutoff })).items.filter((i) => i.keyId === entry.keyId).map((i) => i.at);
    const deleteEntity = jest.spyOn(TableClient.prototype, "deleteEntity").mockRejectedValueOnce(new RestError("Server busy", { statusCode: 503 }));
    try {
      await expect(container.auditLog.purgeBefore(cutoff)).rejects.toMatchObject({ statusCode: 503 });
      expect(await kept()).toHaveLength(2);
      // Deleted by someone else between the query and the delete: not this run's to count.
      deleteEntity.mockRejectedValueOnce(new RestError("Not found", { statusCode: 404 }));
      expect(await container.auditLog.purgeBefore(cutoff)).toBe(1);
    } finally {
      deleteEntity.mockRestore();
    }
    expect(await kept()).toHaveLength(1);
  });
});
