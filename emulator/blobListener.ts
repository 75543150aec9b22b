/**
 * Blob triggers, processed as the Azure Blob Storage extension's polling trigger (`source:
 * LogsAndContainerScan`) does
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-blob-trigger):
 *
 * - the container of the binding `path` (`<container>/<blob pattern>`, `%SETTING%` resolved) is
 *   listed on every poll; blobs whose names match the pattern (`{name}` and other `{param}`s bind
 *   to the matching part, slashes included) are candidates;
 * - each blob version is processed once: a **blob receipt** is kept as the host keeps it, a blob in
 *   the `azure-webjobs-hosts` container at
 *   `blobreceipts/<hostId>/<functionId>/<etag>/<container>/<blob name>`
 *   (`functionId` = `Host.Functions.<name>`); the receipt carries metadata `InvocationId` once the
 *   function succeeded (or the blob was poisoned) and `FailureCount` meanwhile. A new ETag (the blob
 *   was overwritten) is a new receipt, so the new content is processed again, as in Azure;
 * - while a blob is processed its receipt is leased (60 s, renewed), so two hosts on one storage
 *   account never process the same blob version at the same time;
 * - the function gets the blob content as `bytes` (a Buffer in the handler) and trigger metadata
 *   `BlobTrigger` (`<container>/<name>`), `Uri`, `Properties`, `Metadata` and each path parameter
 *   (the library camel-cases the keys: `blobTrigger`, `uri`, `properties`, `metadata`, `name`);
 * - a failing invocation is retried on the next polls; after `maxDequeueCount` failures (host.json
 *   `extensions.blobs.poisonBlobThreshold`, default 5, as the Blob Storage extension 5.x) a poison
 *   message `{"Type":"BlobTrigger","FunctionId",…,"ContainerName","BlobName","ETag"}` is written
 *   (base64, as the host writes it) to the queue `webjobs-blobtrigger-poison` and the receipt is
 *   completed, so the blob is not retried again.
 *
 * Differences from Azure: the host scans its containers on a fixed interval (no storage-log
 * acceleration and no 10-minute back-off); `source: EventGrid` functions are polled the same way
 * (locally there is no Event Grid to push events).
 */
