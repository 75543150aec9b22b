/** `GET /api/health`: 200 when storage and mail are up, 503 otherwise, with each dependency's state and the stopped workflows. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Container } from "../../shared/container";
import type { SupportRequestWorkflow } from "../../shared/ports";
import { checkHealth, countStoppedWorkflows, type StoppedWorkflowCount } from "../../shared/services";
import { json } from "./common";

/** How long the count of stopped workflows is reused between health requests (ms): it costs a Durable query and case reads. */
export const WORKFLOW_COUNT_TTL_IN_MS = 30_000;

/** What the health check uses: the dependency probes, the clock, and the case and notification reads of the stopped-workflow count. */
export type HealthDeps = Pick<Container, "healthChecks" | "clock" | "cases" | "notifications">;

/**
 * Creates the health handler. Body: `{status: "healthy"|"unhealthy", checks: {storage: {status:
 * "up"|"down", detail?, durationInMs}, mail: {…}}, workflows?: {failed, notStarted, examined,
 * truncated, checkedAt}}`. `workflows.failed` counts the failed or terminated workflows of requests
 * that are not done (the recovery sweeper restarts them), `workflows.notStarted` those whose
 * orchestration has stayed Pending for 15 minutes; neither makes the app unhealthy — a load
 * balancer should not take the app out for it. Configuration errors are reported as an unhealthy
 * `config` check rather than thrown.
 * @param getWorkflow - the workflow of the invocation (over its durable client); omitted, no count.
 */
export function createHealthHandler(getContainer: () => HealthDeps, getWorkflow?: (context: InvocationContext) => SupportRequestWorkflow): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  let cached: { at: number; value: StoppedWorkflowCount & { checkedAt: string } } | undefined;
  return async (_request, context) => {
    let container: HealthDeps;
    try {
      container = getContainer();
    } catch (e) {
      context.error("Health: configuration invalid:", e);
      return json(503, { status: "unhealthy", checks: { config: { status: "down", detail: (e as Error).message, durationInMs: 0 } } });
    }
    const report = await checkHealth(container.healthChecks);
    let workflows: (StoppedWorkflowCount & { checkedAt: string }) | undefined;
    if (getWorkflow && report.status === "healthy") {
      const now = container.clock.now().getTime();
      if (!cached || now - cached.at > WORKFLOW_COUNT_TTL_IN_MS) {
        try {
          const count = await countStoppedWorkflows({ cases: container.cases, notifications: container.notifications, clock: container.clock, workflow: getWorkflow(context) });
          cached = { at: now, value: { ...count, checkedAt: new Date(now).toISOString() } };
        } catch (e) {
          context.warn("Health: stopped workflows could not be counted:", e);
        }
      }
      workflows = cached?.value;
    }
    return json(report.status === "healthy" ? 200 : 503, { ...report, ...(workflows ? { workflows } : {}) });
  };
}
