/**
 * App configuration: one zod schema over the environment (app settings in Azure, `Values` of
 * local.settings.json locally), validated once and failing fast with the name of each bad key
 * (architecture.md rule 6, after pagopa `utils/config.ts`).
 */
import { z } from "zod";

/** Table name prefix: letters and digits only, since Azure table names are alphanumeric. */
const TablePrefix = z
  .string()
  .regex(/^(?:[A-Za-z][A-Za-z0-9]{0,39})?$/, "letters and digits, starting with a letter, at most 40 characters (Azure table names are alphanumeric)");

/**
 * Schema of the configuration. Each key:
 * - `AzureWebJobsStorage` — storage connection string of the app (Table Storage for cases,
 *   partners, idempotency keys and sent notifications; the Durable task hub uses it too).
 *   `UseDevelopmentStorage=true` means Azurite on its default ports (table 10002).
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
 * - `PUBLIC_BASE_URL` — origin the API is reached at, used in `Location` and status URLs. Default
 *   `http://127.0.0.1:7071`; a trailing slash is removed.
 * - `TABLE_PREFIX` — prefix of every table name this app creates (lets tests and environments
 *   share one storage account). Default empty.
 */
export const ConfigSchema = z
  .object({
    AzureWebJobsStorage: z.string().trim().min(1, "a storage connection string, e.g. UseDevelopmentStorage=true"),
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
    PUBLIC_BASE_URL: z
      .url({ protocol: /^https?$/ })
      .default("http://127.0.0.1:7071")
      .transform((u) => u.replace(/\/+$/, "")),
    TABLE_PREFIX: TablePrefix.default(""),
  })
  .superRefine((c, ctx) => {
    if (c.EMAIL_PROVIDER === "acs" && !c.ACS_CONNECTION_STRING && !c.ACS_ENDPOINT) {
      ctx.addIssue({ code: "custom", path: ["ACS_CONNECTION_STRING"], message: "ACS_CONNECTION_STRING or ACS_ENDPOINT is required when EMAIL_PROVIDER=acs" });
    }
    if (Boolean(c.SMTP_USER) !== Boolean(c.SMTP_PASSWORD)) {
      ctx.addIssue({ code: "custom", path: [c.SMTP_USER ? "SMTP_PASSWORD" : "SMTP_USER"], message: "SMTP_USER and SMTP_PASSWORD go together" });
    }
  });

/** Validated configuration (defaults applied). */
export type Config = z.output<typeof ConfigSchema>;

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
 * @returns the configuration with defaults applied.
 * @throws ConfigError naming every missing or invalid key, e.g. `SMTP_PORT: Too big: expected number to be <=65535`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = ConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const keys = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "(config)")))];
  const lines = parsed.error.issues.map((i) => `${String(i.path[0] ?? "(config)")}: ${i.input === undefined && i.code === "invalid_type" ? "is required" : i.message}`);
  throw new ConfigError(`Invalid configuration: ${lines.join("; ")}`, keys);
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
