/**
 * The local Functions host: loads the app like the Node worker, serves its HTTP triggers like the
 * Functions host, hands Durable functions to the local Durable engine, serves the Durable HTTP API
 * polls queue and blob triggers (emulator/blobListener.ts) and runs timer triggers on their
 * NCRONTAB schedules (emulator/timerListener.ts). See docs/local-host.md.
 */
import { randomBytes } from "node:crypto";
import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { QueueServiceClient } from "@azure/storage-queue";
import type { DurableEngine, DurableEngineOptions } from "./durable/types";
import { loadApp } from "./appLoader";
import { buildFunctionTable, matchHttpFunction, type FunctionTable, type HttpFunction } from "./functionTable";
import { getPresentedKey, isAuthorized, resolveHostKeys, type AuthLevel, type HostKeys } from "./http/auth";
import { handleDurableApiRequest, type DurableApiContext } from "./http/durableManagementApi";
import { buildDurableClientInput, buildManagementPayload, DURABLE_RPC_PATH, DURABLE_WEBHOOK_PATH } from "./http/durableUrls";
import {
  MAX_REQUEST_BODY_BYTES,
  PayloadTooLargeError,
  readBody,
  requestUrl,
  sendEmpty,
  sendJson,
  toRpcHttpRequest,
  writeRpcHttpResponse,
} from "./http/rpcHttp";
import { startBlobListeners, type BlobListeners } from "./blobListener";
import { startQueueListeners, type QueueListeners } from "./queueListener";
import { startTimerListeners, type TimerListeners } from "./timerListener";
import { applyLocalSettings, getRoutePrefix, getTaskHubName, queueMaxPollingIntervalInMs, readHostJson, resolveStorageConnection, type HostJson } from "./settings";
import type { RpcTypedData } from "./worker/coreTypes";
import { getHooks, hostVersion, installFunctionsCore } from "./worker/functionsCore";
import { invokeFunction, workerInvoker } from "./worker/invoke";

/** Log levels of the host's own diagnostics. */
export type HostLogLevel = "debug" | "info" | "warn" | "error";

/** Options of {@link createLocalHost}. */
export interface LocalHostOptions {
  /** App root (package.json, host.json, local.settings.json); default `process.cwd()`. */
  appDir?: string;
  /** HTTP port; default 7071 as `func start`; 0 picks a free port (tests). */
  port?: number;
  /** Interface to bind; default `127.0.0.1` (loopback only). */
  hostname?: string;
  /**
   * Port of the Durable local RPC endpoint (the client's `rpcBaseUrl`, no keys, like the
   * extension's); default 17071 as the extension; 0 picks a free port; `false` disables it, so
   * clients use the keyed webhook URLs. host.json `extensions.durableTask.localRpcEndpointEnabled:
   * false` disables it too. It is always bound to 127.0.0.1 (checked after listening) and only the
   * host's own durable clients can use it: its base path holds a random token generated per run and
   * handed only to them (in the durableClient binding payload), and it refuses requests from a
   * non-loopback peer, with a non-loopback `Host` (DNS rebinding) or with an `Origin` (a browser).
   */
  durableRpcPort?: number | false;
  /** Keys to use instead of the settings of `KEY_SETTINGS` (missing ones are generated). */
  keys?: Partial<HostKeys>;
  /** Builds the Durable engine; default `createDurableEngine` of `./durable/index`. */
  engineFactory?: (options: DurableEngineOptions) => DurableEngine;
  /** Apply `local.settings.json` (or the example's defaults) to `process.env`; default true. */
  loadSettings?: boolean;
  /** How long the storage reachability check may take, in ms; default 5000. */
  storageCheckTimeoutInMs?: number;
  /** Idle polling interval of queue triggers, in ms; default 1000. */
  queuePollingIntervalInMs?: number;
  /** Interval between scans of blob trigger containers, in ms; default 1000 (see emulator/blobListener.ts). */
  blobPollingIntervalInMs?: number;
  /** How often a host without a timer's listener lock tries to take it, in ms; default 15 000 (see emulator/timerListener.ts). */
  timerLockRetryIntervalInMs?: number;
  /** Request body limit in bytes; default 100 MB as Azure. */
  maxRequestBodyBytes?: number;
  /**
   * How long a client may take to send the request headers, in ms; default 30 000 (Kestrel's
   * `RequestHeadersTimeout`, which the Functions host runs on). A slower client's connection is
   * closed (Node answers 408 when it can).
   */
  headersTimeoutInMs?: number;
  /**
   * How long a request may take, from its first byte to the function's response, in ms; default
   * 230 000: the Azure front end's limit for HTTP-triggered functions ("If a function that uses
   * the HTTP trigger doesn't complete within 230 seconds, the Azure Load Balancer will time out and
   * return an HTTP 502 error. The function will continue running"). Receiving the body counts too.
   */
  requestTimeoutInMs?: number;
  /** Most TCP connections the HTTP listener holds at once; further ones are closed at once. Default 256. */
  maxConnections?: number;
  /**
   * Which functions this host runs, as one instance of a Flex Consumption scale group does
   * (Microsoft Learn, "Event-driven scaling", per-function scaling: the HTTP triggers of an app
   * scale together on instances of their own, and all Durable Functions triggers on theirs):
   * `all` (default) runs every trigger, as one host of another plan does; `http` serves the HTTP
   * triggers and the Durable client API (orchestrations are started, events raised) and runs no
   * orchestration, activity, queue, blob or timer trigger, which another host on the same storage
   * and task hub runs. Default from `EMULATOR_SCALE_GROUP`.
   */
  scaleGroup?: ScaleGroup;
  /** Stop gracefully on SIGINT/SIGTERM and exit the process; default false (the CLI sets it). */
  handleSignals?: boolean;
  /** Diagnostics; default console (debug only with `EMULATOR_VERBOSE`). */
  log?: (level: HostLogLevel, message: string) => void;
}

