/**
 * The daily data maintenance (timer-triggered in functions/maintenance.ts): audit entries older
 * than a year are deleted (AUDIT_RETENTION_DAYS), and webhook secrets still in clear or wrapped by
 * an older key encryption key are resealed under the current one (the step that lets an old KEK
 * version be disabled after a rotation). Idempotent: a run that fails half-way is completed by the
 * next.
 */
import { AUDIT_RETENTION_DAYS } from "../contracts";
import type { AuditLog, Clock } from "../ports";

/** What {@link runDataMaintenance} needs. */
export interface DataMaintenanceDeps {
  auditLog: AuditLog;
  clock: Clock;
  /** Reseals the partners' secrets (the Table adapter's `resealSecrets`). */
  resealSecrets: () => Promise<{ checked: number; resealed: number; remaining: number; failed: string[] }>;
}

/** Result of {@link runDataMaintenance}. */
export interface DataMaintenanceReport {
  auditEntriesPurged: number;
  secrets: { checked: number; resealed: number; remaining: number; failed: string[] };
}

/**
 * Runs the maintenance once.
 * @returns what was done (the failed partner ids need their secret rotated: it no longer opens).
 * @throws Error when storage or the KEK fails (the next run retries).
 */
export async function runDataMaintenance(deps: DataMaintenanceDeps): Promise<DataMaintenanceReport> {
  const cutoff = new Date(deps.clock.now().getTime() - AUDIT_RETENTION_DAYS * 86_400_000).toISOString();
  const auditEntriesPurged = await deps.auditLog.purgeBefore(cutoff);
  const secrets = await deps.resealSecrets();
  return { auditEntriesPurged, secrets };
}
