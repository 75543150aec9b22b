/**
 * Health of the app's dependencies for `GET /api/health`: storage and mail, each probed with a
 * timeout; the app is healthy only when every check is up.
 */
import type { HealthCheck } from "../ports";

/** State of one dependency. */
export interface DependencyHealth {
  status: "up" | "down";
  /** Why it is down (error message), or extra information. */
  detail?: string;
  /** How long the probe took, in ms. */
  durationInMs: number;
}

/** Health report: `healthy` when every check is up. */
export interface HealthReport {
  status: "healthy" | "unhealthy";
  checks: Record<string, DependencyHealth>;
}

/**
 * Runs every check in parallel, each bounded by `timeoutInMs`.
 * @param checks - named probes (e.g. `storage`, `mail`).
 * @param timeoutInMs - per check; default 5000.
 * @returns the report; never throws (a failing or slow probe is reported as down).
 */
export async function checkHealth(checks: readonly HealthCheck[], timeoutInMs = 5000): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c): Promise<[string, DependencyHealth]> => {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutInMs} ms`)), timeoutInMs);
          }),
        ]);
        return [c.name, { status: "up", durationInMs: Date.now() - started }];
      } catch (e) {
        return [c.name, { status: "down", detail: e instanceof Error ? e.message : String(e), durationInMs: Date.now() - started }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const report: HealthReport = { status: results.every(([, r]) => r.status === "up") ? "healthy" : "unhealthy", checks: Object.fromEntries(results) };
  return report;
}
