/**
 * One orchestrator episode, as the Durable Task extension runs it (docs/local-host.md "The
 * orchestrator contract"): apply a batch of control messages to the instance's history, invoke the
 * orchestrator with the full history, check determinism, turn new actions into scheduling events
 * and outgoing messages, and commit. Idempotent: a redelivered message whose effect is already in
 * history is dropped, so a crash at any point only repeats work.
 *
 * Commit order: outgoing messages first, then history rows, then the instance row (the commit
 * point, `HistoryLength`); the caller deletes the consumed messages afterwards.
 */
import { createHash } from "node:crypto";
import { EventType, TERMINAL_STATUSES, type HistoryEvent, type OrchestratorResult, type RawAction } from "./historyTypes";
import type { HistoryStore, InstanceRecord } from "./historyStore";
import { newMessageId, type ActivityMessage, type ControlMessage, type Received, type TaskHubQueues } from "./queues";
import {
  addToIndex, attemptsOf, checkDeterminism, firstTimerFireAt, flattenActions, followUpFor, indexHistory, nextTimerChunkFireAt, retryOptionsOf,
  type FollowUp, type HistoryIndex,
} from "./replay";
import { computeRetry } from "./retry";
import type { SessionCache } from "./sessionCache";

/** What an episode needs from the engine. */
export interface EpisodeContext {
  store: HistoryStore;
  queues: TaskHubQueues;
  /** Invokes an orchestrator function with the trigger payload; returns its decoded return value. */
  invokeOrchestrator(name: string, trigger: unknown): Promise<unknown>;
  maximumShortTimerDuration: string;
  longRunningTimerIntervalDuration: string;
  maxShortTimerMs: number;
  timerIntervalMs: number;
  log(level: "debug" | "info" | "warn" | "error", message: string): void;
  /** Instance rows and histories kept between episodes (see sessionCache.ts). */
  cache: SessionCache;
}

/** What happened to the messages of a batch: consumed ones may be deleted, deferred ones are kept for later. */
export interface EpisodeOutcome {
  consumed: Received<ControlMessage>[];
  deferred: Received<ControlMessage>[];
}

const OUT_OF_PROC_LABEL = "\n\n$OutOfProcData$:";
/** How many applied message ids a new generation carries over after continueAsNew (dedupe of redeliveries). */
const CARRIED_IDS = 200;

/** A GUID-formatted id derived from a seed (deterministic ids make re-run episodes idempotent). */
export function deriveGuid(seed: string): string {
  const h = createHash("sha1").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** JSON text of a value, `null` for undefined (history and message payload encoding). */
export function toJson(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value) ?? "null";
}

/** Parses JSON text, returning null for null/empty input and the raw text when it is not JSON. */
export function parseJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Decodes an action input: the library JSON-encodes string inputs of activities and continueAsNew
 * (`Utils.processInput`), so a string is parsed back; other values are taken as they are.
 */
function decodeActionInput(input: unknown): unknown {
  return typeof input === "string" ? parseJson(input) : input;
}

interface Plan {
  events: HistoryEvent[];
  outbound: Array<() => Promise<void>>;
}

/**
 * Runs one episode for an instance over a batch of its control messages.
 * @returns which messages were consumed (effect persisted, or ignorable) and which were deferred
 *   (instance suspended or not started yet); the others are left for the next episode.
 * @throws storage errors; nothing is deleted then and the messages will be redelivered.
 */
