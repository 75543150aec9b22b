/**
 * The activity boundary: every activity answers with an {@link ActivityResult} — its value, or the
 * classified fault that stopped it — instead of throwing, so the orchestration sees whether a
 * failure is transient or permanent (Durable passes thrown activity errors on as plain `Error`s).
 */
import { DependencyError, faultMessage, type ActivityDefinition, type ActivityResult, type Fault } from "../contracts";

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

/**
 * The input of an activity, checked against its definition's schema (shared/contracts/activities.ts)
 * where the activity runs: a history written by an older version, a hand-started instance or a
 * corrupted outbox item cannot reach the implementation with the wrong shape.
 * @param activity - the definition (its `name` and `input` schema).
 * @param input - what the orchestration passed.
 * @returns the parsed input (unknown keys dropped).
 * @throws DependencyError with a permanent `invalid-input` fault naming the first offending field
 *   (the workflow records it; calling again with the same input fails the same way).
 */
export function activityInput<I>(activity: Pick<ActivityDefinition<I, unknown>, "name" | "input">, input: unknown): I {
  const parsed = activity.input.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join(".") : "(input)";
  throw new DependencyError({ class: "permanent", code: "invalid-input", message: faultMessage(`${activity.name}: invalid input at ${field}: ${issue?.message ?? "does not match the schema"}`) });
}