/** The scale groups a local host can run as (see {@link LocalHostOptions.scaleGroup}). */
export const ScaleGroups = ["all", "http"] as const;
/** A scale group. */
export type ScaleGroup = (typeof ScaleGroups)[number];

/**
 * The scale group of `EMULATOR_SCALE_GROUP` (unset or empty: `all`).
 * @throws HostStartError `InvalidSetting` for another value.
 */
export function scaleGroupOf(value: string | undefined): ScaleGroup {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "") return "all";
  if ((ScaleGroups as readonly string[]).includes(v)) return v as ScaleGroup;
  throw new HostStartError("InvalidSetting", `EMULATOR_SCALE_GROUP is "${value}"; use one of ${ScaleGroups.join(", ")}.`);
}

/** One function as `func start` lists it. */
export interface FunctionListing {
  name: string;
  /** e.g. `httpTrigger`, `orchestrationTrigger`. */
  triggerType: string;
  /** HTTP functions only: methods (empty = all), auth level and absolute URL template. */
  methods?: string[];
  authLevel?: Exclude<AuthLevel, "system">;
  url?: string;
}

/** A running (or startable) local host. */
export interface LocalHost {
  /** Starts everything; rejects with `HostStartError` (stable `code`) and leaves nothing running. */
  start(): Promise<void>;
  /** Stops accepting HTTP, stops queue listeners and the engine, runs `appTerminate` hooks. Idempotent. */
  stop(): Promise<void>;
  /** `http://127.0.0.1:<port>` once started. @throws Error before start. */
  readonly url: string;
  /** Effective keys (generated ones included). */
  readonly keys: HostKeys;
  /** Task hub name when the app uses Durable Functions. */
  readonly taskHubName: string | undefined;
  /** The engine when the app uses Durable Functions. */
  readonly engine: DurableEngine | undefined;
  /** `rpcBaseUrl` given to durable clients, when the RPC endpoint is on. */
  readonly durableRpcBaseUrl: string | undefined;
  /** Registered functions as `func start` lists them: HTTP ones first, each group by name. */
  listFunctions(): FunctionListing[];
}

/** Why the host failed to start: `StorageUnreachable`, `StorageNotConfigured`, `AppLoadFailed`, `EngineUnavailable`, `PortInUse`, `InvalidSetting`. */
export class HostStartError extends Error {
  /** @param code - stable reason. @param message - what to do about it. */
  constructor(
    readonly code: "StorageUnreachable" | "StorageNotConfigured" | "AppLoadFailed" | "EngineUnavailable" | "PortInUse" | "InvalidSetting",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HostStartError";
  }
}

function defaultLog(level: HostLogLevel, message: string): void {
  if (level === "error") console.error(message);
  else if (level === "warn") console.warn(message);
  else if (level === "info" || process.env.EMULATOR_VERBOSE) console.log(message);
}

