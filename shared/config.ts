/**
 * App configuration: one zod schema over the environment (app settings in Azure, `Values` of
 * local.settings.json locally), validated once and failing fast with the name of each bad key
 * (layering rule 6, after pagopa `utils/config.ts`).
 */
import { z } from "zod";

/** Table name prefix: letters and digits only, since Azure table names are alphanumeric. */
const TablePrefix = z
  .string()
  .regex(/^(?:[A-Za-z][A-Za-z0-9]{0,39})?$/, "letters and digits, starting with a letter, at most 40 characters (Azure table names are alphanumeric)");

/**
 * Schema of the configuration. Each key:
 * - `AzureWebJobsStorage` — storage connection of the app (Table Storage for cases, partners,
 *   idempotency keys and sent notifications; the Durable task hub uses it too), in one of two forms
 *   (Azure Functions "Connecting to host storage with an identity",
 *   https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity):
 *   - a connection string in `AzureWebJobsStorage`; `UseDevelopmentStorage=true` means Azurite on
 *     its default ports (table 10002). It wins when both forms are set, as in the Functions host;
 *   - an identity-based connection (what infra/modules/app.bicep sets): `AzureWebJobsStorage__accountName`
 *     (3–24 lowercase letters and digits; tables at `https://<account>.table.core.windows.net`) or
 *     `AzureWebJobsStorage__tableServiceUri` (an `https` URI, e.g. for a sovereign cloud; wins over
 *     the account name), with optional `AzureWebJobsStorage__credential` (only `managedidentity`)
 *     and `AzureWebJobsStorage__clientId` (client id of a user-assigned identity). The app's
 *     tables are then reached with `DefaultAzureCredential` (see {@link StorageConnection}).
 * - `TASK_HUB_NAME` — Durable Functions task hub name (host.json `%TASK_HUB_NAME%`); 3–45
 *   letters and digits, starting with a letter (Azure Storage provider naming rule).
 * - `EMAIL_PROVIDER` — `smtp` (local, e.g. MailDev) or `acs` (Azure Communication Services Email). Default `smtp`.
 * - `SMTP_HOST` — SMTP server host. Default `127.0.0.1`.
 * - `SMTP_PORT` — SMTP server port (integer 1–65535). Default `1025`.
 * - `SMTP_SECURE` — `true` for implicit TLS (port 465); otherwise STARTTLS is used when offered. Default `false`.
 * - `SMTP_USER` / `SMTP_PASSWORD` — optional SMTP AUTH credentials (both or neither).
 * - `ACS_CONNECTION_STRING` — ACS connection string (`endpoint=…;accesskey=…`), or
 * - `ACS_ENDPOINT` — ACS endpoint URL, authenticated with the Function App's managed identity
 *   (`AZURE_CLIENT_ID` selects a user-assigned identity). One of the two is required when `EMAIL_PROVIDER=acs`.
 * - `EMAIL_SENDER_ADDRESS` — the platform sender: the address mail goes out from when a partner's
 *   `senderEmail` is not on a linked domain (shared/services/platformSender.ts), e.g.
 *   `DoNotReply@<guid>.azurecomm.net` of the Azure-managed domain (infra/ sets it from the domain's
 *   `mailFromSenderDomain`). Required when `EMAIL_PROVIDER=acs` (ACS refuses any other domain);
 *   unset with SMTP, every mail goes out from the partner's `senderEmail`.
 * - `EMAIL_SENDER_LINKED_DOMAINS` — comma-separated domains verified for sending (custom domains
 *   linked to the ACS resource): partners whose `senderEmail` is on one send as themselves. Default none.
 * - `PUBLIC_BASE_URL` — origin the API is reached at, used in `Location` and status URLs. Default
 *   `http://127.0.0.1:7071`; a trailing slash is removed.
 * - `TABLE_PREFIX` — prefix of every table name this app creates (lets tests and environments
 *   share one storage account). Default empty.
 * - `PARTNER_CENTER_ENABLED` — `true` files Microsoft service requests through the Partner Center
 *   API (`POST /v1/servicerequests/{locale}`); `false` (default) only prepares the payload on the
 *   case's escalation record for the partner to file by hand.
 * - `PARTNER_CENTER_BASE_URL` — Partner Center API origin. Default `https://api.partnercenter.microsoft.com`.
 * - `PARTNER_CENTER_TENANT_ID`, `PARTNER_CENTER_CLIENT_ID`, `PARTNER_CENTER_CLIENT_SECRET` — the
 *   Microsoft Entra app (client credentials) whose token (scope
 *   `https://api.partnercenter.microsoft.com/.default`) calls Partner Center; required when enabled.
 * - `PARTNER_CENTER_SUPPORT_TOPIC_ID` — `SupportTopicId` of filed service requests (one of
 *   `GET /v1/servicerequests/supporttopics`); required when enabled, empty in prepared payloads otherwise.
 * - `AzureWebJobsStorage__blobServiceUri` — identity form: the `https` blob endpoint (email
 *   intake containers); default `https://<account>.blob.core.windows.net` from `__accountName`.
 * - `AzureWebJobsStorage__queueServiceUri` — identity form: the `https` queue endpoint (the retries
 *   of inbound email the blob trigger gave up on); default `https://<account>.queue.core.windows.net`.
 * - `INBOUND_EMAIL_MAX_BYTES` — largest inbound message processed, in bytes (the relay
 *   endpoint's 413; a larger blob, e.g. from the SMTP intake, which accepts up to max(2 × cap,
 *   25 MiB), is quarantined as `too-large`). Default 10485760 (10 MiB, ACS's cap).
 * - `INBOUND_ATTACHMENT_MAX_BYTES` — largest attachment stored, in bytes; a larger one is
 *   listed with `omitted: "too-large"`. Default 5242880 (5 MiB).
 * - `WORKFLOW_SWEEP_SCHEDULE` — NCRONTAB schedule (six fields, UTC) of the workflow recovery
 *   sweeper (functions/workflowRecovery.ts). Default `0 *\/2 * * * *` (every 2 minutes).
 * - `ORPHANED_WORKFLOW_SCHEDULE` — NCRONTAB schedule (six fields, UTC) of the pass that restarts
 *   open requests whose orchestration instance is not in the task hub (functions/workflowRecovery.ts).
 *   Default `0 40 * * * *` (hourly).
 * - `ORPHANED_WORKFLOW_GRACE_SECONDS` — how long after its creation an open request without an
 *   orchestration instance is left to its intake by that pass, in seconds. Default 900 (15 min).
 * - `INBOUND_EMAIL_SWEEP_SCHEDULE` — NCRONTAB schedule (six fields, UTC) of the sweep for inbound
 *   email no trigger ran on (functions/inboundEmail.ts). Default `0 20 * * * *` (hourly).
 * - `INBOUND_ACK_MAX_PER_HOUR` — automatic acknowledgements per sender address per hour;
 *   further requests are created with `acknowledgementSuppressed: true`. Default 3.
 * - `SECRETS_KEY_VAULT_KEY_ID` — versionless id of the Azure Key Vault key that wraps the data keys
 *   of secrets stored encrypted (`https://<vault>.vault.azure.net/keys/<name>`; what infra/ sets).
 *   Reached with the managed identity (`AZURE_CLIENT_ID` for a user-assigned one).
 * - `SECRETS_LOCAL_KEYS` — local key encryption keys, `<id>:<base64 of 32 bytes>` comma-separated,
 *   the first wrapping (`npm start` generates one into `.data/`). With Key Vault set, they only
 *   unwrap secrets sealed before the move. One of the two is required to read or write partners.
 * - `SECRETS_CACHE_TTL_SECONDS` — how long unwrapped data keys stay in memory (0–3600). Default 300.
 * - `RETENTION_MAX_PER_RUN` — at most this many requests, and this many inbound mail entries, have
 *   their customers' personal data erased per data maintenance run (all partners together; the
 *   next run goes on). 1–100000. Default 500.
 * - `STATUS_LINK_KEYS` — keys signing the customers' status-page links (HMAC-SHA256,
 *   shared/services/statusLinks.ts), `<id>:<base64 of 32 bytes>` comma-separated, the first
 *   signing, all verifying (rotation: add a new key in front, drop the old one after
 *   `STATUS_LINK_MAX_AGE_DAYS`). `npm start` generates one into `.data/`; in Azure an app setting
 *   holding a Key Vault reference (`@Microsoft.KeyVault(SecretUri=…)`). Unset: customer emails carry
 *   no status link and `/api/status/…` answers 404.
 * - `STATUS_LINK_MAX_AGE_DAYS` — how long a status link stays valid after the email carrying it
 *   was sent, in days (1–365). Default 30.
 * - `API_RATE_LIMIT_PER_MINUTE` — partner API requests per API key per minute and host
 *   instance (fixed window, in process; 429 with `Retry-After` beyond; OWASP API4:2023). Default 120.
 */
