/**
 * Durable hops of finished support request workflows, read from the task hub's history table
 * (`<hub>History`: PartitionKey = instance id = case id, one row per history event, `EventType` by
 * name, `_Timestamp` the ISO 8601 UTC time of the episode that recorded the event, as the local
 * engine stores it).
 *
 * One hop is an activity round trip as the orchestration sees it: from the episode that scheduled
 * the activity (`TaskScheduled`) to the episode that applied its result (`TaskCompleted` or
 * `TaskFailed` with the same `TaskScheduledId`). It includes the activity's own work, the work-item
 * and control queue messages, and the episode that picks the result up. Timer hops are left out
 * (their wait is the timer's, not the engine's).
 */
import { TableClient } from "@azure/data-tables";

/** One measured hop. */
export interface WorkflowHop {
  instanceId: string;
  /** Activity name. */
  activity: string;
  /** Scheduled → result applied, in ms. */
  durationInMs: number;
}

/**
 * Reads the hops of the given instances.
 * @param connectionString - storage connection string (Azurite, directly, not through the counting proxy).
 * @param taskHub - task hub name (the history table is `<taskHub>History`).
 * @param instanceIds - instances to read (their whole history, every execution).
 * @returns every activity hop whose result was applied; scheduled activities still running are left out.
 */
export async function readWorkflowHops(connectionString: string, taskHub: string, instanceIds: readonly string[]): Promise<WorkflowHop[]> {
  const table = TableClient.fromConnectionString(connectionString, `${taskHub}History`, { allowInsecureConnection: true });
  const hops: WorkflowHop[] = [];
  for (const instanceId of instanceIds) {
    const scheduled = new Map<string, { name: string; at: number }>();
    const rows = table.listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${instanceId.replace(/'/g, "''")}'` } });
    for await (const row of rows) {
      const at = Date.parse(String(row._Timestamp ?? ""));
      const execution = String(row.ExecutionId ?? "");
      if (row.EventType === "TaskScheduled") scheduled.set(`${execution}/${String(row.EventId)}`, { name: String(row.Name ?? "?"), at });
      else if (row.EventType === "TaskCompleted" || row.EventType === "TaskFailed") {
        const start = scheduled.get(`${execution}/${String(row.TaskScheduledId)}`);
        if (start && Number.isFinite(start.at) && Number.isFinite(at)) hops.push({ instanceId, activity: start.name, durationInMs: at - start.at });
      }
    }
  }
  return hops;
}
