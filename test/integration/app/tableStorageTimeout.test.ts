/**
 * A Table Storage connection that stops answering, on the Jest Azurite behind a loopback proxy
 * that stalls chosen requests: before the answer, or after the headers and part of the body. The
 * app's table clients give up on such a try (`tryTimeoutInMs`), the SDK tries again, and when every
 * try stalls the caller gets a transient storage fault instead of waiting forever.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { RestError } from "@azure/data-tables";
import { TableStorage } from "../../../shared/adapters";
import { storageFault } from "../../../shared/adapters/faults";
import { testConfig } from "./helpers";

type Stall = "none" | "before-answer" | "mid-body";

/** A proxy in front of Azurite's table endpoint; `stall(n)` decides how the n-th request (from 1) is treated. */
async function startStallingProxy(targetPort: number, stall: (n: number) => Stall): Promise<{ port: number; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const how = stall(++n);
    if (how === "before-answer") {
      req.resume();
      held.push(res);
      return;
    }
    const upstream = http.request({ host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (how === "mid-body") {
        // The headers and the first bytes of the body, then nothing more.
        up.once("data", (chunk: Buffer) => res.write(chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2)))));
        held.push(res);
        return;
      }
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => n,
    close: async () => {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function storageBehind(proxyPort: number): TableStorage {
  const config = testConfig("stall");
  const connectionString = config.AzureWebJobsStorage.replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+\//, `TableEndpoint=http://127.0.0.1:${proxyPort}/`);
  return new TableStorage({ connectionString, tablePrefix: config.TABLE_PREFIX, tryTimeoutInMs: 500 });
}

function azuriteTablePort(): number {
  const m = /TableEndpoint=http:\/\/127\.0\.0\.1:(\d+)\//.exec(process.env.AZURE_STORAGE_CONNECTION_STRING ?? "");
  if (!m) throw new Error("the Jest Azurite's table endpoint is not in AZURE_STORAGE_CONNECTION_STRING");
  return Number(m[1]);
}

describe("Table Storage requests that stop answering", () => {
  it.each<[string, Stall]>([
    ["before answering", "before-answer"],
    ["in the middle of the answer's body", "mid-body"],
  ])("a try that stalls %s is given up and tried again: the read returns the entity", async (_label, how) => {
    let stallNext = false;
    const proxy = await startStallingProxy(azuriteTablePort(), () => {
      if (!stallNext) return "none";
      stallNext = false;
      return how;
    });
    try {
      const storage = storageBehind(proxy.port);
      const table = await storage.getTable("Stalls");
      await table.createEntity({ partitionKey: "p", rowKey: "r", note: "stored before the stall" });
      const before = proxy.requests();
      stallNext = true;
      const read = await table.getEntity<{ note: string }>("p", "r");
      expect(read.note).toBe("stored before the stall");
      expect(proxy.requests() - before).toBe(2); // the stalled try and the retry
    } finally {
      await proxy.close();
    }
  });

  it("when every try stalls, the caller gets a transient storage fault (timeout), not a wait without end", async () => {
    let stalling = false;
    const proxy = await startStallingProxy(azuriteTablePort(), () => (stalling ? "before-answer" : "none"));
    try {
      const storage = storageBehind(proxy.port);
      const table = await storage.getTable("Stalls");
      stalling = true;
      const before = proxy.requests();
      const error: unknown = await table.getEntity("p", "missing").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RestError);
      expect((error as RestError).code).toBe("ETIMEDOUT");
      expect(storageFault(error)).toMatchObject({ class: "transient", code: "timeout" });
      // The SDK's retry policy tried again (3 retries) before giving up.
      expect(proxy.requests() - before).toBe(4);
    } finally {
      await proxy.close();
    }
  }, 30_000);
});
