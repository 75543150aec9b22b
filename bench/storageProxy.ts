/**
 * A counting HTTP proxy the bench puts in front of Azurite: one loopback listener per storage
 * service (blob, queue, table) forwards every request unchanged to Azurite's port and counts it by
 * service, method, resource class and owner. Shared Key signatures cover the account and path, not
 * the host or port, so clients signed for the proxy's endpoints are accepted by Azurite.
 *
 * Owner of a request (by the resource it names):
 * - `engine`: the local Durable engine's task hub (`<hub>History`, `<hub>Instances`, `<hub>Payloads`,
 *   `<hub>-control-NN`, `<hub>-workitems`);
 * - `host`: the local host's trigger listeners (blob listings, `azure-webjobs-*` containers);
 * - `app`: everything else (the app's tables and queues).
 *
 * A queue receive (`GET …/messages`) whose answer holds no message is counted as `empty-poll`: the
 * cost of waiting for work, reported apart from the cost of doing work.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** Storage service of a request. */
export type StorageService = "blob" | "queue" | "table";
/** Who a request belongs to (see the module comment). */
export type StorageOwner = "engine" | "host" | "app";

/** One counted request. */
export interface CountedRequest {
  service: StorageService;
  owner: StorageOwner;
  method: string;
  /** Resource class, e.g. `table History entity`, `queue control messages`, `blob list`. */
  resource: string;
  /** True for a queue receive that returned no message. */
  emptyPoll: boolean;
  status: number;
}

/** A snapshot of counters: count per `service method resource [owner]` key. */
export type CountSnapshot = Map<string, { request: CountedRequest; count: number }>;

/** The running proxy. */
export interface StorageProxy {
  /** Proxy ports by service (point the app's connection string at these). */
  ports: Record<StorageService, number>;
  /** Copy of the counters now. */
  snapshot(): CountSnapshot;
  /** Closes the listeners. */
  close(): Promise<void>;
}

/** Totals of the difference between two snapshots. */
export interface CountDelta {
  /** Every request, empty polls included. */
  total: number;
  /** Requests doing work: all but empty queue polls and trigger-listener blob listings. */
  work: number;
  emptyPolls: number;
  byOwner: Record<StorageOwner, number>;
  /** Work requests by key, most frequent first. */
  byKey: Array<{ key: string; count: number }>;
}

/**
 * Classifies a storage request path (`/devstoreaccount1/<resource>…`) into an owner and a resource class.
 * @param hub - the task hub name (case-insensitive prefix of the engine's tables and queues).
 */
