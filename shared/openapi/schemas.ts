/**
 * Zod schemas of the response bodies that shared/contracts describes only as TypeScript types
 * (the intake's 202, the email relay's 202, the inbound-email logs, the public support terms, the
 * health report, the reclassification's 200). They exist for the OpenAPI document only; each is
 * checked at compile time against the type the handlers return ({@link Same}), so the document
 * cannot drift from the code without the build failing.
 */
import { z } from "zod";
import {
  CaseEmailSchema,
  CaseStatuses,
  InboundLogFlags,
  InboundLogOutcomes,
  QuarantineReasons,
  SupportedLanguages,
  SupportRequestSchema,
  TimelineEntrySchema,
  Weekdays,
  type CaseAttachment,
  type CustomerDataExport,
  type CustomerDirectoryEntry,
  type IgnoredEmail,
  type InboundLogEntry,
  type QuarantinedEmail,
} from "../contracts";
import type { DependencyHealth, HealthReport } from "../services/health";
import type { SubmitSupportRequestResult } from "../services/supportRequests";
import type { PublicSupportTerms } from "../services/supportTerms";

/**
 * Compile-time equality of two types (each assignable to the other). Used as
 * `const _x: Same<A, B> = true`, which fails to compile when A and B differ.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** 202 of `POST /api/partners/{partnerId}/support-requests`: the case id and where to follow it (also `Location`). */
export const SubmitSupportRequestResponseSchema = z.object({
  caseId: z.string(),
  status: z.literal(CaseStatuses[0]),
  /** Absolute URL of the case in the partner API (equals the `Location` header). */
  statusUrl: z.string(),
});
const _submitMatches: Same<z.infer<typeof SubmitSupportRequestResponseSchema>, Omit<SubmitSupportRequestResult, "createdAt" | "created">> = true;

/** 202 of `POST /api/partners/{partnerId}/inbound-email`: the blob the message was stored as (processing is asynchronous). */
export const InboundEmailAcceptedSchema = z.object({
  /** Blob name in the `inbound-email` container (`<partnerId>/<timestamp>-<id>.eml`). */
  blobName: z.string(),
});

/** A quarantined inbound message (`GET …/inbound-email/quarantine`). */
export const QuarantinedEmailSchema = z.object({
  /** `<Message-ID>#<content hash prefix>`. */
  intakeKey: z.string().optional(),
  blobName: z.string(),
  sourceBlobName: z.string(),
  reason: z.enum(QuarantineReasons),
  detail: z.string(),
  messageId: z.string(),
  sizeBytes: z.number().int().min(0),
  from: z.string().optional(),
  subject: z.string().optional(),
  /** ISO 8601 UTC. */
  quarantinedAt: z.iso.datetime(),
});
const _quarantineMatches: Same<z.infer<typeof QuarantinedEmailSchema>, QuarantinedEmail> = true;

/** An ignored inbound message: auto-reply, bounce or one of our own notifications (`GET …/inbound-email/ignored`). */
export const IgnoredEmailSchema = z.object({
  messageId: z.string(),
  /** `<Message-ID>#<content hash prefix>`. */
  intakeKey: z.string().optional(),
  kind: z.enum(["auto-reply", "own-notification", "bounce"]),
  /** Which rule fired (`auto-submitted: auto-generated`, `message-id`, …). */
  marker: z.string(),
  from: z.string(),
  subject: z.string(),
  caseId: z.string().optional(),
  blobName: z.string(),
  /** ISO 8601 UTC. */
  receivedAt: z.iso.datetime(),
  bounce: z.object({ permanent: z.boolean(), failedRecipients: z.array(z.string()), status: z.string().optional() }).optional(),
});
const _ignoredMatches: Same<z.infer<typeof IgnoredEmailSchema>, IgnoredEmail> = true;

