/** `GET /api/health`: 200 when storage and mail are up, 503 otherwise, with each dependency's state. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Container } from "../../shared/container";
import { checkHealth } from "../../shared/services";
import { json } from "./common";

/**
 * Creates the health handler. Body: `{status: "healthy"|"unhealthy", checks: {storage: {status:
 * "up"|"down", detail?, durationInMs}, mail: {…}}}`. Configuration errors are reported as an
 * unhealthy `config` check rather than thrown.
 */
export function createHealthHandler(getContainer: () => Container): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (_request, context) => {
    let container: Container;
    try {
      container = getContainer();
    } catch (e) {
      context.error("Health: configuration invalid:", e);
      return json(503, { status: "unhealthy", checks: { config: { status: "down", detail: (e as Error).message, durationInMs: 0 } } });
    }
    const report = await checkHealth(container.healthChecks);
    return json(report.status === "healthy" ? 200 : 503, report);
  };
}
