/**
 * A history-driven test harness for orchestrators: drives a registered orchestrator through the
 * real durable-functions replay with no storage and no queues, building the history the Durable
 * extension would write, one episode at a time (docs/local-host.md "The orchestrator contract"):
 * OrchestratorStarted + new events → invoke → new actions become TaskScheduled / TimerCreated
 * events with the extension's sequence numbers (compound actions flattened depth first, as the
 * engine does: `flattenActions` of ../durable/replay.ts) → OrchestratorCompleted. As on the
 * extension, a cancelled timer still fires: once the clock has passed its fire time, its TimerFired
 * wakes the orchestration for an episode of its own (before the events queued since). A
 * continueAsNew generation opens with OrchestratorStarted, ExecutionStarted, OrchestratorCompleted
 * (DurableTask.Core runs it in the work item that ended the previous one).
 */
import { ActionType, EventType, type HistoryEvent as StoredHistoryEvent, type OrchestratorResult } from "../durable/historyTypes";
import { flattenActions } from "../durable/replay";
import type { FunctionInvoker } from "../durable/types";
import { workerInvoker } from "../worker/invoke";

export { ActionType, type OrchestratorResult, type RawAction } from "../durable/historyTypes";
export { flattenActions } from "../durable/replay";

/** A history event as the driver sends it to the library (PascalCase fields, as the extension sends them). */
export type HistoryEvent = Pick<StoredHistoryEvent, "EventType" | "EventId" | "IsPlayed" | "Timestamp"> & Record<string, unknown>;

/** A scheduled activity or timer, with its sequence number. */
export interface Scheduled {
  /** Sequence number (`EventId` of its TaskScheduled / TimerCreated). */
  seq: number;
  kind: "activity" | "timer";
  /** Activity name. */
  name?: string;
  /** Activity input. */
  input?: unknown;
  /** Timer: ISO 8601 UTC fire time. */
  fireAt?: string;
  /** Timer: cancelled by the orchestrator (it still fires, as on the extension). */
  isCanceled?: boolean;
  /** Completed, failed or fired. */
  done: boolean;
}

/**
 * Builds an orchestrator's history step by step, as the extension writes it, and replays the
 * orchestrator after each step: the test decides when each activity completes or fails, when
 * timers fire and which events arrive, and reads what the orchestrator scheduled.
 */
export class OrchestrationDriver {
  readonly history: HistoryEvent[] = [];
  readonly scheduled: Scheduled[] = [];
  private pending: HistoryEvent[] = [];
  private nowMs: number;
  /** OrchestratorStarted time of the latest episode (ms). */
  private lastEpisodeMs = Number.NEGATIVE_INFINITY;
  /** Result of the latest episode. */
  last?: OrchestratorResult;
  /** Every activity call of the latest episode that was new (in order). */
  newlyScheduled: Scheduled[] = [];
  /** The error the orchestration failed with (the instance is then Failed), if it did. */
  failure?: string;

  /**
   * @param orchestratorName - the registered orchestrator function.
   * @param input - its input (JSON-serialisable).
   * @param startIso - ISO 8601 UTC instant of the first episode.
   * @param instanceId - the instance id the orchestrator sees.
   * @param continued - a generation started by continueAsNew.
   * @param invoker - runs the orchestrator (default: this worker's registry, {@link workerInvoker}).
   */
  constructor(
    private readonly orchestratorName: string,
    private readonly input: unknown,
    startIso: string,
    private readonly instanceId = "case-1",
    continued = false,
    private readonly invoker: FunctionInvoker = workerInvoker,
  ) {
    this.nowMs = Date.parse(startIso);
    this.pending.push(this.event(EventType.ExecutionStarted, { Name: orchestratorName, Input: JSON.stringify(input) }));
    if (continued) this.pending.push(this.event(EventType.OrchestratorCompleted));
  }

  /** Current orchestration time (ISO). */
  get now(): string {
    return new Date(this.nowMs).toISOString();
  }

  /** Moves the clock forward (the next episode's OrchestratorStarted timestamp). */
  advanceTo(iso: string): this {
    const ms = Date.parse(iso);
    if (ms > this.nowMs) this.nowMs = ms;
    return this;
  }

