/**
 * Scans everything a storage account holds (every table entity, every blob, every queue message)
 * for given secrets, in the forms they could be written in: as given, base64 and base64url of
 * their UTF-8 bytes, and, for Standard Webhooks `whsec_` secrets, the key bytes in base64 and hex.
 * Used by the tests that check secrets are never at rest in plain text.
 */
import { TableServiceClient, TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";

/** One place a secret was found. */
export interface SecretFinding {
  /** `table:<name>/<pk>/<rk>`, `blob:<container>/<name>` or `queue:<name>/<message id>`. */
  where: string;
  /** Label of the secret found (the caller's). */
  secret: string;
  /** Which encoding matched. */
  form: string;
}

/** What a scan read, so a test can show it scanned something. */
export interface SecretScanReport {
  findings: SecretFinding[];
  tables: number;
  entities: number;
  blobs: number;
  queueMessages: number;
}

/** Every encoding of a secret a careless write could leave at rest. */
export function secretForms(secret: string): Array<{ form: string; text: string }> {
  const forms = [
    { form: "plain", text: secret },
    { form: "base64", text: Buffer.from(secret, "utf8").toString("base64") },
    { form: "base64url", text: Buffer.from(secret, "utf8").toString("base64url") },
  ];
  if (secret.startsWith("whsec_")) {
    const key = Buffer.from(secret.slice(6), "base64");
    forms.push({ form: "key bytes base64", text: key.toString("base64") }, { form: "key bytes hex", text: key.toString("hex") });
  }
  // A base64 form shorter than 16 characters would match by chance; secrets here are long.
  return forms.filter((f) => f.text.length >= 16);
}

function findIn(text: string, where: string, secrets: ReadonlyMap<string, string>, out: SecretFinding[]): void {
  for (const [label, secret] of secrets) {
    for (const { form, text: needle } of secretForms(secret)) {
      if (text.includes(needle)) out.push({ where, secret: label, form });
    }
  }
}

/**
 * Reads the whole account and reports where any of the secrets appears.
 * @param connectionString - the account (Azurite in tests).
 * @param secrets - label → secret value.
 * @param options - `tablePrefix`: only tables whose name starts with it, or with one of them
 *   (tests sharing one Azurite); then blobs and queues are not read, unless `blobNamePrefix` is
 *   given: then the blobs of every container whose name starts with it (queues still not read).
 * @throws RestError when the account cannot be read.
 */
export async function scanStorageForSecrets(connectionString: string, secrets: ReadonlyMap<string, string>, options: { tablePrefix?: string | readonly string[]; blobNamePrefix?: string } = {}): Promise<SecretScanReport> {
  const report: SecretScanReport = { findings: [], tables: 0, entities: 0, blobs: 0, queueMessages: 0 };
  const tables = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  const prefixes = options.tablePrefix === undefined ? undefined : typeof options.tablePrefix === "string" ? [options.tablePrefix] : options.tablePrefix;
  for await (const t of tables.listTables()) {
    const name = t.name ?? "";
    if (prefixes && !prefixes.some((p) => name.startsWith(p))) continue;
    report.tables++;
    const client = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    for await (const e of client.listEntities<Record<string, unknown>>()) {
      report.entities++;
      findIn(JSON.stringify(e), `table:${name}/${String(e.partitionKey)}/${String(e.rowKey)}`, secrets, report.findings);
    }
  }
  if (!prefixes || options.blobNamePrefix !== undefined) {
    const blobs = BlobServiceClient.fromConnectionString(connectionString);
    for await (const c of blobs.listContainers()) {
      const container = blobs.getContainerClient(c.name);
      for await (const b of container.listBlobsFlat({ includeMetadata: true, ...(options.blobNamePrefix ? { prefix: options.blobNamePrefix } : {}) })) {
        report.blobs++;
        const content = (await container.getBlobClient(b.name).downloadToBuffer()).toString("latin1");
        findIn(`${JSON.stringify(b.metadata ?? {})}\n${content}`, `blob:${c.name}/${b.name}`, secrets, report.findings);
      }
    }
  }
  if (!prefixes) {
    const queues = QueueServiceClient.fromConnectionString(connectionString);
    for await (const q of queues.listQueues()) {
      const queue = queues.getQueueClient(q.name);
      const peeked = await queue.peekMessages({ numberOfMessages: 32 });
      for (const m of peeked.peekedMessageItems) {
        report.queueMessages++;
        const decoded = Buffer.from(m.messageText, "base64").toString("utf8");
        findIn(`${m.messageText}\n${decoded}`, `queue:${q.name}/${m.messageId}`, secrets, report.findings);
      }
    }
  }
  return report;
}
