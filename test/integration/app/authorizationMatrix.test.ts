/**
 * The whole authorisation matrix of the partner API, driven through the real HTTP
 * handlers over real Table Storage (Azurite; the Durable client faked at the port):
 * every endpoint × every role (Partner Center roles, shared/contracts/access.ts) × own objects of
 * both categories, another partner's key (404: OWASP API1:2023), another partner's object under the
 * own URL (404), the indirect provider on a reseller's case escalated to it (and on one that was
 * not: 404), no / wrong / revoked key (401 with WWW-Authenticate), and the per-key rate (429 with
 * Retry-After, RFC 6585 §4). Expected answers are derived from `can(role, permission)`.
 *
 * The customer status page (`/api/status/{token}`, `/api/status/{token}/{action}`) is not in the
 * matrix: it takes no API key and no role; it is anonymous by capability (the signed link names one
 * case) and its refusals are tested in statusPage.test.ts.
 */
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { createContainer, type Container } from "../../../shared/container";
import { actPermissionFor, can, Roles, type Category, type Permission, type Role, type SupportRequest, type TimelineEntry } from "../../../shared/contracts";
import {
  createAddNoteHandler,
  createAssignCaseHandler,
  createCloseCaseHandler,
  createCreateApiKeyHandler,
  createExportCustomerDataHandler,
  createGetSupportRequestHandler,
  createListApiKeysHandler,
  createGetAuditLogHandler,
  createGetSlaReportHandler,
  createGetVolumeReportHandler,
  createListSupportRequestsHandler,
  createRecordDiagnosisHandler,
  createRecordResolutionHandler,
  createRecordUpdateHandler,
  createReopenCaseHandler,
  createRestartWorkflowHandler,
  createRequestEscalationHandler,
  createRequestInformationHandler,
  createRevokeApiKeyHandler,
} from "../../../functions/http/partnerApiHandlers";
import { createListIgnoredEmailHandler, createListInboundLogHandler, createListQuarantinedEmailHandler, createReclassifySupportRequestHandler } from "../../../functions/http/inboundEmailHandlers";
import type { HttpHandler, HttpHandlerDeps } from "../../../functions/http/common";
import { generateApiKey, newApiKeyRecord } from "../../../shared/services";
import { FakeWorkflow, partnerDefinition, testConfig } from "./helpers";

const BASE = "http://127.0.0.1:7071";
const OWN = "own-authz";
const FOREIGN = "foreign-authz";
const PROVIDER = "provider-authz";

