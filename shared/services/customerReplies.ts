/**
 * A customer's reply on a case, however it arrived (an email reply threaded by the intake, or the
 * form of the status page): one timeline entry, one `customer-reply` action in the case inbox
 * (at most once per `messageId`), and the workflow signalled. The workflow then treats it as the
 * customer's response: a case awaiting the customer goes back to the partner and its paused clock
 * resumes (orchestrations/supportRequest/caseActions.ts).
 */
import { EventNames, actionSignalOf, isCaseInboxClosed, type CaseActionRecord, type TimelineEntry } from "../contracts";
import type { CaseActionInbox, CaseRepository, SupportRequestWorkflow } from "../ports";

/** What {@link recordCustomerReply} needs. */
export interface CustomerReplyDeps {
  cases: CaseRepository;
  inbox: CaseActionInbox;
  workflow: SupportRequestWorkflow;
}

/** One reply. */
export interface CustomerReply {
  /** Timeline entry id, derived from the reply's identity so a replay writes the same row. */
  entryId: string;
  /** ISO 8601 UTC. */
  receivedAt: string;
  /** Short summary on the timeline. */
  summary: string;
  /** The reply's text as the partner reads it (normalised, at most 8,000 characters). */
  excerpt: string;
  /** Identity of the reply (an email's Message-ID, `status-page:<nonce>` for the form): the inbox holds it once. */
  messageId: string;
  /** The customer's address (the inbox actor). */
  from: string;
  /** Timeline details (the excerpt is added as `text`). */
  details: Record<string, unknown>;
}

/**
 * Records a customer's reply: timeline entry (kind `customer-reply`), inbox action unless one with
 * the same `messageId` is there, then `CaseActionsAvailable` on the workflow, raised without a status
 * read (a workflow that ended keeps the reply on the timeline and in the inbox, which its restart
 * drains; a suspended one applies it when resumed). A case whose workflow completed has a closed
 * inbox (revision 6): the reply is on the timeline only, and nothing is signalled.
 * @throws Error when storage or the Durable API fails (every step is idempotent: a retry completes it).
 */
export async function recordCustomerReply(deps: CustomerReplyDeps, partnerId: string, caseId: string, reply: CustomerReply): Promise<void> {
  const entry: TimelineEntry = { entryId: reply.entryId, kind: "customer-reply", at: reply.receivedAt, summary: reply.summary, details: { ...reply.details, messageId: reply.messageId, from: reply.from, text: reply.excerpt } };
  await deps.cases.appendTimeline(partnerId, caseId, entry);
  const earlier = await deps.inbox.listAfter(partnerId, caseId, undefined, 500);
  const already = earlier.some((r) => r.action.type === "customer-reply" && r.action.messageId === reply.messageId);
  let record: CaseActionRecord | undefined;
  try {
    record = already ? undefined : await deps.inbox.append(partnerId, caseId, { type: "customer-reply", excerpt: reply.excerpt, messageId: reply.messageId }, { kind: "customer", email: reply.from });
  } catch (e) {
    // The workflow completed (the case is closed and its inbox with it): the reply stays on the
    // timeline, where the partner reads it; there is no workflow to tell.
    if (isCaseInboxClosed(e)) return;
    throw e;
  }
  // A retry that found its action appended signals without it: the workflow reads the inbox. Raised
  // without a status read: the extension drops it for an ended workflow (whose restart drains the
  // inbox) and keeps it for a suspended one until it resumes.
  await deps.workflow.raiseEventUnchecked(caseId, EventNames.actionsAvailable, record ? actionSignalOf(record) : null);
}
