/**
 * Conversions from stored state to the shapes of the Durable Functions HTTP API
 * (`GET instances/{id}?showHistory&showHistoryOutput&showInput`), following the extension's
 * history conversion: EventType as its name, OrchestratorStarted/Completed dropped, completed
 * TaskScheduled/SubOrchestrationInstanceCreated folded into their completion as `FunctionName` and
 * `ScheduledTime`, payloads parsed from JSON, `Result` only with `showHistoryOutput`.
 */
import { EventType, type HistoryEvent } from "./historyTypes";
import type { InstanceRecord } from "./historyStore";
import type { InstanceStatus } from "./types";
import { parseJson } from "./episode";

/**
 * Builds the API status of an instance.
 * @param options - `showInput`: include the input (null otherwise), as `showInput` of the API (default true there).
 */
export function toInstanceStatus(record: InstanceRecord, options: { showInput: boolean }): InstanceStatus {
  return {
    name: record.name,
    instanceId: record.instanceId,
    runtimeStatus: record.runtimeStatus,
    createdTime: record.createdTime,
    lastUpdatedTime: record.lastUpdatedTime,
    input: options.showInput ? parseJson(record.input) : null,
    output: parseJson(record.output),
    customStatus: parseJson(record.customStatus),
  };
}

const BOOKKEEPING = ["Origin", "GroupId", "RetryOptions", "FinalFireAt", "MessageIds", "RetryExpired", "IsPlayed", "EventId", "Version", "OrchestrationInstance", "ParentInstance"];

/**
 * Converts a history to the HTTP API's `historyEvents` (each with `EventType` name and `Timestamp`,
 * ISO 8601 UTC).
 * @param options - `showHistoryOutput`: keep `Result` of completions and of ExecutionCompleted.
 */
export function toApiHistory(history: HistoryEvent[], options: { showHistoryOutput: boolean }): Record<string, unknown>[] {
  const scheduled = new Map<number, HistoryEvent>();
  const folded = new Set<number>();
  for (const ev of history) {
    if (ev.EventType === EventType.TaskScheduled || ev.EventType === EventType.SubOrchestrationInstanceCreated) scheduled.set(ev.EventId, ev);
  }
  const out: Record<string, unknown>[] = [];
  for (const ev of history) {
    if (ev.EventType === EventType.OrchestratorStarted || ev.EventType === EventType.OrchestratorCompleted) continue;
    const item: Record<string, unknown> = { ...ev, EventType: EventType[ev.EventType] ?? String(ev.EventType) };
    for (const k of BOOKKEEPING) delete item[k];
    switch (ev.EventType) {
      case EventType.ExecutionStarted:
        item.FunctionName = ev.Name;
        delete item.Name;
        item.Input = parseJson(ev.Input);
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed: {
        const s = ev.TaskScheduledId !== undefined ? scheduled.get(ev.TaskScheduledId) : undefined;
        if (s) {
          folded.add(s.EventId);
          item.FunctionName = s.Name;
          item.ScheduledTime = s.Timestamp;
        }
        delete item.TaskScheduledId;
        if (ev.Result !== undefined) item.Result = options.showHistoryOutput ? parseJson(ev.Result) : undefined;
        if (!options.showHistoryOutput) delete item.Result;
        break;
      }
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
        item.FunctionName = ev.Name;
        delete item.Name;
        delete item.Input;
        item.EventId = ev.EventId;
        break;
      case EventType.EventRaised:
      case EventType.ExecutionTerminated:
        item.Input = parseJson(ev.Input);
        break;
      case EventType.ExecutionCompleted:
        if (options.showHistoryOutput) item.Result = parseJson(ev.Result);
        else delete item.Result;
        break;
      default:
        break;
    }
    out.push(item);
  }
  // Scheduling events whose completion is listed are folded into it, as the extension does.
  return out.filter((item) => !(typeof item.EventId === "number" && folded.has(item.EventId) && (item.EventType === "TaskScheduled" || item.EventType === "SubOrchestrationInstanceCreated")))
    .map((item) => {
      delete item.EventId;
      return item;
    });
}
