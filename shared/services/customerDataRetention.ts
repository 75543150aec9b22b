/**
 * Customer data retention (GDPR Art. 5(1)(e) storage limitation, Art. 17 erasure): the personal
 * data of requests closed longer ago than the partner's `retention.closedCasePiiDays` is erased
 * everywhere the app keeps it, and so is what the email intake keeps about mail that never became
 * a request. Run by the daily data maintenance (./dataMaintenance.ts, a timer trigger).
 *
 * Per request, in this order (each step idempotent, the request marked erased last, so a run that
 * stops half-way is completed by the next):
 * 1. skipped while its workflow is not in a terminal state (a closed request may still be sending
 *    its last emails): it is taken up again by a later run;
 * 2. its inbound log entries and raw messages (blobs), its attachment list and attachment blobs;
 * 3. its notifications (recipients, subjects, pending deliveries) and their Message-ID index;
 * 4. its action inbox (notes, messages, customer replies);
 * 5. the customer's address in the customer directory, once no other request of that address
 *    keeps its personal data;
 * 6. the workflow's history and state (the Durable purge API);
 * 7. the timeline texts, the indirect provider's listing copy, then the case itself
 *    (shared/domain/personalData.ts decides what is personal), recorded in the audit log.
 */
import type { SupportRequest } from "../contracts";
import { DEFAULT_CLOSED_CASE_PII_DAYS, isTerminalRuntimeStatus } from "../contracts";
import { ERASED_EMAIL } from "../domain/personalData";
import type { AuditLog, CaseActionInbox, CaseRepository, Clock, CustomerDirectory, InboundEmailBlobStore, InboundEmailLog, NotificationLog, PartnerRepository, SupportRequestWorkflow } from "../ports";
import { INBOUND_NOTICE_SCOPE } from "./inboundEmail/processInboundEmail";

const DAY_IN_MS = 86_400_000;

/** Durable runtime statuses after which an instance no longer runs (and can be purged). */

/** What the retention needs: every store of personal data, the workflow, the audit log and the clock. */
export interface CustomerDataRetentionDeps {
  partners: Pick<PartnerRepository, "listPartners">;
  cases: CaseRepository;
  inbox: Pick<CaseActionInbox, "deleteCase">;
  notifications: Pick<NotificationLog, "eraseCase">;
  inboundLog: Pick<InboundEmailLog, "eraseCase" | "eraseBefore">;
  blobs: Pick<InboundEmailBlobStore, "deleteInbound" | "deleteQuarantine" | "deleteCaseAttachments">;
  directory: Pick<CustomerDirectory, "forgetAddress">;
  workflow: Pick<SupportRequestWorkflow, "getStatus" | "purgeHistory">;
  auditLog: Pick<AuditLog, "record">;
  clock: Clock;
}

/** Options of {@link eraseExpiredCustomerData}. */
export interface CustomerDataRetentionOptions {
  /** At most this many requests, and this many inbound mail entries, are erased per run (all partners together). */
  maxPerRun: number;
  /** Told about a request whose erasure failed (the run goes on; the next run tries again). */
  onError?: (partnerId: string, caseId: string, error: unknown) => void;
}

/** What one run did. */
export interface CustomerDataRetentionReport {
  /** Requests whose personal data was erased. */
  erased: Array<{ partnerId: string; caseId: string }>;
  /** Requests due but left for a later run, with why (their workflow still runs). */
  deferred: Array<{ partnerId: string; caseId: string; reason: string }>;
  /** Requests whose erasure failed (retried by the next run). */
  failed: Array<{ partnerId: string; caseId: string; error: string }>;
  /** Inbound mail entries without a request (log, quarantine, ignored, acknowledgement counters) and partner notices about them, erased. */
  inboundEntriesErased: number;
  /** Blobs deleted (raw messages, quarantined copies, attachments). */
  blobsDeleted: number;
  /** Whether the run stopped at `maxPerRun` with more possibly due (the next run goes on). */
  more: boolean;
}

/** The retention period of a partner in days (partners stored before the setting existed get the default). */
export function closedCasePiiDaysOf(partner: { retention?: { closedCasePiiDays?: number } }): number {
  return partner.retention?.closedCasePiiDays ?? DEFAULT_CLOSED_CASE_PII_DAYS;
}

