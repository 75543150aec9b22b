/**
 * Partner registration for the scripts: the one place that reaches the app's composition root
 * (`shared/container.ts`), plus the demo credentials file and local settings.
 */
import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../../shared/config";
import { createContainer, getContainer } from "../../shared/container";
import type { Partner, PartnerCredentials, PartnerDefinition } from "../../shared/contracts";
import { applyLocalSettings } from "@csp-support/local-host/settings";

/** What the scripts need from the container (shared/container.ts). */
export interface PartnerRegistrar {
  /** The stored partner, or undefined when unknown. */
  getPartner(partnerId: string): Promise<Partner | undefined>;
  /**
   * Registers (creates or updates) a partner. Credentials are issued on first registration and
   * with `rotate`; otherwise `credentials` is undefined (existing ones are kept, API keys are
   * stored only as hashes).
   * @throws Error when storage fails or the definition is rejected.
   */
  registerPartner(definition: PartnerDefinition, options?: { rotate?: boolean }): Promise<{ partner: Partner; credentials: PartnerCredentials | undefined; created: boolean }>;
}

/**
 * Adapts the app's container to {@link PartnerRegistrar}: the one place the scripts reach the
 * composition root.
 * @param env - when given, a container built from exactly this environment (does not touch
 *   `process.env` or the process-wide container; the stack uses it for its own ports); otherwise
 *   the process-wide `getContainer()` (configuration from `process.env`).
 * @throws ConfigError (from shared/config) naming bad or missing settings, e.g. `TASK_HUB_NAME`.
 */
export function loadPartnerRegistrar(env?: NodeJS.ProcessEnv): PartnerRegistrar {
  const container = env ? createContainer(loadConfig(env)) : getContainer();
  return {
    getPartner: (partnerId) => container.partners.getPartner(partnerId),
    registerPartner: (definition, options) => container.registerPartner(definition, options),
  };
}

/** Usage of the `--holidays-ics` option of register-partner. */
export const HOLIDAYS_ICS_USAGE = "  --holidays-ics path.ics   merge the all-day events of an iCalendar file (RFC 5545) into supportTerms.serviceHours.holidays";

/**
 * Takes `--holidays-ics <path>` (or `--holidays-ics=<path>`, repeatable) out of the arguments,
 * leaving the rest for the command's own parser.
 * @returns the remaining arguments and the .ics paths (resolved against the working directory).
 * @throws Error when the option has no value.
 */
export function extractHolidaysIcsOption(argv: readonly string[]): { argv: string[]; holidaysIcs: string[] } {
  const rest: string[] = [];
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--holidays-ics") {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new Error("--holidays-ics needs a path to an .ics file");
      files.push(path.resolve(value));
      i++;
    } else if (arg.startsWith("--holidays-ics=")) {
      const value = arg.slice("--holidays-ics=".length);
      if (!value) throw new Error("--holidays-ics needs a path to an .ics file");
      files.push(path.resolve(value));
    } else rest.push(arg);
  }
  return { argv: rest, holidaysIcs: files };
}

/**
 * The definition with `holidays` merged into `supportTerms.serviceHours.holidays` (deduplicated,
 * sorted ascending; local YYYY-MM-DD dates).
 */
export function mergeHolidays<T extends { supportTerms: { serviceHours: { holidays?: string[] | undefined } } }>(definition: T, holidays: readonly string[]): T {
  const merged = [...new Set([...(definition.supportTerms.serviceHours.holidays ?? []), ...holidays])].sort();
  return { ...definition, supportTerms: { ...definition.supportTerms, serviceHours: { ...definition.supportTerms.serviceHours, holidays: merged } } };
}

/**
 * Reads holiday dates from iCalendar files with `parse` (shared/services/icalHolidays.ts
 * `parseICalHolidays`), expanding recurring events from January 1 of `now`'s year through
 * December 31 of the next year.
 * @throws Error naming the file when it cannot be read or parsed.
 */
export function readHolidaysFromIcs(files: readonly string[], parse: (icsText: string, window: { from?: string; to?: string }) => string[], now: Date = new Date()): string[] {
  const year = now.getUTCFullYear();
  const window = { from: `${year}-01-01`, to: `${year + 1}-12-31` };
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new Error(`Cannot read ${file}: ${(e as Error).message}`, { cause: e });
    }
    try {
      out.push(...parse(text, window));
    } catch (e) {
      throw new Error(`${file} is not a valid iCalendar file: ${(e as Error).message}`, { cause: e });
    }
  }
  return out;
}

/** Contents of `.data/demo-credentials.json`. */
export interface DemoCredentialsFile {
  /** ISO 8601 UTC of the last change. */
  updatedAt: string;
  /** Credentials per partner id. */
  partners: Record<string, PartnerCredentials & { name: string }>;
}

/**
 * Reads a credentials file; undefined when it does not exist.
 * @throws Error when it exists but is not valid JSON of the expected shape.
 */
export function readCredentialsFile(file: string): DemoCredentialsFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<DemoCredentialsFile>;
  if (!parsed || typeof parsed !== "object" || typeof parsed.partners !== "object" || parsed.partners === null) {
    throw new Error(`${file} is not a demo credentials file (no "partners" object)`);
  }
  return { updatedAt: parsed.updatedAt ?? "", partners: parsed.partners };
}

/**
 * Writes a credentials file readable by the owner only (mode 0600, also when it already existed),
 * atomically (temporary file, then rename). Creates the directory (mode 0700) when missing.
 */
