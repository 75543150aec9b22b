/**
 * The contract between the local Durable engine (`emulator/durable/`) and the rest of the local
 * host (HTTP management API, durable client bindings). Shapes mirror the Durable Functions HTTP API
 * (https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-http-api) so the
 * management endpoints can serialize them as they are.
 */

/** Runtime status names as the Durable HTTP API reports them. */
export type RuntimeStatus =
  | "Pending"
  | "Running"
  | "Completed"
  | "ContinuedAsNew"
  | "Failed"
  | "Terminated"
  | "Suspended";

/** One instance as `GET instances/{id}` returns it (times ISO 8601 UTC). */
export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  /** ISO 8601 UTC. */
  createdTime: string;
  /** ISO 8601 UTC. */
  lastUpdatedTime: string;
  /** Parsed input; null when none or not requested (`showInput=false`). */
  input: unknown;
  /** Parsed output (or failure details for Failed); null when none. */
  output: unknown;
  /** Parsed custom status; null when none. */
  customStatus: unknown;
  /** Present only with `showHistory=true`: the history in the HTTP API's shape. */
  historyEvents?: unknown[];
}

/** Filter of `GET instances/`. */
export interface InstanceQuery {
  /** ISO 8601 UTC, inclusive. */
  createdTimeFrom?: string;
  /** ISO 8601 UTC, inclusive. */
  createdTimeTo?: string;
  runtimeStatus?: RuntimeStatus[];
  instanceIdPrefix?: string;
  showInput?: boolean;
  /** Page size; default 100. */
  top?: number;
  /** Opaque token from a previous page (`x-ms-continuation-token`). */
  continuationToken?: string;
}

/** Outcome of `raiseEvent`, mapped by the HTTP API to 202 / 404 / 410. */
export type RaiseEventResult = "accepted" | "notFound" | "gone";

/** Outcome of terminate/suspend/resume/rewind, mapped to 202 / 404 / 410. */
export type ControlResult = "accepted" | "notFound" | "gone";

/**
 * What the local host asks of the Durable engine. Every method persists before it resolves, so a
 * crash right after it returns loses nothing.
 */
export interface DurableEngine {
  /** Task hub name (tables `<hub>History`, `<hub>Instances`). */
  readonly taskHubName: string;
  /** Creates tables/queues if missing and starts dispatching work. */
  start(): Promise<void>;
  /** Stops dispatching; resolves when in-flight work items have settled. */
  stop(): Promise<void>;
  /**
   * Schedules a new orchestration instance.
   * @param name - registered orchestrator function name.
   * @param options.instanceId - caller-chosen id; a fresh GUID (no dashes removed) when omitted.
   * @returns the instance id.
   * @throws Error with `code: "InstanceExists"` when a non-terminal instance with that id exists;
   *   Error with `code: "OrchestratorNotFound"` when `name` is not a registered orchestrator.
   */
  startNew(name: string, options?: { instanceId?: string; input?: unknown }): Promise<string>;
  /** Status of one instance, or undefined when unknown. */
  getStatus(
    instanceId: string,
    options?: { showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean },
  ): Promise<InstanceStatus | undefined>;
  /** One page of instances matching the query. */
  listInstances(query: InstanceQuery): Promise<{ instances: InstanceStatus[]; continuationToken?: string }>;
  /**
   * Delivers an external event (buffered until the orchestrator waits for it). With
   * `instanceChecked` the caller has just read the instance as existing and not terminal (the HTTP
   * API does, as the extension's does), and the engine does not read it again.
   */
  raiseEvent(instanceId: string, eventName: string, eventData: unknown, options?: { instanceChecked?: boolean }): Promise<RaiseEventResult>;
  terminate(instanceId: string, reason?: string): Promise<ControlResult>;
  suspend(instanceId: string, reason?: string): Promise<ControlResult>;
  resume(instanceId: string, reason?: string): Promise<ControlResult>;
  /** Rewinds a Failed instance (optional support; "gone" when not Failed). */
  rewind(instanceId: string, reason?: string): Promise<ControlResult>;
  /** Deletes history and instance rows of one terminal instance; returns how many were deleted (0 or 1). */
  purgeInstance(instanceId: string): Promise<number>;
  /** Purges every terminal instance matching the filter; returns how many. */
  purgeInstances(query: { createdTimeFrom?: string; createdTimeTo?: string; runtimeStatus?: RuntimeStatus[] }): Promise<number>;
  /** Resolves when the instance reaches a terminal status or the timeout (ms) elapses; returns the latest status. */
  waitForCompletion(instanceId: string, timeoutInMs: number): Promise<InstanceStatus | undefined>;
}

