/**
 * Support-request (case) shapes: the intake payload, the stored case, its timeline, and the
 * partner actions. Categories, severities and products come from the seeds (Partner Center
 * "Providing support to your customers": billing, subscription management, technical; Partner
 * Center service-request severities critical/moderate/minimal mapped from A/B/C).
 */
import { z } from "zod";
import { inputText } from "./text";

/** Languages customers are emailed in (the five languages of the seeds); English is the fallback. */
export const SupportedLanguages = ["en", "hu", "cs", "pl", "ru"] as const;
/** A supported customer language (BCP 47 primary subtag). */
export type SupportedLanguage = (typeof SupportedLanguages)[number];

/** Request categories: commercial (billing, subscription management) or technical (CSP support rules). */
export const Categories = ["billing", "subscription-management", "technical"] as const;
/** A request category. */
export type Category = (typeof Categories)[number];

/**
 * Severity as partners and Microsoft use it: A critical, B moderate, C minimal
 * (Partner Center `Severity` critical|moderate|minimal).
 */
export const Severities = ["A", "B", "C"] as const;
/** A severity letter. */
export type Severity = (typeof Severities)[number];

/**
 * Products a CSP partner supports, with whether they are cloud services or on-premises software
 * (the support vehicles of CSP support rules differ by product type). Ids are stable API values.
 */
export const Products = {
  azure: { name: "Microsoft Azure", kind: "cloud" },
  "microsoft-365": { name: "Microsoft 365", kind: "cloud" },
  "office-365": { name: "Office 365", kind: "cloud" },
  "dynamics-365": { name: "Dynamics 365", kind: "cloud" },
  "power-platform": { name: "Microsoft Power Platform", kind: "cloud" },
  "windows-server": { name: "Windows Server", kind: "on-premises" },
  "sql-server": { name: "SQL Server", kind: "on-premises" },
  "exchange-server": { name: "Exchange Server", kind: "on-premises" },
  "sharepoint-server": { name: "SharePoint Server", kind: "on-premises" },
} as const satisfies Record<string, { name: string; kind: "cloud" | "on-premises" }>;
/** A product id. */
export type ProductId = keyof typeof Products;
/** Product ids, for validation. */
export const ProductIds = Object.keys(Products) as [ProductId, ...ProductId[]];

/** Intake channels. */
export const Channels = ["webhook", "email"] as const;
/** An intake channel. */
export type Channel = (typeof Channels)[number];

/**
 * SLA health of a request, from its SLA event log: `breached` once any first-response or
 * resolution target was missed, else `at-risk` while an open clock passed a warning threshold,
 * `on-track` while clocks run, `none` when none is open (shared/domain `slaHealthOf`).
 */
export const SlaHealths = ["none", "on-track", "at-risk", "breached"] as const;
/** SLA health value. */
export type SlaHealth = (typeof SlaHealths)[number];

/**
 * Case lifecycle (CSP support rules): received → in-diagnosis → (awaiting-customer) → resolved by the
 * partner | escalated (to the indirect provider, or to Microsoft through a support vehicle) →
 * resolved → closed.
 */
export const CaseStatuses = [
  "received",
  "in-diagnosis",
  "awaiting-customer",
  "escalated-to-provider",
  "escalated-to-microsoft",
  "resolved",
  "closed",
] as const;
/** A case status. */
export type CaseStatus = (typeof CaseStatuses)[number];

/** The customer (a tenant of the partner) who opened the request. */
export const CustomerSchema = z.object({
  /** Microsoft Entra tenant id of the customer (GUID). */
  tenantId: z.guid(),
  /** Company name (normalised text, shared/contracts/text.ts). */
  name: inputText({ max: 200 }),
  /** Contact email for notifications. */
  email: z.email().max(254),
  /** Preferred language for emails; unknown languages are rejected, English is the fallback. */
  preferredLanguage: z.enum(SupportedLanguages).default("en"),
  /** Contact person, optional. */
  contactName: inputText({ max: 200 }).optional(),
});
/** Customer as validated. */
export type Customer = z.infer<typeof CustomerSchema>;

/**
 * Body of `POST /api/partners/{partnerId}/support-requests` (the signed webhook). Free text (title,
 * description, names) is normalised to well-formed NFC text without control characters before the
 * length checks ({@link inputText}).
 */
export const CreateSupportRequestSchema = z.object({
  customer: CustomerSchema,
  product: z.enum(ProductIds),
  category: z.enum(Categories),
  severity: z.enum(Severities),
  title: inputText({ min: 3, max: 200 }),
  description: inputText({ max: 32000 }),
});
/** Intake payload as validated. */
export type CreateSupportRequest = z.infer<typeof CreateSupportRequestSchema>;

