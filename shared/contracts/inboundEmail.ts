/**
 * Email intake: where an inbound message landed, the partner-visible logs (quarantine,
 * ignored mail), case attachments, the customer directory and the partner's reclassification.
 */
import { z } from "zod";
import { Categories, ProductIds, Severities, SupportedLanguages } from "./supportRequest";
import { inputText } from "./text";

/** Blob container the relays (Logic App, SMTP intake, HTTP relay endpoint) write raw messages to. */
export const INBOUND_EMAIL_CONTAINER = "inbound-email";
/** Blob container of quarantined raw messages (reason in blob metadata). */
export const INBOUND_EMAIL_QUARANTINE_CONTAINER = "inbound-email-quarantine";
/** Blob container of attachments: `<partnerId>/<caseId>/<message hash>/<n>-<file name>`. */
export const CASE_ATTACHMENTS_CONTAINER = "case-attachments";
/**
 * Queue the Functions host writes a blob to after its blob trigger failed `poisonBlobThreshold`
 * times (host.json `extensions.blobs.poisonBlobThreshold`, default 5; Microsoft Learn, "Azure Blob
 * storage trigger", poison blobs): a JSON message `{FunctionId, BlobType, ContainerName, BlobName,
 * ETag}`. The email intake takes its inbound messages back from there (RetryPoisonedInboundEmail).
 */
export const BLOB_TRIGGER_POISON_QUEUE = "webjobs-blobtrigger-poison";

/**
 * Why a message was quarantined: `too-large`, `malformed`, `no-sender` (the parser's verdicts),
 * `unknown-partner` (blob under a partner id that is not registered), `processing-failed` (the
 * intake kept failing on it — a dependency down for longer than its retries, or a fault in the
 * intake itself — and gave up; the detail says what failed).
 */
export const QuarantineReasons = ["too-large", "malformed", "no-sender", "unknown-partner", "processing-failed"] as const;
/** One of {@link QuarantineReasons}. */
export type QuarantineReason = (typeof QuarantineReasons)[number];

/** Where one inbound message landed. */
export type InboundEmailOutcome =
  | { kind: "new"; caseId: string; needsVerification: boolean; acknowledgementSuppressed: boolean }
  | { kind: "reply"; caseId: string; via: "in-reply-to" | "references" | "subject-token" }
  | { kind: "auto-reply"; marker: string; caseId?: string }
  | { kind: "own-notification"; marker: string; caseId?: string }
  | { kind: "bounce"; permanent: boolean; failedRecipients: string[]; caseIds: string[]; status?: string }
  | { kind: "quarantine"; reason: string; detail: string }
  | { kind: "ignored"; reason: string }
  /** The same content was delivered again (another blob) while the first delivery had no outcome yet. */
  | { kind: "duplicate"; duplicateOf: string };

/**
 * Outcome kinds of the inbound log (one per delivered message): `new`, `reply`, the ignored kinds
 * `auto-reply`, `bounce`, `own-notification`, `duplicate` (the same content delivered again), and
 * `quarantine`.
 */
export const InboundLogOutcomes = ["new", "reply", "auto-reply", "bounce", "own-notification", "duplicate", "quarantine"] as const;
/** An outcome kind of the inbound log. */
export type InboundLogOutcome = (typeof InboundLogOutcomes)[number];

/** Flags of an inbound log entry that the partner filters on (`flag=` query parameter). */
export const InboundLogFlags = ["message-id-reused", "undeliverable-sender", "subject-undecodable", "charset-repaired", "acknowledgement-suppressed", "needs-verification"] as const;
/** A flag of an inbound log entry. */
export type InboundLogFlag = (typeof InboundLogFlags)[number];

/** Where the language of a new request came from (the language rule of docs/email-intake.md). */
export interface LanguageDecision {
  /** The language the customer is written to in (a supported language). */
  language: (typeof SupportedLanguages)[number];
  /** `directory` (the customer directory's language, which wins), `detected` (a confident guess of a served language), `partner-default` (unsure, unserved or no text). */
  source: "directory" | "detected" | "partner-default";
  /** The identifier's guess (ISO 639-1), served or not, when there was text to identify. */
  detected?: string;
  /** The identifier's score of its guess, 0–1. */
  confidence?: number;
}

/**
 * One delivered message of a partner's mailbox as the inbound log lists it (every message the
 * intake accepted, one entry per delivery, newest first).
 */
export interface InboundLogEntry {
  /** Blob name of the raw message in {@link INBOUND_EMAIL_CONTAINER} (one delivery). */
  blobName: string;
  /** When the intake decided the outcome, ISO 8601 UTC. */
  receivedAt: string;
  /** The Message-ID header (`<left@right>`), or the synthetic id of a message without one. */
  messageId: string;
  /**
   * The processing key: `<Message-ID>#<first 32 hex of the content hash>`. Two different messages
   * under one Message-ID have different keys and are processed on their own.
   */
  intakeKey: string;
  /** SHA-256 (hex) of the normalised headers and body. */
  contentHash: string;
  outcome: InboundLogOutcome;
  /** The sender address as normalised ("" when none). */
  from: string;
  /** Header that gave the sender (`from`, `reply-to`, `sender`, `return-path`, `none`). */
  senderSource?: string;
  /** Decoded subject (replaced by a notice when undecodable). */
  subject: string;
  /** The case created or answered (or the case a bounce / auto-reply refers to). */
  caseId?: string;
  /** Ignored kinds: the rule that fired; quarantine: the reason. */
  reason?: string;
  /** Human-readable detail (quarantine detail, bounce status and recipients). */
  detail?: string;
  /** For `duplicate`: the blob of the first delivery of the same content. */
  duplicateOf?: string;
  /** Flags (see {@link InboundLogFlags}). */
  flags: InboundLogFlag[];
  /** New requests: the language chosen and why. */
  language?: LanguageDecision;
}