function defaultEngineFactory(options: DurableEngineOptions): DurableEngine {
  let mod: { createDurableEngine?: (o: DurableEngineOptions) => DurableEngine };
  try {
    // Resolved at run time so the host compiles and runs without the engine module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require("./durable/index") as typeof mod;
  } catch (e) {
    throw new HostStartError("EngineUnavailable", `The local Durable engine (emulator/durable/index) cannot be loaded: ${(e as Error).message}`, { cause: e });
  }
  if (typeof mod.createDurableEngine !== "function") {
    throw new HostStartError("EngineUnavailable", "emulator/durable/index does not export createDurableEngine.");
  }
  return mod.createDurableEngine(options);
}

/**
 * Checks that the storage account answers (Azurite locally), failing fast like the host does when
 * `AzureWebJobsStorage` is unusable.
 * @throws HostStartError `StorageUnreachable` after `timeoutInMs`.
 */
export async function checkStorage(connectionString: string, timeoutInMs: number): Promise<void> {
  try {
    const client = QueueServiceClient.fromConnectionString(connectionString, { retryOptions: { maxTries: 1, tryTimeoutInMs: timeoutInMs } });
    await client.getProperties({ abortSignal: AbortSignal.timeout(timeoutInMs) });
  } catch (e) {
    throw new HostStartError(
      "StorageUnreachable",
      `Storage is unreachable (AzureWebJobsStorage): ${(e as Error).message}. Start Azurite or fix the connection string.`,
      { cause: e },
    );
  }
}

function listen(server: Server, port: number, hostname: string, flag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(e.code === "EADDRINUSE" ? new HostStartError("PortInUse", `Port ${port} on ${hostname} is in use; choose another with ${flag}.`, { cause: e }) : e);
    };
    server.once("error", onError);
    server.listen(port, hostname, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server || !server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // In-flight requests get a grace period, then their sockets are cut.
    setTimeout(() => server.closeAllConnections(), 5000).unref();
  });
}

/** Kestrel's default `RequestHeadersTimeout`, in ms. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
/** The Azure front end's limit for an HTTP-triggered function to answer, in ms (230 s). */
export const FRONT_END_TIMEOUT_MS = 230_000;
/** Default connection cap of the local host's HTTP listeners. */
export const DEFAULT_MAX_CONNECTIONS = 256;

/** Timeouts and the connection cap of the host's HTTP listeners. */
interface ServerLimits {
  headersTimeoutInMs: number;
  requestTimeoutInMs: number;
  maxConnections: number;
}

const REQUEST_STARTED = Symbol("requestStartedAt");
const DEADLINE_PASSED = Symbol("deadlinePassed");

/** Resolves with the promise's value, or with {@link DEADLINE_PASSED} at `deadline` (epoch ms). */
function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | typeof DEADLINE_PASSED> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof DEADLINE_PASSED>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE_PASSED), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * An HTTP server with the host's limits: headers within `headersTimeoutInMs`, the whole request
 * within `requestTimeoutInMs` (Node closes slower connections, checking every second), idle
 * keep-alive connections closed after 5 s, at most `maxConnections` sockets (more are destroyed
 * on accept). Each request records when it started, for the response deadline.
 */
function createLimitedServer(limits: ServerLimits, onRequest: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutInMs,
      // Node requires requestTimeout ≥ headersTimeout (0 would disable both).
      requestTimeout: Math.max(limits.requestTimeoutInMs, limits.headersTimeoutInMs),
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutInMs),
      keepAliveTimeout: 5000,
    },
    (req, res) => {
      (req as IncomingMessage & { [REQUEST_STARTED]?: number })[REQUEST_STARTED] = Date.now();
      onRequest(req, res);
    },
  );
  server.maxConnections = limits.maxConnections;
  return server;
}

/** The only address the Durable RPC endpoint listens on (as the extension's local endpoint). */
export const RPC_BIND_ADDRESS = "127.0.0.1";

/** Whether a socket peer address is loopback (IPv4 127/8, IPv6 ::1, IPv4-mapped loopback). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/**
 * Why a request to the Durable RPC endpoint is refused, or undefined when it may proceed: the peer
 * is not on loopback; the `Host` header names another host than 127.0.0.1/localhost on this port
 * (a DNS-rebinding page in a browser); or it carries `Origin` (browsers send it on cross-origin
 * requests; the durable client never does).
 */
