/**
 * Replay bookkeeping of the engine, mirroring what the Durable Task extension derives from history
 * (docs/local-host.md "Sequence numbers", "Determinism", "Retries", "Timers"):
 * - flattening of the library's actions into numbered leaves (depth first; WaitForExternalEvent and
 *   ContinueAsNew take no number, a cancelled timer still takes one, and still fires);
 * - the determinism check of replayed actions against the history's scheduling events;
 * - the follow-ups the extension itself schedules (retry timers and attempts, long timer chunks),
 *   which take sequence numbers exactly where the library's `RetryableTask` and `LongTimerTask`
 *   expect them (`lib/src/task/RetryableTask.js`, `lib/src/task/LongTimerTask.js`).
 */
import { ActionType, EventType, SCHEDULING_EVENTS, type HistoryEvent, type RawAction, type RetryOptionsShape } from "./historyTypes";
import { maxAttempts } from "./retry";

/** The library's actions, flattened. */
export interface FlatActions {
  /** Actions that take a sequence number, in numbering order. */
  leaves: RawAction[];
  /** The ContinueAsNew action, if any. */
  continueAsNew?: RawAction;
  /** The first action the engine does not support (entities, HTTP), if any. */
  unsupported?: RawAction;
}

/**
 * Flattens `[[...actions]]` (replay schema V2/V3) depth first into numbered leaves.
 * @param actions - `OrchestratorState.actions` as returned by the library.
 */
export function flattenActions(actions: RawAction[][]): FlatActions {
  const out: FlatActions = { leaves: [] };
  const visit = (a: RawAction): void => {
    switch (a.actionType) {
      case ActionType.WhenAll:
      case ActionType.WhenAny:
        for (const c of a.compoundActions ?? []) visit(c);
        return;
      case ActionType.WaitForExternalEvent:
        return;
      case ActionType.ContinueAsNew:
        out.continueAsNew ??= a;
        return;
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry:
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry:
      case ActionType.CreateTimer:
        out.leaves.push(a);
        return;
      default:
        out.unsupported ??= a;
    }
  };
  for (const set of actions) for (const a of set) visit(a);
  return out;
}

/** History event type that schedules an action of this type. */
export function scheduleEventOf(a: RawAction): EventType {
  switch (a.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return EventType.TaskScheduled;
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return EventType.SubOrchestrationInstanceCreated;
    default:
      return EventType.TimerCreated;
  }
}

/** Indexed view of one execution's history. */
export interface HistoryIndex {
  /** Scheduling events by sequence number. */
  scheduled: Map<number, HistoryEvent>;
  /** Primary scheduling events (one per numbered action), in sequence order. */
  primaries: HistoryEvent[];
  /** Sequence numbers whose completion (or timer firing) is in history. */
  completed: Set<number>;
  /** Failure events by the sequence number they failed. */
  failures: Map<number, HistoryEvent>;
  /** Next free sequence number. */
  nextId: number;
  /** Queue message ids already applied. */
  seenMessageIds: Set<string>;
  /** Timestamp (ms) of the latest OrchestratorStarted. */
  lastStartedAt: number;
}

/** Builds the index of a history (committed events plus those appended so far). */
export function indexHistory(history: HistoryEvent[]): HistoryIndex {
  const index: HistoryIndex = { scheduled: new Map(), primaries: [], completed: new Set(), failures: new Map(), nextId: 0, seenMessageIds: new Set(), lastStartedAt: 0 };
  for (const ev of history) addToIndex(index, ev);
  return index;
}