/** Result of processing one message (a replay returns the first outcome with `duplicate: true`). */
export interface ProcessInboundEmailResult {
  /** The Message-ID, or `<content hash@synthetic.invalid>` when the message has none (the de-duplication key is `<Message-ID>#<content hash>`). */
  messageId: string;
  outcome: InboundEmailOutcome;
  /** True when the Message-ID was processed before for this partner: nothing was changed. */
  duplicate: boolean;
}

/** A quarantined message as listed in the partner API. */
export interface QuarantinedEmail {
  /** The processing key (see {@link InboundLogEntry.intakeKey}); listed once per key. */
  intakeKey?: string;
  /** Blob name in {@link INBOUND_EMAIL_QUARANTINE_CONTAINER}. */
  blobName: string;
  /** Blob name the message arrived as (in {@link INBOUND_EMAIL_CONTAINER}). */
  sourceBlobName: string;
  reason: QuarantineReason;
  detail: string;
  messageId: string;
  sizeBytes: number;
  from?: string;
  subject?: string;
  /** ISO 8601 UTC. */
  quarantinedAt: string;
}

/** A message recorded without creating or answering a request (auto-reply, bounce, our own notification). */
export interface IgnoredEmail {
  messageId: string;
  /** The processing key (see {@link InboundLogEntry.intakeKey}); listed once per key. */
  intakeKey?: string;
  kind: "auto-reply" | "own-notification" | "bounce";
  /** Which rule fired (`auto-submitted: auto-generated`, `message-id`, …). */
  marker: string;
  from: string;
  subject: string;
  /** The case the message refers to, when known. */
  caseId?: string;
  /** Blob name of the raw message in {@link INBOUND_EMAIL_CONTAINER}. */
  blobName: string;
  /** ISO 8601 UTC. */
  receivedAt: string;
  /** Bounces: permanent, failed recipients and the RFC 3463 status. */
  bounce?: { permanent: boolean; failedRecipients: string[]; status?: string };
}

/** An attachment (or inline image) stored for a case. */
export interface CaseAttachment {
  filename: string;
  contentType: string;
  sizeBytes: number;
  inline: boolean;
  contentId?: string;
  /** Blob name in {@link CASE_ATTACHMENTS_CONTAINER}; absent when the content was over the cap. */
  blobName?: string;
  /** Set when the content was not stored (over `INBOUND_ATTACHMENT_MAX_BYTES`; the raw message still has it). */
  omitted?: "too-large";
  /** Message-ID of the email it came with. */
  messageId: string;
  /** ISO 8601 UTC. */
  receivedAt: string;
}

/** A known customer of a partner (tenant), as the email intake looks senders up. */
export const PartnerCustomerSchema = z.object({
  /** Microsoft Entra tenant id of the customer (GUID). */
  tenantId: z.guid(),
  name: inputText({ max: 200 }),
  /** Contact addresses of the customer (exact sender matches). */
  emails: z.array(z.email().max(254)).default([]),
  /** Mail domains of the customer (any sender at the domain matches), e.g. `contoso.example`. */
  domains: z.array(z.string().trim().toLowerCase().regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/, "a mail domain such as contoso.example")).default([]),
  preferredLanguage: z.enum(SupportedLanguages).default("en"),
});
/** A customer entry of a partner definition (`customers`). */
export type PartnerCustomer = z.infer<typeof PartnerCustomerSchema>;

/** One entry of a partner's customer directory. */
export interface CustomerDirectoryEntry {
  tenantId: string;
  name: string;
  /** The contact address (address entries) or the domain's last seen contact (domain entries). */
  email: string;
  domain: string;
  language: (typeof SupportedLanguages)[number];
  /** `partner-definition` (the partner's `customers`) or `case` (learned from a case the partner received). */
  source: "partner-definition" | "case";
  /** ISO 8601 UTC. */
  updatedAt: string;
}

/** Body of `PATCH /api/partners/{partnerId}/support-requests/{caseId}`: the partner corrects the classification. */
export const ReclassifyRequestSchema = z
  .object({
    product: z.enum(ProductIds).optional(),
    category: z.enum(Categories).optional(),
    severity: z.enum(Severities).optional(),
  })
  .strict()
  .refine((b) => b.product !== undefined || b.category !== undefined || b.severity !== undefined, { message: "give at least one of product, category, severity" });
/** Reclassification as validated. */
export type ReclassifyRequest = z.infer<typeof ReclassifyRequestSchema>;

/** How an email-created request was matched to a customer (stored on the case as `inboundEmail.customerMatch`). */
export type CustomerMatch = "address" | "domain" | "unknown";

/** Placeholder tenant id of a request from an unknown sender (`needsVerification: true`): the nil UUID (RFC 9562 5.9). */
export const PLACEHOLDER_TENANT_ID = "00000000-0000-0000-0000-000000000000";
