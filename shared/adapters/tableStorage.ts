/**
 * Shared Table Storage plumbing for the Table* adapters: clients from a connection string or from
 * an identity-based connection (table service URI + Microsoft Entra token), tables created once
 * per process, key encoding, JSON packing within the property size limit, and status-code helpers.
 * Limits from "Understanding the Table service data model"
 * (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model):
 * entity ≤ 1 MiB, string property ≤ 64 KiB (32 K UTF-16 code units), keys ≤ 1 KiB without `/ \ # ?`.
 */
import { createHash } from "node:crypto";
import { RestError, TableClient, TableServiceClient, type TableEntityResult, type TableServiceClientOptions } from "@azure/data-tables";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";

/** Names of the app's tables, before the prefix. */
export const TableNames = {
  partners: "Partners",
  cases: "Cases",
  timeline: "CaseTimeline",
  idempotency: "IdempotencyKeys",
  notifications: "Notifications",
  caseActions: "CaseActions",
  /** SLA events, one row per event: the earlier format, read until migrated into `slaLogs`. */
  slaEvents: "SlaEvents",
  /** The SLA event log of each case in one row (and overflow pages), read by its keys. */
  slaLogs: "SlaLogs",
  /** Sent notifications by Message-ID (threading of email replies). */
  notificationMessageIds: "NotificationMessageIds",
  /** Processed Message-IDs, quarantine and ignored-mail logs, acknowledgement rate. */
  inboundEmail: "InboundEmail",
  /** Attachments listed per case. */
  caseAttachments: "CaseAttachments",
  /** The partners' customer directories. */
  customerDirectory: "CustomerDirectory",
  /** Cases whose workflow could not be started at intake (one partition). */
  unstartedWorkflows: "UnstartedWorkflows",
  /** The audit log of partner actions (kept 1 year). */
  audit: "AuditLog",
  /** The reports' read model: a fact per request and an aggregate per partner and day. */
  reports: "ReportReadModel",
} as const;

/**
 * Options of {@link TableStorage}: a connection string, or an identity-based connection (the
 * Azure Functions `AzureWebJobsStorage__accountName` / `__tableServiceUri` form,
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity).
 */
export type TableStorageOptions = (
  | {
      /** Storage connection string; `UseDevelopmentStorage=true` means Azurite on its default ports. */
      connectionString: string;
    }
  | {
      /** Table service endpoint, e.g. `https://<account>.table.core.windows.net` (https only: tokens need TLS). */
      tableServiceUri: string;
      /**
       * Client id of a user-assigned managed identity (`AzureWebJobsStorage__clientId`), passed to
       * `DefaultAzureCredential` as `managedIdentityClientId`. Ignored when `credential` is given.
       */
      managedIdentityClientId?: string;
      /** Token credential to use instead of `DefaultAzureCredential({ managedIdentityClientId })`. */
      credential?: TokenCredential;
    }
) & {
  /** Prefix for every table name (letters and digits). */
  tablePrefix?: string;
  /** Limit of one try of a request, answer included (ms; default {@link TABLE_TRY_TIMEOUT_MS}). */
  tryTimeoutInMs?: number;
};

const ensured = new Map<string, Promise<void>>();

/** A pipeline policy as the table clients take it in `additionalPolicies`. */
type TablePipelinePolicy = NonNullable<TableServiceClientOptions["additionalPolicies"]>[number]["policy"];

/**
 * Writes U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR in the body of an entity-group
 * transaction (`POST …/$batch`) as the JSON escapes `\u2028` and `\u2029`. The stored values do not
 * change: both spellings are the same JSON string. Why: Azurite (3.35.0 to 3.37.0, the latest)
 * finds each operation's JSON in a batch with the regular expression `/{+.+}+/`, whose `.` stops at
 * a line terminator, so a raw U+2028 makes it parse a fragment: the batch fails with 500 and, when
 * an earlier operation of it had succeeded, Azurite leaves that operation committed and answers
 * 500 to every later batch until it restarts (docs/azurite-line-separator-batch.md). Only JSON
 * string values can hold the raw characters in a batch body (URLs are percent-encoded, headers
 * are ASCII), so the replacement cannot touch anything else. Harmless against Azure.
 */
