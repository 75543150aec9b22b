/**
 * Queue triggers, processed as the Azure Queue Storage extension does
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger):
 * messages are base64-decoded (`messageEncoding: base64`, the default), deleted after a successful
 * invocation, made visible again after a failure, and moved to `<queue>-poison` once they have been
 * dequeued `maxDequeueCount` times (host.json `extensions.queues.maxDequeueCount`, default 5).
 *
 * Polling backs off as the extension's does ("Polling algorithm"): after a receive that found
 * nothing the wait doubles, from `pollingIntervalInMs` up to `maxPollingIntervalInMs` (host.json
 * `extensions.queues.maxPollingInterval`, default 1 min); a receive that found messages starts
 * over. {@link QueueListeners.wake} polls a queue at once (the host wakes the listener of a queue
 * it wrote to itself: a blob trigger's poison message).
 */
import { QueueClient, QueueServiceClient, type DequeuedMessageItem } from "@azure/storage-queue";
import type { QueueFunction } from "./functionTable";
import { resolveSettingExpression, resolveStorageConnection } from "./settings";
import type { RpcTypedData } from "./worker/coreTypes";
import { invokeFunction } from "./worker/invoke";
import { QueuePoller } from "./durable/polling";

/** Options of {@link startQueueListeners}. */
export interface QueueListenerOptions {
  /** Dequeues after which a failing message goes to the poison queue; default 5 as the host. */
  maxDequeueCount?: number;
  /** First wait after a receive that found nothing, in ms; default 1000. */
  pollingIntervalInMs?: number;
  /** Longest wait between receives of an idle queue, in ms; default 60000 (host.json `maxPollingInterval`). */
  maxPollingIntervalInMs?: number;
  /** Messages fetched per poll; default 16 as the host's `batchSize`. */
  batchSize?: number;
  /** How long a fetched message stays invisible while processed, in seconds; default 600 as the host. */
  visibilityTimeoutInSeconds?: number;
  /** Further input bindings of a function (e.g. a durableClient payload), built per invocation. */
  extraInputs?: (fn: QueueFunction) => Record<string, RpcTypedData>;
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
}

/** Running listeners. */
export interface QueueListeners {
  /** Stops polling and waits for in-flight invocations. */
  stop(): Promise<void>;
  /** Ends the idle wait of the listener of `queueName` (case-insensitive), if any: it receives at once. */
  wake(queueName: string): void;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes a stored message as the extension does with `messageEncoding: base64`.
 * @returns the text, or undefined when the message is not valid base64 (the extension cannot
 *   decode it and moves it to the poison queue).
 */
export function decodeQueueMessage(messageText: string): string | undefined {
  const t = messageText.trim();
  if (t.length % 4 !== 0 || !BASE64.test(t)) return undefined;
  return Buffer.from(t, "base64").toString("utf8");
}

/** Trigger metadata the host sends for a queue message (PascalCase; the library camel-cases it). */
export function queueTriggerMetadata(m: DequeuedMessageItem, text: string): Record<string, RpcTypedData> {
  const json = (v: unknown): RpcTypedData => ({ json: JSON.stringify(v) });
  return {
    Id: { string: m.messageId },
    DequeueCount: json(m.dequeueCount),
    InsertionTime: json(m.insertedOn.toISOString()),
    ExpirationTime: json(m.expiresOn.toISOString()),
    NextVisibleTime: json(m.nextVisibleOn.toISOString()),
    PopReceipt: { string: m.popReceipt },
    QueueTrigger: { string: text },
  };
}

/**
 * Starts one polling loop per queue-triggered function.
 * @throws Error when a function's connection setting or `%SETTING%` queue name is missing.
 */
export async function startQueueListeners(fns: QueueFunction[], options: QueueListenerOptions = {}): Promise<QueueListeners> {
  const log = options.log ?? (() => undefined);
  const maxDequeue = options.maxDequeueCount ?? 5;
  const idleMs = options.pollingIntervalInMs ?? 1000;
  const maxIdleMs = Math.max(idleMs, options.maxPollingIntervalInMs ?? 60_000);
  const batch = options.batchSize ?? 16;
  const visibility = options.visibilityTimeoutInSeconds ?? 600;
  let stopped = false;

  const targets = await Promise.all(
    fns.map(async (fn) => {
      const cs = resolveStorageConnection(fn.connection);
      if (!cs) throw new Error(`Function "${fn.name}": storage connection setting "${fn.connection || "AzureWebJobsStorage"}" is not set.`);
      const queueName = resolveSettingExpression(fn.queueName).toLowerCase();
      const service = QueueServiceClient.fromConnectionString(cs);
      const queue = service.getQueueClient(queueName);
      await queue.createIfNotExists();
      return { fn, queue, poison: service.getQueueClient(`${queueName}-poison`) };
    }),
  );

  async function toPoison(queue: QueueClient, poison: QueueClient, m: DequeuedMessageItem): Promise<void> {
    await poison.createIfNotExists();
    await poison.sendMessage(m.messageText);
    await queue.deleteMessage(m.messageId, m.popReceipt);
    log("warn", `Message ${m.messageId} moved to ${poison.name} after ${m.dequeueCount} dequeue(s).`);
  }

  async function processMessage(t: (typeof targets)[number], m: DequeuedMessageItem): Promise<void> {
    if (m.dequeueCount > maxDequeue) return toPoison(t.queue, t.poison, m);
    const text = decodeQueueMessage(m.messageText);
    if (text === undefined) {
      log("error", `Message ${m.messageId} of ${t.queue.name} is not valid base64 (messageEncoding: base64).`);
      return toPoison(t.queue, t.poison, m);
    }
    try {
      await invokeFunction(t.fn.name, {
        inputData: { ...(options.extraInputs?.(t.fn) ?? {}), [t.fn.triggerBinding]: { string: text } },
        triggerMetadata: queueTriggerMetadata(m, text),
      });
    } catch (e) {
      log("error", `Function "${t.fn.name}" failed on message ${m.messageId} (dequeue ${m.dequeueCount}): ${(e as Error).message}`);
      if (m.dequeueCount >= maxDequeue) return toPoison(t.queue, t.poison, m);
      await t.queue.updateMessage(m.messageId, m.popReceipt, undefined, 0);
      return;
    }
    await t.queue.deleteMessage(m.messageId, m.popReceipt);
  }

  /** Per queue its back-off and wake-up (the same poller as the Durable engine's queues). */
  const pollers = new Map<string, QueuePoller>();
  async function loop(t: (typeof targets)[number]): Promise<void> {
    const poller = new QueuePoller(idleMs, maxIdleMs);
    pollers.set(t.queue.name, poller);
    while (!stopped) {
      let items: DequeuedMessageItem[] = [];
      try {
        const r = await t.queue.receiveMessages({ numberOfMessages: batch, visibilityTimeout: visibility });
        items = r.receivedMessageItems;
      } catch (e) {
        log("warn", `Polling ${t.queue.name} failed: ${(e as Error).message}`);
      }
      await Promise.all(
        items.map((m) =>
          processMessage(t, m).catch((e: unknown) => log("error", `Queue message ${m.messageId}: ${(e as Error).message}`)),
        ),
      );
      const waitMs = poller.next(items.length > 0);
      if (waitMs > 0 && !stopped) await poller.sleep(waitMs);
    }
  }

  const loops = targets.map((t) => loop(t));
  return {
    async stop(): Promise<void> {
      stopped = true;
      for (const p of pollers.values()) p.close();
      await Promise.all(loops);
    },
    wake(queueName: string): void {
      pollers.get(queueName.toLowerCase())?.wake();
    },
  };
}