interface Seen {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One endpoint of the matrix. */
interface Endpoint {
  name: string;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Path after `/api/partners/{p}`. */
  path: (caseId: string) => string;
  handler: (deps: HttpHandlerDeps) => HttpHandler;
  /** The body sent (JSON). */
  body?: unknown;
  /** Case-level: the permission needed on a case of this category; undefined for partner-level endpoints. */
  casePermission?: (category: Category) => Permission;
  /** Partner-level: the permission needed. */
  permission?: Permission;
  /** Which own case (by state) it acts on. */
  on?: "open" | "resolved";
  /** Success status. */
  ok: number;
  /** Expected answer of the indirect provider with the permission on the escalated case (undefined: not visible → 404). */
  provider?: number;
  /** Puts the case in the state the endpoint needs before each call (e.g. a failed workflow). */
  before?: (caseId: string) => void;
  /** Route parameters besides `partnerId` and `caseId`. */
  params?: Record<string, string>;
}

const act = (c: Category): Permission => actPermissionFor(c);

const caseEndpoints: Endpoint[] = [
  { name: "GET detail", method: "GET", path: (id) => `/support-requests/${id}`, handler: createGetSupportRequestHandler, casePermission: () => "requests:read", on: "open", ok: 200, provider: 200 },
  { name: "POST diagnosis", method: "POST", path: (id) => `/support-requests/${id}/diagnosis`, handler: createRecordDiagnosisHandler, body: { outcome: "needs-escalation", notes: "Needs Microsoft" }, casePermission: act, on: "open", ok: 202, provider: 409 },
  { name: "POST updates", method: "POST", path: (id) => `/support-requests/${id}/updates`, handler: createRecordUpdateHandler, body: { message: "Working on it" }, casePermission: act, on: "open", ok: 202, provider: 409 },
  { name: "POST escalation", method: "POST", path: (id) => `/support-requests/${id}/escalation`, handler: createRequestEscalationHandler, body: { reason: "Out of our depth" }, casePermission: act, on: "open", ok: 202, provider: 202 },
  { name: "POST resolution", method: "POST", path: (id) => `/support-requests/${id}/resolution`, handler: createRecordResolutionHandler, body: { summary: "Fixed" }, casePermission: act, on: "open", ok: 202, provider: 202 },
  { name: "POST information-requests", method: "POST", path: (id) => `/support-requests/${id}/information-requests`, handler: createRequestInformationHandler, body: { message: "Please send the invoice number" }, casePermission: act, on: "open", ok: 202, provider: 409 },
  { name: "POST notes", method: "POST", path: (id) => `/support-requests/${id}/notes`, handler: createAddNoteHandler, body: { text: "Customer called" }, casePermission: () => "notes:write", on: "open", ok: 200, provider: 200 },
  { name: "POST assignment", method: "POST", path: (id) => `/support-requests/${id}/assignment`, handler: createAssignCaseHandler, body: { assignee: "anna@own.example" }, casePermission: act, on: "open", ok: 200, provider: 409 },
  { name: "POST closure", method: "POST", path: (id) => `/support-requests/${id}/closure`, handler: createCloseCaseHandler, body: { reason: "Confirmed by the customer" }, casePermission: act, on: "resolved", ok: 202, provider: 409 },
  { name: "POST reopening", method: "POST", path: (id) => `/support-requests/${id}/reopening`, handler: createReopenCaseHandler, body: { reason: "It happened again" }, casePermission: act, on: "resolved", ok: 202, provider: 409 },
  {
    name: "POST workflow-restart",
    method: "POST",
    path: (id) => `/support-requests/${id}/workflow-restart`,
    handler: createRestartWorkflowHandler,
    body: { reason: "The mail relay is fixed" },
    casePermission: () => "workflow:restart",
    on: "open",
    ok: 202,
    provider: 409,
    // Each call finds the case's workflow failed (the previous allowed call restarted it).
    before: (caseId) => void workflow.statuses.set(caseId, { runtimeStatus: "Failed", customStatus: null }),
  },
  { name: "PATCH reclassify", method: "PATCH", path: (id) => `/support-requests/${id}`, handler: createReclassifySupportRequestHandler, body: { severity: "A" }, casePermission: act, on: "open", ok: 200 },
];

const partnerEndpoints: Endpoint[] = [
  { name: "GET list", method: "GET", path: () => "/support-requests", handler: createListSupportRequestsHandler, permission: "requests:read", ok: 200 },
  { name: "GET api-keys", method: "GET", path: () => "/api-keys", handler: createListApiKeysHandler, permission: "keys:manage", ok: 200 },
  { name: "POST api-keys", method: "POST", path: () => "/api-keys", handler: createCreateApiKeyHandler, body: { role: "sales-agent", name: "matrix" }, permission: "keys:manage", ok: 201 },
  { name: "DELETE api-keys/{keyId}", method: "DELETE", path: () => "/api-keys/{keyId}", handler: createRevokeApiKeyHandler, permission: "keys:manage", ok: 204 },
  { name: "GET inbound-email/quarantine", method: "GET", path: () => "/inbound-email/quarantine", handler: createListQuarantinedEmailHandler, permission: "inbound-email:read", ok: 200 },
  { name: "GET inbound-email/ignored", method: "GET", path: () => "/inbound-email/ignored", handler: createListIgnoredEmailHandler, permission: "inbound-email:read", ok: 200 },
  { name: "GET audit", method: "GET", path: () => "/audit", handler: createGetAuditLogHandler, permission: "audit:read", ok: 200 },
  { name: "GET inbound-email/log", method: "GET", path: () => "/inbound-email/log", handler: createListInboundLogHandler, permission: "inbound-email:read", ok: 200 },
  { name: "GET customers/{customer}/export", method: "GET", path: () => "/customers/it@tisza.example/export", params: { customer: "it@tisza.example" }, handler: createExportCustomerDataHandler, permission: "customer-data:export", ok: 200 },
  { name: "GET reports/sla", method: "GET", path: () => "/reports/sla", handler: createGetSlaReportHandler, permission: "requests:read", ok: 200 },
  { name: "GET reports/volume", method: "GET", path: () => "/reports/volume", handler: createGetVolumeReportHandler, permission: "requests:read", ok: 200 },
];

const allEndpoints = [...caseEndpoints, ...partnerEndpoints];

let container: Container;
let workflow: FakeWorkflow;
let deps: HttpHandlerDeps;
/** Keys per role of the own partner and of the provider. */
const ownKeys = {} as Record<Role, string>;
const providerKeys = {} as Record<Role, string>;
let foreignKey: string;
let revokedKey: string;
/** Own cases: open and resolved, per category; a foreign case; the reseller's case escalated to the provider. */
const cases = { open: {} as Record<Category, string>, resolved: {} as Record<Category, string>, foreign: "", escalated: "" };
/** Counts of matrix cells asserted, by expected status. */
const cells: Record<number, number> = {};

function count(status: number): void {
  cells[status] = (cells[status] ?? 0) + 1;
}

async function addKey(c: Container, partnerId: string, role: Role): Promise<string> {
  const key = generateApiKey();
  await c.partners.addApiKey(partnerId, newApiKeyRecord(key, role, `${role} key`, new Date().toISOString()));
  return key;
}

let seq = 0;
async function createCase(partnerId: string, category: Category, status: SupportRequest["status"]): Promise<string> {
  seq += 1;
  const caseId = `CS-AUTHZ${String(seq).padStart(5, "0")}`;
  const at = new Date(Date.now() - seq * 1000).toISOString();
  const sr: SupportRequest = {
    caseId,
    partnerId,
    channel: "webhook",
    customer: { tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: "Tisza Logisztika Zrt.", email: "it@tisza.example", preferredLanguage: "hu" },
    product: "azure",
    category,
    severity: "B",
    title: `${category} request`,
    description: "Matrix",
    status: "received",
    createdAt: at,
    updatedAt: at,
  };
  const first: TimelineEntry = { entryId: "received", kind: "status-changed", at, toStatus: "received", summary: "received" };
  await container.cases.createCase(sr, first);
  await workflow.start(caseId, partnerId);
  for (const to of status === "received" ? [] : status === "resolved" ? (["in-diagnosis", "resolved"] as const) : (["in-diagnosis"] as const)) {
    await container.cases.applyTransition({ caseId, partnerId, entryId: `t-${to}`, kind: "status-changed", at, summary: to, toStatus: to });
  }
  return caseId;
}

async function call(handler: HttpHandler, init: { method: string; path: string; body?: unknown; headers?: Record<string, string>; params: Record<string, string> }): Promise<Seen> {
  const request = new HttpRequest({
    method: init.method,
    url: new URL(init.path, BASE).toString(),
    ...(init.body !== undefined ? { body: { string: JSON.stringify(init.body) } } : {}),
    headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
    params: init.params,
  });
  const response = new HttpResponse((await handler(request, new InvocationContext({ functionName: "matrix", invocationId: "inv-matrix", logHandler: () => undefined }))) as HttpResponseInit);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Calls an endpoint as `key` on `partnerId`'s URL about `caseId`. A DELETE revokes a fresh throwaway key of `partnerId`. */
async function hit(c: Container, d: HttpHandlerDeps, e: Endpoint, partnerId: string, key: string | undefined, caseId: string): Promise<Seen> {
  e.before?.(caseId);
  let path = `/api/partners/${partnerId}${e.path(caseId)}`;
  const params: Record<string, string> = { partnerId, caseId, ...e.params };
  if (e.method === "DELETE") {
    const throwaway = await c.partners.getCredentials(partnerId).then(async (creds) => {
      if (!creds) return "key_0000000000000000";
      const k = generateApiKey();
      const record = newApiKeyRecord(k, "sales-agent", "throwaway", new Date().toISOString());
      await c.partners.addApiKey(partnerId, record);
      return record.keyId;
    });
    path = path.replace("{keyId}", throwaway);
    params.keyId = throwaway;
  }
  return call(e.handler(d), { method: e.method, path, body: e.body, headers: key ? { "x-api-key": key } : {}, params });
}

beforeAll(async () => {
  container = createContainer(testConfig("authz", { API_RATE_LIMIT_PER_MINUTE: "1000000" }));
  workflow = new FakeWorkflow();
  deps = { getContainer: () => container, getWorkflow: () => workflow };
  await container.registerPartner(partnerDefinition(PROVIDER, { type: "indirect-provider", entitlements: [{ vehicle: "premier-support-for-partners" }] }));
  await container.registerPartner(partnerDefinition(OWN, { type: "indirect-reseller", indirectProviderId: PROVIDER }));
  foreignKey = (await container.registerPartner(partnerDefinition(FOREIGN))).credentials!.apiKey;
  for (const role of Roles) {
    ownKeys[role] = await addKey(container, OWN, role);
    providerKeys[role] = await addKey(container, PROVIDER, role);
  }
  revokedKey = await addKey(container, OWN, "global-admin");
  const revokedId = (await container.partners.getCredentials(OWN))!.apiKeys!.at(-1)!.keyId;
  await container.partners.revokeApiKey(OWN, revokedId, new Date().toISOString());
  for (const category of ["technical", "billing"] as const) {
    cases.open[category] = await createCase(OWN, category, "in-diagnosis");
    cases.resolved[category] = await createCase(OWN, category, "resolved");
  }
  cases.foreign = await createCase(FOREIGN, "technical", "in-diagnosis");
  // A reseller's technical case escalated to its indirect provider (as the orchestration leaves it).
  cases.escalated = await createCase(OWN, "technical", "in-diagnosis");
  const at = new Date().toISOString();
  const escalated = await container.cases.applyTransition({
    caseId: cases.escalated,
    partnerId: OWN,
    entryId: "t-escalated",
    kind: "escalation-decided",
    at,
    summary: "escalated",
    toStatus: "escalated-to-provider",
    patch: { escalation: { target: "indirect-provider", providerId: PROVIDER, reason: "reseller", trigger: "partner-request", decidedAt: at } },
  });
  await container.cases.shareWithProvider(PROVIDER, escalated, { partnerId: OWN, name: `Partner ${OWN}` }, at);
});

afterAll(() => {
  // The matrix size, for the record (asserted below too).
  process.stdout.write(`authorization matrix cells by status: ${JSON.stringify(cells)}\n`);
});

describe("authorisation matrix: own partner, every role × every endpoint × both categories", () => {
  for (const e of caseEndpoints) {
    for (const role of Roles) {
      for (const category of ["technical", "billing"] as const) {
        const permission = e.casePermission!(category);
        const allowed = can(role, permission);
        it(`${e.name} · ${role} · ${category} → ${allowed ? e.ok : 403}`, async () => {
          const caseId = e.on === "resolved" ? cases.resolved[category] : cases.open[category];
          const res = await hit(container, deps, e, OWN, ownKeys[role], caseId);
          if (allowed) {
            expect(res.status).toBe(e.ok);
          } else {
            expect(res.status).toBe(403);
            expect(res.headers.get("content-type")).toBe("application/problem+json");
            expect(res.body).toMatchObject({ status: 403, permission, role, type: "/problems/forbidden" });
          }
          count(res.status);
        });
      }
    }
  }
  for (const e of partnerEndpoints) {
    for (const role of Roles) {
      const allowed = can(role, e.permission!);
      it(`${e.name} · ${role} → ${allowed ? e.ok : 403}`, async () => {
        const res = await hit(container, deps, e, OWN, ownKeys[role], cases.open.technical);
        expect(res.status).toBe(allowed ? e.ok : 403);
        if (!allowed) expect(res.body).toMatchObject({ permission: e.permission, role });
        count(res.status);
      });
    }
  }
});

describe("authorisation matrix: another partner never learns anything (404, OWASP API1)", () => {
  for (const e of allEndpoints) {
    it(`${e.name} · another partner's global-admin key on this partner's URL → 404`, async () => {
      const res = await hit(container, deps, e, OWN, foreignKey, cases.open.technical);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 404, type: "/problems/not-found" });
      // Indistinguishable from a case that never existed (only `instance` echoes the request path).
      const absent = await hit(container, deps, e, OWN, foreignKey, "CS-NEVER00000");
      expect({ ...res.body, instance: undefined }).toEqual({ ...absent.body, instance: undefined });
      count(404);
    });
  }
  for (const e of caseEndpoints) {
    for (const role of Roles) {
      it(`${e.name} · ${role} · another partner's case under the own URL → 404`, async () => {
        const res = await hit(container, deps, e, OWN, ownKeys[role], cases.foreign);
        expect(res.status).toBe(404);
        count(404);
      });
    }
  }
  it("the list of one partner never contains another partner's case", async () => {
    const res = await hit(container, deps, partnerEndpoints[0]!, FOREIGN, foreignKey, "");
    expect(res.status).toBe(200);
    const ids = (res.body.items as Array<{ caseId: string }>).map((i) => i.caseId);
    expect(ids).toEqual([cases.foreign]);
  });
});