export const batchLineSeparatorEscapePolicy: TablePipelinePolicy = {
  name: "batchLineSeparatorEscapePolicy",
  sendRequest(request, next) {
    if (typeof request.body === "string" && /\/\$batch(?:\?|$)/.test(request.url) && /[\u2028\u2029]/.test(request.body)) {
      request.body = request.body.replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
    }
    return next(request);
  },
};

/**
 * How long one try of a Table Storage request may take, answer body included (ms): the Table
 * service answers every operation within its 30-second server timeout ("Setting timeouts for
 * Table service operations", https://learn.microsoft.com/rest/api/storageservices/setting-timeouts-for-table-service-operations),
 * plus 5 s for the network. The SDK sets no timeout of its own, so without this a connection that
 * stopped answering would hold an intake or an activity forever.
 */
export const TABLE_TRY_TIMEOUT_MS = 35_000;

/**
 * Aborts a try that has not completed, body included, within `timeoutMs` and throws it as a
 * `RestError` with code `ETIMEDOUT`, which the SDK's retry policy (this policy runs per retry)
 * retries as a network error, and the app's fault classification (shared/adapters/faults.ts)
 * treats as transient once retries are exhausted. A caller's own abort signal still aborts as before.
 * @param timeoutMs - the limit of one try (ms); 0, a negative or a non-finite value sets none.
 */
export function tableTryTimeoutPolicy(timeoutMs: number = TABLE_TRY_TIMEOUT_MS): TablePipelinePolicy {
  return {
    name: "tableTryTimeoutPolicy",
    async sendRequest(request, next) {
      if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) return next(request);
      const outer = request.abortSignal;
      const controller = new AbortController();
      const onOuterAbort = (): void => controller.abort();
      if (outer?.aborted) controller.abort();
      else outer?.addEventListener("abort", onOuterAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      request.abortSignal = controller.signal;
      try {
        return await next(request);
      } catch (e) {
        if (timedOut) throw new RestError(`Table Storage did not complete ${request.method} within ${timeoutMs} ms`, { code: "ETIMEDOUT", request });
        throw e;
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener("abort", onOuterAbort);
        request.abortSignal = outer;
      }
    },
  };
}

/** Client options every table client of the app gets. */
function tableClientOptions(tryTimeoutInMs: number): TableServiceClientOptions {
  return {
    additionalPolicies: [
      { policy: batchLineSeparatorEscapePolicy, position: "perCall" },
      { policy: tableTryTimeoutPolicy(tryTimeoutInMs), position: "perRetry" },
    ],
  };
}

function allowInsecure(connectionString: string): boolean {
  return /UseDevelopmentStorage=true/i.test(connectionString) || /(?:^|;)\s*(?:DefaultEndpointsProtocol=http|TableEndpoint=http:)/i.test(connectionString);
}

/**
 * Hands out `TableClient`s for the app's tables and creates each table on first use (once per
 * process and table; a 409 "TableAlreadyExists" counts as success). With an identity-based
 * connection the identity needs the "Storage Table Data Contributor" role on the account
 * (create tables, read and write entities).
 */
export class TableStorage {
  /** Identifies the account in the process-wide "table created" cache. */
  readonly #accountKey: string;
  readonly #prefix: string;
  readonly #clients = new Map<string, TableClient>();
  readonly #createClient: (tableName: string) => TableClient;
  /** Service client, for health checks. */
  readonly serviceClient: TableServiceClient;