import { randomUUID } from "node:crypto";
import { BlobServiceClient, type BlobItem, type ContainerClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import type { BlobFunction } from "./functionTable";
import { resolveSettingExpression, resolveStorageConnection } from "./settings";
import type { RpcTypedData } from "./worker/coreTypes";
import { invokeFunction } from "./worker/invoke";
import { IdleWaits } from "./idleWaits";

/** Container of the host's own bookkeeping (blob receipts, as the Functions host). */
export const HOSTS_CONTAINER = "azure-webjobs-hosts";
/** Queue the host writes blobs to that kept failing (the Blob Storage extension's name). */
export const BLOB_POISON_QUEUE = "webjobs-blobtrigger-poison";

/** Options of {@link startBlobListeners}. */
export interface BlobListenerOptions {
  /** Failed invocations after which a blob is poisoned; default 5 as the host. */
  maxDequeueCount?: number;
  /** Wait between scans of a container, in ms; default 1000. */
  pollingIntervalInMs?: number;
  /** Host id in receipt paths (`AzureFunctionsWebHost__hostid` in Azure); default `local-host`. */
  hostId?: string;
  /** Invocations run at the same time per function; default 4. */
  maxConcurrency?: number;
  /** Called after a poison message was written, with the queue's name. */
  onPoisoned?: (queueName: string) => void;
  /** Further input bindings of a function (e.g. a durableClient payload), built per invocation. */
  extraInputs?: (fn: BlobFunction) => Record<string, RpcTypedData>;
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
}

/** Running listeners. */
export interface BlobListeners {
  /** Scans every container now (tests; the loops scan by themselves). Resolves when the scan and its invocations are done. */
  scanNow(): Promise<void>;
  /** Stops polling and waits for in-flight invocations. */
  stop(): Promise<void>;
}

/** A compiled binding path: the container and a matcher for blob names. */
export interface BlobPathPattern {
  container: string;
  /** Literal prefix of blob names (used to narrow listings). */
  prefix: string;
  /** Binding data of a blob name (`{name}` → value), or undefined when it does not match. */
  match(blobName: string): Record<string, string> | undefined;
}

/**
 * Compiles a blob trigger `path` such as `inbound-email/{name}` or `images/{partner}/{name}.png`.
 * Parameters match any characters including `/` (the last one greedily), as the extension binds
 * `{name}` to the rest of the blob path.
 * @throws Error when the path has no container or a malformed parameter.
 */
export function compileBlobPath(path: string): BlobPathPattern {
  const slash = path.indexOf("/");
  const container = (slash < 0 ? path : path.slice(0, slash)).toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?$/.test(container) || container.includes("{")) throw new Error(`Blob trigger path "${path}" does not start with a container name.`);
  const pattern = slash < 0 ? "{name}" : path.slice(slash + 1);
  const names: string[] = [];
  let re = "^";
  let prefix: string | undefined;
  let i = 0;
  while (i < pattern.length) {
    const open = pattern.indexOf("{", i);
    const literal = open < 0 ? pattern.slice(i) : pattern.slice(i, open);
    re += literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (prefix === undefined && open >= 0) prefix = pattern.slice(0, open);
    if (open < 0) break;
    const close = pattern.indexOf("}", open);
    const name = close < 0 ? "" : pattern.slice(open + 1, close);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Blob trigger path "${path}" has a malformed parameter.`);
    names.push(name);
    i = close + 1;
    re += i >= pattern.length ? "(.+)" : "(.+?)";
  }
  const regex = new RegExp(`${re}$`, "s");
  return {
    container,
    prefix: prefix ?? pattern,
    match(blobName) {
      const m = regex.exec(blobName);
      if (!m) return undefined;
      return Object.fromEntries(names.map((n, k) => [n, m[k + 1] ?? ""]));
    },
  };
}

/** Receipt blob name of a blob version (the host's layout). */
export function blobReceiptName(hostId: string, functionName: string, etag: string, container: string, blobName: string): string {
  return `blobreceipts/${hostId}/Host.Functions.${functionName}/${etag.replace(/"/g, "")}/${container}/${blobName}`;
}

/** Trigger metadata the host sends for a blob (PascalCase; the library camel-cases keys). */
export function blobTriggerMetadata(container: ContainerClient, blob: BlobItem, params: Record<string, string>): Record<string, RpcTypedData> {
  const json = (v: unknown): RpcTypedData => ({ json: JSON.stringify(v) });
  const p = blob.properties;
  const properties = {
    ContentType: p.contentType ?? null,
    ContentEncoding: p.contentEncoding ?? null,
    ContentMD5: p.contentMD5 ? Buffer.from(p.contentMD5).toString("base64") : null,
    Length: p.contentLength ?? 0,
    ETag: p.etag,
    LastModified: p.lastModified.toISOString(),
    CreatedOn: p.createdOn?.toISOString() ?? null,
    BlobType: p.blobType ?? "BlockBlob",
  };
  const metadata: Record<string, RpcTypedData> = {
    BlobTrigger: { string: `${container.containerName}/${blob.name}` },
    Uri: { string: `${container.url}/${blob.name.split("/").map(encodeURIComponent).join("/")}` },
    Properties: json(properties),
    Metadata: json(blob.metadata ?? {}),
  };
  for (const [k, v] of Object.entries(params)) metadata[k] = { string: v };
  return metadata;
}

function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

/**
 * Starts one scanning loop per blob-triggered function.
 * @throws Error when a function's connection setting or `%SETTING%` in its path is missing.
 */
export async function startBlobListeners(fns: BlobFunction[], options: BlobListenerOptions = {}): Promise<BlobListeners> {
  const log = options.log ?? (() => undefined);
  const maxFailures = options.maxDequeueCount ?? 5;
  const idleMs = options.pollingIntervalInMs ?? 1000;
  const hostId = options.hostId ?? "local-host";
  const concurrency = Math.max(1, options.maxConcurrency ?? 4);
  let stopped = false;
  const idle = new IdleWaits();
  /** Receipt names known to be completed (saves a request per blob on later scans). */
  const done = new Set<string>();
  /** Receipt names being processed by this host. */
  const inFlight = new Set<string>();

  const targets = await Promise.all(
    fns.map(async (fn) => {
      const cs = resolveStorageConnection(fn.connection);
      if (!cs) throw new Error(`Function "${fn.name}": storage connection setting "${fn.connection || "AzureWebJobsStorage"}" is not set.`);
      const pattern = compileBlobPath(resolveSettingExpression(fn.path));
      const service = BlobServiceClient.fromConnectionString(cs);
      const container = service.getContainerClient(pattern.container);
      const receipts = service.getContainerClient(HOSTS_CONTAINER);
      await container.createIfNotExists();
      await receipts.createIfNotExists();
      const poison = QueueServiceClient.fromConnectionString(cs).getQueueClient(BLOB_POISON_QUEUE);
      return { fn, pattern, container, receipts, poison };
    }),
  );
  type Target = (typeof targets)[number];

  async function toPoison(t: Target, blob: BlobItem, failures: number): Promise<void> {
    await t.poison.createIfNotExists();
    const message = { Type: "BlobTrigger", FunctionId: `Host.Functions.${t.fn.name}`, BlobType: "BlockBlob", ContainerName: t.pattern.container, BlobName: blob.name, ETag: blob.properties.etag };
    await t.poison.sendMessage(Buffer.from(JSON.stringify(message)).toString("base64"));
    log("warn", `Blob ${t.pattern.container}/${blob.name} moved to ${BLOB_POISON_QUEUE} after ${failures} failed invocation(s) of "${t.fn.name}".`);
    options.onPoisoned?.(BLOB_POISON_QUEUE);
  }

  async function processBlob(t: Target, blob: BlobItem, params: Record<string, string>): Promise<void> {
    const receiptName = blobReceiptName(hostId, t.fn.name, blob.properties.etag ?? "", t.pattern.container, blob.name);
    if (done.has(receiptName) || inFlight.has(receiptName)) return;
    inFlight.add(receiptName);
    const receipt = t.receipts.getBlockBlobClient(receiptName);
    let leaseId: string | undefined;
    let renew: NodeJS.Timeout | undefined;
    try {
      try {
        await receipt.upload("", 0, { conditions: { ifNoneMatch: "*" } });
      } catch (e) {
        if (statusOf(e) !== 409 && statusOf(e) !== 412) throw e;
      }
      const props = await receipt.getProperties();
      if (props.metadata?.invocationid) {
        done.add(receiptName);
        return;
      }
      const failures = Number(props.metadata?.failurecount ?? "0");
      const lease = receipt.getBlobLeaseClient();
      try {
        leaseId = (await lease.acquireLease(60)).leaseId;
      } catch (e) {
        if (statusOf(e) === 409) return; // another host processes it
        throw e;
      }
      renew = setInterval(() => void lease.renewLease().catch(() => undefined), 30_000);
      renew.unref();
      const conditions = { leaseId: leaseId as string };
      if (failures >= maxFailures) {
        await toPoison(t, blob, failures);
        await receipt.setMetadata({ invocationid: randomUUID(), poisoned: "true", failurecount: String(failures) }, { conditions });
        done.add(receiptName);
        return;
      }
      let content: Buffer;
      try {
        content = await t.container.getBlobClient(blob.name).downloadToBuffer(undefined, undefined, { conditions: { ifMatch: blob.properties.etag } });
      } catch (e) {
        // Deleted or overwritten since the listing: the next scan sees the new version.
        if (statusOf(e) === 404 || statusOf(e) === 412) return;
        throw e;
      }
      const invocationId = randomUUID();
      try {
        await invokeFunction(t.fn.name, {
          inputData: { [t.fn.triggerBinding]: { bytes: new Uint8Array(content) }, ...(options.extraInputs?.(t.fn) ?? {}) },
          triggerMetadata: blobTriggerMetadata(t.container, blob, params),
        });
      } catch (e) {
        const count = failures + 1;
        log("error", `Function "${t.fn.name}" failed on blob ${t.pattern.container}/${blob.name} (attempt ${count} of ${maxFailures}): ${e instanceof Error ? e.message : String(e)}`);
        if (count >= maxFailures) {
          await toPoison(t, blob, count);
          await receipt.setMetadata({ invocationid: invocationId, poisoned: "true", failurecount: String(count) }, { conditions });
          done.add(receiptName);
        } else {
          await receipt.setMetadata({ failurecount: String(count) }, { conditions });
        }
        return;
      }
      await receipt.setMetadata({ invocationid: invocationId, ...(failures > 0 ? { failurecount: String(failures) } : {}) }, { conditions });
      done.add(receiptName);
    } finally {
      if (renew) clearInterval(renew);
      if (leaseId) await receipt.getBlobLeaseClient(leaseId).releaseLease().catch(() => undefined);
      inFlight.delete(receiptName);
    }
  }

  async function scan(t: Target): Promise<void> {
    const work: Array<{ blob: BlobItem; params: Record<string, string> }> = [];
    for await (const blob of t.container.listBlobsFlat({ prefix: t.pattern.prefix || undefined, includeMetadata: true })) {
      const params = t.pattern.match(blob.name);
      if (!params) continue;
      const receiptName = blobReceiptName(hostId, t.fn.name, blob.properties.etag ?? "", t.pattern.container, blob.name);
      if (!done.has(receiptName)) work.push({ blob, params });
    }
    for (let i = 0; i < work.length; i += concurrency) {
      await Promise.all(
        work.slice(i, i + concurrency).map((w) =>
          processBlob(t, w.blob, w.params).catch((e: unknown) => log("warn", `Blob ${t.pattern.container}/${w.blob.name}: ${e instanceof Error ? e.message : String(e)}`)),
        ),
      );
    }
  }

  async function scanSafely(t: Target): Promise<void> {
    try {
      await scan(t);
    } catch (e) {
      log("warn", `Scanning container ${t.pattern.container} failed: ${(e as Error).message}`);
    }
  }

  async function loop(t: Target): Promise<void> {
    while (!stopped) {
      await scanSafely(t);
      if (stopped) break;
      await idle.sleep(idleMs);
    }
  }

  const loops = targets.map((t) => loop(t));
  return {
    async scanNow(): Promise<void> {
      await Promise.all(targets.map((t) => scanSafely(t)));
    },
    async stop(): Promise<void> {
      stopped = true;
      idle.wakeAll();
      await Promise.all(loops);
    },
  };
}