export function writeCredentialsFile(file: string, data: DemoCredentialsFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** Result of {@link ensureDemoPartners}. */
export interface EnsureDemoPartnersResult {
  /** Partners registered now (new credentials written). */
  registered: string[];
  /** Partners already registered whose credentials were in the file. */
  existing: string[];
  /** Credentials of every demo partner (what the file now holds). */
  credentials: DemoCredentialsFile;
}

/**
 * Registers the demo partners on first run only: a partner is registered when `getPartner` does
 * not find it, or, with `rotate`, when it exists but its credentials are not in the file (they are
 * shown only once, so rotation is the only way to get usable ones; demo data only). Providers are registered before their resellers. The file is written (mode 0600)
 * whenever something was registered.
 * @param options.definitions - partner definitions (validated).
 * @param options.credentialsFile - where credentials are kept, e.g. `.data/demo-credentials.json`.
 * @param options.registrar - the container adapter ({@link loadPartnerRegistrar}).
 * @throws Error from the registrar (storage unreachable, definition rejected).
 */
export async function ensureDemoPartners(options: {
  definitions: readonly PartnerDefinition[];
  credentialsFile: string;
  registrar: PartnerRegistrar;
}): Promise<EnsureDemoPartnersResult> {
  const file = readCredentialsFile(options.credentialsFile) ?? { updatedAt: "", partners: {} };
  const registered: string[] = [];
  const existing: string[] = [];
  const ordered = [...options.definitions].sort((a, b) => Number(a.type === "indirect-reseller") - Number(b.type === "indirect-reseller"));
  for (const definition of ordered) {
    const stored = await options.registrar.getPartner(definition.id);
    if (stored && file.partners[definition.id]) {
      existing.push(definition.id);
      continue;
    }
    // Known partner without credentials in the file: rotate, the only way to get usable ones.
    const { credentials } = await options.registrar.registerPartner(definition, { rotate: stored !== undefined });
    if (!credentials) throw new Error(`Registering ${definition.id} issued no credentials`);
    file.partners[definition.id] = { name: definition.name, webhookSecret: credentials.webhookSecret, apiKey: credentials.apiKey };
    registered.push(definition.id);
  }
  if (registered.length > 0) {
    file.updatedAt = new Date().toISOString();
    writeCredentialsFile(options.credentialsFile, file);
  }
  return { registered, existing, credentials: file };
}

/** Where register-partner writes (see {@link prepareRegistrationEnv}). */
export type RegistrationTarget =
  | {
      readonly kind: "azure";
      /** The storage account (`AzureWebJobsStorage__accountName`), when given by name. */
      readonly accountName?: string;
      /** `AzureWebJobsStorage__tableServiceUri`, when given instead of a name. */
      readonly tableServiceUri?: string;
    }
  | { readonly kind: "local" };

/** Settings that name storage or the local key encryption keys: never taken from local files when registering in Azure. */
function isLocalOnlySetting(key: string): boolean {
  return key === "AzureWebJobsStorage" || key.startsWith("AzureWebJobsStorage__") || key === "SECRETS_LOCAL_KEYS";
}

/**
 * Prepares the environment register-partner builds its container from, and says where it writes:
 * - **Azure**, when `AzureWebJobsStorage` (a connection string) is not set and a storage account is
 *   named by `AzureWebJobsStorage__accountName`, `AzureWebJobsStorage__tableServiceUri` or
 *   `AZURE_STORAGE_ACCOUNT_NAME` (an output of `azd up`, in `azd env get-values`): the identity
 *   form of the connection, `https://<account>.table.core.windows.net` with `DefaultAzureCredential`
 *   (the operator's Azure CLI / azd sign-in; infra/ grants the deploying user the storage data
 *   roles, shared-key access being off). local.settings.json then supplies no storage setting and
 *   no local key (the Key Vault key `SECRETS_KEY_VAULT_KEY_ID`, also an azd output, seals secrets);
 * - **local** otherwise: local.settings.json (or its example) for unset keys, as the app sees them.
 * @param root - the project root (where local.settings.json is).
 * @param env - the environment to complete (default `process.env`); modified in place.
 */
export function prepareRegistrationEnv(root: string, env: NodeJS.ProcessEnv = process.env): RegistrationTarget {
  const accountName = env.AzureWebJobsStorage__accountName || env.AZURE_STORAGE_ACCOUNT_NAME || undefined;
  const tableServiceUri = env.AzureWebJobsStorage__tableServiceUri || undefined;
  if (!env.AzureWebJobsStorage && (accountName || tableServiceUri)) {
    if (accountName) env.AzureWebJobsStorage__accountName = accountName;
    applyLocalSettings(root, env, { skip: isLocalOnlySetting });
    return { kind: "azure", ...(accountName ? { accountName } : {}), ...(tableServiceUri ? { tableServiceUri } : {}) };
  }
  applyLocalSettings(root, env);
  return { kind: "local" };
}

/**
 * Finds the project root (the directory whose package.json is this project's), walking up from
 * `startDir`: works both from the sources (scripts/lib) and from dist/scripts/lib.
 * @throws Error when no such directory exists above `startDir`.
 */
export function findProjectRoot(startDir: string = __dirname): string {
  let dir = path.resolve(startDir);
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name === "csp-support-workflow") return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No csp-support-workflow package.json above ${startDir}`);
    dir = parent;
  }
}
