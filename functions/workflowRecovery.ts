/**
 * The workflow recovery sweeper: a timer trigger (every 2 minutes by default, NCRONTAB
 * `0 *\/2 * * * *`; setting `WORKFLOW_SWEEP_SCHEDULE`)
 * that restarts the stopped workflows of requests that are not done, with backoff and a cap, and
 * marks those whose orchestration has stayed Pending (shared/services/workflowRecovery.ts
 * `sweepWorkflows`). On Azure it runs on one instance at a time (timer triggers take a blob
 * lease); a missed run is not caught up (`useMonitor` default).
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { getContainer } from "../shared/container";
import { restartOrphanedWorkflows, sweepWorkflows } from "../shared/services/workflowRecovery";

/** Default NCRONTAB schedule of the sweeper (seconds field first, as Azure Functions timer triggers take it): every 2 minutes. */
export const WORKFLOW_SWEEP_SCHEDULE = "0 */2 * * * *";

app.timer("WorkflowRecoverySweep", {
  // `WORKFLOW_SWEEP_SCHEDULE` (an app setting, read at registration; shared/config.ts validates it) overrides the default.
  schedule: process.env.WORKFLOW_SWEEP_SCHEDULE?.trim() || WORKFLOW_SWEEP_SCHEDULE,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const container = getContainer();
    const deps = container.workflowRecoveryDeps(container.createWorkflow(df.getClient(context)));
    const report = await sweepWorkflows(deps, { onError: (caseId, e) => context.error(`Workflow recovery of ${caseId} failed:`, e) });
    if (report.restarted.length + report.gaveUp.length + report.notStarted.length + report.noticesResent.length > 0 || report.examined > 0) {
      context.log(`Workflow recovery: ${report.examined} stopped, suspended or long Pending; restarted ${report.restarted.length} [${report.restarted.join(", ")}], gave up ${report.gaveUp.length} [${report.gaveUp.join(", ")}], not started ${report.notStarted.length} [${report.notStarted.join(", ")}], waiting ${report.waiting.length}, skipped ${report.skipped.length}, partner notices sent again ${report.noticesResent.length} [${report.noticesResent.join(", ")}].`);
    }
  },
});

/**
 * Default NCRONTAB schedule of the pass that restarts the cases with work (open, or closed with
 * emails still waiting for a retry) whose orchestration instance does not exist
 * (shared/services/workflowRecovery.ts `restartOrphanedWorkflows`): hourly, at minute 40.
 */
export const ORPHANED_WORKFLOW_SCHEDULE = "0 40 * * * *";

/**
 * `RestartOrphanedWorkflows`: a timer trigger (hourly by default; setting
 * `ORPHANED_WORKFLOW_SCHEDULE`) that finds the open cases, and the closed ones whose emails still
 * wait for a retry, whose orchestration instance is not in the task hub (purged, or the task hub
 * renamed or switched) and restarts their workflows from the app's own stores. One instance runs it at a time (the timer's blob lease); a failed run is logged
 * and the next one tries again.
 */
app.timer("RestartOrphanedWorkflows", {
  schedule: process.env.ORPHANED_WORKFLOW_SCHEDULE?.trim() || ORPHANED_WORKFLOW_SCHEDULE,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const container = getContainer();
    const deps = container.workflowRecoveryDeps(container.createWorkflow(df.getClient(context)));
    const report = await restartOrphanedWorkflows(deps, { graceInMs: container.config.ORPHANED_WORKFLOW_GRACE_SECONDS * 1000, onError: (caseId, e) => context.error(`Looking up or restarting the workflow of ${caseId} failed (tried again next run):`, e) });
    if (report.restarted.length > 0 || report.failed.length > 0 || report.truncated) {
      context.log(`Orphaned workflows: ${report.examined} requests looked up${report.truncated ? " (stopped at its cap of lookups or time; the next run goes on further along the list)" : ""}; restarted ${report.restarted.length} whose instance was not found [${report.restarted.join(", ")}]; failed ${report.failed.length}.`);
    }
  },
});
