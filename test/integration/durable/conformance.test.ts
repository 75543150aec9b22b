/**
 * Conformance of the local Durable engine's histories with the Durable Task extension's: for the
 * same orchestrator code, the rows the engine stores in `<hub>History` have the event types, the
 * sequence numbers and the order (episode by episode) the extension writes.
 *
 * Where the expected sequences come from:
 * - durable-functions' own test histories, which the library replays as the extension sends them
 *   (azure-functions-durable-js `test/testobjects/testhistories.ts`): `GetHelloSequenceReplayFinal`,
 *   `GetFanOutFanInDiskUsageComplete`, `GetTimerActivityRaceActivityWinsHistory` (the losing timer
 *   still fires, in an episode of its own), `GetAnyWithTaskSet`, `GetSayHelloWithActivityRetryRetryOne`,
 *   `GetSayHelloWithSubOrchestratorReplayOne`;
 * - what DurableTask.Core's `TaskOrchestrationDispatcher` adds around them: every episode opens with
 *   OrchestratorStarted and closes with OrchestratorCompleted, a completing episode writes
 *   ExecutionCompleted before it, every CreateTimer action is created and its TimerFired queued
 *   even when the orchestrator cancelled it (`ProcessCreateTimerDecision`; the extension's
 *   `OutOfProcOrchestrationShim` creates the timer, then cancels it), the next generation of a
 *   continueAsNew starts as OrchestratorStarted, ExecutionStarted, OrchestratorCompleted in the
 *   same work item and unprocessed events are not carried over (the JS library cannot ask for it).
 * - the extension's long timers (`DurableOrchestrationContext.CreateTimer`): chunks of
 *   `longRunningTimerIntervalDuration` while more than `maximumShortTimerDuration` remains; a
 *   cancellation ends the chunk loop, and a replay then creates only the first chunk.
 */
import "../../fixtures/durable-app/conformanceApp";
import { odata, TableClient } from "@azure/data-tables";
import type { DurableEngine } from "@csp-support/local-host/durable";
import { connectionString, finish, newEngine, waitUntil } from "./helpers";

const OS = "OrchestratorStarted";
const OC = "OrchestratorCompleted";
const ES = "ExecutionStarted";

let engine: DurableEngine;
/** Timers: short ones up to 6 s, longer ones chunked by 5 s (the extension's defaults are 6 and 3 days). */
let timers: DurableEngine;

beforeAll(async () => {
  engine = newEngine();
  timers = newEngine({ maximumShortTimerDuration: "00:00:06", longRunningTimerIntervalDuration: "00:00:05" });
  await Promise.all([engine.start(), timers.start()]);
});

afterAll(async () => {
  await Promise.all([engine.stop(), timers.stop()]);
});

function table(hub: string, suffix: "History" | "Instances"): TableClient {
  return TableClient.fromConnectionString(connectionString(), `${hub}${suffix}`, { allowInsecureConnection: true });
}

/** One stored history row as a short token: type, sequence number (scheduling and completion events), name, status. */
function token(row: Record<string, unknown>): string {
  const type = String(row.EventType);
  switch (type) {
    case "TaskScheduled":
    case "SubOrchestrationInstanceCreated":
      return `${type}#${String(row.EventId)} ${String(row.Name)}`;
    case "TimerCreated":
      return `${type}#${String(row.EventId)}`;
    case "TaskCompleted":
    case "TaskFailed":
    case "SubOrchestrationInstanceCompleted":
    case "SubOrchestrationInstanceFailed":
      return `${type}#${String(row.TaskScheduledId)}`;
    case "TimerFired":
      return `${type}#${String(row.TimerId)}`;
    case "EventRaised":
      return `${type} ${String(row.Name)}`;
    case "ExecutionCompleted":
      return `${type} ${String(row.OrchestrationStatus)}`;
    default:
      return type;
  }
}

/**
 * The committed history of the instance's current execution as the `<hub>History` table holds it
 * (rows of that execution below the instance row's `HistoryLength`, in RowKey order), split into
 * episodes at each OrchestratorStarted.
 */
