/**
 * Invokes registered functions exactly as the Node worker does: through the programming model's
 * `getInvocationModel(coreCtx)` (`getArguments` → pre-invocation hooks → `invokeFunction` →
 * post-invocation hooks → `getResponse`), so every input and output conversion is the library's own.
 */
import { randomUUID } from "node:crypto";
import type { FunctionMetadata, RpcInvocationRequest, RpcInvocationResponse, RpcLogLevel, RpcTypedData } from "./coreTypes";
import { getHooks, getProgrammingModel, getRegisteredFunctions, log, type RegisteredFunction } from "./functionsCore";
import type { FunctionInvoker } from "../durable/types";

/** Thrown when a function name is not registered; `code` is `FunctionNotFound`. */
export class FunctionNotFoundError extends Error {
  readonly code = "FunctionNotFound";
  /** @param functionName - the name that was looked up. */
  constructor(readonly functionName: string) {
    super(`Function "${functionName}" is not registered.`);
    this.name = "FunctionNotFoundError";
  }
}

/** Looks up a registered function. @throws FunctionNotFoundError when unknown. */
export function getFunction(name: string): RegisteredFunction {
  const f = getRegisteredFunctions().get(name);
  if (!f) throw new FunctionNotFoundError(name);
  return f;
}

/**
 * Name and binding info of the function's trigger binding (the binding whose type ends in `Trigger`).
 * @throws Error when the function has no trigger binding.
 */
export function getTriggerBinding(metadata: FunctionMetadata): { name: string; type: string; info: Record<string, unknown> } {
  for (const [name, info] of Object.entries(metadata.bindings)) {
    const type = info.type ?? "";
    if (/trigger$/i.test(type)) return { name, type, info: info as Record<string, unknown> };
  }
  throw new Error(`Function "${metadata.name}" has no trigger binding.`);
}

/** Encodes a JSON-serializable value as worker typed data (`json`), `undefined` as no data. */
export function toJsonTypedData(value: unknown): RpcTypedData | undefined {
  return value === undefined ? undefined : { json: JSON.stringify(value) };
}

/**
 * Decodes typed data returned by the programming model (`json`, `string`, `bytes`, numbers).
 * JSON strings are parsed; bytes come back as a Buffer.
 */
export function fromTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (data.json != null) return JSON.parse(data.json);
  if (data.string != null) {
    try {
      return JSON.parse(data.string);
    } catch {
      return data.string;
    }
  }
  if (data.bytes != null) return Buffer.from(data.bytes);
  if (data.stream != null) return Buffer.from(data.stream);
  if (data.int != null) return data.int;
  if (data.double != null) return data.double;
  if (data.http != null) return data.http;
  return undefined;
}

/** Options of {@link invokeFunction}. */
export interface InvokeFunctionOptions {
  /** Input values by binding name (trigger and input bindings), already as typed data. */
  inputData?: Record<string, RpcTypedData | undefined>;
  /** Trigger metadata, as typed data by key. */
  triggerMetadata?: Record<string, RpcTypedData>;
  /** Retry context for triggers with retry policies. */
  retryContext?: RpcInvocationRequest["retryContext"];
  /** Where user and system logs of this invocation go; default: the core log sink. */
  log?: (level: RpcLogLevel, category: string, message: string) => void;
}

/**
 * Invokes a registered function once and returns the worker response.
 * @param name - registered function name.
 * @returns the `RpcInvocationResponse` built by the library (`returnValue`, `outputData`).
 * @throws FunctionNotFoundError for an unknown name; rethrows whatever the handler throws.
 */
export async function invokeFunction(name: string, options: InvokeFunctionOptions = {}): Promise<RpcInvocationResponse> {
  const fn = getFunction(name);
  const invocationId = randomUUID();
  const request: RpcInvocationRequest = {
    invocationId,
    functionId: fn.metadata.functionId ?? name,
    inputData: Object.entries(options.inputData ?? {})
      .filter(([, data]) => data !== undefined)
      .map(([bindingName, data]) => ({ name: bindingName, data })),
    triggerMetadata: options.triggerMetadata ?? {},
    retryContext: options.retryContext ?? null,
    traceContext: null,
  };
  const coreCtx = {
    invocationId,
    request,
    metadata: { ...fn.metadata, name },
    state: undefined as undefined | "preInvocationHooks" | "postInvocationHooks" | "invocation",
    log: options.log ?? ((level: RpcLogLevel, category: string, message: string) => log(level, category, message)),
  };
  const model = getProgrammingModel().getInvocationModel(coreCtx);
  const { context, inputs } = await model.getArguments();
  let callback = fn.callback;
  coreCtx.state = "preInvocationHooks";
  for (const hook of getHooks("preInvocation")) {
    const hookCtx = { invocationContext: context, inputs, functionCallback: callback, hookData: {}, appHookData: {} };
    await hook(hookCtx);
    callback = hookCtx.functionCallback;
  }
  coreCtx.state = "invocation";
  let result: unknown;
  let error: unknown;
  try {
    result = await model.invokeFunction(context, inputs, callback);
  } catch (e) {
    error = e;
  }
  coreCtx.state = "postInvocationHooks";
  for (const hook of getHooks("postInvocation")) {
    const hookCtx = { invocationContext: context, inputs, result, error, hookData: {}, appHookData: {} };
    await hook(hookCtx);
    result = hookCtx.result;
    error = hookCtx.error;
  }
  coreCtx.state = undefined;
  if (error !== undefined && error !== null) throw error;
  return model.getResponse(context, result);
}

/**
 * Invokes a function whose only input is its trigger, passing `triggerValue` as JSON and
 * returning the decoded return value (what Durable activity and orchestrator triggers use).
 * @param extraInputs - further input bindings by name (e.g. a durableClient payload).
 */
export async function invokeWithJsonTrigger(
  name: string,
  triggerValue: unknown,
  extraInputs: Record<string, RpcTypedData | undefined> = {},
): Promise<unknown> {
  const fn = getFunction(name);
  const trigger = getTriggerBinding(fn.metadata);
  const response = await invokeFunction(name, {
    inputData: { [trigger.name]: toJsonTypedData(triggerValue) ?? { json: "null" }, ...extraInputs },
  });
  return fromTypedData(response.returnValue);
}

/**
 * The engine's {@link FunctionInvoker} over this worker's function registry (what the host passes
 * to the Durable engine): trigger types from the registered metadata, invocations through
 * {@link invokeWithJsonTrigger}.
 */
export const workerInvoker: FunctionInvoker = {
  triggerType: (name) => getTriggerBinding(getFunction(name).metadata).type,
  invoke: (name, trigger) => invokeWithJsonTrigger(name, trigger),
};
