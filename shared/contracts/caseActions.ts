/**
 * Case actions: everything that happens to a case from outside its orchestration (the partner's
 * diagnosis, update, resolution; the customer's reply; the indirect provider's resolution or
 * escalation). Each action is appended to a durable per-case inbox in Table Storage BEFORE the
 * orchestration is signalled, and the inbox is the record the orchestration goes by: a signal
 * carries the record it announces ({@link actionSignalOf}) so the next action in order needs no
 * inbox read, and anything else (a signal without a record, a gap in `seq`, a new generation) makes
 * the orchestration read the inbox in order through an activity. So no action is lost when a
 * signal is (continueAsNew discards unprocessed events; the library hands events to stale waits),
 * and actions keep their arrival order across kinds.
 */
import { z } from "zod";
import type { CaseActionRecord } from "./activities";
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

/** Decimal digits of an inbox `seq` (zero-padded, so string order is numeric order). */
export const ACTION_SEQ_DIGITS = 12;

/**
 * The `seq` of the n-th action appended to a case's inbox (1-based): n as {@link ACTION_SEQ_DIGITS}
 * zero-padded decimal digits (`000000000001`, …). Every `CaseActionInbox` hands them out gapless
 * from 1 in commit order, so the action after `seq` n is n + 1 and nothing else.
 */
export function formatActionSeq(n: number): string {
  return String(n).padStart(ACTION_SEQ_DIGITS, "0");
}

/** The number of an inbox `seq` (`000000000007` → 7), or undefined when the text is not one (1–15 decimal digits). */
export function actionSeqNumber(seq: string): number | undefined {
  return /^[0-9]{1,15}$/.test(seq) ? Number(seq) : undefined;
}

/**
 * Largest record a `CaseActionsAvailable` signal carries: 16 KiB of UTF-8 JSON. An event's payload
 * travels in a queue message and is stored in the orchestration's history (Azure Storage queue
 * messages hold 64 KiB, and the Durable Task Azure Storage provider moves larger payloads to blobs:
 * https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-azure-storage-provider);
 * a larger record is announced without it and read from the inbox.
 */
export const MAX_SIGNALLED_RECORD_BYTES = 16 * 1024;

/**
 * The payload of the `CaseActionsAvailable` signal raised after appending `record`: the record
 * itself (the orchestration processes it without reading the inbox when it is the next one after
 * its cursor), or null when its JSON is over {@link MAX_SIGNALLED_RECORD_BYTES} (the orchestration
 * then reads the inbox). A signal is only ever raised after its record was stored.
 */
export function actionSignalOf(record: CaseActionRecord): CaseActionRecord | null {
  return new TextEncoder().encode(JSON.stringify(record)).length <= MAX_SIGNALLED_RECORD_BYTES ? record : null;
}

/**
 * A case's inbox was closed: its workflow found no action after its cursor and is completing (the
 * case is closed and every email of it is out; workflow revision 6, `CaseActionInbox.close`). An
 * action appended now would never be read by that execution — a signal to a completed instance is
 * dropped by the Durable extension — so the append is refused instead of accepted and lost. A
 * closed case is reopened by appending with `{ reopen: true }` and restarting its workflow.
 * Stable code `CaseInboxClosed`; never retried (the inbox stays closed).
 */
export class CaseInboxClosedError extends Error {
  /** Stable code. */
  readonly code = "CaseInboxClosed";
  /** @param caseId - the case whose inbox is closed. */
  constructor(readonly caseId: string) {
    super(`The action inbox of ${caseId} is closed: its workflow has completed`);
    this.name = "CaseInboxClosedError";
  }
}

/** Whether an error is a {@link CaseInboxClosedError} (by its stable code, so copies across module instances match too). */
export function isCaseInboxClosed(error: unknown): error is CaseInboxClosedError {
  return (error as { code?: unknown } | null)?.code === "CaseInboxClosed";
}