async function storedEpisodes(on: DurableEngine, instanceId: string): Promise<string[][]> {
  const instance = await table(on.taskHubName, "Instances").getEntity<{ ExecutionId: string; HistoryLength: number }>(instanceId, "");
  const rows: Array<Record<string, unknown> & { rowKey?: string }> = [];
  for await (const row of table(on.taskHubName, "History").listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${instanceId}` } })) {
    if (row.ExecutionId === instance.ExecutionId && parseInt(row.rowKey ?? "", 16) < Number(instance.HistoryLength)) rows.push(row);
  }
  rows.sort((a, b) => parseInt(a.rowKey ?? "", 16) - parseInt(b.rowKey ?? "", 16));
  const episodes: string[][] = [];
  for (const t of rows.map(token)) {
    if (t === OS || episodes.length === 0) episodes.push([]);
    episodes.at(-1)?.push(t);
  }
  return episodes;
}

/** Waits until the stored history contains `wanted`. */
async function storedUntil(on: DurableEngine, instanceId: string, wanted: string, timeoutInMs = 20000): Promise<void> {
  await waitUntil(async () => (await storedEpisodes(on, instanceId).catch(() => [])).flat().includes(wanted), timeoutInMs, `${wanted} in the history of ${instanceId}`);
}

test("a sequence of activities: one episode per completion, each scheduling the next (GetHelloSequenceReplayFinal)", async () => {
  const id = await engine.startNew("cfSequence");
  const s = await finish(engine, id);
  expect(s.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
  expect(await storedEpisodes(engine, id)).toEqual([
    [OS, ES, "TaskScheduled#0 cfHello", OC],
    [OS, "TaskCompleted#0", "TaskScheduled#1 cfHello", OC],
    [OS, "TaskCompleted#1", "TaskScheduled#2 cfHello", OC],
    [OS, "TaskCompleted#2", "ExecutionCompleted Completed", OC],
  ]);
});

test("fan-out/fan-in: all activities scheduled in one episode, completions in one or more, the last completes (GetFanOutFanInDiskUsageComplete)", async () => {
  const n = 6;
  const id = await engine.startNew("cfFanOut", { input: n });
  const s = await finish(engine, id);
  expect(s.output).toBe(n * "file-0".length);
  const [first, second, ...rest] = await storedEpisodes(engine, id);
  expect(first).toEqual([OS, ES, "TaskScheduled#0 cfFileList", OC]);
  expect(second).toEqual([OS, "TaskCompleted#0", ...Array.from({ length: n }, (_, i) => `TaskScheduled#${i + 1} cfFileSize`), OC]);
  // The completions arrive as the activities finish: batched into as many episodes as it takes,
  // each opened by at least one completion; the last one completes the orchestration.
  expect(rest.length).toBeGreaterThanOrEqual(1);
  for (const [i, episode] of rest.entries()) {
    const completions = episode.slice(1, i === rest.length - 1 ? -2 : -1);
    expect(episode[0]).toBe(OS);
    expect(completions.length).toBeGreaterThanOrEqual(1);
    expect(completions.every((t) => t.startsWith("TaskCompleted#"))).toBe(true);
    expect(episode.at(-1)).toBe(OC);
  }
  expect(rest.at(-1)?.at(-2)).toBe("ExecutionCompleted Completed");
  const completed = rest.flat().filter((t) => t.startsWith("TaskCompleted#"));
  expect(completed.sort()).toEqual(Array.from({ length: n }, (_, i) => `TaskCompleted#${i + 1}`).sort());
});

test("callActivityWithRetry: TaskFailed, then the retry timer, then the next attempt with the next sequence number (GetSayHelloWithActivityRetryRetryOne)", async () => {
  const id = await engine.startNew("cfRetry", { input: { key: `retry-${Date.now()}`, failTimes: 1, firstRetryMs: 300 } });
  const s = await finish(engine, id);
  expect(s.output).toBe("attempt 2 succeeded");
  expect(await storedEpisodes(engine, id)).toEqual([
    [OS, ES, "TaskScheduled#0 cfFlaky", OC],
    [OS, "TaskFailed#0", "TimerCreated#1", OC],
    [OS, "TimerFired#1", "TaskScheduled#2 cfFlaky", OC],
    [OS, "TaskCompleted#2", "ExecutionCompleted Completed", OC],
  ]);
});