export const ConfigSchema = z
  .object({
    AzureWebJobsStorage: z.string().trim().optional(),
    AzureWebJobsStorage__accountName: z
      .string()
      .trim()
      .regex(/^[a-z0-9]{3,24}$/, "a storage account name: 3–24 lowercase letters and digits")
      .optional(),
    AzureWebJobsStorage__tableServiceUri: z
      .url({ protocol: /^https$/, error: "an https URI of the table service, e.g. https://<account>.table.core.windows.net (tokens are only sent over TLS)" })
      .transform((u) => u.replace(/\/+$/, ""))
      .optional(),
    AzureWebJobsStorage__credential: z
      .string()
      .trim()
      .regex(/^managedidentity$/i, "`managedidentity` (the only value Azure Functions defines), or unset")
      .optional(),
    AzureWebJobsStorage__clientId: z.guid("the client id (a GUID) of a user-assigned managed identity").optional(),
    TASK_HUB_NAME: z.string().regex(/^[A-Za-z][A-Za-z0-9]{2,44}$/, "3–45 letters and digits, starting with a letter"),
    EMAIL_PROVIDER: z.enum(["smtp", "acs"]).default("smtp"),
    SMTP_HOST: z.string().trim().min(1).default("127.0.0.1"),
    SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(1025),
    SMTP_SECURE: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    ACS_CONNECTION_STRING: z.string().trim().min(1).optional(),
    ACS_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    EMAIL_SENDER_ADDRESS: z.email("an email address, e.g. DoNotReply@<guid>.azurecomm.net").optional(),
    EMAIL_SENDER_LINKED_DOMAINS: z
      .string()
      .transform((v) => v.split(",").map((d) => d.trim().toLowerCase()).filter((d) => d !== ""))
      .pipe(z.array(z.string().regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "comma-separated domain names, e.g. support.contoso.com,fabrikam.com")))
      .default([]),
    PUBLIC_BASE_URL: z
      .url({ protocol: /^https?$/ })
      .default("http://127.0.0.1:7071")
      .transform((u) => u.replace(/\/+$/, "")),
    TABLE_PREFIX: TablePrefix.default(""),
    PARTNER_CENTER_ENABLED: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    PARTNER_CENTER_BASE_URL: z
      .url({ protocol: /^https?$/ })
      .default("https://api.partnercenter.microsoft.com")
      .transform((u) => u.replace(/\/+$/, "")),
    PARTNER_CENTER_TENANT_ID: z.string().trim().min(1).optional(),
    PARTNER_CENTER_CLIENT_ID: z.string().trim().min(1).optional(),
    PARTNER_CENTER_CLIENT_SECRET: z.string().trim().min(1).optional(),
    PARTNER_CENTER_SUPPORT_TOPIC_ID: z.string().trim().min(1).optional(),
    AzureWebJobsStorage__blobServiceUri: z
      .url({ protocol: /^https$/, error: "an https URI of the blob service, e.g. https://<account>.blob.core.windows.net" })
      .transform((u) => u.replace(/\/+$/, ""))
      .optional(),
    AzureWebJobsStorage__queueServiceUri: z
      .url({ protocol: /^https$/, error: "an https URI of the queue service, e.g. https://<account>.queue.core.windows.net" })
      .transform((u) => u.replace(/\/+$/, ""))
      .optional(),
    INBOUND_EMAIL_MAX_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
    INBOUND_ATTACHMENT_MAX_BYTES: z.coerce.number().int().min(1).max(100 * 1024 * 1024).default(5 * 1024 * 1024),
    INBOUND_ACK_MAX_PER_HOUR: z.coerce.number().int().min(0).max(1000).default(3),
    API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
    WORKFLOW_SWEEP_SCHEDULE: z
      .string()
      .trim()
      .regex(/^\S+( \S+){5}$/, "an NCRONTAB expression with six fields (second minute hour day month day-of-week), e.g. `0 */2 * * * *`")
      .optional(),
    ORPHANED_WORKFLOW_SCHEDULE: z
      .string()
      .trim()
      .regex(/^\S+( \S+){5}$/, "an NCRONTAB expression with six fields (second minute hour day month day-of-week), e.g. `0 40 * * * *`")
      .optional(),
    ORPHANED_WORKFLOW_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(900),
    INBOUND_EMAIL_SWEEP_SCHEDULE: z
      .string()
      .trim()
      .regex(/^\S+( \S+){5}$/, "an NCRONTAB expression with six fields (second minute hour day month day-of-week), e.g. `0 20 * * * *`")
      .optional(),
    SECRETS_KEY_VAULT_KEY_ID: z
      .string()
      .trim()
      .regex(/^https:\/\/[^/]+\/keys\/[A-Za-z0-9-]{1,127}\/?$/, "the versionless Key Vault key id, https://<vault>.vault.azure.net/keys/<name>")
      .optional(),
    SECRETS_LOCAL_KEYS: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=(?:\s*,\s*[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=)*$/, "<id>:<base64 of 32 bytes>, comma-separated")
      .optional(),
    STATUS_LINK_KEYS: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=(?:\s*,\s*[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=)*$/, "<id>:<base64 of 32 bytes>, comma-separated")
      .optional(),
    STATUS_LINK_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    SECRETS_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
    RETENTION_MAX_PER_RUN: z.coerce.number().int().min(1).max(100_000).default(500),
  })
  .superRefine((c, ctx) => {
    if (!c.AzureWebJobsStorage && !c.AzureWebJobsStorage__accountName && !c.AzureWebJobsStorage__tableServiceUri) {
      ctx.addIssue({
        code: "custom",
        path: ["AzureWebJobsStorage"],
        message:
          "is required: a storage connection string (e.g. UseDevelopmentStorage=true), or AzureWebJobsStorage__accountName / AzureWebJobsStorage__tableServiceUri for an identity-based connection",
      });
    }
    if (c.EMAIL_PROVIDER === "acs" && !c.ACS_CONNECTION_STRING && !c.ACS_ENDPOINT) {
      ctx.addIssue({ code: "custom", path: ["ACS_CONNECTION_STRING"], message: "ACS_CONNECTION_STRING or ACS_ENDPOINT is required when EMAIL_PROVIDER=acs" });
    }
    if (c.EMAIL_PROVIDER === "acs" && !c.EMAIL_SENDER_ADDRESS) {
      ctx.addIssue({ code: "custom", path: ["EMAIL_SENDER_ADDRESS"], message: "is required when EMAIL_PROVIDER=acs: ACS sends only from its linked domains (e.g. DoNotReply@<guid>.azurecomm.net of the Azure-managed domain)" });
    }
    if (c.PARTNER_CENTER_ENABLED) {
      for (const key of ["PARTNER_CENTER_TENANT_ID", "PARTNER_CENTER_CLIENT_ID", "PARTNER_CENTER_CLIENT_SECRET", "PARTNER_CENTER_SUPPORT_TOPIC_ID"] as const) {
        if (!c[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required when PARTNER_CENTER_ENABLED=true" });
      }
    }
    if (Boolean(c.SMTP_USER) !== Boolean(c.SMTP_PASSWORD)) {
      ctx.addIssue({ code: "custom", path: [c.SMTP_USER ? "SMTP_PASSWORD" : "SMTP_USER"], message: "SMTP_USER and SMTP_PASSWORD go together" });
    }
  });

/**
 * The app's storage connection, resolved from the `AzureWebJobsStorage*` settings:
 * - `connectionString`: a storage connection string (account key, SAS or `UseDevelopmentStorage=true`);
 * - `identity`: an identity-based connection: the table service URI, reached with
 *   `DefaultAzureCredential({ managedIdentityClientId })` (a managed identity in Azure, the
 *   developer's Azure CLI/VS Code sign-in locally). Needs the "Storage Table Data Contributor"
 *   role on the account. See https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity.
 */
export type StorageConnection =
  | { readonly kind: "connectionString"; readonly connectionString: string }
  | {
      readonly kind: "identity";
      /** `https://<account>.table.core.windows.net`, or `AzureWebJobsStorage__tableServiceUri`; no trailing slash. */
      readonly tableServiceUri: string;
      /** `AzureWebJobsStorage__clientId`: a user-assigned identity; unset means the system-assigned one (or `AZURE_CLIENT_ID`). */
      readonly managedIdentityClientId?: string;
    };

/**
 * Validated configuration (defaults applied), plus `storage`: the resolved storage connection.
 * `AzureWebJobsStorage` is the connection string, or `""` when the identity-based form is used
 * (read `storage` rather than `AzureWebJobsStorage` to support both).
 */
export type Config = Omit<z.output<typeof ConfigSchema>, "AzureWebJobsStorage"> & {
  readonly AzureWebJobsStorage: string;
  readonly storage: StorageConnection;
};

/**
 * Public-cloud table endpoint of a storage account, as the Functions host derives it from
 * `AzureWebJobsStorage__accountName`.
 * @param accountName - storage account name (3–24 lowercase letters and digits).
 * @returns `https://<account>.table.core.windows.net`.
 */
export function tableServiceUriOf(accountName: string): string {
  return `https://${accountName}.table.core.windows.net`;
}

function resolveStorageConnection(c: z.output<typeof ConfigSchema>): StorageConnection {
  if (c.AzureWebJobsStorage) return { kind: "connectionString", connectionString: c.AzureWebJobsStorage };
  const tableServiceUri = c.AzureWebJobsStorage__tableServiceUri ?? tableServiceUriOf(c.AzureWebJobsStorage__accountName as string);
  return { kind: "identity", tableServiceUri, ...(c.AzureWebJobsStorage__clientId ? { managedIdentityClientId: c.AzureWebJobsStorage__clientId } : {}) };
}

/** Raised when the environment does not satisfy {@link ConfigSchema}; `keys` names each bad key. */
export class ConfigError extends Error {
  /** Stable code for callers. */
  readonly code = "InvalidConfiguration";
  /**
   * @param message - every problem, one per key.
   * @param keys - the names of the bad keys.
   */
  constructor(
    message: string,
    readonly keys: string[],
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * Validates an environment against {@link ConfigSchema}. Empty strings count as unset, so a
 * blank value in local.settings.json falls back to the default.
 * @param env - variables to read (default `process.env`).
 * @returns the configuration with defaults applied and `storage` resolved.
 * @throws ConfigError naming every missing or invalid key, e.g. `SMTP_PORT: Too big: expected number to be <=65535`,
 *   `AzureWebJobsStorage: is required: …` when neither storage form is set, or
 *   `PARTNER_CENTER_CLIENT_SECRET: is a Key Vault reference the platform could not resolve …` when a
 *   setting still holds `@Microsoft.KeyVault(…)` ({@link UNRESOLVED_KEY_VAULT_REFERENCE}).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const unresolved = Object.keys(input).filter((key) => isKeyVaultReference(input[key] as string));
  const parsed = ConfigSchema.safeParse(input);
  if (parsed.success && unresolved.length === 0) return { ...parsed.data, AzureWebJobsStorage: parsed.data.AzureWebJobsStorage ?? "", storage: resolveStorageConnection(parsed.data) };
  const lines = unresolved.map((key) => `${key}: ${UNRESOLVED_KEY_VAULT_REFERENCE}`);
  for (const i of parsed.success ? [] : parsed.error.issues) {
    const key = String(i.path[0] ?? "(config)");
    if (!unresolved.includes(key)) lines.push(`${key}: ${i.input === undefined && i.code === "invalid_type" ? "is required" : i.message}`);
  }
  const keys = [...new Set(lines.map((l) => l.slice(0, l.indexOf(":"))))];
  throw new ConfigError(`Invalid configuration: ${lines.join("; ")}`, keys);
}

/**
 * Why a setting that still holds `@Microsoft.KeyVault(…)` is refused: App Service and Azure
 * Functions replace a Key Vault reference by the secret when they can read it, and otherwise leave
 * the reference text itself as the value ("Use Key Vault references as app settings", Microsoft
 * Learn), which the app would otherwise send on as if it were the secret.
 */
export const UNRESOLVED_KEY_VAULT_REFERENCE =
  "is a Key Vault reference the platform could not resolve (the secret is missing or disabled, or the app's identity cannot read it: check the secret, the site's keyVaultReferenceIdentity and the identity's Key Vault Secrets User role; the portal shows the reference's status under Environment variables)";

/**
 * Whether a setting's value is a Key Vault reference left unresolved: `@Microsoft.KeyVault(…)`
 * (either form, `SecretUri=…` or `VaultName=…;SecretName=…`), case-insensitive as the platform
 * reads it.
 * @param value - the setting's value as the process sees it.
 */
export function isKeyVaultReference(value: string): boolean {
  return /^\s*@Microsoft\.KeyVault\(/i.test(value);
}

/**
 * How to reach a storage service the app calls beside Table Storage: the connection string, or the
 * identity form's endpoint (`AzureWebJobsStorage__<service>ServiceUri`, else
 * `https://<account>.<service>.core.windows.net` from `__accountName`).
 * @throws ConfigError when the identity form has neither (only `__tableServiceUri` was given).
 */
function serviceConnectionOf(config: Config, service: "blob" | "queue"): { connectionString: string } | { serviceUri: string; managedIdentityClientId?: string } {
  if (config.storage.kind === "connectionString") return { connectionString: config.storage.connectionString };
  const key = `AzureWebJobsStorage__${service}ServiceUri` as const;
  const uri = config[key] ?? (config.AzureWebJobsStorage__accountName ? `https://${config.AzureWebJobsStorage__accountName}.${service}.core.windows.net` : undefined);
  if (!uri) throw new ConfigError(`Invalid configuration: ${key}: is required for email intake with an identity-based connection given by __tableServiceUri`, [key]);
  return { serviceUri: uri, ...(config.storage.managedIdentityClientId ? { managedIdentityClientId: config.storage.managedIdentityClientId } : {}) };
}

/**
 * How to reach Blob Storage (email intake containers): the connection string, or the
 * identity form's blob endpoint (`AzureWebJobsStorage__blobServiceUri`, else from `__accountName`).
 * @throws ConfigError when the identity form has neither (only `__tableServiceUri` was given).
 */
export function blobConnectionOf(config: Config): { connectionString: string } | { blobServiceUri: string; managedIdentityClientId?: string } {
  const c = serviceConnectionOf(config, "blob");
  if ("connectionString" in c) return c;
  const { serviceUri, ...rest } = c;
  return { blobServiceUri: serviceUri, ...rest };
}

/**
 * How to reach Queue Storage (the retries of inbound email the blob trigger gave up on): the
 * connection string, or the identity form's queue endpoint (`AzureWebJobsStorage__queueServiceUri`,
 * else from `__accountName`).
 * @throws ConfigError when the identity form has neither (only `__tableServiceUri` was given).
 */
export function queueConnectionOf(config: Config): { connectionString: string } | { queueServiceUri: string; managedIdentityClientId?: string } {
  const c = serviceConnectionOf(config, "queue");
  if ("connectionString" in c) return c;
  const { serviceUri, ...rest } = c;
  return { queueServiceUri: serviceUri, ...rest };
}

let cached: Config | undefined;

/**
 * The process-wide configuration, validated once from `process.env` on first use.
 * @throws ConfigError naming the bad keys (the host fails to start the function instead of
 *   failing later on first use of a misconfigured adapter).
 */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}

