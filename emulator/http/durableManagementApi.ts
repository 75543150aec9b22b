/**
 * The Durable Functions HTTP management API, served over a {@link DurableEngine} with the status
 * codes and payloads of the Durable extension (azure-functions-durable-extension `HttpApiHandler`;
 * https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-http-api).
 *
 * Routes, relative to `/runtime/webhooks/durabletask/` (system key) or the local RPC base
 * `/durabletask/` (loopback listener, no key):
 * - `POST orchestrators/{name}[/{instanceId}]` → 202 check-status payload (+ `Location`,
 *   `Retry-After: 10`); 400 unknown orchestrator or bad JSON; 409 instance exists. With
 *   `timeout` and `pollingInterval` (seconds) it waits like `createAndWaitOnNewInstancePostUri`.
 * - `GET instances/{id}` → 200 terminal, 202 running (+ `Location`, `Retry-After: 5`), 404 unknown;
 *   Failed → 500 with `returnInternalServerErrorOnFailure=true`.
 * - `GET instances/` → 200 array, paged by `x-ms-continuation-token` (request and response header).
 * - `DELETE instances/{id}` → 200 `{instancesDeleted}`, 404 unknown, 412 not terminal.
 * - `DELETE instances/?createdTimeFrom…` → 200 `{instancesDeleted}`, 404 none, 400 without createdTimeFrom.
 * - `POST instances/{id}/raiseEvent/{event}` → 202, 404, 410 terminal, 400 non-JSON.
 * - `POST instances/{id}/terminate|suspend|resume?reason=` → 202, 404, 410 terminal.
 * - `POST instances/{id}/rewind?reason=` → 202, 404, 412 not Failed.
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { DurableEngine, InstanceStatus, RuntimeStatus } from "../durable/types";
import type { HttpManagementPayload } from "./durableUrls";
import { sendEmpty, sendJson } from "./rpcHttp";

/** One request to the API, already read. */
export interface DurableApiRequest {
  method: string;
  /** Absolute request URL (its query is read; its `href` becomes the 202 `Location`). */
  url: URL;
  /** Path after the API base, e.g. `instances/abc/terminate`. */
  subPath: string;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** What the API needs from the host. */
export interface DurableApiContext {
  engine: DurableEngine;
  /** Management links of an instance, pointing at the origin the caller used. */
  links(instanceId: string, requestOrigin: string): HttpManagementPayload;
  /** Where unexpected failures are reported (never sent to the client). */
  onError?: (error: unknown) => void;
}

const TERMINAL: ReadonlySet<RuntimeStatus | "Canceled"> = new Set(["Completed", "Failed", "Terminated", "Canceled"]);
const ALL_STATUSES: readonly RuntimeStatus[] = ["Pending", "Running", "Completed", "ContinuedAsNew", "Failed", "Terminated", "Suspended"];

/** Error body of the extension's `CreateErrorResponse` (ASP.NET `HttpError`). */
function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { Message: message });
}

/** .NET `bool.TryParse`: "true"/"false", any case, surrounding blanks allowed. */
function parseBool(v: string | null): boolean | undefined {
  const t = v?.trim().toLowerCase();
  return t === "true" ? true : t === "false" ? false : undefined;
}

