/**
 * The sweep for inbound email no trigger ever ran on. On Flex Consumption the blob trigger runs
 * only when Event Grid delivers the blob's `BlobCreated` event, and Event Grid drops an event it
 * could not deliver: at once when the webhook answers 400, 401, 403 or 413 (a rotated
 * `blobs_extension` key), after 24 hours of retries otherwise (the app down), or never sends it
 * when the subscription is missing (Microsoft Learn, "Event Grid message delivery and retry"). The
 * message then sits in `inbound-email`, processed by nobody.
 *
 * Every hour the sweep looks at the blobs created since its last run (less a grace period that
 * leaves the normal path its time) and hands each one without an inbound log entry to the retry
 * path of the blob trigger's poison queue (shared/services/inboundEmail/poisonedEmail.ts), which
 * processes it, retrying and finally quarantining as for any failing message. A message that is
 * being delivered late meanwhile is processed once all the same: the pipeline is idempotent.
 */
import { INBOUND_EMAIL_CONTAINER } from "../../contracts";
import type { InboundEmailBlobStore, InboundEmailLog, InboundEmailRetryQueue } from "../../ports";
import { partnerIdOfBlobName } from "./blobNames";

/** How long after its creation a blob is left to its trigger before the sweep takes it, ms (30 min). */
export const UNPROCESSED_GRACE_MS = 30 * 60_000;
/** How far back the first sweep looks (no earlier run recorded), ms (8 days: the Event Grid retry day and a week). */
export const FIRST_SWEEP_LOOKBACK_MS = 8 * 24 * 3_600_000;
/** How much each window reaches back before the previous run, ms (1 h): a run that failed is covered by the next. */
export const SWEEP_OVERLAP_MS = 3_600_000;
/** `FunctionId` of the messages the sweep enqueues (the host writes `<app>.Functions.<name>`). */
export const SWEEP_FUNCTION_ID = "SweepUnprocessedInboundEmail";

/** Dependencies of {@link sweepUnprocessedInboundEmail}. */
export interface UnprocessedSweepDeps {
  blobs: Pick<InboundEmailBlobStore, "listInboundCreated">;
  inboundLog: Pick<InboundEmailLog, "hasLogEntry">;
  retries: InboundEmailRetryQueue;
}

/** What one sweep did. */
export interface UnprocessedSweepReport {
  /** The window swept: blobs created after `after` and until `until` (ISO 8601 UTC). */
  after: string;
  until: string;
  /** Blobs created in the window. */
  checked: number;
  /** Blob names handed to the retry path (no inbound log entry). */
  enqueued: string[];
  /** Blob names outside any partner's folder (left alone; the trigger leaves them too). */
  skipped: string[];
}

/**
 * The window of a sweep run at `now`: from the previous run's time less the grace period and
 * {@link SWEEP_OVERLAP_MS} (or {@link FIRST_SWEEP_LOOKBACK_MS} before `now` for a first run) to
 * `now` less the grace period, so consecutive runs cover every creation time, the last hour twice
 * (a blob still unprocessed then is enqueued again, which the pipeline makes harmless).
 * @param now - the run's time.
 * @param lastRun - the previous run's time (the timer's `scheduleStatus.last`), if any.
 * @param graceInMs - see {@link UNPROCESSED_GRACE_MS}.
 */
export function sweepWindow(now: Date, lastRun: Date | undefined, graceInMs: number = UNPROCESSED_GRACE_MS): { after: Date; until: Date } {
  const until = new Date(now.getTime() - graceInMs);
  const earliest = new Date(now.getTime() - FIRST_SWEEP_LOOKBACK_MS);
  const from = lastRun && Number.isFinite(lastRun.getTime()) && lastRun > earliest ? new Date(lastRun.getTime() - graceInMs - SWEEP_OVERLAP_MS) : earliest;
  return { after: from < until ? from : until, until };
}

/**
 * Hands every blob created in `(after, until]` that has no inbound log entry to the retry path
 * (a message on `webjobs-blobtrigger-poison`, due at once).
 * @returns what was checked and enqueued.
 * @throws Error when storage fails (what was enqueued stays enqueued; the next run's window overlaps).
 */
export async function sweepUnprocessedInboundEmail(deps: UnprocessedSweepDeps, window: { after: Date; until: Date }): Promise<UnprocessedSweepReport> {
  const report: UnprocessedSweepReport = { after: window.after.toISOString(), until: window.until.toISOString(), checked: 0, enqueued: [], skipped: [] };
  for (const blobName of await deps.blobs.listInboundCreated(window.after, window.until)) {
    report.checked++;
    const partnerId = partnerIdOfBlobName(blobName);
    if (!partnerId) {
      report.skipped.push(blobName);
      continue;
    }
    if (await deps.inboundLog.hasLogEntry(partnerId, blobName)) continue;
    await deps.retries.schedule({ Type: "BlobTrigger", FunctionId: SWEEP_FUNCTION_ID, BlobType: "BlockBlob", ContainerName: INBOUND_EMAIL_CONTAINER, BlobName: blobName }, 0);
    report.enqueued.push(blobName);
  }
  return report;
}
