/**
 * Partner data: who the partner is in the CSP program, its published support terms (CSP support rules
 * "Tell customers": support types, service hours, contact method, pricing), SLA targets per
 * severity, support-vehicle entitlements, and credentials.
 */
import { z } from "zod";
import { SupportedLanguages, SupportVehicles } from "./supportRequest";
import { CalendarSchema, SlaPolicySchema } from "./sla";
import { PartnerCustomerSchema } from "./inboundEmail";
import { inputText } from "./text";

/** CSP partner types (CSP support rules "Who is who"). */
export const PartnerTypes = ["direct-bill", "indirect-provider", "indirect-reseller"] as const;
/** A partner type. */
export type PartnerType = (typeof PartnerTypes)[number];

/** A partner id: lower-case letters, digits and dashes, 3–63 chars (used in URLs and table keys). */
export const PartnerIdSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/, "lower-case letters, digits and dashes, 3–63 characters");

/** Clock time "HH:mm" (24 h). */
const ClockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, "HH:mm");

/** Weekdays as used in weekly service hours. */
export const Weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
/** A weekday key. */
export type Weekday = (typeof Weekdays)[number];

/**
 * Service hours (a business-hours calendar): an IANA time zone, periods per weekday in local
 * time (several a day allowed; a period may end at "24:00"), and holiday dates (local, YYYY-MM-DD).
 */
export const ServiceHoursSchema = z.object({
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "an IANA time zone such as Europe/Budapest"),
  weekly: z.partialRecord(z.enum(Weekdays), z.array(z.object({ start: ClockTime, end: ClockTime }))),
  holidays: z.array(z.iso.date()).default([]),
});
/** Service hours. */
export type ServiceHours = z.infer<typeof ServiceHoursSchema>;

/** SLA targets for one severity: ISO 8601 durations and whether they run in business hours. */
export const SlaTargetSchema = z.object({
  firstResponse: z.iso.duration(),
  resolution: z.iso.duration(),
  /** "business-hours" counts only the partner's service hours; "calendar" counts every hour. */
  clock: z.enum(["business-hours", "calendar"]).default("business-hours"),
});
/** SLA target. */
export type SlaTarget = z.infer<typeof SlaTargetSchema>;

/** One support-vehicle entitlement; list order is the partner's preference. */
export const EntitlementSchema = z.object({
  vehicle: z.enum(SupportVehicles),
  /** For product support incidents: incidents left (counted). */
  remainingIncidents: z.number().int().min(0).optional(),
});
/** Entitlement. */
export type Entitlement = z.infer<typeof EntitlementSchema>;

/** The partner's published support terms (quoted to customers). */
export const SupportTermsSchema = z.object({
  /** Types of support offered (e.g. "Microsoft 365 administration", "Azure infrastructure"). */
  supportTypes: z.array(inputText({ max: 1000 })).min(1),
  serviceHours: ServiceHoursSchema,
  /** Contact methods, e.g. "email: support@contoso.example", "phone: +36 1 555 0100". */
  contactMethods: z.array(inputText({ max: 1000 })).min(1),
  /** Pricing statement (free text, e.g. "Included in the CSP subscription price"). */
  pricing: inputText({ max: 8000 }),
  /** How long a resolved request stays open for the customer before it is closed (ISO 8601 duration). */
  autoCloseAfter: z.iso.duration().default("P3D"),
});
/** Support terms. */
export type SupportTerms = z.infer<typeof SupportTermsSchema>;

/**
 * Escalation chain (Freshdesk resolution levels): on breach or on request, levels of named contacts,
 * each notified after its own wait while the request stays unresolved; Microsoft is engaged
 * before the chain ("beside": at once, in parallel) or only after the last level ("after-chain").
 */
export const EscalationChainSchema = z.object({
  levels: z
    .array(
      z.object({
        /** Level name, e.g. "Team lead", "Support manager". */
        name: inputText({ max: 100 }),
        contacts: z.array(z.email()).min(1),
        /** Wait after the previous level (or the trigger, for the first) before this level is notified (ISO 8601 duration). */
        after: z.iso.duration().default("PT0S"),
      }),
    )
    .min(1),
  microsoft: z.enum(["beside", "after-chain"]).default("beside"),
});
/** Escalation chain. */
export type EscalationChain = z.infer<typeof EscalationChainSchema>;

