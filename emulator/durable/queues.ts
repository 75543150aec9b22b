/**
 * The task hub's persisted queues (Azure Storage provider layout, docs/local-host.md "How Azure stores
 * it"): control queues `<hub>-control-00..NN` carry every message addressed to an orchestration
 * instance, partitioned by a hash of the instance id, and `<hub>-workitems` carries activity
 * executions. Messages are JSON; bodies over 45 KB are spilled to the `<hub>Payloads` table, as the
 * provider spills large messages to blobs. A timer due later than the far-timer threshold waits in
 * the `<hub>Timers` table instead of hidden in its control queue (local only: Azurite's queue
 * receive walks every message of the queue, hidden or not, so thousands of waiting timers made
 * every receive slow), and is moved to the queue shortly before it is due.
 */
import { randomUUID } from "node:crypto";
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import { odata, type TableClient } from "@azure/data-tables";
import { createTableClient, ensureTable, getLargeString, setLargeString, statusOf, assertEntitySize } from "./tableUtil";

/** Fields every message carries. */
interface MessageBase {
  /** Unique message id (GUID) used to dedupe redeliveries. */
  Id: string;
  InstanceId: string;
  /** Target execution; absent for messages addressed to whatever execution is current. */
  ExecutionId?: string;
}

/** Options of a send. */
export interface SendOptions {
  /**
   * Runs once the message is stored and before this host works on it in-process (a message sent
   * visible, when no slot was free, may already be received elsewhere). Its error is thrown after
   * the send; the message stays and is worked on when its lease ends.
   */
  beforeDispatch?: () => Promise<void>;
}

/** Parent of a sub-orchestration, as carried by its ExecutionStarted message. */
export interface ParentInfo {
  InstanceId: string;
  ExecutionId: string;
  Name: string;
  TaskScheduledId: number;
}

/** Messages of the control queues (one orchestration instance each). */
export type ControlMessage =
  | (MessageBase & {
      kind: "ExecutionStarted";
      ExecutionId: string;
      Name: string;
      Input: string | null;
      Parent?: ParentInfo;
      IsContinueAsNew?: boolean;
      CarriedMessageIds?: string[];
      /**
       * True when the start found no instance row (a new instance id): no history of an earlier
       * execution can be stored, so the first episode skips looking for one to delete.
       */
      NewInstance?: boolean;
    })
  | (MessageBase & { kind: "TaskCompleted"; TaskScheduledId: number; Result: string | null })
  | (MessageBase & { kind: "TaskFailed"; TaskScheduledId: number; Reason: string; Details: string })
  | (MessageBase & { kind: "SubOrchestrationInstanceCompleted"; TaskScheduledId: number; Result: string | null })
  | (MessageBase & { kind: "SubOrchestrationInstanceFailed"; TaskScheduledId: number; Reason: string; Details: string })
  | (MessageBase & { kind: "TimerFired"; TimerId: number; FireAt: string })
  | (MessageBase & { kind: "EventRaised"; Name: string; Input: string | null })
  | (MessageBase & { kind: "Terminate" | "Suspend" | "Resume"; Reason: string | null });

/** Message of the work-item queue: one activity execution. */
export interface ActivityMessage extends MessageBase {
  kind: "Activity";
  ExecutionId: string;
  TaskScheduledId: number;
  Name: string;
  /** JSON string or null. */
  Input: string | null;
}

/** A message as received: body plus what is needed to delete or hide it again. */
export interface Received<T> {
  queue: QueueClient;
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  body: T;
  /** True when the body was spilled to the `<hub>Payloads` table (deleted with the message). */
  spilled?: boolean;
  /**
   * Set on an activity's result applied in-process (local only): the body was never queued, and the
   * work item it answers stands for it; deleting this message deletes that work item, once the
   * result is in the instance's history. A crash before then leaves the work item to reappear after
   * its lease, and the activity runs again (activities run at least once).
   */
  carrier?: Received<ActivityMessage>;
}

