/**
 * App settings and host.json, loaded the way `func start` loads them
 * (https://learn.microsoft.com/azure/azure-functions/functions-develop-local#local-settings-file and
 * https://learn.microsoft.com/azure/azure-functions/functions-host-json).
 */
import fs from "node:fs";
import path from "node:path";
import { parseTimeSpan } from "./durable/replay";

/** Where the settings applied by {@link applyLocalSettings} came from. */
export type SettingsSource = "local.settings.json" | "local.settings.example.json" | "none";

/**
 * Copies `Values` of `local.settings.json` into `env`, existing variables winning (as Core Tools
 * does). Without that file, the documented defaults of `local.settings.example.json` are used.
 * @param appDir - the app root.
 * @param env - the environment to complete (default `process.env`); modified in place.
 * @param options - `skip`: keys never taken from the file (e.g. local-only settings when a script
 *   targets Azure).
 * @returns which file was applied and the names of the settings it set.
 * @throws Error when the file exists but is not valid JSON, or `IsEncrypted` is true (Core Tools
 *   needs the machine key to decrypt; the local host cannot).
 */
export function applyLocalSettings(
  appDir: string,
  env: NodeJS.ProcessEnv = process.env,
  options: { skip?: (key: string) => boolean } = {},
): { source: SettingsSource; applied: string[] } {
  for (const source of ["local.settings.json", "local.settings.example.json"] as const) {
    const file = path.join(appDir, source);
    if (!fs.existsSync(file)) continue;
    let parsed: { IsEncrypted?: boolean; Values?: Record<string, unknown> };
    try {
      parsed = JSON.parse(fs.readFileSync(file, "utf8")) as typeof parsed;
    } catch (e) {
      throw new Error(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
    }
    if (parsed.IsEncrypted) throw new Error(`${file} is encrypted (IsEncrypted: true); decrypt it with "func settings decrypt".`);
    const applied: string[] = [];
    for (const [key, value] of Object.entries(parsed.Values ?? {})) {
      if (env[key] !== undefined || value === null || value === undefined || options.skip?.(key)) continue;
      env[key] = String(value);
      applied.push(key);
    }
    return { source, applied };
  }
  return { source: "none", applied: [] };
}

/** The parts of host.json the local host honors. */
export interface HostJson {
  extensions?: {
    http?: { routePrefix?: string };
    durableTask?: {
      hubName?: string;
      storageProvider?: { partitionCount?: number; maxQueuePollingInterval?: string; controlQueueBufferThreshold?: number };
      maxConcurrentActivityFunctions?: number;
      maxConcurrentOrchestratorFunctions?: number;
      localRpcEndpointEnabled?: boolean;
    };
    queues?: { maxDequeueCount?: number; maxPollingInterval?: string | number; batchSize?: number; visibilityTimeout?: string };
    /** Blob Storage extension 5.x: `poisonBlobThreshold` (attempts before a blob is poisoned, default 5). */
    blobs?: { maxDegreeOfParallelism?: number; poisonBlobThreshold?: number };
  };
  [key: string]: unknown;
}

/**
 * host.json `extensions.queues.maxPollingInterval` in ms: a TimeSpan (`"00:00:02"`, Functions 2.x
 * and later) or a number of ms (as 1.x wrote it); default 1 minute, as the Queue Storage extension.
 * @throws Error when a string is not a TimeSpan.
 */
export function queueMaxPollingIntervalInMs(value: string | number | undefined): number {
  if (value === undefined) return 60_000;
  return typeof value === "number" ? value : parseTimeSpan(value);
}

/**
 * Reads `host.json` of the app (empty object when missing).
 * @throws Error when the file is not valid JSON.
 */
export function readHostJson(appDir: string): HostJson {
  const file = path.join(appDir, "host.json");
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as HostJson;
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Replaces `%NAME%` with the app setting `NAME`, as the host does for binding expressions in
 * host.json and binding attributes.
 * @throws Error naming the setting when it is not set.
 */
export function resolveSettingExpression(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/%([^%]+)%/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`App setting "${name}" (referenced as %${name}%) is not set.`);
    return v;
  });
}

/** The HTTP route prefix: host.json `extensions.http.routePrefix`, default `api` (may be empty). */
export function getRoutePrefix(hostJson: HostJson): string {
  const p = hostJson.extensions?.http?.routePrefix;
  return (p ?? "api").replace(/^\/+|\/+$/g, "");
}

/**
 * The Durable task hub name: host.json `extensions.durableTask.hubName` (with `%SETTING%`
 * resolved), else `TestHubName`, the extension's default outside Azure.
 * @throws Error when the name references a missing setting, or is not 3–45 alphanumeric characters
 *   starting with a letter (the extension's rule for Azure Storage task hubs).
 */
export function getTaskHubName(hostJson: HostJson, env: NodeJS.ProcessEnv = process.env): string {
  const raw = hostJson.extensions?.durableTask?.hubName;
  const name = raw ? resolveSettingExpression(raw, env) : "TestHubName";
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(name)) {
    throw new Error(`Task hub name "${name}" is invalid: use 3-45 letters and digits, starting with a letter.`);
  }
  return name;
}

/**
 * Looks up a storage connection the way the host resolves a binding's `connection`: the setting
 * itself, else `AzureWebJobs<name>`; an empty name means `AzureWebJobsStorage`.
 * @returns the connection string, or undefined when neither setting exists.
 */
export function resolveStorageConnection(connection: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = connection || "AzureWebJobsStorage";
  return env[name] ?? env[`AzureWebJobs${name}`];
}