/**
 * Default of `retention.closedCasePiiDays`: a year after a request is closed its customer's
 * personal data is erased. GDPR Art. 5(1)(e) (storage limitation) sets no number; the partner, as
 * controller, chooses one. A year covers a reopening, a dispute over a year's invoices and the
 * audit log's own year; a partner with a shorter or longer duty sets its own.
 */
export const DEFAULT_CLOSED_CASE_PII_DAYS = 365;

/**
 * How long the partner keeps its customers' personal data (GDPR Art. 5(1)(e), Art. 17): the daily
 * data maintenance (shared/services/customerDataRetention.ts) erases the personal data of requests
 * closed longer ago than `closedCasePiiDays` and of inbound mail that never became a request.
 */
export const RetentionSchema = z.object({
  /**
   * Whole days (0–3650) a closed request keeps its customer's personal data, counted from its
   * closing; 0 erases it at the first maintenance run after the closing. Default
   * {@link DEFAULT_CLOSED_CASE_PII_DAYS}.
   */
  closedCasePiiDays: z.number().int().min(0).max(3650).default(DEFAULT_CLOSED_CASE_PII_DAYS),
});
/** Retention settings of a partner. */
export type Retention = z.infer<typeof RetentionSchema>;

/** Partner definition as written in a JSON file for the register command (no credentials). */
export const PartnerDefinitionSchema = z
  .object({
    id: PartnerIdSchema,
    name: inputText({ max: 200 }),
    type: z.enum(PartnerTypes),
    /** Required for indirect resellers: the id of their indirect provider. */
    indirectProviderId: PartnerIdSchema.optional(),
    /** Where the partner receives notifications (new requests, breaches, escalations). */
    contacts: z.object({
      support: z.email(),
      billing: z.email().optional(),
      escalation: z.array(z.email()).default([]),
    }),
    /** Sender address for customer emails (must be a verified domain in ACS). */
    senderEmail: z.email(),
    supportTerms: SupportTermsSchema,
    slaTargets: z.object({ A: SlaTargetSchema, B: SlaTargetSchema, C: SlaTargetSchema }),
    entitlements: z.array(EntitlementSchema).default([]),
    /** Named calendars referenced by SLA policies (besides "service-hours" and "24x7"). */
    calendars: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/), CalendarSchema).default({}),
    /**
     * Ordered SLA policies; the first whose conditions match a request applies. When none matches
     * (or none is defined), `slaTargets` on `supportTerms.serviceHours` (or 24×7 for the calendar clock) applies.
     */
    slaPolicies: z.array(SlaPolicySchema).default([]),
    escalationChain: EscalationChainSchema.optional(),
    /** Known customers (tenants) for email intake; senders are looked up by address, then by domain. */
    customers: z.array(PartnerCustomerSchema).optional(),
    /**
     * Language of customer emails when the customer's language is unknown: a request by email from
     * a sender not in the customer directory whose language cannot be identified with confidence,
     * or is one the app does not serve (docs/email-intake.md "Language"). Default `en`.
     */
    defaultLanguage: z.enum(SupportedLanguages).default("en"),
    /** How long customers' personal data is kept ({@link RetentionSchema}); default a year after closing. */
    retention: RetentionSchema.default({ closedCasePiiDays: DEFAULT_CLOSED_CASE_PII_DAYS }),
  })
  .superRefine((p, ctx) => {
    if (p.type === "indirect-reseller" && !p.indirectProviderId) {
      ctx.addIssue({ code: "custom", path: ["indirectProviderId"], message: "required for an indirect reseller" });
    }
    if (p.type !== "indirect-reseller" && p.indirectProviderId) {
      ctx.addIssue({ code: "custom", path: ["indirectProviderId"], message: "only an indirect reseller has an indirect provider" });
    }
  });
/** Partner definition (input of registration). */
export type PartnerDefinition = z.infer<typeof PartnerDefinitionSchema>;
/** Partner definition before defaults are applied (what a JSON file may omit). */
export type PartnerDefinitionInput = z.input<typeof PartnerDefinitionSchema>;

/** Stored partner: the definition plus credential metadata (never the raw API keys). */
export type Partner = PartnerDefinition & {
  /** ISO 8601 UTC. */
  createdAt: string;
};

/** Credentials generated at registration; shown once. */
export interface PartnerCredentials {
  /** Standard Webhooks signing secret, `whsec_` + base64 of 32 random bytes. */
  webhookSecret: string;
  /** Partner API key (`csp_` + 32 random bytes base64url); stored only as a SHA-256 hash. */
  apiKey: string;
}
