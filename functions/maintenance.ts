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
import { TableCaseRepository, TablePartnerRepository, TableSlaEventLog } from "../shared/adapters";
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

/**
 * `MigrateSlaEventLogs`: every 10 minutes (NCRONTAB: second 0 of every tenth minute), copies SLA events stored in
 * the earlier format (one row per event) into each case's log row (shared/adapters/tableSlaEventLog.ts
 * `migrateLegacyRows`), for at most 4 minutes a run (within the 5-minute `functionTimeout`),
 * resuming where the last run stopped. Until the copy is complete, reads merge both formats; once
 * it is (a whole pass begun 30 minutes after the first run, when no instance of the earlier code
 * can still write the old way), every run is one point read of the marker. Rows it cannot read are
 * logged as errors and left where they are. A failed run is logged; the next one resumes.
 */
app.timer("MigrateSlaEventLogs", {
  schedule: "0 */10 * * * *",
  handler: async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const slaEvents = getContainer().slaEvents;
    if (!(slaEvents instanceof TableSlaEventLog)) return;
    const report = await slaEvents.migrateLegacyRows();
    if (report.rowsScanned > 0 || report.eventsCopied > 0) {
      context.log(`SLA event logs: ${report.rowsScanned} rows of the earlier format read, ${report.eventsCopied} events of ${report.casesMerged} cases copied into their log rows; migration ${report.done ? "complete" : "continues at the next run"}`);
    }
    if (report.unreadable.length > 0) context.error(`SLA event rows of the earlier format that do not parse, left in place (${report.unreadable.length}): ${report.unreadable.slice(0, 20).join(", ")}`);
  },
});

/**
 * `MigrateListingIndex`: every 10 minutes, 5 minutes after `MigrateSlaEventLogs` (NCRONTAB: second 0
 * of minutes 5, 15, … 55), gives case rows stored by earlier code their secondary listing rows
 * (by status, customer, workflow attention and SLA health) and indirect-provider shares their `shr_` rows
 * (shared/adapters/tableCaseRepository.ts `migrateListingIndex`), for at most 4 minutes a run
 * (within the 5-minute `functionTimeout`), resuming where the last run stopped. Until it is
 * complete (a whole pass begun 30 minutes after the first run), filtered lists run as before, in
 * the `idx_` listing's query; once it is, each run is one point read of the marker. Rows it cannot
 * read are logged as errors and left as they are. A failed run is logged; the next one resumes.
 */
app.timer("MigrateListingIndex", {
  schedule: "0 5-55/10 * * * *",
  handler: async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const cases = getContainer().cases;
    if (!(cases instanceof TableCaseRepository)) return;
    const report = await cases.migrateListingIndex();
    if (report.casesIndexed > 0 || report.sharesIndexed > 0 || !report.done) {
      context.log(`Request listings: ${report.rowsScanned} rows read, ${report.casesIndexed} cases and ${report.sharesIndexed} provider shares given their listing rows; migration ${report.done ? "complete" : "continues at the next run"}`);
    }
    if (report.unreadable.length > 0) context.error(`Case rows that do not parse, left as they are (${report.unreadable.length}): ${report.unreadable.slice(0, 20).join(", ")}`);
  },
});
