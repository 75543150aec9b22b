/** A blob trigger recording what it receives; blobs whose content starts with `fail` throw. */
import { app, type InvocationContext } from "@azure/functions";

/** What the blob function saw, for the tests (same process). */
export interface SeenBlob {
  content: string;
  isBuffer: boolean;
  triggerMetadata: Record<string, unknown>;
}

const SEEN_KEY = Symbol.for("blob-app.seen");

/** Blobs processed (or attempted) so far in this process. */
export function seenBlobs(): SeenBlob[] {
  const g = globalThis as unknown as Record<symbol, SeenBlob[] | undefined>;
  return (g[SEEN_KEY] ??= []);
}

app.storageBlob("blobWorker", {
  path: "%BLOB_APP_CONTAINER%/{name}",
  connection: "AzureWebJobsStorage",
  handler: (blob: unknown, context: InvocationContext) => {
    const content = Buffer.isBuffer(blob) ? blob.toString("utf8") : String(blob);
    seenBlobs().push({ content, isBuffer: Buffer.isBuffer(blob), triggerMetadata: { ...(context.triggerMetadata ?? {}) } });
    if (content.startsWith("fail")) throw new Error("asked to fail");
  },
});
