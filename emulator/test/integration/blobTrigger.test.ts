/**
 * Blob triggers of the local host on Azurite (emulator/blobListener.ts): each blob delivered once
 * as bytes with the host's trigger metadata, receipts in `azure-webjobs-hosts/blobreceipts/…`, an
 * overwritten blob processed again, failures retried and poisoned to `webjobs-blobtrigger-poison`
 * after 5 attempts, and nothing processed twice by a restarted host.
 */
import path from "node:path";
import { randomUUID } from "node:crypto";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { BLOB_POISON_QUEUE, compileBlobPath, HOSTS_CONTAINER } from "../../blobListener";
import { createLocalHost, type LocalHost } from "../../host";
import { TEST_KEYS } from "./host/fakeEngine";

const APP_DIR = path.join(__dirname, "blob-app");
const container = `blobapp-${randomUUID().slice(0, 8)}`;
let host: LocalHost;
let blobs: BlobServiceClient;
let queues: QueueServiceClient;

interface Seen {
  content: string;
  isBuffer: boolean;
  triggerMetadata: Record<string, unknown>;
}
const seen = (): Seen[] => (globalThis as unknown as Record<symbol, Seen[] | undefined>)[Symbol.for("blob-app.seen")] ?? [];

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutInMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startHost(): LocalHost {
  return createLocalHost({ appDir: APP_DIR, port: 0, durableRpcPort: false, keys: TEST_KEYS, blobPollingIntervalInMs: 100, log: () => undefined });
}

beforeAll(async () => {
  process.env.BLOB_APP_CONTAINER = container;
  process.env.AzureWebJobsStorage ??= process.env.AZURE_STORAGE_CONNECTION_STRING;
  blobs = BlobServiceClient.fromConnectionString(process.env.AZURE_STORAGE_CONNECTION_STRING ?? "");
  queues = QueueServiceClient.fromConnectionString(process.env.AZURE_STORAGE_CONNECTION_STRING ?? "");
  host = startHost();
  await host.start();
});

afterAll(async () => {
  await host.stop();
  await blobs.getContainerClient(container).deleteIfExists();
});

const upload = (name: string, content: string, metadata: Record<string, string> = {}) =>
  blobs.getContainerClient(container).getBlockBlobClient(name).upload(content, Buffer.byteLength(content), { metadata, blobHTTPHeaders: { blobContentType: "message/rfc822" } });

describe("compileBlobPath", () => {
  it("binds {name} to the rest of the blob path, slashes included", () => {
    const p = compileBlobPath("inbound-email/{name}");
    expect(p.container).toBe("inbound-email");
    expect(p.match("duna/20260305-x.eml")).toEqual({ name: "duna/20260305-x.eml" });
  });
  it("matches literal parts and several parameters", () => {
    const p = compileBlobPath("images/{partner}/{name}.png");
    expect(p.prefix).toBe("");
    expect(p.match("a/b/c.png")).toEqual({ partner: "a", name: "b/c" });
    expect(p.match("a/b.jpg")).toBeUndefined();
    expect(compileBlobPath("images/in/{name}").prefix).toBe("in/");
  });
  it("rejects a path without a container", () => {
    expect(() => compileBlobPath("{name}")).toThrow(/container/);
  });
});

describe("blob trigger on the local host", () => {
  it("lists the function as a blobTrigger", () => {
    expect(host.listFunctions()).toContainEqual({ name: "blobWorker", triggerType: "blobTrigger" });
  });

  it("delivers a new blob once, as bytes, with the host's trigger metadata, and writes its receipt", async () => {
    await upload("p1/one.eml", "hello blob", { source: "test" });
    const got = await waitFor(() => seen().find((s) => s.content === "hello blob"));
    expect(got.isBuffer).toBe(true);
    expect(got.triggerMetadata).toMatchObject({
      blobTrigger: `${container}/p1/one.eml`,
      name: "p1/one.eml",
      metadata: { source: "test" },
      properties: { contentType: "message/rfc822", length: 10 },
    });
    expect(String(got.triggerMetadata.uri)).toMatch(new RegExp(`/${container}/p1/one\\.eml$`));
    // A receipt exists with the invocation id; later scans do not deliver it again.
    const receipts = [];
    for await (const b of blobs.getContainerClient(HOSTS_CONTAINER).listBlobsFlat({ prefix: "blobreceipts/local-host/Host.Functions.blobWorker/", includeMetadata: true })) {
      if (b.name.endsWith(`/${container}/p1/one.eml`)) receipts.push(b);
    }
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.metadata?.invocationid).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 500));
    expect(seen().filter((s) => s.content === "hello blob")).toHaveLength(1);
  });

  it("processes an overwritten blob again (new ETag, new receipt)", async () => {
    await upload("p1/two.eml", "version 1");
    await waitFor(() => seen().find((s) => s.content === "version 1"));
    await upload("p1/two.eml", "version 2");
    await waitFor(() => seen().find((s) => s.content === "version 2"));
    expect(seen().filter((s) => s.content.startsWith("version"))).toHaveLength(2);
  });

  it("retries a failing blob and poisons it after 5 attempts", async () => {
    const poison = queues.getQueueClient(BLOB_POISON_QUEUE);
    const body = `fail ${randomUUID()}`;
    await upload("p2/bad.eml", body);
    const message = await waitFor(async () => {
      if (!(await poison.exists())) return undefined;
      const r = await poison.peekMessages({ numberOfMessages: 32 });
      return r.peekedMessageItems.map((m) => JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")) as Record<string, string>).find((m) => m.ContainerName === container && m.BlobName === "p2/bad.eml");
    });
    expect(message).toMatchObject({ Type: "BlobTrigger", FunctionId: "Host.Functions.blobWorker", BlobType: "BlockBlob" });
    expect(message.ETag).toBeTruthy();
    await new Promise((r) => setTimeout(r, 500));
    expect(seen().filter((s) => s.content === body)).toHaveLength(5);
  });

  it("a restarted host does not deliver processed blobs again", async () => {
    const before = seen().length;
    await host.stop();
    host = startHost();
    await host.start();
    await upload("p3/after-restart.eml", "after restart");
    await waitFor(() => seen().find((s) => s.content === "after restart"));
    await new Promise((r) => setTimeout(r, 500));
    expect(seen().slice(before).map((s) => s.content)).toEqual(["after restart"]);
  });
});
