/**
 * Through the partner API handlers on a real Azurite (Durable client faked at the port):
 * case actions go to the inbox before the workflow is signalled; the new updates and escalation
 * endpoints; the SLA clocks and escalation on GET; the indirect provider's view of its resellers'
 * escalated cases (and nothing else: OWASP API1); the public support terms; and the escalation
 * activities (PSI on the record, Microsoft service request filed through a local Partner Center or
 * prepared when the integration is off).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { HttpPartnerCenterClient } from "../../../shared/adapters";
import { createContainer, type Container } from "../../../shared/container";
import { EventNames, type EscalationRecord, type PartnerCredentials } from "../../../shared/contracts";
import { submitSupportRequest } from "../../../shared/services";
import type { HttpHandlerDeps } from "../../../functions/http/common";
import {
  createGetSupportRequestHandler,
  createGetSupportTermsHandler,
  createListSupportRequestsHandler,
  createRecordDiagnosisHandler,
  createRecordResolutionHandler,
  createRecordUpdateHandler,
  createRequestEscalationHandler,
} from "../../../functions/http/partnerApiHandlers";
import { FakeWorkflow, partnerDefinition, supportRequestBody, testConfig } from "./helpers";

const BASE = "http://127.0.0.1:7071";
let container: Container;
let workflow: FakeWorkflow;
let deps: HttpHandlerDeps;
const keys: Record<string, PartnerCredentials> = {};
let psServer: http.Server;
const psRequests: Array<{ url: string; auth: string | undefined; requestId: string | undefined; body: Record<string, unknown> }> = [];

interface Seen {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(handler: (r: HttpRequest, c: InvocationContext) => Promise<HttpResponseInit>, init: { method: string; path: string; body?: unknown; key?: string; params: Record<string, string> }): Promise<Seen> {
  const headers: Record<string, string> = init.key ? { "x-api-key": init.key } : {};
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const request = new HttpRequest({ method: init.method, url: new URL(init.path, BASE).toString(), ...(init.body !== undefined ? { body: { string: JSON.stringify(init.body) } } : {}), headers, params: init.params });
  const response = new HttpResponse(await handler(request, new InvocationContext({ functionName: "test", invocationId: "inv-p", logHandler: () => undefined })));
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const getCase = (partnerId: string, caseId: string, key: string) => call(createGetSupportRequestHandler(deps), { method: "GET", path: `/api/partners/${partnerId}/support-requests/${caseId}`, key, params: { partnerId, caseId } });
const listCases = (partnerId: string, key: string) => call(createListSupportRequestsHandler(deps), { method: "GET", path: `/api/partners/${partnerId}/support-requests`, key, params: { partnerId } });
type ActionPath = "diagnosis" | "resolution" | "updates" | "escalation";
const handlers: Record<ActionPath, () => (r: HttpRequest, c: InvocationContext) => Promise<HttpResponseInit>> = {
  diagnosis: () => createRecordDiagnosisHandler(deps),
  resolution: () => createRecordResolutionHandler(deps),
  updates: () => createRecordUpdateHandler(deps),
  escalation: () => createRequestEscalationHandler(deps),
};
const post = (path: ActionPath, partnerId: string, caseId: string, body: unknown, key: string) => call(handlers[path](), { method: "POST", path: `/api/partners/${partnerId}/support-requests/${caseId}/${path}`, body, key, params: { partnerId, caseId } });

async function newCase(partnerId: string, overrides: Record<string, unknown> = {}): Promise<string> {
  return (await submitSupportRequest(container.supportRequestDeps(workflow), partnerId, supportRequestBody(overrides))).caseId;
}

/** Records an escalation decision as the orchestration does: a RecordCaseTransition with the record as patch. */
async function escalate(partnerId: string, caseId: string, escalation: Omit<EscalationRecord, "decidedAt" | "trigger">, toStatus: "escalated-to-provider" | "escalated-to-microsoft" | undefined, entryId: string): Promise<void> {
  const at = new Date().toISOString();
  const record: EscalationRecord = { ...escalation, trigger: "partner-request", decidedAt: at };
  await container.activities.recordTransition({ caseId, partnerId, entryId, kind: "escalation-decided", summary: record.reason, at, ...(toStatus ? { toStatus } : {}), patch: { escalation: record } });
}

let resellerEscalated: string;
let resellerOther: string;
let providerOwn: string;