export function rpcRequestRefusal(req: IncomingMessage, port: number): string | undefined {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return "peer not on loopback";
  const host = (req.headers.host ?? "").toLowerCase();
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return "Host header not loopback";
  if (req.headers.origin !== undefined) return "Origin header (browser request)";
  return undefined;
}

/**
 * Creates a local host for the app in `options.appDir`. Nothing happens until `start()`.
 *
 * Settings read from `process.env` (after `local.settings.json`): `AzureWebJobsStorage` (storage for
 * Durable and queues), the key settings of `KEY_SETTINGS` (`EMULATOR_HOST_KEY`,
 * `EMULATOR_MASTER_KEY`, `EMULATOR_SYSTEM_KEY_DURABLETASK`), settings referenced by host.json as
 * `%NAME%` (e.g. `TASK_HUB_NAME`). `WEBSITE_HOSTNAME` is set to the host's address while it runs
 * when unset, so durable clients keep its port (the library otherwise rewrites to localhost:7071).
 */
export function createLocalHost(options: LocalHostOptions = {}): LocalHost {
  const appDir = path.resolve(options.appDir ?? process.cwd());
  const hostname = options.hostname ?? "127.0.0.1";
  const log = options.log ?? defaultLog;
  const maxBody = options.maxRequestBodyBytes ?? MAX_REQUEST_BODY_BYTES;
  const limits: ServerLimits = {
    headersTimeoutInMs: options.headersTimeoutInMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    requestTimeoutInMs: options.requestTimeoutInMs ?? FRONT_END_TIMEOUT_MS,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
  };
  let keys: HostKeys = resolveHostKeys(options.keys);
  let hostJson: HostJson = {};
  let table: FunctionTable | undefined;
  let routePrefix = "api";
  let server: Server | undefined;
  let rpcServer: Server | undefined;
  /** The port the Durable RPC endpoint listens on (0 when it is off). */
  let rpcListenPort = 0;
  let port: number | undefined;
  let rpcBaseUrl: string | undefined;
  let rpcToken = "";
  let engine: DurableEngine | undefined;
  let taskHubName: string | undefined;
  let queues: QueueListeners | undefined;
  let blobs: BlobListeners | undefined;
  let timers: TimerListeners | undefined;
  let setWebsiteHostname = false;
  let stopping: Promise<void> | undefined;
  const signalHandlers: Array<[NodeJS.Signals, () => void]> = [];

  const origin = (): string => `http://${hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname}:${port ?? 0}`;

  const durableApi = (): DurableApiContext | undefined =>
    engine && taskHubName
      ? {
          engine,
          links: (id, requestOrigin) =>
            buildManagementPayload({ origin: requestOrigin, taskHubName: taskHubName as string, systemKey: keys.durableTaskSystemKey }, id),
          onError: (e) => log("error", `Durable HTTP API failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
        }
      : undefined;

  async function serveDurable(req: IncomingMessage, res: ServerResponse, url: URL, subPath: string): Promise<void> {
    const ctx = durableApi();
    if (!ctx) return sendEmpty(res, 404);
    const body = await readBody(req, maxBody);
    await handleDurableApiRequest(ctx, { method: req.method ?? "GET", url, subPath, headers: req.headers, body }, res);
  }

  /** Inputs of a function's durableClient bindings (the payload the extension puts in `extraInputs`). */
  function durableClientInputs(name: string, bindings: HttpFunction["durableClientBindings"]): Record<string, RpcTypedData> {
    const inputs: Record<string, RpcTypedData> = {};
    for (const client of bindings) {
      if (!taskHubName) throw new Error(`Function "${name}" has a durableClient binding but the Durable engine is not running.`);
      const payload = buildDurableClientInput(
        { origin: origin(), taskHubName: client.taskHub || taskHubName, connectionName: client.connectionName, systemKey: keys.durableTaskSystemKey },
        rpcBaseUrl,
      );
      inputs[client.name] = { json: JSON.stringify(payload) };
    }
    return inputs;
  }

  async function serveFunction(req: IncomingMessage, res: ServerResponse, url: URL, fn: HttpFunction, params: Record<string, string>): Promise<void> {
    const body = await readBody(req, maxBody);
    const inputData: Record<string, RpcTypedData> = { [fn.triggerBinding]: { http: toRpcHttpRequest(req, url, params, body) } };
    Object.assign(inputData, durableClientInputs(fn.name, fn.durableClientBindings));
    // As the Azure front end: past the deadline the client gets 502 and the function keeps running.
    const invocation = invokeFunction(fn.name, { inputData });
    const startedAt = (req as IncomingMessage & { [REQUEST_STARTED]?: number })[REQUEST_STARTED] ?? Date.now();
    const response = await withDeadline(invocation, startedAt + limits.requestTimeoutInMs);
    if (response === DEADLINE_PASSED) {
      log("warn", `Function "${fn.name}" did not answer within ${limits.requestTimeoutInMs} ms: 502 sent, the invocation goes on.`);
      invocation.catch((e: unknown) => log("error", `Function "${fn.name}" failed after its 502: ${(e as Error).message}`));
      return sendEmpty(res, 502);
    }
    const out =
      fn.httpOutputBinding === undefined || fn.httpOutputBinding === "$return"
        ? response.returnValue
        : response.outputData?.find((o) => o.name === fn.httpOutputBinding)?.data;
    writeRpcHttpResponse(res, out?.http, (req.method ?? "GET").toUpperCase());
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req, `${hostname}:${port ?? 0}`);
    const pathname = url.pathname;
    const key = getPresentedKey(req.headers, url.searchParams);
    const method = (req.method ?? "GET").toUpperCase();

    if (pathname === DURABLE_WEBHOOK_PATH || pathname.startsWith(`${DURABLE_WEBHOOK_PATH}/`)) {
      if (!isAuthorized("system", key, keys)) return sendEmpty(res, 401);
      return serveDurable(req, res, url, pathname.slice(DURABLE_WEBHOOK_PATH.length));
    }
    if (pathname.startsWith("/admin/")) {
      if (!isAuthorized("admin", key, keys)) return sendEmpty(res, 401);
      if (pathname === "/admin/host/status" && method === "GET") {
        return sendJson(res, 200, { id: "local", state: "Running", version: hostVersion, processUptime: Math.round(process.uptime() * 1000) });
      }
      return sendEmpty(res, 404);
    }
    if (pathname === "/" && (method === "GET" || method === "HEAD")) {
      return sendJson(res, 200, { state: "Running", message: "Your Functions 4.0 app is up and running (local host)." });
    }
    let sub: string | undefined = pathname;
    if (routePrefix !== "") {
      const p = `/${routePrefix}`;
      sub = pathname.toLowerCase() === p.toLowerCase() ? "" : pathname.toLowerCase().startsWith(`${p.toLowerCase()}/`) ? pathname.slice(p.length + 1) : undefined;
    }
    const match = table && sub !== undefined ? matchHttpFunction(table, method, sub) : undefined;
    if (!match) return sendEmpty(res, 404);
    if (!isAuthorized(match.fn.authLevel, key, keys)) return sendEmpty(res, 401);
    return serveFunction(req, res, url, match.fn, match.params);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof PayloadTooLargeError) {
        if (!res.headersSent) sendEmpty(res, 413, { connection: "close" });
        return;
      }
      // The host answers 500 with an empty body; the detail goes to the log only.
      log("error", `Request ${req.method ?? ""} ${req.url ?? ""} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) sendEmpty(res, 500);
      else res.destroy();
    });
  }

  async function onRpcRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The port it was bound to, not `rpcServer.address()`: that is null once the listener closes,
    // while a request accepted before (a host stopping under load) is still being answered.
    const rpcPort = rpcListenPort;
    const refusal = rpcRequestRefusal(req, rpcPort);
    if (refusal) {
      log("warn", `Durable RPC request refused (${refusal}): ${req.method ?? ""} from ${req.socket.remoteAddress ?? "?"}`);
      return sendEmpty(res, 403);
    }
    const url = requestUrl(req, `127.0.0.1:${rpcPort}`);
    const base = `/${rpcToken}${DURABLE_RPC_PATH}`;
    if (!url.pathname.startsWith(base)) return sendEmpty(res, 404);
    const subPath = url.pathname.slice(base.length);
    // Check-status links point at the public webhook API, not at this loopback endpoint.
    const ctx = durableApi();
    if (!ctx) return sendEmpty(res, 404);
    const body = await readBody(req, maxBody);
    await handleDurableApiRequest({ ...ctx, links: (id) => ctx.links(id, origin()) }, { method: req.method ?? "GET", url, subPath, headers: req.headers, body }, res);
  }

  async function stopAll(): Promise<void> {
    for (const [sig, h] of signalHandlers.splice(0)) process.off(sig, h);
    await Promise.all([closeServer(server), closeServer(rpcServer)]);
    await queues?.stop();
    queues = undefined;
    await blobs?.stop();
    blobs = undefined;
    await timers?.stop();
    timers = undefined;
    if (engine) {
      try {
        await engine.stop();
      } catch (e) {
        log("warn", `Durable engine did not stop cleanly: ${(e as Error).message}`);
      }
    }
    for (const hook of getHooks("appTerminate")) {
      try {
        await hook({ hookData: {}, appHookData: {} });
      } catch (e) {
        log("warn", `An appTerminate hook failed: ${(e as Error).message}`);
      }
    }
    if (setWebsiteHostname) {
      delete process.env.WEBSITE_HOSTNAME;
      setWebsiteHostname = false;
    }
    server = undefined;
    rpcServer = undefined;
  }

  async function start(): Promise<void> {
    if (server) throw new Error("The local host is already started.");
    stopping = undefined;
    if (options.loadSettings !== false) {
      const { source } = applyLocalSettings(appDir);
      log("debug", `Settings: ${source}`);
    }
    hostJson = readHostJson(appDir);
    routePrefix = getRoutePrefix(hostJson);
    keys = resolveHostKeys(options.keys);
    installFunctionsCore();
    try {
      try {
        await loadApp(appDir);
      } catch (e) {
        throw new HostStartError("AppLoadFailed", (e as Error).message, { cause: e });
      }
      table = buildFunctionTable();
      const group = options.scaleGroup ?? scaleGroupOf(process.env.EMULATOR_SCALE_GROUP);
      const runsTriggers = group === "all";
      if (!runsTriggers) log("info", `Scale group ${group}: HTTP triggers and the Durable client API only; orchestrations, activities, queue, blob and timer triggers run elsewhere.`);
      const needsStorage = table.usesDurable || table.queue.length > 0 || table.blob.length > 0 || table.timer.length > 0;
      const storage = resolveStorageConnection("AzureWebJobsStorage");
      if (needsStorage) {
        if (!storage) throw new HostStartError("StorageNotConfigured", "AzureWebJobsStorage is not set; add it to local.settings.json (UseDevelopmentStorage=true for Azurite).");
        await checkStorage(storage, options.storageCheckTimeoutInMs ?? 5000);
      }
      if (table.usesDurable && storage) {
        taskHubName = getTaskHubName(hostJson);
        const dt = hostJson.extensions?.durableTask;
        engine = (options.engineFactory ?? defaultEngineFactory)({
          invoker: workerInvoker,
          connectionString: storage,
          taskHubName,
          partitionCount: dt?.storageProvider?.partitionCount,
          maxQueuePollingInterval: dt?.storageProvider?.maxQueuePollingInterval,
          controlQueueBufferThreshold: dt?.storageProvider?.controlQueueBufferThreshold,
          maxConcurrentActivities: dt?.maxConcurrentActivityFunctions,
          maxConcurrentOrchestrations: dt?.maxConcurrentOrchestratorFunctions,
          log: (level, message) => log(level, `[durable] ${message}`),
        });
        if (runsTriggers) await engine.start();
      }
      server = createLimitedServer(limits, onRequest);
      port = await listen(server, options.port ?? 7071, hostname, "--port");
      if (process.env.WEBSITE_HOSTNAME === undefined) {
        process.env.WEBSITE_HOSTNAME = origin().replace(/^http:\/\//, "");
        setWebsiteHostname = true;
      }
      const rpcPort = options.durableRpcPort ?? 17071;
      if (engine && rpcPort !== false && hostJson.extensions?.durableTask?.localRpcEndpointEnabled !== false) {
        rpcServer = createLimitedServer(limits, (req, res) => {
          onRpcRequest(req, res).catch((e: unknown) => {
            log("error", `Durable RPC request failed: ${(e as Error).message}`);
            if (!res.headersSent) sendEmpty(res, e instanceof PayloadTooLargeError ? 413 : 500);
          });
        });
        const actual = await listen(rpcServer, rpcPort, RPC_BIND_ADDRESS, "--rpc-port (or --rpc-port off)");
        rpcListenPort = actual;
        const bound = (rpcServer.address() as AddressInfo).address;
        if (bound !== RPC_BIND_ADDRESS) throw new Error(`The Durable RPC endpoint is bound to ${bound}, not to loopback ${RPC_BIND_ADDRESS}.`);
        rpcToken = randomBytes(16).toString("hex");
        rpcBaseUrl = `http://${RPC_BIND_ADDRESS}:${actual}/${rpcToken}${DURABLE_RPC_PATH}`;
      }
      if (runsTriggers && table.queue.length > 0) {
        queues = await startQueueListeners(table.queue, {
          maxDequeueCount: hostJson.extensions?.queues?.maxDequeueCount ?? 5,
          pollingIntervalInMs: options.queuePollingIntervalInMs ?? 1000,
          maxPollingIntervalInMs: queueMaxPollingIntervalInMs(hostJson.extensions?.queues?.maxPollingInterval),
          extraInputs: (fn) => durableClientInputs(fn.name, fn.durableClientBindings),
          log,
        });
      }
      if (runsTriggers && table.blob.length > 0) {
        blobs = await startBlobListeners(table.blob, {
          maxDequeueCount: hostJson.extensions?.blobs?.poisonBlobThreshold ?? 5,
          pollingIntervalInMs: options.blobPollingIntervalInMs ?? 1000,
          ...(process.env.AzureFunctionsWebHost__hostid ? { hostId: process.env.AzureFunctionsWebHost__hostid } : {}),
          extraInputs: (fn) => durableClientInputs(fn.name, fn.durableClientBindings),
          // A queue trigger on the poison queue hears of the host's own write at once.
          onPoisoned: (queueName) => queues?.wake(queueName),
          log,
        });
      }
      if (runsTriggers && table.timer.length > 0) {
        timers = await startTimerListeners(table.timer, {
          ...(process.env.AzureFunctionsWebHost__hostid ? { hostId: process.env.AzureFunctionsWebHost__hostid } : {}),
          ...(options.timerLockRetryIntervalInMs !== undefined ? { lockRetryIntervalInMs: options.timerLockRetryIntervalInMs } : {}),
          extraInputs: (fn) => durableClientInputs(fn.name, fn.durableClientBindings),
          log,
        });
      }
      for (const u of table.unsupported) log("warn", `Function "${u.name}" has a ${u.triggerType} trigger, which the local host does not run.`);
    } catch (e) {
      await stopAll();
      engine = undefined;
      throw e;
    }
    if (options.handleSignals) {
      for (const sig of ["SIGINT", "SIGTERM"] as const) {
        const h = (): void => {
          log("info", `${sig} received, stopping...`);
          void host.stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.once(sig, h);
        signalHandlers.push([sig, h]);
      }
    }
  }

  const host: LocalHost = {
    start,
    stop(): Promise<void> {
      stopping ??= stopAll();
      return stopping;
    },
    get url(): string {
      if (port === undefined) throw new Error("The local host is not started.");
      return origin();
    },
    get keys(): HostKeys {
      return keys;
    },
    get taskHubName(): string | undefined {
      return taskHubName;
    },
    get engine(): DurableEngine | undefined {
      return engine;
    },
    get durableRpcBaseUrl(): string | undefined {
      return rpcBaseUrl;
    },
    listFunctions(): FunctionListing[] {
      if (!table) return [];
      const prefix = routePrefix === "" ? "" : `/${routePrefix}`;
      return [
        ...[...table.http].sort((a, b) => a.name.localeCompare(b.name)).map((f) => ({
          name: f.name,
          triggerType: "httpTrigger",
          methods: f.methods,
          authLevel: f.authLevel,
          url: `${port === undefined ? "" : origin()}${prefix}/${f.template}`,
        })),
        ...[
          ...table.orchestrators.map((name) => ({ name, triggerType: "orchestrationTrigger" })),
          ...table.activities.map((name) => ({ name, triggerType: "activityTrigger" })),
          ...table.entities.map((name) => ({ name, triggerType: "entityTrigger" })),
          ...table.queue.map((q) => ({ name: q.name, triggerType: "queueTrigger" })),
          ...table.blob.map((b) => ({ name: b.name, triggerType: "blobTrigger" })),
          ...table.timer.map((t) => ({ name: t.name, triggerType: "timerTrigger" })),
          ...table.unsupported.map((u) => ({ name: u.name, triggerType: u.triggerType })),
        ].sort((a, b) => a.name.localeCompare(b.name)),
      ];
    },
  };
  return host;
}
