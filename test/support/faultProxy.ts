/**
 * A loopback HTTP proxy in front of one Azurite service that answers chosen requests itself with
 * `503 Server Busy` (as Azure Storage does when a partition is over its targets) and forwards the
 * rest unchanged. Shared Key signatures cover the account and path, not the host or port, so
 * clients signed for the proxy's endpoint are accepted by Azurite.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** The running proxy. */
export interface FaultProxy {
  /** Port the proxy listens on (127.0.0.1). */
  port: number;
  /** Decides per request (method, decoded path and query) whether it is refused; default: none. */
  refuse: (method: string, url: string) => boolean;
  /** What a refused request is answered (default 503 `ServerBusy`). */
  answer: { status: number; code: string; message: string };
  /** Requests refused so far. */
  refused: number;
  close(): Promise<void>;
}

/**
 * Starts the proxy on a free loopback port.
 * @param targetPort - Azurite's port of the service (blob, queue or table).
 */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const proxy: FaultProxy = { port: 0, refuse: () => false, answer: { status: 503, code: "ServerBusy", message: "The server is busy." }, refused: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    if (proxy.refuse(method, decodeURIComponent(url))) {
      proxy.refused++;
      req.resume();
      const { status, code, message } = proxy.answer;
      res.writeHead(status, { "content-type": "application/json", "x-ms-error-code": code });
      res.end(JSON.stringify({ "odata.error": { code, message: { lang: "en-US", value: message } } }));
      return;
    }
    const upstream = http.request({ host: "127.0.0.1", port: targetPort, method, path: url, headers: req.headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.close = async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}
