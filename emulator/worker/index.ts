/**
 * The local host's stand-in for the Node worker: the built-in module `@azure/functions-core`
 * (install it before an app's first `app.*` call, as the worker does) and the invoker that runs a
 * registered function by name.
 */
export { getHooks, getRegisteredFunctions, installFunctionsCore, type RegisteredFunction } from "./functionsCore";
export { FunctionNotFoundError, getFunction, invokeFunction, workerInvoker } from "./invoke";