/** Adds one event to an index. */
export function addToIndex(index: HistoryIndex, ev: HistoryEvent): void {
  if (ev.MessageIds) for (const id of JSON.parse(ev.MessageIds) as string[]) index.seenMessageIds.add(id);
  if (SCHEDULING_EVENTS.has(ev.EventType)) {
    index.scheduled.set(ev.EventId, ev);
    if (!ev.Origin || ev.Origin === "primary") index.primaries.push(ev);
    index.nextId = Math.max(index.nextId, ev.EventId + 1);
    return;
  }
  switch (ev.EventType) {
    case EventType.TaskCompleted:
    case EventType.SubOrchestrationInstanceCompleted:
      if (ev.TaskScheduledId !== undefined) index.completed.add(ev.TaskScheduledId);
      break;
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceFailed:
      if (ev.TaskScheduledId !== undefined) {
        index.completed.add(ev.TaskScheduledId);
        index.failures.set(ev.TaskScheduledId, ev);
      }
      break;
    case EventType.TimerFired:
      if (ev.TimerId !== undefined) index.completed.add(ev.TimerId);
      break;
    case EventType.OrchestratorStarted:
      index.lastStartedAt = Math.max(index.lastStartedAt, Date.parse(ev.Timestamp));
      break;
    default:
      break;
  }
}

const KIND_NAMES: Partial<Record<EventType, string>> = {
  [EventType.TaskScheduled]: "an activity task",
  [EventType.SubOrchestrationInstanceCreated]: "a sub-orchestration",
  [EventType.TimerCreated]: "a durable timer",
};

function describe(kind: EventType, name: string | undefined): string {
  return `${KIND_NAMES[kind] ?? EventType[kind]}${name ? ` named '${name}'` : ""}`;
}

/**
 * Compares the replayed actions with the history's primary scheduling events, sequence number by
 * sequence number (type and name), as the extension does.
 * @returns undefined when deterministic, else the failure message, which starts with
 *   "Non-Deterministic workflow detected" like DurableTask.Core's `NonDeterministicOrchestrationException`.
 */
export function checkDeterminism(index: HistoryIndex, leaves: RawAction[]): string | undefined {
  for (let i = 0; i < index.primaries.length; i++) {
    const past = index.primaries[i];
    if (!past) continue;
    const now = leaves[i];
    const pastName = past.EventType === EventType.TimerCreated ? undefined : past.Name;
    if (!now) {
      return (
        `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled ${describe(past.EventType, pastName)} ` +
        `with sequence ID ${past.EventId}, but the current replay execution hasn't scheduled this task. ` +
        `Was a change made to the orchestrator code after this instance had already started running?`
      );
    }
    const kind = scheduleEventOf(now);
    const nowName = kind === EventType.TimerCreated ? undefined : now.functionName;
    if (kind !== past.EventType || nowName !== pastName) {
      return (
        `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled ${describe(past.EventType, pastName)} ` +
        `with sequence ID ${past.EventId}, but the current replay execution scheduled ${describe(kind, nowName)} at that sequence ID instead. ` +
        `Was a change made to the orchestrator code after this instance had already started running?`
      );
    }
  }
  // The extension replays a cancelled long timer as its first chunk only (its chunk loop ends with
  // the cancellation), so a later chunk already in history no longer matches anything
  // (DurableTask.Core `TaskOrchestrationContext.HandleTimerCreatedEvent`).
  for (const ev of index.scheduled.values()) {
    if (ev.Origin !== "timerChunk" || ev.GroupId === undefined) continue;
    const group = index.scheduled.get(ev.GroupId);
    if (!group || !leaves[index.primaries.indexOf(group)]?.isCanceled) continue;
    return (
      `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled a timer task with sequence number ${ev.EventId} ` +
      `but the current replay execution hasn't (yet?) scheduled this task. ` +
      `Was a change made to the orchestrator code after this instance had already started running?`
    );
  }
  return undefined;
}

/** A follow-up the engine must schedule after an event, with the next sequence number. */
export type FollowUp =
  | { kind: "retryTimer"; group: HistoryEvent; attempt: number }
  | { kind: "retryAttempt"; group: HistoryEvent; timer: HistoryEvent }
  | { kind: "timerChunk"; group: HistoryEvent };

/** Primary event of the group a scheduling event belongs to. */
export function groupOf(index: HistoryIndex, ev: HistoryEvent): HistoryEvent | undefined {
  return index.scheduled.get(ev.GroupId ?? ev.EventId);
}