/** Spill threshold in characters (the Azure Storage provider spills messages over 45 KB to blobs). */
const SPILL_CHARS = 45 * 1024;
/** Longest delay of a queue message: 7 days minus a minute (Azure Storage limit). */
export const MAX_DELAY_MS = 7 * 24 * 3600 * 1000 - 60_000;
/** Default far-timer threshold (ms): timers due later wait in the `<hub>Timers` table. */
export const FAR_TIMER_MS = 120_000;
/** PartitionKey of the parked timers (one partition: a release is one range query by due time). */
const TIMER_PARTITION = "timers";

/** RowKey of a parked timer: its due instant (ISO 8601 UTC, so keys sort by due time), then its message id. */
function timerRowKey(fireAt: string, messageId: string): string {
  return `${new Date(Date.parse(fireAt)).toISOString()}|${messageId}`;
}

/**
 * Control-queue partition of an instance: FNV-1a hash of the instance id's UTF-8 bytes modulo the
 * partition count, as the Azure Storage provider computes it (`Fnv1aHashHelper`), so an instance
 * lands in the same `<hub>-control-NN` queue locally and in Azure.
 */
export function partitionOf(instanceId: string, partitionCount: number): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(instanceId, "utf8")) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitionCount;
}

/** Access to the control queues, the work-item queue and the payload spill table of one task hub. */
export class TaskHubQueues {
  /** Control queues, by partition index. */
  readonly control: QueueClient[];
  /** The activity work-item queue. */
  readonly workItems: QueueClient;
  private readonly payloads: TableClient;
  private readonly timers: TableClient;
  /** Timers due later than this (ms) are parked in `<hub>Timers` until {@link releaseDueTimers} moves them. */
  readonly farTimerMs: number;
  /**
   * Called after this process put a message on a queue (a send, or a message hidden again), with
   * the delay in ms after which it becomes visible; the engine wakes that queue's poller.
   */
  onEnqueued?: (queue: QueueClient, visibleInMs: number) => void;
  /**
   * In-process dispatch of messages this process sends (set by the engine). A message due now that
   * `reserve` accepts is sent hidden for `leaseInMs`, as if this process had just received it, and
   * handed to `dispatch` with its pop receipt: the engine works on it at once, without waiting for a
   * receive, and deletes it when done; if the process stops first, the message becomes visible when
   * the lease ends and is received again (at least once, as a received message). `release` undoes a
   * reservation whose send failed.
   */
  localDispatch?: {
    leaseInMs: number;
    reserve(queue: QueueClient): boolean;
    release(queue: QueueClient): void;
    dispatch(message: Received<ControlMessage | ActivityMessage>): void;
  };

  /**
   * @param connectionString - storage connection string (Azurite).
   * @param hub - task hub name; queue names use it lower-cased.
   * @param partitionCount - number of control queues, 1–16.
   * @param options.farTimerMs - the far-timer threshold in ms (default {@link FAR_TIMER_MS}).
   */
  constructor(connectionString: string, hub: string, readonly partitionCount: number, options: { farTimerMs?: number } = {}) {
    const service = QueueServiceClient.fromConnectionString(connectionString);
    const lower = hub.toLowerCase();
    this.control = Array.from({ length: partitionCount }, (_, i) => service.getQueueClient(`${lower}-control-${String(i).padStart(2, "0")}`));
    this.workItems = service.getQueueClient(`${lower}-workitems`);
    this.payloads = createTableClient(connectionString, `${hub}Payloads`);
    this.timers = createTableClient(connectionString, `${hub}Timers`);
    this.farTimerMs = options.farTimerMs ?? FAR_TIMER_MS;
  }

  /** Creates the queues, the payload table and the timer table if missing. */
  async ensure(): Promise<void> {
    await Promise.all([...this.control, this.workItems].map((q) => q.createIfNotExists()));
    await Promise.all([ensureTable(this.payloads), ensureTable(this.timers)]);
  }