  private event(type: EventType, fields: Record<string, unknown> = {}, eventId = -1, atMs = this.nowMs): HistoryEvent {
    return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: new Date(atMs).toISOString(), ...fields };
  }

  /**
   * Runs one episode with the events queued since the last one, after the episodes of the
   * cancelled timers whose fire time the clock has passed (one each, at its fire time).
   */
  async replay(): Promise<OrchestratorResult> {
    const due = this.scheduled.filter((x) => x.kind === "timer" && x.isCanceled && !x.done && Date.parse(x.fireAt ?? "") <= this.nowMs);
    for (const t of due.sort((a, b) => Date.parse(a.fireAt ?? "") - Date.parse(b.fireAt ?? ""))) {
      if (this.last?.isDone) break;
      t.done = true;
      const at = Math.max(Date.parse(t.fireAt ?? ""), this.lastEpisodeMs);
      await this.episode(at, [this.event(EventType.TimerFired, { TimerId: t.seq, FireAt: t.fireAt }, -1, at)]);
    }
    const events = this.pending;
    this.pending = [];
    return this.episode(this.nowMs, events);
  }

  private async episode(atMs: number, events: HistoryEvent[]): Promise<OrchestratorResult> {
    this.lastEpisodeMs = atMs;
    this.history.push(this.event(EventType.OrchestratorStarted, {}, -1, atMs), ...events);
    const trigger = {
      history: this.history,
      input: this.input,
      instanceId: this.instanceId,
      isReplaying: false,
      parentInstanceId: null,
      upperSchemaVersion: 2,
      upperSchemaVersionNew: 3,
      maximumShortTimerDuration: "6.00:00:00",
      longRunningTimerIntervalDuration: "3.00:00:00",
    };
    let result: OrchestratorResult;
    try {
      result = (await this.invoker.invoke(this.orchestratorName, trigger)) as OrchestratorResult;
    } catch (e) {
      // The library reports an uncaught orchestrator error with its state after "$OutOfProcData$:";
      // the extension then marks the instance Failed with that error and schedules nothing more.
      const state = /\$OutOfProcData\$:(.*)$/s.exec((e as Error).message ?? "");
      if (!state?.[1]) throw e;
      const failed = JSON.parse(state[1]) as OrchestratorResult;
      this.last = { ...failed, isDone: true };
      this.failure = failed.error ?? "failed";
      this.history.push(this.event(EventType.OrchestratorCompleted, {}, -1, atMs));
      return this.last;
    }
    this.last = result;
    const numbered = flattenActions(result.actions).leaves;
    this.newlyScheduled = [];
    numbered.forEach((a, seq) => {
      const known = this.scheduled[seq];
      if (known) {
        const kind = a.actionType === ActionType.CreateTimer ? "timer" : "activity";
        if (known.kind !== kind || known.name !== a.functionName) {
          throw new Error(`Non-deterministic replay at sequence ${seq}: history has ${known.kind} ${known.name ?? known.fireAt}, orchestrator now schedules ${kind} ${a.functionName ?? a.fireAt}`);
        }
        if (a.isCanceled !== undefined) known.isCanceled = a.isCanceled;
        return;
      }
      const s: Scheduled =
        a.actionType === ActionType.CreateTimer
          ? { seq, kind: "timer", fireAt: a.fireAt ?? "", isCanceled: a.isCanceled ?? false, done: false }
          : { seq, kind: "activity", name: a.functionName ?? "", input: a.input, done: false };
      this.scheduled.push(s);
      this.newlyScheduled.push(s);
      this.history.push(
        s.kind === "timer"
          ? this.event(EventType.TimerCreated, { FireAt: s.fireAt }, seq, atMs)
          : this.event(EventType.TaskScheduled, { Name: s.name, Input: JSON.stringify(s.input ?? null) }, seq, atMs),
      );
    });
    if (this.history.at(-1)?.EventType !== EventType.OrchestratorCompleted) this.history.push(this.event(EventType.OrchestratorCompleted, {}, -1, atMs));
    return result;
  }

  /** Open (not completed, not canceled) activities and timers. */
  get open(): Scheduled[] {
    return this.scheduled.filter((s) => !s.done && !s.isCanceled);
  }

  /** The oldest open activity of a name. @throws if none. */
  openActivity(name: string): Scheduled {
    const s = this.open.find((x) => x.kind === "activity" && x.name === name);
    if (!s) throw new Error(`No open activity ${name}; open: ${this.open.map((o) => o.name ?? `timer@${o.fireAt}`).join(", ")}`);
    return s;
  }

  /** Queues the completion of the oldest open activity of `name` with `result`. */
  completeActivity(name: string, result: unknown = null): Scheduled {
    const s = this.openActivity(name);
    s.done = true;
    this.pending.push(this.event(EventType.TaskCompleted, { TaskScheduledId: s.seq, Result: JSON.stringify(result) }));
    return s;
  }

  /** Queues a failure of the oldest open activity of `name`. */
  failActivity(name: string, reason: string): Scheduled {
    const s = this.openActivity(name);
    s.done = true;
    this.pending.push(this.event(EventType.TaskFailed, { TaskScheduledId: s.seq, Reason: reason, Details: reason }));
    return s;
  }

  /** Replays queued events, then completes every open activity (results from `results` by name, default null) until none is left. */
  async completeAllActivities(results: Record<string, unknown> = {}): Promise<OrchestratorResult> {
    let guard = 0;
    let r = this.pending.length > 0 || !this.last ? await this.replay() : this.last;
    while (this.open.some((s) => s.kind === "activity")) {
      if (++guard > 100) throw new Error("activities never settle");
      for (const s of this.open.filter((x) => x.kind === "activity")) this.completeActivity(s.name ?? "", results[s.name ?? ""] ?? null);
      r = await this.replay();
    }
    return r;
  }

  /** The single open timer. @throws unless exactly one is open. */
  openTimer(): Scheduled {
    const timers = this.open.filter((s) => s.kind === "timer");
    if (timers.length !== 1) throw new Error(`expected one open timer, found ${timers.length}`);
    return timers[0] as Scheduled;
  }

  /** Advances the clock to the open timer's fireAt and queues TimerFired. */
  fireTimer(): Scheduled {
    const t = this.openTimer();
    t.done = true;
    this.advanceTo(t.fireAt ?? "");
    this.pending.push(this.event(EventType.TimerFired, { TimerId: t.seq, FireAt: t.fireAt }));
    return t;
  }

  /** Queues an external event (payload serialized as JSON; `undefined` = no input). */
  raiseEvent(name: string, payload: unknown): this {
    this.pending.push(this.event(EventType.EventRaised, { Name: name, Input: payload === undefined ? null : JSON.stringify(payload) }));
    return this;
  }

  /** Every activity scheduled so far of a name, in order. */
  activities(name?: string): Scheduled[] {
    return this.scheduled.filter((s) => s.kind === "activity" && (name === undefined || s.name === name));
  }

  /** Every timer scheduled so far. */
  timers(): Scheduled[] {
    return this.scheduled.filter((s) => s.kind === "timer");
  }
}