/** Sequence numbers of a retry group's attempts (primary and retries). */
export function attemptsOf(index: HistoryIndex, group: HistoryEvent): number[] {
  const ids = [group.EventId];
  for (const ev of index.scheduled.values()) if (ev.Origin === "retryAttempt" && ev.GroupId === group.EventId) ids.push(ev.EventId);
  return ids.sort((a, b) => a - b);
}

/** Parsed RetryOptions of a retry group's primary event, or undefined when it is not one. */
export function retryOptionsOf(group: HistoryEvent): RetryOptionsShape | undefined {
  return group.RetryOptions ? (JSON.parse(group.RetryOptions) as RetryOptionsShape) : undefined;
}

/**
 * Decides whether a newly appended event makes the library take a sequence number for a
 * follow-up (a retry timer after a failed attempt, a new attempt after a retry timer while attempts
 * remain, the next chunk after a long-timer chunk fired before the final fire time).
 * @param nowMs - timestamp of the episode's OrchestratorStarted, ms since epoch.
 */
export function followUpFor(index: HistoryIndex, ev: HistoryEvent, nowMs: number): FollowUp | undefined {
  if ((ev.EventType === EventType.TaskFailed || ev.EventType === EventType.SubOrchestrationInstanceFailed) && ev.TaskScheduledId !== undefined) {
    const s = index.scheduled.get(ev.TaskScheduledId);
    const group = s && groupOf(index, s);
    if (!group || !retryOptionsOf(group)) return undefined;
    const attempt = attemptsOf(index, group).filter((id) => index.failures.has(id)).length;
    return { kind: "retryTimer", group, attempt };
  }
  if (ev.EventType === EventType.TimerFired && ev.TimerId !== undefined) {
    const s = index.scheduled.get(ev.TimerId);
    const group = s && groupOf(index, s);
    if (!s || !group) return undefined;
    if (s.Origin === "retryTimer") {
      const options = retryOptionsOf(group);
      if (!options) return undefined;
      const failures = attemptsOf(index, group).filter((id) => index.failures.has(id)).length;
      return failures < maxAttempts(options) ? { kind: "retryAttempt", group, timer: s } : undefined;
    }
    if (s.FinalFireAt && Date.parse(s.FinalFireAt) > nowMs) return { kind: "timerChunk", group };
  }
  return undefined;
}

/**
 * Parses a .NET TimeSpan string `[d.]hh:mm:ss[.fff]` (as in `maximumShortTimerDuration`) into ms.
 * @throws Error on another format.
 */
export function parseTimeSpan(value: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`Invalid TimeSpan "${value}", expected [d.]hh:mm:ss.`);
  const [, d, h, min, s, frac] = m;
  return ((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000 + (frac ? Math.round(Number(`0.${frac}`) * 1000) : 0);
}

/**
 * Fire time of the first timer the extension creates for a requested fire time
 * (`DurableOrchestrationContext.CreateTimer`): when `fireAt - now > maxShort` the timer is a long
 * one and its first chunk fires at `now + interval`, else the timer fires at `fireAt`. All values
 * in ms since epoch / ms.
 */
export function firstTimerFireAt(fireAtMs: number, nowMs: number, maxShortMs: number, intervalMs: number): number {
  return fireAtMs - nowMs > maxShortMs ? nowMs + intervalMs : fireAtMs;
}

/**
 * Fire time of the next chunk of a long timer after one fired at `nowMs`, as the extension's chunk
 * loop computes it: `fireAt` when less than one interval remains, else `now + interval`. (The
 * library's `LongTimerTask` computes its own children differently, but it only counts them, and it
 * adds one exactly when the extension does: while `fireAt` is still ahead.)
 */
export function nextTimerChunkFireAt(fireAtMs: number, nowMs: number, intervalMs: number): number {
  return fireAtMs - nowMs < intervalMs ? fireAtMs : nowMs + intervalMs;
}
