/**
 * Starts a real Azurite (npm package) for tests on free loopback ports, in-memory, and gives the
 * connection string. Used by Jest's global setup and by end-to-end tests that need their own.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { getFreePort, getFreePorts } from "./ports";

export { getFreePort, getFreePorts };

/** Well-known Azurite development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
/** Well-known Azurite development key (public, documented by Microsoft). */
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** A running Azurite and how to reach it. */
export interface AzuriteInstance {
  /** Connection string with blob, queue and table endpoints. */
  connectionString: string;
  ports: { blob: number; queue: number; table: number };
  /** Stops the process (SIGTERM, then SIGKILL after 3 s). */
  stop(): Promise<void>;
}

/** Resolves once something accepts TCP connections on the port, or rejects after `timeoutInMs`. */
export async function waitForPort(port: number, timeoutInMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Nothing listens on 127.0.0.1:${port} after ${timeoutInMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Builds the Azurite connection string for the given ports. */
export function azuriteConnectionString(ports: { blob: number; queue: number; table: number }): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=http://127.0.0.1:${ports.blob}/${AZURITE_ACCOUNT};` +
    `QueueEndpoint=http://127.0.0.1:${ports.queue}/${AZURITE_ACCOUNT};` +
    `TableEndpoint=http://127.0.0.1:${ports.table}/${AZURITE_ACCOUNT};`
  );
}

/**
 * Starts Azurite in memory (or in `location` when given) on free ports. A free port can be taken by
 * another process between choosing and binding it (other test workers, a developer's stack), so a
 * start whose Azurite exits early or does not listen is retried on new ports, up to 3 times.
 * @throws Error with Azurite's own output when no attempt listens within 60 s.
 */
export async function startAzurite(options: { location?: string } = {}): Promise<AzuriteInstance> {
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const [blob, queue, table] = (await getFreePorts(3)) as [number, number, number];
    const ports = { blob, queue, table };
    // Resolved as a module, so it is found from the TypeScript sources and from dist/ (benchmarks) alike.
    const bin = require.resolve("azurite/dist/src/azurite.js");
    const args = [
      bin,
      "--silent",
      "--skipApiVersionCheck",
      "--loose",
      "--disableTelemetry",
      "--blobPort", String(ports.blob),
      "--queuePort", String(ports.queue),
      "--tablePort", String(ports.table),
      ...(options.location ? ["--location", options.location] : ["--inMemoryPersistence"]),
    ];
    const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString("utf8")).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`Azurite exited (code ${code}) before listening: ${output.trim()}`))));
    try {
      await Promise.race([Promise.all([waitForPort(ports.blob, 60000), waitForPort(ports.queue, 60000), waitForPort(ports.table, 60000)]), exited]);
    } catch (e) {
      lastError = new Error(`${(e as Error).message}${output ? ` — Azurite said: ${output.trim()}` : ""}`);
      child.kill("SIGKILL");
      continue;
    }
    exited.catch(() => undefined);
    return started(child, ports);
  }
  throw lastError ?? new Error("Azurite did not start");
}

function started(child: ChildProcess, ports: { blob: number; queue: number; table: number }): AzuriteInstance {
  return {
    connectionString: azuriteConnectionString(ports),
    ports,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill("SIGKILL"), 3000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}