  /** The control queue of an instance. */
  controlQueueOf(instanceId: string): QueueClient {
    const q = this.control[partitionOf(instanceId, this.partitionCount)];
    if (!q) throw new Error("control queue index out of range");
    return q;
  }

  /**
   * Sends a control message to the instance's control queue; a TimerFired due in more than
   * {@link farTimerMs} is parked in the timer table instead (one upsert, keyed by due time and
   * message id, so sending it again stores it once).
   * @param delayInMs - initial invisibility (timers), capped at {@link MAX_DELAY_MS}; 0 by default.
   * @param options - what runs between the send and this host's own work on the message ({@link SendOptions}).
   */
  async sendControl(message: ControlMessage, delayInMs = 0, options: SendOptions = {}): Promise<void> {
    if (message.kind === "TimerFired" && delayInMs > this.farTimerMs) {
      const entity: Record<string, unknown> = { partitionKey: TIMER_PARTITION, rowKey: timerRowKey(message.FireAt, message.Id) };
      setLargeString(entity, "Body", JSON.stringify(message));
      assertEntitySize(entity, `Timer for instance ${message.InstanceId}`);
      await this.timers.upsertEntity(entity as { partitionKey: string; rowKey: string }, "Replace");
      await options.beforeDispatch?.();
      return;
    }
    await this.send(this.controlQueueOf(message.InstanceId), message, delayInMs, options);
  }