beforeAll(async () => {
  psServer = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      psRequests.push({ url: req.url ?? "", auth: req.headers.authorization, requestId: req.headers["ms-requestid"] as string | undefined, body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(201, { "Content-Type": "application/json" }).end(JSON.stringify({ Id: `SR-${psRequests.length}` }));
    });
  });
  await new Promise<void>((resolve) => psServer.listen(0, "127.0.0.1", resolve));
  const partnerCenter = new HttpPartnerCenterClient({ baseUrl: `http://127.0.0.1:${(psServer.address() as AddressInfo).port}`, credential: { getToken: async () => ({ token: "pc-token", expiresOnTimestamp: Date.now() + 3_600_000 }) } });
  container = createContainer(testConfig("prov", { PARTNER_CENTER_SUPPORT_TOPIC_ID: "32444671" }), { partnerCenter });
  workflow = new FakeWorkflow();
  deps = { getContainer: () => container, getWorkflow: () => workflow };
  keys.provider = (await container.registerPartner(partnerDefinition("prov-p", { type: "indirect-provider", name: "Provider Kft.", entitlements: [{ vehicle: "premier-support-for-partners" }, { vehicle: "product-support-incidents", remainingIncidents: 2 }] }))).credentials!;
  keys.reseller = (await container.registerPartner(partnerDefinition("resel-p", { type: "indirect-reseller", indirectProviderId: "prov-p", name: "Reseller Bt." }))).credentials!;
  keys.third = (await container.registerPartner(partnerDefinition("third-p"))).credentials!;
  resellerEscalated = await newCase("resel-p", { category: "technical", product: "sql-server", title: "SQL Server crashes" });
  resellerOther = await newCase("resel-p", { title: "Reseller's other case" });
  providerOwn = await newCase("prov-p", { title: "Provider's own case" });
  await container.cases.applyTransition({ caseId: resellerEscalated, partnerId: "resel-p", entryId: "t01-in-diagnosis", toStatus: "in-diagnosis", kind: "status-changed", summary: "diagnosing", at: new Date().toISOString() });
  await escalate("resel-p", resellerEscalated, { target: "indirect-provider", providerId: "prov-p", reason: "Rule 1: an indirect reseller escalates to its indirect provider (prov-p) first." }, "escalated-to-provider", "t02-escalation");
});

afterAll(async () => {
  await new Promise<void>((resolve) => psServer.close(() => resolve()));
});