/** One delivered message of the inbound log (`GET …/inbound-email/log`). */
export const InboundLogEntrySchema = z.object({
  blobName: z.string().openapi({ description: "The raw message in the `inbound-email` container (one delivery)." }),
  receivedAt: z.iso.datetime().openapi({ description: "When the outcome was decided (ISO 8601 UTC)." }),
  messageId: z.string().openapi({ description: "The Message-ID header, or `<content hash@synthetic.invalid>` when the message has none." }),
  intakeKey: z.string().openapi({ description: "`<Message-ID>#<first 32 hex of the content hash>`: different messages under one reused Message-ID have different keys." }),
  contentHash: z.string().openapi({ description: "SHA-256 of the normalised headers (From, To, Cc, Subject, Date, Message-ID, In-Reply-To, References, Content-Type) and body." }),
  outcome: z.enum(InboundLogOutcomes),
  from: z.string().openapi({ description: "Sender address as normalised (\"\" when none)." }),
  senderSource: z.string().optional().openapi({ description: "Header that gave the sender: from, reply-to, sender, return-path, none." }),
  subject: z.string(),
  caseId: z.string().optional(),
  reason: z.string().optional().openapi({ description: "The rule that fired (ignored kinds) or the quarantine reason." }),
  detail: z.string().optional(),
  duplicateOf: z.string().optional().openapi({ description: "For `duplicate`: the blob of the first delivery of the same content." }),
  flags: z.array(z.enum(InboundLogFlags)),
  language: z
    .object({
      language: z.enum(SupportedLanguages),
      source: z.enum(["directory", "detected", "partner-default"]),
      detected: z.string().optional(),
      confidence: z.number().optional(),
    })
    .optional()
    .openapi({ description: "New requests: the language the customer is written to in, and why." }),
});
const _logMatches: Same<z.infer<typeof InboundLogEntrySchema>, InboundLogEntry> = true;
/** A page of the inbound log, newest first (the token also in `x-ms-continuation-token`). */
export const InboundLogPageSchema = z.object({ items: z.array(InboundLogEntrySchema), continuationToken: z.string().optional() });

/** A page of quarantined messages, newest first (the token also in `x-ms-continuation-token`). */
export const QuarantinedEmailPageSchema = z.object({ items: z.array(QuarantinedEmailSchema), continuationToken: z.string().optional() });
/** A page of ignored messages, newest first (the token also in `x-ms-continuation-token`). */
export const IgnoredEmailPageSchema = z.object({ items: z.array(IgnoredEmailSchema), continuationToken: z.string().optional() });

/** An attachment (or inline image) of an email request or reply, stored with the case. */
export const CaseAttachmentSchema = z.object({
  filename: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int().min(0),
  inline: z.boolean(),
  contentId: z.string().optional(),
  /** Blob name in the `case-attachments` container; absent when the content was over the cap. */
  blobName: z.string().optional(),
  omitted: z.literal("too-large").optional(),
  messageId: z.string(),
  /** ISO 8601 UTC. */
  receivedAt: z.iso.datetime(),
});
const _attachmentMatches: Same<z.infer<typeof CaseAttachmentSchema>, CaseAttachment> = true;

/** An entry of the partner's customer directory (the email intake looks senders up in it). */
export const CustomerDirectoryEntrySchema = z.object({
  tenantId: z.string().openapi({ description: "The customer's Microsoft Entra tenant id." }),
  name: z.string().openapi({ description: "The customer organisation's name." }),
  email: z.string().openapi({ description: "The contact address (address entries) or the domain's last seen contact (domain entries; `erased@erased.invalid` once erased)." }),
  domain: z.string().openapi({ description: "The address's mail domain (\"\" for public mail providers)." }),
  language: z.enum(SupportedLanguages),
  source: z.enum(["partner-definition", "case"]),
  /** ISO 8601 UTC. */
  updatedAt: z.iso.datetime(),
});
const _directoryMatches: Same<z.infer<typeof CustomerDirectoryEntrySchema>, CustomerDirectoryEntry> = true;