/** Outcomes the partner can record after diagnosing (CSP support rules "What the partner must do"). */
export const DiagnosisOutcomes = ["resolved", "awaiting-customer", "needs-escalation"] as const;
/** A diagnosis outcome. */
export type DiagnosisOutcome = (typeof DiagnosisOutcomes)[number];

/** Body of `POST …/support-requests/{caseId}/diagnosis`. */
export const DiagnosisRequestSchema = z.object({
  outcome: z.enum(DiagnosisOutcomes),
  /** Notes for the timeline; the customer sees them in the status email. */
  notes: inputText({ max: 8000 }),
});
/** Diagnosis as validated. */
export type DiagnosisRequest = z.infer<typeof DiagnosisRequestSchema>;

/** Body of `POST …/support-requests/{caseId}/resolution`. */
export const ResolutionRequestSchema = z.object({
  /** What solved the problem; emailed to the customer. */
  summary: inputText({ max: 8000 }),
});
/** Resolution as validated. */
export type ResolutionRequest = z.infer<typeof ResolutionRequestSchema>;

/** SLA deadlines of a case (ISO 8601 UTC instants), set as the clock starts; breaches recorded. */
export const SlaStateSchema = z.object({
  /** Policy targets applied (ISO 8601 durations) and how they are measured. */
  targets: z.object({ firstResponse: z.iso.duration(), resolution: z.iso.duration(), clock: z.enum(["business-hours", "calendar"]) }),
  firstResponseDueAt: z.iso.datetime().optional(),
  firstResponseAt: z.iso.datetime().optional(),
  firstResponseBreachedAt: z.iso.datetime().optional(),
  resolutionDueAt: z.iso.datetime().optional(),
  resolvedAt: z.iso.datetime().optional(),
  resolutionBreachedAt: z.iso.datetime().optional(),
});
/** SLA state of a case. */
export type SlaState = z.infer<typeof SlaStateSchema>;

/** Support vehicles to Microsoft (CSP support rules table). */
export const SupportVehicles = [
  "commercial-issue-support",
  "premier-support-for-partners",
  "advanced-support-for-partners",
  "signature-cloud-support",
  "product-support-incidents",
] as const;
/** A support vehicle id. */
export type SupportVehicle = (typeof SupportVehicles)[number];

/**
 * Partner Center service request payload (`POST /v1/servicerequests/{locale}`; fields of the
 * ServiceRequest resource: Title, Description, Severity critical|moderate|minimal, SupportTopicId,
 * PrimaryContact, ProductName).
 */
export const MicrosoftServiceRequestPayloadSchema = z.object({
  Title: z.string(),
  Description: z.string(),
  Severity: z.enum(["critical", "moderate", "minimal"]),
  SupportTopicId: z.string(),
  ProductName: z.string(),
  PrimaryContact: z.object({ Email: z.string(), FirstName: z.string().optional(), LastName: z.string().optional(), PhoneNumber: z.string().optional() }),
});
/** A Partner Center service request payload. */
export type MicrosoftServiceRequestPayload = z.infer<typeof MicrosoftServiceRequestPayloadSchema>;

/** Where a case was escalated and why (every decision records its reason). */
export const EscalationRecordSchema = z.object({
  target: z.enum(["indirect-provider", "microsoft", "none"]),
  /** Set when target is indirect-provider. */
  providerId: z.string().optional(),
  /** Set when target is microsoft. */
  vehicle: z.enum(SupportVehicles).optional(),
  /** Human-readable reason of the decision (which rule applied). */
  reason: z.string(),
  /** What started the escalation. */
  trigger: z.enum(["partner-request", "first-response-breach", "resolution-breach"]),
  /** ISO 8601 UTC. */
  decidedAt: z.iso.datetime(),
  /** The product support incident consumed for this escalation (vehicle `product-support-incidents`), as counted on the partner (ETag). */
  productSupportIncident: z.object({ consumed: z.boolean(), remainingIncidents: z.number().int().min(0) }).optional(),
  /**
   * The Microsoft service request of this escalation: filed through Partner Center
   * (`serviceRequestId`), or prepared for the partner to file by hand (integration off).
   */
  microsoftServiceRequest: z
    .object({
      outcome: z.enum(["filed", "prepared"]),
      serviceRequestId: z.string().optional(),
      /** Partner Center locale path segment, e.g. `en-US`. */
      locale: z.string(),
      /** ISO 8601 UTC instant it was filed or prepared. */
      at: z.iso.datetime(),
      /** Why the request is only prepared although the integration is on (Partner Center refused it, or retries gave up). */
      filingError: z.string().optional(),
      /** The `POST /v1/servicerequests/{locale}` body (Partner Center ServiceRequest resource fields). */
      payload: MicrosoftServiceRequestPayloadSchema,
    })
    .optional(),
});
/** Escalation record. */
export type EscalationRecord = z.infer<typeof EscalationRecordSchema>;

