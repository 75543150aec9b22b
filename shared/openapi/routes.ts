/**
 * The shape of the route table: every HTTP function of the app, listed once (shared/openapi/paths.ts
 * builds it). functions/http/routes.ts registers each entry with `app.http` and
 * shared/openapi/paths.ts documents each of its operations, so a function's name, route, methods,
 * durable client input, permission and OpenAPI description cannot drift apart.
 */
import type { RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { z } from "zod";
import type { Permission } from "../contracts";

/** An HTTP method in OpenAPI's lower case (`app.http` takes them upper-cased). */
export type HttpMethod = RouteConfig["method"];

/**
 * The permission a partner endpoint needs (roles and permissions: shared/contracts/access.ts). A
 * {@link Permission} is checked right after the API key is authenticated, before the request is
 * read (403). `{ onCase }` is a permission that depends on the case (`requests:act:<category>`:
 * `actPermissionFor` of the case's category) or that the case action's service checks once the
 * case is known to be visible to the key (so an invisible case answers 404 before any 403).
 */
export type PartnerPermission = Permission | { onCase: Permission | "requests:act:<category>" };

/** One documented operation of a route: its OpenAPI description, and the request body schema the handler validates (for the tests). */
export interface HttpOperation {
  /** The OpenAPI operation (method and path come from the route). */
  openapi: RouteConfig;
  /** The zod schema of the JSON request body, when the handler parses one. */
  body?: z.ZodType;
}

/** One HTTP function: what `app.http` registers and what the OpenAPI document describes. */
export interface HttpRoute {
  /** The function's name (deployed; never renamed). */
  name: string;
  /** The Functions route, without the `/api` prefix, e.g. `partners/{partnerId}/api-keys/{keyId}` or `dashboard/{*path}`. */
  route: string;
  /** Functions-level auth: every endpoint is anonymous (the API key, the webhook signature or the status link authenticates). */
  authLevel: "anonymous";
  /** Whether the function takes the Durable client input (handlers that read or signal workflows). */
  durableClient: boolean;
  /** The partner API permission; absent for endpoints without an API key (intake, status page, public ones). */
  permission?: PartnerPermission;
  /** The operations by method; the function's methods are exactly these keys, in order. */
  operations: Array<{ method: HttpMethod } & HttpOperation>;
}