  /**
   * Moves the parked timers due within `horizonInMs` to their control queues (hidden until due, or
   * visible when overdue) and deletes their rows. At least once: a crash between a send and its
   * delete sends that timer again on the next release, and the episode ignores a second TimerFired
   * of a timer. An unreadable row is deleted with a warning, as an unreadable queue message is.
   * @returns how many timers were moved.
   * @throws Error when storage fails (the rows not yet moved stay for the next release).
   */
  async releaseDueTimers(horizonInMs: number, warn: (m: string) => void): Promise<number> {
    const until = new Date(Date.now() + horizonInMs).toISOString();
    let moved = 0;
    for await (const row of this.timers.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${TIMER_PARTITION} and RowKey lt ${until}` } })) {
      const rowKey = String(row.rowKey);
      let message: ControlMessage | undefined;
      try {
        message = JSON.parse(getLargeString(row, "Body") ?? "null") as ControlMessage;
        if (message?.kind !== "TimerFired") throw new Error("not a TimerFired message");
      } catch (e) {
        warn(`Dropping unreadable timer ${rowKey}: ${(e as Error).message}`);
        message = undefined;
      }
      if (message?.kind === "TimerFired") {
        await this.send(this.controlQueueOf(message.InstanceId), message, Date.parse(message.FireAt) - Date.now());
        moved++;
      }
      try {
        await this.timers.deleteEntity(TIMER_PARTITION, rowKey);
      } catch (e) {
        if (statusOf(e) !== 404) throw e;
      }
    }
    return moved;
  }

  /** Sends an activity work item. */
  async sendWorkItem(message: ActivityMessage): Promise<void> {
    await this.send(this.workItems, message, 0);
  }

  private async send(queue: QueueClient, message: ControlMessage | ActivityMessage, delayInMs: number, options: SendOptions = {}): Promise<void> {
    let text = JSON.stringify(message);
    const spilled = text.length > SPILL_CHARS;
    if (spilled) {
      const entity: Record<string, unknown> = { partitionKey: message.Id, rowKey: "" };
      setLargeString(entity, "Body", text);
      assertEntitySize(entity, `Message for instance ${message.InstanceId}`);
      await this.payloads.upsertEntity(entity as { partitionKey: string; rowKey: string }, "Replace");
      text = JSON.stringify({ Id: message.Id, InstanceId: message.InstanceId, PayloadRef: message.Id });
    }
    const delaySec = Math.max(0, Math.min(Math.floor(delayInMs / 1000), Math.floor(MAX_DELAY_MS / 1000)));
    const local = delaySec === 0 && this.localDispatch?.reserve(queue) === true ? this.localDispatch : undefined;
    if (!local) {
      await queue.sendMessage(text, { visibilityTimeout: delaySec, messageTimeToLive: -1 });
      this.onEnqueued?.(queue, delaySec * 1000);
      await options.beforeDispatch?.();
      return;
    }
    let sent: { messageId: string; popReceipt: string };
    try {
      sent = await queue.sendMessage(text, { visibilityTimeout: Math.max(1, Math.ceil(local.leaseInMs / 1000)), messageTimeToLive: -1 });
      await options.beforeDispatch?.();
    } catch (e) {
      // A message sent and not dispatched reappears when its lease ends, as a received one would.
      local.release(queue);
      throw e;
    }
    local.dispatch({ queue, messageId: sent.messageId, popReceipt: sent.popReceipt, dequeueCount: 1, body: message, spilled });
  }

  /**
   * Receives up to `max` messages (at most 32) and hides them for `visibilityInMs`.
   * Spilled bodies are loaded; unreadable messages are deleted with a warning.
   */
  async receive<T>(queue: QueueClient, max: number, visibilityInMs: number, warn: (m: string) => void): Promise<Received<T>[]> {
    const res = await queue.receiveMessages({ numberOfMessages: Math.min(32, Math.max(1, max)), visibilityTimeout: Math.max(1, Math.ceil(visibilityInMs / 1000)) });
    const out: Received<T>[] = [];
    for (const m of res.receivedMessageItems) {
      try {
        let body = JSON.parse(m.messageText) as Record<string, unknown>;
        const spilled = typeof body.PayloadRef === "string";
        if (typeof body.PayloadRef === "string") {
          const entity = await this.payloads.getEntity<Record<string, unknown>>(body.PayloadRef, "");
          body = JSON.parse(getLargeString(entity, "Body") ?? "null") as Record<string, unknown>;
        }
        out.push({ queue, messageId: m.messageId, popReceipt: m.popReceipt, dequeueCount: m.dequeueCount, body: body as T, spilled });
      } catch (e) {
        warn(`Dropping unreadable message ${m.messageId} from ${queue.name}: ${(e as Error).message}`);
        await queue.deleteMessage(m.messageId, m.popReceipt).catch(() => undefined);
      }
    }
    return out;
  }

  /**
   * Deletes a received message, and its payload row when the body was spilled (only then: a small
   * message has no row, and deleting it would be a request known to fail); a message already gone
   * (404) is ignored. A result applied in-process ({@link Received.carrier}) deletes its work item.
   */
  async delete(message: Received<{ Id: string }>): Promise<void> {
    if (message.carrier) return this.delete(message.carrier);
    try {
      await message.queue.deleteMessage(message.messageId, message.popReceipt);
    } catch (e) {
      if (statusOf(e) !== 404 && statusOf(e) !== 400) throw e;
    }
    if (message.spilled) await this.payloads.deleteEntity(message.body.Id, "").catch(() => undefined);
  }

  /** Hides a received message again for `visibilityInMs` (keeps it for redelivery); updates its pop receipt. */
  async hide(message: Received<unknown>, visibilityInMs: number): Promise<void> {
    try {
      const seconds = Math.max(0, Math.floor(visibilityInMs / 1000));
      const r = await message.queue.updateMessage(message.messageId, message.popReceipt, undefined, seconds);
      if (r.popReceipt) message.popReceipt = r.popReceipt;
      this.onEnqueued?.(message.queue, seconds * 1000);
    } catch (e) {
      if (statusOf(e) !== 404 && statusOf(e) !== 400) throw e;
    }
  }
}

/** A fresh message id. */
export function newMessageId(): string {
  return randomUUID();
}