  /**
   * @param options - a connection string, or a table service URI (with `DefaultAzureCredential`
   *   or the given credential), and the table prefix.
   * @throws TypeError when `tableServiceUri` is not an https URL.
   */
  constructor(options: TableStorageOptions) {
    this.#prefix = options.tablePrefix ?? "";
    const tryTimeoutInMs = options.tryTimeoutInMs ?? TABLE_TRY_TIMEOUT_MS;
    if ("connectionString" in options) {
      const connectionString = options.connectionString;
      const clientOptions: TableServiceClientOptions = { ...tableClientOptions(tryTimeoutInMs), allowInsecureConnection: allowInsecure(connectionString) };
      this.#accountKey = connectionString;
      this.serviceClient = TableServiceClient.fromConnectionString(connectionString, clientOptions);
      this.#createClient = (tableName) => TableClient.fromConnectionString(connectionString, tableName, clientOptions);
    } else {
      let url: URL;
      try {
        url = new URL(options.tableServiceUri);
      } catch {
        throw new TypeError(`tableServiceUri is not a URL: ${options.tableServiceUri}`);
      }
      if (url.protocol !== "https:") throw new TypeError(`tableServiceUri must be https (bearer tokens are only sent over TLS): ${options.tableServiceUri}`);
      const endpoint = options.tableServiceUri.replace(/\/+$/, "");
      const credential = options.credential ?? new DefaultAzureCredential({ managedIdentityClientId: options.managedIdentityClientId });
      this.#accountKey = endpoint;
      this.serviceClient = new TableServiceClient(endpoint, credential, tableClientOptions(tryTimeoutInMs));
      this.#createClient = (tableName) => new TableClient(endpoint, tableName, credential, tableClientOptions(tryTimeoutInMs));
    }
  }

  /** The full table name for a logical table (prefix + name). */
  tableName(name: string): string {
    return `${this.#prefix}${name}`;
  }

  /**
   * A client for the table without creating it: for reading a table that may not exist (an
   * earlier format's), where an operation on a missing table answers 404 `TableNotFound`.
   */
  existingTable(name: string): TableClient {
    const full = this.tableName(name);
    let client = this.#clients.get(full);
    if (!client) {
      client = this.#createClient(full);
      this.#clients.set(full, client);
    }
    return client;
  }

  /**
   * A client for the table, created in storage if needed (first call only).
   * @throws RestError when the table cannot be created (other than 409).
   */
  async getTable(name: string): Promise<TableClient> {
    const full = this.tableName(name);
    const client = this.existingTable(name);
    const key = `${this.#accountKey}|${full}`;
    let ready = ensured.get(key);
    if (!ready) {
      const c = client;
      ready = c.createTable().catch((e: unknown) => {
        if (statusOf(e) !== 409) {
          ensured.delete(key);
          throw e;
        }
      });
      ensured.set(key, ready);
    }
    await ready;
    return client;
  }

  /**
   * Lists one table of the account: proves the account is reachable and the key or identity
   * accepted.
   * @throws RestError or a network error when storage is unreachable (403
   *   `AuthorizationPermissionMismatch` when the identity lacks a Storage Table Data role), or
   *   `CredentialUnavailableError` when no identity is available to `DefaultAzureCredential`.
   */
  async ping(): Promise<void> {
    const pages = this.serviceClient.listTables().byPage({ maxPageSize: 1 });
    await pages.next();
  }
}

/** HTTP status of an Azure SDK error (RestError.statusCode), or undefined. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "statusCode" in error) {
    const s = (error as { statusCode?: unknown }).statusCode;
    return typeof s === "number" ? s : undefined;
  }
  return undefined;
}

/**
 * Deletes the entities an OData filter selects (keys only are read), at most `limit`; an entity
 * deleted meanwhile (404) counts as deleted.
 * @returns how many were deleted.
 * @throws RestError when storage fails.
 */
