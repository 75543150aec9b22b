/**
 * Builds the OpenAPI 3.1 document of the API (served at `GET /api/openapi.json`) from the zod
 * schemas of shared/contracts with `@asteasolutions/zod-to-openapi`.
 */
import fs from "node:fs";
import path from "node:path";
import { OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import type { OpenApiDocument } from "./types";
import { createRegistryWithComponents, partnerKeySecurity } from "./components";
import { registerPaths, Tags, type DocumentedRequestBody } from "./paths";

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiDocumentOptions {
  /** `info.version`: the app's version (package.json `version`). */
  version: string;
  /**
   * The server's origin (`PUBLIC_BASE_URL`, e.g. `https://csp-support.example`); paths start with
   * `/api`. Absent or invalid: the relative server `/` (the document's own origin).
   */
  serverUrl?: string;
}

/** The document and the request body schemas it documents (by method and path), for the tests. */
export interface BuiltOpenApiDocument {
  document: OpenApiDocument;
  requestBodies: DocumentedRequestBody[];
}

/**
 * Rewrites the generator's nullable references, `{allOf: [{$ref}, {type: [T, "null"]}]}` (which
 * no `null` satisfies, since the referenced schema rejects it), as
 * `{anyOf: [{$ref}, {type: "null"}]}`, in place, everywhere in the document.
 */
export function fixNullableRefs(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) fixNullableRefs(item);
    return;
  }
  if (!node || typeof node !== "object") return;
  const obj = node as Record<string, unknown>;
  const allOf = obj.allOf;
  if (Array.isArray(allOf) && allOf.length === 2) {
    const [ref, nullable] = allOf as [Record<string, unknown>, Record<string, unknown>];
    const type = nullable?.type;
    if (typeof ref?.$ref === "string" && Object.keys(nullable ?? {}).length === 1 && Array.isArray(type) && type.includes("null")) {
      delete obj.allOf;
      obj.anyOf = [ref, { type: "null" }];
    }
  }
  for (const value of Object.values(obj)) fixNullableRefs(value);
}

/** The origin without trailing slashes when `url` is an http(s) URL, else undefined. */
function serverUrlOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url.trim());
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString().replace(/\/+$/, "") : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds the document and lists its request bodies. Pure apart from the zod extension of
 * ./components; each call builds a fresh registry.
 * @throws Error from the generator when a schema cannot be described (a bug: the tests build it).
 */
export function buildOpenApiDocumentWithBodies(options: OpenApiDocumentOptions): BuiltOpenApiDocument {
  const registry = createRegistryWithComponents();
  const requestBodies = registerPaths(registry);
  const server = serverUrlOf(options.serverUrl);
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "CSP support workflow API",
      version: options.version,
      description:
        "Partners submit their customers' support requests (signed webhook or email relay) and work them through the partner API with API keys whose role (Partner Center roles) decides what they may read and do. Every error is an RFC 9457 problem (`application/problem+json`, schema `ProblemDetails`); validation errors name each bad field in `errors[]` (`{pointer, detail}`). A key never sees another partner's objects (404, never 403).",
      license: { name: "UNLICENSED", identifier: "LicenseRef-UNLICENSED" },
    },
    servers: [server ? { url: server, description: "PUBLIC_BASE_URL" } : { url: "/", description: "The origin this document was served from." }],
    security: partnerKeySecurity,
    tags: [
      { name: Tags.intake, description: "Requests submitted by the partner's systems (Standard Webhooks signature, no API key)." },
      { name: Tags.requests, description: "Reading support requests (API key)." },
      { name: Tags.actions, description: "Working a request (API key; permission by the request's category; `Idempotency-Key`)." },
      { name: Tags.inboundEmail, description: "The email intake's relay endpoint and logs." },
      { name: Tags.apiKeys, description: "The partner's API keys (permission `keys:manage`)." },
      { name: Tags.public, description: "No credentials." },
    ],
  });
  fixNullableRefs(document);
  return { document, requestBodies };
}

/** Builds the OpenAPI 3.1 document (see {@link buildOpenApiDocumentWithBodies}). */
export function buildOpenApiDocument(options: OpenApiDocumentOptions): OpenApiDocument {
  return buildOpenApiDocumentWithBodies(options).document;
}

/**
 * The `version` of this project's package.json, found by walking up from `start` (the source runs
 * from `functions/`, the build from `dist/functions/`, a deployment from the app root).
 * @returns the version, or `0.0.0` when no package.json of this project is found.
 */
export function readPackageVersion(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
        if (pkg.name === "csp-support-workflow" && typeof pkg.version === "string") return pkg.version;
      } catch {
        // not this project's package.json: keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return "0.0.0";
    dir = parent;
  }
}