describe("indirect provider visibility (OWASP API1)", () => {
  it("the provider lists its own cases and the resellers' cases escalated to it, with the reseller named", async () => {
    const res = await listCases("prov-p", keys.provider!.apiKey);
    expect(res.status).toBe(200);
    const items = res.body.items as Array<{ caseId: string; partnerId: string; status: string; resellerPartnerId?: string; resellerName?: string }>;
    expect(items.map((i) => i.caseId).sort()).toEqual([providerOwn, resellerEscalated].sort());
    expect(items.find((i) => i.caseId === resellerEscalated)).toMatchObject({ partnerId: "resel-p", status: "escalated-to-provider", resellerPartnerId: "resel-p", resellerName: "Reseller Bt." });
    expect(items.find((i) => i.caseId === providerOwn)?.resellerPartnerId).toBeUndefined();
  });

  it("the provider reads an escalated case with the reseller named; never the reseller's other cases", async () => {
    const res = await getCase("prov-p", resellerEscalated, keys.provider!.apiKey);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ case: { caseId: resellerEscalated, partnerId: "resel-p", status: "escalated-to-provider" }, resellerPartnerId: "resel-p", resellerName: "Reseller Bt.", escalation: { target: "indirect-provider", providerId: "prov-p", reason: expect.stringContaining("Rule 1") } });
    expect((await getCase("prov-p", resellerOther, keys.provider!.apiKey)).status).toBe(404);
    // The reseller still sees its case, without a reseller field.
    const own = await getCase("resel-p", resellerEscalated, keys.reseller!.apiKey);
    expect(own.status).toBe(200);
    expect(own.body.resellerPartnerId).toBeUndefined();
  });

  it("the reseller's key cannot see the provider's other cases; a third partner gets 404 everywhere", async () => {
    expect((await getCase("resel-p", providerOwn, keys.reseller!.apiKey)).status).toBe(404);
    expect((await getCase("prov-p", providerOwn, keys.reseller!.apiKey)).status).toBe(404);
    expect((await listCases("prov-p", keys.reseller!.apiKey)).status).toBe(404);
    expect((await getCase("third-p", resellerEscalated, keys.third!.apiKey)).status).toBe(404);
    expect((await getCase("prov-p", resellerEscalated, keys.third!.apiKey)).status).toBe(404);
    expect((await getCase("resel-p", resellerEscalated, keys.third!.apiKey)).status).toBe(404);
    expect(((await listCases("third-p", keys.third!.apiKey)).body.items as unknown[]).length).toBe(0);
    expect((await post("resolution", "third-p", resellerEscalated, { summary: "x" }, keys.third!.apiKey)).status).toBe(404);
  });

  it("the provider may resolve or escalate an escalated case (actor indirect-provider), nothing else and nothing of the reseller's other cases", async () => {
    const diagnosis = await post("diagnosis", "prov-p", resellerEscalated, { outcome: "resolved", notes: "x" }, keys.provider!.apiKey);
    expect(diagnosis.status).toBe(409);
    expect((await post("updates", "prov-p", resellerEscalated, { message: "Working on it" }, keys.provider!.apiKey)).status).toBe(409);
    expect((await post("resolution", "prov-p", resellerOther, { summary: "x" }, keys.provider!.apiKey)).status).toBe(404);
    expect((await post("escalation", "prov-p", resellerOther, { reason: "x" }, keys.provider!.apiKey)).status).toBe(404);

    const before = workflow.events.length;
    const escalation = await post("escalation", "prov-p", resellerEscalated, { reason: "Needs Microsoft: crash dump points at the engine" }, keys.provider!.apiKey);
    expect(escalation.status).toBe(202);
    expect(escalation.body).toMatchObject({ caseId: resellerEscalated, action: "escalate", event: EventNames.actionsAvailable, seq: expect.stringMatching(/^\d{12}$/) });
    expect(escalation.headers.get("location")).toBe(`${BASE}/api/partners/prov-p/support-requests/${resellerEscalated}`);
    const resolution = await post("resolution", "prov-p", resellerEscalated, { summary: "Patched the instance" }, keys.provider!.apiKey);
    expect(resolution.status).toBe(202);
    // Stored in the case's own inbox (the reseller's scope) with the provider as actor; each
    // signal carries the record stored.
    const inbox = await container.inbox.listAfter("resel-p", resellerEscalated);
    expect(workflow.events.slice(before)).toEqual(inbox.map((r) => ({ caseId: resellerEscalated, eventName: EventNames.actionsAvailable, payload: r })));
    expect(inbox.map((r) => [r.action.type, r.actor])).toEqual([
      ["escalate", { kind: "indirect-provider", partnerId: "prov-p" }],
      ["resolution", { kind: "indirect-provider", partnerId: "prov-p" }],
    ]);
    // The reseller may not diagnose a case it escalated.
    expect((await post("diagnosis", "resel-p", resellerEscalated, { outcome: "resolved", notes: "x" }, keys.reseller!.apiKey)).status).toBe(409);
  });

  it("the provider escalates to Microsoft with its own entitlements: PSI recorded, service request filed once through Partner Center", async () => {
    // The provider's PSI (on-premises product) is consumed for the reseller's case and shown on the record.
    expect(await container.activities.consumeProductSupportIncident({ partnerId: "prov-p", caseId: resellerEscalated })).toEqual({ consumed: true, remainingIncidents: 1 });
    await escalate("resel-p", resellerEscalated, { target: "microsoft", vehicle: "product-support-incidents", reason: "Rule 3: technical issue on an on-premises product; product-support-incidents is the first eligible entitlement of the provider." }, "escalated-to-microsoft", "t03-escalation");
    const first = await container.activities.fileMicrosoftServiceRequest({ caseId: resellerEscalated, partnerId: "resel-p", vehicle: "product-support-incidents", locale: "en-US" });
    const again = await container.activities.fileMicrosoftServiceRequest({ caseId: resellerEscalated, partnerId: "resel-p", vehicle: "product-support-incidents", locale: "en-US" });
    expect(first).toMatchObject({ outcome: "filed", serviceRequestId: "SR-1", payload: { Severity: "moderate", ProductName: "SQL Server", SupportTopicId: "32444671", PrimaryContact: { Email: "support@prov-p.example" } } });
    expect(again).toEqual(first);
    expect(psRequests).toHaveLength(1);
    expect(psRequests[0]).toMatchObject({ url: "/v1/servicerequests/en-US", auth: "Bearer pc-token", body: { Title: `[Case #${resellerEscalated}] SQL Server crashes` } });

    const view = await getCase("prov-p", resellerEscalated, keys.provider!.apiKey);
    expect(view.status).toBe(200);
    expect(view.body.escalation).toMatchObject({ target: "microsoft", vehicle: "product-support-incidents", productSupportIncident: { consumed: true, remainingIncidents: 1 }, microsoftServiceRequest: { outcome: "filed", serviceRequestId: "SR-1", locale: "en-US", payload: { Severity: "moderate" } } });
    expect((await container.partners.getPartner("prov-p"))?.entitlements[1]).toEqual({ vehicle: "product-support-incidents", remainingIncidents: 1 });
    expect((view.body.timeline as Array<{ entryId: string }>).map((e) => e.entryId)).toContain("microsoft-service-request");
  });
});

