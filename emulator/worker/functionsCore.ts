/**
 * Local implementation of the Node worker's built-in module `@azure/functions-core`.
 *
 * `@azure/functions` requires this module once, on its first `app.*` call
 * (`tryGetCoreApiLazy`); the real worker provides it by wrapping `Module.prototype.require`
 * (azure-functions-nodejs-worker `src/setupCoreModule.ts`). {@link installFunctionsCore} does
 * the same, so the app registers its functions here exactly as it does in Azure.
 *
 * State lives on `globalThis` so that every copy of this module (for example one per Jest
 * module registry) sees the same registrations.
 */
import Module from "node:module";
import type { FunctionCallback, FunctionMetadata, ProgrammingModel, RpcLogLevel } from "./coreTypes";

/** One function registered by the app: its metadata and handler. */
export interface RegisteredFunction {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

interface CoreState {
  functions: Map<string, RegisteredFunction>;
  programmingModel?: ProgrammingModel;
  hooks: Map<string, Array<(ctx: unknown) => unknown>>;
  logSink: (level: RpcLogLevel, category: string, message: string) => void;
}

const STATE_KEY = Symbol.for("csp-support.emulator.functions-core");

function state(): CoreState {
  const g = globalThis as unknown as Record<symbol, CoreState | undefined>;
  let s = g[STATE_KEY];
  if (!s) {
    s = {
      functions: new Map(),
      hooks: new Map(),
      logSink: (level, category, message) => {
        if (level === "error" || level === "critical") console.error(`[${category}] ${message}`);
        else if (level === "warning") console.warn(`[${category}] ${message}`);
        else if (process.env.EMULATOR_VERBOSE) console.log(`[${category}] ${message}`);
      },
    };
    g[STATE_KEY] = s;
  }
  return s;
}

/** Disposable as returned by the worker's API. */
export class Disposable {
  #fn: () => unknown;
  /** @param callOnDispose - called once by {@link Disposable.dispose}. */
  constructor(callOnDispose: () => unknown) {
    this.#fn = callOnDispose;
  }
  /** Combines several disposables into one. */
  static from(...items: Array<{ dispose: () => unknown }>): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  /** Releases what this disposable holds. */
  dispose(): unknown {
    return this.#fn();
  }
}

/** Worker and host versions reported to the library. */
export const version = "3.10.1-local";
/** Host version reported to the library. */
export const hostVersion = "4.1037.0-local";

/**
 * Registers a function, as the worker does for `app.*` calls.
 * @param metadata - `{name, bindings, retryOptions}` built by `@azure/functions`.
 * @param callback - the user handler.
 * @throws Error when a function of the same name is already registered (as the worker does).
 */
export function registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
  const s = state();
  if (s.functions.has(metadata.name)) {
    throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
  }
  s.functions.set(metadata.name, { metadata, callback });
  return new Disposable(() => s.functions.delete(metadata.name));
}

/** Registers a lifecycle hook (`preInvocation`, `postInvocation`, `appStart`, `appTerminate`). */
export function registerHook(hookName: string, callback: (ctx: unknown) => unknown): Disposable {
  const s = state();
  const list = s.hooks.get(hookName) ?? [];
  list.push(callback);
  s.hooks.set(hookName, list);
  return new Disposable(() => {
    const i = list.indexOf(callback);
    if (i >= 0) list.splice(i, 1);
  });
}

/** Sets the programming model (called by `@azure/functions` on its first registration). */
export function setProgrammingModel(model: ProgrammingModel): void {
  state().programmingModel = model;
}

/**
 * Returns the programming model set by the app.
 * @throws Error when the app has not registered any function through `@azure/functions`.
 */
export function getProgrammingModel(): ProgrammingModel {
  const m = state().programmingModel;
  if (!m) throw new Error("No programming model set: the app registered no function through @azure/functions.");
  return m;
}

/** System log of the worker, used by `@azure/functions` for warnings. */
export function log(level: RpcLogLevel, category: string, message: string): void {
  state().logSink(level, category, message);
}

/** Every function registered so far, by name. */
export function getRegisteredFunctions(): ReadonlyMap<string, RegisteredFunction> {
  return state().functions;
}

/** Hooks registered under a name, in registration order. */
export function getHooks(hookName: string): ReadonlyArray<(ctx: unknown) => unknown> {
  return state().hooks.get(hookName) ?? [];
}

/** Replaces where worker and user logs go (default: console, info only with `EMULATOR_VERBOSE`). */
export function setLogSink(sink: (level: RpcLogLevel, category: string, message: string) => void): void {
  state().logSink = sink;
}

/** Forgets every registration and the programming model (tests only). */
export function resetFunctionsCore(): void {
  const s = state();
  s.functions.clear();
  s.hooks.clear();
  s.programmingModel = undefined;
}

let installed = false;

/**
 * Makes `require("@azure/functions-core")` resolve to this module in the current process, the way
 * the Node worker's `setupCoreModule` does. Call before any app module is loaded. Idempotent.
 */
export function installFunctionsCore(): void {
  if (installed) return;
  installed = true;
  const M = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
  };
  const original = M._resolveFilename;
  const self = __filename;
  M._resolveFilename = function (request: string, ...rest: unknown[]): string {
    if (request === "@azure/functions-core") return self;
    return original.call(this, request, ...rest);
  };
}
