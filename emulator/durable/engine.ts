/**
 * The local Durable Task engine: dispatches orchestrator episodes from the control queues and
 * activity executions from the work-item queue (Azure Storage provider layout in Azurite), and
 * implements the management operations of {@link DurableEngine} on the same storage.
 *
 * Concurrency: at most one episode per instance at a time (an in-process lock; one host process
 * per task hub), at most `maxConcurrentOrchestrations` episodes and `maxConcurrentActivities`
 * activity executions overall.
 */
import { randomUUID } from "node:crypto";
import { HistoryStore, type InstanceRecord } from "./historyStore";
import { TERMINAL_STATUSES } from "./historyTypes";
import { newMessageId, TaskHubQueues, type ActivityMessage, type ControlMessage, type Received } from "./queues";
import { parseJson, runEpisode, toJson, type EpisodeContext } from "./episode";
import { parseTimeSpan } from "./replay";
import { QueuePoller } from "./polling";
import { SessionCache } from "./sessionCache";
import { toApiHistory, toInstanceStatus } from "./statusView";
import { describeStorageError } from "./tableUtil";
import type { ControlResult, DurableEngine, DurableEngineOptions, FunctionInvoker, InstanceQuery, InstanceStatus, RaiseEventResult, RuntimeStatus } from "./types";

/** Timer messages due within this many ms are held in memory instead of being hidden again. */
const HOLD_MS = 2000;
/** Interval (ms) of the status reads of {@link LocalDurableEngine.waitForCompletion} (independent of the queue back-off). */
const STATUS_POLL_MS = 100;
/** Retry delay (ms) of an instance whose messages could not be applied yet (suspended, not started). */
const DEFERRED_RETRY_MS = 500;
/** Default interval (ms) of the moves of parked far timers to their control queues. */
const TIMER_SWEEP_MS = 60_000;

interface InstanceSlot {
  pending: Received<ControlMessage>[];
  running: boolean;
  retryTimer?: NodeJS.Timeout;
}

/** Error with a machine-readable `code` (`InstanceExists`, `OrchestratorNotFound`). */
export class DurableEngineError extends Error {
  /** @param code - machine-readable error code. */
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "DurableEngineError";
  }
}

/** The error of a start refused because the instance has not ended (the extension's "already exists"). */
function instanceExists(instanceId: string, runtimeStatus: string): DurableEngineError {
  return new DurableEngineError("InstanceExists", `An instance with ID '${instanceId}' already exists and is ${runtimeStatus}.`);
}

/** Implementation of {@link DurableEngine}; create it with `createDurableEngine`. */
export class LocalDurableEngine implements DurableEngine {
  readonly taskHubName: string;
  private readonly store: HistoryStore;
  private readonly queues: TaskHubQueues;
  private readonly ctx: EpisodeContext;
  private readonly pollMs: number;
  private readonly pollers = new Map<string, QueuePoller>();
  private readonly visibilityMs: number;
  private readonly maxActivities: number;
  private readonly maxOrchestrations: number;
  /** {@link DurableEngineOptions.controlQueueBufferThreshold}. */
  private readonly controlBufferThreshold: number;
  private readonly log: NonNullable<DurableEngineOptions["log"]>;
  private readonly invoker: FunctionInvoker;
  private ensured?: Promise<void>;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly slots = new Map<string, InstanceSlot>();
  private readonly waiting: string[] = [];
  private activeOrchestrations = 0;
  private activeActivities = 0;
  /** Work items this process sent to the queue for want of a free slot and has not seen received since. */
  private queuedWorkItems = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly holdTimers = new Set<NodeJS.Timeout>();
  private readonly timerSweepMs: number;
  /** The timer loop's pending wait, ended early by {@link stop}. */
  private timerSweepWait?: { timer: NodeJS.Timeout; resolve: () => void };

