/**
 * `npm run register-partner -- path/to/partner.json [--rotate] [--holidays-ics path.ics]`: validates a partner definition
 * (PartnerDefinitionSchema; errors name the field path), registers it in the app's storage
 * (`AzureWebJobsStorage` from the environment or local.settings.json; or, after `azd up`, the
 * Azure storage account `AZURE_STORAGE_ACCOUNT_NAME` names, reached with DefaultAzureCredential:
 * `prepareRegistrationEnv` in scripts/lib/partners.ts) and prints the credentials
 * once. Without `--rotate`, an already registered partner keeps its credentials (its definition is
 * updated); `--rotate` issues new ones (the previous pair stays valid until the next rotation).
 * `--holidays-ics` (repeatable) merges the all-day events of an iCalendar file into
 * `supportTerms.serviceHours.holidays` before validation.
 * Exit codes: 0 done, 1 failure, 2 bad usage or invalid file.
 */
import fs from "node:fs";
import path from "node:path";
import { ensureLocalSecretsKey, LOCAL_SECRETS_KEY_FILE } from "./lib/stack";
import { formatIssues, readJsonFile, FixtureValidationError } from "./lib/fixtures";
import { parseRegisterPartnerArgs, REGISTER_PARTNER_USAGE, UsageError } from "./lib/cli";
import { extractHolidaysIcsOption, findProjectRoot, HOLIDAYS_ICS_USAGE, loadPartnerRegistrar, mergeHolidays, prepareRegistrationEnv, readHolidaysFromIcs } from "./lib/partners";
import { PartnerDefinitionSchema } from "../shared/contracts";
import { parseICalHolidays } from "../shared/services/icalHolidays";

async function main(): Promise<number> {
  let args;
  let holidaysIcs: string[];
  try {
    const extracted = extractHolidaysIcsOption(process.argv.slice(2));
    holidaysIcs = extracted.holidaysIcs;
    args = parseRegisterPartnerArgs(extracted.argv);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && e.message.startsWith("--holidays-ics"))) {
      console.error(`${e.message}\n${REGISTER_PARTNER_USAGE} [--holidays-ics path.ics]\n${HOLIDAYS_ICS_USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    console.log(`${REGISTER_PARTNER_USAGE} [--holidays-ics path.ics]\n${HOLIDAYS_ICS_USAGE}`);
    return 0;
  }
  let json: unknown;
  try {
    json = readJsonFile(args.file);
  } catch (e) {
    if (e instanceof FixtureValidationError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  if (holidaysIcs.length > 0 && json && typeof json === "object" && (json as { supportTerms?: { serviceHours?: unknown } }).supportTerms?.serviceHours) {
    let holidays: string[];
    try {
      holidays = readHolidaysFromIcs(holidaysIcs, parseICalHolidays);
    } catch (e) {
      console.error((e as Error).message);
      return 2;
    }
    json = mergeHolidays(json as { supportTerms: { serviceHours: { holidays?: string[] } } }, holidays);
    console.log(`Merged ${holidays.length} holiday date(s) from ${holidaysIcs.length} iCalendar file(s).`);
  }
  const parsed = PartnerDefinitionSchema.safeParse(json);
  if (!parsed.success) {
    console.error(`${args.file} is not a valid partner definition:\n${formatIssues(parsed.error).map((l) => `  - ${l}`).join("\n")}`);
    return 2;
  }
  const root = findProjectRoot();
  const target = prepareRegistrationEnv(root);
  if (target.kind === "azure") {
    console.log(`Registering in the Azure storage account ${target.accountName ?? target.tableServiceUri ?? ""} with your Azure sign-in (DefaultAzureCredential: az login / azd auth login).`);
  } else if (!process.env.SECRETS_KEY_VAULT_KEY_ID && !process.env.SECRETS_LOCAL_KEYS && fs.existsSync(path.join(root, ".data", LOCAL_SECRETS_KEY_FILE))) {
    // Locally, the key encryption key `npm start` generated (in Azure: SECRETS_KEY_VAULT_KEY_ID).
    process.env.SECRETS_LOCAL_KEYS = ensureLocalSecretsKey(path.join(root, ".data"));
  }
  const registrar = loadPartnerRegistrar();
  const existing = await registrar.getPartner(parsed.data.id);
  const { partner, credentials, created } = await registrar.registerPartner(parsed.data, { rotate: args.rotate });
  console.log(`${created ? "Registered" : "Updated"} partner ${partner.id} (${partner.name}, ${partner.type}).`);
  if (!credentials) {
    console.log("Its existing credentials were kept (they are shown only when issued). Use --rotate to issue new ones.");
    return 0;
  }
  console.log("");
  console.log("Credentials (shown only now: store them in your secret store; the API key cannot be shown again):");
  console.log(`  webhook secret (Standard Webhooks, sign intake requests): ${credentials.webhookSecret}`);
  console.log(`  API key (x-api-key header of the partner API):            ${credentials.apiKey}`);
  if (args.rotate && existing) console.log("The previous credentials stay valid until the next rotation; switch over, then rotate again to revoke them.");
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const err = e as Error & { code?: string };
    console.error(`Registration failed: ${err.message ?? String(e)}`);
    if (err.code === "InvalidConfiguration") console.error("Set the named settings in the environment or in local.settings.json.");
    if (/ECONNREFUSED|ENOTFOUND/.test(err.message ?? "")) console.error("Is the storage in AzureWebJobsStorage running? Locally, `npm start` starts Azurite.");
    if (/AuthorizationPermissionMismatch|AuthorizationFailure|403|Forbidden/.test(err.message ?? "")) {
      console.error("Your Azure sign-in needs Storage Table Data Contributor on the account and Key Vault Crypto Service Encryption User on the key: infra/ grants both to the principal that ran `azd up` (docs/deploy.md).");
    }
    process.exitCode = 1;
  },
);
