/** Shared helpers of the durable engine integration tests. */
import { randomBytes } from "node:crypto";
import { createDurableEngine, type DurableEngine, type DurableEngineOptions, type InstanceStatus } from "@csp-support/local-host/durable";
import { workerInvoker } from "@csp-support/local-host/worker";
export { waitUntil } from "../../support/wait";

/** A fresh task hub name (alphanumeric, starts with a letter) so test files never collide. */
export function uniqueHub(prefix = "T"): string {
  return `${prefix}${randomBytes(6).toString("hex")}`;
}

/** The Azurite connection string Jest's global setup exported. */
export function connectionString(): string {
  const cs = process.env.AZURE_STORAGE_CONNECTION_STRING;
  if (!cs) throw new Error("AZURE_STORAGE_CONNECTION_STRING is not set (Jest global setup starts Azurite).");
  return cs;
}

/** Creates (not starts) an engine on a new hub with fast polling. */
export function newEngine(overrides: Partial<DurableEngineOptions> = {}): DurableEngine {
  return createDurableEngine({
    invoker: workerInvoker,
    connectionString: connectionString(),
    taskHubName: uniqueHub(),
    partitionCount: 2,
    pollingIntervalInMs: 50,
    log: (level, message) => {
      if (level === "error") console.error(message);
    },
    ...overrides,
  });
}

/** Waits for a terminal status and returns it with history (outputs shown). */
export async function finish(engine: DurableEngine, instanceId: string, timeoutInMs = 20000): Promise<InstanceStatus> {
  const s = await engine.waitForCompletion(instanceId, timeoutInMs);
  if (!s) throw new Error(`Instance ${instanceId} unknown`);
  const full = await engine.getStatus(instanceId, { showHistory: true, showHistoryOutput: true });
  return full ?? s;
}

/** `EventType` names of an API history, in order. */
export function eventTypes(status: InstanceStatus): string[] {
  return (status.historyEvents ?? []).map((e) => String((e as { EventType: unknown }).EventType));
}