test("sub-orchestration: the parent records creation and completion, the child its own history (GetSayHelloWithSubOrchestratorReplayOne)", async () => {
  const id = await engine.startNew("cfParent", { input: "Kid" });
  const s = await finish(engine, id);
  expect(s.output).toBe("Hello Kid!");
  expect(await storedEpisodes(engine, id)).toEqual([
    [OS, ES, "SubOrchestrationInstanceCreated#0 cfChild", OC],
    [OS, "SubOrchestrationInstanceCompleted#0", "ExecutionCompleted Completed", OC],
  ]);
  expect(await storedEpisodes(engine, `${id}-child`)).toEqual([
    [OS, ES, "TaskScheduled#0 cfHello", OC],
    [OS, "TaskCompleted#0", "ExecutionCompleted Completed", OC],
  ]);
});

test.each([
  ["timer vs event: the event wins, the cancelled timer still fires in an episode of its own (GetTimerActivityRaceActivityWinsHistory)", 5000],
  ["a long timer cancelled before its first chunk fires: that chunk still fires, no further chunk is created", 20_000],
])("%s", async (_title, timeoutMs) => {
  const id = await timers.startNew("cfEventOrTimer", { input: { timeoutMs } });
  await storedUntil(timers, id, "TimerCreated#0");
  expect(await timers.raiseEvent(id, "Approval", "alice")).toBe("accepted");
  await storedUntil(timers, id, "TimerFired#0");
  expect(await timers.raiseEvent(id, "Finish", "done")).toBe("accepted");
  const s = await finish(timers, id);
  expect(s.output).toEqual({ outcome: "approved", by: "alice", finish: "done" });
  expect(await storedEpisodes(timers, id)).toEqual([
    [OS, ES, "TimerCreated#0", OC],
    [OS, "EventRaised Approval", OC],
    [OS, "TimerFired#0", OC],
    [OS, "EventRaised Finish", "ExecutionCompleted Completed", OC],
  ]);
});

test("a long timer cancelled after its second chunk was created fails the replay as non-deterministic, as on the extension", async () => {
  const id = await timers.startNew("cfEventOrTimer", { input: { timeoutMs: 20_000 } });
  await storedUntil(timers, id, "TimerCreated#1");
  expect(await timers.raiseEvent(id, "Approval", "carol")).toBe("accepted");
  const s = await finish(timers, id);
  expect(s.runtimeStatus).toBe("Failed");
  expect(String(s.output)).toContain("Non-Deterministic workflow detected");
  expect(String(s.output)).toContain("timer task with sequence number 1");
});

test("continueAsNew: the next generation starts in an episode of its own and an event left unprocessed is not carried over", async () => {
  const counter = newEngine();
  try {
    // Start and two events before the engine runs: the first episode receives all three messages.
    const id = await counter.startNew("cfCounter", { input: { count: 0, target: 10 } });
    expect(await counter.raiseEvent(id, "Add", 1)).toBe("accepted");
    expect(await counter.raiseEvent(id, "Add", 2)).toBe("accepted");
    await counter.start();
    // Generation 1 takes the first "Add" and continues as new; the second "Add" goes with it.
    await waitUntil(async () => ((await counter.getStatus(id))?.input as { count?: number } | undefined)?.count === 1, 20000, "generation 2");
    await waitUntil(async () => (await storedEpisodes(counter, id).catch(() => [])).length > 0, 20000, "generation 2 stored");
    expect(await storedEpisodes(counter, id)).toEqual([[OS, ES, OC]]);
    expect(await counter.raiseEvent(id, "Add", 9)).toBe("accepted");
    const s = await finish(counter, id);
    expect(s.output).toBe(10);
    expect(await storedEpisodes(counter, id)).toEqual([
      [OS, ES, OC],
      [OS, "EventRaised Add", "ExecutionCompleted Completed", OC],
    ]);
  } finally {
    await counter.stop();
  }
});