describe("partner actions through the inbox", () => {
  let caseId: string;
  beforeAll(async () => {
    caseId = await newCase("third-p", { title: "Inbox case" });
  });

  it("diagnosis, updates and escalation append an action, then raise CaseActionsAvailable carrying the stored record", async () => {
    const key = keys.third!.apiKey;
    const before = workflow.events.length;
    const d = await post("diagnosis", "third-p", caseId, { outcome: "awaiting-customer", notes: "Need the invoice number" }, key);
    expect(d.status).toBe(202);
    const u = await post("updates", "third-p", caseId, { message: "We are looking into the invoice" }, key);
    expect(u.status).toBe(202);
    const e = await post("escalation", "third-p", caseId, { reason: "Customer asked for Microsoft" }, key);
    expect(e.status).toBe(202);
    expect([d.body.seq, u.body.seq, e.body.seq]).toEqual(["000000000001", "000000000002", "000000000003"]);
    const inbox = await container.inbox.listAfter("third-p", caseId);
    // Each signal carries exactly the record the inbox holds, raised after it was stored.
    expect(workflow.events.slice(before).map((x) => [x.eventName, x.payload])).toEqual(inbox.map((r) => [EventNames.actionsAvailable, r]));
    expect(inbox.map((r) => r.action)).toEqual([
      { type: "diagnosis", outcome: "awaiting-customer", notes: "Need the invoice number" },
      { type: "update", message: "We are looking into the invoice" },
      { type: "escalate", reason: "Customer asked for Microsoft" },
    ]);
    expect(inbox.every((r) => r.actor.kind === "partner" && r.actor.partnerId === "third-p")).toBe(true);
  });

  it("400 naming bad fields; 409 when the status forbids the action or the workflow is not running", async () => {
    const key = keys.third!.apiKey;
    expect((await post("updates", "third-p", caseId, { message: "" }, key)).body).toMatchObject({ status: 400, errors: [{ pointer: "#/message" }] });
    expect((await post("escalation", "third-p", caseId, {}, key)).body).toMatchObject({ status: 400, errors: [{ pointer: "#/reason" }] });
    const early = await post("resolution", "third-p", caseId, { summary: "Done" }, key);
    expect(early).toMatchObject({ status: 409, body: { currentStatus: "received" } });

    await container.cases.applyTransition({ caseId, partnerId: "third-p", entryId: "t01-resolved", toStatus: "resolved", kind: "status-changed", summary: "resolved", at: new Date().toISOString() });
    for (const [path, body] of [
      ["updates", { message: "One more thing" }],
      ["escalation", { reason: "Too late" }],
      ["diagnosis", { outcome: "resolved", notes: "Too late" }],
    ] as const) {
      const res = await post(path, "third-p", caseId, body, key);
      expect(res.status).toBe(409);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.body.currentStatus).toBe("resolved");
    }
    const other = await newCase("third-p", { title: "Finished workflow" });
    workflow.statuses.set(other, { runtimeStatus: "Completed", customStatus: null });
    const before = (await container.inbox.listAfter("third-p", other)).length;
    expect((await post("updates", "third-p", other, { message: "Hello?" }, key)).status).toBe(409);
    expect(await container.inbox.listAfter("third-p", other)).toHaveLength(before);
  });

  it("GET shows the SLA clocks recomputed from the log, the log, and the escalation (null before one)", async () => {
    const id = await newCase("third-p", { title: "SLA view", severity: "B" });
    const createdAt = (await container.cases.getCase("third-p", id))!.createdAt;
    await container.activities.recordSlaEvents({
      caseId: id,
      partnerId: "third-p",
      events: [
        { eventId: "e01-activate-first-response", metric: "first-response", type: "activate", at: createdAt, policyId: "default", target: "PT4H" },
        { eventId: "e01-activate-resolution", metric: "resolution", type: "activate", at: createdAt, policyId: "default", target: "P2D" },
        { eventId: "e02-fulfill-first-response", metric: "first-response", type: "fulfill", at: createdAt, policyId: "default" },
      ],
    });
    const res = await getCase("third-p", id, keys.third!.apiKey);
    expect(res.status).toBe(200);
    expect((res.body.slaEvents as Array<{ type: string; metric: string }>).map((e) => `${e.type}:${e.metric}`)).toEqual(["activate:first-response", "activate:resolution", "fulfill:first-response"]);
    expect(res.body.slaClocks).toMatchObject({ "first-response": { metric: "first-response", state: "fulfilled" }, resolution: { metric: "resolution", state: expect.stringMatching(/running|paused/) } });
    expect(res.body.escalation).toBeNull();
  });
});

