/**
 * The OpenAPI 3.1 document (shared/openapi): valid per @readme/openapi-parser (the OpenAPI 3.1
 * schema plus its semantic rules: unique operation ids, path parameters declared and required, …);
 * problem+json errors, rate limits, idempotency and continuation tokens documented; every request
 * body schema accepts a valid example and rejects an invalid one (they are the schemas the handlers
 * validate with).
 */
import fs from "node:fs";
import path from "node:path";
import { validate, compileErrors } from "@readme/openapi-parser";
import { ProblemDetailsSchema } from "../../../shared/contracts";
import { buildOpenApiDocument, buildOpenApiDocumentWithBodies, fixNullableRefs, ProblemResponses, readPackageVersion, type OpenApiDocument } from "../../../shared/openapi";

type Operation = { parameters?: Array<Record<string, unknown>>; responses: Record<string, Record<string, unknown>>; security?: unknown[]; requestBody?: unknown; operationId?: string };
const Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

function operations(doc: OpenApiDocument): Array<{ method: string; path: string; op: Operation }> {
  const out: Array<{ method: string; path: string; op: Operation }> = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of Methods) {
      const op = (item as Record<string, unknown>)[method] as Operation | undefined;
      if (op) out.push({ method, path, op });
    }
  }
  return out;
}

function resolveParameter(doc: OpenApiDocument, p: Record<string, unknown>): Record<string, unknown> {
  const ref = p.$ref;
  if (typeof ref !== "string") return p;
  const name = ref.replace("#/components/parameters/", "");
  return doc.components?.parameters?.[name] as unknown as Record<string, unknown>;
}

const headerNames = (doc: OpenApiDocument, op: Operation): string[] => (op.parameters ?? []).map((p) => resolveParameter(doc, p)).filter((p) => p.in === "header").map((p) => String(p.name).toLowerCase());

/** A valid body per documented request body (by `METHOD path`), and an invalid one. */
const examples: Record<string, { valid: unknown; invalid: unknown }> = {
  "post /api/partners/{partnerId}/support-requests": {
    valid: {
      customer: { tenantId: "2b7e3c1a-5d4f-4e8a-9b6c-1d2e3f4a5b6c", name: "Contoso Kft.", email: "it@contoso.example", preferredLanguage: "hu" },
      product: "azure",
      category: "billing",
      severity: "B",
      title: "Eltérés az októberi Azure-számlán",
      description: "Az októberi számla magasabb a vártnál.",
    },
    invalid: { customer: { tenantId: "not-a-guid", name: "", email: "x" }, product: "nope", category: "billing", severity: "Z", title: "a", description: "" },
  },
  "patch /api/partners/{partnerId}/support-requests/{caseId}": { valid: { severity: "A" }, invalid: { colour: "red" } },
  "post /api/partners/{partnerId}/support-requests/{caseId}/diagnosis": { valid: { outcome: "needs-escalation", notes: "Needs Microsoft." }, invalid: { outcome: "maybe", notes: "" } },
  "post /api/partners/{partnerId}/support-requests/{caseId}/updates": { valid: { message: "Still on it." }, invalid: { message: "" } },
  "post /api/partners/{partnerId}/support-requests/{caseId}/escalation": { valid: { reason: "Outage." }, invalid: {} },
  "post /api/partners/{partnerId}/support-requests/{caseId}/resolution": { valid: { summary: "Credit note issued." }, invalid: { summary: 3 } },
  "post /api/partners/{partnerId}/support-requests/{caseId}/information-requests": { valid: { message: "Which subscription?" }, invalid: { message: "" } },
  "post /api/partners/{partnerId}/support-requests/{caseId}/notes": { valid: { text: "Called the customer." }, invalid: { text: "" } },
  "post /api/partners/{partnerId}/support-requests/{caseId}/assignment": { valid: { assignee: "agent@partner.example" }, invalid: { assignee: 42 } },
  "post /api/partners/{partnerId}/support-requests/{caseId}/closure": { valid: {}, invalid: { reason: "" } },
  "post /api/partners/{partnerId}/support-requests/{caseId}/reopening": { valid: { reason: "It happened again." }, invalid: {} },
  "post /api/partners/{partnerId}/support-requests/{caseId}/workflow-restart": { valid: { reason: "The mail relay was fixed." }, invalid: { reason: "" } },
  "post /api/partners/{partnerId}/api-keys": { valid: { role: "helpdesk-agent", name: "Helpdesk" }, invalid: { role: "root", name: "x" } },
};

