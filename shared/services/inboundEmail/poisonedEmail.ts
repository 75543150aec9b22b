/**
 * Inbound email the blob trigger gave up on. The Functions host tries a blob `poisonBlobThreshold`
 * times (default 5), back to back, then writes `{FunctionId, BlobType, ContainerName, BlobName,
 * ETag}` to the queue `webjobs-blobtrigger-poison` and never tries it again (Microsoft Learn, "Azure
 * Blob storage trigger for Azure Functions", poison blobs). A storage or Durable outage of a few
 * seconds would leave a customer's email unprocessed, seen by nobody. This takes each such message
 * back and tries it again with growing delays ({@link InboundEmailFailurePolicy}: 10 s doubling to
 * 15 min, for up to a day; a fault no adapter classified at most 5 times); a permanent fault, or
 * the day over, quarantines it as `processing-failed` (listed, partner emailed) — so every
 * accepted message ends as processed or as visibly quarantined.
 */
import { z } from "zod";
import { BLOB_TRIGGER_POISON_QUEUE, errorText, FaultSchema, INBOUND_EMAIL_CONTAINER, InboundEmailFailurePolicy, retryDelayInMs, shouldRetry, type Fault, type InboundEmailOutcome, type ProcessInboundEmailResult } from "../../contracts";
import type { InboundEmailRetryQueue } from "../../ports";
import { partnerIdOfBlobName } from "./blobNames";
import { processInboundEmail, quarantineUnprocessable, type InboundEmailDeps } from "./processInboundEmail";

/**
 * A message of the blob trigger's poison queue: the host's fields (PascalCase, as it writes them)
 * and the fields this module adds when it schedules another attempt. Unknown fields are kept.
 */
export const PoisonedBlobMessageSchema = z
  .object({
    /** `<app name>.Functions.<function name>` (Azure) or `Host.Functions.<name>` (local host). */
    FunctionId: z.string().optional(),
    BlobType: z.string().optional(),
    ContainerName: z.string().min(1),
    BlobName: z.string().min(1),
    ETag: z.string().optional(),
    /** Attempts this module has made (the host's own attempts not counted). */
    RetryAttempts: z.number().int().min(1).optional(),
    /** When this module's first attempt failed, ISO 8601 UTC. */
    FirstFailedAt: z.iso.datetime().optional(),
    /** The fault of the last failed attempt. */
    LastFault: FaultSchema.optional(),
  })
  .passthrough();

/** A parsed {@link PoisonedBlobMessageSchema} message. */
export type PoisonedBlobMessage = z.infer<typeof PoisonedBlobMessageSchema>;

/** Dependencies of {@link retryPoisonedInboundEmail}. */
export interface PoisonedEmailDeps extends InboundEmailDeps {
  /** Where the next attempt is scheduled (the poison queue, with a visibility delay). */
  retries: InboundEmailRetryQueue;
  /** The fault of an error thrown by the intake (shared/adapters/faults.ts: adapters' own, storage, Durable client, else `unexpected`). */
  classify: (error: unknown) => Fault;
}

/** What became of one poison message. */
export type PoisonedEmailOutcome =
  /** Processed this time (a new request, a reply, noise, or a quarantine by its content). */
  | { kind: "processed"; attempt: number; result: ProcessInboundEmailResult }
  /** Failed again with a transient fault: attempt `attempt + 1` is due in `delayInMs` (ms). */
  | { kind: "retry-scheduled"; attempt: number; delayInMs: number; fault: Fault }
  /** Given up: quarantined as `processing-failed`; `noticeFailed` when the partner's email could not be sent. */
  | { kind: "quarantined"; attempt: number; fault: Fault; outcome: InboundEmailOutcome; noticeFailed?: string }
  /** The blob no longer exists (erased by retention or by hand): nothing to process. */
  | { kind: "blob-gone"; blobName: string }
  /**
   * Not an inbound email: another container's blob, a blob outside any partner, or a message this
   * module cannot read. The caller fails the invocation, so the queue trigger moves the message to
   * `webjobs-blobtrigger-poison-poison`, where it stays for the operator.
   */
  | { kind: "not-inbound-email"; reason: string };

