/**
 * {@link InboundEmailRetryQueue} over Azure Queue Storage (Azurite locally): the next attempt at an
 * inbound message is a message on the blob trigger's poison queue (`webjobs-blobtrigger-poison`),
 * sent with a visibility timeout, so no worker waits while it is due.
 *
 * Messages are base64-encoded JSON, as the Functions host writes that queue and as the queue
 * trigger decodes it by default (`messageEncoding: base64`). With an identity-based connection the
 * identity needs "Storage Queue Data Contributor" (infra/ grants it for the Durable task hub).
 */
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { BLOB_TRIGGER_POISON_QUEUE } from "../contracts";
import type { InboundEmailRetryQueue } from "../ports";

/** Longest visibility timeout Azure Queue Storage accepts: 7 days, in seconds (Put Message). */
export const MAX_QUEUE_VISIBILITY_TIMEOUT_SECONDS = 7 * 24 * 3600;

/**
 * Options of {@link QueueInboundEmailRetries}: a connection string or a queue service URI with a
 * token credential; `queueName` defaults to `webjobs-blobtrigger-poison` (another name only for tests).
 */
export type QueueInboundEmailRetriesOptions = { queueName?: string } & (
  | { connectionString: string }
  | {
      /** `https://<account>.queue.core.windows.net` or `AzureWebJobsStorage__queueServiceUri`. */
      queueServiceUri: string;
      managedIdentityClientId?: string;
      credential?: TokenCredential;
    }
);

/** Schedules the intake's next attempt at an inbound message on the blob trigger's poison queue. */
export class QueueInboundEmailRetries implements InboundEmailRetryQueue {
  readonly #queue: QueueClient;
  #ready: Promise<void> | undefined;

  /** @param options - connection string, or queue service URI (+ credential). */
  constructor(options: QueueInboundEmailRetriesOptions) {
    // A try that has not answered in 35 s (the service's own limit is 30 s) is given up and tried
    // again: the SDK sets no limit by default.
    const clientOptions = { retryOptions: { tryTimeoutInMs: 35_000 } };
    const service =
      "connectionString" in options
        ? QueueServiceClient.fromConnectionString(options.connectionString, clientOptions)
        : new QueueServiceClient(options.queueServiceUri.replace(/\/+$/, ""), options.credential ?? new DefaultAzureCredential({ managedIdentityClientId: options.managedIdentityClientId }), clientOptions);
    this.#queue = service.getQueueClient(options.queueName ?? BLOB_TRIGGER_POISON_QUEUE);
  }

  /**
   * Sends the message, invisible for `delayInMs` rounded up to whole seconds (at most 7 days).
   * The queue is created on first use (the host creates it with its first poison message).
   * @throws RangeError when `delayInMs` is negative or not finite; RestError when storage fails.
   */
  async schedule(message: Readonly<Record<string, unknown>>, delayInMs: number): Promise<void> {
    if (!Number.isFinite(delayInMs) || delayInMs < 0) throw new RangeError(`delayInMs must be a finite number ≥ 0, got ${delayInMs}`);
    this.#ready ??= this.#queue.createIfNotExists().then(
      () => undefined,
      (e: unknown) => {
        this.#ready = undefined;
        throw e;
      },
    );
    await this.#ready;
    const visibilityTimeout = Math.min(MAX_QUEUE_VISIBILITY_TIMEOUT_SECONDS, Math.ceil(delayInMs / 1000));
    await this.#queue.sendMessage(Buffer.from(JSON.stringify(message), "utf8").toString("base64"), { visibilityTimeout, messageTimeToLive: -1 });
  }
}
