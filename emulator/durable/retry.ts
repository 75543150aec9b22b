/**
 * Retry policy of `callActivityWithRetry` / `callSubOrchestratorWithRetry`, applied by the engine
 * as the Durable Task extension does (DurableTask.Core `RetryInterceptor.ComputeNextDelay`,
 * docs/local-host.md "Retries"): after every failed attempt a durable timer of
 * `firstRetryInterval * backoffCoefficient^(attempt - 1)`, capped by `maxRetryInterval`, is created,
 * also after the last allowed attempt (the library waits for that timer before surfacing the
 * failure, `lib/src/task/RetryableTask.js`). When `retryTimeout` has elapsed since the first
 * attempt the delay is zero and no further attempt runs.
 */
import type { RetryOptionsShape } from "./historyTypes";

/** Decision after a failed attempt. */
export interface RetryDecision {
  /** Delay of the retry timer in ms (>= 0). */
  delayInMs: number;
  /** False when the retry timeout has elapsed: further attempts fail at once with the last error. */
  withinTimeout: boolean;
}

/**
 * Computes the retry timer after failed attempt number `attempt` (1-based).
 * @param options - the action's RetryOptions (times in ms; unset optional fields mean 1 / unbounded).
 * @param firstAttemptAt - when the first attempt was scheduled, ms since epoch.
 * @param now - current orchestration time, ms since epoch.
 */
export function computeRetry(options: RetryOptionsShape, attempt: number, firstAttemptAt: number, now: number): RetryDecision {
  const timeout = positive(options.retryTimeoutInMilliseconds) ?? Number.POSITIVE_INFINITY;
  if (now >= firstAttemptAt + timeout) return { delayInMs: 0, withinTimeout: false };
  const backoff = positive(options.backoffCoefficient) ?? 1;
  const maxInterval = positive(options.maxRetryIntervalInMilliseconds) ?? Number.POSITIVE_INFINITY;
  const raw = options.firstRetryIntervalInMilliseconds * Math.pow(backoff, Math.max(0, attempt - 1));
  const delay = Math.min(raw, maxInterval);
  if (now + delay > firstAttemptAt + timeout) return { delayInMs: 0, withinTimeout: false };
  return { delayInMs: delay, withinTimeout: true };
}

/** Attempts allowed by the options (at least 1). */
export function maxAttempts(options: RetryOptionsShape): number {
  return Math.max(1, Math.floor(options.maxNumberOfAttempts));
}

function positive(v: number | undefined): number | undefined {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined;
}
