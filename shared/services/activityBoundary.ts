/**
 * The activity boundary: every activity answers with an {@link ActivityResult} — its value, or the
 * classified fault that stopped it — instead of throwing, so the orchestration sees whether a
 * failure is transient or permanent (Durable passes thrown activity errors on as plain `Error`s).
 */
import type { ActivityResult, Fault } from "../contracts";

/**
 * Runs an activity's work and wraps the outcome.
 * @param work - the activity (a factory of ./activities.ts applied to its input).
 * @param classify - the fault of a thrown error (shared/adapters/faults.ts `faultOf`).
 * @param onFault - called with the fault and the error before it is returned (logging).
 * @returns `{ok: true, value}` or `{ok: false, fault}`; never rejects.
 */
export async function runActivity<T>(work: () => Promise<T>, classify: (error: unknown) => Fault, onFault?: (fault: Fault, error: unknown) => void): Promise<ActivityResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (e) {
    const fault = classify(e);
    onFault?.(fault, e);
    return { ok: false, fault };
  }
}
