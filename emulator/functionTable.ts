/**
 * Classifies the functions the app registered, by trigger, into what the local host serves:
 * HTTP routes, queue, blob and timer listeners and Durable functions (handed to the engine).
 */
import { parseAuthLevel, type AuthLevel } from "./http/auth";
import { compareRoutePrecedence, compileRoute, type CompiledRoute } from "./http/router";
import type { FunctionMetadata } from "./worker/coreTypes";
import { getRegisteredFunctions } from "./worker/functionsCore";

/** An HTTP-triggered function and how it is reached. */
export interface HttpFunction {
  name: string;
  /** Trigger binding name (the input the request goes to). */
  triggerBinding: string;
  /** Route template without the prefix (binding `route`, default the function name). */
  template: string;
  route: CompiledRoute;
  /** Upper-cased methods; empty means every method (as the host treats a missing `methods`). */
  methods: string[];
  authLevel: Exclude<AuthLevel, "system">;
  /** Names of `durableClient` input bindings to fill with the client payload. */
  durableClientBindings: Array<{ name: string; taskHub?: string; connectionName?: string }>;
  /** Name of the `http` output binding (`$return` for `app.http`). */
  httpOutputBinding?: string;
}

/** A queue-triggered function. */
export interface QueueFunction {
  name: string;
  triggerBinding: string;
  /** Queue name as configured (may contain `%SETTING%`). */
  queueName: string;
  /** Setting name of the storage connection (empty = `AzureWebJobsStorage`). */
  connection: string;
  /** Names of `durableClient` input bindings to fill with the client payload. */
  durableClientBindings: Array<{ name: string; taskHub?: string; connectionName?: string }>;
}

/** A blob-triggered function (served by emulator/blobListener.ts). */
export interface BlobFunction {
  name: string;
  triggerBinding: string;
  /** Binding path `<container>/<pattern>`, e.g. `inbound-email/{name}` (may contain `%SETTING%`). */
  path: string;
  /** Setting name of the storage connection (empty = `AzureWebJobsStorage`). */
  connection: string;
  /** Names of `durableClient` input bindings to fill with the client payload. */
  durableClientBindings: Array<{ name: string; taskHub?: string; connectionName?: string }>;
}

/** A timer-triggered function (served by emulator/timerListener.ts). */
export interface TimerFunction {
  name: string;
  triggerBinding: string;
  /** NCRONTAB expression as configured (may contain `%SETTING%`). */
  schedule: string;
  runOnStartup: boolean;
  /** As configured; undefined = the host's default (monitored when occurrences are ≥ 1 minute apart). */
  useMonitor?: boolean;
  /** Names of `durableClient` input bindings to fill with the client payload. */
  durableClientBindings: Array<{ name: string; taskHub?: string; connectionName?: string }>;
}

/** Every registered function, classified. */
export interface FunctionTable {
  /** Most specific route first (ASP.NET precedence), then by name. */
  http: HttpFunction[];
  queue: QueueFunction[];
  /** Blob triggers. */
  blob: BlobFunction[];
  /** Timer triggers. */
  timer: TimerFunction[];
  orchestrators: string[];
  activities: string[];
  entities: string[];
  /** Functions with a trigger the local host does not serve (listed, never invoked). */
  unsupported: Array<{ name: string; triggerType: string }>;
  /** True when any function needs the Durable engine (triggers or client bindings). */
  usesDurable: boolean;
}

function triggerOf(meta: FunctionMetadata): { name: string; type: string; info: Record<string, unknown> } | undefined {
  for (const [name, info] of Object.entries(meta.bindings)) {
    if (/trigger$/i.test(info.type ?? "")) return { name, type: (info.type ?? "").toLowerCase(), info };
  }
  return undefined;
}

/**
 * Builds the table from the functions registered through `@azure/functions-core`.
 * @throws RouteTemplateError for a malformed route; RangeError for an unknown `authLevel`;
 *   Error when a function has no trigger binding.
 */
