/**
 * History event and action vocabulary shared by the Durable engine: the numeric codes of
 * DurableTask.Core's `EventType` and of durable-functions' `ActionType`, and the shape of one
 * stored history event. The library defines the same enums (`lib/src/history/HistoryEventType`,
 * `lib/src/actions/ActionType`) but does not export them, so they are mirrored here
 * (docs/local-host.md, "The orchestrator contract").
 */

/** DurableTask.Core history event types, as `EventType` numbers in history rows. */
export enum EventType {
  ExecutionStarted = 0,
  ExecutionCompleted = 1,
  ExecutionFailed = 2,
  ExecutionTerminated = 3,
  TaskScheduled = 4,
  TaskCompleted = 5,
  TaskFailed = 6,
  SubOrchestrationInstanceCreated = 7,
  SubOrchestrationInstanceCompleted = 8,
  SubOrchestrationInstanceFailed = 9,
  TimerCreated = 10,
  TimerFired = 11,
  OrchestratorStarted = 12,
  OrchestratorCompleted = 13,
  EventSent = 14,
  EventRaised = 15,
  ContinueAsNew = 16,
  GenericEvent = 17,
  HistoryState = 18,
  ExecutionSuspended = 19,
  ExecutionResumed = 20,
}

/** durable-functions action types (`actionType` of each returned action). */
export enum ActionType {
  CallActivity = 0,
  CallActivityWithRetry = 1,
  CallSubOrchestrator = 2,
  CallSubOrchestratorWithRetry = 3,
  ContinueAsNew = 4,
  CreateTimer = 5,
  WaitForExternalEvent = 6,
  CallEntity = 7,
  CallHttp = 8,
  SignalEntity = 9,
  WhenAny = 11,
  WhenAll = 12,
  LockEntities = 13,
  ReleaseEntities = 14,
}

/**
 * Why the engine wrote a scheduling event (engine bookkeeping, not read by the library):
 * `primary` is the first scheduling of an action returned by the orchestrator; the others are the
 * extension's own follow-ups that the library expects (retry timer, retry attempt, next chunk of a
 * long timer), see docs/local-host.md "Retries" and "Timers".
 */
export type ScheduleOrigin = "primary" | "retryTimer" | "retryAttempt" | "timerChunk";

/**
 * One history event as stored in `<hub>History` and sent to the orchestrator (PascalCase fields,
 * times ISO 8601 UTC, payloads as JSON strings). Fields not listed by docs/local-host.md are the
 * engine's own bookkeeping (`Origin`, `GroupId`, `MessageIds`, ...); the library ignores them.
 */
export interface HistoryEvent {
  EventType: EventType;
  /** Sequence number for scheduling events (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated); -1 otherwise. */
  EventId: number;
  /** ISO 8601 UTC. */
  Timestamp: string;
  IsPlayed?: boolean;
  Name?: string;
  /** JSON string or null. */
  Input?: string | null;
  /** JSON string or null. */
  Result?: string | null;
  TaskScheduledId?: number;
  TimerId?: number;
  /** ISO 8601 UTC. */
  FireAt?: string;
  Reason?: string;
  Details?: string;
  /** Sub-orchestration instance id (SubOrchestrationInstanceCreated). */
  InstanceId?: string;
  /** ExecutionCompleted: "Completed" | "Failed" | "Terminated". */
  OrchestrationStatus?: string;
  Version?: string;
  /** ExecutionStarted: parent info of a sub-orchestration. */
  ParentInstance?: { Name: string; OrchestrationInstance: { InstanceId: string; ExecutionId: string }; TaskScheduleId: number } | null;
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
  /** Engine bookkeeping: why a scheduling event was written. */
  Origin?: ScheduleOrigin;
  /** Engine bookkeeping: sequence number of the primary event of a retry group or long timer. */
  GroupId?: number;
  /** Engine bookkeeping: RetryOptions of a retry group (JSON string), on its primary event. */
  RetryOptions?: string;
  /** Engine bookkeeping: final fire time of a long timer (ISO 8601 UTC), on every chunk. */
  FinalFireAt?: string;
  /** Engine bookkeeping: on a retry timer, true when the retry timeout had elapsed (no further real attempt). */
  RetryExpired?: boolean;
  /** Engine bookkeeping: queue message ids whose effect this event records (dedupe on redelivery). */
  MessageIds?: string;
}

/** The scheduling event types, which carry a sequence number in `EventId`. */
export const SCHEDULING_EVENTS: ReadonlySet<EventType> = new Set([
  EventType.TaskScheduled,
  EventType.TimerCreated,
  EventType.SubOrchestrationInstanceCreated,
]);

/** One action as returned by the library (JSON-decoded): see `lib/src/actions/*`. */
export interface RawAction {
  actionType: ActionType;
  functionName?: string;
  input?: unknown;
  retryOptions?: RetryOptionsShape;
  instanceId?: string;
  version?: string;
  /** CreateTimer: ISO 8601 UTC after JSON round trip. */
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: RawAction[];
}

/** `RetryOptions` as serialized by durable-functions (`lib/src/RetryOptions.js` plus optional fields), all times in ms. */
export interface RetryOptionsShape {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

/** The orchestrator's returned state (`OrchestratorState` of the library, JSON-decoded). */
export interface OrchestratorResult {
  isDone: boolean;
  actions: RawAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
  failureDetails?: unknown;
}

/** Terminal runtime statuses (no further episodes run). */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["Completed", "Failed", "Terminated"]);