/**
 * States of a case's workflow as the partner sees them (absent on the case = `running`):
 * `failed` (the orchestration failed; the recovery sweeper restarts it), `restarting` (a restart
 * was requested and has not started yet, or is waiting for its next attempt), `suspended` (an
 * operator suspended it), `terminated` (an operator terminated it; restarted like a failure),
 * `gave-up` (restarts kept failing: the partner was told; a global admin can restart it by hand),
 * `not-started` (the orchestration was created but has stayed `Pending` past
 * `STUCK_PENDING_AFTER_IN_MS` of shared/services/workflowRecovery.ts: the Durable host has not run
 * its start; the partner was told, and the mark clears with the workflow's first recorded step).
 */
export const WorkflowStates = ["running", "failed", "restarting", "suspended", "terminated", "gave-up", "not-started"] as const;

/** A workflow state. */
export type WorkflowState = (typeof WorkflowStates)[number];

/** The health of a case's workflow, kept on the case so lists and filters show it (`workflow`). */
export const WorkflowHealthSchema = z.object({
  state: z.enum(WorkflowStates),
  /** ISO 8601 UTC: since when. */
  since: z.iso.datetime(),
  /** Why (the failure, or the restart's reason). */
  reason: z.string().optional(),
  /** Automatic restarts made since the workflow last ran normally. */
  attempts: z.number().int().min(0).optional(),
  /** ISO 8601 UTC of the next automatic restart, while `restarting` or `failed`. */
  nextAttemptAt: z.iso.datetime().optional(),
});
/** Workflow health of a case. */
export type WorkflowHealth = z.infer<typeof WorkflowHealthSchema>;

/**
 * A customer's satisfaction rating of a resolved request, given on its status page: one question
 * ("How satisfied are you with how your request was handled?"), 1 (very dissatisfied) to 5 (very
 * satisfied), with an optional comment.
 */
export const SatisfactionRatingSchema = z.object({
  rating: z.number().int().min(1).max(5),
  /** Normalised text, at most 2,000 characters. */
  comment: z.string().max(2000).optional(),
  /** ISO 8601 UTC instant it was given. */
  at: z.iso.datetime(),
});
/** A satisfaction rating. */
export type SatisfactionRating = z.infer<typeof SatisfactionRatingSchema>;