/**
 * How the engine runs the app's orchestrator and activity functions. The host passes the worker's
 * function registry (`workerInvoker` of emulator/worker/invoke.ts); a test may pass its own, so the
 * engine never reaches for a global registry itself.
 */
export interface FunctionInvoker {
  /**
   * The trigger binding type of the registered function `name` (e.g. `orchestrationTrigger`,
   * `activityTrigger`).
   * @throws Error when no function of that name is registered.
   */
  triggerType(name: string): string;
  /**
   * Runs `name` with `trigger` as its JSON trigger value.
   * @returns the function's decoded return value.
   * @throws what the function throws.
   */
  invoke(name: string, trigger: unknown): Promise<unknown>;
}

/** Options of the Azure-Storage-layout engine (`createDurableEngine` in `emulator/durable/index.ts`). */
export interface DurableEngineOptions {
  /** Runs the orchestrator and activity functions (see {@link FunctionInvoker}). */
  invoker: FunctionInvoker;
  /** Azure Storage connection string (Azurite locally). */
  connectionString: string;
  /** Task hub name; tables `<hub>History`, `<hub>Instances`, `<hub>Payloads` and `<hub>Timers`, queues `<hub>-control-NN`, `<hub>-workitems` (lower-cased). */
  taskHubName: string;
  /** Control-queue partitions, 1–16; default 4 as in Azure. */
  partitionCount?: number;
  /** Concurrent activity executions; default 10 (host.json `maxConcurrentActivityFunctions`). */
  maxConcurrentActivities?: number;
  /** Concurrent orchestrator executions; default 10. */
  maxConcurrentOrchestrations?: number;
  /**
   * First idle polling interval of the queues in ms, after an empty receive; default 100. Each
   * further empty receive doubles the wait up to {@link DurableEngineOptions.maxQueuePollingInterval};
   * messages this engine enqueues wake the queue's poller at once (or when they become visible).
   */
  pollingIntervalInMs?: number;
  /**
   * Longest idle polling interval, a TimeSpan `[d.]hh:mm:ss[.fff]` (host.json
   * `extensions.durableTask.storageProvider.maxQueuePollingInterval`); default "00:00:30", the
   * Azure Storage provider's default.
   */
  maxQueuePollingInterval?: string;
  /**
   * Control-queue messages received and held in memory (waiting for an episode) at most: at this
   * many the control queues are not received from until episodes consume some, so a backlog waits
   * in the queues instead of in memory, where its leases would run out and it would be received
   * again (host.json `extensions.durableTask.storageProvider.controlQueueBufferThreshold`, 1–1000);
   * default 256, the Azure Storage provider's default. Messages this host sends itself are held too.
   */
  controlQueueBufferThreshold?: number;
  /**
   * Instances whose row and history are kept in memory between episodes (as extended sessions);
   * default 1000, 0 turns the cache off. Evicted least recently used first.
   */
  sessionCacheInstances?: number;
  /** Most history events kept in memory over all cached instances; default 100 000. */
  sessionCacheEvents?: number;
  /** `maximumShortTimerDuration` sent to the library; default "6.00:00:00". */
  maximumShortTimerDuration?: string;
  /** `longRunningTimerIntervalDuration` sent to the library; default "3.00:00:00". */
  longRunningTimerIntervalDuration?: string;
  /**
   * How long a received queue message stays invisible while it is being processed, in ms (renewed
   * for long activities); also how soon a message is redelivered after a crash. Default 30000.
   */
  messageVisibilityTimeoutInMs?: number;
  /**
   * Interval in ms of the moves of parked timers to their control queues; default 60000. A timer due
   * later than twice this waits in the `<hub>Timers` table (not hidden in its queue) and is moved
   * at least one interval before it is due. Local only: the Azure Storage provider keeps every
   * timer in its control queue.
   */
  timerSweepIntervalInMs?: number;
  /** Diagnostic log; default console with EMULATOR_VERBOSE. */
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
}
