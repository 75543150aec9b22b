/**
 * Case actions: everything that happens to a case from outside its orchestration (the partner's
 * diagnosis, update, resolution; the customer's reply; the indirect provider's resolution or
 * escalation). Each action is appended to a durable per-case inbox in Table Storage BEFORE the
 * orchestration is signalled, and the orchestration reads the inbox in order through an activity.
 * So no action is lost when a signal is (continueAsNew discards unprocessed events; the library
 * hands events to stale waits), and actions keep their arrival order across kinds.
 */
import { z } from "zod";
import { Categories, DiagnosisOutcomes, ProductIds, Severities } from "./supportRequest";

/** Who performed an action. */
export const ActorSchema = z.object({
  kind: z.enum(["partner", "indirect-provider", "customer", "system"]),
  /** Partner id for partner and provider actors. */
  partnerId: z.string().optional(),
  /** Email address for customer actors (a reply by email or on the status page). */
  email: z.string().optional(),
});
/** An actor. */
export type Actor = z.infer<typeof ActorSchema>;

/** The actions a case accepts. */
export const CaseActionSchema = z.discriminatedUnion("type", [
  /** The partner's diagnosis (CSP support rules "Diagnose"). */
  z.object({ type: z.literal("diagnosis"), outcome: z.enum(DiagnosisOutcomes), notes: z.string().min(1).max(8000) }),
  /** A progress update to the customer: counts as a response (fulfils first response, restarts next update). */
  z.object({ type: z.literal("update"), message: z.string().min(1).max(8000) }),
  /** The request was resolved (by the partner, or by the indirect provider / Microsoft through the partner). */
  z.object({ type: z.literal("resolution"), summary: z.string().min(1).max(8000) }),
  /** Escalate now (on request), with a reason. */
  z.object({ type: z.literal("escalate"), reason: z.string().min(1).max(2000) }),
  /** The customer answered (email reply or portal); resumes a paused clock. */
  z.object({ type: z.literal("customer-reply"), excerpt: z.string().max(8000), messageId: z.string().optional() }),
  /** Ask the customer for information (emailed); the case waits on the customer and the clocks pause per policy. */
  z.object({ type: z.literal("information-request"), message: z.string().min(1).max(8000) }),
  /** Close now (from resolved, per the case lifecycle), with an optional reason. */
  z.object({ type: z.literal("close"), reason: z.string().min(1).max(2000).optional() }),
  /** Reopen a resolved case (back to diagnosis, the resolution clock resumes); a closed case is reopened by restarting its orchestration. */
  z.object({ type: z.literal("reopen"), reason: z.string().min(1).max(2000) }),
  /**
   * The partner reclassified the request (`PATCH …/support-requests/{caseId}`), already
   * stored on the case; the fields are the new values that changed. The orchestration re-reads the
   * case context, and when another SLA policy (or other targets) applies it re-targets the open
   * clocks (elapsed time kept) and re-arms its timer.
   */
  z.object({ type: z.literal("reclassify"), product: z.enum(ProductIds).optional(), category: z.enum(Categories).optional(), severity: z.enum(Severities).optional() }),
]);
/** A case action. */
export type CaseAction = z.infer<typeof CaseActionSchema>;
