/**
 * The daily data maintenance (timer-triggered in functions/maintenance.ts): audit entries older
 * than a year are deleted (AUDIT_RETENTION_DAYS); idempotency keys past their 24 hours are deleted
 * (a stored answer may hold personal data); customers' personal data past each partner's retention
 * is erased (./customerDataRetention.ts); and webhook secrets still in clear or wrapped by an older
 * key encryption key are resealed under the current one (the step that lets an old KEK version be
 * disabled after a rotation). Idempotent: a run that fails half-way is completed by the next.
 */
import { AUDIT_RETENTION_DAYS } from "../contracts";
import type { AuditLog, Clock, IdempotencyStore } from "../ports";
import type { CustomerDataRetentionReport } from "./customerDataRetention";

/**
 * Most expired idempotency keys deleted per run: every intake stores one (its `webhook-id`), so a
 * busy day makes tens of thousands; deleting one is a single request.
 */
export const MAX_IDEMPOTENCY_KEYS_DELETED_PER_RUN = 50_000;

/** What {@link runDataMaintenance} needs. */
export interface DataMaintenanceDeps {
  auditLog: AuditLog;
  idempotency: Pick<IdempotencyStore, "deleteExpired">;
  clock: Clock;
  /** Erases customers' personal data past the partners' retention (./customerDataRetention.ts `eraseExpiredCustomerData`). */
  eraseExpiredCustomerData: () => Promise<CustomerDataRetentionReport>;
  /** Reseals the partners' secrets (the Table adapter's `resealSecrets`). */
  resealSecrets: () => Promise<{ checked: number; resealed: number; remaining: number; failed: string[] }>;
}

/** Result of {@link runDataMaintenance}. */
export interface DataMaintenanceReport {
  auditEntriesPurged: number;
  idempotencyKeysDeleted: number;
  retention: CustomerDataRetentionReport;
  secrets: { checked: number; resealed: number; remaining: number; failed: string[] };
}

/**
 * Runs the maintenance once.
 * @returns what was done (the failed partner ids need their secret rotated: it no longer opens).
 * @throws Error when storage or the KEK fails (the next run retries).
 */
export async function runDataMaintenance(deps: DataMaintenanceDeps): Promise<DataMaintenanceReport> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - AUDIT_RETENTION_DAYS * 86_400_000).toISOString();
  const auditEntriesPurged = await deps.auditLog.purgeBefore(cutoff);
  const idempotencyKeysDeleted = await deps.idempotency.deleteExpired(now.toISOString(), MAX_IDEMPOTENCY_KEYS_DELETED_PER_RUN);
  const retention = await deps.eraseExpiredCustomerData();
  const secrets = await deps.resealSecrets();
  return { auditEntriesPurged, idempotencyKeysDeleted, retention, secrets };
}