/** 200 of `GET /api/partners/{partnerId}/customers/{customer}/export`: everything stored about one customer. */
export const CustomerDataExportSchema = z.object({
  partnerId: z.string(),
  customer: z.object({ kind: z.enum(["tenant-id", "email"]), value: z.string() }).openapi({ description: "Whom the export is about, as asked (an email address lower-cased)." }),
  exportedAt: z.iso.datetime().openapi({ description: "ISO 8601 UTC instant of the export." }),
  directoryEntries: z.array(CustomerDirectoryEntrySchema).openapi({ description: "The customer directory's entries of the customer: its addresses, and the mail domains routing to its tenant." }),
  requests: z
    .array(
      z.object({
        case: SupportRequestSchema,
        timeline: z.array(TimelineEntrySchema).openapi({ description: "Chronological." }),
        emails: z.array(CaseEmailSchema).openapi({ description: "Every email of the request with its delivery state, oldest first." }),
        attachments: z.array(CaseAttachmentSchema).openapi({ description: "Files the customer sent (their content is in the `case-attachments` container under `blobName`)." }),
      }),
    )
    .openapi({ description: "The partner's own requests of the customer, newest first; requests erased under the retention period keep only what is not personal." }),
  inboundEmails: z.array(InboundLogEntrySchema).openapi({ description: "Every message from the customer's addresses in the inbound email log, newest first." }),
});
const _exportMatches: Same<z.infer<typeof CustomerDataExportSchema>, CustomerDataExport> = true;

const ClockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/);

/** 200 of the public `GET /api/partners/{partnerId}/support-terms`. */
export const PublicSupportTermsSchema = z.object({
  partnerId: z.string(),
  name: z.string(),
  supportTypes: z.array(z.string()),
  serviceHours: z.object({
    /** IANA time zone, e.g. `Europe/Budapest`. */
    timeZone: z.string(),
    /** Periods per weekday in local time ("HH:mm"; an end of "24:00" is midnight). */
    weekly: z.partialRecord(z.enum(Weekdays), z.array(z.object({ start: ClockTime, end: ClockTime }))),
    /** Local dates (YYYY-MM-DD) without service. */
    holidays: z.array(z.iso.date()),
  }),
  contactMethods: z.array(z.string()),
  pricing: z.string(),
});
const _termsMatches: Same<z.infer<typeof PublicSupportTermsSchema>, PublicSupportTerms> = true;

/** State of one dependency in the health report. */
export const DependencyHealthSchema = z.object({
  status: z.enum(["up", "down"]),
  detail: z.string().optional(),
  durationInMs: z.number().min(0),
});
const _dependencyMatches: Same<z.infer<typeof DependencyHealthSchema>, DependencyHealth> = true;

/** 200/503 of `GET /api/health`: `healthy` only when every check (storage, mail; `config` when the settings are invalid) is up. */
export const HealthReportSchema = z.object({
  status: z.enum(["healthy", "unhealthy"]),
  checks: z.record(z.string(), DependencyHealthSchema),
});
const _healthMatches: Same<z.infer<typeof HealthReportSchema>, HealthReport> = true;

/**
 * 200/503 of `GET /api/health`: the report and, while healthy, the workflows that need attention
 * (counted at most every 30 s; absent when they could not be counted). Neither count makes the app
 * unhealthy.
 */
export const HealthResponseSchema = HealthReportSchema.extend({
  workflows: z
    .object({
      failed: z.number().int().min(0).openapi({ description: "Failed or terminated workflows of requests that are not done (the recovery sweeper restarts them)." }),
      notStarted: z.number().int().min(0).openapi({ description: "Workflows of such requests whose orchestration has stayed Pending for 15 minutes (marked `not-started` on the request)." }),
      examined: z.number().int().min(0).openapi({ description: "Instances examined (at most 500)." }),
      truncated: z.boolean().openapi({ description: "More such instances exist than were examined." }),
      checkedAt: z.iso.datetime().openapi({ description: "When they were counted (ISO 8601 UTC)." }),
    })
    .optional(),
});

/** 200 of `PATCH …/support-requests/{caseId}` (reclassification): the case after the change. */
export const ReclassifyResponseSchema = z.object({ case: SupportRequestSchema });