/** A support request as stored and returned by the partner API. */
export const SupportRequestSchema = z.object({
  caseId: z.string(),
  partnerId: z.string(),
  channel: z.enum(Channels),
  customer: CustomerSchema,
  product: z.enum(ProductIds),
  category: z.enum(Categories),
  severity: z.enum(Severities),
  title: z.string(),
  description: z.string(),
  status: z.enum(CaseStatuses),
  /** ISO 8601 UTC. */
  createdAt: z.iso.datetime(),
  /** ISO 8601 UTC. */
  updatedAt: z.iso.datetime(),
  sla: SlaStateSchema.optional(),
  escalation: EscalationRecordSchema.optional(),
  /** Latest diagnosis notes, if any. */
  diagnosisNotes: z.string().optional(),
  /** Resolution summary, if resolved. */
  resolutionSummary: z.string().optional(),
  /** An email request from a sender not in the partner's customer directory (placeholder tenant); the partner verifies the customer. */
  needsVerification: z.boolean().optional(),
  /** The automatic acknowledgement was not sent (per-sender rate limit, `INBOUND_ACK_MAX_PER_HOUR`). */
  acknowledgementSuppressed: z.boolean().optional(),
  /** The email a request was created from. */
  inboundEmail: z
    .object({
      messageId: z.string(),
      messageIdSource: z.enum(["header", "synthetic"]),
      from: z.string(),
      subject: z.string(),
      /** ISO 8601 UTC. */
      receivedAt: z.iso.datetime(),
      /** Raw message blob in the `inbound-email` container. */
      blobName: z.string(),
      customerMatch: z.enum(["address", "domain", "unknown"]),
      /** Keywords that decided product, category and severity (shared/domain/email `classifyRequest`). */
      classifiedBy: z.array(z.string()),
      /** A `[Case #ID]` token in the subject refused because the sender is not that case's customer. */
      refusedCaseToken: z.string().optional(),
      /** Header that gave the sender: From, else Reply-To, Sender, Return-Path. */
      senderSource: z.enum(["from", "reply-to", "sender", "return-path", "none"]).optional(),
      /** The sender's address cannot be mailed (invalid after normalisation): no acknowledgement or status email is attempted. */
      undeliverable: z.boolean().optional(),
      /** The subject could not be decoded; the title is a neutral notice instead. */
      subjectUndecodable: z.boolean().optional(),
      /** The language chosen for the customer and why (directory, detected, partner default). */
      language: z
        .object({ language: z.enum(SupportedLanguages), source: z.enum(["directory", "detected", "partner-default"]), detected: z.string().optional(), confidence: z.number().optional() })
        .optional(),
    })
    .optional(),
  /**
   * Addresses marked undeliverable for this case: by a permanent bounce (RFC 3464 5.x.x, `source`
   * `bounce`) or because the mail service refused them when sending (`source` `send`, e.g. SMTP
   * 501/550 to `RCPT TO`); status emails skip them and the partner is told.
   */
  undeliverableEmails: z
    .array(
      z.object({
        address: z.string(),
        at: z.iso.datetime(),
        /** DSN status (e.g. `5.1.1`), when a bounce gave one. */
        status: z.string().optional(),
        /** The Message-ID of the email that bounced or was refused. */
        messageId: z.string().optional(),
        /** How it was found undeliverable (absent on rows from before this field: a bounce). */
        source: z.enum(["bounce", "send"]).optional(),
        /** The mail service's reason. */
        reason: z.string().optional(),
      }),
    )
    .optional(),
  /** Who works the request (an email address or a name), set through `POST …/assignment`. */
  assignee: z.string().optional(),
  /**
   * SLA health from the SLA event log, kept current by RecordSlaEvents and RecordCaseTransition: `breached` once any
   * first-response or resolution target was missed, else `at-risk` while an open clock passed a
   * warning threshold, `on-track` while clocks run, `none` when none is open.
   */
  slaHealth: z.enum(SlaHealths).optional(),
  /** The workflow's health when it is not simply running (failed, restarting, suspended, gave up). */
  workflow: WorkflowHealthSchema.optional(),
  /** ISO 8601 UTC instant the request was (last) closed; absent while it is not closed. The retention period counts from it. */
  closedAt: z.iso.datetime().optional(),
  /**
   * ISO 8601 UTC instant the customer's personal data of this request was erased under the
   * partner's retention (`retention.closedCasePiiDays`): the customer's name, address and contact,
   * every text, the timeline's texts, emails, inbound messages, attachments and the workflow's
   * history. What is left are ids, classification, statuses and times. An erased request cannot be
   * reopened.
   */
  personalDataErasedAt: z.iso.datetime().optional(),
  /** The customer's satisfaction rating after the resolution (status page); the first one given stands. */
  satisfaction: SatisfactionRatingSchema.optional(),
});
/** Stored support request. */
export type SupportRequest = z.infer<typeof SupportRequestSchema>;

/** Kinds of timeline entries. */
export const TimelineKinds = ["status-changed", "email-sent", "sla-breached", "escalation-decided", "note", "customer-reply", "email-received", "reclassified", "internal-note", "assigned", "email-failed", "workflow"] as const;
/** A timeline entry kind. */
export type TimelineKind = (typeof TimelineKinds)[number];

/** One append-only timeline row of a case. */
export const TimelineEntrySchema = z.object({
  /** Unique per case; deterministic when written by the orchestration (so retries do not duplicate). */
  entryId: z.string(),
  kind: z.enum(TimelineKinds),
  /** ISO 8601 UTC. */
  at: z.iso.datetime(),
  fromStatus: z.enum(CaseStatuses).optional(),
  toStatus: z.enum(CaseStatuses).optional(),
  /** Short human-readable summary. */
  summary: z.string(),
  /**
   * Free-form details (JSON-serializable). An entry recording an action from the case's inbox
   * (diagnosis, update, resolution, escalation request, information request, closure, reopening,
   * and an action ignored in the case's state) carries `action` (its type), `seq` (its inbox
   * position), `actor` and the action's own fields as sent: `notes` and `outcome` of a diagnosis,
   * `summary` of a resolution, `message` of an update or information request, `reason` of an
   * escalation request, closure or reopening. The case holds only the latest diagnosis notes and
   * resolution summary; the timeline keeps every one. A customer's reply carries `text`.
   */
  details: z.record(z.string(), z.unknown()).optional(),
});
/** Timeline entry. */
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;