/** A duration for people: `25 h`, `4.5 min`, `12 s`. */
function duration(ms: number): string {
  return ms >= 3_600_000 ? `${Math.round(ms / 360_000) / 10} h` : ms >= 60_000 ? `${Math.round(ms / 6_000) / 10} min` : `${Math.round(ms / 100) / 10} s`;
}

/**
 * Tries a poisoned inbound email again.
 *
 * Each attempt runs the same idempotent pipeline as the blob trigger ({@link processInboundEmail}).
 * When it fails, the next attempt is enqueued (the message with `RetryAttempts`, `FirstFailedAt`,
 * `LastFault`) before this one completes, so a crash in between leaves two messages, never none
 * (the pipeline makes the second a no-op). `Retry-After` of a throttled dependency is honoured.
 * @param deps - the intake's dependencies, the retry queue and the fault classifier.
 * @param body - the queue message as the trigger delivers it: an object, or its JSON text.
 * @returns what happened (see {@link PoisonedEmailOutcome}).
 * @throws Error when storage fails while scheduling the next attempt or writing the quarantine, or
 *   when the blob could not be read by the time the intake gives up: the queue trigger retries the
 *   message, and after its `maxDequeueCount` moves it to `webjobs-blobtrigger-poison-poison` (kept,
 *   never deleted).
 */
export async function retryPoisonedInboundEmail(deps: PoisonedEmailDeps, body: unknown): Promise<PoisonedEmailOutcome> {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return { kind: "not-inbound-email", reason: `a ${BLOB_TRIGGER_POISON_QUEUE} message that is not JSON` };
    }
  }
  const parsed = PoisonedBlobMessageSchema.safeParse(value);
  if (!parsed.success) return { kind: "not-inbound-email", reason: `a ${BLOB_TRIGGER_POISON_QUEUE} message without ContainerName and BlobName` };
  const message = parsed.data;
  if (message.ContainerName !== INBOUND_EMAIL_CONTAINER) return { kind: "not-inbound-email", reason: `blob ${message.ContainerName}/${message.BlobName} is not in ${INBOUND_EMAIL_CONTAINER}` };
  const partnerId = partnerIdOfBlobName(message.BlobName);
  if (!partnerId) return { kind: "not-inbound-email", reason: `blob ${message.BlobName} does not start with a partner id` };

  const attempt = (message.RetryAttempts ?? 0) + 1;
  let raw: Uint8Array | undefined;
  try {
    raw = await deps.blobs.getInbound(message.BlobName);
    if (!raw) return { kind: "blob-gone", blobName: message.BlobName };
    return { kind: "processed", attempt, result: await processInboundEmail(deps, { partnerId, blobName: message.BlobName, raw }) };
  } catch (error) {
    const fault = deps.classify(error);
    const now = deps.clock.now();
    const firstFailedAt = message.FirstFailedAt ?? now.toISOString();
    const failedSinceInMs = Math.max(0, now.getTime() - Date.parse(firstFailedAt));
    const delayInMs = retryDelayInMs(InboundEmailFailurePolicy, attempt, fault.retryAfterInMs);
    if (shouldRetry(InboundEmailFailurePolicy, fault, attempt, failedSinceInMs, delayInMs)) {
      await deps.retries.schedule({ ...message, RetryAttempts: attempt, FirstFailedAt: firstFailedAt, LastFault: fault }, delayInMs);
      return { kind: "retry-scheduled", attempt, delayInMs, fault };
    }
    const why =
      fault.class === "permanent"
        ? "a permanent fault"
        : fault.code === "unexpected"
          ? `${attempt} attempts with an unexpected error`
          : `${attempt} attempts over ${duration(failedSinceInMs)}`;
    const detail = `${fault.code}: ${fault.message} (given up after ${why}, besides the blob trigger's own attempts)`;
    // Without the bytes (the blob store itself kept failing) there is nothing to quarantine: the
    // queue trigger's own retries, then `…-poison-poison`, keep the message for the operator.
    if (!raw) throw error;
    const quarantined = await quarantineUnprocessable(deps, { partnerId, blobName: message.BlobName, raw }, detail);
    const { noticeFailed, ...outcome } = quarantined;
    return { kind: "quarantined", attempt, fault, outcome, ...(noticeFailed !== undefined ? { noticeFailed: errorText(noticeFailed) } : {}) };
  }
}