export async function deleteWhere(table: TableClient, filter: string, limit = Number.POSITIVE_INFINITY): Promise<number> {
  let n = 0;
  for await (const e of table.listEntities({ queryOptions: { filter, select: ["PartitionKey", "RowKey"] } })) {
    if (n >= limit) break;
    try {
      await table.deleteEntity(String(e.partitionKey), String(e.rowKey));
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    n++;
  }
  return n;
}

/**
 * Most UTF-16 code units of a PartitionKey or RowKey: Azure allows 1 KiB (512 UTF-16 code units,
 * "Understanding the Table service data model"), and Azurite refuses longer keys as well.
 */
export const MAX_KEY_LENGTH = 512;

/**
 * Default length budget of one {@link encodeKey} part: two parts, a separator and a short prefix
 * (`idx_<13 digits>_`, `delivery_`, `case_`) stay within {@link MAX_KEY_LENGTH}.
 */
export const DEFAULT_KEY_PART_LENGTH = 255;

/** Characters a key may not hold (Azure: `/ \ # ?`, U+0000–U+001F, U+007F–U+009F), `%` (the escape) and lone surrogates. */
const KEY_ESCAPED = /[%/\\#?\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Makes any JavaScript string usable as (part of) a PartitionKey or RowKey, following Azure's rules
 * for key values ("Characters disallowed in key fields", ≤ 1 KiB):
 * - `%`, `/`, `\`, `#`, `?` and the control characters U+0000–U+001F and U+007F–U+009F become
 *   `%XX` (two upper-case hex digits); a lone surrogate (which has no UTF-8 form, so no URL) becomes
 *   `%uXXXX`; everything else is kept, so keys of ordinary ids read as the ids themselves and keys
 *   written before stay the same;
 * - when the result is longer than `maxLength` UTF-16 code units, the key part is `%~` followed by
 *   the SHA-256 (hex, 64 characters) of that encoded form instead (66 characters in all).
 * Injective (up to SHA-256 collisions): an escaped form never contains `%~` and never ends in a
 * cut escape, so distinct inputs give distinct parts. Total: never throws.
 * @param value - any string (an id, a webhook id from a header, an address…).
 * @param maxLength - the part's length budget (default {@link DEFAULT_KEY_PART_LENGTH}; at least 66).
 * @returns a string with none of the disallowed characters, at most `maxLength` long.
 */
export function encodeKey(value: string, maxLength: number = DEFAULT_KEY_PART_LENGTH): string {
  const encoded = value.replace(KEY_ESCAPED, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `%${code.toString(16).padStart(2, "0").toUpperCase()}` : `%u${code.toString(16).toUpperCase()}`;
  });
  return encoded.length <= maxLength ? encoded : `%~${sha256Hex(encoded)}`;
}

/**
 * A random wait before the next attempt after an ETag conflict (412/409), ms: up to
 * 25 ms × 2^attempt, at most 1 s ("full jitter", so writers racing on one row spread out).
 * @param attempt - the attempt that just conflicted (from 1).
 */
export function conflictBackoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 25 * 2 ** attempt)));
}

/** SHA-256 hex of a UTF-8 string. */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/** UTF-16 code units per chunk: below the 32 K limit of one string property. */
const CHUNK = 30000;

/**
 * Serializes a value as JSON over properties `json0`, `json1`, … (each within the 64 KiB string
 * property limit) plus `jsonParts` (their count).
 */
export function packJson(value: unknown): Record<string, string | number> {
  const json = JSON.stringify(value);
  const out: Record<string, string | number> = {};
  let parts = 0;
  for (let i = 0; i < json.length || parts === 0; i += CHUNK) {
    out[`json${parts}`] = json.slice(i, i + CHUNK);
    parts++;
  }
  out.jsonParts = parts;
  return out;
}

/**
 * Reverses {@link packJson}.
 * @throws SyntaxError when the stored JSON is corrupt.
 */
export function unpackJson<T>(entity: Record<string, unknown>): T {
  const parts = Number(entity.jsonParts ?? 0);
  let json = "";
  for (let i = 0; i < parts; i++) json += String(entity[`json${i}`] ?? "");
  return JSON.parse(json) as T;
}

/** An entity as read (keys, etag, properties). */
export type StoredEntity = TableEntityResult<Record<string, unknown>>;

/**
 * Base64url of a UTF-8 string (RFC 4648 §5), for opaque continuation tokens.
 */
export function toBase64Url(value: string): string {
  return Buffer.from(value, "utf8").toString("base64url");
}

/** Inverse of {@link toBase64Url}; undefined when the input is not base64url. */
export function fromBase64Url(value: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) return undefined;
  return Buffer.from(value, "base64url").toString("utf8");
}
