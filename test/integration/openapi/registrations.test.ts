/**
 * The document covers the app as registered: every HTTP function of `functions/*.ts` (captured
 * through the local `@azure/functions-core` the Jest config maps) appears with its method(s) and
 * path (`/api/` + route, `{name}` parameters); `GET /api/openapi.json` serves the built document.
 * The Durable management API is the host's, not the app's: it is not registered here and stays
 * undocumented (an operator API behind the system key).
 */
import fs from "node:fs";
import path from "node:path";
import { HttpRequest } from "@azure/functions";
import { getRegisteredFunctions } from "@csp-support/local-host/worker";
import { invokeFunction } from "@csp-support/local-host/worker";
import { buildOpenApiDocument, readPackageVersion } from "../../../shared/openapi";
import { createOpenApiDocumentHandler } from "../../../functions/openapi";

const functionsDir = path.resolve(__dirname, "../../../functions");
const Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

beforeAll(async () => {
  // Every entry point, as the worker loads package.json `main` (dist/functions/*.js).
  for (const file of fs.readdirSync(functionsDir).filter((f) => f.endsWith(".ts")).sort()) await import(path.join(functionsDir, file));
});

/** `partners/{partnerId}/x/{*rest}` or `{id:int}` / `{id?}` → `/api/partners/{partnerId}/x/{rest}`. */
function openApiPath(route: string): string {
  return `/api/${route.replace(/^\/+/, "")}`.replace(/\{\*?([A-Za-z0-9_]+)[^}]*\}/g, "{$1}");
}

function httpRegistrations(): Array<{ name: string; path: string; methods: string[] }> {
  const out: Array<{ name: string; path: string; methods: string[] }> = [];
  for (const [name, fn] of getRegisteredFunctions()) {
    const trigger = Object.values(fn.metadata.bindings).find((b) => b.type === "httpTrigger") as { route?: string; methods?: string[] } | undefined;
    if (!trigger) continue;
    const methods = (trigger.methods ?? Methods).map((m) => m.toLowerCase()).sort();
    out.push({ name, path: openApiPath(trigger.route ?? name), methods });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

describe("OpenAPI document and the registered functions", () => {
  const doc = buildOpenApiDocument({ version: readPackageVersion(__dirname) });

  it("registers the HTTP functions of functions/*.ts, the document's own among them", () => {
    expect(httpRegistrations().find((r) => r.name === "OpenApiDocument")).toEqual({ name: "OpenApiDocument", path: "/api/openapi.json", methods: ["get"] });
    expect(httpRegistrations().length).toBeGreaterThanOrEqual(15);
  });

  it("documents every registered HTTP function with the same path and methods", () => {
    const missing: string[] = [];
    for (const r of httpRegistrations()) {
      const item = (doc.paths?.[r.path] ?? {}) as Record<string, unknown>;
      for (const m of r.methods) if (!item[m]) missing.push(`${r.name}: ${m.toUpperCase()} ${r.path}`);
    }
    expect(missing).toEqual([]);
  });

  it("documents nothing the app does not serve", () => {
    const registered = new Set(httpRegistrations().flatMap((r) => r.methods.map((m) => `${m} ${r.path}`)));
    const extra: string[] = [];
    for (const [p, item] of Object.entries(doc.paths ?? {})) for (const m of Methods) if ((item as Record<string, unknown>)[m] && !registered.has(`${m} ${p}`)) extra.push(`${m.toUpperCase()} ${p}`);
    expect(extra).toEqual([]);
  });

  it("serves the built document at GET /api/openapi.json, cacheable and revalidated by ETag", async () => {
    const fn = getRegisteredFunctions().get("OpenApiDocument");
    expect(fn).toBeDefined();
    const handler = createOpenApiDocumentHandler({ serverUrl: "https://support.contoso.example" });
    const response = await handler(new HttpRequest({ method: "GET", url: "http://127.0.0.1:7071/api/openapi.json" }));
    expect(response.status).toBe(200);
    const headers = response.headers as Record<string, string>;
    expect(headers["Content-Type"]).toMatch(/^application\/json/);
    expect(JSON.parse(String(response.body))).toEqual(buildOpenApiDocument({ version: readPackageVersion(__dirname), serverUrl: "https://support.contoso.example" }));
    const again = await handler(new HttpRequest({ method: "GET", url: "http://127.0.0.1:7071/api/openapi.json", headers: { "If-None-Match": headers.ETag as string } }));
    expect(again.status).toBe(304);
  });

  it("answers through the registered function (as the worker invokes it) with the package version and PUBLIC_BASE_URL or /", async () => {
    const url = "http://127.0.0.1:7071/api/openapi.json";
    const http = { method: "GET", url, headers: { host: "127.0.0.1:7071" }, query: {}, params: {}, body: null, rawBody: null, nullableHeaders: { host: { value: "127.0.0.1:7071" } }, nullableQuery: {}, nullableParams: {} };
    const trigger = Object.entries(getRegisteredFunctions().get("OpenApiDocument")?.metadata.bindings ?? {}).find(([, b]) => b.type === "httpTrigger")?.[0] as string;
    const response = await invokeFunction("OpenApiDocument", { inputData: { [trigger]: { http } } });
    const out = (response.returnValue?.http ?? response.outputData?.[0]?.data?.http) as { statusCode?: string; body?: { string?: string; bytes?: Uint8Array } } | undefined;
    expect(out?.statusCode).toBe("200");
    const text = out?.body?.string ?? Buffer.from(out?.body?.bytes ?? []).toString("utf8");
    expect(JSON.parse(text)).toEqual(buildOpenApiDocument({ version: readPackageVersion(__dirname), serverUrl: process.env.PUBLIC_BASE_URL }));
  });
});
