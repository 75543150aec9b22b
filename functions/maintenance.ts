/**
 * `RunDataMaintenance`: the daily data maintenance (shared/services/dataMaintenance.ts) on a timer
 * trigger, at 02:30 UTC (NCRONTAB `0 30 2 * * *`; the setting `DATA_MAINTENANCE_SCHEDULE` overrides
 * it): audit retention, expired idempotency keys, customers' personal data past each partner's
 * retention (with the Durable purge of the requests' workflow histories, hence the durable client
 * input), resealing of secrets. One instance runs it (the timer trigger's singleton lock); a missed
 * run (app down) runs at the next start (`useMonitor`). A failure is logged and the next day's run
 * completes the work.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { getContainer } from "../shared/container";
import { TablePartnerRepository } from "../shared/adapters";
import { runDataMaintenance } from "../shared/services/dataMaintenance";
import { eraseExpiredCustomerData } from "../shared/services/customerDataRetention";

app.timer("RunDataMaintenance", {
  schedule: process.env.DATA_MAINTENANCE_SCHEDULE || "0 30 2 * * *",
  useMonitor: true,
  extraInputs: [df.input.durableClient()],
  handler: async (timer: Timer, context: InvocationContext): Promise<void> => {
    const container = getContainer();
    const partners = container.partners;
    const maxPerRun = container.config.RETENTION_MAX_PER_RUN;
    const retentionDeps = container.customerDataRetentionDeps(container.createWorkflow(df.getClient(context)));
    const report = await runDataMaintenance({
      auditLog: container.auditLog,
      idempotency: container.idempotency,
      clock: container.clock,
      eraseExpiredCustomerData: () => eraseExpiredCustomerData(retentionDeps, { maxPerRun, onError: (partnerId, caseId, e) => context.error(`Erasing the customer data of ${partnerId}/${caseId} failed (retried next run):`, e) }),
      resealSecrets: () => (partners instanceof TablePartnerRepository ? partners.resealSecrets() : Promise.resolve({ checked: 0, resealed: 0, remaining: 0, failed: [] })),
    });
    const r = report.retention;
    context.log(
      `Data maintenance${timer.isPastDue ? " (past due)" : ""}: ${report.auditEntriesPurged} audit entries older than a year purged; ${report.idempotencyKeysDeleted} expired idempotency keys deleted; ` +
        `customer data erased for ${r.erased.length} closed requests, ${r.inboundEntriesErased} inbound mail entries, ${r.blobsDeleted} blobs${r.deferred.length > 0 ? `, ${r.deferred.length} deferred (workflow still running)` : ""}${r.failed.length > 0 ? `, ${r.failed.length} failed` : ""}${r.more ? "; more left for the next run" : ""}; ` +
        `secrets ${report.secrets.resealed} resealed of ${report.secrets.checked}, ${report.secrets.remaining} left for the next run`,
    );
    if (report.secrets.failed.length > 0) context.error(`Webhook secrets that no longer open (rotate them with register-partner --rotate): ${report.secrets.failed.join(", ")}`);
  },
});