  /**
   * @param options - see {@link DurableEngineOptions}.
   * @throws Error when the task hub name is not alphanumeric, 3–45 characters, starting with a letter.
   */
  constructor(options: DurableEngineOptions) {
    if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(options.taskHubName)) {
      throw new Error(`Invalid task hub name "${options.taskHubName}": alphanumeric, 3–45 characters, starting with a letter.`);
    }
    this.invoker = options.invoker;
    const partitions = options.partitionCount ?? 4;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 16) throw new Error("partitionCount must be 1–16.");
    this.taskHubName = options.taskHubName;
    this.store = new HistoryStore(options.connectionString, options.taskHubName);
    this.timerSweepMs = Math.max(100, options.timerSweepIntervalInMs ?? TIMER_SWEEP_MS);
    // A timer is parked when due later than two sweeps, so a sweep moves it to its queue at least
    // one sweep interval before it is due.
    this.queues = new TaskHubQueues(options.connectionString, options.taskHubName, partitions, { farTimerMs: 2 * this.timerSweepMs });
    this.pollMs = options.pollingIntervalInMs ?? 100;
    const maxPollMs = Math.max(this.pollMs, parseTimeSpan(options.maxQueuePollingInterval ?? "00:00:30"));
    for (const q of [...this.queues.control, this.queues.workItems]) this.pollers.set(q.name, new QueuePoller(this.pollMs, maxPollMs));
    this.queues.onEnqueued = (queue, visibleInMs) => this.pollers.get(queue.name)?.wake(visibleInMs);
    this.visibilityMs = Math.max(2000, options.messageVisibilityTimeoutInMs ?? 30000);
    // Messages this host sends are worked on at once, not after a receive (an activity only while a
    // slot is free; otherwise it waits in the queue for the poller like any other).
    this.queues.localDispatch = {
      leaseInMs: this.visibilityMs,
      reserve: (queue) => {
        if (!this.running) return false;
        if (queue !== this.queues.workItems) return true;
        // First come, first served: while work items wait in the queue for a slot, a new one
        // queues behind them rather than taking the slot that frees first (a steady stream of new
        // activities would otherwise starve the queued ones).
        if (this.activeActivities >= this.maxActivities || this.queuedWorkItems > 0) {
          // Sent visible to the queue instead: the poller takes it, in queue order.
          this.queuedWorkItems++;
          return false;
        }
        this.activeActivities++;
        return true;
      },
      release: (queue) => {
        if (queue === this.queues.workItems) this.activeActivities--;
      },
      dispatch: (m) => {
        if (m.queue === this.queues.workItems) this.track(this.runActivity(m as Received<ActivityMessage>).finally(() => this.activeActivities--));
        else this.accept(m as Received<ControlMessage>);
      },
    };
    this.maxActivities = Math.max(1, options.maxConcurrentActivities ?? 10);
    this.maxOrchestrations = Math.max(1, options.maxConcurrentOrchestrations ?? 10);
    this.controlBufferThreshold = Math.min(1000, Math.max(1, options.controlQueueBufferThreshold ?? 256));
    this.log = options.log ?? ((level, message) => {
      if (level === "error") console.error(`[durable] ${message}`);
      else if (level === "warn" || process.env.EMULATOR_VERBOSE) console.log(`[durable] ${level}: ${message}`);
    });
    const maximumShortTimerDuration = options.maximumShortTimerDuration ?? "6.00:00:00";
    const longRunningTimerIntervalDuration = options.longRunningTimerIntervalDuration ?? "3.00:00:00";
    this.ctx = {
      store: this.store,
      queues: this.queues,
      invokeOrchestrator: (name, trigger) => {
        assertTrigger(this.invoker, name, "orchestrationTrigger");
        return this.invoker.invoke(name, trigger);
      },
      maximumShortTimerDuration,
      longRunningTimerIntervalDuration,
      maxShortTimerMs: parseTimeSpan(maximumShortTimerDuration),
      timerIntervalMs: parseTimeSpan(longRunningTimerIntervalDuration),
      log: (level, message) => this.log(level, message),
      cache: new SessionCache(options.sessionCacheInstances ?? 1000, options.sessionCacheEvents ?? 100_000),
    };
  }

  private ensure(): Promise<void> {
    this.ensured ??= Promise.all([this.store.ensure(), this.queues.ensure()]).then(() => undefined);
    this.ensured.catch(() => (this.ensured = undefined));
    return this.ensured;
  }

  async start(): Promise<void> {
    await this.ensure();
    if (this.running) return;
    this.running = true;
    this.loops = [...this.queues.control.map((q) => this.controlLoop(q)), this.activityLoop(), this.timerLoop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const p of this.pollers.values()) p.close();
    if (this.timerSweepWait) {
      clearTimeout(this.timerSweepWait.timer);
      this.timerSweepWait.resolve();
    }
    for (const t of this.holdTimers) clearTimeout(t);
    this.holdTimers.clear();
    for (const s of this.slots.values()) if (s.retryTimer) clearTimeout(s.retryTimer);
    await Promise.all(this.loops);
    this.loops = [];
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.slots.clear();
    this.waiting.length = 0;
  }

  // ---- dispatch -------------------------------------------------------------------------------

  private track<T>(p: Promise<T>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
  }

  private pollerOf(queue: { name: string }): QueuePoller {
    const p = this.pollers.get(queue.name);
    if (!p) throw new Error(`No poller for queue ${queue.name}`);
    return p;
  }

  /**
   * Moves the parked far timers due within two sweep intervals to their control queues, at start
   * (timers that came due while no host ran) and then every sweep interval.
   */
  private async timerLoop(): Promise<void> {
    while (this.running) {
      try {
        await this.queues.releaseDueTimers(2 * this.timerSweepMs, (m) => this.log("warn", m));
      } catch (e) {
        if (this.running) this.log("error", `Timer table: ${(e as Error).message}`);
      }
      if (!this.running) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.timerSweepMs);
        // As the pollers' waits: an engine nobody stopped does not keep the process alive.
        timer.unref();
        this.timerSweepWait = { timer, resolve };
      });
      this.timerSweepWait = undefined;
    }
  }

  private async controlLoop(queue: TaskHubQueues["control"][number]): Promise<void> {
    const poller = this.pollerOf(queue);
    while (this.running) {
      // A full buffer: the backlog stays in the queue (its leases do not run out in memory) until
      // episodes have consumed some of what is held.
      const room = this.controlBufferThreshold - this.bufferedControlMessages();
      if (room <= 0) {
        await sleep(Math.min(this.pollMs, 50));
        continue;
      }
      try {
        const messages = await this.queues.receive<ControlMessage>(queue, Math.min(32, room), this.visibilityMs, (m) => this.log("warn", m));
        for (const m of messages) this.accept(m);
        const wait = poller.next(messages.length > 0);
        if (wait > 0) await poller.sleep(wait);
      } catch (e) {
        if (this.running) this.log("error", `Control queue ${queue.name}: ${(e as Error).message}`);
        await sleep(Math.max(this.pollMs, 500));
      }
    }
  }

  /**
   * Control messages held in memory waiting for an episode: received (or sent by this host) and
   * not yet consumed. Not counted: those of an instance that cannot take them yet (suspended, not
   * started: retried on a timer) and timers held until their due instant, so neither can stop the
   * control queues from being received from.
   */
  private bufferedControlMessages(): number {
    let n = 0;
    for (const slot of this.slots.values()) if (!slot.retryTimer) n += slot.pending.length;
    return n;
  }

  private accept(m: Received<ControlMessage>): void {
    if (!this.running) return;
    const due = m.body.kind === "TimerFired" ? Date.parse(m.body.FireAt) - Date.now() : 0;
    if (due > HOLD_MS) {
      this.track(this.queues.hide(m, due).catch((e: unknown) => this.log("warn", `Could not re-hide timer: ${describeStorageError(e)}`)));
      return;
    }
    if (due > 0) {
      // A Node timer can run a millisecond before the wall clock reaches its due time; accept
      // again rather than enqueue, so a TimerFired is never applied before its FireAt (the
      // library would see its long timer as not yet due and ask for one more chunk).
      const t = setTimeout(() => {
        this.holdTimers.delete(t);
        this.accept(m);
      }, due);
      this.holdTimers.add(t);
      return;
    }
    this.enqueue(m);
  }

  private enqueue(m: Received<ControlMessage>): void {
    if (!this.running) return;
    const id = m.body.InstanceId;
    let slot = this.slots.get(id);
    if (!slot) {
      slot = { pending: [], running: false };
      this.slots.set(id, slot);
    }
    const known = slot.pending.find((p) => p.messageId === m.messageId);
    if (known) {
      known.popReceipt = m.popReceipt;
      if (m.carrier) known.carrier = m.carrier;
    } else slot.pending.push(m);
    this.schedule(id);
  }

  private schedule(instanceId: string): void {
    const slot = this.slots.get(instanceId);
    if (!slot || slot.running || !this.running || slot.pending.length === 0) return;
    if (this.activeOrchestrations >= this.maxOrchestrations) {
      if (!this.waiting.includes(instanceId)) this.waiting.push(instanceId);
      return;
    }
    if (slot.retryTimer) {
      clearTimeout(slot.retryTimer);
      slot.retryTimer = undefined;
    }
    slot.running = true;
    this.activeOrchestrations++;
    this.track(this.runInstance(instanceId, slot).finally(() => {
      slot.running = false;
      this.activeOrchestrations--;
      if (slot.pending.length === 0 && !slot.retryTimer) this.slots.delete(instanceId);
      const next = this.waiting.shift();
      if (next) this.schedule(next);
    }));
  }

  private async runInstance(instanceId: string, slot: InstanceSlot): Promise<void> {
    while (this.running && slot.pending.length > 0) {
      const batch = [...slot.pending];
      let consumed: Received<ControlMessage>[];
      try {
        consumed = (await runEpisode(this.ctx, instanceId, batch)).consumed;
      } catch (e) {
        consumed = await this.onEpisodeError(instanceId, batch, e as Error);
      }
      await Promise.all(consumed.map((m) => this.queues.delete(m).catch((e: unknown) => this.log("warn", `Delete of message ${m.messageId} of ${instanceId} failed (it is received again and found applied): ${describeStorageError(e)}`))));
      slot.pending = slot.pending.filter((m) => !consumed.includes(m));
      // An activity result applied in-process that this episode could not apply (instance
      // suspended, not started yet, or changed meanwhile) goes to the control queue as usual, so it
      // does not wait on its work item's lease.
      for (const m of batch) if (m.carrier && slot.pending.includes(m)) await this.queueInstead(slot, m, 0);
      if (consumed.length === 0) {
        // Nothing applicable now (suspended or not started yet): look again a bit later.
        slot.retryTimer = setTimeout(() => {
          slot.retryTimer = undefined;
          this.schedule(instanceId);
        }, DEFERRED_RETRY_MS);
        return;
      }
    }
  }

  /** A failed episode: payloads over the limit fail the instance; other errors leave the messages for redelivery. */
  private async onEpisodeError(instanceId: string, batch: Received<ControlMessage>[], e: Error): Promise<Received<ControlMessage>[]> {
    this.ctx.cache.delete(instanceId);
    if ((e as Error & { code?: string }).code === "InstanceChanged") {
      // The cached row was stale: run the episode again from storage (the messages stay pending).
      this.log("warn", `Episode of ${instanceId} will run again from storage: ${e.message}`);
      return [];
    }
    if ((e as Error & { code?: string }).code === "PayloadTooLarge") {
      this.log("error", `Instance ${instanceId} failed: ${e.message}`);
      const rec = await this.store.getInstance(instanceId).catch(() => undefined);
      if (rec && !TERMINAL_STATUSES.has(rec.runtimeStatus)) {
        await this.store.putInstance({ ...rec, runtimeStatus: "Failed", output: toJson(`Orchestrator function '${rec.name}' failed: ${e.message}`), lastUpdatedTime: new Date().toISOString() });
      }
      return batch;
    }
    this.log("error", `Episode of ${instanceId} failed, messages will be redelivered: ${e.stack ?? e.message}`);
    for (const m of batch) this.pollerOf(m.queue).wake(this.visibilityMs);
    const slot = this.slots.get(instanceId);
    if (slot) {
      slot.pending = slot.pending.filter((m) => !batch.includes(m));
      // Results applied in-process are queued hidden for a lease, as a received message would be
      // redelivered (when even that fails, the work item reappears and the activity runs again).
      for (const m of batch) if (m.carrier) await this.queueInstead(slot, m, this.visibilityMs);
    }
    return [];
  }

  private async activityLoop(): Promise<void> {
    const poller = this.pollerOf(this.queues.workItems);
    while (this.running) {
      const free = this.maxActivities - this.activeActivities;
      if (free <= 0) {
        await sleep(Math.min(this.pollMs, 50));
        continue;
      }
      try {
        const messages = await this.queues.receive<ActivityMessage>(this.queues.workItems, free, this.visibilityMs, (m) => this.log("warn", m));
        // Fewer than asked for: the queue holds no more visible work items (any this process
        // queued were received, here or by another host).
        this.queuedWorkItems = messages.length < free ? 0 : Math.max(0, this.queuedWorkItems - messages.length);
        for (const m of messages) {
          this.activeActivities++;
          this.track(this.runActivity(m).finally(() => this.activeActivities--));
        }
        const wait = poller.next(messages.length > 0);
        if (wait > 0) await poller.sleep(wait);
      } catch (e) {
        if (this.running) this.log("error", `Work-item queue: ${(e as Error).message}`);
        await sleep(Math.max(this.pollMs, 500));
      }
    }
  }

  /** Runs one activity at least once: the result is sent before the work item is deleted. */
  private async runActivity(m: Received<ActivityMessage>): Promise<void> {
    const b = m.body;
    let renewing: Promise<void> = Promise.resolve();
    const renew = setInterval(() => {
      renewing = renewing.then(() => this.queues.hide(m, this.visibilityMs)).catch(() => undefined);
    }, this.visibilityMs / 2);
    try {
      let reply: ControlMessage;
      const base = { Id: newMessageId(), InstanceId: b.InstanceId, ExecutionId: b.ExecutionId, TaskScheduledId: b.TaskScheduledId };
      try {
        assertTrigger(this.invoker, b.Name, "activityTrigger");
        const value = await this.invoker.invoke(b.Name, parseJson(b.Input));
        reply = { ...base, kind: "TaskCompleted", Result: toJson(value) };
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        reply = { ...base, kind: "TaskFailed", Reason: `Activity function '${b.Name}' failed: ${err.message}`, Details: err.stack ?? err.message };
      }
      clearInterval(renew);
      await renewing;
      if (this.applyInProcess(m, reply)) return;
      await this.queues.sendControl(reply);
      await this.queues.delete(m);
    } catch (e) {
      this.log("error", `Activity ${b.Name} of ${b.InstanceId}: ${(e as Error).message}; it will run again.`);
      this.pollerOf(m.queue).wake(this.visibilityMs);
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * Hands an activity's result to its instance in-process, without a control-queue message, when
   * no instance waits for an episode slot (so the episode runs while the work item's lease holds):
   * the work item is deleted once the result is in history (Received.carrier). Local only: the
   * Azure Storage provider sends every result through the control queue (docs/local-host.md).
   * @returns false when the result must go through the control queue.
   */
  private applyInProcess(m: Received<ActivityMessage>, reply: ControlMessage): boolean {
    if (!this.running || this.waiting.length > 0) return false;
    this.enqueue({ queue: m.queue, messageId: m.messageId, popReceipt: m.popReceipt, dequeueCount: m.dequeueCount, body: reply, carrier: m });
    return true;
  }

  /**
   * Sends a result applied in-process to the control queue after all (visible after `delayInMs`)
   * and deletes its work item; on failure the work item reappears after its lease and the activity
   * runs again.
   */
  private async queueInstead(slot: InstanceSlot, m: Received<ControlMessage>, delayInMs: number): Promise<void> {
    slot.pending = slot.pending.filter((p) => p !== m);
    try {
      await this.queues.sendControl(m.body, delayInMs);
      await this.queues.delete(m);
    } catch (e) {
      this.log("warn", `Result of ${m.body.InstanceId} not queued (${describeStorageError(e)}); its activity will run again.`);
    }
  }

  // ---- management API ---------------------------------------------------------------------------

  async startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): Promise<string> {
    try {
      assertTrigger(this.invoker, name, "orchestrationTrigger");
    } catch (e) {
      throw new DurableEngineError("OrchestratorNotFound", (e as Error).message);
    }
    await this.ensure();
    const instanceId = options.instanceId ?? randomUUID();
    const now = new Date().toISOString();
    const executionId = randomUUID();
    const input = toJson(options.input);
    const record: InstanceRecord = {
      instanceId, name, runtimeStatus: "Pending", createdTime: now, lastUpdatedTime: now, input, output: null, customStatus: null,
      executionId, historyLength: 0,
    };
    // In the Azure Storage provider's order (AzureStorageOrchestrationService.CreateTaskOrchestrationAsync):
    // read the instance (one that has not ended refuses a new start), send the ExecutionStarted
    // message, then write the Pending row. A start stopped after its message still runs: the first
    // episode writes the row. Writing the row first left, when the send failed or the host stopped
    // in between, a Pending instance without a message: it never ran, and every later start
    // refused it as existing. A new random id needs no read.
    const existing = options.instanceId === undefined ? undefined : await this.store.readInstance(instanceId);
    if (existing && !TERMINAL_STATUSES.has(existing.record.runtimeStatus)) {
      throw instanceExists(instanceId, existing.record.runtimeStatus);
    }
    this.ctx.cache.delete(instanceId);
    // The row is written once the message is stored and before this host works on it, so the first
    // episode starts from the cached row without reading it (committed with If-Match on its ETag).
    // A row its episode (a poller elsewhere got the message) or another start wrote first is kept.
    let etag: string | undefined;
    const writeRow = async (): Promise<void> => {
      try {
        etag = existing ? await this.store.putInstance(record, existing.etag) : await this.store.insertInstance(record);
      } catch (e) {
        if ((e as Error & { code?: string }).code !== "InstanceChanged") throw e;
      }
      if (etag !== undefined && !this.ctx.cache.get(instanceId)) this.ctx.cache.set(instanceId, { record: { ...record }, etag, history: [] });
    };
    await this.queues.sendControl({ kind: "ExecutionStarted", Id: newMessageId(), InstanceId: instanceId, ExecutionId: executionId, Name: name, Input: input, ...(existing ? {} : { NewInstance: true }) }, 0, { beforeDispatch: writeRow });
    if (etag === undefined) {
      const current = await this.store.readInstance(instanceId);
      // Another start won: its execution runs, and the episode passes over this one's message.
      if (current && current.record.executionId !== executionId && !TERMINAL_STATUSES.has(current.record.runtimeStatus)) {
        throw instanceExists(instanceId, current.record.runtimeStatus);
      }
    }
    return instanceId;
  }

  async getStatus(instanceId: string, options: { showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean } = {}): Promise<InstanceStatus | undefined> {
    await this.ensure();
    const rec = await this.store.getInstance(instanceId);
    if (!rec) return undefined;
    const status = toInstanceStatus(rec, { showInput: options.showInput ?? true });
    if (options.showHistory) status.historyEvents = toApiHistory(await this.store.loadHistory(rec), { showHistoryOutput: options.showHistoryOutput ?? false });
    return status;
  }

  async listInstances(query: InstanceQuery): Promise<{ instances: InstanceStatus[]; continuationToken?: string }> {
    await this.ensure();
    const page = await this.store.queryInstances(query, query.top ?? 100, query.continuationToken);
    return { instances: page.records.map((r) => toInstanceStatus(r, { showInput: query.showInput ?? false })), continuationToken: page.continuationToken };
  }

  async raiseEvent(instanceId: string, eventName: string, eventData: unknown, options: { instanceChecked?: boolean } = {}): Promise<RaiseEventResult> {
    return this.control(instanceId, () => ({ kind: "EventRaised", Id: newMessageId(), InstanceId: instanceId, Name: eventName, Input: toJson(eventData) }), options.instanceChecked ?? false);
  }

  terminate(instanceId: string, reason?: string): Promise<ControlResult> {
    return this.control(instanceId, () => ({ kind: "Terminate", Id: newMessageId(), InstanceId: instanceId, Reason: reason ?? null }));
  }

  suspend(instanceId: string, reason?: string): Promise<ControlResult> {
    return this.control(instanceId, () => ({ kind: "Suspend", Id: newMessageId(), InstanceId: instanceId, Reason: reason ?? null }));
  }

  resume(instanceId: string, reason?: string): Promise<ControlResult> {
    return this.control(instanceId, () => ({ kind: "Resume", Id: newMessageId(), InstanceId: instanceId, Reason: reason ?? null }));
  }

  /** Rewind is not supported locally: "gone" for every known instance, "notFound" otherwise. */
  async rewind(instanceId: string): Promise<ControlResult> {
    await this.ensure();
    return (await this.store.getInstance(instanceId)) ? "gone" : "notFound";
  }

  async purgeInstance(instanceId: string): Promise<number> {
    await this.ensure();
    const rec = await this.store.getInstance(instanceId);
    if (!rec || !TERMINAL_STATUSES.has(rec.runtimeStatus)) return 0;
    this.ctx.cache.delete(instanceId);
    await this.store.deleteHistory(instanceId);
    return (await this.store.deleteInstance(instanceId)) ? 1 : 0;
  }

  async purgeInstances(query: { createdTimeFrom?: string; createdTimeTo?: string; runtimeStatus?: RuntimeStatus[] }): Promise<number> {
    await this.ensure();
    const statuses = (query.runtimeStatus ?? ["Completed", "Failed", "Terminated"]).filter((s) => TERMINAL_STATUSES.has(s));
    if (statuses.length === 0) return 0;
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.store.queryInstances({ ...query, runtimeStatus: statuses }, 500, token);
      ids.push(...page.records.map((r) => r.instanceId));
      token = page.continuationToken;
    } while (token);
    let purged = 0;
    for (const id of ids) purged += await this.purgeInstance(id);
    return purged;
  }

  async waitForCompletion(instanceId: string, timeoutInMs: number): Promise<InstanceStatus | undefined> {
    const deadline = Date.now() + timeoutInMs;
    for (;;) {
      const status = await this.getStatus(instanceId);
      if (!status || TERMINAL_STATUSES.has(status.runtimeStatus) || Date.now() >= deadline) return status;
      await sleep(Math.min(STATUS_POLL_MS, Math.max(0, deadline - Date.now())));
    }
  }

  private async control(instanceId: string, make: () => ControlMessage, instanceChecked = false): Promise<ControlResult> {
    await this.ensure();
    if (!instanceChecked) {
      const rec = await this.store.getInstance(instanceId);
      if (!rec) return "notFound";
      if (TERMINAL_STATUSES.has(rec.runtimeStatus)) return "gone";
    }
    await this.queues.sendControl(make());
    return "accepted";
  }
}

/**
 * Checks that `name` is a registered function with the given trigger type.
 * @throws Error naming the function when it is unknown or of another kind (entities are not supported).
 */
function assertTrigger(invoker: FunctionInvoker, name: string, type: "orchestrationTrigger" | "activityTrigger"): void {
  let actual: string;
  try {
    actual = invoker.triggerType(name);
  } catch {
    throw new Error(`The function '${name}' doesn't exist, is disabled, or is not ${type === "activityTrigger" ? "an activity" : "an orchestrator"} function.`);
  }
  if (actual.toLowerCase() !== type.toLowerCase()) {
    const entity = actual.toLowerCase() === "entitytrigger" ? " Durable entities are not supported by the local engine." : "";
    throw new Error(`The function '${name}' is an ${actual} function, not ${type === "activityTrigger" ? "an activity" : "an orchestrator"}.${entity}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
