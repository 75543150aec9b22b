/**
 * Registers `GET /api/openapi.json` (anonymous): the OpenAPI 3.1 document of the API, generated
 * from the zod schemas of shared/contracts (shared/openapi). Built once per worker, on the first
 * request, and served from memory after that (the schemas do not change while the app runs).
 */
import { createHash } from "node:crypto";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { buildOpenApiDocument, readPackageVersion } from "../shared/openapi";
import { registerHttpRoutes } from "./http/routes";

/** Options of {@link createOpenApiDocumentHandler}. */
export interface OpenApiDocumentHandlerOptions {
  /** `info.version`; default: this project's package.json version. */
  version?: string;
  /** Server URL; default the `PUBLIC_BASE_URL` setting, else the relative `/`. */
  serverUrl?: string;
}

/**
 * The handler: 200 `application/json` with the document (`Cache-Control: public, max-age=300`, an
 * ETag, 304 on a matching `If-None-Match`). The document is built on the first call and cached.
 */
export function createOpenApiDocumentHandler(options: OpenApiDocumentHandlerOptions = {}): (request: HttpRequest) => Promise<HttpResponseInit> {
  let cached: { body: string; etag: string } | undefined;
  return async (request) => {
    if (!cached) {
      const document = buildOpenApiDocument({ version: options.version ?? readPackageVersion(__dirname), serverUrl: options.serverUrl ?? process.env.PUBLIC_BASE_URL });
      const body = JSON.stringify(document);
      cached = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
    }
    const headers = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300", ETag: cached.etag, "Access-Control-Allow-Origin": "*" };
    const inm = request.headers.get("if-none-match");
    if (inm && inm.split(",").some((t) => t.trim().replace(/^W\//, "") === cached?.etag)) return { status: 304, headers };
    return { status: 200, headers, body: cached.body };
  };
}

registerHttpRoutes({ OpenApiDocument: () => createOpenApiDocumentHandler() });
