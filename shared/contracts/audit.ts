/**
 * The audit log: every action of a partner API key (anything but a read, plus reads of the audit
 * log and customer data exports) and every API-key change, with the key id (never the key), its
 * role, the time and the source IP. Kept 1 year (purged by the daily data maintenance).
 */
import { z } from "zod";
import { RoleSchema } from "./access";

/** How long audit entries are kept: 1 year, as ISO 8601 duration and in days. */
export const AUDIT_RETENTION_DAYS = 365;

/** One audit entry. */
export const AuditEntrySchema = z.object({
  /** ISO 8601 UTC instant the request was answered. */
  at: z.iso.datetime(),
  partnerId: z.string(),
  /** `key_…` id of the API key used, or `cli` / `system` for registrations and maintenance. */
  keyId: z.string(),
  /** Role of the key (absent for `cli` and `system`). */
  role: RoleSchema.optional(),
  /** What was done: the function name (e.g. `RecordDiagnosis`, `CreateApiKey`, `RevokeApiKey`, `RegisterPartner`). */
  action: z.string(),
  method: z.string(),
  /** Request path (no query string). */
  path: z.string(),
  /** HTTP status answered (403, 409… are recorded too). */
  status: z.number().int(),
  /** Client IP as the Azure front end reports it (last `X-Forwarded-For` entry, port removed), or `unknown`. */
  sourceIp: z.string(),
});
/** An audit entry. */
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** 200 of `GET /api/partners/{partnerId}/audit`: newest first. */
export const AuditPageSchema = z.object({ items: z.array(AuditEntrySchema), continuationToken: z.string().optional() });
/** A page of the audit log. */
export type AuditPage = z.infer<typeof AuditPageSchema>;
