/**
 * The text a timeline entry carries beside its summary (pure: unit-tested without a browser).
 * Timeline entries of inbox actions keep the action's fields in `details` (the partner API's
 * `timeline[].details`): an update's or information request's `message`, a diagnosis's `notes`, a
 * resolution's `summary`, an escalation request's or reopening's `reason`; a customer's reply keeps
 * its `text`.
 */

/** Fields of an entry's `details` that hold what someone wrote (an inbox action's text, a customer's reply), in the order looked for. */
const WRITTEN_FIELDS = ["message", "notes", "summary", "reason", "text", "excerpt"] as const;

/**
 * What the entry's author wrote, when its summary does not already say it: the message of an
 * update or information request, a diagnosis's notes, a resolution's summary, an escalation
 * request's reason, a customer's reply.
 */
export function writtenText(e: { summary: string; details?: Record<string, unknown> }): string | undefined {
  for (const field of WRITTEN_FIELDS) {
    const v = e.details?.[field];
    if (typeof v === "string" && v.trim() !== "") return e.summary.includes(v) ? undefined : v;
  }
  return undefined;
}
