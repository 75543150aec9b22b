/**
 * `@csp-support/local-host`: a local stand-in for the Azure Functions host and the Durable Task
 * extension (README.md beside this file). The host in process ({@link createLocalHost}), the
 * Durable engine on its own (`@csp-support/local-host/durable`), the worker's built-in module
 * (`@csp-support/local-host/worker`), `local.settings.json` and host.json loading
 * (`@csp-support/local-host/settings`), and an orchestrator replay harness for unit tests
 * (`@csp-support/local-host/testing`).
 */
export { checkStorage, createLocalHost, HostStartError, type FunctionListing, type HostLogLevel, type LocalHost, type LocalHostOptions } from "./host";
export { applyLocalSettings, getTaskHubName, readHostJson, resolveStorageConnection, type HostJson, type SettingsSource } from "./settings";
export { createDurableEngine, type DurableEngine, type DurableEngineOptions, type FunctionInvoker, type InstanceStatus } from "./durable";