export function classifyStorageRequest(service: StorageService, method: string, url: string, hub: string): { owner: StorageOwner; resource: string } {
  const [pathPart = "", query = ""] = url.split("?", 2);
  const segments = decodeURIComponent(pathPart).split("/").filter(Boolean).slice(1); // drop the account
  const first = segments[0] ?? "";
  const lowerHub = hub.toLowerCase();
  if (service === "table") {
    const m = first.match(/^([^(]+)(\((.*)\))?$/);
    const table = m?.[1] ?? first;
    const keyed = m?.[3] !== undefined && m[3] !== "";
    let kind: string;
    if (table === "Tables") kind = method === "POST" ? "create" : "tables";
    else if (table === "$batch") kind = "batch";
    else if (keyed) kind = "entity";
    else kind = method === "POST" ? "insert" : "query";
    const owner: StorageOwner = table.toLowerCase().startsWith(lowerHub) ? "engine" : "app";
    const shortName = owner === "engine" ? table.slice(hub.length) : table;
    return { owner, resource: `${shortName || table} ${kind}` };
  }
  if (service === "queue") {
    const queue = first;
    const owner: StorageOwner = queue.startsWith(`${lowerHub}-`) ? "engine" : "app";
    const name = owner === "engine" ? queue.slice(lowerHub.length + 1).replace(/-\d+$/, "") : queue;
    const kind = segments.length >= 3 ? "message" : segments[1] === "messages" ? "messages" : "queue";
    return { owner, resource: `${name || "(service)"} ${kind}` };
  }
  const container = first;
  const list = /(^|&)comp=list(&|$)/.test(query);
  const owner: StorageOwner = container.startsWith("azure-webjobs") || list ? "host" : "app";
  return { owner, resource: list ? `${container || "(service)"} list` : `${container || "(service)"} ${segments.length > 1 ? "blob" : "container"}` };
}

/** Owner and resource class of an entity group transaction, from the first entity operation in its body. */
export function classifyBatch(body: string, hub: string): { owner: StorageOwner; resource: string } {
  const table = /\/[A-Za-z0-9]+\/([A-Za-z][A-Za-z0-9]*)(\(| HTTP)/.exec(body)?.[1];
  if (!table) return { owner: "app", resource: "$batch batch" };
  const { owner, resource } = classifyStorageRequest("table", "GET", `/account/${table}()`, hub);
  return { owner, resource: resource.replace(/ query$/, " batch") };
}

/**
 * Starts the proxy on free loopback ports.
 * @param targets - Azurite's ports by service.
 * @param hub - task hub name of the engine (for the owner classification).
 */
export async function startStorageProxy(targets: Record<StorageService, number>, hub: string): Promise<StorageProxy> {
  const counts: CountSnapshot = new Map();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const servers: http.Server[] = [];
  const ports = {} as Record<StorageService, number>;

  function count(r: CountedRequest): void {
    const key = `${r.owner} ${r.service} ${r.method} ${r.resource}${r.emptyPoll ? " (empty)" : ""}${r.status >= 400 ? ` → ${r.status}` : ""}`;
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { request: r, count: 1 });
  }

  for (const service of ["blob", "queue", "table"] as const) {
    const server = http.createServer((req, res) => {
      const method = req.method ?? "GET";
      const url = req.url ?? "/";
      let { owner, resource } = classifyStorageRequest(service, method, url, hub);
      const isBatch = service === "table" && resource === "$batch batch";
      const isReceive = service === "queue" && method === "GET" && /\/messages(\?|$)/.test(url) && !/peekonly=true/i.test(url);
      const upstream = http.request(
        { host: "127.0.0.1", port: targets[service], method, path: url, headers: req.headers, agent },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          const chunks: Buffer[] = [];
          up.on("data", (c: Buffer) => {
            if (isReceive) chunks.push(c);
            res.write(c);
          });
          // Azurite closing the connection mid-answer: reset the client's connection too, as a
          // broken connection to storage would, instead of leaving its answer unfinished forever.
          up.on("close", () => {
            if (!up.complete) res.destroy();
          });
          up.on("error", () => res.destroy());
          up.on("end", () => {
            res.end();
            if (isBatch) ({ owner, resource } = classifyBatch(Buffer.concat(sent).toString("utf8"), hub));
            const emptyPoll = isReceive && !Buffer.concat(chunks).toString("utf8").includes("<QueueMessage>");
            count({ service, owner, method, resource, emptyPoll, status: up.statusCode ?? 0 });
          });
        },
      );
      upstream.on("error", () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
        count({ service, owner, method, resource, emptyPoll: false, status: 502 });
      });
      // A batch names its table only in its body (the entity operations): keep the body to classify it.
      const sent: Buffer[] = [];
      if (isBatch) req.on("data", (c: Buffer) => sent.push(c));
      req.pipe(upstream);
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    ports[service] = (server.address() as AddressInfo).port;
    servers.push(server);
  }

  return {
    ports,
    snapshot: () => new Map([...counts].map(([k, v]) => [k, { request: v.request, count: v.count }])),
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      })));
      agent.destroy();
    },
  };
}

/** What happened between two snapshots. */
export function diffCounts(before: CountSnapshot, after: CountSnapshot): CountDelta {
  const delta: CountDelta = { total: 0, work: 0, emptyPolls: 0, byOwner: { engine: 0, host: 0, app: 0 }, byKey: [] };
  for (const [key, { request, count }] of after) {
    const n = count - (before.get(key)?.count ?? 0);
    if (n <= 0) continue;
    delta.total += n;
    const idle = request.emptyPoll || (request.service === "blob" && request.owner === "host");
    if (request.emptyPoll) delta.emptyPolls += n;
    if (idle) continue;
    delta.work += n;
    delta.byOwner[request.owner] += n;
    delta.byKey.push({ key, count: n });
  }
  delta.byKey.sort((a, b) => b.count - a.count);
  return delta;
}