describe("authorisation matrix: the indirect provider sees the escalated case and nothing else of its reseller", () => {
  for (const e of caseEndpoints) {
    for (const role of Roles) {
      const permission = e.casePermission!("technical");
      const allowed = can(role, permission);
      const expected = e.provider === undefined ? 404 : allowed ? e.provider : 403;
      it(`${e.name} · provider ${role} · escalated reseller case → ${expected}`, async () => {
        const res = await hit(container, deps, e, PROVIDER, providerKeys[role], cases.escalated);
        expect(res.status).toBe(expected);
        count(res.status);
      });
      it(`${e.name} · provider ${role} · reseller case not escalated → 404`, async () => {
        const res = await hit(container, deps, e, PROVIDER, providerKeys[role], cases.open.technical);
        expect(res.status).toBe(404);
        count(404);
      });
    }
  }
  it("the provider's list holds the escalated case only", async () => {
    const res = await hit(container, deps, partnerEndpoints[0]!, PROVIDER, providerKeys["sales-agent"], "");
    expect((res.body.items as Array<{ caseId: string; resellerPartnerId?: string }>).map((i) => [i.caseId, i.resellerPartnerId])).toEqual([[cases.escalated, OWN]]);
  });
});

describe("authorisation matrix: 401 without, with a wrong or with a revoked key", () => {
  for (const e of allEndpoints) {
    for (const [label, key] of [
      ["no key", undefined],
      ["a wrong key", "csp_not-a-real-key-000000000000000000000000000"],
      ["a revoked key", "revoked"],
    ] as const) {
      it(`${e.name} · ${label} → 401 with WWW-Authenticate`, async () => {
        const res = await hit(container, deps, e, OWN, key === "revoked" ? revokedKey : key, cases.open.technical);
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="partner-api"/);
        count(401);
      });
    }
  }
});