export async function runEpisode(ctx: EpisodeContext, instanceId: string, messages: Received<ControlMessage>[]): Promise<EpisodeOutcome> {
  const consumed: Received<ControlMessage>[] = [];
  const deferred: Received<ControlMessage>[] = [];
  // The instance row and history as this engine last committed them, else as stored.
  const cached = ctx.cache.get(instanceId);
  const read = cached ? undefined : await ctx.store.readInstance(instanceId);
  let rec: InstanceRecord | undefined = cached ? { ...cached.record } : read?.record;
  const etag = cached?.etag ?? read?.etag;
  const plan: Plan = { events: [], outbound: [] };

  // 1. Execution start (new instance, sub-orchestration, continueAsNew generation).
  let start: Extract<ControlMessage, { kind: "ExecutionStarted" }> | undefined;
  for (const m of messages) {
    const b = m.body;
    if (b.kind !== "ExecutionStarted") continue;
    consumed.push(m);
    if (start) continue;
    if (rec && rec.executionId === b.ExecutionId) {
      if (rec.historyLength === 0 && !TERMINAL_STATUSES.has(rec.runtimeStatus)) start = b;
    } else if (!rec || TERMINAL_STATUSES.has(rec.runtimeStatus)) {
      start = b;
    } else if (b.Parent && !b.IsContinueAsNew) {
      const reason = `An orchestration with instance ID '${b.InstanceId}' already exists and is ${rec.runtimeStatus}.`;
      plan.outbound.push(() => ctx.queues.sendControl({ kind: "SubOrchestrationInstanceFailed", Id: newMessageId(), InstanceId: b.Parent!.InstanceId, ExecutionId: b.Parent!.ExecutionId, TaskScheduledId: b.Parent!.TaskScheduledId, Reason: reason, Details: "" }));
    }
  }
  const nowMs = Date.parse(new Date().toISOString());
  let history: HistoryEvent[] = [];
  if (start) {
    const keepCreated = rec && rec.executionId === start.ExecutionId ? rec.createdTime : start.IsContinueAsNew && rec ? rec.createdTime : undefined;
    rec = {
      instanceId, name: start.Name, runtimeStatus: "Running", createdTime: keepCreated ?? new Date(nowMs).toISOString(),
      lastUpdatedTime: new Date(nowMs).toISOString(), input: start.Input, output: null,
      customStatus: start.IsContinueAsNew && rec ? rec.customStatus : null, executionId: start.ExecutionId, historyLength: 0,
      parent: start.Parent,
    };
  } else if (!rec) {
    consumed.push(...messages.filter((m) => !consumed.includes(m)));
    await flush(plan);
    return { consumed, deferred };
  } else if (rec.historyLength > 0) {
    history = cached ? cached.history : await ctx.store.loadHistory(rec);
  }
  const record: InstanceRecord = rec;
  const index = indexHistory(history);
  const now = Math.max(nowMs, index.lastStartedAt);
  const nowIso = new Date(now).toISOString();
  const newEvents: HistoryEvent[] = [];
  if (start) {
    newEvents.push({
      EventType: EventType.ExecutionStarted, EventId: -1, Timestamp: nowIso, Name: start.Name, Input: start.Input, Version: "",
      OrchestrationInstance: { InstanceId: instanceId, ExecutionId: start.ExecutionId },
      ParentInstance: start.Parent ? { Name: start.Parent.Name, OrchestrationInstance: { InstanceId: start.Parent.InstanceId, ExecutionId: start.Parent.ExecutionId }, TaskScheduleId: start.Parent.TaskScheduledId } : null,
      MessageIds: start.CarriedMessageIds?.length ? JSON.stringify(start.CarriedMessageIds) : undefined,
    });
    if (newEvents[0]) addToIndex(index, newEvents[0]);
    // DurableTask.Core starts the next generation of a continueAsNew in the same work item with
    // OrchestratorStarted, ExecutionStarted, OrchestratorCompleted, then runs it: its first
    // actions follow that OrchestratorCompleted (TaskOrchestrationDispatcher.OnProcessWorkItemAsync).
    if (start.IsContinueAsNew) newEvents.push({ EventType: EventType.OrchestratorCompleted, EventId: -1, Timestamp: nowIso });
  }
  const started = history.length > 0 || start !== undefined;

  // 2. Apply the other messages in order, stopping after one that needs a follow-up sequence number.
  let status = record.runtimeStatus;
  let terminateReason: string | null | undefined;
  let followUp: FollowUp | undefined;
  const applied: string[] = [];
  for (const m of messages) {
    if (consumed.includes(m)) continue;
    // A continueAsNew generation's first episode runs on its start alone (as in the work item that
    // ended the previous generation); other messages wait for the next episode.
    if (followUp || start?.IsContinueAsNew) break;
    const b = m.body;
    if (TERMINAL_STATUSES.has(status) || index.seenMessageIds.has(b.Id)) {
      consumed.push(m);
      continue;
    }
    if (!started) {
      if (b.kind === "Terminate") {
        status = "Terminated";
        terminateReason = b.Reason;
        consumed.push(m);
      } else deferred.push(m);
      continue;
    }
    let ev: HistoryEvent | undefined;
    switch (b.kind) {
      case "Terminate":
        ev = { EventType: EventType.ExecutionTerminated, EventId: -1, Timestamp: nowIso, Input: toJson(b.Reason) };
        status = "Terminated";
        terminateReason = b.Reason;
        break;
      case "Suspend":
        if (status === "Running" || status === "Pending") {
          ev = { EventType: EventType.ExecutionSuspended, EventId: -1, Timestamp: nowIso, Reason: b.Reason ?? undefined };
          record.suspendedFrom = status;
          status = "Suspended";
        }
        break;
      case "Resume":
        if (status === "Suspended") {
          ev = { EventType: EventType.ExecutionResumed, EventId: -1, Timestamp: nowIso, Reason: b.Reason ?? undefined };
          status = record.suspendedFrom ?? "Running";
          record.suspendedFrom = undefined;
        }
        break;
      case "EventRaised":
        if (status === "Suspended") {
          deferred.push(m);
          continue;
        }
        ev = { EventType: EventType.EventRaised, EventId: -1, Timestamp: nowIso, Name: b.Name, Input: b.Input };
        break;
      case "ExecutionStarted":
        break;
      default: {
        if (b.ExecutionId !== record.executionId) break; // late message of an older execution
        if (status === "Suspended") {
          deferred.push(m);
          continue;
        }
        ev = completionEvent(b, index, nowIso);
      }
    }
    consumed.push(m);
    applied.push(b.Id);
    if (!ev) continue;
    newEvents.push(ev);
    addToIndex(index, ev);
    followUp = followUpFor(index, ev, now);
  }

  const orchestratorStarted: HistoryEvent = { EventType: EventType.OrchestratorStarted, EventId: -1, Timestamp: nowIso, MessageIds: applied.length ? JSON.stringify(applied) : undefined };
  if (newEvents.length === 0 && status === record.runtimeStatus) {
    // Nothing to record (duplicates, stale or deferred messages only).
    await flush(plan);
    return { consumed, deferred };
  }
  const needsRun = started && status !== "Terminated" && status !== "Suspended" &&
    newEvents.some((e) => e.EventType !== EventType.ExecutionResumed && e.EventType !== EventType.ExecutionSuspended);
  record.runtimeStatus = status;
  record.lastUpdatedTime = nowIso;
  let continueAsNew: { input: unknown } | undefined;
  if (status === "Terminated") {
    record.output = toJson(terminateReason ?? null);
    newEvents.push({ EventType: EventType.ExecutionCompleted, EventId: -1, Timestamp: nowIso, OrchestrationStatus: "Terminated", Result: record.output });
  } else if (needsRun) {
    const libHistory = [
      ...history.map((e) => ({ ...e, IsPlayed: true })),
      { ...orchestratorStarted, IsPlayed: false },
      ...newEvents.map((e) => ({ ...e, IsPlayed: false })),
    ];
    const trigger = {
      history: libHistory, input: parseJson(record.input), instanceId, isReplaying: history.length > 0,
      parentInstanceId: record.parent?.InstanceId, upperSchemaVersion: 2, upperSchemaVersionNew: 3,
      maximumShortTimerDuration: ctx.maximumShortTimerDuration, longRunningTimerIntervalDuration: ctx.longRunningTimerIntervalDuration,
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    const outcome = await invoke(ctx, record.name, trigger);
    const flat = outcome.actions ? flattenActions(outcome.actions) : undefined;
    const nonDeterminism = flat ? checkDeterminism(index, flat.leaves) : undefined;
    record.customStatus = outcome.state?.customStatus !== undefined ? toJson(outcome.state.customStatus) : null;
    const failure = nonDeterminism ?? outcome.error ??
      (flat?.unsupported ? `The local Durable engine does not support action type ${flat.unsupported.actionType} (durable entities and callHttp are not available locally).` : undefined);
    if (failure !== undefined) {
      const output = `Orchestrator function '${record.name}' failed: ${failure}`;
      ctx.log("warn", `Instance ${instanceId} failed: ${failure}`);
      record.runtimeStatus = "Failed";
      record.output = toJson(output);
      newEvents.push({ EventType: EventType.ExecutionCompleted, EventId: -1, Timestamp: nowIso, OrchestrationStatus: "Failed", Result: record.output });
      notifyParent(ctx, plan, record, { failed: true, reason: output, details: outcome.details ?? "" });
    } else if (flat?.continueAsNew && outcome.state?.isDone) {
      continueAsNew = { input: decodeActionInput(flat.continueAsNew.input) };
    } else if (outcome.state?.isDone) {
      record.runtimeStatus = "Completed";
      record.output = toJson(outcome.state.output);
      newEvents.push({ EventType: EventType.ExecutionCompleted, EventId: -1, Timestamp: nowIso, OrchestrationStatus: "Completed", Result: record.output });
      notifyParent(ctx, plan, record, { failed: false, result: record.output });
    } else if (flat) {
      record.runtimeStatus = "Running";
      scheduleActions(ctx, plan, record, index, flat.leaves, followUp, now);
    }
  }

  // 3. Commit.
  if (continueAsNew) {
    const newExecutionId = deriveGuid(`${record.executionId}:continueAsNew`);
    const carried = [...index.seenMessageIds, ...applied].slice(-CARRIED_IDS);
    const input = toJson(continueAsNew.input);
    plan.outbound.push(() => ctx.queues.sendControl({
      kind: "ExecutionStarted", Id: newMessageId(), InstanceId: instanceId, ExecutionId: newExecutionId, Name: record.name,
      Input: input, Parent: record.parent, IsContinueAsNew: true, CarriedMessageIds: carried,
    }));
    await flush(plan);
    await commitInstance(ctx, { ...record, runtimeStatus: "Running", executionId: newExecutionId, historyLength: 0, input, output: null }, etag, []);
    return { consumed, deferred };
  }
  await flush(plan);
  const events = [orchestratorStarted, ...newEvents, ...plan.events];
  // Every recorded episode ends with OrchestratorCompleted, also a terminate, suspend or resume
  // (DurableTask.Core adds it unless the episode continued as new, or already ends with one).
  if (events.at(-1)?.EventType !== EventType.OrchestratorCompleted) events.push({ EventType: EventType.OrchestratorCompleted, EventId: -1, Timestamp: nowIso });
  await ctx.store.appendHistory(instanceId, record.executionId, history.length, events);
  record.historyLength = history.length + events.length;
  await commitInstance(ctx, record, etag, [...history, ...events]);
  // A new execution of an instance that ran before (continueAsNew, a restart, a sub-orchestration
  // id used again) leaves the earlier execution's rows behind: delete them (a query of the
  // instance's history). Loads ignore them either way (they match by execution id and length), so
  // a new instance id, which can have none, skips the query.
  if (start && !start.NewInstance) await ctx.store.deleteHistory(instanceId, { executionId: record.executionId, length: record.historyLength }).catch(() => undefined);
  return { consumed, deferred };
}

/**
 * Writes the instance row (the commit point), conditionally on the ETag the episode started from,
 * and keeps the committed state in the session cache (terminal instances are dropped from it).
 * @throws Error with `code: "InstanceChanged"` when the row changed meanwhile (the cache entry is dropped).
 */
async function commitInstance(ctx: EpisodeContext, record: InstanceRecord, etag: string | undefined, history: HistoryEvent[]): Promise<void> {
  let newEtag: string;
  try {
    newEtag = await ctx.store.putInstance(record, etag);
  } catch (e) {
    ctx.cache.delete(record.instanceId);
    throw e;
  }
  if (TERMINAL_STATUSES.has(record.runtimeStatus) || !newEtag) ctx.cache.delete(record.instanceId);
  else ctx.cache.set(record.instanceId, { record: { ...record }, etag: newEtag, history });
}

async function flush(plan: Plan): Promise<void> {
  await Promise.all(plan.outbound.map((send) => send()));
  plan.outbound = [];
}

/**
 * Builds the history event of a completion message, or undefined when it must be ignored (unknown
 * or duplicate). A cancelled timer's TimerFired is recorded like any other (DurableTask.Core adds
 * it to history and replays the orchestrator, which ignores it).
 */
function completionEvent(b: ControlMessage, index: HistoryIndex, nowIso: string): HistoryEvent | undefined {
  const base = { EventId: -1, Timestamp: nowIso };
  switch (b.kind) {
    case "TaskCompleted":
    case "TaskFailed":
    case "SubOrchestrationInstanceCompleted":
    case "SubOrchestrationInstanceFailed": {
      const s = index.scheduled.get(b.TaskScheduledId);
      const wanted = b.kind.startsWith("Task") ? EventType.TaskScheduled : EventType.SubOrchestrationInstanceCreated;
      if (!s || s.EventType !== wanted || index.completed.has(b.TaskScheduledId)) return undefined;
      if (b.kind === "TaskCompleted") return { ...base, EventType: EventType.TaskCompleted, TaskScheduledId: b.TaskScheduledId, Result: b.Result };
      if (b.kind === "SubOrchestrationInstanceCompleted") return { ...base, EventType: EventType.SubOrchestrationInstanceCompleted, TaskScheduledId: b.TaskScheduledId, Result: b.Result };
      const type = b.kind === "TaskFailed" ? EventType.TaskFailed : EventType.SubOrchestrationInstanceFailed;
      return { ...base, EventType: type, TaskScheduledId: b.TaskScheduledId, Reason: b.Reason, Details: b.Details };
    }
    case "TimerFired": {
      const s = index.scheduled.get(b.TimerId);
      if (!s || s.EventType !== EventType.TimerCreated || index.completed.has(b.TimerId)) return undefined;
      return { ...base, EventType: EventType.TimerFired, TimerId: b.TimerId, FireAt: b.FireAt };
    }
    default:
      return undefined;
  }
}

interface InvokeOutcome {
  state?: OrchestratorResult;
  actions?: RawAction[][];
  error?: string;
  details?: string;
}

/** Invokes the orchestrator and decodes its result or its `OrchestrationFailureError`. */
async function invoke(ctx: EpisodeContext, name: string, trigger: unknown): Promise<InvokeOutcome> {
  try {
    const state = (await ctx.invokeOrchestrator(name, trigger)) as OrchestratorResult | undefined;
    if (!state || !Array.isArray(state.actions)) return { error: `Orchestrator function '${name}' returned no orchestrator state; is it registered with df.app.orchestration?` };
    return { state, actions: state.actions };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = message.indexOf(OUT_OF_PROC_LABEL);
    if (at < 0) return { error: message, details: e instanceof Error ? e.stack : undefined };
    try {
      const state = JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorResult;
      return { state, actions: state.actions, error: state.error ?? message.slice(0, at), details: state.failureDetails ? JSON.stringify(state.failureDetails) : undefined };
    } catch {
      return { error: message.slice(0, at) };
    }
  }
}

function notifyParent(ctx: EpisodeContext, plan: Plan, record: InstanceRecord, r: { failed: false; result: string } | { failed: true; reason: string; details: string }): void {
  const p = record.parent;
  if (!p) return;
  const base = { Id: newMessageId(), InstanceId: p.InstanceId, ExecutionId: p.ExecutionId, TaskScheduledId: p.TaskScheduledId };
  const msg: ControlMessage = r.failed
    ? { ...base, kind: "SubOrchestrationInstanceFailed", Reason: r.reason, Details: r.details }
    : { ...base, kind: "SubOrchestrationInstanceCompleted", Result: r.result };
  plan.outbound.push(() => ctx.queues.sendControl(msg));
}

/**
 * Schedules the actions new in this episode, then the follow-up of the last event (see replay.ts
 * for the numbering). A timer is created and its TimerFired sent even when the orchestrator has
 * already cancelled it, as the extension does (its shim creates every CreateTimer action, then
 * cancels the task; DurableTask.Core still queues the TimerFired message). A cancelled long timer
 * gets no further chunk: the extension's chunk loop ends with the cancellation.
 */
function scheduleActions(ctx: EpisodeContext, plan: Plan, record: InstanceRecord, index: HistoryIndex, leaves: RawAction[], followUp: FollowUp | undefined, now: number): void {
  const nowIso = new Date(now).toISOString();
  for (const leaf of leaves.slice(index.primaries.length)) {
    const id = index.nextId++;
    const retry = leaf.retryOptions ? JSON.stringify(leaf.retryOptions) : undefined;
    if (leaf.fireAt !== undefined) {
      const finalAt = Date.parse(leaf.fireAt);
      const fireAt = firstTimerFireAt(finalAt, now, ctx.maxShortTimerMs, ctx.timerIntervalMs);
      const long = fireAt !== finalAt;
      addTimer(ctx, plan, record, { EventType: EventType.TimerCreated, EventId: id, Timestamp: nowIso, FireAt: new Date(fireAt).toISOString(), Origin: "primary", FinalFireAt: long ? leaf.fireAt : undefined });
    } else if (leaf.actionType <= 1) {
      addActivity(ctx, plan, record, { EventType: EventType.TaskScheduled, EventId: id, Timestamp: nowIso, Name: leaf.functionName, Input: toJson(decodeActionInput(leaf.input)), Origin: "primary", RetryOptions: retry });
    } else {
      const child = leaf.instanceId || deriveGuid(`${record.executionId}:${id}`);
      addSubOrchestration(ctx, plan, record, { EventType: EventType.SubOrchestrationInstanceCreated, EventId: id, Timestamp: nowIso, Name: leaf.functionName, InstanceId: child, Input: toJson(leaf.input), Origin: "primary", RetryOptions: retry });
    }
  }
  if (!followUp) return;
  if (followUp.kind === "timerChunk" && leaves[index.primaries.indexOf(followUp.group)]?.isCanceled) return;
  scheduleFollowUp(ctx, plan, record, index, followUp, now);
}

function scheduleFollowUp(ctx: EpisodeContext, plan: Plan, record: InstanceRecord, index: HistoryIndex, f: FollowUp, now: number): void {
  const id = index.nextId++;
  const nowIso = new Date(now).toISOString();
  const group = f.group;
  if (f.kind === "timerChunk") {
    const fireAt = nextTimerChunkFireAt(Date.parse(group.FinalFireAt ?? nowIso), now, ctx.timerIntervalMs);
    addTimer(ctx, plan, record, { EventType: EventType.TimerCreated, EventId: id, Timestamp: nowIso, FireAt: new Date(fireAt).toISOString(), Origin: "timerChunk", GroupId: group.EventId, FinalFireAt: group.FinalFireAt });
    return;
  }
  const options = retryOptionsOf(group);
  if (!options) return;
  if (f.kind === "retryTimer") {
    const d = computeRetry(options, f.attempt, Date.parse(group.Timestamp), now);
    addTimer(ctx, plan, record, { EventType: EventType.TimerCreated, EventId: id, Timestamp: nowIso, FireAt: new Date(now + d.delayInMs).toISOString(), Origin: "retryTimer", GroupId: group.EventId, RetryExpired: d.withinTimeout ? undefined : true });
    return;
  }
  const ev: HistoryEvent = { EventType: group.EventType, EventId: id, Timestamp: nowIso, Name: group.Name, Input: group.Input, Origin: "retryAttempt", GroupId: group.EventId };
  if (f.timer.RetryExpired) {
    // Retry timeout elapsed: the library still counts attempts, so this one fails at once with the last error.
    const last = attemptsOf(index, group).map((a) => index.failures.get(a)).filter((x): x is HistoryEvent => x !== undefined).pop();
    const kind = group.EventType === EventType.TaskScheduled ? "TaskFailed" : "SubOrchestrationInstanceFailed";
    if (group.EventType === EventType.SubOrchestrationInstanceCreated) ev.InstanceId = group.InstanceId;
    plan.events.push(ev);
    plan.outbound.push(() => ctx.queues.sendControl({
      kind, Id: newMessageId(), InstanceId: record.instanceId, ExecutionId: record.executionId, TaskScheduledId: id,
      Reason: withSuffix(last?.Reason ?? "Failed", ` (retry timeout of ${options.retryTimeoutInMilliseconds} ms exceeded)`), Details: last?.Details ?? "",
    }));
  } else if (group.EventType === EventType.TaskScheduled) {
    addActivity(ctx, plan, record, ev);
  } else {
    const derived = group.InstanceId === deriveGuid(`${record.executionId}:${group.EventId}`);
    ev.InstanceId = derived ? deriveGuid(`${record.executionId}:${id}`) : group.InstanceId;
    addSubOrchestration(ctx, plan, record, ev);
  }
}

function withSuffix(text: string, suffix: string): string {
  return text.endsWith(suffix) ? text : `${text}${suffix}`;
}

function addTimer(ctx: EpisodeContext, plan: Plan, record: InstanceRecord, ev: HistoryEvent): void {
  plan.events.push(ev);
  const fireAt = ev.FireAt ?? new Date().toISOString();
  plan.outbound.push(() => ctx.queues.sendControl(
    { kind: "TimerFired", Id: newMessageId(), InstanceId: record.instanceId, ExecutionId: record.executionId, TimerId: ev.EventId, FireAt: fireAt },
    Date.parse(fireAt) - Date.now(),
  ));
}

function addActivity(ctx: EpisodeContext, plan: Plan, record: InstanceRecord, ev: HistoryEvent): void {
  plan.events.push(ev);
  const msg: ActivityMessage = { kind: "Activity", Id: newMessageId(), InstanceId: record.instanceId, ExecutionId: record.executionId, TaskScheduledId: ev.EventId, Name: ev.Name ?? "", Input: ev.Input ?? null };
  plan.outbound.push(() => ctx.queues.sendWorkItem(msg));
}

function addSubOrchestration(ctx: EpisodeContext, plan: Plan, record: InstanceRecord, ev: HistoryEvent): void {
  plan.events.push(ev);
  const child = ev.InstanceId ?? "";
  plan.outbound.push(() => ctx.queues.sendControl({
    kind: "ExecutionStarted", Id: newMessageId(), InstanceId: child, ExecutionId: deriveGuid(`${record.executionId}:${ev.EventId}:execution`),
    Name: ev.Name ?? "", Input: ev.Input ?? null,
    Parent: { InstanceId: record.instanceId, ExecutionId: record.executionId, Name: record.name, TaskScheduledId: ev.EventId },
  }));
}