describe("OpenAPI document", () => {
  const built = buildOpenApiDocumentWithBodies({ version: "1.2.3" });
  const doc = built.document;

  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(doc) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.specification).toBe("OpenAPI");
    expect(result.warnings).toEqual([]);
  });

  it("names the API, its version and its server", () => {
    expect(doc.info).toMatchObject({ title: expect.any(String), version: "1.2.3" });
    expect(doc.servers).toEqual([expect.objectContaining({ url: "/" })]);
    expect(buildOpenApiDocument({ version: "1", serverUrl: "https://support.contoso.example/" }).servers).toEqual([expect.objectContaining({ url: "https://support.contoso.example" })]);
    expect(buildOpenApiDocument({ version: "1", serverUrl: "not a url" }).servers).toEqual([expect.objectContaining({ url: "/" })]);
    // Read, not imported: an import would make tsc copy package.json into dist/, where it would be
    // mistaken for the project root by the scripts.
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8")) as { version: string };
    expect(readPackageVersion(__dirname)).toBe(pkg.version);
  });

  it("declares the API key schemes and uses them unless an endpoint is public or signed", () => {
    expect(doc.components?.securitySchemes).toEqual({
      ApiKeyHeader: expect.objectContaining({ type: "apiKey", in: "header", name: "x-api-key" }),
      ApiKeyBearer: expect.objectContaining({ type: "http", scheme: "bearer" }),
    });
    for (const { path, method, op } of operations(doc)) {
      const signed = ["webhook-id", "webhook-timestamp", "webhook-signature"].every((h) => headerNames(doc, op).includes(h));
      const keyed = JSON.stringify(op.security) === JSON.stringify([{ ApiKeyHeader: [] }, { ApiKeyBearer: [] }]);
      expect([`${method} ${path}`, keyed || signed || (Array.isArray(op.security) && op.security.length === 0)]).toEqual([`${method} ${path}`, true]);
      if (keyed) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["401", "404", "429", "500"]));
      if (signed) expect(op.security).toEqual([]);
    }
    for (const path of ["/api/partners/{partnerId}/support-requests", "/api/partners/{partnerId}/inbound-email"]) {
      const op = (doc.paths?.[path] as Record<string, Operation>).post as Operation;
      expect(headerNames(doc, op)).toEqual(expect.arrayContaining(["webhook-id", "webhook-timestamp", "webhook-signature"]));
      expect(op.responses["401"]).toEqual({ $ref: "#/components/responses/Unauthorized" });
    }
  });

  it("documents problem+json errors with a ProblemDetails schema naming each bad field", () => {
    const schema = doc.components?.schemas?.ProblemDetails as { properties: Record<string, { items?: { properties: Record<string, unknown>; required: string[] } }>; required: string[] };
    expect(schema.required).toEqual(["type", "title", "status"]);
    expect(schema.properties.errors?.items).toMatchObject({ properties: { pointer: { type: "string" }, detail: { type: "string" } }, required: ["pointer", "detail"] });
    for (const [status, name] of Object.entries(ProblemResponses)) {
      const response = doc.components?.responses?.[name] as { content: Record<string, { schema: unknown; example: unknown }>; headers?: Record<string, unknown> };
      expect(response.content["application/problem+json"]?.schema).toEqual({ $ref: "#/components/schemas/ProblemDetails" });
      const example = response.content["application/problem+json"]?.example as { status: number };
      expect(ProblemDetailsSchema.safeParse(example).success).toBe(true);
      expect(example.status).toBe(Number(status));
    }
    expect((doc.components?.responses?.TooManyRequests as { headers: Record<string, unknown> }).headers["Retry-After"]).toEqual({ $ref: "#/components/headers/RetryAfter" });
    expect((doc.components?.responses?.Unauthorized as { headers: Record<string, unknown> }).headers["WWW-Authenticate"]).toBeDefined();
    // Every referenced response exists.
    for (const { op } of operations(doc)) {
      for (const r of Object.values(op.responses)) if (typeof r.$ref === "string") expect(doc.components?.responses?.[r.$ref.replace("#/components/responses/", "")]).toBeDefined();
    }
  });

  it("documents Idempotency-Key on every POST and PATCH with a JSON body, and 409/422 with it", () => {
    const jsonWrites = operations(doc).filter(({ method, op }) => (method === "post" || method === "patch") && JSON.stringify(op.requestBody ?? {}).includes("application/json"));
    expect(jsonWrites.length).toBeGreaterThanOrEqual(12);
    for (const { op } of jsonWrites) {
      expect(headerNames(doc, op)).toContain("idempotency-key");
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["400", "415", "422"]));
    }
  });

  it("documents 202 bodies with Location, and continuation tokens on the lists", () => {
    for (const { method, path, op } of operations(doc)) {
      const accepted = op.responses["202"] as { headers?: Record<string, unknown>; content?: Record<string, unknown> } | undefined;
      if (accepted && path !== "/api/partners/{partnerId}/inbound-email") {
        expect([method, path, accepted.headers?.Location]).toEqual([method, path, { $ref: "#/components/headers/Location" }]);
        expect(accepted.content?.["application/json"]).toBeDefined();
      }
    }
    for (const path of ["/api/partners/{partnerId}/support-requests", "/api/partners/{partnerId}/inbound-email/quarantine", "/api/partners/{partnerId}/inbound-email/ignored", "/api/partners/{partnerId}/inbound-email/log"]) {
      const op = (doc.paths?.[path] as Record<string, Operation>).get as Operation;
      expect(headerNames(doc, op)).toContain("x-ms-continuation-token");
      expect((op.responses["200"] as { headers: Record<string, unknown> }).headers["x-ms-continuation-token"]).toBeDefined();
      expect((op.parameters ?? []).map((p) => resolveParameter(doc, p)).filter((p) => p.in === "query").map((p) => p.name)).toEqual(expect.arrayContaining(["limit", "continuationToken"]));
    }
    const list = (doc.paths?.["/api/partners/{partnerId}/support-requests"] as Record<string, Operation>).get as Operation;
    expect((list.parameters ?? []).map((p) => resolveParameter(doc, p)).filter((p) => p.in === "query").map((p) => p.name)).toEqual(["status", "severity", "category", "product", "customer", "channel", "sla", "workflow", "createdFrom", "createdTo", "limit", "continuationToken"]);
  });

  it("has a request body schema for every JSON body, accepting a valid example and rejecting an invalid one", () => {
    const documented = operations(doc).filter(({ op }) => JSON.stringify(op.requestBody ?? {}).includes("application/json")).map(({ method, path }) => `${method} ${path}`);
    expect(built.requestBodies.map((b) => `${b.method} ${b.path}`).sort()).toEqual(documented.sort());
    expect(Object.keys(examples).sort()).toEqual(documented.sort());
    for (const body of built.requestBodies) {
      const example = examples[`${body.method} ${body.path}`];
      const valid = body.schema.safeParse(example?.valid);
      expect([body.path, valid.success ? "ok" : valid.error.message]).toEqual([body.path, "ok"]);
      expect([body.path, body.schema.safeParse(example?.invalid).success]).toEqual([body.path, false]);
    }
  });

  it("references only schemas it defines, and describes nullable references as anyOf with null", () => {
    const text = JSON.stringify(doc);
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components?.schemas?.[name as string]).toBeDefined();
    expect(text).not.toMatch(/"allOf":\[\{"\$ref":"[^"]+"\},\{"type":\[[^\]]*"null"\]\}\]/);
    const node: Record<string, unknown> = { x: { allOf: [{ $ref: "#/components/schemas/A" }, { type: ["object", "null"] }] } };
    fixNullableRefs(node);
    expect(node).toEqual({ x: { anyOf: [{ $ref: "#/components/schemas/A" }, { type: "null" }] } });
  });

  it("is deterministic", () => {
    expect(buildOpenApiDocument({ version: "1.2.3" })).toEqual(doc);
  });
});
