/**
 * Raw inbound messages, quarantine copies and case attachments in Azure Blob Storage
 * (Azurite locally), containers created once per process:
 * - `inbound-email/<partnerId>/<yyyyMMddTHHmmssSSSZ>-<id>.eml`: what the relays write and the blob
 *   trigger (functions/inboundEmail.ts) processes;
 * - `inbound-email-quarantine/<partnerId>/<…>.eml`: the same bytes with blob metadata `reason`,
 *   `detail`, `messageid`, `sourceblob`;
 * - `case-attachments/<partnerId>/<caseId>/<message hash>/<n>-<file name>`.
 * With an identity-based connection the identity needs "Storage Blob Data Contributor".
 */
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { CASE_ATTACHMENTS_CONTAINER, INBOUND_EMAIL_CONTAINER, INBOUND_EMAIL_QUARANTINE_CONTAINER, toWellFormedText } from "../contracts";
import type { InboundEmailBlobStore } from "../ports";

/** Options of {@link BlobInboundEmailStore}: a connection string or a blob service URI with a token credential. */
export type BlobInboundEmailStoreOptions =
  | { connectionString: string }
  | {
      /** `https://<account>.blob.core.windows.net` or `AzureWebJobsStorage__blobServiceUri`. */
      blobServiceUri: string;
      managedIdentityClientId?: string;
      credential?: TokenCredential;
    };

/**
 * Blob metadata values must be ASCII (HTTP headers): non-ASCII is percent-encoded (a lone
 * surrogate, which `encodeURI` refuses, as U+FFFD), control characters dropped, length capped at
 * 1,024 characters (never inside a `%XX` escape). Total over any string.
 */
export function toBlobMetadataValue(value: string): string {
  return encodeURI(toWellFormedText(value).replace(/[\u0000-\u001f\u007f]/g, "")).slice(0, 1024).replace(/%[0-9A-F]?$/, "");
}

/** {@link InboundEmailBlobStore} over Azure Blob Storage. */
export class BlobInboundEmailStore implements InboundEmailBlobStore {
  /** The service client (also used by the SMTP intake and tests). */
  readonly service: BlobServiceClient;
  readonly #ready = new Map<string, Promise<ContainerClient>>();

  /** @param options - connection string, or blob service URI (+ credential). */
  constructor(options: BlobInboundEmailStoreOptions) {
    // A try that has not answered in 2 minutes is given up and tried again (the SDK sets no limit by
    // default: a connection that stopped answering would hold the intake forever). Generous: a raw
    // message of tens of MB goes up or down in one try.
    const clientOptions = { retryOptions: { tryTimeoutInMs: 120_000 } };
    if ("connectionString" in options) this.service = BlobServiceClient.fromConnectionString(options.connectionString, clientOptions);
    else this.service = new BlobServiceClient(options.blobServiceUri.replace(/\/+$/, ""), options.credential ?? new DefaultAzureCredential({ managedIdentityClientId: options.managedIdentityClientId }), clientOptions);
  }

  /**
   * A container client, the container created on first use (409 counts as success).
   * @throws RestError when the container cannot be created.
   */
  container(name: string): Promise<ContainerClient> {
    let ready = this.#ready.get(name);
    if (!ready) {
      const client = this.service.getContainerClient(name);
      ready = client.createIfNotExists().then(
        () => client,
        (e: unknown) => {
          this.#ready.delete(name);
          throw e;
        },
      );
      this.#ready.set(name, ready);
    }
    return ready;
  }

  /** Writes a raw message to `inbound-email`. @throws RestError when storage fails. */
  async putInbound(blobName: string, raw: Uint8Array, metadata: Record<string, string> = {}): Promise<void> {
    const c = await this.container(INBOUND_EMAIL_CONTAINER);
    const meta = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, toBlobMetadataValue(v)]));
    await c.getBlockBlobClient(blobName).uploadData(raw, { blobHTTPHeaders: { blobContentType: "message/rfc822" }, metadata: meta });
  }

  /** Reads a raw message from `inbound-email`; undefined on 404. @throws RestError when storage fails. */
  async getInbound(blobName: string): Promise<Uint8Array | undefined> {
    const c = await this.container(INBOUND_EMAIL_CONTAINER);
    try {
      return await c.getBlobClient(blobName).downloadToBuffer();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  /** Names of the raw messages created in `(after, until]`, listing the container. @throws RestError when storage fails. */
  async listInboundCreated(after: Date, until: Date): Promise<string[]> {
    const c = await this.container(INBOUND_EMAIL_CONTAINER);
    const names: string[] = [];
    for await (const b of c.listBlobsFlat()) {
      const created = b.properties.createdOn ?? b.properties.lastModified;
      if (created > after && created <= until) names.push(b.name);
    }
    return names;
  }

  /** Copies a raw message to `inbound-email-quarantine` with metadata. @throws RestError when storage fails. */
  async putQuarantine(blobName: string, raw: Uint8Array, metadata: Record<string, string>): Promise<void> {
    const c = await this.container(INBOUND_EMAIL_QUARANTINE_CONTAINER);
    const meta = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, toBlobMetadataValue(v)]));
    await c.getBlockBlobClient(blobName).uploadData(raw, { blobHTTPHeaders: { blobContentType: "message/rfc822" }, metadata: meta });
  }

  /** Stores an attachment in `case-attachments`. @throws RestError when storage fails. */
  async putAttachment(blobName: string, content: Uint8Array, contentType: string): Promise<void> {
    const c = await this.container(CASE_ATTACHMENTS_CONTAINER);
    await c.getBlockBlobClient(blobName).uploadData(content, { blobHTTPHeaders: { blobContentType: contentType, blobContentDisposition: "attachment" } });
  }

  /** Reads the blob service properties. @throws RestError or a network error when unreachable. */
  async ping(): Promise<void> {
    await this.service.getProperties();
  }

  /** Deletes blobs of a container (absent ones skipped). @returns how many existed. */
  async #deleteAll(containerName: string, blobNames: readonly string[]): Promise<number> {
    if (blobNames.length === 0) return 0;
    const c = await this.container(containerName);
    let n = 0;
    for (const name of new Set(blobNames)) {
      if ((await c.getBlobClient(name).deleteIfExists({ deleteSnapshots: "include" })).succeeded) n++;
    }
    return n;
  }

  /** Deletes raw messages from `inbound-email`. @throws RestError when storage fails. */
  deleteInbound(blobNames: readonly string[]): Promise<number> {
    return this.#deleteAll(INBOUND_EMAIL_CONTAINER, blobNames);
  }

  /** Deletes quarantined copies from `inbound-email-quarantine`. @throws RestError when storage fails. */
  deleteQuarantine(blobNames: readonly string[]): Promise<number> {
    return this.#deleteAll(INBOUND_EMAIL_QUARANTINE_CONTAINER, blobNames);
  }

  /** Deletes every blob under `case-attachments/<partnerId>/<caseId>/`. @throws RestError when storage fails. */
  async deleteCaseAttachments(partnerId: string, caseId: string): Promise<number> {
    const c = await this.container(CASE_ATTACHMENTS_CONTAINER);
    const names: string[] = [];
    for await (const b of c.listBlobsFlat({ prefix: `${partnerId}/${caseId}/` })) names.push(b.name);
    return this.#deleteAll(CASE_ATTACHMENTS_CONTAINER, names);
  }
}
