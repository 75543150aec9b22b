/**
 * Small helpers over `@azure/data-tables` shared by the history store and the queue payload spill:
 * client creation for Azurite, error classification, and storing strings larger than one table
 * property (64 KiB, about 32 K UTF-16 characters) across several properties.
 */
import { TableClient, type TableEntityResult, type TableServiceClientOptions } from "@azure/data-tables";

/** Largest string length (UTF-16 code units) stored in one table property. */
const CHUNK_CHARS = 30000;
/** Azure Table Storage entity size limit (1 MiB), which Azurite enforces as well. */
export const MAX_ENTITY_BYTES = 1024 * 1024;

/**
 * Writes U+2028 and U+2029 in entity-group transaction bodies as the JSON escapes `\u2028` and
 * `\u2029` (the same JSON strings): Azurite's batch parser cuts an operation's JSON at a raw line
 * separator, fails the batch and can leave every later batch failing (history events carry
 * activity inputs and outputs with customer text). The app's table clients do the same; see
 * docs/azurite-line-separator-batch.md.
 */
const batchLineSeparatorEscapePolicy: NonNullable<TableServiceClientOptions["additionalPolicies"]>[number]["policy"] = {
  name: "batchLineSeparatorEscapePolicy",
  sendRequest(request, next) {
    if (typeof request.body === "string" && /\/\$batch(?:\?|$)/.test(request.url)) request.body = request.body.replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
    return next(request);
  },
};

/** Creates a table client; allows plain HTTP, which Azurite uses. */
export function createTableClient(connectionString: string, tableName: string): TableClient {
  return TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true, additionalPolicies: [{ policy: batchLineSeparatorEscapePolicy, position: "perCall" }] });
}

/** HTTP status of a storage error, or undefined. */
export function statusOf(error: unknown): number | undefined {
  const s = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

/**
 * A storage error for a log line: its message, and the HTTP status and error code when it has them
 * (`RestError` of the Azure SDK: `statusCode`, `code`). Azurite answers some failures with an empty
 * body, whose `RestError` has an empty message; the line then still says what failed.
 * @returns e.g. `The specified message does not exist. (HTTP 404, MessageNotFound)`,
 *   `no message (HTTP 500)`; for a non-Error value, its string form.
 */
export function describeStorageError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = statusOf(error);
  const code = (error as { code?: unknown }).code;
  const details = [status !== undefined ? `HTTP ${status}` : undefined, typeof code === "string" && code ? code : undefined].filter(Boolean).join(", ");
  const message = error.message.trim() || (details ? "no message" : `${error.name} without a message`);
  return details ? `${message} (${details})` : message;
}

/** Creates the table unless it exists (409 ignored). */
export async function ensureTable(client: TableClient): Promise<void> {
  try {
    await client.createTable();
  } catch (e) {
    if (statusOf(e) !== 409) throw e;
  }
}

/**
 * Sets `field` on `entity` to `value` (a string or null), spreading strings longer than one
 * property into `field`, `field__1`, `field__2`, ... with the part count in `field__n`.
 */
export function setLargeString(entity: Record<string, unknown>, field: string, value: string | null | undefined): void {
  if (value === undefined || value === null) {
    entity[field] = null;
    return;
  }
  if (value.length <= CHUNK_CHARS) {
    entity[field] = value;
    return;
  }
  const parts = Math.ceil(value.length / CHUNK_CHARS);
  for (let i = 0; i < parts; i++) {
    entity[i === 0 ? field : `${field}__${i}`] = value.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  }
  entity[`${field}__n`] = parts;
}

/** Reads a string written by {@link setLargeString}; undefined when absent, null when stored as null. */
export function getLargeString(entity: Record<string, unknown>, field: string): string | null | undefined {
  const first = entity[field];
  if (first === undefined) return undefined;
  if (first === null || typeof first !== "string") return first === null ? null : String(first);
  const n = entity[`${field}__n`];
  if (typeof n !== "number" || n <= 1) return first;
  let s = first;
  for (let i = 1; i < n; i++) s += String(entity[`${field}__${i}`] ?? "");
  return s;
}

/**
 * Throws a clear error when an entity would exceed the 1 MiB limit of Azure Table Storage.
 * @throws Error with `code: "PayloadTooLarge"`.
 */
export function assertEntitySize(entity: Record<string, unknown>, what: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(entity), "utf8");
  if (bytes > MAX_ENTITY_BYTES - 16 * 1024) {
    const err = new Error(
      `${what} is ${bytes} bytes, over the 1 MiB entity limit of Azure Table Storage; the local Durable engine keeps payloads inline. Pass references to large data instead.`,
    );
    (err as Error & { code: string }).code = "PayloadTooLarge";
    throw err;
  }
}

/** Lists every entity of a partition (all pages). */
export async function listPartition(client: TableClient, partitionKey: string): Promise<TableEntityResult<Record<string, unknown>>[]> {
  const out: TableEntityResult<Record<string, unknown>>[] = [];
  const filter = `PartitionKey eq '${escapeOData(partitionKey)}'`;
  for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) out.push(e);
  return out;
}

/** Escapes a string literal for an OData filter (single quotes doubled). */
export function escapeOData(value: string): string {
  return value.replace(/'/g, "''");
}
