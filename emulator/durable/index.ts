/**
 * Local Durable Task engine for the Azure Functions emulator: runs the real durable-functions
 * orchestrators and activities over the Azure Storage provider's layout in Azurite
 * (docs/local-host.md). Entry point: {@link createDurableEngine}.
 */
import { LocalDurableEngine } from "./engine";
import type { DurableEngine, DurableEngineOptions } from "./types";

export type { ControlResult, DurableEngine, DurableEngineOptions, FunctionInvoker, InstanceQuery, InstanceStatus, RaiseEventResult, RuntimeStatus } from "./types";
export { DurableEngineError } from "./engine";
export { getLargeString } from "./tableUtil";

/**
 * Creates the engine for one task hub. Nothing touches storage until `start()` (or a management
 * call, which creates the tables and queues if missing); management calls work without `start()`.
 * @param options - connection string, task hub name and limits (see {@link DurableEngineOptions}).
 * @throws Error for an invalid task hub name or partition count.
 */
export function createDurableEngine(options: DurableEngineOptions): DurableEngine {
  return new LocalDurableEngine(options);
}
