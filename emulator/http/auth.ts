/**
 * Function keys and authorization levels, as the Functions host applies them
 * (https://learn.microsoft.com/azure/azure-functions/function-keys-how-to and
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger#authorization-level).
 *
 * Unlike `func start` (which ignores `authLevel` locally), the local host enforces keys, so tests
 * see the 401s a deployed app returns.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** `authLevel` of an HTTP trigger. `system` is the level of extension webhooks (Durable HTTP API). */
export type AuthLevel = "anonymous" | "function" | "admin" | "system";

/** Keys the local host accepts. Every key is an opaque string. */
export interface HostKeys {
  /** Host key `default`: valid for every function-level function (and for nothing admin). */
  hostKey: string;
  /** Master key `_master`: valid for every level, including admin and system endpoints. */
  masterKey: string;
  /** System key `durabletask_extension`: valid for the Durable HTTP API (`/runtime/webhooks/durabletask/`). */
  durableTaskSystemKey: string;
}

/**
 * Setting names of the local keys, read from `process.env` (after `local.settings.json` is applied).
 * When a setting is missing, a random key is generated for the run (as Azure generates keys on
 * first start); {@link LocalHost.keys} exposes it.
 */
export const KEY_SETTINGS = {
  /** Host key `default` (function-level functions). */
  hostKey: "EMULATOR_HOST_KEY",
  /** Master key `_master` (admin functions, `/admin/*`, and anything else). */
  masterKey: "EMULATOR_MASTER_KEY",
  /** System key `durabletask_extension` (Durable HTTP management API). */
  durableTaskSystemKey: "EMULATOR_SYSTEM_KEY_DURABLETASK",
} as const;

/** Generates a key shaped like Azure's (40 random bytes, base64url). */
export function generateKey(): string {
  return randomBytes(40).toString("base64url");
}

/**
 * Resolves the host keys from explicit values, then the environment, then fresh random keys.
 * @param explicit - keys given in code (tests); win over the environment.
 * @param env - where the settings of {@link KEY_SETTINGS} are read; default `process.env`.
 */
export function resolveHostKeys(explicit: Partial<HostKeys> = {}, env: NodeJS.ProcessEnv = process.env): HostKeys {
  const pick = (k: keyof HostKeys): string => explicit[k] || env[KEY_SETTINGS[k]] || generateKey();
  return { hostKey: pick("hostKey"), masterKey: pick("masterKey"), durableTaskSystemKey: pick("durableTaskSystemKey") };
}

/**
 * The key a request presents: header `x-functions-key` first, else query parameter `code`, as the
 * host's key authentication handler reads them.
 * @returns the key, or undefined when the request carries none.
 */
export function getPresentedKey(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const header = headers["x-functions-key"];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader) return fromHeader;
  return query.get("code") ?? undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Whether a presented key grants the level, as in Azure: anonymous needs none; function accepts the
 * host key or the master key; admin accepts only the master key; system accepts the extension's
 * system key or the master key.
 * @param level - the endpoint's level.
 * @param presented - the key from {@link getPresentedKey}.
 */
export function isAuthorized(level: AuthLevel, presented: string | undefined, keys: HostKeys): boolean {
  if (level === "anonymous") return true;
  if (!presented) return false;
  if (safeEqual(presented, keys.masterKey)) return true;
  if (level === "function") return safeEqual(presented, keys.hostKey);
  if (level === "system") return safeEqual(presented, keys.durableTaskSystemKey);
  return false;
}

/**
 * Normalizes a binding's `authLevel` (case-insensitive; the library default is anonymous for
 * `app.http` unless the app sets it).
 * @throws RangeError for an unknown level.
 */
export function parseAuthLevel(value: unknown): Exclude<AuthLevel, "system"> {
  if (value === undefined || value === null || value === "") return "anonymous";
  const v = String(value).toLowerCase();
  if (v === "anonymous" || v === "function" || v === "admin") return v;
  throw new RangeError(`Unknown authLevel "${String(value)}" (expected anonymous, function or admin).`);
}