/** Whether another request of the partner still keeps this customer's address (not erased). */
async function addressStillInUse(cases: CaseRepository, sr: SupportRequest): Promise<boolean> {
  let continuationToken: string | undefined;
  do {
    const page = await cases.searchCases(sr.partnerId, { customer: sr.customer.email }, { limit: 100, ...(continuationToken ? { continuationToken } : {}) });
    if (page.items.some((c) => c.caseId !== sr.caseId && c.resellerPartnerId === undefined && c.personalDataErasedAt === undefined)) return true;
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return false;
}

/** Outcome of {@link eraseCaseCustomerData}. */
export type CaseErasureOutcome = { kind: "erased"; blobsDeleted: number } | { kind: "deferred"; reason: string } | { kind: "skipped"; reason: string };

/**
 * Erases the customer's personal data of one closed request everywhere (steps in the module
 * comment) and records it in the audit log (key id `system`, action `EraseCustomerData`).
 * @param at - ISO 8601 UTC instant of the erasure.
 * @returns `erased`, `deferred` (its workflow still runs) or `skipped` (absent, not closed, erased before).
 * @throws Error when storage or the Durable extension fails (nothing is marked erased then).
 */
export async function eraseCaseCustomerData(deps: CustomerDataRetentionDeps, partnerId: string, caseId: string, at: string): Promise<CaseErasureOutcome> {
  const sr = await deps.cases.getCase(partnerId, caseId);
  if (!sr) return { kind: "skipped", reason: "not found" };
  if (sr.personalDataErasedAt !== undefined) return { kind: "skipped", reason: "erased before" };
  if (sr.status !== "closed") return { kind: "skipped", reason: `${sr.status}, not closed` };
  const status = await deps.workflow.getStatus(caseId);
  if (status && !isTerminalRuntimeStatus(status.runtimeStatus)) return { kind: "deferred", reason: `its workflow is ${status.runtimeStatus}` };
  const { inboundBlobs } = await deps.inboundLog.eraseCase(partnerId, caseId);
  let blobsDeleted = await deps.blobs.deleteInbound([...inboundBlobs, ...(sr.inboundEmail ? [sr.inboundEmail.blobName] : [])]);
  blobsDeleted += await deps.blobs.deleteCaseAttachments(partnerId, caseId);
  await deps.notifications.eraseCase(partnerId, caseId);
  await deps.inbox.deleteCase(partnerId, caseId);
  if (sr.customer.email !== ERASED_EMAIL && !(await addressStillInUse(deps.cases, sr))) await deps.directory.forgetAddress(partnerId, sr.customer.email);
  if (status) await deps.workflow.purgeHistory(caseId);
  await deps.cases.erasePersonalData(partnerId, caseId, at);
  await deps.auditLog.record({ at, partnerId, keyId: "system", action: "EraseCustomerData", method: "TIMER", path: `/api/partners/${partnerId}/support-requests/${caseId}`, status: 200, sourceIp: "system" });
  return { kind: "erased", blobsDeleted };
}

/**
 * One retention run over every partner: erases the requests closed longer ago than the partner's
 * `retention.closedCasePiiDays` (oldest first), then what the email intake keeps about mail
 * received before that cutoff that belongs to no request (and the partner notices about it),
 * bounded by `options.maxPerRun`. A failing request is reported and left for the next run.
 * @throws Error when storage fails outside a single request (listing partners or cases).
 */
export async function eraseExpiredCustomerData(deps: CustomerDataRetentionDeps, options: CustomerDataRetentionOptions): Promise<CustomerDataRetentionReport> {
  const report: CustomerDataRetentionReport = { erased: [], deferred: [], failed: [], inboundEntriesErased: 0, blobsDeleted: 0, more: false };
  const now = deps.clock.now();
  let caseBudget = options.maxPerRun;
  let entryBudget = options.maxPerRun;
  for (const partner of await deps.partners.listPartners()) {
    const cutoff = new Date(now.getTime() - closedCasePiiDaysOf(partner) * DAY_IN_MS).toISOString();
    if (caseBudget > 0) {
      const due = await deps.cases.listErasableCases(partner.id, cutoff, caseBudget);
      if (due.length >= caseBudget) report.more = true;
      for (const { caseId } of due) {
        caseBudget--;
        try {
          const outcome = await eraseCaseCustomerData(deps, partner.id, caseId, deps.clock.now().toISOString());
          if (outcome.kind === "erased") {
            report.erased.push({ partnerId: partner.id, caseId });
            report.blobsDeleted += outcome.blobsDeleted;
          } else if (outcome.kind === "deferred") report.deferred.push({ partnerId: partner.id, caseId, reason: outcome.reason });
        } catch (e) {
          report.failed.push({ partnerId: partner.id, caseId, error: (e as Error).message ?? String(e) });
          options.onError?.(partner.id, caseId, e);
        }
      }
    } else report.more = true;
    if (entryBudget > 0) {
      const swept = await deps.inboundLog.eraseBefore(partner.id, cutoff, entryBudget);
      if (swept.entries >= entryBudget) report.more = true;
      entryBudget -= swept.entries;
      report.blobsDeleted += (await deps.blobs.deleteInbound(swept.inboundBlobs)) + (await deps.blobs.deleteQuarantine(swept.quarantineBlobs));
      const notices = await deps.notifications.eraseCase(partner.id, INBOUND_NOTICE_SCOPE, { sentBefore: cutoff });
      report.inboundEntriesErased += swept.entries + notices;
      if (swept.entries + notices > 0) {
        await deps.auditLog.record({ at: deps.clock.now().toISOString(), partnerId: partner.id, keyId: "system", action: "EraseInboundEmail", method: "TIMER", path: `/api/partners/${partner.id}/inbound-email`, status: 200, sourceIp: "system" });
      }
    } else report.more = true;
  }
  return report;
}