describe("escalation activities with the Partner Center integration off", () => {
  it("prepares the service request on the escalation record for the partner to file by hand; PSI used is on the record", async () => {
    const off = createContainer(testConfig("provoff"), { partnerCenter: null });
    expect(off.partnerCenter).toBeUndefined();
    await off.registerPartner(partnerDefinition("psi-off", { entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 1 }] }));
    const caseId = (await submitSupportRequest(off.supportRequestDeps(workflow), "psi-off", supportRequestBody({ category: "technical", product: "windows-server", severity: "A", title: "Cluster down" }))).caseId;
    expect(await off.activities.consumeProductSupportIncident({ partnerId: "psi-off", caseId })).toEqual({ consumed: true, remainingIncidents: 0 });
    const at = new Date().toISOString();
    await off.activities.recordTransition({ caseId, partnerId: "psi-off", entryId: "t02-escalation", kind: "escalation-decided", summary: "Escalated to Microsoft", toStatus: "escalated-to-microsoft", at, patch: { escalation: { target: "microsoft", vehicle: "product-support-incidents", reason: "Rule 3", trigger: "first-response-breach", decidedAt: at } } });
    const result = await off.activities.fileMicrosoftServiceRequest({ caseId, partnerId: "psi-off", vehicle: "product-support-incidents", locale: "hu-HU" });
    expect(result).toMatchObject({ outcome: "prepared", payload: { Severity: "critical", ProductName: "Windows Server", SupportTopicId: "", PrimaryContact: { Email: "support@psi-off.example" }, Title: `[Case #${caseId}] Cluster down` } });
    expect(result.serviceRequestId).toBeUndefined();
    expect(await off.activities.fileMicrosoftServiceRequest({ caseId, partnerId: "psi-off", vehicle: "product-support-incidents", locale: "hu-HU" })).toEqual(result);
    const stored = await off.cases.getCase("psi-off", caseId);
    expect(stored?.escalation).toMatchObject({ target: "microsoft", reason: "Rule 3", productSupportIncident: { consumed: true, remainingIncidents: 0 }, microsoftServiceRequest: { outcome: "prepared", locale: "hu-HU", payload: result.payload } });
  });
});

describe("GET /api/partners/{partnerId}/support-terms (public)", () => {
  it("200 with the published terms only, cacheable for 5 minutes; 404 problem for an unknown partner", async () => {
    const res = await call(createGetSupportTermsHandler(deps), { method: "GET", path: "/api/partners/prov-p/support-terms", params: { partnerId: "prov-p" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.body).toEqual({
      partnerId: "prov-p",
      name: "Provider Kft.",
      supportTypes: ["Microsoft 365 administration"],
      serviceHours: { timeZone: "Europe/Budapest", weekly: { mon: [{ start: "08:00", end: "17:00" }] }, holidays: [] },
      contactMethods: ["email: support@prov-p.example"],
      pricing: "Included",
    });
    const missing = await call(createGetSupportTermsHandler(deps), { method: "GET", path: "/api/partners/nobody-p/support-terms", params: { partnerId: "nobody-p" } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    expect((await call(createGetSupportTermsHandler(deps), { method: "GET", path: "/api/partners/NOT_AN_ID/support-terms", params: { partnerId: "NOT_AN_ID" } })).status).toBe(404);
  });
});
