/**
 * Erasure of a customer's personal data from what the app keeps about a request (GDPR Art. 17,
 * storage limitation Art. 5(1)(e)): pure functions that turn a stored record into the record with
 * every personal datum replaced, keeping what is not about a person (ids, tenant id, product,
 * category, severity, statuses, SLA times, escalation route) so counts, SLA reports and the
 * partner's history of its workload stay true. The retention use case
 * (shared/services/customerDataRetention.ts) applies them to every table; this module only
 * decides what is personal.
 */
import type { SupportRequest, TimelineEntry } from "../contracts";

/** What replaces an erased text. */
export const ERASED_TEXT = "[erased]";

/**
 * What replaces an erased email address: a syntactically valid address under the `.invalid`
 * top-level domain, which can never be delivered (RFC 2606 §2), so nothing is ever sent to it.
 */
export const ERASED_EMAIL = "erased@erased.invalid";

/**
 * The request with its customer's personal data erased, marked `personalDataErasedAt`:
 * - customer: tenant id (the customer organisation's Microsoft Entra id) and language kept; company
 *   name erased (for an email request it may be the sender's own name), address replaced by
 *   {@link ERASED_EMAIL}, contact name dropped;
 * - title and description, diagnosis notes, resolution summary → {@link ERASED_TEXT};
 * - the email it came from: sender and subject erased (Message-ID, times, how the customer and
 *   language were found kept);
 * - undeliverable addresses: the address and the mail server's reason (which quotes it) erased;
 * - the Microsoft service request prepared or filed: title, description and primary contact erased
 *   (the Partner Center id kept: Microsoft holds its own copy under its own retention);
 * - the workflow's failure reason (it may quote a refused address) erased.
 * Assignee (the partner's own staff), statuses, SLA state, escalation route and times are kept.
 * Idempotent: erasing an erased request changes only `personalDataErasedAt` when given a later `at`.
 * @param sr - the stored request.
 * @param at - ISO 8601 UTC instant of the erasure.
 */
export function eraseSupportRequest(sr: SupportRequest, at: string): SupportRequest {
  const { contactName: _contact, ...customer } = sr.customer;
  const out: SupportRequest = {
    ...sr,
    customer: { ...customer, name: ERASED_TEXT, email: ERASED_EMAIL },
    title: ERASED_TEXT,
    description: ERASED_TEXT,
    personalDataErasedAt: sr.personalDataErasedAt ?? at,
  };
  if (out.diagnosisNotes !== undefined) out.diagnosisNotes = ERASED_TEXT;
  if (out.resolutionSummary !== undefined) out.resolutionSummary = ERASED_TEXT;
  if (out.inboundEmail) out.inboundEmail = { ...out.inboundEmail, from: ERASED_EMAIL, subject: ERASED_TEXT };
  if (out.undeliverableEmails) out.undeliverableEmails = out.undeliverableEmails.map(({ reason: _reason, ...u }) => ({ ...u, address: ERASED_EMAIL }));
  const filed = out.escalation?.microsoftServiceRequest;
  if (out.escalation && filed) {
    out.escalation = {
      ...out.escalation,
      microsoftServiceRequest: { ...filed, payload: { ...filed.payload, Title: ERASED_TEXT, Description: ERASED_TEXT, PrimaryContact: { Email: ERASED_EMAIL } } },
    };
  }
  if (out.workflow?.reason !== undefined) out.workflow = { ...out.workflow, reason: ERASED_TEXT };
  return out;
}

/**
 * A timeline entry with its texts erased: what happened and when stays (id, kind, time, status
 * change); the summary becomes {@link ERASED_TEXT} and the details (messages, addresses, excerpts,
 * notes) are dropped. Idempotent.
 */
export function eraseTimelineEntry(entry: TimelineEntry): TimelineEntry {
  const { details: _details, ...rest } = entry;
  return { ...rest, summary: ERASED_TEXT };
}