function parseDate(v: string | null): string | undefined {
  if (!v) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function parseStatuses(q: URLSearchParams): RuntimeStatus[] | undefined {
  const names = q.getAll("runtimeStatus").flatMap((v) => v.split(",")).map((s) => s.trim());
  const out = names
    .map((n) => ALL_STATUSES.find((s) => s.toLowerCase() === n.toLowerCase()))
    .filter((s): s is RuntimeStatus => s !== undefined);
  return out.length > 0 ? out : undefined;
}

/** Times as the extension serializes them: `ToString("s") + "Z"`, i.e. whole seconds. */
function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The extension's `StatusResponsePayload`. */
export function toStatusPayload(s: InstanceStatus): Record<string, unknown> {
  return {
    name: s.name,
    instanceId: s.instanceId,
    runtimeStatus: s.runtimeStatus,
    input: s.input ?? null,
    customStatus: s.customStatus ?? null,
    output: s.output ?? null,
    createdTime: formatTime(s.createdTime),
    lastUpdatedTime: formatTime(s.lastUpdatedTime),
    ...(s.historyEvents !== undefined ? { historyEvents: s.historyEvents } : {}),
  };
}

function header(req: DurableApiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sendCheckStatus(ctx: DurableApiContext, req: DurableApiRequest, res: ServerResponse, instanceId: string): void {
  const links = ctx.links(instanceId, req.url.origin);
  sendJson(res, 202, links, { location: links.statusQueryGetUri, "retry-after": "10" });
}

function sendStatus(req: DurableApiRequest, res: ServerResponse, status: InstanceStatus, options: { failureAs500: boolean }): void {
  const payload = toStatusPayload(status);
  switch (status.runtimeStatus) {
    case "Running":
    case "Pending":
    case "ContinuedAsNew":
    case "Suspended":
      sendJson(res, 202, payload, { location: req.url.href, "retry-after": "5" });
      return;
    case "Failed":
      sendJson(res, options.failureAs500 ? 500 : 200, payload);
      return;
    default:
      sendJson(res, 200, payload);
  }
}

/**
 * Serves one request of the API. Never throws: unexpected failures become a 500 whose body holds a
 * fixed message (the detail goes to `ctx.onError`).
 */
export async function handleDurableApiRequest(ctx: DurableApiContext, req: DurableApiRequest, res: ServerResponse): Promise<void> {
  try {
    await route(ctx, req, res);
  } catch (e) {
    ctx.onError?.(e);
    if (!res.headersSent) sendError(res, 500, "Something went wrong while processing your request");
    else res.destroy();
  }
}

async function route(ctx: DurableApiContext, req: DurableApiRequest, res: ServerResponse): Promise<void> {
  const hub = req.url.searchParams.get("taskHub");
  if (hub && hub.toLowerCase() !== ctx.engine.taskHubName.toLowerCase()) {
    sendError(res, 400, `Task hub "${hub}" is not served by this host (it serves "${ctx.engine.taskHubName}").`);
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent(req.subPath).replace(/^\/+|\/+$/g, "");
  } catch {
    sendEmpty(res, 400);
    return;
  }
  const segs = path.split("/");
  const [controller, a, b, c, ...extra] = segs;
  const method = req.method.toUpperCase();

  if (controller === "orchestrators" && a && !c) {
    if (method !== "POST") return sendEmpty(res, 404);
    return startOrchestration(ctx, req, res, a, b);
  }
  if (controller === "entities") {
    sendError(res, 501, "Durable entities are not supported by the local host.");
    return;
  }
  if (controller === "instances" && extra.length === 0) {
    if (b?.toLowerCase() === "raiseevent" && c) {
      if (method !== "POST") return sendEmpty(res, 404);
      return raiseEvent(ctx, req, res, a ?? "", c);
    }
    if (c) return sendEmpty(res, 404);
    if (!a) {
      if (method === "GET") return listInstances(ctx, req, res);
      if (method === "DELETE") return purgeMany(ctx, req, res);
      return sendEmpty(res, 404);
    }
    if (!b) {
      if (method === "GET") return getStatus(ctx, req, res, a);
      if (method === "DELETE") return purgeOne(ctx, res, a);
      return sendEmpty(res, 404);
    }
    if (method === "POST") {
      const op = b.toLowerCase();
      if (op === "terminate" || op === "suspend" || op === "resume") return control(ctx, req, res, a, op);
      if (op === "rewind") return rewind(ctx, req, res, a);
      if (op === "restart") return sendError(res, 501, "Restart is not supported by the local host.");
    }
  }
  sendEmpty(res, 404);
}

async function startOrchestration(
  ctx: DurableApiContext,
  req: DurableApiRequest,
  res: ServerResponse,
  name: string,
  requestedId: string | undefined,
): Promise<void> {
  let input: unknown;
  if (req.body.length > 0) {
    try {
      input = JSON.parse(req.body.toString("utf8"));
    } catch {
      return sendError(res, 400, "Invalid JSON content");
    }
  }
  const instanceId = requestedId || randomUUID().replace(/-/g, "");
  try {
    await ctx.engine.startNew(name, { instanceId, input });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "InstanceExists") return sendError(res, 409, (e as Error).message);
    if (code === "OrchestratorNotFound") return sendError(res, 400, (e as Error).message);
    throw e;
  }
  const q = req.url.searchParams;
  const timeout = Number(q.get("timeout"));
  if (q.has("timeout") && q.has("pollingInterval") && Number.isFinite(timeout)) {
    const status = await ctx.engine.waitForCompletion(instanceId, timeout * 1000);
    if (status?.runtimeStatus === "Completed") return sendJson(res, 200, status.output ?? null);
    if (status && TERMINAL.has(status.runtimeStatus)) return sendStatus(req, res, status, { failureAs500: false });
  }
  sendCheckStatus(ctx, req, res, instanceId);
}

async function getStatus(ctx: DurableApiContext, req: DurableApiRequest, res: ServerResponse, id: string): Promise<void> {
  const q = req.url.searchParams;
  const status = await ctx.engine.getStatus(id, {
    showHistory: parseBool(q.get("showHistory")) ?? false,
    showHistoryOutput: parseBool(q.get("showHistoryOutput")) ?? false,
    showInput: parseBool(q.get("showInput")) ?? true,
  });
  if (!status) return sendEmpty(res, 404);
  sendStatus(req, res, status, { failureAs500: parseBool(q.get("returnInternalServerErrorOnFailure")) ?? false });
}

async function listInstances(ctx: DurableApiContext, req: DurableApiRequest, res: ServerResponse): Promise<void> {
  const q = req.url.searchParams;
  const top = Number.parseInt(q.get("top") ?? "", 10);
  const page = await ctx.engine.listInstances({
    createdTimeFrom: parseDate(q.get("createdTimeFrom")),
    createdTimeTo: parseDate(q.get("createdTimeTo")),
    runtimeStatus: parseStatuses(q),
    instanceIdPrefix: q.get("instanceIdPrefix") ?? undefined,
    showInput: parseBool(q.get("showInput")),
    top: Number.isInteger(top) && top > 0 ? top : undefined,
    continuationToken: header(req, "x-ms-continuation-token") || undefined,
  });
  const headers: Record<string, string> = page.continuationToken ? { "x-ms-continuation-token": page.continuationToken } : {};
  sendJson(res, 200, page.instances.map(toStatusPayload), headers);
}

async function purgeOne(ctx: DurableApiContext, res: ServerResponse, id: string): Promise<void> {
  const status = await ctx.engine.getStatus(id, { showInput: false });
  if (!status) return sendEmpty(res, 404);
  if (!TERMINAL.has(status.runtimeStatus)) {
    return sendJson(
      res,
      412,
      `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${id} has status ${status.runtimeStatus}`,
    );
  }
  const instancesDeleted = await ctx.engine.purgeInstance(id);
  sendJson(res, 200, { instancesDeleted });
}

async function purgeMany(ctx: DurableApiContext, req: DurableApiRequest, res: ServerResponse): Promise<void> {
  const q = req.url.searchParams;
  const from = parseDate(q.get("createdTimeFrom"));
  if (!from) return sendJson(res, 400, "Please provide value for 'createdTimeFrom' parameter.");
  const instancesDeleted = await ctx.engine.purgeInstances({
    createdTimeFrom: from,
    createdTimeTo: parseDate(q.get("createdTimeTo")) ?? new Date().toISOString(),
    runtimeStatus: parseStatuses(q),
  });
  if (instancesDeleted === 0) return sendEmpty(res, 404);
  sendJson(res, 200, { instancesDeleted });
}

function sendControlResult(res: ServerResponse, result: "accepted" | "notFound" | "gone"): void {
  sendEmpty(res, result === "accepted" ? 202 : result === "notFound" ? 404 : 410);
}

async function control(
  ctx: DurableApiContext,
  req: DurableApiRequest,
  res: ServerResponse,
  id: string,
  op: "terminate" | "suspend" | "resume",
): Promise<void> {
  const status = await ctx.engine.getStatus(id, { showInput: false });
  if (!status) return sendEmpty(res, 404);
  if (TERMINAL.has(status.runtimeStatus)) return sendEmpty(res, 410);
  const reason = req.url.searchParams.get("reason") ?? undefined;
  sendControlResult(res, await ctx.engine[op](id, reason));
}

async function rewind(ctx: DurableApiContext, req: DurableApiRequest, res: ServerResponse, id: string): Promise<void> {
  const status = await ctx.engine.getStatus(id, { showInput: false });
  if (!status) return sendJson(res, 404, `No orchestration with instance ID "${id}" found.`);
  if (status.runtimeStatus !== "Failed") {
    return sendJson(
      res,
      412,
      `This orchestration has status ${status.runtimeStatus}, but only orchestrations in the "Failed" state can be rewound.`,
    );
  }
  const result = await ctx.engine.rewind(id, req.url.searchParams.get("reason") ?? undefined);
  if (result === "gone") return sendJson(res, 412, `This orchestration is no longer in the "Failed" state.`);
  sendControlResult(res, result);
}

async function raiseEvent(
  ctx: DurableApiContext,
  req: DurableApiRequest,
  res: ServerResponse,
  id: string,
  eventName: string,
): Promise<void> {
  const status = await ctx.engine.getStatus(id, { showInput: false });
  if (!status) return sendEmpty(res, 404);
  if (TERMINAL.has(status.runtimeStatus)) return sendEmpty(res, 410);
  const mediaType = (header(req, "content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") return sendError(res, 400, "Only application/json request content is supported");
  let data: unknown = null;
  const text = req.body.toString("utf8");
  if (text.trim() !== "") {
    try {
      data = JSON.parse(text);
    } catch {
      return sendError(res, 400, "Invalid JSON content");
    }
  }
  // The instance was read just above (as the extension reads it before raising): not again.
  sendControlResult(res, await ctx.engine.raiseEvent(id, eventName, data, { instanceChecked: true }));
}
