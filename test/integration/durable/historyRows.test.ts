/**
 * The local Durable engine's stored history rows across executions: a new instance id runs
 * without querying its history partition (the history is held between episodes, and no earlier
 * execution can have left rows), while a new execution of an instance that ran before —
 * continueAsNew, or a start of a completed instance — deletes the earlier execution's rows.
 */
import "../../fixtures/durable-app/app";
import { TableClient } from "@azure/data-tables";
import type { DurableEngine } from "@csp-support/local-host/durable";
import { connectionString, finish, uniqueHub, newEngine, waitUntil } from "./helpers";

let engine: DurableEngine;
const hub = uniqueHub("Rows");

beforeAll(async () => {
  engine = newEngine({ taskHubName: hub });
  await engine.start();
});

afterAll(async () => {
  await engine.stop();
});

/** The instance's stored history rows: how many, by execution id. */
async function rowsByExecution(instanceId: string): Promise<Map<string, number>> {
  const table = TableClient.fromConnectionString(connectionString(), `${hub}History`, { allowInsecureConnection: true });
  const out = new Map<string, number>();
  for await (const row of table.listEntities<{ ExecutionId?: string }>({ queryOptions: { filter: `PartitionKey eq '${instanceId}'` } })) {
    out.set(String(row.ExecutionId), (out.get(String(row.ExecutionId)) ?? 0) + 1);
  }
  return out;
}

test("a new instance runs to completion without one query of its history", async () => {
  const queries = jest.spyOn(TableClient.prototype, "listEntities");
  try {
    const id = await engine.startNew("dtSequence", { instanceId: `new-${uniqueHub("")}` });
    const done = await finish(engine, id);
    expect(done.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
    const historyQueries = queries.mock.calls.filter((_call, i) => (queries.mock.contexts[i] as TableClient).tableName === `${hub}History`);
    // finish() reads the history once, through the status API (showHistory): that is the only query.
    expect(historyQueries).toHaveLength(1);
  } finally {
    queries.mockRestore();
  }
});

test("continueAsNew and a new start of a completed instance leave only the current execution's rows", async () => {
  const id = await engine.startNew("dtCounter", { input: { n: 0, max: 2, delayMs: 200 } });
  await waitUntil(async () => ((await engine.getStatus(id))?.customStatus as { generation?: number } | null)?.generation === 2 || undefined, 15000, "generation 2");
  expect(await engine.raiseEvent(id, "stop", "now")).toBe("accepted");
  const first = await finish(engine, id);
  expect(first.runtimeStatus).toBe("Completed");
  const afterGenerations = await rowsByExecution(id);
  expect(afterGenerations.size).toBe(1);

  // The same id started again once completed: a new execution, the earlier one's rows deleted.
  await engine.startNew("dtSequence", { instanceId: id });
  const second = await finish(engine, id);
  expect(second.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
  const afterRestart = await rowsByExecution(id);
  expect(afterRestart.size).toBe(1);
  expect([...afterRestart.keys()]).not.toEqual([...afterGenerations.keys()]);
});