describe("authorisation matrix: 429 with Retry-After past the per-key rate", () => {
  const LIMIT = 2;
  let limited: Container;
  let limitedDeps: HttpHandlerDeps;
  // The limiter counts per clock-aligned minute: a test whose requests straddled a minute boundary
  // would start a new window half-way. The container's clock runs at real speed, moved forward
  // before each test to half a second past a minute, so every test has its own whole window.
  let shiftMs = 0;
  const clock = { now: (): Date => new Date(Date.now() + shiftMs) };
  beforeEach(() => {
    shiftMs += (60_500 - ((Date.now() + shiftMs) % 60_000)) % 60_000;
  });
  beforeAll(() => {
    // Same tables (same prefix), a container with a low per-key rate.
    limited = createContainer({ ...container.config, API_RATE_LIMIT_PER_MINUTE: LIMIT }, { clock });
    limitedDeps = { getContainer: () => limited, getWorkflow: () => workflow };
  });
  for (const e of allEndpoints) {
    it(`${e.name} · the key's ${LIMIT + 1}th request in a minute → 429; another key is not limited`, async () => {
      const key = await addKey(limited, OWN, "global-admin");
      const caseId = e.on === "resolved" ? cases.resolved.technical : cases.open.technical;
      for (let i = 0; i < LIMIT; i++) expect((await hit(limited, limitedDeps, e, OWN, key, caseId)).status).not.toBe(429);
      const res = await hit(limited, limitedDeps, e, OWN, key, caseId);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect(res.body).toMatchObject({ status: 429, type: "/problems/too-many-requests" });
      count(429);
      const other = await addKey(limited, OWN, "global-admin");
      expect((await hit(limited, limitedDeps, e, OWN, other, caseId)).status).not.toBe(429);
    });
  }
  it("another partner's key is limited too (before its 404)", async () => {
    const key = await addKey(limited, FOREIGN, "global-admin");
    for (let i = 0; i < LIMIT; i++) expect((await hit(limited, limitedDeps, caseEndpoints[0]!, OWN, key, cases.open.technical)).status).toBe(404);
    expect((await hit(limited, limitedDeps, caseEndpoints[0]!, OWN, key, cases.open.technical)).status).toBe(429);
  });
});

describe("authorisation matrix: size", () => {
  it("covers every endpoint × role × object kind", () => {
    const total = Object.values(cells).reduce((a, b) => a + b, 0);
    // 12 case endpoints × 5 roles × 2 categories + 11 partner endpoints × 5 roles (own);
    // 23 foreign-key + 60 foreign-object (404); 2 × 60 provider; 23 × 3 (401); 23 (429).
    expect(total).toBe(120 + 55 + 23 + 60 + 120 + 69 + 23);
  });
});