export function buildFunctionTable(): FunctionTable {
  const table: FunctionTable = { http: [], queue: [], blob: [], timer: [], orchestrators: [], activities: [], entities: [], unsupported: [], usesDurable: false };
  for (const [name, { metadata }] of getRegisteredFunctions()) {
    const trigger = triggerOf(metadata);
    if (!trigger) throw new Error(`Function "${name}" has no trigger binding.`);
    const clients = Object.entries(metadata.bindings)
      .filter(([, b]) => /^(durableClient|orchestrationClient)$/i.test(b.type ?? "") && b.direction !== "out")
      .map(([bindingName, b]) => ({
        name: bindingName,
        taskHub: typeof b.taskHub === "string" ? b.taskHub : undefined,
        connectionName: typeof b.connectionName === "string" ? b.connectionName : undefined,
      }));
    if (clients.length > 0) table.usesDurable = true;
    switch (trigger.type) {
      case "httptrigger": {
        const template = typeof trigger.info.route === "string" && trigger.info.route !== "" ? trigger.info.route : name;
        const methods = Array.isArray(trigger.info.methods) ? (trigger.info.methods as unknown[]).map((m) => String(m).toUpperCase()) : [];
        const out = Object.entries(metadata.bindings).find(([, b]) => (b.type ?? "").toLowerCase() === "http" && b.direction === "out");
        table.http.push({
          name,
          triggerBinding: trigger.name,
          template,
          route: compileRoute(template),
          methods,
          authLevel: parseAuthLevel(trigger.info.authLevel),
          durableClientBindings: clients,
          httpOutputBinding: out?.[0],
        });
        break;
      }
      case "queuetrigger":
        table.queue.push({
          name,
          triggerBinding: trigger.name,
          queueName: String(trigger.info.queueName ?? ""),
          connection: typeof trigger.info.connection === "string" ? trigger.info.connection : "",
          durableClientBindings: clients,
        });
        break;
      case "blobtrigger":
        table.blob.push({
          name,
          triggerBinding: trigger.name,
          path: String(trigger.info.path ?? ""),
          connection: typeof trigger.info.connection === "string" ? trigger.info.connection : "",
          durableClientBindings: clients,
        });
        break;
      case "timertrigger":
        table.timer.push({
          name,
          triggerBinding: trigger.name,
          schedule: String(trigger.info.schedule ?? ""),
          runOnStartup: trigger.info.runOnStartup === true,
          ...(typeof trigger.info.useMonitor === "boolean" ? { useMonitor: trigger.info.useMonitor } : {}),
          durableClientBindings: clients,
        });
        break;
      case "orchestrationtrigger":
        table.orchestrators.push(name);
        table.usesDurable = true;
        break;
      case "activitytrigger":
        table.activities.push(name);
        table.usesDurable = true;
        break;
      case "entitytrigger":
        table.entities.push(name);
        table.usesDurable = true;
        break;
      default:
        table.unsupported.push({ name, triggerType: trigger.type });
    }
  }
  table.http.sort((a, b) => compareRoutePrecedence(a.route, b.route) || a.name.localeCompare(b.name));
  return table;
}

/**
 * Finds the function serving a request, as the host's route matching does: the most specific
 * route whose template matches and whose methods include the request's. A path that matches only
 * with another method is a 404, as in the Functions host (not 405).
 * @param path - path after the route prefix, still percent-encoded.
 * @returns the function and decoded route parameters, or undefined.
 */
export function matchHttpFunction(
  table: FunctionTable,
  method: string,
  path: string,
): { fn: HttpFunction; params: Record<string, string> } | undefined {
  const m = method.toUpperCase();
  for (const fn of table.http) {
    if (fn.methods.length > 0 && !fn.methods.includes(m)) continue;
    const params = fn.route.match(path);
    if (params) return { fn, params };
  }
  return undefined;
}
