/**
 * Access control of the partner API: the roles of a partner API key and what each may do.
 *
 * Roles are Partner Center's partner roles (Microsoft Learn, "Assign roles and permissions to
 * users" — Partner Center account roles: Global admin, Admin agent, Helpdesk agent, Billing admin,
 * Sales agent). Their permissions here follow those roles' duties: admin agents manage customers
 * and their services, helpdesk agents handle service (technical) requests, billing admins handle
 * billing, sales agents only see customers; only the global admin manages the partner's
 * credentials. Every check is made on the object (OWASP API1:2023 Broken Object Level
 * Authorization) and on the function (OWASP API5:2023 Broken Function Level Authorization).
 *
 * HTTP semantics: no or invalid key → 401 with `WWW-Authenticate`; a valid key of another partner →
 * 404 for every object of this partner (never reveal existence); own object but role lacks the
 * permission → 403 problem+json naming the permission; over the per-key rate → 429 with
 * `Retry-After` (RFC 6585 §4; OWASP API4:2023 Unrestricted Resource Consumption).
 */
import { z } from "zod";
import type { Category } from "./supportRequest";

/** Partner Center roles a partner API key can hold. Stable API values (never renamed). */
export const Roles = ["global-admin", "admin-agent", "helpdesk-agent", "billing-admin", "sales-agent"] as const;
/** A role of an API key. */
export type Role = (typeof Roles)[number];
/** Zod schema of a role. */
export const RoleSchema = z.enum(Roles);

/**
 * Permissions (stable API values):
 * - `requests:read` — list and read support requests;
 * - `requests:act:technical` — act on technical requests (diagnosis, updates, ask for information,
 *   escalate, resolve, close, reopen, reclassify, assign, note);
 * - `requests:act:commercial` — the same on billing and subscription-management requests;
 * - `notes:write` — internal notes (never emailed);
 * - `keys:manage` — list, create and revoke the partner's API keys;
 * - `inbound-email:read` — the email intake's quarantine and ignored lists;
 * - `audit:read` — the partner's audit log (global admin only: it shows who did what);
 * - `customer-data:export` — a data subject's export of everything stored about one customer
 *   (GDPR Art. 15 and 20; global admin only);
 * - `workflow:restart` — restart a request's stopped workflow (failed, terminated, given up).
 */
export const Permissions = ["requests:read", "requests:act:technical", "requests:act:commercial", "notes:write", "keys:manage", "inbound-email:read", "audit:read", "customer-data:export", "workflow:restart"] as const;
/** A permission. */
export type Permission = (typeof Permissions)[number];
/** Zod schema of a permission. */
export const PermissionSchema = z.enum(Permissions);

/**
 * The permission matrix: global admin = everything; admin agent = everything but managing keys,
 * the audit log and customer data exports (restarting workflows included: it manages the
 * partner's customers' services);
 * helpdesk agent = read, technical actions, notes, inbound email; billing admin = read, commercial
 * actions, notes; sales agent = read only.
 */
export const RolePermissions: Readonly<Record<Role, readonly Permission[]>> = {
  "global-admin": ["requests:read", "requests:act:technical", "requests:act:commercial", "notes:write", "keys:manage", "inbound-email:read", "audit:read", "customer-data:export", "workflow:restart"],
  "admin-agent": ["requests:read", "requests:act:technical", "requests:act:commercial", "notes:write", "inbound-email:read", "workflow:restart"],
  "helpdesk-agent": ["requests:read", "requests:act:technical", "notes:write", "inbound-email:read"],
  "billing-admin": ["requests:read", "requests:act:commercial", "notes:write"],
  "sales-agent": ["requests:read"],
};

/** Whether `role` holds `permission` (unknown roles hold nothing). */
export function can(role: Role, permission: Permission): boolean {
  return (RolePermissions[role] as readonly Permission[] | undefined)?.includes(permission) ?? false;
}

/** The permission needed to act on a request of `category`: technical → `requests:act:technical`, billing and subscription management → `requests:act:commercial`. */
export function actPermissionFor(category: Category): Permission {
  return category === "technical" ? "requests:act:technical" : "requests:act:commercial";
}

/** Default per-key rate limit (requests per minute per key; setting `API_RATE_LIMIT_PER_MINUTE`). */
export const DEFAULT_API_RATE_LIMIT_PER_MINUTE = 120;

/** Problem `type` URIs of access errors (relative references like the API's other problem types; RFC 9457 §3.1.1). */
export const AccessProblemTypes = {
  /** 403: the key's role lacks the permission (the problem names it in `permission`). */
  forbidden: "/problems/forbidden",
  /** 429: the key exceeded its rate (`Retry-After` seconds). */
  rateLimited: "/problems/too-many-requests",
} as const;
