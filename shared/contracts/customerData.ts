/**
 * The export of one customer's data (GDPR Art. 15 right of access, Art. 20 portability):
 * `GET /api/partners/{partnerId}/customers/{customer}/export`, for a global admin (permission
 * `customer-data:export`), recorded in the audit log.
 */
import type { CaseAttachment, CustomerDirectoryEntry, InboundLogEntry } from "./inboundEmail";
import type { CaseEmail } from "./partnerApi";
import type { SupportRequest, TimelineEntry } from "./supportRequest";

/** One request of the customer with everything stored about it. */
export interface CustomerDataExportRequest {
  case: SupportRequest;
  /** Chronological. */
  timeline: TimelineEntry[];
  /** Every email of the request (to the customer and the partner's notices about it) with its delivery state, oldest first. */
  emails: CaseEmail[];
  /** Files the customer sent (metadata; the content is in the `case-attachments` container under `blobName`). */
  attachments: CaseAttachment[];
}

/** 200 of the export: everything the partner's storage holds about the customer. */
export interface CustomerDataExport {
  partnerId: string;
  /** Whom the export is about, as asked: a Microsoft Entra tenant id, or an email address (lower-cased). */
  customer: { kind: "tenant-id" | "email"; value: string };
  /** ISO 8601 UTC instant of the export. */
  exportedAt: string;
  /** The customer directory's entries of the customer (its addresses, and the mail domains that route to its tenant). */
  directoryEntries: CustomerDirectoryEntry[];
  /** The partner's own requests of the customer, newest first (erased ones keep only what is not personal). */
  requests: CustomerDataExportRequest[];
  /** Every message from the customer's addresses in the partner's inbound email log, newest first (the raw message is in the `inbound-email` container under `blobName` until erased). */
  inboundEmails: InboundLogEntry[];
}
