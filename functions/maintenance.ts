/**
 * `RunDataMaintenance`: the daily data maintenance (shared/services/dataMaintenance.ts) on a timer
 * trigger, at 02:30 UTC (NCRONTAB `0 30 2 * * *`; the setting `DATA_MAINTENANCE_SCHEDULE` overrides
 * it). One instance runs it (the timer trigger's singleton lock); a missed run (app down) runs at
 * the next start (`useMonitor`). A failure is logged and the next day's run completes the work.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { getContainer } from "../shared/container";
import { TablePartnerRepository } from "../shared/adapters";
import { runDataMaintenance } from "../shared/services/dataMaintenance";

app.timer("RunDataMaintenance", {
  schedule: process.env.DATA_MAINTENANCE_SCHEDULE || "0 30 2 * * *",
  useMonitor: true,
  handler: async (timer: Timer, context: InvocationContext): Promise<void> => {
    const container = getContainer();
    const partners = container.partners;
    const report = await runDataMaintenance({
      auditLog: container.auditLog,
      clock: container.clock,
      resealSecrets: () => (partners instanceof TablePartnerRepository ? partners.resealSecrets() : Promise.resolve({ checked: 0, resealed: 0, remaining: 0, failed: [] })),
    });
    context.log(`Data maintenance${timer.isPastDue ? " (past due)" : ""}: ${report.auditEntriesPurged} audit entries older than a year purged; secrets ${report.secrets.resealed} resealed of ${report.secrets.checked}, ${report.secrets.remaining} left for the next run`);
    if (report.secrets.failed.length > 0) context.error(`Webhook secrets that no longer open (rotate them with register-partner --rotate): ${report.secrets.failed.join(", ")}`);
  },
});
